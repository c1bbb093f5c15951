/*
 * baseline.h — known findings: --write-baseline FILE records the
 * fingerprints of the shown sites; --baseline FILE marks every site "new"
 * or "known" against it, and --fail-on new then counts only new sites.
 *
 * The file is plain text, one site a line, sorted by fingerprint so that
 * it diffs well under version control:
 *     # vgtriage baseline 1: fingerprint where kind location
 *     3f2a9c0d1e4b5a67 s:91c0d2e3f4a5b6c7 Leak_DefinitelyLost api/native.pyx:11
 * A site is known when its fingerprint is listed.  The fingerprint holds
 * the culprit statement when the source is at hand and the callers when
 * not, so the same site read where its source is not reachable (another
 * checkout, a CI runner's directory, a report made in a container) has
 * another one.  "where" covers that: kind, the file's last component,
 * function and line, hashed, after "s:" (the fingerprint had the
 * statement) or "c:" (it did not); a site matches on it only when one of
 * the two fingerprints was made without the statement.  Files without the
 * field (older ones) match by fingerprint only; '#' lines and blank lines
 * are skipped.
 *
 * Included by main.c and tests.
 */
#ifndef VGTRIAGE_BASELINE_H
#define VGTRIAGE_BASELINE_H

#include <stdio.h>

#include "vgtriage/report.h"

struct baseline;

/* Reads a baseline file; errors name the file and line. */
struct baseline *baseline_load(const char *path, struct vgt_error *err);
/* The same from an open stream (read to its end, not closed); path is
 * what errors call it. */
struct baseline *baseline_load_stream(FILE *f, const char *path, struct vgt_error *err);
void baseline_free(struct baseline *b); /* NULL is a no-op */
size_t baseline_count(const struct baseline *b);
int baseline_contains(const struct baseline *b, const char *fingerprint);
/* The site's place is listed with a fingerprint made on another footing
 * (statement on one side, callers on the other): the same site. */
int baseline_knows_where(const struct baseline *b, const struct vgt_site *site);

/* The site's "where" key (16 hex digits and a NUL): kind, the file's last
 * component, function, line; and whether its fingerprint holds the
 * statement.  diff pairs sites on them the same way. */
void baseline_where(const struct vgt_site *s, char out[17]);
int baseline_has_statement(const struct vgt_site *s);

/* Sets detail->baseline to "new" or "known" for every site of the report;
 * returns how many shown sites are new. */
size_t baseline_apply(const struct baseline *b, struct vgt_report *report);

/* Writes the shown sites, sorted by fingerprint, one per fingerprint. */
int baseline_write(FILE *out, const struct vgt_report *report);
/* baseline_write into path, through safefile.h (a new temporary beside
 * it, renamed over it when complete). */
int baseline_write_path(const char *path, const struct vgt_report *report,
			struct vgt_error *err);

#endif
