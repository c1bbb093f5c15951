/*
 * hint_internal.h — the private interface between the files of the hint
 * module (hint.c and hint_*.c): the analysis's shared types and the
 * functions one file of it calls in another.  Not for use outside
 * src/explain/hint*.c: the module's interface is hint.h.
 */
#ifndef VGTRIAGE_HINT_INTERNAL_H
#define VGTRIAGE_HINT_INTERNAL_H

#include <stddef.h>

#include "explain/hint.h"
#include "explain/nature.h"

typedef struct hint_token tok_t;

/* ---- the allocation (hint_alloc.c) ---- */

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
	int target_member;       /* FORM_STORE: a field of the C++ object (`head_`, `this->p`) */
};

/* ---- paths (hint_flow.c) ---- */

enum state { ST_BEFORE = 0, ST_OWNED, ST_NULL, ST_DONE };
enum how { HOW_NONE = 0, HOW_FREE, HOW_RETURN, HOW_STORE, HOW_GIVEN, HOW_LOST };
enum exit_kind { EX_END = 0, EX_RETURN, EX_RAISE, EX_EXC };

#define MAX_DECISIONS 12

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

/* A call the block is passed to, whose callee does not keep it as far as
 * its source shows (known), or whose source is not at hand (hint_pass.c). */
#define MAX_PASSES 4
struct pass {
	char callee[64];     /* as called */
	unsigned line;       /* the call */
	int known;           /* 1: the callee's source was read and keeps nothing */
	char unknown[64];    /* !known: the function whose source is not at hand
				(the callee, or one it hands the block to) */
	char file[128];      /* known: the callee's file and lines */
	unsigned first, last;
};

/* A callee decided once per analysis (hint_pass.c). */
#define MAX_DECIDED 8
struct decided {
	char name[64];
	int arg;
	int verdict;         /* enum pass_verdict of hint_pass.c */
	int returns_scalar;  /* its result is a number, never the block */
	struct pass pass;
};

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
	/* pass-and-drop (hint_pass.c): the frame whose lookup finds callees,
	 * how deep in callees this analysis is, and what it found */
	const struct hint_frame *frame;
	int depth;
	const char *callee_file;  /* depth > 0: the file of fn */
	struct pass passes[MAX_PASSES];
	size_t n_passes;
	int pass_unsure;     /* a callee (or more) was not counted: too many */
	int pass_owned;      /* a callee deeper down takes the block */
	struct decided decided[MAX_DECIDED];
	size_t n_decided;
};

/* ---- what one statement does to the variable (hint_owner.c) ---- */

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

/* ---- the verdict (hint_verdict.c, hint_store.c) ---- */

struct text {
	char *buf;
	size_t size, used;
};

/* How the block is named at the start of the text. */
struct subject {
	char text[512];   /* "`p` is allocated at f.pyx:13 and" */
	char block[320];  /* "the block allocated at f.pyx:13" */
};

/* ---- hint.c: the function tree ---- */

/* 1 when name is in list (n names). */
int hint_has_name(char *const *list, size_t n, const char *name);
/* 1 when name is a declared local or parameter of fn. */
int hint_is_declared(const struct hint_func *fn, const char *name);

/* ---- hint_tokens.c: tokens and strings ---- */

