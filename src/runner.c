/*
 * runner.c — `vgtriage run` (see runner.h).
 *
 * One process tree: vgtriage forks valgrind, which runs the guest in its
 * own process (same pid).  valgrind writes XML into a pipe whose write end
 * is the only fd we leave open across exec; the parent polls that pipe, a
 * self-pipe for signals, and (with --watch) the stdout of a vgdb helper, so
 * it never blocks on one while another needs it.  With --trace-children=yes
 * every process writes its own file in a private temp dir, read after the
 * run.
 */
#include "vgtriage/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "vgtriage/watch.h"

#define PROBE_TIMEOUT_MS 5000
#define DRAIN_AFTER_EXIT_MS 2000
#define VGDB_TIMEOUT_MS 60000
#define KILL_WINDOW_S 3.0
#define PROGRESS_TICK_MS 250

/* ---------------------------------------------------------------- helpers */

static double now_s(void)
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
static int cloexec_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	set_cloexec(fds[0], 1);
	set_cloexec(fds[1], 1);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
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
	if (cloexec_pipe(fds) < 0)
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
	double deadline = now_s() + PROBE_TIMEOUT_MS / 1000.0;
	while (pid > 0 && got + 1 < sizeof(buf)) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int ms = (int)((deadline - now_s()) * 1000);
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

/* ------------------------------------------------------------ valgrind argv */

int runner_traces_children(const char *const *args, size_t n)
{
	int yes = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(args[i], "--trace-children=", 17) == 0)
			yes = strcmp(args[i] + 17, "yes") == 0;
	return yes;
}

const char *runner_reserved_arg(const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strncmp(args[i], "--xml", 5) == 0)
			return args[i];
		if (strncmp(args[i], "--tool=", 7) == 0 && strcmp(args[i] + 7, "memcheck") != 0)
			return args[i];
	}
	return NULL;
}

