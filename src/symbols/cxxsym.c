/*
 * cxxsym.c — native frames: C++ names both ways and names for code
 * valgrind could not name.  See cxxsym.h.
 *
 * Everything is cached per distinct frame (one hash probe afterwards):
 * demangled names by name, linkage names by (name, object), ELF answers by
 * (object, ip, process, name).  A frame's ELF answer is fixed the first
 * time it is asked, so that the same frame always lands in the same site,
 * even if a load address becomes known later in the input.
 */
#include "symbols/cxxsym.h"
#include "base/safefile.h"
#include "symbols/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "symbols/cxxname.h"
#include "symbols/elfsym.h"
#include "vgtriage/frames.h"

#define MAX_LEARN 64     /* named frames given as evidence per object and process */
#define MAX_LISTED 4     /* names listed per object in the notes */

struct key {
	const void *a, *b;
	uint64_t ip;
	long pid;
};

enum table_kind { T_DEMANGLE, T_USER_OBJ, T_ELF, T_LINKAGE, T_LEARNED, T_KINDS };

struct elf_answer {
	const char *fn, *fn_mangled, *dir, *file, *source, *line_source;
	struct vgt_frame *callers; /* the inlined call's enclosing frames */
	size_t n_callers;
	unsigned line;
	uint64_t offset;
	unsigned has_offset : 1, fn_from_elf : 1, glob : 1;
};

struct slot {
	int used;
	enum table_kind kind;
	struct key key;
	size_t value;        /* index into answers, or a plain value */
	const char *str;     /* demangled / linkage name */
};

/* What the notes say about one object. */
struct obj_stat {
	const char *obj;
	size_t named, lined, unlocated;
	size_t callers;          /* frames added for inlined calls */
	const char *names[MAX_LISTED];
	const char *source;      /* of the names */
	const char *line_source; /* of file:line (a file with DWARF) */
};

struct cxxsym {
	struct strpool *pool;
	struct symbolize_options opts;
	struct elfsym *elf;
	struct slot *slots;
	size_t n_slots, n_used;
	struct elf_answer *answers;
	size_t n_answers, answers_cap;
	struct obj_stat *stats;
	size_t n_stats, stats_cap;
	size_t capped;       /* names of frames kept mangled: over a demangling cap */
	/* user_object's last answer: a stack's frames come in runs of one
	 * object (the interpreter's), each asked about in turn */
	const char *last_obj;
	int last_obj_user;
};

/* ---- one hash table for every cache ---- */

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t key_hash(enum table_kind kind, const struct key *k)
{
	uint64_t h = (uint64_t)kind;
	h = mix(h, (uint64_t)(uintptr_t)k->a);
	h = mix(h, (uint64_t)(uintptr_t)k->b);
	h = mix(h, k->ip);
	h = mix(h, (uint64_t)k->pid);
	return h;
}

static void grow(struct cxxsym *cs)
{
	size_t n = cs->n_slots == 0 ? 512 : cs->n_slots * 2;
	struct slot *old = cs->slots;
	size_t old_n = cs->n_slots;
	cs->slots = xcalloc(n, sizeof(*cs->slots));
	cs->n_slots = n;
	for (size_t i = 0; i < old_n; i++) {
		if (!old[i].used)
			continue;
		size_t j = (size_t)key_hash(old[i].kind, &old[i].key) & (n - 1);
		while (cs->slots[j].used)
			j = (j + 1) & (n - 1);
		cs->slots[j] = old[i];
	}
	free(old);
}

