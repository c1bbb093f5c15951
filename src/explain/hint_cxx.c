/*
 * hint_cxx.c — C++ ownership shapes (hint.h, issue 26): a block stored in
 * a raw pointer member of a class that never deletes it (no destructor, or
 * one that does not delete the member), and a local deleted on the only
 * way through its block after a statement that calls what can throw (the
 * leak is on the throw path).  Each makes a claim only where the source
 * proves it; otherwise it says why not (hint_result.why, shown by -v).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain/hint_internal.h"

void hint_why(struct hint_result *r, const char *format, ...)
{
	if (r->why[0] != '\0')
		return;
	va_list ap;
	va_start(ap, format);
	vsnprintf(r->why, sizeof(r->why), format, ap);
	va_end(ap);
}

/* Does the statement delete name (`delete name`, `delete[] this->name`)? */
static int deletes(const struct hint_node *n, const char *name)
{
	const tok_t *t = n->toks;
	for (size_t k = 0; k < n->n_toks; k++) {
		if (!hint_is(&t[k], "delete"))
			continue;
		size_t i = k + 1;
		if (i + 1 < n->n_toks && hint_is(&t[i], "[") && hint_is(&t[i + 1], "]"))
			i += 2;
		if (i + 2 < n->n_toks && hint_is(&t[i], "this") && hint_is(&t[i + 1], "->"))
			i += 2;
		if (i < n->n_toks && hint_is(&t[i], name) &&
		    (i + 1 == n->n_toks || hint_is(&t[i + 1], ";")))
			return 1;
	}
	return 0;
}

/* The first call in fn's body (an identifier followed by '('), or NULL. */
static const char *first_call(const struct hint_func *fn)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		for (size_t k = 0; k + 1 < n->n_toks; k++)
			if (n->toks[k].kind == HINT_TOK_IDENT && hint_is(&n->toks[k + 1], "("))
				return n->toks[k].text;
	}
	return NULL;
}

void hint_cxx_member_store(const struct alloc *a, const struct subject *sub, int frame,
			   unsigned store_line, const struct hint_frame *fr,
			   struct hint_result *r, struct text *t)
{
	const struct hint_func *fn = fr->fn;
	const char *m = a->target;
	if (!fn->cxx_member || fn->class_name == NULL) {
		hint_why(r, "`%s` is a field, and the class of `%s` was not read", m, fn->name);
		return;
	}
	if (!hint_has_name(fn->ptr_members, fn->n_ptr_members, m)) {
		hint_why(r, "`%s` is not a raw pointer field of `%s` (what a smart pointer or a "
			    "container holds, it deletes)", m, fn->class_name);
		return;
	}
	if (fn->class_inherits) {
		hint_why(r, "`%s` has a base class, which may own `%s`: not followed", fn->class_name, m);
		return;
	}
	if (fn->cxx_dtor == 0) {
		hint_say(t, "`%s` receives %s, and `%s` (line %u) holds it in a raw pointer but has no "
			    "destructor: nothing deletes it when the object goes; delete it in a "
			    "destructor (and mind copies), or make `%s` a std::unique_ptr",
			 m, sub->block, fn->class_name, fn->class_line, m);
		hint_evidence(r, frame, store_line);
		hint_evidence(r, frame, fn->class_line);
		r->found = 1;
		return;
	}
	if (fn->cxx_dtor < 0) {
		hint_why(r, "the destructor of `%s` is defined in another file: not read", fn->class_name);
		return;
	}
	const struct hint_func *d = fn->cxx_dtor_fn;
	if (d == NULL) {
		hint_why(r, "the destructor of `%s` (line %d) could not be read", fn->class_name,
			 fn->cxx_dtor);
		return;
	}
	for (size_t i = 0; i < d->n_all; i++)
		if (deletes(d->all[i], m)) {
			hint_why(r, "`~%s` (line %u) deletes `%s`: the object holding it was itself "
				    "not destroyed", fn->class_name, d->first_line, m);
			return;
		}
	const char *call = first_call(d);
	if (call != NULL) {
		hint_why(r, "`~%s` (line %u) calls `%s`, which may delete `%s`: not followed",
			 fn->class_name, d->first_line, call, m);
		return;
	}
	hint_say(t, "`%s` receives %s, and `~%s` (line %u) does not delete it; delete it there, or "
		    "make `%s` a std::unique_ptr",
		 m, sub->block, fn->class_name, d->first_line, m);
	hint_evidence(r, frame, store_line);
	hint_evidence(r, frame, d->first_line);
	r->found = 1;
}

