/*
 * sites.c — the site index: groups classified records into sites by their
 * key (kind + culprit location) and keeps, per input, the amounts valgrind's
 * LEAK SUMMARY and ERROR SUMMARY count.  rank.c orchestrates; pertest.c,
 * procs.c-using code and figures.c look sites and amounts up here.
 *
 * Memory grows with the number of distinct sites (plus one entry per error
 * context for <errorcounts>), never with the number of records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/sites.h"
#include "analyze/procs.h"
#include "symbols/classify.h"
#include "symbols/cxxname.h"
#include "symbols/cxxsym.h"

/* The index keeps hash and site only: a site's key is made again from the
 * site when a probe needs it (key_of_site), which keeps the index at 16
 * bytes a slot for tens of thousands of sites. */
struct site_slot {
	uint64_t hash;
	struct vgt_site *site;
};

struct unique_slot {
	uint64_t key; /* (input index + 1) << 40 ^ unique; 0 = empty */
	struct vgt_site *site;
};

/* Per input: what valgrind's LEAK SUMMARY would say for it.  The leak
 * figures are those of the input's records since sites_take_back (its
 * current leak search); leak_error_records counts every search's, as
 * valgrind's ERROR SUMMARY does. */
struct input_amounts {
	struct vgt_amount definite, possible, reachable, indirect_records, indirect_split;
	int has_indirect_records;
	size_t leak_records, leak_error_records; /* for figures.c */
	/* the leak sites the input's records went to since sites_take_back,
	 * and its leak records --suppressions removed meanwhile (reading only:
	 * rank_merge does not carry them) */
	struct vgt_site **touched;
	size_t n_touched, touched_cap;
	size_t suppressed_records;
	uint64_t suppressed_bytes;
	uint64_t records_seen; /* the input's records so far: first_seen */
};

/* vgt_site.first_seen: input index above, record number below. */
#define FIRST_SEEN_SHIFT 40
#define FIRST_SEEN_MASK ((UINT64_C(1) << FIRST_SEEN_SHIFT) - 1)

struct site_index {
	struct site_slot *slots;
	size_t nslots, count;
	struct unique_slot *uniques;
	size_t nuniques, unique_count;
	struct input_amounts *inputs;
	size_t ninputs, inputs_cap;
	size_t n_empty;    /* sites sites_take_back left without records */
};

void sites_index_free(struct site_index *index)
{
	if (index == NULL)
		return;
	for (size_t i = 0; i < index->ninputs; i++)
		free(index->inputs[i].touched);
	free(index->slots);
	free(index->uniques);
	free(index->inputs);
	free(index);
}

