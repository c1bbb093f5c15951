/*
 * check_hint.c — the analysis on small functions made for one question
 * each: what it must say (never freed, freed on one branch, an early
 * return, an exception, an overwrite, a store) and where it must say
 * nothing (aliases, calls it does not know, an address taken, paths that
 * all free, a Py_INCREF that is released).  .pyx through pyxscan; C
 * through the vgtriage-cparse helper when it is built (goto, switch,
 * macros).  The fixture's real runs are scored in tests/golden_hints.sh.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain/cparse.h"
#include "explain/hint.h"
#include "explain/pyxscan.h"

Suite *hint_suite(void);

#define HELPER VGT_BUILDDIR "/vgtriage-cparse"

static struct nature c_buffer(void)
{
	struct nature nat;
	memset(&nat, 0, sizeof(nat));
	nat.family = NATURE_C;
	strcpy(nat.what, "buffer");
	strcpy(nat.allocator, "malloc");
	return nat;
}

static struct nature python(const char *what, const char *allocator)
{
	struct nature nat;
	memset(&nat, 0, sizeof(nat));
	nat.family = NATURE_PYTHON;
	strcpy(nat.what, what);
	strcpy(nat.allocator, allocator);
	nat.new_reference = 1;
	return nat;
}

/* The hint for the allocation at line of a .pyx source ("" when none). */
static const char *pyx_hint(const char *src, unsigned line, const char *callee,
			    const struct nature *nat, struct hint_result *res)
{
	struct hint_func *fn = pyxscan_function(src, strlen(src), line);
	ck_assert_msg(fn != NULL, "no function at line %u", line);
	struct hint_frame fr = {.fn = fn, .file = "t.pyx", .line = line, .callee = callee,
				 .reachable = 0};
	hint_explain(&fr, NULL, nat, res);
	hint_func_free(fn);
	return res->found ? res->text : "";
}

#define HEAD "from libc.stdlib cimport malloc, free\n"

START_TEST(test_pyx_verdicts)
{
	struct nature nat = c_buffer();
	struct hint_result r;
	/* 2-4 */
	const char *never = HEAD "def f(size_t n):\n"
				 "    cdef char *p = <char *> malloc(n)\n"
				 "    return p != NULL\n";
	ck_assert_str_eq(pyx_hint(never, 3, "malloc", &nat, &r),
			 "`p` is allocated at t.pyx:3 and is neither freed nor returned in `f` "
			 "(lines 2–4); free it in a `try`/`finally`");
	ck_assert_uint_eq(r.n_evidence, 2);
	ck_assert_uint_eq(r.evidence[0].line, 3);
	ck_assert_uint_eq(r.evidence[1].line, 4);
	const char *branch = HEAD "def f(size_t n, flag):\n"
				  "    cdef char *p = <char *> malloc(n)\n"
				  "    if not p:\n"
				  "        raise MemoryError()\n"
				  "    if flag:\n"
				  "        free(p)\n"
				  "    return 0\n";
	ck_assert(strstr(pyx_hint(branch, 3, "malloc", &nat, &r),
			 "is freed at line 7, but the path where the `if` at line 6 is not taken "
			 "skips the free") != NULL);
	const char *early = HEAD "def f(size_t n, stop):\n"
				 "    cdef char *p = <char *> malloc(n)\n"
				 "    if stop:\n"
				 "        return -1\n"
				 "    free(p)\n";
	ck_assert(strstr(pyx_hint(early, 3, "malloc", &nat, &r),
			 "freed at line 6, but the return at line 5 skips the free") != NULL);
	const char *exc = HEAD "def f(size_t n, text):\n"
			       "    cdef char *p = <char *> malloc(n)\n"
			       "    v = int(text)\n"
			       "    free(p)\n"
			       "    return v\n";
	ck_assert(strstr(pyx_hint(exc, 3, "malloc", &nat, &r),
			 "an exception raised at line 4 (`v = int(text)`) skips the free") != NULL);
	const char *over = HEAD "def f(size_t n):\n"
				"    cdef char *p = <char *> malloc(n)\n"
				"    p = <char *> malloc(2 * n)\n"
				"    free(p)\n";
	ck_assert(strstr(pyx_hint(over, 3, "malloc", &nat, &r), "is overwritten at line 4") != NULL);
	const char *cmp = HEAD "def f(size_t n):\n"
			       "    return malloc(n) == NULL\n";
	ck_assert(strstr(pyx_hint(cmp, 3, "malloc", &nat, &r), "is only compared") != NULL);
	const char *dropped = HEAD "def f(size_t n):\n"
				   "    malloc(n)\n";
	ck_assert(strstr(pyx_hint(dropped, 3, "malloc", &nat, &r), "is discarded") != NULL);
}
END_TEST

