/*
 * runner.h — `vgtriage run`: start a command under valgrind, read the XML
 * of every process valgrind reports (forked children included) into the
 * pipeline, wait for processes that outlive the first one, forward
 * signals, and (--watch) take leak snapshots through vgdb while it runs.
 * With --engine asan (runner_asan.c) the command runs natively with
 * AddressSanitizer/LeakSanitizer, and each process's report is read.
 *
 * Included by main.c and the runner's tests.
 */
#ifndef VGTRIAGE_RUNNER_H
#define VGTRIAGE_RUNNER_H

#include <stdio.h>

#include "cmd/pipeline.h"
#include "cmd/harness.h"
#include "render/render.h"

struct run_options {
	char *const *command;               /* NULL-terminated argv of the program */
	const char *const *valgrind_args;   /* --valgrind-arg, in order */
	size_t n_valgrind_args;
	const char *keep_xml;               /* --keep-xml FILE or NULL */
	double watch_seconds;               /* --watch; 0 = off */
	int python_perf;                    /* 0 with --no-python-perf */
	int progress;                       /* live status line on stderr allowed */
	int quiet;
	int program_stdout_to_stderr;       /* the program's stdout goes to fd 2
					     * (the report owns standard output) */
	int record_maps;                    /* keep each process's /proc/PID/maps
					     * in run_result.procs */
	/* where --watch snapshots go, and how they look */
	FILE *out;
	enum vgt_format format;
	const struct render_options *render;
	/* the options of the pipeline main built: --watch builds a fresh
	 * pipeline like it per snapshot (NULL: --watch unavailable) */
	const struct pipeline_options *pipeline;
	/* --engine asan: run natively with AddressSanitizer/LeakSanitizer
	 * (runner_asan.c) instead of under valgrind */
	int engine_asan;
	/* --per-test: the plugin and library the program gets (NULL: off) */
	const struct harness *per_test;
};

struct run_result {
	int exited;       /* the program exited (exit_status valid) */
	int exit_status;
	int signaled;     /* the program died of a signal */
	int signal;
	int interrupted;  /* the user stopped it (Ctrl-C, SIGTERM, SIGHUP) */
	int killed;       /* a second Ctrl-C within 3 s: SIGKILL, report incomplete */
	int python;       /* the command was a Python program (PYTHONMALLOC set) */
	int python_perf;  /* PYTHONPERFSUPPORT was on: /tmp/perf-PID.map written */
	int has_warning;  /* reading some XML stopped early or was malformed… */
	struct vgt_error warning;   /* …the first warning */
	struct vgt_error *warnings; /* all of them; each names its process */
	size_t n_warnings;
	long *pids;       /* processes of this run (for runner_cleanup) */
	size_t n_pids;
	struct run_process *procs;  /* every process valgrind traced, first one first */
	size_t n_procs;
};

/* A process of the run, as valgrind's files and /proc showed it. */
struct run_process {
	long pid;
	char *command;    /* the preamble's command, or NULL */
	int running;      /* still ran under valgrind when run stopped waiting */
	/* Linux, with run_options.record_maps: the last /proc/PID/maps read
	 * while it ran (after its leak check began, when run saw that in
	 * time), else NULL.  The format of proc(5). */
	char *maps;
	size_t maps_len;
};

/* Runs opts->command under valgrind, feeding the XML of every process into
 * pl (the first process first, then by pid).  Returns when every process
 * valgrind traced has ended, or a signal stopped the wait.  0 = ran (result
 * says how it ended); -1 = could not run (valgrind or the command
 * missing…): err says why in one line. */
int runner_run(const struct run_options *opts, struct pipeline *pl,
	       struct run_result *result, struct vgt_error *err);

/* 1 when the run will make CPython write /tmp/perf-PID.map (Python >= 3.12,
 * opts->python_perf, or PYTHONPERFSUPPORT already set): main then adds
 * RUNNER_PERF_MAP_DIR to symbolize_options.perf_maps before pipeline_new. */
#define RUNNER_PERF_MAP_DIR "/tmp"
int runner_wants_perf_maps(const struct run_options *opts);

/* After the report is rendered: removes the perf maps this run caused and
 * frees what result holds.  Safe on a zeroed or already cleaned result. */
void runner_cleanup(struct run_result *result);

/* ---- building blocks, exported for the unit tests ---- */

/* Searches PATH (path_env; NULL = getenv, unset = "/usr/bin:/bin") like
 * execvp; a name with a '/' is taken as is.  Returns an xmalloc'd path of
 * an executable regular file, or NULL (errno ENOENT or EACCES). */
char *runner_find_command(const char *name, const char *path_env);

/* 1 if base (a basename) names a CPython interpreter: python, python3,
 * python3.12, python3.12d…; the version the name carries goes to major and
 * minor (0 when it carries none). */
int runner_python_name(const char *base, int *major, int *minor);

/* The interpreter a "#!" line names: the program, or for "/usr/bin/env
 * [-S] prog" the prog.  Returns 0, or -1 when line is no shebang. */
int runner_shebang_program(const char *line, char *out, size_t size);

struct runner_python {
	int is_python;
	char interpreter[4096]; /* the interpreter to ask for its version */
	int major, minor;       /* 0 when unknown */
};
/* Is the resolved command a Python interpreter or a script/entry point
 * whose shebang names one?  Fills py; never fails (unknown = not python).
 * probe: also run the interpreter to learn its version when its name does
 * not say. */
void runner_detect_python(const char *path, int probe, struct runner_python *py);

/* The valgrind command line.  xml_file names the --xml-file pattern (with
 * %p: one file per process).  vgdb: --vgdb=yes (and --fullpath-after= so
 * that vgdb's text names directories); vgdb_prefix non-NULL:
 * --vgdb-prefix.  Returns an xmalloc'd NULL-terminated argv
 * (runner_argv_free). */
struct runner_argv_spec {
	const char *valgrind;
	const char *xml_file;
	int vgdb;
	const char *vgdb_prefix;
	const char *const *valgrind_args;
	size_t n_valgrind_args;
	const char *program;        /* resolved path of command[0] */
	char *const *command;
	int blame_kinds;            /* --per-test: still reachable blocks too
				       (VGARGS_BLAME_KINDS, before valgrind_args) */
};
char **runner_build_argv(const struct runner_argv_spec *spec);
void runner_argv_free(char **argv);
/* The value of the last --trace-children= among args is "yes". */
int runner_traces_children(const char *const *args, size_t n);
/* An argument vgtriage must own (--xml*, --tool other than memcheck):
 * returns it, else NULL. */
const char *runner_reserved_arg(const char *const *args, size_t n);

#endif
