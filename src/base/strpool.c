/*
 * strpool.c — string interning: an open-addressing hash table over strings
 * kept in large arena chunks (one malloc per 64 KiB of text, not per string).
 */
#include "vgtriage/strpool.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

/* 16 bytes, not 24: the table of a report with 100,000 distinct names is
 * 2 MB, not 3.  The hash's low 32 bits place a string in a table of up
 * to 2^32 slots. */
struct slot {
	const char *str; /* NULL = empty */
	uint32_t len;
	uint32_t hash;
};

struct strpool {
	struct slot *slots;
	size_t nslots; /* power of two */
	size_t count;
	size_t bytes;
	struct chunk *chunks;
};

/* strpool_frees(): bumped before a pool's memory goes back to malloc */
static atomic_ulong pools_freed;

static uint64_t hash_bytes(const char *s, size_t len)
{
	return vgt_hash_bytes(s, len, UINT64_C(1469598103934665603));
}

struct strpool *strpool_new(void)
{
	struct strpool *pool = xcalloc(1, sizeof(*pool));
	pool->nslots = 1024;
	pool->slots = xcalloc(pool->nslots, sizeof(*pool->slots));
	return pool;
}

void strpool_free(struct strpool *pool)
{
	if (pool == NULL)
		return;
	atomic_fetch_add(&pools_freed, 1);
	struct chunk *c = pool->chunks;
	while (c != NULL) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(pool->slots);
	free(pool);
}

static char *arena_alloc(struct strpool *pool, size_t size)
{
	struct chunk *c = pool->chunks;
	if (c == NULL || c->size - c->used < size) {
		size_t want = size > CHUNK_SIZE ? size : CHUNK_SIZE;
		c = xmalloc(sizeof(*c) + want);
		c->size = want;
		c->used = 0;
		/* A string bigger than a chunk gets a chunk of its own, behind the
		 * current one, so the current chunk's free space is not wasted. */
		if (pool->chunks != NULL && want > CHUNK_SIZE) {
			c->next = pool->chunks->next;
			pool->chunks->next = c;
		} else {
			c->next = pool->chunks;
			pool->chunks = c;
		}
	}
	char *p = c->data + c->used;
	c->used += size;
	return p;
}

static void grow_table(struct strpool *pool)
{
	size_t n = pool->nslots * 2;
	struct slot *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < pool->nslots; i++) {
		struct slot *s = &pool->slots[i];
		if (s->str == NULL)
			continue;
		size_t j = s->hash & (n - 1);
		while (slots[j].str != NULL)
			j = (j + 1) & (n - 1);
		slots[j] = *s;
	}
	free(pool->slots);
	pool->slots = slots;
	pool->nslots = n;
}

/* A copy of s[0..len) in the arena, NUL-ended. */
static char *arena_copy(struct strpool *pool, const char *s, size_t len)
{
	char *copy = arena_alloc(pool, len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

const char *strpool_intern_n(struct strpool *pool, const char *s, size_t len)
{
	if (len >= UINT32_MAX) /* no input holds such a text: copied, not shared */
		return arena_copy(pool, s, len);
	uint32_t h = (uint32_t)hash_bytes(s, len);
	size_t mask = pool->nslots - 1;
	size_t i = h & mask;
	while (pool->slots[i].str != NULL) {
		struct slot *slot = &pool->slots[i];
		if (slot->hash == h && slot->len == len && memcmp(slot->str, s, len) == 0)
			return slot->str;
		i = (i + 1) & mask;
	}
	char *copy = arena_copy(pool, s, len);
	pool->slots[i].str = copy;
	pool->slots[i].len = (uint32_t)len;
	pool->slots[i].hash = h;
	pool->count++;
	pool->bytes += len + 1;
	if (pool->count * 4 > pool->nslots * 3)
		grow_table(pool);
	return copy;
}

const char *strpool_intern(struct strpool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	return strpool_intern_n(pool, s, strlen(s));
}

const char *strpool_map(struct strpool_map *map, struct strpool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	if (map->frees != strpool_frees()) {
		/* a freed pool's address may serve another pool's string */
		memset(map->slot, 0, sizeof(map->slot));
		map->frees = strpool_frees();
	}
	uint64_t h = (uint64_t)(uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15);
	size_t i = (size_t)(h >> 32) & (STRPOOL_MAP_SLOTS - 1);
	if (map->slot[i].from != s) {
		map->slot[i].from = s;
		map->slot[i].to = strpool_intern(pool, s);
	}
	return map->slot[i].to;
}

const char *strpool_printf(struct strpool *pool, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return strpool_intern_n(pool, "", 0);
	if ((size_t)n < sizeof(small))
		return strpool_intern_n(pool, small, (size_t)n);
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	const char *r = strpool_intern_n(pool, big, (size_t)n);
	free(big);
	return r;
}

size_t strpool_count(const struct strpool *pool)
{
	return pool->count;
}

size_t strpool_bytes(const struct strpool *pool)
{
	return pool->bytes;
}

unsigned long strpool_frees(void)
{
	return atomic_load(&pools_freed);
}
