/*
 * rank.c — orchestrates the analysis of a report's sites: totals
 * (figures.c), per-process and per-test figures (procs.c, pertest.c),
 * hiding noise, fingerprints and the sort; and merging reports read in
 * parallel.  The site index itself is sites.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rank.h"
#include "analyze/figures.h"
#include "analyze/pertest.h"
#include "analyze/procs.h"
#include "analyze/sites.h"

/* Hidden by default: interpreter, runtime, Cython's runtime (one-time
 * import costs of the compiler's utility and module-init code), python
 * (what CPython allocated for Python code, which cannot leak malloc'd
 * memory by itself), and what a third-party extension or a library holds
 * that may still be in use (possibly lost, still reachable), and a test
 * framework's (the harness's own buffers and registries, not the code
 * under test).  Their
 * definite and indirect leaks and their errors are shown: memory nothing
 * points to is lost whoever's code allocated it. */
static int is_noise(const struct vgt_site *site)
{
	if (site->category == FRAME_USER)
		return 0;
	if (site->category == FRAME_EXTENSION || site->category == FRAME_LIBRARY) {
		enum vgt_kind_group g = kind_group(site->kind);
		return g == VGT_GROUP_POSSIBLE || g == VGT_GROUP_REACHABLE;
	}
	return 1;
}

/* Within a kind: the user's code, then third-party extensions, then
 * libraries, then the rest. */
static int category_order(enum frame_class cls)
{
	switch (cls) {
	case FRAME_USER: return 0;
	case FRAME_EXTENSION: return 1;
	case FRAME_LIBRARY: return 2;
	case FRAME_CYTHON_RUNTIME: return 3;
	case FRAME_PYTHON: return 4;
	default: return 5;
	}
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (a == NULL)
		return -1;
	if (b == NULL)
		return 1;
	return strcmp(a, b);
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static int compare_sites(const void *pa, const void *pb)
{
	const struct vgt_site *a = *(const struct vgt_site *const *)pa;
	const struct vgt_site *b = *(const struct vgt_site *const *)pb;
	CMP(a->hidden, b->hidden);
	CMP(kind_group(a->kind), kind_group(b->kind));
	CMP(category_order(a->category), category_order(b->category));
	CMP(b->bytes, a->bytes);
	CMP(b->blocks, a->blocks);
	/* contexts, not occurrences: a text log without -s does not carry
	 * them, and the XML and the text log of one run rank alike; then
	 * valgrind's own order (fix the first error first), which both
	 * readings know, where file names differ (a text frame has no
	 * directory) */
	CMP(b->records, a->records);
	CMP(a->first_seen, b->first_seen);
	int c = cmp_str(a->kind_name, b->kind_name);
	if (c == 0)
		c = cmp_str(a->location.file, b->location.file);
	if (c == 0 && a->location.line != b->location.line)
		c = a->location.line < b->location.line ? -1 : 1;
	if (c == 0)
		c = cmp_str(a->location.function, b->location.function);
	if (c == 0)
		c = cmp_str(a->location.obj, b->location.obj);
	return c;
}

/* kind + the file's base name (an XML run names the directory, a text
 * log does not; no machine's paths) + the function's own name
 * (sites_hash_function: the same at -O0 and -O2, demangled or inlined) +
 * the statement's text and its occurrence in the function, or, without
 * the source, the next user functions down the stack.  Never a line
 * number: lines added elsewhere keep a site known.  A site that merges
 * instantiations of a template is named by whichever record is largest:
 * its function counts with template arguments and parameters elided
 * ("lst::list<…>::push(…)"), the same whichever it is. */
void rank_fingerprint(const struct vgt_site *site, char out[17])
{
	const struct vgt_location *loc = &site->location;
	uint64_t h = 1469598103934665603ULL;
	char buf[40];
	h = sites_hash_field(h, site->kind_name);
	h = sites_hash_field(h, loc->file != NULL ? vgt_basename(loc->file) : NULL);
	h = sites_hash_function(h, loc->function);
	const struct vgt_site_detail *d = site_detail(site);
	const char *statement = d->statement != NULL ? d->statement : loc->source;
	if (statement != NULL) {
		h = sites_hash_field(h, statement);
		if (d->statement_occurrence > 0) {
			snprintf(buf, sizeof(buf), "#%u", d->statement_occurrence);
			h = sites_hash_field(h, buf);
		}
	} else {
		snprintf(buf, sizeof(buf), "callers %016llx",
			 (unsigned long long)(site->has_callers ? site->callers_hash : 0));
		h = sites_hash_field(h, buf);
	}
	h = sites_hash_field(h, loc->file == NULL && loc->obj != NULL ? vgt_basename(loc->obj) : "");
	if (loc->address != NULL)
		h = sites_hash_field(h, loc->address);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Still reachable blocks are in the input only because `run --per-test`
 * asked valgrind for them, to follow blocks: hidden like noise, unless
 * --all, --kinds or --fail-on names them. */
static int reachable_for_blame_only(const struct vgt_report *report,
				    const struct rank_options *opts)
{
	if (opts->show_all || opts->keep_reachable ||
	    (opts->kinds_mask & (1u << VGT_GROUP_REACHABLE)))
		return 0;
	for (size_t i = 0; i < report->n_inputs; i++)
		if (report->inputs[i]->reachable_for_blame)
			return 1;
	return 0;
}

static void apply_filters(struct vgt_report *report, const struct rank_options *opts)
{
	struct vgt_totals *t = &report->totals;
	int hide_reachable = reachable_for_blame_only(report, opts);
	t->hidden_sites = t->hidden_records = 0;
	t->hidden_bytes = 0;
	memset(t->hidden_sites_by, 0, sizeof(t->hidden_sites_by));
	memset(t->hidden_bytes_by, 0, sizeof(t->hidden_bytes_by));
	memset(t->hidden_kinds_by, 0, sizeof(t->hidden_kinds_by));
	t->filtered_sites = 0;
	t->filtered_bytes = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		int filtered = opts->kinds_mask != 0 &&
			       !(opts->kinds_mask & (1u << kind_group(s->kind)));
		s->hidden = filtered || (!opts->show_all && is_noise(s)) ||
			    (hide_reachable && kind_group(s->kind) == VGT_GROUP_REACHABLE);
		if (s->hidden) {
			t->hidden_sites++;
			t->hidden_records += s->records;
			t->hidden_bytes = vgt_count_add(t->hidden_bytes, s->bytes);
			if (filtered) {
				t->filtered_sites++;
				t->filtered_bytes = vgt_count_add(t->filtered_bytes, s->bytes);
			} else {
				t->hidden_sites_by[s->category]++;
				t->hidden_bytes_by[s->category] =
					vgt_count_add(t->hidden_bytes_by[s->category], s->bytes);
				struct vgt_hidden_kind *k =
					&t->hidden_kinds_by[s->category][kind_group(s->kind)];
				k->sites++;
				k->bytes = vgt_count_add(k->bytes, s->bytes);
				k->blocks = vgt_count_add(k->blocks, s->blocks);
			}
		}
	}
}

/* A name guessed when the site was made may have been settled since
 * (symbolize_settle). */
static void refresh_ambiguity(struct vgt_report *report)
{
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		if (s->location.ambiguous && s->stack.count > s->culprit)
			s->location.ambiguous =
				stack_frame(report->frames, &s->stack, s->culprit)->pyname_ambiguous;
	}
}

