/*
 * rank.c — groups classified records into sites, keeps totals the way
 * valgrind's LEAK SUMMARY and ERROR SUMMARY count them, and sorts.
 *
 * Memory grows with the number of distinct sites (plus one entry per error
 * context for <errorcounts>), never with the number of records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/analysis.h"

struct site_slot {
	uint64_t hash;
	struct site_key key;
	struct vgt_site *site;
};

struct unique_slot {
	uint64_t key; /* (input index + 1) << 40 ^ unique; 0 = empty */
	struct vgt_site *site;
};

/* Per input: what valgrind's LEAK SUMMARY would say for it. */
struct input_amounts {
	struct vgt_amount definite, possible, reachable, indirect_records, indirect_split;
	int has_indirect_records;
};

struct site_index {
	struct site_slot *slots;
	size_t nslots, count;
	struct unique_slot *uniques;
	size_t nuniques, unique_count;
	struct input_amounts *inputs;
	size_t ninputs, inputs_cap;
};

void rank_index_free(struct site_index *index)
{
	if (index == NULL)
		return;
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
	}
	return report->index;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

uint64_t rank_key_hash(const struct site_key *k)
{
	uint64_t h = (uint64_t)k->kind;
	h = mix(h, (uint64_t)(uintptr_t)k->kind_name);
	h = mix(h, (uint64_t)(uintptr_t)k->a);
	h = mix(h, (uint64_t)(uintptr_t)k->b);
	h = mix(h, (uint64_t)(uintptr_t)k->c);
	h = mix(h, k->line);
	return h;
}

int rank_key_equal(const struct site_key *x, const struct site_key *y)
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

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
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
		    strcmp(basename_of(f->file), basename_of(f->pyx_file)) != 0) {
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
	}
}

static void make_key(const struct vgt_record *rec, const struct vgt_frame *f,
		     const struct vgt_location *loc, struct site_key *key)
{
	memset(key, 0, sizeof(*key));
	key->kind = rec->kind;
	key->kind_name = rec->kind_name;
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
		key->b = loc->function;
		key->c = f->obj;
		key->line = 0;
	}
}

/* created NULL: look only, never add (NULL when absent). */
static struct vgt_site *find_or_add_site(struct vgt_report *report, const struct site_key *key,
					 int *created)
{
	struct site_index *ix = index_of(report);
	uint64_t h = rank_key_hash(key);
	size_t mask = ix->nslots - 1;
	size_t i = (size_t)h & mask;
	if (created != NULL)
		*created = 0;
	while (ix->slots[i].site != NULL) {
		if (ix->slots[i].hash == h && rank_key_equal(&ix->slots[i].key, key))
			return ix->slots[i].site;
		i = (i + 1) & mask;
	}
	if (created == NULL)
		return NULL;
	struct vgt_site *site = xcalloc(1, sizeof(*site));
	ix->slots[i].hash = h;
	ix->slots[i].key = *key;
	ix->slots[i].site = site;
	ix->count++;
	if (ix->count * 2 > ix->nslots)
		grow_sites(ix);
	report->sites = xgrow(report->sites, &report->sites_cap, report->n_sites + 1,
			      sizeof(*report->sites));
	report->sites[report->n_sites++] = site;
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
	a->bytes += bytes;
	a->blocks += blocks;
}

/* Valgrind counts definite and possible loss records as errors by default
 * (--errors-for-leak-kinds=definite,possible). */
static int leak_counts_as_error(enum vgt_kind kind)
{
	return kind == VGT_KIND_LEAK_DEFINITELY_LOST || kind == VGT_KIND_LEAK_POSSIBLY_LOST;
}

