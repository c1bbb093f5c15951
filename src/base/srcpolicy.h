/*
 * srcpolicy.h — which local files vgtriage may read because an input
 * names them.
 *
 * A valgrind report names files (a frame's dir and file, a Cython
 * marker's .pyx path), and the report vgtriage writes quotes their lines
 * (source context, SARIF snippets, hints) or reads them to map C lines
 * back to .pyx (generated .c files).  Those reports end up in public CI
 * logs, so the input must not decide which files of the machine get
 * copied into them.  Every such read goes through this policy: a file is
 * read only when
 *   - its real path (after "..", "." and every symlink are resolved) lies
 *     under the current directory or a root given on the command line
 *     (--source-root DIR, the NEW side of --prefix-map OLD=NEW);
 *   - that real path is not under /proc, /sys or /dev, whatever the roots;
 *   - it is a regular file (never a FIFO, device, socket or directory; a
 *     device is never even opened) of at most the policy's size limit;
 *   - it is still the same file when opened (no symlink swapped in between).
 * Everything else is refused with a reason a -v note can give.
 *
 * Files the user names directly (inputs, --suppressions, --baseline,
 * --perf-map) are not the input's choice and do not go through here.
 *
 * Used by symbolize.c (source context, Cython maps, .pyx lines) and by
 * whatever else reads sources named by an input; tests.
 */
#ifndef VGTRIAGE_SRCPOLICY_H
#define VGTRIAGE_SRCPOLICY_H

#include <stddef.h>

/* The size limit when none is given: larger files are never read. */
#define SRCPOLICY_MAX_BYTES ((size_t)64 << 20)

struct srcpolicy;

/* A policy allowing the current directory and each of roots[0..n) (a root
 * that does not exist is left out).  max_bytes 0 means
 * SRCPOLICY_MAX_BYTES. */
struct srcpolicy *srcpolicy_new(const char *const *roots, size_t n_roots, size_t max_bytes);
void srcpolicy_free(struct srcpolicy *policy); /* NULL is a no-op */
/* Allows one more root directory (ignored when it does not exist). */
void srcpolicy_add_root(struct srcpolicy *policy, const char *dir);

/* Reasons (static strings), for notes: "does not exist", "outside the
 * current directory and every --source-root", "under /proc, /sys or
 * /dev", "not a regular file", "larger than the size limit", "changed
 * while it was opened", or strerror() of what failed. */
#define SRCPOLICY_MISSING "does not exist"

/* 0 when path may be read; -1 with *why set otherwise.  Opens nothing. */
int srcpolicy_check(const struct srcpolicy *policy, const char *path, const char **why);
/* Opens path for reading (O_RDONLY, close-on-exec): a file descriptor, or
 * -1 with *why set. */
int srcpolicy_open(const struct srcpolicy *policy, const char *path, const char **why);
/* The whole file, NUL-terminated (*len bytes before the NUL), malloc'd;
 * NULL with *why set when the policy refuses it or reading fails. */
char *srcpolicy_read(const struct srcpolicy *policy, const char *path, size_t *len,
		     const char **why);

/* The size limit in bytes. */
size_t srcpolicy_max_bytes(const struct srcpolicy *policy);

#endif