START_TEST(test_pyx_silence)
{
	struct nature nat = c_buffer();
	struct hint_result r;
	static const char *const silent[] = {
		/* an alias */
		HEAD "def f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    cdef char *q\n"
		     "    q = p\n    free(q)\n",
		/* a call vgtriage does not know may free it */
		HEAD "def f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    consume(p)\n",
		/* its address is taken */
		HEAD "def f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    init(&p)\n",
		/* freed on every path, the failed allocation raising */
		HEAD "def f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    if p == NULL:\n"
		     "        raise MemoryError()\n    free(p)\n",
		/* freed in a finally */
		HEAD "def f(size_t n, t):\n    cdef char *p = <char *> malloc(n)\n    try:\n"
		     "        return int(t)\n    finally:\n        free(p)\n",
		/* freed on the break of an endless loop */
		HEAD "def f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    while True:\n"
		     "        if p[0]:\n            free(p)\n            break\n",
		/* returned, with no caller to follow */
		HEAD "cdef char *f(size_t n):\n    cdef char *p = <char *> malloc(n)\n    return p\n",
		/* a global freed before it is replaced */
		HEAD "cdef char *g = NULL\ndef f(size_t n):\n    global g\n    free(g)\n"
		     "    g = <char *> malloc(n)\n",
		/* found in real code (uvloop, linenoise): a base class's
		 * __dealloc__ may free what a subclass stores */
		HEAD "cdef class B(A):\n    cdef char *h\n    def __cinit__(self, size_t n):\n"
		     "        self.h = <char *> malloc(n)\n",
		/* a lazily made global: the test guards the store */
		HEAD "cdef char *g = NULL\ndef f(size_t n):\n    global g\n    if g == NULL:\n"
		     "        g = <char *> malloc(n)\n",
		/* returned on every normal path: an exception is not the story */
		HEAD "cdef char **f(list arr):\n    cdef:\n        char **ret\n"
		     "    ret = <char **>malloc(8 * len(arr))\n    if ret is NULL:\n"
		     "        raise MemoryError()\n    ret[0] = g(arr[0])\n    return ret\n",
	};
	static const unsigned lines[] = {3, 3, 3, 3, 3, 3, 3, 6, 5, 6, 5};
	for (size_t i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		const char *h = pyx_hint(silent[i], lines[i], "malloc", &nat, &r);
		ck_assert_msg(h[0] == '\0', "case %zu: %s", i, h);
	}
	/* the returned one asks for its caller */
	pyx_hint(silent[6], 3, "malloc", &nat, &r);
	ck_assert(r.returned);
}
END_TEST

