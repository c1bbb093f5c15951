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
 */
#include "cmd/runner.h"

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

#include "cmd/proctrack.h"
#include "base/safefile.h"
#include "cmd/watch.h"

#define PROBE_TIMEOUT_MS 5000
#define DRAIN_AFTER_STOP_MS 2000  /* after Ctrl-C: time to end a leak check */
#define VGDB_TIMEOUT_MS 60000
#define KILL_WINDOW_S 3.0
#define PROGRESS_TICK_MS 250
#define POLL_TICK_MS 250          /* the XML files, while the first process runs */
#define CHECK_TICK_MS 1000        /* which processes still run */
#define WAIT_TICK_MS 100          /* both, while waiting for the others */
#define FIND_EVERY_S 1.0
#define WAIT_NOTICE_S 1.0         /* say why we wait when it lasts */
#define READ_CHUNK 65536

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
	/* with %p, every process (a fork()ed child too) writes its own file */
	argv[n++] = xasprintf("--xml-file=%s", spec->xml_file);
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
	char *xml_file;          /* DIR/vg.%p.xml */
	struct python_env py;
	pid_t pid;               /* valgrind = the guest */
	int reaped;
	int status;
	double start;
	/* every process's XML file */
	struct proctrack *pt;
	double next_poll, next_check, next_find;
	/* after the first process ended: waiting for the others */
	int waiting;
	double wait_start;
	int wait_told;
	double stop_at;          /* stop waiting then (Ctrl-C); 0 = no limit */
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
	char progress_line[200];
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
	struct run_result *res = r->res;
	res->warnings = xrealloc(res->warnings, (res->n_warnings + 1) * sizeof(*res->warnings));
	res->warnings[res->n_warnings++] = *e;
	if (!res->has_warning) {
		res->has_warning = 1;
		res->warning = *e;
	}
}

static void progress_erase(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->progress_shown = 0;
	}
}

/* "pid 12 (./prog), pid 13 (./prog) and 2 more" for the processes not
 * done; commands cut to cmd_max characters (0: whole). */
static void pending_list(struct run *r, char *buf, size_t size, int cmd_max)
{
	size_t o = 0, shown = 0, n = proctrack_count(r->pt);
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (proctrack_done(p))
			continue;
		if (shown == 2) {
			snprintf(buf + o, size - o, " and %zu more", proctrack_pending(r->pt) - shown);
			return;
		}
		int w;
		int cut = cmd_max > 0 && strlen(p->command) > (size_t)cmd_max;
		if (p->command[0] == '\0')
			w = snprintf(buf + o, size - o, "%spid %ld", shown > 0 ? ", " : "", p->pid);
		else
			w = snprintf(buf + o, size - o, "%spid %ld (%.*s%s)", shown > 0 ? ", " : "",
				     p->pid, cut ? cmd_max : (int)sizeof(p->command), p->command,
				     cut ? "…" : "");
		o = w < 0 ? o : o + (size_t)w >= size ? size - 1 : o + (size_t)w;
		shown++;
	}
}

