/*
 * check_main.c — the one Check runner.  Each tests/check_<module>.c
 * exports `Suite *<module>_suite(void)`; the Makefile lists them in
 * suites.def.  Set CK_FORK=no under valgrind or ASan.
 *
 * Per-test leak attribution of the unit tests themselves:
 *     CK_FORK=no vgtriage run --per-test -- build/check_vgtriage
 * The Makefile links this runner with -Wl,--wrap=tcase_fn_start: Check
 * calls tcase_fn_start right before each test function (after the checked
 * fixtures' setup), and the wrapper below ends the test before it (an
 * added leak check, then "vgtriage:end") and begins this one
 * ("vgtriage:begin FILE::TEST"), through client/vgtriage_pertest.h.
 * Outside valgrind, or without VGTRIAGE_PER_TEST, it only calls Check.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "../client/vgtriage_pertest.h"

void __real_tcase_fn_start(const char *fname, const char *file, int line);
void __wrap_tcase_fn_start(const char *fname, const char *file, int line);

static char current_test[512];

void __wrap_tcase_fn_start(const char *fname, const char *file, int line)
{
	if (vgtriage_pertest_enabled()) {
		if (current_test[0] != '\0')
			vgtriage_pertest_end(current_test);
		snprintf(current_test, sizeof(current_test), "%s::%s", file, fname);
		vgtriage_pertest_begin(current_test);
	}
	__real_tcase_fn_start(fname, file, line);
}

#define VGT_SUITE(name) Suite *name##_suite(void);
#include "suites.def"
#undef VGT_SUITE

int main(void)
{
	/* Check's timeouts (4 s unless a suite sets its own) are there to end a
	 * hung test, not to time one: on a loaded CI machine a test that takes
	 * 0.1 s alone can take seconds.  Ten times longer, unless the caller
	 * says otherwise; read when the suites make their test cases. */
	setenv("CK_TIMEOUT_MULTIPLIER", "10", 0);
	SRunner *runner = srunner_create(NULL);
#define VGT_SUITE(name) srunner_add_suite(runner, name##_suite());
#include "suites.def"
#undef VGT_SUITE
	vgtriage_pertest_start("check");
	srunner_run_all(runner, CK_NORMAL);
	if (current_test[0] != '\0')
		vgtriage_pertest_end(current_test);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
