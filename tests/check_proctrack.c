/* check_proctrack.c — following run's per-process XML files: the command
 * from the preamble, tags counted across reads, files found and rewritten,
 * and which processes still run under valgrind. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/proctrack.h"

#include "tmpdir.h"

Suite *proctrack_suite(void);

/* The shape of valgrind 3.19's preamble (a forked child's file: no
 * <status> until it exits). */
static const char preamble[] =
	"<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n"
	"<protocoltool>memcheck</protocoltool>\n\n<pid>4242</pid>\n<ppid>4241</ppid>\n"
	"<tool>memcheck</tool>\n\n<args>\n  <vargv>\n    <exe>/usr/bin/valgrind.bin</exe>\n"
	"    <arg>--xml=yes</arg>\n  </vargv>\n  <argv>\n    <exe>./prog</exe>\n"
	"    <arg>a&amp;b</arg>\n    <arg>&lt;x&gt;</arg>\n  </argv>\n</args>\n\n";
static const char leak_error[] =
	"<error>\n  <unique>0x0</unique>\n  <tid>1</tid>\n  <kind>Leak_DefinitelyLost</kind>\n"
	"</error>\n";
static const char read_error[] =
	"<error>\n  <unique>0x1</unique>\n  <tid>1</tid>\n  <kind>InvalidRead</kind>\n</error>\n";
static const char ending[] =
	"<status>\n  <state>FINISHED</state>\n</status>\n\n</valgrindoutput>\n\n";

