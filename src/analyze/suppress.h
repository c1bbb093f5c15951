/*
 * suppress.h — valgrind .supp files applied after the fact, and
 * --gen-suppressions output.
 *
 * Included by pipeline.c (matching), main.c (loading) and renderers
 * (writing entries).
 */
#ifndef VGTRIAGE_SUPPRESS_H
#define VGTRIAGE_SUPPRESS_H

#include <stdio.h>

#include "vgtriage/model.h"
#include "vgtriage/report.h"

struct suppressions;

struct suppressions *suppressions_new(void);
void suppressions_free(struct suppressions *supp); /* NULL is a no-op */
/* Adds the entries of one .supp file; errors name the file and line. */
int suppressions_load(struct suppressions *supp, const char *path, struct vgt_error *err);
/* The same from an open stream (read to its end, not closed); name is
 * what errors call it. */
int suppressions_load_stream(struct suppressions *supp, FILE *f, const char *name,
			     struct vgt_error *err);
/* The name of the first entry that matches rec (as valgrind would at run
 * time: kind, match-leak-kinds, frames with globs and "..."), or NULL.
 * Time is polynomial: at most (frame lines x stack depth) frame tests per
 * entry, however many "..." lines it has. */
const char *suppressions_match(const struct suppressions *supp, const struct frame_table *ft,
			       const struct vgt_record *rec);
/* What entry i (in file order, 0 … suppressions_count() - 1) suppressed
 * through suppressions_match (issue 24: entries that matched nothing).
 * Strings are supp's. */
struct suppressions_use {
	const char *name;
	const char *file;   /* as given to suppressions_load */
	unsigned line;      /* of the entry's name (as valgrind -v names it) */
	uint64_t records, bytes;
};
size_t suppressions_count(const struct suppressions *supp);
void suppressions_use(const struct suppressions *supp, size_t i, struct suppressions_use *out);

/* Minimal entries for the site, one per distinct head of its records
 * (kind and access size, fun: frames down to the culprit, then "..."),
 * template arguments of inlined names and instantiations made globs: they
 * cover every record of the site. */
int suppressions_write_entry(FILE *out, const struct vgt_report *report,
			     const struct vgt_site *site);

/* --gen-suppressions=hidden (issue 24): a .supp file for the sites the
 * report hides (interpreter, runtime, cython-runtime, python), one entry
 * per distinct stack shape, none that matches a shown site's stack. */
int suppressions_write_hidden(FILE *out, const struct vgt_report *report);

#endif