/* The slot of (kind, key); *found says whether it was there. */
static struct slot *slot_for(struct cxxsym *cs, enum table_kind kind, const struct key *k,
			     int *found)
{
	if ((cs->n_used + 1) * 2 > cs->n_slots)
		grow(cs);
	size_t mask = cs->n_slots - 1;
	size_t i = (size_t)key_hash(kind, k) & mask;
	for (; cs->slots[i].used; i = (i + 1) & mask) {
		const struct slot *s = &cs->slots[i];
		if (s->kind == kind && s->key.a == k->a && s->key.b == k->b && s->key.ip == k->ip &&
		    s->key.pid == k->pid) {
			*found = 1;
			return &cs->slots[i];
		}
	}
	*found = 0;
	cs->n_used++;
	cs->slots[i].used = 1;
	cs->slots[i].kind = kind;
	cs->slots[i].key = *k;
	return &cs->slots[i];
}

/* ---- objects ---- */

/* The object's file here: as named, else through each --prefix-map. */
static char *locate(void *ctx, const char *obj)
{
	const struct cxxsym *cs = ctx;
	if (safefile_is_regular(obj))
		return xstrdup(obj);
	for (size_t i = 0; i < cs->opts.n_prefix_maps; i++) {
		const struct prefix_map *pm = &cs->opts.prefix_maps[i];
		size_t n = strlen(pm->old_prefix);
		while (n > 1 && pm->old_prefix[n - 1] == '/')
			n--;
		if (strncmp(obj, pm->old_prefix, n) != 0 || obj[n] != '/')
			continue;
		char *path = xasprintf("%s%s", pm->new_prefix, obj + n);
		if (safefile_is_regular(path))
			return path;
		free(path);
	}
	return NULL;
}

/* Is obj the user's own code (not the interpreter, libc, valgrind)? */
static int user_object(struct cxxsym *cs, const char *obj)
{
	if (obj == cs->last_obj && obj != NULL)
		return cs->last_obj_user;
	struct key k = {obj, NULL, 0, 0};
	int found;
	struct slot *s = slot_for(cs, T_USER_OBJ, &k, &found);
	if (!found) {
		struct vgt_frame probe;
		memset(&probe, 0, sizeof(probe));
		probe.obj = obj;
		s->value = classify_frame(&probe) == FRAME_USER;
	}
	cs->last_obj = obj;
	cs->last_obj_user = (int)s->value;
	return (int)s->value;
}

static struct obj_stat *stat_for(struct cxxsym *cs, const char *obj)
{
	for (size_t i = 0; i < cs->n_stats; i++)
		if (cs->stats[i].obj == obj)
			return &cs->stats[i];
	cs->stats = xgrow(cs->stats, &cs->stats_cap, cs->n_stats + 1, sizeof(*cs->stats));
	struct obj_stat *st = &cs->stats[cs->n_stats++];
	memset(st, 0, sizeof(*st));
	st->obj = obj;
	return st;
}

/* ---- names ---- */

/* The readable name of fn (fn itself when it is not a linkage name). */
static const char *demangled(struct cxxsym *cs, const char *fn)
{
	if (fn == NULL || fn[0] != '_')
		return fn;
	struct key k = {fn, NULL, 0, 0};
	int found;
	struct slot *s = slot_for(cs, T_DEMANGLE, &k, &found);
	if (!found) {
		int capped = 0;
		char *d = cxxname_demangle_capped(fn, &capped);
		cs->capped += capped != 0;
		s->str = d != NULL ? strpool_intern(cs->pool, d) : fn;
		free(d);
	}
	return s->str;
}

/* The linkage name of a demangled C++ name, from obj's symbols. */
static const char *linkage(struct cxxsym *cs, const struct vgt_frame *f, long pid, int *glob)
{
	struct key k = {f->fn, f->obj, 0, 0};
	int found;
	struct slot *s = slot_for(cs, T_LINKAGE, &k, &found);
	if (!found) {
		int is_glob = 0;
		const char *name = elfsym_linkage_name(cs->elf, f->obj, pid, f->fn, f->ip, &is_glob);
		s->str = name != NULL ? strpool_intern(cs->pool, name) : NULL;
		s->value = (size_t)is_glob;
	}
	*glob = (int)s->value;
	return s->str;
}

/* ---- frames without a name or a line ---- */

