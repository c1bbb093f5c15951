/*
 * diff.c — `vgtriage diff BASE NEW` (see diff.h).
 *
 * Sites are matched by fingerprint (kind + location, no addresses), so a
 * report of yesterday's run and one of today's line up even when pids,
 * addresses and record numbers differ.  Two sites of one side with the
 * same fingerprint are summed.
 */
#include "cmd/diff.h"
#include "symbols/classify.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "render/jsonw.h"
#include "render/render.h"
#include "render/render_ci.h"
#include "analyze/baseline.h"
#include "analyze/policy.h"

/* ---- loading a JSON report ---- */

int diff_is_json_report(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	int c;
	while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
		;
	fclose(f);
	return c == '{';
}

static const char *jstr(struct vgt_report *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? strpool_intern(r->pool, json_string_value(v)) : NULL;
}

static uint64_t juint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static enum frame_class class_from_name(const char *name)
{
	for (int c = 0; c < FRAME_CLASS_COUNT && name != NULL; c++)
		if (strcmp(frame_class_name((enum frame_class)c), name) == 0)
			return (enum frame_class)c;
	return FRAME_USER;
}

static void load_location(struct vgt_report *r, json_t *o, struct vgt_location *loc)
{
	memset(loc, 0, sizeof(*loc));
	if (!json_is_object(o))
		return;
	loc->file = jstr(r, o, "file");
	loc->line = (unsigned)juint(o, "line");
	loc->function = jstr(r, o, "function");
	loc->source = jstr(r, o, "source");
	loc->obj = jstr(r, o, "obj");
	loc->mapped = json_is_true(json_object_get(o, "mapped"));
	loc->ambiguous = json_is_true(json_object_get(o, "ambiguous"));
}

static void load_stack(struct vgt_report *r, json_t *a, struct vgt_stack *st)
{
	size_t i;
	json_t *fo;
	json_array_foreach(a, i, fo) {
		struct vgt_frame frame, *f = &frame;
		memset(f, 0, sizeof(*f));
		const char *ip = jstr(r, fo, "ip");
		f->ip = ip != NULL ? strtoull(ip, NULL, 16) : 0;
		f->fn = jstr(r, fo, "fn");
		f->obj = jstr(r, fo, "obj");
		f->dir = jstr(r, fo, "dir");
		f->file = jstr(r, fo, "file");
		f->line = (unsigned)juint(fo, "line");
		f->pyx_file = jstr(r, fo, "pyx_file");
		f->pyx_line = (unsigned)juint(fo, "pyx_line");
		f->pyx_source = jstr(r, fo, "pyx_source");
		f->pyname = jstr(r, fo, "pyname");
		f->cls = class_from_name(jstr(r, fo, "class"));
		f->resolved = 1;
		stack_push(st, frames_intern_frame(r->frames, f));
	}
}

