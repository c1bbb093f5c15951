/*
 * pipeline.c — from bytes to a ranked report: detect the format, feed the
 * reader, and pass each record through suppress → symbolize → classify →
 * rank.
 */
#include "cmd/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "symbols/cxxsym.h"
#include "analyze/figures.h"
#include "read/leaksearch.h"
#include "model/paths.h"
#include "analyze/pertest.h"
#include "read/reader.h"
#include "analyze/suppress.h"
#include "symbols/symbolize.h"
#include "analyze/sites.h"
#include "analyze/rank.h"
#include "analyze/pymalloc.h"
#include "cmd/split.h"
#include "cmd/merge.h"

#define CHUNK (256 * 1024)
#define DETECT_BYTES 512
#define PROGRESS_AFTER 1.0     /* seconds before the first progress call */
#define PROGRESS_EVERY 0.25

/* What the readers have done so far, for the progress callback; shared by
 * the reader threads of -j (lock). */
struct progress_state {
	pthread_mutex_t lock;
	struct timespec start;
	double last;             /* seconds at the last call */
	double after, every;     /* the cadence: PROGRESS_AFTER, PROGRESS_EVERY */
	int shown;               /* the callback was called */
	struct pipeline_progress p;
};
struct pipeline {
	struct pipeline_options opts;
	struct vgt_report *report;
	struct symbolizer *symbolizer;
	int owns_symbolizer;    /* 0: a reader's pipeline sharing its parent's */
	struct pertest *pertest; /* per-test attribution of this pipeline's report */
	struct leaksearch *searches; /* each input's leak searches: the last counts */
	struct vgt_sink sink;
	struct merge_capture *capture; /* --merge-data, or NULL (merge.h) */
	/* progress of the input being read (read_fd) */
	struct progress_state *progress;
	size_t gc_at;           /* live frames at which to collect (0: not set) */
};

struct pipeline_stream {
	struct pipeline *pl;
	struct vgt_input *input;
	size_t first_input;     /* index of input: it and the inputs after it
				   (more pids of a text log) are this stream's */
	const char *format;     /* NULL until detected */
	char head[DETECT_BYTES]; /* bytes held back until the format is known */
	size_t head_len;
	struct xml_reader *xml;
	struct text_reader *text;
	struct lsan_reader *lsan;
	struct json_reader *json;
	int failed;
};

/* Frames at which a report's first collection runs (frames_gc):
 * VGTRIAGE_TEST_FRAME_GC=N overrides it, so that the goldens collect on
 * the small files of testdata/. */
#define FRAME_GC_MIN 65536

static size_t frame_gc_min(void)
{
	const char *v = getenv("VGTRIAGE_TEST_FRAME_GC");
	if (v != NULL && *v != '\0') {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (*end == '\0' && n > 0)
			return (size_t)n;
	}
	return FRAME_GC_MIN;
}

/* After rec was filed: once the frame table has grown by half since the
 * last collection, the entries of frames no site, head or kept record
 * stack holds go back to the table (frames.h), so that memory follows
 * the sites, not the distinct frames read (distinct ips below the
 * culprit, superseded leak searches).  Only while an XML reader reads:
 * it keeps no frame id across records (a log reader keeps each pid's
 * record in progress), and not in a marked per-test run. */
/* A marked per-test run: pertest.c keeps its records' stacks, and
 * matches them by a hash of their frame ids. */
static int any_marked(struct pipeline *pl)
{
	for (size_t i = 0; i < pl->report->n_inputs; i++)
		if (pertest_marked(pl->pertest, pl->report->inputs[i]))
			return 1;
	return 0;
}

static void collect_frames(struct pipeline *pl, const struct vgt_input *input,
			   const struct vgt_record *rec)
{
	struct frame_table *ft = pl->report->frames;
	if (pl->gc_at == 0)
		pl->gc_at = frame_gc_min();
	size_t live = frames_live(ft);
	if (live < pl->gc_at)
		return;
	if (input->format != NULL && strcmp(input->format, "xml") == 0 && !any_marked(pl)) {
		/* pymalloc_verdict scans the whole table for these */
		frames_gc_names(ft, pymalloc_looks_for, pymalloc_looks_for_obj);
		struct frames_gc *gc = frames_gc_begin(ft);
		sites_keep_frames(pl->report, gc);
		frames_gc_keep(gc, &rec->stack);
		frames_gc_keep(gc, &rec->aux_stack);
		frames_gc_keep(gc, &rec->aux_stack2);
		frames_gc_end(gc);
		live = frames_live(ft);
	}
	size_t min = frame_gc_min();
	pl->gc_at = live + (live / 2 > min / 2 ? live / 2 : min / 2);
}

/* A new leak search of input began: what the one before added goes. */
static void take_back(struct pipeline *pl, struct vgt_input *input)
{
	sites_take_back(pl->report, input);
	pertest_take_back(pl->pertest, input);
}

