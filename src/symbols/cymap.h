/*
 * cymap.h — the source map of one Cython-generated .c/.cpp file.
 *
 * (Below, "*\/" stands for the comment closer.)
 * Cython writes a comment before the C code of each .pyx statement:
 *
 *     /\* "api/native.pyx":11
 *      * ...up to 3 lines before...
 *      *     cdef double *p = <double *> malloc(n)             # <<<<<<<<<<<<<<
 *      * ...up to 2 lines after...
 *      *\/
 *
 * closed by " *\/" (Cython 0.29, 3.0) or "*\/" at column 0 (3.1+).  A C line
 * maps to the nearest marker before it inside the same C function; lines
 * of a user function before its first inner marker map to the marker just
 * above the function (its def line).  Cython's utility code (__Pyx_*,
 * module init, type slots) never maps.  Python names come from the file
 * itself: __Pyx_AddTraceback("pkg.mod.func", …) in each function, the
 * generator body's creator, and PyMethodDef tables.
 *
 * A map is built once per file (symbolize.c caches it per run) and looked
 * up by binary search.  Strings are interned in the pool given to
 * cymap_parse/cymap_load.  Included by symbolize.c, classify.c (for
 * cymap_is_utility_function) and tests.
 */
#ifndef VGTRIAGE_CYMAP_H
#define VGTRIAGE_CYMAP_H

#include <stddef.h>

#include "vgtriage/strpool.h"
#include "vgtriage/vgt.h"

struct cymap;

/* Where a C line comes from. */
struct cymap_hit {
	const char *pyx_path;  /* "api/native.pyx", as Cython wrote it */
	unsigned pyx_line;
	const char *source;    /* the marked line, trimmed, comment rewrites undone */
	const char *function;  /* the C function holding the line */
	const char *qualname;  /* its Python name, or NULL */
	unsigned marker_line;  /* the C line of the marker's opening comment */
};

/* Indexes text[0..len) (the contents of a generated file). */
struct cymap *cymap_parse(struct strpool *pool, const char *text, size_t len);
/* Reads and indexes the file at path; NULL with err filled when it cannot
 * be read. */
struct cymap *cymap_load(struct strpool *pool, const char *path, struct vgt_error *err);
void cymap_free(struct cymap *map); /* NULL is a no-op */

/* Number of markers and C functions found (0 markers: not Cython output). */
size_t cymap_marker_count(const struct cymap *map);
size_t cymap_function_count(const struct cymap *map);

/* Maps C line c_line: 1 with *hit filled, or 0 when the line is outside
 * any user function or before any marker of it. */
int cymap_lookup(const struct cymap *map, unsigned c_line, struct cymap_hit *hit);

/* The Python name of the C function cname as the file tells it, or NULL
 * when the file does not define it or does not name it. */
const char *cymap_qualname(const struct cymap *map, const char *cname);
/* 1 if the file defines a C function named cname. */
int cymap_defines(const struct cymap *map, const char *cname);

/* The marker path ending in "/" base or equal to base ("leaks.pyx" →
 * "shapes/leaks.pyx"), or NULL. */
const char *cymap_pyx_path(const struct cymap *map, const char *base);
/* The marked source text of pyx_path:pyx_line, or NULL (for
 * --line-directives frames, which name the .pyx line directly). */
const char *cymap_source_of(const struct cymap *map, const char *pyx_path, unsigned pyx_line);

/* 1 for Cython's generated helpers, which never map to user lines:
 * __Pyx_* utility code, module creation and init (__pyx_pymod_*,
 * PyInit_*), type slots (__pyx_tp_*, __pyx_getprop_*…), and every other
 * __pyx_ name that is not a user function (__pyx_pf_, __pyx_pw_,
 * __pyx_f_, __pyx_gb_, __pyx_lambda_funcdef_, __pyx_fuse_…).  classify.c
 * classes such frames cython-runtime. */
int cymap_is_utility_function(const char *fn);
/* 1 for the C name of a user function (the complement above, restricted
 * to __pyx_ names). */
int cymap_is_user_function(const char *fn);

/* Undoes Cython's comment-safety rewrites in s ("*[inserted by cython to
 * avoid comment closer]/" → "*\/", and the opener variant), in place. */
void cymap_unescape(char *s);

#endif
