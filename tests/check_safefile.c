/*
 * check_safefile.c — files the user names are written beside and renamed:
 * planted symlinks are never followed, non-regular files never replaced,
 * the old file kept when writing fails; and --write-baseline through it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze/baseline.h"
#include "base/safefile.h"

#include "tmpdir.h"

Suite *safefile_suite(void);

static char dir[256];

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[sizeof(dir)];
	snprintf(tmpl, sizeof(tmpl), "%s/check_safefile.XXXXXX", tmp != NULL ? tmp : "/tmp");
	tmpdir_make(dir, sizeof(dir), tmpl);
}

static void remove_dir(void)
{
	tmpdir_remove(dir);
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The file's contents (at most 4 KiB), or "" when it cannot be read. */
static const char *read_text(const char *path)
{
	static char buf[4096];
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return buf;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Files in dir other than . and .. */
static int entries(void)
{
	char *cmd = xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

static void write_through(const char *path, const char *text, int expect_rc)
{
	struct vgt_error err;
	vgt_error_clear(&err);
	struct safefile *sf = safefile_open(path, &err);
	if (sf == NULL) {
		ck_assert_int_eq(expect_rc, -1);
		ck_assert_str_eq(err.file, path);
		return;
	}
	FILE *f = safefile_stream(sf);
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(safefile_commit(sf, &err), expect_rc);
}

START_TEST(test_new_and_replaced)
{
	make_dir();
	char *out = path_in("report.txt");
	write_through(out, "first\n", 0);
	ck_assert_str_eq(read_text(out), "first\n");
	chmod(out, 0640);
	write_through(out, "second\n", 0);
	ck_assert_str_eq(read_text(out), "second\n");
	struct stat st;
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640); /* the old file's mode is kept */
	ck_assert_int_eq(entries(), 1);              /* no temporary left */
	free(out);
	remove_dir();
}
END_TEST

/* 0.1.0's --write-baseline PATH wrote PATH.tmp with fopen and renamed it:
 * a symlink planted there made it overwrite the link's target. */
START_TEST(test_baseline_ignores_planted_tmp_symlink)
{
	make_dir();
	char *victim = path_in("victim");
	char *out = path_in("known.baseline");
	char *tmp = path_in("known.baseline.tmp");
	write_text(victim, "precious\n");
	ck_assert_int_eq(symlink(victim, tmp), 0);
	struct vgt_report *r = report_new();
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_int_eq(baseline_write_path(out, r, &err), 0);
	ck_assert_str_eq(read_text(victim), "precious\n");
	ck_assert(strncmp(read_text(out), "# vgtriage baseline 1", 21) == 0);
	struct stat st;
	ck_assert_int_eq(lstat(tmp, &st), 0);
	ck_assert(S_ISLNK(st.st_mode)); /* left alone */
	report_free(r);
	free(victim);
	free(out);
	free(tmp);
	remove_dir();
}
END_TEST

START_TEST(test_refuses_non_regular)
{
	make_dir();
	char *sub = path_in("adir");
	char *dangling = path_in("dangling");
	char *nowhere = path_in("nowhere");
	char *sock = path_in("sock");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(symlink(nowhere, dangling), 0);
	write_through(sub, "x", -1);
	write_through(dangling, "x", -1);
	/* a dangling link is not written through (it would create nowhere) */
	ck_assert_int_eq(access(nowhere, F_OK), -1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd >= 0 && strlen(sock) < sizeof(sa.sun_path) &&
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		write_through(sock, "x", -1);
	if (fd >= 0)
		close(fd);
	struct stat st;
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	free(sub);
	free(dangling);
	free(nowhere);
	free(sock);
	remove_dir();
}
END_TEST

START_TEST(test_devices_and_links)
{
	make_dir();
	/* /dev/null is written in place, never replaced */
	write_through("/dev/null", "nothing\n", 0);
	struct stat st;
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	/* a link to a regular file: the file is replaced, the link kept */
	char *real = path_in("real.txt");
	char *link = path_in("link.txt");
	write_text(real, "old\n");
	ck_assert_int_eq(symlink("real.txt", link), 0);
	write_through(link, "new\n", 0);
	ck_assert_str_eq(read_text(real), "new\n");
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(entries(), 2);
	free(real);
	free(link);
	remove_dir();
}
END_TEST

START_TEST(test_abort_keeps_old)
{
	make_dir();
	char *out = path_in("out.json");
	write_text(out, "old\n");
	struct vgt_error err;
	struct safefile *sf = safefile_open(out, &err);
	ck_assert_ptr_nonnull(sf);
	fputs("half a report", safefile_stream(sf));
	safefile_abort(sf);
	safefile_abort(NULL);
	ck_assert_str_eq(read_text(out), "old\n");
	ck_assert_int_eq(entries(), 1);
	free(out);
	remove_dir();
}
END_TEST

/* A write that fails (here: past RLIMIT_FSIZE) leaves the old file as it
 * was and no temporary behind.  In a child: the limit must not stay. */
START_TEST(test_failed_write_keeps_old)
{
	make_dir();
	char *out = path_in("out.txt");
	write_text(out, "old\n");
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {4096, 4096};
		setrlimit(RLIMIT_FSIZE, &rl);
		struct vgt_error err;
		struct safefile *sf = safefile_open(out, &err);
		if (sf == NULL)
			_exit(3);
		FILE *f = safefile_stream(sf);
		for (int i = 0; i < 10000; i++)
			fputs("0123456789", f);
		int ok = safefile_commit(sf, &err) == -1 && strstr(err.message, "write error") != NULL;
		free(out); /* under valgrind the child has its own leak check */
		_exit(ok ? 0 : 4);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_str_eq(read_text(out), "old\n");
	ck_assert_int_eq(entries(), 1);
	free(out);
	remove_dir();
}
END_TEST

Suite *safefile_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_new_and_replaced);
	tcase_add_test(tc, test_baseline_ignores_planted_tmp_symlink);
	tcase_add_test(tc, test_refuses_non_regular);
	tcase_add_test(tc, test_devices_and_links);
	tcase_add_test(tc, test_abort_keeps_old);
	tcase_add_test(tc, test_failed_write_keeps_old);
	suite_add_tcase(s, tc);
	return s;
}
