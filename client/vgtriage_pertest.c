/*
 * vgtriage_pertest.c — the client side of per-test leak attribution (see
 * vgtriage_pertest.h): memcheck's client requests from valgrind's own
 * <valgrind/memcheck.h>, behind plain functions that ctypes can call.
 *
 * Markers are written with VALGRIND_PRINTF: valgrind puts them in its
 * output at the point where they happen (XML <clientmsg>, text "**PID**"
 * lines), between the records of the leak checks.  A name is one line:
 * control characters become '?', and it is cut at NAME_MAX_BYTES.
 *
 * Under `vgtriage run --engine asan --per-test` (VGTRIAGE_LSAN_DIR set, the
 * program running with AddressSanitizer's runtime), the same functions ask
 * LeakSanitizer instead: the runtime's reports go to a file of ours,
 * DIR/asan.vgtriage-pertest.PID (__sanitizer_set_report_fd), where the
 * markers are written too, in order with the reports; a leak check is
 * __lsan_do_recoverable_leak_check(), announced by a "vgtriage:lsan-check"
 * line (after "start": "vgtriage:lsan-baseline"), since LSan writes every
 * leak it finds each time and vgtriage turns consecutive checks into
 * changes (lsan_reader.c).
 */
#include "vgtriage_pertest.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#define NAME_MAX_BYTES 2048

/* AddressSanitizer's interface, when the runtime is in the process. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

static int enabled = -1;
static int lsan;          /* 1: LeakSanitizer mode */
static int lsan_fd = -1;
static pid_t lsan_pid;

int vgtriage_pertest_enabled(void)
{
	if (enabled < 0) {
		const char *v = getenv("VGTRIAGE_PER_TEST");
		const char *dir = getenv("VGTRIAGE_LSAN_DIR");
		int on = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
		lsan = on && !RUNNING_ON_VALGRIND && dir != NULL && dir[0] != '\0' &&
		       __lsan_do_recoverable_leak_check != NULL && __sanitizer_set_report_fd != NULL;
		enabled = on && (RUNNING_ON_VALGRIND || lsan);
	}
	return enabled;
}

/* The report file of this process (a forked child opens its own). */
static int lsan_report_fd(void)
{
	if (lsan_fd >= 0 && lsan_pid == getpid())
		return lsan_fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s/asan.vgtriage-pertest.%ld", getenv("VGTRIAGE_LSAN_DIR"),
		 (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	lsan_fd = fd;
	lsan_pid = getpid();
	__sanitizer_set_report_fd((void *)(intptr_t)fd);
	return fd;
}

static void lsan_line(const char *text)
{
	int fd = lsan_report_fd();
	size_t n = strlen(text);
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, text, n);
		if (w <= 0)
			return;
		text += w;
		n -= (size_t)w;
	}
}

static void lsan_check(const char *kind)
{
	char line[64];
	snprintf(line, sizeof(line), "vgtriage:lsan-%s\n", kind);
	lsan_line(line);
	__lsan_do_recoverable_leak_check();
}

/* One line of text: control characters (a newline would end the marker)
 * become '?'. */
static void one_line(char *out, size_t size, const char *in)
{
	size_t n = 0;
	for (; in != NULL && in[n] != '\0' && n + 1 < size; n++)
		out[n] = (unsigned char)in[n] < 0x20 || in[n] == 0x7f ? '?' : in[n];
	out[n] = '\0';
}

void vgtriage_pertest_mark(const char *verb, const char *arg)
{
	if (!vgtriage_pertest_enabled())
		return;
	char v[64], a[NAME_MAX_BYTES];
	one_line(v, sizeof(v), verb);
	one_line(a, sizeof(a), arg);
	if (lsan) {
		char line[sizeof(v) + sizeof(a) + 16];
		snprintf(line, sizeof(line), a[0] != '\0' ? "vgtriage:%s %s\n" : "vgtriage:%s%s\n", v, a);
		lsan_line(line);
		return;
	}
	if (a[0] != '\0')
		VALGRIND_PRINTF("vgtriage:%s %s\n", v, a);
	else
		VALGRIND_PRINTF("vgtriage:%s\n", v);
}

/* A changed leak check: valgrind writes the loss records that grew and
 * those that shrank since its previous check, so that a block that only
 * moved between kinds (definitely to possibly lost, when an interior
 * pointer to it appeared) is seen as the move it is, not as a new leak.
 *
 * The address of a block the test just dropped may still sit in a
 * scratch register (memset leaves its destination in one), where the leak
 * check would find it and call the block reachable.  A call that uses
 * those registers for something else first makes that less likely; a
 * pointer still in a live variable is reachable all the same. */
static void *(*volatile scrub_memset)(void *, int, size_t) = memset;

void vgtriage_pertest_added_check(void)
{
	if (!vgtriage_pertest_enabled())
		return;
	unsigned char scratch[256];
	scrub_memset(scratch, 0, sizeof(scratch));
	if (lsan)
		lsan_check("check");
	else
		VALGRIND_DO_CHANGED_LEAK_CHECK;
}

/* A summary leak check prints no loss records (none at all in XML), but
 * the next changed check counts from it: what leaked before the first test
 * (interpreter start-up, imports) is never written out. */
void vgtriage_pertest_start(const char *harness)
{
	vgtriage_pertest_mark("start", harness);
	if (vgtriage_pertest_enabled() && lsan)
		lsan_check("baseline");
	else if (vgtriage_pertest_enabled())
		VALGRIND_DO_QUICK_LEAK_CHECK;
}

void vgtriage_pertest_begin(const char *name)
{
	vgtriage_pertest_mark("begin", name);
}

void vgtriage_pertest_phase(const char *phase)
{
	vgtriage_pertest_mark("phase", phase);
	vgtriage_pertest_added_check();
}

void vgtriage_pertest_end(const char *name)
{
	vgtriage_pertest_added_check();
	vgtriage_pertest_mark("end", name);
}
