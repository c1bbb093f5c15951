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
 * given again, so live frames keep their ids and their addresses.  by_id
 * is kept in pages of ID_PAGE ids; a page whose ids were all reclaimed is
 * freed (its ids read the zeroed entry), so that by_id follows the live
 * frames, not every id ever given.
 *
 * A collection costs what the live frames cost, not what every id given
 * does: it walks the chunks of entries (an entry knows its id), marks in
 * a bitmap, and looks for the first frame of each object and name only
 * among the frames added since the last collection (the firsts it found
 * before stay, always: their ids are kept in a list).
 */
#include "vgtriage/frames.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS 10
#define CHUNK_FRAMES (1u << CHUNK_BITS)
#define ID_PAGE_BITS 10
#define ID_PAGE (1u << ID_PAGE_BITS)
#define NO_ID UINT32_MAX /* an entry of the free list */

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
	uint64_t hash;  /* of the key's contents, not the pid: the same in every
			   table and every process (procs.h) */
	unsigned line;
	uint32_t id;    /* NO_ID while on the free list */
};

/* ID_PAGE ids of by_id: each one's entry (place 0 of the chunks, never
 * given, is the zeroed entry a reclaimed id reads), and how many of them
 * are not reclaimed.  A page freed is the table's dead_page: every id of
 * it reads place 0, with no test in entry_at.  Pointers, not places: one
 * load less on every frames_at (6% of the time on the deep bench input
 * with 4-byte places), for 4 bytes more an id. */
struct id_page {
	struct entry *at[ID_PAGE];
	uint32_t live;
};

static const struct entry no_entry; /* the frame before id 0 */

/* A set of interned strings (the names and objects that have their first
 * frame), by address: n slots, a power of two, at most half full. */
struct ptr_set {
	const void **slot;
	size_t n, used;
};

/* The names of the frames of a table of keys (frames_new_keys), each
 * once: the frames of a report whose ips differ from record to record
 * (many processes merged) share a few thousand names.  A frame without
 * fn has a pid instead (key_fn, key_pid). */
struct key_names {
	const char *obj, *dir, *file;
	union {
		const char *fn;
		long pid;
	} u;
	unsigned char unnamed;
};

/* An entry of a table of keys: 24 bytes, not 152 (56 when it held its
 * names: a part's table of keys of the distinct 300 MB bench input). */
struct key_entry {
	uint64_t ip, hash;
	uint32_t names;  /* index into the table's names */
	unsigned line;
};
_Static_assert(sizeof(struct key_entry) <= 3 * sizeof(uint64_t), "a key entry grew");

static const char *key_fn(const struct key_names *n)
{
	return n->unnamed ? NULL : n->u.fn;
}

static long key_pid(const struct key_names *n)
{
	return n->unnamed ? n->u.pid : 0;
}

struct xmap_slot {
	const char *from, *to;
};

#define XMAP_SLOTS 4096u

