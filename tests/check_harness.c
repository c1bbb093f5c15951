/* check_harness.c — where run --per-test finds its pytest plugin and
 * client library, and the environment it gives the program. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/harness.h"

Suite *harness_suite(void);

START_TEST(test_dirname)
{
	char out[64];
	harness_dirname("/usr/local/bin/vgtriage", out, sizeof(out));
	ck_assert_str_eq(out, "/usr/local/bin");
	harness_dirname("/vgtriage", out, sizeof(out));
	ck_assert_str_eq(out, "/");
	harness_dirname("vgtriage", out, sizeof(out));
	ck_assert_str_eq(out, ".");
	harness_dirname("build/vgtriage", out, sizeof(out));
	ck_assert_str_eq(out, "build");
}
END_TEST

START_TEST(test_prepend)
{
	char *s = harness_prepend("/p", NULL, ":");
	ck_assert_str_eq(s, "/p");
	free(s);
	s = harness_prepend("/p", "", ":");
	ck_assert_str_eq(s, "/p");
	free(s);
	s = harness_prepend("/p", "/a:/b", ":");
	ck_assert_str_eq(s, "/p:/a:/b");
	free(s);
	s = harness_prepend("-p vgtriage_pytest", "-x --tb=short", " ");
	ck_assert_str_eq(s, "-p vgtriage_pytest -x --tb=short");
	free(s);
}
END_TEST

/* From the build tree: this runner sits beside libvgtriage-pertest.so,
 * and client/ beside the build directory. */
START_TEST(test_find_in_build_tree)
{
	struct harness h;
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_msg(harness_find(NULL, &h, &err) == 0, "%s", err.message);
	size_t n = strlen(h.library), m = strlen("/libvgtriage-pertest.so");
	ck_assert(n > m && strcmp(h.library + n - m, "/libvgtriage-pertest.so") == 0);
	n = strlen(h.plugin_dir);
	ck_assert(n > 7 && strcmp(h.plugin_dir + n - 7, "/client") == 0);
}
END_TEST

static void restore(const char *name, char *saved)
{
	if (saved != NULL)
		setenv(name, saved, 1);
	else
		unsetenv(name);
	free(saved);
}

static char *saved_env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL ? xstrdup(v) : NULL;
}

START_TEST(test_setenv_keeps_the_users)
{
	static const char *const names[] = {"PYTHONPATH", "PYTEST_ADDOPTS", "VGTRIAGE_PER_TEST",
					    "VGTRIAGE_PERTEST_LIB"};
	char *saved[4];
	for (int i = 0; i < 4; i++)
		saved[i] = saved_env(names[i]);
	struct harness h;
	memset(&h, 0, sizeof(h));
	strcpy(h.plugin_dir, "/opt/share/vgtriage");
	strcpy(h.library, "/opt/lib/vgtriage/libvgtriage-pertest.so");
	setenv("PYTHONPATH", "/app/src", 1);
	unsetenv("PYTEST_ADDOPTS");
	harness_setenv(&h);
	ck_assert_str_eq(getenv("PYTHONPATH"), "/opt/share/vgtriage:/app/src");
	ck_assert_str_eq(getenv("PYTEST_ADDOPTS"), "-p vgtriage_pytest");
	ck_assert_str_eq(getenv("VGTRIAGE_PER_TEST"), "1");
	ck_assert_str_eq(getenv("VGTRIAGE_PERTEST_LIB"), h.library);
	h.per_phase = 1;
	setenv("PYTEST_ADDOPTS", "-x", 1);
	harness_setenv(&h);
	ck_assert_str_eq(getenv("PYTEST_ADDOPTS"), "-p vgtriage_pytest -x");
	ck_assert_str_eq(getenv("VGTRIAGE_PER_TEST"), "phase");
	for (int i = 0; i < 4; i++)
		restore(names[i], saved[i]);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("harness");
	TCase *tc = tcase_create("harness");
	tcase_add_test(tc, test_dirname);
	tcase_add_test(tc, test_prepend);
	tcase_add_test(tc, test_find_in_build_tree);
	tcase_add_test(tc, test_setenv_keeps_the_users);
	suite_add_tcase(s, tc);
	return s;
}
