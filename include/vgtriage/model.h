/*
 * model.h — what vgtriage knows about a valgrind run: inputs, records,
 * stacks and frames, and the memcheck kinds.
 *
 * Readers (xml_reader, text_reader) fill struct vgt_input and hand each
 * finished struct vgt_record to a struct vgt_sink.  Everything downstream
 * (symbolize, classify, suppress, rank, renderers) works on these types
 * only; renderers never see a reader.
 *
 * The frame table (frames.h).  A real Python service under valgrind gives
 * tens of thousands of records of 35-40 frames, nearly all of them frames
 * seen before.  So each distinct frame (ip, obj, fn, dir, file, line; and
 * the pid of a frame valgrind could not name) is one entry of its report's
 * frame table, interned by the reader from the element texts as they come
 * (no string is interned for a frame seen before), and a stack is an array
 * of 32-bit ids into it.  What vgtriage derives about a frame — the Cython
 * mapping, the Python name, the class — is computed once per entry, the
 * first time a record uses it (frame_resolve_stack), and stored there.  A
 * record costs a hash lookup per frame and one site lookup; a site keeps
 * the id array of its largest record (4 bytes a frame).
 *
 * Ownership:
 *   - every `const char *` in these structs is interned in a strpool of the
 *     report (report->pool, or report->sym_pool for what the symbolizer
 *     derived): compare with ==, never free;
 *   - frames belong to the report's frame table and never move; a
 *     `const struct vgt_frame *` is valid as long as the report;
 *   - stacks own their id arrays (stack_release); the ids mean something
 *     only with the frame table of the report they came from (rank_merge
 *     maps them from one report to another);
 *   - a record handed to a sink is the reader's: valid during the call only
 *     (its what/auxwhat texts too: they are not interned, they differ in
 *     every record); a sink that keeps a stack copies it (stack_copy) and a
 *     site keeps its own copy of the texts;
 *   - with -j, each input is read into a report of its own by its own
 *     thread; the reports share the symbolizer, and are merged in order.
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

/* Frame classes, DESIGN.md §2.  The values are stable (JSON names them by
 * frame_class_name); the report's category order is rank.c's. */
enum frame_class {
	FRAME_USER = 0,
	FRAME_CYTHON_RUNTIME,
	FRAME_INTERPRETER,
	FRAME_RUNTIME,
	FRAME_ALLOCATOR,
	/* Site categories only (no frame has it): a site whose only user
	 * frames are Python-level (py::, from perf maps), i.e. memory the
	 * interpreter allocated on behalf of Python code. */
	FRAME_PYTHON,
	/* A third-party extension module: an object under site-packages or
	 * dist-packages whose frame has no source of the user's (an
	 * installed module mapped to its .pyx is the user's). */
	FRAME_EXTENSION,
	/* A shared library of the system (/usr/lib, /lib, …) or bundled with
	 * a wheel (site-packages/<name>.libs/): libxml2, libcrypto. */
	FRAME_LIBRARY,
	/* A test framework's code (GoogleTest/GoogleMock, Catch2, doctest,
	 * vendored or installed; pytest, unittest, pluggy): the harness
	 * around the user's tests, not the code under test. */
	FRAME_TESTFW,
	FRAME_CLASS_COUNT
};
const char *frame_class_name(enum frame_class cls); /* "user", "cython-runtime", … */

