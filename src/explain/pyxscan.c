/*
 * pyxscan.c — one function of a Cython source as a hint tree (pyxscan.h).
 */
#include "explain/pyxscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct ptok {
	const char *s;
	size_t len;
	unsigned line;
	enum hint_tok_kind kind;
};

/* A logical line: tokens [first, first + n), its indentation, and where
 * its block (the lines indented under it) ends. */
struct lline {
	size_t first, n;
	unsigned indent;
	size_t block_end;  /* index of the first line after its block */
};

struct scan {
	const char *text;
	size_t len;
	struct ptok *toks;
	size_t n_toks, toks_cap;
	struct lline *lines;
	size_t n_lines, lines_cap;
};

static const char *const keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
	"continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
	"try", "while", "with", "yield", "cdef", "cpdef", "ctypedef", "cimport", "nogil", "gil",
	"struct", "union", "enum", "extern", "inline", "public", "readonly", "api", "noexcept",
	"include", "DEF", "IF", "ELIF", "ELSE", NULL,
};

static const char *const operators[] = {
	"**=", "//=", ">>=", "<<=", "...", "->", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
	"%=", "&=", "|=", "^=", "**", "//", "<<", ">>", ":=", "@=", NULL,
};

static int is_keyword(const char *s, size_t n)
{
	for (size_t i = 0; keywords[i] != NULL; i++)
		if (strlen(keywords[i]) == n && strncmp(keywords[i], s, n) == 0)
			return 1;
	return 0;
}

static void push_tok(struct scan *sc, const char *s, size_t len, unsigned line,
		     enum hint_tok_kind kind)
{
	sc->toks = xgrow(sc->toks, &sc->toks_cap, sc->n_toks + 1, sizeof(*sc->toks));
	sc->toks[sc->n_toks].s = s;
	sc->toks[sc->n_toks].len = len;
	sc->toks[sc->n_toks].line = line;
	sc->toks[sc->n_toks].kind = kind;
	sc->n_toks++;
}

static void end_line(struct scan *sc, size_t *start, unsigned indent)
{
	if (sc->n_toks == *start)
		return;
	sc->lines = xgrow(sc->lines, &sc->lines_cap, sc->n_lines + 1, sizeof(*sc->lines));
	struct lline *l = &sc->lines[sc->n_lines++];
	l->first = *start;
	l->n = sc->n_toks - *start;
	l->indent = indent;
	l->block_end = 0;
	*start = sc->n_toks;
}

/* Skips a string literal starting at p (after its prefix); returns the
 * position after it, counting newlines into *line. */
static size_t skip_string(const char *t, size_t len, size_t p, int raw, unsigned *line)
{
	char q = t[p];
	int triple = p + 2 < len && t[p + 1] == q && t[p + 2] == q;
	p += triple ? 3 : 1;
	while (p < len) {
		if (t[p] == '\\' && !raw && p + 1 < len) {
			if (t[p + 1] == '\n')
				(*line)++;
			p += 2;
			continue;
		}
		if (t[p] == '\\' && raw && p + 1 < len) {
			if (t[p + 1] == '\n')
				(*line)++;
			p += 2;
			continue;
		}
		if (t[p] == '\n') {
			if (!triple)
				return p; /* unterminated: stop at the line's end */
			(*line)++;
		}
		if (t[p] == q && (!triple || (p + 2 < len && t[p + 1] == q && t[p + 2] == q)))
			return p + (triple ? 3 : 1);
		p++;
	}
	return p;
}

