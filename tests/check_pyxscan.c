/*
 * check_pyxscan.c — Cython functions read into hint trees: the function
 * that holds a line (nested, methods, the module-level lambda), its lines,
 * class and __dealloc__, declared types, globals and C functions, the
 * statement structure, and the tokenizer's corners (strings holding '#'
 * and quotes, docstrings over several lines, continuations, comments with
 * the C comment closer).  Real sources: testdata/cython/shapes/leaks.pyx
 * and tests/fixtures/hints/hintfix/cyleaks.pyx; small made-up ones for
 * the corners.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain.h"
#include "explain/pyxscan.h"

Suite *pyxscan_suite(void);

#define SHAPES VGT_SRCDIR "/testdata/cython/shapes/leaks.pyx"
#define CYLEAKS VGT_SRCDIR "/tests/fixtures/hints/hintfix/cyleaks.pyx"

static struct hint_func *scan_file(const char *path, unsigned line)
{
	size_t len;
	char *text = explain_read_source(path, &len);
	ck_assert_ptr_nonnull(text);
	struct hint_func *fn = pyxscan_function(text, len, line);
	free(text);
	return fn;
}

static struct hint_func *scan(const char *text, unsigned line)
{
	return pyxscan_function(text, strlen(text), line);
}

/* The first node of kind in fn's tree at line, or NULL. */
static const struct hint_node *node_at(const struct hint_func *fn, enum hint_node_kind kind,
				       unsigned line)
{
	for (size_t i = 0; i < fn->n_all; i++)
		if (fn->all[i]->kind == kind && fn->all[i]->line == line)
			return fn->all[i];
	return NULL;
}

START_TEST(test_functions_of_shapes)
{
	static const struct {
		unsigned line;
		const char *name, *class_name;
		unsigned first, last;
	} cases[] = {
		{8, "def_leak", NULL, 6, 9},
		{13, "cdef_leak", NULL, 12, 14},
		{22, "cpdef_leak", NULL, 21, 23},
		{30, "__cinit__", "Holder", 29, 30},
		{33, "grab", "Holder", 32, 34},
		{38, "make", "Holder", 37, 39},
		{44, "inner", NULL, 43, 45},   /* nested in make_closure */
		{42, "make_closure", NULL, 42, 46},
		{60, "nogil_leak", NULL, 57, 61},
		{65, "comment_closer", NULL, 64, 66},
		{54, "lambda", NULL, 54, 54},  /* module level */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hint_func *fn = scan_file(SHAPES, cases[i].line);
		ck_assert_msg(fn != NULL, "line %u", cases[i].line);
		ck_assert_str_eq(fn->name, cases[i].name);
		ck_assert_msg(fn->first_line == cases[i].first && fn->last_line == cases[i].last,
			      "%s: lines %u-%u", fn->name, fn->first_line, fn->last_line);
		if (cases[i].class_name != NULL)
			ck_assert_str_eq(fn->class_name, cases[i].class_name);
		else
			ck_assert_ptr_null(fn->class_name);
		ck_assert_ptr_null(fn->dealloc); /* Holder has none */
		hint_func_free(fn);
	}
	/* a line in no function */
	ck_assert_ptr_null(scan_file(SHAPES, 3));
}
END_TEST

START_TEST(test_declarations)
{
	struct hint_func *fn = scan_file(CYLEAKS, 120); /* object_cast */
	ck_assert_int_eq(hint_func_var_type(fn, "s"), HINT_VAR_PYREF);
	ck_assert_int_eq(hint_func_var_type(fn, "n"), HINT_VAR_OTHER);
	/* cimported and extern names are C functions */
	int malloc_seen = 0, pybytes_seen = 0, int_seen = 0;
	for (size_t i = 0; i < fn->n_c_functions; i++) {
		malloc_seen |= strcmp(fn->c_functions[i], "malloc") == 0;
		pybytes_seen |= strcmp(fn->c_functions[i], "PyBytes_FromStringAndSize") == 0;
		int_seen |= strcmp(fn->c_functions[i], "int") == 0;
	}
	ck_assert(malloc_seen && pybytes_seen && !int_seen);
	hint_func_free(fn);
	fn = scan_file(CYLEAKS, 22); /* never_freed */
	ck_assert_int_eq(hint_func_var_type(fn, "buf"), HINT_VAR_CPTR);
	ck_assert_int_eq(hint_func_var_type(fn, "total"), HINT_VAR_OTHER);
	hint_func_free(fn);
	fn = scan_file(CYLEAKS, 90); /* store_global */
	ck_assert_uint_eq(fn->n_globals, 1);
	ck_assert_str_eq(fn->globals[0], "_last");
	hint_func_free(fn);
	fn = scan_file(CYLEAKS, 107); /* Pair.__cinit__, with a __dealloc__ */
	ck_assert_str_eq(fn->class_name, "Pair");
	ck_assert_ptr_nonnull(fn->dealloc);
	ck_assert_str_eq(fn->dealloc->name, "__dealloc__");
	ck_assert_uint_eq(fn->dealloc->first_line, 109);
	ck_assert_int_eq(hint_func_var_type(fn, "self"), HINT_VAR_OBJECT);
	hint_func_free(fn);
}
END_TEST

