/*
 * vgtriage_pertest.h — per-test leak attribution for any test harness
 * (libvgtriage-pertest.so, built from client/vgtriage_pertest.c).
 *
 * Under `vgtriage run --per-test`, a harness calls these between its
 * tests; vgtriage then says which test leaked what.  Outside valgrind, or
 * when VGTRIAGE_PER_TEST is not set in the environment, every call does
 * nothing.  The pytest plugin (vgtriage_pytest.py) calls the same functions
 * through ctypes; the messages they write are the marker protocol of
 * vgtriage(1), so a harness may also write them itself.
 *
 * For C harnesses and the pytest plugin; not part of libvgtriage.a.
 */
#ifndef VGTRIAGE_PERTEST_H
#define VGTRIAGE_PERTEST_H

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when running under valgrind with VGTRIAGE_PER_TEST set, or (run
 * --engine asan: VGTRIAGE_LSAN_DIR set too) with AddressSanitizer's
 * runtime in the process, whose LeakSanitizer then makes the checks;
 * else 0. */
int vgtriage_pertest_enabled(void);

/* The harness starts: "vgtriage:start HARNESS", then a summary leak check
 * (VALGRIND_DO_QUICK_LEAK_CHECK: no loss records written), from which the
 * first test's check counts: what leaked before is the session's. */
void vgtriage_pertest_start(const char *harness);

/* A test starts: "vgtriage:begin NAME".  Leaks that later checks find are
 * NAME's until the test ends.  NAME may be NULL when only the end knows it. */
void vgtriage_pertest_begin(const char *name);

/* A phase of the running test (setup, call, teardown) is over:
 * "vgtriage:phase PHASE", then a changed leak check. */
void vgtriage_pertest_phase(const char *phase);

/* The test ends: a changed leak check, then "vgtriage:end NAME". */
void vgtriage_pertest_end(const char *name);

/* The pieces: a marker line "vgtriage:VERB ARG", and memcheck's
 * VALGRIND_DO_CHANGED_LEAK_CHECK (the loss records that grew or shrank
 * since the previous check). */
void vgtriage_pertest_mark(const char *verb, const char *arg);
void vgtriage_pertest_added_check(void);

#ifdef __cplusplus
}
#endif

#endif
