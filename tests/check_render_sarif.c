/*
 * check_render_sarif.c — SARIF on real runs: one result per shown site at
 * the line valgrind named, rules per kind, SRCROOT-relative URIs,
 * fingerprints, the folded thread flow.  Schema validation of whole files
 * is tests/golden_ci.sh's job (tests/validate_sarif.py).
 */
#include <check.h>
#include <jansson.h>

#include "ci_records.h"

Suite *render_sarif_suite(void);

static json_t *sarif_of(const struct vgt_report *r, const char *root)
{
	struct render_options o = {0};
	o.source_root = root;
	char *text = ci_render(render_sarif, r, &o);
	ck_assert_ptr_nonnull(text);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	ck_assert_msg(doc != NULL, "not JSON: %s", jerr.text);
	free(text);
	return doc;
}

static json_t *first_run(json_t *doc)
{
	return json_array_get(json_object_get(doc, "runs"), 0);
}

static const char *get_str(json_t *o, const char *path)
{
	json_t *v = json_object_get(o, path);
	return json_string_value(v);
}

START_TEST(test_results_at_valgrind_lines)
{
	struct vgt_report *r = ci_report("ci_more.xml");
	ck_assert_ptr_nonnull(r);
	json_t *doc = sarif_of(r, VGT_SRCDIR);
	ck_assert_str_eq(get_str(doc, "version"), "2.1.0");
	json_t *run = first_run(doc);
	json_t *results = json_object_get(run, "results");
	ck_assert_uint_eq(json_array_size(results), r->n_shown);
	ck_assert_uint_eq(r->n_shown, 5); /* 5 loss records in valgrind's output */
	/* rank 1: make_buffer's malloc, 300 bytes in 3 blocks (valgrind's numbers) */
	json_t *res = json_array_get(results, 0);
	ck_assert_str_eq(get_str(res, "ruleId"), "Leak_DefinitelyLost");
	ck_assert_str_eq(get_str(res, "level"), "error");
	const char *msg = get_str(json_object_get(res, "message"), "text");
	ck_assert_msg(strstr(msg, "300 bytes in 3 blocks") != NULL, "%s", msg);
	json_t *phys = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
				       "physicalLocation");
	json_t *art = json_object_get(phys, "artifactLocation");
	ck_assert_str_eq(get_str(art, "uri"), "tests/fixtures/ci/leaks.c");
	ck_assert_str_eq(get_str(art, "uriBaseId"), "SRCROOT");
	unsigned want = ci_source_line("tests/fixtures/ci/leaks.c", "char *buf = malloc(n);");
	ck_assert_uint_ne(want, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(phys, "region"),
							    "startLine")),
			 want);
	ck_assert_str_eq(get_str(json_object_get(res, "partialFingerprints"), "vgtriage/v1"),
			 r->sites[0]->fingerprint);
	/* SRCROOT is the root as a file:// URI ending in '/' */
	const char *base = get_str(json_object_get(json_object_get(run, "originalUriBaseIds"),
						   "SRCROOT"),
				   "uri");
	ck_assert_str_eq(base, "file://" VGT_SRCDIR "/");
	json_decref(doc);
	report_free(r);
}
END_TEST

START_TEST(test_rules_one_per_kind)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	json_t *doc = sarif_of(r, NULL);
	json_t *run = first_run(doc);
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	json_t *results = json_object_get(run, "results");
	/* every result's rule exists at its ruleIndex; no rule twice */
	size_t i;
	json_t *res;
	json_array_foreach(results, i, res) {
		json_int_t idx = json_integer_value(json_object_get(res, "ruleIndex"));
		json_t *rule = json_array_get(rules, (size_t)idx);
		ck_assert_ptr_nonnull(rule);
		ck_assert_str_eq(get_str(rule, "id"), get_str(res, "ruleId"));
	}
	for (size_t a = 0; a < json_array_size(rules); a++)
		for (size_t b = a + 1; b < json_array_size(rules); b++)
			ck_assert_str_ne(get_str(json_array_get(rules, a), "id"),
					 get_str(json_array_get(rules, b), "id"));
	/* levels: still reachable note, possibly lost warning, errors error */
	json_t *rule;
	int seen = 0;
	json_array_foreach(rules, i, rule) {
		const char *id = get_str(rule, "id");
		const char *level = get_str(json_object_get(rule, "defaultConfiguration"), "level");
		ck_assert_ptr_nonnull(get_str(json_object_get(rule, "fullDescription"), "text"));
		ck_assert_ptr_nonnull(get_str(json_object_get(rule, "help"), "text"));
		if (strcmp(id, "Leak_StillReachable") == 0) {
			ck_assert_str_eq(level, "note");
			seen++;
		}
		if (strcmp(id, "Leak_PossiblyLost") == 0) {
			ck_assert_str_eq(level, "warning");
			seen++;
		}
		if (strcmp(id, "InvalidRead") == 0) {
			ck_assert_str_eq(level, "error");
			seen++;
		}
	}
	ck_assert_int_eq(seen, 3);
	/* without --source-root: no originalUriBaseIds, URIs still relative */
	ck_assert_ptr_null(json_object_get(run, "originalUriBaseIds"));
	json_decref(doc);
	report_free(r);
}
END_TEST