static int load_site(struct vgt_report *r, json_t *o, struct vgt_error *err, const char *path,
		     size_t index)
{
	const char *fp = jstr(r, o, "fingerprint");
	const char *kind = jstr(r, o, "kind");
	if (!json_is_object(o) || fp == NULL || strlen(fp) != 16 || kind == NULL)
		return vgt_error_set(err, path, 0, 0,
				     "sites[%zu]: expected an object with \"kind\" and a 16-digit "
				     "\"fingerprint\"", index);
	struct vgt_site *s = report_new_site(r);
	s->kind_name = kind;
	s->kind = kind_from_name(kind);
	s->category = class_from_name(jstr(r, o, "category"));
	s->bytes = juint(o, "bytes");
	s->blocks = juint(o, "blocks");
	s->direct_bytes = juint(o, "direct_bytes");
	s->indirect_bytes = juint(o, "indirect_bytes");
	s->records = (size_t)juint(o, "records");
	s->occurrences = juint(o, "occurrences");
	memcpy(s->fingerprint, fp, 17);
	load_location(r, json_object_get(o, "location"), &s->location);
	/* A JSON report does not say whether the fingerprint was made from
	 * the statement or the callers: an empty statement makes
	 * pair_by_place trust the fingerprint alone for this site. */
	site_detail_mut(s)->statement = strpool_intern(r->pool, "");
	json_t *gen = json_object_get(o, "generated");
	if (json_is_object(gen)) {
		s->generated = xcalloc(1, sizeof(*s->generated));
		load_location(r, gen, s->generated);
	}
	text_replace(&s->what, jstr(r, o, "what"));
	text_replace(&s->auxwhat, jstr(r, o, "auxwhat"));
	text_replace(&s->auxwhat2, jstr(r, o, "auxwhat2"));
	site_detail_mut(s)->baseline = jstr(r, o, "baseline");
	load_stack(r, json_object_get(o, "stack"), &s->stack);
	load_stack(r, json_object_get(o, "aux_stack"), &s->aux_stack);
	load_stack(r, json_object_get(o, "aux_stack2"), &s->aux_stack2);
	json_t *inst = json_object_get(o, "instantiations");
	if (json_is_integer(inst) && json_integer_value(inst) > 1)
		s->instantiations = (size_t)json_integer_value(inst);
	s->culprit = classify_culprit(r->frames, &s->stack);
	s->rank = r->n_sites;
	s->input_mask = 1;
	return 0;
}

static void load_inputs(struct vgt_report *r, json_t *inputs)
{
	size_t i;
	json_t *o;
	json_array_foreach(inputs, i, o) {
		const char *p = jstr(r, o, "path");
		const char *fmt = jstr(r, o, "format");
		struct vgt_input *in = report_add_input(r, p != NULL ? p : "?", fmt != NULL ? fmt : "json");
		json_t *pid = json_object_get(o, "pid");
		if (json_is_integer(pid))
			in->pid = (long)json_integer_value(pid);
		in->command = jstr(r, o, "command");
		in->complete = !json_is_false(json_object_get(o, "complete"));
		in->finished = !json_is_false(json_object_get(o, "finished"));
		in->records = (size_t)juint(o, "records");
		in->fatal_signal = jstr(r, o, "fatal_signal");
	}
}

static void load_amount(json_t *totals, const char *key, struct vgt_amount *a)
{
	json_t *o = json_object_get(totals, key);
	a->bytes = juint(o, "bytes");
	a->blocks = juint(o, "blocks");
}

/* The figures as the report wrote them: null is unknown. */
static void load_figures(struct vgt_report *r, json_t *t)
{
	static const char *const keys[VGT_GROUP_COUNT] = {
		NULL, "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable",
	};
	struct vgt_figures *fig = &r->totals.figures;
	fig->leak_check = 1;
	for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++) {
		json_t *o = json_object_get(t, keys[g]);
		if (json_is_integer(json_object_get(o, "bytes"))) {
			fig->amount[g].bytes = juint(o, "bytes");
			fig->known |= VGT_KNOWN_BYTES(g);
		}
		if (json_is_integer(json_object_get(o, "blocks"))) {
			fig->amount[g].blocks = juint(o, "blocks");
			fig->known |= VGT_KNOWN_BLOCKS(g);
		}
	}
}

static void load_totals(struct vgt_report *r, json_t *t)
{
	if (!json_is_object(t))
		return;
	load_amount(t, "definitely_lost", &r->totals.definitely_lost);
	load_amount(t, "indirectly_lost", &r->totals.indirectly_lost);
	load_amount(t, "possibly_lost", &r->totals.possibly_lost);
	load_amount(t, "still_reachable", &r->totals.still_reachable);
	load_figures(r, t);
	r->totals.errors = juint(t, "error_count");
	r->totals.error_contexts = juint(t, "error_contexts");
	r->totals.records = (size_t)juint(t, "records");
	r->totals.hidden_sites = (size_t)juint(t, "hidden_sites");
	r->totals.hidden_records = (size_t)juint(t, "hidden_records");
	r->totals.hidden_bytes = juint(t, "hidden_bytes");
}

