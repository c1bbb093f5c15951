/*
 * nature.c — what a leaked block is, from its allocator chain (nature.h).
 *
 * The chain is read from the top of the stack down to the culprit.  C
 * allocators (malloc, strdup, PyMem_Malloc…) make a C buffer; operator new
 * a C++ object or array; the first frame that names a Python type (a
 * constructor such as PyList_New, a type's prefix such as PyUnicode_, a
 * Cython class's __pyx_tp_new_*) makes a Python object of that type, and
 * later frames of the same type say which API the user called
 * (_PyLong_New < PyLong_FromLongLong → PyLong_FromLongLong).  Generic
 * object allocators (_PyObject_GC_New, PyType_GenericAlloc…) and frames
 * valgrind could not name are skipped.  CPython 3.11 (Debian) tail-calls
 * through static functions, so a chain may end in ???: then the culprit's
 * statement is searched for a constructor call instead.
 */
#include "explain/nature.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "symbols/demangle.h"

/* C allocators: 1 allocates, 2 reallocates; internal ones never name the
 * allocator the user called. */
static const struct {
	const char *name;
	int kind;
	int internal;
} c_allocators[] = {
	{"malloc", 1, 0}, {"calloc", 1, 0}, {"realloc", 2, 0}, {"reallocarray", 2, 0},
	{"strdup", 1, 0}, {"strndup", 1, 0}, {"__strdup", 1, 1}, {"__strndup", 1, 1},
	{"memalign", 1, 0}, {"posix_memalign", 1, 0}, {"aligned_alloc", 1, 0},
	{"valloc", 1, 0}, {"pvalloc", 1, 0}, {"asprintf", 1, 0}, {"vasprintf", 1, 0},
	{"PyMem_Malloc", 1, 0}, {"PyMem_Calloc", 1, 0}, {"PyMem_Realloc", 2, 0},
	{"PyMem_RawMalloc", 1, 0}, {"PyMem_RawCalloc", 1, 0}, {"PyMem_RawRealloc", 2, 0},
	{"PyObject_Malloc", 1, 0}, {"PyObject_Calloc", 1, 0}, {"PyObject_Realloc", 2, 0},
	{"_PyMem_RawMalloc", 1, 1}, {"_PyMem_RawCalloc", 1, 1}, {"_PyMem_RawRealloc", 2, 1},
	{"_PyObject_Malloc", 1, 1}, {"_PyObject_Calloc", 1, 1}, {"_PyObject_Realloc", 2, 1},
	{"pymalloc_alloc", 1, 1}, {"pymalloc_realloc", 2, 1},
	{"_PyMem_DebugRawAlloc", 1, 1}, {"_PyMem_DebugRawMalloc", 1, 1},
	{"_PyMem_DebugRawCalloc", 1, 1}, {"_PyMem_DebugRawRealloc", 2, 1},
	{"_PyMem_DebugMalloc", 1, 1}, {"_PyMem_DebugCalloc", 1, 1},
	{"_PyMem_DebugRealloc", 2, 1},
};

/* Object allocation that says nothing of the type. */
static const char *const generic_python[] = {
	"_PyObject_GC_New", "_PyObject_GC_NewVar", "_PyObject_GC_Alloc", "_PyObject_GC_Malloc",
	"_PyObject_GC_Calloc", "gc_alloc", "_PyObject_New", "_PyObject_NewVar",
	"PyObject_GC_Malloc", "_PyObject_GC_Resize", "PyType_GenericAlloc",
	"_PyType_AllocNoTrack", "PyType_GenericNew", "PyObject_Init", "PyObject_InitVar",
	"_PyObject_MakeTpCall", "PyObject_Call", "PyObject_Vectorcall", "_PyObject_Call",
	"PyObject_CallObject", "PyObject_CallNoArgs", "_PyObject_FastCallDictTstate",
	"__Pyx_PyObject_Call", "__Pyx_PyObject_CallNoArg", "__Pyx_PyObject_CallOneArg",
	"__Pyx_PyObject_Call2Args", "__Pyx_PyObject_FastCall", "__Pyx_PyObject_FastCallDict",
	"__Pyx_PyFunction_FastCallDict", "__Pyx_PyCFunction_FastCall", NULL,
};

/* Python types by exact function name, then by prefix.  grows: the
 * function grows an object it is given rather than making one. */