START_TEST(test_thread_flow_folds_interpreter)
{
	struct vgt_report *r = ci_python_report("ext_leak");
	json_t *doc = sarif_of(r, "/src/proj");
	json_t *res = json_array_get(json_object_get(first_run(doc), "results"), 0);
	json_t *locs = json_object_get(
		json_array_get(json_object_get(json_array_get(json_object_get(res, "codeFlows"), 0),
					       "threadFlows"),
			       0),
		"locations");
	/* malloc, ext_leak, "… 4 interpreter frames" */
	ck_assert_uint_eq(json_array_size(locs), 3);
	json_t *user = json_object_get(json_array_get(locs, 1), "location");
	ck_assert_str_eq(get_str(json_array_get(locs, 1), "importance"), "essential");
	json_t *art = json_object_get(json_object_get(user, "physicalLocation"), "artifactLocation");
	ck_assert_str_eq(get_str(art, "uri"), "ext/ext.c");
	const char *folded = get_str(json_object_get(json_object_get(json_array_get(locs, 2), "location"),
						     "message"),
				     "text");
	ck_assert_str_eq(folded, "… 4 interpreter frames");
	json_decref(doc);
	report_free(r);
}
END_TEST

START_TEST(test_absolute_outside_root_and_baseline)
{
	struct vgt_report *r = ci_python_report("ext_leak");
	site_detail_mut(r->sites[0])->baseline = "new";
	json_t *doc = sarif_of(r, "/elsewhere");
	json_t *res = json_array_get(json_object_get(first_run(doc), "results"), 0);
	json_t *art = json_object_get(
		json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation"),
		"artifactLocation");
	ck_assert_str_eq(get_str(art, "uri"), "file:///src/proj/ext/ext.c");
	ck_assert_ptr_null(json_object_get(art, "uriBaseId"));
	ck_assert_str_eq(get_str(res, "baselineState"), "new");
	json_decref(doc);
	report_free(r);
}
END_TEST

START_TEST(test_fingerprints_stable_across_runs)
{
	/* ci_base and ci_more are separate runs (other pids, addresses, and
	 * a binary with more code): the sites they share keep their
	 * fingerprints. */
	struct vgt_report *a = ci_report("ci_base.xml");
	struct vgt_report *b = ci_report("ci_more.xml");
	ck_assert_uint_eq(a->n_shown + 1, b->n_shown);
	size_t same = 0;
	for (size_t i = 0; i < a->n_shown; i++)
		for (size_t k = 0; k < b->n_shown; k++)
			same += strcmp(a->sites[i]->fingerprint, b->sites[k]->fingerprint) == 0;
	ck_assert_uint_eq(same, a->n_shown);
	report_free(a);
	report_free(b);
}
END_TEST

Suite *render_sarif_suite(void)
{
	Suite *s = suite_create("render_sarif");
	TCase *tc = tcase_create("sarif");
	tcase_add_test(tc, test_results_at_valgrind_lines);
	tcase_add_test(tc, test_rules_one_per_kind);
	tcase_add_test(tc, test_thread_flow_folds_interpreter);
	tcase_add_test(tc, test_absolute_outside_root_and_baseline);
	tcase_add_test(tc, test_fingerprints_stable_across_runs);
	suite_add_tcase(s, tc);
	return s;
}
