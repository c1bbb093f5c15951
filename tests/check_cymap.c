/*
 * check_cymap.c — the source map of Cython-generated C: real 0.29 output
 * of the shapes fixture (testdata/cython/, built by
 * tests/fixtures/cypkg/make.sh), and hand-written snippets of the Cython
 * 3.1 closer and the comment-safety rewrites.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cymap.h"

Suite *cymap_suite(void);

#define LEAKS_C VGT_SRCDIR "/testdata/cython/shapes/leaks.c"
#define DEEP_C VGT_SRCDIR "/testdata/cython/shapes/sub/deep.c"

/* C lines of the malloc frames as valgrind reported them
 * (testdata/cython_shapes.xml), and the .pyx line of each malloc read off
 * tests/fixtures/cypkg/shapes/leaks.pyx by hand. */
static const struct {
	unsigned c_line;
	unsigned pyx_line;
	const char *qualname;
	const char *source;
} leaks_frames[] = {
	{1748, 8, "shapes.leaks.def_leak", "cdef void *p = malloc(n)"},
	{1804, 13, "shapes.leaks.cdef_leak", "cdef void *p = malloc(n)"},
	{1877, 18, "shapes.leaks.call_cdef", "cdef_leak(n)"},
	{1916, 22, "shapes.leaks.cpdef_leak", "cdef void *p = malloc(n)"},
	{2067, 30, "shapes.leaks.Holder.__cinit__", "self.buf = malloc(n)"},
	{2134, 33, "shapes.leaks.Holder.grab", "cdef void *p = malloc(n)"},
	{2248, 38, "shapes.leaks.Holder.make", "cdef void *p = malloc(n)"},
	{2474, 44, "shapes.leaks.make_closure.inner", "cdef void *p = malloc(n)"},
	{2733, 51, "shapes.leaks.gen_leak", "yield malloc(n) != NULL"},
	{1678, 54, "shapes.leaks.lambda", "make_lambda = lambda n: <size_t>malloc(n) != 0"},
	{2846, 60, "shapes.leaks.nogil_leak", "p = malloc(n)"},
	{2952, 65, "shapes.leaks.comment_closer",
	 "cdef void *p = malloc(n)  # a comment with */ and /* in it"},
	/* wrappers: argument parsing happens before any inner marker, so
	 * the line is the def line (the marker above the function) */
	{1724, 6, "shapes.leaks.def_leak", "def def_leak(size_t n):"},
	{2048, 29, "shapes.leaks.Holder.__cinit__", "def __cinit__(self, size_t n):"},
	{2446, 43, "shapes.leaks.make_closure.inner", "def inner():"},
};

START_TEST(test_real_leaks_c)
{
	struct strpool *pool = strpool_new();
	struct vgt_error err;
	struct cymap *map = cymap_load(pool, LEAKS_C, &err);
	ck_assert_ptr_nonnull(map);
	const char *path = strpool_intern(pool, "shapes/leaks.pyx");
	for (size_t i = 0; i < sizeof(leaks_frames) / sizeof(leaks_frames[0]); i++) {
		struct cymap_hit hit;
		ck_assert_msg(cymap_lookup(map, leaks_frames[i].c_line, &hit),
			      "C line %u not mapped", leaks_frames[i].c_line);
		ck_assert_ptr_eq(hit.pyx_path, path);
		ck_assert_uint_eq(hit.pyx_line, leaks_frames[i].pyx_line);
		ck_assert_str_eq(hit.qualname, leaks_frames[i].qualname);
		ck_assert_str_eq(hit.source, leaks_frames[i].source);
	}
	cymap_free(map);
	strpool_free(pool);
}
END_TEST

/* Count marker openers the simple way, to check the parser saw them all. */
static size_t count_openers(const char *file)
{
	FILE *fp = fopen(file, "r");
	ck_assert_ptr_nonnull(fp);
	char line[4096];
	size_t n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "/* \"", 4) == 0 && strstr(p, "\":") != NULL)
			n++;
	}
	fclose(fp);
	return n;
}

