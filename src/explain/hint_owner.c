/*
 * hint_owner.c — the ownership rules of the hint analysis (hint.h, issue 13):
 * the functions it knows (harmless C calls, references stolen, Py_INCREF
 * and Py_DECREF, C-level names of a .pyx) and what one statement does to
 * the variable that holds the block (frees it, stores it, returns it, …).
 */
#include <string.h>

#include "explain/hint_internal.h"

/* ---- known functions ---- */

const char *const hint_harmless_c[] = {
	"memset", "memcpy", "memmove", "memcmp", "memchr", "strcpy", "strncpy", "strcat",
	"strncat", "strlen", "strnlen", "strcmp", "strncmp", "strchr", "strrchr", "strstr",
	"strspn", "strcspn", "sprintf", "snprintf", "vsnprintf", "vsprintf", "printf",
	"fprintf", "puts", "fputs", "fwrite", "fread", "fgets", "read", "write", "sscanf",
	"atoi", "atol", "atof", "strtol", "strtoul", "strtoll", "strtoull", "strtod", "qsort",
	"bsearch", "assert", "sizeof", "len", "bzero", "explicit_bzero", NULL,
};

static const struct {
	const char *name;
	int arg;
} stealing[] = {
	{"PyList_SetItem", 2}, {"PyList_SET_ITEM", 2}, {"PyTuple_SetItem", 2},
	{"PyTuple_SET_ITEM", 2}, {"PyModule_AddObject", 2}, {"PyStructSequence_SetItem", 2},
	{"PyStructSequence_SET_ITEM", 2}, {"PyException_SetCause", 1},
	{"PyException_SetContext", 1},
};

static int steals(const char *fn, int arg)
{
	for (size_t i = 0; i < sizeof(stealing) / sizeof(stealing[0]); i++)
		if (strcmp(fn, stealing[i].name) == 0)
			return stealing[i].arg == arg ? 1 : -1;
	return 0;
}

static int is_python_api(const char *fn)
{
	return (strncmp(fn, "Py", 2) == 0 || strncmp(fn, "_Py", 3) == 0) && fn[2] != '\0';
}

int hint_is_decref(const char *fn)
{
	static const char *const names[] = {"Py_DECREF", "Py_XDECREF", "Py_CLEAR", "Py_DecRef",
					    "Py_XDecRef", NULL};
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(fn, names[i]) == 0)
			return 1;
	return 0;
}

static int is_incref(const char *fn)
{
	static const char *const names[] = {"Py_INCREF", "Py_XINCREF", "Py_IncRef", "Py_XIncRef",
					    NULL};
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(fn, names[i]) == 0)
			return 1;
	return 0;
}

/* A .pyx name known to be a C-level function (raises no Python exception). */
int hint_c_level(const struct hint_func *fn, const char *name)
{
	return hint_has_name(fn->c_functions, fn->n_c_functions, name) ||
	       nature_is_c_allocator(name) || nature_is_release_function(name) || is_incref(name) ||
	       hint_is_decref(name) ||
	       hint_is_any(&(tok_t){.text = (char *)name}, hint_harmless_c) ||
	       strcmp(name, "sizeof") == 0;
}

/* ---- what one statement does to the variable ---- */

/* Tokens [from, to) are the variable, possibly behind casts. */
static int only_var(const struct ctx *c, const tok_t *t, size_t from, size_t to, size_t i,
		    int *object_cast)
{
	if (i + 1 != to)
		return 0;
	if (object_cast != NULL)
		*object_cast = 0;
	size_t s = hint_strip_casts(t, i, c->fn->lang, object_cast);
	return s == from;
}

