/*
 * check_render_github.c — GitHub Actions workflow commands: one per site,
 * levels from the policy, escaping as the runner's parser expects.
 */
#include <check.h>

#include "ci_records.h"
#include "analyze/policy.h"

Suite *render_github_suite(void);

static size_t count_lines(const char *s, const char *prefix)
{
	size_t n = 0;
	for (const char *p = s; p != NULL && *p != '\0';) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

START_TEST(test_one_command_per_site)
{
	struct vgt_report *r = ci_report("ci_more.xml");
	struct render_options o = {0};
	o.source_root = VGT_SRCDIR;
	char *out = ci_render(render_github, r, &o);
	ck_assert_uint_eq(count_lines(out, "::"), r->n_shown);
	ck_assert_uint_eq(count_lines(out, "::error "), 4);  /* definite ×3, indirect */
	ck_assert_uint_eq(count_lines(out, "::notice "), 1); /* still reachable */
	unsigned line = ci_source_line("tests/fixtures/ci/leaks.c", "calloc(50");
	char want[128];
	snprintf(want, sizeof(want), "file=tests/fixtures/ci/leaks.c,line=%u,title=", line);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	/* each command is one line: the stack's newlines are %0A */
	ck_assert(strstr(out, "%0A") != NULL);
	free(out);
	report_free(r);
}
END_TEST

START_TEST(test_escaping)
{
	struct vgt_report *r = ci_python_report("f%1,a:b\rc");
	struct render_options o = {0};
	struct policy none;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&none, "none", &err), 0);
	o.policy = &none;
	char *out = ci_render(render_github, r, &o);
	/* not failing: a definite leak is a warning then */
	ck_assert_uint_eq(count_lines(out, "::warning file=/src/proj/ext/ext.c,line=10,title="), 1);
	/* message part: % escaped, the input's \r shown as "\r" (it is no line
	 * break of ours), ':' and ',' kept */
	ck_assert_msg(strstr(out, "in f%251,a:b\\rc") != NULL, "%s", out);
	ck_assert(strchr(out, '\r') == NULL);
	ck_assert_uint_eq(count_lines(out, "::"), 1);
	ck_assert(out[strlen(out) - 1] == '\n' && strchr(out, '\n') == out + strlen(out) - 1);
	free(out);
	report_free(r);
}
END_TEST

START_TEST(test_property_escaping)
{
	struct vgt_report *r = ci_python_report("f");
	r->sites[0]->location.dir = "/src/a,b:c%d";
	struct render_options o = {0};
	char *out = ci_render(render_github, r, &o);
	ck_assert_msg(strstr(out, "file=/src/a%2Cb%3Ac%25d/ext.c,line=10,") != NULL, "%s", out);
	free(out);
	report_free(r);
}
END_TEST

Suite *render_github_suite(void)
{
	Suite *s = suite_create("render_github");
	TCase *tc = tcase_create("github");
	tcase_add_test(tc, test_one_command_per_site);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_property_escaping);
	suite_add_tcase(s, tc);
	return s;
}
