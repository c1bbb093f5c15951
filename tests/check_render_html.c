/*
 * check_render_html.c — the HTML page: self-contained, escaped, well
 * formed enough for libxml2's HTML parser, with context and folded stacks.
 */
#include <check.h>
#include <libxml/HTMLparser.h>

#include "base/sha256.h"
#include "render/render_ci.h"
#include "ci_records.h"

Suite *render_html_suite(void);

START_TEST(test_self_contained_and_escaped)
{
	struct vgt_report *r = ci_python_report("f<script>alert(1)</script>");
	report_add_note(r, "note with <b> & \"quotes\"");
	const char *lines[] = {"x = 1", "p = malloc(n); /* <leak> */", "y = 2"};
	site_detail_mut(r->sites[0])->context.first_line = 9;
	site_detail_mut(r->sites[0])->context.count = 3;
	site_detail_mut(r->sites[0])->context.lines = malloc(sizeof(lines));
	memcpy(site_detail(r->sites[0])->context.lines, lines, sizeof(lines));
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	ck_assert(strncmp(out, "<!DOCTYPE html>", 15) == 0);
	/* one script, the page's own, at the end */
	const char *script = strstr(out, "<script");
	ck_assert_ptr_nonnull(script);
	ck_assert(strncmp(script, "<script>(function(){", 20) == 0);
	ck_assert(strstr(script + 1, "<script") == NULL);
	ck_assert(strstr(out, "f&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	ck_assert(strstr(out, "note with &lt;b&gt; &amp; &quot;quotes&quot;") != NULL);
	/* no external resources */
	ck_assert(strstr(out, "src=") == NULL);
	ck_assert(strstr(out, "<link") == NULL);
	ck_assert(strstr(out, "http:") == NULL && strstr(out, "https:") == NULL);
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
	for (const char *p = out; (p = strstr(p, "<tr id=\"row-")) != NULL; p++)
		rows++;
	for (const char *p = out; (p = strstr(p, "<section class=\"site\"")) != NULL; p++)
		sections++;
	ck_assert_uint_eq(rows, r->n_shown);
	ck_assert_uint_eq(sections, r->n_shown < 20 ? r->n_shown : 20);
	free(out);
	report_free(r);
}
END_TEST

/* The hash of what is between open and close, as CSP computes it. */
static void hash_between(const char *out, const char *open, const char *close, char b64[45])
{
	const char *a = strstr(out, open);
	ck_assert_ptr_nonnull(a);
	a += strlen(open);
	const char *b = strstr(a, close);
	ck_assert_ptr_nonnull(b);
	sha256_base64(a, (size_t)(b - a), b64);
}

/* The CSP allows the page's style and script by hash, and nothing else. */
START_TEST(test_csp_hashes)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	char style[45], script[45], want[256];
	hash_between(out, "<style>", "</style>", style);
	hash_between(out, "<script>", "</script>", script);
	snprintf(want, sizeof(want),
		 "content=\"default-src 'none'; style-src 'sha256-%s'; script-src 'sha256-%s'; "
		 "base-uri 'none'; form-action 'none'\">", style, script);
	ck_assert_msg(strstr(out, want) != NULL, "%s", want);
	ck_assert(strstr(out, "style=\"") == NULL); /* no style attribute: CSP refuses them */
	ck_assert(strstr(out, " on") == NULL || strstr(out, " onclick") == NULL);
	free(out);
	report_free(r);
}
END_TEST

/* The icicle graph: one box per folded frame of the one site, each as
 * wide as its bytes, a <title> naming function, file:line and figures. */
START_TEST(test_flame_boxes)
{
	struct vgt_report *r = ci_python_report("leaky_fn");
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	size_t boxes = 0;
	for (const char *p = out; (p = strstr(p, "<g class=\"fb ")) != NULL; p++) {
		boxes++;
		const char *rect = strstr(p, "<rect ");
		double w = 0;
		unsigned long long bytes = 0;
		ck_assert(sscanf(strstr(rect, "width=\""), "width=\"%lf\"", &w) == 1);
		ck_assert(sscanf(strstr(rect, "data-bytes=\""), "data-bytes=\"%llu\"", &bytes) == 1);
		ck_assert_uint_eq(bytes, 9664);
		ck_assert(w > 999.9 && w < 1000.1);
	}
	/* interpreter run, ext.c frame, malloc */
	ck_assert_uint_eq(boxes, 3);
	ck_assert_msg(strstr(out, "<title>leaky_fn\n/src/proj/ext/ext.c:10 [user]\n9,664 bytes in 302 "
				  "blocks (100.0%)\n1 site, the first #1</title>") != NULL, "%s", out);
	ck_assert(strstr(out, "<a href=\"#site-1\"><g class=\"fb fr-user\">") != NULL);
	free(out);
	report_free(r);
}
END_TEST

/* A large report: past 4,000 boxes the slivers are left out, and the
 * page says how many; a site without a stack is one "(no stack)" box. */
START_TEST(test_flame_large_and_stackless)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "big.xml", "xml");
	in->complete = in->finished = 1;
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	rec.kind_name = strpool_intern(r->pool, "Leak_DefinitelyLost");
	for (unsigned i = 0; i < 2101; i++) {
		char fn[32];
		snprintf(fn, sizeof(fn), "f%u", i);
		const char *names[] = {"malloc", fn, "main"};
		stack_clear(&rec.stack);
		for (int k = 0; k < 3; k++) {
			struct vgt_frame f;
			memset(&f, 0, sizeof(f));
			f.ip = 0x1000u + i * 4u + (unsigned)k;
			f.fn = strpool_intern(r->pool, names[k]);
			f.obj = strpool_intern(r->pool, k == 0 ? "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so"
							     : "/t/big");
			f.file = k > 0 ? strpool_intern(r->pool, "big.c") : NULL;
			f.dir = k > 0 ? strpool_intern(r->pool, "/src") : NULL;
			f.line = k > 0 ? 10 + i : 0;
			stack_push(&rec.stack, frames_intern_frame(r->frames, &f));
		}
		classify_stack(r->frames, &rec.stack);
		rec.bytes = rec.direct_bytes = i == 0 ? 100000000 : 1;
		rec.blocks = 1;
		in->records++;
		sites_add_record(r, in, &rec);
	}
	record_release(&rec);
	struct rank_options ro = {0};
	rank_finish(r, &ro);
	/* the last site loses its stack */
	stack_release(&r->sites[r->n_shown - 1]->stack);
	struct render_options o = {0};
	o.stacks = 1;
	char *out = ci_render(render_html, r, &o);
	ck_assert_msg(strstr(out, " boxes, each under 0.2‰ of the bytes, are not drawn") != NULL, "%.2000s", out);
	size_t boxes = 0;
	for (const char *p = out; (p = strstr(p, "<g class=\"fb ")) != NULL; p++)
		boxes++;
	ck_assert_uint_lt(boxes, 100);
	free(out);
	char *folded = ci_render(render_folded, r, &o);
	ck_assert_msg(strstr(folded, "\n(no stack) ") != NULL, "%.300s", folded);
	free(folded);
	report_free(r);
}
END_TEST

