/*
 * pyxscan.h — reads one function of a Cython (.pyx/.pxi) source into the
 * statement tree of hint.h (issue 13).
 *
 * A tokenizer of Cython's syntax (comments, strings of every prefix and
 * quote, backslash and bracket continuations, indentation) splits the file
 * into logical lines; blocks come from indentation.  The function is the
 * innermost def/cdef/cpdef whose block holds the line (a module-level
 * lambda is read as a function of its own).  Declarations give the types
 * of locals and parameters (C pointer, PyObject *, Python object);
 * `global` statements the globals; cimports from libc/posix/cpython/
 * libcpp, `cdef extern` blocks and cdef functions the names that are C
 * functions.  A method also gets its class and the class's __dealloc__.
 *
 * Plain data: text in, a struct hint_func out.  Included by explain.c and
 * tests.
 */
#ifndef VGTRIAGE_PYXSCAN_H
#define VGTRIAGE_PYXSCAN_H

#include <stddef.h>

#include "explain/hint.h"

/* The function of text[0..len) that holds line, or NULL when line is in
 * none the scanner can read.  The caller hint_func_free()s it. */
struct hint_func *pyxscan_function(const char *text, size_t len, unsigned line);

/* The module-level function (def, cdef, cpdef) of text named name, or
 * NULL (issue 24: a callee).  The caller hint_func_free()s it. */
struct hint_func *pyxscan_function_named(const char *text, size_t len, const char *name);

#endif
