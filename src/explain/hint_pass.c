/*
 * hint_pass.c — the block passed to a function and then dropped (issue 24).
 *
 * The commonest leak of real Cython code: the pointer's only use is a call
 * (`fill(buf, n)`), and nothing frees it afterwards.  Before this rule such
 * a call ended the analysis (a function the analysis does not know may
 * keep the block).  Now the callee is looked up through the frame's finder
 * (explain.c: a cdef function of the same .pyx, a function of the same C
 * file, or of the .c beside a header the source includes or declares
 * `cdef extern from`) and its uses of the parameter are read with the same
 * rules (hint_owner.c), through the functions it hands the block on to
 * (three calls deep):
 *   - it frees the block, stores it (a global, a field, a struct), returns
 *     it or aliases it: the callee takes it, or the source cannot say — no
 *     hint, as before;
 *   - every use leaves the block where it is (reads, writes of its bytes,
 *     harmless library calls): the call is recorded as known;
 *   - its source is not at hand (a library, a function pointer): the call
 *     is recorded as unknown, and the hint is hedged ("unless `helper`
 *     takes ownership") — only when the call's result is not kept as a
 *     pointer (a callee could return its argument): the call is a
 *     statement, a condition, a number's value, or the callee is declared
 *     to return a number (hint_returns_scalar).
 * A path still holding the block at an exit then gets the pass-and-drop
 * verdict, naming the calls.  The other verdicts (freed on some paths,
 * overwritten, stored…) stand only when every pass is known: an unknown
 * callee could have taken the block on the path the verdict blames.  A
 * block valgrind found still reachable was kept by someone: no pass hint.
 */
#include <ctype.h>
#include <string.h>

#include "explain/hint_internal.h"

enum pass_verdict { PV_KEEPS_NOT = 0, PV_UNKNOWN, PV_OWNS, PV_UNCLEAR };

#define MAX_DEPTH 3

/* ---- parameters from the source text ---- */

static int ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

static int ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* The last identifier of text[from, to) into buf; 0 when none. */
static int last_ident(const char *text, size_t from, size_t to, char *buf, size_t size)
{
	size_t best = to, best_len = 0;
	for (size_t i = from; i < to;) {
		if (ident_start(text[i]) && (i == from || !ident_char(text[i - 1]))) {
			size_t j = i;
			while (j < to && ident_char(text[j]))
				j++;
			best = i;
			best_len = j - i;
			i = j;
		} else {
			i++;
		}
	}
	if (best == to || best_len == 0 || best_len >= size)
		return 0;
	memcpy(buf, text + best, best_len);
	buf[best_len] = '\0';
	return 1;
}

size_t hint_params_of(const char *text, size_t len, unsigned first_line, const char *name,
		      char (*params)[64], size_t max)
{
	size_t pos = 0;
	for (unsigned line = 1; line < first_line && pos < len; pos++)
		if (text[pos] == '\n')
			line++;
	size_t nlen = strlen(name);
	size_t limit = pos + 4096 < len ? pos + 4096 : len;
	size_t open = 0;
	for (size_t i = pos; i + nlen < limit; i++) {
		if (strncmp(text + i, name, nlen) != 0 || (i > 0 && ident_char(text[i - 1])) ||
		    ident_char(text[i + nlen]))
			continue;
		size_t k = i + nlen;
		while (k < limit && (text[k] == ' ' || text[k] == '\t'))
			k++;
		if (k < limit && text[k] == '(') {
			open = k + 1;
			break;
		}
	}
	if (open == 0)
		return 0;
	size_t n = 0, start = open;
	int depth = 0;
	for (size_t i = open; i < limit; i++) {
		char ch = text[i];
		if (ch == '(' || ch == '[') {
			if (ch == '(')
				return 0; /* a function pointer: not read */
			depth++;
		} else if (ch == ']') {
			depth--;
		} else if ((ch == ',' || ch == ')') && depth == 0) {
			size_t end = i;
			for (size_t k = start; k < i; k++)
				if (text[k] == '=' || text[k] == ':' || text[k] == '[') {
					end = k;
					break;
				}
			char word[64];
			for (size_t k = start; k + 2 < end; k++)
				if (text[k] == '.' && text[k + 1] == '.' && text[k + 2] == '.')
					return 0; /* variadic */
			if (last_ident(text, start, end, word, sizeof(word))) {
				if (ch == ')' && n == 0 && strcmp(word, "void") == 0)
					return 0;
				if (n == max)
					return 0;
				memcpy(params[n++], word, sizeof(word));
			} else if (ch == ',' || n > 0) {
				return 0;
			}
			if (ch == ')')
				return n;
			start = i + 1;
		}
	}
	return 0;
}

