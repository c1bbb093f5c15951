/*
 * check_pertest.c — per-test attribution: the marker protocol, test names
 * from Python frames, and the real runs of tests/fixtures/pertest (pytest
 * with the plugin, its text log, a crash, a kill, the C harness, CPython
 * 3.12 perf maps).  The figures expected are the fixture's own (cyleak.pyx
 * leaks 3 x 100 doubles, cleak.c 2 x 48 and 200 bytes, c_harness.c 2 x 32).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/pertest.h"
#include "cmd/pipeline.h"
#include "analyze/policy.h"

Suite *pertest_suite(void);

#define TESTDATA VGT_SRCDIR "/testdata/"

START_TEST(test_parse_marker)
{
	const char *arg;
	size_t len;
	const char *line = "vgtriage:begin tests/test_x.py::test_a[1 2]  ";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_BEGIN);
	ck_assert_int_eq((int)len, (int)strlen("tests/test_x.py::test_a[1 2]"));
	ck_assert(strncmp(arg, "tests/test_x.py::test_a[1 2]", len) == 0);
	line = "vgtriage:end";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_END);
	ck_assert_int_eq((int)len, 0);
	line = "vgtriage:phase teardown\r";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_PHASE);
	ck_assert(len == 8 && strncmp(arg, "teardown", 8) == 0);
	line = "vgtriage:start pytest";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_START);
	/* not markers */
	const char *others[] = {"vgtriage:", "vgtriage:beginning x", "vgtriage: begin x",
				"VGTRIAGE:begin x", "begin x", "vgtriage:endx", ""};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ck_assert_int_eq(pertest_parse_marker(others[i], strlen(others[i]), &arg, &len),
				 PERTEST_NONE);
	/* the length given wins over the NUL: a line inside a longer text */
	line = "vgtriage:end a\nvgtriage:begin b";
	ck_assert_int_eq(pertest_parse_marker(line, 14, &arg, &len), PERTEST_END);
	ck_assert(len == 1 && arg[0] == 'a');
	/* the markers' verbs (issue 23) */
	line = "vgtriage:allow 4096 ";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_ALLOW);
	ck_assert(len == 4 && strncmp(arg, "4096", 4) == 0);
	line = "vgtriage:known issue 42: a cache";
	ck_assert_int_eq(pertest_parse_marker(line, strlen(line), &arg, &len), PERTEST_KNOWN);
	ck_assert(len == 17 && strncmp(arg, "issue 42: a cache", 17) == 0);
	const char *near[] = {"vgtriage:allowed 1", "vgtriage:knownx", "vgtriage:Allow 1"};
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
		ck_assert_int_eq(pertest_parse_marker(near[i], strlen(near[i]), &arg, &len),
				 PERTEST_NONE);
}
END_TEST

/* allow and known mark the open test only; a count that is not digits,
 * or one outside a test, changes nothing; unknown verbs are ignored. */
START_TEST(test_allow_known)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "run.xml", "xml");
	struct pertest *pt = pertest_new(r);
	pertest_clientmsg(pt, in, "vgtriage:allow 99\nvgtriage:known before\n");
	ck_assert_uint_eq(r->n_tests, 0);
	pertest_clientmsg(pt, in, "vgtriage:begin t.py::a\nvgtriage:allow 4096\n"
			  "vgtriage:frobnicate 1\nvgtriage:end t.py::a\n");
	pertest_clientmsg(pt, in, "vgtriage:begin t.py::b\nvgtriage:known issue 42\n"
			  "vgtriage:end t.py::b\n");
	pertest_clientmsg(pt, in, "vgtriage:begin t.py::c\nvgtriage:allow 4KB\n"
			  "vgtriage:allow 99999999999999999999\nvgtriage:known\nvgtriage:end t.py::c\n");
	pertest_clientmsg(pt, in, "vgtriage:allow 1\n"); /* after the end: no test open */
	ck_assert_uint_eq(r->n_tests, 3);
	ck_assert(r->tests[0].allowed && r->tests[0].allowed_bytes == 4096 && !r->tests[0].known);
	ck_assert(!r->tests[0].unfinished);
	ck_assert(!r->tests[1].allowed && r->tests[1].known);
	ck_assert_str_eq(r->tests[1].known_reason, "issue 42");
	ck_assert(!r->tests[2].allowed);
	ck_assert(r->tests[2].known);
	ck_assert_str_eq(r->tests[2].known_reason, "");
	ck_assert_uint_eq(r->n_notes, 1); /* the ignored counts */
	pertest_free(pt);
	report_free(r);
}
END_TEST