static void progress_draw(struct run *r, double now)
{
	if (!r->progress || now < r->next_progress)
		return;
	r->next_progress = now + PROGRESS_TICK_MS / 1000.0;
	size_t leaks = 0, errors = 0, n = proctrack_count(r->pt);
	for (size_t i = 0; i < n; i++) {
		const struct proctrack_proc *p = proctrack_at(r->pt, i);
		leaks += p->leaks;
		errors += p->errors - p->leaks;
	}
	char line[sizeof(r->progress_line)];
	int w;
	if (r->waiting) {
		char list[120];
		pending_list(r, list, sizeof(list), 24); /* one terminal line */
		w = snprintf(line, sizeof(line), "vgtriage: waiting %.0fs for %s%s", now - r->wait_start,
			     list, r->stop_at > 0 ? " (Ctrl-C again stops now)" : " (Ctrl-C stops waiting)");
	} else {
		w = snprintf(line, sizeof(line), "vgtriage: %s %.0fs%s",
			     r->res->interrupted ? "stopping" : "running", now - r->start,
			     r->res->interrupted ? " (Ctrl-C again kills it)" : "");
		size_t o = w > 0 && (size_t)w < sizeof(line) ? (size_t)w : sizeof(line) - 1;
		if (n > 1 && o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", %zu processes", n);
		if (o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", %zu error%s", errors,
					      errors == 1 ? "" : "s");
		if (leaks > 0 && o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", leak check: %zu record%s",
					      leaks, leaks == 1 ? "" : "s");
		if (r->watch != NULL && o + 1 < sizeof(line))
			snprintf(line + o, sizeof(line) - o, ", %u snapshot%s", watch_count(r->watch),
				 watch_count(r->watch) == 1 ? "" : "s");
	}
	if (r->progress_shown && strcmp(line, r->progress_line) == 0)
		return; /* a terminal need not be told twice */
	memcpy(r->progress_line, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	r->progress_shown = 1;
}

/* fork + exec of valgrind; an exec failure comes back through a pipe. */
static int spawn_valgrind(struct run *r, char **argv, struct vgt_error *err)
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
		/* the report owns standard output: the program writes to stderr */
		if (r->opts->program_stdout_to_stderr)
			dup2(2, 1);
		if (r->opts->per_test != NULL)
			harness_setenv(r->opts->per_test);
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

/* sig to every other process of the run that still runs under valgrind. */
static void signal_others(struct run *r, int sig)
{
	size_t n = proctrack_count(r->pt);
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (p->pid != (long)r->pid && p->running && !p->ended)
			kill((pid_t)p->pid, sig);
	}
}