static int is_scalar_type(const char *w, size_t n)
{
	static const char *const types[] = {
		"int", "long", "short", "unsigned", "signed", "size_t", "ssize_t", "Py_ssize_t",
		"Py_hash_t", "double", "float", "bint", "bool", "int8_t", "int16_t", "int32_t",
		"int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "intptr_t", "uintptr_t",
		NULL};
	for (size_t i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == n && strncmp(types[i], w, n) == 0)
			return 1;
	return 0;
}

int hint_returns_scalar(const char *text, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	static const char *const skip[] = {"cdef", "cpdef", "inline", "static", "extern", "const",
					   "public", "api", "unsigned", "signed", "long", NULL};
	for (size_t i = 0; i + nlen < len; i++) {
		if (strncmp(text + i, name, nlen) != 0 || (i > 0 && ident_char(text[i - 1])) ||
		    ident_char(text[i + nlen]))
			continue;
		size_t k = i + nlen;
		while (k < len && (text[k] == ' ' || text[k] == '\t'))
			k++;
		if (k >= len || text[k] != '(')
			continue;
		/* the words before it on its line: the result type */
		size_t start = i;
		while (start > 0 && text[start - 1] != '\n')
			start--;
		int scalar = 0, other = 0;
		for (size_t p = start; p < i;) {
			if (text[p] == '*' || text[p] == '=' || text[p] == '(' || text[p] == '.' ||
			    text[p] == '#' || text[p] == ',') {
				other = 1;
				break;
			}
			if (!ident_char(text[p])) {
				p++;
				continue;
			}
			size_t q = p;
			while (q < i && ident_char(text[q]))
				q++;
			int skipped = 0;
			for (size_t s = 0; skip[s] != NULL; s++)
				if (strlen(skip[s]) == q - p && strncmp(skip[s], text + p, q - p) == 0)
					skipped = 1;
			if (is_scalar_type(text + p, q - p))
				scalar = 1;
			else if (!skipped)
				other = 1;
			p = q;
		}
		if (scalar && !other)
			return 1;
	}
	return 0;
}

/* ---- what a callee does with its parameter ---- */

static enum pass_verdict callee_verdict(const struct ctx *c, const char *name, int arg,
					struct pass *out, int *returns_scalar);

/* The call's result is not kept as a pointer: the call is a statement of
 * its own, a condition, or a number's value (`cdef int s = sum(p, n)`,
 * `total += sum(p, n)`). */
