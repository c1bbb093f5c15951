/* check_cli.c — command-line parsing: GNU order, `--`, run's command,
 * did-you-mean, validation; never exits or prints. */
#include <check.h>
#include <string.h>

#include "cmd/cli.h"

Suite *cli_suite(void);

/* Parses a NULL-terminated word list (argv[0] included). */
static int parse(struct cli *cli, struct vgt_error *err, char **argv)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	cli_init(cli);
	vgt_error_clear(err);
	return cli_parse(cli, argc, argv, err);
}

START_TEST(test_options_after_files)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "run.xml", "-f", "json", "b.log", "--top=3", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0);
	ck_assert_str_eq(cli.command, "report");
	ck_assert_int_eq(cli.format, VGT_FORMAT_JSON);
	ck_assert_uint_eq(cli.pipeline.rank.top, 3);
	ck_assert_uint_eq(cli.n_args, 2);
	ck_assert_str_eq(cli.args[0], "run.xml");
	ck_assert_str_eq(cli.args[1], "b.log");
	cli_free(&cli);
}
END_TEST

START_TEST(test_double_dash_ends_options)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "report", "-q", "--", "-f", "--all", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0);
	ck_assert_int_eq(cli.quiet, 1);
	ck_assert_int_eq(cli.format, VGT_FORMAT_TEXT);
	ck_assert_int_eq(cli.pipeline.rank.show_all, 0);
	ck_assert_uint_eq(cli.n_args, 2);
	ck_assert_str_eq(cli.args[0], "-f");
	cli_free(&cli);
}
END_TEST

START_TEST(test_run_keeps_command_options)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "run", "-q", "python3", "-X", "perf", "--", "-f", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0);
	ck_assert_uint_eq(cli.n_args, 5);
	ck_assert_str_eq(cli.args[0], "python3");
	ck_assert_str_eq(cli.args[3], "--");
	ck_assert_ptr_null(cli.args[5]); /* an argv for execvp */
	ck_assert_int_eq(cli.format, VGT_FORMAT_TEXT);
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "run", "--", "cmd", "-x", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), 0);
	ck_assert_uint_eq(cli.n_args, 2);
	ck_assert_str_eq(cli.args[1], "-x");
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "run", "-q", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), -1);
	ck_assert(strstr(err.message, "no command") != NULL);
	cli_free(&cli);
}
END_TEST

START_TEST(test_did_you_mean)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "--formt", "json", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), -1);
	ck_assert_str_eq(err.message, "unknown option '--formt'; did you mean --format?");
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "--fail-onn=none", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), -1);
	ck_assert(strstr(err.message, "did you mean --fail-on?") != NULL);
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "--zzzzzzzz", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), -1);
	ck_assert_str_eq(err.message, "unknown option '--zzzzzzzz'");
	cli_free(&cli);
	ck_assert_str_eq(cli_suggest_option("stack"), "stacks");
}
END_TEST

START_TEST(test_abbreviations)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "--form", "json", "--col", "never", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0); /* --col: color and colour are one */
	ck_assert_int_eq(cli.format, VGT_FORMAT_JSON);
	ck_assert_str_eq(cli.color, "never");
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "--s", "x", NULL}; /* stacks, source-root, suppressions */
	ck_assert_int_eq(parse(&cli, &err, argv2), -1);
	ck_assert(strstr(err.message, "ambiguous") != NULL);
	cli_free(&cli);
}
END_TEST

/* --source-url: http(s) templates only; --source-rev: no blanks. */
START_TEST(test_source_url_options)
{
	struct cli cli;
	struct vgt_error err;
	char *ok[] = {"vgtriage", "-f", "html", "--source-url",
		      "https://git.example/o/r/blob/{rev}/{path}#L{line}", "--source-rev", "v1.2", NULL};
	ck_assert_int_eq(parse(&cli, &err, ok), 0);
	ck_assert_str_eq(cli.source_rev, "v1.2");
	ck_assert_ptr_nonnull(cli.source_url);
	cli_free(&cli);
	char *bad[] = {"vgtriage", "--source-url", "javascript:alert(1)//{path}", NULL};
	ck_assert_int_eq(parse(&cli, &err, bad), -1);
	ck_assert_str_eq(err.message, "--source-url: not an http:// or https:// URL");
	cli_free(&cli);
	char *bad2[] = {"vgtriage", "--source-url", "https://h/{path}\">", NULL};
	ck_assert_int_eq(parse(&cli, &err, bad2), -1);
	cli_free(&cli);
	char *bad3[] = {"vgtriage", "--source-rev", "a b", NULL};
	ck_assert_int_eq(parse(&cli, &err, bad3), -1);
	cli_free(&cli);
}
END_TEST

