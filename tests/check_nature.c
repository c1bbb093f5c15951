/*
 * check_nature.c — natures from real allocator chains: each chain below
 * is copied from a stack of testdata (hints_py.xml, hints_c.xml,
 * cython_shapes.xml, seed.xml: CPython 3.11 of Debian with
 * PYTHONMALLOC=malloc, valgrind 3.19), top of the stack first, down to
 * the culprit.  NULL is a frame valgrind could not name.
 */
#include <check.h>
#include <string.h>

#include "explain/nature.h"

Suite *nature_suite(void);

#define A FRAME_ALLOCATOR
#define I FRAME_INTERPRETER
#define C FRAME_CYTHON_RUNTIME
#define R FRAME_RUNTIME

static const struct {
	const char *fns[8];
	enum frame_class cls[8];
	const char *stmt;
	enum nature_family family;
	const char *what;
	const char *allocator;
	const char *label;
} chains[] = {
	{{"malloc"}, {A}, NULL, NATURE_C, "buffer", "malloc", "C buffer (malloc)"},
	{{"calloc"}, {A}, NULL, NATURE_C, "buffer", "calloc", "C buffer (calloc)"},
	/* copy_text: malloc < strdup < copy_text */
	{{"malloc", "strdup"}, {A, R}, NULL, NATURE_C, "buffer", "strdup", "C buffer (strdup)"},
	/* PyMem_Malloc tail-calls malloc: the statement names it */
	{{"malloc"}, {A}, "cdef char *p = <char *> PyMem_Malloc(n)", NATURE_C, "buffer",
	 "PyMem_Malloc", "C buffer (PyMem_Malloc)"},
	{{"operator new(unsigned long)"}, {A}, NULL, NATURE_CXX, "object", "operator new",
	 "C++ object (new)"},
	{{"operator new[](unsigned long)"}, {A}, NULL, NATURE_CXX, "array", "operator new[]",
	 "C++ array (new[])"},
	/* --demangle=no */
	{{"_Znam"}, {A}, NULL, NATURE_CXX, "array", "operator new[]", "C++ array (new[])"},
	{{"_Znwm"}, {A}, NULL, NATURE_CXX, "object", "operator new", "C++ object (new)"},
	{{"calloc", "PyList_New"}, {A, I}, NULL, NATURE_PYTHON, "list", "PyList_New",
	 "Python list (PyList_New)"},
	{{"malloc", "_PyLong_New", "PyLong_FromLongLong"}, {A, I, I}, NULL, NATURE_PYTHON, "int",
	 "PyLong_FromLongLong", "Python int (PyLong_FromLongLong)"},
	{{"malloc", "_PyObject_GC_NewVar", "PyTuple_Pack"}, {A, A, I}, NULL, NATURE_PYTHON, "tuple",
	 "PyTuple_Pack", "Python tuple (PyTuple_Pack)"},
	{{"malloc", "PyBytes_FromStringAndSize"}, {A, I}, NULL, NATURE_PYTHON, "bytes",
	 "PyBytes_FromStringAndSize", "Python bytes (PyBytes_FromStringAndSize)"},
	{{"malloc", "PyType_GenericAlloc", "???", "PySet_New"}, {A, A, I, I}, NULL, NATURE_PYTHON,
	 "set", "PySet_New", "Python set (PySet_New)"},
	{{"malloc", "PyList_Append"}, {A, I}, NULL, NATURE_PYTHON, "list", "PyList_Append",
	 "storage of a Python list (PyList_Append)"},
	/* PyUnicode_FromString tail-calls into static code: ??? */
	{{"malloc", "???"}, {A, I}, "cdef PyObject *s = PyUnicode_FromString(b\"text\")",
	 NATURE_PYTHON, "str", "PyUnicode_FromString", "Python str (PyUnicode_FromString)"},
	{{"malloc", "???"}, {A, I}, "x = f(y)", NATURE_PYTHON, "object", "", "Python object"},
	{{"malloc", "PyType_GenericAlloc", "__pyx_tp_new_7hintfix_7cyleaks_Node", "???",
	  "__Pyx_PyObject_Call", "__Pyx_PyObject_CallNoArg"},
	 {A, A, C, I, C, C}, NULL, NATURE_PYTHON, "hintfix.cyleaks.Node",
	 "__pyx_tp_new_7hintfix_7cyleaks_Node", "Python object of class hintfix.cyleaks.Node"},
	{{"malloc", "PyType_GenericAlloc", "__pyx_tp_new_array", "???", "__Pyx_PyObject_Call"},
	 {A, A, C, I, C}, NULL, NATURE_PYTHON, "Cython array", "__pyx_tp_new_array", "Cython array"},
	{{"malloc", "__pyx_array___pyx_pf_15View_dot_MemoryView_5array___cinit__",
	  "__pyx_array___cinit__", "__pyx_tp_new_array", "???", "__Pyx_PyObject_Call"},
	 {A, C, C, C, I, C}, NULL, NATURE_PYTHON, "Cython array", "__pyx_array___cinit__",
	 "Cython array"},
	{{"malloc", "PyType_GenericAlloc", "__pyx_tp_new_6shapes_5leaks___pyx_scope_struct_1_gen_leak"},
	 {A, A, C}, NULL, NATURE_PYTHON, "closure scope of shapes.leaks.gen_leak",
	 "__pyx_tp_new_6shapes_5leaks___pyx_scope_struct_1_gen_leak",
	 "closure scope of shapes.leaks.gen_leak"},
	{{"malloc", "_PyCode_New", "PyCode_NewEmpty", "__Pyx_CreateCodeObjectForTraceback",
	  "__Pyx_AddTraceback"},
	 {A, I, I, C, C}, NULL, NATURE_PYTHON, "traceback data (Cython)", "__Pyx_AddTraceback",
	 "traceback data (Cython)"},
};

