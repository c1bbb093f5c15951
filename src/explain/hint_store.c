/*
 * hint_store.c — the verdict on a block stored where it outlives the function
 * (hint.h, issue 13): a cdef class field (self.x) and the class's
 * __dealloc__, a global, a field of a local that is freed without it.
 */
#include <string.h>

#include "explain/hint_internal.h"

/* The argument tokens [from, to) without leading casts, as text. */
static void argument_text(const struct hint_func *fn, const tok_t *t, size_t n, size_t from,
			  size_t to, char *buf, size_t size)
{
	while (from < to) {
		size_t e;
		if (fn->lang == HINT_LANG_PYX && hint_is(&t[from], "<")) {
			e = from;
			while (e < to && !hint_is(&t[e], ">"))
				e++;
		} else if (fn->lang != HINT_LANG_PYX && hint_is(&t[from], "(")) {
			e = hint_close_of(t, n, from);
			for (size_t k = from + 1; k < e && e < to; k++)
				if (!hint_type_like(&t[k]))
					e = to;
		} else {
			break;
		}
		if (e + 1 >= to)
			break;
		from = e + 1;
	}
	hint_join_tokens(t, from, to, buf, size);
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
			if (hint_is(&t[k], "delete")) {
				size_t from = k + 1;
				if (hint_is(&t[from], "[") && from + 1 < n->n_toks &&
				    hint_is(&t[from + 1], "]"))
					from += 2;
				size_t to = from;
				while (to < n->n_toks && !hint_is(&t[to], ";"))
					to++;
				char text[256];
				hint_join_tokens(t, from, to, text, sizeof(text));
				if (strcmp(text, name) == 0)
					return 1;
				continue;
			}
			if (t[k].kind != HINT_TOK_IDENT || !hint_is(&t[k + 1], "(") ||
			    !(nature_is_release_function(t[k].text) || hint_is_decref(t[k].text)))
				continue;
			size_t close = hint_close_of(t, n->n_toks, k + 1);
			char text[256];
			argument_text(fn, t, n->n_toks, k + 2, close, text, sizeof(text));
			if (strcmp(text, name) == 0)
				return 1;
		}
	}
	return 0;
}

/* Does a condition of fn (if, loop, switch) mention name? */
static int tested_anywhere(const struct hint_func *fn, const char *name)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->kind != HINT_IF && n->kind != HINT_LOOP && n->kind != HINT_SWITCH)
			continue;
		for (size_t k = 0; k < n->n_toks; k++)
			if (hint_is(&n->toks[k], name) &&
			    !(k > 0 &&
			      (hint_is(&n->toks[k - 1], ".") || hint_is(&n->toks[k - 1], "->"))))
				return 1;
	}
	return 0;
}

/* The block went into a.target (a global, self.x, a field) at store_line. */
void hint_verdict_store(const struct alloc *a, const struct nature *nat,
			const struct subject *sub, int frame, unsigned store_line,
			const struct hint_frame *fr, struct hint_result *r, struct text *t)
{
	const struct hint_func *fn = fr->fn;
	const char *target = a->target;
	const char *frees = nat->family == NATURE_PYTHON ? "releases"
			    : nat->family == NATURE_CXX  ? "deletes"
							 : "frees";
	char fl[160];
	hint_func_label(fn, fl, sizeof(fl));
	if (fn->lang == HINT_LANG_PYX && strncmp(target, "self.", 5) == 0 && fn->class_name != NULL) {
		if (fn->class_inherits)
			return; /* a base class's __dealloc__ may free it */
		if (fn->dealloc == NULL) {
			hint_say(t, "`%s` receives %s, and `%s` has no `__dealloc__` to free it; free it there",
				 target, sub->block, fn->class_name);
			hint_evidence(r, frame, store_line);
			hint_evidence(r, frame, fn->class_line);
		} else if (!releases_anywhere(fn->dealloc, target)) {
			hint_say(t, "`%s` receives %s, and `%s.__dealloc__` (line %u) does not free it; "
				    "free it there",
				 target, sub->block, fn->class_name, fn->dealloc->first_line);
			hint_evidence(r, frame, store_line);
			hint_evidence(r, frame, fn->dealloc->first_line);
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
			hint_say(t, "%s is kept in the global `%s` (line %u) and was not %s before exit",
				 sub->block, target, store_line,
				 nat->family == NATURE_PYTHON ? "released" : "freed");
		else
			hint_say(t, "%s is stored in the global `%s` (line %u), and `%s` (lines %u–%u) never "
				    "%s what `%s` held before: each call loses the previous one",
				 sub->block, target, store_line, fl, fn->first_line, fn->last_line, frees,
				 target);
		hint_evidence(r, frame, store_line);
		r->found = 1;
		return;
	}
	/* a field of a local that is freed without it */
	const char *base = a->target_base;
	if (base[0] != '\0' && !hint_is_declared(fn, base) && fn->lang == HINT_LANG_PYX)
		return;
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->line <= store_line || n->kind != HINT_SIMPLE)
			continue;
		for (size_t k = 0; k + 3 < n->n_toks; k++)
			if (n->toks[k].kind == HINT_TOK_IDENT &&
			    nature_is_release_function(n->toks[k].text) && hint_is(&n->toks[k + 1], "(") &&
			    hint_is(&n->toks[k + 2], base) && hint_is(&n->toks[k + 3], ")") &&
			    !releases_anywhere(fn, target)) {
				hint_say(t, "`%s` receives %s, and `%s` is freed at line %u without freeing "
					    "`%s` first",
					 target, sub->block, base, n->line, target);
				hint_evidence(r, frame, store_line);
				hint_evidence(r, frame, n->line);
				r->found = 1;
				return;
			}
	}
}
