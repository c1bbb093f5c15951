/*
 * hint.h — what the code around a leak does with the leaked block, read
 * from its source (issue 13).
 *
 * Front ends turn one function of a source file into the same small tree
 * of statements: pyxscan.c for Cython (.pyx) with its own tokenizer,
 * cparse.c for C and C++ through libclang (in the vgtriage-cparse helper).
 * A statement keeps its tokens; compound statements (if, loops, switch,
 * try) keep their structure, so that the analysis can follow every path
 * from the allocation to the function's exits.
 *
 * The analysis finds the variable that receives the allocation at the
 * culprit line, then follows it along each path: freed (free, PyMem_Free,
 * delete, Py_DECREF, a releasing call), returned, stored somewhere that
 * outlives the function (self., a global, a struct field), overwritten,
 * or still held at an exit.  A function the block is passed to is read
 * through the frame's lookup (hint_pass.c, issue 24): one that only uses
 * it in place lets the analysis go on, one whose source is not at hand
 * makes the hint hedged.  It says nothing when it cannot tell (the
 * pointer is aliased, passed to a function that may keep it, or reaches
 * code the front end marked opaque): a missing hint is better than a
 * wrong one.
 *
 * Plain data: a function tree, a line, the name the line calls, the
 * nature of the block (nature.h).  Included by pyxscan.c, cparse.c,
 * explain.c and tests.
 */
#ifndef VGTRIAGE_HINT_H
#define VGTRIAGE_HINT_H

#include <stddef.h>

#include "explain/nature.h"

enum hint_lang { HINT_LANG_C = 0, HINT_LANG_CXX, HINT_LANG_PYX };

enum hint_tok_kind {
	HINT_TOK_IDENT = 0,
	HINT_TOK_KEYWORD,
	HINT_TOK_PUNCT,
	HINT_TOK_NUMBER,
	HINT_TOK_STRING
};

struct hint_token {
	char *text;
	unsigned line;
	unsigned char kind;  /* enum hint_tok_kind */
	/* C/C++ identifiers: what libclang says the name refers to: 'g' a
	 * variable with static storage (global, static), 'l' a local variable
	 * or parameter, 'f' a function, 'm' a field, 't' a type, 'M' a macro;
	 * 0 when unknown (and always in .pyx) */
	char ref;
};

enum hint_node_kind {
	HINT_BLOCK = 0, /* kids in order */
	HINT_SIMPLE,    /* toks: one statement */
	HINT_IF,        /* toks: the condition; kids[0] then, kids[1] else (optional) */
	HINT_LOOP,      /* toks: the header; kids[0] body, kids[1] else (Python for/while…else) */
	HINT_SWITCH,    /* toks: the condition; kids[0] the body, a block with HINT_CASE marks */
	HINT_CASE,      /* toks: the label ("default" for default:), a mark in a switch body */
	HINT_TRY,       /* kids[0] body, then HINT_EXCEPT…, HINT_ELSE, HINT_FINALLY */
	HINT_EXCEPT,    /* toks: what it catches (empty: everything); kids[0] its block */
	HINT_ELSE,      /* kids[0] its block (try … else) */
	HINT_FINALLY,   /* kids[0] its block */
	HINT_RETURN,    /* toks: the value, possibly none */
	HINT_RAISE,     /* toks: the exception */
	HINT_BREAK,
	HINT_CONTINUE,
	HINT_GOTO,      /* toks[0]: the label */
	HINT_LABEL,     /* toks[0]: the name; the labelled statement is the next sibling */
	HINT_OPAQUE     /* code the front end could not follow (control flow from a macro…) */
};

struct hint_node {
	enum hint_node_kind kind;
	unsigned line, end_line;
	unsigned nogil : 1; /* .pyx: a `with nogil:` block (nothing in it raises) */
	struct hint_token *toks;
	size_t n_toks, toks_cap;
	struct hint_node **kids;
	size_t n_kids, kids_cap;
};

/* A declared local variable (or parameter). */
enum hint_var_type {
	HINT_VAR_OTHER = 0,
	HINT_VAR_CPTR,      /* a C pointer */
	HINT_VAR_PYREF,     /* PyObject *: a reference managed by hand */
	HINT_VAR_OBJECT     /* .pyx: a Python object Cython counts references of */
};

struct hint_var {
	char *name;
	enum hint_var_type type;
};

