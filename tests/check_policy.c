/* check_policy.c — --fail-on parsing and decisions. */
#include <check.h>
#include <string.h>

#include "analyze/rank.h"
#include "analyze/policy.h"

Suite *policy_suite(void);

static struct vgt_site site(enum vgt_kind kind, uint64_t bytes)
{
	struct vgt_site s;
	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.bytes = bytes;
	s.blocks = bytes > 0;
	return s;
}

START_TEST(test_default)
{
	struct policy p;
	policy_default(&p);
	struct vgt_site def = site(VGT_KIND_LEAK_DEFINITELY_LOST, 10);
	struct vgt_site pos = site(VGT_KIND_LEAK_POSSIBLY_LOST, 10);
	struct vgt_site err = site(VGT_KIND_INVALID_READ, 0);
	ck_assert(policy_site_fails(&p, &def));
	ck_assert(!policy_site_fails(&p, &pos));
	ck_assert(policy_site_fails(&p, &err));
	def.hidden = 1;
	ck_assert(!policy_site_fails(&p, &def));
}
END_TEST

START_TEST(test_parse_and_threshold)
{
	struct policy p;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "possible,definite>1,024", &err), -1); /* ',' splits */
	ck_assert_int_eq(policy_parse(&p, "possible,definite>1024", &err), 0);
	struct vgt_site small = site(VGT_KIND_LEAK_DEFINITELY_LOST, 1024);
	struct vgt_site big = site(VGT_KIND_LEAK_DEFINITELY_LOST, 1025);
	struct vgt_site pos = site(VGT_KIND_LEAK_POSSIBLY_LOST, 8);
	struct vgt_site err_site = site(VGT_KIND_INVALID_WRITE, 0);
	ck_assert(!policy_site_fails(&p, &small));
	ck_assert(policy_site_fails(&p, &big));
	ck_assert(policy_site_fails(&p, &pos));
	ck_assert(!policy_site_fails(&p, &err_site));
	ck_assert_int_eq(p.fail_incomplete, 0);
	ck_assert_int_eq(policy_parse(&p, "definite,bogus", &err), -1);
	ck_assert(strstr(err.message, "bogus") != NULL);
	ck_assert_int_eq(policy_parse(&p, "none", &err), 0);
	ck_assert(!policy_site_fails(&p, &big));
}
END_TEST

START_TEST(test_new_only)
{
	struct policy p;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "definite,new", &err), 0);
	struct vgt_site s = site(VGT_KIND_LEAK_DEFINITELY_LOST, 100);
	s.baseline = "known";
	ck_assert(!policy_site_fails(&p, &s));
	s.baseline = "new";
	ck_assert(policy_site_fails(&p, &s));
}
END_TEST

START_TEST(test_evaluate_incomplete)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "x.xml", "xml");
	in->finished = 1;
	struct policy p;
	policy_default(&p);
	rank_finish(r, NULL);
	ck_assert_int_eq(policy_evaluate(&p, r), 0);
	in->complete = 0;
	ck_assert_int_eq(policy_evaluate(&p, r), 1);
	p.fail_incomplete = 0;
	ck_assert_int_eq(policy_evaluate(&p, r), 0);
	report_free(r);
}
END_TEST

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_parse_and_threshold);
	tcase_add_test(tc, test_new_only);
	tcase_add_test(tc, test_evaluate_incomplete);
	suite_add_tcase(s, tc);
	return s;
}
