/*
 * check_render_html.c — the HTML page: self-contained, escaped, well
 * formed enough for libxml2's HTML parser, with context and folded stacks.
 */
#include <check.h>
#include <libxml/HTMLparser.h>

#include "ci_records.h"

Suite *render_html_suite(void);

START_TEST(test_self_contained_and_escaped)
{
	struct vgt_report *r = ci_python_report("f<script>alert(1)</script>");
	report_add_note(r, "note with <b> & \"quotes\"");
	const char *lines[] = {"x = 1", "p = malloc(n); /* <leak> */", "y = 2"};
	r->sites[0]->context.first_line = 9;
	r->sites[0]->context.count = 3;
	r->sites[0]->context.lines = malloc(sizeof(lines));
	memcpy(r->sites[0]->context.lines, lines, sizeof(lines));
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	ck_assert(strncmp(out, "<!DOCTYPE html>", 15) == 0);
	ck_assert(strstr(out, "<script") == NULL);
	ck_assert(strstr(out, "f&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	ck_assert(strstr(out, "note with &lt;b&gt; &amp; &quot;quotes&quot;") != NULL);
	/* no external resources */
	ck_assert(strstr(out, "src=") == NULL);
	ck_assert(strstr(out, "<link") == NULL);
	ck_assert(strstr(out, "http") == NULL);
	/* the context line of the site is marked, escaped */
	ck_assert_msg(strstr(out, "<span class=\"here\">    10 | p = malloc(n); /* &lt;leak&gt; */</span>") != NULL,
		      "%s", out);
	ck_assert(strstr(out, "… 4 interpreter frames</summary>") != NULL);
	htmlDocPtr doc = htmlReadMemory(out, (int)strlen(out), "r.html", "utf-8",
					HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	ck_assert_ptr_nonnull(doc);
	xmlFreeDoc(doc);
	free(out);
	report_free(r);
}
END_TEST

START_TEST(test_real_run)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	size_t rows = 0, sections = 0;
	for (const char *p = out; (p = strstr(p, "<tr><td class=\"n\"><a href=\"#site-")) != NULL; p++)
		rows++;
	for (const char *p = out; (p = strstr(p, "<section class=\"site\"")) != NULL; p++)
		sections++;
	ck_assert_uint_eq(rows, r->n_shown);
	ck_assert_uint_eq(sections, r->n_shown < 20 ? r->n_shown : 20);
	free(out);
	report_free(r);
}
END_TEST

Suite *render_html_suite(void)
{
	Suite *s = suite_create("render_html");
	TCase *tc = tcase_create("html");
	tcase_add_test(tc, test_self_contained_and_escaped);
	tcase_add_test(tc, test_real_run);
	suite_add_tcase(s, tc);
	return s;
}