static struct site_index *index_of(struct vgt_report *report)
{
	if (report->index == NULL) {
		struct site_index *ix = xcalloc(1, sizeof(*ix));
		ix->nslots = 256;
		ix->slots = xcalloc(ix->nslots, sizeof(*ix->slots));
		ix->nuniques = 256;
		ix->uniques = xcalloc(ix->nuniques, sizeof(*ix->uniques));
		report->index = ix;
		report->free_index = sites_index_free;
		report->release_site = procs_site_release;
	}
	return report->index;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

uint64_t sites_key_hash(const struct site_key *k)
{
	uint64_t h = (uint64_t)k->kind;
	h = mix(h, (uint64_t)(uintptr_t)k->kind_name);
	h = mix(h, (uint64_t)(uintptr_t)k->a);
	h = mix(h, (uint64_t)(uintptr_t)k->b);
	h = mix(h, (uint64_t)(uintptr_t)k->c);
	h = mix(h, k->line);
	return h;
}

int sites_key_equal(const struct site_key *x, const struct site_key *y)
{
	return x->kind == y->kind && x->kind_name == y->kind_name && x->a == y->a &&
	       x->b == y->b && x->c == y->c && x->line == y->line;
}

static void grow_sites(struct site_index *ix)
{
	size_t n = ix->nslots * 2;
	struct site_slot *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < ix->nslots; i++) {
		if (ix->slots[i].site == NULL)
			continue;
		size_t j = (size_t)ix->slots[i].hash & (n - 1);
		while (slots[j].site != NULL)
			j = (j + 1) & (n - 1);
		slots[j] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = slots;
	ix->nslots = n;
}

/* "py::func:/path/file.py" → function "func", file "/path/file.py". */
static void split_python_name(struct strpool *pool, const char *pyname,
			      struct vgt_location *loc)
{
	const char *name = pyname + 4;
	const char *colon = strchr(name, ':');
	if (colon == NULL) {
		loc->function = strpool_intern(pool, name);
		return;
	}
	loc->function = strpool_intern_n(pool, name, (size_t)(colon - name));
	loc->file = strpool_intern(pool, colon + 1);
}

/* The C file under a .pyx location: "api/native.pyx" + "native.c" gives
 * "api/native.c", as the user's tree has it. */
static const char *generated_path(struct strpool *pool, const struct vgt_frame *f)
{
	if (f->file == NULL || strchr(f->file, '/') != NULL)
		return f->file;
	const char *slash = strrchr(f->pyx_file, '/');
	if (slash == NULL)
		return f->file;
	return strpool_printf(pool, "%.*s/%s", (int)(slash - f->pyx_file), f->pyx_file, f->file);
}

static void locate(struct vgt_report *report, const struct vgt_frame *f,
		   struct vgt_location *loc, struct vgt_location *gen, int *has_gen)
{
	memset(loc, 0, sizeof(*loc));
	memset(gen, 0, sizeof(*gen));
	*has_gen = 0;
	loc->obj = f->obj;
	loc->dir = f->dir;
	loc->ambiguous = f->pyname_ambiguous;
	loc->function = f->pyname != NULL ? f->pyname : f->fn;
	if (f->pyx_file != NULL) {
		loc->file = f->pyx_file;
		loc->line = f->pyx_line;
		loc->source = f->pyx_source;
		loc->mapped = 1;
		if (f->file != NULL && f->file != f->pyx_file &&
		    strcmp(vgt_basename(f->file), vgt_basename(f->pyx_file)) != 0) {
			gen->file = generated_path(report->pool, f);
			gen->line = f->line;
			gen->function = f->fn;
			gen->dir = f->dir;
			*has_gen = 1;
		}
		return;
	}
	if (f->fn == NULL && f->pyname != NULL && strncmp(f->pyname, "py::", 4) == 0) {
		split_python_name(report->pool, f->pyname, loc);
		return;
	}
	if (f->file != NULL) {
		loc->file = f->file;
		loc->line = f->line;
	} else if (f->cls == FRAME_USER) {
		loc->address = cxxsym_address(report->pool, f); /* ???: by offset */
	}
}

static struct vgt_location *location_dup(const struct vgt_location *loc)
{
	struct vgt_location *copy = xmalloc(sizeof(*copy));
	*copy = *loc;
	return copy;
}

static void make_key(enum vgt_kind kind, const char *kind_name, const struct vgt_frame *f,
		     const struct vgt_location *loc, struct site_key *key)
{
	memset(key, 0, sizeof(*key));
	key->kind = kind;
	key->kind_name = kind_name;
	if (loc->mapped) {
		key->a = loc->file;
		key->line = loc->line;
	} else if (loc->file != NULL) {
		key->a = loc->file;
		key->b = f->dir;
		key->c = loc->function;
		key->line = loc->line;
		if (f->pyname == NULL || f->fn != NULL)
			key->c = NULL; /* C file:line identifies the statement */
	} else {
		key->b = loc->address != NULL ? loc->address : loc->function;
		key->c = f->obj;
		key->line = 0;
	}
}

/* The key a site was filed under, from the site itself (its kind, its
 * location and the culprit frame of its example stack). */
static void key_of_site(const struct vgt_report *report, const struct vgt_site *site,
			struct site_key *key)
{
	static const struct vgt_frame empty_frame;
	const struct vgt_frame *f = site->stack.count > site->culprit
		? stack_frame(report->frames, &site->stack, site->culprit) : &empty_frame;
	make_key(site->kind, site->kind_name, f, &site->location, key);
}

static int is_python_frame(const struct vgt_frame *f)
{
	return f->fn == NULL && f->pyname != NULL && strncmp(f->pyname, "py::", 4) == 0;
}

/* The site's category: its culprit's class, except that a user culprit
 * that is a Python-level frame, with no native frame of the user's in
 * the stack and the interpreter itself calling the allocator, makes the
 * site "python": CPython allocated for Python code (classes, code
 * objects, caches).  A foreign call (ctypes through libffi) straight into
 * the allocator stays the user's. */
static enum frame_class site_category(const struct frame_table *ft, const struct vgt_stack *stack,
				      size_t culprit, enum vgt_kind kind)
{
	if (stack->count == 0)
		return FRAME_RUNTIME;
	const struct vgt_frame *f = stack_frame(ft, stack, culprit);
	size_t first = 0;
	while (first < stack->count && stack_frame(ft, stack, first)->cls == FRAME_ALLOCATOR)
		first++;
	if (f->cls == FRAME_USER && kind == VGT_KIND_LEAK_STILL_REACHABLE) {
		/* A closure's or generator's scope struct that Cython's freelist
		 * keeps: the compiler's runtime, not the user's def line. */
		size_t i = first;
		while (i < culprit && stack_frame(ft, stack, i)->cls == FRAME_INTERPRETER)
			i++;
		const char *fn = i < culprit ? stack_frame(ft, stack, i)->fn : NULL;
		if (fn != NULL && strncmp(fn, "__pyx_tp_new_", 13) == 0 &&
		    strstr(fn, "__pyx_scope_struct") != NULL)
			return FRAME_CYTHON_RUNTIME;
	}
	if (f->cls != FRAME_USER || !is_python_frame(f))
		return f->cls;
	if (first < stack->count && stack_frame(ft, stack, first)->cls != FRAME_INTERPRETER)
		return FRAME_USER;
	for (size_t i = 0; i < stack->count; i++) {
		const struct vgt_frame *g = stack_frame(ft, stack, i);
		if (g->cls == FRAME_USER && !is_python_frame(g))
			return FRAME_USER;
	}
	return FRAME_PYTHON;
}

/* The site filed under key; a new one (*created = 1) when there is none.
 * The caller fills a new site's kind, location and example at once: the
 * next probe reads the key back from them. */
static struct vgt_site *find_or_add_site(struct vgt_report *report, const struct site_key *key,
					 int *created)
{
	struct site_index *ix = index_of(report);
	uint64_t h = sites_key_hash(key);
	size_t mask = ix->nslots - 1;
	size_t i = (size_t)h & mask;
	if (created != NULL)
		*created = 0;
	while (ix->slots[i].site != NULL) {
		if (ix->slots[i].hash == h) {
			struct site_key other;
			key_of_site(report, ix->slots[i].site, &other);
			if (sites_key_equal(&other, key))
				return ix->slots[i].site;
		}
		i = (i + 1) & mask;
	}
	if (created == NULL)
		return NULL;
	struct vgt_site *site = report_new_site(report);
	ix->slots[i].hash = h;
	ix->slots[i].site = site;
	ix->count++;
	if (ix->count * 2 > ix->nslots)
		grow_sites(ix);
	*created = 1;
	return site;
}

static void remember_unique(struct site_index *ix, size_t input_index, uint64_t unique,
			    struct vgt_site *site)
{
	if (ix->unique_count * 2 >= ix->nuniques) {
		size_t n = ix->nuniques * 2;
		struct unique_slot *slots = xcalloc(n, sizeof(*slots));
		for (size_t i = 0; i < ix->nuniques; i++) {
			if (ix->uniques[i].key == 0)
				continue;
			size_t j = (size_t)mix(0, ix->uniques[i].key) & (n - 1);
			while (slots[j].key != 0)
				j = (j + 1) & (n - 1);
			slots[j] = ix->uniques[i];
		}
		free(ix->uniques);
		ix->uniques = slots;
		ix->nuniques = n;
	}
	uint64_t key = ((uint64_t)(input_index + 1) << 40) ^ unique;
	size_t j = (size_t)mix(0, key) & (ix->nuniques - 1);
	while (ix->uniques[j].key != 0 && ix->uniques[j].key != key)
		j = (j + 1) & (ix->nuniques - 1);
	if (ix->uniques[j].key == 0)
		ix->unique_count++;
	ix->uniques[j].key = key;
	ix->uniques[j].site = site;
}

static struct vgt_site *lookup_unique(const struct site_index *ix, size_t input_index,
				      uint64_t unique)
{
	uint64_t key = ((uint64_t)(input_index + 1) << 40) ^ unique;
	size_t j = (size_t)mix(0, key) & (ix->nuniques - 1);
	while (ix->uniques[j].key != 0) {
		if (ix->uniques[j].key == key)
			return ix->uniques[j].site;
		j = (j + 1) & (ix->nuniques - 1);
	}
	return NULL;
}

static struct input_amounts *amounts_of(struct site_index *ix, size_t input_index)
{
	if (input_index >= ix->ninputs) {
		ix->inputs = xgrow(ix->inputs, &ix->inputs_cap, input_index + 1, sizeof(*ix->inputs));
		memset(ix->inputs + ix->ninputs, 0,
		       (input_index + 1 - ix->ninputs) * sizeof(*ix->inputs));
		ix->ninputs = input_index + 1;
	}
	return &ix->inputs[input_index];
}

static void add(struct vgt_amount *a, uint64_t bytes, uint64_t blocks)
{
	a->bytes = vgt_count_add(a->bytes, bytes);
	a->blocks = vgt_count_add(a->blocks, blocks);
}

/* Valgrind counts definite and possible loss records as errors by default
 * (--errors-for-leak-kinds=definite,possible), or as the input says. */
static int leak_counts_as_error(const struct vgt_input *input, enum vgt_kind kind)
{
	if (input != NULL && input->has_leak_options)
		return (input->errors_for_leak_kinds & (1u << kind_group(kind))) != 0;
	return kind == VGT_KIND_LEAK_DEFINITELY_LOST || kind == VGT_KIND_LEAK_POSSIBLY_LOST;
}

static void count_totals(struct vgt_report *report, size_t input_index,
			 const struct vgt_input *input, const struct vgt_record *rec)
{
	struct vgt_totals *t = &report->totals;
	struct input_amounts *in = amounts_of(index_of(report), input_index);
	t->records++;
	switch (rec->kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST:
		add(&in->definite, rec->direct_bytes, rec->blocks);
		in->indirect_split.bytes = vgt_count_add(in->indirect_split.bytes, rec->indirect_bytes);
		break;
	case VGT_KIND_LEAK_POSSIBLY_LOST:
		add(&in->possible, rec->direct_bytes, rec->blocks);
		in->indirect_split.bytes = vgt_count_add(in->indirect_split.bytes, rec->indirect_bytes);
		break;
	case VGT_KIND_LEAK_INDIRECTLY_LOST:
		add(&in->indirect_records, rec->bytes, rec->blocks);
		in->has_indirect_records = 1;
		break;
	case VGT_KIND_LEAK_STILL_REACHABLE:
		add(&in->reachable, rec->bytes, rec->blocks);
		break;
	default:
		t->errors_by_kind[rec->kind]++;
		t->errors++;
		t->error_contexts++;
		return;
	}
	in->leak_records++;
	if (leak_counts_as_error(input, rec->kind)) {
		in->leak_error_records++;
		t->errors++;
		t->error_contexts++;
	}
}

static void count_unknown_kind(struct vgt_report *report, const char *name, uint64_t n)
{
	for (size_t i = 0; i < report->n_unknown_kinds; i++) {
		if (report->unknown_kinds[i] == name) {
			report->unknown_kind_counts[i] = vgt_count_add(report->unknown_kind_counts[i], n);
			return;
		}
	}
	size_t cap = report->unknown_cap;
	report->unknown_kinds = xgrow(report->unknown_kinds, &report->unknown_cap,
				      report->n_unknown_kinds + 1, sizeof(*report->unknown_kinds));
	report->unknown_kind_counts = xgrow(report->unknown_kind_counts, &cap,
					    report->n_unknown_kinds + 1,
					    sizeof(*report->unknown_kind_counts));
	report->unknown_kinds[report->n_unknown_kinds] = name;
	report->unknown_kind_counts[report->n_unknown_kinds++] = n;
}


uint64_t sites_hash_field(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0xff; /* field separator */
	h *= 1099511628211ULL;
	return h;
}

uint64_t sites_hash_function(uint64_t h, const char *fn)
{
	char base[512];
	if (fn != NULL && cxxname_base(fn, base, sizeof(base)) < sizeof(base))
		fn = base;
	return sites_hash_field(h, fn);
}

/* The names of the next user functions below the culprit (at most 3,
 * repeats of one name counted once): with the culprit's own function, the
 * fingerprint of a site whose source is not at hand.  The smallest hash
 * over the site's records, so that it does not depend on their order. */
static void note_callers(const struct frame_table *ft, struct vgt_site *site,
			 const struct vgt_stack *stack, size_t culprit)
{
	uint64_t h = 1469598103934665603ULL;
	const char *last = NULL;
	int taken = 0;
	for (size_t i = culprit + 1; i < stack->count && taken < 3; i++) {
		const struct vgt_frame *f = stack_frame(ft, stack, i);
		if (f->cls != FRAME_USER)
			continue;
		const char *name = f->pyname != NULL ? f->pyname : f->fn;
		if (name == NULL || name == last)
			continue;
		h = f->pyname != NULL ? sites_hash_field(h, name) : sites_hash_function(h, name);
		last = name;
		taken++;
	}
	if (!site->has_callers || h < site->callers_hash)
		site->callers_hash = h;
	site->has_callers = 1;
}

/* Growth figures ("(+N)") into the site: in its detail, since only the
 * inputs of a monitor's or run --watch's leak checks have them. */
static void add_delta(struct vgt_site *site, int64_t bytes, int64_t blocks)
{
	struct vgt_site_detail *d = site_detail_mut(site);
	d->delta_bytes = vgt_delta_add(d->delta_bytes, bytes);
	d->delta_blocks = vgt_delta_add(d->delta_blocks, blocks);
}

/* A record's culprit frame, its location and its site's key. */
static void key_of(struct vgt_report *report, const struct vgt_record *rec, size_t *culprit,
		   struct vgt_location *loc, struct vgt_location *gen, int *has_gen,
		   struct site_key *key)
{
	static const struct vgt_frame empty_frame;
	*culprit = classify_culprit(report->frames, &rec->stack);
	const struct vgt_frame *f = rec->stack.count > 0
		? stack_frame(report->frames, &rec->stack, *culprit) : &empty_frame;
	locate(report, f, loc, gen, has_gen);
	const char *kind_name = rec->kind_name != NULL ? rec->kind_name
		: strpool_intern(report->pool, kind_info(rec->kind)->name);
	make_key(rec->kind, kind_name, f, loc, key);
}

/* The site keeps the stack of its largest record as its example, and
 * takes its location from the same record: the function named over the
 * stack is the stack's (instantiations of a template share the line). */
static void keep_example(struct vgt_site *site, const struct vgt_record *rec, size_t culprit,
			 const struct vgt_location *loc, int created)
{
	if (!created && rec->bytes <= site->example_bytes)
		return;
	site->example_bytes = rec->bytes;
	stack_copy(&site->stack, &rec->stack);
	stack_copy(&site->aux_stack, &rec->aux_stack);
	stack_copy(&site->aux_stack2, &rec->aux_stack2);
	site->culprit = culprit;
	if (!created)
		site->location.function = loc->function;
	text_replace(&site->what, rec->what);
	text_replace(&site->auxwhat, rec->auxwhat);
	text_replace(&site->auxwhat2, rec->auxwhat2);
}

/* "Invalid read of size 8": 8; 0 when the message names no size. */
static uint32_t access_size_of(const char *what)
{
	const char *p = what != NULL ? strstr(what, " of size ") : NULL;
	if (p == NULL)
		return 0;
	char *end;
	unsigned long n = strtoul(p + 9, &end, 10);
	return end != p + 9 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

static int same_head(const struct vgt_stack *head, const uint32_t *ids, size_t n)
{
	/* n == 0: ids may be NULL, which memcmp must not get */
	return head->count == n && (n == 0 || memcmp(head->ids, ids, n * sizeof(*head->ids)) == 0);
}

/* The head of stack[0 .. n) into out (at most max ids): runs of runtime
 * and interpreter frames between the top and the last frame made one
 * VGT_HEAD_GAP, so that heads differ only where suppressions do.
 * Returns the count, or 0 when it does not fit. */
static size_t canon_head(const struct frame_table *ft, const struct vgt_stack *stack, size_t n,
			 uint32_t *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = stack->ids[i];
		int gap = id == VGT_HEAD_GAP;
		if (!gap && i > 0 && i + 1 < n) {
			enum frame_class cls = stack_frame(ft, stack, i)->cls;
			gap = cls == FRAME_RUNTIME || cls == FRAME_INTERPRETER;
		}
		if (gap && k > 0 && out[k - 1] == VGT_HEAD_GAP)
			continue;
		if (k == max)
			return 0;
		out[k++] = gap ? VGT_HEAD_GAP : id;
	}
	return k;
}

/* Keeps the record's head (stack down to the culprit, access size) when
 * the site has no such one yet, and counts the instantiations. */
static void note_head(const struct frame_table *ft, struct vgt_site *site,
		      const struct vgt_record *rec, size_t culprit)
{
	size_t n = rec->stack.count > 0 ? (culprit < rec->stack.count ? culprit + 1 : rec->stack.count) : 0;
	uint32_t size = kind_is_leak(rec->kind) ? 0 : access_size_of(rec->what);
	uint32_t ids[64];
	size_t k = canon_head(ft, &rec->stack, n, ids, sizeof(ids) / sizeof(ids[0]));
	if (k == 0 && n > 0) { /* too deep to make a head of */
		site->heads_dropped++;
		return;
	}
	for (size_t i = 0; i < site->n_heads; i++)
		if (site->heads[i].size == size && same_head(&site->heads[i].stack, ids, k))
			return;
	if (site->n_heads >= VGT_SITE_HEADS) {
		site->heads_dropped++;
		return;
	}
	/* a culprit function not seen in the heads before: one more
	 * instantiation (the line is one: only template arguments can make
	 * its functions differ; renderers say so for templates only) */
	const char *fn = k > 0 && ids[k - 1] != VGT_HEAD_GAP ? stack_frame(ft, &rec->stack, n - 1)->fn : NULL;
	int new_fn = fn != NULL;
	for (size_t i = 0; i < site->n_heads && new_fn; i++) {
		const struct vgt_stack *h = &site->heads[i].stack;
		if (h->count > 0 && h->ids[h->count - 1] != VGT_HEAD_GAP &&
		    stack_frame(ft, h, h->count - 1)->fn == fn)
			new_fn = 0;
	}
	if (new_fn)
		site->instantiations++;
	site->heads = xrealloc(site->heads, (site->n_heads + 1) * sizeof(*site->heads));
	struct vgt_site_head *h = &site->heads[site->n_heads++];
	memset(h, 0, sizeof(*h));
	h->size = size;
	struct vgt_stack head = {ids, (uint32_t)k, (uint32_t)k};
	stack_copy(&h->stack, &head);
}

struct vgt_site *sites_add_record(struct vgt_report *report, struct vgt_input *input,
				  const struct vgt_record *rec)
{
	size_t input_index = report_input_index(report, input);
	size_t culprit;
	struct vgt_location loc, gen;
	int has_gen;
	struct site_key key;
	key_of(report, rec, &culprit, &loc, &gen, &has_gen, &key);
	const char *kind_name = key.kind_name;
	int created;
	struct vgt_site *site = find_or_add_site(report, &key, &created);
	/* a site sites_take_back emptied starts again as a new one */
	int fresh = created || site->records == 0;
	if (fresh) {
		site->kind = rec->kind;
		site->kind_name = kind_name;
		site->category = site_category(report->frames, &rec->stack, culprit, rec->kind);
		site->location = loc;
		free(site->generated);
		site->generated = has_gen ? location_dup(&gen) : NULL;
		site->has_callers = 0;
	}
	keep_example(site, rec, culprit, &loc, fresh);
	note_head(report->frames, site, rec, culprit);
	note_callers(report->frames, site, &rec->stack, culprit);
	uint64_t seen = ((uint64_t)input_index << FIRST_SEEN_SHIFT) |
			(amounts_of(index_of(report), input_index)->records_seen++ & FIRST_SEEN_MASK);
	if (fresh || seen < site->first_seen)
		site->first_seen = seen;
	site->bytes = vgt_count_add(site->bytes, rec->bytes);
	site->blocks = vgt_count_add(site->blocks, rec->blocks);
	site->direct_bytes = vgt_count_add(site->direct_bytes, rec->direct_bytes);
	site->indirect_bytes = vgt_count_add(site->indirect_bytes, rec->indirect_bytes);
	site->records++;
	site->occurrences = vgt_count_add(site->occurrences, 1);
	if (rec->has_delta) {
		site->has_delta = 1;
		add_delta(site, rec->delta_bytes, rec->delta_blocks);
	}
	if (input_index < 64)
		site->input_mask |= (uint64_t)1 << input_index;
	if (procs_site_add(report->frames, site, input_index, rec) && kind_is_leak(rec->kind)) {
		struct input_amounts *in = amounts_of(index_of(report), input_index);
		in->touched = xgrow(in->touched, &in->touched_cap, in->n_touched + 1,
				    sizeof(*in->touched));
		in->touched[in->n_touched++] = site;
	}
	count_totals(report, input_index, input, rec);
	if (rec->kind == VGT_KIND_UNKNOWN)
		count_unknown_kind(report, site->kind_name, 1);
	if (!kind_is_leak(rec->kind))
		remember_unique(index_of(report), input_index, rec->unique, site);
	return site;
}

void sites_record_key(struct vgt_report *report, const struct vgt_record *rec,
		     struct site_key *key)
{
	size_t culprit;
	struct vgt_location loc, gen;
	int has_gen;
	key_of(report, rec, &culprit, &loc, &gen, &has_gen, key);
}

struct vgt_site *sites_by_key(struct vgt_report *report, const struct site_key *key)
{
	struct vgt_site *site = find_or_add_site(report, key, NULL);
	return site != NULL && site->records > 0 ? site : NULL;
}

void sites_add_suppressed(struct vgt_report *report, struct vgt_input *input,
			 const struct vgt_record *rec)
{
	struct vgt_totals *t = &report->totals;
	t->suppressed_records++;
	/* as valgrind's "suppressed:" */
	t->suppressed_bytes = vgt_count_add(t->suppressed_bytes, rec->direct_bytes);
	if (!kind_is_leak(rec->kind))
		return;
	struct input_amounts *in = amounts_of(index_of(report), report_input_index(report, input));
	in->suppressed_records++;
	in->suppressed_bytes = vgt_count_add(in->suppressed_bytes, rec->direct_bytes);
}

/* part (figures some records of input_index added to site) out of it. */
static void site_sub(struct site_index *ix, struct vgt_site *site, size_t input_index,
		     const struct vgt_site_proc *part);

/* What input_index's records added to site, out of it. */
/* An emptied site keeps only what finds it in the index (its culprit
 * frame: key_of_site), not its example: the next record filed under it
 * brings a new one (keep_example, fresh), or sites_drop_empty drops it.
 * So a program that asks for a leak search after every test holds the
 * stacks and texts of its last search, not of every search. */
static void release_example(struct vgt_site *site)
{
	if (site->stack.count > site->culprit && site->stack.count > 1) {
		/* the culprit alone, in an array of its size (stack_copy) */
		struct vgt_stack culprit = {&site->stack.ids[site->culprit], 1, 1}, kept = {NULL, 0, 0};
		stack_copy(&kept, &culprit);
		stack_release(&site->stack);
		site->stack = kept;
		site->culprit = 0;
	}
	stack_release(&site->aux_stack);
	stack_release(&site->aux_stack2);
	text_replace(&site->what, NULL);
	text_replace(&site->auxwhat, NULL);
	text_replace(&site->auxwhat2, NULL);
}

static void take_back_site(struct site_index *ix, struct vgt_site *site, size_t input_index)
{
	struct vgt_site_proc part;
	if (procs_site_take(site, input_index, &part))
		site_sub(ix, site, input_index, &part);
}

static void site_sub(struct site_index *ix, struct vgt_site *site, size_t input_index,
		     const struct vgt_site_proc *part)
{
	site->bytes = vgt_count_sub(site->bytes, part->bytes);
	site->blocks = vgt_count_sub(site->blocks, part->blocks);
	site->direct_bytes = vgt_count_sub(site->direct_bytes, part->direct_bytes);
	site->indirect_bytes = vgt_count_sub(site->indirect_bytes, part->indirect_bytes);
	site->records = part->records < site->records ? site->records - part->records : 0;
	site->occurrences = vgt_count_sub(site->occurrences, part->occurrences);
	if (part->has_delta) {
		add_delta(site, -part->delta_bytes, -part->delta_blocks);
		site->has_delta = procs_site_has_delta(site);
	}
	if (input_index < 64 && procs_site_input_records(site, input_index) == 0)
		site->input_mask &= ~((uint64_t)1 << input_index);
	if (site->records > 0)
		return;
	/* Nothing left: sites_drop_empty drops it, unless a record of
	 * the next search makes it anew (sites_add_record). */
	release_example(site);
	site->bytes = site->blocks = site->direct_bytes = site->indirect_bytes = 0;
	site->occurrences = 0;
	site->has_delta = 0;
	if (site->detail != NULL)
		site->detail->delta_bytes = site->detail->delta_blocks = 0;
	site->example_bytes = 0;
	site->has_callers = 0;
	site->callers_hash = 0;
	ix->n_empty++;
}

void sites_take_back(struct vgt_report *report, struct vgt_input *input)
{
	struct site_index *ix = index_of(report);
	size_t input_index = report_input_index(report, input);
	struct input_amounts *in = amounts_of(ix, input_index);
	for (size_t i = 0; i < in->n_touched; i++)
		take_back_site(ix, in->touched[i], input_index);
	in->n_touched = 0;
	struct vgt_amount zero = {0, 0};
	in->definite = in->possible = in->reachable = zero;
	in->indirect_records = in->indirect_split = zero;
	in->has_indirect_records = 0;
	in->leak_records = 0;
	struct vgt_totals *t = &report->totals;
	t->suppressed_records -= in->suppressed_records < t->suppressed_records
		? in->suppressed_records : t->suppressed_records;
	t->suppressed_bytes = vgt_count_sub(t->suppressed_bytes, in->suppressed_bytes);
	in->suppressed_records = 0;
	in->suppressed_bytes = 0;
}

/* The loss record's figures before the growth valgrind wrote beside them. */
static uint64_t before_growth(uint64_t now, int64_t growth)
{
	if (growth >= 0)
		return now > (uint64_t)growth ? now - (uint64_t)growth : 0;
	return vgt_count_add(now, (uint64_t)-(growth + 1) + 1);
}

static void sub_amount(struct vgt_amount *a, uint64_t bytes, uint64_t blocks)
{
	a->bytes = vgt_count_sub(a->bytes, bytes);
	a->blocks = vgt_count_sub(a->blocks, blocks);
}

int sites_take_back_record(struct vgt_report *report, struct vgt_input *input,
			  const struct vgt_record *rec)
{
	if (!kind_is_leak(rec->kind))
		return 1;
	struct site_index *ix = index_of(report);
	size_t input_index = report_input_index(report, input);
	struct input_amounts *in = amounts_of(ix, input_index);
	struct vgt_site_proc old;
	memset(&old, 0, sizeof(old));
	old.bytes = before_growth(rec->bytes, rec->delta_bytes);
	old.blocks = before_growth(rec->blocks, rec->delta_blocks);
	old.indirect_bytes = before_growth(rec->indirect_bytes, rec->delta_indirect_bytes);
	old.direct_bytes = vgt_count_sub(old.bytes, old.indirect_bytes);
	old.records = old.occurrences = 1;
	struct site_key key;
	sites_record_key(report, rec, &key);
	struct vgt_site *site = find_or_add_site(report, &key, NULL);
	/* none before: a loss record new in this search */
	if (site != NULL && site->records > 0 && (old.bytes > 0 || old.blocks > 0)) {
		procs_site_sub(site, input_index, procs_stack_hash(report->frames, &rec->stack), &old);
		site_sub(ix, site, input_index, &old);
		switch (rec->kind) {
		case VGT_KIND_LEAK_DEFINITELY_LOST:
			sub_amount(&in->definite, old.direct_bytes, old.blocks);
			in->indirect_split.bytes = vgt_count_sub(in->indirect_split.bytes, old.indirect_bytes);
			break;
		case VGT_KIND_LEAK_POSSIBLY_LOST:
			sub_amount(&in->possible, old.direct_bytes, old.blocks);
			in->indirect_split.bytes = vgt_count_sub(in->indirect_split.bytes, old.indirect_bytes);
			break;
		case VGT_KIND_LEAK_INDIRECTLY_LOST:
			sub_amount(&in->indirect_records, old.bytes, old.blocks);
			break;
		default:
			sub_amount(&in->reachable, old.bytes, old.blocks);
			break;
		}
		in->leak_records = in->leak_records > 0 ? in->leak_records - 1 : 0;
	}
	if (rec->bytes > 0 || rec->blocks > 0)
		return 1;
	/* all freed: no site gets it, but valgrind counted it as an error */
	report->totals.records++;
	if (leak_counts_as_error(input, rec->kind)) {
		in->leak_error_records++;
		report->totals.errors++;
		report->totals.error_contexts++;
	}
	return 0;
}

void sites_keep_frames(const struct vgt_report *report, struct frames_gc *gc)
{
	for (size_t i = 0; i < report->n_sites; i++) {
		const struct vgt_site *site = report->sites[i];
		frames_gc_keep(gc, &site->stack);
		frames_gc_keep(gc, &site->aux_stack);
		frames_gc_keep(gc, &site->aux_stack2);
		for (size_t h = 0; h < site->n_heads; h++)
			frames_gc_keep(gc, &site->heads[h].stack);
	}
	for (size_t i = 0; i < report->n_record_stacks; i++)
		frames_gc_keep(gc, &report->record_stacks[i].stack);
}

size_t sites_drop_empty(struct vgt_report *report)
{
	struct site_index *ix = report->index;
	if (ix == NULL || ix->n_empty == 0)
		return 0;
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *site = report->sites[i];
		if (site->records > 0) {
			report->sites[kept++] = site;
			continue;
		}
		report_release_site(report, site);
		dropped++;
	}
	report->n_sites = kept;
	ix->n_empty = 0;
	/* the index again, over the sites left (in their order) */
	memset(ix->slots, 0, ix->nslots * sizeof(*ix->slots));
	ix->count = 0;
	size_t mask = ix->nslots - 1;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct site_key key;
		key_of_site(report, report->sites[i], &key);
		uint64_t h = sites_key_hash(&key);
		size_t j = (size_t)h & mask;
		while (ix->slots[j].site != NULL)
			j = (j + 1) & mask;
		ix->slots[j].hash = h;
		ix->slots[j].site = report->sites[i];
		ix->count++;
	}
	/* no input's touched list holds a dropped site: a site is left
	 * without records only when every input that had some took them back */
	return dropped;
}