static struct vgt_report *load_json(json_t *root, const json_error_t *jerr, const char *path,
				    struct vgt_error *err);

struct vgt_report *diff_load_json(const char *path, struct vgt_error *err)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	return load_json(root, &jerr, path, err);
}

struct vgt_report *diff_load_json_buffer(const char *text, size_t len, const char *name,
					 struct vgt_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	return load_json(root, &jerr, name, err);
}

static struct vgt_report *load_json(json_t *root, const json_error_t *jerr, const char *path,
				    struct vgt_error *err)
{
	if (root == NULL) {
		vgt_error_set(err, path, jerr->line > 0 ? jerr->line : 0,
			      jerr->column > 0 ? jerr->column : 0, "not a JSON report: %s", jerr->text);
		return NULL;
	}
	struct vgt_report *r = report_new();
	json_t *tool = json_object_get(root, "tool");
	json_t *sites = json_object_get(root, "sites");
	if (!json_is_object(root) || !json_is_string(tool) ||
	    strcmp(json_string_value(tool), "vgtriage") != 0 || !json_is_array(sites)) {
		vgt_error_set(err, path, 0, 0,
			      "not a vgtriage JSON report (expected \"tool\": \"vgtriage\" and \"sites\")");
		goto fail;
	}
	json_t *sv = json_object_get(root, "schema_version");
	if (json_is_integer(sv) && json_integer_value(sv) != 1) {
		vgt_error_set(err, path, 0, 0, "unsupported schema_version %" JSON_INTEGER_FORMAT,
			      json_integer_value(sv));
		goto fail;
	}
	load_inputs(r, json_object_get(root, "inputs"));
	load_totals(r, json_object_get(root, "totals"));
	size_t i;
	json_t *o;
	json_array_foreach(sites, i, o) {
		if (load_site(r, o, err, path, i) != 0)
			goto fail;
	}
	r->n_shown = r->n_sites;
	json_decref(root);
	return r;
fail:
	json_decref(root);
	report_free(r);
	return NULL;
}

/* ---- comparing ---- */

enum change { CH_UNCHANGED, CH_APPEARED, CH_VANISHED, CH_GREW, CH_SHRANK };

struct entry {
	const char *fingerprint;
	const struct vgt_site *base, *newer; /* representative sites */
	uint64_t base_bytes, base_blocks, base_occ;
	uint64_t new_bytes, new_blocks, new_occ;
	enum change change;
	int fails;
};

struct tagged {
	const struct vgt_site *site;
	int side; /* 0 base, 1 new */
};

static int cmp_tagged(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;
	int c = strcmp(x->site->fingerprint, y->site->fingerprint);
	return c != 0 ? c : x->side - y->side;
}

static void add_to_entry(struct entry *e, const struct tagged *t)
{
	const struct vgt_site *s = t->site;
	if (t->side == 0) {
		if (e->base == NULL)
			e->base = s;
		e->base_bytes = vgt_count_add(e->base_bytes, s->bytes);
		e->base_blocks = vgt_count_add(e->base_blocks, s->blocks);
		e->base_occ = vgt_count_add(e->base_occ, s->occurrences);
	} else {
		if (e->newer == NULL)
			e->newer = s;
		e->new_bytes = vgt_count_add(e->new_bytes, s->bytes);
		e->new_blocks = vgt_count_add(e->new_blocks, s->blocks);
		e->new_occ = vgt_count_add(e->new_occ, s->occurrences);
	}
}

/* A site only in base and one only in new at the same place (kind, file
 * name, function, line), whose fingerprints were made on different
 * footings (the statement on one side, the callers on the other: the
 * source was at hand for one report only, as with two checkouts) are
 * the same site: one entry.  Returns the new count. */
