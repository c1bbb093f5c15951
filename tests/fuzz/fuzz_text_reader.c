/*
 * fuzz_text_reader.c — valgrind text logs and vgdb monitor answers
 * (seeds: testdata/ *.log, testdata/run/vgdb_*.txt).
 *
 * Half the inputs (by hash; the empty one too) go through the whole pipeline as a text log;
 * the other half are cut in two vgdb "leak_check ... increased" answers
 * given to watch_snapshot one after the other, as `run --watch` does.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cmd/pipeline.h"
#include "cmd/watch.h"

static void fuzz_watch(const uint8_t *data, size_t size, uint32_t h)
{
	struct pipeline_options popts;
	memset(&popts, 0, sizeof(popts));
	struct render_options ropts;
	memset(&ropts, 0, sizeof(ropts));
	enum vgt_format fmt = (h & 2) != 0 ? VGT_FORMAT_JSON : VGT_FORMAT_TEXT;
	struct watch *w = watch_new(&popts, fuzz_null_stream(), fmt, &ropts);
	size_t cut = size > 0 ? (h >> 8) % size : 0;
	struct vgt_error err;
	char *first = fuzz_exact_copy(data, cut);
	char *second = fuzz_exact_copy(data + cut, size - cut);
	vgt_error_clear(&err);
	watch_snapshot(w, first, cut, 1.0, &err);
	vgt_error_clear(&err);
	watch_snapshot(w, second, size - cut, 2.0, &err);
	size_t n;
	watch_last(w, &n);
	fuzz_free_copy(first, cut);
	fuzz_free_copy(second, size - cut);
	watch_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = fuzz_hash(data, size);
	if (size > 0 && (h & 1) != 0)
		fuzz_watch(data, size, h);
	else
		fuzz_pipeline(data, size, "text");
	return 0;
}
