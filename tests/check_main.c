/*
 * check_main.c — the one Check runner.  Each tests/check_<module>.c
 * exports `Suite *<module>_suite(void)`; the Makefile lists them in
 * suites.def.  Set CK_FORK=no under valgrind or ASan.
 */
#include <check.h>
#include <stdlib.h>

#define VGT_SUITE(name) Suite *name##_suite(void);
#include "suites.def"
#undef VGT_SUITE

int main(void)
{
	SRunner *runner = srunner_create(NULL);
#define VGT_SUITE(name) srunner_add_suite(runner, name##_suite());
#include "suites.def"
#undef VGT_SUITE
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