/* One distinct frame, an entry of the report's frame table (frames.h). */
struct vgt_frame {
	uint64_t ip;
	const char *obj;  /* NULL when absent */
	const char *fn;   /* NULL when valgrind said ??? */
	const char *dir;
	const char *file;
	unsigned line;    /* 0 when absent */
	enum frame_class cls;   /* set by classify */
	long pid;         /* frames without fn: the process they come from, else 0 */
	/* Derived once per distinct frame (pipeline.c frame_resolve). */
	const char *pyx_file;   /* "api/native.pyx" as Cython wrote it */
	const char *pyx_source; /* the marked source line, trimmed */
	const char *pyname;     /* "api.native.random_noise" or "py::f:/app/x.py" */
	unsigned pyx_line;
	unsigned pyname_ambiguous : 1; /* demangled without the .c at hand */
	unsigned symbolized : 1;
	unsigned resolved : 1;  /* symbolized and classified */
	/* Native code (cxxsym.c via symbolize; NULL/0 until then). */
	unsigned obj_offset_known : 1;
	unsigned fn_mangled_glob : 1;
	unsigned fn_from_elf : 1; /* valgrind said ???: fn is vgtriage's */
	unsigned elf_named : 1;   /* fn or file:line read by vgtriage from the
				     object's symbols (the notes say which file) */
	unsigned inline_added : 1; /* a frame vgtriage added for an inlined call
				      valgrind could not see (no debug info):
				      not in valgrind's stack, so not in a
				      suppression's either */
	const char *fn_mangled;  /* the name valgrind matches fun: patterns against:
				    the linkage name, from the input (--demangle=no)
				    or the object's symbols (a glob over aliases when
				    fn_mangled_glob); fn itself for inlined frames */
	uint64_t obj_offset;     /* ip - load bias: the address inside obj */
	/* A frame vgtriage named from DWARF whose code was inlined: id + 1 of
	 * the frame valgrind lists after it at the same ip (its caller), which
	 * frame_resolve_stack inserts after it in every stack; 0: none.  Only
	 * meaningful in its own frame table (frames_intern_from drops it). */
	uint32_t inlined_by;
};

/* A stack: frame ids, innermost first, into the frame table of the report
 * the stack belongs to (stack_frame() in frames.h reads one). */
struct vgt_stack {
	uint32_t *ids;
	uint32_t count;
	uint32_t cap;
};

void stack_clear(struct vgt_stack *stack);           /* keeps the array */
void stack_release(struct vgt_stack *stack);         /* frees the array */
void stack_push(struct vgt_stack *stack, uint32_t id);
/* dst becomes a copy of src, allocated at its exact size. */
void stack_copy(struct vgt_stack *dst, const struct vgt_stack *src);

/* A growable, reused text buffer (NUL-terminated once set). */
struct vgt_text {
	char *s;
	size_t cap;
};

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
	int64_t delta_indirect_bytes; /* the indirect part's growth, when split */
	uint64_t unique;
	long tid;
	const char *threadname;
	struct vgt_stack stack;
	const char *auxwhat;        /* first auxwhat ("Address 0x… is … free'd") */
	struct vgt_stack aux_stack; /* the stack after it (free / alloc / origin) */
	const char *auxwhat2;        /* the auxwhat of a second aux stack, or NULL: */
	struct vgt_stack aux_stack2; /* a use-after-free's "Block was alloc'd at" */
	const char *suppression;    /* valgrind's <suppression><sname>, if any */
	long pid;                   /* the process (text logs interleave pids) */
	/* Leak records: where valgrind put them in the leak search that wrote
	 * them ("… in loss record I of N": loss_record I, loss_records N; 0
	 * when the text has none).  Valgrind numbers the loss records of every
	 * search from 1 and writes them in increasing I (the first one written
	 * need not be 1: --show-leak-kinds hides some).  leak_search tells the
	 * searches of one process apart when the reader can: records of one
	 * search share it, records of different searches differ; 0 when the
	 * reader cannot tell.  The XML reader gives <unique> - I + 2 (valgrind
	 * numbers each loss record of a search, shown or not, with the next
	 * unique); the text reader 1 + the LEAK SUMMARYs (and "All heap blocks
	 * were freed") its process wrote before the record.  pipeline.c
	 * decides from them where a new search begins (leaksearch.h). */
	uint32_t loss_record, loss_records;
	uint64_t leak_search;
	/* storage of what/auxwhat, reused record after record */
	struct vgt_text what_store, aux_store, aux2_store;
};

void record_clear(struct vgt_record *rec); /* resets fields, keeps stack and text arrays */
/* dst (zeroed, or a record of these functions) becomes a copy of src with
 * stacks and texts of its own: its arrays reused, src's kept apart (the
 * strings of the pool, kind_name, threadname, suppression, are shared). */