static int has_arg_prefix(const char *const *args, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(args[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

char **runner_build_argv(const struct runner_argv_spec *spec)
{
	size_t n_cmd = 0;
	while (spec->command[n_cmd] != NULL)
		n_cmd++;
	size_t cap = 12 + spec->n_valgrind_args + n_cmd + 1;
	char **argv = xcalloc(cap, sizeof(*argv));
	size_t n = 0;
	argv[n++] = xstrdup(spec->valgrind);
	argv[n++] = xstrdup("--tool=memcheck");
	argv[n++] = xstrdup("--leak-check=full");
	argv[n++] = xstrdup("--num-callers=40");
	argv[n++] = xstrdup("--xml=yes");
	if (spec->xml_fd >= 0) {
		argv[n++] = xasprintf("--xml-fd=%d", spec->xml_fd);
		/* a fork()ed child would write into the same XML stream */
		if (!has_arg_prefix(spec->valgrind_args, spec->n_valgrind_args,
				    "--child-silent-after-fork="))
			argv[n++] = xstrdup("--child-silent-after-fork=yes");
	} else {
		argv[n++] = xasprintf("--xml-file=%s", spec->xml_file);
	}
	if (spec->vgdb) {
		argv[n++] = xstrdup("--vgdb=yes");
		/* vgdb answers in text, where frames carry only a file name
		 * unless this is given: with the directory, snapshot sites are
		 * mapped (Cython) and fingerprinted like the final report's */
		if (!has_arg_prefix(spec->valgrind_args, spec->n_valgrind_args,
				    "--fullpath-after="))
			argv[n++] = xstrdup("--fullpath-after=");
	}
	if (spec->vgdb_prefix != NULL)
		argv[n++] = xasprintf("--vgdb-prefix=%s", spec->vgdb_prefix);
	for (size_t i = 0; i < spec->n_valgrind_args; i++)
		argv[n++] = xstrdup(spec->valgrind_args[i]);
	argv[n++] = xstrdup("--");
	argv[n++] = xstrdup(spec->program);
	for (size_t i = 1; i < n_cmd; i++)
		argv[n++] = xstrdup(spec->command[i]);
	argv[n] = NULL;
	return argv;
}

void runner_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* ------------------------------------------------------- python settings */

struct python_env {
	int is_python;
	int set_malloc;   /* we set PYTHONMALLOC=malloc */
	int set_perf;     /* we set PYTHONPERFSUPPORT=1 */
	int perf_on;      /* maps will be written (ours or the user's doing) */
};

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

/* ---------------------------------------------------------------- signals */

static int sig_wfd = -1;  /* self-pipe: the handler writes {signo, from_user} */

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	int saved = errno;
	/* si_code <= 0: sent by a process (kill, sigqueue).  A terminal's
	 * Ctrl-C reaches the whole foreground group, valgrind included, and
	 * must not be delivered twice. */
	unsigned char msg[2] = {(unsigned char)sig,
				(unsigned char)(info != NULL && info->si_code <= 0)};
	if (sig_wfd >= 0 && write(sig_wfd, msg, sizeof(msg)) < 0) {
		/* the pipe is full: enough wake-ups are queued */
	}
	errno = saved;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

struct signal_state {
	int fds[2];
	struct sigaction old[N_FORWARDED];
	int installed[N_FORWARDED];
	struct sigaction old_chld;
	int chld_installed;
};

static int signals_install(struct signal_state *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->fds[0] = ss->fds[1] = -1;
	if (cloexec_pipe(ss->fds) < 0)
		return -1;
	fcntl(ss->fds[0], F_SETFL, fcntl(ss->fds[0], F_GETFL) | O_NONBLOCK);
	fcntl(ss->fds[1], F_SETFL, fcntl(ss->fds[1], F_GETFL) | O_NONBLOCK);
	sig_wfd = ss->fds[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_FORWARDED; i++) {
		sigaction(forwarded[i], NULL, &ss->old[i]);
		/* nohup: an ignored SIGHUP stays ignored */
		if (forwarded[i] == SIGHUP && ss->old[i].sa_handler == SIG_IGN)
			continue;
		sigaction(forwarded[i], &sa, NULL);
		ss->installed[i] = 1;
	}
	sa.sa_flags |= SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &ss->old_chld);
	ss->chld_installed = 1;
	return 0;
}

static void signals_restore(struct signal_state *ss)
{
	for (size_t i = 0; i < N_FORWARDED; i++)
		if (ss->installed[i])
			sigaction(forwarded[i], &ss->old[i], NULL);
	if (ss->chld_installed)
		sigaction(SIGCHLD, &ss->old_chld, NULL);
	sig_wfd = -1;
	close_fd(&ss->fds[0]);
	close_fd(&ss->fds[1]);
}

/* In a fresh child: default dispositions for what we forward (a script's
 * `cmd &` leaves SIGINT ignored, and we mean to deliver it), nothing blocked. */
static void child_reset_signals(const struct signal_state *ss)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < N_FORWARDED; i++)
		if (ss->installed[i])
			sigaction(forwarded[i], &dfl, NULL);
	sigaction(SIGCHLD, ss->chld_installed ? &ss->old_chld : &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* -------------------------------------------------------------- temp dir */

static char *make_temp_dir(struct vgt_error *err)
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

static void remove_temp_dir(char *dir)
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

/* ------------------------------------------------------------- the run */

struct run {
	const struct run_options *opts;
	struct pipeline *pl;
	struct run_result *res;
	struct signal_state sig;
	char *valgrind;
	char *vgdb;
	char *program;
	char *tmpdir;
	char *vgdb_prefix;
	struct python_env py;
	int children;            /* --trace-children=yes: one file per process */
	pid_t pid;               /* valgrind = the guest */
	int reaped;
	int status;
	double start;
	/* the XML pipe */
	int xml_fd;
	struct pipeline_stream *st;
	int st_failed;
	int keep_fd;
	/* --watch */
	struct watch *watch;
	pid_t vgdb_pid;
	int vgdb_fd;
	char *vgdb_buf;
	size_t vgdb_len, vgdb_cap;
	double vgdb_started, next_snapshot;
	/* signals */
	double last_int;
	/* progress */
	int progress;
	int progress_shown;
	double next_progress;
	char progress_line[160];
};

static void add_pid(struct run_result *res, long pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < res->n_pids; i++)
		if (res->pids[i] == pid)
			return;
	res->pids = xrealloc(res->pids, (res->n_pids + 1) * sizeof(*res->pids));
	res->pids[res->n_pids++] = pid;
}

static void note_warning(struct run *r, const struct vgt_error *e)
{
	if (r->res->has_warning)
		return;
	r->res->has_warning = 1;
	r->res->warning = *e;
}

static void progress_erase(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->progress_shown = 0;
	}
}

