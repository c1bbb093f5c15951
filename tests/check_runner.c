/*
 * check_runner.c — the pure parts of `vgtriage run`: finding the command,
 * telling Python programs apart, the valgrind command line, perf-map
 * clean-up; and one real run of a shell that forks (when valgrind is
 * installed), for what only the library shows: every process and its
 * /proc/PID/maps.  The rest of running valgrind is tests/golden_run.sh's
 * and tests/golden_procs.sh's job.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/runner.h"

Suite *runner_suite(void);

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_runner.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Writes a file under tmpdir with the given mode; returns its path (static). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(python_names)
{
	int maj, min;
	ck_assert_int_eq(runner_python_name("python", &maj, &min), 1);
	ck_assert_int_eq(maj, 0);
	ck_assert_int_eq(runner_python_name("python3", &maj, &min), 1);
	ck_assert_int_eq(maj, 3);
	ck_assert_int_eq(min, 0);
	ck_assert_int_eq(runner_python_name("python3.12", &maj, &min), 1);
	ck_assert_int_eq(maj, 3);
	ck_assert_int_eq(min, 12);
	ck_assert_int_eq(runner_python_name("python3.12d", &maj, &min), 1);
	ck_assert_int_eq(min, 12);
	ck_assert_int_eq(runner_python_name("python3.13t", &maj, &min), 1);
	ck_assert_int_eq(min, 13);
	ck_assert_int_eq(runner_python_name("python3.10", &maj, &min), 1);
	ck_assert_int_eq(min, 10);
	/* not interpreters */
	ck_assert_int_eq(runner_python_name("python3-config", &maj, &min), 0);
	ck_assert_int_eq(runner_python_name("python3.12-config", &maj, &min), 0);
	ck_assert_int_eq(runner_python_name("python3.", &maj, &min), 0);
	ck_assert_int_eq(runner_python_name("pythonx", &maj, &min), 0);
	ck_assert_int_eq(runner_python_name("ipython", &maj, &min), 0);
	ck_assert_int_eq(runner_python_name("pytest", &maj, &min), 0);
}
END_TEST

START_TEST(shebangs)
{
	char prog[256];
	ck_assert_int_eq(runner_shebang_program("#!/usr/bin/python3", prog, sizeof(prog)), 0);
	ck_assert_str_eq(prog, "/usr/bin/python3");
	ck_assert_int_eq(runner_shebang_program("#! /usr/bin/python3 -I", prog, sizeof(prog)), 0);
	ck_assert_str_eq(prog, "/usr/bin/python3");
	ck_assert_int_eq(runner_shebang_program("#!/usr/bin/env python3.12 -u", prog, sizeof(prog)), 0);
	ck_assert_str_eq(prog, "python3.12");
	ck_assert_int_eq(runner_shebang_program("#!/usr/bin/env -S python3 -X perf", prog,
						sizeof(prog)), 0);
	ck_assert_str_eq(prog, "python3");
	ck_assert_int_eq(runner_shebang_program("#!/bin/sh\r", prog, sizeof(prog)), 0);
	ck_assert_str_eq(prog, "/bin/sh");
	ck_assert_int_eq(runner_shebang_program("import os", prog, sizeof(prog)), -1);
	ck_assert_int_eq(runner_shebang_program("#!", prog, sizeof(prog)), -1);
	ck_assert_int_eq(runner_shebang_program("#!/usr/bin/env", prog, sizeof(prog)), -1);
	ck_assert_int_eq(runner_shebang_program("#!/usr/bin/env -i", prog, sizeof(prog)), -1);
}
END_TEST

START_TEST(find_command)
{
	make_tmpdir();
	write_file("tool", "#!/bin/sh\n", 0755);
	write_file("plain", "data\n", 0644);
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/adir", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	char path_env[256];
	snprintf(path_env, sizeof(path_env), "/nonexistent:%s", tmpdir);

	char *p = runner_find_command("tool", path_env);
	ck_assert_ptr_nonnull(p);
	char want[256];
	snprintf(want, sizeof(want), "%s/tool", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);

	errno = 0;
	ck_assert_ptr_null(runner_find_command("missing", path_env));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(runner_find_command("plain", path_env));
	ck_assert_int_eq(errno, EACCES);
	/* a directory is no command */
	ck_assert_ptr_null(runner_find_command("adir", path_env));
	ck_assert_ptr_null(runner_find_command("", path_env));

	/* a name with a slash is not searched */
	p = runner_find_command(want, "/nonexistent");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, want);
	free(p);
	snprintf(want, sizeof(want), "%s/plain", tmpdir);
	ck_assert_ptr_null(runner_find_command(want, NULL));
	remove_tmpdir();
}
END_TEST