struct py_type {
	const char *name;
	const char *what;
	int grows;
};

static const struct py_type py_exact[] = {
	{"PyList_New", "list", 0}, {"PyList_Append", "list", 1}, {"PyList_Insert", "list", 1},
	{"_PyList_Extend", "list", 1}, {"PyList_SetSlice", "list", 1},
	{"PySequence_List", "list", 0}, {"PyList_AsTuple", "tuple", 0},
	{"PySequence_Tuple", "tuple", 0}, {"PyTuple_New", "tuple", 0},
	{"PyTuple_Pack", "tuple", 0}, {"_PyTuple_FromArray", "tuple", 0},
	{"PyDict_New", "dict", 0}, {"PyDict_Copy", "dict", 0}, {"_PyDict_NewPresized", "dict", 0},
	{"PyDict_SetItem", "dict", 1}, {"PyDict_SetItemString", "dict", 1},
	{"_PyDict_SetItem_Take2", "dict", 1}, {"PyDict_SetDefault", "dict", 1},
	{"PyDict_Merge", "dict", 1}, {"PyDict_Update", "dict", 1},
	{"PySet_New", "set", 0}, {"PyFrozenSet_New", "frozenset", 0}, {"PySet_Add", "set", 1},
	{"PyCapsule_New", "capsule", 0}, {"PyWeakref_NewRef", "weakref", 0},
	{"PyWeakref_NewProxy", "weakref", 0}, {"PyByteArray_Resize", "bytearray", 1},
	{"_PyBytes_Resize", "bytes", 1}, {"PyErr_NewException", "exception class", 0},
	{"__Pyx_AddTraceback", "traceback data (Cython)", 0},
	{"__Pyx_PyUnicode_FromString", "str", 0}, {"__Pyx_decode_c_string", "str", 0},
	{"__Pyx_PyObject_FormatSimple", "str", 0},
};

static const struct py_type py_prefix[] = {
	{"PyUnicode_", "str", 0}, {"_PyUnicode_", "str", 0}, {"PyBytes_", "bytes", 0},
	{"_PyBytes_", "bytes", 0}, {"PyByteArray_", "bytearray", 0}, {"PyLong_", "int", 0},
	{"_PyLong_", "int", 0}, {"__Pyx_PyInt_From", "int", 0}, {"PyFloat_", "float", 0},
	{"PyComplex_", "complex", 0}, {"PyMemoryView_", "memoryview", 0},
	{"PyCode_", "code object", 0}, {"_PyCode_", "code object", 0},
	{"PyFunction_", "function", 0}, {"PyModule_", "module", 0},
	{"__pyx_array_", "Cython array", 0}, {"__pyx_memoryview_", "Cython memoryview", 0},
};

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int in_list(const char *fn, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(fn, list[i]) == 0)
			return 1;
	return 0;
}

static int c_allocator_index(const char *fn)
{
	for (size_t i = 0; i < sizeof(c_allocators) / sizeof(c_allocators[0]); i++)
		if (strcmp(fn, c_allocators[i].name) == 0)
			return (int)i;
	return -1;
}

int nature_is_c_allocator(const char *fn)
{
	int i = fn != NULL ? c_allocator_index(fn) : -1;
	return i < 0 ? 0 : c_allocators[i].kind;
}

/* 1 object, 2 array, 0 not operator new (demangled or mangled). */
static int cxx_new(const char *fn)
{
	if (starts_with(fn, "operator new[]") || starts_with(fn, "_Zna"))
		return 2;
	if (starts_with(fn, "operator new") || starts_with(fn, "_Znw"))
		return 1;
	return 0;
}

/* A Cython tp_new slot: the class's Python name in what.  Returns 1 when
 * fn is one. */
