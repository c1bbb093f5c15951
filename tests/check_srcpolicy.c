/* check_srcpolicy.c — which files an input may make vgtriage read. */
#define _XOPEN_SOURCE 700 /* mknod of a device (XSI) */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/srcpolicy.h"
#include "vgtriage/vgt.h"

Suite *srcpolicy_suite(void);

/* A scratch tree: TOP/root (the allowed root) and TOP/outside. */
static char top[512], root[600], outside[600];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(top, sizeof(top), "%s/vgt-srcpolicy.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	char *p = in(root, "ok.c");
	write_file(p, "int main(void)\n{\n}\n");
	free(p);
	p = in(outside, "secret.c");
	write_file(p, "secret\n");
	free(p);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The reason srcpolicy_check gives for path (NULL when allowed); the read
 * must agree with the check. */
static const char *refusal(const struct srcpolicy *p, const char *path)
{
	const char *why = NULL, *why_read = NULL;
	size_t len = 0;
	int rc = srcpolicy_check(p, path, &why);
	char *text = srcpolicy_read(p, path, &len, &why_read);
	ck_assert_int_eq(rc == 0, text != NULL);
	free(text);
	return rc == 0 ? NULL : why;
}

START_TEST(test_inside_root)
{
	const char *roots[] = {root};
	struct srcpolicy *p = srcpolicy_new(roots, 1, 0);
	char *ok = in(root, "ok.c");
	size_t len = 0;
	const char *why = NULL;
	char *text = srcpolicy_read(p, ok, &len, &why);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, 19);
	ck_assert_str_eq(text, "int main(void)\n{\n}\n");
	free(text);
	/* "." and ".." that stay inside are fine, and so is a symlink to a
	 * file inside */
	char *dotted = xasprintf("%s/./../root/ok.c", root);
	ck_assert_ptr_null(refusal(p, dotted));
	char *link = in(root, "link_in.c");
	ck_assert_int_eq(symlink(ok, link), 0);
	ck_assert_ptr_null(refusal(p, link));
	free(dotted);
	free(link);
	free(ok);
	srcpolicy_free(p);
}
END_TEST

START_TEST(test_outside_roots)
{
	const char *roots[] = {root};
	struct srcpolicy *p = srcpolicy_new(roots, 1, 0);
	const char *outside_reason = "outside the current directory and every --source-root";
	char *secret = in(outside, "secret.c");
	ck_assert_str_eq(refusal(p, secret), outside_reason);
	char *climb = xasprintf("%s/../outside/secret.c", root);
	ck_assert_str_eq(refusal(p, climb), outside_reason);
	char *link = in(root, "passwd");
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	ck_assert_str_eq(refusal(p, link), outside_reason);
	ck_assert_str_eq(refusal(p, "/etc/passwd"), outside_reason);
	/* a symlinked directory leading out */
	char *dirlink = in(root, "up");
	ck_assert_int_eq(symlink(outside, dirlink), 0);
	char *via = xasprintf("%s/secret.c", dirlink);
	ck_assert_str_eq(refusal(p, via), outside_reason);
	free(secret);
	free(climb);
	free(link);
	free(dirlink);
	free(via);
	srcpolicy_free(p);
}
END_TEST

START_TEST(test_system_trees)
{
	/* even with / as a root */
	const char *roots[] = {"/"};
	struct srcpolicy *p = srcpolicy_new(roots, 1, 0);
	const char *system = "under /proc, /sys or /dev";
	ck_assert_ptr_null(refusal(p, "/etc/passwd"));
	ck_assert_str_eq(refusal(p, "/proc/self/environ"), system);
	ck_assert_str_eq(refusal(p, "/proc/self/cmdline"), system);
	ck_assert_str_eq(refusal(p, "/dev/null"), system);
	ck_assert_str_eq(refusal(p, "/dev/zero"), system);
	ck_assert_str_eq(refusal(p, "/sys"), system);
	char *zero = in(root, "zero");
	ck_assert_int_eq(symlink("/dev/zero", zero), 0);
	ck_assert_str_eq(refusal(p, zero), system);
	free(zero);
	srcpolicy_free(p);
}
END_TEST