/* The block (and the index in it) whose direct statement is node. */
static const struct hint_node *parent_block(const struct hint_func *fn,
					    const struct hint_node *node, size_t *index)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *b = fn->all[i];
		if (b->kind != HINT_BLOCK)
			continue;
		for (size_t k = 0; k < b->n_kids; k++)
			if (b->kids[k] == node) {
				*index = k;
				return b;
			}
	}
	return NULL;
}

/* C++ library functions that take a pointer as an output iterator (or a
 * range) and write through it: they copy the pointer, never own the block
 * (std::format_to_n, {fmt}'s, the <algorithm> and <charconv> writers). */
static const char *const iterator_writers[] = {
	"format_to", "format_to_n", "vformat_to", "copy", "copy_n", "fill", "fill_n",
	"transform", "to_chars", "from_chars", "uninitialized_copy", "uninitialized_fill",
	NULL,
};

/* What a straight statement does with var: 1 fine (read, or given to a C
 * function that only reads it, or to a C++ one that writes through it),
 * 0 not followed (why set). */
static int plain_use(const struct hint_node *n, const char *var, struct hint_result *r)
{
	const tok_t *t = n->toks;
	for (size_t k = 0; k < n->n_toks; k++) {
		if (!hint_is(&t[k], var) || t[k].kind != HINT_TOK_IDENT ||
		    (k > 0 && (hint_is(&t[k - 1], ".") || hint_is(&t[k - 1], "->"))))
			continue;
		if (k + 1 < n->n_toks && hint_is(&t[k + 1], "=")) {
			hint_why(r, "`%s` is assigned again at line %u: not followed", var, t[k].line);
			return 0;
		}
		size_t f, as, ae;
		int arg;
		if (hint_enclosing_call(t, n->n_toks, k, &f, &arg, &as, &ae) &&
		    !hint_is_any(&t[f], hint_harmless_c) && !hint_is_any(&t[f], iterator_writers)) {
			hint_why(r, "`%s` is given to `%s` at line %u, which may take it: not followed",
				 var, t[f].text, t[k].line);
			return 0;
		}
	}
	return 1;
}

/* Adds the calls of a statement that can throw (not the C library's
 * harmless ones) to names; a `throw` counts.  Returns how many. */
static size_t throwing_calls(const struct hint_node *n, char names[3][64], size_t have)
{
	const tok_t *t = n->toks;
	for (size_t k = 0; k + 1 < n->n_toks && have < 3; k++) {
		int call = t[k].kind == HINT_TOK_IDENT && hint_is(&t[k + 1], "(") &&
			   !hint_is_any(&t[k], hint_harmless_c);
		if (!call && !hint_is(&t[k], "throw"))
			continue;
		int seen = 0;
		for (size_t i = 0; i < have; i++)
			seen |= strcmp(names[i], t[k].text) == 0;
		if (!seen)
			hint_copy_str(names[have++], sizeof(names[0]), t[k].text);
	}
	return have;
}

/* A member function that keeps a local's block in a raw pointer field
 * (`auto* n = new T(...); ...; head_ = n;`, {fmt}'s dynamic_arg_list):
 * the statement `FIELD = var;` (or `this->FIELD = var;`) of the block
 * that allocates it, FIELD one of the class's raw pointer fields; its line
 * and FIELD into field, or 0. */
