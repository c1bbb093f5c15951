/*
 * strpool.h — string interning.
 *
 * Readers intern every string they keep (function names, object paths,
 * kinds…) the moment they see it, so that equal strings are the same
 * pointer, compare with ==, and cost memory once however often they recur
 * in the input.  Interned strings live until strpool_free().  (A text of
 * 4 GiB or more, which no input holds, is copied each time instead.)
 *
 * Any module may include it.
 */
#ifndef VGTRIAGE_STRPOOL_H
#define VGTRIAGE_STRPOOL_H

#include <stddef.h>

struct strpool;

struct strpool *strpool_new(void);
void strpool_free(struct strpool *pool); /* NULL is a no-op */

/* Returns the pool's copy of s[0..len); s need not be NUL-terminated. */
const char *strpool_intern_n(struct strpool *pool, const char *s, size_t len);
/* Returns the pool's copy of the NUL-terminated s; NULL gives NULL. */
const char *strpool_intern(struct strpool *pool, const char *s);
/* Strings interned in other pools (never temporary ones: they are taken
 * by address) as pool's, through a direct-mapped cache that spares
 * strpool_intern's strlen and hash when a string comes again.  Start it
 * zeroed; it forgets by itself what a freed pool gave (strpool_frees). */
#define STRPOOL_MAP_SLOTS 1024u
struct strpool_map {
	struct {
		const char *from, *to;
	} slot[STRPOOL_MAP_SLOTS];
	unsigned long frees;
};
const char *strpool_map(struct strpool_map *map, struct strpool *pool, const char *s);
/* printf into the pool. */
const char *strpool_printf(struct strpool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

size_t strpool_count(const struct strpool *pool);
/* How many pools this process has freed so far.  An interned string lives
 * at its address, unchanged, until its pool is freed: a cache keyed by
 * interned pointers (classify_frame_interned) stays valid while this
 * count does not change, in any thread. */
unsigned long strpool_frees(void);
size_t strpool_bytes(const struct strpool *pool);

#endif