static void handle_signals(struct run *r, double now)
{
	unsigned char msg[64];
	ssize_t n;
	while ((n = read(r->sig.fds[0], msg, sizeof(msg))) > 0) {
		for (ssize_t i = 0; i + 1 < n; i += 2) {
			int sig = msg[i], from_user = msg[i + 1];
			if (sig == SIGCHLD || r->pid <= 0)
				continue;
			r->res->interrupted = 1;
			if (r->waiting) {
				/* the first process is gone: stop waiting for the
				 * others, after a moment to end their leak check */
				if (r->stop_at > 0) {
					r->stop_at = now;
				} else {
					r->stop_at = now + DRAIN_AFTER_STOP_MS / 1000.0;
					if (from_user)
						signal_others(r, sig);
				}
				continue;
			}
			if (r->reaped)
				continue;
			if (sig == SIGINT && r->last_int > 0 && now - r->last_int <= KILL_WINDOW_S) {
				kill(r->pid, SIGKILL);
				signal_others(r, SIGKILL);
				r->res->killed = 1;
				r->stop_at = now + DRAIN_AFTER_STOP_MS / 1000.0;
				continue;
			}
			if (sig == SIGINT)
				r->last_int = now;
			/* a terminal's Ctrl-C reached them all already */
			if (from_user) {
				kill(r->pid, sig);
				signal_others(r, sig);
			}
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

/* Once, when the wait for the other processes lasts: who and why. */
static void tell_waiting(struct run *r, double now)
{
	if (r->wait_told || r->opts->quiet || now - r->wait_start < WAIT_NOTICE_S)
		return;
	r->wait_told = 1;
	char list[400], label[200];
	pending_list(r, list, sizeof(list), 0);
	struct proctrack_proc *first = proctrack_get(r->pt, (long)r->pid);
	if (first == NULL)
		snprintf(label, sizeof(label), "pid %ld", (long)r->pid);
	else
		proctrack_label(first, label, sizeof(label));
	progress_erase(r);
	fprintf(stderr, "vgtriage: %s ended; waiting for %s%s, still running under valgrind "
		"(Ctrl-C stops waiting)\n", label, list,
		proctrack_pending(r->pt) == 1 ? ", a process it started" : ", processes it started");
}

static void start_waiting(struct run *r, double now)
{
	r->waiting = 1;
	r->wait_start = now;
	/* a child forked just before its parent ended may not have opened
	 * its file yet: its command line names ours */
	proctrack_poll(r->pt);
	proctrack_find(r->pt);
	proctrack_check(r->pt, now);
	proctrack_poll(r->pt);
	r->next_poll = r->next_check = now + WAIT_TICK_MS / 1000.0;
	r->next_find = now + FIND_EVERY_S;
}

static void track(struct run *r, double now)
{
	if (now >= r->next_poll) {
		if (proctrack_poll(r->pt) && r->opts->record_maps)
			r->next_check = now; /* a new process, or its leak check began */
		r->next_poll = now + (r->waiting ? WAIT_TICK_MS : POLL_TICK_MS) / 1000.0;
	}
	if (now >= r->next_check) {
		proctrack_check(r->pt, now);
		r->next_check = now + (r->waiting ? WAIT_TICK_MS : CHECK_TICK_MS) / 1000.0;
	}
	if (r->waiting && now >= r->next_find) {
		proctrack_find(r->pt);
		r->next_find = now + FIND_EVERY_S;
	}
}

static int poll_timeout_ms(const struct run *r, double now)
{
	double until = now + 1.0;
	if (r->progress && r->next_progress < until)
		until = r->next_progress;
	if (r->next_poll < until)
		until = r->next_poll;
	if (r->next_check < until)
		until = r->next_check;
	if (r->watch != NULL && r->vgdb_pid <= 0 && !r->reaped && r->next_snapshot < until)
		until = r->next_snapshot;
	if (r->stop_at > 0 && r->stop_at < until)
		until = r->stop_at;
	int ms = (int)((until - now) * 1000.0) + 1;
	return ms < 0 ? 0 : ms;
}

static void event_loop(struct run *r)
{
	for (;;) {
		double now = now_s();
		check_child(r);
		if (r->reaped && !r->waiting)
			start_waiting(r, now);
		track(r, now);
		if (r->waiting) {
			if (proctrack_pending(r->pt) == 0)
				break;
			if (r->stop_at > 0 && now >= r->stop_at)
				break;
			tell_waiting(r, now);
		}
		if (r->watch != NULL && r->vgdb_pid <= 0 && !r->reaped && now >= r->next_snapshot) {
			spawn_vgdb(r, now);
			r->next_snapshot += r->opts->watch_seconds;
			if (r->next_snapshot < now)
				r->next_snapshot = now + r->opts->watch_seconds;
		}
		if (r->vgdb_pid > 0 && now - r->vgdb_started > VGDB_TIMEOUT_MS / 1000.0)
			reap_vgdb(r, 1);
		struct pollfd pfd[2];
		int n = 0, i_vgdb = -1;
		pfd[n++] = (struct pollfd){.fd = r->sig.fds[0], .events = POLLIN};
		if (r->vgdb_fd >= 0) {
			i_vgdb = n;
			pfd[n++] = (struct pollfd){.fd = r->vgdb_fd, .events = POLLIN};
		}
		int rc = poll(pfd, (nfds_t)n, poll_timeout_ms(r, now));
		now = now_s();
		if (rc > 0) {
			if (pfd[0].revents & POLLIN)
				handle_signals(r, now);
			if (i_vgdb >= 0 && (pfd[i_vgdb].revents & (POLLIN | POLLHUP | POLLERR)))
				read_vgdb(r);
		}
		progress_draw(r, now);
	}
	reap_vgdb(r, 1);
	progress_erase(r);
}

/* ------------------------------------------------- one file per process */

/* The first process first (it is the one the user started), then by pid. */
static int proc_order(const struct run *r, const struct proctrack_proc *a,
		      const struct proctrack_proc *b)
{
	int am = a->pid == (long)r->pid, bm = b->pid == (long)r->pid;
	if (am != bm)
		return bm - am;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Feeds one process's file to the pipeline, copying it to keep (when
 * given).  Its warnings name the process. */
static void read_process_file(struct run *r, struct proctrack_proc *p, const char *keep)
{
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* --keep-xml: written safely (safefile.h), renamed into place at the
	 * end; on a failed write the old file stays */
	struct safefile *kf = NULL;
	if (keep != NULL) {
		struct vgt_error ke;
		vgt_error_clear(&ke);
		kf = safefile_open(keep, &ke);
		if (kf == NULL)
			note_warning(r, &ke);
	}
	char label[64];
	snprintf(label, sizeof(label), "pid %ld", p->pid);
	struct pipeline_stream *st = pipeline_stream_open(r->pl, keep != NULL ? keep : label, "xml");
	struct vgt_input *in = pipeline_stream_input(st);
	struct vgt_error e;
	vgt_error_clear(&e);
	int failed = 0, rc = 0;
	char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	while ((n = read(fd, buf, READ_CHUNK)) > 0) {
		if (kf != NULL && write_all(safefile_fd(kf), buf, (size_t)n) < 0) {
			struct vgt_error ke;
			vgt_error_set(&ke, keep, 0, 0, "cannot write: %s", strerror(errno));
			note_warning(r, &ke);
			safefile_abort(kf);
			kf = NULL;
		}
		if (!failed && pipeline_stream_feed(st, buf, (size_t)n, &e) < 0)
			failed = 1;
	}
	free(buf);
	if (in != NULL && r->res->killed && p->pid == (long)r->pid)
		in->complete = 0; /* SIGKILL: valgrind never finished the XML */
	if (!failed) {
		vgt_error_clear(&e);
		rc = pipeline_stream_close(st, &e);
	} else {
		pipeline_stream_close(st, NULL);
	}
	/* a process still running (finish_temp_dir says so), or one that
	 * exec'd a program valgrind does not follow (a note says so): no
	 * "input ends early (valgrind killed?)" */
	int explained = !p->ended && (p->running || p->left);
	if ((failed || rc != 0) && !explained) {
		/* name the process, not a temporary file */
		char who[sizeof(e.file)];
		if (in != NULL && in->command != NULL)
			snprintf(who, sizeof(who), "pid %ld (%s)", p->pid, in->command);
		else
			proctrack_label(p, who, sizeof(who));
		memcpy(e.file, who, sizeof(e.file));
		note_warning(r, &e);
	}
	if (in != NULL)
		add_pid(r->res, in->pid);
	add_pid(r->res, p->pid);
	close(fd);
	if (kf != NULL) {
		struct vgt_error ke;
		vgt_error_clear(&ke);
		if (safefile_commit(kf, &ke) != 0)
			note_warning(r, &ke);
	}
}

/* Adds the process (pid, command, maps) to the result. */
static void keep_process(struct run *r, struct proctrack_proc *p)
{
	struct run_result *res = r->res;
	res->procs = xrealloc(res->procs, (res->n_procs + 1) * sizeof(*res->procs));
	struct run_process *rp = &res->procs[res->n_procs++];
	memset(rp, 0, sizeof(*rp));
	rp->pid = p->pid;
	rp->command = p->command[0] != '\0' ? xstrdup(p->command) : NULL;
	rp->running = p->running && !p->ended;
	/* the mappings name frames valgrind could not name (cxxsym.h): the
	 * pipeline has them before this process's file is read */
	if (p->maps != NULL)
		pipeline_add_maps(r->pl, p->pid, p->maps);
	rp->maps = p->maps;
	rp->maps_len = p->maps_len;
	p->maps = NULL;
	p->maps_len = 0;
}

/* "123, 124, …" */
static void pid_list(char *buf, size_t size, const long *pids, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		int w = i == 8 ? snprintf(buf + o, size - o, ", …")
			       : snprintf(buf + o, size - o, "%s%ld", i > 0 ? ", " : "", pids[i]);
		if (w < 0 || i == 8)
			break;
		o += (size_t)w;
	}
}

/* Reads every process's file; says which processes left no report. */
static void read_process_files(struct run *r)
{
	proctrack_poll(r->pt);
	proctrack_check(r->pt, now_s());
	size_t n = proctrack_count(r->pt);
	struct proctrack_proc **order = xmalloc((n + 1) * sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = proctrack_at(r->pt, i);
	for (size_t i = 1; i < n; i++) /* insertion sort: a few processes */
		for (size_t j = i; j > 0 && proc_order(r, order[j - 1], order[j]) > 0; j--) {
			struct proctrack_proc *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	long *exec_pids = xmalloc((n + 1) * sizeof(*exec_pids));
	size_t n_exec = 0, n_gone = 0;
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = order[i];
		int is_main = p->pid == (long)r->pid;
		/* valgrind ends the XML of a process that exits: the first
		 * process exited, its XML did not end, so it exec'd */
		if (is_main && r->res->exited && !p->ended)
			p->left = 1;
		keep_process(r, p);
		if (p->path == NULL)
			continue;
		/* a forked child that exec'd a program valgrind does not
		 * follow leaves only its preamble */
		if (!is_main && !p->running && p->errors == 0 && !p->has_status && !p->ended) {
			exec_pids[n_exec++] = p->pid;
			n_gone += !p->left;
			continue;
		}
		char *keep = NULL;
		if (r->opts->keep_xml != NULL)
			keep = is_main ? xstrdup(r->opts->keep_xml)
				       : xasprintf("%s.%ld", r->opts->keep_xml, p->pid);
		read_process_file(r, p, keep);
		free(keep);
		if (is_main && p->left && !p->ended) {
			char label[200];
			report_add_note(pipeline_report(r->pl),
					"%s ran another program, which valgrind did not follow: only "
					"what came before its exec was checked "
					"(--valgrind-arg=--trace-children=yes follows it)",
					proctrack_label(p, label, sizeof(label)));
		}
	}
	if (n_exec > 0) {
		char list[128];
		pid_list(list, sizeof(list), exec_pids, n_exec);
		int traced = runner_traces_children(r->opts->valgrind_args, r->opts->n_valgrind_args);
		report_add_note(pipeline_report(r->pl),
				"%zu forked process%s (pid%s %s) ended without a valgrind report: %s",
				n_exec, n_exec == 1 ? "" : "es", n_exec == 1 ? "" : "s", list,
				traced ? "killed, or ran a program that --trace-children-skip excludes"
				: n_gone > 0 ? "killed, or ran another program, which valgrind did not "
					       "follow (--valgrind-arg=--trace-children=yes follows it)"
				: "ran another program, which valgrind did not follow "
				  "(--valgrind-arg=--trace-children=yes follows it)");
	}
	free(exec_pids);
	free(order);
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
	r->tmpdir = make_temp_dir(err);
	if (r->tmpdir == NULL)
		return -1;
	r->xml_file = xasprintf("%s/vg.%%p.xml", r->tmpdir);
	if (!has_arg_prefix(opts->valgrind_args, opts->n_valgrind_args, "--vgdb-prefix="))
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
		note_warning(r, &e);
		running++;
	}
	if (running > 0) {
		struct vgt_error e;
		vgt_error_set(&e, NULL, 0, 0, "%s left in place: valgrind still writes there",
			      r->tmpdir);
		note_warning(r, &e);
		free(r->tmpdir);
	} else {
		remove_temp_dir(r->tmpdir);
	}
	r->tmpdir = NULL;
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
	r->vgdb_fd = -1;
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
	};
	argv = runner_build_argv(&spec);
	if (signals_install(&r->sig) < 0) {
		vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		goto out;
	}
	r->start = now_s();
	if (spawn_valgrind(r, argv, err) < 0)
		goto out;
	if (opts->watch_seconds > 0) {
		r->watch = watch_new(opts->pipeline, opts->out != NULL ? opts->out : stdout,
				     opts->format, opts->render);
		r->next_snapshot = r->start + opts->watch_seconds;
	}
	r->progress = opts->progress && !opts->quiet && isatty(2);
	event_loop(r);
	fill_result(r);
	size_t inputs_before = pipeline_report(pl)->n_inputs;
	read_process_files(r);
	add_pid(result, (long)r->pid);
	if (pipeline_report(pl)->n_inputs == inputs_before && !result->interrupted) {
		/* Not one file of XML (valgrind rejected an option, or could not
		 * start): an error, not an empty report. */
		rc = vgt_error_set(err, NULL, 0, 0, "%s: valgrind wrote no XML (its own messages "
				   "above say why)", opts->command[0]);
		goto out;
	}
	rc = 0;
out:
	if (r->pid > 0 && !r->reaped) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	reap_vgdb(r, 1);
	signals_restore(&r->sig);
	watch_free(r->watch);
	free(r->vgdb_buf);
	runner_argv_free(argv);
	if (rc == 0)
		finish_temp_dir(r);
	else
		remove_temp_dir(r->tmpdir);
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
