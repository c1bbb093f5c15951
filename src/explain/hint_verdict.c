/*
 * hint_verdict.c — the verdict on a variable (step 3 of hint.c) and the
 * wording of the hints: what the finished paths say, as a sentence with
 * line numbers and evidence, and how the block is named at its start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain/hint_internal.h"

/* ---- the verdict ---- */

void hint_say(struct text *t, const char *format, ...)
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

void hint_evidence(struct hint_result *r, int frame, unsigned line)
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

void hint_func_label(const struct hint_func *fn, char *buf, size_t size)
{
	if (fn->class_name != NULL)
		hint_fmt(buf, size, fn->cxx_member ? "%s::%s" : "%s.%s", fn->class_name, fn->name);
	else
		hint_copy_str(buf, size, fn->name != NULL ? fn->name : "?");
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
		hint_say(t, "; release it with Py_DECREF when done");
	else if (nat->family == NATURE_CXX)
		hint_say(t, "%s", strcmp(nat->what, "array") == 0
				     ? "; delete[] it (or hold it in a std::vector or std::unique_ptr)"
				     : "; delete it (or hold it in a std::unique_ptr)");
	else if (c->fn->lang == HINT_LANG_PYX)
		hint_say(t, "; free it%s%s in a `try`/`finally`", plain ? "" : " with ",
			 plain ? "" : f);
	else
		hint_say(t, "; free it%s%s before the function returns", plain ? "" : " with ",
			 plain ? "" : f);
}

/* 1 when a path that releases the block also leaves through line. */
static int shared_exit(const struct ctx *c, unsigned line, unsigned char kind)
{
	for (size_t j = 0; j < c->finished.n; j++) {
		const struct path *q = &c->finished.v[j];
		if (!hint_holds(c, q) && q->st == ST_DONE && q->exit == kind &&
		    q->exit_line == line)
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
			if (hint_holds(c, q) || q->st != ST_DONE)
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
		hint_say(t, "%s%u", i == 0 ? "" : i + 1 == n ? " and " : ", ", lines[i]);
}

static int statement_line_text(const struct hint_func *fn, unsigned line, char *buf, size_t size)
{
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		if (n->kind == HINT_SIMPLE && n->line == line) {
			hint_join_tokens(n->toks, 0, n->n_toks, buf, size);
			return 1;
		}
	}
	return 0;
}