START_TEST(test_python_test_names)
{
	char out[256];
	ck_assert(pertest_python_test("py::test_a:/src/tests/test_mod.py", NULL, out, sizeof(out)));
	ck_assert_str_eq(out, "/src/tests/test_mod.py::test_a");
	ck_assert(pertest_python_test("py::test_a:/src/tests/test_mod.py", "/src", out, sizeof(out)));
	ck_assert_str_eq(out, "tests/test_mod.py::test_a");
	ck_assert(pertest_python_test("py::TestK.test_b:/src/k_test.py", "/src", out, sizeof(out)));
	ck_assert_str_eq(out, "k_test.py::TestK::test_b");
	/* "/srcx" is not under "/src" */
	ck_assert(pertest_python_test("py::test_a:/srcx/test_m.py", "/src", out, sizeof(out)));
	ck_assert_str_eq(out, "/srcx/test_m.py::test_a");
	/* not tests: the function, the file, a nested function, no file */
	ck_assert(!pertest_python_test("py::helper:/src/test_mod.py", NULL, out, sizeof(out)));
	ck_assert(!pertest_python_test("py::test_a:/src/mod.py", NULL, out, sizeof(out)));
	ck_assert(!pertest_python_test("py::test_a:/src/test_mod.pyc", NULL, out, sizeof(out)));
	ck_assert(!pertest_python_test("py::test_a.<locals>.inner:/src/test_m.py", NULL, out,
				       sizeof(out)));
	ck_assert(!pertest_python_test("py::test_a", NULL, out, sizeof(out)));
	ck_assert(!pertest_python_test("native_fn", NULL, out, sizeof(out)));
	ck_assert(!pertest_python_test(NULL, NULL, out, sizeof(out)));
	/* too long for out: no name rather than a cut one */
	ck_assert(!pertest_python_test("py::test_a:/src/test_mod.py", NULL, out, 10));
}
END_TEST

static struct vgt_report *read_report(const char *path, const char *perf_map, int show_all)
{
	struct pipeline_options opts;
	memset(&opts, 0, sizeof(opts));
	static const char *roots[] = {VGT_SRCDIR "/tests/fixtures/pertest", VGT_SRCDIR "/testdata/pertest"};
	const char *maps[] = {perf_map};
	opts.symbolize.source_roots = roots;
	opts.symbolize.n_source_roots = 2;
	opts.symbolize.perf_maps = maps;
	opts.symbolize.n_perf_maps = perf_map != NULL;
	opts.rank.show_all = show_all;
	struct pipeline *pl = pipeline_new(&opts);
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_int_ge(pipeline_read_path(pl, path, &err), 0);
	pipeline_finish(pl);
	struct vgt_report *r = pipeline_take(pl);
	pipeline_free(pl);
	return r;
}

static const struct vgt_test *test_ending(const struct vgt_report *r, const char *suffix)
{
	for (size_t i = 0; i < r->n_tests; i++) {
		size_t n = strlen(r->tests[i].name), m = strlen(suffix);
		if (n >= m && strcmp(r->tests[i].name + n - m, suffix) == 0)
			return &r->tests[i];
	}
	return NULL;
}

static size_t index_of(const struct vgt_report *r, const struct vgt_test *t)
{
	return (size_t)(t - r->tests);
}

/* The test's share of the site it is blamed at: the whole site, valgrind's
 * figures of the final check. */