static void tokenize(struct scan *sc)
{
	const char *t = sc->text;
	size_t len = sc->len, p = 0, start = 0;
	unsigned line = 1, indent = 0;
	int depth = 0, at_bol = 1;
	while (p < len) {
		if (at_bol) {
			unsigned col = 0;
			while (p < len && (t[p] == ' ' || t[p] == '\t' || t[p] == '\f')) {
				col = t[p] == '\t' ? (col / 8 + 1) * 8 : col + 1;
				p++;
			}
			at_bol = 0;
			if (depth == 0 && sc->n_toks == start)
				indent = col;
			continue;
		}
		char ch = t[p];
		if (ch == '\n') {
			line++;
			p++;
			at_bol = 1;
			if (depth == 0)
				end_line(sc, &start, indent);
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\f' || ch == '\r') {
			p++;
			continue;
		}
		if (ch == '#') {
			while (p < len && t[p] != '\n')
				p++;
			continue;
		}
		if (ch == '\\' && p + 1 < len && (t[p + 1] == '\n' || t[p + 1] == '\r')) {
			p += t[p + 1] == '\r' && p + 2 < len && t[p + 2] == '\n' ? 3 : 2;
			line++;
			continue;
		}
		/* strings, with their prefixes */
		size_t q = p;
		int raw = 0;
		while (q < len && q - p < 2 && strchr("bBrRuUfF", t[q]) != NULL && t[q] != '\0') {
			if (t[q] == 'r' || t[q] == 'R')
				raw = 1;
			q++;
		}
		if (q < len && (t[q] == '\'' || t[q] == '"')) {
			unsigned first = line;
			size_t e = skip_string(t, len, q, raw, &line);
			push_tok(sc, t + p, e - p, first, HINT_TOK_STRING);
			p = e;
			continue;
		}
		if (isalpha((unsigned char)ch) || ch == '_' || (unsigned char)ch >= 0x80) {
			size_t e = p;
			while (e < len && (isalnum((unsigned char)t[e]) || t[e] == '_' ||
					   (unsigned char)t[e] >= 0x80))
				e++;
			push_tok(sc, t + p, e - p, line,
				 is_keyword(t + p, e - p) ? HINT_TOK_KEYWORD : HINT_TOK_IDENT);
			p = e;
			continue;
		}
		if (isdigit((unsigned char)ch) || (ch == '.' && p + 1 < len && isdigit((unsigned char)t[p + 1]))) {
			size_t e = p;
			while (e < len && (isalnum((unsigned char)t[e]) || t[e] == '.' || t[e] == '_' ||
					   ((t[e] == '+' || t[e] == '-') && (t[e - 1] == 'e' || t[e - 1] == 'E'))))
				e++;
			push_tok(sc, t + p, e - p, line, HINT_TOK_NUMBER);
			p = e;
			continue;
		}
		size_t oplen = 1;
		for (size_t i = 0; operators[i] != NULL; i++) {
			size_t n = strlen(operators[i]);
			if (p + n <= len && strncmp(t + p, operators[i], n) == 0) {
				oplen = n;
				break;
			}
		}
		if (ch == '(' || ch == '[' || ch == '{')
			depth++;
		else if ((ch == ')' || ch == ']' || ch == '}') && depth > 0)
			depth--;
		push_tok(sc, t + p, oplen, line, HINT_TOK_PUNCT);
		p += oplen;
	}
	end_line(sc, &start, indent);
	/* block ends: the first later line indented no deeper */
	for (size_t i = 0; i < sc->n_lines; i++) {
		size_t j = i + 1;
		while (j < sc->n_lines && sc->lines[j].indent > sc->lines[i].indent)
			j++;
		sc->lines[i].block_end = j;
	}
}

static int tok_is(const struct ptok *t, const char *s)
{
	return t->len == strlen(s) && strncmp(t->s, s, t->len) == 0;
}

static const struct ptok *ltok(const struct scan *sc, size_t li, size_t k)
{
	return &sc->toks[sc->lines[li].first + k];
}

static unsigned last_line_of(const struct scan *sc, size_t from_line, size_t to_line)
{
	unsigned last = 0;
	for (size_t i = from_line; i < to_line; i++) {
		const struct lline *l = &sc->lines[i];
		if (l->n > 0) {
			const struct ptok *t = &sc->toks[l->first + l->n - 1];
			unsigned e = t->line;
			for (size_t k = 0; k < t->len; k++)
				if (t->s[k] == '\n')
					e++;
			if (e > last)
				last = e;
		}
	}
	return last;
}