void rank_finish(struct vgt_report *report, const struct rank_options *opts)
{
	static const struct rank_options defaults;
	if (opts == NULL)
		opts = &defaults;
	refresh_ambiguity(report);
	sites_sum_totals(report);
	figures_finish(report, opts->suppressed);
	apply_filters(report, opts);
	procs_finish(report);
	for (size_t i = 0; i < report->n_sites; i++)
		rank_fingerprint(report->sites[i], report->sites[i]->fingerprint);
	if (report->n_sites > 1)
		qsort(report->sites, report->n_sites, sizeof(*report->sites), compare_sites);
	report->n_shown = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		s->rank = s->hidden ? 0 : ++report->n_shown;
	}
}

void rank_merge(struct vgt_report *dst, const struct vgt_report *src)
{
	size_t base = dst->n_inputs;
	sites_merge_inputs(dst, src, base);
	struct vgt_stack stack = {0}, aux = {0};
	size_t *test_map = pertest_merge_tests(dst, src);
	for (size_t i = 0; i < src->n_sites; i++)
		pertest_merge_site(sites_merge_site(dst, src, src->sites[i], base, &stack, &aux),
				   src->sites[i], test_map);
	free(test_map);
	stack_release(&stack);
	stack_release(&aux);
	sites_merge_totals(dst, src);
	for (size_t i = 0; i < src->n_notes; i++)
		report_add_note(dst, "%s", src->notes[i]);
}