static int result_not_kept(const struct ctx *c, const struct hint_node *node, const tok_t *t,
			   size_t n, size_t f)
{
	if (node->kind == HINT_IF)
		return 1;
	if (node->kind != HINT_SIMPLE)
		return 0;
	while (n > 0 && hint_is(&t[n - 1], ";"))
		n--;
	if (hint_call_end(t, n, f) + 1 != n)
		return 0; /* the call is part of a larger expression */
	size_t s = hint_strip_casts(t, f, c->fn->lang, NULL);
	if (s == 0)
		return 1;
	static const char *const numeric_ops[] = {"+=", "-=", "|=", "^=", "&=", NULL};
	if (s >= 2 && hint_is_any(&t[s - 1], numeric_ops))
		return 1;
	if (s < 2 || !hint_is(&t[s - 1], "=") || t[s - 2].kind != HINT_TOK_IDENT)
		return 0;
	const tok_t *lhs = &t[s - 2];
	enum hint_var_type vt = hint_func_var_type(c->fn, lhs->text);
	if (vt == HINT_VAR_CPTR || vt == HINT_VAR_PYREF || hint_is_global_name(c->fn, lhs))
		return 0;
	if (s >= 3 && (hint_is(&t[s - 3], "*") || hint_is(&t[s - 3], "&")))
		return 0; /* `char *q = f(p)`: a pointer, declared here */
	for (size_t k = 0; k + 2 < s; k++)
		if (hint_is(&t[k], ".") || hint_is(&t[k], "->") || hint_is(&t[k], "["))
			return 0;
	return 1;
}

enum effect hint_pass_call(struct ctx *c, const struct hint_node *node, const tok_t *t,
			   size_t n, size_t f, int arg)
{
	const char *name = t[f].text;
	struct decided *d = NULL;
	for (size_t i = 0; i < c->n_decided; i++)
		if (c->decided[i].arg == arg && strcmp(c->decided[i].name, name) == 0)
			d = &c->decided[i];
	struct decided fresh;
	if (d == NULL) {
		memset(&fresh, 0, sizeof(fresh));
		hint_copy_str(fresh.name, sizeof(fresh.name), name);
		fresh.arg = arg;
		fresh.verdict = callee_verdict(c, name, arg, &fresh.pass, &fresh.returns_scalar);
		if (c->n_decided < MAX_DECIDED)
			c->decided[c->n_decided++] = fresh;
		d = &fresh;
	}
	if (d->verdict == PV_OWNS)
		c->pass_owned = 1;
	if (d->verdict == PV_OWNS || d->verdict == PV_UNCLEAR)
		return EF_UNSURE;
	if (d->verdict == PV_UNKNOWN && !d->returns_scalar && !result_not_kept(c, node, t, n, f))
		return EF_UNSURE;
	for (size_t i = 0; i < c->n_passes; i++)
		if (c->passes[i].line == node->line && strcmp(c->passes[i].callee, name) == 0)
			return EF_HARMLESS;
	if (c->n_passes == MAX_PASSES) {
		c->pass_unsure = 1;
		return EF_UNSURE;
	}
	struct pass *p = &c->passes[c->n_passes++];
	*p = d->pass;
	hint_copy_str(p->callee, sizeof(p->callee), name);
	p->line = node->line;
	return EF_HARMLESS;
}

