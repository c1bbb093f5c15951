/*
 * render_json.c — JSON schema 1 (DESIGN.md §5).  Keys are added freely,
 * never renamed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/figures.h"
#include "render/jsonw.h"
#include "model/paths.h"
#include "analyze/pertest.h"
#include "analyze/procs.h"
#include "render/render.h"
#include "analyze/policy.h"

/* "0x4848899", as valgrind writes addresses; without printf, which showed
 * in the profile at one call per frame. */
static void hex_address(struct jsonw *w, uint64_t ip)
{
	char buf[24];
	char digits[17];
	int n = 0;
	do {
		digits[n++] = "0123456789ABCDEF"[ip & 0xf];
		ip >>= 4;
	} while (ip != 0);
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < n; i++)
		buf[2 + i] = digits[n - 1 - i];
	jsonw_string_n(w, buf, (size_t)(2 + n));
}

/* A count as JSON: never above 2^63 - 1 (vgt.h VGT_COUNT_MAX), as every
 * sum is kept, so no reader of the JSON sees it wrap or go negative. */
static void kcount(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_kuint(w, key, (uint64_t)vgt_count_i64(v));
}

/* "0x1a2b": an offset inside an object, as addr2line takes it. */
static void hex_address_lower(struct jsonw *w, uint64_t off)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)off);
	jsonw_string_n(w, buf, (size_t)n);
}

static void set_if(struct jsonw *w, const char *key, const char *value)
{
	if (value != NULL)
		jsonw_kstring(w, key, value);
}

static void amount(struct jsonw *w, const char *key, const struct vgt_amount *a)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	kcount(w, "bytes", a->bytes);
	kcount(w, "blocks", a->blocks);
	jsonw_object_end(w);
}

/* A figure of valgrind's, or null where the input does not carry it. */
static void figure(struct jsonw *w, const char *key, const struct vgt_figures *fig,
		   enum vgt_kind_group g)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	jsonw_key(w, "bytes");
	if (fig->known & VGT_KNOWN_BYTES(g))
		jsonw_uint(w, (uint64_t)vgt_count_i64(fig->amount[g].bytes));
	else
		jsonw_null(w);
	jsonw_key(w, "blocks");
	if (fig->known & VGT_KNOWN_BLOCKS(g))
		jsonw_uint(w, (uint64_t)vgt_count_i64(fig->amount[g].blocks));
	else
		jsonw_null(w);
	jsonw_object_end(w);
}

static const char *const figure_keys[VGT_GROUP_COUNT] = {
	NULL, "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable",
};

static const char *figures_source(const struct vgt_figures *fig)
{
	unsigned all = (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_INDIRECT) |
		       (1u << VGT_GROUP_POSSIBLE) | (1u << VGT_GROUP_REACHABLE);
	return fig->from_summary == all ? "valgrind" : fig->from_summary == 0 ? "records" : "mixed";
}

/* The figures of a report or an input: valgrind's (or null), what the
 * records add up to, and where the figures come from. */
static void figures_json(struct jsonw *w, const struct vgt_figures *fig)
{
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
		figure(w, figure_keys[g], fig, (enum vgt_kind_group)g);
	jsonw_key(w, "from_records");
	jsonw_object_begin(w);
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++) {
		if (g == VGT_GROUP_INDIRECT && fig->split_indirect) {
			/* bytes from splits: the records carry no block count */
			jsonw_key(w, figure_keys[g]);
			jsonw_object_begin(w);
			kcount(w, "bytes", fig->records[g].bytes);
			jsonw_key(w, "blocks");
			jsonw_null(w);
			jsonw_object_end(w);
			continue;
		}
		amount(w, figure_keys[g], &fig->records[g]);
	}
	jsonw_object_end(w);
	jsonw_kstring(w, "leak_summary", figures_source(fig));
	if (fig->no_stacks)
		jsonw_kbool(w, "no_stacks", 1);
}

