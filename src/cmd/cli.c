/*
 * cli.c — the command line (see cli.h): option table, GNU-style parsing
 * without getopt's global state, validation, usage text.
 */
#include "cmd/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/baseline.h"
#include "analyze/suppress.h"
#include "symbols/symbolize.h"
#include "analyze/policy.h"
#include "render/render_ci.h"

enum opt_id {
	OPT_FORMAT = 1, OPT_OUTPUT, OPT_TOP, OPT_QUIET, OPT_VERBOSE, OPT_HELP,
	OPT_INPUT_FORMAT, OPT_PERF_MAP, OPT_ALL, OPT_KINDS, OPT_FAIL_ON, OPT_SOURCE_ROOT,
	OPT_PREFIX_MAP, OPT_SUPPRESSIONS, OPT_GEN_SUPPRESSIONS, OPT_BASELINE, OPT_WRITE_BASELINE,
	OPT_COLOR, OPT_VERSION, OPT_STACKS, OPT_CONTEXT, OPT_VALGRIND_ARG, OPT_KEEP_XML,
	OPT_WATCH, OPT_NO_PYTHON_PERF, OPT_COMPACT, OPT_JOBS, OPT_NO_HINTS, OPT_SYMBOLS, OPT_PER_TEST,
	OPT_COMPLETIONS, OPT_SOURCE_URL, OPT_SOURCE_REV, OPT_ENGINE, OPT_MERGE_DATA,
};

#define ARG_OPTIONAL 2

struct cli_option {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0 when none */
	int has_arg;      /* 0 none, 1 required, ARG_OPTIONAL only as --name=value */
	enum opt_id id;
};

