/*
 * fuzz_json_reader.c — vgtriage's own JSON reports with merge data, read
 * back (`vgtriage merge`, issue 22; seeds: testdata/fuzz/json_reader/,
 * parts written with -f json --merge-data from real runs of testdata/, and
 * hostile ones).
 *
 * Each input is read twice: as a stream (pipeline_stream_*, format "json",
 * fed in pseudo-random chunks: all its files replayed as one), with the
 * events captured again (--merge-data) and the report rendered as JSON
 * with its merge data, which must be JSON a second reading accepts; and
 * loaded whole (json_report_load), each file replayed into a report of
 * its own through a sink that keeps nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cmd/pipeline.h"
#include "read/reader.h"
#include "vgtriage/frames.h"

static int on_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		     struct vgt_error *err)
{
	const struct vgt_report *r = ctx;
	(void)err;
	input->records++;
	/* every frame id must be in the table */
	for (uint32_t i = 0; i < rec->stack.count; i++)
		if (rec->stack.ids[i] >= frames_count(r->frames))
			abort();
	return 0;
}

static struct vgt_input *on_pid(void *ctx, struct vgt_input *first, long pid)
{
	struct vgt_input *in = report_add_input(ctx, first->path, first->format);
	in->pid = pid;
	return in;
}

static void replay_files(const uint8_t *data, size_t size)
{
	struct vgt_error err;
	vgt_error_clear(&err);
	char *copy = fuzz_exact_copy(data, size);
	struct json_report *jr = json_report_load(copy, size, &err);
	fuzz_free_copy(copy, size);
	if (jr == NULL)
		return;
	for (size_t k = 0; k < json_report_files(jr); k++) {
		struct vgt_report *r = report_new();
		struct vgt_sink sink = {0};
		sink.record = on_record;
		sink.input_for_pid = on_pid;
		sink.ctx = r;
		struct vgt_input *in = report_add_input(r, "fuzz", "json");
		vgt_error_clear(&err);
		json_report_replay(jr, k, r->frames, in, &sink, &err);
		report_free(r);
	}
	json_report_free(jr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t state = fuzz_hash(data, size);
	struct pipeline_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.input_format = "json";
	opts.merge_data = 1;
	opts.rank.show_all = fuzz_next(&state) & 1;
	opts.explain.no_hints = 1;    /* no source read: names are the input's */
	opts.context_limited = 1;
	opts.context_sites = 0;
	struct pipeline *pl = pipeline_new(&opts);
	struct pipeline_stream *st = pipeline_stream_open(pl, "fuzz", "json");
	struct vgt_error err;
	vgt_error_clear(&err);
	fuzz_feed(st, data, size, &state, &err);
	int closed = pipeline_stream_close(st, &err);
	struct vgt_report *report = pipeline_finish(pl);
	fuzz_check_counts(report);
	/* the report again with its merge data: valid JSON, read back */
	char *out = NULL;
	size_t out_len = 0;
	FILE *mem = open_memstream(&out, &out_len);
	if (mem == NULL)
		abort();
	struct render_options ro;
	memset(&ro, 0, sizeof(ro));
	ro.compact = 1;
	render_json(mem, report, &ro);
	fclose(mem);
	fuzz_check_json(out, out_len);
	vgt_error_clear(&err);
	struct json_report *again = json_report_load(out, out_len, &err);
	if (again == NULL && closed == 0)
		abort(); /* what --merge-data wrote must load */
	json_report_free(again);
	free(out);
	pipeline_free(pl);
	replay_files(data, size);
	return 0;
}
