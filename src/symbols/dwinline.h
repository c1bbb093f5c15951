/*
 * dwinline.h — the calls inlined at an address, from DWARF (libdw), as
 * valgrind lists them with --read-inline-info=yes (its default on Linux):
 * one frame per inlined call, all at the same ip, innermost first, then
 * the function that holds the code.
 *
 * For an address inside DW_TAG_inlined_subroutine I0 (innermost), itself
 * inside I1, ... inside the DW_TAG_subprogram S, valgrind prints
 *   I0 at the line table's file:line for the address,
 *   I1 at I0's DW_AT_call_file:DW_AT_call_line, ...,
 *   S  at the outermost inlined call's call_file:call_line.
 * dwinline_at() gives I0's name and the callers I1..S (S's name left to
 * the caller: valgrind takes it from the symbol table).
 *
 * Included by elfsym.h/.c only.
 */
#ifndef VGTRIAGE_DWINLINE_H
#define VGTRIAGE_DWINLINE_H

#include <stddef.h>
#include <stdint.h>

struct Dwfl_Module; /* elfutils/libdwfl.h */

/* Nesting depth read at most (a hostile file may nest without end). */
#define DWINLINE_MAX 32

/* A frame valgrind lists for an inlined call: the caller of the frame
 * before it, at the call's file:line. */
struct dwinline_caller {
	const char *fn;   /* an inlined function, as its DWARF names it; NULL:
			     the function holding the code (S) */
	const char *dir, *file; /* the call's source, split as valgrind splits it */
	unsigned line;
};

struct dwinline {
	char *innermost;  /* I0's name, NULL when the address is not inlined */
	struct dwinline_caller callers[DWINLINE_MAX];
	size_t n;         /* 0 when not inlined, or a call site is unknown */
};

/* What is inlined at addr (module address space) of mod; out is cleared
 * first (dwinline_clear) and owns its strings (malloc'd). */
void dwinline_at(struct Dwfl_Module *mod, uint64_t addr, struct dwinline *out);
void dwinline_clear(struct dwinline *d);

/* dir and file of a source path as valgrind splits it: malloc'd, dir NULL
 * when the path holds no '/'. */
void dwinline_split(const char *path, char **dir, char **file);

#endif