static size_t pair_by_place(struct entry *v, size_t n)
{
	char a[17], b[17];
	for (size_t i = 0; i < n; i++) {
		if (v[i].base == NULL || v[i].newer != NULL)
			continue;
		baseline_where(v[i].base, a);
		for (size_t j = 0; j < n; j++) {
			if (v[j].base != NULL || v[j].newer == NULL)
				continue;
			if (baseline_has_statement(v[i].base) && baseline_has_statement(v[j].newer))
				continue;
			baseline_where(v[j].newer, b);
			if (strcmp(a, b) != 0)
				continue;
			v[i].newer = v[j].newer;
			v[i].new_bytes = v[j].new_bytes;
			v[i].new_blocks = v[j].new_blocks;
			v[i].new_occ = v[j].new_occ;
			v[j].newer = NULL; /* emptied: dropped below */
			break;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].base != NULL || v[i].newer != NULL)
			v[k++] = v[i];
	return k;
}

/* One entry per fingerprint of either side, sorted by fingerprint. */
static size_t collect(const struct vgt_report *base, const struct vgt_report *newr,
		      struct entry **out)
{
	size_t total = base->n_shown + newr->n_shown, n = 0, k = 0;
	struct tagged *t = xcalloc(total + 1, sizeof(*t));
	for (size_t i = 0; i < base->n_shown; i++)
		t[k++] = (struct tagged){base->sites[i], 0};
	for (size_t i = 0; i < newr->n_shown; i++)
		t[k++] = (struct tagged){newr->sites[i], 1};
	if (total > 1)
		qsort(t, total, sizeof(*t), cmp_tagged);
	struct entry *v = xcalloc(total + 1, sizeof(*v));
	for (size_t i = 0; i < total; i++) {
		if (n == 0 || strcmp(v[n - 1].fingerprint, t[i].site->fingerprint) != 0)
			v[n++].fingerprint = t[i].site->fingerprint;
		add_to_entry(&v[n - 1], &t[i]);
	}
	free(t);
	n = pair_by_place(v, n);
	*out = v;
	return n;
}

static void classify_entry(struct entry *e, const struct policy *policy)
{
	if (e->base == NULL) {
		e->change = CH_APPEARED;
		e->fails = policy_site_fails(policy, e->newer);
		return;
	}
	if (e->newer == NULL) {
		e->change = CH_VANISHED;
		return;
	}
	int leak = kind_is_leak(e->newer->kind);
	uint64_t before = leak ? e->base_bytes : e->base_occ;
	uint64_t after = leak ? e->new_bytes : e->new_occ;
	if (leak && before == after && e->new_blocks != e->base_blocks) {
		before = e->base_blocks;
		after = e->new_blocks;
	}
	e->change = after > before ? CH_GREW : after < before ? CH_SHRANK : CH_UNCHANGED;
	if (e->change == CH_GREW && leak) {
		/* The policy judges the growth: "definite>1024" = grew by more. */
		struct vgt_site grown = *e->newer;
		grown.hidden = 0;
		grown.bytes = e->new_bytes - (e->base_bytes < e->new_bytes ? e->base_bytes : e->new_bytes);
		grown.blocks = e->new_blocks > e->base_blocks ? e->new_blocks - e->base_blocks : 0;
		if (grown.blocks == 0 && grown.bytes > 0)
			grown.blocks = 1;
		e->fails = policy_site_fails(policy, &grown);
	}
}

/* Rank order: the order of the side the site comes from. */
static int cmp_rank(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	const struct vgt_site *sx = x->newer != NULL ? x->newer : x->base;
	const struct vgt_site *sy = y->newer != NULL ? y->newer : y->base;
	if (sx->rank != sy->rank)
		return sx->rank < sy->rank ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

static size_t select_change(struct entry *v, size_t n, enum change ch, struct entry ***out)
{
	struct entry **sel = xcalloc(n + 1, sizeof(*sel));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].change == ch)
			sel[k++] = &v[i];
	if (k > 1)
		qsort(sel, k, sizeof(*sel), cmp_rank);
	*out = sel;
	return k;
}

static int64_t delta(uint64_t after, uint64_t before)
{
	return vgt_delta_of(after, before);
}

/* ---- text ---- */

