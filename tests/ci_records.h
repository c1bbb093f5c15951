/*
 * ci_records.h — for the CI modules' tests: real valgrind records out of
 * the XML files under testdata/ (libxml2's tree reader: these files are
 * small), and a ranked report made of them through the real classify and
 * rank steps.  No symbolize: the C fixtures need no Cython map.  Also a
 * real run read through the whole pipeline (ci_read_run, ci_reloc_report).
 *
 * Header-only (static functions) so that each tests/check_*.c that needs
 * it stays one file; included by tests only.
 */
#ifndef VGTRIAGE_TESTS_CI_RECORDS_H
#define VGTRIAGE_TESTS_CI_RECORDS_H

#include <check.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/classify.h"
#include "analyze/sites.h"
#include "analyze/rank.h"
#include "cmd/pipeline.h"
#include "render/render.h"
#include "vgtriage/report.h"

#define CI_UNUSED __attribute__((unused))

struct ci_records {
	struct frame_table *ft; /* where the records' frames are */
	struct vgt_record *recs;
	size_t count;
	struct vgt_input input; /* pid and command of the run */
};

static const char *ci_text(struct strpool *pool, xmlNode *n)
{
	xmlChar *s = xmlNodeGetContent(n);
	const char *out = strpool_intern(pool, (const char *)s);
	xmlFree(s);
	return out;
}

static xmlNode *ci_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static uint64_t ci_num(struct strpool *pool, xmlNode *n)
{
	return n != NULL ? strtoull(ci_text(pool, n), NULL, 0) : 0;
}

static void ci_stack(struct frame_table *ft, xmlNode *stack, struct vgt_stack *st)
{
	struct strpool *pool = frames_pool(ft);
	for (xmlNode *f = stack->children; f != NULL; f = f->next) {
		if (f->type != XML_ELEMENT_NODE || strcmp((const char *)f->name, "frame") != 0)
			continue;
		struct vgt_frame frame, *fr = &frame;
		memset(fr, 0, sizeof(*fr));
		fr->ip = ci_num(pool, ci_child(f, "ip"));
		xmlNode *c;
		if ((c = ci_child(f, "obj")) != NULL)
			fr->obj = ci_text(pool, c);
		if ((c = ci_child(f, "fn")) != NULL)
			fr->fn = ci_text(pool, c);
		if ((c = ci_child(f, "dir")) != NULL)
			fr->dir = ci_text(pool, c);
		if ((c = ci_child(f, "file")) != NULL)
			fr->file = ci_text(pool, c);
		fr->line = (unsigned)ci_num(pool, ci_child(f, "line"));
		stack_push(st, frames_intern_frame(ft, fr));
	}
}

static void ci_record(struct frame_table *ft, xmlNode *e, struct vgt_record *rec)
{
	struct strpool *pool = frames_pool(ft);
	memset(rec, 0, sizeof(*rec));
	rec->kind_name = ci_text(pool, ci_child(e, "kind"));
	rec->kind = kind_from_name(rec->kind_name);
	rec->unique = ci_num(pool, ci_child(e, "unique"));
	xmlNode *what = ci_child(e, "what");
	xmlNode *xwhat = ci_child(e, "xwhat");
	if (what != NULL)
		rec->what = ci_text(pool, what);
	if (xwhat != NULL) {
		rec->what = ci_text(pool, ci_child(xwhat, "text"));
		rec->bytes = ci_num(pool, ci_child(xwhat, "leakedbytes"));
		rec->blocks = ci_num(pool, ci_child(xwhat, "leakedblocks"));
		rec->direct_bytes = rec->bytes;
		const char *paren = strstr(rec->what, " direct, ");
		if (paren != NULL) {
			const char *open = strchr(rec->what, '(');
			rec->direct_bytes = strtoull(open + 1, NULL, 10);
			rec->indirect_bytes = rec->bytes - rec->direct_bytes;
		}
	}
	int stacks = 0;
	for (xmlNode *c = e->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, "auxwhat") == 0 && rec->auxwhat == NULL)
			rec->auxwhat = ci_text(pool, c);
		/* the stack, then the one after the first auxwhat */
		if (strcmp((const char *)c->name, "stack") == 0 && stacks < 2)
			ci_stack(ft, c, stacks++ == 0 ? &rec->stack : &rec->aux_stack);
	}
}

/* Loads every <error> of testdata/<name>; returns 0 or -1. */
static CI_UNUSED int ci_load(const char *name, struct frame_table *ft, struct ci_records *out)
{
	struct strpool *pool = frames_pool(ft);
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/%s", VGT_SRCDIR, name);
	memset(out, 0, sizeof(*out));
	out->ft = ft;
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	if (doc == NULL)
		return -1;
	xmlNode *root = xmlDocGetRootElement(doc);
	size_t cap = 0;
	out->input.pid = (long)ci_num(pool, ci_child(root, "pid"));
	for (xmlNode *e = root->children; e != NULL; e = e->next) {
		if (e->type != XML_ELEMENT_NODE || strcmp((const char *)e->name, "error") != 0)
			continue;
		out->recs = xgrow(out->recs, &cap, out->count + 1, sizeof(*out->recs));
		ci_record(ft, e, &out->recs[out->count++]);
	}
	xmlFreeDoc(doc);
	return 0;
}

static CI_UNUSED void ci_release(struct ci_records *rs)
{
	for (size_t i = 0; i < rs->count; i++)
		record_release(&rs->recs[i]);
	free(rs->recs);
}