START_TEST(detect_python)
{
	make_tmpdir();
	struct runner_python py;
	/* an interpreter by its name (a shell script here: names decide) */
	runner_detect_python(write_file("python3.12", "#!/bin/sh\n", 0755), 0, &py);
	ck_assert_int_eq(py.is_python, 1);
	ck_assert_int_eq(py.major, 3);
	ck_assert_int_eq(py.minor, 12);
	/* an entry point whose shebang names the interpreter by path */
	char shebang[300];
	snprintf(shebang, sizeof(shebang), "#!%s/python3.12\nimport sys\n", tmpdir);
	runner_detect_python(write_file("uvicorn", shebang, 0755), 0, &py);
	ck_assert_int_eq(py.is_python, 1);
	ck_assert_int_eq(py.minor, 12);
	/* a symlink python3 -> python3.12 carries the version in its target */
	char link[256], target[256];
	snprintf(target, sizeof(target), "%s/python3.12", tmpdir);
	snprintf(link, sizeof(link), "%s/python3", tmpdir);
	ck_assert_int_eq(symlink("python3.12", link), 0);
	runner_detect_python(link, 0, &py);
	ck_assert_int_eq(py.is_python, 1);
	ck_assert_int_eq(py.minor, 12);
	/* not Python */
	runner_detect_python(write_file("script.sh", "#!/bin/sh\necho hi\n", 0755), 0, &py);
	ck_assert_int_eq(py.is_python, 0);
	runner_detect_python(write_file("empty", "", 0755), 0, &py);
	ck_assert_int_eq(py.is_python, 0);
	remove_tmpdir();
}
END_TEST

START_TEST(detect_python_probe)
{
	/* the real interpreter, asked for its version */
	if (access("/usr/bin/python3", X_OK) != 0)
		return;
	struct runner_python py;
	runner_detect_python("/usr/bin/python3", 1, &py);
	ck_assert_int_eq(py.is_python, 1);
	ck_assert_int_eq(py.major, 3);
	ck_assert_int_gt(py.minor, 0);
}
END_TEST

static size_t argv_len(char **argv)
{
	size_t n = 0;
	while (argv[n] != NULL)
		n++;
	return n;
}

/* argv is want[0..n_want) */
static void assert_argv(char **argv, const char *const *want, size_t n_want)
{
	ck_assert_uint_eq(argv_len(argv), n_want);
	for (size_t i = 0; i < n_want; i++)
		ck_assert_str_eq(argv[i], want[i]);
}

START_TEST(argv_default)
{
	char *command[] = {"python3", "app.py", "--port", "8000", NULL};
	const char *vargs[] = {"--num-callers=12", "--track-origins=yes"};
	struct runner_argv_spec spec = {
		.valgrind = "/usr/bin/valgrind",
		.xml_file = "/tmp/d/vg.%p.xml",
		.valgrind_args = vargs,
		.n_valgrind_args = 2,
		.program = "/usr/bin/python3",
		.command = command,
	};
	char **argv = runner_build_argv(&spec);
	/* one XML file per process, forked children included: never
	 * --child-silent-after-fork */
	const char *want[] = {"/usr/bin/valgrind", "--tool=memcheck", "--leak-check=full",
			      "--num-callers=40", "--xml=yes", "--xml-file=/tmp/d/vg.%p.xml",
			      "--num-callers=12", "--track-origins=yes", "--", "/usr/bin/python3",
			      "app.py", "--port", "8000"};
	assert_argv(argv, want, sizeof(want) / sizeof(want[0]));
	runner_argv_free(argv);
}
END_TEST

