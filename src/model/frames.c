/*
 * frames.c — the frame table (frames.h): entries in fixed-size chunks so
 * they never move, and an open-addressing index of (hash, id) pairs.
 *
 * The hash covers every key field, so frames that share an ip (a hostile
 * input writing 0x0 everywhere, or two processes) still spread over the
 * index; equality compares the key's texts with the interned strings of
 * the entry without interning the key first.
 */
#include "vgtriage/frames.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS 10
#define CHUNK_FRAMES (1u << CHUNK_BITS)

struct slot {
	uint32_t id1;   /* id + 1; 0 = empty */
	uint32_t hash;  /* low bits of the key's hash */
};

/* An entry: the frame, and the key fields it was interned under.  What
 * resolves a frame may rename it (a demangled C++ name, a function and
 * line read from the object's symbols: cxxsym.h), and the key must stay
 * what the input said, or the next record's frame would not find it. */
struct entry {
	struct vgt_frame frame;
	const char *fn, *dir, *file;
	uint64_t hash;
	unsigned line;  /* of the key's contents, not the pid: the same in every
			   table and every process (procs.h) */
};

struct frame_table {
	struct strpool *pool;
	struct entry **chunks;
	size_t n_chunks, chunks_cap;
	uint32_t count;
	struct slot *slots;
	size_t n_slots; /* power of two */
};

struct frame_table *frames_new(struct strpool *pool)
{
	struct frame_table *ft = xcalloc(1, sizeof(*ft));
	ft->pool = pool;
	ft->n_slots = 1024;
	ft->slots = xcalloc(ft->n_slots, sizeof(*ft->slots));
	return ft;
}

void frames_free(struct frame_table *ft)
{
	if (ft == NULL)
		return;
	for (size_t i = 0; i < ft->n_chunks; i++)
		free(ft->chunks[i]);
	free(ft->chunks);
	free(ft->slots);
	free(ft);
}


size_t frames_count(const struct frame_table *ft)
{
	return ft->count;
}

struct strpool *frames_pool(const struct frame_table *ft)
{
	return ft->pool;
}

static struct entry *entry_at(const struct frame_table *ft, uint32_t id)
{
	return &ft->chunks[id >> CHUNK_BITS][id & (CHUNK_FRAMES - 1)];
}

uint64_t frames_key_hash(const struct frame_table *ft, uint32_t id)
{
	return entry_at(ft, id)->hash;
}

struct vgt_frame *frames_at(const struct frame_table *ft, uint32_t id)
{
	return &entry_at(ft, id)->frame;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= UINT64_C(0x9E3779B97F4A7C15);
	return h ^ (h >> 29);
}

static uint64_t hash_text(uint64_t h, const char *s, size_t len)
{
	if (s == NULL)
		return mix(h, UINT64_C(0xA5A5A5A5A5A5A5A5));
	h = mix(h, len);
	return vgt_hash_bytes(s, len, h);
}

/* The hash of what the frame says, whatever the process. */
static uint64_t content_hash(const struct frame_key *k)
{
	uint64_t h = mix(k->ip, k->line);
	h = hash_text(h, k->fn, k->fn_len);
	h = hash_text(h, k->obj, k->obj_len);
	h = hash_text(h, k->file, k->file_len);
	return hash_text(h, k->dir, k->dir_len);
}

/* The key's hash: an unnamed frame is another frame in each process. */
static uint64_t key_hash(const struct frame_key *k, uint64_t content)
{
	return k->fn == NULL ? mix(content, (uint64_t)k->pid) : content;
}

/* An interned string against a key's text. */
static int same_text(const char *interned, const char *s, size_t len)
{
	if (interned == NULL || s == NULL)
		return interned == s;
	return memcmp(interned, s, len) == 0 && interned[len] == '\0';
}

static int key_equal(const struct entry *e, const struct frame_key *k)
{
	const struct vgt_frame *f = &e->frame;
	return f->ip == k->ip && e->line == k->line && same_text(e->fn, k->fn, k->fn_len) &&
	       same_text(f->obj, k->obj, k->obj_len) && same_text(e->file, k->file, k->file_len) &&
	       same_text(e->dir, k->dir, k->dir_len) && (k->fn != NULL || f->pid == k->pid);
}

static void grow_index(struct frame_table *ft)
{
	size_t n = ft->n_slots * 2;
	struct slot *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < ft->n_slots; i++) {
		if (ft->slots[i].id1 == 0)
			continue;
		/* Only 32 bits of the hash are kept: enough to place entries in
		 * an index of up to 2^32 slots. */
		size_t j = ft->slots[i].hash & (n - 1);
		while (slots[j].id1 != 0)
			j = (j + 1) & (n - 1);
		slots[j] = ft->slots[i];
	}
	free(ft->slots);
	ft->slots = slots;
	ft->n_slots = n;
}

