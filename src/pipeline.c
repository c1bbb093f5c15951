/*
 * pipeline.c — from bytes to a ranked report: detect the format, feed the
 * reader, and pass each record through suppress → symbolize → classify →
 * rank.
 */
#include "vgtriage/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgtriage/pertest.h"
#include "vgtriage/reader.h"
#include "vgtriage/suppress.h"

#define CHUNK (256 * 1024)
#define DETECT_BYTES 512

struct pipeline {
	struct pipeline_options opts;
	struct vgt_report *report;
	struct symbolizer *symbolizer;
	struct classify_cache *classes;
	struct pertest *pertest;
	struct vgt_sink sink;
};

struct pipeline_stream {
	struct pipeline *pl;
	struct vgt_input *input;
	const char *format;     /* NULL until detected */
	char head[DETECT_BYTES]; /* bytes held back until the format is known */
	size_t head_len;
	struct xml_reader *xml;
	struct text_reader *text;
	int failed;
};

static int on_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		     struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	input->records++;
	if (pl->opts.suppressions != NULL && suppressions_match(pl->opts.suppressions, rec) != NULL) {
		pl->report->totals.suppressed_records++;
		pl->report->totals.suppressed_bytes += rec->direct_bytes; /* as valgrind's "suppressed:" */
		return 0;
	}
	symbolize_stack(pl->symbolizer, input, &rec->stack);
	symbolize_stack(pl->symbolizer, input, &rec->aux_stack);
	classify_stack_cached(pl->classes, &rec->stack);
	classify_stack_cached(pl->classes, &rec->aux_stack);
	if (pertest_take_record(pl->pertest, input, rec))
		return 0; /* a per-test leak check: its growth goes to a test */
	rank_add_record(pl->report, input, rec);
	pertest_ranked(pl->pertest, input, rec);
	return 0;
}

static int on_clientmsg(void *ctx, struct vgt_input *input, const char *text,
			struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	pertest_clientmsg(pl->pertest, input, text);
	return 0;
}

static int on_errorcount(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
			 struct vgt_error *err)
{
	struct pipeline *pl = ctx;
	(void)err;
	rank_add_errorcount(pl->report, input, unique, count);
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
	return in;
}

struct pipeline *pipeline_new(const struct pipeline_options *opts)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));
	if (opts != NULL)
		pl->opts = *opts;
	pl->report = report_new();
	pl->symbolizer = symbolizer_new(pl->report->pool, &pl->opts.symbolize);
	pl->classes = classify_cache_new();
	pl->pertest = pertest_new(pl->report);
	pl->sink.record = on_record;
	pl->sink.clientmsg = on_clientmsg;
	pl->sink.errorcount = on_errorcount;
	pl->sink.input_for_pid = on_new_pid;
	pl->sink.ctx = pl;
	return pl;
}

void pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	symbolizer_free(pl->symbolizer);
	classify_cache_free(pl->classes);
	pertest_free(pl->pertest);
	report_free(pl->report);
	free(pl);
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
		st->xml = xml_reader_new(pl->report->pool, st->input, &pl->sink);
	else
		st->text = text_reader_new(pl->report->pool, st->input, &pl->sink);
}

static int feed_reader(struct pipeline_stream *st, const char *buf, size_t len,
		       struct vgt_error *err)
{
	if (len == 0)
		return 0;
	return st->xml != NULL ? xml_reader_feed(st->xml, buf, len, err)
			       : text_reader_feed(st->text, buf, len, err);
}

static void name_error(const struct pipeline_stream *st, struct vgt_error *err)
{
	if (err != NULL && err->file[0] == '\0')
		snprintf(err->file, sizeof(err->file), "%s", st->input->path);
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
	if (st->xml == NULL && st->text == NULL) {
		start_reader(st);
		rc = feed_reader(st, st->head, st->head_len, err);
	}
	if (rc == 0)
		rc = feed_reader(st, buf, len, err);
	if (rc != 0) {
		st->failed = 1;
		st->input->complete = 0;
		name_error(st, err);
	}
	return rc;
}

/* Valgrind's own LEAK SUMMARY (text logs, protocol 6) against the records. */
static void cross_check(struct pipeline *pl, const struct vgt_input *in)
{
	if (!in->vg.has_leak_summary || pl->opts.suppressions != NULL)
		return;
	struct vgt_amount parsed[4];
	rank_input_amounts(pl->report, in, parsed);
	/* Indirect bytes known only from "(N direct, M indirect)" splits carry
	 * no block count: take valgrind's when the bytes agree. */
	if (parsed[1].blocks == 0 && parsed[1].bytes == in->vg.indirectly_lost.bytes)
		parsed[1].blocks = in->vg.indirectly_lost.blocks;
	char msg[768];
	if (reader_summary_mismatch(in, parsed, msg, sizeof(msg)) != 0)
		report_add_note(pl->report, "%s: %s", in->path, msg);
}

int pipeline_stream_close(struct pipeline_stream *st, struct vgt_error *err)
{
	int rc = st->failed ? -1 : 0;
	if (!st->failed && st->format == NULL && st->head_len == 0) {
		rc = vgt_error_set(err, NULL, 1, 1, "empty input: expected valgrind XML or a valgrind log");
		name_error(st, err);
		st->failed = 1;
	}
	if (!st->failed) {
		if (st->format == NULL) {
			st->format = reader_detect_format(st->head, st->head_len);
			start_reader(st);
			rc = feed_reader(st, st->head, st->head_len, err);
		}
		if (rc == 0)
			rc = st->xml != NULL ? xml_reader_finish(st->xml, err)
					     : text_reader_finish(st->text, err);
		if (rc == 0 && !st->input->complete)
			rc = 1;
		if (rc != 0)
			name_error(st, err);
		if (rc == 0)
			cross_check(st->pl, st->input);
		if (st->input->bad_numbers > 0)
			report_add_note(st->pl->report,
					"%s: %zu numeric fields held no number (e.g. \"...\") and were read as 0",
					st->input->path, st->input->bad_numbers);
	}
	xml_reader_free(st->xml);
	text_reader_free(st->text);
	free(st);
	return rc;
}

static int read_fd(struct pipeline_stream *st, int fd, struct vgt_error *err)
{
	char *buf = xmalloc(CHUNK);
	int rc = 0;
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
	}
	free(buf);
	return rc;
}

int pipeline_read_path(struct pipeline *pl, const char *path, struct vgt_error *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vgt_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
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

struct vgt_report *pipeline_finish(struct pipeline *pl)
{
	pertest_resolve(pl->pertest);
	rank_finish(pl->report, &pl->opts.rank);
	pertest_summarize(pl->report, pl->opts.rank.show_all);
	for (size_t i = 0; i < pl->report->n_sites; i++)
		if (!pl->report->sites[i]->hidden)
			symbolize_context(pl->symbolizer, pl->report->sites[i]);
	symbolize_notes(pl->symbolizer, pl->report);
	return pl->report;
}

struct vgt_report *pipeline_take(struct pipeline *pl)
{
	struct vgt_report *r = pl->report;
	pl->report = NULL;
	return r;
}