static unsigned stored_in_field(const struct hint_func *fn, const struct alloc *a,
				char *field, size_t size)
{
	if (!fn->cxx_member)
		return 0;
	size_t at;
	const struct hint_node *b = parent_block(fn, a->node, &at);
	for (size_t k = at + 1; b != NULL && k < b->n_kids; k++) {
		const struct hint_node *n = b->kids[k];
		const tok_t *tk = n->toks;
		size_t i = 0;
		if (n->kind != HINT_SIMPLE)
			continue;
		if (n->n_toks >= 2 && hint_is(&tk[0], "this") && hint_is(&tk[1], "->"))
			i = 2;
		size_t end = n->n_toks > 0 && hint_is(&tk[n->n_toks - 1], ";") ? n->n_toks - 1
										 : n->n_toks;
		if (i + 3 == end && tk[i].kind == HINT_TOK_IDENT && hint_is(&tk[i + 1], "=") &&
		    hint_is(&tk[i + 2], a->var) &&
		    hint_has_name(fn->ptr_members, fn->n_ptr_members, tk[i].text)) {
			hint_copy_str(field, size, tk[i].text);
			return n->line;
		}
	}
	return 0;
}

void hint_cxx_throw_path(const struct alloc *a, const struct subject *sub, int frame,
			 const struct hint_frame *fr, struct hint_result *r, struct text *t)
{
	const struct hint_func *fn = fr->fn;
	if (fn->lang != HINT_LANG_CXX || a->form != FORM_VAR || fr->reachable)
		return;
	struct alloc stored = *a;
	unsigned store_line = stored_in_field(fn, a, stored.target, sizeof(stored.target));
	if (store_line != 0) {
		/* the block goes to a field: the class's ownership decides */
		stored.form = FORM_STORE;
		stored.target_member = 1;
		hint_cxx_member_store(&stored, sub, frame, store_line, fr, r, t);
		if (r->found)
			hint_evidence(r, frame, a->node->line);
		return;
	}
	for (size_t i = 0; i < fn->n_all; i++)
		if (fn->all[i]->kind == HINT_OPAQUE) {
			hint_why(r, "`%s` has a statement at line %u the analysis does not follow (a try "
				    "block, control flow from a macro)", fn->name, fn->all[i]->line);
			return;
		}
	size_t at;
	const struct hint_node *b = parent_block(fn, a->node, &at);
	if (b == NULL)
		return;
	char names[3][64];
	size_t n_names = 0;
	unsigned throw_line = 0;
	for (size_t k = at + 1; k < b->n_kids; k++) {
		const struct hint_node *n = b->kids[k];
		if (n->kind == HINT_SIMPLE && deletes(n, a->var)) {
			if (n_names == 0) {
				hint_why(r, "`%s` is deleted at line %u, and nothing between it and the "
					    "allocation at line %u calls what can throw",
					 a->var, n->line, a->node->line);
				return;
			}
			char calls[256];
			if (n_names == 1)
				hint_fmt(calls, sizeof(calls), "`%s`", names[0]);
			else if (n_names == 2)
				hint_fmt(calls, sizeof(calls), "`%s` and `%s`", names[0], names[1]);
			else
				hint_fmt(calls, sizeof(calls), "`%s`, `%s` and `%s`", names[0], names[1],
					 names[2]);
			hint_say(t, "`%s` is allocated at %s:%u and deleted at line %u, the only way "
				    "through; line %u calls %s, which can throw: an exception skips the "
				    "delete; hold the block in a std::unique_ptr (or a "
				    "std::vector/std::string)",
				 a->var, fr->file, a->node->line, n->line, throw_line, calls);
			hint_evidence(r, frame, a->node->line);
			hint_evidence(r, frame, throw_line);
			hint_evidence(r, frame, n->line);
			r->found = 1;
			return;
		}
		if (n->kind != HINT_SIMPLE) {
			hint_why(r, "after the allocation of `%s` at line %u, line %u is not a plain "
				    "statement (a branch, a loop, a return): not a single path",
				 a->var, a->node->line, n->line);
			return;
		}
		if (!plain_use(n, a->var, r))
			return;
		if (n_names == 0) {
			n_names = throwing_calls(n, names, 0);
			if (n_names > 0)
				throw_line = n->line;
		}
	}
	hint_why(r, "`%s` is not deleted in the block that allocates it (line %u)", a->var,
		 a->node->line);
}