static void assert_whole_site(const struct vgt_report *r, const struct vgt_test *t,
			      uint64_t bytes, uint64_t blocks, const char *file)
{
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->lost[VGT_GROUP_DEFINITE].bytes, bytes);
	ck_assert_uint_eq(t->lost[VGT_GROUP_DEFINITE].blocks, blocks);
	ck_assert_uint_eq(t->n_sites, 1);
	const struct vgt_site *s = r->sites[t->top_site];
	ck_assert_str_eq(s->location.file, file);
	ck_assert_uint_eq(s->bytes, bytes);
	ck_assert_uint_eq(s->blocks, blocks);
	ck_assert_uint_eq(site_detail(s)->n_tests, 1);
	ck_assert_uint_eq(site_detail(s)->tests[0].test, index_of(r, t));
}

static void assert_pytest_suite(const struct vgt_report *r)
{
	ck_assert(r->per_test);
	assert_whole_site(r, test_ending(r, "::test_leak_cython"), 2400, 3, "cyleak.pyx");
	assert_whole_site(r, test_ending(r, "::test_leak_c"), 96, 2, "cleak.c");
	assert_whole_site(r, test_ending(r, "::test_fixture_teardown"), 200, 1, "cleak.c");
	ck_assert_uint_eq(test_ending(r, "::test_leak_cython")->phases, VGT_PHASE_CALL);
	ck_assert_uint_eq(test_ending(r, "::test_fixture_teardown")->phases, VGT_PHASE_TEARDOWN);
	/* the first import's Cython-runtime and interpreter allocations are
	 * not blamed; the others allocate nothing that stays */
	const char *clean[] = {"::test_first_import", "::test_alloc_and_free", "::test_pure_python"};
	for (size_t i = 0; i < 3; i++) {
		const struct vgt_test *t = test_ending(r, clean[i]);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(t->n_sites, 0);
		ck_assert(!t->unfinished);
	}
	/* default policy: exactly the three leaking tests fail */
	struct policy p;
	policy_default(&p);
	unsigned char *fails = calloc(r->n_tests, 1);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, fails), 3);
	ck_assert(fails[index_of(r, test_ending(r, "::test_leak_c"))]);
	ck_assert(!fails[index_of(r, test_ending(r, "::test_first_import"))]);
	/* thresholds apply per test: 96 bytes pass "definite>100" */
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "definite>100", &err), 0);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, fails), 2);
	ck_assert(!fails[index_of(r, test_ending(r, "::test_leak_c"))]);
	free(fails);
}

/* A begin marker without a name (found by fuzz_xml_reader: renderers
 * were handed a NULL test name): named from the start, renamed by an end
 * marker that has one. */
START_TEST(test_begin_without_name)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "run.xml", "xml");
	struct pertest *pt = pertest_new(r);
	pertest_clientmsg(pt, in, "vgtriage:begin\n");
	ck_assert_uint_eq(r->n_tests, 1);
	ck_assert_str_eq(r->tests[0].name, "(unnamed test 1 of run.xml)");
	pertest_clientmsg(pt, in, "vgtriage:end t.c::test_a\n");
	ck_assert_str_eq(r->tests[0].name, "t.c::test_a");
	pertest_clientmsg(pt, in, "vgtriage:begin \n");
	ck_assert_str_eq(r->tests[1].name, "(unnamed test 2 of run.xml)");
	pertest_clientmsg(pt, in, "vgtriage:end\n");
	ck_assert_str_eq(r->tests[1].name, "(unnamed test 2 of run.xml)");
	pertest_free(pt);
	report_free(r);
}
END_TEST

/* The real run of tests/fixtures/markers: the markers reach the tests,
 * and the verdicts follow them. */
