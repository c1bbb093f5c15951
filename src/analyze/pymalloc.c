/*
 * pymalloc.c — a Python run under pymalloc, told from its stacks (see
 * pymalloc.h).
 */
#include <stddef.h>
#include <string.h>

#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/report.h"
#include "analyze/pymalloc.h"

/* pymalloc's own functions: a frame naming one of them proves pymalloc
 * (a distribution's stripped interpreter shows them as ???; a build with
 * symbols, python3-dbg or pyenv's, names them). */
static const char *const pymalloc_fns[] = {
	"_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc", "_PyObject_Free",
	"pymalloc_alloc", "pymalloc_realloc", "pymalloc_free", "allocate_from_new_pool",
	"new_arena", "_PyObject_ArenaMmap", "_PyObject_ArenaMalloc",
};

/* The object allocators: under PYTHONMALLOC=malloc they reach malloc
 * directly (or through _PyMem_RawMalloc); under pymalloc always through
 * _PyObject_Malloc first. */
static const char *const object_fns[] = {
	"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
	"PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc",
	"_PyObject_GC_New", "_PyObject_GC_NewVar", "_PyObject_GC_Resize", "gc_alloc",
	"_PyObject_New", "_PyObject_NewVar", "PyType_GenericAlloc", "_PyType_AllocNoTrack",
};

/* What PYTHONMALLOC=malloc puts between them and malloc, when not inlined. */
static const char *const raw_fns[] = {
	"_PyMem_RawMalloc", "_PyMem_RawCalloc", "_PyMem_RawRealloc",
};

static const char *const heap_fns[] = {
	"malloc", "calloc", "realloc", "reallocarray",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *member(const char *s, const char *const *set, size_t n)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return set[i];
	return NULL;
}