static void frame_json(struct jsonw *w, const struct vgt_frame *f)
{
	jsonw_object_begin(w);
	jsonw_key(w, "ip");
	hex_address(w, f->ip);
	jsonw_kstring(w, "fn", f->fn);
	set_if(w, "obj", f->obj);
	set_if(w, "dir", f->dir);
	set_if(w, "file", f->file);
	if (f->line > 0)
		kcount(w, "line", f->line);
	set_if(w, "pyx_file", f->pyx_file);
	if (f->pyx_line > 0)
		kcount(w, "pyx_line", f->pyx_line);
	set_if(w, "pyx_source", f->pyx_source);
	set_if(w, "pyname", f->pyname);
	jsonw_kstring(w, "class", frame_class_name(f->cls));
	if (f->fn_mangled != f->fn)
		set_if(w, "fn_mangled", f->fn_mangled);
	if (f->obj_offset_known) {
		jsonw_key(w, "obj_offset");
		hex_address_lower(w, f->obj_offset);
	}
	if (f->elf_named)
		jsonw_kstring(w, "named_by", "vgtriage");
	jsonw_object_end(w);
}

/*
 * The JSON of a frame is the same wherever the frame appears (stacks sit at
 * one depth), and the frames of the interpreter and the C library recur in
 * thousands of stacks: a frame that occurs in more than one stack is
 * written once into this cache and copied from it afterwards.  Frames seen
 * in one stack only (most user frames) are written directly, so the cache
 * stays small.
 */
struct frame_cache {
	const struct vgt_report *report;
	int pretty;
	int depth;            /* nesting of the frames, known at the first stack */
	unsigned char *refs;  /* per frame id: stacks it occurs in, saturating */
	uint32_t *start;      /* per frame id: offset + 1 of its text, 0 = none */
	uint32_t *len;
	char *text;
	size_t used, cap;
};

static void cache_count(struct frame_cache *c, const struct vgt_stack *st)
{
	for (size_t i = 0; i < st->count; i++)
		if (c->refs[st->ids[i]] < 2)
			c->refs[st->ids[i]]++;
}

static void cache_init(struct frame_cache *c, const struct vgt_report *r, size_t n_sites,
		       int pretty)
{
	memset(c, 0, sizeof(*c));
	c->report = r;
	c->pretty = pretty;
	c->depth = -1;
	size_t n = frames_count(r->frames);
	c->refs = xcalloc(n + 1, 1);
	c->start = xcalloc(n + 1, sizeof(*c->start));
	c->len = xcalloc(n + 1, sizeof(*c->len));
	for (size_t i = 0; i < n_sites; i++) {
		cache_count(c, &r->sites[i]->stack);
		cache_count(c, &r->sites[i]->aux_stack);
		cache_count(c, &r->sites[i]->aux_stack2);
	}
}

static void cache_free(struct frame_cache *c)
{
	free(c->refs);
	free(c->start);
	free(c->len);
	free(c->text);
}

/* The frame's text, written into the cache the first time. */
static int cache_text(struct frame_cache *c, uint32_t id, const char **text, size_t *len)
{
	if (c->start[id] == 0) {
		char *buf = NULL;
		size_t n = 0;
		FILE *mem = open_memstream(&buf, &n);
		if (mem == NULL)
			return 0;
		struct jsonw *w = jsonw_new_nested(mem, c->pretty, c->depth);
		frame_json(w, frames_at(c->report->frames, id));
		jsonw_free(w);
		fclose(mem);
		if (c->used + n > UINT32_MAX - 1) {
			free(buf);
			return 0;
		}
		c->text = xgrow(c->text, &c->cap, c->used + n, 1);
		memcpy(c->text + c->used, buf, n);
		free(buf);
		c->start[id] = (uint32_t)c->used + 1;
		c->len[id] = (uint32_t)n;
		c->used += n;
	}
	*text = c->text + c->start[id] - 1;
	*len = c->len[id];
	return 1;
}

static void stack_json(struct jsonw *w, const char *key, struct frame_cache *cache,
		       const struct vgt_report *report, const struct vgt_stack *stack)
{
	jsonw_key(w, key);
	jsonw_array_begin(w);
	for (size_t i = 0; i < stack->count; i++) {
		uint32_t id = stack->ids[i];
		const char *text;
		size_t len;
		if (cache != NULL && cache->depth < 0)
			cache->depth = jsonw_depth(w);
		if (cache != NULL && cache->refs[id] > 1 && cache_text(cache, id, &text, &len))
			jsonw_raw_value(w, text, len);
		else
			frame_json(w, frames_at(report->frames, id));
	}
	jsonw_array_end(w);
}