static const struct cli_option options[] = {
	{"format", 'f', 1, OPT_FORMAT},
	{"input-format", 0, 1, OPT_INPUT_FORMAT},
	{"perf-map", 0, 1, OPT_PERF_MAP},
	{"output", 'o', 1, OPT_OUTPUT},
	{"top", 'n', 1, OPT_TOP},
	{"all", 0, 0, OPT_ALL},
	{"kinds", 0, 1, OPT_KINDS},
	{"fail-on", 0, 1, OPT_FAIL_ON},
	{"source-root", 0, 1, OPT_SOURCE_ROOT},
	{"prefix-map", 0, 1, OPT_PREFIX_MAP},
	{"source-url", 0, 1, OPT_SOURCE_URL},
	{"source-rev", 0, 1, OPT_SOURCE_REV},
	{"suppressions", 0, 1, OPT_SUPPRESSIONS},
	{"gen-suppressions", 0, ARG_OPTIONAL, OPT_GEN_SUPPRESSIONS},
	{"baseline", 0, 1, OPT_BASELINE},
	{"write-baseline", 0, 1, OPT_WRITE_BASELINE},
	{"color", 0, 1, OPT_COLOR},
	{"colour", 0, 1, OPT_COLOR},
	{"stacks", 0, 1, OPT_STACKS},
	{"context", 0, 1, OPT_CONTEXT},
	{"quiet", 'q', 0, OPT_QUIET},
	{"verbose", 'v', 0, OPT_VERBOSE},
	{"version", 0, 0, OPT_VERSION},
	{"help", 'h', 0, OPT_HELP},
	{"valgrind-arg", 0, 1, OPT_VALGRIND_ARG},
	{"keep-xml", 0, 1, OPT_KEEP_XML},
	{"watch", 0, 1, OPT_WATCH},
	{"no-python-perf", 0, 0, OPT_NO_PYTHON_PERF},
	{"compact", 0, 0, OPT_COMPACT},
	{"merge-data", 0, 0, OPT_MERGE_DATA},
	{"jobs", 'j', 1, OPT_JOBS},
	{"no-hints", 0, 0, OPT_NO_HINTS},
	{"symbols", 0, 1, OPT_SYMBOLS},
	{"per-test", 0, ARG_OPTIONAL, OPT_PER_TEST},
	{"engine", 0, 1, OPT_ENGINE},
	/* hidden (for packagers, see vgtriage(1) FILES): the completion scripts */
	{"completions", 0, 1, OPT_COMPLETIONS},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char usage_text[] =
	"Usage: vgtriage [report] [OPTIONS] [FILE...]\n"
	"       vgtriage run [OPTIONS] -- COMMAND [ARG...]\n"
	"       vgtriage diff [OPTIONS] BASE NEW\n"
	"       vgtriage merge [OPTIONS] PART.json...\n"
	"\n"
	"Ranks the leaks and errors of valgrind memcheck output by the line of your\n"
	"code that causes them.  FILE is valgrind XML (--xml=yes) or a text log;\n"
	"none or '-' reads standard input.  Options and files may come in any order;\n"
	"'--' ends the options.  helgrind and drd output is ranked the same way;\n"
	"other valgrind tools are refused.  merge reads the JSON reports of several\n"
	"jobs (written with -f json --merge-data) as the report of all their inputs.\n"
	"\n"
	"Report options:\n"
	"  -f, --format FMT        text, json, sarif, junit, github, markdown,\n"
	"                          codequality, html or folded (stacks for flame\n"
	"                          graphs; default: text)\n"
	"      --input-format FMT  auto, xml, text, lsan or json (a report written\n"
	"                          with --merge-data; default: auto)\n"
	"  -o, --output FILE       write the report to FILE instead of standard output\n"
	"  -n, --top N             list the N worst sites (default: 20 in text, all in\n"
	"                          other formats; 0 = all)\n"
	"      --compact           json: one line instead of indented\n"
	"      --merge-data        json: also write what `vgtriage merge` needs to\n"
	"                          combine this report with others (each input's\n"
	"                          records; inputs are then read one at a time)\n"
	"  -j, --jobs N            read N inputs at once, in threads (default: the\n"
	"                          number of CPUs), and one large input (8 MB or\n"
	"                          more) in N parts at once; the report is the\n"
	"                          same for any N\n"
	"      --stacks N          text: show the stacks of the N worst sites\n"
	"                          (default: 5; 0 shows none)\n"
	"      --context N         lines of source shown around a site (default: 2)\n"
	"      --all               also show sites outside your code: interpreter,\n"
	"                          runtime (libc), cython-runtime (Cython's own import\n"
	"                          code), python (allocations CPython made for\n"
	"                          Python code) and test-framework (gtest, Catch2,\n"
	"                          doctest, pytest, unittest); hidden sites never\n"
	"                          fail the gate\n"
	"      --kinds LIST        only these: definite,indirect,possible,reachable,errors\n"
	"      --fail-on LIST      exit 1 on: definite,indirect,possible,reachable,errors,\n"
	"                          incomplete,all; KIND>BYTES sets a threshold;\n"
	"                          'new' (needs --baseline) counts only sites the\n"
	"                          baseline does not know ('new' alone: the default\n"
	"                          kinds); 'none' alone never fails\n"
	"                          (default: definite,indirect,errors,incomplete)\n"
	"      --source-root DIR   where to look for sources (repeatable); paths under\n"
	"                          it, or under the current directory, are written\n"
	"                          relative to it in every format\n"
	"      --prefix-map OLD=NEW  rewrite source paths from OLD to NEW (repeatable)\n"
	"      --source-url TEMPLATE  html, markdown, sarif: link locations to the source\n"
	"                          host, e.g. https://host/org/repo/blob/{rev}/{path}#L{line}\n"
	"                          ({path} relative to the first --source-root)\n"
	"      --source-rev REV    what {rev} stands for (default: the commit the git\n"
	"                          checkout of the first --source-root, or of the current\n"
	"                          directory, is at, read from its .git files)\n"
	"      --perf-map FILE|DIR CPython perf maps naming Python frames (repeatable)\n"
	"      --symbols DIR       unstripped builds (matched by build-id) naming frames\n"
	"                          valgrind showed as ??? (repeatable)\n"
	"      --suppressions FILE apply a valgrind .supp file (repeatable)\n"
	"      --gen-suppressions[=hidden]  text: print a .supp entry for each site;\n"
	"                          =hidden: write, instead of the report, a .supp\n"
	"                          file for the sites the report hides (interpreter,\n"
	"                          runtime, Cython runtime), for valgrind itself\n"
	"      --no-hints          do not read the source for hints on why a block leaks\n"
	"      --baseline FILE     mark sites new or known against FILE\n"
	"      --write-baseline FILE  write the fingerprints of the shown sites to FILE\n"
	"                          (exit 0 once written; the report is still printed)\n"
	"      --color WHEN        auto, always or never (default: auto; NO_COLOR honoured)\n"
	"  -q, --quiet             no warnings or progress on standard error\n"
	"  -v, --verbose           say more (where sources were looked for)\n"
	"      --version           print the version and exit\n"
	"  -h, --help              print this help and exit\n"
	"\n"
	"Run options:\n"
	"      --engine ENGINE     valgrind (default: no rebuild) or asan: run natively\n"
	"                          with AddressSanitizer/LeakSanitizer (about 10x\n"
	"                          faster; the code must be built with\n"
	"                          -fsanitize=address; Python gets libasan preloaded)\n"
	"      --valgrind-arg ARG  pass ARG to valgrind (repeatable); with\n"
	"                          --trace-children=yes it follows exec too\n"
	"      --keep-xml FILE     keep valgrind's raw XML in FILE (other processes:\n"
	"                          FILE.PID)\n"
	"      --watch SECONDS     report leak growth every SECONDS while it runs\n"
	"                          (with -f json: JSON Lines, the report last)\n"
	"      --no-python-perf    do not enable CPython 3.12+ perf maps\n"
	"      --per-test[=phase]  say which test leaked: pytest runs get vgtriage's\n"
	"                          plugin (a leak check after each test; =phase: after\n"
	"                          setup, call and teardown); other harnesses use its\n"
	"                          protocol.  The checks see still reachable blocks\n"
	"                          too (hidden in the report; --all shows them)\n"
	"run reads every process valgrind reports (forked children too) and waits\n"
	"for those that outlive the first; Ctrl-C stops the wait.  The report goes\n"
	"to standard output (or -o); progress, diagnostics and valgrind's messages\n"
	"to standard error; the program's standard output goes to standard error\n"
	"when the report goes to standard output, else it is left alone.\n"
	"\n"
	"Totals are valgrind's own LEAK SUMMARY and ERROR SUMMARY when the input has\n"
	"them; a figure the input does not carry is shown as unknown, never as 0.\n"
	"\n"
	"Exit status: 0 nothing --fail-on names; 1 findings --fail-on names;\n"
	"2 usage error or unreadable or invalid input (no report is printed).\n"
	"For run, the program's own non-zero status (128+N when killed by signal N)\n"
	"comes first.\n";

const char *cli_usage_text(void)
{
	return usage_text;
}

void cli_init(struct cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	cli->command = "report";
	cli->python_perf = 1;
	cli->pipeline.symbolize.context_lines = 2;
	policy_default(&cli->policy);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cli->jobs = cpus > 0 ? (unsigned)(cpus < 64 ? cpus : 64) : 1;
}

void cli_free(struct cli *cli)
{
	free(cli->source_roots);
	for (size_t i = 0; i < cli->n_prefix_maps; i++)
		free((char *)cli->prefix_maps[i].old_prefix);
	free(cli->prefix_maps);
	free(cli->perf_maps);
	free(cli->symbol_dirs);
	free(cli->supp_files);
	free(cli->valgrind_args);
	free(cli->args);
	suppressions_free(cli->suppressions);
	baseline_free(cli->baseline_set);
	memset(cli, 0, sizeof(*cli));
}

static void push(const char ***list, size_t *n, size_t *cap, const char *value)
{
	*list = xgrow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = value;
}

static void push_arg(struct cli *cli, char *arg)
{
	/* Kept NULL-terminated: run's command is an argv for execvp. */
	cli->args = xgrow(cli->args, &cli->args_cap, cli->n_args + 2, sizeof(*cli->args));
	cli->args[cli->n_args++] = arg;
	cli->args[cli->n_args] = NULL;
}

static void sync_pipeline(struct cli *cli)
{
	struct symbolize_options *so = &cli->pipeline.symbolize;
	so->source_roots = cli->source_roots;
	so->n_source_roots = cli->n_source_roots;
	so->prefix_maps = cli->prefix_maps;
	so->n_prefix_maps = cli->n_prefix_maps;
	so->perf_maps = cli->perf_maps;
	so->n_perf_maps = cli->n_perf_maps;
	so->verbose = cli->verbose;
	so->symbol_dirs = cli->symbol_dirs;
	so->n_symbol_dirs = cli->n_symbol_dirs;
	so->linkage_names = cli->n_supp_files > 0 || cli->gen_suppressions;
	cli->pipeline.explain.verbose = cli->verbose;
}

void cli_add_perf_map(struct cli *cli, const char *path)
{
	push(&cli->perf_maps, &cli->n_perf_maps, &cli->perf_maps_cap, path);
	sync_pipeline(cli);
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || s[0] == '+' || s[0] == ' ')
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
	map.old_prefix = xstrndup(arg, (size_t)(eq - arg));
	map.new_prefix = eq + 1;
	cli->prefix_maps = xgrow(cli->prefix_maps, &cli->prefix_maps_cap, cli->n_prefix_maps + 1,
				 sizeof(*cli->prefix_maps));
	cli->prefix_maps[cli->n_prefix_maps++] = map;
	return 0;
}