static enum pass_verdict callee_verdict(const struct ctx *c, const char *name, int arg,
					struct pass *out, int *returns_scalar)
{
	memset(out, 0, sizeof(*out));
	*returns_scalar = 0;
	if (c->depth >= MAX_DEPTH || arg < 0)
		return PV_UNCLEAR;
	struct hint_callee ce;
	memset(&ce, 0, sizeof(ce));
	const char *from = c->depth == 0 ? c->frame->file : c->callee_file;
	int found = c->frame->lookup(c->frame->lookup_data, from, name, &ce);
	*returns_scalar = ce.returns_scalar;
	if (!found) {
		hint_copy_str(out->unknown, sizeof(out->unknown), name);
		return PV_UNKNOWN;
	}
	if (ce.fn == NULL || ce.fn->body == NULL || (size_t)arg >= ce.n_params)
		return PV_UNCLEAR;
	struct ctx sub;
	memset(&sub, 0, sizeof(sub));
	sub.fn = ce.fn;
	sub.var = ce.params[arg];
	sub.mode = MODE_CPTR;
	sub.frame = c->frame;
	sub.depth = c->depth + 1;
	sub.callee_file = ce.file;
	int owns = 0, unclear = 0;
	for (size_t i = 0; i < ce.fn->n_all && !owns; i++) {
		const struct hint_node *node = ce.fn->all[i];
		if (node->kind == HINT_OPAQUE) {
			unclear = 1;
			continue;
		}
		for (size_t k = 0; k < node->n_toks; k++) {
			if (node->toks[k].kind != HINT_TOK_IDENT || strcmp(node->toks[k].text, sub.var) != 0)
				continue;
			char target[96] = "";
			switch (hint_classify_use(&sub, node, node->toks, node->n_toks, k, target,
						  sizeof(target))) {
			case EF_NONE:
			case EF_HARMLESS:
				break;
			case EF_RELEASE:
			case EF_STORE:
			case EF_GIVEN:
			case EF_REALLOC_SELF:
				owns = 1;
				break;
			default:
				unclear = 1;
				break;
			}
		}
	}
	if (owns || sub.pass_owned)
		return PV_OWNS;
	if (unclear || sub.pass_unsure)
		return PV_UNCLEAR;
	for (size_t i = 0; i < sub.n_passes; i++)
		if (!sub.passes[i].known) {
			hint_copy_str(out->unknown, sizeof(out->unknown), sub.passes[i].unknown);
			return PV_UNKNOWN;
		}
	out->known = 1;
	hint_copy_str(out->file, sizeof(out->file), ce.file != NULL ? ce.file : "");
	out->first = ce.fn->first_line;
	out->last = ce.fn->last_line;
	return PV_KEEPS_NOT;
}

/* ---- the verdict ---- */

int hint_pass_unknown(const struct ctx *c)
{
	for (size_t i = 0; i < c->n_passes; i++)
		if (!c->passes[i].known)
			return 1;
	return 0;
}

int hint_verdict_pass(const struct ctx *c, const struct subject *sub, int frame,
		      const struct hint_frame *fr, struct hint_result *r, struct text *t)
{
	if (c->n_passes == 0)
		return 0;
	char fl[160];
	hint_func_label(c->fn, fl, sizeof(fl));
	hint_say(t, "%s passed to ", sub->text);
	for (size_t i = 0; i < c->n_passes; i++) {
		const struct pass *p = &c->passes[i];
		hint_say(t, "%s`%s()` at line %u", i == 0 ? "" : i + 1 == c->n_passes ? " and " : ", ",
			 p->callee, p->line);
		if (p->known)
			hint_say(t, " (which does not keep it, as far as its source at %s:%u–%u shows)",
				 p->file, p->first, p->last);
		else if (strcmp(p->unknown, p->callee) != 0)
			hint_say(t, " (which hands it to `%s()`, whose source is not at hand)",
				 p->unknown);
		else
			hint_say(t, " (whose source is not at hand)");
		hint_evidence(r, frame, p->line);
	}
	hint_say(t, ", and then dropped: `%s` (lines %u–%u) neither frees nor returns it; ", fl,
		 c->fn->first_line, c->fn->last_line);
	size_t n_unknown = 0;
	for (size_t i = 0; i < c->n_passes; i++) {
		const struct pass *p = &c->passes[i];
		if (p->known)
			continue;
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= !c->passes[j].known && strcmp(c->passes[j].unknown, p->unknown) == 0;
		if (seen)
			continue;
		hint_say(t, "%s`%s`", n_unknown == 0 ? "unless " : " or ", p->unknown);
		n_unknown++;
	}
	if (n_unknown > 0)
		hint_say(t, " take%s ownership, ", n_unknown == 1 ? "s" : "");
	hint_say(t, "free it after the %scall", c->n_passes > 1 ? "last " : "");
	if (fr->fn->lang == HINT_LANG_PYX)
		hint_say(t, " (in a `try`/`finally`)");
	hint_evidence(r, frame, c->alloc->node->line);
	r->found = 1;
	return 1;
}
