/*
 * main.c — the command line: options, subcommands, exit status.  The only
 * file that calls exit(); everything else lives in libvgtriage.a.
 */
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgtriage/baseline.h"
#include "vgtriage/diff.h"
#include "vgtriage/pipeline.h"
#include "vgtriage/render.h"
#include "vgtriage/runner.h"
#include "vgtriage/suppress.h"
#include "vgtriage/vgt.h"

enum long_only {
	OPT_INPUT_FORMAT = 256, OPT_PERF_MAP, OPT_ALL, OPT_KINDS, OPT_FAIL_ON, OPT_SOURCE_ROOT,
	OPT_PREFIX_MAP, OPT_SUPPRESSIONS, OPT_GEN_SUPPRESSIONS, OPT_BASELINE, OPT_WRITE_BASELINE,
	OPT_COLOR, OPT_VERSION, OPT_STACKS, OPT_CONTEXT, OPT_VALGRIND_ARG, OPT_KEEP_XML,
	OPT_WATCH, OPT_NO_PYTHON_PERF, OPT_PER_TEST,
};

static const struct option long_options[] = {
	{"format", required_argument, NULL, 'f'},
	{"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
	{"perf-map", required_argument, NULL, OPT_PERF_MAP},
	{"output", required_argument, NULL, 'o'},
	{"top", required_argument, NULL, 'n'},
	{"all", no_argument, NULL, OPT_ALL},
	{"kinds", required_argument, NULL, OPT_KINDS},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
	{"prefix-map", required_argument, NULL, OPT_PREFIX_MAP},
	{"suppressions", required_argument, NULL, OPT_SUPPRESSIONS},
	{"gen-suppressions", no_argument, NULL, OPT_GEN_SUPPRESSIONS},
	{"baseline", required_argument, NULL, OPT_BASELINE},
	{"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
	{"color", required_argument, NULL, OPT_COLOR},
	{"colour", required_argument, NULL, OPT_COLOR},
	{"stacks", required_argument, NULL, OPT_STACKS},
	{"context", required_argument, NULL, OPT_CONTEXT},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, 'h'},
	{"valgrind-arg", required_argument, NULL, OPT_VALGRIND_ARG},
	{"keep-xml", required_argument, NULL, OPT_KEEP_XML},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"no-python-perf", no_argument, NULL, OPT_NO_PYTHON_PERF},
	{"per-test", optional_argument, NULL, OPT_PER_TEST},
	{NULL, 0, NULL, 0},
};

