/*
 * runner.c — `vgtriage run` (see runner.h).
 *
 * vgtriage forks valgrind, which runs the guest in its own process (same
 * pid).  Valgrind writes one XML file per process into a private temp dir
 * (--xml-file=DIR/vg.%p.xml): a child forked without exec opens its own
 * file at fork, with --trace-children or without, and so does the
 * valgrind of an exec'd child under --trace-children=yes.  While the
 * program runs, the parent polls a self-pipe for signals and (with
 * --watch) the stdout of a vgdb helper, and proctrack.c follows the files
 * for the progress line.  When the first process has ended, run waits for
 * every other process still running under valgrind (Ctrl-C stops the
 * wait), then reads the files, the first process first.
 *
 * This file: finding the command, Python detection, setup, runner_run
 * and runner_cleanup.  runner_valgrind.c runs valgrind (argv, spawn,
 * signals, the wait), runner_collect.c reads the per-process XML files
 * into the pipeline, runner_term.c draws the progress line.
 */
#include "cmd/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/proctrack.h"
#include "base/safefile.h"
#include "cmd/watch.h"
#include "cmd/runner_internal.h"

#define PROBE_TIMEOUT_MS 5000

/* ---------------------------------------------------------------- helpers */

double runner_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_cloexec(int fd, int on)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags >= 0)
		fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

/* pipe() with both ends close-on-exec (pipe2 is not in POSIX 2008). */
int runner_cloexec_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	set_cloexec(fds[0], 1);
	set_cloexec(fds[1], 1);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* -------------------------------------------------------- command lookup */

static int is_executable_file(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		errno = ENOENT;
		return 0;
	}
	if (access(path, X_OK) < 0) {
		errno = EACCES;
		return 0;
	}
	return 1;
}

char *runner_find_command(const char *name, const char *path_env)
{
	if (name == NULL || name[0] == '\0') {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(name, '/') != NULL)
		return is_executable_file(name) ? xstrdup(name) : NULL;
	if (path_env == NULL)
		path_env = getenv("PATH");
	if (path_env == NULL)
		path_env = "/usr/bin:/bin";
	int saw_eacces = 0;
	const char *p = path_env;
	for (;;) {
		const char *end = strchr(p, ':');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		/* an empty PATH element means the current directory */
		char *cand = len == 0 ? xasprintf("./%s", name)
				      : xasprintf("%.*s/%s", (int)len, p, name);
		if (is_executable_file(cand))
			return cand;
		if (errno == EACCES)
			saw_eacces = 1;
		free(cand);
		if (end == NULL)
			break;
		p = end + 1;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return NULL;
}

/* ------------------------------------------------------ python detection */

int runner_python_name(const char *base, int *major, int *minor)
{
	*major = *minor = 0;
	if (strncmp(base, "python", 6) != 0)
		return 0;
	const char *p = base + 6;
	if (*p == '\0')
		return 1;
	if (*p < '0' || *p > '9')
		return 0;
	int maj = 0, min = 0, has_min = 0;
	while (*p >= '0' && *p <= '9')
		maj = maj * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			min = min * 10 + (*p++ - '0');
		has_min = 1;
	}
	/* debug / free-threaded / old ABI suffixes: python3.12d, python3.13t */
	while (*p == 'd' || *p == 'm' || *p == 't' || *p == 'u')
		p++;
	if (*p != '\0')
		return 0;
	*major = maj;
	*minor = has_min ? min : 0;
	return 1;
}

int runner_shebang_program(const char *line, char *out, size_t size)
{
	if (strncmp(line, "#!", 2) != 0)
		return -1;
	const char *p = line + 2;
	char words[3][PATH_MAX];
	int n = 0;
	while (n < 3) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '\r')
			break;
		size_t len = strcspn(p, " \t\r\n");
		if (len >= PATH_MAX)
			return -1;
		memcpy(words[n], p, len);
		words[n][len] = '\0';
		n++;
		p += len;
	}
	if (n == 0)
		return -1;
	const char *prog = words[0];
	if (strcmp(base_name(words[0]), "env") == 0) {
		/* env [-S] prog: the first word that is no option */
		prog = NULL;
		for (int i = 1; i < n; i++)
			if (words[i][0] != '-') {
				prog = words[i];
				break;
			}
		if (prog == NULL)
			return -1;
	}
	snprintf(out, size, "%s", prog);
	return 0;
}