START_TEST(test_pyx_python_objects)
{
	struct hint_result r;
	struct nature list = python("list", "PyList_New");
	const char *incref = "from cpython.ref cimport Py_INCREF, Py_DECREF\n"
			     "def f(n):\n"
			     "    items = [n, n]\n"
			     "    Py_INCREF(items)\n"
			     "    return len(items)\n";
	ck_assert(strstr(pyx_hint(incref, 3, NULL, &list, &r),
			 "`Py_INCREF(items)` at line 4 adds a reference to the Python list created at "
			 "t.pyx:3") != NULL);
	const char *balanced = "from cpython.ref cimport Py_INCREF, Py_DECREF\n"
			       "def f(n):\n"
			       "    items = [n, n]\n"
			       "    Py_INCREF(items)\n"
			       "    Py_DECREF(items)\n"
			       "    return len(items)\n";
	ck_assert_str_eq(pyx_hint(balanced, 3, NULL, &list, &r), "");
	const char *managed = "def f(n):\n    items = [n, n]\n    return items\n";
	ck_assert_str_eq(pyx_hint(managed, 2, NULL, &list, &r), "");
	struct nature str = python("str", "PyUnicode_FromString");
	const char *ref = "from cpython.ref cimport PyObject\n"
			  "cdef extern from \"Python.h\":\n"
			  "    PyObject *PyUnicode_FromString(const char *)\n"
			  "def f():\n"
			  "    cdef PyObject *s = PyUnicode_FromString(b\"x\")\n"
			  "    return <object> s\n";
	ck_assert(strstr(pyx_hint(ref, 5, NULL, &str, &r),
			 "`s` holds the new reference PyUnicode_FromString returns at t.pyx:5 and is "
			 "neither released (Py_DECREF) nor returned") != NULL);
	ck_assert(strstr(r.text, "`<object>s` at line 6 takes a reference of its own") != NULL);
}
END_TEST

START_TEST(test_pyx_caller)
{
	struct nature nat = c_buffer();
	const char *src = HEAD "cdef char *make(size_t n):\n"
			       "    cdef char *p = <char *> malloc(n)\n"
			       "    return p\n"
			       "def use(size_t n):\n"
			       "    cdef char *q = make(n)\n"
			       "    q[0] = 1\n"
			       "def drop(size_t n):\n"
			       "    make(n)\n"
			       "def keep(size_t n):\n"
			       "    cdef char *q = make(n)\n"
			       "    free(q)\n";
	size_t len = strlen(src);
	struct hint_func *fn = pyxscan_function(src, len, 3);
	struct hint_frame culprit = {.fn = fn, .file = "t.pyx", .line = 3, .callee = "malloc",
				 .reachable = 0};
	static const struct {
		unsigned line;
		const char *want;
	} callers[] = {
		{6, "returned by `make` (line 4); in its caller `use`, `q` receives it at t.pyx:6 and "
		    "is neither freed nor returned in `use` (lines 5–7)"},
		{9, "returned by `make` (line 4); its caller `drop` discards it at t.pyx:9"},
		{11, NULL},
	};
	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		struct hint_func *cf = pyxscan_function(src, len, callers[i].line);
		struct hint_frame caller = {.fn = cf, .file = "t.pyx", .line = callers[i].line,
					 .callee = NULL, .reachable = 0};
		struct hint_result r;
		hint_explain(&culprit, &caller, &nat, &r);
		if (callers[i].want == NULL)
			ck_assert_msg(!r.found, "%s", r.text);
		else
			ck_assert_msg(r.found && strstr(r.text, callers[i].want) != NULL, "%s", r.text);
		hint_func_free(cf);
	}
	hint_func_free(fn);
}
END_TEST

/* C through the helper; NULL (and a note) when it is not built. */
static struct cparse_file *parse_c(const char *src)
{
	if (access(HELPER, X_OK) != 0) {
		fprintf(stderr, "check_hint: %s not built (no libclang): C cases not run\n", HELPER);
		return NULL;
	}
	char why[256] = "";
	struct cparse_file *f = cparse_run(HELPER, VGT_SRCDIR "/tests/snippet.c", src, strlen(src),
					   HINT_LANG_C, why, sizeof(why));
	ck_assert_msg(f != NULL, "%s", why);
	return f;
}