static const char usage_text[] =
	"Usage: vgtriage [report] [OPTIONS] [FILE...]\n"
	"       vgtriage run [OPTIONS] -- COMMAND [ARG...]\n"
	"       vgtriage diff [OPTIONS] BASE NEW\n"
	"\n"
	"Ranks the leaks and errors of valgrind memcheck output by the line of your\n"
	"code that causes them.  FILE is valgrind XML (--xml=yes) or a text log;\n"
	"none or '-' reads standard input.\n"
	"\n"
	"Report options:\n"
	"  -f, --format FMT        text, json, sarif, junit, github, markdown,\n"
	"                          codequality or html (default: text)\n"
	"      --input-format FMT  auto, xml or text (default: auto)\n"
	"  -o, --output FILE       write the report to FILE instead of standard output\n"
	"  -n, --top N             list the N worst sites (default: all)\n"
	"      --stacks N          text: show the stacks of the N worst sites (default: 5)\n"
	"      --context N         lines of source shown around a site (default: 2)\n"
	"      --all               also show sites outside your code (interpreter, libc)\n"
	"      --kinds LIST        only these: definite,indirect,possible,reachable,errors\n"
	"      --fail-on LIST      exit 1 on: definite,indirect,possible,reachable,errors,\n"
	"                          incomplete,new,all,none; KIND>BYTES sets a threshold\n"
	"                          (default: definite,indirect,errors,incomplete)\n"
	"      --source-root DIR   where to look for sources (repeatable)\n"
	"      --prefix-map OLD=NEW  rewrite source paths from OLD to NEW (repeatable)\n"
	"      --perf-map FILE|DIR CPython perf maps naming Python frames (repeatable)\n"
	"      --suppressions FILE apply a valgrind .supp file (repeatable)\n"
	"      --gen-suppressions  text: print a .supp entry for each site\n"
	"      --baseline FILE     mark sites new or known against FILE\n"
	"      --write-baseline FILE  write the fingerprints of the shown sites to FILE\n"
	"      --color WHEN        auto, always or never (default: auto; NO_COLOR honoured)\n"
	"  -q, --quiet             no warnings or progress on standard error\n"
	"  -v, --verbose           say more (where sources were looked for)\n"
	"      --version           print the version and exit\n"
	"  -h, --help              print this help and exit\n"
	"\n"
	"Run options:\n"
	"      --valgrind-arg ARG  pass ARG to valgrind (repeatable)\n"
	"      --keep-xml FILE     keep valgrind's raw XML in FILE\n"
	"      --watch SECONDS     report leak growth every SECONDS while it runs\n"
	"      --no-python-perf    do not enable CPython 3.12+ perf maps\n"
	"      --per-test[=phase]  say which test leaked: pytest runs get vgtriage's\n"
	"                          plugin (a leak check after each test; =phase: after\n"
	"                          setup, call and teardown); other harnesses use its\n"
	"                          protocol\n"
	"\n"
	"Exit status: 0 nothing --fail-on names; 1 findings --fail-on names;\n"
	"2 usage error or unreadable or invalid input.  For run, the program's own\n"
	"non-zero status (128+N when killed by signal N) comes first.\n";

struct cli {
	const char *command;      /* "report", "run", "diff" */
	enum vgt_format format;
	const char *output;
	const char *color;
	int quiet, verbose, gen_suppressions;
	const char *baseline, *write_baseline;
	struct policy policy;
	struct pipeline_options pipeline;
	size_t stacks;
	/* repeatable options */
	const char **source_roots;
	size_t n_source_roots, source_roots_cap;
	struct prefix_map *prefix_maps;
	size_t n_prefix_maps, prefix_maps_cap;
	const char **perf_maps;
	size_t n_perf_maps, perf_maps_cap;
	const char **supp_files;
	size_t n_supp_files, supp_files_cap;
	const char **valgrind_args;
	size_t n_valgrind_args, valgrind_args_cap;
	const char *keep_xml;
	double watch;
	int python_perf;
	int per_test;             /* 0 off, 1 a check per test, 2 per phase */
	const char *argv0;
	struct suppressions *suppressions;
	struct baseline *baseline_set;
};

static void cli_free(struct cli *cli)
{
	free(cli->source_roots);
	for (size_t i = 0; i < cli->n_prefix_maps; i++)
		free((char *)cli->prefix_maps[i].old_prefix);
	free(cli->prefix_maps);
	free(cli->perf_maps);
	free(cli->supp_files);
	free(cli->valgrind_args);
	suppressions_free(cli->suppressions);
	baseline_free(cli->baseline_set);
}

static void push(const char ***list, size_t *n, size_t *cap, const char *value)
{
	*list = xgrow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = value;
}

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

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_kinds(const char *spec, unsigned *mask)
{
	static const char *const names[VGT_GROUP_COUNT] = {"errors", "definite", "indirect",
							   "possible", "reachable"};
	*mask = 0;
	while (*spec != '\0') {
		size_t len = strcspn(spec, ",");
		int found = 0;
		for (int g = 0; g < VGT_GROUP_COUNT; g++) {
			if (strlen(names[g]) == len && strncmp(spec, names[g], len) == 0) {
				*mask |= 1u << g;
				found = 1;
			}
		}
		if (len > 0 && !found)
			return -1;
		spec += len + (spec[len] == ',');
	}
	return 0;
}

