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
#include <sys/stat.h>

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
/* 0 when path is a directory the policy's roots hold (an include
 * directory a compile command names: what the C helper may read from);
 * -1 with *why ("not a directory", or the reasons above) otherwise. */
int srcpolicy_check_dir(const struct srcpolicy *policy, const char *path, const char **why);
/* Opens path for reading (O_RDONLY, close-on-exec): a file descriptor, or
 * -1 with *why set. */
int srcpolicy_open(const struct srcpolicy *policy, const char *path, const char **why);
/* The whole file, NUL-terminated (*len bytes before the NUL), malloc'd;
 * NULL with *why set when the policy refuses it or reading fails. */
char *srcpolicy_read(const struct srcpolicy *policy, const char *path, size_t *len,
		     const char **why);

/* The size limit in bytes. */
size_t srcpolicy_max_bytes(const struct srcpolicy *policy);

/* ---- files an input names that are not sources ----
 *
 * Objects (a frame's <obj>), their debug files (build-id and
 * .gnu_debuglink targets), perf maps and the headers the C helper follows
 * live outside the source roots (/usr/lib, /tmp): no root applies to them,
 * but the rest of the policy does: the real path is not under /proc, /sys
 * or /dev; it is a regular file of at most the kind's size; it is opened
 * O_NONBLOCK|O_NOFOLLOW at its real path and fstat()ed after (the same
 * file).  The caps, as the man page's SECURITY section states them: */
enum srcpolicy_kind {
	SRCPOLICY_OBJECT,   /* an ELF object: 1 GiB */
	SRCPOLICY_DEBUG,    /* a separate debug file: 2 GiB */
	SRCPOLICY_PERFMAP,  /* a perf map: 64 MiB */
	SRCPOLICY_HEADER    /* a header the C helper follows: 16 MiB */
};
#define SRCPOLICY_OBJECT_MAX ((size_t)1 << 30)
#define SRCPOLICY_DEBUG_MAX ((size_t)2 << 30)
#define SRCPOLICY_PERFMAP_MAX ((size_t)64 << 20)
#define SRCPOLICY_HEADER_MAX ((size_t)16 << 20)

/* The cap of a kind in bytes. */
size_t srcpolicy_kind_max(enum srcpolicy_kind kind);
/* Opens path as a file of that kind: a file descriptor (read-only,
 * close-on-exec, left O_NONBLOCK: reads of a regular file never block)
 * with *st filled and, when real is not NULL, *real its real path
 * (malloc'd); -1 with *why set (the reasons above). */
int srcpolicy_open_kind(const char *path, enum srcpolicy_kind kind, struct stat *st, char **real,
			const char **why);
/* 0 when path would be opened as that kind (no file is opened). */
int srcpolicy_check_kind(const char *path, enum srcpolicy_kind kind, const char **why);

#endif