static int on_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		     struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	if (pl->capture != NULL)
		merge_capture_record(pl->capture, pl->report, input, rec);
	input->records++;
	/* only an input's last leak search counts (leaksearch.h) */
	enum leaksearch_step step = leaksearch_record(pl->searches, input, rec);
	if (step == LEAKSEARCH_NEW)
		take_back(pl, input);
	struct frame_table *ft = pl->report->frames;
	/* resolved first: suppressions match C++ frames by linkage name */
	frame_resolve_stack(pl->symbolizer, ft, &rec->stack, rec->pid);
	frame_resolve_stack(pl->symbolizer, ft, &rec->aux_stack, rec->pid);
	frame_resolve_stack(pl->symbolizer, ft, &rec->aux_stack2, rec->pid);
	if (pl->opts.suppressions != NULL &&
	    suppressions_match(pl->opts.suppressions, ft, rec) != NULL) {
		sites_add_suppressed(pl->report, input, rec);
		return 0;
	}
	if (pertest_take_record(pl->pertest, input, rec))
		return 0; /* a per-test leak check: its growth goes to a test */
	if (step == LEAKSEARCH_UPDATE && !sites_take_back_record(pl->report, input, rec))
		return 0;
	struct vgt_site *site = sites_add_record(pl->report, input, rec);
	if (pl->opts.keep_record_stacks && site != NULL)
		report_keep_record_stack(pl->report, site, rec->kind, &rec->stack);
	pertest_ranked(pl->pertest, input, rec);
	collect_frames(pl, input, rec);
	return 0;
}

static int on_clientmsg(void *ctx, struct vgt_input *input, const char *text,
			struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	if (pl->capture != NULL)
		merge_capture_clientmsg(pl->capture, input, text);
	pertest_clientmsg(pl->pertest, input, text);
	return 0;
}

static int on_errorcount(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
			 struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	if (pl->capture != NULL)
		merge_capture_errorcount(pl->capture, input, unique, count);
	sites_add_errorcount(pl->report, input, unique, count);
	return 0;
}

static struct vgt_input *on_new_pid(void *ctx, struct vgt_input *first, long pid)
{
	struct pipeline *pl = ctx;
	struct vgt_input *in = report_add_input(pl->report, first->path, first->format);
	in->pid = pid;
	in->tool = first->tool;
	/* A child forked without exec has no preamble of its own: it runs the
	 * parent's command until its log says otherwise. */
	in->command = first->command;
	in->ppid = first->pid;
	if (pl->capture != NULL)
		merge_capture_input(pl->capture, first, in);
	return in;
}

static void init_sink(struct pipeline *pl)
{
	pl->pertest = pertest_new(pl->report);
	pl->searches = leaksearch_new();
	pl->sink.record = on_record;
	pl->sink.clientmsg = on_clientmsg;
	pl->sink.errorcount = on_errorcount;
	pl->sink.input_for_pid = on_new_pid;
	pl->sink.ctx = pl;
}

struct pipeline *pipeline_new(const struct pipeline_options *opts)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));
	if (opts != NULL)
		pl->opts = *opts;
	pl->opts.rank.suppressed = pl->opts.suppressions != NULL;
	pl->report = report_new();
	pl->report->sym_pool = strpool_new();
	pl->symbolizer = symbolizer_new(pl->report->sym_pool, &pl->opts.symbolize);
	pl->owns_symbolizer = 1;
	init_sink(pl);
	if (pl->opts.merge_data)
		pl->capture = merge_capture_new();
	return pl;
}

/* A pipeline that reads one input into a report of its own, for merging
 * into parent's (rank_merge); it shares parent's symbolizer, so it lives
 * no longer than parent. */
static struct pipeline *pipeline_new_reader(struct pipeline *parent)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));
	pl->opts = parent->opts;
	pl->report = report_new();
	pl->symbolizer = parent->symbolizer;
	pl->capture = parent->capture; /* read one at a time (merge.h) */
	init_sink(pl);
	return pl;
}

void pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	if (pl->owns_symbolizer) {
		symbolizer_free(pl->symbolizer);
		merge_capture_free(pl->capture);
	}
	pertest_free(pl->pertest);
	leaksearch_free(pl->searches);
	report_free(pl->report);
	free(pl);
}

void pipeline_add_maps(struct pipeline *pl, long pid, const char *maps_text)
{
	symbolize_add_maps(pl->symbolizer, pid, maps_text);
}

void pipeline_add_lsan_clean(struct pipeline *pl, const char *label, long pid, int exited)
{
	struct vgt_input *in = report_add_input(pl->report, label, "lsan");
	in->pid = pid;
	lsan_input_clean(in, exited);
	if (pl->capture != NULL)
		merge_capture_file(pl->capture, in);
}

struct vgt_report *pipeline_report(struct pipeline *pl)
{
	return pl->report;
}

struct pipeline_stream *pipeline_stream_open(struct pipeline *pl, const char *label,
					     const char *format)
{
	struct pipeline_stream *st = xcalloc(1, sizeof(*st));
	st->pl = pl;
	if (format != NULL && strcmp(format, "auto") != 0)
		st->format = format;
	else if (pl->opts.input_format != NULL && strcmp(pl->opts.input_format, "auto") != 0)
		st->format = pl->opts.input_format;
	st->input = report_add_input(pl->report, label, st->format != NULL ? st->format : "xml");
	st->first_input = pl->report->n_inputs - 1;
	if (pl->capture != NULL)
		merge_capture_file(pl->capture, st->input);
	return st;
}

