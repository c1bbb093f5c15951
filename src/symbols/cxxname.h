/*
 * cxxname.h — C++ (Itanium ABI) names as valgrind shows them, and the
 * shapes vgtriage derives from them: the readable name of a linkage name,
 * a short form for tables, and suppression patterns.
 *
 * Demangling is libiberty's cplus_demangle() with DMGL_ANSI | DMGL_PARAMS:
 * the same demangler and options valgrind builds in (coregrind/m_demangle),
 * so a name demangled here reads exactly as valgrind prints it.  Nothing in
 * this module parses a mangled name itself.
 *
 * Demangled names are only split into their qualified-name components
 * (for the table and for identifier globs), never turned back into
 * linkage names: the exact linkage name comes from the input
 * (--demangle=no) or from the object's symbol table (elfsym.h).
 *
 * Included by symbolize.c, suppress.c, render_text.c, elfsym.c and tests.
 */
#ifndef VGTRIAGE_CXXNAME_H
#define VGTRIAGE_CXXNAME_H

#include <stddef.h>

#include "vgtriage/strpool.h"

/* The readable name valgrind prints for a linkage name ("_ZN3geo4PoolC1Em"
 * → "geo::Pool::Pool(unsigned long)"), interned in pool; NULL when name is
 * not a mangled C++ (or Rust) name. */
const char *cxxname_demangle(struct strpool *pool, const char *name);

/* The same into a malloc'd string (NULL when not mangled), for callers
 * without a pool. */
char *cxxname_demangle_dup(const char *name);

/* Demangling is bounded: a linkage name longer than CXXNAME_MAX_MANGLED
 * characters, or whose demangled form would be longer than
 * CXXNAME_MAX_DEMANGLED (libiberty's output grows exponentially with
 * crafted substitutions: 256 characters can spell 100 MB), is not
 * demangled: the functions above return NULL and the name is kept as it
 * is.  cxxname_demangle_capped says so in *capped (may be NULL), for a
 * note. */
#define CXXNAME_MAX_MANGLED 16384
#define CXXNAME_MAX_DEMANGLED 65536
char *cxxname_demangle_capped(const char *name, int *capped);

/* The demangled name a fun: pattern stands for, when it is a linkage
 * name without wildcards, or with one '?' over names that all demangle
 * alike (constructor aliases: "_ZN3geo4PoolC?Em").  malloc'd, or NULL. */
char *cxxname_demangle_pattern(const char *pattern);

/* Does fn read as a demangled C++ name ("ns::f(int)", "f()"), i.e. one
 * whose linkage name differs from it?  "(below main)" does not. */
int cxxname_is_demangled(const char *fn);

/* Does a fun: pattern use the demangled form?  Linkage names never hold
 * ':', '(', '<', ' ', ',' or '&', so a pattern with one of them was
 * written against demangled names. */
int cxxname_pattern_is_demangled(const char *pattern);

/* Is the demangled name one of the C++ runtime's: its qualified name in
 * std::, __gnu_cxx:: or __cxxabiv1:: (where user code never defines
 * functions), whatever its return type ("std::vector<int>* make()" is
 * not)? */
int cxxname_in_runtime_namespace(const char *demangled);
/* Is it a test framework's: in testing:: (GoogleTest, GoogleMock),
 * Catch:: (Catch2) or doctest::, whatever its return type? */
int cxxname_in_test_namespace(const char *demangled);

/* The function's own name, the same however valgrind spelled it: the last
 * component of the qualified name, without template arguments, ABI tags,
 * parameters or return type ("to_stringable const& fmt::v12::detail::
 * dynamic_arg_list::push<to_stringable, to_stringable>(to_stringable
 * const&)" at -O0 and the inlined "push<to_stringable, to_stringable>" at
 * -O2 are both "push").  Other names are copied unchanged.  Same contract
 * as cxxname_short. */
size_t cxxname_base(const char *fn, char *out, size_t size);
/* Is the demangled name a template instantiation ("ns::f<int>(long)")? */
int cxxname_is_template(const char *demangled);

/* Valgrind's Z-encoded intercept names ("_vgr10030ZU_libstdcZpZpZa__Znam"):
 * writes the function part ("_Znam") to out and returns 0, or returns -1
 * when sym is not one (or out is too small). */
int cxxname_z_decode(const char *sym, char *out, size_t size);

/* The name for a table column: return type dropped, template arguments
 * elided ("geo::Point* geo::make_value<geo::Point>(unsigned long)" →
 * "geo::make_value<…>(unsigned long)"), and with elide_params the
 * parameters too ("geo::make_value<…>(…)").  Names that do not read as
 * C++ are copied unchanged.  Writes at most size bytes (NUL included);
 * returns the length of the result (longer than size - 1: truncated). */
size_t cxxname_short(const char *fn, int elide_params, char *out, size_t size);

/* A fun: glob over the identifiers of a demangled name's qualified name,
 * length-prefixed as the linkage name spells them: "geo::detail::Buffer::
 * operator+=(unsigned long)" → "*3geo*6detail*6Buffer*".  Valgrind matches
 * it against the linkage name.  Components a linkage name does not spell
 * (operators, constructors, lambdas, std::) are left to the '*'.  Returns
 * a malloc'd string, or NULL when the name has no identifier to use. */
char *cxxname_ident_glob(const char *demangled);

/* Does an identifier glob (the shape cxxname_ident_glob writes) match a
 * demangled name, i.e. do its identifiers occur, in order, among the
 * name's components?  -1 when pattern is not an identifier glob. */
int cxxname_ident_glob_match(const char *pattern, const char *demangled);

/* One glob that matches each of names[0..n) (aliases such as the C1/C2
 * constructors): '?' where equal-length names differ, else the common
 * prefix and suffix around '*'.  malloc'd; n >= 1. */
char *cxxname_cover(const char *const *names, size_t n);

#endif
