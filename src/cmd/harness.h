/*
 * harness.h — what `vgtriage run --per-test` gives the program it runs:
 * where the pytest plugin (vgtriage_pytest.py) and the client library
 * (libvgtriage-pertest.so) are, and the environment that turns them on.
 *
 * Installed: PREFIX/share/vgtriage/vgtriage_pytest.py and
 * PREFIX/lib/vgtriage/libvgtriage-pertest.so, found from the directory of
 * the running vgtriage (PREFIX/bin).  In the source tree: client/ beside
 * the build directory that holds both the binary and the library.
 *
 * Used by runner.c (and main.c, which passes its argv[0]).
 */
#ifndef VGTRIAGE_HARNESS_H
#define VGTRIAGE_HARNESS_H

#include <stddef.h>

#include "vgtriage/vgt.h"

struct harness {
	char plugin_dir[4096];   /* holds vgtriage_pytest.py */
	char library[4096];      /* libvgtriage-pertest.so */
	int per_phase;           /* a leak check after each phase, not each test */
};

/* Finds the plugin and the library from the running binary (argv0 when
 * /proc/self/exe cannot say).  0, or -1 with err naming what is missing
 * and where it was looked for. */
int harness_find(const char *argv0, struct harness *h, struct vgt_error *err);

/* In the child before exec: VGTRIAGE_PER_TEST, VGTRIAGE_PERTEST_LIB, the
 * plugin directory first in PYTHONPATH and "-p vgtriage_pytest" added to
 * PYTEST_ADDOPTS (both keep what the user had). */
void harness_setenv(const struct harness *h);

/* ---- building blocks, exported for the unit tests ---- */

/* "DIR" of "DIR/name" (or "." without a slash) into out. */
void harness_dirname(const char *path, char *out, size_t size);
/* value prepended to list ("value:list"), or value when list is empty;
 * sep is ":" or " ".  Returns an xmalloc'd string. */
char *harness_prepend(const char *value, const char *list, const char *sep);

#endif
