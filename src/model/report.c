/*
 * report.c — the report container: inputs, sites, notes.
 */
#include "vgtriage/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"

struct vgt_report *report_new(void)
{
	struct vgt_report *report = xcalloc(1, sizeof(*report));
	report->pool = strpool_new();
	report->frames = frames_new(report->pool);
	return report;
}

void report_free(struct vgt_report *report)
{
	if (report == NULL)
		return;
	for (size_t i = 0; i < report->n_inputs; i++)
		free(report->inputs[i]);
	free(report->supp_uses);
	for (size_t i = 0; i < report->n_record_stacks; i++)
		stack_release(&report->record_stacks[i].stack);
	free(report->record_stacks);
	free(report->merge_events);
	frames_free(report->merge_frames);
	strpool_free(report->merge_pool);
	free(report->merge_inputs);
	free(report->inputs);
	for (size_t i = 0; i < report->n_sites; i++)
		report_release_site(report, report->sites[i]);
	free(report->sites);
	for (size_t i = 0; i < report->n_site_chunks; i++)
		free(report->site_chunks[i]);
	free(report->site_chunks);
	free(report->unknown_kinds);
	free(report->unknown_kind_counts);
	free(report->notes);
	free(report->path_roots);
	free(report->tests);
	free(report->snapshots);
	if (report->index != NULL && report->free_index != NULL)
		report->free_index(report->index);
	frames_free(report->frames);
	strpool_free(report->sym_pool);
	strpool_free(report->pool);
	free(report);
}

void report_release_site(struct vgt_report *report, struct vgt_site *site)
{
	stack_release(&site->stack);
	stack_release(&site->aux_stack);
	stack_release(&site->aux_stack2);
	for (size_t i = 0; i < site->n_heads; i++)
		stack_release(&site->heads[i].stack);
	free(site->heads);
	free(site->what);
	free(site->auxwhat);
	free(site->auxwhat2);
	free(site->generated);
	struct vgt_site_detail *d = site->detail;
	if (d != NULL) {
		free(d->context.lines);
		free(d->gen_marker.lines);
		free(d->gen_context.lines);
		if (d->explain != NULL)
			free(d->explain->evidence);
		free(d->explain);
		free(d->tests);
		free(d->pids);
		free(d);
		site->detail = NULL;
	}
	if (report->release_site != NULL)
		report->release_site(site);
}

/* Most sites never get a detail (report.h): they all share this one. */
static const struct vgt_site_detail no_detail;

const struct vgt_site_detail *site_detail(const struct vgt_site *site)
{
	return site->detail != NULL ? site->detail : &no_detail;
}

struct vgt_site_detail *site_detail_mut(struct vgt_site *site)
{
	if (site->detail == NULL)
		site->detail = xcalloc(1, sizeof(*site->detail));
	return site->detail;
}

/* Sites come from chunks of SITE_CHUNK: one malloc per many sites. */
#define SITE_CHUNK 256

struct vgt_site *report_new_site(struct vgt_report *report)
{
	size_t slot = report->site_slots % SITE_CHUNK;
	if (slot == 0 || report->n_site_chunks == 0 ||
	    report->site_slots / SITE_CHUNK >= report->n_site_chunks) {
		report->site_chunks = xgrow(report->site_chunks, &report->site_chunks_cap,
					    report->n_site_chunks + 1, sizeof(*report->site_chunks));
		report->site_chunks[report->n_site_chunks++] =
			xcalloc(SITE_CHUNK, sizeof(struct vgt_site));
	}
	struct vgt_site *site = &report->site_chunks[report->site_slots++ / SITE_CHUNK][slot];
	report->sites = xgrow(report->sites, &report->sites_cap, report->n_sites + 1,
			      sizeof(*report->sites));
	report->sites[report->n_sites++] = site;
	return site;
}

struct vgt_input *report_add_input(struct vgt_report *report, const char *path,
				   const char *format)
{
	struct vgt_input *in = xcalloc(1, sizeof(*in));
	in->path = strpool_intern(report->pool, path);
	in->format = strpool_intern(report->pool, format);
	in->pid = -1;
	in->ppid = -1;
	in->complete = 1;
	report->inputs = xgrow(report->inputs, &report->inputs_cap, report->n_inputs + 1,
			       sizeof(*report->inputs));
	report->inputs[report->n_inputs++] = in;
	return in;
}

int report_supp_unused(const struct vgt_supp_use *use)
{
	return use->records == 0 && use->valgrind_count == 0;
}

void report_keep_record_stack(struct vgt_report *report, struct vgt_site *site,
			      enum vgt_kind kind, const struct vgt_stack *stack)
{
	uint32_t n = stack->count < 24 ? stack->count : 24;
	uint64_t h = 1469598103934665603ull ^ (uint64_t)kind ^ ((uint64_t)(uintptr_t)site << 7);
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ stack->ids[i]) * 1099511628211ull;
	h ^= n;
	for (size_t i = 0; i < report->n_record_stacks; i++) {
		const struct vgt_record_stack *k = &report->record_stacks[i];
		if (k->hash == h && k->site == site && k->kind == kind && k->stack.count == n &&
		    (n == 0 || memcmp(k->stack.ids, stack->ids, n * sizeof(*stack->ids)) == 0))
			return;
	}
	report->record_stacks = xgrow(report->record_stacks, &report->record_stacks_cap,
				      report->n_record_stacks + 1, sizeof(*report->record_stacks));
	struct vgt_record_stack *k = &report->record_stacks[report->n_record_stacks++];
	memset(k, 0, sizeof(*k));
	k->site = site;
	k->kind = kind;
	k->hash = h;
	struct vgt_stack first = {stack->ids, n, n};
	stack_copy(&k->stack, &first); /* exact size, as the sites' stacks */
}

void report_input_suppcount(struct vgt_input *input, const char *name, uint64_t count)
{
	input->suppcounts_seen = 1;
	for (size_t i = 0; i < input->n_suppcounts; i++)
		if (input->suppcounts[i].name == name || strcmp(input->suppcounts[i].name, name) == 0) {
			input->suppcounts[i].count += count;
			return;
		}
	if (input->n_suppcounts == VGT_MAX_SUPPCOUNTS) {
		input->suppcounts_over = 1;
		return;
	}
	input->suppcounts[input->n_suppcounts].name = name;
	input->suppcounts[input->n_suppcounts].count = count;
	input->n_suppcounts++;
}

void report_add_note(struct vgt_report *report, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* notes quote the input (paths, names): kept in their visible form */
	const char *note = escape_text_pool(report->pool, strpool_intern(report->pool, buf));
	for (size_t i = 0; i < report->n_notes; i++)
		if (report->notes[i] == note)
			return;
	report->notes = xgrow(report->notes, &report->notes_cap, report->n_notes + 1,
			      sizeof(*report->notes));
	report->notes[report->n_notes++] = note;
}

size_t report_input_index(const struct vgt_report *report, const struct vgt_input *input)
{
	for (size_t i = 0; i < report->n_inputs; i++)
		if (report->inputs[i] == input)
			return i;
	return 0;
}

int report_is_complete(const struct vgt_report *report)
{
	for (size_t i = 0; i < report->n_inputs; i++)
		if (!report->inputs[i]->complete || !report->inputs[i]->finished)
			return 0;
	return 1;
}
