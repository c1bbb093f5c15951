/*
 * demangle.h — Python names from Cython C names, without the generated .c.
 *
 * Cython names a function's C code after its scope: a prefix (__pyx_pf_
 * implementation, __pyx_pw_ wrapper, __pyx_f_ cdef/cpdef, __pyx_gb_
 * generator body, __pyx_lambda_funcdef_, __pyx_fuse_N…, __pyx_tp_new_…),
 * then one length-prefixed component per enclosing scope ("6shapes_5leaks_"
 * for module shapes.leaks, "6Holder_" for a class), then for def functions
 * a per-scope counter, then the name: __pyx_pw_6native_1random_noise is
 * native.random_noise.  A counter and a scope component can look alike
 * ("12make_closure_inner"): the result says when it had to choose.
 *
 * The reliable source of names is the generated .c (cymap.h); symbolize.c
 * falls back to this when the .c is not at hand.  Included by symbolize.c,
 * cymap.c and tests.
 */
#ifndef VGTRIAGE_DEMANGLE_H
#define VGTRIAGE_DEMANGLE_H

#include <stddef.h>

#include "vgtriage/strpool.h"

enum demangle_kind {
	DEMANGLE_NONE = 0,   /* not a Cython function name */
	DEMANGLE_PF,         /* def implementation */
	DEMANGLE_PW,         /* def wrapper (argument parsing) */
	DEMANGLE_F,          /* cdef / cpdef function or method */
	DEMANGLE_GB,         /* generator / coroutine body */
	DEMANGLE_LAMBDA,     /* lambda body */
	DEMANGLE_TP_NEW,     /* type slot: allocation of a cdef class */
	DEMANGLE_TP_DEALLOC, /* type slot: deallocation */
	DEMANGLE_MODULE_EXEC /* module body (import time) */
};

#define DEMANGLE_MAX_PARTS 16

/* A Cython cname split into its parts; pointers point into the cname. */
struct demangle_parts {
	enum demangle_kind kind;
	int fused;                 /* a __pyx_fuse_N specialisation */
	size_t n_scopes;           /* module, package, class, enclosing def */
	struct { const char *s; size_t len; } scope[DEMANGLE_MAX_PARTS];
	const char *name;          /* the function's own name */
	size_t name_len;
	int ambiguous;             /* another reading of the digits was possible */
};

/* Splits cname; returns 0, or -1 when it is not a Cython function name
 * this module knows (then parts->kind is DEMANGLE_NONE). */
int demangle_split(const char *cname, struct demangle_parts *parts);

/* The Python qualified name of a Cython cname, interned in pool
 * ("shapes.leaks.Holder.grab"), or NULL when cname is not one.  Sets
 * *ambiguous (may be NULL) when the name is a best guess: a counter that
 * could be a scope, or a generator whose Python name the cname lacks
 * ("shapes.leaks.<generator>"). */
const char *demangle_cython(struct strpool *pool, const char *cname, int *ambiguous);

#endif