static const char *suggest_word(const char *word, size_t len, const char *const *names);

/* The unknown value of an option, with "did you mean" when one of names
 * (NULL-terminated) is a likely typo of it.  what: "--color" or so;
 * expected: the values listed. */
static int bad_value(struct vgt_error *err, const char *what, const char *value, size_t len,
		     const char *const *names, const char *expected)
{
	const char *hint = suggest_word(value, len, names);
	if (hint != NULL)
		return vgt_error_set(err, NULL, 0, 0, "%s: unknown value '%.*s'; did you mean %s?",
				     what, (int)(len > 64 ? 64 : len), value, hint);
	return vgt_error_set(err, NULL, 0, 0, "%s: '%.*s' is not %s", what,
			     (int)(len > 64 ? 64 : len), value, expected);
}

/* The first comma-separated item of spec whose name (before any '>') is
 * not in names, or NULL; *len its name's length. */
static const char *unknown_item(const char *spec, const char *const *names, size_t *len)
{
	while (*spec != '\0') {
		size_t item = strcspn(spec, ",");
		size_t name = strcspn(spec, ",>");
		int found = name == 0;
		for (size_t i = 0; names[i] != NULL && !found; i++)
			found = strlen(names[i]) == name && strncmp(spec, names[i], name) == 0;
		if (!found) {
			*len = name;
			return spec;
		}
		spec += item + (spec[item] == ',');
	}
	return NULL;
}

