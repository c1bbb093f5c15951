/*
 * check_symbolize.c — frames of the real shapes run (values copied out of
 * testdata/cython_shapes.xml and cython_linedir.xml, whose debug info says
 * /build/cypkg: make.sh maps the build directory there) symbolized with
 * the generated files found through --source-root, --prefix-map, or not
 * at all; perf-map frames of the real CPython 3.12 run; context lines.
 * Expected .pyx lines and names are read off the fixture source by hand
 * (tests/fixtures/cypkg/expected.tsv).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symbolize.h"

Suite *symbolize_suite(void);
uint64_t perf_test_leak_ip(long *pid); /* check_perfmap.c */

#define CYTHON_ROOT VGT_SRCDIR "/testdata/cython"
#define SO "/tmp/tmp.S0yY1yns9d/plain/shapes/leaks.cpython-311-x86_64-linux-gnu.so"

struct fx {
	struct vgt_report *report;
	struct vgt_input *input;
	struct vgt_stack stack;
	struct symbolize_options opts;
	struct symbolizer *sym;
};

static void fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->report = report_new();
	fx->input = report_add_input(fx->report, "x.xml", "xml");
	fx->opts.context_lines = 2;
}

static void fx_start(struct fx *fx)
{
	fx->sym = symbolizer_new(fx->report->pool, &fx->opts);
}

static void fx_done(struct fx *fx)
{
	symbolizer_free(fx->sym);
	stack_release(&fx->stack);
	report_free(fx->report);
}

static void push(struct fx *fx, uint64_t ip, const char *fn, const char *obj,
		 const char *dir, const char *file, unsigned line)
{
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.ip = ip;
	f.fn = fn;
	f.obj = obj;
	f.dir = dir;
	f.file = file;
	f.line = line;
	f.pid = fn == NULL ? fx->input->pid : 0;
	stack_push(&fx->stack, frames_intern_frame(fx->report->frames, &f));
}

/* The i-th frame of the fixture's stack. */
static struct vgt_frame *F(const struct fx *fx, size_t i)
{
	return frames_at(fx->report->frames, fx->stack.ids[i]);
}

/* What the pipeline does for a record's stack, then at the end. */
static void symbolize_all(struct fx *fx)
{
	for (size_t i = 0; i < fx->stack.count; i++)
		symbolize_frame(fx->sym, F(fx, i));
	symbolize_settle(fx->sym, fx->report->frames);
}

/* The 1,001-byte def_leak record of cython_shapes.xml (first frames). */
static void push_def_leak(struct fx *fx, const char *dir, const char *file_pf,
			  const char *file_pw, unsigned line_pf, unsigned line_pw)
{
	push(fx, 0x48417B4, "malloc", "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so",
	     NULL, NULL, 0);
	push(fx, 0x53CA36F, "__pyx_pf_6shapes_5leaks_def_leak", SO, dir, file_pf, line_pf);
	push(fx, 0x53CA323, "__pyx_pw_6shapes_5leaks_1def_leak", SO, dir, file_pw, line_pw);
	push(fx, 0x545962, NULL, "/usr/bin/python3.11", NULL, NULL, 0);
}

static void assert_def_leak_mapped(const struct fx *fx)
{
	ck_assert_ptr_null(F(fx, 0)->pyname);
	ck_assert_ptr_null(F(fx, 0)->pyx_file);
	ck_assert(F(fx, 1)->symbolized);
	ck_assert_str_eq(F(fx, 1)->pyx_file, "shapes/leaks.pyx");
	ck_assert_uint_eq(F(fx, 1)->pyx_line, 8);
	ck_assert_str_eq(F(fx, 1)->pyx_source, "cdef void *p = malloc(n)");
	ck_assert_str_eq(F(fx, 1)->pyname, "shapes.leaks.def_leak");
	ck_assert(!F(fx, 1)->pyname_ambiguous);
	ck_assert_str_eq(F(fx, 2)->pyx_file, "shapes/leaks.pyx");
	ck_assert_uint_eq(F(fx, 2)->pyx_line, 6);
	ck_assert_str_eq(F(fx, 2)->pyname, "shapes.leaks.def_leak");
	ck_assert_ptr_null(F(fx, 3)->pyname);
	ck_assert(!F(fx, 3)->symbolized);
}

static int has_note(const struct vgt_report *r, const char *needle)
{
	for (size_t i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i], needle) != NULL)
			return 1;
	return 0;
}

