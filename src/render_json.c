/*
 * render_json.c — JSON schema 1 (DESIGN.md §5).  Keys are added freely,
 * never renamed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/procs.h"
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

/* "pids", and per process valgrind's own figures when there are several;
 * "inherited_from_parent" when a forked child repeats its parent's leaks. */
static void processes_json(json_t *o, const struct vgt_report *report, const struct vgt_site *s)
{
	if (s->n_procs == 0)
		return;
	json_t *pids = json_array();
	for (size_t i = 0; i < s->n_pids; i++)
		json_array_append_new(pids, json_integer(s->pids[i]));
	json_object_set_new(o, "pids", pids);
	int leak = kind_is_leak(s->kind);
	if (s->n_procs > 1) {
		json_t *procs = json_array();
		for (size_t i = 0; i < s->n_procs; i++) {
			const struct vgt_site_proc *e = &s->procs[i];
			const struct vgt_input *in = report->inputs[e->input];
			json_t *p = json_object();
			json_object_set_new(p, "pid", in->pid > 0 ? json_integer(in->pid) : json_null());
			if (leak) {
				json_object_set_new(p, "bytes", json_integer((json_int_t)e->bytes));
				json_object_set_new(p, "blocks", json_integer((json_int_t)e->blocks));
				json_object_set_new(p, "direct_bytes",
						    json_integer((json_int_t)e->direct_bytes));
			} else {
				json_object_set_new(p, "occurrences",
						    json_integer((json_int_t)e->occurrences));
			}
			json_object_set_new(p, "records", json_integer((json_int_t)e->records));
			if (e->inherited_records > 0)
				json_object_set_new(p, "inherited",
						    json_pack("{s:I,s:I,s:I}", "bytes",
							      (json_int_t)e->inherited_bytes, "blocks",
							      (json_int_t)e->inherited_blocks, "records",
							      (json_int_t)e->inherited_records));
			json_array_append_new(procs, p);
		}
		json_object_set_new(o, "processes", procs);
	}
	if (s->inherited) {
		json_object_set_new(o, "inherited_from_parent", json_true());
		json_object_set_new(o, "inherited",
				    json_pack("{s:I,s:I}", "bytes", (json_int_t)s->inherited_bytes,
					      "blocks", (json_int_t)s->inherited_blocks));
	}
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
	processes_json(o, report, s);
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

#define COMPACT_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_ENCODE_ANY)

/* One line (JSON Lines): the value without any newline.  Takes the reference. */
static void dump_compact(FILE *out, json_t *value)
{
	char *text = json_dumps(value, COMPACT_FLAGS);
	json_decref(value);
	if (text != NULL)
		fputs(text, out);
	free(text);
}

static void member(FILE *out, const char *key, json_t *value, int last, int compact)
{
	if (compact) {
		fprintf(out, "\"%s\":", key);
		dump_compact(out, value);
		if (!last)
			fputc(',', out);
		return;
	}
	fprintf(out, "  \"%s\": ", key);
	dump_nested(out, value, 1);
	fputs(last ? "\n" : ",\n", out);
}

/* The document is written member by member and site by site, so that a
 * report of many thousand sites never exists as one tree in memory.
 * opts->json_lines: all on one line, with "final": true. */
int render_json(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	int c = opts->json_lines;
	fputs(c ? "{" : "{\n", out);
	member(out, "tool", json_string("vgtriage"), 0, c);
	member(out, "version", json_string(VGT_VERSION), 0, c);
	member(out, "schema_version", json_integer(1), 0, c);
	if (c)
		member(out, "final", json_true(), 0, c);
	json_t *inputs = json_array();
	for (size_t i = 0; i < r->n_inputs; i++)
		json_array_append_new(inputs, input_json(r->inputs[i]));
	member(out, "inputs", inputs, 0, c);
	member(out, "complete", json_boolean(report_is_complete(r)), 0, c);
	member(out, "totals", totals_json(r), 0, c);
	size_t n = opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
	fputs(c ? "\"sites\":[" : n == 0 ? "  \"sites\": []" : "  \"sites\": [\n", out);
	for (size_t i = 0; i < n; i++) {
		if (c) {
			dump_compact(out, render_json_site(r, r->sites[i]));
			if (i + 1 < n)
				fputc(',', out);
			continue;
		}
		fputs("    ", out);
		dump_nested(out, render_json_site(r, r->sites[i]), 2);
		fputs(i + 1 < n ? ",\n" : "\n  ]", out);
	}
	fputs(c ? "]," : ",\n", out);
	json_t *notes = json_array();
	for (size_t i = 0; i < r->n_notes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	member(out, "notes", notes, 1, c);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