START_TEST(test_not_regular)
{
	const char *roots[] = {root};
	struct srcpolicy *p = srcpolicy_new(roots, 1, 0);
	const char *not_regular = "not a regular file";
	char *fifo = in(root, "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* refused at once: nothing opens it, nothing blocks */
	ck_assert_str_eq(refusal(p, fifo), not_regular);
	ck_assert_int_eq(srcpolicy_open(p, fifo, &(const char *){NULL}), -1);
	ck_assert_str_eq(refusal(p, root), not_regular);
	/* the current directory is a root: its refusal is "not a regular
	 * file", not "outside" */
	ck_assert_str_eq(refusal(p, "."), not_regular);
	char *dev = in(root, "tty0");
	if (mknod(dev, S_IFCHR | 0600, makedev(4, 0)) == 0)
		ck_assert_str_eq(refusal(p, dev), not_regular);
	free(dev);
	free(fifo);
	srcpolicy_free(p);
}
END_TEST

START_TEST(test_missing_and_limit)
{
	const char *roots[] = {root};
	struct srcpolicy *p = srcpolicy_new(roots, 1, 10);
	ck_assert_uint_eq(srcpolicy_max_bytes(p), 10);
	char *missing = in(root, "missing.c");
	ck_assert_str_eq(refusal(p, missing), SRCPOLICY_MISSING);
	ck_assert_str_eq(refusal(p, ""), SRCPOLICY_MISSING);
	char *ok = in(root, "ok.c"); /* 19 bytes */
	ck_assert_str_eq(refusal(p, ok), "larger than the size limit");
	char *small = in(root, "small.c");
	write_file(small, "0123456789");
	ck_assert_ptr_null(refusal(p, small));
	free(missing);
	free(ok);
	free(small);
	srcpolicy_free(p);
	p = srcpolicy_new(NULL, 0, 0);
	ck_assert_uint_eq(srcpolicy_max_bytes(p), SRCPOLICY_MAX_BYTES);
	srcpolicy_free(p);
	srcpolicy_free(NULL);
}
END_TEST

START_TEST(test_add_root)
{
	struct srcpolicy *p = srcpolicy_new(NULL, 0, 0);
	char *secret = in(outside, "secret.c");
	ck_assert_ptr_nonnull(refusal(p, secret));
	srcpolicy_add_root(p, "/nonexistent-vgtriage-root");
	srcpolicy_add_root(p, outside);
	srcpolicy_add_root(p, outside); /* once is enough */
	ck_assert_ptr_null(refusal(p, secret));
	free(secret);
	srcpolicy_free(p);
}
END_TEST

/* Objects, debug files, perf maps, headers: no root, the rest of the
 * policy, each kind under its cap. */
START_TEST(test_kinds)
{
	const char *why = NULL;
	char *outside_file = in(outside, "secret.c");
	struct stat st;
	char *real = NULL;
	int fd = srcpolicy_open_kind(outside_file, SRCPOLICY_OBJECT, &st, &real, &why);
	ck_assert_int_ge(fd, 0); /* no root applies */
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_ptr_nonnull(real);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	free(real);
	ck_assert_int_eq(srcpolicy_check_kind("/proc/self/environ", SRCPOLICY_OBJECT, &why), -1);
	ck_assert_str_eq(why, "under /proc, /sys or /dev");
	char *zero = in(root, "zero.map");
	ck_assert_int_eq(symlink("/dev/zero", zero), 0);
	ck_assert_int_eq(srcpolicy_open_kind(zero, SRCPOLICY_PERFMAP, NULL, NULL, &why), -1);
	ck_assert_str_eq(why, "under /proc, /sys or /dev");
	char *fifo = in(root, "fifo.h");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(srcpolicy_open_kind(fifo, SRCPOLICY_HEADER, NULL, NULL, &why), -1);
	ck_assert_str_eq(why, "not a regular file");
	/* a sparse file one byte over a perf map's cap, under an object's */
	char *big = in(root, "big.map");
	int b = open(big, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(ftruncate(b, (off_t)SRCPOLICY_PERFMAP_MAX + 1), 0);
	close(b);
	ck_assert_int_eq(srcpolicy_check_kind(big, SRCPOLICY_PERFMAP, &why), -1);
	ck_assert_str_eq(why, "larger than the size limit");
	ck_assert_int_eq(srcpolicy_check_kind(big, SRCPOLICY_OBJECT, &why), 0);
	ck_assert_uint_eq(srcpolicy_kind_max(SRCPOLICY_DEBUG), SRCPOLICY_DEBUG_MAX);
	ck_assert_uint_eq(srcpolicy_kind_max(SRCPOLICY_HEADER), SRCPOLICY_HEADER_MAX);
	free(outside_file);
	free(zero);
	free(fifo);
	free(big);
}
END_TEST

Suite *srcpolicy_suite(void)
{
	Suite *s = suite_create("srcpolicy");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_inside_root);
	tcase_add_test(tc, test_outside_roots);
	tcase_add_test(tc, test_system_trees);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_missing_and_limit);
	tcase_add_test(tc, test_add_root);
	tcase_add_test(tc, test_kinds);
	suite_add_tcase(s, tc);
	return s;
}
