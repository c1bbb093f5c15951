/*
 * check_render_folded.c — -f folded: one line per listed leak site, root
 * first, the interpreter run folded as the text report folds it, the
 * lines adding up to the listed leak bytes; a ';' in a name cannot split
 * a frame.
 */
#include <check.h>
#include <inttypes.h>

#include "render/render_flame.h"
#include "ci_records.h"

Suite *render_folded_suite(void);

START_TEST(test_python_site)
{
	struct vgt_report *r = ci_python_report("leaky;fn");
	struct render_options o = {0};
	char *out = ci_render(render_folded, r, &o);
	ck_assert_str_eq(out, "… 4 interpreter frames;leaky,fn (ext.c:10);"
			      "malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so) 9664\n");
	free(out);
	report_free(r);
}
END_TEST

START_TEST(test_sum_is_listed_leak_bytes)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	struct render_options o = {0};
	char *out = ci_render(render_folded, r, &o);
	uint64_t want = 0, got = 0;
	size_t sites = 0, lines = 0;
	for (size_t i = 0; i < r->n_shown; i++)
		if (render_flame_site(r->sites[i])) {
			want += r->sites[i]->bytes;
			sites++;
		}
	for (char *line = out; *line != '\0';) {
		char *nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		char *sp = nl;
		while (sp > line && sp[-1] != ' ')
			sp--;
		got += strtoull(sp, NULL, 10);
		lines++;
		line = nl + 1;
	}
	ck_assert_uint_gt(sites, 0);
	ck_assert_uint_eq(lines, sites);
	ck_assert_uint_eq(got, want);
	/* -n 1 lists one site: errors come first, so no leak line */
	o.top = 1;
	char *top = ci_render(render_folded, r, &o);
	ck_assert_uint_eq(strlen(top), kind_is_leak(r->sites[0]->kind) ? strlen(top) : 0);
	free(top);
	free(out);
	report_free(r);
}
END_TEST

Suite *render_folded_suite(void)
{
	Suite *s = suite_create("render_folded");
	TCase *tc = tcase_create("folded");
	tcase_add_test(tc, test_python_site);
	tcase_add_test(tc, test_sum_is_listed_leak_bytes);
	suite_add_tcase(s, tc);
	return s;
}
