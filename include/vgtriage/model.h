/*
 * model.h — what vgtriage knows about a valgrind run: inputs, records,
 * stacks and frames, and the memcheck kinds.
 *
 * Readers (xml_reader, text_reader) fill struct vgt_input and hand each
 * finished struct vgt_record to a struct vgt_sink.  Everything downstream
 * (symbolize, classify, suppress, rank, renderers) works on these types
 * only; renderers never see a reader.
 *
 * Ownership: every `const char *` in these structs is interned in the
 * report's strpool (compare with ==, never free).  A record handed to a
 * sink is the reader's: it is valid during the call only, and a sink that
 * keeps a stack copies it with stack_copy().
 *
 * Any module may include it.
 */
#ifndef VGTRIAGE_MODEL_H
#define VGTRIAGE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/vgt.h"

/* Memcheck's kinds (XML <kind> names; the text reader maps messages to
 * them).  VGT_KIND_UNKNOWN keeps a kind we do not know under its own name. */
enum vgt_kind {
	VGT_KIND_UNKNOWN = 0,
	VGT_KIND_LEAK_DEFINITELY_LOST,
	VGT_KIND_LEAK_INDIRECTLY_LOST,
	VGT_KIND_LEAK_POSSIBLY_LOST,
	VGT_KIND_LEAK_STILL_REACHABLE,
	VGT_KIND_INVALID_READ,
	VGT_KIND_INVALID_WRITE,
	VGT_KIND_INVALID_JUMP,
	VGT_KIND_INVALID_FREE,
	VGT_KIND_MISMATCHED_FREE,
	VGT_KIND_OVERLAP,
	VGT_KIND_INVALID_MEMPOOL,
	VGT_KIND_UNINIT_VALUE,
	VGT_KIND_UNINIT_CONDITION,
	VGT_KIND_SYSCALL_PARAM,
	VGT_KIND_CLIENT_CHECK,
	VGT_KIND_CORE_MEM_ERROR,
	VGT_KIND_FISHY_VALUE,
	VGT_KIND_REALLOC_SIZE_ZERO,
	VGT_KIND_INVALID_ALIGNMENT,
	VGT_KIND_INVALID_SIZE,
	VGT_KIND_INVALID_SIZE_AND_ALIGNMENT,
	VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE,
	VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT,
	VGT_KIND_FD_BAD_CLOSE,
	VGT_KIND_FD_NOT_CLOSED,
	VGT_KIND_FD_BAD_USE,
	VGT_KIND_COUNT
};

/* How a kind ranks and gates: errors first, then leaks by severity. */
enum vgt_kind_group {
	VGT_GROUP_ERROR = 0,
	VGT_GROUP_DEFINITE,   /* definitely lost (direct) */
	VGT_GROUP_INDIRECT,   /* indirectly lost */
	VGT_GROUP_POSSIBLE,
	VGT_GROUP_REACHABLE,
	VGT_GROUP_COUNT
};

struct vgt_kind_info {
	enum vgt_kind kind;
	const char *name;        /* "Leak_DefinitelyLost" */
	enum vgt_kind_group group;
	const char *short_name;  /* "definite", "invalid-read" */
	const char *title;       /* "Memory definitely lost" */
	const char *help;        /* one or two sentences for SARIF rules / HTML */
};

/* Table lookups; never NULL (unknown kinds give the VGT_KIND_UNKNOWN row). */
const struct vgt_kind_info *kind_info(enum vgt_kind kind);
enum vgt_kind kind_from_name(const char *name);
int kind_is_leak(enum vgt_kind kind);
/* The group of a kind; unknown kinds are errors. */
enum vgt_kind_group kind_group(enum vgt_kind kind);

/* Frame classes, DESIGN.md §2.  Order matters: lower is "more the user's". */
enum frame_class {
	FRAME_USER = 0,
	FRAME_CYTHON_RUNTIME,
	FRAME_INTERPRETER,
	FRAME_RUNTIME,
	FRAME_ALLOCATOR,
	FRAME_CLASS_COUNT
};
const char *frame_class_name(enum frame_class cls); /* "user", "cython-runtime", … */

