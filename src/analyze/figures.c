/*
 * figures.c — valgrind's own totals, or unknown (see figures.h).
 *
 * Per input and leak group, the figure is
 *   - valgrind's LEAK SUMMARY line when the input has it (text logs,
 *     protocol 6 XML): known, and what the report prints;
 *   - else what the records add up to, when valgrind was asked to show
 *     that kind (--leak-check=full and --show-leak-kinds, from <vargv>);
 *     indirect leaks not shown as records still have their bytes in the
 *     "(N direct, M indirect)" splits, but no block count;
 *   - else unknown.
 * Inputs without <vargv> options (hand-made XML, a text log cut before
 * its summary) count a kind as shown when it has records.
 */
#include "analyze/figures.h"
#include "analyze/sites.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const group_labels[VGT_GROUP_COUNT] = {
	"errors", "definitely lost", "indirectly lost", "possibly lost", "still reachable",
};

const char *figures_group_label(enum vgt_kind_group g)
{
	return (int)g >= 0 && g < VGT_GROUP_COUNT ? group_labels[g] : "?";
}

static const struct vgt_amount *summary_amount(const struct vgt_valgrind_summary *vg,
					       enum vgt_kind_group g)
{
	switch (g) {
	case VGT_GROUP_DEFINITE: return &vg->definitely_lost;
	case VGT_GROUP_INDIRECT: return &vg->indirectly_lost;
	case VGT_GROUP_POSSIBLE: return &vg->possibly_lost;
	default: return &vg->still_reachable;
	}
}

static unsigned summary_bit(enum vgt_kind_group g)
{
	switch (g) {
	case VGT_GROUP_DEFINITE: return VGT_SUMMARY_DEFINITE;
	case VGT_GROUP_INDIRECT: return VGT_SUMMARY_INDIRECT;
	case VGT_GROUP_POSSIBLE: return VGT_SUMMARY_POSSIBLE;
	default: return VGT_SUMMARY_REACHABLE;
	}
}

/* Which summary lines the input carried; a protocol 6 <leak_summary>
 * and an older reader that set only has_leak_summary carry them all. */
static unsigned summary_known(const struct vgt_valgrind_summary *vg)
{
	if (!vg->has_leak_summary)
		return 0;
	return vg->known != 0 ? vg->known : VGT_SUMMARY_ALL;
}

static int shown(const struct vgt_input *in, enum vgt_kind_group g)
{
	return in->leak_check == VGT_LEAK_CHECK_FULL && (in->show_leak_kinds & (1u << g)) != 0;
}

/* No ERROR SUMMARY: can the records give valgrind's error count?  Not
 * from a text log (it counts contexts; valgrind counts occurrences), not
 * from an XML run without <errorcounts> (valgrind stopped before them),
 * nor when valgrind counted leak errors of kinds it did not show
 * (--errors-for-leak-kinds wider than --show-leak-kinds). */
static void errors_unknown_without_summary(const struct vgt_input *in, struct vgt_figures *out)
{
	unsigned leak_groups = (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_INDIRECT) |
			       (1u << VGT_GROUP_POSSIBLE) | (1u << VGT_GROUP_REACHABLE);
	int xml = in->format != NULL && strcmp(in->format, "xml") == 0;
	if (in->aborted != NULL || (!xml && in->occurrences_unknown) ||
	    (xml && !in->errorcounts_seen))
		out->errors_unknown = 1;
	else if (in->has_leak_options && in->leak_check == VGT_LEAK_CHECK_FULL &&
		 (in->errors_for_leak_kinds & ~in->show_leak_kinds & leak_groups) != 0)
		out->errors_unknown = 1;
}

