/*
 * cli.h — the command line: the option table, struct cli, parsing,
 * validation and the usage text.
 *
 * cli_parse() reads argv into a struct cli and checks it.  It never exits,
 * never prints and keeps nothing beyond what cli_free() releases, so it
 * can be called on any argv (the fuzz harness does); errors come back in a
 * struct vgt_error, which main prints followed by "Try 'vgtriage --help'.".
 *
 * Parsing is GNU-style for `report` and `diff`: options and files in any
 * order, `--` ends options.  `run` stops at the first non-option, so that
 * `run -- cmd -x` and `run cmd -x` keep cmd's options.  Long options may
 * be abbreviated to a unique prefix; a mistyped one gets "did you mean".
 *
 * Included by src/cmd/main.c, src/cmd/cli.c and tests/check_cli.c.
 */
#ifndef VGTRIAGE_CLI_H
#define VGTRIAGE_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "symbols/symbolize.h"
#include "analyze/policy.h"
#include "cmd/pipeline.h"
#include "render/render.h"
#include "vgtriage/vgt.h"

/* What main should do after a successful parse. */
enum cli_action {
	CLI_ACTION_COMMAND = 0, /* run cli->command */
	CLI_ACTION_HELP,        /* print cli_usage_text() on stdout, exit 0 */
	CLI_ACTION_VERSION,     /* print "vgtriage VERSION", exit 0 */
	CLI_ACTION_COMPLETIONS  /* print cli_completions(cli->completions), exit 0 */
};

struct suppressions;
struct baseline;

struct cli {
	const char *command;      /* "report", "run", "diff" */
	enum cli_action action;
	enum vgt_format format;
	const char *output;
	const char *color;        /* "auto", "always", "never" or NULL */
	int quiet, verbose;
	int gen_suppressions;      /* 1: an entry per shown site; 2: =hidden, a .supp instead */
	const char *baseline, *write_baseline;
	struct policy policy;
	int fail_on_given;        /* --fail-on was on the command line */
	struct pipeline_options pipeline;
	int compact;              /* --compact */
	int top_given;            /* -n was given: it applies to every format */
	unsigned jobs;            /* -j; default: online CPUs */
	size_t stacks;            /* --stacks N; see stacks_given */
	int stacks_given;         /* 0: the renderer's default */
	/* repeatable options */
	const char **source_roots;
	size_t n_source_roots, source_roots_cap;
	struct prefix_map *prefix_maps;
	size_t n_prefix_maps, prefix_maps_cap;
	const char **perf_maps;
	size_t n_perf_maps, perf_maps_cap;
	const char **symbol_dirs;  /* --symbols DIR */
	size_t n_symbol_dirs, symbol_dirs_cap;
	const char **supp_files;
	size_t n_supp_files, supp_files_cap;
	const char **valgrind_args;
	size_t n_valgrind_args, valgrind_args_cap;
	const char *keep_xml;
	const char *source_url;   /* --source-url TEMPLATE (checked) */
	const char *source_rev;   /* --source-rev REV, or the checkout's commit
				     (main.c, into source_rev_buf) */
	char source_rev_buf[65];
	double watch;
	int python_perf;
	int per_test;             /* --per-test: 0 off, 1 a check per test, 2 per phase */
	int engine_asan;          /* run --engine asan */
	const char *completions;  /* --completions SHELL: "bash", "zsh" or "fish" */
	const char *argv0;        /* where the binary is (run --per-test finds its
				     plugin and library beside it) */
	/* The operands: files (report), BASE NEW (diff), COMMAND ARG... (run).
	 * For diff, args[0 .. diff_split) is the base side and
	 * args[diff_split + diff_sep ..) the new side. */
	char **args;
	size_t n_args, args_cap;
	size_t diff_split;
	int diff_sep;             /* a "--" stands between the sides */
	/* Loaded by main from the files named above (cli_free frees them). */
	struct suppressions *suppressions;
	struct baseline *baseline_set;
};

/* Defaults: command "report", format text, default policy, 2 context
 * lines, perf maps for run. */
void cli_init(struct cli *cli);
/* Everything cli_parse and main allocated; the struct may be reused after
 * cli_init. */
void cli_free(struct cli *cli);

/* argv[0] is the program name; argv[1] may be a subcommand (report, run,
 * diff).  Returns 0, or -1 with err->message set (a usage error: main
 * exits 2).  argv must outlive cli (args point into it).  Call
 * cli_free() afterwards whatever it returned. */
int cli_parse(struct cli *cli, int argc, char **argv, struct vgt_error *err);

/* Adds a perf map directory after parsing (run's private one) and keeps
 * cli->pipeline in step. */
void cli_add_perf_map(struct cli *cli, const char *path);

/* The --help text. */
const char *cli_usage_text(void);

/* The shell completion script for shell ("bash", "zsh" or "fish"), made
 * from the option table that cli_parse reads, so that it never drifts
 * from --help.  0, or -1 for another shell. */
int cli_completions(const char *shell, FILE *out);

/* The long option closest to `name` (without "--"), or NULL when none is
 * close enough to suggest. */
const char *cli_suggest_option(const char *name);

#endif
