/*
 * check_diff.c — `vgtriage diff` on real runs: the leak added between
 * ci_base.xml and ci_more.xml appears (and fails the gate), removing it
 * makes it vanish (and passes), a JSON report loads back to the same
 * sites, growth is judged by the policy's thresholds.
 */
#include <check.h>
#include <jansson.h>
#include <fcntl.h>
#include <unistd.h>

#include "cmd/diff.h"

#include "ci_records.h"
#include "tmpdir.h"
#include "analyze/policy.h"
#include "cmd/pipeline.h"

Suite *diff_suite(void);

static json_t *diff_json(const struct vgt_report *a, const struct vgt_report *b,
			 const struct policy *p, int *failed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_int_eq(diff_render(mem, VGT_FORMAT_JSON, a, b, p, failed), 0);
	fclose(mem);
	json_error_t jerr;
	json_t *doc = json_loads(buf, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s", jerr.text);
	free(buf);
	return doc;
}

static size_t n_of(json_t *doc, const char *key)
{
	return json_array_size(json_object_get(doc, key));
}

START_TEST(test_appeared_and_vanished)
{
	struct vgt_report *base = ci_report("ci_base.xml");
	struct vgt_report *more = ci_report("ci_more.xml");
	int failed = -1;
	json_t *d = diff_json(base, more, NULL, &failed);
	ck_assert_int_eq(failed, 1);
	ck_assert_uint_eq(n_of(d, "appeared"), 1);
	ck_assert_uint_eq(n_of(d, "vanished"), 0);
	ck_assert_uint_eq(n_of(d, "grew"), 0);
	ck_assert_uint_eq(n_of(d, "shrank"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "unchanged")), (json_int_t)base->n_shown);
	json_t *s = json_array_get(json_object_get(d, "appeared"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "location"), "function")),
			 "extra_leak");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "bytes")), 200);
	json_decref(d);
	/* the other way round: it vanished, nothing fails */
	d = diff_json(more, base, NULL, &failed);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(n_of(d, "vanished"), 1);
	ck_assert_uint_eq(n_of(d, "appeared"), 0);
	json_decref(d);
	/* a policy that does not name definite leaks does not fail on it */
	struct policy p;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "errors", &err), 0);
	d = diff_json(base, more, &p, &failed);
	ck_assert_int_eq(failed, 0);
	json_decref(d);
	report_free(base);
	report_free(more);
}
END_TEST

START_TEST(test_grew_with_threshold)
{
	struct vgt_report *base = ci_report("ci_base.xml");
	struct vgt_report *grown = ci_report("ci_base.xml");
	/* the same site leaking 100 more bytes (as a longer run would) */
	grown->sites[0]->bytes += 100;
	grown->sites[0]->blocks += 1;
	int failed;
	json_t *d = diff_json(base, grown, NULL, &failed);
	ck_assert_int_eq(failed, 1);
	ck_assert_uint_eq(n_of(d, "grew"), 1);
	json_t *delta = json_object_get(json_array_get(json_object_get(d, "grew"), 0), "delta");
	ck_assert_int_eq(json_integer_value(json_object_get(delta, "bytes")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(delta, "blocks")), 1);
	json_decref(d);
	struct policy p;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "definite>100", &err), 0);
	d = diff_json(base, grown, &p, &failed);
	ck_assert_int_eq(failed, 0); /* grew by 100, not more */
	json_decref(d);
	ck_assert_int_eq(policy_parse(&p, "definite>99", &err), 0);
	d = diff_json(base, grown, &p, &failed);
	ck_assert_int_eq(failed, 1);
	json_decref(d);
	d = diff_json(grown, base, NULL, &failed);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(n_of(d, "shrank"), 1);
	json_decref(d);
	report_free(base);
	report_free(grown);
}
END_TEST