START_TEST(test_markers_xml)
{
	struct vgt_report *r = read_report(TESTDATA "markers.xml", NULL, 0);
	const struct vgt_test *within = test_ending(r, "::test_within_limit"),
			      *over = test_ending(r, "::test_over_limit"),
			      *known = test_ending(r, "::test_known"),
			      *unmarked = test_ending(r, "::test_unmarked");
	ck_assert(within != NULL && over != NULL && known != NULL && unmarked != NULL);
	ck_assert_uint_eq(within->lost[VGT_GROUP_DEFINITE].bytes, 3000);
	ck_assert_uint_eq(over->lost[VGT_GROUP_DEFINITE].bytes, 6000);
	ck_assert(within->allowed && within->allowed_bytes == 4096);
	ck_assert(over->allowed && over->allowed_bytes == 4096);
	ck_assert(known->known && strstr(known->known_reason, "issue 42") != NULL);
	ck_assert(!unmarked->allowed && !unmarked->known);
	struct policy p;
	policy_default(&p);
	unsigned char *fails = calloc(r->n_tests, 1);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, fails), 2);
	ck_assert_int_eq(fails[index_of(r, within)], POLICY_TEST_PASSES);
	ck_assert_int_eq(fails[index_of(r, over)], POLICY_TEST_FAILS);
	ck_assert_int_eq(fails[index_of(r, known)], POLICY_TEST_KNOWN);
	ck_assert_int_eq(fails[index_of(r, unmarked)], POLICY_TEST_FAILS);
	ck_assert_int_eq(policy_evaluate(&p, r), 1);
	free(fails);
	report_free(r);
}
END_TEST

START_TEST(test_pytest_xml)
{
	struct vgt_report *r = read_report(TESTDATA "pertest.xml", NULL, 0);
	assert_pytest_suite(r);
	/* under --all the first import's noise is that test's too */
	report_free(r);
	r = read_report(TESTDATA "pertest.xml", NULL, 1);
	ck_assert_uint_gt(test_ending(r, "::test_first_import")->n_sites, 0);
	report_free(r);
}
END_TEST

START_TEST(test_pytest_text_log)
{
	struct vgt_report *r = read_report(TESTDATA "pertest_text.log", NULL, 0);
	assert_pytest_suite(r);
	report_free(r);
}
END_TEST

/* No site's tests take more than the site has; together they take it all. */
static void assert_shares_add_up(const struct vgt_report *r)
{
	for (size_t i = 0; i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		uint64_t bytes = 0, blocks = 0;
		for (size_t k = 0; k < site_detail(s)->n_tests; k++) {
			bytes += site_detail(s)->tests[k].bytes;
			blocks += site_detail(s)->tests[k].blocks;
		}
		ck_assert_uint_eq(bytes, kind_is_leak(s->kind) ? s->bytes : 0);
		ck_assert_uint_eq(blocks, kind_is_leak(s->kind) ? s->blocks : s->records);
	}
}

START_TEST(test_shares_add_up)
{
	const char *inputs[] = {"pertest.xml", "pertest_text.log", "pertest_crash.xml",
				"pertest_interrupt.xml", "pertest_kill.xml", "pertest_c.xml",
				"pertest_c.log"};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s%s", TESTDATA, inputs[i]);
		struct vgt_report *r = read_report(path, NULL, 1);
		assert_shares_add_up(r);
		report_free(r);
	}
}
END_TEST

/* Stopped during test_alloc_and_free: the tests before it keep theirs. */
static void assert_stopped(const char *input, int killed)
{
	struct vgt_report *r = read_report(input, NULL, 0);
	assert_whole_site(r, test_ending(r, "::test_leak_cython"), 2400, 3, "cyleak.pyx");
	assert_whole_site(r, test_ending(r, "::test_leak_c"), 96, 2, "cleak.c");
	assert_whole_site(r, test_ending(r, "::test_fixture_teardown"), 200, 1, "cleak.c");
	const struct vgt_test *stopped = test_ending(r, "::test_alloc_and_free");
	ck_assert_ptr_nonnull(stopped);
	ck_assert(stopped->unfinished);
	ck_assert_ptr_null(test_ending(r, "::test_pure_python"));
	int noted = 0;
	for (size_t i = 0; i < r->n_notes; i++)
		noted |= strstr(r->notes[i], "final leak check never came") != NULL;
	ck_assert_int_eq(noted, killed);
	/* valgrind finishes its output after a crash or Ctrl-C, not after a kill */
	ck_assert_int_eq(report_is_complete(r), !killed);
	report_free(r);
}

