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
 *
 * The module is split by concern; hint_internal.h is the private
 * interface between its files:
 *   hint.c         the function tree (construction) and hint_explain
 *   hint_tokens.c  token and string helpers
 *   hint_owner.c   ownership rules: known functions, what a statement
 *                  does to the variable
 *   hint_alloc.c   1. the allocation and what takes its result
 *   hint_flow.c    2. the paths, followed through the tree
 *   hint_verdict.c 3. the verdict on a variable, and its sentences
 *   hint_store.c   3. the verdict on a stored block (globals, fields,
 *                  cdef class fields and __dealloc__)
 *   hint_pass.c    2./3. the block passed to a function: the callee read
 *                  through the frame's lookup, and the pass-and-drop
 *                  verdict (issue 24)
 *   hint_cxx.c     C++: a raw pointer member no destructor deletes, a
 *                  local deleted only if nothing throws first
 */
#include "explain/hint.h"

#include <stdlib.h>
#include <string.h>

#include "explain/hint_internal.h"

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
	free_names(fn->ptr_members, fn->n_ptr_members);
	free(fn->parse_problem);
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

int hint_has_name(char *const *list, size_t n, const char *name)
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

int hint_is_declared(const struct hint_func *fn, const char *name)
{
	for (size_t i = 0; i < fn->n_vars; i++)
		if (strcmp(fn->vars[i].name, name) == 0)
			return 1;
	return 0;
}

/* ---- explaining a leak ---- */

/* Analyses the block through fr, with sub naming it.  Returns the ctx's
 * findings in r (and r->returned). */
static void analyse_frame(const struct hint_frame *fr, int frame, const struct nature *nat,
			  const struct alloc *a, const struct subject *sub, struct hint_result *r,
			  struct text *t)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.fn = fr->fn;
	c.frame = fr;
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
	if (!hint_run(&c)) {
		hint_plist_free(&c.finished);
		return;
	}
	hint_verdict_var(&c, nat, sub, frame, fr, r, t);
	hint_plist_free(&c.finished);
}