void sites_add_errorcount(struct vgt_report *report, struct vgt_input *input,
			 uint64_t unique, uint64_t count)
{
	struct site_index *ix = index_of(report);
	size_t input_index = report_input_index(report, input);
	struct vgt_site *site = lookup_unique(ix, input_index, unique);
	if (site == NULL || count <= 1)
		return;
	uint64_t extra = count - 1; /* the record itself counted once */
	site->occurrences = vgt_count_add(site->occurrences, extra);
	procs_site_errorcount(site, input_index, extra);
	report->totals.errors = vgt_count_add(report->totals.errors, extra);
	report->totals.errors_by_kind[site->kind] =
		vgt_count_add(report->totals.errors_by_kind[site->kind], extra);
	if (site->kind == VGT_KIND_UNKNOWN)
		count_unknown_kind(report, site->kind_name, extra);
}

/* The input's amounts, or NULL when it added no record. */
static const struct input_amounts *amounts_for(const struct vgt_report *report,
					       const struct vgt_input *input)
{
	if (report->index == NULL)
		return NULL;
	size_t i = report_input_index(report, input);
	return i < report->index->ninputs ? &report->index->inputs[i] : NULL;
}

void sites_input_amounts(const struct vgt_report *report, const struct vgt_input *input,
			struct vgt_amount out[4])
{
	memset(out, 0, 4 * sizeof(*out));
	const struct input_amounts *in = amounts_for(report, input);
	if (in == NULL)
		return;
	out[0] = in->definite;
	out[1] = in->has_indirect_records ? in->indirect_records : in->indirect_split;
	out[2] = in->possible;
	out[3] = in->reachable;
}

