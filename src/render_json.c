/*
 * render_json.c — JSON schema 1 (DESIGN.md §5).  Keys are added freely,
 * never renamed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/pertest.h"
#include "vgtriage/render.h"

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *amount(const struct vgt_amount *a)
{
	return json_pack("{s:I,s:I}", "bytes", (json_int_t)a->bytes, "blocks", (json_int_t)a->blocks);
}

static void set_if(json_t *obj, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(obj, key, json_string(value));
}

/* "0x4848899", as valgrind writes addresses; without printf, which showed
 * in the profile at one call per frame. */
static const char *hex_address(uint64_t ip)
{
	static char buf[24];
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
	buf[2 + n] = '\0';
	return buf;
}

static json_t *frame_json(const struct vgt_frame *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "ip", json_string(hex_address(f->ip)));
	json_object_set_new(o, "fn", str_or_null(f->fn));
	set_if(o, "obj", f->obj);
	set_if(o, "dir", f->dir);
	set_if(o, "file", f->file);
	if (f->line > 0)
		json_object_set_new(o, "line", json_integer(f->line));
	set_if(o, "pyx_file", f->pyx_file);
	if (f->pyx_line > 0)
		json_object_set_new(o, "pyx_line", json_integer(f->pyx_line));
	set_if(o, "pyx_source", f->pyx_source);
	set_if(o, "pyname", f->pyname);
	json_object_set_new(o, "class", json_string(frame_class_name(f->cls)));
	return o;
}

static json_t *stack_json(const struct vgt_stack *stack)
{
	json_t *a = json_array();
	for (size_t i = 0; i < stack->count; i++)
		json_array_append_new(a, frame_json(&stack->frames[i]));
	return a;
}

static json_t *location_json(const struct vgt_location *loc)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", str_or_null(loc->file));
	json_object_set_new(o, "line", loc->line > 0 ? json_integer(loc->line) : json_null());
	json_object_set_new(o, "function", str_or_null(loc->function));
	json_object_set_new(o, "source", str_or_null(loc->source));
	set_if(o, "obj", loc->obj);
	json_object_set_new(o, "mapped", json_boolean(loc->mapped));
	if (loc->ambiguous)
		json_object_set_new(o, "ambiguous", json_true());
	return o;
}

static json_t *phases_json(unsigned phases)
{
	static const char *const names[] = {"setup", "call", "teardown", "other"};
	json_t *a = json_array();
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (phases & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

/* The tests that leaked at a site (per-test runs only). */
static json_t *site_tests_json(const struct vgt_report *r, const struct vgt_site *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n_tests; i++) {
		const struct vgt_site_test *st = &s->tests[i];
		json_t *o = json_pack("{s:s,s:I,s:I}", "name", r->tests[st->test].name, "bytes",
				      (json_int_t)st->bytes, "blocks", (json_int_t)st->blocks);
		if (st->phases != 0)
			json_object_set_new(o, "phases", phases_json(st->phases));
		json_array_append_new(a, o);
	}
	return a;
}

/* Every test of a per-test run, with what it is blamed for. */
static json_t *tests_json(const struct vgt_report *r, const struct render_options *opts)
{
	static const char *const keys[VGT_GROUP_COUNT] = {NULL, "definitely_lost", "indirectly_lost",
							  "possibly_lost", "still_reachable"};
	struct policy fallback;
	policy_default(&fallback);
	unsigned char *fails = xcalloc(r->n_tests + 1, 1);
	pertest_verdicts(opts->policy != NULL ? opts->policy : &fallback, r, fails);
	json_t *a = json_array();
	for (size_t i = 0; i < r->n_tests; i++) {
		const struct vgt_test *t = &r->tests[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(t->name));
		json_object_set_new(o, "fails", json_boolean(fails[i]));
		if (t->session)
			json_object_set_new(o, "session", json_true());
		if (t->unfinished)
			json_object_set_new(o, "unfinished", json_true());
		if (t->from_stack)
			json_object_set_new(o, "from_stack", json_true());
		for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++)
			json_object_set_new(o, keys[g], amount(&t->lost[g]));
		json_object_set_new(o, "errors",
				    json_integer((json_int_t)t->lost[VGT_GROUP_ERROR].blocks));
		json_object_set_new(o, "phases", phases_json(t->phases));
		json_object_set_new(o, "sites", json_integer((json_int_t)t->n_sites));
		json_object_set_new(o, "top_site",
				    t->top_site != SIZE_MAX
					    ? json_integer((json_int_t)r->sites[t->top_site]->rank)
					    : json_null());
		json_array_append_new(a, o);
	}
	free(fails);
	return a;
}

json_t *render_json_site(const struct vgt_report *report, const struct vgt_site *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "rank", json_integer((json_int_t)s->rank));
	json_object_set_new(o, "kind", json_string(s->kind_name));
	json_object_set_new(o, "category", json_string(frame_class_name(s->category)));
	json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
	json_object_set_new(o, "blocks", json_integer((json_int_t)s->blocks));
	json_object_set_new(o, "direct_bytes", json_integer((json_int_t)s->direct_bytes));
	json_object_set_new(o, "indirect_bytes", json_integer((json_int_t)s->indirect_bytes));
	json_object_set_new(o, "records", json_integer((json_int_t)s->records));
	json_object_set_new(o, "occurrences", json_integer((json_int_t)s->occurrences));
	json_object_set_new(o, "fingerprint", json_string(s->fingerprint));
	if (s->hidden)
		json_object_set_new(o, "hidden", json_true());
	json_object_set_new(o, "location", location_json(&s->location));
	json_object_set_new(o, "generated",
			    s->has_generated ? location_json(&s->generated) : json_null());
	set_if(o, "what", s->what);
	if (s->baseline != NULL)
		json_object_set_new(o, "baseline", json_string(s->baseline));
	if (s->has_delta)
		json_object_set_new(o, "delta", json_pack("{s:I,s:I}", "bytes", (json_int_t)s->delta_bytes,
							  "blocks", (json_int_t)s->delta_blocks));
	if (report->n_tests > 0)
		json_object_set_new(o, "tests", site_tests_json(report, s));
	json_object_set_new(o, "stack", stack_json(&s->stack));
	if (s->auxwhat != NULL) {
		json_object_set_new(o, "auxwhat", json_string(s->auxwhat));
		json_object_set_new(o, "aux_stack", stack_json(&s->aux_stack));
	}
	return o;
}