/* Index (within [from, to)) of the colon that opens a compound
 * statement's suite: the first one at bracket depth 0 that no lambda
 * takes; n when there is none. */
static size_t suite_colon(const struct ptok *t, size_t from, size_t to)
{
	int depth = 0, lambdas = 0;
	for (size_t k = from; k < to; k++) {
		if (tok_is(&t[k], "(") || tok_is(&t[k], "[") || tok_is(&t[k], "{"))
			depth++;
		else if (tok_is(&t[k], ")") || tok_is(&t[k], "]") || tok_is(&t[k], "}"))
			depth--;
		else if (depth == 0 && tok_is(&t[k], "lambda"))
			lambdas++;
		else if (depth == 0 && tok_is(&t[k], ":")) {
			if (lambdas > 0)
				lambdas--;
			else
				return k;
		}
	}
	return to;
}

/* 1 when logical line li is a function header (def, or cdef/cpdef with a
 * parameter list), with its name's token index. */
static int is_function_header(const struct scan *sc, size_t li, size_t *name_idx)
{
	const struct lline *l = &sc->lines[li];
	const struct ptok *t = &sc->toks[l->first];
	size_t k = 0;
	if (l->n > 0 && tok_is(&t[0], "async"))
		k = 1;
	if (k >= l->n)
		return 0;
	size_t colon = suite_colon(t, 0, l->n);
	if (colon == l->n)
		return 0;
	if (tok_is(&t[k], "def")) {
		if (k + 1 < l->n && t[k + 1].kind == HINT_TOK_IDENT) {
			*name_idx = k + 1;
			return 1;
		}
		return 0;
	}
	if (!tok_is(&t[k], "cdef") && !tok_is(&t[k], "cpdef"))
		return 0;
	if (k + 1 < l->n && (tok_is(&t[k + 1], "class") || tok_is(&t[k + 1], "extern") ||
			     tok_is(&t[k + 1], "struct") || tok_is(&t[k + 1], "union") ||
			     tok_is(&t[k + 1], "enum")))
		return 0;
	for (size_t i = k + 1; i < colon; i++)
		if (tok_is(&t[i], "(")) {
			if (i > 0 && t[i - 1].kind == HINT_TOK_IDENT) {
				*name_idx = i - 1;
				return 1;
			}
			return 0;
		}
	return 0;
}

/* The class header (class / cdef class) that line li is directly in. */
static int enclosing_class(const struct scan *sc, size_t li, size_t *class_li)
{
	unsigned indent = sc->lines[li].indent;
	for (size_t j = li; j-- > 0;) {
		const struct lline *l = &sc->lines[j];
		if (l->indent >= indent)
			continue;
		if (l->block_end <= li)
			continue;
		const struct ptok *t = &sc->toks[l->first];
		if ((l->n > 1 && tok_is(&t[0], "class")) ||
		    (l->n > 2 && tok_is(&t[0], "cdef") && tok_is(&t[1], "class"))) {
			*class_li = j;
			return 1;
		}
		return 0;
	}
	return 0;
}

/* ---- declarations ---- */

static int is_c_scalar(const struct ptok *t)
{
	static const char *const names[] = {
		"int", "long", "short", "char", "float", "double", "size_t", "ssize_t",
		"Py_ssize_t", "bint", "unsigned", "signed", "void", "uint8_t", "uint16_t",
		"uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "Py_hash_t",
		"Py_UCS4", "const", NULL,
	};
	for (size_t i = 0; names[i] != NULL; i++)
		if (tok_is(t, names[i]))
			return 1;
	return 0;
}

static int is_python_type(const struct ptok *t)
{
	static const char *const names[] = {"object", "list", "dict", "tuple", "set", "str",
					    "bytes", "bytearray", "unicode", "frozenset", NULL};
	for (size_t i = 0; names[i] != NULL; i++)
		if (tok_is(t, names[i]))
			return 1;
	return 0;
}