int pymalloc_looks_for(const char *fn)
{
	return member(fn, pymalloc_fns, N_OF(pymalloc_fns)) != NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* "python", "python3", "python3.11", "python3.12d", "python3-dbg",
 * "libpython3.11.so.1.0", and the usual Python entry points. */
static int python_name(const char *name, size_t len)
{
	static const char *const prefixes[] = {"python", "libpython", "pytest", "py.test", "ipython"};
	for (size_t i = 0; i < N_OF(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (len >= n && strncmp(name, prefixes[i], n) == 0)
			return 1;
	}
	return 0;
}

static int python_command(const char *command)
{
	if (command == NULL)
		return 0;
	/* the program is the first word (valgrind joins exe and args) */
	size_t len = strcspn(command, " ");
	const char *start = command;
	for (size_t i = 0; i < len; i++)
		if (command[i] == '/')
			start = command + i + 1;
	return python_name(start, len - (size_t)(start - command));
}

static int python_object(const char *obj)
{
	if (obj == NULL)
		return 0;
	const char *b = base_name(obj);
	return python_name(b, strlen(b));
}

int pymalloc_looks_for_obj(const char *obj)
{
	return python_object(obj);
}

static int python_object(const char *obj);

/* Whether stack shows malloc called by the interpreter's object code: a
 * named frame of python or libpython (or an object allocator by name, for
 * a static build) right above malloc.  Under pymalloc the frame there is
 * _PyObject_Malloc (??? when the interpreter is stripped) or a user of the
 * raw domain, which the lists above and below rule out. */
static const char *const raw_users[] = {
	"PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc",
	"_PyMem_RawStrdup", "_PyMem_RawWcsdup", "_PyMem_DebugRawAlloc",
	"_PyMem_DebugRawMalloc", "_PyMem_DebugRawCalloc", "_PyMem_DebugRawRealloc",
};

static const char *malloc_mode_evidence(const struct frame_table *ft, const struct vgt_stack *stack)
{
	if (stack->count < 2 || !member(stack_frame(ft, stack, 0)->fn, heap_fns, N_OF(heap_fns)))
		return NULL;
	size_t i = 1;
	while (i < stack->count && member(stack_frame(ft, stack, i)->fn, raw_fns, N_OF(raw_fns)))
		i++;
	if (i >= stack->count)
		return NULL;
	const struct vgt_frame *f = stack_frame(ft, stack, i);
	if (f->fn == NULL || f->fn_from_elf || member(f->fn, pymalloc_fns, N_OF(pymalloc_fns)) ||
	    member(f->fn, raw_users, N_OF(raw_users)))
		return NULL;
	const char *known = member(f->fn, object_fns, N_OF(object_fns));
	if (known != NULL)
		return known;
	return python_object(f->obj) ? "an interpreter function" : NULL;
}

/* Whether the absence of interpreter records says something: under
 * PYTHONMALLOC=malloc an interpreter that exits normally leaves possibly
 * lost objects (pointers into their middle, GC headers), so a run that
 * showed possibly lost blocks and reached its exit leak search without a
 * fatal signal has such records.  A run told to show definite leaks only,
 * or killed, has none either way: no note then. */
static int telling(const struct vgt_input *in)
{
	if (in->fatal_signal != NULL || !in->exit_leak_search)
		return 0;
	if (in->has_leak_options && (in->leak_check != VGT_LEAK_CHECK_FULL ||
				     !(in->show_leak_kinds & (1u << VGT_GROUP_POSSIBLE))))
		return 0;
	/* a text log does not say which kinds were shown: possibly lost
	 * blocks in valgrind's summary without a record from the interpreter
	 * were not shown (or are someone else's): no evidence either way */
	if (!in->has_leak_options && (in->vg.known & VGT_SUMMARY_POSSIBLE) &&
	    in->vg.possibly_lost.blocks > 0)
		return 0;
	return 1;
}

static size_t n_telling(const struct vgt_report *report)
{
	size_t n = 0;
	for (size_t i = 0; i < report->n_inputs; i++)
		n += (size_t)telling(report->inputs[i]);
	return n;
}

enum pymalloc_verdict pymalloc_verdict(const struct vgt_report *report, const char **evidence)
{
	const char *why = NULL;
	int python = 0;
	for (size_t i = 0; i < report->n_inputs; i++)
		if (python_command(report->inputs[i]->command) && telling(report->inputs[i]))
			python = 1;
	const struct frame_table *ft = report->frames;
	size_t n = ft != NULL ? frames_count(ft) : 0;
	for (size_t id = 0; id < n; id++) {
		const struct vgt_frame *f = frames_at(ft, (uint32_t)id);
		if (python_object(f->obj) && n_telling(report) > 0)
			python = 1;
		/* a name vgtriage read from the object's symbols counts too */
		const char *p = member(f->fn, pymalloc_fns, N_OF(pymalloc_fns));
		if (p != NULL && why == NULL)
			why = p;
	}
	if (why != NULL) {
		if (evidence != NULL)
			*evidence = why;
		return PYMALLOC_ARENAS;
	}
	for (size_t i = 0; i < report->n_sites && ft != NULL; i++) {
		const char *m = malloc_mode_evidence(ft, &report->sites[i]->stack);
		if (m != NULL) {
			if (evidence != NULL)
				*evidence = m;
			return PYMALLOC_MALLOC;
		}
	}
	if (evidence != NULL)
		*evidence = NULL;
	return python ? PYMALLOC_UNKNOWN : PYMALLOC_NOT_PYTHON;
}

void pymalloc_note(struct vgt_report *report)
{
	const char *why = NULL;
	switch (pymalloc_verdict(report, &why)) {
	case PYMALLOC_ARENAS:
		report_add_note(report,
				"Python ran with pymalloc (%s in a stack): most Python objects live in "
				"arenas valgrind does not track, so their leaks are not in this report; "
				"rerun with PYTHONMALLOC=malloc in the environment",
				why);
		break;
	case PYMALLOC_UNKNOWN:
		report_add_note(report,
				"a Python run with no sign of PYTHONMALLOC=malloc: under pymalloc (the "
				"default) valgrind cannot see most Python objects, so their leaks may be "
				"missing; rerun as PYTHONMALLOC=malloc valgrind ...");
		break;
	default:
		break;
	}
}