static int needs_elf(struct cxxsym *cs, const struct vgt_frame *f)
{
	return f->obj != NULL && (f->fn == NULL || f->file == NULL) && f->pyname == NULL &&
	       user_object(cs, f->obj);
}

/* The frames valgrind named in obj tell where obj was loaded. */
static void learn(struct cxxsym *cs, long pid, const struct vgt_frame *frames, size_t n,
		  const char *obj)
{
	struct key k = {obj, NULL, 0, pid};
	int found;
	struct slot *s = slot_for(cs, T_LEARNED, &k, &found);
	if (!found)
		s->value = 0;
	for (size_t i = 0; i < n && s->value < MAX_LEARN; i++) {
		const struct vgt_frame *f = &frames[i];
		if (f->obj != obj || f->fn == NULL || f->fn_from_elf)
			continue;
		elfsym_learn(cs->elf, obj, pid, f->fn, f->ip, i == 0);
		s->value++;
	}
}

/* The frames valgrind lists after an inlined call at the same ip: the
 * enclosing inlined calls, then the function holding the code, named as
 * its symbol table names it. */
static void add_callers(struct cxxsym *cs, struct elf_answer *a, const struct vgt_frame *f,
			const struct elfsym_frame *r, struct obj_stat *st)
{
	a->callers = xcalloc(r->n_callers, sizeof(*a->callers));
	for (size_t i = 0; i < r->n_callers; i++) {
		const struct dwinline_caller *c = &r->callers[i];
		struct vgt_frame *k = &a->callers[a->n_callers++];
		k->ip = f->ip;
		k->obj = f->obj;
		if (c->fn != NULL) {
			k->fn = strpool_intern(cs->pool, c->fn);
		} else {
			k->fn = demangled(cs, strpool_intern(cs->pool, r->name));
			if (strcmp(k->fn, r->name) != 0)
				k->fn_mangled = strpool_intern(cs->pool, r->name);
		}
		k->dir = strpool_intern(cs->pool, c->dir);
		k->file = strpool_intern(cs->pool, c->file);
		k->line = c->line;
		k->fn_from_elf = 1;
		k->elf_named = 1;
		k->obj_offset = a->offset;
		k->obj_offset_known = a->has_offset;
		st->callers++;
	}
}

static const struct elf_answer *elf_answer(struct cxxsym *cs, long pid, const struct vgt_frame *f,
					   int top)
{
	struct key k = {f->obj, f->fn, f->ip, pid};
	int found;
	struct slot *s = slot_for(cs, T_ELF, &k, &found);
	if (found)
		return &cs->answers[s->value];
	cs->answers = xgrow(cs->answers, &cs->answers_cap, cs->n_answers + 1, sizeof(*cs->answers));
	s->value = cs->n_answers;
	struct elf_answer *a = &cs->answers[cs->n_answers++];
	memset(a, 0, sizeof(*a));
	struct elfsym_frame r;
	elfsym_resolve(cs->elf, f->obj, pid, f->ip, top, &r);
	struct obj_stat *st = stat_for(cs, f->obj);
	a->has_offset = r.has_offset != 0;
	a->offset = r.offset;
	if (!r.has_offset)
		st->unlocated++;
	if (f->fn == NULL && r.inlined != NULL) {
		/* code inlined here: valgrind names the frame by the inlined
		 * function, as its DWARF spells it */
		a->fn_from_elf = 1;
		a->fn = strpool_intern(cs->pool, r.inlined);
		if (st->named < MAX_LISTED)
			st->names[st->named] = a->fn;
		st->named++;
	} else if (f->fn == NULL && r.name != NULL) {
		a->fn_from_elf = 1;
		a->fn = demangled(cs, strpool_intern(cs->pool, r.name));
		if (a->fn != r.name && strcmp(a->fn, r.name) != 0)
			a->fn_mangled = strpool_intern(cs->pool, r.name);
		if (st->named < MAX_LISTED)
			st->names[st->named] = a->fn;
		st->named++;
	}
	if (f->file == NULL && r.file != NULL && r.line > 0) {
		a->dir = r.dir != NULL ? strpool_intern(cs->pool, r.dir) : NULL;
		a->file = strpool_intern(cs->pool, r.file);
		a->line = r.line;
		st->lined++;
		a->line_source = strpool_intern(cs->pool, r.line_source);
		st->line_source = a->line_source;
	}
	if (a->fn_from_elf || a->file != NULL) {
		/* an inlined name is DWARF's, as the lines are */
		a->source = strpool_intern(cs->pool, r.inlined != NULL && a->fn_from_elf
								 ? r.line_source : r.source);
		if (a->fn_from_elf)
			st->source = a->source;
	}
	if (f->fn == NULL && f->file == NULL && r.inlined != NULL && r.name != NULL &&
	    r.n_callers > 0)
		add_callers(cs, a, f, &r, st);
	return a;
}

