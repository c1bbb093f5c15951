/*
 * hint.c — what the code around a leak does with the leaked block
 * (hint.h, issue 13).
 *
 * 1. The allocation: the statement at the culprit line that calls the
 *    callee (the frame above the culprit), and what takes its result: a
 *    local variable (`cdef double *p = <double *> malloc(n)`), a place that
 *    outlives the function (self.x, a global, s->f), the return value, or
 *    nothing (an expression statement, a comparison).
 * 2. For a variable, every path of the function is followed from the
 *    allocation to an exit (paths are enumerated: loops run 0, 1 or 2
 *    times, if/else both ways, switch from each case, goto forward to its
 *    label, try/except/finally as Python runs them; a `.pyx` statement that
 *    calls Python code may raise).  Each statement does one thing to the
 *    variable: frees it, releases or adds a reference, returns it, stores
 *    it, overwrites it, tests it against NULL (paths where it is NULL need
 *    no free), or uses it harmlessly.  Anything else — an alias, a call the
 *    analysis does not know, its address taken, an opaque statement — while
 *    the block is still owned ends the analysis without a hint.
 * 3. The verdict names what it found with line numbers: never freed,
 *    freed on some paths only (the exits that skip the free), overwritten,
 *    lost to a failed realloc, only skipped by an exception, stored where
 *    nothing frees it, or returned (then the caller's frame is read the
 *    same way).
 */
#include "explain/hint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void fmt(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(buf, size, format, ap);
	va_end(ap);
}

/* ---- construction ---- */

struct hint_func *hint_func_new(enum hint_lang lang)
{
	struct hint_func *fn = xcalloc(1, sizeof(*fn));
	fn->lang = lang;
	return fn;
}

static void free_names(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void hint_func_free(struct hint_func *fn)
{
	if (fn == NULL)
		return;
	for (size_t i = 0; i < fn->n_all; i++) {
		struct hint_node *node = fn->all[i];
		for (size_t j = 0; j < node->n_toks; j++)
			free(node->toks[j].text);
		free(node->toks);
		free(node->kids);
		free(node);
	}
	free(fn->all);
	for (size_t i = 0; i < fn->n_vars; i++)
		free(fn->vars[i].name);
	free(fn->vars);
	free_names(fn->globals, fn->n_globals);
	free_names(fn->c_functions, fn->n_c_functions);
	free(fn->name);
	free(fn->class_name);
	hint_func_free(fn->dealloc);
	free(fn);
}

struct hint_node *hint_node_new(struct hint_func *fn, enum hint_node_kind kind, unsigned line)
{
	struct hint_node *node = xcalloc(1, sizeof(*node));
	node->kind = kind;
	node->line = line;
	node->end_line = line;
	fn->all = xgrow(fn->all, &fn->all_cap, fn->n_all + 1, sizeof(*fn->all));
	fn->all[fn->n_all++] = node;
	return node;
}

void hint_node_add(struct hint_node *parent, struct hint_node *kid)
{
	parent->kids = xgrow(parent->kids, &parent->kids_cap, parent->n_kids + 1,
			     sizeof(*parent->kids));
	parent->kids[parent->n_kids++] = kid;
	if (kid->end_line > parent->end_line)
		parent->end_line = kid->end_line;
}

void hint_node_token(struct hint_node *node, const char *text, size_t len, unsigned line,
		     enum hint_tok_kind kind, char ref)
{
	node->toks = xgrow(node->toks, &node->toks_cap, node->n_toks + 1, sizeof(*node->toks));
	struct hint_token *t = &node->toks[node->n_toks++];
	t->text = xstrndup(text, len);
	t->line = line;
	t->kind = (unsigned char)kind;
	t->ref = ref;
	if (node->n_toks == 1 && (node->line == 0 || line < node->line))
		node->line = line;
	if (line > node->end_line)
		node->end_line = line;
}

void hint_func_var(struct hint_func *fn, const char *name, enum hint_var_type type)
{
	for (size_t i = 0; i < fn->n_vars; i++)
		if (strcmp(fn->vars[i].name, name) == 0) {
			if (type != HINT_VAR_OTHER)
				fn->vars[i].type = type;
			return;
		}
	fn->vars = xgrow(fn->vars, &fn->vars_cap, fn->n_vars + 1, sizeof(*fn->vars));
	fn->vars[fn->n_vars].name = xstrdup(name);
	fn->vars[fn->n_vars].type = type;
	fn->n_vars++;
}

void hint_func_name(char ***list, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], name) == 0)
			return;
	*list = xgrow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrdup(name);
}

static int has_name(char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

enum hint_var_type hint_func_var_type(const struct hint_func *fn, const char *name)
{
	for (size_t i = 0; i < fn->n_vars; i++)
		if (strcmp(fn->vars[i].name, name) == 0)
			return fn->vars[i].type;
	return HINT_VAR_OTHER;
}

static int is_declared(const struct hint_func *fn, const char *name)
{
	for (size_t i = 0; i < fn->n_vars; i++)
		if (strcmp(fn->vars[i].name, name) == 0)
			return 1;
	return 0;
}

/* ---- tokens ---- */

typedef struct hint_token tok_t;

static int is(const tok_t *t, const char *s)
{
	return t != NULL && strcmp(t->text, s) == 0;
}

static int is_any(const tok_t *t, const char *const *set)
{
	if (t == NULL)
		return 0;
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(t->text, set[i]) == 0)
			return 1;
	return 0;
}

static int is_open(const tok_t *t)
{
	return is(t, "(") || is(t, "[") || is(t, "{");
}

static int is_close(const tok_t *t)
{
	return is(t, ")") || is(t, "]") || is(t, "}");
}

/* Index of the bracket closing the one at i, or n. */
static size_t close_of(const tok_t *t, size_t n, size_t i)
{
	int depth = 0;
	for (size_t k = i; k < n; k++) {
		if (is_open(&t[k]))
			depth++;
		else if (is_close(&t[k]) && --depth == 0)
			return k;
	}
	return n;
}

/* Index of the bracket opening the one closing at i, or (size_t)-1. */
static size_t open_of(const tok_t *t, size_t i)
{
	int depth = 0;
	for (size_t k = i + 1; k-- > 0;) {
		if (is_close(&t[k]))
			depth++;
		else if (is_open(&t[k]) && --depth == 0)
			return k;
	}
	return (size_t)-1;
}

static int type_like(const tok_t *t)
{
	return t->kind == HINT_TOK_IDENT || t->kind == HINT_TOK_KEYWORD || is(t, "*") || is(t, "**") ||
	       is(t, "&") || is(t, "::") || is(t, ".");
}

/* The start of the casts right before index s: `<double *>` (.pyx),
 * `(char *)` (C).  *object_cast is set when one of them is <object>. */
static size_t strip_casts(const tok_t *t, size_t s, enum hint_lang lang, int *object_cast)
{
	for (;;) {
		if (s == 0)
			return s;
		if (lang == HINT_LANG_PYX && is(&t[s - 1], ">")) {
			size_t k = s - 1;
			while (k > 0 && !is(&t[k - 1], "<") && type_like(&t[k - 1]))
				k--;
			if (k == 0 || !is(&t[k - 1], "<") || k == s - 1)
				return s;
			if (object_cast != NULL && s - 1 - k == 1 && is(&t[k], "object"))
				*object_cast = 1;
			s = k - 1;
			continue;
		}
		if (lang != HINT_LANG_PYX && is(&t[s - 1], ")")) {
			size_t o = open_of(t, s - 1);
			if (o == (size_t)-1 || o + 1 == s - 1)
				return s;
			for (size_t k = o + 1; k < s - 1; k++)
				if (!type_like(&t[k]))
					return s;
			/* f(x) y is no cast; neither is sizeof(x) */
			if (o > 0 && (t[o - 1].kind == HINT_TOK_IDENT || is_close(&t[o - 1])))
				return s;
			s = o;
			continue;
		}
		return s;
	}
}

static int is_null_literal(const tok_t *t)
{
	static const char *const nulls[] = {"NULL", "0", "nullptr", "None", "0L", NULL};
	return is_any(t, nulls);
}

static int is_comparison(const tok_t *t)
{
	static const char *const ops[] = {"==", "!=", "<", ">", "<=", ">=", "is", "and", "or",
					  "&&", "||", "!", "not", "in", NULL};
	return is_any(t, ops);
}

/* "(anonymous namespace)::make(int)" → "make"; "hintfix.cyleaks.f" → "f". */
static void short_name(const char *name, char *buf, size_t size)
{
	if (name == NULL) {
		buf[0] = '\0';
		return;
	}
	char tmp[256];
	copy_str(tmp, sizeof(tmp), name);
	/* drop a parameter list, keeping operator names whole */
	if (strncmp(tmp, "operator", 8) != 0) {
		char *paren = strchr(tmp, '(');
		if (paren != NULL && paren != tmp)
			*paren = '\0';
	}
	const char *p = tmp;
	for (const char *q = tmp; *q != '\0'; q++) {
		if (q[0] == ':' && q[1] == ':')
			p = q + 2;
		else if (*q == '.')
			p = q + 1;
	}
	copy_str(buf, size, p);
}

/* ---- known functions ---- */