static void progress_draw(struct run *r, double now)
{
	if (!r->progress || now < r->next_progress)
		return;
	r->next_progress = now + PROGRESS_TICK_MS / 1000.0;
	const struct vgt_report *rep = pipeline_report(r->pl);
	size_t leaks = 0, errors = 0;
	for (size_t i = 0; rep != NULL && i < rep->n_sites; i++) {
		if (kind_is_leak(rep->sites[i]->kind))
			leaks += rep->sites[i]->records;
		else
			errors += rep->sites[i]->records;
	}
	char line[sizeof(r->progress_line)];
	int n = snprintf(line, sizeof(line), "vgtriage: %s %.0fs%s",
			 r->res->interrupted ? "stopping" : "running", now - r->start,
			 r->res->interrupted ? " (Ctrl-C again kills it)" : "");
	if (!r->children && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %zu error%s", errors,
			      errors == 1 ? "" : "s");
	if (!r->children && leaks > 0 && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", leak check: %zu record%s",
			      leaks, leaks == 1 ? "" : "s");
	if (r->watch != NULL && n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ", %u snapshot%s",
			 watch_count(r->watch), watch_count(r->watch) == 1 ? "" : "s");
	if (r->progress_shown && strcmp(line, r->progress_line) == 0)
		return; /* a terminal need not be told twice */
	memcpy(r->progress_line, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	r->progress_shown = 1;
}

/* fork + exec of valgrind; an exec failure comes back through a pipe. */
static int spawn_valgrind(struct run *r, char **argv, int xml_wfd, struct vgt_error *err)
{
	int errp[2];
	if (cloexec_pipe(errp) < 0)
		return vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(errp[0]);
		close(errp[1]);
		return vgt_error_set(err, NULL, 0, 0, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		child_reset_signals(&r->sig);
		if (r->py.set_malloc)
			setenv("PYTHONMALLOC", "malloc", 1);
		if (r->py.set_perf)
			setenv("PYTHONPERFSUPPORT", "1", 1);
		if (r->opts->per_test != NULL)
			harness_setenv(r->opts->per_test);
		if (xml_wfd >= 0)
			set_cloexec(xml_wfd, 0);
		execv(argv[0], argv);
		int e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0) {
			/* nothing left to tell it with */
		}
		_exit(127);
	}
	close(errp[1]);
	int e = 0;
	ssize_t n;
	while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errp[0]);
	r->pid = pid;
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		r->pid = 0;
		return vgt_error_set(err, NULL, 0, 0, "%s: %s", argv[0], strerror(e));
	}
	return 0;
}

static void spawn_vgdb(struct run *r, double now)
{
	int fds[2];
	if (cloexec_pipe(fds) < 0)
		return;
	char *prefix = xasprintf("--vgdb-prefix=%s", r->vgdb_prefix);
	char *pidarg = xasprintf("--pid=%ld", (long)r->pid);
	char *argv[] = {r->vgdb, prefix, pidarg, "leak_check", "full", "definiteleak",
			"increased", NULL};
	pid_t pid = fork();
	if (pid == 0) {
		child_reset_signals(&r->sig);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2); /* "sending command … to pid" */
		}
		dup2(fds[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	free(prefix);
	free(pidarg);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return;
	}
	r->vgdb_pid = pid;
	r->vgdb_fd = fds[0];
	r->vgdb_len = 0;
	r->vgdb_started = now;
}

