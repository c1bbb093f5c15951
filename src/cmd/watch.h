/*
 * watch.h — `vgtriage run --watch`: leak snapshots of a running program.
 *
 * Every N seconds the runner asks valgrind's gdbserver, through vgdb, for
 * `leak_check full definiteleak increased`.  Its answer is valgrind's text
 * format with (+N) deltas; watch.c parses it with the text reader (through
 * a fresh pipeline, so sites group exactly as in the report), keeps the
 * growth per site fingerprint, and prints the sites whose definitely-lost
 * bytes grew: text, or one JSON object per snapshot (JSON Lines).
 *
 * Included by runner.c and the watch tests.
 */
#ifndef VGTRIAGE_WATCH_H
#define VGTRIAGE_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include "cmd/pipeline.h"
#include "render/render.h"

/* One growing site of a snapshot. */
struct watch_growth {
	char fingerprint[17];
	const char *label;       /* "leaky.c:12" / "api/native.pyx:11", in the watch's pool */
	const char *function;    /* may be NULL */
	const char *kind_name;
	int64_t delta_bytes, delta_blocks;   /* added in the interval */
	int64_t since_bytes, since_blocks;   /* added since the first snapshot, this one included */
	uint64_t bytes, blocks;              /* valgrind's current totals for the site */
};

struct watch;

/* popts: how to build each snapshot's pipeline (same as the report's).
 * Snapshots go to out: JSON Lines for VGT_FORMAT_JSON, else text. */
struct watch *watch_new(const struct pipeline_options *popts, FILE *out,
			enum vgt_format format, const struct render_options *ropts);
void watch_free(struct watch *w); /* NULL is a no-op */

/* Parses one answer of a vgdb that succeeded (exit 0), updates the
 * per-site growth and prints the snapshot.  An answer without loss
 * records is a snapshot in which nothing grew.  0, or -1 (the text could
 * not be read, or writing failed: err says why). */
int watch_snapshot(struct watch *w, const char *text, size_t len, double elapsed_s,
		   struct vgt_error *err);

/* Snapshot number of the last snapshot (0 before the first). */
unsigned watch_count(const struct watch *w);

/* Growing sites of the last snapshot, fastest first. */
const struct watch_growth *watch_last(const struct watch *w, size_t *n);

/* Pure helpers, exported for tests. */
/* Sorts fastest growing first: delta bytes, then delta blocks, then
 * since-start bytes, then fingerprint (stable output). */
void watch_rank_growth(struct watch_growth *g, size_t n);
/* Writes one snapshot as text / as one JSON line. */
int watch_render_text(FILE *out, unsigned snapshot, double elapsed_s,
		      const struct watch_growth *g, size_t n, int color);
int watch_render_json(FILE *out, unsigned snapshot, double elapsed_s,
		      const struct watch_growth *g, size_t n);

#endif