static const char *const harmless_c[] = {
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

static int is_decref(const char *fn)
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
static int c_level(const struct hint_func *fn, const char *name)
{
	return has_name(fn->c_functions, fn->n_c_functions, name) || nature_is_c_allocator(name) ||
	       nature_is_release_function(name) || is_incref(name) || is_decref(name) ||
	       is_any(&(tok_t){.text = (char *)name}, harmless_c) || strcmp(name, "sizeof") == 0;
}

/* ---- the allocation ---- */

enum form {
	FORM_UNKNOWN = 0,
	FORM_VAR,       /* a local variable receives it */
	FORM_STORE,     /* stored into a place that outlives the function */
	FORM_RETURN,    /* returned at once */
	FORM_DROP,      /* the result is discarded */
	FORM_COMPARED   /* the result is only compared or tested */
};

enum mode {
	MODE_CPTR = 0, /* a C/C++ pointer: free / delete */
	MODE_PYREF,    /* a PyObject * reference: Py_DECREF, stolen, returned */
	MODE_PYOBJ     /* a Cython-managed Python object: only Py_INCREF matters */
};

struct alloc {
	enum form form;
	const struct hint_node *node;
	size_t start, end;       /* the call's tokens [start, end] (casts excluded) */
	char var[64];            /* FORM_VAR: the receiver */
	char target[96];         /* FORM_STORE: "self.buf", "_last", "nd->data" */
	char target_base[64];    /* FORM_STORE: "self", "nd", or the global */
	int target_global;       /* the target is a global variable (or a field of one) */
	char callee[96];         /* the function as called in the source */
};

struct finder {
	unsigned line;
	const char *callee;
	const struct hint_node *best;
	size_t best_call;
	int fallback_count;
	const struct hint_node *fallback;
	size_t fallback_call;
};

static int node_has_tokens(const struct hint_node *n)
{
	switch (n->kind) {
	case HINT_SIMPLE:
	case HINT_IF:
	case HINT_LOOP:
	case HINT_SWITCH:
	case HINT_RETURN:
	case HINT_RAISE:
		return 1;
	default:
		return 0;
	}
}

static int is_known_allocator_name(const char *name)
{
	struct nature tmp;
	const char *fns[1] = {name};
	if (nature_is_c_allocator(name))
		return 1;
	return nature_of(fns, NULL, 1, NULL, &tmp) == 0 && tmp.family == NATURE_PYTHON &&
	       !tmp.grows_existing && strcmp(tmp.what, "object") != 0;
}

static void find_in(struct finder *f, const struct hint_node *n)
{
	if (node_has_tokens(n)) {
		int on_line = 0;
		for (size_t i = 0; i < n->n_toks; i++)
			if (n->toks[i].line == f->line)
				on_line = 1;
		if (on_line) {
			for (size_t i = 0; i < n->n_toks; i++) {
				const tok_t *t = &n->toks[i];
				int call = i + 1 < n->n_toks && is(&n->toks[i + 1], "(");
				if (f->callee != NULL && strcmp(f->callee, "new") == 0 && is(t, "new") &&
				    f->best == NULL) {
					f->best = n;
					f->best_call = i;
				} else if (call && f->callee != NULL && is(t, f->callee) &&
					   f->best == NULL) {
					f->best = n;
					f->best_call = i;
				} else if (call && t->kind == HINT_TOK_IDENT &&
					   is_known_allocator_name(t->text)) {
					if (f->fallback_count == 0 || f->fallback != n ||
					    f->fallback_call != i) {
						f->fallback_count++;
						f->fallback = n;
						f->fallback_call = i;
					}
				}
			}
			if (f->fallback == NULL && f->best == NULL && n->kind == HINT_SIMPLE) {
				f->fallback = n;
				f->fallback_call = (size_t)-1;
			}
		}
	}
	for (size_t i = 0; i < n->n_kids; i++)
		find_in(f, n->kids[i]);
}

/* The end of the expression starting at the call token i. */
static size_t call_end(const tok_t *t, size_t n, size_t i)
{
	if (is(&t[i], "new")) {
		size_t k = i + 1;
		while (k < n && !is(&t[k], ";") && !is(&t[k], ",") && !is_close(&t[k])) {
			if (is_open(&t[k]))
				k = close_of(t, n, k);
			k++;
		}
		return k - 1;
	}
	if (i + 1 < n && is(&t[i + 1], "("))
		return close_of(t, n, i + 1);
	return i;
}

/* The call that encloses token i as a direct argument: its name's index,
 * the argument's position, and the argument's bounds. */
static int enclosing_call(const tok_t *t, size_t n, size_t i, size_t *fn_idx, int *arg,
			  size_t *arg_start, size_t *arg_end)
{
	int depth = 0, commas = 0, found = 0;
	size_t start = i;
	for (size_t k = i; k-- > 0;) {
		if (is_close(&t[k])) {
			depth++;
		} else if (is_open(&t[k])) {
			if (depth == 0) {
				if (!is(&t[k], "(") || k == 0 || t[k - 1].kind != HINT_TOK_IDENT)
					return 0;
				*fn_idx = k - 1;
				found = 1;
				break;
			}
			depth--;
		} else if (depth == 0 && is(&t[k], ",")) {
			if (commas == 0)
				start = k + 1;
			commas++;
		}
	}
	if (!found)
		return 0;
	if (commas == 0)
		start = *fn_idx + 2;
	size_t close = close_of(t, n, *fn_idx + 1);
	size_t end = close;
	depth = 0;
	for (size_t q = i; q < close; q++) {
		if (is_open(&t[q]))
			depth++;
		else if (is_close(&t[q]))
			depth--;
		else if (depth == 0 && is(&t[q], ",")) {
			end = q;
			break;
		}
	}
	*arg = commas;
	*arg_start = start;
	*arg_end = end;
	return 1;
}

/* Tokens [from, to) as code is usually written: `f(a, b)`, `p->x[i]`. */
static void join_tokens(const tok_t *t, size_t from, size_t to, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t k = from; k < to && used + 1 < size; k++) {
		int glue = k == from;
		if (!glue) {
			const tok_t *a = &t[k - 1], *b = &t[k];
			glue = is(b, ".") || is(b, "->") || is(b, "[") || is(b, "]") || is(b, ")") ||
			       is(b, ",") || is(b, ";") || is(a, ".") || is(a, "->") || is(a, "[") ||
			       is(a, "(") || (is(b, "(") && (a->kind == HINT_TOK_IDENT || is_close(a))) ||
			       (is(a, "*") && k >= from + 2 && (is(&t[k - 2], "=") || is(&t[k - 2], "(")));
		}
		int w = snprintf(buf + used, size - used, "%s%s", glue ? "" : " ", t[k].text);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int is_global_name(const struct hint_func *fn, const tok_t *t)
{
	if (fn->lang == HINT_LANG_PYX)
		return has_name(fn->globals, fn->n_globals, t->text) && !is_declared(fn, t->text);
	return t->ref == 'g';
}

/* Reads what takes the call's result in its statement. */
static void classify_alloc(const struct hint_func *fn, struct alloc *a)
{
	const tok_t *t = a->node->toks;
	size_t n = a->node->n_toks;
	while (n > 0 && is(&t[n - 1], ";"))
		n--;
	int object_cast = 0;
	size_t s = strip_casts(t, a->start, fn->lang, &object_cast);
	size_t e = a->end;
	const tok_t *before = s > 0 ? &t[s - 1] : NULL;
	const tok_t *after = e + 1 < n ? &t[e + 1] : NULL;
	if ((after != NULL && is_comparison(after) && !is(after, "!") && !is(after, "not")) ||
	    (before != NULL && is_comparison(before)) ||
	    (a->node->kind == HINT_IF && s == 0 && after == NULL)) {
		a->form = FORM_COMPARED;
		return;
	}
	if (after != NULL) {
		size_t f, as, ae;
		int arg;
		if (enclosing_call(t, n, a->start, &f, &arg, &as, &ae) && as == s && ae == e + 1 &&
		    is_any(&t[f], harmless_c))
			a->form = FORM_DROP;
		return;
	}
	if (a->node->kind == HINT_RETURN && s == 0) {
		a->form = FORM_RETURN;
		return;
	}
	if (a->node->kind != HINT_SIMPLE)
		return;
	if (s == 0) {
		a->form = FORM_DROP;
		return;
	}
	if (!is(before, "="))
		return;
	size_t lhs_end = s - 1;
	if (lhs_end == 0)
		return;
	const tok_t *last = &t[lhs_end - 1];
	int member = 0, decl = 0;
	for (size_t k = 0; k < lhs_end; k++) {
		if (is(&t[k], ".") || is(&t[k], "->") || is(&t[k], "["))
			member = 1;
		if (is(&t[k], "=") || is(&t[k], ","))
			return; /* a = b = f(), a, b = … */
	}
	if (fn->lang == HINT_LANG_PYX && is(&t[0], "cdef"))
		decl = 1;
	else if (fn->lang != HINT_LANG_PYX && lhs_end >= 2 && !member) {
		decl = 1;
		for (size_t k = 0; k + 1 < lhs_end; k++)
			if (!type_like(&t[k]))
				decl = 0;
	}
	if ((decl || lhs_end == 1) && last->kind == HINT_TOK_IDENT && !member) {
		if (!decl && is_global_name(fn, last)) {
			a->form = FORM_STORE;
			a->target_global = 1;
			copy_str(a->target, sizeof(a->target), last->text);
			copy_str(a->target_base, sizeof(a->target_base), last->text);
			return;
		}
		a->form = FORM_VAR;
		copy_str(a->var, sizeof(a->var), last->text);
		return;
	}
	if (member && t[0].kind == HINT_TOK_IDENT && !decl) {
		a->form = FORM_STORE;
		join_tokens(t, 0, lhs_end, a->target, sizeof(a->target));
		copy_str(a->target_base, sizeof(a->target_base), t[0].text);
		a->target_global = is_global_name(fn, &t[0]);
	}
}

/* Finds the allocation at line; 0 when there is none to read. */
static int find_alloc(const struct hint_frame *fr, const struct nature *nat, struct alloc *a)
{
	memset(a, 0, sizeof(*a));
	char callee[96];
	short_name(fr->callee, callee, sizeof(callee));
	if (fr->callee != NULL &&
	    (strncmp(fr->callee, "operator new", 12) == 0 || strncmp(fr->callee, "_Znw", 4) == 0 ||
	     strncmp(fr->callee, "_Zna", 4) == 0))
		fmt(callee, sizeof(callee), "new");
	struct finder f = {fr->line, callee[0] != '\0' ? callee : NULL, NULL, 0, 0, NULL, 0};
	find_in(&f, fr->fn->body);
	if (f.best != NULL) {
		a->node = f.best;
		a->start = f.best_call;
	} else if (f.fallback != NULL && f.fallback_count == 1 && f.fallback_call != (size_t)-1) {
		a->node = f.fallback;
		a->start = f.fallback_call;
	} else if (f.fallback != NULL && f.fallback_call == (size_t)-1 && f.fallback_count == 0 &&
		   fr->fn->lang == HINT_LANG_PYX && nat->family == NATURE_PYTHON) {
		/* `items = [n, n + 1]`: Cython made the object; the name takes it */
		const struct hint_node *n = f.fallback;
		if (n->n_toks >= 3 && n->toks[0].kind == HINT_TOK_IDENT && is(&n->toks[1], "=")) {
			a->node = n;
			a->form = FORM_VAR;
			copy_str(a->var, sizeof(a->var), n->toks[0].text);
			if (is_global_name(fr->fn, &n->toks[0]))
				return 0;
			copy_str(a->callee, sizeof(a->callee), nat->what);
			return 1;
		}
		return 0;
	} else {
		return 0;
	}
	a->end = call_end(a->node->toks, a->node->n_toks, a->start);
	copy_str(a->callee, sizeof(a->callee), a->node->toks[a->start].text);
	classify_alloc(fr->fn, a);
	return a->form != FORM_UNKNOWN;
}

/* ---- paths ---- */

enum state { ST_BEFORE = 0, ST_OWNED, ST_NULL, ST_DONE };
enum how { HOW_NONE = 0, HOW_FREE, HOW_RETURN, HOW_STORE, HOW_GIVEN, HOW_LOST };
enum exit_kind { EX_END = 0, EX_RETURN, EX_RAISE, EX_EXC };

#define MAX_DECISIONS 12
#define MAX_PATHS 4096

struct path {
	unsigned char st, how, exc, exit;
	int refs;
	unsigned done_line;
	unsigned exit_line;
	unsigned goto_line;
	const char *goto_label;
	unsigned store_idx;
	const char *label;
	unsigned n_dec;
	struct {
		unsigned line;
		unsigned char taken;
	} dec[MAX_DECISIONS];
};

struct plist {
	struct path *v;
	size_t n, cap;
};

struct flow {
	struct plist next, brk, cont, ret, raise, jump;
};

#define MAX_RECORDS 8

struct ctx {
	const struct hint_func *fn;
	const char *var;
	enum mode mode;
	const struct alloc *alloc;
	int unsure;
	size_t n_paths;
	struct plist finished;
	unsigned overwrites[MAX_RECORDS];
	size_t n_overwrites;
	int overwrite_null;       /* the first overwrite sets it to NULL */
	unsigned loop_again;      /* the allocation ran again while owned */
	unsigned reallocs[MAX_RECORDS];
	size_t n_reallocs;
	unsigned object_cast_line;
	unsigned incref_line;
	char stores[4][96];
	int store_global[4];
	size_t n_stores;
	int nogil;
};

static void plist_push(struct ctx *c, struct plist *l, const struct path *p)
{
	if (++c->n_paths > MAX_PATHS) {
		c->unsure = 1;
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(&l->v[i], p, sizeof(*p)) == 0)
			return;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *p;
}

static void plist_append(struct ctx *c, struct plist *dst, const struct plist *src)
{
	for (size_t i = 0; i < src->n; i++)
		plist_push(c, dst, &src->v[i]);
}

static void plist_free(struct plist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void flow_free(struct flow *f)
{
	plist_free(&f->next);
	plist_free(&f->brk);
	plist_free(&f->cont);
	plist_free(&f->ret);
	plist_free(&f->raise);
	plist_free(&f->jump);
}

/* Appends the paths that leave src other than by falling through (breaks
 * too when with_break) to dst. */
static void flow_exits(struct ctx *c, struct flow *dst, const struct flow *src, int with_break)
{
	if (with_break)
		plist_append(c, &dst->brk, &src->brk);
	plist_append(c, &dst->cont, &src->cont);
	plist_append(c, &dst->ret, &src->ret);
	plist_append(c, &dst->raise, &src->raise);
	plist_append(c, &dst->jump, &src->jump);
}

/* Appends every list of src to dst (next to next, …). */
static void flow_merge(struct ctx *c, struct flow *dst, const struct flow *src)
{
	plist_append(c, &dst->next, &src->next);
	flow_exits(c, dst, src, 1);
}

static int holds(const struct ctx *c, const struct path *p)
{
	if (c->mode == MODE_PYOBJ)
		return p->st != ST_BEFORE && p->refs > 0;
	return p->st == ST_OWNED || (p->st != ST_BEFORE && p->refs > 0);
}

static void add_decision(struct path *p, unsigned line, int taken)
{
	if (p->st == ST_BEFORE || p->n_dec >= MAX_DECISIONS)
		return;
	p->dec[p->n_dec].line = line;
	p->dec[p->n_dec].taken = (unsigned char)taken;
	p->n_dec++;
}

static void record(unsigned *list, size_t *n, unsigned line)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == line)
			return;
	if (*n < MAX_RECORDS)
		list[(*n)++] = line;
}

/* ---- what one statement does to the variable ---- */

enum effect {
	EF_NONE = 0,
	EF_HARMLESS,
	EF_RELEASE,
	EF_INCREF,
	EF_DECREF,
	EF_STORE,
	EF_GIVEN,
	EF_REASSIGN_NULL,
	EF_REASSIGN,
	EF_REALLOC_SELF,
	EF_RETURN,
	EF_UNSURE
};

/* Tokens [from, to) are the variable, possibly behind casts. */
static int only_var(const struct ctx *c, const tok_t *t, size_t from, size_t to, size_t i,
		    int *object_cast)
{
	if (i + 1 != to)
		return 0;
	if (object_cast != NULL)
		*object_cast = 0;
	size_t s = strip_casts(t, i, c->fn->lang, object_cast);
	return s == from;
}

static enum effect classify_use(struct ctx *c, const struct hint_node *node, const tok_t *t,
				size_t n, size_t i, char *target, size_t tsize)
{
	const tok_t *prev = i > 0 ? &t[i - 1] : NULL;
	const tok_t *next = i + 1 < n ? &t[i + 1] : NULL;
	int pyobj = c->mode == MODE_PYOBJ;
	if (prev != NULL && (is(prev, ".") || is(prev, "->") || is(prev, "::")))
		return EF_NONE; /* a member of something else */
	if (is(next, "=")) {
		if (i != 0 && !(c->fn->lang == HINT_LANG_PYX && is(&t[0], "cdef")))
			return EF_UNSURE;
		size_t r = i + 2;
		if (r + 1 == n && is_null_literal(&t[r]))
			return EF_REASSIGN_NULL;
		for (size_t k = r; k + 3 < n; k++)
			if (t[k].kind == HINT_TOK_IDENT && nature_is_c_allocator(t[k].text) == 2 &&
			    is(&t[k + 1], "(") && is(&t[k + 2], c->var) &&
			    (is(&t[k + 3], ",") || is(&t[k + 3], ")")))
				return EF_REALLOC_SELF;
		return EF_REASSIGN;
	}
	if (pyobj) {
		size_t f, as, ae;
		int arg;
		if (enclosing_call(t, n, i, &f, &arg, &as, &ae) && only_var(c, t, as, ae, i, NULL)) {
			if (is_incref(t[f].text))
				return EF_INCREF;
			if (is_decref(t[f].text))
				return EF_DECREF;
		}
		return EF_HARMLESS;
	}
	if (is(next, "[") || is(next, "->") || is(next, "."))
		return EF_HARMLESS;
	if (prev != NULL && is(prev, "sizeof"))
		return EF_HARMLESS;
	int unary_prev = prev != NULL && (i < 2 || is_comparison(&t[i - 2]) || is(&t[i - 2], "=") ||
					  is(&t[i - 2], "(") || is(&t[i - 2], ",") ||
					  is(&t[i - 2], "return") || is_open(&t[i - 2]));
	if (prev != NULL && is(prev, "*") && unary_prev)
		return EF_HARMLESS;
	if (prev != NULL && is(prev, "&") && unary_prev)
		return EF_UNSURE;
	if (prev != NULL && (is(prev, "delete") || (is(prev, "]") && i >= 3 && is(&t[i - 3], "delete"))))
		return c->mode == MODE_CPTR ? EF_RELEASE : EF_UNSURE;
	/* a direct argument of a call */
	size_t f, as, ae;
	int arg;
	if (enclosing_call(t, n, i, &f, &arg, &as, &ae)) {
		const char *name = t[f].text;
		int object_cast = 0;
		int direct = only_var(c, t, as, ae, i, &object_cast);
		if (direct && c->mode == MODE_PYREF && object_cast) {
			c->object_cast_line = node->line;
			return EF_HARMLESS;
		}
		if (direct && c->mode == MODE_CPTR && nature_is_release_function(name))
			return EF_RELEASE;
		if (direct && is_decref(name))
			return c->mode == MODE_PYREF ? EF_DECREF : EF_UNSURE;
		if (direct && is_incref(name))
			return c->mode == MODE_PYREF ? EF_INCREF : EF_UNSURE;
		if (direct && c->mode == MODE_PYREF) {
			int s = steals(name, arg);
			if (s == 1) {
				copy_str(target, tsize, name);
				return EF_GIVEN;
			}
			if (s == 0 && is_python_api(name))
				return EF_HARMLESS;
		}
		if (is_any(&t[f], harmless_c))
			return EF_HARMLESS;
		if (c->mode == MODE_CPTR && is_python_api(name) &&
		    (strstr(name, "_From") != NULL || strncmp(name, "PyErr_", 6) == 0))
			return EF_HARMLESS; /* they copy the bytes */
		if (is_comparison(next) || (prev != NULL && is_comparison(prev)))
			return EF_HARMLESS;
		return EF_UNSURE;
	}
	/* the value of an assignment or a return */
	int object_cast = 0;
	size_t s = strip_casts(t, i, c->fn->lang, &object_cast);
	size_t end = n;
	while (end > 0 && is(&t[end - 1], ";"))
		end--;
	if (i + 1 == end && s >= 2 && is(&t[s - 1], "=")) {
		if (c->mode == MODE_PYREF && object_cast) {
			c->object_cast_line = node->line;
			return EF_HARMLESS;
		}
		size_t lhs_end = s - 1;
		int member = 0;
		for (size_t k = 0; k < lhs_end; k++)
			if (is(&t[k], ".") || is(&t[k], "->") || is(&t[k], "["))
				member = 1;
		if (member || (lhs_end == 1 && is_global_name(c->fn, &t[0]))) {
			join_tokens(t, 0, lhs_end, target, tsize);
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
	if ((next != NULL && is_comparison(next)) || (prev != NULL && is_comparison(prev)) ||
	    (n == 1) || (is(prev, "(") && is(next, ")") && n == 3))
		return EF_HARMLESS;
	return EF_UNSURE;
}

/* ---- null tests ---- */

enum implies { IMP_UNKNOWN = 0, IMP_NULL, IMP_NONNULL };

/* What the condition being true / false says about the variable. */
static void null_test(const struct ctx *c, const tok_t *t, size_t n, enum implies *when_true,
		      enum implies *when_false)
{
	*when_true = *when_false = IMP_UNKNOWN;
	while (n >= 2 && is(&t[0], "(") && close_of(t, n, 0) == n - 1) {
		t++;
		n -= 2;
	}
	const char *v = c->var;
	/* (v = …) == NULL: an assignment inside the test */
	if (n >= 3 && is(&t[0], "(") && is(&t[1], v) && is(&t[2], "=")) {
		size_t k = close_of(t, n, 0);
		if (k == n - 1) {
			*when_true = IMP_NONNULL;
			*when_false = IMP_NULL;
			return;
		}
		if (k + 2 == n - 1 && is_null_literal(&t[n - 1])) {
			int eq = is(&t[k + 1], "==");
			if (eq || is(&t[k + 1], "!=")) {
				*when_true = eq ? IMP_NULL : IMP_NONNULL;
				*when_false = eq ? IMP_NONNULL : IMP_NULL;
			}
		}
		return;
	}
	if (n == 1 && is(&t[0], v)) {
		*when_true = IMP_NONNULL;
		*when_false = IMP_NULL;
		return;
	}
	if (n == 2 && (is(&t[0], "!") || is(&t[0], "not")) && is(&t[1], v)) {
		*when_true = IMP_NULL;
		*when_false = IMP_NONNULL;
		return;
	}
	if (n == 3 && (is(&t[0], v) || is(&t[2], v)) &&
	    (is_null_literal(&t[0]) || is_null_literal(&t[2]))) {
		int eq = is(&t[1], "==") || is(&t[1], "is");
		if (eq || is(&t[1], "!=")) {
			*when_true = eq ? IMP_NULL : IMP_NONNULL;
			*when_false = eq ? IMP_NONNULL : IMP_NULL;
		}
		return;
	}
	if (n == 4 && is(&t[0], v) && is(&t[1], "is") && is(&t[2], "not") &&
	    is_null_literal(&t[3])) {
		*when_true = IMP_NONNULL;
		*when_false = IMP_NULL;
		return;
	}
	/* v && …, v != NULL && …: true says non-NULL */
	if (n > 2 && is(&t[0], v) && (is(&t[1], "&&") || is(&t[1], "and")))
		*when_true = IMP_NONNULL;
}

/* Applies what the test says; 0 when the path cannot take this branch. */
static int assume(struct path *p, enum implies imp)
{
	if (imp == IMP_NULL && p->st == ST_OWNED)
		p->st = ST_NULL;
	else if (imp == IMP_NONNULL && p->st == ST_NULL)
		return 0;
	return 1;
}

/* ---- executing the tree ---- */

static void exec_node(struct ctx *c, const struct hint_node *n, const struct plist *in,
		      struct flow *out);

/* 1 when a .pyx statement may raise: it calls something that is not a C
 * function, or raises. */
static int may_raise(const struct ctx *c, const tok_t *t, size_t n)
{
	if (c->fn->lang != HINT_LANG_PYX || c->nogil)
		return 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!is(&t[i + 1], "("))
			continue;
		if (t[i].kind == HINT_TOK_IDENT && !c_level(c->fn, t[i].text) &&
		    !(i > 0 && is(&t[i - 1], "<")))
			return 1;
	}
	return 0;
}

/* The statement's effects on one path.  Returns 0 when the path ends here
 * (never: kept for symmetry), 1 to go on. */
static void apply_tokens(struct ctx *c, const struct hint_node *node, const tok_t *t, size_t n,
			 struct path *p, struct flow *out)
{
	if (node == c->alloc->node) {
		if (p->st == ST_OWNED && c->mode != MODE_PYOBJ)
			c->loop_again = node->line;
		p->st = ST_OWNED;
		p->refs = 0;
		p->how = HOW_NONE;
		return;
	}
	if (p->st == ST_BEFORE)
		return;
	if (holds(c, p) && may_raise(c, t, n)) {
		struct path e = *p;
		e.exc = 1;
		e.exit_line = node->line;
		plist_push(c, &out->raise, &e);
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].kind != HINT_TOK_IDENT || strcmp(t[i].text, c->var) != 0)
			continue;
		char target[96] = "";
		enum effect ef = classify_use(c, node, t, n, i, target, sizeof(target));
		switch (ef) {
		case EF_NONE:
		case EF_HARMLESS:
			break;
		case EF_RELEASE:
			if (p->st == ST_OWNED) {
				p->st = ST_DONE;
				p->how = HOW_FREE;
				p->done_line = node->line;
			}
			break;
		case EF_INCREF:
			p->refs++;
			c->incref_line = node->line;
			break;
		case EF_DECREF:
			if (p->refs > 0) {
				p->refs--;
			} else if (p->st == ST_OWNED && c->mode == MODE_PYREF) {
				p->st = ST_DONE;
				p->how = HOW_FREE;
				p->done_line = node->line;
			}
			break;
		case EF_STORE:
		case EF_GIVEN:
			if (p->st == ST_OWNED) {
				p->st = ST_DONE;
				p->how = ef == EF_STORE ? HOW_STORE : HOW_GIVEN;
				p->done_line = node->line;
				if (ef == EF_STORE) {
					size_t k = 0;
					while (k < c->n_stores && strcmp(c->stores[k], target) != 0)
						k++;
					if (k == c->n_stores && k < 4) {
						fmt(c->stores[k], sizeof(c->stores[0]), "%s",
							 target);
						c->store_global[k] = t[0].kind == HINT_TOK_IDENT &&
								     is_global_name(c->fn, &t[0]);
						c->n_stores++;
					}
					p->store_idx = (unsigned)k;
				}
			}
			break;
		case EF_REASSIGN_NULL:
		case EF_REASSIGN:
			if (p->st == ST_OWNED && c->n_overwrites == 0)
				c->overwrite_null = ef == EF_REASSIGN_NULL;
			if (p->st == ST_OWNED)
				record(c->overwrites, &c->n_overwrites, node->line);
			if (p->st == ST_OWNED) {
				p->st = ST_DONE;
				p->how = HOW_LOST;
			} else if (p->st == ST_NULL) {
				p->st = ST_DONE;
				p->how = HOW_LOST;
			}
			return;
		case EF_REALLOC_SELF:
			if (p->st == ST_OWNED) {
				record(c->reallocs, &c->n_reallocs, node->line);
				p->st = ST_DONE;
				p->how = HOW_LOST;
			}
			return;
		case EF_RETURN:
			if (p->st == ST_OWNED) {
				p->st = ST_DONE;
				p->how = HOW_RETURN;
				p->done_line = node->line;
			}
			break;
		case EF_UNSURE:
			if (holds(c, p))
				c->unsure = 1;
			break;
		}
	}
}

