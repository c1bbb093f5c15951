/*
 * hint_tokens.c — token and string helpers of the hint analysis (hint.h,
 * issue 13): brackets, casts, calls and their arguments, tokens joined
 * back into code, short function names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain/hint_internal.h"

void hint_copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void hint_fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(buf, size, format, ap);
	va_end(ap);
}

/* ---- tokens ---- */

int hint_is(const tok_t *t, const char *s)
{
	return t != NULL && strcmp(t->text, s) == 0;
}

int hint_is_any(const tok_t *t, const char *const *set)
{
	if (t == NULL)
		return 0;
	for (size_t i = 0; set[i] != NULL; i++)
		if (strcmp(t->text, set[i]) == 0)
			return 1;
	return 0;
}

int hint_is_open(const tok_t *t)
{
	return hint_is(t, "(") || hint_is(t, "[") || hint_is(t, "{");
}

static int is_close(const tok_t *t)
{
	return hint_is(t, ")") || hint_is(t, "]") || hint_is(t, "}");
}

/* Index of the bracket closing the one at i, or n. */
size_t hint_close_of(const tok_t *t, size_t n, size_t i)
{
	int depth = 0;
	for (size_t k = i; k < n; k++) {
		if (hint_is_open(&t[k]))
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
		else if (hint_is_open(&t[k]) && --depth == 0)
			return k;
	}
	return (size_t)-1;
}

int hint_type_like(const tok_t *t)
{
	return t->kind == HINT_TOK_IDENT || t->kind == HINT_TOK_KEYWORD || hint_is(t, "*") ||
	       hint_is(t, "**") || hint_is(t, "&") || hint_is(t, "::") || hint_is(t, ".");
}

/* The start of the casts right before index s: `<double *>` (.pyx),
 * `(char *)` (C).  *object_cast is set when one of them is <object>. */
size_t hint_strip_casts(const tok_t *t, size_t s, enum hint_lang lang, int *object_cast)
{
	for (;;) {
		if (s == 0)
			return s;
		if (lang == HINT_LANG_PYX && hint_is(&t[s - 1], ">")) {
			size_t k = s - 1;
			while (k > 0 && !hint_is(&t[k - 1], "<") && hint_type_like(&t[k - 1]))
				k--;
			if (k == 0 || !hint_is(&t[k - 1], "<") || k == s - 1)
				return s;
			if (object_cast != NULL && s - 1 - k == 1 && hint_is(&t[k], "object"))
				*object_cast = 1;
			s = k - 1;
			continue;
		}
		if (lang != HINT_LANG_PYX && hint_is(&t[s - 1], ")")) {
			size_t o = open_of(t, s - 1);
			if (o == (size_t)-1 || o + 1 == s - 1)
				return s;
			for (size_t k = o + 1; k < s - 1; k++)
				if (!hint_type_like(&t[k]))
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

int hint_is_null_literal(const tok_t *t)
{
	static const char *const nulls[] = {"NULL", "0", "nullptr", "None", "0L", NULL};
	return hint_is_any(t, nulls);
}

int hint_is_comparison(const tok_t *t)
{
	static const char *const ops[] = {"==", "!=", "<", ">", "<=", ">=", "is", "and", "or",
					  "&&", "||", "!", "not", "in", NULL};
	return hint_is_any(t, ops);
}

/* "(anonymous namespace)::make(int)" → "make"; "hintfix.cyleaks.f" → "f". */
void hint_short_name(const char *name, char *buf, size_t size)
{
	if (name == NULL) {
		buf[0] = '\0';
		return;
	}
	char tmp[256];
	hint_copy_str(tmp, sizeof(tmp), name);
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
	hint_copy_str(buf, size, p);
}

/* The end of the expression starting at the call token i. */
size_t hint_call_end(const tok_t *t, size_t n, size_t i)
{
	if (hint_is(&t[i], "new")) {
		size_t k = i + 1;
		while (k < n && !hint_is(&t[k], ";") && !hint_is(&t[k], ",") && !is_close(&t[k])) {
			if (hint_is_open(&t[k]))
				k = hint_close_of(t, n, k);
			k++;
		}
		return k - 1;
	}
	if (i + 1 < n && hint_is(&t[i + 1], "("))
		return hint_close_of(t, n, i + 1);
	return i;
}

/* The call that encloses token i as a direct argument: its name's index,
 * the argument's position, and the argument's bounds. */
int hint_enclosing_call(const tok_t *t, size_t n, size_t i, size_t *fn_idx, int *arg,
			size_t *arg_start, size_t *arg_end)
{
	int depth = 0, commas = 0, found = 0;
	size_t start = i;
	for (size_t k = i; k-- > 0;) {
		if (is_close(&t[k])) {
			depth++;
		} else if (hint_is_open(&t[k])) {
			if (depth == 0) {
				if (!hint_is(&t[k], "(") || k == 0 ||
				    t[k - 1].kind != HINT_TOK_IDENT)
					return 0;
				*fn_idx = k - 1;
				found = 1;
				break;
			}
			depth--;
		} else if (depth == 0 && hint_is(&t[k], ",")) {
			if (commas == 0)
				start = k + 1;
			commas++;
		}
	}
	if (!found)
		return 0;
	if (commas == 0)
		start = *fn_idx + 2;
	size_t close = hint_close_of(t, n, *fn_idx + 1);
	size_t end = close;
	depth = 0;
	for (size_t q = i; q < close; q++) {
		if (hint_is_open(&t[q]))
			depth++;
		else if (is_close(&t[q]))
			depth--;
		else if (depth == 0 && hint_is(&t[q], ",")) {
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
void hint_join_tokens(const tok_t *t, size_t from, size_t to, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t k = from; k < to && used + 1 < size; k++) {
		int glue = k == from;
		if (!glue) {
			const tok_t *a = &t[k - 1], *b = &t[k];
			glue = hint_is(b, ".") || hint_is(b, "->") || hint_is(b, "[") ||
			       hint_is(b, "]") || hint_is(b, ")") || hint_is(b, ",") ||
			       hint_is(b, ";") || hint_is(a, ".") || hint_is(a, "->") ||
			       hint_is(a, "[") || hint_is(a, "(") ||
			       (hint_is(b, "(") && (a->kind == HINT_TOK_IDENT || is_close(a))) ||
			       (hint_is(a, "*") && k >= from + 2 &&
				(hint_is(&t[k - 2], "=") || hint_is(&t[k - 2], "(")));
		}
		int w = snprintf(buf + used, size - used, "%s%s", glue ? "" : " ", t[k].text);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