START_TEST(test_crash)
{
	assert_stopped(TESTDATA "pertest_crash.xml", 0);
	struct vgt_report *r = read_report(TESTDATA "pertest_crash.xml", NULL, 0);
	ck_assert_str_eq(r->inputs[0]->fatal_signal, "SIGSEGV");
	/* the invalid read that crashed it is the unfinished test's */
	const struct vgt_test *t = test_ending(r, "::test_alloc_and_free");
	ck_assert_uint_eq(t->lost[VGT_GROUP_ERROR].blocks, 1);
	report_free(r);
}
END_TEST

START_TEST(test_interrupt)
{
	assert_stopped(TESTDATA "pertest_interrupt.xml", 0);
}
END_TEST

START_TEST(test_kill)
{
	assert_stopped(TESTDATA "pertest_kill.xml", 1);
}
END_TEST

START_TEST(test_c_harness)
{
	struct vgt_report *r = read_report(TESTDATA "pertest_c.xml", NULL, 0);
	ck_assert_uint_eq(r->n_tests, 7); /* six and the session */
	assert_whole_site(r, test_ending(r, "::test_leak_twice"), 64, 2, "c_harness.c");
	/* lost only after the test: valgrind's final check is the first to
	 * see it, so it is the session's */
	const struct vgt_test *session = test_ending(r, PERTEST_SESSION);
	ck_assert(session->session);
	ck_assert_uint_eq(session->lost[VGT_GROUP_DEFINITE].bytes, 48);
	ck_assert_uint_eq(test_ending(r, "::test_kept_till_exit")->n_sites, 0);
	/* possibly lost during the test, freed before exit: nothing */
	const struct vgt_test *freed = test_ending(r, "::test_possible_freed");
	ck_assert_uint_eq(freed->n_sites, 0);
	ck_assert_uint_eq(freed->lost[VGT_GROUP_POSSIBLE].bytes, 0);
	/* an error goes to the test it happened in */
	ck_assert_uint_eq(test_ending(r, "::test_invalid_read")->lost[VGT_GROUP_ERROR].blocks, 1);
	/* begun without a name, named by its end */
	ck_assert_ptr_nonnull(test_ending(r, "::test_unnamed_begin"));
	ck_assert(!test_ending(r, "::test_unnamed_begin")->unfinished);
	report_free(r);
}
END_TEST

/* A 1 MiB block moves between definitely and possibly lost across four
 * tests' checks (tests/fixtures/pertest_flip): only the test that left it
 * behind is blamed; the block a later test's check was the first to find
 * lost (the harness dropped it between tests) is the session's. */
static void assert_flip(const char *input)
{
	struct vgt_report *r = read_report(input, NULL, 0);
	const struct vgt_test *big = test_ending(r, "::test_leak_big");
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(big->lost[VGT_GROUP_DEFINITE].bytes, 1048576);
	ck_assert_uint_eq(big->lost[VGT_GROUP_DEFINITE].blocks, 1);
	ck_assert_uint_eq(big->n_sites, 1);
	ck_assert_uint_eq(test_ending(r, "::test_leak_small")->lost[VGT_GROUP_DEFINITE].bytes, 48);
	const char *innocent[] = {"::test_drop_inner", "::test_inner_again", "::test_drop_again",
				  "::test_stash", "::test_after_stash", "::test_alloc_and_free",
				  "::test_keep", "::test_clean"};
	for (size_t i = 0; i < sizeof(innocent) / sizeof(innocent[0]); i++) {
		const struct vgt_test *t = test_ending(r, innocent[i]);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(t->n_sites, 0);
		ck_assert_uint_eq(t->lost[VGT_GROUP_POSSIBLE].bytes, 0);
	}
	const struct vgt_test *session = test_ending(r, PERTEST_SESSION);
	ck_assert_ptr_nonnull(session);
	ck_assert_uint_eq(session->lost[VGT_GROUP_DEFINITE].bytes, 40);
	struct policy p;
	policy_default(&p);
	unsigned char *fails = calloc(r->n_tests, 1);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, fails), 3); /* two tests, the session */
	ck_assert(fails[index_of(r, big)]);
	ck_assert(!fails[index_of(r, test_ending(r, "::test_drop_inner"))]);
	free(fails);
	assert_shares_add_up(r);
	report_free(r);
}

