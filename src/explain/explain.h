/*
 * explain.h — what each shown leak is and what its code does with it
 * (issue 13): the nature of the leaked memory (nature.h) and a hint from
 * the source (hint.h, read by pyxscan.h or cparse.h), stored in
 * the site's detail (detail->explain) for the renderers.
 *
 * One call, from pipeline_finish(), after the sites are ranked.  Source
 * files are read in one place (explain.c source_get) through the
 * symbolizer's source policy (srcpolicy.h: regular files under the source
 * roots or the current directory only); explain_read_source() is the
 * plain read the tests use for fixture files.
 *
 * Included by pipeline.c and tests.
 */
#ifndef VGTRIAGE_EXPLAIN_H
#define VGTRIAGE_EXPLAIN_H

#include <stddef.h>

#include "symbols/symbolize.h"
#include "vgtriage/report.h"

struct explain_options {
	int no_hints;          /* --no-hints: natures only */
	size_t max_hints;      /* hints for the first N shown sites (0: a default) */
	const char *cparse;    /* the C/C++ helper; NULL: cparse_helper_path() */
	int verbose;           /* notes say why C/C++ hints are missing */
	size_t max_sites;      /* explain shown sites of rank <= N only (what the
				  text report lists); 0: every shown site */
};

/* Fills the detail->explain of every shown leak site of report. */
void explain_sites(struct vgt_report *report, struct symbolizer *sym,
		   const struct explain_options *opts);

/* Reads a file with no policy (tests): its whole text, NUL-terminated, in
 * a malloc'd buffer, and its length.  NULL when it cannot be read. */
char *explain_read_source(const char *path, size_t *len);

#endif