static void exec_simple(struct ctx *c, const struct hint_node *n, const struct plist *in,
			struct flow *out)
{
	for (size_t i = 0; i < in->n && !c->unsure; i++) {
		struct path p = in->v[i];
		apply_tokens(c, n, n->toks, n->n_toks, &p, out);
		plist_push(c, &out->next, &p);
	}
}

static void exec_if(struct ctx *c, const struct hint_node *n, const struct plist *in,
		    struct flow *out)
{
	struct plist yes = {0}, no = {0};
	enum implies when_true, when_false;
	null_test(c, n->toks, n->n_toks, &when_true, &when_false);
	int null_check = when_true != IMP_UNKNOWN || when_false != IMP_UNKNOWN;
	for (size_t i = 0; i < in->n && !c->unsure; i++) {
		struct path p = in->v[i];
		struct flow scratch = {0};
		apply_tokens(c, n, n->toks, n->n_toks, &p, &scratch);
		plist_append(c, &out->raise, &scratch.raise);
		flow_free(&scratch);
		struct path a = p, b = p;
		if (!null_check) {
			add_decision(&a, n->line, 1);
			add_decision(&b, n->line, 0);
		}
		if (assume(&a, when_true))
			plist_push(c, &yes, &a);
		if (assume(&b, when_false))
			plist_push(c, &no, &b);
	}
	struct flow f = {0};
	if (n->n_kids > 0)
		exec_node(c, n->kids[0], &yes, &f);
	else
		plist_append(c, &f.next, &yes);
	flow_merge(c, out, &f);
	flow_free(&f);
	memset(&f, 0, sizeof(f));
	if (n->n_kids > 1)
		exec_node(c, n->kids[1], &no, &f);
	else
		plist_append(c, &f.next, &no);
	flow_merge(c, out, &f);
	flow_free(&f);
	plist_free(&yes);
	plist_free(&no);
}

