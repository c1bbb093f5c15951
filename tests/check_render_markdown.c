/*
 * check_render_markdown.c — the step-summary Markdown: a row per site in
 * rank order, '|' escaped in cells, stacks in <details>.
 */
#include <check.h>

#include "ci_records.h"

Suite *render_markdown_suite(void);

START_TEST(test_table_and_details)
{
	struct vgt_report *r = ci_report("ci_more.xml");
	struct render_options o = {0};
	o.source_root = VGT_SRCDIR;
	char *out = ci_render(render_markdown, r, &o);
	ck_assert(strncmp(out, "## ", 3) == 0);
	ck_assert(strstr(out, "| 1 | definite ❌ | 300 | 3 | tests/fixtures/ci/leaks.c:17 | make\\_buffer |") != NULL);
	ck_assert(strstr(out, "| 5 | reachable | 64 | 1 |") != NULL);
	/* valgrind's LEAK SUMMARY: 516 definitely lost in 5 blocks */
	ck_assert_msg(strstr(out, "definitely lost 516 bytes in 5 blocks") != NULL, "%s", out);
	ck_assert_int_eq((int)(strstr(out, "</details>") != NULL), 1);
	size_t details = 0;
	for (const char *p = out; (p = strstr(p, "<details>")) != NULL; p++)
		details++;
	ck_assert_uint_eq(details, 5);
	free(out);
	report_free(r);
}
END_TEST

START_TEST(test_cell_escaping)
{
	struct vgt_report *r = ci_python_report("a|b<c>");
	struct render_options o = {0};
	char *out = ci_render(render_markdown, r, &o);
	ck_assert_msg(strstr(out, "| a\\|b&lt;c&gt; |") != NULL, "%s", out);
	ck_assert(strstr(out, "<summary>#1 9664 bytes in 302 blocks definitely lost (1 record) at "
			      "/src/proj/ext/ext.c:10 in a|b&lt;c&gt;</summary>") != NULL);
	ck_assert(strstr(out, "… 4 interpreter frames") != NULL);
	free(out);
	report_free(r);
}
END_TEST

Suite *render_markdown_suite(void)
{
	Suite *s = suite_create("render_markdown");
	TCase *tc = tcase_create("markdown");
	tcase_add_test(tc, test_table_and_details);
	tcase_add_test(tc, test_cell_escaping);
	suite_add_tcase(s, tc);
	return s;
}