/* The verdict for a variable, from the finished paths. */
void hint_verdict_var(struct ctx *c, const struct nature *nat, const struct subject *sub,
		      int frame, const struct hint_frame *fr, struct hint_result *r,
		      struct text *t)
{
	const struct hint_func *fn = fr->fn;
	char fl[160];
	hint_func_label(fn, fl, sizeof(fl));
	struct words w = words_for(c, nat);
	unsigned done_lines[MAX_RECORDS];
	size_t n_done = 0;
	int any_return = 0, any_free = 0, any_store = 0, any_given = 0;
	size_t n_leaks = 0, n_exc = 0;
	unsigned store_line = 0;
	size_t store_idx = 0;
	for (size_t i = 0; i < c->finished.n; i++) {
		const struct path *p = &c->finished.v[i];
		if (hint_holds(c, p)) {
			if (p->exit == EX_EXC)
				n_exc++;
			else
				n_leaks++;
			continue;
		}
		if (p->st != ST_DONE)
			continue;
		if (p->how == HOW_FREE)
			any_free = 1, hint_record(done_lines, &n_done, p->done_line);
		else if (p->how == HOW_RETURN)
			any_return = 1;
		else if (p->how == HOW_STORE)
			any_store = 1, store_line = p->done_line, store_idx = p->store_idx;
		else if (p->how == HOW_GIVEN)
			any_given = 1, hint_record(done_lines, &n_done, p->done_line);
	}
	/* passed to functions (hint_pass.c): a block still reachable was kept
	 * by someone, and a callee whose source is not at hand may have taken
	 * it on the path another verdict would blame */
	int never = n_leaks > 0 && !any_free && !any_return && !any_store && !any_given;
	if (c->n_passes > 0 && (fr->reachable || (hint_pass_unknown(c) && !never)))
		return;
	if (c->mode == MODE_PYOBJ) {
		if (n_leaks == 0 || c->incref_line == 0)
			return;
		hint_say(t, "`Py_INCREF(%s)` at line %u adds a reference to %s that nothing in `%s` "
			    "(lines %u–%u) releases, so it is never freed; remove the Py_INCREF or add "
			    "the matching Py_DECREF",
			 c->var, c->incref_line, sub->block, fl, fn->first_line, fn->last_line);
		hint_evidence(r, frame, c->alloc->node->line);
		hint_evidence(r, frame, c->incref_line);
		r->found = 1;
		return;
	}
	if (c->n_overwrites > 0 && n_leaks == 0) {
		hint_say(t, "%s is %s at line %u before it is %s, which loses the block", sub->text,
			 c->overwrite_null ? "set to NULL" : "overwritten", c->overwrites[0], w.freed);
		hint_evidence(r, frame, c->alloc->node->line);
		hint_evidence(r, frame, c->overwrites[0]);
		r->found = 1;
		return;
	}
	if (c->loop_again != 0 && n_leaks == 0) {
		hint_say(t, "%s is allocated again by the next run of the loop before it is %s", sub->text,
			 w.freed);
		if (n_done > 0) {
			hint_say(t, " (only the last block is %s, at line ", w.freed);
			list_lines(t, done_lines, n_done);
			hint_say(t, ")");
		}
		hint_say(t, "; %s it inside the loop", w.release);
		hint_evidence(r, frame, c->alloc->node->line);
		for (size_t i = 0; i < n_done; i++)
			hint_evidence(r, frame, done_lines[i]);
		r->found = 1;
		return;
	}
	if (c->n_reallocs > 0 && n_leaks == 0) {
		hint_say(t, "%s is overwritten at line %u with realloc's result, which is NULL when "
			    "realloc fails: the block is lost then; keep the result in another variable "
			    "until it is checked",
			 sub->text, c->reallocs[0]);
		hint_evidence(r, frame, c->alloc->node->line);
		hint_evidence(r, frame, c->reallocs[0]);
		r->found = 1;
		return;
	}
	if (n_leaks == 0 && n_exc == 0) {
		if (any_store && !any_free && !any_return && !any_given) {
			struct alloc st = *c->alloc;
			hint_copy_str(st.target, sizeof(st.target), c->stores[store_idx]);
			const char *dot = strpbrk(st.target, ".-[");
			hint_fmt(st.target_base, sizeof(st.target_base), "%.*s",
				 (int)(dot != NULL ? (size_t)(dot - st.target) : strlen(st.target)),
				 st.target);
			st.target_global = c->store_global[store_idx];
			hint_verdict_store(&st, nat, sub, frame, store_line, fr, r, t);
			if (r->found)
				hint_evidence(r, frame, c->alloc->node->line);
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
			if (hint_holds(c, &c->finished.v[i]) && c->finished.v[i].exit == EX_EXC) {
				line = c->finished.v[i].exit_line;
				break;
			}
		char stmt[160] = "";
		statement_line_text(fn, line, stmt, sizeof(stmt));
		hint_say(t, "%s is %s at line ", sub->text, w.freed);
		list_lines(t, done_lines, n_done);
		hint_say(t, ", but an exception raised at line %u%s%s%s skips the %s; %s it in a "
			    "`try`/`finally`",
			 line, stmt[0] != '\0' ? " (`" : "", stmt, stmt[0] != '\0' ? "`)" : "", w.release,
			 w.release);
		hint_evidence(r, frame, c->alloc->node->line);
		hint_evidence(r, frame, line);
		for (size_t i = 0; i < n_done; i++)
			hint_evidence(r, frame, done_lines[i]);
		r->found = 1;
		return;
	}
	if (!any_free && !any_return && !any_store && !any_given) {
		if (hint_verdict_pass(c, sub, frame, fr, r, t))
			return;
		hint_say(t, "%s is %s in `%s` (lines %u–%u)", sub->text, w.never, fl,
			 fn->first_line, fn->last_line);
		advice_never(c, nat, t);
		hint_evidence(r, frame, c->alloc->node->line);
		if (c->object_cast_line != 0) {
			hint_say(t, " (`<object>%s` at line %u takes a reference of its own)",
				 c->var, c->object_cast_line);
			hint_evidence(r, frame, c->object_cast_line);
		}
		for (size_t i = 0; i < c->finished.n; i++)
			if (hint_holds(c, &c->finished.v[i]) && c->finished.v[i].exit != EX_EXC &&
			    c->finished.v[i].exit != EX_END)
				hint_evidence(r, frame, c->finished.v[i].exit_line);
		r->found = 1;
		return;
	}
	if (any_store)
		return; /* stored on some paths, leaked on others: too tangled to say */
	/* released (or returned) on some paths: name the exits that skip it */
	hint_say(t, "%s is ", sub->text);
	if (any_free || any_given) {
		hint_say(t, "%s at line ", w.freed);
		list_lines(t, done_lines, n_done);
	}
	if (any_return) {
		unsigned rl[MAX_RECORDS];
		size_t nr = 0;
		for (size_t i = 0; i < c->finished.n; i++)
			if (c->finished.v[i].st == ST_DONE && c->finished.v[i].how == HOW_RETURN)
				hint_record(rl, &nr, c->finished.v[i].done_line);
		hint_say(t, "%sreturned at line ", any_free || any_given ? " or " : "");
		list_lines(t, rl, nr);
		for (size_t i = 0; i < nr; i++)
			hint_evidence(r, frame, rl[i]);
	}
	hint_say(t, ", but ");
	hint_evidence(r, frame, c->alloc->node->line);
	for (size_t i = 0; i < n_done; i++)
		hint_evidence(r, frame, done_lines[i]);
	size_t said = 0;
	unsigned seen[MAX_RECORDS];
	size_t n_seen = 0;
	for (size_t i = 0; i < c->finished.n && said < 3; i++) {
		const struct path *p = &c->finished.v[i];
		if (!hint_holds(c, p) || p->exit == EX_EXC)
			continue;
		unsigned key = p->goto_line != 0 ? p->goto_line : p->exit_line;
		size_t k = 0;
		while (k < n_seen && seen[k] != key)
			k++;
		if (k < n_seen)
			continue;
		hint_record(seen, &n_seen, key);
		hint_say(t, "%s", said == 0 ? "" : " and ");
		unsigned dline;
		int taken;
		if (p->goto_line != 0) {
			hint_say(t, "the `goto %s` at line %u", p->goto_label != NULL ? p->goto_label : "",
				 p->goto_line);
			hint_evidence(r, frame, p->goto_line);
		} else if (p->exit == EX_RETURN && !shared_exit(c, p->exit_line, p->exit)) {
			hint_say(t, "the return at line %u", p->exit_line);
			hint_evidence(r, frame, p->exit_line);
		} else if (p->exit == EX_RAISE && !shared_exit(c, p->exit_line, p->exit)) {
			hint_say(t, "the `raise` at line %u", p->exit_line);
			hint_evidence(r, frame, p->exit_line);
		} else if (telling_decision(c, p, &dline, &taken)) {
			hint_say(t, "the path where the `if` at line %u is %s", dline,
				 taken ? "taken" : "not taken");
			hint_evidence(r, frame, dline);
		} else if (p->exit == EX_END) {
			hint_say(t, "the end of `%s` (line %u)", fl, p->exit_line);
		} else {
			hint_say(t, "the %s at line %u", p->exit == EX_RAISE ? "`raise`" : "return",
				 p->exit_line);
			hint_evidence(r, frame, p->exit_line);
		}
		said++;
	}
	hint_say(t, " skip%s the %s", said == 1 ? "s" : "", w.release);
	if (fn->lang == HINT_LANG_PYX && c->mode == MODE_CPTR)
		hint_say(t, "; free it in a `try`/`finally`");
	else
		hint_say(t, "; %s it on %s too", w.release,
			 said == 1 ? "that path" : "those paths");
	r->found = 1;
}


/* Names the block at the start of the text.  grow: the API that grew an
 * existing object (PyList_Append) and where, or NULL. */
void hint_subject_for(const struct hint_frame *fr, const struct alloc *a,
		      const struct nature *nat, const char *grow, unsigned grow_line,
		      struct subject *sub)
{
	enum hint_var_type vt = hint_func_var_type(fr->fn, a->var);
	int ref = nat->family == NATURE_PYTHON &&
		  (fr->fn->lang != HINT_LANG_PYX || vt == HINT_VAR_PYREF);
	if (grow != NULL)
		hint_fmt(sub->text, sizeof(sub->text),
			 "the storage %s allocates at %s:%u belongs to `%s`, which holds the new "
			 "reference %s returns at line %u, and",
			 grow, fr->file, grow_line, a->var, a->callee, a->node->line);
	else if (ref)
		hint_fmt(sub->text, sizeof(sub->text),
			 "`%s` holds the new reference %s returns at %s:%u and", a->var, a->callee,
			 fr->file, a->node->line);
	else if (nat->family == NATURE_PYTHON)
		hint_fmt(sub->text, sizeof(sub->text), "`%s` receives a new Python %s at %s:%u and",
			 a->var, nat->what, fr->file, a->node->line);
	else
		hint_fmt(sub->text, sizeof(sub->text), "`%s` is allocated at %s:%u and", a->var,
			 fr->file, a->node->line);
	if (nat->family == NATURE_PYTHON && (strncmp(nat->what, "Cython ", 7) == 0 ||
					     strncmp(nat->what, "closure", 7) == 0))
		hint_fmt(sub->block, sizeof(sub->block), "the %s created at %s:%u", nat->what,
			 fr->file, a->node->line);
	else if (nat->family == NATURE_PYTHON && strchr(nat->what, '.') != NULL)
		hint_fmt(sub->block, sizeof(sub->block), "the %s object created at %s:%u",
			 nat->what, fr->file, a->node->line);
	else if (nat->family == NATURE_PYTHON)
		hint_fmt(sub->block, sizeof(sub->block), "the Python %s created at %s:%u",
			 nat->what, fr->file, a->node->line);
	else
		hint_fmt(sub->block, sizeof(sub->block), "the block allocated at %s:%u", fr->file,
			 a->node->line);
}
