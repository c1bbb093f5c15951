/*
 * report.h — the aggregated result: inputs, ranked sites, totals, notes.
 *
 * This is all a renderer sees.  rank.c builds it from records; renderers
 * (render_*.c) only read it.
 *
 * Ownership: the report owns its strpool, frame table, inputs and sites;
 * strings are interned in report->pool (but a site's what/auxwhat, which
 * differ per record, are the site's own copies).
 *
 * Memory: a report's memory grows with its sites (and interned strings),
 * never with the size of the input, so a site is kept small: what a
 * finished report adds to it is in a detail made only when written (see
 * struct vgt_site).  Renderers read it with site_detail().
 */
#ifndef VGTRIAGE_REPORT_H
#define VGTRIAGE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/strpool.h"

/* Where a site is, as a person reads it: the .pyx line when Cython-mapped,
 * else the C file:line, else the function in its object.  (Pointers
 * first, the small fields last: every site holds one.) */
struct vgt_location {
	const char *file;     /* "api/native.pyx" or "leaky.c"; NULL for fn@obj */
	const char *function; /* python qualname when known, else the C fn */
	const char *source;   /* the source line's text, trimmed, or NULL */
	const char *obj;      /* object file of the culprit frame */
	const char *dir;      /* the culprit frame's dir, when valgrind gave it */
	const char *address;  /* the user's code without file:line: "libfoo.so+0x1a2b"
				 (offset in the object), or "libfoo.so@0x4a1b2c"
				 (the ip, when the load address is unknown) */
	unsigned line;
	unsigned char mapped;    /* file/line come from a Cython map or directive */
	unsigned char ambiguous; /* function was demangled without the .c */
};

/* What explain.c found about a shown leak site (issue 13): what the
 * leaked memory is, from its allocator chain, and a hint from the source.
 * Strings are interned in the report's pool. */
#define VGT_HINT_EVIDENCE 8
struct vgt_hint_line {
	const char *file;  /* as the report names it ("hintfix/cyleaks.pyx") */
	unsigned line;
	const char *text;  /* the source line, trimmed; NULL when not read */
};

struct vgt_explain {
	const char *family;    /* "c", "cxx", "python"; NULL: not known */
	const char *what;      /* "buffer", "object", "array", "list", "hintfix.cyleaks.Node"… */
	const char *allocator; /* "malloc", "operator new[]", "PyList_New"; NULL: not known */
	const char *label;     /* for people: "C buffer (malloc)", "Python list (PyList_New)" */
	const char *hint;      /* NULL: no hint */
	size_t n_evidence;     /* the lines the hint is based on (at most */
	struct vgt_hint_line *evidence; /* VGT_HINT_EVIDENCE; owned, NULL without a hint) */
};

/* Lines around the location from the real source file, when found. */
struct vgt_context {
	unsigned first_line;
	size_t count;
	const char **lines;
};

/*
 * A site is in two parts, because a big report has tens of thousands of
 * sites (a program that asks for a leak search after every test: each
 * search's loss records, most of them emptied again by the next search)
 * and most are never shown (noise, or below the top N):
 *
 * - struct vgt_site: what every site needs while the records are read
 *   (its key, figures, example stack and texts, heads, processes), packed:
 *   8-byte fields first, then 4-byte ones, then bytes, so that no padding
 *   is left between them.  Sites live in the report's chunks
 *   (report_new_site), so this size is what each one costs.
 * - struct vgt_site_detail: what only a finished report fills in, and
 *   mostly for shown sites (source context, explanation, statement,
 *   baseline, pids, tests), and the growth figures that only a
 *   monitor's or run --watch's leak checks give; allocated on the first
 *   write.  Read it with site_detail() (never NULL: an empty detail when
 *   none was made), write it with site_detail_mut() (which makes it).
 *
 * Narrower integers where the range allows: culprit, n_heads,
 * instantiations and n_procs are uint32_t (a frame index in a stack whose
 * count is uint32_t, at most VGT_SITE_HEADS, at most one per input);
 * figures and counts of records stay 64-bit.
 */
struct vgt_site_detail;