void sites_input_counts(const struct vgt_report *report, const struct vgt_input *input,
		       size_t *leak_records, size_t *leak_error_records, int *has_indirect_records)
{
	*leak_records = *leak_error_records = 0;
	*has_indirect_records = 0;
	const struct input_amounts *in = amounts_for(report, input);
	if (in == NULL)
		return;
	*leak_records = in->leak_records;
	*leak_error_records = in->leak_error_records;
	*has_indirect_records = in->has_indirect_records;
}

/* The report's leak totals: the sum of every input's amounts. */
void sites_sum_totals(struct vgt_report *report)
{
	struct vgt_totals *t = &report->totals;
	memset(&t->definitely_lost, 0, sizeof(t->definitely_lost));
	memset(&t->indirectly_lost, 0, sizeof(t->indirectly_lost));
	memset(&t->possibly_lost, 0, sizeof(t->possibly_lost));
	memset(&t->still_reachable, 0, sizeof(t->still_reachable));
	for (size_t i = 0; i < report->n_inputs; i++) {
		struct vgt_amount a[4];
		sites_input_amounts(report, report->inputs[i], a);
		add(&t->definitely_lost, a[0].bytes, a[0].blocks);
		add(&t->indirectly_lost, a[1].bytes, a[1].blocks);
		add(&t->possibly_lost, a[2].bytes, a[2].blocks);
		add(&t->still_reachable, a[3].bytes, a[3].blocks);
	}
}