static int infinite_loop(const struct hint_node *n)
{
	if (n->n_toks == 1 && (is(&n->toks[0], "True") || is(&n->toks[0], "1")))
		return 1;
	for (size_t i = 0; i < n->n_toks; i++)
		if (!is(&n->toks[i], ";"))
			return 0;
	return n->n_toks > 0;
}

static void exec_loop(struct ctx *c, const struct hint_node *n, const struct plist *in,
		      struct flow *out)
{
	struct plist start = {0}, exits = {0}, cur = {0};
	for (size_t i = 0; i < in->n && !c->unsure; i++) {
		struct path p = in->v[i];
		/* the header: loop variables and conditions only read */
		if (n == c->alloc->node) {
			struct flow scratch = {0};
			apply_tokens(c, n, n->toks, n->n_toks, &p, &scratch);
			flow_free(&scratch);
		}
		plist_push(c, &start, &p);
	}
	int forever = infinite_loop(n);
	if (!forever)
		plist_append(c, &exits, &start);
	plist_append(c, &cur, &start);
	for (int iter = 0; iter < 2 && n->n_kids > 0 && !c->unsure; iter++) {
		struct flow f = {0};
		exec_node(c, n->kids[0], &cur, &f);
		plist_free(&cur);
		plist_append(c, &cur, &f.next);
		plist_append(c, &cur, &f.cont);
		if (!forever)
			plist_append(c, &exits, &cur);
		plist_append(c, &out->next, &f.brk);
		plist_append(c, &out->ret, &f.ret);
		plist_append(c, &out->raise, &f.raise);
		plist_append(c, &out->jump, &f.jump);
		flow_free(&f);
	}
	if (n->n_kids > 1) {
		struct flow f = {0};
		exec_node(c, n->kids[1], &exits, &f);
		flow_merge(c, out, &f);
		flow_free(&f);
	} else {
		plist_append(c, &out->next, &exits);
	}
	plist_free(&start);
	plist_free(&exits);
	plist_free(&cur);
}