static void location_json(struct jsonw *w, const char *key, const struct vgt_report *r,
			  const struct vgt_location *loc)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	jsonw_kstring(w, "file", loc->file);
	/* the file by the path rule, as every format writes it */
	if (loc->file != NULL)
		jsonw_kstring(w, "path", paths_display(r, loc->mapped ? NULL : loc->dir, loc->file));
	jsonw_key(w, "line");
	if (loc->line > 0)
		jsonw_uint(w, loc->line);
	else
		jsonw_null(w);
	jsonw_kstring(w, "function", loc->function);
	jsonw_kstring(w, "source", loc->source);
	set_if(w, "obj", loc->obj);
	set_if(w, "address", loc->address);
	jsonw_kbool(w, "mapped", loc->mapped);
	if (loc->ambiguous)
		jsonw_kbool(w, "ambiguous", 1);
	jsonw_object_end(w);
}

/* "pids", and per process valgrind's own figures when there are several;
 * "inherited_from_parent" when a forked child repeats its parent's leaks. */
static void processes_json(struct jsonw *w, const struct vgt_report *report,
			   const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	if (s->n_procs == 0)
		return;
	jsonw_key(w, "pids");
	jsonw_array_begin(w);
	for (size_t i = 0; i < d->n_pids; i++)
		jsonw_int(w, d->pids[i]);
	jsonw_array_end(w);
	int leak = kind_is_leak(s->kind);
	if (s->n_procs > 1) {
		jsonw_key(w, "processes");
		jsonw_array_begin(w);
		for (size_t i = 0; i < s->n_procs; i++) {
			const struct vgt_site_proc *e = &s->procs[i];
			const struct vgt_input *in = report->inputs[e->input];
			jsonw_object_begin(w);
			jsonw_key(w, "pid");
			if (in->pid > 0)
				jsonw_int(w, in->pid);
			else
				jsonw_null(w);
			if (leak) {
				kcount(w, "bytes", e->bytes);
				kcount(w, "blocks", e->blocks);
				kcount(w, "direct_bytes", e->direct_bytes);
			} else if (report->totals.figures.occurrences_unknown) {
				jsonw_key(w, "occurrences");
				jsonw_null(w);
			} else {
				kcount(w, "occurrences", e->occurrences);
			}
			kcount(w, "records", e->records);
			if (e->inherited_records > 0) {
				jsonw_key(w, "inherited");
				jsonw_object_begin(w);
				kcount(w, "bytes", e->inherited_bytes);
				kcount(w, "blocks", e->inherited_blocks);
				kcount(w, "records", e->inherited_records);
				jsonw_object_end(w);
			}
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
	}
	if (d->inherited) {
		jsonw_kbool(w, "inherited_from_parent", 1);
		jsonw_key(w, "inherited");
		jsonw_object_begin(w);
		kcount(w, "bytes", d->inherited_bytes);
		kcount(w, "blocks", d->inherited_blocks);
		jsonw_object_end(w);
	}
}

/* nature: {family, what, allocator, label}; hint: {text, evidence: [{file,
 * line, source}]} (issue 13). */
static void explain_json(struct jsonw *w, const struct vgt_explain *x)
{
	if (x == NULL)
		return;
	jsonw_key(w, "nature");
	jsonw_object_begin(w);
	jsonw_kstring(w, "family", x->family);
	jsonw_kstring(w, "what", x->what);
	jsonw_kstring(w, "allocator", x->allocator);
	jsonw_kstring(w, "label", x->label);
	jsonw_object_end(w);
	if (x->hint == NULL)
		return;
	jsonw_key(w, "hint");
	jsonw_object_begin(w);
	jsonw_kstring(w, "text", x->hint);
	jsonw_key(w, "evidence");
	jsonw_array_begin(w);
	for (size_t i = 0; i < x->n_evidence; i++) {
		jsonw_object_begin(w);
		jsonw_kstring(w, "file", x->evidence[i].file);
		kcount(w, "line", x->evidence[i].line);
		jsonw_kstring(w, "source", x->evidence[i].text);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static void phases_json(struct jsonw *w, unsigned phases)
{
	static const char *const names[] = {"setup", "call", "teardown", "other"};
	jsonw_key(w, "phases");
	jsonw_array_begin(w);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (phases & (1u << i))
			jsonw_string(w, names[i]);
	jsonw_array_end(w);
}

/* The tests that leaked at a site (per-test runs only). */
static void site_tests_json(struct jsonw *w, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	jsonw_key(w, "tests");
	jsonw_array_begin(w);
	for (size_t i = 0; i < d->n_tests; i++) {
		const struct vgt_site_test *st = &d->tests[i];
		jsonw_object_begin(w);
		jsonw_kstring(w, "name", r->tests[st->test].name);
		kcount(w, "bytes", st->bytes);
		kcount(w, "blocks", st->blocks);
		if (st->phases != 0)
			phases_json(w, st->phases);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

/* Every test of a per-test run, with what it is blamed for. */
static void tests_json(struct jsonw *w, const struct vgt_report *r,
		       const struct render_options *opts)
{
	struct policy fallback;
	policy_default(&fallback);
	unsigned char *fails = xcalloc(r->n_tests + 1, 1);
	policy_test_verdicts(opts->policy != NULL ? opts->policy : &fallback, r, fails);
	jsonw_key(w, "tests");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_tests; i++) {
		const struct vgt_test *t = &r->tests[i];
		jsonw_object_begin(w);
		jsonw_kstring(w, "name", t->name);
		jsonw_kbool(w, "fails", fails[i] == POLICY_TEST_FAILS);
		if (t->session)
			jsonw_kbool(w, "session", 1);
		if (t->unfinished)
			jsonw_kbool(w, "unfinished", 1);
		if (t->from_stack)
			jsonw_kbool(w, "from_stack", 1);
		if (t->allowed)
			kcount(w, "allowed_bytes", t->allowed_bytes);
		if (t->known) {
			jsonw_kbool(w, "known", 1);
			jsonw_kstring(w, "known_reason", t->known_reason);
		}
		for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++)
			amount(w, figure_keys[g], &t->lost[g]);
		kcount(w, "errors", t->lost[VGT_GROUP_ERROR].blocks);
		phases_json(w, t->phases);
		kcount(w, "sites", t->n_sites);
		jsonw_key(w, "top_site");
		if (t->top_site != SIZE_MAX)
			jsonw_uint(w, r->sites[t->top_site]->rank);
		else
			jsonw_null(w);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	free(fails);
}

static void site_json(struct jsonw *w, struct frame_cache *cache, const struct vgt_report *report,
		      const struct vgt_site *s, const struct render_json_site_extra *extra)
{
	const struct vgt_site_detail *d = site_detail(s);
	int own_amounts = extra == NULL || !extra->override_amounts;
	jsonw_object_begin(w);
	kcount(w, "rank", s->rank);
	jsonw_kstring(w, "kind", s->kind_name);
	jsonw_kstring(w, "category", frame_class_name(s->category));
	const char *category_label = render_category_label(report, s);
	if (category_label != NULL)
		jsonw_kstring(w, "category_label", category_label);
	kcount(w, "bytes", own_amounts ? s->bytes : extra->bytes);
	kcount(w, "blocks", own_amounts ? s->blocks : extra->blocks);
	kcount(w, "direct_bytes", s->direct_bytes);
	kcount(w, "indirect_bytes", s->indirect_bytes);
	kcount(w, "records", s->records);
	jsonw_key(w, "occurrences");
	if (!kind_is_leak(s->kind) && report->totals.figures.occurrences_unknown)
		jsonw_null(w); /* a text log without -s: not in the input */
	else
		jsonw_uint(w, s->occurrences);
	processes_json(w, report, s);
	jsonw_kstring(w, "fingerprint", s->fingerprint);
	if (s->hidden)
		jsonw_kbool(w, "hidden", 1);
	location_json(w, "location", report, &s->location);
	if (s->generated != NULL) {
		location_json(w, "generated", report, s->generated);
	} else {
		jsonw_key(w, "generated");
		jsonw_null(w);
	}
	set_if(w, "what", s->what);
	const char *message = render_site_what(report, s);
	if (message != NULL && message != s->what)
		jsonw_kstring(w, "what_all", message); /* every access size */
	if (s->instantiations > 1 && render_site_instantiations(report, s) != NULL)
		kcount(w, "instantiations", s->instantiations);
	set_if(w, "baseline", d->baseline);
	if (s->has_delta && (extra == NULL || extra->more == NULL)) {
		jsonw_key(w, "delta");
		jsonw_object_begin(w);
		jsonw_kint(w, "bytes", site_detail(s)->delta_bytes);
		jsonw_kint(w, "blocks", site_detail(s)->delta_blocks);
		jsonw_object_end(w);
	}
	if (report->n_tests > 0)
		site_tests_json(w, report, s);
	explain_json(w, d->explain);
	stack_json(w, "stack", cache, report, &s->stack);
	if (s->auxwhat != NULL) {
		jsonw_kstring(w, "auxwhat", s->auxwhat);
		stack_json(w, "aux_stack", cache, report, &s->aux_stack);
	}
	if (s->auxwhat2 != NULL) {
		jsonw_kstring(w, "auxwhat2", s->auxwhat2);
		stack_json(w, "aux_stack2", cache, report, &s->aux_stack2);
	}
	if (extra != NULL && extra->more != NULL)
		extra->more(w, extra->ctx);
	jsonw_object_end(w);
}

void render_json_site(struct jsonw *w, const struct vgt_report *report, const struct vgt_site *s,
		      const struct render_json_site_extra *extra)
{
	site_json(w, NULL, report, s, extra);
}

/* --suppressions (issue 24): each entry, what it matched, valgrind's own
 * count (null when no input states them), and whether it is unused. */
static void supp_uses_json(struct jsonw *w, const struct vgt_report *r)
{
	jsonw_key(w, "suppressions");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_supp_uses; i++) {
		const struct vgt_supp_use *u = &r->supp_uses[i];
		jsonw_object_begin(w);
		jsonw_kstring(w, "name", u->name);
		jsonw_kstring(w, "file", u->file);
		jsonw_kuint(w, "line", u->line);
		jsonw_kuint(w, "records", u->records);
		jsonw_kuint(w, "bytes", u->bytes);
		jsonw_key(w, "valgrind_count");
		if (u->valgrind_known)
			jsonw_uint(w, u->valgrind_count);
		else
			jsonw_null(w);
		jsonw_kbool(w, "unused", report_supp_unused(u));
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

static void input_json(struct jsonw *w, const struct vgt_report *r, const struct vgt_input *in)
{
	jsonw_object_begin(w);
	jsonw_kstring(w, "path", in->path);
	jsonw_kstring(w, "format", in->format);
	jsonw_key(w, "pid");
	if (in->pid >= 0)
		jsonw_int(w, in->pid);
	else
		jsonw_null(w);
	if (in->ppid >= 0)
		jsonw_kint(w, "ppid", in->ppid);
	jsonw_kstring(w, "command", in->command);
	jsonw_kbool(w, "complete", in->complete);
	jsonw_kbool(w, "finished", in->finished);
	kcount(w, "records", in->records);
	set_if(w, "fatal_signal", in->fatal_signal);
	set_if(w, "tool", in->tool);
	struct vgt_figures fig;
	figures_for_input(r, in, &fig);
	jsonw_key(w, "summary");
	jsonw_object_begin(w);
	figures_json(w, &fig);
	jsonw_key(w, "error_count");
	if (fig.errors_from_summary)
		jsonw_uint(w, fig.errors);
	else
		jsonw_null(w);
	jsonw_key(w, "error_contexts");
	if (fig.errors_from_summary)
		jsonw_uint(w, fig.error_contexts);
	else
		jsonw_null(w);
	jsonw_object_end(w);
	jsonw_object_end(w);
}

static void errors_json(struct jsonw *w, const struct vgt_report *r)
{
	jsonw_key(w, "errors");
	jsonw_object_begin(w);
	/* occurrences per kind; a kind seen in a log that does not say how
	 * often (no -s) is null, one never seen 0 */
	int unknown = r->totals.figures.occurrences_unknown;
	for (int k = 1; k < VGT_KIND_COUNT; k++) {
		if (kind_is_leak((enum vgt_kind)k))
			continue;
		if (unknown && r->totals.errors_by_kind[k] > 0) {
			jsonw_key(w, kind_info((enum vgt_kind)k)->name);
			jsonw_null(w);
		} else {
			kcount(w, kind_info((enum vgt_kind)k)->name, r->totals.errors_by_kind[k]);
		}
	}
	for (size_t i = 0; i < r->n_unknown_kinds; i++) {
		if (unknown) {
			jsonw_key(w, r->unknown_kinds[i]);
			jsonw_null(w);
		} else {
			kcount(w, r->unknown_kinds[i], r->unknown_kind_counts[i]);
		}
	}
	jsonw_object_end(w);
}

static void totals_json(struct jsonw *w, const struct vgt_report *r)
{
	const struct vgt_totals *t = &r->totals;
	jsonw_key(w, "totals");
	jsonw_object_begin(w);
	figures_json(w, &t->figures);
	errors_json(w, r);
	jsonw_key(w, "error_count");
	if (t->figures.errors_unknown)
		jsonw_null(w);
	else
		jsonw_uint(w, t->errors);
	jsonw_key(w, "error_contexts");
	if (t->figures.errors_unknown)
		jsonw_null(w);
	else
		jsonw_uint(w, t->error_contexts);
	jsonw_kstring(w, "error_summary", t->figures.errors_from_summary ? "valgrind" : "records");
	kcount(w, "leak_error_contexts", t->figures.leak_error_contexts);
	kcount(w, "records", t->records);
	kcount(w, "suppressed_records", t->suppressed_records);
	/* valgrind's own suppressions: LEAK SUMMARY "suppressed:", ERROR
	 * SUMMARY "(suppressed: N from M)"; null when the input has none */
	if (t->figures.suppressed_leaks_known) {
		amount(w, "suppressed", &t->figures.suppressed_leaks);
	} else {
		jsonw_key(w, "suppressed");
		jsonw_null(w);
	}
	jsonw_key(w, "suppressed_errors");
	if (t->figures.suppressed_errors_known)
		jsonw_uint(w, t->figures.suppressed_errors);
	else
		jsonw_null(w);
	jsonw_key(w, "suppressed_contexts");
	if (t->figures.suppressed_errors_known)
		jsonw_uint(w, t->figures.suppressed_contexts);
	else
		jsonw_null(w);
	kcount(w, "hidden_sites", t->hidden_sites);
	kcount(w, "hidden_records", t->hidden_records);
	kcount(w, "hidden_bytes", t->hidden_bytes);
	jsonw_key(w, "hidden");
	jsonw_object_begin(w);
	for (int c = 0; c < FRAME_CLASS_COUNT; c++) {
		if (t->hidden_sites_by[c] == 0)
			continue;
		jsonw_key(w, frame_class_name((enum frame_class)c));
		jsonw_object_begin(w);
		kcount(w, "sites", t->hidden_sites_by[c]);
		kcount(w, "bytes", t->hidden_bytes_by[c]);
		jsonw_key(w, "by_kind");
		jsonw_object_begin(w);
		for (int g = 0; g < VGT_GROUP_COUNT; g++) {
			const struct vgt_hidden_kind *k = &t->hidden_kinds_by[c][g];
			if (k->sites == 0)
				continue;
			jsonw_key(w, g == VGT_GROUP_ERROR ? "errors" : figure_keys[g]);
			jsonw_object_begin(w);
			kcount(w, "sites", k->sites);
			kcount(w, "bytes", k->bytes);
			kcount(w, "blocks", k->blocks);
			jsonw_object_end(w);
		}
		jsonw_object_end(w);
		jsonw_object_end(w);
	}
	if (t->filtered_sites > 0) {
		jsonw_key(w, "filtered");
		jsonw_object_begin(w);
		kcount(w, "sites", t->filtered_sites);
		kcount(w, "bytes", t->filtered_bytes);
		jsonw_object_end(w);
	}
	jsonw_object_end(w);
	jsonw_object_end(w);
}

/* The document is written as it is walked: a report of many thousand
 * sites never exists as a tree in memory, nor as one string. */
/* --merge-data (issue 22): what `vgtriage merge` reads back
 * (read/json_reader.c): every frame's key as the input wrote it, every
 * input as reading left it, and the events cmd/merge.c kept. */
static void bytes_if(struct jsonw *w, const char *key, const char *s)
{
	if (s != NULL)
		jsonw_kbytes(w, key, s);
}

static void merge_frame_json(struct jsonw *w, const struct frame_table *ft, uint32_t id)
{
	struct frame_key k;
	frames_key_of(ft, id, &k);
	char ip[24];
	snprintf(ip, sizeof(ip), "0x%" PRIx64, k.ip);
	jsonw_object_begin(w);
	jsonw_kstring(w, "ip", ip);
	bytes_if(w, "obj", k.obj);
	bytes_if(w, "fn", k.fn);
	bytes_if(w, "dir", k.dir);
	bytes_if(w, "file", k.file);
	if (k.line != 0)
		jsonw_kuint(w, "line", k.line);
	if (k.fn == NULL && k.pid > 0)
		jsonw_kint(w, "pid", k.pid);
	jsonw_object_end(w);
}

static void kflag(struct jsonw *w, const char *key, int v)
{
	if (v)
		jsonw_kuint(w, key, 1);
}

static void kpair(struct jsonw *w, const char *key, const struct vgt_amount *a)
{
	jsonw_key(w, key);
	jsonw_array_begin(w);
	jsonw_uint(w, a->bytes);
	jsonw_uint(w, a->blocks);
	jsonw_array_end(w);
}

static void merge_input_json(struct jsonw *w, const struct vgt_input *in, size_t file)
{
	jsonw_object_begin(w);
	jsonw_kuint(w, "file", file);
	jsonw_kbytes(w, "path", in->path);
	jsonw_kbytes(w, "format", in->format);
	bytes_if(w, "tool", in->tool);
	bytes_if(w, "command", in->command);
	bytes_if(w, "fatal_signal", in->fatal_signal);
	bytes_if(w, "aborted", in->aborted);
	jsonw_kint(w, "protocol", in->protocol_version);
	jsonw_kint(w, "pid", in->pid);
	jsonw_kint(w, "ppid", in->ppid);
	jsonw_kuint(w, "complete", in->complete != 0);
	kflag(w, "finished", in->finished);
	kflag(w, "exit_leak_search", in->exit_leak_search);
	jsonw_kuint(w, "records", in->records);
	if (in->stop_line != 0 || in->stop_column != 0) {
		jsonw_kint(w, "stop_line", in->stop_line);
		jsonw_kint(w, "stop_column", in->stop_column);
	}
	jsonw_kuint(w, "errorcounts_total", in->errorcounts_total);
	jsonw_kuint(w, "suppressed_total", in->suppressed_total);
	kflag(w, "suppcounts_seen", in->suppcounts_seen);
	kflag(w, "suppcounts_over", in->suppcounts_over);
	if (in->n_suppcounts > 0) {
		jsonw_key(w, "suppcounts");
		jsonw_array_begin(w);
		for (size_t i = 0; i < in->n_suppcounts; i++) {
			jsonw_object_begin(w);
			jsonw_kbytes(w, "name", in->suppcounts[i].name);
			jsonw_kuint(w, "count", in->suppcounts[i].count);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
	}
	if (in->bad_numbers > 0)
		jsonw_kuint(w, "bad_numbers", in->bad_numbers);
	kflag(w, "occurrences_unknown", in->occurrences_unknown);
	kflag(w, "errorcounts_seen", in->errorcounts_seen);
	jsonw_kuint(w, "leak_check", in->leak_check);
	kflag(w, "has_leak_options", in->has_leak_options);
	jsonw_kuint(w, "show_leak_kinds", in->show_leak_kinds);
	jsonw_kuint(w, "errors_for_leak_kinds", in->errors_for_leak_kinds);
	kflag(w, "reachable_for_blame", in->reachable_for_blame);
	kflag(w, "reachable_unshown", in->reachable_unshown);
	const struct vgt_valgrind_summary *vg = &in->vg;
	jsonw_key(w, "vg");
	jsonw_object_begin(w);
	kflag(w, "has_leak_summary", vg->has_leak_summary);
	kpair(w, "definitely_lost", &vg->definitely_lost);
	kpair(w, "indirectly_lost", &vg->indirectly_lost);
	kpair(w, "possibly_lost", &vg->possibly_lost);
	kpair(w, "still_reachable", &vg->still_reachable);
	kpair(w, "suppressed", &vg->suppressed);
	kflag(w, "has_error_summary", vg->has_error_summary);
	jsonw_kuint(w, "errors", vg->errors);
	jsonw_kuint(w, "error_contexts", vg->error_contexts);
	jsonw_kuint(w, "suppressed_errors", vg->suppressed_errors);
	jsonw_kuint(w, "suppressed_contexts", vg->suppressed_contexts);
	jsonw_kuint(w, "known", vg->known);
	jsonw_object_end(w);
	jsonw_object_end(w);
}

static void merge_json(struct jsonw *w, const struct vgt_report *r)
{
	jsonw_key(w, "merge");
	jsonw_object_begin(w);
	jsonw_kuint(w, "version", 1);
	jsonw_key(w, "frames");
	jsonw_array_begin(w);
	size_t n = r->merge_frames != NULL ? frames_count(r->merge_frames) : 0;
	for (size_t i = 0; i < n; i++)
		merge_frame_json(w, r->merge_frames, (uint32_t)i);
	jsonw_array_end(w);
	jsonw_key(w, "inputs");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_merge_inputs; i++) {
		const struct vgt_merge_input *m = &r->merge_inputs[i];
		if (m->input < r->n_inputs) {
			merge_input_json(w, r->inputs[m->input], m->file);
		} else { /* cannot happen (merge.c) */
			jsonw_object_begin(w);
			jsonw_kstring(w, "path", "?");
			jsonw_kstring(w, "format", "text");
			jsonw_kuint(w, "file", m->file);
			jsonw_kuint(w, "complete", 0);
			jsonw_object_end(w);
		}
	}
	jsonw_array_end(w);
	jsonw_key(w, "events");
	jsonw_raw_value(w, r->merge_events, r->merge_events_len);
	jsonw_object_end(w);
}

int render_json(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	/* json_lines: the last line of run --watch's JSON Lines */
	struct jsonw *w = jsonw_new(out, !opts->compact && !opts->json_lines);
	jsonw_object_begin(w);
	jsonw_kstring(w, "tool", "vgtriage");
	jsonw_kstring(w, "version", VGT_VERSION);
	kcount(w, "schema_version", 1);
	if (opts->json_lines)
		jsonw_kbool(w, "final", 1);
	jsonw_key(w, "inputs");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_inputs; i++)
		input_json(w, r, r->inputs[i]);
	jsonw_array_end(w);
	jsonw_kbool(w, "complete", report_is_complete(r));
	totals_json(w, r);
	if (r->n_tests > 0)
		tests_json(w, r, opts);
	if (r->n_supp_uses > 0)
		supp_uses_json(w, r);
	size_t n = opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
	struct frame_cache cache;
	cache_init(&cache, r, n, !opts->compact && !opts->json_lines);
	jsonw_key(w, "sites");
	jsonw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		site_json(w, &cache, r, r->sites[i], NULL);
	jsonw_array_end(w);
	cache_free(&cache);
	jsonw_key(w, "notes");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_notes; i++)
		jsonw_string(w, r->notes[i]);
	jsonw_array_end(w);
	if (r->merge_events != NULL)
		merge_json(w, r);
	jsonw_object_end(w);
	jsonw_end_line(w);
	return jsonw_free(w);
}