void figures_for_input(const struct vgt_report *r, const struct vgt_input *in,
		       struct vgt_figures *out)
{
	memset(out, 0, sizeof(*out));
	if (in->tool != NULL && strcmp(in->tool, "memcheck") != 0) {
		/* helgrind, drd: no leak check, no figures */
		out->errors_from_summary = in->vg.has_error_summary;
		out->errors = in->vg.errors;
		out->error_contexts = in->vg.error_contexts;
		if (!in->vg.has_error_summary)
			errors_unknown_without_summary(in, out);
		return;
	}
	out->leak_check = 1;
	out->occurrences_unknown = in->occurrences_unknown;
	/* valgrind failed (or the input stops) inside its exit leak
	 * search: the loss records written so far are not the totals */
	int search_cut = in->aborted != NULL || (!in->complete && in->exit_leak_search);
	struct vgt_amount rec[4];
	size_t leak_error_records;
	int has_indirect_records;
	sites_input_amounts(r, in, rec);
	sites_input_counts(r, in, &out->leak_records, &leak_error_records, &has_indirect_records);
	unsigned vg_known = summary_known(&in->vg);
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++) {
		const struct vgt_amount *records = &rec[g - VGT_GROUP_DEFINITE];
		unsigned both = VGT_KNOWN_BYTES(g) | VGT_KNOWN_BLOCKS(g);
		out->records[g] = *records;
		if (vg_known & summary_bit((enum vgt_kind_group)g)) {
			out->amount[g] = *summary_amount(&in->vg, (enum vgt_kind_group)g);
			out->known |= both;
			out->from_summary |= 1u << g;
			continue;
		}
		int is_shown;
		if (search_cut)
			continue;
		if (in->has_leak_options)
			is_shown = shown(in, (enum vgt_kind_group)g);
		else if (g == VGT_GROUP_INDIRECT)
			is_shown = has_indirect_records;
		else
			is_shown = records->blocks > 0;
		if (is_shown) {
			out->amount[g] = *records;
			out->known |= both;
		} else if (g == VGT_GROUP_INDIRECT &&
			   (in->has_leak_options ? shown(in, VGT_GROUP_DEFINITE) && shown(in, VGT_GROUP_POSSIBLE)
						 : out->leak_records > 0)) {
			/* "(N direct, M indirect)" splits: bytes, no blocks */
			out->amount[g].bytes = records->bytes;
			out->known |= VGT_KNOWN_BYTES(g);
		}
	}
	out->split_indirect = !has_indirect_records && rec[VGT_GROUP_INDIRECT - VGT_GROUP_DEFINITE].bytes > 0;
	out->no_stacks = vg_known != 0 && out->leak_records == 0 &&
			 (out->amount[VGT_GROUP_DEFINITE].bytes > 0 ||
			  out->amount[VGT_GROUP_INDIRECT].bytes > 0 ||
			  out->amount[VGT_GROUP_POSSIBLE].bytes > 0 ||
			  out->amount[VGT_GROUP_REACHABLE].bytes > 0);
	out->leak_error_contexts = leak_error_records;
	if (vg_known & VGT_SUMMARY_SUPPRESSED) {
		out->suppressed_leaks = in->vg.suppressed;
		out->suppressed_leaks_known = 1;
	}
	if (in->vg.has_error_summary) {
		out->errors_from_summary = 1;
		out->errors = in->vg.errors;
		out->error_contexts = in->vg.error_contexts;
		out->suppressed_errors = in->vg.suppressed_errors;
		out->suppressed_contexts = in->vg.suppressed_contexts;
		out->suppressed_errors_known = 1;
	} else {
		errors_unknown_without_summary(in, out);
	}
}

uint64_t figures_unshown_bytes(const struct vgt_figures *fig, enum vgt_kind_group g)
{
	if (g <= VGT_GROUP_ERROR || g >= VGT_GROUP_COUNT || !(fig->known & VGT_KNOWN_BYTES(g)) ||
	    fig->suppressed)
		return 0;
	return fig->amount[g].bytes > fig->records[g].bytes
		       ? fig->amount[g].bytes - fig->records[g].bytes : 0;
}

static int is_lsan(const struct vgt_input *in)
{
	return in->format != NULL && strcmp(in->format, "lsan") == 0;
}

int figures_hidden_unknown(const struct vgt_report *r, enum vgt_kind_group g)
{
	if (g <= VGT_GROUP_ERROR || g >= VGT_GROUP_COUNT ||
	    (r->totals.figures.known & VGT_KNOWN_BYTES(g)))
		return 0;
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		/* LeakSanitizer has no possibly lost or still reachable kind:
		 * nothing of them is hidden, there is none to gate on */
		if (is_lsan(in) && g != VGT_GROUP_DEFINITE && g != VGT_GROUP_INDIRECT)
			continue;
		if (in->has_leak_options && in->leak_check == VGT_LEAK_CHECK_FULL &&
		    !(in->show_leak_kinds & (1u << g)))
			return 1;
	}
	return 0;
}