START_TEST(test_json_report_roundtrip)
{
	struct vgt_report *more = ci_report("ci_more.xml");
	char path[] = "/tmp/vgt-diff-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct render_options o = {0};
	ck_assert_int_eq(render_json(f, more, &o), 0);
	fclose(f);
	ck_assert_int_eq(diff_is_json_report(path), 1);
	char xml[1024];
	snprintf(xml, sizeof(xml), "%s/testdata/ci_more.xml", VGT_SRCDIR);
	ck_assert_int_eq(diff_is_json_report(xml), 0);
	struct vgt_error err;
	struct vgt_report *loaded = diff_load_json(path, &err);
	ck_assert_msg(loaded != NULL, "%s", err.message);
	ck_assert_uint_eq(loaded->n_shown, more->n_shown);
	for (size_t i = 0; i < more->n_shown; i++) {
		ck_assert_str_eq(loaded->sites[i]->fingerprint, more->sites[i]->fingerprint);
		ck_assert_uint_eq(loaded->sites[i]->bytes, more->sites[i]->bytes);
		ck_assert_uint_eq(loaded->sites[i]->stack.count, more->sites[i]->stack.count);
	}
	ck_assert_uint_eq(loaded->totals.definitely_lost.bytes, more->totals.definitely_lost.bytes);
	/* a JSON side diffs like the valgrind side: nothing changed */
	int failed;
	json_t *d = diff_json(more, loaded, NULL, &failed);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "unchanged")), (json_int_t)more->n_shown);
	json_decref(d);
	/* text output names each section */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct vgt_report *base = ci_report("ci_base.xml");
	ck_assert_int_eq(diff_render(mem, VGT_FORMAT_TEXT, base, loaded, NULL, &failed), 0);
	fclose(mem);
	ck_assert_msg(strstr(buf, "appeared: 1 site\n  + definite") != NULL, "%s", buf);
	ck_assert(strstr(buf, "extra_leak  [fails]") != NULL);
	free(buf);
	report_free(base);
	report_free(loaded);
	unlink(path);
	report_free(more);
}
END_TEST

START_TEST(test_bad_json)
{
	char path[] = "/tmp/vgt-diff-XXXXXX";
	tmpfile_put(path, "{\"tool\": \"other\", \"sites\": []}\n");
	struct vgt_error err;
	ck_assert_ptr_null(diff_load_json(path, &err));
	ck_assert(strstr(err.message, "not a vgtriage JSON report") != NULL);
	int fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "{\"tool\":", 8), 8);
	close(fd);
	ck_assert_ptr_null(diff_load_json(path, &err));
	ck_assert_str_eq(err.file, path);
	unlink(path);
}
END_TEST

/* Counts as the text report writes them: 23,205 bytes, not 23205 (the
 * real runs of tests/fixtures/pymalloc: the leak valgrind sees only under
 * PYTHONMALLOC=malloc appears). */
START_TEST(test_text_separators)
{
	struct vgt_report *a = ci_read_run(VGT_SRCDIR "/testdata/pymalloc/arenas.xml", NULL);
	struct vgt_report *b = ci_read_run(VGT_SRCDIR "/testdata/pymalloc/malloc.xml", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int failed = -1;
	ck_assert_int_eq(diff_render(mem, VGT_FORMAT_TEXT, a, b, NULL, &failed), 0);
	fclose(mem);
	ck_assert_msg(strstr(buf, "23,205 bytes in 195 blocks") != NULL, "%s", buf);
	ck_assert_ptr_null(strstr(buf, "23205"));
	free(buf);
	report_free(a);
	report_free(b);
}
END_TEST

/* diff of the two checkouts' reports: nothing appeared or vanished. */
START_TEST(test_checkouts_match)
{
	struct vgt_report *one = ci_reloc_report("one.xml", 1);
	struct vgt_report *two = ci_reloc_report("two.xml", 0);
	int failed = -1;
	json_t *d = diff_json(one, two, NULL, &failed);
	ck_assert_uint_eq(n_of(d, "appeared"), 0);
	ck_assert_uint_eq(n_of(d, "vanished"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "unchanged")), 2);
	ck_assert_int_eq(failed, 0);
	json_decref(d);
	d = diff_json(two, one, NULL, &failed);
	ck_assert_uint_eq(n_of(d, "appeared"), 0);
	ck_assert_uint_eq(n_of(d, "vanished"), 0);
	json_decref(d);
	report_free(one);
	report_free(two);
}
END_TEST

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");
	tcase_add_test(tc, test_appeared_and_vanished);
	tcase_add_test(tc, test_grew_with_threshold);
	tcase_add_test(tc, test_json_report_roundtrip);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_text_separators);
	tcase_add_test(tc, test_checkouts_match);
	suite_add_tcase(s, tc);
	return s;
}