/* The first argument of the call at a (`PyList_Append(items, x)` → items). */
static int first_argument(const struct alloc *a, char *buf, size_t size)
{
	const tok_t *t = a->node->toks;
	if (a->start + 3 >= a->node->n_toks || !hint_is(&t[a->start + 1], "(") ||
	    t[a->start + 2].kind != HINT_TOK_IDENT ||
	    !(hint_is(&t[a->start + 3], ",") || hint_is(&t[a->start + 3], ")")))
		return 0;
	hint_copy_str(buf, size, t[a->start + 2].text);
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
			if (!hint_is(&n->toks[k], var) || !hint_is(&n->toks[k + 1], "=") ||
			    (def != NULL && n->line <= def->line))
				continue;
			size_t c = k + 2;
			while (c + 1 < n->n_toks && !(n->toks[c].kind == HINT_TOK_IDENT &&
						      hint_is(&n->toks[c + 1], "(")))
				c++;
			if (c + 1 < n->n_toks && hint_is_known_allocator_name(n->toks[c].text)) {
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
	a->end = hint_call_end(def->toks, def->n_toks, def_call);
	hint_copy_str(a->callee, sizeof(a->callee), def->toks[def_call].text);
	hint_classify_alloc(fr->fn, a);
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
	if (!hint_find_alloc(culprit, nat, &a)) {
		hint_why(out, "no allocation the analysis reads at %s:%u", culprit->file, culprit->line);
		return 0;
	}
	unsigned grow_line = 0;
	char grower[96] = "";
	if (nat->grows_existing) {
		grow_line = a.node->line;
		hint_copy_str(grower, sizeof(grower), a.callee);
		if (!grown_object(culprit, &a))
			return 0;
		hint_evidence(out, 0, grow_line);
	}
	struct text t = {out->text, sizeof(out->text), 0};
	struct subject sub;
	hint_subject_for(culprit, &a, nat, grow_line != 0 ? grower : NULL, grow_line, &sub);
	char fl[160];
	hint_func_label(culprit->fn, fl, sizeof(fl));
	switch (a.form) {
	case FORM_COMPARED:
		hint_say(&t, "the pointer %s returns at %s:%u is only compared, never stored, so nothing "
			     "can free the block; keep it in a variable and free it",
			 a.callee, culprit->file, a.node->line);
		hint_evidence(out, 0, a.node->line);
		out->found = 1;
		return 1;
	case FORM_DROP:
		hint_say(&t, "the pointer %s returns at %s:%u is discarded, so nothing can free the block; "
			     "keep it in a variable and free it",
			 a.callee, culprit->file, a.node->line);
		hint_evidence(out, 0, a.node->line);
		out->found = 1;
		return 1;
	case FORM_STORE:
		if (a.target_member)
			hint_cxx_member_store(&a, &sub, 0, a.node->line, culprit, out, &t);
		else
			hint_verdict_store(&a, nat, &sub, 0, a.node->line, culprit, out, &t);
		if (out->found)
			hint_evidence(out, 0, a.node->line);
		return out->found;
	case FORM_RETURN:
		out->returned = 1;
		hint_fmt(sub.text, sizeof(sub.text), "the block %s allocates at %s:%u is returned by `%s`",
			 a.callee, culprit->file, a.node->line, fl);
		break;
	case FORM_VAR:
		analyse_frame(culprit, 0, nat, &a, &sub, out, &t);
		if (!out->found && !out->returned && culprit->fn->lang == HINT_LANG_CXX)
			hint_cxx_throw_path(&a, &sub, 0, culprit, out, &t);
		if (out->found || !out->returned)
			return out->found;
		/* returned: say so, then read the caller */
		{
			unsigned rl = 0;
			for (size_t i = 0; i < culprit->fn->n_all; i++) {
				const struct hint_node *n = culprit->fn->all[i];
				if (n->kind == HINT_RETURN && n->n_toks > 0 &&
				    hint_is(&n->toks[n->n_toks - 1], a.var))
					rl = n->line;
			}
			char s2[sizeof(sub.text)];
			hint_fmt(s2, sizeof(s2),
				 "`%s` is allocated at %s:%u and returned by `%s` (line %u)", a.var,
				 culprit->file, a.node->line, fl, rl);
			hint_copy_str(sub.text, sizeof(sub.text), s2);
			hint_evidence(out, 0, rl);
		}
		break;
	default:
		return 0;
	}
	/* the block leaves through the return value */
	hint_evidence(out, 0, a.node->line);
	if (caller == NULL || caller->fn == NULL)
		return 0;
	struct hint_frame cf = *caller;
	char callee_name[96];
	hint_short_name(culprit->fn->name, callee_name, sizeof(callee_name));
	cf.callee = callee_name;
	struct alloc ca;
	memset(&ca, 0, sizeof(ca));
	struct nature cnat = *nat;
	if (!hint_find_alloc(&cf, &cnat, &ca) || strcmp(ca.callee, callee_name) != 0) {
		out->n_evidence = 0;
		return 0;
	}
	char cfl[160];
	hint_func_label(caller->fn, cfl, sizeof(cfl));
	struct subject csub;
	switch (ca.form) {
	case FORM_DROP:
	case FORM_COMPARED:
		hint_say(&t, "%s; its caller `%s` %s it at %s:%u, so nothing can free the block", sub.text,
			 cfl, ca.form == FORM_DROP ? "discards" : "only compares", caller->file,
			 ca.node->line);
		hint_evidence(out, 1, ca.node->line);
		out->found = 1;
		out->returned = 0;
		return 1;
	case FORM_VAR:
		hint_fmt(csub.text, sizeof(csub.text),
			 "%s; in its caller `%s`, `%s` receives it at %s:%u and", sub.text, cfl,
			 ca.var, caller->file, ca.node->line);
		hint_copy_str(csub.block, sizeof(csub.block), sub.block);
		out->returned = 0;
		analyse_frame(&cf, 1, nat, &ca, &csub, out, &t);
		if (out->found)
			hint_evidence(out, 1, ca.node->line);
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