START_TEST(test_marker_count)
{
	struct strpool *pool = strpool_new();
	const char *files[] = {LEAKS_C, DEEP_C};
	for (size_t i = 0; i < 2; i++) {
		struct cymap *map = cymap_load(pool, files[i], NULL);
		ck_assert_ptr_nonnull(map);
		ck_assert_uint_eq(cymap_marker_count(map), count_openers(files[i]));
		ck_assert_uint_gt(cymap_function_count(map), 20);
		cymap_free(map);
	}
	strpool_free(pool);
}
END_TEST

START_TEST(test_utility_lines_never_map)
{
	struct strpool *pool = strpool_new();
	struct cymap *map = cymap_load(pool, LEAKS_C, NULL);
	struct cymap_hit hit;
	/* __pyx_tp_new_6shapes_5leaks_Holder (valgrind: leaks.c:3003),
	 * __Pyx_Coroutine_SendEx (6941), __Pyx_CyFunction_CallMethod (4833),
	 * __Pyx_InitCachedConstants (3465, where markers sit inside) */
	unsigned lines[] = {3003, 6941, 4833, 3465, 1, 20};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(!cymap_lookup(map, lines[i], &hit), "line %u mapped", lines[i]);
	ck_assert(cymap_defines(map, "__pyx_tp_new_6shapes_5leaks_Holder"));
	ck_assert(!cymap_defines(map, "__pyx_pf_6shapes_5leaks_nothing"));
	cymap_free(map);
	strpool_free(pool);
}
END_TEST

START_TEST(test_names_from_the_file)
{
	struct strpool *pool = strpool_new();
	struct cymap *map = cymap_load(pool, LEAKS_C, NULL);
	/* the generator body's name is nowhere in its cname: the file says
	 * which function creates it */
	ck_assert_str_eq(cymap_qualname(map, "__pyx_gb_6shapes_5leaks_10generator"),
			 "shapes.leaks.gen_leak");
	ck_assert_str_eq(cymap_qualname(map, "__pyx_pw_6shapes_5leaks_12nogil_leak"),
			 "shapes.leaks.nogil_leak");
	ck_assert_ptr_null(cymap_qualname(map, "__pyx_pf_6other_nothing"));
	ck_assert_str_eq(cymap_pyx_path(map, "leaks.pyx"), "shapes/leaks.pyx");
	ck_assert_ptr_null(cymap_pyx_path(map, "other.pyx"));
	const char *path = strpool_intern(pool, "shapes/leaks.pyx");
	ck_assert_str_eq(cymap_source_of(map, path, 60), "p = malloc(n)");
	cymap_free(map);
	map = cymap_load(pool, DEEP_C, NULL);
	struct cymap_hit hit;
	ck_assert(cymap_lookup(map, 1239, &hit));
	ck_assert_str_eq(hit.pyx_path, "shapes/sub/deep.pyx");
	ck_assert_uint_eq(hit.pyx_line, 6);
	ck_assert_str_eq(hit.qualname, "shapes.sub.deep.deep_leak");
	cymap_free(map);
	strpool_free(pool);
}
END_TEST

/* Cython 3.1 closes markers with "*" "/" at column 0; rewrites of comment
 * delimiters in the source are undone. */
static const char snippet31[] =
	"/* \"pkg/mod.pyx\":3\n"
	" * \n"
	" * def f(n):             # <<<<<<<<<<<<<<\n"
	" *     s = \"*[inserted by cython to avoid comment closer]/\"\n"
	"*/\n"
	"static PyObject *__pyx_pf_3pkg_3mod_f(PyObject *__pyx_self, PyObject *n) {\n"
	"  int x = 0;\n"
	"\n"
	"  /* \"pkg/mod.pyx\":4\n"
	" * def f(n):\n"
	" *     s = \"*[inserted by cython to avoid comment closer]/\" + \"/[inserted by cython to avoid comment start]*\"             # <<<<<<<<<<<<<<\n"
	" *     return malloc(n)\n"
	"*/\n"
	"  x = 1;\n"
	"\n"
	"  /* \"pkg/mod.pyx\":5\n"
	" *     s = 1\n"
	" *     return malloc(n)             # <<<<<<<<<<<<<<\n"
	"*/\n"
	"  x = 2;\n"
	"  __Pyx_AddTraceback(\"pkg.mod.f\", __pyx_clineno, __pyx_lineno, __pyx_filename);\n"
	"}\n"
	"\n"
	"static int __Pyx_Helper(void)\n"
	"{\n"
	"  /* \"pkg/mod.pyx\":9\n"
	" * x = 1             # <<<<<<<<<<<<<<\n"
	"*/\n"
	"  return 0;\n"
	"}\n";

