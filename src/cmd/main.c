/*
 * main.c — the command line: options, subcommands, exit status.  The only
 * file that calls exit(); everything else lives in libvgtriage.a.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/baseline.h"
#include "base/escape.h"
#include "cmd/cli.h"
#include "cmd/diff.h"
#include "cmd/gitrev.h"
#include "cmd/pipeline.h"
#include "render/render.h"
#include "render/render_ci.h"
#include "cmd/runner.h"
#include "base/safefile.h"
#include "analyze/suppress.h"
#include "vgtriage/vgt.h"
#include "analyze/policy.h"

#define DEFAULT_TEXT_TOP 20
#define DEFAULT_TEXT_STACKS 5 /* as render_text.c */

static void print_diag(const char *level, const struct vgt_error *err)
{
	fputs("vgtriage: ", stderr);
	if (err->file[0] != '\0') {
		fputs(err->file, stderr);
		if (err->line > 0)
			fprintf(stderr, ":%ld", err->line);
		if (err->line > 0 && err->column > 0)
			fprintf(stderr, ":%ld", err->column);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s: %s\n", level, err->message);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vgtriage: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vgtriage --help'.\n", stderr);
	return VGT_EXIT_ERROR;
}

static int want_color(const struct cli *cli, FILE *out)
{
	if (cli->color != NULL && strcmp(cli->color, "always") == 0)
		return 1;
	if (cli->color != NULL && strcmp(cli->color, "never") == 0)
		return 0;
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (no_color != NULL && no_color[0] != '\0')
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return cli->format == VGT_FORMAT_TEXT && isatty(fileno(out));
}

/* Can path be opened and read at all?  A directory opens but cannot be
 * read; FIFOs and devices are left to the reader (opening one here would
 * consume it). */
static int check_readable(const char *path, struct vgt_error *err)
{
	struct stat sb;
	if (strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &sb) != 0)
		return vgt_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return vgt_error_set(err, path, 0, 0, "cannot read: %s", strerror(EISDIR));
	if (!S_ISREG(sb.st_mode))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vgt_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	close(fd);
	return 0;
}

/* One self-erasing line on a terminal's stderr while inputs are read. */
static void show_progress(void *ctx, const struct pipeline_progress *p)
{
	(void)ctx;
	if (p == NULL) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		return;
	}
	double mb = (double)p->bytes / 1048576.0;
	char r[32], s[32];
	fputs("\r\033[Kvgtriage: reading ", stderr);
	if (p->total > 0)
		fprintf(stderr, "%.1f of %.1f MB (%.0f%%)", mb, (double)p->total / 1048576.0,
			100.0 * (double)p->bytes / (double)p->total);
	else
		fprintf(stderr, "%.1f MB", mb);
	fprintf(stderr, ", %.0f MB/s, %s records, %s sites", p->seconds > 0 ? mb / p->seconds : 0.0,
		render_grouped(r, p->records), render_grouped(s, p->sites));
	fflush(stderr);
}

/* What the pipeline needs besides what cli_parse set: threads, progress,
 * and for which sites source context is read (those the format shows). */
static void prepare_pipeline(struct cli *cli)
{
	cli->pipeline.jobs = cli->jobs;
	/* one large input in parts too: -j 2 on the 300 MB deep bench input
	 * takes 0.67x the wall time of -j 1 (paired runs, 2 CPUs), for 13 MB
	 * more at the peak; -j 1 reads it whole */
	cli->pipeline.split_input = 1;
	/* --gen-suppressions=hidden keeps every record's stack in the one
	 * report it reads into: inputs are read one after the other */
	cli->pipeline.keep_record_stacks = cli->gen_suppressions == 2;
	if (!cli->quiet && isatty(STDERR_FILENO)) {
		cli->pipeline.progress = show_progress;
		cli->pipeline.progress_ctx = cli;
	}
	size_t top = cli->top_given ? cli->pipeline.rank.top : DEFAULT_TEXT_TOP;
	size_t stacks = cli->stacks_given ? cli->stacks : DEFAULT_TEXT_STACKS;
	/* natures and hints for the sites the text report lists */
	cli->pipeline.explain.max_sites = cli->format == VGT_FORMAT_TEXT ? top : 0;
	cli->pipeline.context_limited = cli->format != VGT_FORMAT_HTML;
	cli->pipeline.context_sites = cli->format != VGT_FORMAT_TEXT ? 0
				      : top != 0 && top < stacks ? top : stacks;
}