START_TEST(argv_file_mode_and_vgdb)
{
	char *command[] = {"./prog", NULL};
	const char *vargs[] = {"--trace-children=yes", "--child-silent-after-fork=no"};
	struct runner_argv_spec spec = {
		.valgrind = "valgrind",
		.xml_file = "/tmp/d/vg.%p.xml",
		.vgdb = 1,
		.vgdb_prefix = "/tmp/d/vgdb",
		.valgrind_args = vargs,
		.n_valgrind_args = 2,
		.program = "./prog",
		.command = command,
	};
	char **argv = runner_build_argv(&spec);
	const char *want[] = {"valgrind", "--tool=memcheck", "--leak-check=full",
			      "--num-callers=40", "--xml=yes", "--xml-file=/tmp/d/vg.%p.xml",
			      "--vgdb=yes", "--fullpath-after=", "--vgdb-prefix=/tmp/d/vgdb",
			      "--trace-children=yes", "--child-silent-after-fork=no", "--",
			      "./prog"};
	assert_argv(argv, want, sizeof(want) / sizeof(want[0]));
	runner_argv_free(argv);
	runner_argv_free(NULL);
}
END_TEST

/* --per-test: still reachable blocks too, in the spelling the report
 * knows, before the user's own arguments (a --show-leak-kinds there wins) */
START_TEST(argv_per_test_kinds)
{
	char *command[] = {"./prog", NULL};
	const char *vargs[] = {"--show-leak-kinds=definite"};
	struct runner_argv_spec spec = {.valgrind = "valgrind", .xml_file = "/d/vg.%p.xml",
					.valgrind_args = vargs, .n_valgrind_args = 1,
					.program = "./prog", .command = command, .blame_kinds = 1};
	char **argv = runner_build_argv(&spec);
	const char *want[] = {"valgrind", "--tool=memcheck", "--leak-check=full",
			      "--num-callers=40", "--xml=yes", "--xml-file=/d/vg.%p.xml",
			      "--show-leak-kinds=definite,indirect,possible,reachable",
			      "--show-leak-kinds=definite", "--", "./prog"};
	assert_argv(argv, want, sizeof(want) / sizeof(want[0]));
	runner_argv_free(argv);
}
END_TEST

START_TEST(argv_user_child_silent)
{
	/* the user's own --child-silent-after-fork is passed on, once */
	char *command[] = {"./prog", NULL};
	const char *vargs[] = {"--child-silent-after-fork=yes"};
	struct runner_argv_spec spec = {.valgrind = "valgrind", .xml_file = "/d/vg.%p.xml",
					.valgrind_args = vargs, .n_valgrind_args = 1,
					.program = "./prog", .command = command};
	char **argv = runner_build_argv(&spec);
	int n = 0;
	for (char **p = argv; *p != NULL; p++)
		n += strncmp(*p, "--child-silent-after-fork", 25) == 0;
	ck_assert_int_eq(n, 1);
	runner_argv_free(argv);
}
END_TEST

START_TEST(children_and_reserved)
{
	const char *a[] = {"--trace-children=yes"};
	const char *b[] = {"--trace-children=yes", "--trace-children=no"};
	const char *c[] = {"--trace-children=no", "--track-origins=yes", "--trace-children=yes"};
	ck_assert_int_eq(runner_traces_children(a, 1), 1);
	ck_assert_int_eq(runner_traces_children(b, 2), 0);
	ck_assert_int_eq(runner_traces_children(c, 3), 1);
	ck_assert_int_eq(runner_traces_children(NULL, 0), 0);

	const char *ok[] = {"--tool=memcheck", "--track-origins=yes", "--log-file=x"};
	ck_assert_ptr_null(runner_reserved_arg(ok, 3));
	const char *x1[] = {"--track-origins=yes", "--xml-file=out.xml"};
	ck_assert_str_eq(runner_reserved_arg(x1, 2), "--xml-file=out.xml");
	const char *x2[] = {"--tool=helgrind"};
	ck_assert_str_eq(runner_reserved_arg(x2, 1), "--tool=helgrind");
}
END_TEST

/* PYTHONPERFSUPPORT from the environment must not leak into these tests. */
static char *saved_perf;

static void save_perf_env(void)
{
	const char *v = getenv("PYTHONPERFSUPPORT");
	saved_perf = v != NULL ? strdup(v) : NULL;
	unsetenv("PYTHONPERFSUPPORT");
}

