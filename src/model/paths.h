/*
 * paths.h — the one path rule every format follows: a location under a
 * --source-root (relative roots resolved against the current directory),
 * or under the current directory, is written relative to it; a path is
 * absolute only when it lies outside all of them.
 *
 * The roots live in the report (pipeline_finish sets them), so renderers,
 * which see only the report, all write the same path for one file.
 *
 * Included by pipeline.c, render.c, render_ci.c, render_json.c and tests.
 */
#ifndef VGTRIAGE_PATHS_H
#define VGTRIAGE_PATHS_H

#include <stddef.h>

#include "vgtriage/report.h"

/* "a/./b/../c" → "a/c", "//x" → "/x"; a leading "./" dropped.  Into pool. */
const char *paths_normalise(struct strpool *pool, const char *path);

/* The roots of report's paths: each of roots (relative ones joined to
 * cwd), then cwd itself.  cwd may be NULL (then relative roots are kept
 * as they are and absolute paths stay absolute unless under an absolute
 * root). */
void paths_set_roots(struct vgt_report *report, const char *const *roots, size_t n,
		     const char *cwd);

/* A file as valgrind names it (dir + file, or a path in file) written by
 * the rule; NULL when file is NULL.  Interned in report->pool. */
const char *paths_display(const struct vgt_report *report, const char *dir, const char *file);

/* A location as every format labels it: "file:line" by the rule above,
 * else valgrind's address, "fn (in obj)" or the function.  Raw (not
 * escaped); interned in report->pool. */
const char *paths_location_label(const struct vgt_report *report,
				 const struct vgt_location *loc);

#endif