static void add_var(struct hint_func *fn, const struct ptok *name, enum hint_var_type type)
{
	char buf[128];
	size_t n = name->len < sizeof(buf) - 1 ? name->len : sizeof(buf) - 1;
	memcpy(buf, name->s, n);
	buf[n] = '\0';
	hint_func_var(fn, buf, type);
}

/* The first sep at bracket depth 0 in [k, to), or to. */
static size_t item_end(const struct ptok *t, size_t k, size_t to, const char *sep)
{
	int depth = 0;
	for (size_t e = k; e < to; e++) {
		if (tok_is(&t[e], "(") || tok_is(&t[e], "[") || tok_is(&t[e], "{"))
			depth++;
		else if (tok_is(&t[e], ")") || tok_is(&t[e], "]") || tok_is(&t[e], "}"))
			depth--;
		else if (depth == 0 && tok_is(&t[e], sep))
			return e;
	}
	return to;
}

/* One declarator list: `TYPE *a = x, *b` (tokens [from, to), no `cdef`);
 * base is the type of the first declarator, kept for the others. */
static void declare(struct hint_func *fn, const struct ptok *t, size_t from, size_t to)
{
	const struct ptok *base = NULL;
	size_t k = from;
	while (k < to) {
		size_t e = item_end(t, k, to, ",");
		size_t decl_end = k;
		while (decl_end < e && !tok_is(&t[decl_end], "=") && !tok_is(&t[decl_end], "["))
			decl_end++;
		const struct ptok *name = NULL;
		int pointer = 0, idents = 0;
		for (size_t i = k; i < decl_end; i++) {
			if (tok_is(&t[i], "*") || tok_is(&t[i], "**"))
				pointer = 1;
			if (t[i].kind == HINT_TOK_IDENT || t[i].kind == HINT_TOK_KEYWORD) {
				if (base == NULL && !tok_is(&t[i], "public") && !tok_is(&t[i], "readonly") &&
				    !tok_is(&t[i], "const") && !tok_is(&t[i], "unsigned") &&
				    !tok_is(&t[i], "signed") && !tok_is(&t[i], "long"))
					base = &t[i];
				name = &t[i];
				idents++;
			}
		}
		if (name != NULL && (idents > 1 || k > from)) {
			enum hint_var_type type = HINT_VAR_OTHER;
			if (pointer)
				type = base != NULL && tok_is(base, "PyObject") ? HINT_VAR_PYREF
										: HINT_VAR_CPTR;
			else if (base != NULL && is_python_type(base))
				type = HINT_VAR_OBJECT;
			else if (base != NULL && !is_c_scalar(base) && base->kind == HINT_TOK_IDENT)
				type = HINT_VAR_OTHER; /* a struct or a cdef class: not followed */
			add_var(fn, name, type);
		}
		k = e + 1;
	}
}

/* Parameters `(self, size_t n, char *p, x)`. */
static void parameters(struct hint_func *fn, const struct ptok *t, size_t open, size_t close)
{
	size_t k = open + 1;
	while (k < close) {
		size_t e = item_end(t, k, close, ",");
		size_t d = k;
		while (d < e && !tok_is(&t[d], "=") && !tok_is(&t[d], ":"))
			d++;
		const struct ptok *name = NULL, *type = NULL;
		int pointer = 0, idents = 0;
		for (size_t i = k; i < d; i++) {
			if (tok_is(&t[i], "*") || tok_is(&t[i], "**"))
				pointer = 1;
			if (t[i].kind == HINT_TOK_IDENT) {
				if (type == NULL)
					type = &t[i];
				name = &t[i];
				idents++;
			}
		}
		if (name != NULL) {
			enum hint_var_type vt = HINT_VAR_OBJECT;
			if (pointer && idents > 1)
				vt = tok_is(type, "PyObject") ? HINT_VAR_PYREF : HINT_VAR_CPTR;
			else if (idents > 1 && !is_python_type(type))
				vt = HINT_VAR_OTHER;
			add_var(fn, name, vt);
		}
		k = e + 1;
	}
}