struct vgt_site {
	const char *kind_name;
	uint64_t bytes, blocks;      /* leaks: sums of valgrind's per-record numbers */
	uint64_t direct_bytes, indirect_bytes;
	size_t records;              /* contexts (valgrind records) */
	uint64_t occurrences;        /* errors: occurrences per <errorcounts> */
	uint64_t first_seen;         /* where its first record came: the input's
					index << 40 + the record's place in it
					(valgrind's order; ranks ties alike in
					the XML and the text log of a run) */
	uint64_t example_bytes;      /* bytes of the record whose stack is kept */
	uint64_t input_mask;         /* bit i: input i contributed (first 64) */
	uint64_t callers_hash;       /* next user functions down the stack; the
					smallest over the site's records (a part
					of the fingerprint, with the statement) */
	size_t heads_dropped;        /* records whose head did not fit (below) */
	size_t rank;                 /* 1-based, over shown sites; 0 if hidden */
	struct vgt_location location;
	struct vgt_location *generated; /* the C file:line under a .pyx location,
					   or NULL (owned: most sites have none) */
	char *what;                  /* the example record's message (owned) */
	char *auxwhat;               /* and its auxiliary line (owned) */
	char *auxwhat2;              /* and its second one ("Block was alloc'd at"), or NULL */
	struct vgt_stack stack;      /* the stack of the largest record; the site's
					location (function included) is its culprit's */
	struct vgt_stack aux_stack;
	struct vgt_stack aux_stack2;
	/* The distinct heads of the site's records (sites.c), in the order
	 * they came: the stack down to the culprit, and an error's access
	 * size ("Invalid read of size 8": 8; 0 when none).  --gen-suppressions
	 * writes an entry for each; the message names every size.  At most
	 * VGT_SITE_HEADS of them; heads_dropped counts the records whose
	 * head did not fit.  A site emptied by a later leak search keeps
	 * them (and nothing else of its example). */
	struct vgt_site_head *heads;
	/* Processes (procs.h): one entry per input the site occurred in
	 * (freed when the last goes); what procs_finish() derives from them
	 * is in the detail. */
	struct vgt_site_proc *procs;
	struct vgt_site_detail *detail; /* NULL until written: site_detail_mut() */
	enum vgt_kind kind;
	enum frame_class category;   /* class of the culprit frame */
	uint32_t culprit;            /* index of the culprit frame in stack */
	uint32_t n_heads;
	/* How many distinct culprit functions the site's records have whose
	 * names differ only in template arguments (instantiations of one
	 * template at one line); 0 or 1: one function.  At most n_heads. */
	uint32_t instantiations;
	uint32_t n_procs, procs_cap;
	char fingerprint[17];        /* 16 hex digits, stable across runs */
	unsigned char hidden;        /* noise (interpreter/runtime) or filtered */
	unsigned char has_delta;     /* the detail has growth figures */
	unsigned char has_callers;   /* callers_hash is set */
};

/* What a finished report adds to a site, and its growth (see above). */
struct vgt_site_detail {
	int64_t delta_bytes, delta_blocks; /* growth ("(+N)"), when site->has_delta */
	/* Lines around the location from the real source file, when found. */
	struct vgt_context context;
	/* The generated C under a .pyx location (symbolize.c, when the .c is
	 * at hand): the Cython marker comment that maps it ("/\* \"x.pyx\":11"
	 * and its lines), and the C lines around generated->line.  Empty
	 * otherwise.  Only the HTML report shows them. */
	struct vgt_context gen_marker;
	struct vgt_context gen_context;
	struct vgt_explain *explain; /* explain.c: nature and hint, or NULL */
	/* What the fingerprint is made of besides kind, file, function and
	 * callers_hash (never a line number, so that edits elsewhere keep a
	 * site known): */
	const char *statement;       /* the culprit line's text, blanks collapsed
					(symbolize_statement), when the source is at hand */
	const char *baseline;        /* "new", "known" or NULL (no --baseline) */
	long *pids;                  /* distinct pids, ascending (procs_finish) */
	uint64_t inherited_bytes, inherited_blocks; /* summed over forked children */
	/* The tests that leaked here (pertest.c), largest first: indexes into
	 * report->tests with their share of bytes and blocks (errors: their
	 * occurrences in .blocks).  Empty when the run marked no tests. */
	struct vgt_site_test *tests;
	size_t n_tests;
	size_t n_pids;
	unsigned statement_occurrence; /* identical statements before it in its function */
	int inherited;               /* a forked child reports its parent's blocks */
};