struct frame_table {
	struct strpool *pool;
	int keys_only;           /* frames_new_keys: keys[] instead of by_id */
	struct key_entry **keys; /* chunks of CHUNK_FRAMES, by id */
	size_t n_keys, keys_cap;
	struct key_names *names; /* the keys' names, each once */
	uint32_t n_names;
	size_t names_cap;
	uint32_t *names_index;   /* index + 1 into names; 0 = empty */
	size_t n_names_slots;    /* a power of two, at most half full */
	struct entry **chunks;
	size_t n_chunks, chunks_cap;
	size_t chunk_used;      /* entries of the last chunk given out */
	struct id_page *dead_page; /* every id reads place 0 (made when needed) */
	struct id_page **pages; /* by_id: [count / ID_PAGE rounded up]; dead_page:
				   every id of the page reclaimed */
	size_t n_pages, pages_cap;
	uint32_t count;         /* ids given */
	uint32_t live;          /* ids whose entries are not reclaimed */
	uint32_t *free;         /* places of reclaimed entries, for new frames */
	size_t n_free, free_cap;
	unsigned gc_runs;
	/* frames_gc: every object and name looked at so far (each judged
	 * once by frames_gc_names' predicates: its first frame, when allowed,
	 * was the one that added it) */
	struct ptr_set seen_objs, seen_fns;
	uint32_t *firsts;       /* their ids, kept by every collection */
	size_t n_firsts, firsts_cap;
	uint32_t *unresolved;   /* ids below seen not looked at: not resolved */
	size_t n_unresolved, unresolved_cap;
	uint32_t seen;          /* ids looked at for firsts */
	int (*fn_named)(const char *fn); /* frames_gc_names */
	int (*obj_named)(const char *obj);
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
	free(ft->names);
	free(ft->names_index);
	for (size_t i = 0; i < ft->n_chunks; i++)
		free(ft->chunks[i]);
	free(ft->chunks);
	for (size_t i = 0; i < ft->n_pages; i++)
		if (ft->pages[i] != ft->dead_page)
			free(ft->pages[i]);
	free(ft->pages);
	free(ft->dead_page);
	free(ft->seen_objs.slot);
	free(ft->seen_fns.slot);
	free(ft->firsts);
	free(ft->unresolved);
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
	return ft->pages[id >> ID_PAGE_BITS]->at[id & (ID_PAGE - 1)];
}

/* What a reclaimed id reads: place 0, all zero. */
static const struct entry *dead_of(const struct frame_table *ft)
{
	return &ft->chunks[0][0];
}

static struct key_entry *key_at(const struct frame_table *ft, uint32_t id)
{
	return &ft->keys[id >> CHUNK_BITS][id & (CHUNK_FRAMES - 1)];
}

static const struct key_names *names_of(const struct frame_table *ft, const struct key_entry *e)
{
	return &ft->names[e->names];
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
		    (!ft->keys_only && entry_at(ft, ft->slots[i].id1 - 1) == dead_of(ft)))
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

static int key_entry_equal(const struct frame_table *ft, const struct key_entry *e,
			   const struct frame_key *k)
{
	if (e->ip != k->ip || e->line != k->line)
		return 0;
	const struct key_names *n = names_of(ft, e);
	return same_text(key_fn(n), k->fn, k->fn_len) && same_text(n->obj, k->obj, k->obj_len) &&
	       same_text(n->file, k->file, k->file_len) && same_text(n->dir, k->dir, k->dir_len) &&
	       (k->fn != NULL || key_pid(n) == k->pid);
}

/* The index doubles once it is half full, or 3/4 in a table of keys: a
 * part's table of keys at -j 2 of the distinct 300 MB bench input then
 * has an index of 8 MB, not 16 (its probes compare the slot's 32-bit
 * hash before any entry), while the main table, which every frame of
 * every record looks up, keeps its short runs (3/4 there: 1.05x CPU on
 * the deep bench input). */
static void grow_if_full(struct frame_table *ft)
{
	if (ft->keys_only ? (size_t)ft->live * 4 > ft->n_slots * 3
			  : (size_t)ft->live * 2 > ft->n_slots)
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
	uint32_t at;
	if (ft->n_free > 0) {
		at = ft->free[--ft->n_free];
	} else {
		if (ft->n_chunks == 0 || ft->chunk_used == CHUNK_FRAMES) {
			int first = ft->n_chunks == 0;
			if (ft->n_chunks == (UINT32_MAX >> CHUNK_BITS))
				abort(); /* 4 billion entries: no input gets here within memory */
			ft->chunks = xgrow(ft->chunks, &ft->chunks_cap, ft->n_chunks + 1,
					   sizeof(*ft->chunks));
			ft->chunks[ft->n_chunks++] = xcalloc(CHUNK_FRAMES, sizeof(struct entry));
			ft->chunk_used = 0;
			if (first) /* place 0: what reclaimed ids read */
				ft->chunks[0][ft->chunk_used++].id = NO_ID;
		}
		at = (uint32_t)((ft->n_chunks - 1) << CHUNK_BITS | ft->chunk_used++);
	}
	struct entry *e = &ft->chunks[at >> CHUNK_BITS][at & (CHUNK_FRAMES - 1)];
	memset(e, 0, sizeof(*e));
	size_t page = ft->count >> ID_PAGE_BITS;
	if (page == ft->n_pages) {
		ft->pages = xgrow(ft->pages, &ft->pages_cap, ft->n_pages + 1, sizeof(*ft->pages));
		ft->pages[ft->n_pages++] = xcalloc(1, sizeof(struct id_page));
	}
	ft->pages[page]->at[ft->count & (ID_PAGE - 1)] = e;
	ft->pages[page]->live++;
	e->id = ft->count++;
	ft->live++;
	return e;
}