START_TEST(test_flip)
{
	assert_flip(TESTDATA "pertest_flip.xml");
	assert_flip(TESTDATA "pertest_flip_all.log");
}
END_TEST

static size_t notes_with(const struct vgt_report *r, const char *text)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_notes; i++)
		n += strstr(r->notes[i], text) != NULL;
	return n;
}

/* The same run with valgrind's default kinds: the stash block cannot be
 * told from a new leak of test_after_stash, and one note says so. */
START_TEST(test_flip_default_kinds)
{
	struct vgt_report *r = read_report(TESTDATA "pertest_flip_default.log", NULL, 0);
	ck_assert_uint_eq(test_ending(r, "::test_after_stash")->lost[VGT_GROUP_DEFINITE].bytes, 40);
	ck_assert_uint_eq(notes_with(r, "did not show still reachable blocks"), 1);
	report_free(r);
	r = read_report(TESTDATA "pertest_flip.xml", NULL, 0);
	ck_assert_uint_eq(notes_with(r, "did not show still reachable blocks"), 0);
	/* still reachable blocks run --per-test asked for: hidden, and never
	 * a test's */
	size_t reachable = 0;
	for (size_t i = 0; i < r->n_sites; i++)
		if (kind_group(r->sites[i]->kind) == VGT_GROUP_REACHABLE) {
			reachable++;
			ck_assert(r->sites[i]->hidden);
			ck_assert_uint_eq(site_detail(r->sites[i])->n_tests, 1);
			ck_assert(r->tests[site_detail(r->sites[i])->tests[0].test].session);
		}
	ck_assert_uint_eq(reachable, 1);
	report_free(r);
}
END_TEST

/* Buffers of one line kept possibly lost by stale interior pointers
 * (stale_harness.c), one found definitely lost at a check: each test that
 * left one behind counts it as definite (the site keeps valgrind's kind),
 * and fails the default gate; a live block of another line held through
 * an interior pointer stays possibly lost. */
START_TEST(test_stale_kind)
{
	struct vgt_report *r = read_report(TESTDATA "pertest_stale.xml", NULL, 0);
	static const char *const leaking[] = {"::test_keep_inner", "::test_leak_b1",
					      "::test_leak_b2"};
	for (size_t i = 0; i < 3; i++) {
		const struct vgt_test *t = test_ending(r, leaking[i]);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(t->lost[VGT_GROUP_DEFINITE].bytes, 65536);
		ck_assert_uint_eq(t->lost[VGT_GROUP_POSSIBLE].bytes, 0);
	}
	const struct vgt_test *live = test_ending(r, "::test_live_inner");
	ck_assert_uint_eq(live->lost[VGT_GROUP_DEFINITE].bytes, 0);
	ck_assert_uint_eq(live->lost[VGT_GROUP_POSSIBLE].bytes, 64);
	struct policy p;
	policy_default(&p);
	unsigned char *fails = calloc(r->n_tests, 1);
	ck_assert_uint_eq(policy_test_verdicts(&p, r, fails), 3);
	ck_assert(!fails[index_of(r, live)]);
	free(fails);
	ck_assert_uint_eq(notes_with(r, "count as definitely lost for 2 tests"), 1);
	assert_shares_add_up(r);
	report_free(r);
}
END_TEST

/* Tests are found by name in a table: a name begun again is the same
 * test, a name an end marker gave later is found too. */
START_TEST(test_names_hashed)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "run.xml", "xml");
	struct pertest *pt = pertest_new(r);
	char msg[64];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(msg, sizeof(msg), "vgtriage:begin t.c::test_%d\n", i);
			pertest_clientmsg(pt, in, msg);
			pertest_clientmsg(pt, in, "vgtriage:end\n");
		}
	}
	ck_assert_uint_eq(r->n_tests, 5000);
	ck_assert_str_eq(r->tests[4999].name, "t.c::test_4999");
	pertest_clientmsg(pt, in, "vgtriage:begin\n");
	pertest_clientmsg(pt, in, "vgtriage:end t.c::late_name\n");
	ck_assert_uint_eq(r->n_tests, 5001);
	pertest_clientmsg(pt, in, "vgtriage:begin t.c::late_name\n");
	ck_assert_uint_eq(r->n_tests, 5001);
	pertest_free(pt);
	report_free(r);
}
END_TEST