/* The first record of the given kind whose stack holds fn, or NULL. */
static CI_UNUSED struct vgt_record *ci_find(struct ci_records *rs, const char *kind, const char *fn)
{
	for (size_t i = 0; i < rs->count; i++) {
		struct vgt_record *r = &rs->recs[i];
		if (strcmp(r->kind_name, kind) != 0)
			continue;
		for (size_t k = 0; k < r->stack.count; k++) {
			const struct vgt_frame *f = stack_frame(rs->ft, &r->stack, k);
			if (fn == NULL || (f->fn != NULL && strcmp(f->fn, fn) == 0))
				return r;
		}
	}
	return NULL;
}

/* A ranked report of testdata/<name> (classify + rank, default options). */
static CI_UNUSED struct vgt_report *ci_report(const char *name)
{
	struct vgt_report *r = report_new();
	struct ci_records rs;
	if (ci_load(name, r->frames, &rs) != 0) {
		report_free(r);
		return NULL;
	}
	struct vgt_input *in = report_add_input(r, name, "xml");
	in->pid = rs.input.pid;
	in->complete = 1;
	in->finished = 1;
	in->command = strpool_intern(r->pool, name);
	for (size_t i = 0; i < rs.count; i++) {
		classify_stack(r->frames, &rs.recs[i].stack);
		classify_stack(r->frames, &rs.recs[i].aux_stack);
		in->records++;
		sites_add_record(r, in, &rs.recs[i]);
	}
	ci_release(&rs);
	struct rank_options ro = {0};
	rank_finish(r, &ro);
	return r;
}

/* What a renderer writes, as a malloc'd string. */
static CI_UNUSED char *ci_render(render_fn *fn, const struct vgt_report *r,
				 const struct render_options *opts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = fn(mem, r, opts);
	fclose(mem);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A report of one hand-made leak in a C extension called from CPython:
 * malloc, a user frame (ext.c:10), then four interpreter frames, with a
 * function name that needs escaping in every format. */
static CI_UNUSED struct vgt_report *ci_python_report(const char *fn_name)
{
	static const struct {
		const char *fn, *obj, *file;
		unsigned line;
	} frames[] = {
		{"malloc", "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so", NULL, 0},
		{NULL, "/t/ext.cpython-311-x86_64-linux-gnu.so", "ext.c", 10},
		{"PyObject_Call", "/usr/bin/python3.11", NULL, 0},
		{"_PyEval_EvalFrameDefault", "/usr/bin/python3.11", NULL, 0},
		{"PyRun_SimpleFileExFlags", "/usr/bin/python3.11", NULL, 0},
		{"Py_RunMain", "/usr/bin/python3.11", NULL, 0},
	};
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "py.xml", "xml");
	in->complete = in->finished = 1;
	in->command = strpool_intern(r->pool, "/usr/bin/python3 drive.py");
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	rec.kind_name = strpool_intern(r->pool, "Leak_DefinitelyLost");
	rec.bytes = rec.direct_bytes = 9664;
	rec.blocks = 302;
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		struct vgt_frame frame, *f = &frame;
		memset(f, 0, sizeof(*f));
		f->ip = 0x1000 + i;
		f->fn = strpool_intern(r->pool, i == 1 ? fn_name : frames[i].fn);
		f->obj = strpool_intern(r->pool, frames[i].obj);
		f->file = strpool_intern(r->pool, frames[i].file);
		f->dir = frames[i].file != NULL ? strpool_intern(r->pool, "/src/proj/ext") : NULL;
		f->line = frames[i].line;
		stack_push(&rec.stack, frames_intern_frame(r->frames, f));
	}
	classify_stack(r->frames, &rec.stack);
	in->records++;
	sites_add_record(r, in, &rec);
	record_release(&rec);
	struct rank_options ro = {0};
	rank_finish(r, &ro);
	return r;
}

/* The report of a real run (path), read through the whole pipeline with
 * options o (NULL: the defaults). */
static CI_UNUSED struct vgt_report *ci_read_run(const char *path, const struct pipeline_options *o)
{
	struct pipeline_options none;
	memset(&none, 0, sizeof(none));
	struct pipeline *pl = pipeline_new(o != NULL ? o : &none);
	struct vgt_error err;
	ck_assert_int_ge(pipeline_read_path(pl, path, &err), 0);
	pipeline_finish(pl);
	struct vgt_report *r = pipeline_take(pl);
	pipeline_free(pl);
	return r;
}

/* The same program built in two checkouts (tests/fixtures/reloc):
 * one.xml read with its source at hand (the checkout is here, by
 * --prefix-map), two.xml without (another runner's directory). */
static CI_UNUSED struct vgt_report *ci_reloc_report(const char *name, int with_source)
{
	static const char *const roots[] = {VGT_SRCDIR "/tests/fixtures/reloc"};
	static const struct prefix_map maps[] = {
		{"/tmp/vgtriage-reloc/one", VGT_SRCDIR "/tests/fixtures/reloc"},
	};
	struct pipeline_options o;
	memset(&o, 0, sizeof(o));
	if (with_source) {
		o.symbolize.source_roots = roots;
		o.symbolize.n_source_roots = 1;
		o.symbolize.prefix_maps = maps;
		o.symbolize.n_prefix_maps = 1;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/testdata/reloc/%s", VGT_SRCDIR, name);
	struct vgt_report *r = ci_read_run(path, &o);
	ck_assert_uint_eq(r->n_shown, 2);
	return r;
}

/* The 1-based line of the first line of path (from the repo root) that
 * contains needle: the tests check locations against the source itself. */
static CI_UNUSED unsigned ci_source_line(const char *path, const char *needle)
{
	char full[1024];
	snprintf(full, sizeof(full), "%s/%s", VGT_SRCDIR, path);
	FILE *f = fopen(full, "r");
	char buf[1024];
	unsigned n = 0, found = 0;
	while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		n++;
		if (strstr(buf, needle) != NULL) {
			found = n;
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	return found;
}

#endif
