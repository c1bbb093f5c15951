/*
 * fuzz_split.c — one input read in parts (-j on one input, src/cmd/split.c)
 * against the same input read whole: a differential harness.
 *
 * The input (XML or a text log, by hash) is written to a file and read by
 * pipeline_read_paths at -j 1 and at -j 2..4 with the size from which a
 * file is cut lowered to 0; the JSON reports and the results must be the
 * same, byte for byte, or it aborts (a finding): a cut that changes what
 * the reader hears, or a part judged clean that is not.
 * Seeds: testdata/ *.xml, testdata/ *.log, testdata/bad/ (tests/fuzz/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "cmd/pipeline.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("VGTRIAGE_TEST_SPLIT_MIN", "0", 1);
	return 0;
}

/* The JSON report of path read at -j jobs; *rc is the result. */
static char *report_at(unsigned jobs, const char *format, int show_all, int *rc, size_t *len)
{
	struct pipeline_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.input_format = format;
	opts.jobs = jobs;
	opts.split_input = 1;
	opts.rank.show_all = show_all;
	struct pipeline *pl = pipeline_new(&opts);
	char *paths[] = {path};
	*rc = pipeline_read_paths(pl, paths, 1, NULL, NULL);
	struct vgt_report *r = pipeline_finish(pl);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct render_options ro;
	memset(&ro, 0, sizeof(ro));
	struct vgt_error err;
	render_report(f, VGT_FORMAT_JSON, r, &ro, &err);
	fclose(f);
	pipeline_free(pl);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/vgt-fuzz-split-%ld", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	uint32_t state = fuzz_hash(data, size);
	const char *format = (fuzz_next(&state) & 1) != 0 ? "auto" : "text";
	int show_all = (int)(fuzz_next(&state) & 1);
	unsigned jobs = 2 + fuzz_next(&state) % 3;
	int rc1, rcn;
	size_t len1, lenn;
	char *one = report_at(1, format, show_all, &rc1, &len1);
	char *many = report_at(jobs, format, show_all, &rcn, &lenn);
	if (rc1 != rcn || len1 != lenn || memcmp(one, many, len1) != 0) {
		fprintf(stderr, "fuzz_split: -j %u differs from -j 1 (results %d, %d)\n", jobs, rc1,
			rcn);
		abort();
	}
	free(one);
	free(many);
	unlink(path);
	return 0;
}