/* The site's detail: never NULL (an empty one, all zero, when none was
 * made), and read-only. */
const struct vgt_site_detail *site_detail(const struct vgt_site *site);
/* The site's detail for writing: made (zeroed) on the first call. */
struct vgt_site_detail *site_detail_mut(struct vgt_site *site);

#define VGT_SITE_HEADS 32
/* In a head, one id for a run of runtime or interpreter frames between
 * the top frame and the culprit (which differ from record to record and
 * which a suppression takes with "..."): not a frame of the table. */
#define VGT_HEAD_GAP UINT32_MAX
struct vgt_site_head {
	uint32_t size;
	struct vgt_stack stack;      /* frames 0 .. culprit, VGT_HEAD_GAP for such runs */
};

struct vgt_site_test {
	size_t test;                 /* index into report->tests */
	uint64_t bytes, blocks;
	unsigned phases;             /* enum vgt_test_phase bits (leak growth only) */
	/* Of a possibly lost site: the part of bytes/blocks whose allocation
	 * stack valgrind found definitely lost at one of its leak checks
	 * (pertest.c): it counts as definitely lost for the test's verdict
	 * and summary; the site keeps valgrind's kind and figures. */
	uint64_t definite_bytes, definite_blocks;
};

/* A test of a per-test run (pertest.c): one a harness marked with the
 * vgtriage:begin/end protocol, or one whose Python function a stack names
 * (CPython >= 3.12 perf maps), or the "(session)" pseudo-test that holds
 * what leaked outside every test. */
enum vgt_test_phase {
	VGT_PHASE_SETUP = 1u << 0,
	VGT_PHASE_CALL = 1u << 1,
	VGT_PHASE_TEARDOWN = 1u << 2,
	VGT_PHASE_OTHER = 1u << 3
};

struct vgt_test {
	const char *name;            /* "tests/test_x.py::test_a", or "(session)" */
	int session;                 /* the "(session)" pseudo-test */
	int from_stack;              /* named by a Python frame, not by markers */
	int unfinished;              /* begun, never ended (crash, Ctrl-C) */
	/* What it is blamed for: its shares of the shown sites in your code
	 * (not interpreter or Cython-runtime noise, unless --all), by kind
	 * group; errors: contexts in lost[VGT_GROUP_ERROR].blocks. */
	unsigned phases;             /* enum vgt_test_phase bits it leaked in */
	struct vgt_amount lost[VGT_GROUP_COUNT];
	size_t top_site;             /* index into report->sites of its largest such
					site; SIZE_MAX when none */
	size_t n_sites;              /* such sites */
	/* Its harness's markers (pytest: @pytest.mark.vgtriage): "vgtriage:allow
	 * BYTES" lets it leak up to allowed_bytes of the kinds --fail-on fails
	 * on; "vgtriage:known REASON" makes its leaks a known one (never a
	 * failure; known_reason may be "" but not NULL when known). */
	int allowed;
	uint64_t allowed_bytes;
	int known;
	const char *known_reason;
};

/* A report's (or one input's) figures, figures.c: valgrind's own where
 * the input carries them, else what the records can tell; unknown where
 * neither does.  Indexed by enum vgt_kind_group (leak groups only). */