static void apply(struct vgt_frame *f, const struct elf_answer *a)
{
	f->obj_offset = a->offset;
	f->obj_offset_known = a->has_offset;
	if (a->fn_from_elf) {
		f->fn = a->fn;
		f->fn_mangled = a->fn_mangled;
		f->fn_from_elf = 1;
	}
	if (a->file != NULL) {
		f->dir = a->dir;
		f->file = a->file;
		f->line = a->line;
	}
	f->elf_named = a->source != NULL;
}

/* ---- API ---- */

struct cxxsym *cxxsym_new(struct strpool *pool, const struct symbolize_options *opts)
{
	struct cxxsym *cs = xcalloc(1, sizeof(*cs));
	cs->pool = pool;
	if (opts != NULL)
		cs->opts = *opts;
	struct elfsym_options eo;
	memset(&eo, 0, sizeof(eo));
	eo.symbol_dirs = cs->opts.symbol_dirs;
	eo.n_symbol_dirs = cs->opts.n_symbol_dirs;
	eo.locate = locate;
	eo.locate_ctx = cs;
	cs->elf = elfsym_new(&eo);
	return cs;
}

void cxxsym_free(struct cxxsym *cs)
{
	if (cs == NULL)
		return;
	elfsym_free(cs->elf);
	free(cs->slots);
	for (size_t i = 0; i < cs->n_answers; i++)
		free(cs->answers[i].callers);
	free(cs->answers);
	free(cs->stats);
	free(cs);
}

void cxxsym_add_maps(struct cxxsym *cs, long pid, const char *maps_text)
{
	if (cs != NULL)
		elfsym_add_maps(cs->elf, pid, maps_text);
}

/* Valgrind lists the functions inlined at an ip before the function
 * holding them, all with that ip. */
static int inlined(const struct vgt_frame *frames, size_t n, size_t i)
{
	return i + 1 < n && frames[i + 1].ip == frames[i].ip && frames[i + 1].obj == frames[i].obj;
}

int cxxsym_wants(struct cxxsym *cs, const struct vgt_frame *f)
{
	if (cs == NULL)
		return 0;
	if (f->fn != NULL && f->fn[0] == '_' &&
	    (strncmp(f->fn, "_Z", 2) == 0 || strncmp(f->fn, "_vgr", 4) == 0 ||
	     strncmp(f->fn, "_GLOBAL_", 8) == 0))
		return 1; /* a linkage name, or valgrind's encoding of an intercept */
	if (cs->opts.linkage_names && f->fn != NULL && cxxname_is_demangled(f->fn))
		return 1;
	return needs_elf(cs, f);
}

