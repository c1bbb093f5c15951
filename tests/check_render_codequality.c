/*
 * check_render_codequality.c — GitLab Code Quality: the fields GitLab
 * reads, on a real run.
 */
#include <check.h>
#include <jansson.h>

#include "ci_records.h"

Suite *render_codequality_suite(void);

START_TEST(test_fields)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	struct render_options o = {0};
	o.source_root = VGT_SRCDIR;
	char *out = ci_render(render_codequality, r, &o);
	json_error_t jerr;
	json_t *a = json_loads(out, 0, &jerr);
	ck_assert_msg(json_is_array(a), "%s", jerr.text);
	ck_assert_uint_eq(json_array_size(a), r->n_shown);
	size_t i;
	json_t *issue;
	json_array_foreach(a, i, issue) {
		const char *sev = json_string_value(json_object_get(issue, "severity"));
		ck_assert(strcmp(sev, "blocker") == 0 || strcmp(sev, "critical") == 0 ||
			  strcmp(sev, "major") == 0 || strcmp(sev, "minor") == 0 ||
			  strcmp(sev, "info") == 0);
		ck_assert_str_eq(json_string_value(json_object_get(issue, "fingerprint")),
				 r->sites[i]->fingerprint);
		ck_assert_str_eq(json_string_value(json_object_get(issue, "check_name")),
				 r->sites[i]->kind_name);
		ck_assert_ptr_nonnull(json_string_value(json_object_get(issue, "description")));
		json_t *loc = json_object_get(issue, "location");
		ck_assert_ptr_nonnull(json_string_value(json_object_get(loc, "path")));
		ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(loc, "lines"), "begin")), 1);
		if (strcmp(r->sites[i]->kind_name, "Leak_StillReachable") == 0)
			ck_assert_str_eq(sev, "info");
		if (strcmp(r->sites[i]->kind_name, "InvalidRead") == 0) {
			ck_assert_str_eq(sev, "critical");
			ck_assert_str_eq(json_string_value(json_object_get(loc, "path")),
					 "tests/fixtures/errors.c");
		}
	}
	json_decref(a);
	free(out);
	report_free(r);
}
END_TEST

Suite *render_codequality_suite(void)
{
	Suite *s = suite_create("render_codequality");
	TCase *tc = tcase_create("codequality");
	tcase_add_test(tc, test_fields);
	suite_add_tcase(s, tc);
	return s;
}
