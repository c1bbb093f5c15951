/*
 * watch.h — `vgtriage run --watch`: leak snapshots of a running program.
 *
 * Every N seconds the runner asks the gdbserver of every process of the
 * run that runs under valgrind, each through its own vgdb, for
 * `leak_check full kinds definite,reachable increased limited 1000`
 * (WATCH_MAX_RECORDS).  Each answer is
 * valgrind's text format with (+N) deltas; watch.c parses it with the
 * text reader (through a fresh pipeline, so sites group exactly as in the
 * report), keeps the growth per site fingerprint and process, and prints
 * the sites whose definitely-lost bytes grew, summed over the processes
 * and per process: text, or one JSON object per snapshot (JSON Lines,
 * the schema in schemas/vgtriage-jsonl.schema.json).
 *
 * Included by runner.c and the watch tests.
 */
#ifndef VGTRIAGE_WATCH_H
#define VGTRIAGE_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include "cmd/pipeline.h"
#include "render/render.h"

/* The most loss records one leak search lists (vgdb's "limited N": the
 * biggest growing ones).  Definite and still-reachable records both: a
 * still-reachable record that grows at the place of a definite leak is
 * the mark of a cache that loses what it evicts.  Without a limit the
 * first search lists every reachable block of the heap (20,920 records
 * for a uvicorn worker). */
#define WATCH_MAX_RECORDS 1000
#define WATCH_MAX_RECORDS_ARG "1000"

/* One process's share of a growing site. */
struct watch_proc_growth {
	long pid;                            /* 0: not known */
	int64_t delta_bytes, delta_blocks;
	int64_t since_bytes, since_blocks;
};

/* One growing site of a snapshot. */
struct watch_growth {
	char fingerprint[17];
	const char *label;       /* "leaky.c:12" / "api/native.pyx:11", in the watch's pool */
	const char *function;    /* may be NULL */
	const char *kind_name;
	const char *location;    /* the site's "location" object as JSON, the
				  * final report's shape (pool); NULL in tests */
	int64_t delta_bytes, delta_blocks;   /* added in the interval, all processes */
	int64_t since_bytes, since_blocks;   /* added since the run began, this one included */
	/* bytes/blocks: the site's definitely lost bytes and blocks as the
	 * snapshots saw them = since_bytes/since_blocks (valgrind's first
	 * leak search counts everything as growth) */
	uint64_t bytes, blocks;
	const struct watch_proc_growth *procs; /* per process, by pid */
	size_t n_procs;
	/* still-reachable growth at the same location (a cache that keeps
	 * buffers and loses them on eviction), since the run began: known
	 * only from answers that list still-reachable records */
	int has_reachable;
	int64_t reach_since_bytes, reach_since_blocks;
};

/* One process's answer to a snapshot's leak search. */
struct watch_answer {
	long pid;
	const char *text;
	size_t len;
};

struct watch;

/* popts: how to build each snapshot's pipeline (same as the report's).
 * Snapshots go to out: JSON Lines for VGT_FORMAT_JSON, else text. */
struct watch *watch_new(const struct pipeline_options *popts, FILE *out,
			enum vgt_format format, const struct render_options *ropts);
void watch_free(struct watch *w); /* NULL is a no-op */

/* Parses the answers of the vgdbs that succeeded (exit 0), one per
 * process asked, updates the growth and prints the snapshot; note (may be
 * NULL) is printed with it, and a note of its own names the processes
 * whose answer reached WATCH_MAX_RECORDS.  n may be 0 (no answer came:
 * the snapshot says nothing grew, with the note).  An answer without loss records is one in
 * which nothing grew.  0, or -1 (an answer could not be read, or writing
 * failed: err says why). */
int watch_snapshot_many(struct watch *w, const struct watch_answer *answers, size_t n,
			double elapsed_s, const char *note, struct vgt_error *err);
/* One process (pid unknown): watch_snapshot_many with one answer. */
int watch_snapshot(struct watch *w, const char *text, size_t len, double elapsed_s,
		   struct vgt_error *err);

/* 1 when text[0..len) holds a whole leak search (its LEAK SUMMARY up to
 * the "suppressed:" line, or valgrind -q's "All heap blocks were freed"
 * absent: then no summary at all is 0). */
int watch_answer_complete(const char *text, size_t len);

/* Snapshot number of the last snapshot (0 before the first). */
unsigned watch_count(const struct watch *w);

/* Growing sites of the last snapshot, fastest first. */
const struct watch_growth *watch_last(const struct watch *w, size_t *n);

/* After the run: one line per site where still-reachable bytes grew at
 * the location of a definite leak (for the report's notes); n lines, the
 * strings in the watch's pool. */
const char *const *watch_cache_notes(struct watch *w, size_t *n);
/* Every snapshot so far: the definite growth since the run began of the
 * sites in your code, summed (the report keeps them: report->snapshots). */
const struct vgt_snapshot *watch_snapshots(const struct watch *w, size_t *n);
/* valgrind's "still reachable" of the last answer of each process
 * (its LEAK SUMMARY), summed; 0 when no answer said. */
int watch_reachable_summary(const struct watch *w, uint64_t *bytes, uint64_t *blocks,
			    double *at_s, size_t *n_procs);

/* Pure helpers, exported for tests. */
/* Sorts fastest growing first: delta bytes, then delta blocks, then
 * since-start bytes, then fingerprint (stable output). */
void watch_rank_growth(struct watch_growth *g, size_t n);
/* Writes one snapshot as text / as one JSON line.  pids: the processes
 * asked (may be NULL), notes: lines said with it. */
struct watch_frame {
	unsigned snapshot;
	double elapsed_s;
	const long *pids;
	size_t n_pids;
	const char *note;
};
int watch_render_text(FILE *out, const struct watch_frame *f, const struct watch_growth *g,
		      size_t n, int color);
int watch_render_json(FILE *out, const struct watch_frame *f, const struct watch_growth *g,
		      size_t n);
/* "still reachable: 945,120 (+0) bytes in 3 (+0) blocks" in valgrind's
 * text: bytes and blocks; 0, or -1 when text has no such line. */
int watch_parse_reachable(const char *text, size_t len, uint64_t *bytes, uint64_t *blocks);

#endif
