/*
 * figures.h — the totals a report prints: valgrind's own LEAK SUMMARY and
 * ERROR SUMMARY when an input carries them, what the records add up to
 * beside them, which figures are unknown (never printed as 0), one line
 * saying why the two differ (valgrind's leak options from <vargv>: read/vgargs.h).
 *
 * Included by rank.c, pipeline.c (figures_finish),
 * policy.c, the renderers and their tests.
 */
#ifndef VGTRIAGE_FIGURES_H
#define VGTRIAGE_FIGURES_H

#include "vgtriage/report.h"

/* One input's figures (after rank_finish). */
void figures_for_input(const struct vgt_report *report, const struct vgt_input *input,
		       struct vgt_figures *out);

/* Merges every input's figures into report->totals (figures and the
 * amount fields), and adds a note per input whose summary and records
 * differ, saying why.  suppressed: vgtriage's --suppressions were used. */
void figures_finish(struct vgt_report *report, int suppressed);

/* Leak bytes of group g that valgrind's summary counts but no record
 * shows (no stacks, kinds not shown); 0 when unknown. */
uint64_t figures_unshown_bytes(const struct vgt_figures *fig, enum vgt_kind_group g);

/* "indirectly lost" … for a leak group. */
const char *figures_group_label(enum vgt_kind_group g);

/* 1 when group g's figure is unknown because valgrind was told not to
 * show that kind (--show-leak-kinds, --show-possibly-lost=no) and the
 * input carries no LEAK SUMMARY (valgrind 3.19's XML): a gate on g cannot
 * be checked (policy_summary_fails fails it, as the text log of the same
 * run would on valgrind's figure). */
int figures_hidden_unknown(const struct vgt_report *report, enum vgt_kind_group g);

#endif
