/*
 * check_demangle.c — Python names from Cython cnames without the .c.
 * The cnames are real ones from Cython 0.29 output (testdata/cython/) and
 * the seed's api/native.pyx; the expected names are the functions' Python
 * names in the fixture source.
 */
#include <check.h>
#include <string.h>

#include "symbols/demangle.h"

Suite *demangle_suite(void);

static const struct {
	const char *cname;
	const char *qualname;
	int ambiguous;
} table[] = {
	/* wrappers always carry a counter: one reading */
	{"__pyx_pw_6native_1random_noise", "native.random_noise", 0},
	{"__pyx_pw_3api_6native_1random_noise", "api.native.random_noise", 0},
	{"__pyx_pw_6shapes_5leaks_12nogil_leak", "shapes.leaks.nogil_leak", 0},
	{"__pyx_pw_6shapes_5leaks_6Holder_3grab", "shapes.leaks.Holder.grab", 0},
	{"__pyx_pw_6shapes_5leaks_6Holder_1__cinit__", "shapes.leaks.Holder.__cinit__", 0},
	{"__pyx_pw_6shapes_5leaks_12make_closure_1inner", "shapes.leaks.make_closure.inner", 0},
	{"__pyx_pw_6shapes_3sub_4deep_1deep_leak", "shapes.sub.deep.deep_leak", 0},
	{"__pyx_pw_6shapes_5leaks_15lambda", "shapes.leaks.lambda", 0},
	/* implementations: the first def of a scope has no counter, so
	 * "6native_random_noise" could be counter 6 + "native_random_noise" */
	{"__pyx_pf_3api_6native_random_noise", "api.native.random_noise", 1},
	{"__pyx_pf_6shapes_5leaks_11nogil_leak", "shapes.leaks.nogil_leak", 0},
	{"__pyx_pf_6shapes_5leaks_6Holder_2grab", "shapes.leaks.Holder.grab", 0},
	{"__pyx_pf_6shapes_5leaks_12make_closure_inner", "shapes.leaks.make_closure.inner", 1},
	/* cdef / cpdef: no counter */
	{"__pyx_f_6shapes_5leaks_cdef_leak", "shapes.leaks.cdef_leak", 0},
	{"__pyx_f_6shapes_5leaks_cpdef_leak", "shapes.leaks.cpdef_leak", 0},
	/* generator bodies are named "generator"[N]: the Python name is lost */
	{"__pyx_gb_6shapes_5leaks_10generator", "shapes.leaks.<generator>", 1},
	{"__pyx_lambda_funcdef_6shapes_5leaks_lambda", "shapes.leaks.lambda", 0},
	{"__pyx_lambda_funcdef_6shapes_5leaks_lambda1", "shapes.leaks.lambda1", 0},
	{"__pyx_tp_new_6shapes_5leaks_Holder", "shapes.leaks.Holder.__new__", 0},
	{"__pyx_tp_dealloc_6shapes_5leaks_Holder", "shapes.leaks.Holder.__dealloc__", 0},
	{"__pyx_tp_new_6shapes_5leaks___pyx_scope_struct_1_gen_leak",
	 "shapes.leaks.gen_leak.<closure scope>", 0},
	{"__pyx_pymod_exec_leaks", "leaks.<module>", 0},
	/* fused specialisations: "__pyx_fuse_" + index + the original cname */
	{"__pyx_fuse_0__pyx_f_6shapes_5leaks_twice", "shapes.leaks.twice", 0},
	{"__pyx_fuse_1_0__pyx_pw_6shapes_5leaks_3twice", "shapes.leaks.twice", 0},
};

START_TEST(test_table)
{
	struct strpool *pool = strpool_new();
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int amb = -1;
		const char *q = demangle_cython(pool, table[i].cname, &amb);
		ck_assert_msg(q != NULL, "%s: not demangled", table[i].cname);
		ck_assert_msg(strcmp(q, table[i].qualname) == 0, "%s: got %s, want %s",
			      table[i].cname, q, table[i].qualname);
		ck_assert_msg(amb == table[i].ambiguous, "%s: ambiguous %d", table[i].cname, amb);
		ck_assert_ptr_eq(q, strpool_intern(pool, table[i].qualname)); /* interned */
	}
	strpool_free(pool);
}
END_TEST

START_TEST(test_not_cython)
{
	struct strpool *pool = strpool_new();
	const char *names[] = {"malloc", "__Pyx_AddTraceback", "__pyx_pf_", "random_noise",
			       "__pyx_fuse_x__pyx_pf_3a_b", "_PyObject_GC_New", ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int amb = 1;
		ck_assert_msg(demangle_cython(pool, names[i], &amb) == NULL, "%s", names[i]);
		ck_assert_int_eq(amb, 0);
	}
	ck_assert_ptr_null(demangle_cython(pool, NULL, NULL));
	strpool_free(pool);
}
END_TEST

START_TEST(test_split)
{
	struct demangle_parts p;
	ck_assert_int_eq(demangle_split("__pyx_pf_6shapes_3sub_4deep_deep_leak", &p), 0);
	ck_assert_int_eq(p.kind, DEMANGLE_PF);
	ck_assert_uint_eq(p.n_scopes, 3);
	ck_assert(p.scope[1].len == 3 && strncmp(p.scope[1].s, "sub", 3) == 0);
	ck_assert(p.name_len == 9 && strncmp(p.name, "deep_leak", 9) == 0);
	/* a length prefix longer than what follows is not a scope */
	ck_assert_int_eq(demangle_split("__pyx_pw_6shapes_99x", &p), 0);
	ck_assert(strcmp(p.name, "x") == 0);
}
END_TEST

Suite *demangle_suite(void)
{
	Suite *s = suite_create("demangle");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_not_cython);
	tcase_add_test(tc, test_split);
	suite_add_tcase(s, tc);
	return s;
}
