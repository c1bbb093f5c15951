/*
 * runner_internal.h — private to the runner's files (runner.c,
 * runner_valgrind.c, runner_collect.c, runner_term.c): the state of one
 * run and the functions they share.  Not for other modules: runner.h is
 * the interface.
 */
#ifndef VGTRIAGE_RUNNER_INTERNAL_H
#define VGTRIAGE_RUNNER_INTERNAL_H

#include <signal.h>
#include <sys/types.h>

#include "cmd/runner.h"

struct proctrack;
struct watch;

/* How many signals run forwards (runner_valgrind.c: SIGINT, SIGTERM, SIGHUP). */
#define RUNNER_N_FORWARDED 3

/* What run sets in the program's environment for CPython (runner.c). */
struct python_env {
	int is_python;
	int set_malloc;   /* we set PYTHONMALLOC=malloc */
	int set_perf;     /* we set PYTHONPERFSUPPORT=1 */
	int perf_on;      /* maps will be written (ours or the user's doing) */
};

/* The handlers run installed, and the self-pipe they write to. */
struct signal_state {
	int fds[2];
	struct sigaction old[RUNNER_N_FORWARDED];
	int installed[RUNNER_N_FORWARDED];
	struct sigaction old_chld;
	int chld_installed;
	struct sigaction old_ttou;  /* ignored while the program holds the terminal */
	int ttou_installed;
};

/* One vgdb helper of a --watch snapshot: asks one process. */
struct vgdb_job {
	long pid;                /* the process asked */
	pid_t helper;            /* 0 when reaped */
	int fd;                  /* its stdout, -1 when closed */
	char *buf;
	size_t len, cap;
	int ok;                  /* exited 0: buf is a leak search */
	int timed_out;           /* killed after VGDB_TIMEOUT_MS */
};

/* The state of one `vgtriage run`. */
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
	pid_t pid;               /* valgrind = the guest; also its process group */
	/* The program runs in its own process group, so that a signal sent
	 * to vgtriage's group reaches it once, through vgtriage.  On a
	 * terminal vgtriage is the foreground of, the program's group gets
	 * the terminal (tty_fd) while the first process runs: the terminal's
	 * Ctrl-C then reaches it once, directly. */
	int tty_fd;              /* -1: no terminal handed over */
	int tty_given;           /* the program's group holds it now */
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
	struct vgdb_job *jobs;   /* one vgdb per process of the snapshot */
	size_t n_jobs, jobs_cap;
	size_t jobs_open;        /* helpers still running */
	double vgdb_started, next_snapshot;
	int untraced_told;       /* the note on processes outside valgrind */
	/* signals */
	double last_int;
	/* progress */
	int progress;
	int progress_shown;
	double next_progress;
	char progress_line[200];
};

/* ---- runner.c */

/* CLOCK_MONOTONIC, in seconds. */
double runner_now_s(void);
/* pipe() with both ends close-on-exec (pipe2 is not in POSIX 2008). */
int runner_cloexec_pipe(int fds[2]);
/* A private directory TMPDIR/vgtriage.XXXXXX (NULL with err); removed with
 * its files by runner_remove_temp_dir, which frees dir (NULL: no-op). */
char *runner_make_temp_dir(struct vgt_error *err);
void runner_remove_temp_dir(char *dir);

/* ---- runner_asan.c */

/* `run --engine asan`: runner_run hands over r with opts, pl and res set. */
int runner_run_asan(struct run *r, struct vgt_error *err);
/* 1: the ELF file refers to __asan_init or needs an ASan runtime; 0: an
 * ELF file without; -1: not an ELF file, or unreadable. */
int runner_elf_has_asan(const char *path);

/* ---- runner_valgrind.c */

/* 1 if some argument starts with prefix. */
int runner_has_arg_prefix(const char *const *args, size_t n, const char *prefix);
/* Installs the handlers of the forwarded signals and SIGCHLD (and ignores
 * SIGTTOU when tty: vgtriage still writes while the program holds the
 * terminal); -1: no pipe. */
int runner_signals_install(struct signal_state *ss, int tty);
/* The terminal vgtriage may hand to the program: the first of fds 2, 1, 0
 * that is a terminal whose foreground process group is vgtriage's; -1. */
int runner_foreground_tty(void);
/* Gives the terminal back to vgtriage's group (when the program has it). */
void runner_take_tty(struct run *r);
/* Puts back the handlers runner_signals_install replaced, closes the pipe. */
void runner_signals_restore(struct signal_state *ss);
/* fork + exec of valgrind (argv); -1 with err when it could not start. */
int runner_spawn_valgrind(struct run *r, char **argv, struct vgt_error *err);
/* Ends the --watch vgdb helpers still running (SIGKILL) and frees them. */
void runner_reap_vgdb(struct run *r);
/* Runs until the first process and every other one have ended (or Ctrl-C). */
void runner_event_loop(struct run *r);

/* ---- runner_collect.c */

/* Adds pid to res->pids (once). */
void runner_add_pid(struct run_result *res, long pid);
/* Adds a warning to the result (the first one also goes to res->warning). */
void runner_note_warning(struct run *r, const struct vgt_error *e);
/* Reads every process's XML file into the pipeline; notes the missing ones. */
void runner_read_process_files(struct run *r);

/* ---- runner_term.c */

/* Erases the progress line, if shown. */
void runner_progress_erase(struct run *r);
/* Redraws the progress line when due (and allowed). */
void runner_progress_draw(struct run *r, double now);
/* Once, when the wait for the other processes lasts: says who and why. */
void runner_tell_waiting(struct run *r, double now);

#endif
