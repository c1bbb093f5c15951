/*
 * check_cxxname.c — C++ names: demangling as valgrind does, the table's
 * short form, identifier globs and the other suppression helpers.
 *
 * The strongest checks use valgrind itself: testdata/cxxsym.xml and
 * testdata/cxxsym_mangled.xml are two runs of one program, with and
 * without --demangle=no, so their <fn> elements pair up: each linkage
 * name must demangle to the name valgrind printed, and each identifier
 * glob made from valgrind's demangled name must match (fnmatch(3), the
 * same '*'/'?' globs valgrind uses) the linkage name valgrind had.
 */
#include <check.h>
#include <fnmatch.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cxxname.h"
#include "vgtriage/vgt.h"

/* A name whose substitutions double its demangled form every 11
 * characters ("S1_I" + Sk_ + Sk_ + "E"): 22 doublings, 109 MB. */
static char *substitution_bomb(int doublings)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char *s = xasprintf("_Z1fI1a1bIS_S_E");
	for (int k = 0; k < doublings; k++) {
		int last = 3 + k - 1; /* seq-id of the last argument */
		char id[8];
		snprintf(id, sizeof(id), "%s%c", last >= 36 ? "1" : "", digits[last % 36]);
		char *next = xasprintf("%sS1_IS%s_S%s_E", s, id, id);
		free(s);
		s = next;
	}
	char *done = xasprintf("%sEvv", s);
	free(s);
	return done;
}

START_TEST(test_demangle_bounded)
{
	int capped = -1;
	char *small = substitution_bomb(3);
	char *d = cxxname_demangle_capped(small, &capped);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(capped, 0);
	ck_assert_str_eq(d, "void f<a, b<f, f>, b<b<f, f>, b<f, f> >, b<b<b<f, f>, b<f, f> >, "
			    "b<b<f, f>, b<f, f> > >, b<b<b<b<f, f>, b<f, f> >, b<b<f, f>, b<f, f> > >, "
			    "b<b<b<f, f>, b<f, f> >, b<b<f, f>, b<f, f> > > > >()");
	free(d);
	free(small);
	char *bomb = substitution_bomb(22);
	ck_assert_uint_lt(strlen(bomb), 300);
	ck_assert_ptr_null(cxxname_demangle_capped(bomb, &capped));
	ck_assert_int_eq(capped, 1);
	ck_assert_ptr_null(cxxname_demangle_dup(bomb));
	free(bomb);
	/* too long to try at all */
	size_t n = CXXNAME_MAX_MANGLED + 10;
	char *longname = xmalloc(n + 1);
	memcpy(longname, "_Z1f", 4);
	memset(longname + 4, 'i', n - 4);
	longname[n] = '\0';
	ck_assert_ptr_null(cxxname_demangle_capped(longname, &capped));
	ck_assert_int_eq(capped, 1);
	longname[300] = '\0'; /* f(int, int, …): demangles */
	d = cxxname_demangle_capped(longname, &capped);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(capped, 0);
	free(d);
	free(longname);
	/* not mangled: not capped */
	ck_assert_ptr_null(cxxname_demangle_capped("main", &capped));
	ck_assert_int_eq(capped, 0);
}
END_TEST

Suite *cxxname_suite(void);

#define MAX_FNS 256

/* The <fn> texts of testdata/NAME in document order. */
static size_t read_fns(const char *name, char **out)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/%s", VGT_SRCDIR, name);
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "%s: not readable (sh tests/fixtures/cxxsym/make.sh)", path);
	size_t n = 0;
	xmlNode *stack[64];
	size_t depth = 0;
	stack[depth++] = xmlDocGetRootElement(doc);
	while (depth > 0) {
		xmlNode *node = stack[--depth];
		for (; node != NULL; node = node->next) {
			if (node->type != XML_ELEMENT_NODE)
				continue;
			if (strcmp((const char *)node->name, "fn") == 0 && n < MAX_FNS) {
				xmlChar *text = xmlNodeGetContent(node);
				out[n++] = strdup((const char *)text);
				xmlFree(text);
			} else if (node->children != NULL && depth < 64) {
				/* depth first, in order: the siblings wait below the children */
				if (node->next != NULL)
					stack[depth++] = node->next;
				stack[depth++] = node->children;
				break;
			}
		}
	}
	xmlFreeDoc(doc);
	return n;
}

static void free_fns(char **fns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fns[i]);
}