START_TEST(test_chains)
{
	for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		const char *fns[8];
		size_t n = 0;
		for (; n < 8 && chains[i].fns[n] != NULL; n++)
			fns[n] = strcmp(chains[i].fns[n], "???") == 0 ? NULL : chains[i].fns[n];
		struct nature nat;
		ck_assert_msg(nature_of(fns, chains[i].cls, n, chains[i].stmt, &nat) == 0, "chain %zu",
			      i);
		ck_assert_msg(nat.family == chains[i].family, "chain %zu: family %d", i, nat.family);
		ck_assert_msg(strcmp(nat.what, chains[i].what) == 0, "chain %zu: what %s", i, nat.what);
		ck_assert_msg(strcmp(nat.allocator, chains[i].allocator) == 0, "chain %zu: allocator %s",
			      i, nat.allocator);
		char label[256];
		nature_describe(&nat, label, sizeof(label));
		ck_assert_msg(strcmp(label, chains[i].label) == 0, "chain %zu: label %s", i, label);
	}
}
END_TEST

START_TEST(test_unknown)
{
	struct nature nat;
	ck_assert_int_eq(nature_of(NULL, NULL, 0, NULL, &nat), -1);
	ck_assert_int_eq(nat.family, NATURE_UNKNOWN);
	const char *fns[] = {"mmap", "my_pool_alloc"};
	enum frame_class cls[] = {R, R};
	ck_assert_int_eq(nature_of(fns, cls, 2, NULL, &nat), -1);
	ck_assert_ptr_null(nature_family_name(NATURE_UNKNOWN));
	ck_assert_str_eq(nature_family_name(NATURE_PYTHON), "python");
	ck_assert_str_eq(nature_family_name(NATURE_CXX), "cxx");
	ck_assert_str_eq(nature_family_name(NATURE_C), "c");
}
END_TEST

START_TEST(test_new_reference)
{
	struct nature nat;
	const char *ctor[] = {"calloc", "PyList_New"};
	enum frame_class cls[] = {A, I};
	ck_assert_int_eq(nature_of(ctor, cls, 2, NULL, &nat), 0);
	ck_assert(nat.new_reference && !nat.grows_existing);
	const char *grow[] = {"malloc", "PyDict_SetItemString"};
	ck_assert_int_eq(nature_of(grow, cls, 2, NULL, &nat), 0);
	ck_assert(!nat.new_reference && nat.grows_existing);
	ck_assert_str_eq(nat.what, "dict");
}
END_TEST

START_TEST(test_functions)
{
	ck_assert(nature_is_release_function("free"));
	ck_assert(nature_is_release_function("PyMem_Free"));
	ck_assert(nature_is_release_function("PyObject_Free"));
	ck_assert(nature_is_release_function("buffer_free"));
	ck_assert(nature_is_release_function("node_destroy"));
	ck_assert(nature_is_release_function("g_object_unref"));
	ck_assert(!nature_is_release_function("carefree"));
	ck_assert(!nature_is_release_function("malloc"));
	ck_assert(!nature_is_release_function(NULL));
	ck_assert_int_eq(nature_is_c_allocator("malloc"), 1);
	ck_assert_int_eq(nature_is_c_allocator("realloc"), 2);
	ck_assert_int_eq(nature_is_c_allocator("PyMem_Realloc"), 2);
	ck_assert_int_eq(nature_is_c_allocator("free"), 0);
	ck_assert_int_eq(nature_is_c_allocator(NULL), 0);
}
END_TEST

Suite *nature_suite(void)
{
	Suite *s = suite_create("nature");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_chains);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_new_reference);
	tcase_add_test(tc, test_functions);
	suite_add_tcase(s, tc);
	return s;
}
