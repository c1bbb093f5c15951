/* check_policy.c — --fail-on parsing and decisions. */
#include <check.h>
#include <stdlib.h>
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
	struct vgt_site_detail d;
	memset(&d, 0, sizeof(d));
	s.detail = &d;
	d.baseline = "known";
	ck_assert(!policy_site_fails(&p, &s));
	d.baseline = "new";
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

/* A report of n tests, test i blamed at one site of kind for bytes[i]
 * (tests of 0 bytes are blamed for nothing). */
static struct vgt_report *tests_report(enum vgt_kind kind, const uint64_t *bytes, size_t n)
{
	struct vgt_report *r = report_new();
	report_add_input(r, "x.xml", "xml")->finished = 1;
	r->tests = calloc(n, sizeof(*r->tests));
	r->n_tests = r->tests_cap = n;
	r->per_test = 1;
	struct vgt_site *s = report_new_site(r);
	s->kind = kind;
	s->category = FRAME_USER;
	struct vgt_site_detail *d = site_detail_mut(s);
	d->tests = calloc(n, sizeof(*d->tests));
	for (size_t i = 0; i < n; i++) {
		r->tests[i].name = "t";
		r->tests[i].top_site = SIZE_MAX;
		if (bytes[i] == 0)
			continue;
		d->tests[d->n_tests++] = (struct vgt_site_test){i, bytes[i], 1, 0, 0, 0};
		s->bytes += bytes[i];
		s->blocks++;
	}
	return r;
}

/* @pytest.mark.vgtriage: an allowed test fails past its limit (counting
 * the kinds the policy fails on, in place of the thresholds), a known
 * one never fails. */
START_TEST(test_marked_tests)
{
	const uint64_t bytes[] = {3000, 6000, 512, 64, 4096};
	struct vgt_report *r = tests_report(VGT_KIND_LEAK_DEFINITELY_LOST, bytes, 5);
	r->tests[0].allowed = r->tests[1].allowed = r->tests[4].allowed = 1;
	r->tests[0].allowed_bytes = r->tests[1].allowed_bytes = r->tests[4].allowed_bytes = 4096;
	r->tests[2].known = 1;
	r->tests[2].known_reason = "issue 42";
	struct policy p;
	struct vgt_error err;
	policy_default(&p);
	unsigned char v[5];
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 2);
	ck_assert_int_eq(v[0], POLICY_TEST_PASSES);
	ck_assert_int_eq(v[1], POLICY_TEST_FAILS);
	ck_assert_int_eq(v[2], POLICY_TEST_KNOWN);
	ck_assert_int_eq(v[3], POLICY_TEST_FAILS);
	ck_assert_int_eq(v[4], POLICY_TEST_PASSES); /* the limit itself: "<=" */
	ck_assert_int_eq(policy_evaluate(&p, r), 1);
	/* a threshold above the unmarked test's bytes: the allowed test over
	 * its own limit still fails */
	ck_assert_int_eq(policy_parse(&p, "definite>10000", &err), 0);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 1);
	ck_assert_int_eq(v[1], POLICY_TEST_FAILS);
	ck_assert_int_eq(v[2], POLICY_TEST_PASSES); /* would not fail: not "known" */
	/* kinds the policy does not fail on count against no limit */
	ck_assert_int_eq(policy_parse(&p, "possible", &err), 0);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 0);
	ck_assert_int_eq(policy_evaluate(&p, r), 0);
	/* only known tests leak: nothing fails */
	r->tests[1].known = r->tests[3].known = 1;
	r->tests[1].known_reason = r->tests[3].known_reason = "";
	policy_default(&p);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 0);
	ck_assert_int_eq(v[3], POLICY_TEST_KNOWN);
	ck_assert_int_eq(policy_evaluate(&p, r), 0);
	report_free(r);
}
END_TEST

/* A possibly lost leak counts against the limit once --fail-on names it;
 * errors fail an allowed test as any (the limit is of bytes). */
START_TEST(test_allowed_kinds)
{
	const uint64_t bytes[] = {3000};
	struct vgt_report *r = tests_report(VGT_KIND_LEAK_POSSIBLY_LOST, bytes, 1);
	r->tests[0].allowed = 1;
	r->tests[0].allowed_bytes = 2048;
	struct policy p;
	struct vgt_error err;
	policy_default(&p);
	unsigned char v[1];
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 0);
	ck_assert_int_eq(policy_parse(&p, "definite,possible", &err), 0);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 1);
	r->tests[0].allowed_bytes = 3000;
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 0);
	report_free(r);
	const uint64_t one[] = {1};
	r = tests_report(VGT_KIND_INVALID_READ, one, 1);
	r->tests[0].allowed = 1;
	r->tests[0].allowed_bytes = 1u << 20;
	policy_default(&p);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, v), 1);
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
	tcase_add_test(tc, test_marked_tests);
	tcase_add_test(tc, test_allowed_kinds);
	suite_add_tcase(s, tc);
	return s;
}
