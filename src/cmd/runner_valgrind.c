/*
 * runner_valgrind.c — running valgrind for `vgtriage run` (see runner.c):
 * the valgrind argv, signal forwarding through a self-pipe, fork + exec,
 * --watch's vgdb helper, and the event loop that waits for the first
 * process and then for every other one still running under valgrind.
 */
#include "cmd/runner_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/proctrack.h"
#include "cmd/watch.h"

#define DRAIN_AFTER_STOP_MS 2000  /* after Ctrl-C: time to end a leak check */
#define VGDB_TIMEOUT_MS 60000
#define KILL_WINDOW_S 3.0
#define POLL_TICK_MS 250          /* the XML files, while the first process runs */
#define CHECK_TICK_MS 1000        /* which processes still run */
#define WAIT_TICK_MS 100          /* both, while waiting for the others */
#define FIND_EVERY_S 1.0

/* ---------------------------------------------------------------- helpers */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
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

int runner_has_arg_prefix(const char *const *args, size_t n, const char *prefix)
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
		if (!runner_has_arg_prefix(spec->valgrind_args, spec->n_valgrind_args,
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
_Static_assert(N_FORWARDED == RUNNER_N_FORWARDED, "struct signal_state's arrays");

int runner_signals_install(struct signal_state *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->fds[0] = ss->fds[1] = -1;
	if (runner_cloexec_pipe(ss->fds) < 0)
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

void runner_signals_restore(struct signal_state *ss)
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

/* ------------------------------------------------------------- the run */

/* fork + exec of valgrind; an exec failure comes back through a pipe. */
int runner_spawn_valgrind(struct run *r, char **argv, struct vgt_error *err)
{
	int errp[2];
	if (runner_cloexec_pipe(errp) < 0)
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
	if (runner_cloexec_pipe(fds) < 0)
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
int runner_reap_vgdb(struct run *r, int kill_it)
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
	if (!runner_reap_vgdb(r, 0))
		return; /* valgrind not listening yet, or already exiting */
	r->vgdb_buf = xgrow(r->vgdb_buf, &r->vgdb_cap, r->vgdb_len + 1, 1);
	r->vgdb_buf[r->vgdb_len] = '\0';
	runner_progress_erase(r);
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

void runner_event_loop(struct run *r)
{
	for (;;) {
		double now = runner_now_s();
		check_child(r);
		if (r->reaped && !r->waiting)
			start_waiting(r, now);
		track(r, now);
		if (r->waiting) {
			if (proctrack_pending(r->pt) == 0)
				break;
			if (r->stop_at > 0 && now >= r->stop_at)
				break;
			runner_tell_waiting(r, now);
		}
		if (r->watch != NULL && r->vgdb_pid <= 0 && !r->reaped && now >= r->next_snapshot) {
			spawn_vgdb(r, now);
			r->next_snapshot += r->opts->watch_seconds;
			if (r->next_snapshot < now)
				r->next_snapshot = now + r->opts->watch_seconds;
		}
		if (r->vgdb_pid > 0 && now - r->vgdb_started > VGDB_TIMEOUT_MS / 1000.0)
			runner_reap_vgdb(r, 1);
		struct pollfd pfd[2];
		int n = 0, i_vgdb = -1;
		pfd[n++] = (struct pollfd){.fd = r->sig.fds[0], .events = POLLIN};
		if (r->vgdb_fd >= 0) {
			i_vgdb = n;
			pfd[n++] = (struct pollfd){.fd = r->vgdb_fd, .events = POLLIN};
		}
		int rc = poll(pfd, (nfds_t)n, poll_timeout_ms(r, now));
		now = runner_now_s();
		if (rc > 0) {
			if (pfd[0].revents & POLLIN)
				handle_signals(r, now);
			if (i_vgdb >= 0 && (pfd[i_vgdb].revents & (POLLIN | POLLHUP | POLLERR)))
				read_vgdb(r);
		}
		runner_progress_draw(r, now);
	}
	runner_reap_vgdb(r, 1);
	runner_progress_erase(r);
}