static const char *c_hint(const struct cparse_file *f, unsigned line, const struct nature *nat,
			  struct hint_result *r)
{
	const struct hint_func *fn = cparse_function(f, line);
	ck_assert_msg(fn != NULL, "no function at line %u", line);
	struct hint_frame fr = {.fn = fn, .file = "t.c", .line = line,
				 .callee = nat->family == NATURE_PYTHON ? NULL : "malloc",
				 .reachable = 0};
	hint_explain(&fr, NULL, nat, r);
	return r->found ? r->text : "";
}

START_TEST(test_c)
{
	const char *src =
		"#include <stdlib.h>\n"                                   /* 1 */
		"#include <string.h>\n"                                   /* 2 */
		"int sw(int k) {\n"                                       /* 3 */
		"	char *p = malloc(8);\n"                          /* 4 */
		"	switch (k) {\n"                                   /* 5 */
		"	case 1: free(p); return 1;\n"                     /* 6 */
		"	case 2: return 2;\n"                              /* 7 */
		"	default: break;\n"                                /* 8 */
		"	}\n"                                              /* 9 */
		"	free(p);\n"                                       /* 10 */
		"	return 0;\n"                                      /* 11 */
		"}\n"                                                     /* 12 */
		"#define CHECK(x) do { if (!(x)) return -1; } while (0)\n" /* 13 */
		"int mac(int k) {\n"                                      /* 14 */
		"	char *p = malloc(8);\n"                          /* 15 */
		"	CHECK(k);\n"                                      /* 16 */
		"	free(p);\n"                                       /* 17 */
		"	return 0;\n"                                      /* 18 */
		"}\n"                                                     /* 19 */
		"int back(int k) {\n"                                     /* 20 */
		"	char *p;\n"                                       /* 21 */
		"again:\n"                                                /* 22 */
		"	p = malloc(8);\n"                                 /* 23 */
		"	if (k-- > 0) goto again;\n"                       /* 24 */
		"	free(p);\n"                                       /* 25 */
		"	return 0;\n"                                      /* 26 */
		"}\n"                                                     /* 27 */
		"int ok(int k) {\n"                                       /* 28 */
		"	char *p = malloc(8);\n"                          /* 29 */
		"	if (p == NULL) return -1;\n"                      /* 30 */
		"	if (k) { free(p); return 1; }\n"                  /* 31 */
		"	memset(p, 0, 8);\n"                               /* 32 */
		"	free(p);\n"                                       /* 33 */
		"	return 0;\n"                                      /* 34 */
		"}\n";                                                    /* 35 */
	struct cparse_file *f = parse_c(src);
	if (f == NULL)
		return;
	struct nature nat = c_buffer();
	struct hint_result r;
	/* case 2 returns without freeing */
	ck_assert_str_eq(c_hint(f, 4, &nat, &r),
			 "`p` is allocated at t.c:4 and is freed at line 6 and 10, but the return at "
			 "line 7 skips the free; free it on that path too");
	/* a return hidden in a macro: nothing to say */
	ck_assert_str_eq(c_hint(f, 15, &nat, &r), "");
	/* a backward goto: nothing to say */
	ck_assert_str_eq(c_hint(f, 23, &nat, &r), "");
	/* every path frees */
	ck_assert_str_eq(c_hint(f, 29, &nat, &r), "");
	cparse_free(f);
}
END_TEST

/* ---- pass-and-drop (issue 24) ---- */

/* A finder over one .pyx text: its module-level functions by name. */
struct pyx_finder {
	const char *src;
	struct hint_func *owned[16];
	size_t n;
};

static int pyx_lookup(void *data, const char *from_file, const char *name,
		      struct hint_callee *out)
{
	struct pyx_finder *pf = data;
	ck_assert_str_eq(from_file, "t.pyx");
	struct hint_func *fn = pyxscan_function_named(pf->src, strlen(pf->src), name);
	if (fn == NULL || pf->n == 16) {
		hint_func_free(fn);
		return 0;
	}
	pf->owned[pf->n++] = fn;
	memset(out, 0, sizeof(*out));
	out->fn = fn;
	out->file = "t.pyx";
	out->n_params = hint_params_of(pf->src, strlen(pf->src), fn->first_line, name, out->params,
				       HINT_MAX_PARAMS);
	return 1;
}

