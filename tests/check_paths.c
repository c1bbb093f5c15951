/* check_paths.c — the one path rule (paths.h). */
#include <check.h>
#include <string.h>

#include "model/paths.h"

Suite *paths_suite(void);

START_TEST(test_normalise)
{
	struct strpool *pool = strpool_new();
	ck_assert_str_eq(paths_normalise(pool, "./a/./b/../c"), "a/c");
	ck_assert_str_eq(paths_normalise(pool, "//x//y/"), "/x/y");
	ck_assert_str_eq(paths_normalise(pool, "/.."), "/");
	ck_assert_str_eq(paths_normalise(pool, "../../a"), "../../a");
	ck_assert_str_eq(paths_normalise(pool, "a/.."), ".");
	ck_assert_str_eq(paths_normalise(pool, "./tests/fixtures"), "tests/fixtures");
	strpool_free(pool);
}
END_TEST

START_TEST(test_display)
{
	struct vgt_report *r = report_new();
	const char *roots[] = {"src", "/opt/proj/lib"};
	paths_set_roots(r, roots, 2, "/home/u/proj");
	/* under a relative root, resolved against the current directory */
	ck_assert_str_eq(paths_display(r, "/home/u/proj/src", "a.c"), "a.c");
	/* under an absolute root */
	ck_assert_str_eq(paths_display(r, "/opt/proj/lib/x", "b.c"), "x/b.c");
	/* under the current directory only */
	ck_assert_str_eq(paths_display(r, "/home/u/proj/tests", "t.c"), "tests/t.c");
	/* outside every root: absolute */
	ck_assert_str_eq(paths_display(r, "/usr/include", "stdio.h"), "/usr/include/stdio.h");
	/* a prefix of a directory name is not the directory */
	ck_assert_str_eq(paths_display(r, "/home/u/project", "p.c"), "/home/u/project/p.c");
	/* relative stays relative, "./" dropped; a file with '/' is a path */
	ck_assert_str_eq(paths_display(r, "./tests/fixtures", "errors.c"), "tests/fixtures/errors.c");
	ck_assert_str_eq(paths_display(r, "/elsewhere", "api/native.pyx"), "api/native.pyx");
	ck_assert_str_eq(paths_display(r, NULL, "/home/u/proj/app.py"), "app.py");
	ck_assert_str_eq(paths_display(r, NULL, "<frozen importlib._bootstrap>"),
			 "<frozen importlib._bootstrap>");
	ck_assert_ptr_null(paths_display(r, "/x", NULL));
	report_free(r);
}
END_TEST

START_TEST(test_root_cwd)
{
	struct vgt_report *r = report_new();
	paths_set_roots(r, NULL, 0, "/");
	ck_assert_uint_eq(r->n_path_roots, 0); /* "/" would make every path relative */
	ck_assert_str_eq(paths_display(r, "/usr/src", "a.c"), "/usr/src/a.c");
	report_free(r);
}
END_TEST

Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("rule");
	tcase_add_test(tc, test_normalise);
	tcase_add_test(tc, test_display);
	tcase_add_test(tc, test_root_cwd);
	suite_add_tcase(s, tc);
	return s;
}