START_TEST(test_cython31_snippet)
{
	struct strpool *pool = strpool_new();
	struct cymap *map = cymap_parse(pool, snippet31, strlen(snippet31));
	ck_assert_uint_eq(cymap_marker_count(map), 4);
	ck_assert_uint_eq(cymap_function_count(map), 2);
	struct cymap_hit hit;
	ck_assert(cymap_lookup(map, 7, &hit)); /* before the first inner marker */
	ck_assert_uint_eq(hit.pyx_line, 3);
	ck_assert_str_eq(hit.source, "def f(n):");
	ck_assert(cymap_lookup(map, 14, &hit));
	ck_assert_uint_eq(hit.pyx_line, 4);
	ck_assert_str_eq(hit.source, "s = \"*/\" + \"/*\"");
	ck_assert_str_eq(hit.qualname, "pkg.mod.f");
	ck_assert(cymap_lookup(map, 20, &hit));
	ck_assert_uint_eq(hit.pyx_line, 5);
	ck_assert_str_eq(hit.source, "return malloc(n)");
	ck_assert(!cymap_lookup(map, 23, &hit)); /* between functions */
	ck_assert(!cymap_lookup(map, 29, &hit)); /* utility function */
	cymap_free(map);
	strpool_free(pool);
}
END_TEST

START_TEST(test_unescape)
{
	char s[] = "a *[inserted by cython to avoid comment closer]/ b "
		   "/[inserted by cython to avoid comment start]* c";
	cymap_unescape(s);
	ck_assert_str_eq(s, "a */ b /* c");
	char plain[] = "no rewrite here";
	cymap_unescape(plain);
	ck_assert_str_eq(plain, "no rewrite here");
}
END_TEST

START_TEST(test_function_classes)
{
	const char *utility[] = {
		"__Pyx_AddTraceback", "__Pyx_PyCode_New", "__Pyx_InitCachedConstants",
		"__pyx_pymod_exec_leaks", "__pyx_pymod_create", "PyInit_leaks",
		"__pyx_tp_new_6shapes_5leaks_Holder", "__pyx_tp_dealloc_6shapes_5leaks_Holder",
		"__pyx_getprop_6shapes_5leaks_6Holder_x", "__pyx_CyFunction_init",
		"__Pyx_CreateCodeObjects",
	};
	const char *user[] = {
		"__pyx_pf_6shapes_5leaks_def_leak", "__pyx_pw_6native_1random_noise",
		"__pyx_f_6shapes_5leaks_cdef_leak", "__pyx_gb_6shapes_5leaks_10generator",
		"__pyx_lambda_funcdef_6shapes_5leaks_lambda",
		"__pyx_fuse_0__pyx_pw_6shapes_5leaks_1fused",
	};
	for (size_t i = 0; i < sizeof(utility) / sizeof(utility[0]); i++) {
		ck_assert_msg(cymap_is_utility_function(utility[i]), "%s", utility[i]);
		ck_assert(!cymap_is_user_function(utility[i]));
	}
	for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++) {
		ck_assert_msg(!cymap_is_utility_function(user[i]), "%s", user[i]);
		ck_assert(cymap_is_user_function(user[i]));
	}
	ck_assert(!cymap_is_utility_function("malloc"));
	ck_assert(!cymap_is_utility_function("leaky_function"));
	ck_assert(!cymap_is_utility_function(NULL));
}
END_TEST

START_TEST(test_missing_file)
{
	struct strpool *pool = strpool_new();
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_ptr_null(cymap_load(pool, VGT_SRCDIR "/testdata/cython/nope.c", &err));
	ck_assert(err.message[0] != '\0');
	cymap_free(NULL);
	strpool_free(pool);
}
END_TEST

Suite *cymap_suite(void)
{
	Suite *s = suite_create("cymap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_real_leaks_c);
	tcase_add_test(tc, test_marker_count);
	tcase_add_test(tc, test_utility_lines_never_map);
	tcase_add_test(tc, test_names_from_the_file);
	tcase_add_test(tc, test_cython31_snippet);
	tcase_add_test(tc, test_unescape);
	tcase_add_test(tc, test_function_classes);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
