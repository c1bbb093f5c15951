/*
 * check_explain.c — the whole feature on the hints fixture (issue 13):
 * the correct functions of tests/fixtures/hints/expected.tsv (kind "-":
 * they allocate and free correctly, so valgrind reports nothing there)
 * read and analysed as if their allocation had leaked — no hint may come
 * out — while leaking functions of the same files do get one; the
 * pipeline over the real run testdata/hints_c.xml fills every shown leak
 * site's nature and the hints, and --no-hints keeps the natures only;
 * the source reader.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain/cparse.h"
#include "explain/explain.h"
#include "explain/hint.h"
#include "cmd/pipeline.h"
#include "explain/pyxscan.h"

Suite *explain_suite(void);

#define HELPER VGT_BUILDDIR "/vgtriage-cparse"
#define FIXTURE VGT_SRCDIR "/tests/fixtures/hints"

/* Where a file of expected.tsv is. */
static void fixture_path(const char *file, char *buf, size_t size)
{
	if (strcmp(file, "cpyleaks.c") == 0)
		snprintf(buf, size, "%s/hintfix/cpyleaks.c", FIXTURE);
	else if (strncmp(file, "passfix/", 8) == 0 || strcmp(file, "cdrop.c") == 0)
		snprintf(buf, size, "%s/../passdrop/%s", FIXTURE, file); /* issue 24 */
	else
		snprintf(buf, size, "%s/%s", FIXTURE, file);
}

/* The analysis at file:line as if the allocation there leaked; 1 when it
 * gives a hint (-1 when it cannot be run: C without the helper). */
static int direct_hint(const char *file, unsigned line, const char *family, const char *what,
		       char *text, size_t size)
{
	char path[512];
	fixture_path(file, path, sizeof(path));
	size_t len;
	char *src = explain_read_source(path, &len);
	ck_assert_msg(src != NULL, "%s", path);
	struct nature nat;
	memset(&nat, 0, sizeof(nat));
	nat.family = strcmp(family, "c") == 0 ? NATURE_C : strcmp(family, "cxx") == 0 ? NATURE_CXX
											 : NATURE_PYTHON;
	snprintf(nat.what, sizeof(nat.what), "%s", what);
	const char *callee = nat.family == NATURE_C ? "malloc"
			     : nat.family == NATURE_CXX ? "operator new(unsigned long)"
							: NULL;
	struct hint_func *owned = NULL;
	struct cparse_file *cf = NULL;
	const struct hint_func *fn;
	size_t n = strlen(file);
	if (n > 4 && strcmp(file + n - 4, ".pyx") == 0) {
		owned = pyxscan_function(src, len, line);
		fn = owned;
	} else {
		if (access(HELPER, X_OK) != 0) {
			free(src);
			return -1;
		}
		char why[256] = "";
		cf = cparse_run(HELPER, path, src, len,
				strcmp(file + n - 4, ".cpp") == 0 ? HINT_LANG_CXX : HINT_LANG_C, why,
				sizeof(why));
		ck_assert_msg(cf != NULL, "%s", why);
		fn = cparse_function(cf, line);
	}
	ck_assert_msg(fn != NULL, "%s:%u: no function", file, line);
	struct hint_frame fr = {.fn = fn, .file = file, .line = line, .callee = callee,
				 .reachable = 0};
	struct hint_result r;
	hint_explain(&fr, NULL, &nat, &r);
	snprintf(text, size, "%s", r.text);
	hint_func_free(owned);
	cparse_free(cf);
	free(src);
	return r.found || r.returned;
}

START_TEST(test_correct_functions)
{
	FILE *fp = fopen(FIXTURE "/expected.tsv", "r");
	ck_assert_ptr_nonnull(fp);
	char line[2048];
	int correct = 0, run = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		char *f[9] = {0};
		char *save = NULL;
		int k = 0;
		for (char *tok = strtok_r(line, "\t\n", &save); tok != NULL && k < 9;
		     tok = strtok_r(NULL, "\t\n", &save))
			f[k++] = tok;
		if (k < 7 || strcmp(f[3], "-") != 0)
			continue;
		correct++;
		char text[1024];
		int got = direct_hint(f[1], (unsigned)atoi(f[2]), f[4], f[5], text, sizeof(text));
		if (got < 0)
			continue;
		run++;
		ck_assert_msg(got == 0, "%s:%s (a correct function) got a hint: %s", f[1], f[2], text);
	}
	fclose(fp);
	ck_assert_int_ge(correct, 5);
	ck_assert_int_ge(run, 2); /* the .pyx ones run without the helper */
}
END_TEST