START_TEST(test_source_root)
{
	struct fx fx;
	fx_init(&fx);
	const char *roots[] = {"/nonexistent", CYTHON_ROOT};
	fx.opts.source_roots = roots;
	fx.opts.n_source_roots = 2;
	fx_start(&fx);
	push_def_leak(&fx, "/build/cypkg/shapes", "leaks.c", "leaks.c", 1748, 1724);
	symbolize_all(&fx);
	assert_def_leak_mapped(&fx);
	/* the same frames again: the same table entries */
	const char *src = F(&fx, 1)->pyx_source;
	uint32_t id = fx.stack.ids[1];
	fx.stack.count = 0;
	push_def_leak(&fx, "/build/cypkg/shapes", "leaks.c", "leaks.c", 1748, 1724);
	ck_assert_uint_eq(fx.stack.ids[1], id);
	ck_assert_uint_eq(frames_count(fx.report->frames), 4);
	ck_assert_ptr_eq(F(&fx, 1)->pyx_source, src);
	symbolize_notes(fx.sym, fx.report);
	ck_assert(!has_note(fx.report, "not found"));
	fx_done(&fx);
}
END_TEST

START_TEST(test_prefix_map)
{
	struct fx fx;
	fx_init(&fx);
	struct prefix_map pm[] = {{"/elsewhere", "/nonexistent"}, {"/build/cypkg", CYTHON_ROOT}};
	fx.opts.prefix_maps = pm;
	fx.opts.n_prefix_maps = 2;
	fx_start(&fx);
	push_def_leak(&fx, "/build/cypkg/shapes", "leaks.c", "leaks.c", 1748, 1724);
	symbolize_all(&fx);
	assert_def_leak_mapped(&fx);
	fx_done(&fx);
}
END_TEST

START_TEST(test_dir_of_the_frame)
{
	struct fx fx;
	fx_init(&fx);
	fx_start(&fx);
	push_def_leak(&fx, CYTHON_ROOT "/shapes", "leaks.c", "leaks.c", 1748, 1724);
	symbolize_all(&fx);
	assert_def_leak_mapped(&fx);
	fx_done(&fx);
}
END_TEST

/* Text logs name the file only: a bounded search under the roots finds
 * the .c that defines the frame's function. */
START_TEST(test_text_log_frame)
{
	struct fx fx;
	fx_init(&fx);
	const char *roots[] = {VGT_SRCDIR "/testdata"};
	fx.opts.source_roots = roots;
	fx.opts.n_source_roots = 1;
	fx_start(&fx);
	push_def_leak(&fx, NULL, "leaks.c", "leaks.c", 1748, 1724);
	push(&fx, 0x53DEBD5, "__pyx_pf_6shapes_3sub_4deep_deep_leak", SO, NULL, "deep.c", 1239);
	symbolize_all(&fx);
	assert_def_leak_mapped(&fx);
	ck_assert_str_eq(F(&fx, 4)->pyx_file, "shapes/sub/deep.pyx");
	ck_assert_uint_eq(F(&fx, 4)->pyx_line, 6);
	ck_assert_str_eq(F(&fx, 4)->pyname, "shapes.sub.deep.deep_leak");
	fx_done(&fx);
}
END_TEST

START_TEST(test_not_found)
{
	struct fx fx;
	fx_init(&fx);
	fx.opts.verbose = 1;
	fx_start(&fx);
	push_def_leak(&fx, "/build/cypkg/shapes", "leaks.c", "leaks.c", 1748, 1724);
	/* the generator body (8,064-byte record) */
	push(&fx, 0x53CBC5B, "__pyx_gb_6shapes_5leaks_10generator", SO, "/build/cypkg/shapes",
	     "leaks.c", 2733);
	symbolize_all(&fx);
	ck_assert_ptr_null(F(&fx, 1)->pyx_file);
	ck_assert_str_eq(F(&fx, 1)->pyname, "shapes.leaks.def_leak");
	ck_assert(!F(&fx, 1)->pyname_ambiguous); /* the wrapper below confirms it */
	ck_assert_str_eq(F(&fx, 2)->pyname, "shapes.leaks.def_leak");
	ck_assert_str_eq(F(&fx, 4)->pyname, "shapes.leaks.<generator>");
	ck_assert(F(&fx, 4)->pyname_ambiguous);
	/* names still guessed are counted among the frames of the sites */
	stack_copy(&report_new_site(fx.report)->stack, &fx.stack);
	symbolize_notes(fx.sym, fx.report);
	ck_assert(has_note(fx.report, "Cython source map not found for /build/cypkg/shapes/leaks.c"));
	ck_assert(has_note(fx.report, "looked for leaks.c in: /build/cypkg/shapes/leaks.c"));
	ck_assert(has_note(fx.report, "1 Python name was guessed"));
	fx_done(&fx);
}
END_TEST

