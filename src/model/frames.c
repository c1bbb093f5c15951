/*
 * frames.c — the frame table (frames.h): entries in fixed-size chunks so
 * they never move, and an open-addressing index of (hash, id) pairs.
 *
 * The hash covers every key field, so frames that share an ip (a hostile
 * input writing 0x0 everywhere, or two processes) still spread over the
 * index; equality compares the key's texts with the interned strings of
 * the entry without interning the key first.
 *
 * Ids index by_id, which points at the entry: frames_gc gives the entries
 * of frames no stack holds back to a free list (new frames take them),
 * their ids then point at the table's one zeroed entry and are never
 * given again, so live frames keep their ids and their addresses.
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

/* An entry of a table of keys only (frames_new_keys): 64 bytes, not 152. */
struct key_entry {
	uint64_t ip, hash;
	const char *obj, *fn, *dir, *file;
	long pid;
	unsigned line;
};

struct xmap_slot {
	const char *from, *to;
};

#define XMAP_SLOTS 4096u

struct frame_table {
	struct strpool *pool;
	int keys_only;           /* frames_new_keys: keys[] instead of by_id */
	struct key_entry **keys; /* chunks of CHUNK_FRAMES, by id */
	size_t n_keys, keys_cap;
	struct entry **chunks;
	size_t n_chunks, chunks_cap;
	size_t chunk_used;      /* entries of the last chunk given out */
	struct entry **by_id;   /* [count] */
	size_t by_id_cap;
	uint32_t count;         /* ids given */
	uint32_t live;          /* ids whose entries are not reclaimed */
	struct entry **free;    /* reclaimed entries, for new frames */
	size_t n_free, free_cap;
	struct entry dead;      /* what a reclaimed id reads: all zero */
	unsigned gc_runs;
	/* frames_intern_from a table of keys (split.c's replay): its pool's
	 * strings -> this pool's, valid while strpool_frees() is xmap_frees */
	struct xmap_slot *xmap;
	unsigned long xmap_frees;
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

struct frame_table *frames_new_keys(struct strpool *pool)
{
	struct frame_table *ft = frames_new(pool);
	ft->keys_only = 1;
	return ft;
}

void frames_free(struct frame_table *ft)
{
	if (ft == NULL)
		return;
	for (size_t i = 0; i < ft->n_keys; i++)
		free(ft->keys[i]);
	free(ft->keys);
	for (size_t i = 0; i < ft->n_chunks; i++)
		free(ft->chunks[i]);
	free(ft->chunks);
	free(ft->by_id);
	free(ft->free);
	free(ft->xmap);
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
	return ft->by_id[id];
}

static struct key_entry *key_at(const struct frame_table *ft, uint32_t id)
{
	return &ft->keys[id >> CHUNK_BITS][id & (CHUNK_FRAMES - 1)];
}

uint64_t frames_key_hash(const struct frame_table *ft, uint32_t id)
{
	return ft->keys_only ? key_at(ft, id)->hash : entry_at(ft, id)->hash;
}

struct vgt_frame *frames_at(const struct frame_table *ft, uint32_t id)
{
	if (ft->keys_only)
		abort(); /* a table of keys has no frames (frames_new_keys) */
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

/* An interned string against a key's text.  strncmp, not memcmp: the
 * interned string may be shorter than len and end an allocation (the
 * pool's last string), and strncmp stops at its end.  A key's texts hold
 * no NUL (frames.h), so equal up to len means interned[len] is its end
 * or a byte of it. */
static int same_text(const char *interned, const char *s, size_t len)
{
	if (interned == NULL || s == NULL)
		return interned == s;
	return strncmp(interned, s, len) == 0 && interned[len] == '\0';
}

static int key_equal(const struct entry *e, const struct frame_key *k)
{
	const struct vgt_frame *f = &e->frame;
	return f->ip == k->ip && e->line == k->line && same_text(e->fn, k->fn, k->fn_len) &&
	       same_text(f->obj, k->obj, k->obj_len) && same_text(e->file, k->file, k->file_len) &&
	       same_text(e->dir, k->dir, k->dir_len) && (k->fn != NULL || f->pid == k->pid);
}

/* The index again, at n slots (a power of two). */
static void rebuild_index(struct frame_table *ft, size_t n)
{
	struct slot *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < ft->n_slots; i++) {
		if (ft->slots[i].id1 == 0 ||
		    (!ft->keys_only && ft->by_id[ft->slots[i].id1 - 1] == &ft->dead))
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

static int key_entry_equal(const struct key_entry *e, const struct frame_key *k)
{
	return e->ip == k->ip && e->line == k->line && same_text(e->fn, k->fn, k->fn_len) &&
	       same_text(e->obj, k->obj, k->obj_len) && same_text(e->file, k->file, k->file_len) &&
	       same_text(e->dir, k->dir, k->dir_len) && (k->fn != NULL || e->pid == k->pid);
}

static void grow_index(struct frame_table *ft)
{
	rebuild_index(ft, ft->n_slots * 2);
}

static size_t len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* A key's text as the pool's string; prev, the same field of the last
 * frame added, answers without hashing when it is that text (a stack's
 * frames share their object, an input's new frames their names). */
static const char *intern_opt(struct strpool *pool, const char *prev, const char *s, size_t len)
{
	if (s == NULL)
		return NULL;
	if (prev != NULL && same_text(prev, s, len))
		return prev;
	return strpool_intern_n(pool, s, len);
}

static struct entry *new_entry(struct frame_table *ft)
{
	struct entry *e;
	if (ft->n_free > 0) {
		e = ft->free[--ft->n_free];
		memset(e, 0, sizeof(*e));
	} else {
		if (ft->n_chunks == 0 || ft->chunk_used == CHUNK_FRAMES) {
			ft->chunks = xgrow(ft->chunks, &ft->chunks_cap, ft->n_chunks + 1,
					   sizeof(*ft->chunks));
			ft->chunks[ft->n_chunks++] = xcalloc(CHUNK_FRAMES, sizeof(struct entry));
			ft->chunk_used = 0;
		}
		e = &ft->chunks[ft->n_chunks - 1][ft->chunk_used++];
	}
	ft->by_id = xgrow(ft->by_id, &ft->by_id_cap, (size_t)ft->count + 1, sizeof(*ft->by_id));
	ft->by_id[ft->count++] = e;
	ft->live++;
	return e;
}

/* A new key entry (id ft->count) of a table of keys. */
static void add_key(struct frame_table *ft, const struct frame_key *key, uint64_t content)
{
	uint32_t id = ft->count;
	if ((id & (CHUNK_FRAMES - 1)) == 0) {
		ft->keys = xgrow(ft->keys, &ft->keys_cap, ft->n_keys + 1, sizeof(*ft->keys));
		ft->keys[ft->n_keys++] = xcalloc(CHUNK_FRAMES, sizeof(struct key_entry));
	}
	const struct key_entry *last = id > 0 ? key_at(ft, id - 1) : NULL;
	struct key_entry *e = key_at(ft, id);
	e->ip = key->ip;
	e->line = key->line;
	e->obj = intern_opt(ft->pool, last != NULL ? last->obj : NULL, key->obj, key->obj_len);
	e->fn = intern_opt(ft->pool, last != NULL ? last->fn : NULL, key->fn, key->fn_len);
	e->dir = intern_opt(ft->pool, last != NULL ? last->dir : NULL, key->dir, key->dir_len);
	e->file = intern_opt(ft->pool, last != NULL ? last->file : NULL, key->file, key->file_len);
	e->pid = key->fn == NULL ? key->pid : 0;
	e->hash = content;
	ft->count++;
	ft->live++;
}

/* ft's string for s, an interned string of another pool (NULL = absent):
 * the pool is asked once per distinct string of a part, not per frame. */
static const char *translate(struct frame_table *ft, const char *prev, const char *s)
{
	if (s == NULL)
		return NULL;
	if (ft->xmap == NULL || ft->xmap_frees != strpool_frees()) {
		/* a freed pool's address may serve another pool's string */
		if (ft->xmap == NULL)
			ft->xmap = xcalloc(XMAP_SLOTS, sizeof(*ft->xmap));
		else
			memset(ft->xmap, 0, XMAP_SLOTS * sizeof(*ft->xmap));
		ft->xmap_frees = strpool_frees();
	}
	uint64_t h = (uint64_t)(uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15);
	struct xmap_slot *x = &ft->xmap[(h >> 32) & (XMAP_SLOTS - 1)];
	if (x->from == s)
		return x->to;
	const char *to = prev != NULL && strcmp(prev, s) == 0 ? prev : strpool_intern(ft->pool, s);
	x->from = s;
	x->to = to;
	return to;
}

/* frames_intern with the key's content hash already known; from_keys: the
 * key's strings are interned (NUL-terminated) in another pool, those of a
 * table of keys, and a new entry takes ft's copies through translate. */
static uint32_t intern_hashed(struct frame_table *ft, const struct frame_key *key,
			      uint64_t content, int from_keys)
{
	uint32_t hash = (uint32_t)key_hash(key, content);
	size_t mask = ft->n_slots - 1;
	size_t i = hash & mask;
	for (; ft->slots[i].id1 != 0; i = (i + 1) & mask) {
		if (ft->slots[i].hash != hash)
			continue;
		uint32_t at = ft->slots[i].id1 - 1;
		if (ft->keys_only ? key_entry_equal(key_at(ft, at), key)
				  : key_equal(entry_at(ft, at), key))
			return at;
	}
	if (ft->count == UINT32_MAX - 1)
		abort(); /* 4 billion distinct frames: no input gets here within memory */
	uint32_t id = ft->count;
	if (ft->keys_only) {
		add_key(ft, key, content);
		ft->slots[i].id1 = id + 1;
		ft->slots[i].hash = hash;
		if ((size_t)ft->live * 2 > ft->n_slots)
			grow_index(ft);
		return id;
	}
	const struct entry *last = id > 0 ? entry_at(ft, id - 1) : &ft->dead;
	struct entry *e = new_entry(ft);
	struct vgt_frame *f = &e->frame;
	f->ip = key->ip;
	f->line = e->line = key->line;
	if (from_keys) {
		f->obj = translate(ft, last->frame.obj, key->obj);
		f->fn = e->fn = translate(ft, last->fn, key->fn);
		f->dir = e->dir = translate(ft, last->dir, key->dir);
		f->file = e->file = translate(ft, last->file, key->file);
	} else {
		f->obj = intern_opt(ft->pool, last->frame.obj, key->obj, key->obj_len);
		f->fn = e->fn = intern_opt(ft->pool, last->fn, key->fn, key->fn_len);
		f->dir = e->dir = intern_opt(ft->pool, last->dir, key->dir, key->dir_len);
		f->file = e->file = intern_opt(ft->pool, last->file, key->file, key->file_len);
	}
	f->pid = key->fn == NULL ? key->pid : 0;
	e->hash = content;
	ft->slots[i].id1 = id + 1;
	ft->slots[i].hash = hash;
	if ((size_t)ft->live * 2 > ft->n_slots)
		grow_index(ft);
	return id;
}

uint32_t frames_intern(struct frame_table *ft, const struct frame_key *key)
{
	return intern_hashed(ft, key, content_hash(key), 0);
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
	if (ft->keys_only) {
		const struct key_entry *k = key_at(ft, id);
		*key = (struct frame_key){k->ip, k->obj, k->fn, k->dir, k->file, len_of(k->obj),
					  len_of(k->fn), len_of(k->dir), len_of(k->file), k->line,
					  k->pid};
		return;
	}
	const struct entry *e = entry_at(ft, id);
	const struct vgt_frame *f = &e->frame;
	*key = (struct frame_key){f->ip, f->obj, e->fn, e->dir, e->file, len_of(f->obj),
				  len_of(e->fn), len_of(e->dir), len_of(e->file), e->line, f->pid};
}

uint32_t frames_intern_from(struct frame_table *ft, const struct frame_table *src, uint32_t src_id)
{
	if (src->keys_only && !ft->keys_only) {
		/* nothing derived: the key is all there is, hashed already (the
		 * hash covers the texts, not where they are) */
		struct frame_key k;
		frames_key_of(src, src_id, &k);
		return intern_hashed(ft, &k, key_at(src, src_id)->hash, 1);
	}
	if (src->keys_only) {
		struct frame_key k;
		frames_key_of(src, src_id, &k);
		return frames_intern(ft, &k);
	}
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

size_t frames_live(const struct frame_table *ft)
{
	return ft->live;
}

unsigned frames_gc_runs(const struct frame_table *ft)
{
	return ft->gc_runs;
}

int frames_reclaimed(const struct frame_table *ft, uint32_t id)
{
	return !ft->keys_only && id < ft->count && ft->by_id[id] == &ft->dead;
}

struct frames_gc {
	struct frame_table *ft;
	unsigned char *keep; /* [ft->count] */
};

struct frames_gc *frames_gc_begin(struct frame_table *ft)
{
	struct frames_gc *gc = xcalloc(1, sizeof(*gc));
	gc->ft = ft;
	gc->keep = xcalloc(ft->count > 0 ? ft->count : 1, 1);
	return gc;
}

void frames_gc_keep(struct frames_gc *gc, const struct vgt_stack *stack)
{
	for (uint32_t i = 0; i < stack->count; i++)
		if (stack->ids[i] < gc->ft->count) /* not VGT_HEAD_GAP */
			gc->keep[stack->ids[i]] = 1;
}

/* Adds p to the pointer set (n slots, a power of two, never full);
 * 1 when it was not there. */
static int set_add(const void **set, size_t n, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15);
	size_t i = (size_t)(h >> 32) & (n - 1);
	while (set[i] != NULL) {
		if (set[i] == p)
			return 0;
		i = (i + 1) & (n - 1);
	}
	set[i] = p;
	return 1;
}

/* What stays whatever the stacks hold: a frame not resolved yet (its
 * record is on its way), and the first frame (by id) of each object and
 * of each function name, so that a look over the whole table for an
 * object or a name (pymalloc.c: the allocator's own functions, a Python
 * object) finds what it found before, first where it was first. */
static void keep_firsts(struct frames_gc *gc)
{
	struct frame_table *ft = gc->ft;
	size_t n = 1024;
	while (n < (size_t)ft->live * 2)
		n *= 2;
	const void **objs = xcalloc(n, sizeof(*objs));
	const void **fns = xcalloc(n, sizeof(*fns));
	for (uint32_t id = 0; id < ft->count; id++) {
		const struct vgt_frame *f = &ft->by_id[id]->frame;
		if (ft->by_id[id] == &ft->dead)
			continue;
		int first_obj = f->obj != NULL && set_add(objs, n, f->obj);
		int first_fn = f->fn != NULL && set_add(fns, n, f->fn);
		if (!f->resolved || first_obj || first_fn)
			gc->keep[id] = 1;
	}
	free(objs);
	free(fns);
}

size_t frames_gc_end(struct frames_gc *gc)
{
	struct frame_table *ft = gc->ft;
	if (ft->keys_only) { /* its ids are a store's (split.c): all kept */
		free(gc->keep);
		free(gc);
		return 0;
	}
	keep_firsts(gc);
	/* the callers of an inlined frame kept (inlined_by) stay with it */
	for (uint32_t id = 0; id < ft->count; id++) {
		if (!gc->keep[id])
			continue;
		for (uint32_t next = ft->by_id[id]->frame.inlined_by;
		     next != 0 && next - 1 < ft->count && !gc->keep[next - 1];
		     next = ft->by_id[next - 1]->frame.inlined_by)
			gc->keep[next - 1] = 1;
	}
	size_t freed = 0;
	for (uint32_t id = 0; id < ft->count; id++) {
		if (gc->keep[id] || ft->by_id[id] == &ft->dead)
			continue;
		ft->free = xgrow(ft->free, &ft->free_cap, ft->n_free + 1, sizeof(*ft->free));
		ft->free[ft->n_free++] = ft->by_id[id];
		ft->by_id[id] = &ft->dead;
		freed++;
	}
	ft->live -= (uint32_t)freed;
	if (freed > 0) {
		size_t n = 1024;
		while (n < (size_t)ft->live * 2)
			n *= 2;
		rebuild_index(ft, n);
		ft->gc_runs++;
	}
	free(gc->keep);
	free(gc);
	return freed;
}