/* The generated C beside the .pyx: marker lines, a gap, the C line. */
START_TEST(test_generated_beside_pyx)
{
	struct vgt_report *r = ci_python_report("f");
	struct vgt_site *s = r->sites[0];
	static const char *pyx[] = {"cdef double *p = <double *> malloc(n)"};
	static const char *marker[] = {"/* \"m.pyx\":3", " * cdef double *p = malloc(n) # <<<", " */"};
	static const char *c[] = {"x = 1;", "p = malloc(n);", "y = 2;"};
	s->location.file = strpool_intern(r->pool, "m.pyx");
	s->location.line = 3;
	s->location.mapped = 1;
	site_detail_mut(s)->context.first_line = 3;
	site_detail_mut(s)->context.count = 1;
	site_detail_mut(s)->context.lines = malloc(sizeof(pyx));
	memcpy(site_detail_mut(s)->context.lines, pyx, sizeof(pyx));
	s->generated = calloc(1, sizeof(*s->generated));
	s->generated->file = strpool_intern(r->pool, "m.c");
	s->generated->line = 120;
	site_detail_mut(s)->gen_marker.first_line = 100;
	site_detail_mut(s)->gen_marker.count = 3;
	site_detail_mut(s)->gen_marker.lines = malloc(sizeof(marker));
	memcpy(site_detail_mut(s)->gen_marker.lines, marker, sizeof(marker));
	site_detail_mut(s)->gen_context.first_line = 119;
	site_detail_mut(s)->gen_context.count = 3;
	site_detail_mut(s)->gen_context.lines = malloc(sizeof(c));
	memcpy(site_detail(s)->gen_context.lines, c, sizeof(c));
	struct render_options o = {0};
	char *out = ci_render(render_html, r, &o);
	ck_assert_msg(strstr(out, "<span class=\"mk\">   100 | /* &quot;m.pyx&quot;:3</span>\n") != NULL,
		      "%s", out);
	ck_assert(strstr(out, "   ⋮</span>\n   119 | x = 1;\n<span class=\"here\">   120 | p = malloc(n);</span>") !=
		  NULL);
	ck_assert(strstr(out, "<div class=\"pair\">") != NULL);
	free(out);
	report_free(r);
}
END_TEST