/* Returns 1 when vgdb exited 0 (its answer is a leak search). */
static int reap_vgdb(struct run *r, int kill_it)
{
	if (r->vgdb_pid <= 0)
		return 0;
	if (kill_it)
		kill(r->vgdb_pid, SIGKILL);
	int status = 0;
	while (waitpid(r->vgdb_pid, &status, 0) < 0 && errno == EINTR)
		;
	r->vgdb_pid = 0;
	close_fd(&r->vgdb_fd);
	return !kill_it && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void finish_snapshot(struct run *r)
{
	if (!reap_vgdb(r, 0))
		return; /* valgrind not listening yet, or already exiting */
	r->vgdb_buf = xgrow(r->vgdb_buf, &r->vgdb_cap, r->vgdb_len + 1, 1);
	r->vgdb_buf[r->vgdb_len] = '\0';
	progress_erase(r);
	struct vgt_error e;
	vgt_error_clear(&e);
	(void)watch_snapshot(r->watch, r->vgdb_buf, r->vgdb_len, r->vgdb_started - r->start, &e);
}

static void read_vgdb(struct run *r)
{
	r->vgdb_buf = xgrow(r->vgdb_buf, &r->vgdb_cap, r->vgdb_len + 65536, 1);
	ssize_t n = read(r->vgdb_fd, r->vgdb_buf + r->vgdb_len, 65536);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		finish_snapshot(r);
		return;
	}
	r->vgdb_len += (size_t)n;
}

static void read_xml(struct run *r)
{
	char buf[65536];
	ssize_t n = read(r->xml_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&r->xml_fd);
		return;
	}
	if (r->keep_fd >= 0 && write_all(r->keep_fd, buf, (size_t)n) < 0) {
		struct vgt_error e;
		vgt_error_set(&e, r->opts->keep_xml, 0, 0, "cannot write: %s", strerror(errno));
		note_warning(r, &e);
		close_fd(&r->keep_fd);
	}
	if (r->st_failed)
		return; /* keep draining so that valgrind never blocks */
	struct vgt_error e;
	vgt_error_clear(&e);
	if (pipeline_stream_feed(r->st, buf, (size_t)n, &e) < 0) {
		note_warning(r, &e);
		r->st_failed = 1;
	}
}

static void handle_signals(struct run *r, double now)
{
	unsigned char msg[64];
	ssize_t n;
	while ((n = read(r->sig.fds[0], msg, sizeof(msg))) > 0) {
		for (ssize_t i = 0; i + 1 < n; i += 2) {
			int sig = msg[i], from_user = msg[i + 1];
			if (sig == SIGCHLD || r->pid <= 0 || r->reaped)
				continue;
			r->res->interrupted = 1;
			if (sig == SIGINT && r->last_int > 0 && now - r->last_int <= KILL_WINDOW_S) {
				kill(r->pid, SIGKILL);
				r->res->killed = 1;
				continue;
			}
			if (sig == SIGINT)
				r->last_int = now;
			if (from_user)
				kill(r->pid, sig);
		}
	}
}

static void check_child(struct run *r)
{
	if (r->reaped || r->pid <= 0)
		return;
	int status;
	pid_t got = waitpid(r->pid, &status, WNOHANG);
	if (got == r->pid) {
		r->reaped = 1;
		r->status = status;
	}
}

static int poll_timeout_ms(const struct run *r, double now, double drain_deadline)
{
	double until = now + 1.0;
	if (r->progress && r->next_progress < until)
		until = r->next_progress;
	if (r->watch != NULL && r->vgdb_pid <= 0 && !r->reaped && r->next_snapshot < until)
		until = r->next_snapshot;
	if (r->reaped && drain_deadline < until)
		until = drain_deadline;
	int ms = (int)((until - now) * 1000.0) + 1;
	return ms < 0 ? 0 : ms;
}

