/*
 * report.c — the report container: inputs, sites, notes.
 */
#include "vgtriage/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vgt_report *report_new(void)
{
	struct vgt_report *report = xcalloc(1, sizeof(*report));
	report->pool = strpool_new();
	return report;
}

void report_free(struct vgt_report *report)
{
	if (report == NULL)
		return;
	for (size_t i = 0; i < report->n_inputs; i++)
		free(report->inputs[i]);
	free(report->inputs);
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *site = report->sites[i];
		stack_release(&site->stack);
		stack_release(&site->aux_stack);
		free(site->context.lines);
		free(site->tests);
		free(site);
	}
	free(report->sites);
	free(report->unknown_kinds);
	free(report->unknown_kind_counts);
	free(report->notes);
	free(report->tests);
	rank_index_free(report->index);
	strpool_free(report->pool);
	free(report);
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

void report_add_note(struct vgt_report *report, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char *note = strpool_intern(report->pool, buf);
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