static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	if (*used >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < size - *used ? (size_t)n : size - *used - 1;
}

/* One line per input whose summary and records differ, saying why. */
static void explain(struct vgt_report *r, const struct vgt_input *in,
		    const struct vgt_figures *fig, int suppressed)
{
	char msg[600];
	size_t used = 0;
	if (fig->from_summary == 0)
		return;
	if (fig->no_stacks) {
		report_add_note(r, "%s: valgrind recorded no leak stacks (it ran without "
			"--leak-check=full): the totals are its LEAK SUMMARY; rerun valgrind with "
			"--leak-check=full to see where the memory was allocated", in->path);
		return;
	}
	int differs = 0, unshown = 0, other = 0;
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++) {
		if (!(fig->from_summary & (1u << g)))
			continue;
		const struct vgt_amount *a = &fig->amount[g], *rec = &fig->records[g];
		int same_blocks = a->blocks == rec->blocks ||
				  (g == VGT_GROUP_INDIRECT && rec->blocks == 0 && a->blocks > 0 &&
				   a->bytes == rec->bytes); /* splits carry no blocks */
		if (a->bytes == rec->bytes && same_blocks)
			continue;
		differs = 1;
		if (rec->bytes == 0 && rec->blocks == 0)
			unshown |= 1 << g;
		else
			other |= 1 << g;
	}
	if (!differs)
		return;
	append(msg, sizeof(msg), &used, "%s: the totals are valgrind's LEAK SUMMARY; the records "
	       "differ because", in->path);
	const char *sep = " ";
	if (unshown) {
		append(msg, sizeof(msg), &used, "%svalgrind was not asked to show", sep);
		const char *comma = " ";
		for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
			if (unshown & (1 << g)) {
				append(msg, sizeof(msg), &used, "%s%s", comma, group_labels[g]);
				comma = ", ";
			}
		append(msg, sizeof(msg), &used, " records (--show-leak-kinds)");
		sep = "; and ";
	}
	if (other) {
		if (suppressed)
			append(msg, sizeof(msg), &used, "%s--suppressions removed records", sep);
		else if (!in->complete)
			append(msg, sizeof(msg), &used, "%sthe input is cut short", sep);
		else {
			append(msg, sizeof(msg), &used, "%sthe input says so (a hand-edited or broken input?):", sep);
			for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
				if (other & (1 << g))
					append(msg, sizeof(msg), &used,
					       " %s: summary %" PRIu64 " bytes in %" PRIu64 " blocks, records %"
					       PRIu64 " bytes in %" PRIu64 " blocks;", group_labels[g],
					       fig->amount[g].bytes, fig->amount[g].blocks,
					       fig->records[g].bytes, fig->records[g].blocks);
			if (used > 0 && msg[used - 1] == ';')
				msg[--used] = '\0';
		}
	}
	report_add_note(r, "%s", msg);
}