static int one_of(const char *arg, const char *a, const char *b, const char *c)
{
	return strcmp(arg, a) == 0 || strcmp(arg, b) == 0 || strcmp(arg, c) == 0;
}

/* One option with its argument (NULL when it takes none). */
static int handle_option(struct cli *cli, enum opt_id id, const char *arg, struct vgt_error *err)
{
	switch (id) {
	case OPT_FORMAT:
		if (render_format_parse(arg, &cli->format) != 0) {
			const char *names[VGT_FORMAT_COUNT + 1];
			size_t n = 0;
			for (int i = 0; i < VGT_FORMAT_COUNT; i++)
				if (render_format_name((enum vgt_format)i) != NULL)
					names[n++] = render_format_name((enum vgt_format)i);
			names[n] = NULL;
			const char *hint = suggest_word(arg, strlen(arg), names);
			if (hint != NULL)
				return vgt_error_set(err, NULL, 0, 0,
						     "unknown format '%.64s'; did you mean %s?", arg, hint);
			return vgt_error_set(err, NULL, 0, 0, "unknown format '%s'", arg);
		}
		return 0;
	case OPT_INPUT_FORMAT:
		if (!one_of(arg, "auto", "xml", "text") && !one_of(arg, "lsan", "json", "json")) {
			static const char *const names[] = {"auto", "xml", "text", "lsan", "json", NULL};
			return bad_value(err, "--input-format", arg, strlen(arg), names,
					 "auto, xml, text, lsan or json");
		}
		cli->pipeline.input_format = arg;
		return 0;
	case OPT_PERF_MAP:
		push(&cli->perf_maps, &cli->n_perf_maps, &cli->perf_maps_cap, arg);
		return 0;
	case OPT_OUTPUT:
		cli->output = arg;
		return 0;
	case OPT_TOP:
		if (parse_size(arg, &cli->pipeline.rank.top) != 0)
			return vgt_error_set(err, NULL, 0, 0, "--top: '%s' is not a number", arg);
		cli->top_given = 1;
		return 0;
	case OPT_STACKS:
		if (parse_size(arg, &cli->stacks) != 0)
			return vgt_error_set(err, NULL, 0, 0, "--stacks: '%s' is not a number", arg);
		cli->stacks_given = 1;
		return 0;
	case OPT_CONTEXT:
		if (parse_size(arg, &cli->pipeline.symbolize.context_lines) != 0)
			return vgt_error_set(err, NULL, 0, 0, "--context: '%s' is not a number", arg);
		return 0;
	case OPT_ALL:
		cli->pipeline.rank.show_all = 1;
		return 0;
	case OPT_KINDS:
		if (parse_kinds(arg, &cli->pipeline.rank.kinds_mask) != 0) {
			static const char *const names[] = {"definite", "indirect", "possible",
							    "reachable", "errors", NULL};
			size_t len = 0;
			const char *bad = unknown_item(arg, names, &len);
			const char *hint = bad != NULL ? suggest_word(bad, len, names) : NULL;
			if (hint != NULL)
				return vgt_error_set(err, NULL, 0, 0,
						     "--kinds: unknown kind '%.*s'; did you mean %s?",
						     (int)(len > 64 ? 64 : len), bad, hint);
			return vgt_error_set(err, NULL, 0, 0,
					     "--kinds: '%s': expected definite, indirect, possible, "
					     "reachable, errors", arg);
		}
		return 0;
	case OPT_FAIL_ON:
		cli->fail_on_given = 1;
		if (policy_parse(&cli->policy, arg, err) != 0) {
			static const char *const names[] = {"definite", "indirect", "possible",
							    "reachable", "errors", "incomplete",
							    "new", "all", "none", NULL};
			size_t len = 0;
			const char *bad = unknown_item(arg, names, &len);
			const char *hint = bad != NULL ? suggest_word(bad, len, names) : NULL;
			if (hint != NULL)
				return vgt_error_set(err, NULL, 0, 0,
						     "--fail-on: unknown item '%.*s'; did you mean %s?",
						     (int)(len > 64 ? 64 : len), bad, hint);
			return -1;
		}
		/* a gate on still reachable memory shows what it fails on */
		cli->pipeline.rank.keep_reachable = cli->policy.fail_group[VGT_GROUP_REACHABLE];
		return 0;
	case OPT_SOURCE_ROOT:
		push(&cli->source_roots, &cli->n_source_roots, &cli->source_roots_cap, arg);
		return 0;
	case OPT_PREFIX_MAP:
		if (add_prefix_map(cli, arg) != 0)
			return vgt_error_set(err, NULL, 0, 0, "--prefix-map: '%s' is not OLD=NEW", arg);
		return 0;
	case OPT_SOURCE_URL: {
		const char *why;
		if (render_source_url_check(arg, &why) != 0)
			return vgt_error_set(err, NULL, 0, 0, "--source-url: %s", why);
		cli->source_url = arg;
		return 0;
	}
	case OPT_SOURCE_REV:
		for (const unsigned char *p = (const unsigned char *)arg; *p != '\0'; p++)
			if (*p <= ' ' || *p >= 0x7f)
				return vgt_error_set(err, NULL, 0, 0,
						     "--source-rev: blanks, controls or non-ASCII");
		if (arg[0] == '\0' || strlen(arg) > 200)
			return vgt_error_set(err, NULL, 0, 0, "--source-rev: empty or longer than 200");
		cli->source_rev = arg;
		return 0;
	case OPT_SUPPRESSIONS:
		push(&cli->supp_files, &cli->n_supp_files, &cli->supp_files_cap, arg);
		return 0;
	case OPT_GEN_SUPPRESSIONS:
		if (arg != NULL && strcmp(arg, "hidden") != 0)
			return vgt_error_set(err, NULL, 0, 0,
					     "--gen-suppressions=%.64s: expected hidden (or no value)",
					     arg);
		cli->gen_suppressions = arg != NULL ? 2 : 1;
		return 0;
	case OPT_BASELINE:
		cli->baseline = arg;
		return 0;
	case OPT_WRITE_BASELINE:
		cli->write_baseline = arg;
		return 0;
	case OPT_COLOR:
		if (!one_of(arg, "auto", "always", "never")) {
			static const char *const names[] = {"auto", "always", "never", NULL};
			return bad_value(err, "--color", arg, strlen(arg), names,
					 "auto, always or never");
		}
		cli->color = arg;
		return 0;
	case OPT_QUIET:
		cli->quiet = 1;
		return 0;
	case OPT_VERBOSE:
		cli->verbose = 1;
		return 0;
	case OPT_VERSION:
		if (cli->action == CLI_ACTION_COMMAND)
			cli->action = CLI_ACTION_VERSION;
		return 0;
	case OPT_HELP:
		cli->action = CLI_ACTION_HELP;
		return 0;
	case OPT_VALGRIND_ARG:
		push(&cli->valgrind_args, &cli->n_valgrind_args, &cli->valgrind_args_cap, arg);
		return 0;
	case OPT_KEEP_XML:
		cli->keep_xml = arg;
		return 0;
	case OPT_WATCH: {
		char *end;
		cli->watch = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(cli->watch > 0) || cli->watch > 1e9)
			return vgt_error_set(err, NULL, 0, 0,
					     "--watch: '%s' is not a positive number of seconds", arg);
		return 0;
	}
	case OPT_NO_PYTHON_PERF:
		cli->python_perf = 0;
		return 0;
	case OPT_ENGINE:
		if (strcmp(arg, "valgrind") != 0 && strcmp(arg, "asan") != 0) {
			static const char *const names[] = {"valgrind", "asan", NULL};
			return bad_value(err, "--engine", arg, strlen(arg), names, "valgrind or asan");
		}
		cli->engine_asan = strcmp(arg, "asan") == 0;
		return 0;
	case OPT_PER_TEST:
		if (arg != NULL && strcmp(arg, "test") != 0 && strcmp(arg, "phase") != 0) {
			static const char *const names[] = {"phase", "test", NULL};
			const char *hint = suggest_word(arg, strlen(arg), names);
			if (hint != NULL)
				return vgt_error_set(err, NULL, 0, 0,
						     "--per-test=%.64s: did you mean --per-test=%s?",
						     arg, hint);
			return vgt_error_set(err, NULL, 0, 0,
					     "--per-test=%.64s: expected phase or test", arg);
		}
		cli->per_test = arg != NULL && strcmp(arg, "phase") == 0 ? 2 : 1;
		return 0;
	case OPT_SYMBOLS:
		push(&cli->symbol_dirs, &cli->n_symbol_dirs, &cli->symbol_dirs_cap, arg);
		return 0;
	case OPT_NO_HINTS:
		cli->pipeline.explain.no_hints = 1;
		return 0;
	case OPT_COMPACT:
		cli->compact = 1;
		return 0;
	case OPT_MERGE_DATA:
		cli->pipeline.merge_data = 1;
		return 0;
	case OPT_COMPLETIONS:
		if (!one_of(arg, "bash", "zsh", "fish"))
			return vgt_error_set(err, NULL, 0, 0,
					     "--completions: '%.64s' is not bash, zsh or fish", arg);
		cli->completions = arg;
		cli->action = CLI_ACTION_COMPLETIONS;
		return 0;
	case OPT_JOBS: {
		size_t n;
		if (parse_size(arg, &n) != 0 || n == 0 || n > 1024)
			return vgt_error_set(err, NULL, 0, 0,
					     "--jobs: '%s' is not a number from 1 to 1024", arg);
		cli->jobs = (unsigned)n;
		return 0;
	}
	}
	return vgt_error_set(err, NULL, 0, 0, "invalid option");
}