static int same_names(const struct key_names *a, const struct key_names *b)
{
	return a->obj == b->obj && a->dir == b->dir && a->file == b->file &&
	       a->unnamed == b->unnamed && (a->unnamed ? a->u.pid == b->u.pid : a->u.fn == b->u.fn);
}

/* By address: the strings are the table's pool's. */
static uint64_t names_hash(const struct key_names *n)
{
	uint64_t h = mix((uint64_t)(uintptr_t)n->obj, (uint64_t)(uintptr_t)n->dir);
	h = mix(h, (uint64_t)(uintptr_t)n->file);
	return mix(h, n->unnamed ? (uint64_t)n->u.pid ^ 1 : (uint64_t)(uintptr_t)n->u.fn);
}

static void names_index_grow(struct frame_table *ft)
{
	size_t n = ft->n_names_slots == 0 ? 256 : ft->n_names_slots * 2;
	free(ft->names_index);
	ft->names_index = xcalloc(n, sizeof(*ft->names_index));
	ft->n_names_slots = n;
	for (uint32_t k = 0; k < ft->n_names; k++) {
		size_t i = (size_t)names_hash(&ft->names[k]) & (n - 1);
		while (ft->names_index[i] != 0)
			i = (i + 1) & (n - 1);
		ft->names_index[i] = k + 1;
	}
}

/* The index of n in the table's names, added if new. */
static uint32_t names_id(struct frame_table *ft, const struct key_names *n)
{
	if ((size_t)(ft->n_names + 1) * 2 > ft->n_names_slots)
		names_index_grow(ft);
	size_t mask = ft->n_names_slots - 1;
	size_t i = (size_t)names_hash(n) & mask;
	for (; ft->names_index[i] != 0; i = (i + 1) & mask)
		if (same_names(&ft->names[ft->names_index[i] - 1], n))
			return ft->names_index[i] - 1;
	ft->names = xgrow(ft->names, &ft->names_cap, (size_t)ft->n_names + 1, sizeof(*ft->names));
	ft->names[ft->n_names] = *n;
	ft->names_index[i] = ++ft->n_names;
	return ft->n_names - 1;
}

/* A new key entry (id ft->count) of a table of keys. */
static void add_key(struct frame_table *ft, const struct frame_key *key, uint64_t content)
{
	uint32_t id = ft->count;
	if ((id & (CHUNK_FRAMES - 1)) == 0) {
		ft->keys = xgrow(ft->keys, &ft->keys_cap, ft->n_keys + 1, sizeof(*ft->keys));
		ft->keys[ft->n_keys++] = xcalloc(CHUNK_FRAMES, sizeof(struct key_entry));
	}
	static const struct key_names none;
	const struct key_names *last = id > 0 ? names_of(ft, key_at(ft, id - 1)) : &none;
	struct key_names n = {
		.obj = intern_opt(ft->pool, last->obj, key->obj, key->obj_len),
		.dir = intern_opt(ft->pool, last->dir, key->dir, key->dir_len),
		.file = intern_opt(ft->pool, last->file, key->file, key->file_len),
	};
	if (key->fn != NULL) {
		n.u.fn = intern_opt(ft->pool, key_fn(last), key->fn, key->fn_len);
	} else {
		n.unnamed = 1;
		n.u.pid = key->pid;
	}
	struct key_entry *e = key_at(ft, id);
	e->ip = key->ip;
	e->line = key->line;
	e->names = id > 0 && same_names(last, &n) ? key_at(ft, id - 1)->names : names_id(ft, &n);
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
		if (ft->keys_only ? key_entry_equal(ft, key_at(ft, at), key)
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
		grow_if_full(ft);
		return id;
	}
	const struct entry *last = id > 0 ? entry_at(ft, id - 1) : &no_entry;
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
	grow_if_full(ft);
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
		const struct key_names *n = names_of(ft, k);
		*key = (struct frame_key){k->ip, n->obj, key_fn(n), n->dir, n->file, len_of(n->obj),
					  len_of(key_fn(n)), len_of(n->dir), len_of(n->file), k->line,
					  key_pid(n)};
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
	return !ft->keys_only && id < ft->count && entry_at(ft, id) == dead_of(ft);
}