static const char *side_label(const struct vgt_report *r)
{
	if (r->n_inputs == 0)
		return "(no inputs)";
	const char *first = escape_text_pool(r->pool, r->inputs[0]->path);
	if (r->n_inputs == 1)
		return first;
	return strpool_printf(r->pool, "%s and %zu more", first, r->n_inputs - 1);
}

static const char *grouped_delta(char buf[32], int64_t d)
{
	return render_grouped_signed(buf, d < 0 ? '-' : '+',
				     d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d);
}

static void text_line(FILE *out, const struct vgt_report *r, const struct entry *e, char mark)
{
	const struct vgt_site *s = e->newer != NULL ? e->newer : e->base;
	int leak = kind_is_leak(s->kind);
	fprintf(out, "  %c %-17s ", mark, escape_text_pool(r->pool, render_ci_kind_label(s)));
	char a[32], b[32], c[32], d[32];
	if (e->change == CH_GREW || e->change == CH_SHRANK) {
		if (leak)
			fprintf(out, "%s bytes, %s blocks (%s -> %s bytes)",
				grouped_delta(a, delta(e->new_bytes, e->base_bytes)),
				grouped_delta(b, delta(e->new_blocks, e->base_blocks)),
				render_grouped(c, e->base_bytes), render_grouped(d, e->new_bytes));
		else
			fprintf(out, "%s times (%s -> %s)", grouped_delta(a, delta(e->new_occ, e->base_occ)),
				render_grouped(b, e->base_occ), render_grouped(c, e->new_occ));
	} else {
		uint64_t bytes = e->newer != NULL ? e->new_bytes : e->base_bytes;
		uint64_t blocks = e->newer != NULL ? e->new_blocks : e->base_blocks;
		uint64_t occ = e->newer != NULL ? e->new_occ : e->base_occ;
		if (leak)
			fprintf(out, "%s byte%s in %s block%s", render_grouped(a, bytes),
				bytes == 1 ? "" : "s", render_grouped(b, blocks), blocks == 1 ? "" : "s");
		else
			fprintf(out, "%s time%s", render_grouped(a, occ), occ == 1 ? "" : "s");
	}
	fprintf(out, "  %s", render_location_label(r, &s->location));
	if (s->location.function != NULL)
		fprintf(out, "  %s", escape_text_pool(r->pool, s->location.function));
	if (e->fails)
		fputs("  [fails]", out);
	fputc('\n', out);
}

static const struct {
	enum change change;
	const char *title;
	char mark;
} sections[] = {
	{CH_APPEARED, "appeared", '+'},
	{CH_GREW, "grew", '>'},
	{CH_SHRANK, "shrank", '<'},
	{CH_VANISHED, "vanished", '-'},
};

static void render_text_diff(FILE *out, const struct vgt_report *base,
			     const struct vgt_report *newr, struct entry *v, size_t n)
{
	fprintf(out, "base: %s (%zu site%s)\nnew:  %s (%zu site%s)\n", side_label(base), base->n_shown,
		base->n_shown == 1 ? "" : "s",
		side_label(newr), newr->n_shown, newr->n_shown == 1 ? "" : "s");
	size_t unchanged = 0, fails = 0;
	for (size_t i = 0; i < n; i++) {
		unchanged += v[i].change == CH_UNCHANGED;
		fails += v[i].fails != 0;
	}
	for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		struct entry **sel;
		size_t m = select_change(v, n, sections[k].change, &sel);
		if (m > 0) {
			fprintf(out, "\n%s: %zu site%s\n", sections[k].title, m, m == 1 ? "" : "s");
			for (size_t i = 0; i < m; i++)
				text_line(out, sections[k].change == CH_VANISHED ? base : newr, sel[i],
					  sections[k].mark);
		}
		free(sel);
	}
	fprintf(out, "\nunchanged: %zu site%s\n", unchanged, unchanged == 1 ? "" : "s");
	if (fails > 0)
		fprintf(out, "%zu site%s that --fail-on names appeared or grew\n", fails,
			fails == 1 ? "" : "s");
}