/* Copies src into dst (size bytes), cut to fit. */
void hint_copy_str(char *dst, size_t size, const char *src);
/* snprintf into buf. */
void hint_fmt(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
/* 1 when t (may be NULL) is the token s. */
int hint_is(const tok_t *t, const char *s);
/* 1 when t (may be NULL) is one of the NULL-terminated set. */
int hint_is_any(const tok_t *t, const char *const *set);
/* 1 when t is an opening bracket: ( [ {. */
int hint_is_open(const tok_t *t);
/* Index of the bracket closing the one at i, or n. */
size_t hint_close_of(const tok_t *t, size_t n, size_t i);
/* 1 when t may be part of a type (a name, *, &, ::, .). */
int hint_type_like(const tok_t *t);
/* The start of the casts right before index s; *object_cast set on <object>. */
size_t hint_strip_casts(const tok_t *t, size_t s, enum hint_lang lang, int *object_cast);
/* 1 when t is NULL, 0, nullptr, None or 0L. */
int hint_is_null_literal(const tok_t *t);
/* 1 when t is a comparison or logical operator (==, is, and, !, in…). */
int hint_is_comparison(const tok_t *t);
/* "(anonymous namespace)::make(int)" → "make"; "hintfix.cyleaks.f" → "f". */
void hint_short_name(const char *name, char *buf, size_t size);
/* The end of the expression starting at the call token i. */
size_t hint_call_end(const tok_t *t, size_t n, size_t i);
/* The call that encloses token i as a direct argument, and the argument's bounds. */
int hint_enclosing_call(const tok_t *t, size_t n, size_t i, size_t *fn_idx, int *arg,
			size_t *arg_start, size_t *arg_end);
/* Tokens [from, to) as code is usually written: `f(a, b)`, `p->x[i]`. */
void hint_join_tokens(const tok_t *t, size_t from, size_t to, char *buf, size_t size);

/* ---- hint_owner.c: ownership rules ---- */

/* C calls that only read or write the bytes of their arguments (NULL-terminated). */
extern const char *const hint_harmless_c[];
/* 1 when fn releases a Python reference (Py_DECREF, Py_XDECREF, Py_CLEAR…). */
int hint_is_decref(const char *fn);
/* A .pyx name known to be a C-level function (raises no Python exception). */
int hint_c_level(const struct hint_func *fn, const char *name);
/* What the use of the variable at token i of node does to it; target: where it goes. */
enum effect hint_classify_use(struct ctx *c, const struct hint_node *node, const tok_t *t,
			      size_t n, size_t i, char *target, size_t tsize);

/* ---- hint_alloc.c: the allocation ---- */

/* 1 when name is a C allocator or a Python constructor that makes a new object. */
int hint_is_known_allocator_name(const char *name);
/* 1 when the identifier t names a global of fn (or a variable with static storage). */
int hint_is_global_name(const struct hint_func *fn, const tok_t *t);
/* Reads what takes the call's result in its statement. */
void hint_classify_alloc(const struct hint_func *fn, struct alloc *a);
/* Finds the allocation at line; 0 when there is none to read. */
int hint_find_alloc(const struct hint_frame *fr, const struct nature *nat, struct alloc *a);

/* ---- hint_flow.c: the paths ---- */

/* Frees a path list and empties it. */
void hint_plist_free(struct plist *l);
/* 1 when the path still holds the block (owned, or a reference added). */
int hint_holds(const struct ctx *c, const struct path *p);
/* Adds line to list (at most MAX_RECORDS, once). */
void hint_record(unsigned *list, size_t *n, unsigned line);
/* Runs the whole function; 0 when the analysis gave up. */
int hint_run(struct ctx *c);

/* ---- hint_verdict.c: the verdict and its words ---- */

/* Appends to the text, printf-style. */
void hint_say(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Adds a line of frame (0 culprit, 1 caller) to r's evidence, once. */
void hint_evidence(struct hint_result *r, int frame, unsigned line);
/* The function's name as the text shows it: "Class.method" or "f". */
void hint_func_label(const struct hint_func *fn, char *buf, size_t size);
/* The verdict for a variable, from the finished paths. */
void hint_verdict_var(struct ctx *c, const struct nature *nat, const struct subject *sub,
		      int frame, const struct hint_frame *fr, struct hint_result *r,
		      struct text *t);
/* Names the block at the start of the text (grow: the API that grew an object, or NULL). */
void hint_subject_for(const struct hint_frame *fr, const struct alloc *a,
		      const struct nature *nat, const char *grow, unsigned grow_line,
		      struct subject *sub);

/* ---- hint_pass.c: the block passed to a function (issue 24) ---- */

/* The variable is passed (directly) as argument arg of the call whose name
 * is token f of node's tokens t (n): EF_HARMLESS when the callee does not keep it as far as its source
 * shows, or its source is not at hand (the call is recorded in c->passes);
 * EF_UNSURE when the callee takes it (frees or stores it) or its source
 * cannot say. */
enum effect hint_pass_call(struct ctx *c, const struct hint_node *node, const tok_t *t,
			   size_t n, size_t f, int arg);
/* The "passed to … and then dropped" verdict of a block neither freed nor
 * returned; 0 when c has no passes (the plain verdict applies). */
int hint_verdict_pass(const struct ctx *c, const struct subject *sub, int frame,
		      const struct hint_frame *fr, struct hint_result *r, struct text *t);
/* 1 when a pass of c went to a function whose source is not at hand. */
int hint_pass_unknown(const struct ctx *c);

/* ---- hint_store.c: a stored block ---- */

/* The block went into a.target (a global, self.x, a field) at store_line. */
void hint_verdict_store(const struct alloc *a, const struct nature *nat,
			const struct subject *sub, int frame, unsigned store_line,
			const struct hint_frame *fr, struct hint_result *r, struct text *t);

/* ---- hint_cxx.c: C++ ownership ---- */

/* A block stored in a raw pointer member of the class (a->target_member):
 * the class has no destructor, or one that does not delete it.  Sets
 * r->found, or r->why when it makes no claim. */
void hint_cxx_member_store(const struct alloc *a, const struct subject *sub, int frame,
			   unsigned store_line, const struct hint_frame *fr,
			   struct hint_result *r, struct text *t);
/* A C++ local that is deleted on the only way through, after a statement
 * that calls what can throw: the leak is on the throw path.  Sets
 * r->found, or r->why. */
void hint_cxx_throw_path(const struct alloc *a, const struct subject *sub, int frame,
			 const struct hint_frame *fr, struct hint_result *r, struct text *t);
/* Sets r->why (printf-style) unless a reason is there already. */
void hint_why(struct hint_result *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