static void add_name(char ***list, size_t *n, size_t *cap, const struct ptok *t)
{
	char buf[128];
	size_t len = t->len < sizeof(buf) - 1 ? t->len : sizeof(buf) - 1;
	memcpy(buf, t->s, len);
	buf[len] = '\0';
	hint_func_name(list, n, cap, buf);
}

/* Module-wide: names that are C functions. */
static void c_function_names(const struct scan *sc, struct hint_func *fn)
{
	for (size_t li = 0; li < sc->n_lines; li++) {
		const struct lline *l = &sc->lines[li];
		const struct ptok *t = &sc->toks[l->first];
		if (l->n >= 4 && tok_is(&t[0], "from")) {
			/* from libc.stdlib cimport malloc, free as c_free */
			size_t k = 1;
			int c_module = tok_is(&t[1], "libc") || tok_is(&t[1], "posix") ||
				       tok_is(&t[1], "cpython") || tok_is(&t[1], "libcpp");
			while (k < l->n && !tok_is(&t[k], "cimport"))
				k++;
			if (!c_module || k == l->n)
				continue;
			for (k++; k < l->n; k++) {
				if (t[k].kind != HINT_TOK_IDENT)
					continue;
				if (k + 2 < l->n && tok_is(&t[k + 1], "as"))
					k += 2;
				add_name(&fn->c_functions, &fn->n_c_functions, &fn->c_functions_cap, &t[k]);
			}
			continue;
		}
		size_t name_idx;
		if (l->n > 2 && tok_is(&t[0], "cdef") && tok_is(&t[1], "extern")) {
			for (size_t j = li + 1; j < l->block_end; j++) {
				const struct lline *m = &sc->lines[j];
				const struct ptok *u = &sc->toks[m->first];
				for (size_t k = 1; k < m->n; k++)
					if (tok_is(&u[k], "(") && u[k - 1].kind == HINT_TOK_IDENT) {
						add_name(&fn->c_functions, &fn->n_c_functions,
							 &fn->c_functions_cap, &u[k - 1]);
						break;
					}
			}
			continue;
		}
		if (l->n > 1 && tok_is(&t[0], "cdef") && is_function_header(sc, li, &name_idx))
			add_name(&fn->c_functions, &fn->n_c_functions, &fn->c_functions_cap,
				 &t[name_idx]);
	}
}

/* ---- statements ---- */

struct builder {
	const struct scan *sc;
	struct hint_func *fn;
};

static void add_tokens(struct hint_node *node, const struct ptok *t, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		hint_node_token(node, t[k].s, t[k].len, t[k].line, t[k].kind, 0);
}

/* Simple statements in tokens [from, to), split at top-level `;`. */
static void simple_statements(struct builder *b, struct hint_node *parent, const struct ptok *t,
			      size_t from, size_t to)
{
	size_t k = from;
	while (k < to) {
		size_t e = item_end(t, k, to, ";");
		if (e > k) {
			enum hint_node_kind kind = HINT_SIMPLE;
			size_t skip = 0;
			if (tok_is(&t[k], "return"))
				kind = HINT_RETURN, skip = 1;
			else if (tok_is(&t[k], "raise"))
				kind = HINT_RAISE, skip = 1;
			else if (tok_is(&t[k], "break"))
				kind = HINT_BREAK, skip = 1;
			else if (tok_is(&t[k], "continue"))
				kind = HINT_CONTINUE, skip = 1;
			if (tok_is(&t[k], "pass")) {
				k = e + 1;
				continue;
			}
			struct hint_node *node = hint_node_new(b->fn, kind, t[k].line);
			add_tokens(node, t, k + skip, e);
			if (tok_is(&t[k], "global") || tok_is(&t[k], "nonlocal"))
				for (size_t i = k + 1; i < e; i++)
					if (t[i].kind == HINT_TOK_IDENT)
						add_name(&b->fn->globals, &b->fn->n_globals,
							 &b->fn->globals_cap, &t[i]);
			if (tok_is(&t[k], "cdef") && k + 1 < e)
				declare(b->fn, t, k + 1, e);
			hint_node_add(parent, node);
		}
		k = e + 1;
	}
}

