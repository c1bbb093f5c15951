/*
 * nature.h — what a leaked block is, from the allocator chain of its
 * stack: a C buffer (malloc, calloc, realloc, strdup, PyMem_Malloc…), a C++
 * object or array (operator new / new[], mangled or not), or a Python
 * object and its type (PyList_New → list, PyUnicode_* → str, a Cython
 * class through __pyx_tp_new_* → its Python name, a Cython array or
 * memoryview).  Issue 13.
 *
 * Plain data in, plain data out: the function names of the frames from
 * the top of the stack (the allocator) down to the culprit, their classes,
 * and the culprit's source statement (used only when the chain names no
 * type, e.g. an API function that tail-called into static code).
 *
 * Included by explain.c, hint.c and tests.
 */
#ifndef VGTRIAGE_NATURE_H
#define VGTRIAGE_NATURE_H

#include <stddef.h>

#include "vgtriage/model.h"

enum nature_family {
	NATURE_UNKNOWN = 0,
	NATURE_C,      /* a C buffer */
	NATURE_CXX,    /* a C++ object or array */
	NATURE_PYTHON  /* a Python object (or storage of one) */
};

struct nature {
	enum nature_family family;
	/* "buffer" (C); "object", "array" (C++); "list", "str", "int",
	 * "hintfix.cyleaks.Node", "Cython array", … (Python; "object" when
	 * the chain does not say which) */
	char what[160];
	/* the call that made it, as close to the user's code as the chain
	 * tells: "malloc", "strdup", "operator new[]", "PyList_New",
	 * "PyList_Append", "__pyx_tp_new_7hintfix_7cyleaks_Node" */
	char allocator[160];
	/* the block is storage an API function grew for an existing object
	 * (PyList_Append, PyDict_SetItem…), not a new object */
	int grows_existing;
	/* a new reference the caller owns (Python objects made by a
	 * constructor API) */
	int new_reference;
};

/* fns[0..n): function names from the top of the stack down to (not
 * including) the culprit frame; NULL for a frame valgrind could not name.
 * classes[0..n): their frame classes.  stmt: the culprit's source text, or
 * NULL.  Returns 0 with *out filled, or -1 when the chain names no
 * allocator vgtriage knows (out->family is then NATURE_UNKNOWN). */
int nature_of(const char *const *fns, const enum frame_class *classes, size_t n,
	      const char *stmt, struct nature *out);

/* "c", "cxx", "python"; NULL for NATURE_UNKNOWN. */
const char *nature_family_name(enum nature_family family);

/* One phrase for people: "C buffer (malloc)", "C++ array (new[])",
 * "Python list (PyList_New)", "Python object of class hintfix.cyleaks.Node". */
void nature_describe(const struct nature *nat, char *buf, size_t size);

/* 1 when fn (a C function name) releases a pointer it is passed: free,
 * PyMem_Free, PyObject_Free, … and names ending in "free", "_destroy",
 * "_release", "_unref", "_dispose", "_delete". */
int nature_is_release_function(const char *fn);
/* 1 when fn is one of nature's C allocators (malloc, calloc, realloc,
 * strdup, PyMem_Malloc, …); 2 for the realloc family. */
int nature_is_c_allocator(const char *fn);

#endif