START_TEST(test_short_clusters_and_missing_args)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "-qvfjson", "-n", "2", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0);
	ck_assert(cli.quiet && cli.verbose);
	ck_assert_int_eq(cli.format, VGT_FORMAT_JSON);
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "x.xml", "-f", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), -1);
	ck_assert_str_eq(err.message, "option '-f' needs an argument");
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "--all=yes", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), -1);
	cli_free(&cli);
	char *argv4[] = {"vgtriage", "-Z", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv4), -1);
	ck_assert_str_eq(err.message, "unknown option '-Z'");
	cli_free(&cli);
}
END_TEST

START_TEST(test_help_version_stacks)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "--version", "--bogus-but-later", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), -1); /* a bad option is still an error */
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "x", "--help", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), 0);
	ck_assert_int_eq(cli.action, CLI_ACTION_HELP);
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "--stacks", "0", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), 0);
	ck_assert(cli.stacks_given && cli.stacks == 0);
	cli_free(&cli);
	ck_assert(strstr(cli_usage_text(), "--fail-on") != NULL);
	ck_assert(strstr(cli_usage_text(), "cython-runtime") != NULL);
}
END_TEST

START_TEST(test_fail_on_validation)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "--fail-on", "new", "x.xml", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), -1);
	ck_assert(strstr(err.message, "--baseline") != NULL);
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "--fail-on", "new", "--baseline", "b", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), 0);
	ck_assert(cli.policy.only_new);
	ck_assert(cli.policy.fail_group[VGT_GROUP_DEFINITE]);
	ck_assert(!cli.policy.fail_group[VGT_GROUP_POSSIBLE]);
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "--fail-on", "none,definite", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), -1);
	ck_assert(strstr(err.message, "'none' cannot be combined") != NULL);
	cli_free(&cli);
}
END_TEST

START_TEST(test_diff_sides)
{
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "diff", "a.xml", "-f", "json", "b.xml", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), 0);
	ck_assert_uint_eq(cli.diff_split, 1);
	ck_assert_int_eq(cli.diff_sep, 0);
	cli_free(&cli);
	char *argv2[] = {"vgtriage", "diff", "a1", "a2", "--", "b1", "-q", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv2), 0);
	ck_assert_uint_eq(cli.diff_split, 2);
	ck_assert_int_eq(cli.diff_sep, 1);
	ck_assert_uint_eq(cli.n_args, 5); /* after "--" everything is an operand */
	cli_free(&cli);
	char *argv3[] = {"vgtriage", "diff", "a", "-f", "sarif", "b", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv3), -1);
	cli_free(&cli);
	char *argv4[] = {"vgtriage", "diff", "a", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv4), -1);
	cli_free(&cli);
}
END_TEST

/* did-you-mean for option values: a likely typo is named, a far miss
 * keeps the list of what is expected. */
START_TEST(test_value_suggestions)
{
	static const struct {
		const char *opt, *value, *says;
	} cases[] = {
		{"--fail-on", "defnite", "--fail-on: unknown item 'defnite'; did you mean definite?"},
		{"--fail-on", "definite,posible>1k", "--fail-on: unknown item 'posible'; did you mean possible?"},
		{"-f", "jsno", "unknown format 'jsno'; did you mean json?"},
		{"-f", "sarfi", "unknown format 'sarfi'; did you mean sarif?"},
		{"--kinds", "errors,reachble", "--kinds: unknown kind 'reachble'; did you mean reachable?"},
		{"--color", "nevr", "--color: unknown value 'nevr'; did you mean never?"},
		{"--input-format", "xlm", "--input-format: unknown value 'xlm'; did you mean xml?"},
		{"-f", "zzz", "unknown format 'zzz'"},
		{"--color", "purple", "--color: 'purple' is not auto, always or never"},
		{"--kinds", "foo", "--kinds: 'foo': expected definite, indirect, possible, reachable, errors"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli cli;
		struct vgt_error err;
		char *argv[] = {"vgtriage", (char *)cases[i].opt, (char *)cases[i].value, "r.xml", NULL};
		ck_assert_int_eq(parse(&cli, &err, argv), -1);
		ck_assert_str_eq(err.message, cases[i].says);
		cli_free(&cli);
	}
	struct cli cli;
	struct vgt_error err;
	char *argv[] = {"vgtriage", "--fail-on", "bogus", NULL};
	ck_assert_int_eq(parse(&cli, &err, argv), -1);
	ck_assert(strstr(err.message, "did you mean") == NULL);
	ck_assert(strstr(err.message, "expected definite") != NULL);
	cli_free(&cli);
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_options_after_files);
	tcase_add_test(tc, test_double_dash_ends_options);
	tcase_add_test(tc, test_run_keeps_command_options);
	tcase_add_test(tc, test_did_you_mean);
	tcase_add_test(tc, test_abbreviations);
	tcase_add_test(tc, test_short_clusters_and_missing_args);
	tcase_add_test(tc, test_help_version_stacks);
	tcase_add_test(tc, test_fail_on_validation);
	tcase_add_test(tc, test_diff_sides);
	tcase_add_test(tc, test_value_suggestions);
	tcase_add_test(tc, test_source_url_options);
	suite_add_tcase(s, tc);
	return s;
}