void frames_gc_names(struct frame_table *ft, int (*fn_named)(const char *fn),
		     int (*obj_named)(const char *obj))
{
	ft->fn_named = fn_named;
	ft->obj_named = obj_named;
}

struct frames_gc {
	struct frame_table *ft;
	uint64_t *keep; /* a bit per id given */
};

static int kept(const struct frames_gc *gc, uint32_t id)
{
	return (gc->keep[id >> 6] >> (id & 63)) & 1;
}

static void keep_id(struct frames_gc *gc, uint32_t id)
{
	gc->keep[id >> 6] |= UINT64_C(1) << (id & 63);
}

struct frames_gc *frames_gc_begin(struct frame_table *ft)
{
	struct frames_gc *gc = xcalloc(1, sizeof(*gc));
	gc->ft = ft;
	gc->keep = xcalloc((size_t)ft->count / 64 + 1, sizeof(*gc->keep));
	return gc;
}

void frames_gc_keep(struct frames_gc *gc, const struct vgt_stack *stack)
{
	for (uint32_t i = 0; i < stack->count; i++)
		if (stack->ids[i] < gc->ft->count) /* not VGT_HEAD_GAP */
			keep_id(gc, stack->ids[i]);
}

static size_t ptr_slot(const struct ptr_set *set, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15);
	size_t i = (size_t)(h >> 32) & (set->n - 1);
	while (set->slot[i] != NULL && set->slot[i] != p)
		i = (i + 1) & (set->n - 1);
	return i;
}

/* Adds p to the set; 1 when it was not there. */
static int set_add(struct ptr_set *set, const void *p)
{
	if ((set->used + 1) * 2 > set->n) {
		struct ptr_set big = {xcalloc(set->n > 0 ? set->n * 2 : 1024, sizeof(*set->slot)),
				      set->n > 0 ? set->n * 2 : 1024, set->used};
		for (size_t i = 0; i < set->n; i++)
			if (set->slot[i] != NULL)
				big.slot[ptr_slot(&big, set->slot[i])] = set->slot[i];
		free(set->slot);
		*set = big;
	}
	size_t i = ptr_slot(set, p);
	if (set->slot[i] != NULL)
		return 0;
	set->slot[i] = p;
	set->used++;
	return 1;
}

static void push_id(uint32_t **ids, size_t *n, size_t *cap, uint32_t id)
{
	*ids = xgrow(*ids, cap, *n + 1, sizeof(**ids));
	(*ids)[(*n)++] = id;
}

/* Looks at frame id for firsts: one not resolved yet waits for the next
 * collection (kept meanwhile), else it is the first of its object or of
 * its name when none came before it. */
static void look_at(struct frames_gc *gc, uint32_t id, uint32_t **wait, size_t *n_wait,
		    size_t *wait_cap)
{
	struct frame_table *ft = gc->ft;
	const struct entry *e = entry_at(ft, id);
	if (e == dead_of(ft))
		return;
	const struct vgt_frame *f = &e->frame;
	if (!f->resolved) {
		keep_id(gc, id);
		push_id(wait, n_wait, wait_cap, id);
		return;
	}
	int first_obj = f->obj != NULL && set_add(&ft->seen_objs, f->obj) &&
			(ft->obj_named == NULL || ft->obj_named(f->obj));
	int first_fn = f->fn != NULL && set_add(&ft->seen_fns, f->fn) &&
		       (ft->fn_named == NULL || ft->fn_named(f->fn));
	if (first_obj || first_fn)
		push_id(&ft->firsts, &ft->n_firsts, &ft->firsts_cap, id);
}