static void count_totals(struct vgt_report *report, size_t input_index,
			 const struct vgt_record *rec)
{
	struct vgt_totals *t = &report->totals;
	struct input_amounts *in = amounts_of(index_of(report), input_index);
	t->records++;
	switch (rec->kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST:
		add(&in->definite, rec->direct_bytes, rec->blocks);
		in->indirect_split.bytes += rec->indirect_bytes;
		break;
	case VGT_KIND_LEAK_POSSIBLY_LOST:
		add(&in->possible, rec->direct_bytes, rec->blocks);
		in->indirect_split.bytes += rec->indirect_bytes;
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
	if (leak_counts_as_error(rec->kind)) {
		t->errors++;
		t->error_contexts++;
	}
}

static void count_unknown_kind(struct vgt_report *report, const char *name, uint64_t n)
{
	for (size_t i = 0; i < report->n_unknown_kinds; i++) {
		if (report->unknown_kinds[i] == name) {
			report->unknown_kind_counts[i] += n;
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

/* A record's culprit frame, its location and its site's key. */
static const struct vgt_frame *key_of(struct vgt_report *report, const struct vgt_record *rec,
				      size_t *culprit, struct vgt_location *loc,
				      struct vgt_location *gen, int *has_gen, struct site_key *key)
{
	static const struct vgt_frame empty_frame;
	*culprit = classify_culprit(&rec->stack);
	const struct vgt_frame *f = rec->stack.count > 0 ? &rec->stack.frames[*culprit] : &empty_frame;
	locate(report, f, loc, gen, has_gen);
	make_key(rec, f, loc, key);
	return f;
}

/* The site keeps the stack of its largest record as its example. */
static void keep_example(struct vgt_site *site, const struct vgt_record *rec, size_t culprit,
			 int created)
{
	if (!created && rec->bytes <= site->example_bytes)
		return;
	site->example_bytes = rec->bytes;
	stack_copy(&site->stack, &rec->stack);
	stack_copy(&site->aux_stack, &rec->aux_stack);
	site->culprit = culprit;
	site->what = rec->what;
	site->auxwhat = rec->auxwhat;
}

void rank_add_record(struct vgt_report *report, struct vgt_input *input,
		     const struct vgt_record *rec)
{
	size_t input_index = report_input_index(report, input);
	size_t culprit;
	struct vgt_location loc, gen;
	int has_gen;
	struct site_key key;
	const struct vgt_frame *f = key_of(report, rec, &culprit, &loc, &gen, &has_gen, &key);
	int created;
	struct vgt_site *site = find_or_add_site(report, &key, &created);
	if (created) {
		site->kind = rec->kind;
		site->kind_name = rec->kind_name != NULL ? rec->kind_name
			: strpool_intern(report->pool, kind_info(rec->kind)->name);
		site->category = rec->stack.count > 0 ? f->cls : FRAME_RUNTIME;
		site->location = loc;
		site->generated = gen;
		site->has_generated = has_gen;
	}
	keep_example(site, rec, culprit, created);
	site->bytes += rec->bytes;
	site->blocks += rec->blocks;
	site->direct_bytes += rec->direct_bytes;
	site->indirect_bytes += rec->indirect_bytes;
	site->records++;
	site->occurrences++;
	if (rec->has_delta) {
		site->has_delta = 1;
		site->delta_bytes += rec->delta_bytes;
		site->delta_blocks += rec->delta_blocks;
	}
	if (input_index < 64)
		site->input_mask |= (uint64_t)1 << input_index;
	count_totals(report, input_index, rec);
	if (rec->kind == VGT_KIND_UNKNOWN)
		count_unknown_kind(report, site->kind_name, 1);
	if (!kind_is_leak(rec->kind))
		remember_unique(index_of(report), input_index, rec->unique, site);
}

void rank_record_key(struct vgt_report *report, const struct vgt_record *rec,
		     struct site_key *key)
{
	size_t culprit;
	struct vgt_location loc, gen;
	int has_gen;
	key_of(report, rec, &culprit, &loc, &gen, &has_gen, key);
}

struct vgt_site *rank_site_by_key(struct vgt_report *report, const struct site_key *key)
{
	return find_or_add_site(report, key, NULL);
}

void rank_add_errorcount(struct vgt_report *report, struct vgt_input *input,
			 uint64_t unique, uint64_t count)
{
	struct site_index *ix = index_of(report);
	size_t input_index = report_input_index(report, input);
	struct vgt_site *site = lookup_unique(ix, input_index, unique);
	if (site == NULL || count <= 1)
		return;
	uint64_t extra = count - 1; /* the record itself counted once */
	site->occurrences += extra;
	report->totals.errors += extra;
	report->totals.errors_by_kind[site->kind] += extra;
	if (site->kind == VGT_KIND_UNKNOWN)
		count_unknown_kind(report, site->kind_name, extra);
}

void rank_input_amounts(const struct vgt_report *report, const struct vgt_input *input,
			struct vgt_amount out[4])
{
	memset(out, 0, 4 * sizeof(*out));
	if (report->index == NULL)
		return;
	size_t i = report_input_index(report, input);
	if (i >= report->index->ninputs)
		return;
	const struct input_amounts *in = &report->index->inputs[i];
	out[0] = in->definite;
	out[1] = in->has_indirect_records ? in->indirect_records : in->indirect_split;
	out[2] = in->possible;
	out[3] = in->reachable;
}

static void sum_leak_totals(struct vgt_report *report)
{
	struct vgt_totals *t = &report->totals;
	memset(&t->definitely_lost, 0, sizeof(t->definitely_lost));
	memset(&t->indirectly_lost, 0, sizeof(t->indirectly_lost));
	memset(&t->possibly_lost, 0, sizeof(t->possibly_lost));
	memset(&t->still_reachable, 0, sizeof(t->still_reachable));
	for (size_t i = 0; i < report->n_inputs; i++) {
		struct vgt_amount a[4];
		rank_input_amounts(report, report->inputs[i], a);
		add(&t->definitely_lost, a[0].bytes, a[0].blocks);
		add(&t->indirectly_lost, a[1].bytes, a[1].blocks);
		add(&t->possibly_lost, a[2].bytes, a[2].blocks);
		add(&t->still_reachable, a[3].bytes, a[3].blocks);
	}
}

static int is_noise(const struct vgt_site *site)
{
	return site->category != FRAME_USER && site->category != FRAME_CYTHON_RUNTIME;
}

static int category_order(enum frame_class cls)
{
	return cls == FRAME_USER ? 0 : cls == FRAME_CYTHON_RUNTIME ? 1 : 2;
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (a == NULL)
		return -1;
	if (b == NULL)
		return 1;
	return strcmp(a, b);
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static int compare_sites(const void *pa, const void *pb)
{
	const struct vgt_site *a = *(const struct vgt_site *const *)pa;
	const struct vgt_site *b = *(const struct vgt_site *const *)pb;
	CMP(a->hidden, b->hidden);
	CMP(kind_group(a->kind), kind_group(b->kind));
	CMP(category_order(a->category), category_order(b->category));
	CMP(b->bytes, a->bytes);
	CMP(b->blocks, a->blocks);
	CMP(b->occurrences, a->occurrences);
	CMP(b->records, a->records);
	int c = cmp_str(a->kind_name, b->kind_name);
	if (c == 0)
		c = cmp_str(a->location.file, b->location.file);
	if (c == 0 && a->location.line != b->location.line)
		c = a->location.line < b->location.line ? -1 : 1;
	if (c == 0)
		c = cmp_str(a->location.function, b->location.function);
	if (c == 0)
		c = cmp_str(a->location.obj, b->location.obj);
	return c;
}

static uint64_t fnv(uint64_t h, const char *s)
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

void rank_fingerprint(const struct vgt_site *site, char out[17])
{
	const struct vgt_location *loc = &site->location;
	uint64_t h = 1469598103934665603ULL;
	char line[24];
	snprintf(line, sizeof(line), "%u", loc->line);
	h = fnv(h, site->kind_name);
	h = fnv(h, loc->file);
	h = fnv(h, loc->function);
	/* The statement's text survives edits elsewhere in the file; the line
	 * number is the fallback when the text is not known. */
	h = fnv(h, loc->source != NULL ? loc->source : line);
	h = fnv(h, loc->file == NULL && loc->obj != NULL ? basename_of(loc->obj) : "");
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void apply_filters(struct vgt_report *report, const struct rank_options *opts)
{
	struct vgt_totals *t = &report->totals;
	t->hidden_sites = t->hidden_records = 0;
	t->hidden_bytes = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		int filtered = opts->kinds_mask != 0 &&
			       !(opts->kinds_mask & (1u << kind_group(s->kind)));
		s->hidden = filtered || (!opts->show_all && is_noise(s));
		if (s->hidden) {
			t->hidden_sites++;
			t->hidden_records += s->records;
			t->hidden_bytes += s->bytes;
		}
	}
}

void rank_finish(struct vgt_report *report, const struct rank_options *opts)
{
	static const struct rank_options defaults;
	if (opts == NULL)
		opts = &defaults;
	sum_leak_totals(report);
	apply_filters(report, opts);
	for (size_t i = 0; i < report->n_sites; i++)
		rank_fingerprint(report->sites[i], report->sites[i]->fingerprint);
	if (report->n_sites > 1)
		qsort(report->sites, report->n_sites, sizeof(*report->sites), compare_sites);
	report->n_shown = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		s->rank = s->hidden ? 0 : ++report->n_shown;
	}
}
