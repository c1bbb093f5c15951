/*
 * ccdb.h — a project's compile_commands.json: the include directories,
 * macros and language standard the C/C++ helper (cparse.h) parses a
 * source with, as the project's build compiles it.
 *
 * Found as clang tools find it: in the source's directory or one above
 * it, as DIR/compile_commands.json or DIR/build/compile_commands.json,
 * going up only while the directory lies under the source policy's roots
 * (the current directory, --source-root, --prefix-map's NEW sides).  The
 * database is read through the source policy; each include directory it
 * names is kept only when the policy holds it (srcpolicy_check_dir), so
 * a compile command never opens the helper's sandbox wider than the
 * roots.  A source with no entry of its own (a header) takes the flags of
 * the entry whose file lies nearest to it (the longest common directory).
 *
 * Only these flags are taken: -I/-isystem/-iquote/-idirafter DIR (as -I,
 * relative to the entry's "directory"), -D and -U, -std=.
 *
 * Included by explain.c and tests.
 */
#ifndef VGTRIAGE_CCDB_H
#define VGTRIAGE_CCDB_H

#include <stddef.h>

#include "base/srcpolicy.h"

#define CCDB_MAX_FLAGS 128

struct ccdb;
struct ccdb *ccdb_new(const struct srcpolicy *policy);
void ccdb_free(struct ccdb *db); /* NULL is a no-op */

/* What a source is parsed with. */
struct ccdb_flags {
	char *argv[CCDB_MAX_FLAGS]; /* "-I/abs/dir", "-DX=1", "-std=c++17" */
	size_t n;
	char *roots[CCDB_MAX_FLAGS]; /* the -I directories, real paths: the helper's --root */
	size_t n_roots;
	char db[512];       /* the compile_commands.json used, "" when none */
	char entry[512];    /* the file of the entry taken */
	char left_out[512]; /* include directories the policy refused, and why */
	int cxx;            /* the entry compiles C++ (its file's suffix, or a
			       compiler named *++): a .h is parsed as C++ */
};

/* The flags for source path (found and read through the policy);
 * 0 when a database and an entry were found, -1 when not (out->db says
 * whether a database was).  Free with ccdb_flags_clear. */
int ccdb_flags_for(struct ccdb *db, const char *path, struct ccdb_flags *out);
void ccdb_flags_clear(struct ccdb_flags *flags);
/* The same from a database's text (fuzzing, tests): the flags of the
 * entry for real (a resolved path). */
int ccdb_flags_in_text(struct ccdb *db, const char *text, size_t len, const char *real,
		       struct ccdb_flags *out);

/* What path was parsed with, for a -v note (found: ccdb_flags_for gave 0). */
void ccdb_describe(const char *path, const struct ccdb_flags *flags, int found, char *buf,
		   size_t size);

/* A compile command's words (shell quoting: '…', "…", \x); NULL-ended,
 * malloc'd, each word malloc'd; at most max words. */
char **ccdb_split_command(const char *cmd, size_t max);

#endif