static const char *pass_hint(const char *src, unsigned line, int reachable,
			     struct hint_result *res)
{
	struct pyx_finder pf = {src, {NULL}, 0};
	struct hint_func *fn = pyxscan_function(src, strlen(src), line);
	ck_assert_msg(fn != NULL, "no function at line %u", line);
	struct hint_frame fr = {.fn = fn, .file = "t.pyx", .line = line, .callee = "malloc",
				 .reachable = reachable, .lookup = pyx_lookup, .lookup_data = &pf};
	struct nature nat = c_buffer();
	hint_explain(&fr, NULL, &nat, res);
	hint_func_free(fn);
	for (size_t i = 0; i < pf.n; i++)
		hint_func_free(pf.owned[i]);
	return res->found ? res->text : "";
}

START_TEST(test_pass_and_drop)
{
	const char *src = HEAD
		"cdef extern from \"ext.h\":\n"                      /* 2 */
		"    void ext_use(char *p)\n"
		"    char *ext_same(char *p)\n"
		"cdef char *kept = NULL\n"                           /* 5 */
		"cdef void fill(char *p, size_t n) noexcept:\n"
		"    p[0] = 1\n"
		"cdef void keep(char *p) noexcept:\n"
		"    global kept\n"
		"    kept = p\n"                                     /* 10 */
		"cdef void drop(char *p) noexcept:\n"
		"    free(p)\n"
		"cdef char *same(char *p) noexcept:\n"
		"    return p\n"
		"def a(size_t n):\n"                                 /* 15 */
		"    cdef char *p = <char *> malloc(n)\n"
		"    fill(p, n)\n"
		"def b(size_t n):\n"
		"    cdef char *p = <char *> malloc(n)\n"
		"    ext_use(p)\n"                                   /* 20 */
		"def c(size_t n):\n"
		"    cdef char *p = <char *> malloc(n)\n"
		"    keep(p)\n"
		"def d(size_t n):\n"
		"    cdef char *p = <char *> malloc(n)\n"            /* 25 */
		"    drop(p)\n"
		"def e(size_t n):\n"
		"    cdef char *p = <char *> malloc(n)\n"
		"    cdef char *q = same(p)\n"
		"def f(size_t n):\n"                                 /* 30 */
		"    cdef char *p = <char *> malloc(n)\n"
		"    cdef char *q = ext_same(p)\n"
		"def g(size_t n, bint flag):\n"
		"    cdef char *p = <char *> malloc(n)\n"
		"    ext_use(p)\n"                                   /* 35 */
		"    if flag:\n"
		"        free(p)\n";
	struct hint_result r;
	ck_assert_str_eq(pass_hint(src, 16, 0, &r),
			 "`p` is allocated at t.pyx:16 and passed to `fill()` at line 17 (which does "
			 "not keep it, as far as its source at t.pyx:6–7 shows), and then dropped: `a` "
			 "(lines 15–17) neither frees nor returns it; free it after the call (in a "
			 "`try`/`finally`)");
	ck_assert_str_eq(pass_hint(src, 19, 0, &r),
			 "`p` is allocated at t.pyx:19 and passed to `ext_use()` at line 20 (whose "
			 "source is not at hand), and then dropped: `b` (lines 18–20) neither frees "
			 "nor returns it; unless `ext_use` takes ownership, free it after the call (in a "
			 "`try`/`finally`)");
	/* still reachable: someone kept it */
	ck_assert_str_eq(pass_hint(src, 19, 1, &r), "");
	/* the callee stores it, frees it, returns it */
	ck_assert_str_eq(pass_hint(src, 22, 0, &r), "");
	ck_assert_str_eq(pass_hint(src, 25, 0, &r), "");
	ck_assert_str_eq(pass_hint(src, 28, 0, &r), "");
	/* an unknown callee's pointer result is kept: it may be the block */
	ck_assert_str_eq(pass_hint(src, 31, 0, &r), "");
	/* freed on one path after an unknown callee: no verdict on the others */
	ck_assert_str_eq(pass_hint(src, 34, 0, &r), "");
}
END_TEST

