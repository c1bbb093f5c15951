/*
 * vgtriage_pertest.c — the client side of per-test leak attribution (see
 * vgtriage_pertest.h): memcheck's client requests from valgrind's own
 * <valgrind/memcheck.h>, behind plain functions that ctypes can call.
 *
 * Markers are written with VALGRIND_PRINTF: valgrind puts them in its
 * output at the point where they happen (XML <clientmsg>, text "**PID**"
 * lines), between the records of the leak checks.  A name is one line:
 * control characters become '?', and it is cut at NAME_MAX_BYTES.
 */
#include "vgtriage_pertest.h"

#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>

#define NAME_MAX_BYTES 2048

static int enabled = -1;

int vgtriage_pertest_enabled(void)
{
	if (enabled < 0) {
		const char *v = getenv("VGTRIAGE_PER_TEST");
		enabled = RUNNING_ON_VALGRIND && v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
	}
	return enabled;
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
	VALGRIND_DO_CHANGED_LEAK_CHECK;
}

/* A summary leak check prints no loss records (none at all in XML), but
 * the next changed check counts from it: what leaked before the first test
 * (interpreter start-up, imports) is never written out. */
void vgtriage_pertest_start(const char *harness)
{
	vgtriage_pertest_mark("start", harness);
	if (vgtriage_pertest_enabled())
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