struct vgt_input *pipeline_stream_input(struct pipeline_stream *st)
{
	return st->input;
}

static void start_reader(struct pipeline_stream *st)
{
	struct pipeline *pl = st->pl;
	st->input->format = strpool_intern(pl->report->pool, st->format);
	if (strcmp(st->format, "xml") == 0)
		st->xml = xml_reader_new(pl->report->frames, st->input, &pl->sink);
	else if (strcmp(st->format, "lsan") == 0)
		st->lsan = lsan_reader_new(pl->report->frames, st->input, &pl->sink);
	else if (strcmp(st->format, "json") == 0)
		st->json = json_reader_new(pl->report->frames, st->input, &pl->sink);
	else
		st->text = text_reader_new(pl->report->frames, st->input, &pl->sink);
}

static int reader_started(const struct pipeline_stream *st)
{
	return st->xml != NULL || st->text != NULL || st->lsan != NULL || st->json != NULL;
}

static int finish_reader(struct pipeline_stream *st, struct vgt_error *err)
{
	if (st->xml != NULL)
		return xml_reader_finish(st->xml, err);
	if (st->lsan != NULL)
		return lsan_reader_finish(st->lsan, err);
	if (st->json != NULL)
		return json_reader_finish(st->json, err);
	return text_reader_finish(st->text, err);
}

static int feed_reader(struct pipeline_stream *st, const char *buf, size_t len,
		       struct vgt_error *err)
{
	if (len == 0)
		return 0;
	if (st->xml != NULL)
		return xml_reader_feed(st->xml, buf, len, err);
	if (st->lsan != NULL)
		return lsan_reader_feed(st->lsan, buf, len, err);
	if (st->json != NULL)
		return json_reader_feed(st->json, buf, len, err);
	return text_reader_feed(st->text, buf, len, err);
}

static void name_error(const struct pipeline_stream *st, struct vgt_error *err)
{
	if (err != NULL && err->file[0] == '\0')
		snprintf(err->file, sizeof(err->file), "%s", st->input->path);
}

/* memcheck, helgrind and drd report errors by stack; the other tools
 * (massif, cachegrind, callgrind, dhat, lackey, none) write profiles
 * that are no findings at all: refused, naming the tool. */
static int check_tool(const struct pipeline_stream *st, struct vgt_error *err)
{
	const char *tool = st->input->tool;
	if (tool == NULL || strcmp(tool, "memcheck") == 0 || strcmp(tool, "helgrind") == 0 ||
	    strcmp(tool, "drd") == 0)
		return 0;
	return vgt_error_set(err, NULL, 0, 0, "valgrind's %s output: vgtriage reads memcheck, "
			     "helgrind and drd output only", tool);
}

int pipeline_stream_feed(struct pipeline_stream *st, const char *buf, size_t len,
			 struct vgt_error *err)
{
	if (st->failed)
		return -1;
	if (st->format == NULL) {
		/* Hold back the first bytes until there are enough to tell XML from text. */
		size_t take = len < DETECT_BYTES - st->head_len ? len : DETECT_BYTES - st->head_len;
		memcpy(st->head + st->head_len, buf, take);
		st->head_len += take;
		buf += take;
		len -= take;
		if (st->head_len < DETECT_BYTES && len == 0)
			return 0;
		st->format = reader_detect_format(st->head, st->head_len);
	}
	int rc = 0;
	if (!reader_started(st)) {
		start_reader(st);
		rc = feed_reader(st, st->head, st->head_len, err);
	}
	if (rc == 0)
		rc = feed_reader(st, buf, len, err);
	if (rc == 0)
		rc = check_tool(st, err);
	if (rc != 0) {
		st->failed = 1;
		st->input->complete = 0;
		name_error(st, err);
	}
	return rc;
}

/* The stream's inputs are read: an exit search that wrote nothing takes
 * the search before it back; notes; the sites left empty go. */
static void end_searches(struct pipeline_stream *st)
{
	struct pipeline *pl = st->pl;
	struct vgt_report *r = pl->report;
	for (size_t i = st->first_input; i < r->n_inputs; i++) {
		struct vgt_input *in = r->inputs[i];
		if (leaksearch_end(pl->searches, in))
			take_back(pl, in);
		leaksearch_note(pl->searches, in, pertest_marked(pl->pertest, in), r);
	}
	sites_drop_empty(r);
}

/* An empty file named *.log (not read as XML): a valgrind -q log of a
 * clean run.  Not stdin, not any other empty file. */
static int empty_quiet_log(const struct pipeline_stream *st)
{
	if (st->format != NULL && strcmp(st->format, "text") != 0)
		return 0;
	const char *path = st->input->path;
	size_t n = path != NULL ? strlen(path) : 0;
	return n > 4 && strcmp(path + n - 4, ".log") == 0;
}

static void empty_log_note(struct vgt_report *r, const struct vgt_input *in)
{
	report_add_note(r, "%s is empty: valgrind -q writes nothing for a run "
			"with no errors; its totals are unknown, and under valgrind's default "
			"--leak-check=summary -q shows no leak at all (use --leak-check=full)",
			in->path);
}

/* Notes on an input once read.  merged: it comes from a merged report,
 * where an empty quiet log (empty_quiet_log) is a text input with no
 * pid, no command and nothing in it. */