void record_copy(struct vgt_record *dst, const struct vgt_record *src);
/* rec->what / rec->auxwhat become a copy of s[0..len) in the record's own
 * storage (valid until the record is cleared). */
void record_set_what(struct vgt_record *rec, const char *s, size_t len);
void record_set_auxwhat(struct vgt_record *rec, const char *s, size_t len);
void record_set_auxwhat2(struct vgt_record *rec, const char *s, size_t len);
/* *dst (malloc'd or NULL) becomes a copy of s (NULL: freed, NULL). */
void text_replace(char **dst, const char *s);
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
	/* Which leak figures the input carried: VGT_SUMMARY_* bits (a text
	 * LEAK SUMMARY line each; protocol 6 all of them). */
	unsigned known;
};
#define VGT_SUMMARY_DEFINITE   (1u << 0)
#define VGT_SUMMARY_INDIRECT   (1u << 1)
#define VGT_SUMMARY_POSSIBLE   (1u << 2)
#define VGT_SUMMARY_REACHABLE  (1u << 3)
#define VGT_SUMMARY_SUPPRESSED (1u << 4)
#define VGT_SUMMARY_ALL        0x1fu

/* valgrind's --leak-check, as the input's <vargv> says (0: not known). */
enum vgt_leak_check {
	VGT_LEAK_CHECK_UNKNOWN = 0,
	VGT_LEAK_CHECK_NO,
	VGT_LEAK_CHECK_SUMMARY,
	VGT_LEAK_CHECK_FULL
};

/* One entry of valgrind's own suppression counts (vgt_input). */
#define VGT_MAX_SUPPCOUNTS 64
struct vgt_suppcount {
	const char *name;
	uint64_t count;
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
	int exit_leak_search;  /* the leak search valgrind makes at exit has begun
				  (XML <status> FINISHED, text "HEAP SUMMARY:"): the
				  loss records that follow are the final ones */
	const char *fatal_signal; /* "SIGSEGV" when the guest died of a signal */
	size_t records;        /* records handed to the sink */
	long stop_line, stop_column; /* where reading stopped early (truncation) */
	uint64_t errorcounts_total;  /* sum of <errorcounts> (protocol 4/5) */
	uint64_t suppressed_total;   /* sum of <suppcounts> */
	/* valgrind's own counts per suppression entry (issue 24): XML
	 * <suppcounts>, a text log's "used_suppression:" lines (valgrind -v);
	 * suppcounts_seen: the input states them (an entry it does not list
	 * suppressed nothing), suppcounts_over: more names than fit (an entry
	 * not listed is then unknown).  Names interned; kept in the input, so
	 * that an input stays plain data. */
	struct vgt_suppcount suppcounts[VGT_MAX_SUPPCOUNTS];
	size_t n_suppcounts;
	int suppcounts_seen, suppcounts_over;
	size_t bad_numbers;          /* numeric fields that held no number ("...") */
	int occurrences_unknown;     /* how often each error context occurred is not in
					the input (a text log without -s whose ERROR
					SUMMARY counts more errors than contexts, or none) */
	int errorcounts_seen;        /* XML: an <errorcounts> element came */
	const char *aborted;         /* valgrind's own failure ("… the 'impossible'
					happened", an assertion), as it wrote it */
	struct vgt_valgrind_summary vg;
	/* valgrind's own leak options, from XML <vargv> (figures.c parses
	 * them): what valgrind was asked to show decides which figures the
	 * records can give.  Kinds are bits per enum vgt_kind_group. */
	enum vgt_leak_check leak_check;
	int has_leak_options;        /* leak_check and the kinds below are known */
	unsigned show_leak_kinds;
	unsigned errors_for_leak_kinds;
	/* Still reachable blocks shown only so that per-test blame can follow
	 * blocks: `vgtriage run --per-test` asked for them with the spelling
	 * VGARGS_BLAME_KINDS (read/vgargs.h), and the report hides them. */
	int reachable_for_blame;
	/* A leak search of a text log said "Reachable blocks (those to which a
	 * pointer was found) are not shown" (the XML says it in <vargv>). */
	int reachable_unshown;
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