static void restore_perf_env(void)
{
	if (saved_perf != NULL)
		setenv("PYTHONPERFSUPPORT", saved_perf, 1);
	else
		unsetenv("PYTHONPERFSUPPORT");
	free(saved_perf);
	saved_perf = NULL;
}

START_TEST(wants_perf_maps)
{
	save_perf_env();
	make_tmpdir();
	char p312[256], p311[256];
	snprintf(p312, sizeof(p312), "%s", write_file("python3.12", "#!/bin/sh\n", 0755));
	snprintf(p311, sizeof(p311), "%s", write_file("python3.11", "#!/bin/sh\n", 0755));
	const char *tool = write_file("tool", "#!/bin/sh\n", 0755);
	char tool_path[256];
	snprintf(tool_path, sizeof(tool_path), "%s", tool);

	char *c312[] = {p312, "app.py", NULL};
	char *c311[] = {p311, "app.py", NULL};
	char *c311x[] = {p311, "-X", "perf", "app.py", NULL};
	char *ctool[] = {tool_path, NULL};
	struct run_options o = {.python_perf = 1};
	o.command = c312;
	ck_assert_int_eq(runner_wants_perf_maps(&o), 1);
	o.command = c311;
	ck_assert_int_eq(runner_wants_perf_maps(&o), 0);
	o.command = c311x; /* the user asked for it */
	ck_assert_int_eq(runner_wants_perf_maps(&o), 1);
	o.command = ctool;
	ck_assert_int_eq(runner_wants_perf_maps(&o), 0);
	o.command = c312;
	o.python_perf = 0; /* --no-python-perf */
	ck_assert_int_eq(runner_wants_perf_maps(&o), 0);
	setenv("PYTHONPERFSUPPORT", "1", 1); /* the user's own setting still counts */
	ck_assert_int_eq(runner_wants_perf_maps(&o), 1);
	remove_tmpdir();
	restore_perf_env();
}
END_TEST

START_TEST(cleanup_removes_own_maps)
{
	/* a pid far above any pid_max: no real process owns this map */
	long fake = 2000000000L + (long)getpid();
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%ld.map", fake);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("562dac3 b py::f:/x.py\n", f);
	fclose(f);

	struct run_result res = {0};
	res.pids = malloc(sizeof(long));
	res.pids[0] = fake;
	res.n_pids = 1;
	res.python_perf = 0; /* the user's maps: kept */
	runner_cleanup(&res);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_ptr_null(res.pids);

	res.pids = malloc(sizeof(long));
	res.pids[0] = fake;
	res.n_pids = 1;
	res.python_perf = 1; /* ours: removed */
	runner_cleanup(&res);
	ck_assert_int_ne(access(path, F_OK), 0);
	runner_cleanup(&res); /* twice is fine */
	runner_cleanup(NULL);
}
END_TEST