START_TEST(test_params_of)
{
	char params[4][64];
	const char *c = "static int\nf(const char *restrict s, size_t n, double v[])\n{\n";
	ck_assert_uint_eq(hint_params_of(c, strlen(c), 1, "f", params, 4), 3);
	ck_assert_str_eq(params[0], "s");
	ck_assert_str_eq(params[1], "n");
	ck_assert_str_eq(params[2], "v");
	const char *pyx = "cdef void g(char *p, int k=3, x):\n    pass\n";
	ck_assert_uint_eq(hint_params_of(pyx, strlen(pyx), 1, "g", params, 4), 3);
	ck_assert_str_eq(params[1], "k");
	ck_assert_str_eq(params[2], "x");
	const char *none[] = {"int h(void) {", "int h(const char *fmt, ...) {",
			      "void h(void (*cb)(int), char *p) {", "int h(a, b, c, d, e) {"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		ck_assert_uint_eq(hint_params_of(none[i], strlen(none[i]), 1, "h", params, 4), 0);
	ck_assert_uint_eq(hint_params_of(c, strlen(c), 1, "nosuch", params, 4), 0);
	/* what a declaration says the result is */
	const char *decls = "cdef extern from \"h.h\":\n"
			    "    uint64_t num(void *key, int n) noexcept nogil\n"
			    "    char *same(char *p)\n"
			    "    unsigned long count(const char *s);\n"
			    "cdef inline Py_ssize_t size(void *p):\n"
			    "cdef object boxed(void *p):\n";
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "num"), 1);
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "count"), 1);
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "size"), 1);
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "same"), 0);
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "boxed"), 0);
	ck_assert_int_eq(hint_returns_scalar(decls, strlen(decls), "missing"), 0);
}
END_TEST

/* Issue 26: C++ ownership through the helper (--lang c++). */
static struct cparse_file *parse_cxx(const char *src)
{
	if (access(HELPER, X_OK) != 0)
		return NULL;
	char why[256] = "";
	struct cparse_file *f = cparse_run(HELPER, VGT_SRCDIR "/tests/snippet.cpp", src, strlen(src),
					   HINT_LANG_CXX, why, sizeof(why));
	ck_assert_msg(f != NULL, "%s", why);
	return f;
}

static const char *cxx_hint(const struct cparse_file *f, unsigned line, const char *callee,
			    struct hint_result *r)
{
	const struct hint_func *fn = cparse_function(f, line);
	ck_assert_msg(fn != NULL, "no function at line %u", line);
	struct nature nat;
	memset(&nat, 0, sizeof(nat));
	nat.family = NATURE_CXX;
	strcpy(nat.what, "C++ object");
	strcpy(nat.allocator, "new");
	struct hint_frame fr = {.fn = fn, .file = "t.cpp", .line = line, .callee = callee};
	hint_explain(&fr, NULL, &nat, r);
	return r->found ? r->text : "";
}