/* One function, as a front end read it. */
struct hint_func {
	enum hint_lang lang;
	char *name;                /* "random_noise", "c_never_freed" */
	unsigned first_line, last_line;
	struct hint_node *body;    /* a HINT_BLOCK */
	struct hint_var *vars;     /* locals and parameters */
	size_t n_vars, vars_cap;
	char **globals;            /* .pyx: module-level cdef names and `global` names */
	size_t n_globals, globals_cap;
	char **c_functions;        /* .pyx: names that are C functions (cimported,
				      extern, cdef): calling them raises nothing */
	size_t n_c_functions, c_functions_cap;
	/* .pyx methods: the class, and its __dealloc__ when it has one */
	char *class_name;
	unsigned class_line;
	int class_inherits;        /* it has a base class (whose __dealloc__ may free) */
	struct hint_func *dealloc;
	/* C++ member functions (vgtriage-cparse's C and P lines): class_name,
	 * class_line and class_inherits as above; the class's destructor */
	int cxx_member;
	int cxx_dtor;              /* its line in this file; 0 none declared; -1 elsewhere */
	const struct hint_func *cxx_dtor_fn; /* its tree, when read (not owned) */
	char *parse_problem;       /* C/C++: why it did not parse cleanly, or NULL */
	char **ptr_members;        /* fields of raw pointer type */
	size_t n_ptr_members, ptr_members_cap;
	/* every node, for hint_func_free */
	struct hint_node **all;
	size_t n_all, all_cap;
};

struct hint_func *hint_func_new(enum hint_lang lang);
void hint_func_free(struct hint_func *fn); /* NULL is a no-op; frees dealloc too */
struct hint_node *hint_node_new(struct hint_func *fn, enum hint_node_kind kind, unsigned line);
void hint_node_add(struct hint_node *parent, struct hint_node *kid);
void hint_node_token(struct hint_node *node, const char *text, size_t len, unsigned line,
		     enum hint_tok_kind kind, char ref);
void hint_func_var(struct hint_func *fn, const char *name, enum hint_var_type type);
/* Adds name to a list of fn (globals, c_functions) once. */
void hint_func_name(char ***list, size_t *n, size_t *cap, const char *name);
/* The declared type of a local, HINT_VAR_OTHER when not declared. */
enum hint_var_type hint_func_var_type(const struct hint_func *fn, const char *name);

/* A function the code passes the block to, found by name (issue 24,
 * hint_pass.c): its tree, its file as a report names it, and the names
 * of its parameters in order. */
#define HINT_MAX_PARAMS 16
struct hint_callee {
	const struct hint_func *fn;
	const char *file;
	char params[HINT_MAX_PARAMS][64];
	size_t n_params;
	/* its declaration says it returns a number (`cdef uint64_t f(…)`,
	 * `long f(…);`), so its result is never the block: set by the finder
	 * from the definition or a declaration, also when it returns 0 */
	int returns_scalar;
};

/* Finds the function `name` called from a function of from_file (a file
 * as the report names it).  1 with out filled (out->fn stays owned by the
 * finder until the hint is made); 0 when its source is not at hand. */
typedef int (*hint_lookup_fn)(void *data, const char *from_file, const char *name,
			      struct hint_callee *out);

/* The parameter names of the function `name` whose definition starts at
 * line first_line of text (C or Cython: `cdef void f(char *p, size_t n)`),
 * into params (at most max); returns how many, 0 when the signature cannot
 * be read (a variadic or unreadable parameter list too). */
size_t hint_params_of(const char *text, size_t len, unsigned first_line, const char *name,
		      char (*params)[64], size_t max);
/* 1 when text declares or defines the function `name` with a number as its
 * result type (int, long, size_t, uint64_t, double, bint… without `*`). */
int hint_returns_scalar(const char *text, size_t len, const char *name);

/* One frame of the stack that a hint reads: the culprit's function or
 * its caller's. */
struct hint_frame {
	const struct hint_func *fn;
	const char *file;    /* as the report names it: "hintfix/cyleaks.pyx" */
	unsigned line;       /* the line of the frame (the call it makes) */
	const char *callee;  /* the name that line calls (the frame above):
				"malloc", "make_buffer"; NULL when unknown */
	int reachable;       /* valgrind found the block still reachable at exit */
	/* finds the functions the block is passed to (pass-and-drop hints);
	 * NULL: a call the analysis does not know ends it, as before */
	hint_lookup_fn lookup;
	void *lookup_data;
};

#define HINT_MAX_EVIDENCE 8

struct hint_result {
	int found;                  /* 1: text holds a hint */
	char text[1024];
	/* the lines it is based on: frame 0 (the culprit) or 1 (its caller) */
	struct {
		int frame;
		unsigned line;
	} evidence[HINT_MAX_EVIDENCE];
	size_t n_evidence;
	/* the block leaves the culprit's function to its caller (returned):
	 * call again with the caller's frame */
	int returned;
	/* no hint: why, for -v ("the destructor calls clear(): not followed") */
	char why[256];
};

/* Explains the leak at culprit->line.  caller may be NULL: then a block
 * that is returned sets out->returned and no hint; with the caller's frame
 * the hint follows it there.  Returns out->found. */
int hint_explain(const struct hint_frame *culprit, const struct hint_frame *caller,
		 const struct nature *nat, struct hint_result *out);

#endif