static size_t label_index(const struct hint_node *block, const char *label, size_t *found)
{
	for (size_t k = 0; k < block->n_kids; k++) {
		const struct hint_node *kid = block->kids[k];
		if (kid->kind == HINT_LABEL && kid->n_toks > 0 && is(&kid->toks[0], label)) {
			*found = 1;
			return k;
		}
	}
	*found = 0;
	return 0;
}

/* Runs a block's statements; pending[k] holds paths that enter at k (goto
 * targets, switch cases); `in` enters at 0 (may be NULL). */
static void exec_block_from(struct ctx *c, const struct hint_node *block, const struct plist *in,
			    struct plist *pending, struct flow *out)
{
	struct plist cur = {0};
	if (in != NULL)
		plist_append(c, &cur, in);
	for (size_t k = 0; k < block->n_kids && !c->unsure; k++) {
		plist_append(c, &cur, &pending[k]);
		struct flow f = {0};
		exec_node(c, block->kids[k], &cur, &f);
		plist_free(&cur);
		plist_append(c, &cur, &f.next);
		for (size_t j = 0; j < f.jump.n; j++) {
			struct path p = f.jump.v[j];
			size_t found;
			size_t at = label_index(block, p.label, &found);
			if (!found) {
				plist_push(c, &out->jump, &p);
			} else if (at > k) {
				p.label = NULL;
				plist_push(c, &pending[at], &p);
			} else if (p.st != ST_BEFORE) {
				c->unsure = 1; /* a backward goto */
			}
		}
		plist_append(c, &out->brk, &f.brk);
		plist_append(c, &out->cont, &f.cont);
		plist_append(c, &out->ret, &f.ret);
		plist_append(c, &out->raise, &f.raise);
		flow_free(&f);
	}
	plist_append(c, &out->next, &cur);
	plist_free(&cur);
}

static void exec_block(struct ctx *c, const struct hint_node *block, const struct plist *in,
		       struct flow *out)
{
	struct plist *pending = xcalloc(block->n_kids + 1, sizeof(*pending));
	int saved = c->nogil;
	if (block->nogil)
		c->nogil = 1;
	exec_block_from(c, block, in, pending, out);
	c->nogil = saved;
	for (size_t k = 0; k <= block->n_kids; k++)
		plist_free(&pending[k]);
	free(pending);
}

static void exec_switch(struct ctx *c, const struct hint_node *n, const struct plist *in,
			struct flow *out)
{
	if (n->n_kids == 0 || n->kids[0]->kind != HINT_BLOCK) {
		plist_append(c, &out->next, in);
		return;
	}
	const struct hint_node *body = n->kids[0];
	struct plist *pending = xcalloc(body->n_kids + 1, sizeof(*pending));
	int has_default = 0;
	struct plist entered = {0};
	for (size_t i = 0; i < in->n; i++) {
		struct path p = in->v[i];
		struct flow scratch = {0};
		apply_tokens(c, n, n->toks, n->n_toks, &p, &scratch);
		flow_free(&scratch);
		plist_push(c, &entered, &p);
	}
	for (size_t k = 0; k < body->n_kids; k++) {
		if (body->kids[k]->kind != HINT_CASE)
			continue;
		if (body->kids[k]->n_toks > 0 && is(&body->kids[k]->toks[0], "default"))
			has_default = 1;
		for (size_t i = 0; i < entered.n; i++) {
			struct path p = entered.v[i];
			add_decision(&p, body->kids[k]->line, 1);
			plist_push(c, &pending[k], &p);
		}
	}
	struct flow f = {0};
	exec_block_from(c, body, NULL, pending, &f);
	plist_append(c, &out->next, &f.next);
	plist_append(c, &out->next, &f.brk);
	flow_exits(c, out, &f, 0);
	flow_free(&f);
	if (!has_default)
		plist_append(c, &out->next, &entered);
	for (size_t k = 0; k <= body->n_kids; k++)
		plist_free(&pending[k]);
	free(pending);
	plist_free(&entered);
}

/* Runs `finally` over the paths of one kind; its fall-through goes on as
 * that kind. */
static void through_finally(struct ctx *c, const struct hint_node *fin, const struct plist *in,
			    struct plist *as, struct flow *out)
{
	if (in->n == 0)
		return;
	struct flow f = {0};
	exec_node(c, fin, in, &f);
	plist_append(c, as, &f.next);
	flow_exits(c, out, &f, 1);
	flow_free(&f);
}

static void exec_try(struct ctx *c, const struct hint_node *n, const struct plist *in,
		     struct flow *out)
{
	struct flow body = {0}, mid = {0};
	const struct hint_node *fin = NULL, *els = NULL;
	if (n->n_kids > 0)
		exec_node(c, n->kids[0], in, &body);
	int catch_all = 0;
	for (size_t k = 1; k < n->n_kids; k++) {
		const struct hint_node *h = n->kids[k];
		if (h->kind == HINT_FINALLY) {
			fin = h;
		} else if (h->kind == HINT_ELSE) {
			els = h;
		} else if (h->kind == HINT_EXCEPT) {
			if (h->n_toks == 0 || is(&h->toks[0], "BaseException") ||
			    is(&h->toks[0], "Exception"))
				catch_all = 1;
			struct plist caught = {0};
			for (size_t i = 0; i < body.raise.n; i++) {
				struct path p = body.raise.v[i];
				p.exc = 0;
				add_decision(&p, h->line, 1);
				plist_push(c, &caught, &p);
			}
			struct flow f = {0};
			exec_node(c, h, &caught, &f);
			flow_merge(c, &mid, &f);
			flow_free(&f);
			plist_free(&caught);
		}
	}
	if (!catch_all)
		plist_append(c, &mid.raise, &body.raise);
	if (els != NULL) {
		struct flow f = {0};
		exec_node(c, els, &body.next, &f);
		flow_merge(c, &mid, &f);
		flow_free(&f);
	} else {
		plist_append(c, &mid.next, &body.next);
	}
	plist_append(c, &mid.brk, &body.brk);
	plist_append(c, &mid.cont, &body.cont);
	plist_append(c, &mid.ret, &body.ret);
	plist_append(c, &mid.jump, &body.jump);
	flow_free(&body);
	if (fin == NULL) {
		flow_merge(c, out, &mid);
	} else {
		through_finally(c, fin, &mid.next, &out->next, out);
		through_finally(c, fin, &mid.brk, &out->brk, out);
		through_finally(c, fin, &mid.cont, &out->cont, out);
		through_finally(c, fin, &mid.ret, &out->ret, out);
		through_finally(c, fin, &mid.raise, &out->raise, out);
		through_finally(c, fin, &mid.jump, &out->jump, out);
	}
	flow_free(&mid);
}

static void exec_exit(struct ctx *c, const struct hint_node *n, const struct plist *in,
		      struct plist *to)
{
	for (size_t i = 0; i < in->n && !c->unsure; i++) {
		struct path p = in->v[i];
		struct flow scratch = {0};
		apply_tokens(c, n, n->toks, n->n_toks, &p, &scratch);
		flow_free(&scratch); /* raising while raising: the same exit */
		p.exit_line = n->line;
		p.exc = 0;
		plist_push(c, to, &p);
	}
}

static void exec_node(struct ctx *c, const struct hint_node *n, const struct plist *in,
		      struct flow *out)
{
	if (c->unsure || in->n == 0)
		return;
	switch (n->kind) {
	case HINT_BLOCK:
		exec_block(c, n, in, out);
		break;
	case HINT_EXCEPT:
	case HINT_ELSE:
	case HINT_FINALLY:
		if (n->n_kids > 0)
			exec_node(c, n->kids[0], in, out);
		else
			plist_append(c, &out->next, in);
		break;
	case HINT_SIMPLE:
		exec_simple(c, n, in, out);
		break;
	case HINT_IF:
		exec_if(c, n, in, out);
		break;
	case HINT_LOOP:
		exec_loop(c, n, in, out);
		break;
	case HINT_SWITCH:
		exec_switch(c, n, in, out);
		break;
	case HINT_TRY:
		exec_try(c, n, in, out);
		break;
	case HINT_RETURN:
		exec_exit(c, n, in, &out->ret);
		break;
	case HINT_RAISE:
		exec_exit(c, n, in, &out->raise);
		break;
	case HINT_BREAK:
		plist_append(c, &out->brk, in);
		break;
	case HINT_CONTINUE:
		plist_append(c, &out->cont, in);
		break;
	case HINT_GOTO:
		for (size_t i = 0; i < in->n; i++) {
			struct path p = in->v[i];
			p.label = n->n_toks > 0 ? n->toks[0].text : "";
			if (holds(c, &p)) {
				p.goto_line = n->line;
				p.goto_label = p.label;
			}
			plist_push(c, &out->jump, &p);
		}
		break;
	case HINT_CASE:
	case HINT_LABEL:
		plist_append(c, &out->next, in);
		break;
	case HINT_OPAQUE:
		for (size_t i = 0; i < in->n; i++)
			if (holds(c, &in->v[i]))
				c->unsure = 1;
		plist_append(c, &out->next, in);
		break;
	}
}

static void finish(struct ctx *c, const struct plist *l, enum exit_kind kind, unsigned line)
{
	for (size_t i = 0; i < l->n; i++) {
		struct path p = l->v[i];
		if (p.st == ST_BEFORE)
			continue;
		p.exit = (unsigned char)(kind == EX_RAISE && p.exc ? EX_EXC : kind);
		if (kind == EX_END)
			p.exit_line = line;
		plist_push(c, &c->finished, &p);
	}
}

