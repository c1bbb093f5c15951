/*
 * pymalloc.h — does the input show a Python run whose objects valgrind
 * could not see?
 *
 * CPython's own allocator (pymalloc, the default) carves small objects out
 * of arenas valgrind does not track, so a leaked Python object is no loss
 * record at all: the run looks clean.  PYTHONMALLOC=malloc sends every
 * object to malloc, where memcheck sees it.  The environment is not in
 * valgrind's output, so the evidence is the stacks: a pymalloc function
 * named in a frame proves pymalloc; malloc called straight from an object
 * allocator (_PyObject_GC_New, PyObject_Malloc…) proves PYTHONMALLOC=malloc.
 * A Python run (its command, or frames in the interpreter) with neither
 * gets a one-line note saying why leaks may be missing and how to rerun.
 *
 * Called by pipeline.c after ranking; reads the report, adds a note.
 */
#ifndef VGTRIAGE_PYMALLOC_H
#define VGTRIAGE_PYMALLOC_H

#include "vgtriage/report.h"

enum pymalloc_verdict {
	PYMALLOC_NOT_PYTHON = 0, /* no sign of a Python interpreter */
	PYMALLOC_MALLOC,         /* Python, objects allocated by malloc: seen */
	PYMALLOC_UNKNOWN,        /* Python, no sign either way */
	PYMALLOC_ARENAS          /* Python with pymalloc: a pymalloc frame seen */
};

/* What the report shows; *evidence (may be NULL) is set to the function
 * name (a constant of this module, never input text) that decided it, or
 * NULL. */
enum pymalloc_verdict pymalloc_verdict(const struct vgt_report *report, const char **evidence);

/* 1 when fn is a function name, obj an object, pymalloc_verdict looks
 * for over the whole frame table (frames_gc keeps the first frame of each:
 * frames_gc_names). */
int pymalloc_looks_for(const char *fn);
int pymalloc_looks_for_obj(const char *obj);

/* Adds the note for PYMALLOC_ARENAS and PYMALLOC_UNKNOWN. */
void pymalloc_note(struct vgt_report *report);

#endif