/* ---- JSON ---- */

struct entry_ctx {
	const struct entry *e;
	enum vgt_kind kind;
};

static void entry_more(struct jsonw *w, const void *ctx)
{
	const struct entry_ctx *c = ctx;
	const struct entry *e = c->e;
	if (e->change == CH_GREW || e->change == CH_SHRANK) {
		jsonw_key(w, "delta");
		jsonw_object_begin(w);
		jsonw_kint(w, "bytes", delta(e->new_bytes, e->base_bytes));
		jsonw_kint(w, "blocks", delta(e->new_blocks, e->base_blocks));
		if (!kind_is_leak(c->kind))
			jsonw_kint(w, "occurrences", delta(e->new_occ, e->base_occ));
		jsonw_object_end(w);
		jsonw_key(w, "base");
		jsonw_object_begin(w);
		jsonw_kuint(w, "bytes", e->base_bytes);
		jsonw_kuint(w, "blocks", e->base_blocks);
		jsonw_object_end(w);
	}
	if (e->change != CH_VANISHED)
		jsonw_kbool(w, "fails", e->fails);
}

static void entry_json(struct jsonw *w, const struct vgt_report *r, const struct entry *e)
{
	const struct vgt_site *s = e->newer != NULL ? e->newer : e->base;
	struct entry_ctx ctx = {e, s->kind};
	struct render_json_site_extra extra = {e->newer != NULL, e->new_bytes, e->new_blocks,
					       entry_more, &ctx};
	render_json_site(w, r, s, &extra);
}

static void side_json(struct jsonw *w, const char *key, const struct vgt_report *r)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	jsonw_key(w, "inputs");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_inputs; i++)
		jsonw_string(w, r->inputs[i]->path);
	jsonw_array_end(w);
	jsonw_kuint(w, "sites", r->n_shown);
	jsonw_object_end(w);
}

static int render_json_diff(FILE *out, const struct vgt_report *base,
			    const struct vgt_report *newr, struct entry *v, size_t n, int failed)
{
	struct jsonw *w = jsonw_new(out, 1);
	jsonw_object_begin(w);
	jsonw_kstring(w, "tool", "vgtriage");
	jsonw_kstring(w, "version", VGT_VERSION);
	jsonw_kuint(w, "schema_version", 1);
	side_json(w, "base", base);
	side_json(w, "new", newr);
	size_t unchanged = 0;
	for (size_t i = 0; i < n; i++)
		unchanged += v[i].change == CH_UNCHANGED;
	for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		struct entry **sel;
		size_t m = select_change(v, n, sections[k].change, &sel);
		jsonw_key(w, sections[k].title);
		jsonw_array_begin(w);
		for (size_t i = 0; i < m; i++)
			entry_json(w, sections[k].change == CH_VANISHED ? base : newr, sel[i]);
		jsonw_array_end(w);
		free(sel);
	}
	jsonw_kuint(w, "unchanged", unchanged);
	jsonw_kbool(w, "failed", failed);
	jsonw_object_end(w);
	jsonw_end_line(w);
	return jsonw_free(w);
}

int diff_render(FILE *out, enum vgt_format fmt, const struct vgt_report *base,
		const struct vgt_report *newr, const struct policy *policy, int *failed)
{
	struct policy def;
	if (policy == NULL) {
		policy_default(&def);
		policy = &def;
	}
	if (fmt != VGT_FORMAT_TEXT && fmt != VGT_FORMAT_JSON)
		return -1;
	struct entry *v;
	size_t n = collect(base, newr, &v);
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		classify_entry(&v[i], policy);
		any |= v[i].fails;
	}
	if (policy->fail_incomplete && !report_is_complete(newr))
		any = 1;
	*failed = any;
	int rc = 0;
	if (fmt == VGT_FORMAT_JSON)
		rc = render_json_diff(out, base, newr, v, n, any);
	else
		render_text_diff(out, base, newr, v, n);
	free(v);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