/* ---- merging the reports of inputs read in parallel (-j) ---- */


static const char *reintern(struct strpool *pool, const char *s)
{
	return strpool_intern(pool, s);
}

void sites_merge_inputs(struct vgt_report *dst, const struct vgt_report *src, size_t base)
{
	for (size_t i = 0; i < src->n_inputs; i++) {
		const struct vgt_input *from = src->inputs[i];
		struct vgt_input *in = report_add_input(dst, from->path, from->format);
		const char *path = in->path, *format = in->format;
		*in = *from;
		in->path = path;
		in->format = format;
		in->tool = reintern(dst->pool, from->tool);
		in->command = reintern(dst->pool, from->command);
		in->fatal_signal = reintern(dst->pool, from->fatal_signal);
		for (size_t k = 0; k < in->n_suppcounts; k++)
			in->suppcounts[k].name = reintern(dst->pool, from->suppcounts[k].name);
	}
	if (src->index == NULL)
		return;
	struct site_index *ix = index_of(dst);
	for (size_t i = 0; i < src->index->ninputs; i++) {
		struct input_amounts *to = amounts_of(ix, base + i);
		*to = src->index->inputs[i];
		/* src's sites are not dst's: reading is over */
		to->touched = NULL;
		to->n_touched = to->touched_cap = 0;
	}
}