/* What stays whatever the stacks hold: a frame not resolved yet (its
 * record is on its way), and the first frame (by id) of each object and
 * of each function name, so that a look over the whole table for an
 * object or a name (pymalloc.c: the allocator's own functions, a Python
 * object) finds what it found before, first where it was first.  A first
 * stays for good; the frames looked at are those added since the last
 * collection and those that were not resolved then, in the order of
 * their ids. */
static void keep_firsts(struct frames_gc *gc)
{
	struct frame_table *ft = gc->ft;
	uint32_t *wait = NULL;
	size_t n_wait = 0, wait_cap = 0;
	for (size_t i = 0; i < ft->n_unresolved; i++) /* all below seen */
		look_at(gc, ft->unresolved[i], &wait, &n_wait, &wait_cap);
	for (uint32_t id = ft->seen; id < ft->count; id++)
		look_at(gc, id, &wait, &n_wait, &wait_cap);
	ft->seen = ft->count;
	free(ft->unresolved);
	ft->unresolved = wait;
	ft->n_unresolved = n_wait;
	ft->unresolved_cap = wait_cap;
	for (size_t i = 0; i < ft->n_firsts; i++)
		keep_id(gc, ft->firsts[i]);
}

/* The entries given out, live or on the free list, chunk by chunk. */
static size_t chunk_len(const struct frame_table *ft, size_t c)
{
	return c + 1 == ft->n_chunks ? ft->chunk_used : CHUNK_FRAMES;
}

/* The live entry at place at goes to the free list; its id reads the
 * zeroed entry. */
static void reclaim(struct frame_table *ft, uint32_t at)
{
	struct entry *e = &ft->chunks[at >> CHUNK_BITS][at & (CHUNK_FRAMES - 1)];
	uint32_t id = e->id;
	size_t page = id >> ID_PAGE_BITS;
	struct id_page *p = ft->pages[page];
	p->at[id & (ID_PAGE - 1)] = &ft->chunks[0][0];
	/* the last page still takes new ids */
	if (--p->live == 0 && page + 1 < ft->n_pages) {
		free(p);
		if (ft->dead_page == NULL) {
			ft->dead_page = xmalloc(sizeof(*ft->dead_page));
			for (size_t i = 0; i < ID_PAGE; i++)
				ft->dead_page->at[i] = &ft->chunks[0][0];
			ft->dead_page->live = 0;
		}
		ft->pages[page] = ft->dead_page; /* never written */
	}
	ft->free = xgrow(ft->free, &ft->free_cap, ft->n_free + 1, sizeof(*ft->free));
	ft->free[ft->n_free++] = at;
	e->id = NO_ID;
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
	for (size_t c = 0; c < ft->n_chunks; c++) {
		struct entry *chunk = ft->chunks[c];
		for (size_t i = 0, n = chunk_len(ft, c); i < n; i++) {
			if (chunk[i].id == NO_ID || !kept(gc, chunk[i].id))
				continue;
			for (uint32_t next = chunk[i].frame.inlined_by;
			     next != 0 && next - 1 < ft->count && !kept(gc, next - 1);
			     next = entry_at(ft, next - 1)->frame.inlined_by)
				keep_id(gc, next - 1);
		}
	}
	size_t freed = 0;
	for (size_t c = 0; c < ft->n_chunks; c++) {
		struct entry *chunk = ft->chunks[c];
		for (size_t i = 0, n = chunk_len(ft, c); i < n; i++) {
			if (chunk[i].id == NO_ID || kept(gc, chunk[i].id))
				continue;
			reclaim(ft, (uint32_t)(c << CHUNK_BITS | i));
			freed++;
		}
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
