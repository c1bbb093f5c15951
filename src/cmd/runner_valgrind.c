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
#include <termios.h>
#include <unistd.h>

#include "cmd/proctrack.h"
#include "cmd/watch.h"
#include "read/vgargs.h"

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
	/* per-test checks that show still reachable blocks too: a block an
	 * earlier test kept reachable and a later one dropped is seen to move
	 * from reachable to lost, not as the later test's new leak (pertest.c).
	 * The spelling tells the report to hide them (read/vgargs.h); a
	 * --show-leak-kinds of the user's, after it, wins. */
	if (spec->blame_kinds)
		argv[n++] = xstrdup("--show-leak-kinds=" VGARGS_BLAME_KINDS);
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

static int sig_wfd = -1;  /* self-pipe: the handler writes the signal number */

static void on_signal(int sig)
{
	int saved = errno;
	/* The program runs in its own process group (runner_spawn_valgrind):
	 * whatever reaches vgtriage did not reach it, be it a kill of
	 * vgtriage's group or of vgtriage alone, and is forwarded once.  A
	 * terminal's Ctrl-C goes to the program's group when it holds the
	 * terminal, and then never reaches vgtriage. */
	unsigned char msg = (unsigned char)sig;
	if (sig_wfd >= 0 && write(sig_wfd, &msg, 1) < 0) {
		/* the pipe is full: enough wake-ups are queued */
	}
	errno = saved;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
_Static_assert(N_FORWARDED == RUNNER_N_FORWARDED, "struct signal_state's arrays");

int runner_signals_install(struct signal_state *ss, int tty)
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
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_FORWARDED; i++) {
		sigaction(forwarded[i], NULL, &ss->old[i]);
		/* nohup: an ignored SIGHUP stays ignored */
		if (forwarded[i] == SIGHUP && ss->old[i].sa_handler == SIG_IGN)
			continue;
		sigaction(forwarded[i], &sa, NULL);
		ss->installed[i] = 1;
	}
	sigaction(SIGCHLD, &sa, &ss->old_chld);
	ss->chld_installed = 1;
	if (tty) {
		/* the progress line and notes, written while the program's
		 * group holds the terminal (`stty tostop` would stop us) */
		struct sigaction ign;
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		sigaction(SIGTTOU, &ign, &ss->old_ttou);
		ss->ttou_installed = 1;
	}
	return 0;
}