void cxxsym_frames(struct cxxsym *cs, long pid, struct vgt_frame *frames, size_t n,
		   struct cxxsym_callers *callers)
{
	if (cs == NULL)
		return;
	/* frames of objects that need their symbols: learn where each such
	 * object was loaded from the frames valgrind named in this stack */
	const char *learned[8];
	size_t n_learned = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vgt_frame *f = &frames[i];
		if (!needs_elf(cs, f))
			continue;
		int seen = 0;
		for (size_t j = 0; j < n_learned && !seen; j++)
			seen = learned[j] == f->obj;
		if (seen)
			continue;
		learn(cs, pid, frames, n, f->obj);
		if (n_learned < sizeof(learned) / sizeof(learned[0]))
			learned[n_learned++] = f->obj;
	}
	for (size_t i = 0; i < n; i++) {
		struct vgt_frame *f = &frames[i];
		if (callers != NULL)
			callers[i] = (struct cxxsym_callers){NULL, 0};
		if (needs_elf(cs, f)) {
			const struct elf_answer *a = elf_answer(cs, pid, f, i == 0);
			apply(f, a);
			if (callers != NULL)
				callers[i] = (struct cxxsym_callers){a->callers, a->n_callers};
		}
		if (f->fn != NULL && !f->fn_from_elf) {
			const char *d = demangled(cs, f->fn);
			if (d != f->fn) {
				f->fn_mangled = f->fn;
				f->fn = d;
			}
		}
		if (f->fn != NULL && f->fn_mangled == NULL && !f->fn_from_elf && inlined(frames, n, i)) {
			/* valgrind names an inlined call by its debug info, as
			 * shown, and matches suppressions against that name */
			f->fn_mangled = f->fn;
		} else if (cs->opts.linkage_names && f->fn_mangled == NULL && f->obj != NULL &&
			   cxxname_is_demangled(f->fn)) {
			int glob;
			f->fn_mangled = linkage(cs, f, pid, &glob);
			f->fn_mangled_glob = f->fn_mangled != NULL && glob;
		}
	}
}

void cxxsym_chain(struct frame_table *ft, uint32_t id, const struct cxxsym_callers *callers)
{
	uint32_t prev = id;
	for (size_t k = 0; k < callers->n; k++) {
		struct vgt_frame c = callers->frames[k];
		c.resolved = 0; /* symbolized and classified once in a stack */
		c.inlined_by = 0;
		c.inline_added = 1;
		uint32_t cid = frames_intern_frame(ft, &c);
		if (cid == prev || cid == id)
			return; /* a frame the input named alike: never a cycle */
		frames_at(ft, prev)->inlined_by = cid + 1;
		prev = cid;
	}
}

/* Valgrind stops a stack at main unless --show-below-main=yes, and says
 * "(below main)" only then: a main it could not name let the stack go on. */
static size_t past_main(const struct frame_table *ft, const struct vgt_stack *stack)
{
	for (size_t i = 0; i < stack->count; i++) {
		const struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		if (!f->fn_from_elf || f->fn == NULL || strcmp(f->fn, "main") != 0)
			continue;
		for (size_t j = i + 1; j < stack->count; j++) {
			const struct vgt_frame *g = frames_at(ft, stack->ids[j]);
			if (!g->fn_from_elf && g->fn != NULL && strcmp(g->fn, "(below main)") == 0)
				return i + 1;
		}
		break;
	}
	return stack->count;
}

