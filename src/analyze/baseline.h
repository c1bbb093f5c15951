/*
 * baseline.h — known findings: --write-baseline FILE records the
 * fingerprints of the shown sites; --baseline FILE marks every site "new"
 * or "known" against it, and --fail-on new then counts only new sites.
 *
 * The file is plain text, one site a line, sorted by fingerprint so that
 * it diffs well under version control:
 *     # vgtriage baseline 1: fingerprint kind location
 *     3f2a9c0d1e4b5a67 Leak_DefinitelyLost api/native.pyx:11
 * Only the fingerprint counts when reading; '#' lines and blank lines
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

/* Sets site->baseline to "new" or "known" for every site of the report;
 * returns how many shown sites are new. */
size_t baseline_apply(const struct baseline *b, struct vgt_report *report);

/* Writes the shown sites, sorted by fingerprint, one per fingerprint. */
int baseline_write(FILE *out, const struct vgt_report *report);
/* baseline_write into path, through safefile.h (a new temporary beside
 * it, renamed over it when complete). */
int baseline_write_path(const char *path, const struct vgt_report *report,
			struct vgt_error *err);

#endif