/* -j: many tests of one site merged by test, each once, sums saturating. */
START_TEST(test_merge_site_many)
{
	struct vgt_site dst, src;
	struct vgt_site_detail from;
	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	memset(&from, 0, sizeof(from));
	src.detail = &from;
	size_t n = 20000;
	from.tests = calloc(n, sizeof(*from.tests));
	from.n_tests = n;
	for (size_t i = 0; i < n; i++) {
		from.tests[i].test = n - 1 - i;
		from.tests[i].bytes = i == 0 ? VGT_COUNT_MAX : 1;
		from.tests[i].blocks = 1;
	}
	pertest_merge_site(&dst, &src, NULL);
	pertest_merge_site(&dst, &src, NULL);
	const struct vgt_site_detail *to = site_detail(&dst);
	ck_assert_uint_eq(to->n_tests, n);
	ck_assert_uint_eq(to->tests[0].test, n - 1);
	ck_assert_uint_eq(to->tests[0].bytes, VGT_COUNT_MAX); /* saturated, not wrapped */
	ck_assert_uint_eq(to->tests[1].bytes, 2);
	ck_assert_uint_eq(to->tests[1].blocks, 2);
	free(from.tests);
	free(dst.detail->tests);
	free(dst.detail);
}
END_TEST

/* The perf map make.sh kept beside pertest312.xml, or NULL. */
static char *perf_map_312(void)
{
	DIR *d = opendir(TESTDATA "pertest");
	char *found = NULL;
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "perf-", 5) == 0 && found == NULL)
			found = xasprintf("%spertest/%s", TESTDATA, de->d_name);
	if (d != NULL)
		closedir(d);
	return found;
}

START_TEST(test_stacks_name_tests)
{
	char *map = perf_map_312();
	if (map == NULL) {
		fprintf(stderr, "check_pertest: SKIP stacks: no CPython 3.12 perf map in testdata\n");
		return;
	}
	struct vgt_report *r = read_report(TESTDATA "pertest312.xml", map, 0);
	free(map);
	ck_assert(!r->per_test);
	const struct vgt_test *t = test_ending(r, "test_pertest.py::test_leak_cython");
	ck_assert_ptr_nonnull(t);
	ck_assert(t->from_stack);
	assert_whole_site(r, t, 2400, 3, "cyleak.pyx");
	assert_whole_site(r, test_ending(r, "test_pertest.py::test_leak_c"), 96, 2, "cleak.c");
	/* a fixture's teardown runs in no test function's frame */
	ck_assert_ptr_null(test_ending(r, "::test_fixture_teardown"));
	ck_assert_uint_eq(test_ending(r, PERTEST_SESSION)->lost[VGT_GROUP_DEFINITE].bytes, 200);
	report_free(r);
}
END_TEST

Suite *pertest_suite(void)
{
	Suite *s = suite_create("pertest");
	TCase *tc = tcase_create("protocol");
	tcase_add_test(tc, test_parse_marker);
	tcase_add_test(tc, test_python_test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_add_test(tc, test_begin_without_name);
	tcase_add_test(tc, test_allow_known);
	tcase_add_test(tc, test_markers_xml);
	tcase_add_test(tc, test_names_hashed);
	tcase_add_test(tc, test_merge_site_many);
	tcase_add_test(tc, test_pytest_xml);
	tcase_add_test(tc, test_pytest_text_log);
	tcase_add_test(tc, test_shares_add_up);
	tcase_add_test(tc, test_crash);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_c_harness);
	tcase_add_test(tc, test_flip);
	tcase_add_test(tc, test_flip_default_kinds);
	tcase_add_test(tc, test_stale_kind);
	tcase_add_test(tc, test_stacks_name_tests);
	suite_add_tcase(s, tc);
	return s;
}
