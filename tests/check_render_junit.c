/*
 * check_render_junit.c — JUnit XML as Jenkins and GitLab read it: parsed
 * back with libxml2, counts and attributes checked against the report.
 */
#include <check.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "ci_records.h"
#include "analyze/policy.h"

Suite *render_junit_suite(void);

static xmlDoc *junit_of(const struct vgt_report *r, const struct policy *policy)
{
	struct render_options o = {0};
	o.policy = policy;
	char *text = ci_render(render_junit, r, &o);
	ck_assert_ptr_nonnull(text);
	xmlDoc *doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "not well-formed XML:\n%s", text);
	free(text);
	return doc;
}

static char *xpath_str(xmlDoc *doc, const char *expr)
{
	xmlXPathContext *ctx = xmlXPathNewContext(doc);
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar *s = xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	char *out = strdup((const char *)s);
	xmlFree(s);
	return out;
}

static long xpath_num(xmlDoc *doc, const char *expr)
{
	char *s = xpath_str(doc, expr);
	long n = strtol(s, NULL, 10);
	free(s);
	return n;
}

START_TEST(test_counts_and_failures)
{
	struct vgt_report *r = ci_report("ci_more.xml");
	xmlDoc *doc = junit_of(r, NULL); /* default: definite,indirect,errors,incomplete */
	ck_assert_int_eq(xpath_num(doc, "count(/testsuites/testsuite)"), 1);
	ck_assert_int_eq(xpath_num(doc, "/testsuites/@tests"), 5);
	ck_assert_int_eq(xpath_num(doc, "count(//testcase)"), 5);
	/* 3 definite + 1 indirect fail; still reachable passes */
	ck_assert_int_eq(xpath_num(doc, "/testsuites/@failures"), 4);
	ck_assert_int_eq(xpath_num(doc, "/testsuites/testsuite/@failures"), 4);
	ck_assert_int_eq(xpath_num(doc, "count(//testcase/failure)"), 4);
	ck_assert_int_eq(xpath_num(doc, "count(//testcase[@classname='Leak_StillReachable']/failure)"), 0);
	/* the attributes Jenkins and GitLab read */
	ck_assert_int_eq(xpath_num(doc, "count(//testcase[not(@name) or not(@classname) or not(@time)])"), 0);
	ck_assert_int_eq(xpath_num(doc, "count(//testsuite[not(@name) or not(@tests) or not(@failures)"
					" or not(@errors) or not(@skipped) or not(@time)])"), 0);
	char *msg = xpath_str(doc, "//testcase[1]/failure/@message");
	ck_assert_str_eq(msg, "definite 300 bytes in 3 blocks at tests/fixtures/ci/leaks.c:17");
	free(msg);
	char *body = xpath_str(doc, "//testcase[1]/failure");
	ck_assert_msg(strstr(body, ">by make_buffer (leaks.c:17)") != NULL, "%s", body);
	free(body);
	xmlFreeDoc(doc);
	report_free(r);
}
END_TEST

START_TEST(test_policy_and_baseline)
{
	struct vgt_report *r = ci_report("ci_more.xml");
	struct policy p;
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "definite,new", &err), 0);
	for (size_t i = 0; i < r->n_shown; i++)
		site_detail_mut(r->sites[i])->baseline =
			strcmp(r->sites[i]->location.function, "extra_leak") == 0 ? "new" : "known";
	xmlDoc *doc = junit_of(r, &p);
	ck_assert_int_eq(xpath_num(doc, "/testsuites/@failures"), 1);
	char *name = xpath_str(doc, "//testcase[failure]/@name");
	ck_assert_str_eq(name, "tests/fixtures/ci/leaks.c:55 extra_leak");
	free(name);
	ck_assert_int_eq(xpath_num(doc, "/testsuites/testsuite/@skipped"), 4);
	ck_assert_int_eq(xpath_num(doc, "count(//testcase/skipped)"), 4);
	xmlFreeDoc(doc);
	report_free(r);
}
END_TEST

START_TEST(test_escaping)
{
	struct vgt_report *r = ci_python_report("f<T&\"x\">]]>");
	xmlDoc *doc = junit_of(r, NULL);
	char *name = xpath_str(doc, "//testcase/@name");
	ck_assert_msg(strstr(name, "f<T&\"x\">]]>") != NULL, "%s", name);
	free(name);
	char *body = xpath_str(doc, "//testcase/failure");
	ck_assert_msg(strstr(body, "… 4 interpreter frames") != NULL, "%s", body);
	free(body);
	xmlFreeDoc(doc);
	report_free(r);
}
END_TEST

START_TEST(test_incomplete_input)
{
	struct vgt_report *r = ci_report("ci_base.xml");
	r->inputs[0]->complete = 0;
	xmlDoc *doc = junit_of(r, NULL);
	ck_assert_int_eq(xpath_num(doc, "count(//testcase[@classname='vgtriage']/failure[@type='incomplete'])"), 1);
	ck_assert_int_eq(xpath_num(doc, "/testsuites/@tests"), (long)r->n_shown + 1);
	xmlFreeDoc(doc);
	report_free(r);
}
END_TEST

Suite *render_junit_suite(void)
{
	Suite *s = suite_create("render_junit");
	TCase *tc = tcase_create("junit");
	tcase_add_test(tc, test_counts_and_failures);
	tcase_add_test(tc, test_policy_and_baseline);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_incomplete_input);
	suite_add_tcase(s, tc);
	return s;
}