static const char *intern_opt(struct strpool *pool, const char *s, size_t len)
{
	return s != NULL ? strpool_intern_n(pool, s, len) : NULL;
}

static struct entry *new_entry(struct frame_table *ft)
{
	if ((ft->count & (CHUNK_FRAMES - 1)) == 0) {
		ft->chunks = xgrow(ft->chunks, &ft->chunks_cap, ft->n_chunks + 1, sizeof(*ft->chunks));
		ft->chunks[ft->n_chunks++] = xcalloc(CHUNK_FRAMES, sizeof(struct entry));
	}
	return entry_at(ft, ft->count++);
}

uint32_t frames_intern(struct frame_table *ft, const struct frame_key *key)
{
	uint64_t content = content_hash(key);
	uint32_t hash = (uint32_t)key_hash(key, content);
	size_t mask = ft->n_slots - 1;
	size_t i = hash & mask;
	for (; ft->slots[i].id1 != 0; i = (i + 1) & mask)
		if (ft->slots[i].hash == hash && key_equal(entry_at(ft, ft->slots[i].id1 - 1), key))
			return ft->slots[i].id1 - 1;
	if (ft->count == UINT32_MAX - 1)
		abort(); /* 4 billion distinct frames: no input gets here within memory */
	uint32_t id = ft->count;
	struct entry *e = new_entry(ft);
	struct vgt_frame *f = &e->frame;
	f->ip = key->ip;
	f->line = e->line = key->line;
	f->obj = intern_opt(ft->pool, key->obj, key->obj_len);
	f->fn = e->fn = intern_opt(ft->pool, key->fn, key->fn_len);
	f->dir = e->dir = intern_opt(ft->pool, key->dir, key->dir_len);
	f->file = e->file = intern_opt(ft->pool, key->file, key->file_len);
	f->pid = key->fn == NULL ? key->pid : 0;
	e->hash = content;
	ft->slots[i].id1 = id + 1;
	ft->slots[i].hash = hash;
	if ((size_t)ft->count * 2 > ft->n_slots)
		grow_index(ft);
	return id;
}

static size_t len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* A new entry takes f's derived fields. */
static void copy_derived(struct frame_table *ft, struct vgt_frame *e, const struct vgt_frame *f)
{
	e->pyx_file = strpool_intern(ft->pool, f->pyx_file);
	e->pyx_line = f->pyx_line;
	e->pyx_source = strpool_intern(ft->pool, f->pyx_source);
	e->pyname = strpool_intern(ft->pool, f->pyname);
	e->pyname_ambiguous = f->pyname_ambiguous;
	e->symbolized = f->symbolized;
	e->cls = f->cls;
	e->resolved = f->resolved;
	e->fn_mangled = strpool_intern(ft->pool, f->fn_mangled);
	e->obj_offset = f->obj_offset;
	e->obj_offset_known = f->obj_offset_known;
	e->fn_mangled_glob = f->fn_mangled_glob;
	e->fn_from_elf = f->fn_from_elf;
	e->elf_named = f->elf_named;
	e->inline_added = f->inline_added;
}

uint32_t frames_intern_frame(struct frame_table *ft, const struct vgt_frame *f)
{
	struct frame_key key = {f->ip, f->obj, f->fn, f->dir, f->file, len_of(f->obj),
				len_of(f->fn), len_of(f->dir), len_of(f->file), f->line, f->pid};
	size_t before = ft->count;
	uint32_t id = frames_intern(ft, &key);
	if (ft->count > before)
		copy_derived(ft, frames_at(ft, id), f);
	return id;
}

void frames_key_of(const struct frame_table *ft, uint32_t id, struct frame_key *key)
{
	const struct entry *e = entry_at(ft, id);
	const struct vgt_frame *f = &e->frame;
	*key = (struct frame_key){f->ip, f->obj, e->fn, e->dir, e->file, len_of(f->obj),
				  len_of(e->fn), len_of(e->dir), len_of(e->file), e->line, f->pid};
}

uint32_t frames_intern_from(struct frame_table *ft, const struct frame_table *src, uint32_t src_id)
{
	const struct entry *from = entry_at(src, src_id);
	const struct vgt_frame *f = &from->frame;
	/* the key the input wrote, not the names resolving gave the frame */
	struct frame_key key = {f->ip, f->obj, from->fn, from->dir, from->file, len_of(f->obj),
				len_of(from->fn), len_of(from->dir), len_of(from->file), from->line,
				f->pid};
	size_t before = ft->count;
	uint32_t id = frames_intern(ft, &key);
	if (ft->count > before) {
		struct vgt_frame *e = frames_at(ft, id);
		copy_derived(ft, e, f);
		e->fn = strpool_intern(ft->pool, f->fn);
		e->dir = strpool_intern(ft->pool, f->dir);
		e->file = strpool_intern(ft->pool, f->file);
		e->line = f->line;
	}
	return id;
}