START_TEST(preamble_command)
{
	char out[64];
	ck_assert_int_eq(proctrack_preamble_command(preamble, strlen(preamble), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "./prog a&b <x>");
	/* not all there yet */
	size_t cut = (size_t)(strstr(preamble, "</argv>") - preamble);
	ck_assert_int_eq(proctrack_preamble_command(preamble, cut, out, sizeof(out)), -1);
	/* a command longer than the buffer is cut, never overrun */
	char small[8];
	ck_assert_int_eq(proctrack_preamble_command(preamble, strlen(preamble), small, sizeof(small)),
			 0);
	ck_assert_str_eq(small, "./prog ");
}
END_TEST

START_TEST(args_hold)
{
	static const char args[] = "/usr/bin/valgrind.bin\0--xml-file=/t/d/vg.%p.xml\0./prog";
	ck_assert_int_eq(proctrack_args_hold(args, sizeof(args) - 1, "--xml-file=/t/d/vg.%p.xml"), 1);
	ck_assert_int_eq(proctrack_args_hold(args, sizeof(args) - 1, "--xml-file=/t/d"), 0);
	ck_assert_int_eq(proctrack_args_hold(args, 20, "--xml-file=/t/d/vg.%p.xml"), 0);
	ck_assert_int_eq(proctrack_args_hold("", 0, "x"), 0);
}
END_TEST

/* Fed byte by byte and in one piece, the counts agree. */
START_TEST(scan_across_reads)
{
	char doc[4096];
	snprintf(doc, sizeof(doc), "%s%s%s%s%s", preamble, read_error, leak_error, leak_error, ending);
	struct proctrack_proc a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	proctrack_scan(&a, doc, strlen(doc));
	for (size_t i = 0; doc[i] != '\0'; i++)
		proctrack_scan(&b, doc + i, 1);
	struct proctrack_proc *ps[] = {&a, &b};
	for (int k = 0; k < 2; k++) {
		ck_assert_uint_eq(ps[k]->errors, 3);
		ck_assert_uint_eq(ps[k]->leaks, 2);
		ck_assert_int_eq(ps[k]->has_status, 1);
		ck_assert_int_eq(ps[k]->finished, 1);
		ck_assert_int_eq(ps[k]->ended, 1);
		ck_assert_str_eq(ps[k]->command, "./prog a&b <x>");
		ck_assert_uint_eq(ps[k]->size, strlen(doc));
		free(ps[k]->head);
	}
	/* the preamble alone: nothing ended */
	struct proctrack_proc c;
	memset(&c, 0, sizeof(c));
	proctrack_scan(&c, preamble, strlen(preamble));
	ck_assert_int_eq(c.ended, 0);
	ck_assert_int_eq(c.has_status, 0);
	ck_assert_uint_eq(c.errors, 0);
	free(c.head);
}
END_TEST

static char dir[64];

START_TEST(files_found_and_rewritten)
{
	tmpdir_make(dir, sizeof(dir), "/tmp/check_proctrack.XXXXXX");
	char marker[128];
	snprintf(marker, sizeof(marker), "--xml-file=%s/vg.%%p.xml", dir);
	struct proctrack *pt = proctrack_new(dir, marker, 0);
	tmpdir_put(dir, "vg.4242.xml", preamble);
	tmpdir_put(dir, "vg.4243.xml.tmp", "not ours");
	tmpdir_put(dir, "other.xml", "not ours");
	ck_assert_int_eq(proctrack_poll(pt), 1);
	ck_assert_uint_eq(proctrack_count(pt), 1);
	struct proctrack_proc *p = proctrack_get(pt, 4242);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->command, "./prog a&b <x>");
	char label[64];
	ck_assert_str_eq(proctrack_label(p, label, sizeof(label)), "pid 4242 (./prog a&b <x>)");
	ck_assert_int_eq(proctrack_done(p), 0);
	ck_assert_uint_eq(proctrack_pending(pt), 1);
	/* appended: the leak check began, then the document ended */
	char doc[4096];
	snprintf(doc, sizeof(doc), "%s%s<status>\n  <state>FINISHED</state>\n</status>\n", preamble,
		 leak_error);
	tmpdir_put(dir, "vg.4242.xml", doc);
	ck_assert_int_eq(proctrack_poll(pt), 1); /* FINISHED: a moment for maps */
	ck_assert_uint_eq(p->leaks, 1);
	ck_assert_int_eq(proctrack_poll(pt), 0);
	/* rewritten shorter (the valgrind of an exec'd program): read anew */
	static const char exec_doc[] = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<argv>\n"
				       "<exe>/bin/true</exe>\n</argv>\n";
	tmpdir_put(dir, "vg.4242.xml", exec_doc);
	proctrack_poll(pt);
	ck_assert_str_eq(p->command, "/bin/true");
	ck_assert_uint_eq(p->leaks, 0);
	ck_assert_uint_eq(p->size, strlen(exec_doc));
	snprintf(doc, sizeof(doc), "%s%s", exec_doc, ending);
	tmpdir_put(dir, "vg.4242.xml", doc);
	proctrack_poll(pt);
	ck_assert_int_eq(p->ended, 1);
	ck_assert_int_eq(proctrack_done(p), 1);
	ck_assert_uint_eq(proctrack_pending(pt), 0);
	proctrack_free(pt);
	proctrack_free(NULL);
	tmpdir_remove(dir);
}
END_TEST

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Starts `sh -c 'read x; exec sleep 30' sh MARKER`: the marker is in its
 * command line until a line on *go makes it exec sleep. */
static pid_t start_holder(const char *marker, int *go)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", "read x; exec sleep 30", "sh", marker, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

/* Waits up to 5 s for /proc/PID/cmdline to hold (want = 1) or not hold
 * (want = 0) the marker. */
static void await_cmdline(pid_t pid, const char *marker, int want)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
		if (f != NULL)
			fclose(f);
		if (proctrack_args_hold(buf, n, marker) == want)
			return;
		sleep_ms(10);
	}
	ck_abort_msg("cmdline of %ld never changed", (long)pid);
}

/* A process is ours while its command line holds the marker: not once it
 * exec'd another program (left), nor as a zombie (gone). */