START_TEST(test_demangle_as_valgrind)
{
	char *plain[MAX_FNS], *mangled[MAX_FNS];
	size_t n = read_fns("cxxsym.xml", plain);
	size_t m = read_fns("cxxsym_mangled.xml", mangled);
	ck_assert_uint_eq(n, m);
	ck_assert_uint_gt(n, 20);
	struct strpool *pool = strpool_new();
	size_t cxx = 0;
	for (size_t i = 0; i < n; i++) {
		const char *d = cxxname_demangle(pool, mangled[i]);
		if (strcmp(plain[i], mangled[i]) == 0) {
			ck_assert_msg(d == NULL, "%s: demangled to %s", mangled[i], d);
			continue;
		}
		cxx++;
		ck_assert_msg(d != NULL && strcmp(d, plain[i]) == 0, "%s: got %s, valgrind %s",
			      mangled[i], d != NULL ? d : "(null)", plain[i]);
		ck_assert_ptr_eq(d, strpool_intern(pool, plain[i]));
		ck_assert(cxxname_is_demangled(plain[i]));
	}
	ck_assert_uint_gt(cxx, 10);
	strpool_free(pool);
	free_fns(plain, n);
	free_fns(mangled, m);
}
END_TEST

START_TEST(test_ident_glob_matches_linkage_name)
{
	char *plain[MAX_FNS], *mangled[MAX_FNS];
	size_t n = read_fns("cxxsym.xml", plain);
	size_t m = read_fns("cxxsym_mangled.xml", mangled);
	ck_assert_uint_eq(n, m);
	size_t globs = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(plain[i], mangled[i]) == 0)
			continue;
		char *glob = cxxname_ident_glob(plain[i]);
		if (glob == NULL) /* operator new[](unsigned long): no identifier */
			continue;
		globs++;
		ck_assert_msg(fnmatch(glob, mangled[i], 0) == 0, "%s does not match %s (%s)", glob,
			      mangled[i], plain[i]);
		ck_assert_int_eq(cxxname_ident_glob_match(glob, plain[i]), 1);
		free(glob);
	}
	ck_assert_uint_gt(globs, 8);
	free_fns(plain, n);
	free_fns(mangled, m);
}
END_TEST

static const struct {
	const char *demangled, *glob;
} globs[] = {
	{"geo::Point* geo::make_value<geo::Point>(unsigned long)", "*3geo*10make_value*"},
	{"geo::detail::Buffer::operator+=(unsigned long)", "*3geo*6detail*6Buffer*"},
	{"geo::detail::Buffer::Buffer(unsigned long)", "*3geo*6detail*6Buffer*"},
	{"geo::detail::Buffer::~Buffer()", "*3geo*6detail*6Buffer*"},
	{"(anonymous namespace)::hidden_alloc(unsigned long)", "*12_GLOBAL__N_1*12hidden_alloc*"},
	{"main::{lambda(unsigned long)#1}::operator()(unsigned long) const", "*4main*"},
	{"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"
	 "::_M_create(unsigned long&, unsigned long)", "*7__cxx11*12basic_string*9_M_create*"},
	{"std::vector<int, std::allocator<int> >::push_back(int const&)", "*6vector*9push_back*"},
	{"std::allocator<char>::allocate(unsigned long)", "*8allocate*"},
	{"mismatch()", "*8mismatch*"},
	{"ns::Conv::operator char const*() const", "*2ns*4Conv*"},
	{"bool ns::operator< <int>(ns::Box<int> const&, ns::Box<int> const&)", "*2ns*"},
	{"core::fmt::write", "*4core*3fmt*5write*"},
	{"std::__cxx11::to_string[abi:cxx11](int)", "*7__cxx11*9to_string*"},
};

START_TEST(test_ident_glob_table)
{
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		char *g = cxxname_ident_glob(globs[i].demangled);
		ck_assert_msg(g != NULL && strcmp(g, globs[i].glob) == 0, "%s: got %s, want %s",
			      globs[i].demangled, g != NULL ? g : "(null)", globs[i].glob);
		ck_assert_int_eq(cxxname_ident_glob_match(g, globs[i].demangled), 1);
		free(g);
	}
	ck_assert_ptr_null(cxxname_ident_glob("operator new[](unsigned long)"));
	char *t = cxxname_ident_glob("std::terminate()"); /* _ZSt9terminatev */
	ck_assert_str_eq(t, "*9terminate*");
	ck_assert_int_eq(fnmatch(t, "_ZSt9terminatev", 0), 0);
	free(t);
	/* not identifier globs, or not matching */
	ck_assert_int_eq(cxxname_ident_glob_match("_ZN3geo*", "geo::f()"), -1);
	ck_assert_int_eq(cxxname_ident_glob_match("*3geo*", "geo::f()"), 1);
	ck_assert_int_eq(cxxname_ident_glob_match("*3geo*4Pool*", "geo::Box::f()"), 0);
	ck_assert_int_eq(cxxname_ident_glob_match("*4Pool*3geo*", "geo::Pool::f()"), 0); /* order */
	ck_assert_int_eq(cxxname_ident_glob_match("*4geo*", "geo::f()"), -1); /* length */
}
END_TEST