static int add_prefix_map(struct cli *cli, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg)
		return -1;
	struct prefix_map map;
	char *old = xstrndup(arg, (size_t)(eq - arg));
	map.old_prefix = old;
	map.new_prefix = eq + 1;
	cli->prefix_maps = xgrow(cli->prefix_maps, &cli->prefix_maps_cap, cli->n_prefix_maps + 1,
				 sizeof(*cli->prefix_maps));
	cli->prefix_maps[cli->n_prefix_maps++] = map;
	return 0;
}

/* One option; returns 0, or an exit status to stop with (-1 = exit 0). */
static int handle_option(struct cli *cli, int c, const char *arg)
{
	struct vgt_error err;
	switch (c) {
	case 'f':
		if (render_format_parse(arg, &cli->format) != 0)
			return usage_error("unknown format '%s'", arg);
		return 0;
	case OPT_INPUT_FORMAT:
		if (strcmp(arg, "auto") != 0 && strcmp(arg, "xml") != 0 && strcmp(arg, "text") != 0)
			return usage_error("--input-format: '%s' is not auto, xml or text", arg);
		cli->pipeline.input_format = arg;
		return 0;
	case OPT_PERF_MAP:
		push(&cli->perf_maps, &cli->n_perf_maps, &cli->perf_maps_cap, arg);
		return 0;
	case 'o':
		cli->output = arg;
		return 0;
	case 'n':
		if (parse_size(arg, &cli->pipeline.rank.top) != 0)
			return usage_error("--top: '%s' is not a number", arg);
		return 0;
	case OPT_STACKS:
		if (parse_size(arg, &cli->stacks) != 0)
			return usage_error("--stacks: '%s' is not a number", arg);
		return 0;
	case OPT_CONTEXT:
		if (parse_size(arg, &cli->pipeline.symbolize.context_lines) != 0)
			return usage_error("--context: '%s' is not a number", arg);
		return 0;
	case OPT_ALL:
		cli->pipeline.rank.show_all = 1;
		return 0;
	case OPT_KINDS:
		if (parse_kinds(arg, &cli->pipeline.rank.kinds_mask) != 0)
			return usage_error("--kinds: '%s': expected definite, indirect, possible, "
					   "reachable, errors", arg);
		return 0;
	case OPT_FAIL_ON:
		if (policy_parse(&cli->policy, arg, &err) != 0)
			return usage_error("%s", err.message);
		return 0;
	case OPT_SOURCE_ROOT:
		push(&cli->source_roots, &cli->n_source_roots, &cli->source_roots_cap, arg);
		return 0;
	case OPT_PREFIX_MAP:
		if (add_prefix_map(cli, arg) != 0)
			return usage_error("--prefix-map: '%s' is not OLD=NEW", arg);
		return 0;
	case OPT_SUPPRESSIONS:
		push(&cli->supp_files, &cli->n_supp_files, &cli->supp_files_cap, arg);
		return 0;
	case OPT_GEN_SUPPRESSIONS:
		cli->gen_suppressions = 1;
		return 0;
	case OPT_BASELINE:
		cli->baseline = arg;
		return 0;
	case OPT_WRITE_BASELINE:
		cli->write_baseline = arg;
		return 0;
	case OPT_COLOR:
		if (strcmp(arg, "auto") != 0 && strcmp(arg, "always") != 0 && strcmp(arg, "never") != 0)
			return usage_error("--color: '%s' is not auto, always or never", arg);
		cli->color = arg;
		return 0;
	case 'q':
		cli->quiet = 1;
		return 0;
	case 'v':
		cli->verbose = 1;
		return 0;
	case OPT_VERSION:
		printf("vgtriage %s\n", VGT_VERSION);
		return -1;
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	case OPT_VALGRIND_ARG:
		push(&cli->valgrind_args, &cli->n_valgrind_args, &cli->valgrind_args_cap, arg);
		return 0;
	case OPT_KEEP_XML:
		cli->keep_xml = arg;
		return 0;
	case OPT_WATCH: {
		char *end;
		cli->watch = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(cli->watch > 0))
			return usage_error("--watch: '%s' is not a positive number of seconds", arg);
		return 0;
	}
	case OPT_NO_PYTHON_PERF:
		cli->python_perf = 0;
		return 0;
	case OPT_PER_TEST:
		if (arg != NULL && strcmp(arg, "test") != 0 && strcmp(arg, "phase") != 0)
			return usage_error("--per-test=%s: expected phase or test", arg);
		cli->per_test = arg != NULL && strcmp(arg, "phase") == 0 ? 2 : 1;
		return 0;
	default:
		return usage_error("invalid option");
	}
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	int c;
	opterr = 0;
	/* '+': stop at the first non-option so `run -- cmd -x` keeps cmd's options. */
	while ((c = getopt_long(argc, argv, "+f:o:n:qvh", long_options, NULL)) != -1) {
		if (c == '?') {
			if (optopt != 0)
				return usage_error("option -%c needs an argument or is unknown",
						   optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (c == ':')
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		int rc = handle_option(cli, c, optarg);
		if (rc != 0)
			return rc;
	}
	return 0;
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

static void setup_pipeline_options(struct cli *cli)
{
	struct symbolize_options *so = &cli->pipeline.symbolize;
	so->source_roots = cli->source_roots;
	so->n_source_roots = cli->n_source_roots;
	so->prefix_maps = cli->prefix_maps;
	so->n_prefix_maps = cli->n_prefix_maps;
	so->perf_maps = cli->perf_maps;
	so->n_perf_maps = cli->n_perf_maps;
	so->verbose = cli->verbose;
}

/* Reads every input; returns VGT_EXIT_ERROR if any input was broken. */
static int read_inputs(struct cli *cli, struct pipeline *pl, int n, char **paths)
{
	static char *const stdin_only[] = {"-", NULL};
	int status = VGT_EXIT_OK;
	if (n == 0) {
		paths = (char **)stdin_only;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		struct vgt_error err;
		vgt_error_clear(&err);
		int rc = pipeline_read_path(pl, paths[i], &err);
		if (rc < 0) {
			print_diag("error", &err);
			status = VGT_EXIT_ERROR;
		} else if (rc > 0 && !cli->quiet) {
			print_diag("warning", &err);
		}
	}
	return status;
}

static FILE *open_output(const struct cli *cli)
{
	if (cli->output == NULL || strcmp(cli->output, "-") == 0)
		return stdout;
	/* "e": close-on-exec, so that `run`'s program does not inherit it. */
	FILE *f = fopen(cli->output, "we");
	if (f == NULL)
		fprintf(stderr, "vgtriage: %s: cannot write: %s\n", cli->output, strerror(errno));
	return f;
}

static int close_output(const struct cli *cli, FILE *out)
{
	if (out == stdout)
		return 0;
	if (fclose(out) != 0) {
		fprintf(stderr, "vgtriage: %s: write error: %s\n", cli->output, strerror(errno));
		return -1;
	}
	return 0;
}

static void render_options_for(const struct cli *cli, FILE *out, struct render_options *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->color = want_color(cli, out);
	ro->top = cli->pipeline.rank.top;
	ro->stacks = cli->stacks;
	ro->verbose = cli->verbose;
	ro->policy = &cli->policy;
	ro->source_root = cli->n_source_roots > 0 ? cli->source_roots[0] : NULL;
	ro->gen_suppressions = cli->gen_suppressions;
}

static int render_to(struct cli *cli, FILE *out, const struct vgt_report *report)
{
	struct render_options ro;
	render_options_for(cli, out, &ro);
	struct vgt_error err;
	vgt_error_clear(&err);
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
	if (status == VGT_EXIT_OK && policy_evaluate(&cli->policy, report))
		status = VGT_EXIT_FINDINGS;
	return status;
}

static int cmd_report(struct cli *cli, int argc, char **argv)
{
	if (argc == 0 && isatty(STDIN_FILENO))
		return usage_error("no input: name valgrind XML or log files, or pipe one in");
	if (load_side_files(cli) != 0)
		return VGT_EXIT_ERROR;
	FILE *out = open_output(cli);
	if (out == NULL)
		return VGT_EXIT_ERROR;
	struct pipeline *pl = pipeline_new(&cli->pipeline);
	int status = read_inputs(cli, pl, argc, argv);
	struct vgt_report *report = pipeline_finish(pl);
	/* A broken input still gets the report of what was parsed before the
	 * break; when nothing at all was, there is no report to give. */
	if (status == VGT_EXIT_OK || report->totals.records > 0 || report->totals.suppressed_records > 0) {
		int verdict = report_and_judge(cli, report, out);
		if (status == VGT_EXIT_OK || verdict == VGT_EXIT_ERROR)
			status = verdict;
	}
	pipeline_free(pl);
	if (close_output(cli, out) != 0)
		status = VGT_EXIT_ERROR;
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
	if (argc == 0)
		return usage_error("run: no command given (vgtriage run [OPTIONS] -- COMMAND [ARG...])");
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
	opts.progress = !cli->quiet;
	opts.quiet = cli->quiet;
	opts.out = snap_out;
	opts.format = snapshots_in_report ? cli->format : VGT_FORMAT_TEXT;
	opts.render = &ro;
	if (runner_wants_perf_maps(&opts)) {
		push(&cli->perf_maps, &cli->n_perf_maps, &cli->perf_maps_cap, RUNNER_PERF_MAP_DIR);
		setup_pipeline_options(cli);
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
		if (res.has_warning && !cli->quiet)
			print_diag("warning", &res.warning);
		if (res.killed && !cli->quiet)
			fprintf(stderr, "vgtriage: killed %s after a second interrupt: the report is "
				"incomplete\n", argv[0]);
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
	if (read_inputs(cli, pl, argc, argv) != VGT_EXIT_OK)
		*status = VGT_EXIT_ERROR;
	pipeline_finish(pl);
	struct vgt_report *r = pipeline_take(pl);
	pipeline_free(pl);
	return r;
}

static int cmd_diff(struct cli *cli, int argc, char **argv)
{
	/* BASE NEW, or BASE... -- NEW... for several inputs a side */
	int split = 1;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			split = i;
	int sep = split < argc && strcmp(argv[split], "--") == 0;
	int n_new = argc - split - sep;
	if (split < 1 || n_new < 1 || (!sep && argc != 2))
		return usage_error("diff: expected BASE NEW (or BASE... -- NEW...)");
	if (cli->format != VGT_FORMAT_TEXT && cli->format != VGT_FORMAT_JSON)
		return usage_error("diff: only text and json output");
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
	memset(&cli, 0, sizeof(cli));
	cli.command = "report";
	cli.python_perf = 1;
	cli.argv0 = argv[0];
	cli.pipeline.symbolize.context_lines = 2;
	policy_default(&cli.policy);
	/* Initialised here so that xmlCleanupParser() at the end frees it all. */
	xmlInitParser();
	int first = 1;
	if (argc > 1 && (strcmp(argv[1], "report") == 0 || strcmp(argv[1], "run") == 0 ||
			 strcmp(argv[1], "diff") == 0)) {
		cli.command = argv[1];
		first = 2;
	}
	int status = parse_args(&cli, argc - first + 1, argv + first - 1);
	if (status != 0) {
		cli_free(&cli);
		xmlCleanupParser();
		return finish_stdout(status < 0 ? VGT_EXIT_OK : status);
	}
	setup_pipeline_options(&cli);
	int rest = argc - first + 1 - optind;
	char **args = argv + first - 1 + optind;
	if (strcmp(cli.command, "run") == 0)
		status = cmd_run(&cli, rest, args);
	else if (strcmp(cli.command, "diff") == 0)
		status = cmd_diff(&cli, rest, args);
	else
		status = cmd_report(&cli, rest, args);
	cli_free(&cli);
	xmlCleanupParser(); /* libxml2's global tables: leave nothing behind under valgrind */
	return finish_stdout(status);
}
