/*
 * cparse.h — C and C++ functions as hint trees (hint.h), read by libclang
 * in the vgtriage-cparse helper program (issue 13).
 *
 * vgtriage itself does not link LLVM: it runs the helper once per source
 * file, hands it the file's text on standard input (the text explain.c
 * read, so that one function decides what is read), and reads back every
 * function of the file.  Without the helper (not built, not installed)
 * C and C++ leaks get no hint; .pyx hints do not need it.
 *
 * Plain data: a path, a text, a language in; functions out.  Included by
 * explain.c and tests.
 */
#ifndef VGTRIAGE_CPARSE_H
#define VGTRIAGE_CPARSE_H

#include <stddef.h>
#include <sys/resource.h>

#include "explain/ccdb.h"
#include "explain/hint.h"

struct cparse_file;

/* The helper to run: $VGTRIAGE_CPARSE when set, else vgtriage-cparse next
 * to the running executable, else in VGT_LIBEXECDIR (set at build time);
 * NULL when none is there.  The result is static. */
const char *cparse_helper_path(void);

/* The helper is bounded: it runs with RLIMIT_AS at CPARSE_MAX_MEMORY and
 * is killed after 30 s; it follows a source's #includes only to regular
 * files under the source's directory, the current directory and the
 * system header directories (never /proc, /sys, /dev, a FIFO or a device;
 * see helper/vgtriage-cparse.c).  Once it timed out or was killed, it is
 * not run again in this process: the other files get the same note. */
#define CPARSE_MAX_MEMORY ((rlim_t)2 << 30)
/* Forgets that the helper was stopped: the next cparse_run runs it again
 * (tests, and an embedder reading several inputs). */
void cparse_retry(void);

/* Runs helper over text (the contents of path, whose directory is searched
 * for its #includes).  NULL with why filled when the helper could not run
 * or read it. */
struct cparse_file *cparse_run(const char *helper, const char *path, const char *text,
			       size_t len, enum hint_lang lang, char *why, size_t why_size);
/* The same with a compile command's flags (ccdb.h: include directories
 * the source policy holds, macros, the standard); NULL flags: none. */
struct cparse_file *cparse_run_flags(const char *helper, const char *path, const char *text,
				     size_t len, enum hint_lang lang,
				     const struct ccdb_flags *flags, char *why, size_t why_size);
/* Parses the helper's output (for tests); NULL when it is not one. */
struct cparse_file *cparse_parse(const char *out, size_t len, enum hint_lang lang);
void cparse_free(struct cparse_file *file); /* NULL is a no-op */

/* The function whose lines hold line, or NULL (none, or it did not parse
 * cleanly).  Owned by file. */
const struct hint_func *cparse_function(const struct cparse_file *file, unsigned line);
/* The function defined in file under name (issue 24: a callee), or NULL;
 * *bad set when it is there but did not parse cleanly.  Owned by file. */
const struct hint_func *cparse_function_named(const struct cparse_file *file, const char *name,
					      int *bad);
/* Why cparse_function gives NULL for line (the helper's diagnostic, or
 * that no function holds it); NULL when it does not. */
const char *cparse_problem(const struct cparse_file *file, unsigned line);

#endif
