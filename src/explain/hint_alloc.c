/*
 * hint_alloc.c — the allocation (step 1 of hint.c): the statement at the
 * culprit line that calls the callee, and what takes its result: a local,
 * a place that outlives the function, the return value, or nothing.
 */
#include <string.h>

#include "explain/hint_internal.h"

/* ---- the allocation ---- */

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

int hint_is_known_allocator_name(const char *name)
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
				int call = i + 1 < n->n_toks && hint_is(&n->toks[i + 1], "(");
				if (f->callee != NULL && strcmp(f->callee, "new") == 0 &&
				    hint_is(t, "new") && f->best == NULL) {
					f->best = n;
					f->best_call = i;
				} else if (call && f->callee != NULL && hint_is(t, f->callee) &&
					   f->best == NULL) {
					f->best = n;
					f->best_call = i;
				} else if (call && t->kind == HINT_TOK_IDENT &&
					   hint_is_known_allocator_name(t->text)) {
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

int hint_is_global_name(const struct hint_func *fn, const tok_t *t)
{
	if (fn->lang == HINT_LANG_PYX)
		return hint_has_name(fn->globals, fn->n_globals, t->text) &&
		       !hint_is_declared(fn, t->text);
	return t->ref == 'g';
}

/* Reads what takes the call's result in its statement. */
void hint_classify_alloc(const struct hint_func *fn, struct alloc *a)
{
	const tok_t *t = a->node->toks;
	size_t n = a->node->n_toks;
	while (n > 0 && hint_is(&t[n - 1], ";"))
		n--;
	int object_cast = 0;
	size_t s = hint_strip_casts(t, a->start, fn->lang, &object_cast);
	size_t e = a->end;
	const tok_t *before = s > 0 ? &t[s - 1] : NULL;
	const tok_t *after = e + 1 < n ? &t[e + 1] : NULL;
	if ((after != NULL && hint_is_comparison(after) && !hint_is(after, "!") &&
	     !hint_is(after, "not")) ||
	    (before != NULL && hint_is_comparison(before)) ||
	    (a->node->kind == HINT_IF && s == 0 && after == NULL)) {
		a->form = FORM_COMPARED;
		return;
	}
	if (after != NULL) {
		size_t f, as, ae;
		int arg;
		if (hint_enclosing_call(t, n, a->start, &f, &arg, &as, &ae) && as == s &&
		    ae == e + 1 && hint_is_any(&t[f], hint_harmless_c))
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
	if (!hint_is(before, "="))
		return;
	size_t lhs_end = s - 1;
	if (lhs_end == 0)
		return;
	const tok_t *last = &t[lhs_end - 1];
	int member = 0, decl = 0;
	for (size_t k = 0; k < lhs_end; k++) {
		if (hint_is(&t[k], ".") || hint_is(&t[k], "->") || hint_is(&t[k], "["))
			member = 1;
		if (hint_is(&t[k], "=") || hint_is(&t[k], ","))
			return; /* a = b = f(), a, b = … */
	}
	if (fn->lang == HINT_LANG_PYX && hint_is(&t[0], "cdef"))
		decl = 1;
	else if (fn->lang != HINT_LANG_PYX && lhs_end >= 2 && !member) {
		decl = 1;
		for (size_t k = 0; k + 1 < lhs_end; k++)
			if (!hint_type_like(&t[k]))
				decl = 0;
	}
	if (fn->lang != HINT_LANG_PYX && !decl && last->kind == HINT_TOK_IDENT &&
	    ((lhs_end == 1 && last->ref == 'm') ||
	     (lhs_end == 3 && hint_is(&t[0], "this") && hint_is(&t[1], "->")))) {
		/* a field of the object the member function runs on */
		a->form = FORM_STORE;
		a->target_member = 1;
		hint_copy_str(a->target, sizeof(a->target), last->text);
		hint_copy_str(a->target_base, sizeof(a->target_base), "this");
		return;
	}
	if ((decl || lhs_end == 1) && last->kind == HINT_TOK_IDENT && !member) {
		if (!decl && hint_is_global_name(fn, last)) {
			a->form = FORM_STORE;
			a->target_global = 1;
			hint_copy_str(a->target, sizeof(a->target), last->text);
			hint_copy_str(a->target_base, sizeof(a->target_base), last->text);
			return;
		}
		a->form = FORM_VAR;
		hint_copy_str(a->var, sizeof(a->var), last->text);
		return;
	}
	if (member && t[0].kind == HINT_TOK_IDENT && !decl) {
		a->form = FORM_STORE;
		hint_join_tokens(t, 0, lhs_end, a->target, sizeof(a->target));
		hint_copy_str(a->target_base, sizeof(a->target_base), t[0].text);
		a->target_global = hint_is_global_name(fn, &t[0]);
	}
}

/* Finds the allocation at line; 0 when there is none to read. */
int hint_find_alloc(const struct hint_frame *fr, const struct nature *nat, struct alloc *a)
{
	memset(a, 0, sizeof(*a));
	char callee[96];
	hint_short_name(fr->callee, callee, sizeof(callee));
	if (fr->callee != NULL &&
	    (strncmp(fr->callee, "operator new", 12) == 0 || strncmp(fr->callee, "_Znw", 4) == 0 ||
	     strncmp(fr->callee, "_Zna", 4) == 0))
		hint_fmt(callee, sizeof(callee), "new");
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
		if (n->n_toks >= 3 && n->toks[0].kind == HINT_TOK_IDENT &&
		    hint_is(&n->toks[1], "=")) {
			a->node = n;
			a->form = FORM_VAR;
			hint_copy_str(a->var, sizeof(a->var), n->toks[0].text);
			if (hint_is_global_name(fr->fn, &n->toks[0]))
				return 0;
			hint_copy_str(a->callee, sizeof(a->callee), nat->what);
			return 1;
		}
		return 0;
	} else {
		return 0;
	}
	a->end = hint_call_end(a->node->toks, a->node->n_toks, a->start);
	hint_copy_str(a->callee, sizeof(a->callee), a->node->toks[a->start].text);
	hint_classify_alloc(fr->fn, a);
	return a->form != FORM_UNKNOWN;
}
