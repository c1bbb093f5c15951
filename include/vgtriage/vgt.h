/*
 * vgt.h — things every module of vgtriage shares: version, exit codes,
 * the caller-owned error record, and allocation wrappers.
 *
 * Any file of the project may include it.
 *
 * Error contract: a function that can fail returns 0 on success and -1 on
 * failure, and fills the struct vgt_error its caller passed (which may be
 * NULL when the caller does not care).  Only src/main.c calls exit().
 * The x* allocators never return NULL: out of memory prints one line and
 * aborts, since no caller could do anything better.
 */
#ifndef VGTRIAGE_VGT_H
#define VGTRIAGE_VGT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The version is the file VERSION, passed in by the Makefile. */
#ifndef VGT_VERSION
#error "VGT_VERSION is not set: build with the Makefile (it reads the file VERSION)"
#endif

enum vgt_exit {
	VGT_EXIT_OK = 0,       /* nothing that --fail-on names */
	VGT_EXIT_FINDINGS = 1, /* findings that --fail-on names */
	VGT_EXIT_ERROR = 2     /* usage error, unreadable or invalid input */
};

/* Where and why something failed; file is NULL when no file is involved,
 * line/column are 0 when unknown. */
struct vgt_error {
	char message[512];
	char file[256];
	long line;
	long column;
};

void vgt_error_clear(struct vgt_error *err);
/* Sets err (if not NULL); always returns -1 so callers can `return vgt_error_set(...)`. */
int vgt_error_set(struct vgt_error *err, const char *file, long line, long column,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "FILE:LINE:COLUMN: message" (omitting what is unknown) into buf. */
void vgt_error_format(const struct vgt_error *err, char *buf, size_t size);

/* The first needle[0..nl) in s[0..n), or NULL (memmem is not POSIX):
 * memchr finds each candidate, one memcmp per occurrence of the needle's
 * first byte. */
const char *vgt_memfind(const char *s, size_t n, const char *needle, size_t nl);

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array to hold at least `need` elements of `elem` bytes. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem);
/* The same from one element: for the arrays every site carries, which
 * mostly hold one or two (a site's processes). */
void *xgrow_small(void *ptr, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that aborts on out of memory. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fast, non-cryptographic hash of len bytes (tables, not security). */
uint64_t vgt_hash_bytes(const void *data, size_t len, uint64_t seed);

/* Parses "1,234" / "1234" / "+1,600" into *out; returns 0 or -1 (not a number). */
int vgt_parse_count(const char *s, size_t len, int64_t *out);

/* Counts (bytes, blocks, occurrences) and their sums stay within
 * [0, VGT_COUNT_MAX] = 2^63 - 1, so that every output, JSON included,
 * writes them as they are: a sum that would pass it stays at it (no
 * valgrind run gets there; a hostile input can).  Deltas stay within
 * [-VGT_COUNT_MAX, VGT_COUNT_MAX]. */
#define VGT_COUNT_MAX ((uint64_t)INT64_MAX)
/* a + b, at most VGT_COUNT_MAX. */
uint64_t vgt_count_add(uint64_t a, uint64_t b);
/* a - b, 0 when b is larger (figures taken back never go below nothing). */
uint64_t vgt_count_sub(uint64_t a, uint64_t b);
/* v, at most VGT_COUNT_MAX, as a signed integer (for JSON writers). */
int64_t vgt_count_i64(uint64_t v);
/* a + b for deltas, within [-VGT_COUNT_MAX, VGT_COUNT_MAX]. */
int64_t vgt_delta_add(int64_t a, int64_t b);
/* after - before as a delta, within [-VGT_COUNT_MAX, VGT_COUNT_MAX]. */
int64_t vgt_delta_of(uint64_t after, uint64_t before);

/* The part of path after its last '/' (path itself without one). */
const char *vgt_basename(const char *path);
/* Does s end with suffix? */
int vgt_has_suffix(const char *s, const char *suffix);

#endif