static json_t *input_json(const struct vgt_input *in)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", json_string(in->path));
	json_object_set_new(o, "format", json_string(in->format));
	json_object_set_new(o, "pid", in->pid >= 0 ? json_integer(in->pid) : json_null());
	if (in->ppid >= 0)
		json_object_set_new(o, "ppid", json_integer(in->ppid));
	json_object_set_new(o, "command", str_or_null(in->command));
	json_object_set_new(o, "complete", json_boolean(in->complete));
	json_object_set_new(o, "finished", json_boolean(in->finished));
	json_object_set_new(o, "records", json_integer((json_int_t)in->records));
	set_if(o, "fatal_signal", in->fatal_signal);
	return o;
}

static json_t *errors_json(const struct vgt_report *r)
{
	json_t *o = json_object();
	for (int k = 1; k < VGT_KIND_COUNT; k++)
		if (!kind_is_leak((enum vgt_kind)k))
			json_object_set_new(o, kind_info((enum vgt_kind)k)->name,
					    json_integer((json_int_t)r->totals.errors_by_kind[k]));
	for (size_t i = 0; i < r->n_unknown_kinds; i++)
		json_object_set_new(o, r->unknown_kinds[i],
				    json_integer((json_int_t)r->unknown_kind_counts[i]));
	return o;
}

static json_t *totals_json(const struct vgt_report *r)
{
	const struct vgt_totals *t = &r->totals;
	json_t *o = json_object();
	json_object_set_new(o, "definitely_lost", amount(&t->definitely_lost));
	json_object_set_new(o, "indirectly_lost", amount(&t->indirectly_lost));
	json_object_set_new(o, "possibly_lost", amount(&t->possibly_lost));
	json_object_set_new(o, "still_reachable", amount(&t->still_reachable));
	json_object_set_new(o, "errors", errors_json(r));
	json_object_set_new(o, "error_count", json_integer((json_int_t)t->errors));
	json_object_set_new(o, "error_contexts", json_integer((json_int_t)t->error_contexts));
	json_object_set_new(o, "records", json_integer((json_int_t)t->records));
	json_object_set_new(o, "suppressed_records", json_integer((json_int_t)t->suppressed_records));
	json_object_set_new(o, "hidden_sites", json_integer((json_int_t)t->hidden_sites));
	json_object_set_new(o, "hidden_records", json_integer((json_int_t)t->hidden_records));
	json_object_set_new(o, "hidden_bytes", json_integer((json_int_t)t->hidden_bytes));
	return o;
}

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

/* Writes value as json_dumpf would at nesting depth `depth`: every line
 * after the first indented by 2 * depth spaces.  Takes the reference. */
static void dump_nested(FILE *out, json_t *value, int depth)
{
	static const char spaces[] = "                ";
	char *text = json_dumps(value, DUMP_FLAGS | JSON_ENCODE_ANY);
	json_decref(value);
	if (text == NULL)
		return;
	size_t indent = (size_t)(2 * depth) < sizeof(spaces) - 1 ? (size_t)(2 * depth) : sizeof(spaces) - 1;
	const char *p = text;
	for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		fwrite(p, 1, (size_t)(nl - p) + 1, out);
		fwrite(spaces, 1, indent, out);
	}
	fputs(p, out);
	free(text);
}

static void member(FILE *out, const char *key, json_t *value, int last)
{
	fprintf(out, "  \"%s\": ", key);
	dump_nested(out, value, 1);
	fputs(last ? "\n" : ",\n", out);
}

/* The document is written member by member and site by site, so that a
 * report of many thousand sites never exists as one tree in memory. */
int render_json(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	fputs("{\n", out);
	member(out, "tool", json_string("vgtriage"), 0);
	member(out, "version", json_string(VGT_VERSION), 0);
	member(out, "schema_version", json_integer(1), 0);
	json_t *inputs = json_array();
	for (size_t i = 0; i < r->n_inputs; i++)
		json_array_append_new(inputs, input_json(r->inputs[i]));
	member(out, "inputs", inputs, 0);
	member(out, "complete", json_boolean(report_is_complete(r)), 0);
	member(out, "totals", totals_json(r), 0);
	if (r->n_tests > 0)
		member(out, "tests", tests_json(r, opts), 0);
	size_t n = opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
	fputs(n == 0 ? "  \"sites\": []" : "  \"sites\": [\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("    ", out);
		dump_nested(out, render_json_site(r, r->sites[i]), 2);
		fputs(i + 1 < n ? ",\n" : "\n  ]", out);
	}
	fputs(",\n", out);
	json_t *notes = json_array();
	for (size_t i = 0; i < r->n_notes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	member(out, "notes", notes, 1);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
