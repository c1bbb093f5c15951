/*
 * runner.h — `vgtriage run`: start a command under valgrind, stream its XML
 * into the pipeline, forward signals, and (--watch) take leak snapshots
 * through vgdb while it runs.
 *
 * Included by main.c and the runner's tests.
 */
#ifndef VGTRIAGE_RUNNER_H
#define VGTRIAGE_RUNNER_H

#include <stdio.h>

#include "vgtriage/pipeline.h"
#include "vgtriage/render.h"

struct run_options {
	char *const *command;               /* NULL-terminated argv of the program */
	const char *const *valgrind_args;   /* --valgrind-arg, in order */
	size_t n_valgrind_args;
	const char *keep_xml;               /* --keep-xml FILE or NULL */
	double watch_seconds;               /* --watch; 0 = off */
	int python_perf;                    /* 0 with --no-python-perf */
	int progress;                       /* live status line on stderr allowed */
	int quiet;
	/* where --watch snapshots go, and how they look */
	FILE *out;
	enum vgt_format format;
	const struct render_options *render;
};

struct run_result {
	int exited;       /* the program exited (exit_status valid) */
	int exit_status;
	int signaled;     /* the program died of a signal */
	int signal;
	int interrupted;  /* the user stopped it (Ctrl-C) */
};

/* Runs opts->command under valgrind, feeding the XML of every process into
 * pl.  0 = ran (result says how it ended); -1 = could not run (valgrind or
 * the command missing…): err says why in one line. */
int runner_run(const struct run_options *opts, struct pipeline *pl,
	       struct run_result *result, struct vgt_error *err);

#endif