enum effect hint_classify_use(struct ctx *c, const struct hint_node *node, const tok_t *t,
			      size_t n, size_t i, char *target, size_t tsize)
{
	const tok_t *prev = i > 0 ? &t[i - 1] : NULL;
	const tok_t *next = i + 1 < n ? &t[i + 1] : NULL;
	int pyobj = c->mode == MODE_PYOBJ;
	if (prev != NULL && (hint_is(prev, ".") || hint_is(prev, "->") || hint_is(prev, "::")))
		return EF_NONE; /* a member of something else */
	if (hint_is(next, "=")) {
		if (i != 0 && !(c->fn->lang == HINT_LANG_PYX && hint_is(&t[0], "cdef")))
			return EF_UNSURE;
		size_t r = i + 2;
		if (r + 1 == n && hint_is_null_literal(&t[r]))
			return EF_REASSIGN_NULL;
		for (size_t k = r; k + 3 < n; k++)
			if (t[k].kind == HINT_TOK_IDENT && nature_is_c_allocator(t[k].text) == 2 &&
			    hint_is(&t[k + 1], "(") && hint_is(&t[k + 2], c->var) &&
			    (hint_is(&t[k + 3], ",") || hint_is(&t[k + 3], ")")))
				return EF_REALLOC_SELF;
		return EF_REASSIGN;
	}
	if (pyobj) {
		size_t f, as, ae;
		int arg;
		if (hint_enclosing_call(t, n, i, &f, &arg, &as, &ae) && only_var(c, t, as, ae, i, NULL)) {
			if (is_incref(t[f].text))
				return EF_INCREF;
			if (hint_is_decref(t[f].text))
				return EF_DECREF;
		}
		return EF_HARMLESS;
	}
	if (hint_is(next, "[") || hint_is(next, "->") || hint_is(next, "."))
		return EF_HARMLESS;
	if (prev != NULL && hint_is(prev, "sizeof"))
		return EF_HARMLESS;
	int unary_prev = prev != NULL &&
			 (i < 2 || hint_is_comparison(&t[i - 2]) || hint_is(&t[i - 2], "=") ||
			  hint_is(&t[i - 2], "(") || hint_is(&t[i - 2], ",") ||
			  hint_is(&t[i - 2], "return") || hint_is_open(&t[i - 2]));
	if (prev != NULL && hint_is(prev, "*") && unary_prev)
		return EF_HARMLESS;
	if (prev != NULL && hint_is(prev, "&") && unary_prev)
		return EF_UNSURE;
	if (prev != NULL && (hint_is(prev, "delete") ||
			     (hint_is(prev, "]") && i >= 3 && hint_is(&t[i - 3], "delete"))))
		return c->mode == MODE_CPTR ? EF_RELEASE : EF_UNSURE;
	/* a direct argument of a call */
	size_t f, as, ae;
	int arg;
	if (hint_enclosing_call(t, n, i, &f, &arg, &as, &ae)) {
		const char *name = t[f].text;
		int object_cast = 0;
		int direct = only_var(c, t, as, ae, i, &object_cast);
		if (direct && c->mode == MODE_PYREF && object_cast) {
			c->object_cast_line = node->line;
			return EF_HARMLESS;
		}
		if (direct && c->mode == MODE_CPTR && nature_is_release_function(name))
			return EF_RELEASE;
		if (direct && hint_is_decref(name))
			return c->mode == MODE_PYREF ? EF_DECREF : EF_UNSURE;
		if (direct && is_incref(name))
			return c->mode == MODE_PYREF ? EF_INCREF : EF_UNSURE;
		if (direct && c->mode == MODE_PYREF) {
			int s = steals(name, arg);
			if (s == 1) {
				hint_copy_str(target, tsize, name);
				return EF_GIVEN;
			}
			if (s == 0 && is_python_api(name))
				return EF_HARMLESS;
		}
		if (hint_is_any(&t[f], hint_harmless_c))
			return EF_HARMLESS;
		if (c->mode == MODE_CPTR && is_python_api(name) &&
		    (strstr(name, "_From") != NULL || strncmp(name, "PyErr_", 6) == 0))
			return EF_HARMLESS; /* they copy the bytes */
		if (hint_is_comparison(next) || (prev != NULL && hint_is_comparison(prev)))
			return EF_HARMLESS;
		/* passed to a function: read it when its source is at hand */
		if (direct && c->mode == MODE_CPTR && c->frame != NULL && c->frame->lookup != NULL &&
		    c->fn->lang != HINT_LANG_CXX &&
		    !(f > 0 && (hint_is(&t[f - 1], ".") || hint_is(&t[f - 1], "->"))))
			return hint_pass_call(c, node, t, n, f, arg);
		return EF_UNSURE;
	}
	/* the value of an assignment or a return */
	int object_cast = 0;
	size_t s = hint_strip_casts(t, i, c->fn->lang, &object_cast);
	size_t end = n;
	while (end > 0 && hint_is(&t[end - 1], ";"))
		end--;
	if (i + 1 == end && s >= 2 && hint_is(&t[s - 1], "=")) {
		if (c->mode == MODE_PYREF && object_cast) {
			c->object_cast_line = node->line;
			return EF_HARMLESS;
		}
		size_t lhs_end = s - 1;
		int member = 0;
		for (size_t k = 0; k < lhs_end; k++)
			if (hint_is(&t[k], ".") || hint_is(&t[k], "->") || hint_is(&t[k], "["))
				member = 1;
		if (member || (lhs_end == 1 && hint_is_global_name(c->fn, &t[0]))) {
			hint_join_tokens(t, 0, lhs_end, target, tsize);
			return EF_STORE;
		}
		return EF_UNSURE; /* an alias */
	}
	if (node->kind == HINT_RETURN && s == 0 && i + 1 == end) {
		if (c->mode == MODE_PYREF && object_cast) {
			c->object_cast_line = node->line;
			return EF_HARMLESS; /* <object>p takes a reference of its own */
		}
		return EF_RETURN;
	}
	if ((next != NULL && hint_is_comparison(next)) ||
	    (prev != NULL && hint_is_comparison(prev)) || (n == 1) ||
	    (hint_is(prev, "(") && hint_is(next, ")") && n == 3))
		return EF_HARMLESS;
	return EF_UNSURE;
}