static const struct {
	const char *fn, *shortened, *no_params;
} shorts[] = {
	{"geo::Point* geo::make_value<geo::Point>(unsigned long)", "geo::make_value<…>(unsigned long)",
	 "geo::make_value<…>(…)"},
	{"geo::Table<std::pair<int, geo::Point>, std::__cxx11::basic_string<char, "
	 "std::char_traits<char>, std::allocator<char> > >::grow(unsigned long)",
	 "geo::Table<…>::grow(unsigned long)", "geo::Table<…>::grow(…)"},
	{"main::{lambda(unsigned long)#1}::operator()(unsigned long) const",
	 "main::{lambda(unsigned long)#1}::operator()(unsigned long) const",
	 "main::{lambda(unsigned long)#1}::operator()(…) const"},
	{"bool ns::operator< <int>(ns::Box<int> const&)", "ns::operator< <…>(ns::Box<…> const&)",
	 "ns::operator< <…>(…)"},
	{"ns::X::operator<<(int)", "ns::X::operator<<(int)", "ns::X::operator<<(…)"},
	{"mismatch()", "mismatch()", "mismatch()"},
	{"main", "main", "main"},
	{"shapes.leaks.<generator>", "shapes.leaks.<generator>", "shapes.leaks.<generator>"},
	{"(below main)", "(below main)", "(below main)"},
	{"operator new[](unsigned long)", "operator new[](unsigned long)", "operator new[](…)"},
};

START_TEST(test_short)
{
	char buf[256];
	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		size_t n = cxxname_short(shorts[i].fn, 0, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, shorts[i].shortened) == 0, "%s: got %s", shorts[i].fn, buf);
		ck_assert_uint_eq(n, strlen(buf));
		cxxname_short(shorts[i].fn, 1, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, shorts[i].no_params) == 0, "%s: got %s", shorts[i].fn, buf);
	}
	/* a small buffer: truncated, terminated, full length returned */
	char tiny[8];
	size_t n = cxxname_short(shorts[0].fn, 0, tiny, sizeof(tiny));
	ck_assert_uint_eq(n, strlen(shorts[0].shortened));
	ck_assert_uint_eq(strlen(tiny), 7);
}
END_TEST