static size_t build_lines(struct builder *b, struct hint_node *parent, size_t from, size_t to);

/* The suite of a compound line li: inline after its colon, or its block. */
static struct hint_node *suite(struct builder *b, size_t li, size_t colon)
{
	const struct lline *l = &b->sc->lines[li];
	const struct ptok *t = &b->sc->toks[l->first];
	struct hint_node *block = hint_node_new(b->fn, HINT_BLOCK, t[0].line);
	if (colon + 1 < l->n)
		simple_statements(b, block, t, colon + 1, l->n);
	else
		build_lines(b, block, li + 1, l->block_end);
	return block;
}

/* The lines [from, to) at one indentation into parent; returns to. */
static size_t build_lines(struct builder *b, struct hint_node *parent, size_t from, size_t to)
{
	const struct scan *sc = b->sc;
	size_t li = from;
	while (li < to) {
		const struct lline *l = &sc->lines[li];
		const struct ptok *t = &sc->toks[l->first];
		size_t next = l->block_end < to ? l->block_end : to;
		size_t colon = suite_colon(t, 0, l->n);
		size_t name_idx;
		if (tok_is(&t[0], "@")) {
			li++;
			continue;
		}
		if (is_function_header(sc, li, &name_idx) || tok_is(&t[0], "class") ||
		    (l->n > 1 && tok_is(&t[0], "cdef") && tok_is(&t[1], "class"))) {
			li = next; /* another function's code */
			continue;
		}
		if (tok_is(&t[0], "if") && colon < l->n) {
			struct hint_node *top = hint_node_new(b->fn, HINT_IF, t[0].line);
			add_tokens(top, t, 1, colon);
			hint_node_add(top, suite(b, li, colon));
			hint_node_add(parent, top);
			struct hint_node *cur = top;
			li = next;
			while (li < to) {
				const struct lline *m = &sc->lines[li];
				const struct ptok *u = &sc->toks[m->first];
				if (m->indent != l->indent)
					break;
				size_t c2 = suite_colon(u, 0, m->n);
				if (tok_is(&u[0], "elif") && c2 < m->n) {
					struct hint_node *elif = hint_node_new(b->fn, HINT_IF, u[0].line);
					add_tokens(elif, u, 1, c2);
					hint_node_add(elif, suite(b, li, c2));
					struct hint_node *wrap = hint_node_new(b->fn, HINT_BLOCK, u[0].line);
					hint_node_add(wrap, elif);
					hint_node_add(cur, wrap);
					cur = elif;
				} else if (tok_is(&u[0], "else") && c2 < m->n) {
					hint_node_add(cur, suite(b, li, c2));
					li = m->block_end < to ? m->block_end : to;
					break;
				} else {
					break;
				}
				li = m->block_end < to ? m->block_end : to;
			}
			continue;
		}
		if ((tok_is(&t[0], "for") || tok_is(&t[0], "while")) && colon < l->n) {
			struct hint_node *loop = hint_node_new(b->fn, HINT_LOOP, t[0].line);
			add_tokens(loop, t, 1, colon);
			hint_node_add(loop, suite(b, li, colon));
			hint_node_add(parent, loop);
			li = next;
			if (li < to && sc->lines[li].indent == l->indent) {
				const struct lline *m = &sc->lines[li];
				const struct ptok *u = &sc->toks[m->first];
				size_t c2 = suite_colon(u, 0, m->n);
				if (tok_is(&u[0], "else") && c2 < m->n) {
					hint_node_add(loop, suite(b, li, c2));
					li = m->block_end < to ? m->block_end : to;
				}
			}
			continue;
		}
		if (tok_is(&t[0], "try") && colon < l->n) {
			struct hint_node *tr = hint_node_new(b->fn, HINT_TRY, t[0].line);
			hint_node_add(tr, suite(b, li, colon));
			hint_node_add(parent, tr);
			li = next;
			while (li < to) {
				const struct lline *m = &sc->lines[li];
				const struct ptok *u = &sc->toks[m->first];
				size_t c2 = suite_colon(u, 0, m->n);
				if (m->indent != l->indent || c2 == m->n)
					break;
				enum hint_node_kind kind;
				if (tok_is(&u[0], "except"))
					kind = HINT_EXCEPT;
				else if (tok_is(&u[0], "else"))
					kind = HINT_ELSE;
				else if (tok_is(&u[0], "finally"))
					kind = HINT_FINALLY;
				else
					break;
				struct hint_node *h = hint_node_new(b->fn, kind, u[0].line);
				if (kind == HINT_EXCEPT)
					add_tokens(h, u, 1, c2);
				hint_node_add(h, suite(b, li, c2));
				hint_node_add(tr, h);
				li = m->block_end < to ? m->block_end : to;
			}
			continue;
		}
		if (tok_is(&t[0], "with") && colon < l->n) {
			int nogil = colon == 2 && (tok_is(&t[1], "nogil") || tok_is(&t[1], "gil"));
			if (!nogil) {
				struct hint_node *head = hint_node_new(b->fn, HINT_SIMPLE, t[0].line);
				add_tokens(head, t, 1, colon);
				hint_node_add(parent, head);
			}
			struct hint_node *body = suite(b, li, colon);
			body->nogil = nogil && tok_is(&t[1], "nogil");
			hint_node_add(parent, body);
			li = next;
			continue;
		}
		if (tok_is(&t[0], "cdef") && l->n == 2 && colon == 1) {
			/* a `cdef:` block of declarations */
			for (size_t j = li + 1; j < next; j++) {
				const struct lline *m = &sc->lines[j];
				declare(b->fn, sc->toks + m->first, 0, m->n);
			}
			li = next;
			continue;
		}
		if (colon < l->n && (tok_is(&t[0], "else") || tok_is(&t[0], "elif") ||
				     tok_is(&t[0], "except") || tok_is(&t[0], "finally"))) {
			/* a clause without its statement: not code we can follow */
			hint_node_add(parent, hint_node_new(b->fn, HINT_OPAQUE, t[0].line));
			li = next;
			continue;
		}
		simple_statements(b, parent, t, 0, l->n);
		li++;
	}
	return to;
}