static void input_notes(struct vgt_report *r, const struct vgt_input *in, int merged)
{
	if (merged && in->format != NULL && strcmp(in->format, "text") == 0 && in->pid < 0 &&
	    in->command == NULL && in->records == 0 && in->complete && in->finished &&
	    in->occurrences_unknown)
		empty_log_note(r, in);
	if (in->bad_numbers > 0)
		report_add_note(r, "%s: %zu numeric fields held no number (e.g. \"...\") and were read as 0",
				in->path, in->bad_numbers);
}

int pipeline_stream_close(struct pipeline_stream *st, struct vgt_error *err)
{
	int rc = st->failed ? -1 : 0;
	/* Nothing read at all (an empty file, or `run` when valgrind wrote no
	 * XML): the same diagnostic whether the format was given or not. */
	if (!st->failed && st->head_len == 0 && !reader_started(st) && empty_quiet_log(st)) {
		/* valgrind -q writes nothing when it finds nothing: a clean
		 * run, whose figures the empty log does not give */
		st->input->format = strpool_intern(st->pl->report->pool, "text");
		st->input->occurrences_unknown = 1;
		st->input->complete = st->input->finished = 1;
		empty_log_note(st->pl->report, st->input);
		end_searches(st);
		free(st);
		return 0;
	}
	if (!st->failed && st->head_len == 0 && !reader_started(st)) {
		rc = vgt_error_set(err, NULL, 1, 1, "empty input: expected valgrind XML or a valgrind log");
		name_error(st, err);
		st->failed = 1;
	}
	if (!st->failed) {
		if (!reader_started(st)) {
			if (st->format == NULL)
				st->format = reader_detect_format(st->head, st->head_len);
			start_reader(st);
			rc = feed_reader(st, st->head, st->head_len, err);
		}
		if (rc == 0)
			rc = finish_reader(st, err);
		if (rc >= 0 && check_tool(st, err) != 0)
			rc = -1;
		if (rc == 0 && !st->input->complete)
			rc = 1;
		if (rc != 0)
			name_error(st, err);
		/* a merged report (json) brings inputs of its own: what
		 * closing each of them said */
		size_t last = st->json != NULL ? st->pl->report->n_inputs : st->first_input + 1;
		for (size_t i = st->first_input; i < last; i++)
			input_notes(st->pl->report, st->pl->report->inputs[i], st->json != NULL);
	}
	end_searches(st);
	xml_reader_free(st->xml);
	text_reader_free(st->text);
	lsan_reader_free(st->lsan);
	json_reader_free(st->json);
	free(st);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_init(struct progress_state *ps)
{
	memset(ps, 0, sizeof(*ps));
	pthread_mutex_init(&ps->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ps->start);
	ps->after = PROGRESS_AFTER;
	ps->every = PROGRESS_EVERY;
	/* For tests only: the line from the first chunk on, at every chunk,
	 * so that a test of it does not depend on how fast the machine reads
	 * (the line still shows only on a terminal, main.c). */
	const char *now = getenv("VGTRIAGE_TEST_PROGRESS_NOW");
	if (now != NULL && strcmp(now, "1") == 0)
		ps->after = ps->every = 0.0;
}

/* Calls the callback when it is time (from the thread that reads or, with
 * -j, the main thread); ps->lock is not held. */
static void progress_tick(const struct pipeline_options *opts, struct progress_state *ps)
{
	if (opts->progress == NULL)
		return;
	double t = seconds_since(&ps->start);
	if (t < ps->after || (ps->shown && t - ps->last < ps->every))
		return;
	pthread_mutex_lock(&ps->lock);
	ps->last = t;
	ps->shown = 1;
	struct pipeline_progress p = ps->p;
	pthread_mutex_unlock(&ps->lock);
	p.seconds = t;
	opts->progress(opts->progress_ctx, &p);
}

static void progress_done(const struct pipeline_options *opts, struct progress_state *ps)
{
	if (opts->progress != NULL && ps->shown)
		opts->progress(opts->progress_ctx, NULL);
	pthread_mutex_destroy(&ps->lock);
}

/* A chunk was read: counts move on (records and sites as this reader's
 * report has them). */
static void progress_add(struct pipeline *pl, uint64_t bytes, size_t *records, size_t *sites)
{
	struct progress_state *ps = pl->progress;
	if (ps == NULL)
		return;
	size_t r = pl->report->totals.records, s = pl->report->n_sites;
	pthread_mutex_lock(&ps->lock);
	ps->p.bytes += bytes;
	ps->p.records += r - *records;
	ps->p.sites += s - *sites;
	pthread_mutex_unlock(&ps->lock);
	*records = r;
	*sites = s;
}

static int read_fd(struct pipeline_stream *st, int fd, struct vgt_error *err)
{
	char *buf = xmalloc(CHUNK);
	int rc = 0;
	struct pipeline *pl = st->pl;
	size_t records = pl->report->totals.records, sites = pl->report->n_sites;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vgt_error_set(err, st->input->path, 0, 0, "read error: %s", strerror(errno));
			st->failed = 1;
			st->input->complete = 0;
			break;
		}
		if (n == 0)
			break;
		if (pipeline_stream_feed(st, buf, (size_t)n, err) != 0) {
			rc = -1;
			break;
		}
		progress_add(pl, (uint64_t)n, &records, &sites);
		if (pl->owns_symbolizer)
			progress_tick(&pl->opts, pl->progress); /* -j: the main thread does it */
	}
	free(buf);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