/* A string of src's location in dst: the one dst's own frames gave (the
 * same text), else a copy in dst's pool. */
static const char *same_or_copy(struct strpool *pool, const char *mine, const char *theirs)
{
	if (theirs == NULL || (mine != NULL && strcmp(mine, theirs) == 0))
		return theirs == NULL ? NULL : mine;
	return strpool_intern(pool, theirs);
}

/* The location src's site had: the one its first record gave, which the
 * largest record's frame (loc, computed in dst) need not repeat (two
 * functions at one line, folded templates). */
static void location_from(struct strpool *pool, struct vgt_location *to,
			  const struct vgt_location *loc, const struct vgt_location *from)
{
	*to = *from;
	to->file = same_or_copy(pool, loc->file, from->file);
	to->function = same_or_copy(pool, loc->function, from->function);
	to->source = same_or_copy(pool, loc->source, from->source);
	to->obj = same_or_copy(pool, loc->obj, from->obj);
	to->dir = same_or_copy(pool, loc->dir, from->dir);
	to->address = same_or_copy(pool, loc->address, from->address);
}

/* src's stack as ids of dst's frame table. */
static void remap_stack(struct vgt_report *dst, const struct vgt_report *src,
			const struct vgt_stack *from, struct vgt_stack *to)
{
	stack_clear(to);
	for (size_t i = 0; i < from->count; i++)
		stack_push(to, frames_intern_from(dst->frames, src->frames, from->ids[i]));
}