/* Runs the whole function; 0 when the analysis gave up. */
static int run(struct ctx *c)
{
	struct plist start = {0};
	struct path p0;
	memset(&p0, 0, sizeof(p0));
	plist_push(c, &start, &p0);
	struct flow f = {0};
	exec_node(c, c->fn->body, &start, &f);
	for (size_t i = 0; i < f.jump.n; i++)
		if (f.jump.v[i].st != ST_BEFORE)
			c->unsure = 1;
	finish(c, &f.next, EX_END, c->fn->last_line);
	finish(c, &f.ret, EX_RETURN, 0);
	finish(c, &f.raise, EX_RAISE, 0);
	flow_free(&f);
	plist_free(&start);
	return !c->unsure;
}

/* ---- the verdict ---- */

struct text {
	char *buf;
	size_t size, used;
};

static void say(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *format, ...)
{
	if (t->used >= t->size)
		return;
	va_list ap;
	va_start(ap, format);
	int n = vsnprintf(t->buf + t->used, t->size - t->used, format, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n < t->size - t->used ? (size_t)n : t->size - t->used - 1;
}

static void evidence(struct hint_result *r, int frame, unsigned line)
{
	if (line == 0)
		return;
	for (size_t i = 0; i < r->n_evidence; i++)
		if (r->evidence[i].frame == frame && r->evidence[i].line == line)
			return;
	if (r->n_evidence < HINT_MAX_EVIDENCE) {
		r->evidence[r->n_evidence].frame = frame;
		r->evidence[r->n_evidence].line = line;
		r->n_evidence++;
	}
}

static void func_label(const struct hint_func *fn, char *buf, size_t size)
{
	if (fn->class_name != NULL)
		fmt(buf, size, "%s.%s", fn->class_name, fn->name);
	else
		copy_str(buf, size, fn->name != NULL ? fn->name : "?");
}

/* Words for what releasing means in this mode. */
struct words {
	const char *freed;    /* "freed" */
	const char *release;  /* "free" (noun: "skips the free") */
	const char *never;    /* "neither freed nor returned" */
};

static struct words words_for(const struct ctx *c, const struct nature *nat)
{
	struct words w = {"freed", "free", "neither freed nor returned"};
	if (c->mode == MODE_PYREF) {
		w.freed = "released";
		w.release = "Py_DECREF";
		w.never = "neither released (Py_DECREF) nor returned";
	} else if (nat->family == NATURE_CXX) {
		w.freed = "deleted";
		w.release = "delete";
		w.never = "neither deleted nor returned";
	}
	return w;
}

/* The function that frees what nat's allocator made. */
static const char *free_function(const struct nature *nat)
{
	if (strncmp(nat->allocator, "PyMem_Raw", 9) == 0)
		return "PyMem_RawFree";
	if (strncmp(nat->allocator, "PyMem_", 6) == 0)
		return "PyMem_Free";
	if (strncmp(nat->allocator, "PyObject_", 9) == 0)
		return "PyObject_Free";
	return "free";
}

static void advice_never(const struct ctx *c, const struct nature *nat, struct text *t)
{
	const char *f = free_function(nat);
	int plain = strcmp(f, "free") == 0;
	if (c->mode == MODE_PYREF)
		say(t, "; release it with Py_DECREF when done");
	else if (nat->family == NATURE_CXX)
		say(t, "%s", strcmp(nat->what, "array") == 0
				     ? "; delete[] it (or hold it in a std::vector or std::unique_ptr)"
				     : "; delete it (or hold it in a std::unique_ptr)");
	else if (c->fn->lang == HINT_LANG_PYX)
		say(t, "; free it%s%s in a `try`/`finally`", plain ? "" : " with ", plain ? "" : f);
	else
		say(t, "; free it%s%s before the function returns", plain ? "" : " with ",
		    plain ? "" : f);
}

/* 1 when a path that releases the block also leaves through line. */
static int shared_exit(const struct ctx *c, unsigned line, unsigned char kind)
{
	for (size_t j = 0; j < c->finished.n; j++) {
		const struct path *q = &c->finished.v[j];
		if (!holds(c, q) && q->st == ST_DONE && q->exit == kind && q->exit_line == line)
			return 1;
	}
	return 0;
}

/* A decision on the leaking path whose other branch some releasing path
 * took. */
static int telling_decision(const struct ctx *c, const struct path *leak, unsigned *line,
			    int *taken)
{
	for (unsigned d = 0; d < leak->n_dec; d++) {
		for (size_t j = 0; j < c->finished.n; j++) {
			const struct path *q = &c->finished.v[j];
			if (holds(c, q) || q->st != ST_DONE)
				continue;
			for (unsigned e = 0; e < q->n_dec; e++)
				if (q->dec[e].line == leak->dec[d].line &&
				    q->dec[e].taken != leak->dec[d].taken) {
					*line = leak->dec[d].line;
					*taken = leak->dec[d].taken;
					return 1;
				}
		}
	}
	return 0;
}

static void list_lines(struct text *t, const unsigned *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		say(t, "%s%u", i == 0 ? "" : i + 1 == n ? " and " : ", ", lines[i]);
}

static int statement_line_text(const struct hint_func *fn, unsigned line, char *buf, size_t size)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->kind == HINT_SIMPLE && n->line == line) {
			join_tokens(n->toks, 0, n->n_toks, buf, size);
			return 1;
		}
	}
	return 0;
}

/* The argument tokens [from, to) without leading casts, as text. */
static void argument_text(const struct hint_func *fn, const tok_t *t, size_t n, size_t from,
			  size_t to, char *buf, size_t size)
{
	while (from < to) {
		size_t e;
		if (fn->lang == HINT_LANG_PYX && is(&t[from], "<")) {
			e = from;
			while (e < to && !is(&t[e], ">"))
				e++;
		} else if (fn->lang != HINT_LANG_PYX && is(&t[from], "(")) {
			e = close_of(t, n, from);
			for (size_t k = from + 1; k < e && e < to; k++)
				if (!type_like(&t[k]))
					e = to;
		} else {
			break;
		}
		if (e + 1 >= to)
			break;
		from = e + 1;
	}
	join_tokens(t, from, to, buf, size);
}

/* Does fn release `name` (a variable, "self.buf", "nd->data") anywhere?
 * Freeing what a global or field held before storing is no leak. */
static int releases_anywhere(const struct hint_func *fn, const char *name)
{
	if (fn == NULL)
		return 0;
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		for (size_t k = 0; k + 2 < n->n_toks; k++) {
			const tok_t *t = n->toks;
			if (is(&t[k], "delete")) {
				size_t from = k + 1;
				if (is(&t[from], "[") && from + 1 < n->n_toks && is(&t[from + 1], "]"))
					from += 2;
				size_t to = from;
				while (to < n->n_toks && !is(&t[to], ";"))
					to++;
				char text[256];
				join_tokens(t, from, to, text, sizeof(text));
				if (strcmp(text, name) == 0)
					return 1;
				continue;
			}
			if (t[k].kind != HINT_TOK_IDENT || !is(&t[k + 1], "(") ||
			    !(nature_is_release_function(t[k].text) || is_decref(t[k].text)))
				continue;
			size_t close = close_of(t, n->n_toks, k + 1);
			char text[256];
			argument_text(fn, t, n->n_toks, k + 2, close, text, sizeof(text));
			if (strcmp(text, name) == 0)
				return 1;
		}
	}
	return 0;
}

/* How the block is named at the start of the text. */
struct subject {
	char text[512];   /* "`p` is allocated at f.pyx:13 and" */
	char block[320];  /* "the block allocated at f.pyx:13" */
};

/* Does a condition of fn (if, loop, switch) mention name? */
static int tested_anywhere(const struct hint_func *fn, const char *name)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->kind != HINT_IF && n->kind != HINT_LOOP && n->kind != HINT_SWITCH)
			continue;
		for (size_t k = 0; k < n->n_toks; k++)
			if (is(&n->toks[k], name) && !(k > 0 && (is(&n->toks[k - 1], ".") ||
								 is(&n->toks[k - 1], "->"))))
				return 1;
	}
	return 0;
}

/* The block went into a.target (a global, self.x, a field) at store_line. */
static void verdict_store(const struct alloc *a, const struct nature *nat,
			  const struct subject *sub, int frame, unsigned store_line,
			  const struct hint_frame *fr, struct hint_result *r, struct text *t)
{
	const struct hint_func *fn = fr->fn;
	const char *target = a->target;
	const char *frees = nat->family == NATURE_PYTHON ? "releases"
			    : nat->family == NATURE_CXX  ? "deletes"
							 : "frees";
	char fl[160];
	func_label(fn, fl, sizeof(fl));
	if (fn->lang == HINT_LANG_PYX && strncmp(target, "self.", 5) == 0 && fn->class_name != NULL) {
		if (fn->class_inherits)
			return; /* a base class's __dealloc__ may free it */
		if (fn->dealloc == NULL) {
			say(t, "`%s` receives %s, and `%s` has no `__dealloc__` to free it; free it there",
			    target, sub->block, fn->class_name);
			evidence(r, frame, store_line);
			evidence(r, frame, fn->class_line);
		} else if (!releases_anywhere(fn->dealloc, target)) {
			say(t, "`%s` receives %s, and `%s.__dealloc__` (line %u) does not free it; "
			       "free it there",
			    target, sub->block, fn->class_name, fn->dealloc->first_line);
			evidence(r, frame, store_line);
			evidence(r, frame, fn->dealloc->first_line);
		} else {
			return;
		}
		r->found = 1;
		return;
	}
	if (a->target_global) {
		/* a global (or a field of one): a fixed place.  An element
		 * (g[i]) is a different place each time, and a test of the
		 * global (if g == NULL) may guard the store: no claim then. */
		if (strchr(target, '[') != NULL || releases_anywhere(fn, target) ||
		    tested_anywhere(fn, a->target_base))
			return;
		if (fr->reachable)
			say(t, "%s is kept in the global `%s` (line %u) and was not %s before exit",
			    sub->block, target, store_line,
			    nat->family == NATURE_PYTHON ? "released" : "freed");
		else
			say(t, "%s is stored in the global `%s` (line %u), and `%s` (lines %u–%u) never "
			       "%s what `%s` held before: each call loses the previous one",
			    sub->block, target, store_line, fl, fn->first_line, fn->last_line, frees,
			    target);
		evidence(r, frame, store_line);
		r->found = 1;
		return;
	}
	/* a field of a local that is freed without it */
	const char *base = a->target_base;
	if (base[0] != '\0' && !is_declared(fn, base) && fn->lang == HINT_LANG_PYX)
		return;
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->line <= store_line || n->kind != HINT_SIMPLE)
			continue;
		for (size_t k = 0; k + 3 < n->n_toks; k++)
			if (n->toks[k].kind == HINT_TOK_IDENT &&
			    nature_is_release_function(n->toks[k].text) && is(&n->toks[k + 1], "(") &&
			    is(&n->toks[k + 2], base) && is(&n->toks[k + 3], ")") &&
			    !releases_anywhere(fn, target)) {
				say(t, "`%s` receives %s, and `%s` is freed at line %u without freeing "
				       "`%s` first",
				    target, sub->block, base, n->line, target);
				evidence(r, frame, store_line);
				evidence(r, frame, n->line);
				r->found = 1;
				return;
			}
	}
}