/* The completion scripts: every option of the table but the hidden
 * --completions; options that take a value complete file names. */
int cli_completions(const char *shell, FILE *out)
{
	int bash = strcmp(shell, "bash") == 0, zsh = strcmp(shell, "zsh") == 0;
	if (!bash && !zsh && strcmp(shell, "fish") != 0)
		return -1;
	fprintf(out, "%s %s completion for vgtriage %s: vgtriage --completions %s\n",
		zsh ? "#compdef vgtriage\n#" : "#", shell, VGT_VERSION, shell);
	if (bash)
		fputs("_vgtriage()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
		      "prev=${COMP_WORDS[COMP_CWORD-1]}\n\tcase $prev in\n\t", out);
	else if (zsh)
		fputs("_arguments -s -S '1::command:(report run diff merge)' '*::file:_files'", out);
	else
		fputs("complete -c vgtriage -n __fish_use_subcommand -a 'report run diff merge'\n", out);
	for (int pass = bash ? 0 : 1; pass < 2; pass++) {
		const char *sep = "";
		for (size_t i = 0; i < N_OPTIONS; i++) {
			const struct cli_option *o = &options[i];
			if (o->id == OPT_COMPLETIONS || (bash && pass == 0 && o->has_arg != 1))
				continue;
			if (bash) { /* pass 0: the case of those that take a value; 1: all */
				fprintf(out, "%s--%s", sep, o->name);
				sep = pass == 0 ? "|" : " ";
				if (o->short_name != 0)
					fprintf(out, "%s-%c", sep, o->short_name);
			} else if (zsh) {
				const char *spec = o->has_arg == ARG_OPTIONAL ? "=-::value:"
						   : o->has_arg ? "=:value:_files" : "";
				fprintf(out, " \\\n\t'--%s%s'", o->name, spec);
				if (o->short_name != 0)
					fprintf(out, " \\\n\t'-%c%s'", o->short_name,
						o->has_arg ? "+:value:_files" : "");
			} else {
				fprintf(out, "complete -c vgtriage -l %s", o->name);
				if (o->short_name != 0)
					fprintf(out, " -s %c", o->short_name);
				fputs(o->has_arg == 1 ? " -r -F\n" : "\n", out);
			}
		}
		if (bash && pass == 0)
			fputs(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\t\treturn ;;\n"
			      "\tesac\n\tif [[ $cur == -* ]]; then\n\t\tCOMPREPLY=($(compgen -W \"", out);
	}
	if (bash)
		fputs("\" -- \"$cur\"))\n\telif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
		      "\t\tCOMPREPLY=($(compgen -W \"report run diff merge\" -- \"$cur\") "
		      "$(compgen -f -- \"$cur\"))\n\telse\n"
		      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\tfi\n}\n"
		      "complete -o filenames -F _vgtriage vgtriage\n", out);
	else if (zsh)
		fputs("\n", out);
	return 0;
}