static int read_json(struct pipeline *pl, const char *path, int fd, int alone,
		     struct vgt_error *err);
static int is_json(const struct pipeline *pl, int fd);

int pipeline_read_path(struct pipeline *pl, const char *path, struct vgt_error *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vgt_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
	if (!is_stdin && is_json(pl, fd)) {
		int rc = read_json(pl, path, fd, 1, err);
		close(fd);
		return rc;
	}
	struct pipeline_stream *st = pipeline_stream_open(pl, is_stdin ? "-" : path, NULL);
	int rc = read_fd(st, fd, err);
	if (!is_stdin)
		close(fd);
	if (rc != 0) {
		struct vgt_error ignored;
		pipeline_stream_close(st, &ignored);
		return -1;
	}
	return pipeline_stream_close(st, err);
}

/* ---- vgtriage's own JSON reports (merge, issue 22) ---- */

/* Is the file at fd a JSON report (--input-format json, or auto and its
 * first byte not blank is '{')?  fd is left at its start. */
static int is_json(const struct pipeline *pl, int fd)
{
	const char *forced = pl->opts.input_format;
	if (forced != NULL && strcmp(forced, "auto") != 0)
		return strcmp(forced, "json") == 0;
	char head[DETECT_BYTES];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	return n > 0 && strcmp(reader_detect_format(head, (size_t)n), "json") == 0;
}

static int adopt(struct pipeline *pl, struct pipeline *sub);
static int close_replayed(struct pipeline_stream *st, struct vgt_error *err);
static int worse(int a, int b);

/* The files (streams) of a JSON report, each replayed into a finished
 * report of its own, not yet merged. */
struct json_parts {
	struct pipeline **subs;
	size_t n, cap;
};

/* A JSON report written with --merge-data: each file (stream) it read is
 * replayed into a pipeline of pl's (shares its symbolizer; may run in a
 * reader thread), as raw inputs are read one report each; rc as
 * pipeline_read_path, the records read before an error stand. */