static void event_loop(struct run *r)
{
	double drain_deadline = 0;
	for (;;) {
		double now = now_s();
		check_child(r);
		if (r->reaped && drain_deadline == 0)
			drain_deadline = now + DRAIN_AFTER_EXIT_MS / 1000.0;
		if (r->reaped && (r->xml_fd < 0 || now >= drain_deadline))
			break;
		if (r->watch != NULL && r->vgdb_pid <= 0 && !r->reaped && now >= r->next_snapshot) {
			spawn_vgdb(r, now);
			r->next_snapshot += r->opts->watch_seconds;
			if (r->next_snapshot < now)
				r->next_snapshot = now + r->opts->watch_seconds;
		}
		if (r->vgdb_pid > 0 && now - r->vgdb_started > VGDB_TIMEOUT_MS / 1000.0)
			reap_vgdb(r, 1);
		struct pollfd pfd[3];
		int n = 0, i_xml = -1, i_vgdb = -1;
		pfd[n++] = (struct pollfd){.fd = r->sig.fds[0], .events = POLLIN};
		if (r->xml_fd >= 0) {
			i_xml = n;
			pfd[n++] = (struct pollfd){.fd = r->xml_fd, .events = POLLIN};
		}
		if (r->vgdb_fd >= 0) {
			i_vgdb = n;
			pfd[n++] = (struct pollfd){.fd = r->vgdb_fd, .events = POLLIN};
		}
		int rc = poll(pfd, (nfds_t)n, poll_timeout_ms(r, now, drain_deadline));
		now = now_s();
		if (rc > 0) {
			if (pfd[0].revents & POLLIN)
				handle_signals(r, now);
			if (i_xml >= 0 && (pfd[i_xml].revents & (POLLIN | POLLHUP | POLLERR)))
				read_xml(r);
			if (i_vgdb >= 0 && (pfd[i_vgdb].revents & (POLLIN | POLLHUP | POLLERR)))
				read_vgdb(r);
		}
		progress_draw(r, now);
	}
	reap_vgdb(r, 1);
	progress_erase(r);
}

/* ------------------------------------------------- one file per process */

struct pid_file {
	long pid;
	char *path;
};

static int pid_file_cmp(const void *a, const void *b)
{
	const struct pid_file *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Copies path to keep (when given) while feeding it to the pipeline. */
static void read_process_file(struct run *r, const char *path, const char *keep)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	int kfd = -1;
	if (keep != NULL) {
		kfd = open(keep, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (kfd < 0) {
			struct vgt_error e;
			vgt_error_set(&e, keep, 0, 0, "cannot write: %s", strerror(errno));
			note_warning(r, &e);
		}
	}
	struct pipeline_stream *st = pipeline_stream_open(r->pl, keep != NULL ? keep : "(run)",
							  "xml");
	struct vgt_error e;
	vgt_error_clear(&e);
	int failed = 0;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (kfd >= 0)
			write_all(kfd, buf, (size_t)n);
		if (!failed && pipeline_stream_feed(st, buf, (size_t)n, &e) < 0) {
			note_warning(r, &e);
			failed = 1;
		}
	}
	struct vgt_input *in = pipeline_stream_input(st);
	vgt_error_clear(&e);
	if (pipeline_stream_close(st, &e) != 0 && !failed)
		note_warning(r, &e);
	if (in != NULL)
		add_pid(r->res, in->pid);
	close(fd);
	if (kfd >= 0)
		close(kfd);
}

static void read_process_files(struct run *r)
{
	DIR *d = opendir(r->tmpdir);
	if (d == NULL)
		return;
	struct pid_file *files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		long pid;
		char tail[8];
		if (sscanf(de->d_name, "vg.%ld.xm%1s", &pid, tail) != 2)
			continue;
		files = xgrow(files, &cap, n + 1, sizeof(*files));
		files[n].pid = pid;
		files[n].path = xasprintf("%s/%s", r->tmpdir, de->d_name);
		n++;
	}
	closedir(d);
	qsort(files, n, sizeof(*files), pid_file_cmp);
	/* the first process first: it is the one the user started */
	for (size_t i = 0; i < n; i++)
		if (files[i].pid == (long)r->pid && i > 0) {
			struct pid_file t = files[i];
			memmove(files + 1, files, i * sizeof(*files));
			files[0] = t;
		}
	for (size_t i = 0; i < n; i++) {
		char *keep = NULL;
		if (r->opts->keep_xml != NULL)
			keep = files[i].pid == (long)r->pid
				       ? xstrdup(r->opts->keep_xml)
				       : xasprintf("%s.%ld", r->opts->keep_xml, files[i].pid);
		read_process_file(r, files[i].path, keep);
		free(keep);
		free(files[i].path);
	}
	free(files);
}

/* ------------------------------------------------------------- setup */