/* Edit distance of a and b, each cut at 32 characters (enough to tell a
 * typo of a short option name). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 32), lb = strnlen(b, 32);
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Edit distance where swapping two neighbours is one edit ("jsno" is one
 * from "json"), each cut at 32 characters. */
static size_t swap_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 32), lb = strnlen(b, 32);
	size_t d[33][33];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The name of names (NULL-terminated) closest to word[0..len), when close
 * enough to be a typo (the rule of cli_suggest_option), else NULL. */
static const char *suggest_word(const char *word, size_t len, const char *const *names)
{
	char buf[33];
	if (len == 0 || len > 32)
		return NULL;
	memcpy(buf, word, len);
	buf[len] = '\0';
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; names[i] != NULL; i++) {
		size_t d = swap_distance(buf, names[i]);
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	if (best == NULL || best_d > 2 || best_d * 2 >= len)
		return NULL;
	return best;
}

const char *cli_suggest_option(const char *name)
{
	size_t len = strcspn(name, "=");
	char buf[33];
	if (len > 32)
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		size_t d = edit_distance(buf, options[i].name);
		if (d < best_d) {
			best_d = d;
			best = options[i].name;
		}
	}
	/* Close enough: at most 2 edits, and fewer than half the name. */
	if (best == NULL || best_d > 2 || best_d * 2 >= len)
		return NULL;
	return best;
}