static int json_parts_read(struct pipeline *pl, const char *path, int fd,
			   struct json_parts *out, struct vgt_error *err)
{
	struct json_reader *jr = json_reader_new(NULL, NULL, NULL);
	char *buf = xmalloc(CHUNK);
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vgt_error_set(err, path, 0, 0, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (json_reader_feed(jr, buf, (size_t)n, err) != 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	struct json_report *doc = rc == 0 ? json_reader_load(jr, err) : NULL;
	json_reader_free(jr);
	if (doc == NULL) {
		if (err->file[0] == '\0')
			snprintf(err->file, sizeof(err->file), "%s", path);
		return -1;
	}
	size_t n_files = json_report_files(doc);
	for (size_t k = 0; k < n_files && rc >= 0; k++) {
		struct pipeline *sub = pipeline_new_reader(pl);
		struct pipeline_stream *st = pipeline_stream_open(sub, path, "json");
		struct vgt_error e;
		vgt_error_clear(&e);
		int r = json_report_replay(doc, k, sub->report->frames, st->input, &sub->sink, &e);
		if (r != 0) {
			/* the report is broken, not the input it names */
			st->input->path = strpool_intern(sub->report->pool, path);
			st->input->complete = 0;
			snprintf(e.file, sizeof(e.file), "%s", path);
			e.line = e.column = 0;
			close_replayed(st, NULL);
		} else {
			r = close_replayed(st, &e);
		}
		if (r != 0 && (rc == 0 || r < 0))
			*err = e;
		rc = worse(rc, r);
		out->subs = xgrow(out->subs, &out->cap, out->n + 1, sizeof(*out->subs));
		out->subs[out->n++] = sub;
	}
	json_report_free(doc);
	return rc;
}

/* Merges the parts into pl's report in order and frees them.  alone: the
 * report is the only input given, and a single file is then read as one
 * raw input alone is (into pl's report itself). */
static void json_parts_merge(struct pipeline *pl, struct json_parts *parts, int alone)
{
	for (size_t k = 0; k < parts->n; k++) {
		struct pipeline *sub = parts->subs[k];
		size_t base = pl->report->n_inputs;
		if (alone && parts->n == 1 && adopt(pl, sub)) {
			/* (adopt swapped the reports: sub's is pl's empty one) */
		} else {
			/* as read_in_parallel: the file's tests get their shares */
			pertest_resolve(sub->pertest);
			rank_merge(pl->report, sub->report);
			if (pl->capture != NULL)
				merge_capture_moved(pl->capture, sub->report, pl->report, base);
		}
		pipeline_free(sub);
	}
	free(parts->subs);
	memset(parts, 0, sizeof(*parts));
}

static int read_json(struct pipeline *pl, const char *path, int fd, int alone,
		     struct vgt_error *err)
{
	struct json_parts parts = {0};
	int rc = json_parts_read(pl, path, fd, &parts, err);
	json_parts_merge(pl, &parts, alone);
	return rc;
}

/* ---- one large input, -j parts at once (split.h) ---- */

static uint64_t split_min(void)
{
	const char *v = getenv("VGTRIAGE_TEST_SPLIT_MIN");
	if (v != NULL && *v != '\0') {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (*end == '\0')
			return n;
	}
	return SPLIT_MIN_BYTES;
}

/* The stream of a replayed input ends as pipeline_stream_close ends one
 * its reader finished. */
static int close_replayed(struct pipeline_stream *st, struct vgt_error *err)
{
	int rc = check_tool(st, err) != 0 ? -1 : st->input->complete ? 0 : 1;
	if (rc != 0)
		name_error(st, err);
	/* a merged report's first input: what closing it said (json) */
	if (strcmp(st->format, "json") == 0)
		input_notes(st->pl->report, st->input, 1);
	end_searches(st);
	free(st);
	return rc;
}

/* The progress of a file read in parts: bytes of all parts, records and
 * sites of the first as it is read. */
struct split_tick {
	struct pipeline *pl, *sub;
	uint64_t bytes;
	size_t records, sites;
};

static void split_progress(void *ctx, uint64_t bytes)
{
	struct split_tick *t = ctx;
	progress_add(t->sub, bytes - t->bytes, &t->records, &t->sites);
	t->bytes = bytes;
	progress_tick(&t->pl->opts, t->pl->progress);
}

/* pl has read nothing yet: it takes sub's report (and what hangs on it)
 * as its own, as if it had read the input itself — no second copy of the
 * sites, as merging would make.  0 when pl's report is not empty. */
static int adopt(struct pipeline *pl, struct pipeline *sub)
{
	struct vgt_report *mine = pl->report;
	if (mine->n_inputs > 0 || mine->n_sites > 0 || mine->n_notes > 0 || mine->n_tests > 0)
		return 0;
	sub->report->sym_pool = mine->sym_pool;
	mine->sym_pool = NULL;
	pl->report = sub->report;
	sub->report = mine;
	struct pertest *pt = pl->pertest;
	pl->pertest = sub->pertest;
	sub->pertest = pt;
	struct leaksearch *ls = pl->searches;
	pl->searches = sub->searches;
	sub->searches = ls;
	return 1;
}

/* Reads path in parts when it is a large file and -j allows: 1 when
 * it did (*rc as pipeline_read_path), 0 when path must be read whole. */
static int read_split(struct pipeline *pl, const char *path, int *rc, struct vgt_error *err)
{
	const char *forced = pl->opts.input_format;
	if (forced != NULL && strcmp(forced, "auto") == 0)
		forced = NULL;
	if (!pl->opts.split_input || pl->opts.jobs < 2 || strcmp(path, "-") == 0)
		return 0;
	uint64_t size = file_size(path);
	if (size == 0 || size < split_min())
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char head[DETECT_BYTES];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n <= 0) {
		close(fd);
		return 0;
	}
	const char *format = forced != NULL ? forced : reader_detect_format(head, (size_t)n);
	if (strcmp(format, "xml") != 0 && strcmp(format, "text") != 0) { /* lsan: read whole */
		close(fd);
		return 0;
	}
	struct vgt_input proto;
	memset(&proto, 0, sizeof(proto));
	proto.path = strpool_intern(pl->report->pool, path);
	proto.format = strpool_intern(pl->report->pool, format);
	proto.pid = proto.ppid = -1;
	proto.complete = 1;
	struct split_store *ss = split_start(fd, size, pl->opts.jobs, strcmp(format, "text") == 0,
					     &proto);
	if (ss == NULL) {
		close(fd);
		return 0;
	}
	/* The first part is read as the other parts are parsed, into a
	 * report of its own: if any part is unusual, it is thrown away and
	 * the file is read whole; else it is merged like an input of -j. */
	struct pipeline *sub = pipeline_new_reader(pl);
	struct pipeline_stream *st = pipeline_stream_open(sub, path, proto.format);
	st->input->format = strpool_intern(sub->report->pool, proto.format);
	struct split_tick tick = {pl, sub, 0, 0, 0};
	sub->progress = pl->progress;
	int ok = split_read_first(ss, sub->report->frames, st->input, &sub->sink,
				  split_progress, &tick);
	ok = split_wait(ss) && ok;
	close(fd);
	if (!ok) {
		split_free(ss);
		free(st);
		pipeline_free(sub);
		return 0;
	}
	int r = split_replay(ss, sub->report->frames, sub->report->pool, st->input, &sub->sink, err);
	split_free(ss);
	if (r != 0) {
		st->input->complete = 0;
		name_error(st, err);
		end_searches(st);
		free(st);
		*rc = -1;
	} else {
		*rc = close_replayed(st, err);
	}
	sub->progress = NULL;
	size_t records = pl->report->totals.records, sites = pl->report->n_sites;
	if (!adopt(pl, sub)) {
		pertest_resolve(sub->pertest);
		rank_merge(pl->report, sub->report);
	}
	pipeline_free(sub);
	progress_add(pl, size - tick.bytes, &records, &sites);
	return 1;
}

/* ---- many inputs, -j at a time ---- */

struct read_job {
	const char *path;
	struct pipeline *reader; /* its own report, merged in order */
	struct json_parts parts; /* or, for a JSON report, one per file */
	int rc;
	struct vgt_error err;
	int done;
};

struct read_pool {
	struct pipeline *pl;
	struct read_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct progress_state *progress;
};

static void *reader_thread(void *arg)
{
	struct read_pool *rp = arg;
	for (;;) {
		pthread_mutex_lock(&rp->lock);
		size_t i = rp->next++;
		pthread_mutex_unlock(&rp->lock);
		if (i >= rp->n)
			return NULL;
		struct read_job *job = &rp->jobs[i];
		struct pipeline *reader = NULL;
		vgt_error_clear(&job->err);
		int rc;
		int fd = strcmp(job->path, "-") == 0 ? -1 : open(job->path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && is_json(rp->pl, fd)) {
			rc = json_parts_read(rp->pl, job->path, fd, &job->parts, &job->err);
		} else {
			reader = pipeline_new_reader(rp->pl);
			reader->progress = rp->progress;
			rc = pipeline_read_path(reader, job->path, &job->err);
			/* the input's tests get their shares here: a process's own
			 * final leak check caps them (rank_merge then merges tests) */
			pertest_resolve(reader->pertest);
		}
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&rp->lock);
		job->reader = reader;
		job->rc = rc;
		job->done = 1;
		pthread_cond_broadcast(&rp->cond);
		pthread_mutex_unlock(&rp->lock);
	}
}

