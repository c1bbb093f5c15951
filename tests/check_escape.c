/* check_escape.c — the visible form and each format's escaping. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "vgtriage/vgt.h"

Suite *escape_suite(void);

/* What fn writes for s. */
static char *written(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	fn(f, s);
	fclose(f);
	return buf;
}

#define CK_WRITES(fn, in, want)                                                    \
	do {                                                                       \
		char *got_ = written(fn, in);                                      \
		ck_assert_str_eq(got_, want);                                      \
		free(got_);                                                        \
	} while (0)

START_TEST(test_plain_unchanged)
{
	/* what real reports hold goes through as it is */
	static const char *const plain[] = {
		"api/native.pyx:11", "operator new(unsigned long)", "std::vector<int>::push_back",
		"\tindented\tsource", "printf(\"%d\\n\", x); /* a \\ b */", "py::leaky_endpoint:/app/api.py",
		"… 5 interpreter frames", "naïve — ünïcode 漢字", "a#[b] ## [c]", "",
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ck_assert_msg(!escape_text_needed(plain[i]), "%s", plain[i]);
		CK_WRITES(escape_text, plain[i], plain[i]);
	}
	struct strpool *pool = strpool_new();
	const char *s = "leaks.c";
	ck_assert_ptr_eq(escape_text_pool(pool, s), s);
	ck_assert_ptr_null(escape_text_pool(pool, NULL));
	strpool_free(pool);
	CK_WRITES(escape_text, NULL, "");
}
END_TEST