START_TEST(test_structure)
{
	struct hint_func *fn = scan_file(CYLEAKS, 187); /* freed_ok: try/finally */
	const struct hint_node *tr = node_at(fn, HINT_TRY, 190);
	ck_assert_ptr_nonnull(tr);
	ck_assert_uint_eq(tr->n_kids, 2);
	ck_assert_int_eq(tr->kids[1]->kind, HINT_FINALLY);
	ck_assert_ptr_nonnull(node_at(fn, HINT_RETURN, 192));
	hint_func_free(fn);
	fn = scan_file(SHAPES, 60); /* with nogil */
	int nogil = 0;
	for (size_t i = 0; i < fn->n_all; i++)
		nogil |= fn->all[i]->kind == HINT_BLOCK && fn->all[i]->nogil;
	ck_assert(nogil);
	hint_func_free(fn);
	const char *src = "def f(x):\n"
			  "    if x == 1:\n"
			  "        a()\n"
			  "    elif x == 2: b(); c()\n"
			  "    else:\n"
			  "        for i in y:\n"
			  "            continue\n"
			  "        else:\n"
			  "            raise E()\n"
			  "    return x\n";
	fn = scan(src, 3);
	const struct hint_node *top = node_at(fn, HINT_IF, 2);
	ck_assert_ptr_nonnull(top);
	ck_assert_uint_eq(top->n_kids, 2);
	const struct hint_node *elif = top->kids[1]->kids[0];
	ck_assert_int_eq(elif->kind, HINT_IF);
	ck_assert_uint_eq(elif->kids[0]->n_kids, 2); /* b(); c() on one line */
	const struct hint_node *loop = node_at(fn, HINT_LOOP, 6);
	ck_assert_uint_eq(loop->n_kids, 2); /* for … else */
	ck_assert_ptr_nonnull(node_at(fn, HINT_CONTINUE, 7));
	ck_assert_ptr_nonnull(node_at(fn, HINT_RAISE, 9));
	ck_assert_uint_eq(fn->last_line, 10);
	hint_func_free(fn);
}
END_TEST

START_TEST(test_tokenizer_corners)
{
	const char *src = "def f(n):\n"
			  "    \"\"\"A docstring\n"
			  "    over two lines: # not a comment, ' or \" inside\n"
			  "    \"\"\"\n"
			  "    s = 'a # b' + \"c ' d\"  # a comment with */ and /* in it\n"
			  "    t = (1 +\n"
			  "         2) + \\\n"
			  "        3\n"
			  "    return r'\\d' + b\"\\\"\"\n";
	struct hint_func *fn = scan(src, 5);
	ck_assert_ptr_nonnull(fn);
	const struct hint_node *s = node_at(fn, HINT_SIMPLE, 5);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_toks, 5); /* s = 'a # b' + "c ' d" */
	ck_assert_str_eq(s->toks[2].text, "'a # b'");
	const struct hint_node *t = node_at(fn, HINT_SIMPLE, 6);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->end_line, 8); /* bracket and backslash continuations */
	const struct hint_node *r = node_at(fn, HINT_RETURN, 9);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n_toks, 3);
	ck_assert_uint_eq(fn->last_line, 9);
	hint_func_free(fn);
	/* an unterminated string ends at its line; nothing is read past it */
	fn = scan("def g():\n    x = 'open\n    return x\n", 3);
	ck_assert_ptr_nonnull(fn);
	ck_assert_ptr_nonnull(node_at(fn, HINT_RETURN, 3));
	hint_func_free(fn);
	/* empty and odd inputs */
	ck_assert_ptr_null(scan("", 1));
	ck_assert_ptr_null(scan("\n\n\n", 2));
	ck_assert_ptr_null(scan("def\n", 1));
	fn = scan("def h(:\n  (((\n", 2);
	hint_func_free(fn);
}
END_TEST

Suite *pyxscan_suite(void)
{
	Suite *s = suite_create("pyxscan");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_functions_of_shapes);
	tcase_add_test(tc, test_declarations);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_tokenizer_corners);
	suite_add_tcase(s, tc);
	return s;
}