START_TEST(test_z_decode)
{
	char out[64];
	ck_assert_int_eq(cxxname_z_decode("_vgr10030ZU_libstdcZpZpZa__Znam", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "_Znam");
	ck_assert_int_eq(cxxname_z_decode("_vgr10010ZU_libcZdsoZa_malloc", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "malloc");
	ck_assert_int_eq(cxxname_z_decode("_vgrZZ_libcZdsoZa_strZulen", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "str_len");
	ck_assert_int_eq(cxxname_z_decode("_vgw00000ZU_NONE_f", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "f");
	ck_assert_int_eq(cxxname_z_decode("malloc", out, sizeof(out)), -1);
	ck_assert_int_eq(cxxname_z_decode("_vgr10010ZU_libc", out, sizeof(out)), -1);
	ck_assert_int_eq(cxxname_z_decode("_vgr10010ZU_libcZq_f", out, sizeof(out)), -1);
	ck_assert_int_eq(cxxname_z_decode("_vgr10010ZU_libc_malloc", out, 4), -1);
}
END_TEST

START_TEST(test_cover_and_patterns)
{
	const char *ctors[] = {"_ZN3geo4PoolC1Em", "_ZN3geo4PoolC2Em"};
	char *c = cxxname_cover(ctors, 2);
	ck_assert_str_eq(c, "_ZN3geo4PoolC?Em");
	char *d = cxxname_demangle_pattern(c);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, "geo::Pool::Pool(unsigned long)");
	free(d);
	free(c);
	const char *diff[] = {"_ZN1a1fEv", "_ZN1a1fEi", "_ZN1a1fEPKc"};
	c = cxxname_cover(diff, 3);
	ck_assert_str_eq(c, "_ZN1a1fE*");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fnmatch(c, diff[i], 0), 0);
	free(c);
	const char *one[] = {"main"};
	c = cxxname_cover(one, 1);
	ck_assert_str_eq(c, "main");
	free(c);
	/* patterns: a '?' over different demanglings stands for no one name */
	ck_assert_ptr_null(cxxname_demangle_pattern("_Z1fv?"));
	ck_assert_ptr_null(cxxname_demangle_pattern("_Z1f?"));
	ck_assert_ptr_null(cxxname_demangle_pattern("_ZN3geo*"));
	d = cxxname_demangle_pattern("_ZL8mismatchv");
	ck_assert_str_eq(d, "mismatch()");
	free(d);
	ck_assert(cxxname_pattern_is_demangled("geo::Pool::*"));
	ck_assert(cxxname_pattern_is_demangled("operator new*"));
	ck_assert(!cxxname_pattern_is_demangled("_ZN3geo*"));
	ck_assert(!cxxname_pattern_is_demangled("*3geo*10make_value*"));
}
END_TEST

START_TEST(test_base)
{
	static const char *const rows[][2] = {
		{"to_stringable const& fmt::v12::detail::dynamic_arg_list::push<to_stringable, "
		 "to_stringable>(to_stringable const&)", "push"},
		{"push<to_stringable, to_stringable>", "push"},
		{"lst::list<char>::push(char const&)", "push"},
		{"vgt::render_with_scratch[abi:cxx11](fmt::v12::basic_string_view<char>)",
		 "render_with_scratch"},
		{"shapes::holder<int>::holder(int const&)", "holder"},
		{"geo::detail::Buffer::operator+=(unsigned long)", "operator+="},
		{"bool std::operator< <int>(std::pair<int, int> const&)", "operator< "},
		{"(anonymous namespace)::hidden_alloc(unsigned long)", "hidden_alloc"},
		{"main", "main"},
		{"api.native.random_noise", "api.native.random_noise"},
	};
	char out[128];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cxxname_base(rows[i][0], out, sizeof(out));
		ck_assert_str_eq(out, rows[i][1]);
	}
	ck_assert_uint_eq(cxxname_base(NULL, out, sizeof(out)), 0);
}
END_TEST

START_TEST(test_predicates)
{
	ck_assert(cxxname_is_demangled("f()"));
	ck_assert(cxxname_is_demangled("core::fmt::write"));
	ck_assert(!cxxname_is_demangled("main"));
	ck_assert(!cxxname_is_demangled("(below main)"));
	ck_assert(!cxxname_is_demangled(NULL));
	ck_assert(cxxname_in_runtime_namespace("std::__cxx11::basic_string<char>::_M_create(unsigned long&)"));
	ck_assert(cxxname_in_runtime_namespace("void std::__invoke_impl<void>(int)"));
	ck_assert(cxxname_in_runtime_namespace("__gnu_cxx::new_allocator<int>::allocate(unsigned long)"));
	ck_assert(!cxxname_in_runtime_namespace("std::vector<int>* make_vector()"));
	ck_assert(!cxxname_in_runtime_namespace("stdx::f()"));
	ck_assert(cxxname_is_template("int* geo::make_value<int>(unsigned long)"));
	ck_assert(cxxname_is_template("geo::Pool<geo::Point>::Pool(unsigned long)"));
	ck_assert(!cxxname_is_template("geo::f(std::vector<int>)"));
	ck_assert(!cxxname_is_template("ns::X::operator<<(int)"));
	char *d = cxxname_demangle_dup("main");
	ck_assert_ptr_null(d);
	d = cxxname_demangle_dup("_Z");
	ck_assert_ptr_null(d);
}
END_TEST

Suite *cxxname_suite(void)
{
	Suite *s = suite_create("cxxname");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_demangle_as_valgrind);
	tcase_add_test(tc, test_ident_glob_matches_linkage_name);
	tcase_add_test(tc, test_ident_glob_table);
	tcase_add_test(tc, test_short);
	tcase_add_test(tc, test_z_decode);
	tcase_add_test(tc, test_cover_and_patterns);
	tcase_add_test(tc, test_predicates);
	tcase_add_test(tc, test_base);
	tcase_add_test(tc, test_demangle_bounded);
	suite_add_tcase(s, tc);
	return s;
}
