/*
 * check_pipeline.c — reading many inputs: the report of inputs read in
 * parallel and merged (pipeline_read_paths, any -j) is the report of the
 * same inputs read one after the other into one report; results come back
 * in the order given.  Inputs are real valgrind runs from testdata/.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pipeline.h"
#include "render/render.h"

Suite *pipeline_suite(void);

#define TD VGT_SRCDIR "/testdata/"

static char *const inputs[] = {
	TD "errors.xml", TD "py_ext.xml", TD "text/fork.log", TD "cython_shapes.xml",
	TD "errors.log", TD "ci_more.xml", TD "text/kinds.log",
};
#define N_INPUTS (sizeof(inputs) / sizeof(inputs[0]))

static struct pipeline_options options(unsigned jobs)
{
	static const char *const roots[] = {VGT_SRCDIR "/testdata/cython"};
	struct pipeline_options o;
	memset(&o, 0, sizeof(o));
	o.jobs = jobs;
	o.rank.show_all = 1; /* every site, hidden ones too */
	o.symbolize.source_roots = roots;
	o.symbolize.n_source_roots = 1;
	o.symbolize.context_lines = 2;
	return o;
}

static char *render(struct vgt_report *r, enum vgt_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct render_options ro;
	memset(&ro, 0, sizeof(ro));
	struct vgt_error err;
	ck_assert_int_eq(render_report(f, fmt, r, &ro, &err), 0);
	fclose(f);
	return buf;
}

/* The inputs read one after the other into one report. */
static void sequential(char **json, char **text)
{
	struct pipeline_options o = options(1);
	struct pipeline *pl = pipeline_new(&o);
	for (size_t i = 0; i < N_INPUTS; i++) {
		struct vgt_error err;
		ck_assert_int_ge(pipeline_read_path(pl, inputs[i], &err), 0);
	}
	struct vgt_report *r = pipeline_finish(pl);
	*json = render(r, VGT_FORMAT_JSON);
	*text = render(r, VGT_FORMAT_TEXT);
	pipeline_free(pl);
}

struct order {
	size_t n;
	const char *seen[N_INPUTS];
};

static void note_result(void *ctx, const char *path, int rc, const struct vgt_error *err)
{
	struct order *o = ctx;
	(void)err;
	ck_assert_int_ge(rc, 0);
	ck_assert_uint_lt(o->n, N_INPUTS);
	o->seen[o->n++] = path;
}

START_TEST(test_merged_equals_sequential)
{
	char *want_json, *want_text;
	sequential(&want_json, &want_text);
	static const unsigned jobs[] = {1, 2, 3, 16};
	for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
		struct pipeline_options o = options(jobs[j]);
		struct pipeline *pl = pipeline_new(&o);
		struct order order = {0};
		ck_assert_int_ge(pipeline_read_paths(pl, inputs, N_INPUTS, note_result, &order), 0);
		ck_assert_uint_eq(order.n, N_INPUTS);
		for (size_t i = 0; i < N_INPUTS; i++)
			ck_assert_str_eq(order.seen[i], inputs[i]);
		struct vgt_report *r = pipeline_finish(pl);
		char *json = render(r, VGT_FORMAT_JSON);
		char *text = render(r, VGT_FORMAT_TEXT);
		ck_assert_msg(strcmp(json, want_json) == 0, "-j %u: JSON differs", jobs[j]);
		ck_assert_msg(strcmp(text, want_text) == 0, "-j %u: text differs", jobs[j]);
		free(json);
		free(text);
		pipeline_free(pl);
	}
	free(want_json);
	free(want_text);
}
END_TEST

/* A broken input among good ones: its error in its place, the others read. */
START_TEST(test_missing_input_in_order)
{
	char *const paths[] = {TD "errors.xml", TD "no-such-file.xml", TD "ci_more.xml"};
	struct pipeline_options o = options(2);
	struct pipeline *pl = pipeline_new(&o);
	ck_assert_int_eq(pipeline_read_paths(pl, paths, 3, NULL, NULL), -1);
	struct vgt_report *r = pipeline_finish(pl);
	ck_assert_uint_eq(r->n_inputs, 2);
	ck_assert_str_eq(r->inputs[0]->path, paths[0]);
	ck_assert_str_eq(r->inputs[1]->path, paths[2]);
	pipeline_free(pl);
}
END_TEST

Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_merged_equals_sequential);
	tcase_add_test(tc, test_missing_input_in_order);
	suite_add_tcase(s, tc);
	return s;
}