static int cython_class(const char *fn, char *what, size_t size)
{
	static const struct {
		const char *slot;
		const char *what;
	} internal[] = {
		{"__pyx_tp_new_array", "Cython array"},
		{"__pyx_tp_new_memoryview", "Cython memoryview"},
		{"__pyx_tp_new__memoryviewslice", "Cython memoryview"},
		{"__pyx_tp_new_Enum", "Cython memoryview"},
	};
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (strcmp(fn, internal[i].slot) == 0) {
			snprintf(what, size, "%s", internal[i].what);
			return 1;
		}
	struct demangle_parts parts;
	if (demangle_split(fn, &parts) != 0 || parts.kind != DEMANGLE_TP_NEW)
		return 0;
	size_t used = 0;
	what[0] = '\0';
	static const char scope_tag[] = "__pyx_scope_struct_";
	if (parts.name_len > sizeof(scope_tag) - 1 &&
	    strncmp(parts.name, scope_tag, sizeof(scope_tag) - 1) == 0) {
		const char *p = parts.name + sizeof(scope_tag) - 1;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '_')
			p++;
		used = (size_t)snprintf(what, size, "closure scope of ");
		for (size_t i = 0; i < parts.n_scopes && used < size; i++)
			used += (size_t)snprintf(what + used, size - used, "%.*s.",
						 (int)parts.scope[i].len, parts.scope[i].s);
		if (used < size)
			snprintf(what + used, size - used, "%.*s",
				 (int)(parts.name_len - (size_t)(p - parts.name)), p);
		return 1;
	}
	for (size_t i = 0; i < parts.n_scopes && used < size; i++)
		used += (size_t)snprintf(what + used, size - used, "%.*s.", (int)parts.scope[i].len,
					 parts.scope[i].s);
	if (used < size)
		snprintf(what + used, size - used, "%.*s", (int)parts.name_len, parts.name);
	return 1;
}

/* The Python type fn makes or grows, or NULL. */
static const struct py_type *python_type(const char *fn)
{
	for (size_t i = 0; i < sizeof(py_exact) / sizeof(py_exact[0]); i++)
		if (strcmp(fn, py_exact[i].name) == 0)
			return &py_exact[i];
	for (size_t i = 0; i < sizeof(py_prefix) / sizeof(py_prefix[0]); i++)
		if (starts_with(fn, py_prefix[i].name))
			return &py_prefix[i];
	return NULL;
}

/* Sets out to the Python type fn names; 1 if it names one. */
static int set_python(const char *fn, struct nature *out)
{
	char what[sizeof(out->what)];
	const struct py_type *t = python_type(fn);
	if (t != NULL) {
		snprintf(out->what, sizeof(out->what), "%s", t->what);
		out->grows_existing = t->grows;
	} else if (cython_class(fn, what, sizeof(what))) {
		snprintf(out->what, sizeof(out->what), "%s", what);
		out->grows_existing = 0;
	} else {
		return 0;
	}
	out->family = NATURE_PYTHON;
	out->new_reference = !out->grows_existing && !starts_with(fn, "__Pyx_AddTraceback");
	snprintf(out->allocator, sizeof(out->allocator), "%s", fn);
	return 1;
}

/* The first call in stmt to a function that names a Python type or a C
 * allocator ("PyUnicode_FromString(", "PyMem_Malloc("). */