/* Asks the interpreter itself: the name of a pyenv shim says nothing. */
static void probe_version(const char *interpreter, int *major, int *minor)
{
	int fds[2];
	if (runner_cloexec_pipe(fds) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(fds[1], 1);
		execl(interpreter, interpreter, "-c",
		      "import sys;print('%d %d' % sys.version_info[:2])", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[64];
	size_t got = 0;
	double deadline = runner_now_s() + PROBE_TIMEOUT_MS / 1000.0;
	while (pid > 0 && got + 1 < sizeof(buf)) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int ms = (int)((deadline - runner_now_s()) * 1000);
		if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
			break;
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fds[0]);
	if (pid > 0) {
		kill(pid, SIGKILL); /* harmless if it already exited: not reaped yet */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	int maj, min;
	if (sscanf(buf, "%d %d", &maj, &min) == 2) {
		*major = maj;
		*minor = min;
	}
}

/* Follows symlinks (realpath is XSI, not POSIX): the last target's path. */
static int final_link_target(const char *path, char *out, size_t size)
{
	char cur[PATH_MAX], target[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s", path);
	for (int hops = 0; hops < 16; hops++) {
		ssize_t n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			break;
		target[n] = '\0';
		if (target[0] == '/') {
			snprintf(cur, sizeof(cur), "%s", target);
		} else {
			const char *slash = strrchr(cur, '/');
			int dirlen = slash != NULL ? (int)(slash - cur) + 1 : 0;
			char next[PATH_MAX];
			if (snprintf(next, sizeof(next), "%.*s%s", dirlen, cur, target) >=
			    (int)sizeof(next))
				return -1;
			memcpy(cur, next, sizeof(cur));
		}
	}
	snprintf(out, size, "%s", cur);
	return 0;
}

/* Fills py for an interpreter path (resolved or a name to find in PATH). */
static void detect_interpreter(const char *interp, int probe, struct runner_python *py)
{
	int maj, min;
	if (!runner_python_name(base_name(interp), &maj, &min))
		return;
	char *path = runner_find_command(interp, NULL);
	py->is_python = 1;
	snprintf(py->interpreter, sizeof(py->interpreter), "%s", path != NULL ? path : interp);
	py->major = maj;
	py->minor = min;
	if (min == 0 && path != NULL) {
		/* /usr/bin/python3 -> python3.11 */
		char real[PATH_MAX];
		int rmaj, rmin;
		if (final_link_target(path, real, sizeof(real)) == 0 &&
		    runner_python_name(base_name(real), &rmaj, &rmin) && rmin != 0) {
			py->major = rmaj;
			py->minor = rmin;
		}
	}
	if (py->minor == 0 && probe && path != NULL)
		probe_version(path, &py->major, &py->minor);
	free(path);
}

void runner_detect_python(const char *path, int probe, struct runner_python *py)
{
	memset(py, 0, sizeof(*py));
	detect_interpreter(path, probe, py);
	if (py->is_python)
		return;
	/* a script or entry point (pytest, uvicorn…): its shebang says */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char line[PATH_MAX + 64];
	ssize_t n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 2)
		return;
	line[n] = '\0';
	char *nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	char prog[PATH_MAX];
	if (runner_shebang_program(line, prog, sizeof(prog)) == 0)
		detect_interpreter(prog, probe, py);
}

/* ------------------------------------------------------- python settings */

static int env_on(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* "-X perf" / "-Xperf" among the interpreter's own options. */
static int command_asks_perf(char *const *command)
{
	for (size_t i = 1; command[i] != NULL; i++) {
		if (strcmp(command[i], "-Xperf") == 0)
			return 1;
		if (strcmp(command[i], "-X") == 0 && command[i + 1] != NULL &&
		    strcmp(command[i + 1], "perf") == 0)
			return 1;
	}
	return 0;
}

static void plan_python(const struct run_options *opts, const char *program,
			struct python_env *pe)
{
	memset(pe, 0, sizeof(*pe));
	int want_probe = opts->python_perf && getenv("PYTHONPERFSUPPORT") == NULL;
	struct runner_python py;
	runner_detect_python(program, want_probe, &py);
	if (!py.is_python)
		return;
	pe->is_python = 1;
	pe->set_malloc = getenv("PYTHONMALLOC") == NULL;
	int new_enough = py.major > 3 || (py.major == 3 && py.minor >= 12);
	if (env_on("PYTHONPERFSUPPORT") || command_asks_perf(opts->command))
		pe->perf_on = 1;
	else if (opts->python_perf && getenv("PYTHONPERFSUPPORT") == NULL && new_enough)
		pe->perf_on = pe->set_perf = 1;
}

int runner_wants_perf_maps(const struct run_options *opts)
{
	if (opts->command == NULL || opts->command[0] == NULL)
		return 0;
	char *program = runner_find_command(opts->command[0], NULL);
	if (program == NULL)
		return 0;
	struct python_env pe;
	plan_python(opts, program, &pe);
	free(program);
	return pe.perf_on;
}

/* -------------------------------------------------------------- temp dir */

char *runner_make_temp_dir(struct vgt_error *err)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	char *dir = xasprintf("%s/vgtriage.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		vgt_error_set(err, NULL, 0, 0, "cannot create a temporary directory in %s: %s",
			      tmp, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

void runner_remove_temp_dir(char *dir)
{
	if (dir == NULL)
		return;
	DIR *d = opendir(dir);
	if (d != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* ------------------------------------------------------------- setup */

/* --log-file=…%p…: valgrind 3.19 then writes a forked child's XML into
 * its parent's file, where the two documents mix. */
static const char *log_file_with_pid(const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(args[i], "--log-file=", 11) == 0 && strstr(args[i], "%p") != NULL)
			return args[i];
	return NULL;
}

static int prepare(struct run *r, struct vgt_error *err)
{
	const struct run_options *opts = r->opts;
	if (opts->command == NULL || opts->command[0] == NULL)
		return vgt_error_set(err, NULL, 0, 0, "run: no command given (vgtriage run -- COMMAND)");
	const char *bad = runner_reserved_arg(opts->valgrind_args, opts->n_valgrind_args);
	if (bad != NULL)
		return vgt_error_set(err, NULL, 0, 0,
				     "--valgrind-arg=%s: vgtriage sets this itself", bad);
	bad = log_file_with_pid(opts->valgrind_args, opts->n_valgrind_args);
	if (bad != NULL)
		return vgt_error_set(err, NULL, 0, 0,
				     "--valgrind-arg=%s: with %%p there, valgrind writes forked "
				     "children's XML into their parent's file; name one file", bad);
	r->valgrind = runner_find_command("valgrind", NULL);
	if (r->valgrind == NULL)
		return vgt_error_set(err, NULL, 0, 0, "valgrind not found in PATH");
	r->program = runner_find_command(opts->command[0], NULL);
	if (r->program == NULL)
		return vgt_error_set(err, NULL, 0, 0, "%s: %s", opts->command[0],
				     errno == EACCES ? "permission denied" : "command not found");
	if (opts->watch_seconds > 0) {
		if (opts->pipeline == NULL)
			return vgt_error_set(err, NULL, 0, 0, "--watch: no pipeline options");
		r->vgdb = runner_find_command("vgdb", NULL);
		if (r->vgdb == NULL)
			return vgt_error_set(err, NULL, 0, 0, "vgdb not found in PATH (--watch needs it)");
	}
	plan_python(opts, r->program, &r->py);
	r->res->python = r->py.is_python;
	r->res->python_perf = r->py.set_perf;
	/* Always a private dir: one XML file per process, and valgrind's
	 * gdbserver FIFOs (made even without --watch), so that a SIGKILLed
	 * valgrind leaves nothing in TMPDIR, and concurrent runs never share
	 * a name. */
	r->tmpdir = runner_make_temp_dir(err);
	if (r->tmpdir == NULL)
		return -1;
	r->xml_file = xasprintf("%s/vg.%%p.xml", r->tmpdir);
	if (!runner_has_arg_prefix(opts->valgrind_args, opts->n_valgrind_args, "--vgdb-prefix="))
		r->vgdb_prefix = xasprintf("%s/vgdb", r->tmpdir);
	else if (opts->watch_seconds > 0)
		return vgt_error_set(err, NULL, 0, 0,
				     "--watch: vgtriage sets --vgdb-prefix itself");
	if (opts->keep_xml != NULL) {
		/* find out now, not after a long run (nothing is written yet) */
		struct safefile *probe = safefile_open(opts->keep_xml, err);
		if (probe == NULL)
			return -1;
		safefile_abort(probe);
	}
	char *marker = xasprintf("--xml-file=%s", r->xml_file);
	r->pt = proctrack_new(r->tmpdir, marker, opts->record_maps);
	free(marker);
	return 0;
}

static void fill_result(struct run *r)
{
	if (!r->reaped)
		return;
	if (WIFEXITED(r->status)) {
		r->res->exited = 1;
		r->res->exit_status = WEXITSTATUS(r->status);
	} else if (WIFSIGNALED(r->status)) {
		r->res->signaled = 1;
		r->res->signal = WTERMSIG(r->status);
	}
}

/* Removes the private directory unless a process still writes there. */
static void finish_temp_dir(struct run *r)
{
	if (r->tmpdir == NULL)
		return;
	size_t n = r->pt != NULL ? proctrack_count(r->pt) : 0, running = 0;
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (proctrack_done(p))
			continue;
		char label[200];
		struct vgt_error e;
		vgt_error_set(&e, NULL, 0, 0, "%s still runs under valgrind: its report is incomplete",
			      proctrack_label(p, label, sizeof(label)));
		runner_note_warning(r, &e);
		running++;
	}
	if (running > 0) {
		struct vgt_error e;
		vgt_error_set(&e, NULL, 0, 0, "%s left in place: valgrind still writes there",
			      r->tmpdir);
		runner_note_warning(r, &e);
		free(r->tmpdir);
	} else {
		runner_remove_temp_dir(r->tmpdir);
	}
	r->tmpdir = NULL;
}

/* "--show-leak-kinds=all" or a set with "reachable" among args (--per-test
 * asks for them before those). */
static int shows_reachable(const struct run_options *opts)
{
	int yes = opts->per_test != NULL;
	for (size_t i = 0; i < opts->n_valgrind_args; i++) {
		const char *a = opts->valgrind_args[i];
		if (strncmp(a, "--show-leak-kinds=", 18) == 0)
			yes = strcmp(a + 18, "all") == 0 || strstr(a + 18, "reachable") != NULL;
	}
	return yes;
}

/* Still-reachable memory: valgrind's XML lists it only when asked, so the
 * report can name no figure of its own; say how to see it, what the last
 * --watch leak search counted, and where it grew beside a definite leak. */
static void note_reachable(struct run *r)
{
	struct vgt_report *report = pipeline_report(r->pl);
	if (r->watch != NULL) {
		uint64_t bytes, blocks;
		double at;
		size_t n;
		char a[32], b[32];
		if (watch_reachable_summary(r->watch, &bytes, &blocks, &at, &n))
			report_add_note(report, "still reachable at the last --watch snapshot "
					"(%.1fs, %zu process%s): %s bytes in %s blocks, valgrind's "
					"LEAK SUMMARY", at, n, n == 1 ? "" : "es",
					render_grouped(a, bytes), render_grouped(b, blocks));
		size_t nn;
		const char *const *notes = watch_cache_notes(r->watch, &nn);
		for (size_t i = 0; i < nn; i++)
			report_add_note(report, "%s", notes[i]);
		/* the growth over time, for the HTML report's chart */
		size_t ns;
		const struct vgt_snapshot *snaps = watch_snapshots(r->watch, &ns);
		if (ns > 0) {
			free(report->snapshots);
			report->snapshots = xmalloc(ns * sizeof(*snaps));
			memcpy(report->snapshots, snaps, ns * sizeof(*snaps));
			report->n_snapshots = report->snapshots_cap = ns;
		}
	}
	if (!shows_reachable(r->opts))
		report_add_note(report, "still reachable memory is not in valgrind's XML unless "
				"asked for: --valgrind-arg=--show-leak-kinds=all lists it");
}

int runner_run(const struct run_options *opts, struct pipeline *pl,
	       struct run_result *result, struct vgt_error *err)
{
	memset(result, 0, sizeof(*result));
	struct run run;
	memset(&run, 0, sizeof(run));
	struct run *r = &run;
	r->opts = opts;
	r->pl = pl;
	r->res = result;
	if (opts->engine_asan)
		return runner_run_asan(r, err);
	r->tty_fd = -1;
	r->sig.fds[0] = r->sig.fds[1] = -1;
	char **argv = NULL;
	int rc = -1;

	if (prepare(r, err) < 0)
		goto out;
	struct runner_argv_spec spec = {
		.valgrind = r->valgrind,
		.xml_file = r->xml_file,
		.vgdb_prefix = r->vgdb_prefix,
		.vgdb = opts->watch_seconds > 0,
		.valgrind_args = opts->valgrind_args,
		.n_valgrind_args = opts->n_valgrind_args,
		.program = r->program,
		.command = opts->command,
		.blame_kinds = opts->per_test != NULL,
	};
	argv = runner_build_argv(&spec);
	r->tty_fd = runner_foreground_tty();
	if (runner_signals_install(&r->sig, r->tty_fd >= 0) < 0) {
		vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		goto out;
	}
	r->start = runner_now_s();
	if (runner_spawn_valgrind(r, argv, err) < 0)
		goto out;
	if (opts->watch_seconds > 0) {
		r->watch = watch_new(opts->pipeline, opts->out != NULL ? opts->out : stdout,
				     opts->format, opts->render);
		r->next_snapshot = r->start + opts->watch_seconds;
	}
	r->progress = opts->progress && !opts->quiet && isatty(2);
	runner_event_loop(r);
	fill_result(r);
	size_t inputs_before = pipeline_report(pl)->n_inputs;
	runner_read_process_files(r);
	note_reachable(r);
	runner_add_pid(result, (long)r->pid);
	if (pipeline_report(pl)->n_inputs == inputs_before && !result->interrupted) {
		/* Not one file of XML (valgrind rejected an option, or could not
		 * start): an error, not an empty report. */
		rc = vgt_error_set(err, NULL, 0, 0, "%s: valgrind wrote no XML (its own messages "
				   "above say why)", opts->command[0]);
		goto out;
	}
	rc = 0;
out:
	runner_take_tty(r);
	if (r->pid > 0 && !r->reaped) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	runner_reap_vgdb(r);
	runner_signals_restore(&r->sig);
	watch_free(r->watch);
	runner_argv_free(argv);
	if (rc == 0)
		finish_temp_dir(r);
	else
		runner_remove_temp_dir(r->tmpdir);
	proctrack_free(r->pt);
	free(r->xml_file);
	free(r->vgdb_prefix);
	free(r->valgrind);
	free(r->vgdb);
	free(r->program);
	return rc;
}

void runner_cleanup(struct run_result *result)
{
	if (result == NULL)
		return;
	if (result->python_perf) {
		for (size_t i = 0; i < result->n_pids; i++) {
			char path[64];
			snprintf(path, sizeof(path), RUNNER_PERF_MAP_DIR "/perf-%ld.map",
				 result->pids[i]);
			unlink(path);
		}
	}
	free(result->pids);
	result->pids = NULL;
	result->n_pids = 0;
	for (size_t i = 0; i < result->n_procs; i++) {
		free(result->procs[i].command);
		free(result->procs[i].maps);
	}
	free(result->procs);
	result->procs = NULL;
	result->n_procs = 0;
	free(result->warnings);
	result->warnings = NULL;
	result->n_warnings = 0;
}