void runner_signals_restore(struct signal_state *ss)
{
	for (size_t i = 0; i < N_FORWARDED; i++)
		if (ss->installed[i])
			sigaction(forwarded[i], &ss->old[i], NULL);
	if (ss->chld_installed)
		sigaction(SIGCHLD, &ss->old_chld, NULL);
	if (ss->ttou_installed)
		sigaction(SIGTTOU, &ss->old_ttou, NULL);
	ss->ttou_installed = ss->chld_installed = 0;
	for (size_t i = 0; i < N_FORWARDED; i++)
		ss->installed[i] = 0;
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
	sigaction(SIGTTOU, ss->ttou_installed ? &ss->old_ttou : &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ------------------------------------------------------------ the terminal */

int runner_foreground_tty(void)
{
	static const int fds[] = {2, 1, 0};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (isatty(fds[i]) && tcgetpgrp(fds[i]) == getpgrp())
			return fds[i];
	return -1;
}

/* tcsetpgrp with SIGTTOU blocked (a background group may not otherwise). */
static void set_foreground(int fd, pid_t pgrp)
{
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	(void)tcsetpgrp(fd, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void runner_take_tty(struct run *r)
{
	if (r->tty_fd < 0 || !r->tty_given)
		return;
	set_foreground(r->tty_fd, getpgrp());
	r->tty_given = 0;
}

/* The program stopped (Ctrl-Z reached its group): stop with it, as a
 * shell's job would, and when continued hand the terminal back and
 * continue it. */
static void follow_stop(struct run *r)
{
	runner_progress_erase(r);
	runner_take_tty(r);
	raise(SIGTSTP);
	/* continued (fg or bg) */
	if (r->tty_fd >= 0 && tcgetpgrp(r->tty_fd) == getpgrp()) {
		set_foreground(r->tty_fd, r->pid);
		r->tty_given = 1;
	}
	kill(-r->pid, SIGCONT);
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
		/* its own process group: see struct run */
		setpgid(0, 0);
		if (r->tty_fd >= 0)
			set_foreground(r->tty_fd, getpid());
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
	/* both sides, so that neither a signal nor the terminal finds the
	 * child before it is in its group */
	setpgid(pid, pid);
	if (r->tty_fd >= 0) {
		set_foreground(r->tty_fd, pid);
		r->tty_given = 1;
	}
	int e = 0;
	ssize_t n;
	while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errp[0]);
	r->pid = pid;
	proctrack_set_root(r->pt, (long)pid);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		runner_take_tty(r);
		r->pid = 0;
		return vgt_error_set(err, NULL, 0, 0, "%s: %s", argv[0], strerror(e));
	}
	return 0;
}

/* One vgdb asking pid for a leak search; 0, or -1 when it could not start. */
static int spawn_job(struct run *r, long pid)
{
	int fds[2];
	if (runner_cloexec_pipe(fds) < 0)
		return -1;
	char *prefix = xasprintf("--vgdb-prefix=%s", r->vgdb_prefix);
	char *pidarg = xasprintf("--pid=%ld", pid);
	/* definite and still-reachable records that grew, the biggest
	 * WATCH_MAX_RECORDS (watch.h); the LEAK SUMMARY counts all kinds */
	char *argv[] = {r->vgdb, prefix, pidarg, "leak_check", "full", "kinds",
			"definite,reachable", "increased", "limited", WATCH_MAX_RECORDS_ARG, NULL};
	pid_t helper = fork();
	if (helper == 0) {
		/* its own process group: a terminal's Ctrl-C (or a CI runner's
		 * signal to vgtriage's group) must not cut an answer whose
		 * search valgrind has run -- that growth would be in no snapshot */
		setpgid(0, 0);
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
	if (helper < 0) {
		close(fds[0]);
		return -1;
	}
	r->jobs = xgrow(r->jobs, &r->jobs_cap, r->n_jobs + 1, sizeof(*r->jobs));
	struct vgdb_job *j = &r->jobs[r->n_jobs++];
	memset(j, 0, sizeof(*j));
	j->pid = pid;
	j->helper = helper;
	j->fd = fds[0];
	r->jobs_open++;
	return 0;
}

/* Ends one helper (kill_it: SIGKILL first); its answer is good when it
 * exited 0. */
static void reap_job(struct run *r, struct vgdb_job *j, int kill_it)
{
	if (j->helper <= 0)
		return;
	if (kill_it)
		kill(j->helper, SIGKILL);
	int status = 0;
	while (waitpid(j->helper, &status, 0) < 0 && errno == EINTR)
		;
	j->helper = 0;
	close_fd(&j->fd);
	/* a whole leak search is an answer, however vgdb ended */
	j->ok = (!kill_it && WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
		watch_answer_complete(j->buf, j->len);
	r->jobs_open--;
}

void runner_reap_vgdb(struct run *r)
{
	for (size_t i = 0; i < r->n_jobs; i++) {
		reap_job(r, &r->jobs[i], 1);
		free(r->jobs[i].buf);
	}
	free(r->jobs);
	r->jobs = NULL;
	r->n_jobs = r->jobs_cap = r->jobs_open = 0;
}

/* "3 processes (pids 12, 13, 14) run outside valgrind…" once, at the
 * first snapshot that sees them: their growth is in no snapshot. */
static char *untraced_note(struct run *r)
{
	if (r->untraced_told)
		return NULL;
	size_t n = proctrack_count(r->pt), k = 0;
	char pids[160];
	size_t o = 0;
	pids[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (p->pid == (long)r->pid || !p->left || p->ended)
			continue;
		if (o + 24 < sizeof(pids))
			o += (size_t)snprintf(pids + o, sizeof(pids) - o, "%s%ld", k > 0 ? ", " : "",
					      p->pid);
		k++;
	}
	if (k == 0)
		return NULL;
	r->untraced_told = 1;
	int traced = runner_traces_children(r->opts->valgrind_args, r->opts->n_valgrind_args);
	return xasprintf("%zu process%s (pid%s %s) run%s another program outside valgrind: "
			 "not in the snapshots%s", k, k == 1 ? "" : "es", k == 1 ? "" : "s", pids,
			 k == 1 ? "s" : "",
			 traced ? " (--trace-children-skip excludes it)"
				: " (--valgrind-arg=--trace-children=yes follows it)");
}

/* Every process that runs under valgrind gets its own vgdb. */
static void start_snapshot(struct run *r, double now)
{
	proctrack_poll(r->pt);
	proctrack_check(r->pt, now);
	runner_reap_vgdb(r);
	r->vgdb_started = now;
	spawn_job(r, (long)r->pid);
	size_t n = proctrack_count(r->pt);
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (p->pid != (long)r->pid && p->path != NULL && p->running && !p->ended)
			spawn_job(r, p->pid);
	}
}

/* The processes asked that gave no answer (a search that timed out, or
 * whose output valgrind could not write): valgrind may have searched
 * all the same, so their growth up to now is in no snapshot.  Said, not
 * hidden.  NULL when all answered. */
static char *silent_note(struct run *r)
{
	char pids[160];
	size_t o = 0, k = 0;
	pids[0] = '\0';
	for (size_t i = 0; i < r->n_jobs; i++) {
		const struct vgdb_job *j = &r->jobs[i];
		if (j->ok || (j->pid == (long)r->pid && r->reaped))
			continue;
		struct proctrack_proc *p = proctrack_get(r->pt, j->pid);
		if (p != NULL && p->ended)
			continue; /* it ended meanwhile: its own report has it all */
		if (o + 24 < sizeof(pids))
			o += (size_t)snprintf(pids + o, sizeof(pids) - o, "%s%ld", k > 0 ? ", " : "",
					      j->pid);
		k++;
	}
	if (k == 0)
		return NULL;
	return xasprintf("no answer from pid%s %s: %s growth since %s last answer may be in no "
			 "snapshot (the final report has it)", k == 1 ? "" : "s", pids,
			 k == 1 ? "its" : "their", k == 1 ? "its" : "their");
}

/* All helpers are done: the snapshot, from the answers that came. */
static void finish_snapshot(struct run *r)
{
	struct watch_answer *answers = xmalloc((r->n_jobs + 1) * sizeof(*answers));
	size_t n = 0;
	for (size_t i = 0; i < r->n_jobs; i++) {
		struct vgdb_job *j = &r->jobs[i];
		if (!j->ok)
			continue; /* not listening yet, or already exiting */
		j->buf = xgrow(j->buf, &j->cap, j->len + 1, 1);
		j->buf[j->len] = '\0';
		answers[n++] = (struct watch_answer){j->pid, j->buf, j->len};
	}
	/* no answer at all: said all the same when a search may have run
	 * (a helper killed after the timeout), never silently skipped */
	int timed_out = 0;
	for (size_t i = 0; i < r->n_jobs; i++)
		timed_out |= r->jobs[i].timed_out;
	if (n > 0 || timed_out) {
		runner_progress_erase(r);
		char *note = untraced_note(r);
		char *silent = silent_note(r);
		if (silent != NULL) {
			char *both = note != NULL ? xasprintf("%s; %s", note, silent) : silent;
			if (both != silent)
				free(silent);
			free(note);
			note = both;
		}
		struct vgt_error e;
		vgt_error_clear(&e);
		(void)watch_snapshot_many(r->watch, answers, n, r->vgdb_started - r->start, note, &e);
		free(note);
	}
	free(answers);
	runner_reap_vgdb(r);
}

static void read_job(struct run *r, struct vgdb_job *j)
{
	j->buf = xgrow(j->buf, &j->cap, j->len + 65536, 1);
	ssize_t n = read(j->fd, j->buf + j->len, 65536);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		reap_job(r, j, 0);
		if (r->jobs_open == 0)
			finish_snapshot(r);
		return;
	}
	j->len += (size_t)n;
}

/* sig to every other process of the run that still runs under valgrind
 * (in_group: also those in the program's process group, which a signal
 * to the group reached already). */
static void signal_others(struct run *r, int sig, int in_group)
{
	size_t n = proctrack_count(r->pt);
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (p->pid == (long)r->pid || !p->running || p->ended)
			continue;
		if (!in_group && getpgid((pid_t)p->pid) == r->pid)
			continue;
		kill((pid_t)p->pid, sig);
	}
}

/* sig once to the program's process group (what a terminal would have
 * done) and to the processes of the run that left it. */
static void forward(struct run *r, int sig)
{
	if (kill(-r->pid, sig) < 0)
		kill(r->pid, sig);
	signal_others(r, sig, 0);
}

static void handle_signals(struct run *r, double now)
{
	unsigned char msg[64];
	ssize_t n;
	while ((n = read(r->sig.fds[0], msg, sizeof(msg))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int sig = msg[i];
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
					signal_others(r, sig, 1);
				}
				continue;
			}
			if (r->reaped)
				continue;
			if (sig == SIGINT && r->last_int > 0 && now - r->last_int <= KILL_WINDOW_S) {
				kill(-r->pid, SIGKILL);
				kill(r->pid, SIGKILL);
				signal_others(r, SIGKILL, 1);
				r->res->killed = 1;
				r->stop_at = now + DRAIN_AFTER_STOP_MS / 1000.0;
				continue;
			}
			if (sig == SIGINT)
				r->last_int = now;
			forward(r, sig);
		}
	}
}