struct read_state {
	struct cli *cli;
	int status;
	int *unreadable;
};

static void input_result(void *ctx, const char *path, int rc, const struct vgt_error *err)
{
	struct read_state *rs = ctx;
	(void)path;
	if (rc < 0) {
		print_diag("error", err);
		rs->status = VGT_EXIT_ERROR;
		if (rs->unreadable != NULL && strncmp(err->message, "read error", 10) == 0)
			*rs->unreadable = 1;
	} else if (rc > 0 && !rs->cli->quiet) {
		print_diag("warning", err);
	}
}

/* Reads every input (cli->jobs at a time); returns VGT_EXIT_ERROR if any
 * input was broken.  *unreadable (may be NULL) is set when an input could
 * not be opened or read at all: then there is no report to give. */
static int read_inputs(struct cli *cli, struct pipeline *pl, int n, char **paths,
		       int *unreadable)
{
	static char *const stdin_only[] = {"-", NULL};
	struct read_state rs = {cli, VGT_EXIT_OK, unreadable};
	if (n == 0) {
		paths = (char **)stdin_only;
		n = 1;
	}
	char **readable = xcalloc((size_t)n + 1, sizeof(*readable));
	size_t n_readable = 0;
	for (int i = 0; i < n; i++) {
		struct vgt_error err;
		vgt_error_clear(&err);
		if (check_readable(paths[i], &err) != 0) {
			print_diag("error", &err);
			rs.status = VGT_EXIT_ERROR;
			if (unreadable != NULL)
				*unreadable = 1;
			continue;
		}
		readable[n_readable++] = paths[i];
	}
	if (n_readable > 0)
		pipeline_read_paths(pl, readable, n_readable, input_result, &rs);
	free(readable);
	return rs.status;
}

/* -o FILE: written beside and renamed when complete (safefile.h; its
 * descriptor is close-on-exec, so that `run`'s program does not inherit it). */
static struct safefile *output_file;

static FILE *open_output(const struct cli *cli)
{
	if (cli->output == NULL || strcmp(cli->output, "-") == 0)
		return stdout;
	struct vgt_error err;
	vgt_error_clear(&err);
	output_file = safefile_open(cli->output, &err);
	FILE *f = output_file != NULL ? safefile_stream(output_file) : NULL;
	if (output_file != NULL && f == NULL) {
		vgt_error_set(&err, cli->output, 0, 0, "cannot write: %s", strerror(errno));
		safefile_abort(output_file);
		output_file = NULL;
	}
	if (f == NULL)
		print_diag("error", &err);
	return f;
}

static int close_output(const struct cli *cli, FILE *out)
{
	(void)cli;
	if (out == stdout)
		return 0;
	struct vgt_error err;
	vgt_error_clear(&err);
	int rc = safefile_commit(output_file, &err);
	output_file = NULL;
	if (rc != 0)
		print_diag("error", &err);
	return rc;
}

/* Columns for the text table: $COLUMNS, else the terminal's, when out
 * is a terminal; 0 (the renderer's default) otherwise. */
