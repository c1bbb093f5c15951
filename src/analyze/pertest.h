/*
 * pertest.h — which test leaked: per-test attribution of a run's leaks and
 * errors (the results go into report.h: report->tests, a site's detail->tests).
 *
 * Two sources, one per input (process):
 *   markers  A test harness (the pytest plugin, client/vgtriage_pertest.h)
 *            writes with VALGRIND_PRINTF "vgtriage:start H", "vgtriage:begin
 *            NAME", "vgtriage:phase P", "vgtriage:end NAME" (and, for
 *            the open test, "vgtriage:allow BYTES" and "vgtriage:known
 *            REASON": its pytest marker; other verbs are ignored), and asks for a
 *            changed leak check (VALGRIND_DO_CHANGED_LEAK_CHECK) after each
 *            phase.  The records of those checks carry valgrind's "(+N)" or
 *            "(-N)" change: they are not added to the sites (valgrind's
 *            final leak check at exit gives the sites' figures); their net
 *            change per allocation stack, across the lost kinds, over a
 *            test is what the test left behind (pertest.c says how blocks
 *            are followed).  Errors go to the test open
 *            when valgrind first reported them.  What of a site no test took
 *            is the "(session)" pseudo-test's.  A run killed before its
 *            final check keeps, as its sites, what the checks of its tests
 *            found.
 *   stacks   Without markers, a record whose stack has a Python frame of a
 *            test function (pytest's default discovery: a function named
 *            test* in test_*.py or *_test.py, from CPython >= 3.12 perf
 *            maps) is that test's, with the record's own figures.
 *
 * Used by pipeline.c (feeding and finishing), policy.c and the renderers
 * (policy_test_verdicts in policy.h).
 */
#ifndef VGTRIAGE_PERTEST_H
#define VGTRIAGE_PERTEST_H

#include <stddef.h>

#include "analyze/pertest_verdict.h"
#include "analyze/sites.h"
#include "vgtriage/report.h"

#define PERTEST_SESSION "(session)"

struct pertest;
struct pertest *pertest_new(struct vgt_report *report);
void pertest_free(struct pertest *pt); /* NULL is a no-op */

/* A client message (one or more lines); lines that are no marker are
 * ignored. */
void pertest_clientmsg(struct pertest *pt, struct vgt_input *input, const char *text);

/* A classified record, before rank: returns 1 when it is a record of an
 * added or changed leak check of a marked run (pertest took it: the caller must not
 * rank it), else 0. */
int pertest_take_record(struct pertest *pt, struct vgt_input *input,
			const struct vgt_record *rec);

/* A record the caller ranked: an error goes to the open test, a record
 * whose stack names a test function to that test. */
void pertest_ranked(struct pertest *pt, struct vgt_input *input, const struct vgt_record *rec);

/* Whether the input is a marked per-test run (a vgtriage: marker came). */
int pertest_marked(struct pertest *pt, const struct vgt_input *input);

/* A new leak search of the input began (sites_take_back): the figures its
 * leak records gave tests named by their stacks are taken back. */
void pertest_take_back(struct pertest *pt, const struct vgt_input *input);

/* After the last input, before rank_finish: gives what was taken to the
 * sites of the final leak checks (their detail->tests). */
void pertest_resolve(struct pertest *pt);

/* rank_merge: src's tests join dst's (by name); the map from src's test
 * indexes to dst's, to pass to pertest_merge_site (free() it). */
size_t *pertest_merge_tests(struct vgt_report *dst, const struct vgt_report *src);
/* src's shares of its tests added to dst's site (the same site in dst). */
void pertest_merge_site(struct vgt_site *dst, const struct vgt_site *src, const size_t *map);

/* pertest_summarize, pertest_blames, pertest_add_share: pertest_verdict.h */

/* ---- building blocks, exported for the unit tests ---- */

enum pertest_verb {
	PERTEST_NONE = 0,
	PERTEST_START,
	PERTEST_BEGIN,
	PERTEST_PHASE,
	PERTEST_END,
	PERTEST_ALLOW, /* "vgtriage:allow BYTES": the open test may leak BYTES */
	PERTEST_KNOWN  /* "vgtriage:known REASON": the open test's leak is known */
};
/* One line: "vgtriage:begin NAME" gives PERTEST_BEGIN and NAME (trimmed,
 * not NUL-terminated: *arg_len bytes; empty when absent). */
enum pertest_verb pertest_parse_marker(const char *line, size_t len, const char **arg,
				       size_t *arg_len);
/* The test a perf-map frame name "py::QUALNAME:FILE" names: 1 and
 * "FILE::CLASS::FUNC" in out (FILE relative to cwd when under it, cwd may
 * be NULL) when FUNC starts with "test" and FILE's name is test_*.py or
 * *_test.py, else 0. */
int pertest_python_test(const char *pyname, const char *cwd, char *out, size_t size);

#endif