/* Waits for job k, calling the progress callback meanwhile. */
static void wait_for(struct read_pool *rp, size_t k)
{
	pthread_mutex_lock(&rp->lock);
	while (!rp->jobs[k].done) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&rp->cond, &rp->lock, &until);
		pthread_mutex_unlock(&rp->lock);
		progress_tick(&rp->pl->opts, rp->progress);
		pthread_mutex_lock(&rp->lock);
	}
	pthread_mutex_unlock(&rp->lock);
}

static int worse(int a, int b)
{
	return a < 0 || b < 0 ? -1 : a > b ? a : b;
}

/* Several inputs: each read into a report of its own by `jobs` threads,
 * merged into pl's report in the order given (so the result does not
 * depend on jobs or timing). */
static int read_in_parallel(struct pipeline *pl, char *const *paths, size_t n, unsigned jobs,
			    pipeline_result_fn *on_result, void *ctx, struct progress_state *ps)
{
	struct read_pool rp;
	memset(&rp, 0, sizeof(rp));
	rp.pl = pl;
	rp.n = n;
	rp.jobs = xcalloc(n, sizeof(*rp.jobs));
	rp.progress = ps;
	for (size_t i = 0; i < n; i++)
		rp.jobs[i].path = paths[i];
	pthread_mutex_init(&rp.lock, NULL);
	pthread_cond_init(&rp.cond, NULL);
	size_t n_threads = jobs < n ? jobs : n;
	pthread_t *threads = xcalloc(n_threads, sizeof(*threads));
	size_t started = 0;
	while (started < n_threads && pthread_create(&threads[started], NULL, reader_thread, &rp) == 0)
		started++;
	if (started == 0)
		reader_thread(&rp); /* no thread could start: read them here */
	int worst = 0;
	for (size_t k = 0; k < n; k++) {
		wait_for(&rp, k);
		struct read_job *job = &rp.jobs[k];
		if (job->reader != NULL)
			rank_merge(pl->report, job->reader->report);
		else
			json_parts_merge(pl, &job->parts, 0);
		pipeline_free(job->reader);
		job->reader = NULL;
		worst = worse(worst, job->rc);
		if (on_result != NULL)
			on_result(ctx, job->path, job->rc, &job->err);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_cond_destroy(&rp.cond);
	pthread_mutex_destroy(&rp.lock);
	free(rp.jobs);
	return worst;
}

/* Is any of the paths a JSON report (merge)? */
static int any_json(const struct pipeline *pl, char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0)
			continue;
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		int json = is_json(pl, fd);
		close(fd);
		if (json)
			return 1;
	}
	return 0;
}

/* Several inputs, some of them JSON reports: each file of each report,
 * and each raw input, read into a report of its own and merged in order,
 * as read_in_parallel does (one at a time: replaying is cheap). */
static int read_merging(struct pipeline *pl, char *const *paths, size_t n,
			pipeline_result_fn *on_result, void *ctx, struct progress_state *ps)
{
	int worst = 0;
	for (size_t i = 0; i < n; i++) {
		struct vgt_error err;
		vgt_error_clear(&err);
		int rc;
		int fd = strcmp(paths[i], "-") == 0 ? -1 : open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && is_json(pl, fd)) {
			rc = read_json(pl, paths[i], fd, 0, &err);
		} else {
			struct pipeline *sub = pipeline_new_reader(pl);
			rc = pipeline_read_path(sub, paths[i], &err);
			pertest_resolve(sub->pertest);
			size_t base = pl->report->n_inputs;
			rank_merge(pl->report, sub->report);
			if (pl->capture != NULL)
				merge_capture_moved(pl->capture, sub->report, pl->report, base);
			pipeline_free(sub);
		}
		if (fd >= 0)
			close(fd);
		worst = worse(worst, rc);
		if (on_result != NULL)
			on_result(ctx, paths[i], rc, &err);
	}
	progress_done(&pl->opts, ps);
	return worst;
}