static void check_child(struct run *r)
{
	if (r->reaped || r->pid <= 0)
		return;
	int status;
	pid_t got = waitpid(r->pid, &status, WNOHANG | (r->tty_fd >= 0 ? WUNTRACED : 0));
	if (got == r->pid && WIFSTOPPED(status)) {
		follow_stop(r);
	} else if (got == r->pid) {
		r->reaped = 1;
		r->status = status;
	}
}

static void start_waiting(struct run *r, double now)
{
	/* the terminal's Ctrl-C now stops the wait: vgtriage's again */
	runner_take_tty(r);
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
	if (r->watch != NULL && r->n_jobs == 0 && !r->reaped && r->next_snapshot < until)
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
		if (r->watch != NULL && r->n_jobs == 0 && !r->reaped && now >= r->next_snapshot) {
			start_snapshot(r, now);
			r->next_snapshot += r->opts->watch_seconds;
			if (r->next_snapshot < now)
				r->next_snapshot = now + r->opts->watch_seconds;
		}
		if (r->n_jobs > 0 && now - r->vgdb_started > VGDB_TIMEOUT_MS / 1000.0) {
			for (size_t i = 0; i < r->n_jobs; i++) {
				r->jobs[i].timed_out = r->jobs[i].helper > 0;
				reap_job(r, &r->jobs[i], 1);
			}
			finish_snapshot(r);
		}
		size_t cap = 1 + r->n_jobs;
		struct pollfd *pfd = xmalloc(cap * sizeof(*pfd));
		struct vgdb_job **who = xcalloc(cap, sizeof(*who));
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){.fd = r->sig.fds[0], .events = POLLIN};
		for (size_t i = 0; i < r->n_jobs; i++)
			if (r->jobs[i].fd >= 0) {
				who[n] = &r->jobs[i];
				pfd[n++] = (struct pollfd){.fd = r->jobs[i].fd, .events = POLLIN};
			}
		int rc = poll(pfd, n, poll_timeout_ms(r, now));
		now = runner_now_s();
		if (rc > 0) {
			if (pfd[0].revents & POLLIN)
				handle_signals(r, now);
			/* read_job may finish the snapshot and free the jobs: the
			 * jobs array is stable until then */
			size_t gen = r->n_jobs;
			for (nfds_t i = 1; i < n && r->n_jobs == gen; i++)
				if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
					read_job(r, who[i]);
		}
		free(pfd);
		free(who);
		runner_progress_draw(r, now);
	}
	runner_reap_vgdb(r);
	runner_progress_erase(r);
}