/* The option a long name (before any '=') means: exact, else a unique
 * prefix (prefixes of aliases of one option are not ambiguous). */
static const struct cli_option *find_long(const char *name, size_t len, int *ambiguous)
{
	const struct cli_option *found = NULL;
	*ambiguous = 0;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (strncmp(options[i].name, name, len) != 0)
			continue;
		if (found != NULL && found->id != options[i].id)
			*ambiguous = 1;
		found = &options[i];
	}
	return *ambiguous ? NULL : found;
}

static const struct cli_option *find_short(char c)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].short_name == c && c != 0)
			return &options[i];
	return NULL;
}

/* argv[*i] is "--name[=value]"; consumes its argument. */
static int long_option(struct cli *cli, int argc, char **argv, int *i, struct vgt_error *err)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	int ambiguous;
	const struct cli_option *opt = find_long(name, len, &ambiguous);
	if (opt == NULL) {
		if (ambiguous)
			return vgt_error_set(err, NULL, 0, 0, "option '--%.*s' is ambiguous",
					     (int)(len < 64 ? len : 64), name);
		const char *hint = cli_suggest_option(name);
		if (hint != NULL)
			return vgt_error_set(err, NULL, 0, 0,
					     "unknown option '--%.*s'; did you mean --%s?",
					     (int)(len < 64 ? len : 64), name, hint);
		return vgt_error_set(err, NULL, 0, 0, "unknown option '--%.*s'",
				     (int)(len < 64 ? len : 64), name);
	}
	const char *arg = NULL;
	if (opt->has_arg == ARG_OPTIONAL) {
		arg = eq != NULL ? eq + 1 : NULL;
	} else if (opt->has_arg) {
		if (eq != NULL)
			arg = eq + 1;
		else if (*i + 1 < argc)
			arg = argv[++*i];
		else
			return vgt_error_set(err, NULL, 0, 0, "option '--%s' needs an argument",
					     opt->name);
	} else if (eq != NULL) {
		return vgt_error_set(err, NULL, 0, 0, "option '--%s' takes no argument", opt->name);
	}
	return handle_option(cli, opt->id, arg, err);
}

/* argv[*i] is "-abc" (a cluster of short options, the last may take an
 * argument, attached or as the next word). */