static size_t output_width(FILE *out)
{
	if (!isatty(fileno(out)))
		return 0;
	const char *env = getenv("COLUMNS");
	if (env != NULL && env[0] >= '1' && env[0] <= '9') {
		char *end;
		unsigned long cols = strtoul(env, &end, 10);
		if (*end == '\0' && cols > 0 && cols < 100000)
			return cols;
	}
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

static void render_options_for(const struct cli *cli, FILE *out, struct render_options *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->color = want_color(cli, out);
	/* Text lists the worst DEFAULT_TEXT_TOP by default and says how many
	 * more there are; JSON and the CI formats keep every site. */
	ro->top = cli->top_given ? cli->pipeline.rank.top
		  : cli->format == VGT_FORMAT_TEXT ? DEFAULT_TEXT_TOP : 0;
	ro->compact = cli->compact;
	ro->width = output_width(out);
	/* run --watch -f json: snapshots and the final report, one per line */
	ro->json_lines = strcmp(cli->command, "run") == 0 && cli->watch > 0;
	ro->stacks = cli->stacks;
	ro->stacks_set = cli->stacks_given;
	ro->verbose = cli->verbose;
	ro->policy = &cli->policy;
	ro->source_root = cli->n_source_roots > 0 ? cli->source_roots[0] : NULL;
	ro->gen_suppressions = cli->gen_suppressions == 1; /* 2 (=hidden): render_to */
	ro->source_url = cli->source_url;
	ro->source_rev = cli->source_rev;
}

/* --source-url's {rev} without --source-rev: the commit of the checkout
 * of the first --source-root (or of the current directory), read from its
 * .git files (gitrev.h: no git command runs).  Only the formats that link
 * need it.  0, or -1 (a usage error was printed). */
static int resolve_source_rev(struct cli *cli)
{
	if (cli->source_url == NULL || cli->source_rev != NULL ||
	    !render_source_url_has_rev(cli->source_url) ||
	    (cli->format != VGT_FORMAT_HTML && cli->format != VGT_FORMAT_MARKDOWN &&
	     cli->format != VGT_FORMAT_SARIF))
		return 0;
	const char *root = cli->n_source_roots > 0 ? cli->source_roots[0] : ".";
	if (gitrev_head(root, cli->source_rev_buf) != 0) {
		char name[256];
		escape_text_buf(name, sizeof(name), root);
		usage_error("--source-url uses {rev}, and %s is in no git checkout whose HEAD names a "
			    "commit: give --source-rev REV", name);
		return -1;
	}
	cli->source_rev = cli->source_rev_buf;
	return 0;
}

static int render_to(struct cli *cli, FILE *out, const struct vgt_report *report)
{
	struct render_options ro;
	render_options_for(cli, out, &ro);
	struct vgt_error err;
	vgt_error_clear(&err);
	if (cli->gen_suppressions == 2) {
		/* --gen-suppressions=hidden: the .supp file is the output */
		if (suppressions_write_hidden(out, report) != 0) {
			fprintf(stderr, "vgtriage: %s: write error\n",
				cli->output != NULL ? cli->output : "stdout");
			return -1;
		}
		return 0;
	}
	if (render_report(out, cli->format, report, &ro, &err) != 0) {
		fprintf(stderr, "vgtriage: %s: %s\n", cli->output != NULL ? cli->output : "stdout",
			err.message);
		return -1;
	}
	return 0;
}

/* Loads --suppressions and --baseline files before any input is read. */
static int load_side_files(struct cli *cli)
{
	struct vgt_error err;
	vgt_error_clear(&err);
	if (cli->n_supp_files > 0) {
		cli->suppressions = suppressions_new();
		for (size_t i = 0; i < cli->n_supp_files; i++) {
			if (suppressions_load(cli->suppressions, cli->supp_files[i], &err) != 0) {
				print_diag("error", &err);
				return -1;
			}
		}
		cli->pipeline.suppressions = cli->suppressions;
	}
	if (cli->baseline != NULL) {
		cli->baseline_set = baseline_load(cli->baseline, &err);
		if (cli->baseline_set == NULL) {
			print_diag("error", &err);
			return -1;
		}
	}
	return 0;
}

/* Baseline marking and writing, rendering, and the policy's verdict. */
static int report_and_judge(struct cli *cli, struct vgt_report *report, FILE *out)
{
	int status = VGT_EXIT_OK;
	if (cli->baseline_set != NULL)
		baseline_apply(cli->baseline_set, report);
	if (cli->write_baseline != NULL) {
		struct vgt_error err;
		vgt_error_clear(&err);
		if (baseline_write_path(cli->write_baseline, report, &err) != 0) {
			print_diag("error", &err);
			status = VGT_EXIT_ERROR;
		}
	}
	if (render_to(cli, out, report) != 0)
		status = VGT_EXIT_ERROR;
	/* Adopting a baseline is not a finding: once it is written, exit 0;
	 * nor is writing the suppressions of --gen-suppressions=hidden. */
	if (status == VGT_EXIT_OK && cli->write_baseline == NULL && cli->gen_suppressions != 2 &&
	    policy_evaluate(&cli->policy, report))
		status = VGT_EXIT_FINDINGS;
	return status;
}

static int cmd_report(struct cli *cli, int argc, char **argv)
{
	if (argc == 0 && isatty(STDIN_FILENO))
		return usage_error("no input: name valgrind XML or log files, or pipe one in");
	if (load_side_files(cli) != 0)
		return VGT_EXIT_ERROR;
	struct pipeline *pl = pipeline_new(&cli->pipeline);
	int unreadable = 0;
	int status = read_inputs(cli, pl, argc, argv, &unreadable);
	struct vgt_report *report = pipeline_finish(pl);
	/* A broken input still gets the report of what was parsed before the
	 * break; when nothing at all was, or an input could not be read at
	 * all, there is no report to give (a partial report under status 2
	 * is easy to mistake for a result). */
	if (!unreadable && (status == VGT_EXIT_OK || report->totals.records > 0 ||
			    report->totals.suppressed_records > 0)) {
		FILE *out = open_output(cli);
		if (out == NULL) {
			status = VGT_EXIT_ERROR;
		} else {
			int verdict = report_and_judge(cli, report, out);
			if (status == VGT_EXIT_OK || verdict == VGT_EXIT_ERROR)
				status = verdict;
			if (close_output(cli, out) != 0)
				status = VGT_EXIT_ERROR;
		}
	}
	pipeline_free(pl);
	return status;
}

/* The program's own failure wins over the policy (man page, EXIT STATUS). */
static int run_status(const struct run_result *res, int verdict)
{
	if (verdict == VGT_EXIT_ERROR)
		return verdict;
	if (res->signaled)
		return 128 + res->signal;
	if (res->exited && res->exit_status != 0)
		return res->exit_status;
	return verdict;
}

static int cmd_run(struct cli *cli, int argc, char **argv)
{
	(void)argc; /* argv ends with NULL: cli_parse took argv's words */
	if (load_side_files(cli) != 0)
		return VGT_EXIT_ERROR;
	FILE *out = open_output(cli);
	if (out == NULL)
		return VGT_EXIT_ERROR;
	/* --watch snapshots: text or JSON Lines in the report's stream; beside
	 * another report format they go to stderr as text. */
	int snapshots_in_report = cli->format == VGT_FORMAT_TEXT || cli->format == VGT_FORMAT_JSON;
	FILE *snap_out = snapshots_in_report ? out : stderr;
	struct render_options ro;
	render_options_for(cli, snap_out, &ro);
	struct run_options opts = {0};
	opts.command = argv;
	opts.valgrind_args = cli->valgrind_args;
	opts.n_valgrind_args = cli->n_valgrind_args;
	opts.keep_xml = cli->keep_xml;
	opts.watch_seconds = cli->watch;
	opts.python_perf = cli->python_perf;
	/* each process's mappings name frames valgrind could not name */
	opts.record_maps = 1;
	opts.progress = !cli->quiet;
	opts.quiet = cli->quiet;
	opts.out = snap_out;
	/* vgtriage's output never shares a stream with the program's */
	opts.program_stdout_to_stderr = out == stdout;
	opts.format = snapshots_in_report ? cli->format : VGT_FORMAT_TEXT;
	opts.render = &ro;
	opts.engine_asan = cli->engine_asan;
	if (!opts.engine_asan && runner_wants_perf_maps(&opts)) {
		cli_add_perf_map(cli, RUNNER_PERF_MAP_DIR);
	}
	opts.pipeline = &cli->pipeline;
	struct harness harness;
	if (cli->per_test) {
		struct vgt_error herr;
		vgt_error_clear(&herr);
		if (harness_find(cli->argv0, &harness, &herr) != 0) {
			print_diag("error", &herr);
			close_output(cli, out);
			return VGT_EXIT_ERROR;
		}
		harness.per_phase = cli->per_test == 2;
		opts.per_test = &harness;
	}
	struct pipeline *pl = pipeline_new(&cli->pipeline);
	struct run_result res;
	memset(&res, 0, sizeof(res));
	struct vgt_error err;
	vgt_error_clear(&err);
	int status;
	if (runner_run(&opts, pl, &res, &err) != 0) {
		print_diag("error", &err);
		status = VGT_EXIT_ERROR;
	} else {
		for (size_t i = 0; i < res.n_warnings && !cli->quiet; i++)
			print_diag("warning", &res.warnings[i]);
		if (res.killed && !cli->quiet) {
			/* the command is the user's, but its name can be anything:
			 * shown as the reports show input strings */
			char name[256];
			escape_text_buf(name, sizeof(name), argv[0]);
			fprintf(stderr, "vgtriage: killed %s after a second interrupt: the report is "
				"incomplete\n", name);
		}
		status = run_status(&res, report_and_judge(cli, pipeline_finish(pl), out));
	}
	pipeline_free(pl);
	runner_cleanup(&res);
	if (close_output(cli, out) != 0)
		status = VGT_EXIT_ERROR;
	return status;
}

/* One side of a diff: a vgtriage JSON report, or valgrind inputs. */
static struct vgt_report *load_diff_side(struct cli *cli, int argc, char **argv, int *status)
{
	struct vgt_error err;
	vgt_error_clear(&err);
	if (argc == 1 && diff_is_json_report(argv[0]) == 1) {
		struct vgt_report *r = diff_load_json(argv[0], &err);
		if (r == NULL) {
			print_diag("error", &err);
			*status = VGT_EXIT_ERROR;
		}
		return r;
	}
	struct pipeline *pl = pipeline_new(&cli->pipeline);
	if (read_inputs(cli, pl, argc, argv, NULL) != VGT_EXIT_OK)
		*status = VGT_EXIT_ERROR;
	pipeline_finish(pl);
	struct vgt_report *r = pipeline_take(pl);
	pipeline_free(pl);
	return r;
}

static int cmd_diff(struct cli *cli, int argc, char **argv)
{
	int split = (int)cli->diff_split;
	int sep = cli->diff_sep;
	int n_new = argc - split - sep;
	if (load_side_files(cli) != 0)
		return VGT_EXIT_ERROR;
	int status = VGT_EXIT_OK;
	struct vgt_report *base = load_diff_side(cli, split, argv, &status);
	struct vgt_report *newr = load_diff_side(cli, n_new, argv + split + sep, &status);
	FILE *out = status == VGT_EXIT_OK ? open_output(cli) : NULL;
	if (out != NULL) {
		int failed = 0;
		if (diff_render(out, cli->format, base, newr, &cli->policy, &failed) != 0) {
			fprintf(stderr, "vgtriage: write error\n");
			status = VGT_EXIT_ERROR;
		} else if (failed) {
			status = VGT_EXIT_FINDINGS;
		}
		if (close_output(cli, out) != 0)
			status = VGT_EXIT_ERROR;
	} else {
		status = VGT_EXIT_ERROR;
	}
	report_free(base);
	report_free(newr);
	return status;
}

/* stdout is often a pipe: a failed write or close is an error (as in jq). */
static int finish_stdout(int status)
{
	if (ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "vgtriage: write error on standard output\n");
		return VGT_EXIT_ERROR;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli;
	cli_init(&cli);
	/* Initialised here so that xmlCleanupParser() at the end frees it all. */
	xmlInitParser();
	struct vgt_error err;
	vgt_error_clear(&err);
	int status;
	if (cli_parse(&cli, argc, argv, &err) != 0) {
		status = usage_error("%s", err.message);
	} else if (cli.action == CLI_ACTION_HELP) {
		fputs(cli_usage_text(), stdout);
		status = VGT_EXIT_OK;
	} else if (cli.action == CLI_ACTION_VERSION) {
		printf("vgtriage %s\n", VGT_VERSION);
		status = VGT_EXIT_OK;
	} else if (cli.action == CLI_ACTION_COMPLETIONS) {
		cli_completions(cli.completions, stdout);
		status = VGT_EXIT_OK;
	} else if (resolve_source_rev(&cli) != 0) {
		status = VGT_EXIT_ERROR;
	} else {
		int n = (int)cli.n_args;
		prepare_pipeline(&cli);
		if (strcmp(cli.command, "run") == 0)
			status = cmd_run(&cli, n, cli.args);
		else if (strcmp(cli.command, "diff") == 0)
			status = cmd_diff(&cli, n, cli.args);
		else
			status = cmd_report(&cli, n, cli.args);
	}
	cli_free(&cli);
	xmlCleanupParser(); /* libxml2's global tables: leave nothing behind under valgrind */
	return finish_stdout(status);
}