START_TEST(test_utility_frames)
{
	struct fx fx;
	fx_init(&fx);
	const char *roots[] = {CYTHON_ROOT};
	fx.opts.source_roots = roots;
	fx.opts.n_source_roots = 1;
	fx_start(&fx);
	push(&fx, 0x53D2DE5, "__Pyx_Coroutine_SendEx", SO, "/build/cypkg/shapes", "leaks.c", 6941);
	push(&fx, 0x53CC29D, "__pyx_tp_new_6shapes_5leaks_Holder", SO, "/build/cypkg/shapes",
	     "leaks.c", 3003);
	push(&fx, 0x53CC29D, "__pyx_pymod_exec_leaks", SO, "/build/cypkg/shapes", "leaks.pyx", 356);
	symbolize_all(&fx);
	for (size_t i = 0; i < fx.stack.count; i++) {
		ck_assert_ptr_null(F(&fx, i)->pyx_file);
		ck_assert_ptr_null(F(&fx, i)->pyname);
	}
	fx_done(&fx);
}
END_TEST

/* --line-directives: valgrind names leaks.pyx itself (cython_linedir.xml). */
START_TEST(test_line_directives)
{
	for (int with_root = 0; with_root < 2; with_root++) {
		struct fx fx;
		fx_init(&fx);
		const char *roots[] = {CYTHON_ROOT};
		fx.opts.source_roots = roots;
		fx.opts.n_source_roots = (size_t)with_root;
		fx_start(&fx);
		push_def_leak(&fx, "/build/cypkg/shapes", "leaks.pyx", "leaks.pyx", 8, 6);
		push(&fx, 0x53DEBD5, "__pyx_pf_6shapes_5leaks_11nogil_leak", SO,
		     "/build/cypkg/shapes", "leaks.pyx", 60);
		symbolize_all(&fx);
		ck_assert_str_eq(F(&fx, 1)->pyx_file, "shapes/leaks.pyx");
		ck_assert_uint_eq(F(&fx, 1)->pyx_line, 8);
		ck_assert_str_eq(F(&fx, 1)->pyname, "shapes.leaks.def_leak");
		ck_assert_str_eq(F(&fx, 4)->pyx_file, "shapes/leaks.pyx");
		ck_assert_uint_eq(F(&fx, 4)->pyx_line, 60);
		ck_assert_str_eq(F(&fx, 4)->pyname, "shapes.leaks.nogil_leak");
		if (with_root) {
			ck_assert_str_eq(F(&fx, 1)->pyx_source, "cdef void *p = malloc(n)");
			ck_assert_str_eq(F(&fx, 4)->pyx_source, "p = malloc(n)");
		} else {
			ck_assert_ptr_null(F(&fx, 1)->pyx_source);
		}
		fx_done(&fx);
	}
}
END_TEST

START_TEST(test_perf_map_frames)
{
	struct fx fx;
	fx_init(&fx);
	long pid;
	uint64_t ip = perf_test_leak_ip(&pid);
	const char *maps[] = {VGT_SRCDIR "/testdata/perf"};
	fx.opts.perf_maps = maps;
	fx.opts.n_perf_maps = 1;
	fx.input->pid = pid;
	fx_start(&fx);
	push(&fx, 0x48417B4, "malloc", "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so",
	     NULL, NULL, 0);
	push(&fx, ip, NULL, NULL, NULL, NULL, 0);
	push(&fx, ip, NULL, "/usr/bin/python3.12", NULL, NULL, 0); /* has an object */
	push(&fx, 0x10, NULL, NULL, NULL, NULL, 0);                /* in no entry */
	symbolize_all(&fx);
	ck_assert_ptr_nonnull(F(&fx, 1)->pyname);
	ck_assert_msg(strncmp(F(&fx, 1)->pyname, "py::leaky_endpoint:", 19) == 0, "%s",
		      F(&fx, 1)->pyname);
	ck_assert_ptr_null(F(&fx, 1)->pyx_file);
	ck_assert_ptr_null(F(&fx, 2)->pyname);
	ck_assert_ptr_null(F(&fx, 3)->pyname);
	/* another process: the same ip is another frame, looked up in its own
	 * map, which does not exist */
	fx.input->pid = pid + 1;
	fx.stack.count = 0;
	push(&fx, ip, NULL, NULL, NULL, NULL, 0);
	ck_assert_uint_eq(frames_count(fx.report->frames), 5);
	symbolize_all(&fx);
	ck_assert_ptr_null(F(&fx, 0)->pyname);
	symbolize_notes(fx.sym, fx.report);
	ck_assert(has_note(fx.report, "could not be read"));
	fx_done(&fx);
}
END_TEST