struct vgt_frame {
	uint64_t ip;
	const char *obj;  /* NULL when absent */
	const char *fn;   /* NULL when valgrind said ??? */
	const char *dir;
	const char *file;
	unsigned line;    /* 0 when absent */
	/* Derived by symbolize (NULL/0 until then). */
	const char *pyx_file;   /* "api/native.pyx" as Cython wrote it */
	unsigned pyx_line;
	const char *pyx_source; /* the marked source line, trimmed */
	const char *pyname;     /* "api.native.random_noise" or "py::f:/app/x.py" */
	unsigned pyname_ambiguous : 1; /* demangled without the .c at hand */
	unsigned symbolized : 1;
	enum frame_class cls;   /* set by classify */
};

struct vgt_stack {
	struct vgt_frame *frames;
	size_t count;
	size_t cap;
};

void stack_clear(struct vgt_stack *stack);           /* keeps the array */
void stack_release(struct vgt_stack *stack);         /* frees the array */
struct vgt_frame *stack_push(struct vgt_stack *stack); /* zeroed new frame */
void stack_copy(struct vgt_stack *dst, const struct vgt_stack *src);

struct vgt_record {
	const char *kind_name;      /* as valgrind wrote it */
	enum vgt_kind kind;
	const char *what;           /* what/xwhat text */
	uint64_t bytes;             /* leaks: <leakedbytes>, direct + indirect */
	uint64_t blocks;
	uint64_t direct_bytes;      /* leaks: from "(N direct, M indirect)", else bytes */
	uint64_t indirect_bytes;
	int has_delta;              /* vgdb "increased" output: (+N) */
	int64_t delta_bytes;
	int64_t delta_blocks;
	uint64_t unique;
	long tid;
	const char *threadname;
	struct vgt_stack stack;
	const char *auxwhat;        /* first auxwhat (e.g. "Block was alloc'd at") */
	struct vgt_stack aux_stack; /* the stack after it (alloc / origin) */
	const char *suppression;    /* valgrind's <suppression><sname>, if any */
	long pid;                   /* the process (text logs interleave pids) */
};

void record_clear(struct vgt_record *rec); /* resets fields, keeps stack arrays */
void record_release(struct vgt_record *rec);

/* What valgrind itself said the totals were (protocol 6 summaries, text
 * LEAK/ERROR SUMMARY); used to cross-check what we parsed. */
struct vgt_amount {
	uint64_t bytes;
	uint64_t blocks;
};

struct vgt_valgrind_summary {
	int has_leak_summary;
	struct vgt_amount definitely_lost, indirectly_lost, possibly_lost,
		still_reachable, suppressed;
	int has_error_summary;
	uint64_t errors, error_contexts, suppressed_errors, suppressed_contexts;
};

struct vgt_input {
	const char *path;      /* "-" for stdin */
	const char *format;    /* "xml" or "text" */
	const char *tool;      /* "memcheck" */
	int protocol_version;
	long pid, ppid;
	const char *command;   /* exe + args joined by spaces */
	int complete;          /* the document/log ended where valgrind ends it */
	int finished;          /* <status> FINISHED (or the log's final summary) seen */
	const char *fatal_signal; /* "SIGSEGV" when the guest died of a signal */
	size_t records;        /* records handed to the sink */
	long stop_line, stop_column; /* where reading stopped early (truncation) */
	uint64_t errorcounts_total;  /* sum of <errorcounts> (protocol 4/5) */
	uint64_t suppressed_total;   /* sum of <suppcounts> */
	size_t bad_numbers;          /* numeric fields that held no number ("...") */
	struct vgt_valgrind_summary vg;
};

/* Where a reader delivers what it parsed.  Each callback returns 0, or -1
 * to stop reading with err filled.  errorcount may be NULL; the XML reader
 * calls it for each <errorcounts> pair (how often the error with that
 * <unique> occurred), after the records. */
struct vgt_sink {
	int (*record)(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		      struct vgt_error *err);
	int (*errorcount)(void *ctx, struct vgt_input *input, uint64_t unique,
			  uint64_t count, struct vgt_error *err);
	/* A text log of a --trace-children=yes run interleaves processes: the
	 * text reader asks for one more input (same path and format as
	 * `first`) for each further pid it meets.  May be NULL: then all pids
	 * share `first`. */
	struct vgt_input *(*input_for_pid)(void *ctx, struct vgt_input *first, long pid);
	void *ctx;
	/* A client message (VALGRIND_PRINTF: XML <clientmsg>, text "**PID**"
	 * lines), in its place among the records: text is one line of a text
	 * log, or an XML message without its trailing newline (it may hold
	 * several lines).  Valid during the call only.  May be NULL. */
	int (*clientmsg)(void *ctx, struct vgt_input *input, const char *text,
			 struct vgt_error *err);
};

#endif