static int scan_statement(const char *stmt, int python, struct nature *out)
{
	for (const char *p = stmt; *p != '\0'; p++) {
		if (!(isalpha((unsigned char)*p) || *p == '_') ||
		    (p > stmt && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		const char *e = p;
		while (isalnum((unsigned char)*e) || *e == '_')
			e++;
		const char *q = e;
		while (*q == ' ')
			q++;
		if (*q != '(' || (size_t)(e - p) >= 120)
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
		if (python) {
			struct nature tmp = *out;
			if (set_python(name, &tmp)) {
				*out = tmp;
				return 1;
			}
		} else if (c_allocator_index(name) >= 0) {
			snprintf(out->allocator, sizeof(out->allocator), "%s", name);
			return 1;
		}
		p = e - 1;
	}
	return 0;
}

int nature_of(const char *const *fns, const enum frame_class *classes, size_t n,
	      const char *stmt, struct nature *out)
{
	memset(out, 0, sizeof(*out));
	int python_seen = 0, typed = 0;
	/* Cython's traceback machinery, whatever it allocates through */
	for (size_t i = 0; i < n; i++)
		if (fns[i] != NULL && strcmp(fns[i], "__Pyx_AddTraceback") == 0) {
			set_python(fns[i], out);
			return 0;
		}
	for (size_t i = 0; i < n; i++) {
		const char *fn = fns[i];
		if (fn == NULL) {
			if (classes != NULL && classes[i] == FRAME_INTERPRETER)
				python_seen = 1;
			continue;
		}
		if (typed) {
			/* the same type further down: the API the user called */
			const struct py_type *t = python_type(fn);
			if (t != NULL && strcmp(t->what, out->what) == 0 && !t->grows)
				snprintf(out->allocator, sizeof(out->allocator), "%s", fn);
			else if (t != NULL || !in_list(fn, generic_python))
				break;
			continue;
		}
		int ci = c_allocator_index(fn);
		if (ci >= 0) {
			if (out->family == NATURE_UNKNOWN || out->family == NATURE_C) {
				out->family = NATURE_C;
				snprintf(out->what, sizeof(out->what), "buffer");
				if (!c_allocators[ci].internal || out->allocator[0] == '\0')
					snprintf(out->allocator, sizeof(out->allocator), "%s", fn);
			}
			continue;
		}
		int nw = cxx_new(fn);
		if (nw != 0) {
			out->family = NATURE_CXX;
			snprintf(out->what, sizeof(out->what), "%s", nw == 2 ? "array" : "object");
			snprintf(out->allocator, sizeof(out->allocator), "%s",
				 nw == 2 ? "operator new[]" : "operator new");
			continue;
		}
		if (set_python(fn, out)) {
			typed = 1;
			continue;
		}
		if (in_list(fn, generic_python) ||
		    (classes != NULL && (classes[i] == FRAME_INTERPRETER ||
					 classes[i] == FRAME_CYTHON_RUNTIME)))
			python_seen = 1;
	}
	if (!typed && python_seen) {
		out->family = NATURE_PYTHON;
		snprintf(out->what, sizeof(out->what), "object");
		out->allocator[0] = '\0';
		out->grows_existing = 0;
		out->new_reference = 0;
	}
	if (stmt != NULL && !typed && out->family == NATURE_PYTHON)
		scan_statement(stmt, 1, out);
	else if (stmt != NULL && out->family == NATURE_C &&
		 c_allocator_index(out->allocator) >= 0 &&
		 strcmp(out->allocator, "malloc") == 0)
		scan_statement(stmt, 0, out); /* PyMem_Malloc tail-calls malloc */
	return out->family == NATURE_UNKNOWN ? -1 : 0;
}

const char *nature_family_name(enum nature_family family)
{
	switch (family) {
	case NATURE_C:
		return "c";
	case NATURE_CXX:
		return "cxx";
	case NATURE_PYTHON:
		return "python";
	default:
		return NULL;
	}
}

void nature_describe(const struct nature *nat, char *buf, size_t size)
{
	switch (nat->family) {
	case NATURE_C:
		snprintf(buf, size, "C buffer (%s)", nat->allocator);
		break;
	case NATURE_CXX:
		snprintf(buf, size, "C++ %s (%s)", nat->what,
			 strcmp(nat->what, "array") == 0 ? "new[]" : "new");
		break;
	case NATURE_PYTHON: {
		const char *w = nat->what;
		if (starts_with(w, "Cython ") || starts_with(w, "closure scope") ||
		    starts_with(w, "traceback"))
			snprintf(buf, size, "%s", w);
		else if (strchr(w, '.') != NULL)
			snprintf(buf, size, "Python object of class %s", w);
		else if (nat->allocator[0] == '\0' || starts_with(nat->allocator, "__"))
			snprintf(buf, size, "Python %s", w);
		else if (nat->grows_existing)
			snprintf(buf, size, "storage of a Python %s (%s)", w, nat->allocator);
		else
			snprintf(buf, size, "Python %s (%s)", w, nat->allocator);
		break;
	}
	default:
		snprintf(buf, size, "unknown");
		break;
	}
}

int nature_is_release_function(const char *fn)
{
	static const char *const exact[] = {
		"free", "cfree", "PyMem_Free", "PyMem_RawFree", "PyObject_Free", "PyObject_GC_Del",
		"PyMem_Del", "PyObject_Del", "PyMem_FREE", "PyObject_FREE", "g_free", NULL,
	};
	static const char *const suffixes[] = {
		"_free", "Free", "_destroy", "_release", "_unref", "_dispose", "_delete", NULL,
	};
	if (fn == NULL)
		return 0;
	if (in_list(fn, exact))
		return 1;
	size_t n = strlen(fn);
	for (size_t i = 0; suffixes[i] != NULL; i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(fn + n - m, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}