START_TEST(test_context)
{
	struct fx fx;
	fx_init(&fx);
	const char *roots[] = {CYTHON_ROOT};
	fx.opts.source_roots = roots;
	fx.opts.n_source_roots = 1;
	fx_start(&fx);
	push_def_leak(&fx, "/build/cypkg/shapes", "leaks.c", "leaks.c", 1748, 1724);
	symbolize_all(&fx);
	struct vgt_site site;
	memset(&site, 0, sizeof(site));
	site.location.file = F(&fx, 1)->pyx_file;
	site.location.line = 8;
	site.location.mapped = 1;
	symbolize_context(fx.sym, &site);
	ck_assert_ptr_nonnull(site.detail);
	ck_assert_uint_eq(site.detail->context.first_line, 6);
	ck_assert_uint_eq(site.detail->context.count, 5);
	ck_assert_str_eq(site.detail->context.lines[0], "def def_leak(size_t n):");
	ck_assert_str_eq(site.detail->context.lines[2], "    cdef void *p = malloc(n)");
	ck_assert_str_eq(site.detail->context.lines[4], "");
	free(site.detail->context.lines);
	free(site.detail);
	/* an unmapped C location: the C file's lines */
	memset(&site, 0, sizeof(site));
	site.location.file = strpool_intern(fx.report->pool, "leaks.c");
	site.location.dir = strpool_intern(fx.report->pool, CYTHON_ROOT "/shapes");
	site.location.line = 1748;
	symbolize_context(fx.sym, &site);
	ck_assert_ptr_nonnull(site.detail);
	ck_assert_uint_eq(site.detail->context.count, 5);
	ck_assert_str_eq(site.detail->context.lines[2], "  __pyx_v_p = malloc(__pyx_v_n);");
	free(site.detail->context.lines);
	free(site.detail);
	fx_done(&fx);
}
END_TEST

/* An installed C extension (testdata/sitepkg_run.xml's cleak, debug info
 * under /build/sitepkg): the user's own when its cleak.c is found under a
 * root, a third-party extension when it is not. */
START_TEST(test_installed_c_extension)
{
	static const char *const so =
		"/tmp/vgtriage-sitepkg/venv/lib/python3.11/site-packages/"
		"cleak.cpython-311-x86_64-linux-gnu.so";
	for (int with_root = 0; with_root <= 1; with_root++) {
		struct fx fx;
		fx_init(&fx);
		const char *roots[] = {VGT_SRCDIR "/testdata/sitepkg_src"};
		fx.opts.source_roots = roots;
		fx.opts.n_source_roots = (size_t)with_root;
		fx_start(&fx);
		push(&fx, 0x4849794, "malloc",
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so", NULL, NULL, 0);
		push(&fx, 0x5314202, "cleak_remember", so, "/build/sitepkg", "cleak.c", 19);
		frame_resolve_stack(fx.sym, fx.report->frames, &fx.stack, 0);
		ck_assert_int_eq(F(&fx, 1)->cls, with_root ? FRAME_USER : FRAME_EXTENSION);
		fx_done(&fx);
	}
}
END_TEST

Suite *symbolize_suite(void)
{
	Suite *s = suite_create("symbolize");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_source_root);
	tcase_add_test(tc, test_prefix_map);
	tcase_add_test(tc, test_dir_of_the_frame);
	tcase_add_test(tc, test_text_log_frame);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_utility_frames);
	tcase_add_test(tc, test_line_directives);
	tcase_add_test(tc, test_perf_map_frames);
	tcase_add_test(tc, test_context);
	tcase_add_test(tc, test_installed_c_extension);
	suite_add_tcase(s, tc);
	return s;
}