void figures_finish(struct vgt_report *r, int suppressed)
{
	struct vgt_totals *t = &r->totals;
	struct vgt_figures *m = &t->figures;
	uint64_t record_errors = t->errors, record_contexts = t->error_contexts;
	memset(m, 0, sizeof(*m));
	int all_error_summaries = r->n_inputs > 0;
	int errors_unknown = 0, occurrences_unknown = 0;
	int supp_leaks = r->n_inputs > 0, supp_errors = r->n_inputs > 0;
	struct vgt_amount supp = {0, 0};
	uint64_t supp_e = 0, supp_c = 0;
	m->known = r->n_inputs > 0 ? ~0u : 0;
	m->from_summary = r->n_inputs > 0 ? ~0u : 0;
	for (size_t i = 0; i < r->n_inputs; i++) {
		struct vgt_figures f;
		figures_for_input(r, r->inputs[i], &f);
		for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++) {
			/* saturating, as every count (the fuzzer sums past 2^63) */
			m->amount[g].bytes = vgt_count_add(m->amount[g].bytes, f.amount[g].bytes);
			m->amount[g].blocks = vgt_count_add(m->amount[g].blocks, f.amount[g].blocks);
			m->records[g].bytes = vgt_count_add(m->records[g].bytes, f.records[g].bytes);
			m->records[g].blocks = vgt_count_add(m->records[g].blocks, f.records[g].blocks);
		}
		m->known &= f.known;
		m->from_summary &= f.from_summary;
		m->leak_records += f.leak_records;
		m->leak_error_contexts += f.leak_error_contexts;
		m->no_stacks |= f.no_stacks;
		m->split_indirect |= f.split_indirect;
		m->leak_check |= f.leak_check;
		errors_unknown |= f.errors_unknown;
		occurrences_unknown |= f.occurrences_unknown;
		supp_leaks &= f.suppressed_leaks_known;
		supp_errors &= f.suppressed_errors_known;
		supp.bytes = vgt_count_add(supp.bytes, f.suppressed_leaks.bytes);
		supp.blocks = vgt_count_add(supp.blocks, f.suppressed_leaks.blocks);
		supp_e = vgt_count_add(supp_e, f.suppressed_errors);
		supp_c = vgt_count_add(supp_c, f.suppressed_contexts);
		if (f.errors_from_summary) {
			m->errors = vgt_count_add(m->errors, f.errors);
			m->error_contexts = vgt_count_add(m->error_contexts, f.error_contexts);
		} else {
			all_error_summaries = 0;
		}
		explain(r, r->inputs[i], &f, suppressed);
	}
	m->known &= (VGT_KNOWN_BYTES(VGT_GROUP_REACHABLE) << 2) - VGT_KNOWN_BYTES(VGT_GROUP_DEFINITE);
	m->from_summary &= (1u << VGT_GROUP_COUNT) - (1u << VGT_GROUP_DEFINITE);
	m->errors_from_summary = all_error_summaries;
	m->errors_unknown = !all_error_summaries && errors_unknown;
	m->occurrences_unknown = occurrences_unknown;
	m->suppressed = suppressed;
	if (supp_leaks) {
		m->suppressed_leaks = supp;
		m->suppressed_leaks_known = 1;
	}
	if (supp_errors) {
		m->suppressed_errors = supp_e;
		m->suppressed_contexts = supp_c;
		m->suppressed_errors_known = 1;
	}
	if (!all_error_summaries) {
		m->errors = record_errors;
		m->error_contexts = record_contexts;
	}
	t->errors = m->errors;
	t->error_contexts = m->error_contexts;
	t->definitely_lost = m->amount[VGT_GROUP_DEFINITE];
	t->indirectly_lost = m->amount[VGT_GROUP_INDIRECT];
	t->possibly_lost = m->amount[VGT_GROUP_POSSIBLE];
	t->still_reachable = m->amount[VGT_GROUP_REACHABLE];
	/* kinds valgrind shows unless told not to: say why they are unknown
	 * and what a gate on them does (indirect and reachable are hidden
	 * by default, and their gates say so in the man page) */
	static const enum vgt_kind_group told[] = {VGT_GROUP_DEFINITE, VGT_GROUP_POSSIBLE};
	int lsan = 0;
	for (size_t i = 0; i < r->n_inputs; i++)
		lsan |= is_lsan(r->inputs[i]);
	for (size_t i = 0; i < sizeof(told) / sizeof(told[0]); i++)
		if (lsan && figures_hidden_unknown(r, told[i]))
			report_add_note(r, "%s: a sanitizer report has no complete LeakSanitizer "
					"report (the process stopped at an error, or the report "
					"is cut), so the figure is unknown; --fail-on %s fails on it",
					figures_group_label(told[i]),
					told[i] == VGT_GROUP_DEFINITE ? "definite" : "possible");
		else if (figures_hidden_unknown(r, told[i]))
			report_add_note(r, "%s: valgrind was told not to show them and the input "
					"has no LEAK SUMMARY, so the figure is unknown; --fail-on %s "
					"fails on it (--show-leak-kinds=all shows them)",
					figures_group_label(told[i]),
					told[i] == VGT_GROUP_DEFINITE ? "definite" : "possible");
}