START_TEST(test_cxx)
{
	const char *src =
		"#include <memory>\n"                                       /* 1 */
		"#include <string>\n"                                       /* 2 */
		"int parse(const char *s);\n"                               /* 3 */
		"template <typename T> class bag {\n"                       /* 4 */
		"  T *p_ = nullptr;\n"                                      /* 5 */
		" public:\n"                                                /* 6 */
		"  void put(const T &v) { p_ = new T(v); }\n"               /* 7 */
		"};\n"                                                      /* 8 */
		"class owner {\n"                                           /* 9 */
		"  int *p_ = nullptr;\n"                                    /* 10 */
		" public:\n"                                                /* 11 */
		"  void put(int v) { p_ = new int(v); }\n"                  /* 12 */
		"  ~owner() { delete p_; }\n"                               /* 13 */
		"};\n"                                                      /* 14 */
		"class clears {\n"                                          /* 15 */
		"  int *p_ = nullptr;\n"                                    /* 16 */
		"  void clear();\n"                                         /* 17 */
		" public:\n"                                                /* 18 */
		"  void put(int v) { this->p_ = new int(v); }\n"            /* 19 */
		"  ~clears() { clear(); }\n"                                /* 20 */
		"};\n"                                                      /* 21 */
		"class smart {\n"                                           /* 22 */
		"  std::unique_ptr<int> p_;\n"                              /* 23 */
		" public:\n"                                                /* 24 */
		"  void put(int v) { p_.reset(new int(v)); }\n"             /* 25 */
		"};\n"                                                      /* 26 */
		"std::string render(const char *t) {\n"                     /* 27 */
		"  char *s = new char[32];\n"                               /* 28 */
		"  std::string out = s + std::to_string(parse(t));\n"       /* 29 */
		"  delete[] s;\n"                                           /* 30 */
		"  return out;\n"                                           /* 31 */
		"}\n"                                                       /* 32 */
		"int quiet(const char *t) {\n"                              /* 33 */
		"  char *s = new char[32];\n"                               /* 34 */
		"  int n = s[0] + t[0];\n"                                  /* 35 */
		"  delete[] s;\n"                                           /* 36 */
		"  return n;\n"                                             /* 37 */
		"}\n"                                                       /* 38 */
		"int caught(const char *t) {\n"                             /* 39 */
		"  char *s = new char[32];\n"                               /* 40 */
		"  try { parse(t); } catch (...) {}\n"                      /* 41 */
		"  delete[] s;\n"                                           /* 42 */
		"  return 0;\n"                                             /* 43 */
		"}\n";                                                      /* 44 */
	struct cparse_file *f = parse_cxx(src);
	if (f == NULL)
		return;
	struct hint_result r;
	const char *one = "operator new(unsigned long)", *arr = "operator new[](unsigned long)";
	/* a raw pointer member, no destructor */
	ck_assert_msg(strstr(cxx_hint(f, 7, one, &r), "`bag` (line 4) holds it in a raw pointer but "
				      "has no destructor") != NULL, "%s", r.text);
	/* the destructor deletes it: no claim, and why */
	ck_assert_str_eq(cxx_hint(f, 12, one, &r), "");
	ck_assert_msg(strstr(r.why, "deletes `p_`") != NULL, "%s", r.why);
	/* the destructor calls what may delete it: not followed */
	ck_assert_str_eq(cxx_hint(f, 19, one, &r), "");
	ck_assert_msg(strstr(r.why, "calls `clear`") != NULL, "%s", r.why);
	/* a smart pointer holds it: nothing to say */
	ck_assert_str_eq(cxx_hint(f, 25, one, &r), "");
	/* deleted on the only way through, after calls that can throw */
	ck_assert_msg(strstr(cxx_hint(f, 28, arr, &r), "line 29 calls `to_string` and `parse`, which "
				       "can throw") != NULL, "%s", r.text);
	/* nothing in between can throw: no claim */
	ck_assert_str_eq(cxx_hint(f, 34, arr, &r), "");
	ck_assert_msg(strstr(r.why, "nothing between") != NULL, "%s", r.why);
	/* a try block: not followed */
	ck_assert_str_eq(cxx_hint(f, 40, arr, &r), "");
	cparse_free(f);
}
END_TEST

Suite *hint_suite(void)
{
	Suite *s = suite_create("hint");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pyx_verdicts);
	tcase_add_test(tc, test_pyx_silence);
	tcase_add_test(tc, test_pyx_python_objects);
	tcase_add_test(tc, test_pyx_caller);
	tcase_add_test(tc, test_c);
	tcase_add_test(tc, test_pass_and_drop);
	tcase_add_test(tc, test_params_of);
	tcase_add_test(tc, test_cxx);
	suite_add_tcase(s, tc);
	return s;
}