static int short_options(struct cli *cli, int argc, char **argv, int *i, struct vgt_error *err)
{
	const char *p = argv[*i] + 1;
	for (; *p != '\0'; p++) {
		const struct cli_option *opt = find_short(*p);
		if (opt == NULL) {
			unsigned char c = (unsigned char)*p;
			if (c >= 0x20 && c < 0x7f)
				return vgt_error_set(err, NULL, 0, 0, "unknown option '-%c'", *p);
			return vgt_error_set(err, NULL, 0, 0, "unknown option (byte 0x%02x)", c);
		}
		if (!opt->has_arg) {
			if (handle_option(cli, opt->id, NULL, err) != 0)
				return -1;
			continue;
		}
		const char *arg = p + 1;
		if (*arg == '\0') {
			if (*i + 1 >= argc)
				return vgt_error_set(err, NULL, 0, 0, "option '-%c' needs an argument", *p);
			arg = argv[++*i];
		}
		return handle_option(cli, opt->id, arg, err);
	}
	return 0;
}

/* Checks what no single option can: combinations, operands. */
static int validate(struct cli *cli, struct vgt_error *err)
{
	if (cli->action != CLI_ACTION_COMMAND)
		return 0;
	if (cli->policy.only_new && cli->baseline == NULL)
		return vgt_error_set(err, NULL, 0, 0,
				     "--fail-on new needs --baseline FILE (the sites it knows)");
	if (cli->pipeline.merge_data && cli->format != VGT_FORMAT_JSON)
		return vgt_error_set(err, NULL, 0, 0, "--merge-data: only with -f json");
	if (strcmp(cli->command, "merge") == 0) {
		if (cli->n_args == 0)
			return vgt_error_set(err, NULL, 0, 0,
					     "merge: no report given (vgtriage merge [OPTIONS] PART.json...)");
		return 0; /* a report is told by its first byte: raw inputs may come too */
	}
	if (strcmp(cli->command, "run") == 0) {
		if (cli->n_args == 0)
			return vgt_error_set(err, NULL, 0, 0,
					     "run: no command given (vgtriage run [OPTIONS] -- COMMAND [ARG...])");
		return 0;
	}
	if (strcmp(cli->command, "diff") == 0) {
		/* BASE NEW, or BASE... -- NEW... for several inputs a side */
		size_t split = 1;
		for (size_t i = 0; i < cli->n_args; i++)
			if (strcmp(cli->args[i], "--") == 0)
				split = i;
		int sep = split < cli->n_args && strcmp(cli->args[split], "--") == 0;
		if (split < 1 || cli->n_args < split + (size_t)sep + 1 ||
		    (!sep && cli->n_args != 2))
			return vgt_error_set(err, NULL, 0, 0,
					     "diff: expected BASE NEW (or BASE... -- NEW...)");
		if (cli->format != VGT_FORMAT_TEXT && cli->format != VGT_FORMAT_JSON)
			return vgt_error_set(err, NULL, 0, 0, "diff: only text and json output");
		cli->diff_split = split;
		cli->diff_sep = sep;
	}
	return 0;
}

int cli_parse(struct cli *cli, int argc, char **argv, struct vgt_error *err)
{
	int i = 1;
	cli->argv0 = argc > 0 ? argv[0] : NULL;
	if (argc > 1 && argv[1] != NULL &&
	    (strcmp(argv[1], "report") == 0 || strcmp(argv[1], "run") == 0 ||
	     strcmp(argv[1], "diff") == 0 || strcmp(argv[1], "merge") == 0)) {
		cli->command = argv[1];
		i = 2;
	}
	int is_run = strcmp(cli->command, "run") == 0;
	int is_diff = strcmp(cli->command, "diff") == 0;
	int options_done = 0;
	for (; i < argc && argv[i] != NULL; i++) {
		char *a = argv[i];
		if (options_done || a[0] != '-' || a[1] == '\0') {
			push_arg(cli, a);
			/* run: the command starts here, its options are its own. */
			if (is_run)
				options_done = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			/* diff keeps a "--" between its sides as an operand */
			if (options_done || (is_diff && cli->n_args > 0))
				push_arg(cli, a);
			options_done = 1;
			continue;
		}
		int rc = a[1] == '-' ? long_option(cli, argc, argv, &i, err)
				     : short_options(cli, argc, argv, &i, err);
		if (rc != 0)
			return -1;
	}
	sync_pipeline(cli);
	return validate(cli, err);
}
