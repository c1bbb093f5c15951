/*
 * tmpdir.h — a test's scratch files: a directory made from a mkdtemp
 * template, files written into it, removed with all it holds; a single
 * file made from a mkstemp template.
 *
 * Header-only (static functions), as ci_records.h, so that each
 * tests/check_*.c stays one file; included by tests only.
 */
#ifndef VGTRIAGE_TESTS_TMPDIR_H
#define VGTRIAGE_TESTS_TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TD_UNUSED __attribute__((unused))

/* A new directory from tmpl ("…XXXXXX") into dir (size bytes). */
static TD_UNUSED void tmpdir_make(char *dir, size_t size, const char *tmpl)
{
	ck_assert_int_lt(snprintf(dir, size, "%s", tmpl), (int)size);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* dir/rel, written with text. */
static TD_UNUSED void tmpdir_put(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A new file from tmpl ("…XXXXXX", changed in place to its path),
 * written with text. */
static TD_UNUSED void tmpfile_put(char *tmpl, const char *text)
{
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* dir and all it holds, gone. */
static TD_UNUSED void tmpdir_remove(const char *dir)
{
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