/* The verdict for a variable, from the finished paths. */
static void verdict_var(struct ctx *c, const struct nature *nat, const struct subject *sub,
			int frame, const struct hint_frame *fr, struct hint_result *r,
			struct text *t)
{
	const struct hint_func *fn = fr->fn;
	char fl[160];
	func_label(fn, fl, sizeof(fl));
	struct words w = words_for(c, nat);
	unsigned done_lines[MAX_RECORDS];
	size_t n_done = 0;
	int any_return = 0, any_free = 0, any_store = 0, any_given = 0;
	size_t n_leaks = 0, n_exc = 0;
	unsigned store_line = 0;
	size_t store_idx = 0;
	for (size_t i = 0; i < c->finished.n; i++) {
		const struct path *p = &c->finished.v[i];
		if (holds(c, p)) {
			if (p->exit == EX_EXC)
				n_exc++;
			else
				n_leaks++;
			continue;
		}
		if (p->st != ST_DONE)
			continue;
		if (p->how == HOW_FREE)
			any_free = 1, record(done_lines, &n_done, p->done_line);
		else if (p->how == HOW_RETURN)
			any_return = 1;
		else if (p->how == HOW_STORE)
			any_store = 1, store_line = p->done_line, store_idx = p->store_idx;
		else if (p->how == HOW_GIVEN)
			any_given = 1, record(done_lines, &n_done, p->done_line);
	}
	if (c->mode == MODE_PYOBJ) {
		if (n_leaks == 0 || c->incref_line == 0)
			return;
		say(t, "`Py_INCREF(%s)` at line %u adds a reference to %s that nothing in `%s` "
		       "(lines %u–%u) releases, so it is never freed; remove the Py_INCREF or add "
		       "the matching Py_DECREF",
		    c->var, c->incref_line, sub->block, fl, fn->first_line, fn->last_line);
		evidence(r, frame, c->alloc->node->line);
		evidence(r, frame, c->incref_line);
		r->found = 1;
		return;
	}
	if (c->n_overwrites > 0 && n_leaks == 0) {
		say(t, "%s is %s at line %u before it is %s, which loses the block", sub->text,
		    c->overwrite_null ? "set to NULL" : "overwritten", c->overwrites[0], w.freed);
		evidence(r, frame, c->alloc->node->line);
		evidence(r, frame, c->overwrites[0]);
		r->found = 1;
		return;
	}
	if (c->loop_again != 0 && n_leaks == 0) {
		say(t, "%s is allocated again by the next run of the loop before it is %s", sub->text,
		    w.freed);
		if (n_done > 0) {
			say(t, " (only the last block is %s, at line ", w.freed);
			list_lines(t, done_lines, n_done);
			say(t, ")");
		}
		say(t, "; %s it inside the loop", w.release);
		evidence(r, frame, c->alloc->node->line);
		for (size_t i = 0; i < n_done; i++)
			evidence(r, frame, done_lines[i]);
		r->found = 1;
		return;
	}
	if (c->n_reallocs > 0 && n_leaks == 0) {
		say(t, "%s is overwritten at line %u with realloc's result, which is NULL when "
		       "realloc fails: the block is lost then; keep the result in another variable "
		       "until it is checked",
		    sub->text, c->reallocs[0]);
		evidence(r, frame, c->alloc->node->line);
		evidence(r, frame, c->reallocs[0]);
		r->found = 1;
		return;
	}
	if (n_leaks == 0 && n_exc == 0) {
		if (any_store && !any_free && !any_return && !any_given) {
			struct alloc st = *c->alloc;
			copy_str(st.target, sizeof(st.target), c->stores[store_idx]);
			const char *dot = strpbrk(st.target, ".-[");
			fmt(st.target_base, sizeof(st.target_base), "%.*s",
				 (int)(dot != NULL ? (size_t)(dot - st.target) : strlen(st.target)),
				 st.target);
			st.target_global = c->store_global[store_idx];
			verdict_store(&st, nat, sub, frame, store_line, fr, r, t);
			if (r->found)
				evidence(r, frame, c->alloc->node->line);
			return;
		}
		if (any_return && !any_free && !any_store && !any_given)
			r->returned = 1;
		return;
	}
	if (n_leaks == 0 && (!any_free || any_return || any_store)) {
		/* freed on no normal path: returned or stored (an exception
		 * skipping that is not the likely story) */
		if (any_return && !any_free && !any_store && !any_given)
			r->returned = 1;
		return;
	}
	if (n_leaks == 0) {
		/* only an exception skips the release */
		unsigned line = 0;
		for (size_t i = 0; i < c->finished.n; i++)
			if (holds(c, &c->finished.v[i]) && c->finished.v[i].exit == EX_EXC) {
				line = c->finished.v[i].exit_line;
				break;
			}
		char stmt[160] = "";
		statement_line_text(fn, line, stmt, sizeof(stmt));
		say(t, "%s is %s at line ", sub->text, w.freed);
		list_lines(t, done_lines, n_done);
		say(t, ", but an exception raised at line %u%s%s%s skips the %s; %s it in a "
		       "`try`/`finally`",
		    line, stmt[0] != '\0' ? " (`" : "", stmt, stmt[0] != '\0' ? "`)" : "", w.release,
		    w.release);
		evidence(r, frame, c->alloc->node->line);
		evidence(r, frame, line);
		for (size_t i = 0; i < n_done; i++)
			evidence(r, frame, done_lines[i]);
		r->found = 1;
		return;
	}
	if (!any_free && !any_return && !any_store && !any_given) {
		say(t, "%s is %s in `%s` (lines %u–%u)", sub->text, w.never, fl, fn->first_line,
		    fn->last_line);
		advice_never(c, nat, t);
		evidence(r, frame, c->alloc->node->line);
		if (c->object_cast_line != 0) {
			say(t, " (`<object>%s` at line %u takes a reference of its own)", c->var,
			    c->object_cast_line);
			evidence(r, frame, c->object_cast_line);
		}
		for (size_t i = 0; i < c->finished.n; i++)
			if (holds(c, &c->finished.v[i]) && c->finished.v[i].exit != EX_EXC &&
			    c->finished.v[i].exit != EX_END)
				evidence(r, frame, c->finished.v[i].exit_line);
		r->found = 1;
		return;
	}
	if (any_store)
		return; /* stored on some paths, leaked on others: too tangled to say */
	/* released (or returned) on some paths: name the exits that skip it */
	say(t, "%s is ", sub->text);
	if (any_free || any_given) {
		say(t, "%s at line ", w.freed);
		list_lines(t, done_lines, n_done);
	}
	if (any_return) {
		unsigned rl[MAX_RECORDS];
		size_t nr = 0;
		for (size_t i = 0; i < c->finished.n; i++)
			if (c->finished.v[i].st == ST_DONE && c->finished.v[i].how == HOW_RETURN)
				record(rl, &nr, c->finished.v[i].done_line);
		say(t, "%sreturned at line ", any_free || any_given ? " or " : "");
		list_lines(t, rl, nr);
		for (size_t i = 0; i < nr; i++)
			evidence(r, frame, rl[i]);
	}
	say(t, ", but ");
	evidence(r, frame, c->alloc->node->line);
	for (size_t i = 0; i < n_done; i++)
		evidence(r, frame, done_lines[i]);
	size_t said = 0;
	unsigned seen[MAX_RECORDS];
	size_t n_seen = 0;
	for (size_t i = 0; i < c->finished.n && said < 3; i++) {
		const struct path *p = &c->finished.v[i];
		if (!holds(c, p) || p->exit == EX_EXC)
			continue;
		unsigned key = p->goto_line != 0 ? p->goto_line : p->exit_line;
		size_t k = 0;
		while (k < n_seen && seen[k] != key)
			k++;
		if (k < n_seen)
			continue;
		record(seen, &n_seen, key);
		say(t, "%s", said == 0 ? "" : " and ");
		unsigned dline;
		int taken;
		if (p->goto_line != 0) {
			say(t, "the `goto %s` at line %u", p->goto_label != NULL ? p->goto_label : "",
			    p->goto_line);
			evidence(r, frame, p->goto_line);
		} else if (p->exit == EX_RETURN && !shared_exit(c, p->exit_line, p->exit)) {
			say(t, "the return at line %u", p->exit_line);
			evidence(r, frame, p->exit_line);
		} else if (p->exit == EX_RAISE && !shared_exit(c, p->exit_line, p->exit)) {
			say(t, "the `raise` at line %u", p->exit_line);
			evidence(r, frame, p->exit_line);
		} else if (telling_decision(c, p, &dline, &taken)) {
			say(t, "the path where the `if` at line %u is %s", dline,
			    taken ? "taken" : "not taken");
			evidence(r, frame, dline);
		} else if (p->exit == EX_END) {
			say(t, "the end of `%s` (line %u)", fl, p->exit_line);
		} else {
			say(t, "the %s at line %u", p->exit == EX_RAISE ? "`raise`" : "return",
			    p->exit_line);
			evidence(r, frame, p->exit_line);
		}
		said++;
	}
	say(t, " skip%s the %s", said == 1 ? "s" : "", w.release);
	if (fn->lang == HINT_LANG_PYX && c->mode == MODE_CPTR)
		say(t, "; free it in a `try`/`finally`");
	else
		say(t, "; %s it on %s too", w.release, said == 1 ? "that path" : "those paths");
	r->found = 1;
}

