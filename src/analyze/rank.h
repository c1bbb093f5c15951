/*
 * rank.h — the analysis of a report once its records are read: totals
 * (figures.c), per-process and per-test figures, noise hidden, sorted,
 * fingerprinted; reports read in parallel merged.
 *
 * analyze/ owns records -> sites, totals and verdicts (sites.h lists the
 * order of its files).  It may call base/, model/ and symbols/.
 */
#ifndef VGTRIAGE_RANK_H
#define VGTRIAGE_RANK_H

#include <stddef.h>

#include "vgtriage/report.h"

struct rank_options {
	int show_all;             /* --all: noise sites are shown too */
	unsigned kinds_mask;      /* bit per enum vgt_kind_group; 0 = all */
	size_t top;               /* --top N (0 = all); renderers honour it */
	int suppressed;           /* --suppressions in use (figures.h) */
	int keep_reachable;       /* --fail-on reachable: still reachable sites
				     stay shown where valgrind showed them only
				     for per-test blame (vgt_input.reachable_for_blame) */
};

/* Adds what src read (inputs, sites, totals, notes) to dst, as if dst had
 * read src's inputs after its own: the same sites, amounts and examples
 * (`-j`: inputs read in parallel, merged in the order given).  src must not
 * be ranked yet (rank_finish). */
void rank_merge(struct vgt_report *dst, const struct vgt_report *src);
/* Sorts, hides noise, numbers the shown sites, computes hidden totals. */
void rank_finish(struct vgt_report *report, const struct rank_options *opts);
/* The site's fingerprint from kind and location (no ips, pids, abs paths). */
void rank_fingerprint(const struct vgt_site *site, char out[17]);

#endif
