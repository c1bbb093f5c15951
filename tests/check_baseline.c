/*
 * check_baseline.c — the adoption scenario on real runs: a baseline of
 * the known leaks (testdata/ci_base.xml), then a run of the program with
 * one more leak (ci_more.xml): exactly that site is new, and a gate with
 * "new" fails only on it.
 */
#include <check.h>
#include <unistd.h>

#include "analyze/baseline.h"

#include "ci_records.h"
#include "tmpdir.h"
#include "analyze/policy.h"
#include "cmd/pipeline.h"

Suite *baseline_suite(void);

static char *write_baseline_of(const struct vgt_report *r)
{
	char *path = strdup("/tmp/vgt-baseline-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct vgt_error err;
	ck_assert_msg(baseline_write_path(path, r, &err) == 0, "%s", err.message);
	return path;
}

START_TEST(test_scenario_one_new_site)
{
	struct vgt_report *base = ci_report("ci_base.xml");
	struct vgt_report *more = ci_report("ci_more.xml");
	char *path = write_baseline_of(base);
	struct vgt_error err;
	struct baseline *b = baseline_load(path, &err);
	ck_assert_msg(b != NULL, "%s", err.message);
	ck_assert_uint_eq(baseline_count(b), base->n_shown);
	ck_assert_uint_eq(baseline_apply(b, more), 1);
	/* the new site is the calloc in extra_leak, at the line the source has */
	unsigned line = ci_source_line("tests/fixtures/ci/leaks.c", "calloc(50");
	size_t n_new = 0;
	for (size_t i = 0; i < more->n_shown; i++) {
		const struct vgt_site *s = more->sites[i];
		if (strcmp(site_detail(s)->baseline, "new") == 0) {
			n_new++;
			ck_assert_str_eq(s->location.function, "extra_leak");
			ck_assert_uint_eq(s->location.line, line);
			ck_assert_uint_eq(s->bytes, 200); /* valgrind: 200 bytes in 1 blocks */
		} else {
			ck_assert_str_eq(site_detail(s)->baseline, "known");
		}
	}
	ck_assert_uint_eq(n_new, 1);
	/* the gate: without "new" four sites fail; with it only the new one */
	struct policy p;
	ck_assert_int_eq(policy_parse(&p, "definite,indirect,errors,incomplete", &err), 0);
	size_t failing = 0;
	for (size_t i = 0; i < more->n_shown; i++)
		failing += policy_site_fails(&p, more->sites[i]) != 0;
	ck_assert_uint_eq(failing, 4);
	ck_assert_int_eq(policy_parse(&p, "definite,indirect,errors,incomplete,new", &err), 0);
	failing = 0;
	for (size_t i = 0; i < more->n_shown; i++)
		if (policy_site_fails(&p, more->sites[i])) {
			failing++;
			ck_assert_str_eq(more->sites[i]->location.function, "extra_leak");
		}
	ck_assert_uint_eq(failing, 1);
	ck_assert_int_eq(policy_evaluate(&p, more), 1);
	/* and the baseline run itself passes the gate against its baseline */
	baseline_apply(b, base);
	ck_assert_int_eq(policy_evaluate(&p, base), 0);
	baseline_free(b);
	unlink(path);
	free(path);
	report_free(base);
	report_free(more);
}
END_TEST

START_TEST(test_file_is_sorted_and_commented)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	char *path = write_baseline_of(r);
	FILE *f = fopen(path, "r");
	char line[512], prev[17] = "";
	size_t entries = 0;
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert(line[0] == '#');
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		ck_assert_msg(strlen(line) > 18 && line[16] == ' ', "%s", line);
		ck_assert_msg(strncmp(prev, line, 16) < 0, "not sorted: %s after %s", line, prev);
		memcpy(prev, line, 16);
		entries++;
	}
	fclose(f);
	ck_assert_uint_eq(entries, r->n_shown);
	unlink(path);
	free(path);
	report_free(r);
}
END_TEST

START_TEST(test_malformed)
{
	char path[] = "/tmp/vgt-baseline-XXXXXX";
	tmpfile_put(path, "# header\n\n0123456789abcdef Leak_DefinitelyLost a.c:1\nnot-a-fingerprint x\n");
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_ptr_null(baseline_load(path, &err));
	ck_assert_int_eq(err.line, 4);
	ck_assert_str_eq(err.file, path);
	ck_assert(strstr(err.message, "not-a-fingerprint") != NULL);
	unlink(path);
	ck_assert_ptr_null(baseline_load("/nonexistent/baseline", &err));
	baseline_free(NULL);
}
END_TEST

/* A baseline written in one checkout knows the sites of the other, both
 * ways, though their fingerprints differ (statement on one side, callers
 * on the other). */
START_TEST(test_baseline_travels)
{
	struct vgt_report *one = ci_reloc_report("one.xml", 1);
	struct vgt_report *two = ci_reloc_report("two.xml", 0);
	/* the premise: the fingerprints alone do not match */
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++)
			ck_assert_str_ne(one->sites[i]->fingerprint, two->sites[j]->fingerprint);
	struct vgt_error err;
	char *path = write_baseline_of(one);
	struct baseline *b = baseline_load(path, &err);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(baseline_apply(b, two), 0);
	ck_assert_str_eq(site_detail(two->sites[0])->baseline, "known");
	baseline_free(b);
	unlink(path);
	free(path);
	path = write_baseline_of(two);
	b = baseline_load(path, &err);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(baseline_apply(b, one), 0);
	baseline_free(b);
	unlink(path);
	free(path);
	report_free(one);
	report_free(two);
}
END_TEST

/* Where both fingerprints had the statement, they decide alone: an edited
 * statement at the same place is new. */
START_TEST(test_where_needs_another_footing)
{
	struct vgt_report *one = ci_reloc_report("one.xml", 1);
	struct vgt_report *again = ci_reloc_report("one.xml", 1);
	char *path = write_baseline_of(one);
	struct vgt_error err;
	struct baseline *b = baseline_load(path, &err);
	ck_assert_ptr_nonnull(b);
	ck_assert(baseline_has_statement(again->sites[0]));
	ck_assert(baseline_knows_where(b, again->sites[0]) == 0);
	ck_assert_uint_eq(baseline_apply(b, again), 0); /* same fingerprints */
	again->sites[0]->fingerprint[0] = again->sites[0]->fingerprint[0] == '0' ? '1' : '0';
	ck_assert_uint_eq(baseline_apply(b, again), 1);
	baseline_free(b);
	unlink(path);
	free(path);
	report_free(one);
	report_free(again);
}
END_TEST

Suite *baseline_suite(void)
{
	Suite *s = suite_create("baseline");
	TCase *tc = tcase_create("baseline");
	tcase_add_test(tc, test_scenario_one_new_site);
	tcase_add_test(tc, test_file_is_sorted_and_commented);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_baseline_travels);
	tcase_add_test(tc, test_where_needs_another_footing);
	suite_add_tcase(s, tc);
	return s;
}