/* Analyses the block through fr, with sub naming it.  Returns the ctx's
 * findings in r (and r->returned). */
static void analyse_frame(const struct hint_frame *fr, int frame, const struct nature *nat,
			  const struct alloc *a, const struct subject *sub, struct hint_result *r,
			  struct text *t)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.fn = fr->fn;
	c.alloc = a;
	c.var = a->var;
	enum hint_var_type vt = hint_func_var_type(fr->fn, a->var);
	if (nat->family == NATURE_PYTHON) {
		if (fr->fn->lang != HINT_LANG_PYX)
			c.mode = MODE_PYREF;
		else if (vt == HINT_VAR_PYREF)
			c.mode = MODE_PYREF;
		else if (vt == HINT_VAR_OBJECT || vt == HINT_VAR_OTHER)
			c.mode = MODE_PYOBJ;
		else
			return;
	} else {
		c.mode = MODE_CPTR;
		if (fr->fn->lang == HINT_LANG_PYX && vt != HINT_VAR_CPTR)
			return;
	}
	if (!run(&c)) {
		plist_free(&c.finished);
		return;
	}
	verdict_var(&c, nat, sub, frame, fr, r, t);
	plist_free(&c.finished);
}

/* Names the block at the start of the text.  grow: the API that grew an
 * existing object (PyList_Append) and where, or NULL. */
static void subject_for(const struct hint_frame *fr, const struct alloc *a,
			const struct nature *nat, const char *grow, unsigned grow_line,
			struct subject *sub)
{
	enum hint_var_type vt = hint_func_var_type(fr->fn, a->var);
	int ref = nat->family == NATURE_PYTHON &&
		  (fr->fn->lang != HINT_LANG_PYX || vt == HINT_VAR_PYREF);
	if (grow != NULL)
		fmt(sub->text, sizeof(sub->text),
			 "the storage %s allocates at %s:%u belongs to `%s`, which holds the new "
			 "reference %s returns at line %u, and",
			 grow, fr->file, grow_line, a->var, a->callee, a->node->line);
	else if (ref)
		fmt(sub->text, sizeof(sub->text), "`%s` holds the new reference %s returns at %s:%u and",
			 a->var, a->callee, fr->file, a->node->line);
	else if (nat->family == NATURE_PYTHON)
		fmt(sub->text, sizeof(sub->text), "`%s` receives a new Python %s at %s:%u and",
			 a->var, nat->what, fr->file, a->node->line);
	else
		fmt(sub->text, sizeof(sub->text), "`%s` is allocated at %s:%u and", a->var,
			 fr->file, a->node->line);
	if (nat->family == NATURE_PYTHON && (strncmp(nat->what, "Cython ", 7) == 0 ||
					     strncmp(nat->what, "closure", 7) == 0))
		fmt(sub->block, sizeof(sub->block), "the %s created at %s:%u", nat->what, fr->file,
		    a->node->line);
	else if (nat->family == NATURE_PYTHON && strchr(nat->what, '.') != NULL)
		fmt(sub->block, sizeof(sub->block), "the %s object created at %s:%u", nat->what,
		    fr->file, a->node->line);
	else if (nat->family == NATURE_PYTHON)
		fmt(sub->block, sizeof(sub->block), "the Python %s created at %s:%u", nat->what,
			 fr->file, a->node->line);
	else
		fmt(sub->block, sizeof(sub->block), "the block allocated at %s:%u", fr->file,
			 a->node->line);
}

/* The first argument of the call at a (`PyList_Append(items, x)` → items). */
static int first_argument(const struct alloc *a, char *buf, size_t size)
{
	const tok_t *t = a->node->toks;
	if (a->start + 3 >= a->node->n_toks || !is(&t[a->start + 1], "(") ||
	    t[a->start + 2].kind != HINT_TOK_IDENT ||
	    !(is(&t[a->start + 3], ",") || is(&t[a->start + 3], ")")))
		return 0;
	copy_str(buf, size, t[a->start + 2].text);
	return 1;
}

/* `PyList_Append(items, x)` grew items: a becomes the statement before
 * it that made items with a constructor.  0 when there is none. */
static int grown_object(const struct hint_frame *fr, struct alloc *a)
{
	char var[64];
	if (!first_argument(a, var, sizeof(var)))
		return 0;
	const struct hint_node *def = NULL;
	size_t def_call = 0;
	for (size_t i = 0; i < fr->fn->n_all; i++) {
		const struct hint_node *n = fr->fn->all[i];
		if (n->kind != HINT_SIMPLE || n->line >= a->node->line)
			continue;
		for (size_t k = 0; k + 2 < n->n_toks; k++) {
			if (!is(&n->toks[k], var) || !is(&n->toks[k + 1], "=") ||
			    (def != NULL && n->line <= def->line))
				continue;
			size_t c = k + 2;
			while (c + 1 < n->n_toks &&
			       !(n->toks[c].kind == HINT_TOK_IDENT && is(&n->toks[c + 1], "(")))
				c++;
			if (c + 1 < n->n_toks && is_known_allocator_name(n->toks[c].text)) {
				def = n;
				def_call = c;
			}
		}
	}
	if (def == NULL)
		return 0;
	memset(a, 0, sizeof(*a));
	a->node = def;
	a->start = def_call;
	a->end = call_end(def->toks, def->n_toks, def_call);
	copy_str(a->callee, sizeof(a->callee), def->toks[def_call].text);
	classify_alloc(fr->fn, a);
	return a->form == FORM_VAR && strcmp(a->var, var) == 0;
}

int hint_explain(const struct hint_frame *culprit, const struct hint_frame *caller,
		 const struct nature *nat, struct hint_result *out)
{
	memset(out, 0, sizeof(*out));
	if (culprit == NULL || culprit->fn == NULL || culprit->fn->body == NULL ||
	    nat->family == NATURE_UNKNOWN)
		return 0;
	struct alloc a;
	if (!find_alloc(culprit, nat, &a))
		return 0;
	unsigned grow_line = 0;
	char grower[96] = "";
	if (nat->grows_existing) {
		grow_line = a.node->line;
		copy_str(grower, sizeof(grower), a.callee);
		if (!grown_object(culprit, &a))
			return 0;
		evidence(out, 0, grow_line);
	}
	struct text t = {out->text, sizeof(out->text), 0};
	struct subject sub;
	subject_for(culprit, &a, nat, grow_line != 0 ? grower : NULL, grow_line, &sub);
	char fl[160];
	func_label(culprit->fn, fl, sizeof(fl));
	switch (a.form) {
	case FORM_COMPARED:
		say(&t, "the pointer %s returns at %s:%u is only compared, never stored, so nothing "
			"can free the block; keep it in a variable and free it",
		    a.callee, culprit->file, a.node->line);
		evidence(out, 0, a.node->line);
		out->found = 1;
		return 1;
	case FORM_DROP:
		say(&t, "the pointer %s returns at %s:%u is discarded, so nothing can free the block; "
			"keep it in a variable and free it",
		    a.callee, culprit->file, a.node->line);
		evidence(out, 0, a.node->line);
		out->found = 1;
		return 1;
	case FORM_STORE:
		verdict_store(&a, nat, &sub, 0, a.node->line, culprit, out, &t);
		if (out->found)
			evidence(out, 0, a.node->line);
		return out->found;
	case FORM_RETURN:
		out->returned = 1;
		fmt(sub.text, sizeof(sub.text), "the block %s allocates at %s:%u is returned by `%s`",
			 a.callee, culprit->file, a.node->line, fl);
		break;
	case FORM_VAR:
		analyse_frame(culprit, 0, nat, &a, &sub, out, &t);
		if (out->found || !out->returned)
			return out->found;
		/* returned: say so, then read the caller */
		{
			unsigned rl = 0;
			for (size_t i = 0; i < culprit->fn->n_all; i++) {
				const struct hint_node *n = culprit->fn->all[i];
				if (n->kind == HINT_RETURN && n->n_toks > 0 &&
				    is(&n->toks[n->n_toks - 1], a.var))
					rl = n->line;
			}
			char s2[sizeof(sub.text)];
			fmt(s2, sizeof(s2), "`%s` is allocated at %s:%u and returned by `%s` (line %u)",
				 a.var, culprit->file, a.node->line, fl, rl);
			copy_str(sub.text, sizeof(sub.text), s2);
			evidence(out, 0, rl);
		}
		break;
	default:
		return 0;
	}
	/* the block leaves through the return value */
	evidence(out, 0, a.node->line);
	if (caller == NULL || caller->fn == NULL)
		return 0;
	struct hint_frame cf = *caller;
	char callee_name[96];
	short_name(culprit->fn->name, callee_name, sizeof(callee_name));
	cf.callee = callee_name;
	struct alloc ca;
	memset(&ca, 0, sizeof(ca));
	struct nature cnat = *nat;
	if (!find_alloc(&cf, &cnat, &ca) || strcmp(ca.callee, callee_name) != 0) {
		out->n_evidence = 0;
		return 0;
	}
	char cfl[160];
	func_label(caller->fn, cfl, sizeof(cfl));
	struct subject csub;
	switch (ca.form) {
	case FORM_DROP:
	case FORM_COMPARED:
		say(&t, "%s; its caller `%s` %s it at %s:%u, so nothing can free the block", sub.text,
		    cfl, ca.form == FORM_DROP ? "discards" : "only compares", caller->file,
		    ca.node->line);
		evidence(out, 1, ca.node->line);
		out->found = 1;
		out->returned = 0;
		return 1;
	case FORM_VAR:
		fmt(csub.text, sizeof(csub.text), "%s; in its caller `%s`, `%s` receives it at %s:%u and",
			 sub.text, cfl, ca.var, caller->file, ca.node->line);
		copy_str(csub.block, sizeof(csub.block), sub.block);
		out->returned = 0;
		analyse_frame(&cf, 1, nat, &ca, &csub, out, &t);
		if (out->found)
			evidence(out, 1, ca.node->line);
		else
			out->n_evidence = 0;
		out->returned = 0;
		return out->found;
	default:
		out->n_evidence = 0;
		out->returned = 0;
		return 0;
	}
}