START_TEST(running_by_cmdline)
{
	if (access("/proc/self/cmdline", R_OK) != 0 || access("/bin/sh", X_OK) != 0)
		return;
	tmpdir_make(dir, sizeof(dir), "/tmp/check_proctrack.XXXXXX");
	char marker[128], name[64];
	snprintf(marker, sizeof(marker), "--xml-file=%s/vg.%%p.xml", dir);
	struct proctrack *pt = proctrack_new(dir, marker, 1);

	int go_a, go_b;
	pid_t a = start_holder(marker, &go_a);
	pid_t b = start_holder(marker, &go_b);
	await_cmdline(a, marker, 1);
	await_cmdline(b, marker, 1);
	snprintf(name, sizeof(name), "vg.%ld.xml", (long)a);
	tmpdir_put(dir, name, preamble);
	proctrack_poll(pt);
	/* b has no file yet: found by its command line -- but only when it is
	 * ours: with a as the root, b (a's sibling, not in a's process
	 * group) is a stranger that merely holds the marker */
	proctrack_set_root(pt, (long)a);
	proctrack_find(pt);
	ck_assert_ptr_null(proctrack_get(pt, b));
	proctrack_set_root(pt, (long)getpid());
	proctrack_find(pt);
	ck_assert_ptr_nonnull(proctrack_get(pt, b));
	ck_assert_ptr_null(proctrack_get(pt, (long)getpid()));
	proctrack_check(pt, 1.0);
	struct proctrack_proc *pa = proctrack_get(pt, a), *pb = proctrack_get(pt, b);
	ck_assert_int_eq(pa->running, 1);
	ck_assert_int_eq(pb->running, 1);
	ck_assert_uint_eq(proctrack_pending(pt), 2);
	/* record_maps: its mappings, the shell's binary among them */
	ck_assert_ptr_nonnull(pa->maps);
	ck_assert_uint_eq(strlen(pa->maps), pa->maps_len);
	ck_assert_ptr_nonnull(strstr(pa->maps, "sh"));

	/* a: exec's another program */
	ck_assert_int_eq(write(go_a, "\n", 1), 1);
	await_cmdline(a, marker, 0);
	/* b: killed; a zombie until reaped */
	kill(b, SIGKILL);
	sleep_ms(200);
	proctrack_check(pt, 2.0);
	ck_assert_int_eq(pa->running, 0);
	ck_assert_int_eq(pa->left, 1);
	ck_assert_int_eq(pb->running, 0);
	ck_assert_int_eq(pb->left, 0);
	ck_assert_uint_eq(proctrack_pending(pt), 0);

	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	close(go_a);
	close(go_b);
	proctrack_free(pt);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(stat_fields)
{
	long ppid = 0, pgrp = 0;
	/* the command may hold ") " and digits: the last ')' ends it */
	const char *t = "4242 (evil) 1 2 (x)) S 17 4242 4242 0 -1 4194560";
	ck_assert_int_eq(proctrack_stat_fields(t, strlen(t), &ppid, &pgrp), 0);
	ck_assert_int_eq(ppid, 17);
	ck_assert_int_eq(pgrp, 4242);
	ck_assert_int_eq(proctrack_stat_fields("4242 (x", 7, &ppid, &pgrp), -1);
	ck_assert_int_eq(proctrack_stat_fields("1 (a) S", 7, &ppid, &pgrp), -1);
	/* the state: a zombie is done, a process whose command line reads
	 * empty without being one is in the middle of an exec */
	char state = 0;
	const char *z = "4243 (python3) Z 17 4242 4242 0 -1 4227148";
	ck_assert_int_eq(proctrack_stat_state(z, strlen(z), &state, &ppid, &pgrp), 0);
	ck_assert_int_eq(state, 'Z');
	ck_assert_int_eq(proctrack_stat_state(t, strlen(t), &state, &ppid, &pgrp), 0);
	ck_assert_int_eq(state, 'S');
}
END_TEST

START_TEST(label_escaped)
{
	struct proctrack_proc p;
	memset(&p, 0, sizeof(p));
	p.pid = 7;
	snprintf(p.command, sizeof(p.command), "::error file=x::pwned\n::warning::y");
	char buf[200];
	proctrack_label(&p, buf, sizeof(buf));
	/* no line of it can be read as a workflow command */
	ck_assert_ptr_null(strchr(buf, '\n'));
	ck_assert_str_eq(buf, "pid 7 (\\x3a:error file=x::pwned\\n::warning::y)");
}
END_TEST

Suite *proctrack_suite(void)
{
	Suite *s = suite_create("proctrack");
	TCase *tc = tcase_create("proctrack");
	tcase_add_test(tc, preamble_command);
	tcase_add_test(tc, args_hold);
	tcase_add_test(tc, stat_fields);
	tcase_add_test(tc, label_escaped);
	tcase_add_test(tc, scan_across_reads);
	tcase_add_test(tc, files_found_and_rewritten);
	tcase_add_test(tc, running_by_cmdline);
	suite_add_tcase(s, tc);
	return s;
}