/* The innermost function header whose block holds line. */
static int find_function(const struct scan *sc, unsigned line, size_t *out_li)
{
	int found = 0;
	for (size_t li = 0; li < sc->n_lines; li++) {
		size_t name_idx;
		if (!is_function_header(sc, li, &name_idx))
			continue;
		unsigned first = ltok(sc, li, 0)->line;
		unsigned last = last_line_of(sc, li, sc->lines[li].block_end);
		if (first <= line && line <= last) {
			*out_li = li;
			found = 1;
		}
	}
	return found;
}

static char *token_text(const struct ptok *t)
{
	return xstrndup(t->s, t->len);
}

/* A module-level statement holding a lambda, read as a function. */
static struct hint_func *lambda_function(struct builder *b, unsigned line)
{
	const struct scan *sc = b->sc;
	for (size_t li = 0; li < sc->n_lines; li++) {
		const struct lline *l = &sc->lines[li];
		unsigned first = ltok(sc, li, 0)->line;
		unsigned last = last_line_of(sc, li, li + 1);
		if (line < first || line > last || l->indent != 0)
			continue;
		const struct ptok *t = &sc->toks[l->first];
		for (size_t k = 0; k < l->n; k++)
			if (tok_is(&t[k], "lambda")) {
				b->fn->name = xstrdup("lambda");
				b->fn->first_line = first;
				b->fn->last_line = last;
				b->fn->body = hint_node_new(b->fn, HINT_BLOCK, first);
				simple_statements(b, b->fn->body, t, 0, l->n);
				return b->fn;
			}
		return NULL;
	}
	return NULL;
}

