/*
 * hint_flow.c — the pointer-flow analysis (step 2 of hint.c): every path
 * of the function followed from the allocation to an exit: the path
 * lists, the null tests, and what each kind of statement does to them.
 */
#include <stdlib.h>
#include <string.h>

#include "explain/hint_internal.h"

/* ---- paths ---- */

#define MAX_PATHS 4096

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

void hint_plist_free(struct plist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void flow_free(struct flow *f)
{
	hint_plist_free(&f->next);
	hint_plist_free(&f->brk);
	hint_plist_free(&f->cont);
	hint_plist_free(&f->ret);
	hint_plist_free(&f->raise);
	hint_plist_free(&f->jump);
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

int hint_holds(const struct ctx *c, const struct path *p)
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

void hint_record(unsigned *list, size_t *n, unsigned line)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == line)
			return;
	if (*n < MAX_RECORDS)
		list[(*n)++] = line;
}

/* ---- null tests ---- */

enum implies { IMP_UNKNOWN = 0, IMP_NULL, IMP_NONNULL };

/* What the condition being true / false says about the variable. */
static void null_test(const struct ctx *c, const tok_t *t, size_t n, enum implies *when_true,
		      enum implies *when_false)
{
	*when_true = *when_false = IMP_UNKNOWN;
	while (n >= 2 && hint_is(&t[0], "(") && hint_close_of(t, n, 0) == n - 1) {
		t++;
		n -= 2;
	}
	const char *v = c->var;
	/* (v = …) == NULL: an assignment inside the test */
	if (n >= 3 && hint_is(&t[0], "(") && hint_is(&t[1], v) && hint_is(&t[2], "=")) {
		size_t k = hint_close_of(t, n, 0);
		if (k == n - 1) {
			*when_true = IMP_NONNULL;
			*when_false = IMP_NULL;
			return;
		}
		if (k + 2 == n - 1 && hint_is_null_literal(&t[n - 1])) {
			int eq = hint_is(&t[k + 1], "==");
			if (eq || hint_is(&t[k + 1], "!=")) {
				*when_true = eq ? IMP_NULL : IMP_NONNULL;
				*when_false = eq ? IMP_NONNULL : IMP_NULL;
			}
		}
		return;
	}
	if (n == 1 && hint_is(&t[0], v)) {
		*when_true = IMP_NONNULL;
		*when_false = IMP_NULL;
		return;
	}
	if (n == 2 && (hint_is(&t[0], "!") || hint_is(&t[0], "not")) && hint_is(&t[1], v)) {
		*when_true = IMP_NULL;
		*when_false = IMP_NONNULL;
		return;
	}
	if (n == 3 && (hint_is(&t[0], v) || hint_is(&t[2], v)) &&
	    (hint_is_null_literal(&t[0]) || hint_is_null_literal(&t[2]))) {
		int eq = hint_is(&t[1], "==") || hint_is(&t[1], "is");
		if (eq || hint_is(&t[1], "!=")) {
			*when_true = eq ? IMP_NULL : IMP_NONNULL;
			*when_false = eq ? IMP_NONNULL : IMP_NULL;
		}
		return;
	}
	if (n == 4 && hint_is(&t[0], v) && hint_is(&t[1], "is") && hint_is(&t[2], "not") &&
	    hint_is_null_literal(&t[3])) {
		*when_true = IMP_NONNULL;
		*when_false = IMP_NULL;
		return;
	}
	/* v && …, v != NULL && …: true says non-NULL */
	if (n > 2 && hint_is(&t[0], v) && (hint_is(&t[1], "&&") || hint_is(&t[1], "and")))
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
		if (!hint_is(&t[i + 1], "("))
			continue;
		if (t[i].kind == HINT_TOK_IDENT && !hint_c_level(c->fn, t[i].text) &&
		    !(i > 0 && hint_is(&t[i - 1], "<")))
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
	if (hint_holds(c, p) && may_raise(c, t, n)) {
		struct path e = *p;
		e.exc = 1;
		e.exit_line = node->line;
		plist_push(c, &out->raise, &e);
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].kind != HINT_TOK_IDENT || strcmp(t[i].text, c->var) != 0)
			continue;
		char target[96] = "";
		enum effect ef = hint_classify_use(c, node, t, n, i, target, sizeof(target));
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
						hint_fmt(c->stores[k], sizeof(c->stores[0]), "%s",
							 target);
						c->store_global[k] =
							t[0].kind == HINT_TOK_IDENT &&
							hint_is_global_name(c->fn, &t[0]);
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
				hint_record(c->overwrites, &c->n_overwrites, node->line);
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
				hint_record(c->reallocs, &c->n_reallocs, node->line);
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
			if (hint_holds(c, p))
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
	hint_plist_free(&yes);
	hint_plist_free(&no);
}

static int infinite_loop(const struct hint_node *n)
{
	if (n->n_toks == 1 && (hint_is(&n->toks[0], "True") || hint_is(&n->toks[0], "1")))
		return 1;
	for (size_t i = 0; i < n->n_toks; i++)
		if (!hint_is(&n->toks[i], ";"))
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
		hint_plist_free(&cur);
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
	hint_plist_free(&start);
	hint_plist_free(&exits);
	hint_plist_free(&cur);
}

static size_t label_index(const struct hint_node *block, const char *label, size_t *found)
{
	for (size_t k = 0; k < block->n_kids; k++) {
		const struct hint_node *kid = block->kids[k];
		if (kid->kind == HINT_LABEL && kid->n_toks > 0 && hint_is(&kid->toks[0], label)) {
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
		hint_plist_free(&cur);
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
	hint_plist_free(&cur);
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
		hint_plist_free(&pending[k]);
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
		if (body->kids[k]->n_toks > 0 && hint_is(&body->kids[k]->toks[0], "default"))
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
		hint_plist_free(&pending[k]);
	free(pending);
	hint_plist_free(&entered);
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
			if (h->n_toks == 0 || hint_is(&h->toks[0], "BaseException") ||
			    hint_is(&h->toks[0], "Exception"))
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
			hint_plist_free(&caught);
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
			if (hint_holds(c, &p)) {
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
			if (hint_holds(c, &in->v[i]))
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
int hint_run(struct ctx *c)
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
	hint_plist_free(&start);
	return !c->unsure;
}