static int prepare(struct run *r, struct vgt_error *err)
{
	const struct run_options *opts = r->opts;
	if (opts->command == NULL || opts->command[0] == NULL)
		return vgt_error_set(err, NULL, 0, 0, "run: no command given (vgtriage run -- COMMAND)");
	const char *bad = runner_reserved_arg(opts->valgrind_args, opts->n_valgrind_args);
	if (bad != NULL)
		return vgt_error_set(err, NULL, 0, 0,
				     "--valgrind-arg=%s: vgtriage sets this itself", bad);
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
	r->children = runner_traces_children(opts->valgrind_args, opts->n_valgrind_args);
	/* Always a private dir: valgrind's gdbserver FIFOs (made even without
	 * --watch) go there too, so that a SIGKILLed valgrind leaves nothing
	 * in TMPDIR, and concurrent runs never share a name. */
	r->tmpdir = make_temp_dir(err);
	if (r->tmpdir == NULL)
		return -1;
	if (!has_arg_prefix(opts->valgrind_args, opts->n_valgrind_args, "--vgdb-prefix="))
		r->vgdb_prefix = xasprintf("%s/vgdb", r->tmpdir);
	else if (opts->watch_seconds > 0)
		return vgt_error_set(err, NULL, 0, 0,
				     "--watch: vgtriage sets --vgdb-prefix itself");
	if (opts->keep_xml != NULL && !r->children) {
		r->keep_fd = open(opts->keep_xml, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (r->keep_fd < 0)
			return vgt_error_set(err, opts->keep_xml, 0, 0, "cannot write: %s",
					     strerror(errno));
	}
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
	r->xml_fd = r->keep_fd = r->vgdb_fd = -1;
	r->sig.fds[0] = r->sig.fds[1] = -1;
	int xml_pipe[2] = {-1, -1};
	char **argv = NULL;
	char *xml_file = NULL;
	int rc = -1;

	if (prepare(r, err) < 0)
		goto out;
	if (!r->children && cloexec_pipe(xml_pipe) < 0) {
		vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		goto out;
	}
	if (r->children)
		xml_file = xasprintf("%s/vg.%%p.xml", r->tmpdir);
	struct runner_argv_spec spec = {
		.valgrind = r->valgrind,
		.xml_fd = r->children ? -1 : xml_pipe[1],
		.xml_file = xml_file,
		.vgdb_prefix = r->vgdb_prefix,
		.vgdb = opts->watch_seconds > 0,
		.valgrind_args = opts->valgrind_args,
		.n_valgrind_args = opts->n_valgrind_args,
		.program = r->program,
		.command = opts->command,
	};
	argv = runner_build_argv(&spec);
	if (signals_install(&r->sig) < 0) {
		vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		goto out;
	}
	r->start = now_s();
	if (spawn_valgrind(r, argv, xml_pipe[1], err) < 0)
		goto out;
	close_fd(&xml_pipe[1]);
	if (!r->children) {
		r->xml_fd = xml_pipe[0];
		xml_pipe[0] = -1;
		r->st = pipeline_stream_open(pl, opts->keep_xml != NULL ? opts->keep_xml : "(run)",
					     "xml");
	}
	if (opts->watch_seconds > 0) {
		r->watch = watch_new(opts->pipeline, opts->out != NULL ? opts->out : stdout,
				     opts->format, opts->render);
		r->next_snapshot = r->start + opts->watch_seconds;
	}
	r->progress = opts->progress && !opts->quiet && isatty(2);
	event_loop(r);
	fill_result(r);
	if (r->st != NULL) {
		struct vgt_input *in = pipeline_stream_input(r->st);
		struct vgt_error e;
		vgt_error_clear(&e);
		if (in != NULL && result->killed)
			in->complete = 0; /* SIGKILL: valgrind never finished the XML */
		int crc = pipeline_stream_close(r->st, &e);
		r->st = NULL;
		if (crc != 0 && !r->st_failed)
			note_warning(r, &e);
		if (in != NULL)
			add_pid(result, in->pid);
	}
	if (r->children)
		read_process_files(r);
	add_pid(result, (long)r->pid);
	rc = 0;
out:
	if (r->pid > 0 && !r->reaped) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->st != NULL)
		pipeline_stream_close(r->st, NULL);
	reap_vgdb(r, 1);
	signals_restore(&r->sig);
	close_fd(&xml_pipe[0]);
	close_fd(&xml_pipe[1]);
	close_fd(&r->xml_fd);
	close_fd(&r->keep_fd);
	watch_free(r->watch);
	free(r->vgdb_buf);
	runner_argv_free(argv);
	free(xml_file);
	remove_temp_dir(r->tmpdir);
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
}