START_TEST(run_errors)
{
	/* one clear line before anything is started */
	char *missing[] = {"vgtriage-no-such-command-xyz", NULL};
	struct run_options o = {.command = missing, .python_perf = 1};
	struct run_result res;
	struct vgt_error err;
	vgt_error_clear(&err);
	struct pipeline_options po = {0};
	struct pipeline *pl = pipeline_new(&po);
	if (access("/usr/bin/valgrind", X_OK) == 0) {
		ck_assert_int_eq(runner_run(&o, pl, &res, &err), -1);
		ck_assert_str_eq(err.message, "vgtriage-no-such-command-xyz: command not found");
		ck_assert_ptr_null(strchr(err.message, '\n'));
		runner_cleanup(&res);
	}
	const char *bad[] = {"--xml-fd=3"};
	char *ok_cmd[] = {"/bin/true", NULL};
	o.command = ok_cmd;
	o.valgrind_args = bad;
	o.n_valgrind_args = 1;
	ck_assert_int_eq(runner_run(&o, pl, &res, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "--xml-fd=3"));
	runner_cleanup(&res);
	/* %p in a log file name mixes forked children's XML into their parent's */
	const char *mixing[] = {"--log-file=vg.%p.log"};
	o.valgrind_args = mixing;
	if (access("/usr/bin/valgrind", X_OK) == 0) {
		ck_assert_int_eq(runner_run(&o, pl, &res, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.message, "--log-file=vg.%p.log"));
		ck_assert_ptr_nonnull(strstr(err.message, "%p"));
		runner_cleanup(&res);
	}

	/* valgrind not in PATH */
	char *saved = strdup(getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", "/nonexistent", 1);
	o.n_valgrind_args = 0;
	ck_assert_int_eq(runner_run(&o, pl, &res, &err), -1);
	ck_assert_str_eq(err.message, "valgrind not found in PATH");
	setenv("PATH", saved, 1);
	free(saved);
	runner_cleanup(&res);
	pipeline_free(pl);
}
END_TEST

/* A shell whose subshell is a fork without exec (and runs `sleep`, which
 * valgrind does not follow): the two processes valgrind reports are read,
 * the first one first, each with its pid, command and /proc/PID/maps (both
 * live 2 s, long enough for run to read them). */
static const struct run_process *process_of(const struct run_result *res, long pid)
{
	for (size_t i = 0; i < res->n_procs; i++)
		if (res->procs[i].pid == pid)
			return &res->procs[i];
	return NULL;
}

START_TEST(run_fork_and_maps)
{
	if (access("/usr/bin/valgrind", X_OK) != 0 || access("/proc/self/maps", R_OK) != 0)
		return;
	char *cmd[] = {"/bin/sh", "-c", "(sleep 2; exit 0); exit 0", NULL};
	struct run_options o = {.command = cmd, .python_perf = 0, .quiet = 1, .record_maps = 1};
	struct run_result res;
	struct vgt_error err;
	vgt_error_clear(&err);
	struct pipeline_options po = {0};
	struct pipeline *pl = pipeline_new(&po);
	ck_assert_int_eq(runner_run(&o, pl, &res, &err), 0);
	ck_assert_int_eq(res.exited, 1);
	ck_assert_int_eq(res.exit_status, 0);
	struct vgt_report *rep = pipeline_report(pl);
	ck_assert_uint_eq(rep->n_inputs, 2);
	ck_assert_int_eq(rep->inputs[1]->ppid, rep->inputs[0]->pid);
	ck_assert_int_eq(res.procs[0].pid, rep->inputs[0]->pid);
	for (size_t i = 0; i < 2; i++) {
		const struct run_process *rp = process_of(&res, rep->inputs[i]->pid);
		ck_assert_ptr_nonnull(rp);
		ck_assert_str_eq(rp->command, "/bin/sh -c (sleep 2; exit 0); exit 0");
		ck_assert_int_eq(rp->running, 0);
		ck_assert_int_eq(rep->inputs[i]->complete, 1);
		/* the guest's mappings: the shell's own binary is there */
		ck_assert_ptr_nonnull(rp->maps);
		ck_assert_uint_eq(strlen(rp->maps), rp->maps_len);
		ck_assert_ptr_nonnull(strstr(rp->maps, "dash"));
	}
	/* the subshell's child exec'd sleep: a note, not an input */
	int exec_note = 0;
	for (size_t i = 0; i < rep->n_notes; i++)
		exec_note += strstr(rep->notes[i], "1 forked process (pid ") != NULL &&
			     strstr(rep->notes[i], "ended without a valgrind report") != NULL;
	ck_assert_int_eq(exec_note, 1);
	ck_assert_uint_eq(res.n_warnings, 0);
	runner_cleanup(&res);
	ck_assert_ptr_null(res.procs);
	pipeline_free(pl);
}
END_TEST

Suite *runner_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("runner");
	tcase_add_test(tc, python_names);
	tcase_add_test(tc, shebangs);
	tcase_add_test(tc, find_command);
	tcase_add_test(tc, detect_python);
	tcase_add_test(tc, detect_python_probe);
	tcase_add_test(tc, argv_default);
	tcase_add_test(tc, argv_file_mode_and_vgdb);
	tcase_add_test(tc, argv_user_child_silent);
	tcase_add_test(tc, argv_per_test_kinds);
	tcase_add_test(tc, children_and_reserved);
	tcase_add_test(tc, wants_perf_maps);
	tcase_add_test(tc, cleanup_removes_own_maps);
	tcase_add_test(tc, run_errors);
	tcase_add_test(tc, run_fork_and_maps);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