START_TEST(test_leaking_functions)
{
	/* the same reading does find the leaks next to them */
	char text[1024];
	ck_assert_int_eq(direct_hint("hintfix/cyleaks.pyx", 22, "c", "buffer", text, sizeof(text)), 1);
	ck_assert(strstr(text, "neither freed nor returned in `never_freed`") != NULL);
	int got = direct_hint("cleaks.c", 123, "c", "buffer", text, sizeof(text));
	if (got >= 0) {
		ck_assert_int_eq(got, 1);
		ck_assert(strstr(text, "`goto out` at line 127 skips the free") != NULL);
	}
	got = direct_hint("cxxleaks.cpp", 14, "cxx", "object", text, sizeof(text));
	if (got >= 0) {
		ck_assert_int_eq(got, 1);
		ck_assert(strstr(text, "neither deleted nor returned in `widget_leak`") != NULL);
	}
}
END_TEST

static struct vgt_report *run_pipeline(int no_hints)
{
	static const char *const roots[] = {VGT_SRCDIR "/tests/fixtures/hints"};
	struct pipeline_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.symbolize.source_roots = roots;
	opts.symbolize.n_source_roots = 1;
	opts.symbolize.context_lines = 2;
	opts.explain.no_hints = no_hints;
	if (access(HELPER, X_OK) == 0)
		opts.explain.cparse = HELPER;
	struct pipeline *pl = pipeline_new(&opts);
	struct vgt_error err;
	ck_assert_int_eq(pipeline_read_path(pl, VGT_SRCDIR "/testdata/hints_c.xml", &err), 0);
	pipeline_finish(pl);
	struct vgt_report *r = pipeline_take(pl);
	pipeline_free(pl);
	return r;
}

START_TEST(test_pipeline)
{
	struct vgt_report *r = run_pipeline(0);
	ck_assert_uint_eq(r->n_shown, 13);
	size_t hints = 0;
	for (size_t i = 0; i < r->n_shown; i++) {
		const struct vgt_explain *x = site_detail(r->sites[i])->explain;
		ck_assert_ptr_nonnull(x);
		ck_assert(strcmp(x->family, "c") == 0 || strcmp(x->family, "cxx") == 0);
		if (x->hint != NULL) {
			hints++;
			ck_assert_uint_ge(x->n_evidence, 1);
			ck_assert_ptr_nonnull(x->evidence[0].text);
		}
	}
	/* rank 1: the C++ array */
	const struct vgt_explain *x = site_detail(r->sites[0])->explain;
	ck_assert_str_eq(x->family, "cxx");
	ck_assert_str_eq(x->what, "array");
	ck_assert_str_eq(x->label, "C++ array (new[])");
	if (access(HELPER, X_OK) == 0) {
		ck_assert_uint_eq(hints, 13);
		ck_assert(strstr(x->hint, "`values` is allocated at cxxleaks.cpp:20") != NULL);
		ck_assert_str_eq(x->evidence[0].file, "cxxleaks.cpp");
		ck_assert_uint_eq(x->evidence[0].line, 20);
		ck_assert_str_eq(x->evidence[0].text, "int *values = new int[n];");
	}
	report_free(r);
	r = run_pipeline(1);
	for (size_t i = 0; i < r->n_shown; i++) {
		ck_assert_ptr_nonnull(site_detail(r->sites[i])->explain);
		ck_assert_ptr_null(site_detail(r->sites[i])->explain->hint);
	}
	report_free(r);
}
END_TEST

START_TEST(test_read_source)
{
	size_t len = 0;
	char *text = explain_read_source(FIXTURE "/cxxleaks.h", &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert(strstr(text, "void cxx_leaks(int n);") != NULL);
	free(text);
	ck_assert_ptr_null(explain_read_source(FIXTURE "/no-such-file.c", &len));
	ck_assert_ptr_null(explain_read_source(FIXTURE, &len)); /* a directory */
}
END_TEST

Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_correct_functions);
	tcase_add_test(tc, test_leaking_functions);
	tcase_add_test(tc, test_pipeline);
	tcase_add_test(tc, test_read_source);
	suite_add_tcase(s, tc);
	return s;
}