START_TEST(test_controls_visible)
{
	CK_WRITES(escape_text, "a\nb\rc", "a\\nb\\rc");
	CK_WRITES(escape_text, "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	CK_WRITES(escape_text, "bell\x07 bs\x08 del\x7f vt\x0b", "bell\\x07 bs\\x08 del\\x7f vt\\x0b");
	/* C1 as UTF-8 (U+009B, the one-byte CSI), and NEL */
	CK_WRITES(escape_text, "csi\xc2\x9b" "31m nel\xc2\x85", "csi\\u009b31m nel\\u0085");
	/* bidi embeddings, overrides, isolates, marks; line/paragraph separators */
	CK_WRITES(escape_text, "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
		  "\\u202a\\u202b\\u202c\\u202d\\u202e");
	CK_WRITES(escape_text, "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		  "\\u2066\\u2067\\u2068\\u2069");
	CK_WRITES(escape_text, "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c");
	CK_WRITES(escape_text, "l\xe2\x80\xa8p\xe2\x80\xa9", "l\\u2028p\\u2029");
	/* not UTF-8: a lone C1 byte, overlong '/', a surrogate, a cut sequence */
	CK_WRITES(escape_text, "raw\x9b" "31m", "raw\\x9b31m");
	CK_WRITES(escape_text, "\xc0\xaf", "\\xc0\\xaf");
	CK_WRITES(escape_text, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	CK_WRITES(escape_text, "cut\xe2\x80", "cut\\xe2\\x80");
	CK_WRITES(escape_text, "\xef\xbf\xbf", "\\uffff");
	ck_assert(escape_text_needed("x\n"));
	ck_assert(escape_text_needed("\xe2\x80\xae"));
}
END_TEST

START_TEST(test_workflow_commands)
{
	/* a string that would start a line as a command, after blanks too */
	CK_WRITES(escape_text, "::error::x", "\\x3a:error::x");
	CK_WRITES(escape_text, "  \t::warning::x", "  \t\\x3a:warning::x");
	CK_WRITES(escape_text, "\xc2\xa0\xe3\x80\x80::error::x", "\xc2\xa0\xe3\x80\x80\\x3a:error::x");
	/* "::" later in the string is C++ and stays */
	CK_WRITES(escape_text, "ns::f ::g", "ns::f ::g");
	CK_WRITES(escape_text, ":x", ":x");
	/* "##[" anywhere */
	CK_WRITES(escape_text, "a ##[add-mask]s", "a ##\\x5badd-mask]s");
	CK_WRITES(escape_text, "###[", "###\\x5b");
	/* a newline of the input can start no line */
	CK_WRITES(escape_text, "f\n::error::x", "f\\n::error::x");
}
END_TEST

START_TEST(test_buffers)
{
	char buf[8];
	ck_assert_uint_eq(escape_text_buf(buf, sizeof(buf), "ab\ncd"), 6);
	ck_assert_str_eq(buf, "ab\\ncd");
	ck_assert_uint_eq(escape_text_buf(buf, sizeof(buf), "\x1b\x1b\x1b"), 7);
	ck_assert_str_eq(buf, "\\x1b\\x1"); /* cut to fit, terminated */
	struct strpool *pool = strpool_new();
	ck_assert_str_eq(escape_text_pool(pool, "x\ry"), "x\\ry");
	strpool_free(pool);
	char *v = escape_utf8("ok\n\x1b \xff \xe2\x80\xae");
	ck_assert_str_eq(v, "ok\n\x1b \\xff \xe2\x80\xae"); /* only the non-UTF-8 byte */
	free(v);
	v = escape_utf8("");
	ck_assert_str_eq(v, "");
	free(v);
}
END_TEST

START_TEST(test_html)
{
	CK_WRITES(escape_html, "<script>alert('x') & \"y\"</script>",
		  "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	/* no raw line break, no control, no override */
	CK_WRITES(escape_html, "a\n<b>\x1b\xe2\x80\xae", "a\\n&lt;b&gt;\\x1b\\u202e");
	CK_WRITES(escape_html, NULL, "");
}
END_TEST

START_TEST(test_markdown)
{
	CK_WRITES(escape_markdown_cell, "a|b`c`*d*_e_\\f", "a\\|b\\`c\\`\\*d\\*\\_e\\_\\\\f");
	CK_WRITES(escape_markdown_cell, "![img](http://x/y.png) [l](u)",
		  "!\\[img\\](http://x/y.png) \\[l\\](u)");
	CK_WRITES(escape_markdown_cell, "<td>&\n|", "&lt;td&gt;&amp;\\\\n\\|");
	CK_WRITES(escape_markdown_html, "</summary><b>&x", "&lt;/summary&gt;&lt;b&gt;&amp;x");
	CK_WRITES(escape_markdown_html, "a\nb", "a\\nb");
	ck_assert_uint_eq(escape_markdown_fence("no ticks"), 3);
	ck_assert_uint_eq(escape_markdown_fence("``"), 3);
	ck_assert_uint_eq(escape_markdown_fence("a ``` b"), 4);
	ck_assert_uint_eq(escape_markdown_fence("x\n``````\n"), 7);
	ck_assert_uint_eq(escape_markdown_fence(NULL), 3);
}
END_TEST

START_TEST(test_github)
{
	/* GitHub's rules: % CR LF in data; also : , in properties */
	CK_WRITES(escape_github_data, "100% a:b,c\nnext\r", "100%25 a:b,c%0Anext%0D");
	CK_WRITES(escape_github_property, "src/a,b:c%d\n", "src/a%2Cb%3Ac%25d%0A");
	/* other controls visible; a percent in the visible form is GitHub-escaped */
	CK_WRITES(escape_github_data, "\x1b[2J%0A", "\\x1b[2J%250A");
	CK_WRITES(escape_github_property, "t\xe2\x80\xae", "t\\u202e");
	CK_WRITES(escape_github_data, "::error::x", "\\x3a:error::x");
}
END_TEST

START_TEST(test_uri_and_paths)
{
	char *u = escape_uri_path("src/a b/é#?:x.c");
	ck_assert_str_eq(u, "src/a%20b/%C3%A9%23%3F%3Ax.c");
	free(u);
	u = escape_uri_path("javascript:alert(1)");
	ck_assert_str_eq(u, "javascript%3Aalert(1)");
	free(u);
	u = escape_uri_path("a\n../b");
	ck_assert_str_eq(u, "a%0A../b");
	free(u);
	ck_assert(escape_path_inside("a/b.c"));
	ck_assert(escape_path_inside("./a/../b.c"));
	ck_assert(escape_path_inside("a//b/../../c"));
	ck_assert(!escape_path_inside("../a.c"));
	ck_assert(!escape_path_inside("a/../../etc/passwd"));
	ck_assert(!escape_path_inside("./.."));
	ck_assert(!escape_path_inside("/etc/passwd"));
	ck_assert(!escape_path_inside(NULL));
	ck_assert(escape_path_inside("..a/b"));
}
END_TEST

START_TEST(test_suppression_names)
{
	CK_WRITES(escape_supp_name, "plain_fn", "plain_fn");
	CK_WRITES(escape_supp_name, "f\n}\n{", "f?}?{");
	CK_WRITES(escape_supp_name, "b\xe2\x80\xaei", "b???i"); /* one '?' per byte */
	CK_WRITES(escape_supp_name, "::x", "?:x");
}
END_TEST

Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_unchanged);
	tcase_add_test(tc, test_controls_visible);
	tcase_add_test(tc, test_workflow_commands);
	tcase_add_test(tc, test_buffers);
	tcase_add_test(tc, test_html);
	tcase_add_test(tc, test_markdown);
	tcase_add_test(tc, test_github);
	tcase_add_test(tc, test_uri_and_paths);
	tcase_add_test(tc, test_suppression_names);
	suite_add_tcase(s, tc);
	return s;
}
