/*
 * pipeline.h — reading inputs into a report: open a path or stdin, detect
 * XML vs text, feed the right reader, and run each record through
 * suppress → symbolize → classify → rank.
 *
 * Used by main.c (report, diff), runner.c and watch.c.  It never prints:
 * warnings and errors come back in struct vgt_error.
 */
#ifndef VGTRIAGE_PIPELINE_H
#define VGTRIAGE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/symbolize.h"
#include "analyze/rank.h"
#include "explain/explain.h"
#include "vgtriage/report.h"

struct suppressions;

/* How far reading has come (pipeline_read_paths' progress callback). */
struct pipeline_progress {
	uint64_t bytes;      /* read so far, all inputs */
	uint64_t total;      /* the inputs' sizes; 0 when unknown (a pipe) */
	size_t records;
	size_t sites;        /* distinct sites so far (per input, added up) */
	size_t inputs;
	double seconds;      /* since reading started */
};
/* Called about 4 times a second once reading has taken a second, from the
 * main thread; a last call with p == NULL means reading is over (erase). */
typedef void pipeline_progress_fn(void *ctx, const struct pipeline_progress *p);
/* The outcome of one input, in the order given (rc as pipeline_read_path). */
typedef void pipeline_result_fn(void *ctx, const char *path, int rc, const struct vgt_error *err);

struct pipeline_options {
	const char *input_format;        /* "auto" (NULL), "xml" or "text" */
	struct symbolize_options symbolize;
	struct rank_options rank;
	const struct suppressions *suppressions; /* may be NULL */
	int keep_record_stacks;          /* --gen-suppressions=hidden: every
					    record's stack (report.h) */
	int merge_data;                  /* --merge-data: keep the inputs' events
					    for `vgtriage merge` (merge.h); reads
					    in order, in this report */
	unsigned jobs;                   /* inputs read at once (-j); 0 = 1 */
	/* One large input read in jobs parts (split.c): only when -j was
	 * given, as measured gains on 2 CPUs were within noise (issue 22). */
	int split_input;
	/* Source context is read for the first context_sites shown sites
	 * only (what the format prints), when context_limited is set. */
	int context_limited;
	size_t context_sites;
	pipeline_progress_fn *progress;  /* may be NULL */
	void *progress_ctx;
	struct explain_options explain;  /* natures and hints (issue 13) */
};

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_options *opts);
void pipeline_free(struct pipeline *pl); /* NULL is a no-op; frees the report unless taken */

/* Reads a whole input ("-" = stdin).  0 = read; 1 = read with a warning
 * (stopped early: err says where); -1 = error (err says where; what was
 * parsed before it stays in the report). */
int pipeline_read_path(struct pipeline *pl, const char *path, struct vgt_error *err);

/* Reads inputs (paths; "-" = stdin) into the report, opts.jobs at a time,
 * each in a thread of its own with its own parser, merged in the order
 * given: the report is the same whatever jobs is.  on_result (may be NULL)
 * hears of each input in order.  Returns the worst result (-1, 1, 0). */
int pipeline_read_paths(struct pipeline *pl, char *const *paths, size_t n,
			pipeline_result_fn *on_result, void *ctx);

/* Streaming, for inputs that arrive live (run): open, feed chunks, close.
 * Results as above. */
struct pipeline_stream;
struct pipeline_stream *pipeline_stream_open(struct pipeline *pl, const char *label,
					     const char *format);
int pipeline_stream_feed(struct pipeline_stream *st, const char *buf, size_t len,
			 struct vgt_error *err);
int pipeline_stream_close(struct pipeline_stream *st, struct vgt_error *err);
struct vgt_input *pipeline_stream_input(struct pipeline_stream *st);

/* The mappings of process pid (/proc/PID/maps text), recorded while it
 * ran (run): they give the load address of code valgrind could not name. */
void pipeline_add_maps(struct pipeline *pl, long pid, const char *maps_text);
/* An input for a process of `run --engine asan` that wrote no sanitizer
 * report: exited, LeakSanitizer found no leak (its figures are 0: LSan
 * writes nothing then); else (killed) an incomplete input, figures unknown. */
void pipeline_add_lsan_clean(struct pipeline *pl, const char *label, long pid, int exited);

/* The report being built (valid until pipeline_free or pipeline_take). */
struct vgt_report *pipeline_report(struct pipeline *pl);
/* rank_finish + context + natures and hints + notes; returns the report,
 * still owned by pl. */
struct vgt_report *pipeline_finish(struct pipeline *pl);
/* Hands the report to the caller (who report_free()s it). */
struct vgt_report *pipeline_take(struct pipeline *pl);

#endif