/* --source-url: http(s) only, known placeholders; substitutions encoded. */
START_TEST(test_source_url)
{
	const char *why;
	ck_assert_int_eq(render_source_url_check("https://h/o/r/blob/{rev}/{path}#L{line}", &why), 0);
	ck_assert_int_eq(render_source_url_check("javascript:alert(1)//{path}", &why), -1);
	ck_assert_int_eq(render_source_url_check("file:///etc/{path}", &why), -1);
	ck_assert_int_eq(render_source_url_check("https://h/{path}/{user}", &why), -1);
	ck_assert_int_eq(render_source_url_check("https://h/\"{path}", &why), -1);
	ck_assert_int_eq(render_source_url_check("https://h/x", &why), -1);
	ck_assert_int_eq(render_source_url_check("https:///{path}", &why), -1);
	struct vgt_report *r = report_new();
	struct render_options o = {0};
	o.source_url = "https://h/o/r/blob/{rev}/{path}#L{line}";
	o.source_rev = "0123abc";
	ck_assert_str_eq(render_ci_url(r, &o, "a b/x\"<y>.pyx", 1, 7),
			 "https://h/o/r/blob/0123abc/a%20b/x%22%3Cy%3E.pyx#L7");
	ck_assert_ptr_null(render_ci_url(r, &o, "/abs/x.c", 0, 7));
	ck_assert_ptr_null(render_ci_url(r, &o, "../x.c", 1, 7));
	ck_assert_ptr_null(render_ci_url(r, &o, "x.c", 1, 0));
	o.source_rev = NULL; /* {rev} without a revision: no link */
	ck_assert_ptr_null(render_ci_url(r, &o, "x.c", 1, 3));
	report_free(r);
}
END_TEST

Suite *render_html_suite(void)
{
	Suite *s = suite_create("render_html");
	TCase *tc = tcase_create("html");
	tcase_add_test(tc, test_self_contained_and_escaped);
	tcase_add_test(tc, test_real_run);
	tcase_add_test(tc, test_csp_hashes);
	tcase_add_test(tc, test_flame_boxes);
	tcase_add_test(tc, test_generated_beside_pyx);
	tcase_add_test(tc, test_source_url);
	tcase_add_test(tc, test_flame_large_and_stackless);
	suite_add_tcase(s, tc);
	return s;
}