#define VGT_KNOWN_BYTES(g)  (1u << (2 * (g)))
#define VGT_KNOWN_BLOCKS(g) (1u << (2 * (g) + 1))
struct vgt_figures {
	struct vgt_amount amount[VGT_GROUP_COUNT];  /* what the report says */
	struct vgt_amount records[VGT_GROUP_COUNT]; /* what the records add up to */
	unsigned known;          /* VGT_KNOWN_BYTES(g) | VGT_KNOWN_BLOCKS(g) */
	unsigned from_summary;   /* bit g: amount[g] is valgrind's LEAK SUMMARY */
	int errors_from_summary; /* errors are valgrind's ERROR SUMMARY */
	uint64_t errors, error_contexts;
	uint64_t leak_error_contexts; /* leak records counted among the errors */
	size_t leak_records;
	int no_stacks;           /* a LEAK SUMMARY with leaks but no loss record */
	int suppressed;          /* --suppressions removed records (they differ) */
	int leak_check;          /* some input is memcheck's (helgrind, drd: none) */
	int split_indirect;      /* records[INDIRECT] has bytes from "(N direct, M
				    indirect)" splits only: no block count */
	int errors_unknown;      /* the error count is not in the input (no ERROR
				    SUMMARY, and the records cannot give it) */
	int occurrences_unknown; /* per-context occurrences are not in the input */
	struct vgt_amount suppressed_leaks; /* LEAK SUMMARY "suppressed:" */
	int suppressed_leaks_known;
	uint64_t suppressed_errors, suppressed_contexts; /* "(suppressed: N from M)" */
	int suppressed_errors_known;
};

struct vgt_totals {
	struct vgt_amount definitely_lost, indirectly_lost, possibly_lost,
		still_reachable;
	uint64_t errors_by_kind[VGT_KIND_COUNT]; /* occurrences, known kinds */
	uint64_t errors;          /* valgrind's "N errors" (ERROR SUMMARY) */
	uint64_t error_contexts;  /* "from M contexts" */
	size_t suppressed_records;
	uint64_t suppressed_bytes;
	size_t hidden_sites;
	size_t hidden_records;
	uint64_t hidden_bytes;
	size_t records;
	/* Hidden sites per category (site->category; noise hidden by
	 * default) and those hidden by --kinds (filtered_*). */
	size_t hidden_sites_by[FRAME_CLASS_COUNT];
	uint64_t hidden_bytes_by[FRAME_CLASS_COUNT];
	/* The same split by kind group (rank.c): how much of a category's
	 * hidden bytes were definitely lost, possibly lost, … */
	struct vgt_hidden_kind {
		size_t sites;
		uint64_t bytes, blocks;
	} hidden_kinds_by[FRAME_CLASS_COUNT][VGT_GROUP_COUNT];
	size_t filtered_sites;
	uint64_t filtered_bytes;
	/* The figures above come from here (figures_finish); renderers check
	 * figures.known before printing an amount. */
	struct vgt_figures figures;
};

/* One `run --watch` snapshot (watch.c via runner.c): the definitely lost
 * bytes and blocks of the growing sites in your code since the run
 * began, summed over them and the processes. */
struct vgt_snapshot {
	unsigned number;
	double elapsed_s;
	int64_t bytes, blocks;
	size_t sites;                /* sites that grew in this snapshot */
};