static struct hint_func *read_function(const struct scan *sc, size_t li)
{
	struct hint_func *fn = hint_func_new(HINT_LANG_PYX);
	struct builder b = {sc, fn};
	const struct lline *l = &sc->lines[li];
	const struct ptok *t = &sc->toks[l->first];
	size_t name_idx = 0;
	is_function_header(sc, li, &name_idx);
	fn->name = token_text(&t[name_idx]);
	fn->first_line = t[0].line;
	fn->last_line = last_line_of(sc, li, l->block_end);
	size_t colon = suite_colon(t, 0, l->n);
	if (name_idx + 1 < colon && tok_is(&t[name_idx + 1], "(")) {
		size_t depth = 0, close = name_idx + 1;
		for (size_t k = name_idx + 1; k < colon; k++) {
			if (tok_is(&t[k], "("))
				depth++;
			else if (tok_is(&t[k], ")") && --depth == 0) {
				close = k;
				break;
			}
		}
		parameters(fn, t, name_idx + 1, close);
	}
	c_function_names(sc, fn);
	fn->body = suite(&b, li, colon);
	return fn;
}

static void scan_text(struct scan *sc, const char *text, size_t len)
{
	memset(sc, 0, sizeof(*sc));
	sc->text = text;
	sc->len = len;
	tokenize(sc);
}

struct hint_func *pyxscan_function(const char *text, size_t len, unsigned line)
{
	struct scan sc;
	scan_text(&sc, text, len);
	struct hint_func *fn = NULL;
	size_t li = 0;
	if (find_function(&sc, line, &li)) {
		fn = read_function(&sc, li);
		size_t class_li;
		if (enclosing_class(&sc, li, &class_li)) {
			const struct lline *cl = &sc.lines[class_li];
			const struct ptok *ct = &sc.toks[cl->first];
			size_t k = tok_is(&ct[0], "cdef") ? 2 : 1;
			if (k < cl->n && ct[k].kind == HINT_TOK_IDENT) {
				fn->class_name = token_text(&ct[k]);
				fn->class_line = ct[0].line;
				/* class X(Base): Base's __dealloc__ may free what X stores */
				if (k + 2 < cl->n && tok_is(&ct[k + 1], "(") &&
				    !(tok_is(&ct[k + 2], "object") || tok_is(&ct[k + 2], ")")))
					fn->class_inherits = 1;
			}
			for (size_t j = class_li + 1; j < cl->block_end; j++) {
				size_t ni;
				if (sc.lines[j].indent == sc.lines[li].indent &&
				    is_function_header(&sc, j, &ni) &&
				    tok_is(&sc.toks[sc.lines[j].first + ni], "__dealloc__") && j != li) {
					fn->dealloc = read_function(&sc, j);
					break;
				}
			}
		}
	} else {
		struct hint_func *lf = hint_func_new(HINT_LANG_PYX);
		struct builder b = {&sc, lf};
		fn = lambda_function(&b, line);
		if (fn == NULL)
			hint_func_free(lf);
		else
			c_function_names(&sc, fn);
	}
	free(sc.toks);
	free(sc.lines);
	return fn;
}

struct hint_func *pyxscan_function_named(const char *text, size_t len, const char *name)
{
	struct scan sc;
	scan_text(&sc, text, len);
	struct hint_func *fn = NULL;
	for (size_t li = 0; li < sc.n_lines && fn == NULL; li++) {
		size_t name_idx;
		if (sc.lines[li].indent != 0 || !is_function_header(&sc, li, &name_idx))
			continue;
		const struct ptok *t = &sc.toks[sc.lines[li].first + name_idx];
		if (t->len == strlen(name) && strncmp(t->s, name, t->len) == 0)
			fn = read_function(&sc, li);
	}
	free(sc.toks);
	free(sc.lines);
	return fn;
}
