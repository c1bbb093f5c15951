/*
 * policy.h — the exit status from --fail-on: which sites, summaries and
 * per-test verdicts fail.
 */
#ifndef VGTRIAGE_POLICY_H
#define VGTRIAGE_POLICY_H

#include <stdint.h>

#include "vgtriage/report.h"
#include "vgtriage/vgt.h"

struct policy {
	int fail_group[VGT_GROUP_COUNT];          /* definite, indirect, … errors */
	uint64_t threshold[VGT_GROUP_COUNT];      /* fail only above N bytes */
	int fail_incomplete;
	int only_new;                             /* "new": only baseline-new sites count */
};

/* Parses "definite,indirect,errors,incomplete,possible>1024,new".  The
 * empty string fails on nothing. */
int policy_parse(struct policy *policy, const char *spec, struct vgt_error *err);
void policy_default(struct policy *policy);
int policy_site_fails(const struct policy *policy, const struct vgt_site *site);
/* 1 if valgrind's summary counts leaks of a failing kind beyond what the
 * records show (no stacks, kinds not shown), else 0. */
int policy_summary_fails(const struct policy *policy, const struct vgt_report *report);
/* Does an amount of group g fail?  Errors: blocks counts occurrences. */
int policy_amount_fails(const struct policy *policy, enum vgt_kind_group g, uint64_t bytes,
			uint64_t blocks);
/* 1 if anything in the report fails the policy, else 0. */
int policy_evaluate(const struct policy *policy, const struct vgt_report *report);

/* Which tests fail the policy: fails[i] for report->tests[i] (n_tests
 * entries; fails may be NULL), counting what pertest_summarize blames
 * them for (and only baseline-new sites under "new"); thresholds apply to
 * each test's own bytes.  A test with allowed_bytes fails when the bytes
 * of the kinds the policy fails on exceed them (instead of the
 * thresholds), or on errors; a known test never fails: POLICY_TEST_KNOWN
 * when it would have.  Returns how many fail (POLICY_TEST_FAILS). */
#define POLICY_TEST_PASSES 0
#define POLICY_TEST_FAILS 1
#define POLICY_TEST_KNOWN 2
size_t policy_test_verdicts(const struct policy *policy, const struct vgt_report *report,
			    unsigned char *fails);

#endif