struct vgt_report {
	struct strpool *pool;
	struct strpool *sym_pool; /* the symbolizer's strings, which frames use */
	struct frame_table *frames; /* every distinct frame; stacks hold ids */
	struct vgt_input **inputs;
	size_t n_inputs, inputs_cap;
	struct vgt_site **sites;  /* after rank_finish: shown (ranked) first, then hidden */
	size_t n_sites, sites_cap;
	size_t n_shown;
	struct vgt_totals totals;
	/* errors of unknown kinds, by interned name */
	const char **unknown_kinds;
	uint64_t *unknown_kind_counts;
	size_t n_unknown_kinds, unknown_cap;
	const char **notes;       /* things a reader of the report should know */
	size_t n_notes, notes_cap;
	struct site_index *index; /* analyze/sites.c's lookup table, and how to
				     free it (set with it: model/ calls nothing above it) */
	void (*free_index)(struct site_index *index);
	/* frees what analyze/ hung on a site (its per-process entries) */
	void (*release_site)(struct vgt_site *site);
	struct vgt_site **site_chunks; /* where sites live (report_new_site) */
	size_t n_site_chunks, site_chunks_cap;
	/* The path rule's roots (paths.h): absolute, --source-root order,
	 * the current directory last. */
	const char **path_roots;
	size_t n_path_roots;
	/* Per-test attribution (pertest.c): every test the run marked or a
	 * stack named, in the order they ran; empty without either. */
	struct vgt_test *tests;
	size_t n_tests, tests_cap;
	int per_test;             /* a harness marked its tests (vgtriage:begin) */
	int blame_noise;          /* --all: tests are blamed for noise sites too */
	/* run --watch: its snapshots in order (empty otherwise) */
	struct vgt_snapshot *snapshots;
	size_t n_snapshots, snapshots_cap;
	size_t site_slots;        /* sites made in site_chunks (n_sites counts those
				     left after sites_drop_empty) */
	/* --suppressions (issue 24): each entry of the files, what it matched
	 * here and what valgrind says it suppressed at run time; empty
	 * without --suppressions.  Strings interned; the array is owned. */
	struct vgt_supp_use *supp_uses;
	size_t n_supp_uses;
	/* --gen-suppressions=hidden (issue 24): the distinct stacks of the
	 * records, with their site (whose storage stays the report's), when
	 * the pipeline is asked to keep them; owned. */
	struct vgt_record_stack *record_stacks;
	size_t n_record_stacks, record_stacks_cap;
	/* --merge-data (issue 22, cmd/merge.c): what the inputs said, event
	 * by event (records with stacks as ids of merge_frames, client
	 * messages, error counts; inputs by their place in merge_inputs), as
	 * one compact JSON array that render_json places under "merge" with
	 * merge_frames' keys and the inputs, so that `vgtriage merge`
	 * (read/json_reader.c) can read them back as if it read the raw
	 * inputs.  NULL without the option; all owned. */
	char *merge_events;
	size_t merge_events_len;
	struct frame_table *merge_frames; /* in merge_pool */
	struct strpool *merge_pool;
	struct vgt_merge_input *merge_inputs;
	size_t n_merge_inputs;
};

/* An input as the merge data numbers it: its index in report->inputs and
 * the file (stream) it came from, numbered from 0 in the order read. */
struct vgt_merge_input {
	size_t input;
	size_t file;
};

struct vgt_record_stack {
	struct vgt_site *site;
	enum vgt_kind kind;
	uint64_t hash;
	struct vgt_stack stack;   /* its first 24 frames */
};

struct vgt_supp_use {
	const char *name;
	const char *file;         /* the .supp file, as given */
	unsigned line;            /* of the entry's name */
	uint64_t records, bytes;  /* what vgtriage suppressed with it */
	int valgrind_known;       /* an input states valgrind's own counts */
	uint64_t valgrind_count;  /* errors (or loss records) valgrind suppressed
				     with an entry of this name, over the inputs */
};

struct vgt_report *report_new(void);
void report_free(struct vgt_report *report); /* NULL is a no-op */
/* A new, zeroed site at the end of report->sites (owned by the report). */
struct vgt_site *report_new_site(struct vgt_report *report);
/* Frees what a site owns (its storage stays the report's): report_free,
 * and sites.c for a site it drops; then report->release_site. */
void report_release_site(struct vgt_report *report, struct vgt_site *site);
struct vgt_input *report_add_input(struct vgt_report *report, const char *path,
				   const char *format);
/* Adds valgrind's own count for the suppression name (interned) to the
 * input's counts (summed when the name comes again). */
/* 1 when a --suppressions entry suppressed nothing: no record here and,
 * where the inputs state valgrind's own counts, none there either. */
int report_supp_unused(const struct vgt_supp_use *use);
/* Keeps the record's stack for its site (its first 24 frames), once per
 * distinct (site, kind, stack). */
void report_keep_record_stack(struct vgt_report *report, struct vgt_site *site,
			      enum vgt_kind kind, const struct vgt_stack *stack);
void report_input_suppcount(struct vgt_input *input, const char *name, uint64_t count);
/* Adds a note once (duplicates are dropped). */
void report_add_note(struct vgt_report *report, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of input in report->inputs. */
size_t report_input_index(const struct vgt_report *report,
			  const struct vgt_input *input);
int report_is_complete(const struct vgt_report *report);

#endif