/* s's heads into d (as if d had met s's records). */
static void merge_heads(struct vgt_report *dst, const struct vgt_report *src, struct vgt_site *d,
			const struct vgt_site *s)
{
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	for (size_t i = 0; i < s->n_heads; i++) {
		const struct vgt_stack *from = &s->heads[i].stack;
		stack_clear(&rec.stack);
		for (size_t j = 0; j < from->count; j++)
			stack_push(&rec.stack, from->ids[j] == VGT_HEAD_GAP ? VGT_HEAD_GAP
					       : frames_intern_frame(dst->frames,
								     stack_frame(src->frames, from, j)));
		char what[40];
		snprintf(what, sizeof(what), "of size %" PRIu32, s->heads[i].size);
		rec.kind = d->kind;
		rec.what = s->heads[i].size > 0 ? what : NULL;
		note_head(dst->frames, d, &rec, rec.stack.count > 0 ? rec.stack.count - 1 : 0);
	}
	d->heads_dropped += s->heads_dropped;
	stack_release(&rec.stack);
}

struct vgt_site *sites_merge_site(struct vgt_report *dst, const struct vgt_report *src,
				  const struct vgt_site *s, size_t base,
				  struct vgt_stack *stack, struct vgt_stack *aux)
{
	remap_stack(dst, src, &s->stack, stack);
	remap_stack(dst, src, &s->aux_stack, aux);
	static const struct vgt_frame empty_frame;
	const struct vgt_frame *f = stack->count > s->culprit
		? stack_frame(dst->frames, stack, s->culprit) : &empty_frame;
	struct vgt_location loc, gen;
	int has_gen;
	locate(dst, f, &loc, &gen, &has_gen);
	const char *kind_name = reintern(dst->pool, s->kind_name);
	struct site_key key;
	make_key(s->kind, kind_name, f, &loc, &key);
	int created;
	struct vgt_site *d = find_or_add_site(dst, &key, &created);
	if (created) {
		d->kind = s->kind;
		d->kind_name = kind_name;
		d->category = s->category;
		location_from(dst->pool, &d->location, &loc, &s->location);
		d->generated = NULL;
		if (s->generated != NULL) {
			struct vgt_location g;
			location_from(dst->pool, &g, has_gen ? &gen : &loc, s->generated);
			d->generated = location_dup(&g);
		}
	}
	if (created || s->example_bytes > d->example_bytes) {
		d->example_bytes = s->example_bytes;
		stack_copy(&d->stack, stack);
		stack_copy(&d->aux_stack, aux);
		/* through the scratch stack: a site's copies are of exact size */
		remap_stack(dst, src, &s->aux_stack2, aux);
		stack_copy(&d->aux_stack2, aux);
		d->culprit = s->culprit;
		d->location.function = loc.function;
		text_replace(&d->what, s->what);
		text_replace(&d->auxwhat, s->auxwhat);
		text_replace(&d->auxwhat2, s->auxwhat2);
	}
	merge_heads(dst, src, d, s);
	d->bytes = vgt_count_add(d->bytes, s->bytes);
	d->blocks = vgt_count_add(d->blocks, s->blocks);
	d->direct_bytes = vgt_count_add(d->direct_bytes, s->direct_bytes);
	d->indirect_bytes = vgt_count_add(d->indirect_bytes, s->indirect_bytes);
	d->records += s->records;
	d->occurrences = vgt_count_add(d->occurrences, s->occurrences);
	uint64_t seen = s->first_seen + ((uint64_t)base << FIRST_SEEN_SHIFT);
	if (created || seen < d->first_seen)
		d->first_seen = seen;
	if (s->has_delta) {
		d->has_delta = 1;
		add_delta(d, site_detail(s)->delta_bytes, site_detail(s)->delta_blocks);
	}
	if (base < 64)
		d->input_mask |= s->input_mask << base;
	if (s->has_callers && (!d->has_callers || s->callers_hash < d->callers_hash))
		d->callers_hash = s->callers_hash;
	d->has_callers |= s->has_callers;
	procs_site_merge(d, s, base);
	return d;
}

void sites_merge_totals(struct vgt_report *dst, const struct vgt_report *src)
{
	struct vgt_totals *t = &dst->totals;
	const struct vgt_totals *f = &src->totals;
	for (int k = 0; k < VGT_KIND_COUNT; k++)
		t->errors_by_kind[k] = vgt_count_add(t->errors_by_kind[k], f->errors_by_kind[k]);
	t->errors = vgt_count_add(t->errors, f->errors);
	t->error_contexts = vgt_count_add(t->error_contexts, f->error_contexts);
	t->suppressed_records += f->suppressed_records;
	t->suppressed_bytes = vgt_count_add(t->suppressed_bytes, f->suppressed_bytes);
	t->records += f->records;
	for (size_t i = 0; i < src->n_unknown_kinds; i++)
		count_unknown_kind(dst, reintern(dst->pool, src->unknown_kinds[i]),
				   src->unknown_kind_counts[i]);
}