void cxxsym_expand(struct frame_table *ft, struct vgt_stack *stack)
{
	int any = 0;
	for (size_t i = 0; i < stack->count && !any; i++)
		any = frames_at(ft, stack->ids[i])->inlined_by != 0;
	if (any) {
		struct vgt_stack out = {NULL, 0, 0};
		for (size_t i = 0; i < stack->count; i++) {
			uint32_t id = stack->ids[i];
			stack_push(&out, id);
			/* a stack already holding the callers (valgrind named
			 * them, or it was expanded) keeps them once */
			size_t depth = 0;
			for (uint32_t next = frames_at(ft, id)->inlined_by;
			     next != 0 && depth < 64 &&
			     (i + 1 >= stack->count || stack->ids[i + 1] != next - 1);
			     next = frames_at(ft, next - 1)->inlined_by, depth++)
				stack_push(&out, next - 1);
		}
		stack_release(stack);
		*stack = out;
	}
	stack->count = (uint32_t)past_main(ft, stack);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

const char *cxxsym_address(struct strpool *pool, const struct vgt_frame *f)
{
	if (f->file != NULL || f->obj == NULL)
		return NULL;
	if (f->obj_offset_known)
		return strpool_printf(pool, "%s+0x%llx", base_name(f->obj),
				      (unsigned long long)f->obj_offset);
	return strpool_printf(pool, "%s@0x%llx", base_name(f->obj), (unsigned long long)f->ip);
}

/* Why frames of an object are shown at their ip (OBJ@0x…). */
static void note_unlocated(struct cxxsym *cs, struct vgt_report *report, const struct obj_stat *st)
{
	struct elfsym_object info;
	if (elfsym_object_find(cs->elf, st->obj, &info) != 0)
		info.obj = NULL;
	const char *why;
	char refused[200];
	if (info.obj != NULL && info.refused != NULL) {
		/* the policy's reason, or "not an ELF file" */
		snprintf(refused, sizeof(refused), "was not read (%s)", info.refused);
		why = refused;
	}
	else if ((info.obj == NULL || (info.path == NULL && info.symbols == NULL)) &&
		 cs->opts.n_symbol_dirs > 0)
		why = "is not on this machine, and no file in the --symbols directories is named "
		      "like it (NAME or NAME.debug): a saved report does not carry the build-id "
		      "that would match a file of another name (--prefix-map OLD=NEW says where "
		      "the program is; `vgtriage run --symbols DIR` reads its build-id)";
	else if (info.obj == NULL || (info.path == NULL && info.symbols == NULL))
		why = "is not on this machine (--prefix-map OLD=NEW says where it is; --symbols DIR "
		      "gives an unstripped copy)";
	else if (info.bias_conflict)
		why = "does not match the run";
	else
		why = "was loaded at an unknown address (no frame of it was named, and no process "
		      "mappings were recorded)";
	report_add_note(report, "%zu frame%s of %s shown at %s@ADDRESS, not at an offset in it: %s %s",
			st->unlocated, st->unlocated == 1 ? "" : "s", base_name(st->obj),
			base_name(st->obj), st->obj, why);
}

static int by_obj(const void *a, const void *b)
{
	const struct obj_stat *x = a, *y = b;
	return strcmp(x->obj != NULL ? x->obj : "", y->obj != NULL ? y->obj : "");
}

struct obj_index {
	const char *obj;
	size_t i;
};

static int by_obj_index(const void *a, const void *b)
{
	const struct obj_index *x = a, *y = b;
	int c = strcmp(x->obj != NULL ? x->obj : "", y->obj != NULL ? y->obj : "");
	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

void cxxsym_notes(struct cxxsym *cs, struct vgt_report *report)
{
	if (cs == NULL)
		return;
	/* objects are met in the order the inputs' threads named them (-j):
	 * notes by object name, so that every -j writes the same report */
	if (cs->n_stats > 1)
		qsort(cs->stats, cs->n_stats, sizeof(*cs->stats), by_obj);
	for (size_t i = 0; i < cs->n_stats; i++) {
		const struct obj_stat *st = &cs->stats[i];
		if (st->named > 0) {
			char list[1024] = "";
			size_t used = 0;
			for (size_t k = 0; k < st->named && k < MAX_LISTED; k++) {
				int dup = 0;
				for (size_t j = 0; j < k; j++)
					dup |= st->names[j] == st->names[k];
				if (!dup && used < sizeof(list))
					used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
								 used > 0 ? ", " : "", st->names[k]);
			}
			report_add_note(report, "%zu frame%s of %s that valgrind showed as ??? named from "
					"the symbols of %s: %s%s", st->named, st->named == 1 ? "" : "s",
					base_name(st->obj), st->source, list,
					st->named > MAX_LISTED ? ", …" : "");
		}
		if (st->lined > 0)
			report_add_note(report, "%zu frame%s of %s given file:line from the debug info of %s",
					st->lined, st->lined == 1 ? "" : "s", base_name(st->obj),
					st->line_source);
		if (st->callers > 0)
			report_add_note(report, "%zu frame%s of %s added for the calls inlined where "
					"those frames are, one per call as valgrind lists them, from the "
					"debug info of %s", st->callers, st->callers == 1 ? "" : "s",
					base_name(st->obj), st->line_source);
		if (st->unlocated > 0)
			note_unlocated(cs, report, st);
	}
	size_t capped = cs->capped;
	size_t n_objs = elfsym_count(cs->elf);
	struct obj_index *order = xmalloc((n_objs > 0 ? n_objs : 1) * sizeof(*order));
	for (size_t i = 0; i < n_objs; i++) {
		struct elfsym_object info;
		elfsym_object_info(cs->elf, i, &info);
		order[i].obj = info.obj;
		order[i].i = i;
	}
	qsort(order, n_objs, sizeof(*order), by_obj_index);
	for (size_t k = 0; k < n_objs; k++) {
		struct elfsym_object info;
		elfsym_object_info(cs->elf, order[k].i, &info);
		capped += info.capped;
		if (info.bias_conflict && !info.bias_known)
			report_add_note(report, "%s here is not the file valgrind ran (its symbols do not "
					"match the run's addresses): its frames are shown as valgrind "
					"gave them", info.path != NULL ? info.path : info.obj);
		if (info.by_name && info.resolved > 0)
			report_add_note(report, "%s is not on this machine: its symbols were taken from %s "
					"by file name alone", info.obj, info.symbols);
	}
	free(order);
	if (capped > 0)
		report_add_note(report, "%zu C++ name%s kept mangled: longer than the demangling caps "
				"(%d characters mangled, %d demangled)", capped, capped == 1 ? "" : "s",
				CXXNAME_MAX_MANGLED, CXXNAME_MAX_DEMANGLED);
}

/* ---- hints ---- */

/* The one place that walks a site's stack for the hints. */
static void each_frame(const struct vgt_site *site,
		       void (*fn)(struct vgt_report *, const struct vgt_frame *, int),
		       struct vgt_report *report, int symbols_given)
{
	for (size_t i = 0; i < site->stack.count; i++)
		fn(report, stack_frame(report->frames, &site->stack, i), symbols_given);
}

static int system_object(const char *obj)
{
	return strncmp(obj, "/usr/", 5) == 0 || strncmp(obj, "/lib", 4) == 0 ||
	       strncmp(obj, "/opt/", 5) == 0;
}

static void hint_frame(struct vgt_report *report, const struct vgt_frame *f, int symbols_given)
{
	if (f->cls != FRAME_USER || f->obj == NULL || f->file != NULL || f->pyx_file != NULL ||
	    f->pyname != NULL)
		return;
	if (symbols_given)
		report_add_note(report, "no debug info found for %s, in the --symbols "
				"directories either (looked up by its build-id when the file is here, and by "
				"the name %s or %s.debug): %s", f->obj, base_name(f->obj),
				base_name(f->obj),
				system_object(f->obj) ? "install its debug symbols package (Debian: "
				"its -dbgsym package)" : "rebuild with -g, and give --symbols a "
				"directory holding that build or its separate debug file");
	else if (system_object(f->obj))
		report_add_note(report, "no debug info for %s: install its debug symbols package "
				"(Debian: its -dbgsym package), or pass --symbols DIR", f->obj);
	else
		report_add_note(report, "no debug info for %s: rebuild with -g, or pass --symbols DIR "
				"with an unstripped build of it", f->obj);
}

void cxxsym_debug_hints(struct vgt_report *report, int symbols_given)
{
	for (size_t i = 0; i < report->n_sites; i++)
		if (!report->sites[i]->hidden)
			each_frame(report->sites[i], hint_frame, report, symbols_given);
}