int pipeline_read_paths(struct pipeline *pl, char *const *paths, size_t n,
			pipeline_result_fn *on_result, void *ctx)
{
	struct progress_state ps;
	progress_init(&ps);
	for (size_t i = 0; i < n; i++)
		ps.p.total += file_size(paths[i]);
	ps.p.inputs = n;
	int worst = 0;
	/* merge data kept (merge.h): one at a time, JSON reports among them */
	if (n > 1 && pl->opts.merge_data && any_json(pl, paths, n))
		return read_merging(pl, paths, n, on_result, ctx, &ps);
	/* one input, or every record's stack kept in this report (the worker
	 * reports of read_in_parallel do not carry them): read here, in order */
	if (n == 1 || pl->opts.keep_record_stacks || pl->opts.merge_data) {
		pl->progress = &ps;
		for (size_t i = 0; i < n; i++) {
			struct vgt_error err;
			vgt_error_clear(&err);
			int rc;
			/* one big input: its parts on every core (split.c); a
			 * report that keeps every record's stack reads it whole */
			if (n > 1 || pl->opts.keep_record_stacks || pl->opts.merge_data ||
			    !read_split(pl, paths[i], &rc, &err))
				rc = pipeline_read_path(pl, paths[i], &err);
			worst = worse(worst, rc);
			if (on_result != NULL)
				on_result(ctx, paths[i], rc, &err);
		}
		pl->progress = NULL;
		progress_done(&pl->opts, &ps);
		return worst;
	}
	unsigned jobs = pl->opts.jobs > 0 ? pl->opts.jobs : 1;
	worst = read_in_parallel(pl, paths, n, jobs, on_result, ctx, &ps);
	progress_done(&pl->opts, &ps);
	return worst;
}

/* --suppressions: what each entry matched here, and valgrind's own count
 * for its name where an input states them (issue 24). */
static void supp_uses(struct pipeline *pl)
{
	struct vgt_report *r = pl->report;
	size_t n = suppressions_count(pl->opts.suppressions);
	if (n == 0)
		return;
	r->supp_uses = xcalloc(n, sizeof(*r->supp_uses));
	r->n_supp_uses = n;
	for (size_t i = 0; i < n; i++) {
		struct suppressions_use u;
		suppressions_use(pl->opts.suppressions, i, &u);
		struct vgt_supp_use *out = &r->supp_uses[i];
		out->name = strpool_intern(r->pool, u.name);
		out->file = strpool_intern(r->pool, u.file);
		out->line = u.line;
		out->records = u.records;
		out->bytes = u.bytes;
		for (size_t k = 0; k < r->n_inputs; k++) {
			const struct vgt_input *in = r->inputs[k];
			if (!in->suppcounts_seen)
				continue;
			int listed = 0;
			for (size_t j = 0; j < in->n_suppcounts; j++)
				if (strcmp(in->suppcounts[j].name, u.name) == 0) {
					out->valgrind_count += in->suppcounts[j].count;
					listed = 1;
				}
			/* an input with more names than it keeps: not listed is unknown */
			if (listed || !in->suppcounts_over)
				out->valgrind_known = 1;
		}
	}
}

struct vgt_report *pipeline_finish(struct pipeline *pl)
{
	if (pl->capture != NULL)
		merge_capture_finish(pl->capture, pl->report);
	supp_uses(pl);
	pertest_resolve(pl->pertest);
	symbolize_settle(pl->symbolizer, pl->report->frames);
	rank_finish(pl->report, &pl->opts.rank);
	pertest_summarize(pl->report, pl->opts.rank.show_all);
	char *cwd = getcwd(NULL, 0);
	paths_set_roots(pl->report, pl->opts.symbolize.source_roots,
			pl->opts.symbolize.n_source_roots, cwd);
	free(cwd);
	size_t want = pl->opts.context_limited ? pl->opts.context_sites : SIZE_MAX;
	for (size_t i = 0; i < pl->report->n_sites; i++) {
		struct vgt_site *s = pl->report->sites[i];
		if (!s->hidden && i < want) {
			symbolize_context(pl->symbolizer, s);
			symbolize_generated_context(pl->symbolizer, pl->report->frames, s);
		}
		/* the fingerprint again, now that the statement is known */
		unsigned occurrence;
		const char *statement = symbolize_statement(pl->symbolizer, s, &occurrence);
		if (statement != NULL || occurrence > 0 || s->detail != NULL) {
			struct vgt_site_detail *d = site_detail_mut(s);
			d->statement = statement;
			d->statement_occurrence = occurrence;
		}
		rank_fingerprint(s, s->fingerprint);
	}
	explain_sites(pl->report, pl->symbolizer, &pl->opts.explain);
	symbolize_notes(pl->symbolizer, pl->report);
	pymalloc_note(pl->report);
	cxxsym_debug_hints(pl->report, pl->opts.symbolize.n_symbol_dirs > 0);
	return pl->report;
}

struct vgt_report *pipeline_take(struct pipeline *pl)
{
	struct vgt_report *r = pl->report;
	pl->report = NULL;
	return r;
}
