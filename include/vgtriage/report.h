/*
 * report.h — the aggregated result: inputs, ranked sites, totals, notes.
 *
 * This is all a renderer sees.  rank.c builds it from records; renderers
 * (render_*.c) only read it.
 *
 * Ownership: the report owns its strpool, inputs and sites; strings are
 * interned in report->pool.
 */
#ifndef VGTRIAGE_REPORT_H
#define VGTRIAGE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/strpool.h"

/* Where a site is, as a person reads it: the .pyx line when Cython-mapped,
 * else the C file:line, else the function in its object. */
struct vgt_location {
	const char *file;     /* "api/native.pyx" or "leaky.c"; NULL for fn@obj */
	unsigned line;
	const char *function; /* python qualname when known, else the C fn */
	const char *source;   /* the source line's text, trimmed, or NULL */
	const char *obj;      /* object file of the culprit frame */
	const char *dir;      /* the culprit frame's dir, when valgrind gave it */
	int mapped;           /* file/line come from a Cython map or directive */
	int ambiguous;        /* function was demangled without the .c */
};

/* Lines around the location from the real source file, when found. */
struct vgt_context {
	unsigned first_line;
	size_t count;
	const char **lines;
};

struct vgt_site {
	size_t rank;                 /* 1-based, over shown sites; 0 if hidden */
	const char *kind_name;
	enum vgt_kind kind;
	enum frame_class category;   /* class of the culprit frame */
	int hidden;                  /* noise (interpreter/runtime) or filtered */
	uint64_t bytes, blocks;      /* leaks: sums of valgrind's per-record numbers */
	uint64_t direct_bytes, indirect_bytes;
	size_t records;              /* contexts (valgrind records) */
	uint64_t occurrences;        /* errors: occurrences per <errorcounts> */
	int has_delta;
	int64_t delta_bytes, delta_blocks;
	char fingerprint[17];        /* 16 hex digits, stable across runs */
	struct vgt_location location;
	struct vgt_location generated; /* the C file:line under a .pyx location */
	int has_generated;
	struct vgt_context context;
	const char *what;            /* a representative message */
	const char *auxwhat;
	struct vgt_stack stack;      /* the stack of the largest record */
	struct vgt_stack aux_stack;
	size_t culprit;              /* index of the culprit frame in stack */
	uint64_t example_bytes;      /* bytes of the record whose stack is kept */
	const char *baseline;        /* "new", "known" or NULL (no --baseline) */
	uint64_t input_mask;         /* bit i: input i contributed (first 64) */
	/* The tests that leaked here (pertest.c), largest first: indexes into
	 * report->tests with their share of bytes and blocks (errors: their
	 * occurrences in .blocks).  Empty when the run marked no tests. */
	struct vgt_site_test *tests;
	size_t n_tests;
};

struct vgt_site_test {
	size_t test;                 /* index into report->tests */
	uint64_t bytes, blocks;
	unsigned phases;             /* enum vgt_test_phase bits (leak growth only) */
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
};

struct vgt_report {
	struct strpool *pool;
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
	struct site_index *index; /* rank.c's lookup table */
	/* Per-test attribution (pertest.c): every test the run marked or a
	 * stack named, in the order they ran; empty without either. */
	struct vgt_test *tests;
	size_t n_tests, tests_cap;
	int per_test;             /* a harness marked its tests (vgtriage:begin) */
	int blame_noise;          /* --all: tests are blamed for noise sites too */
};

struct vgt_report *report_new(void);
/* rank.c's lookup table; report_free() releases it through this. */
void rank_index_free(struct site_index *index);
void report_free(struct vgt_report *report); /* NULL is a no-op */
struct vgt_input *report_add_input(struct vgt_report *report, const char *path,
				   const char *format);
/* Adds a note once (duplicates are dropped). */
void report_add_note(struct vgt_report *report, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of input in report->inputs. */
size_t report_input_index(const struct vgt_report *report,
			  const struct vgt_input *input);
int report_is_complete(const struct vgt_report *report);

#endif
