/*
 * reader_only.c — the XML reader alone, for `make bench`: xml_reader over
 * a file in 256 KiB chunks with a sink that only counts records.  Beside
 * the full tool, it shows how much of vgtriage's time is the reader and
 * how much is what comes after it (classify, rank, render).
 *
 * Usage: reader_only FILE.  Built by tests/bench.sh against
 * build/libvgtriage.a; not part of vgtriage.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>

#include "read/reader.h"

static int count(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		 struct vgt_error *err)
{
	(void)input; (void)rec; (void)err;
	++*(size_t *)ctx;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: reader_only FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL) {
		perror(argv[1]);
		return 2;
	}
	size_t records = 0;
	struct strpool *pool = strpool_new();
	struct frame_table *frames = frames_new(pool);
	struct vgt_input input = {.path = argv[1], .format = "xml", .complete = 1};
	struct vgt_sink sink = {count, NULL, NULL, &records, NULL};
	struct xml_reader *r = xml_reader_new(frames, &input, &sink);
	struct vgt_error err;
	vgt_error_clear(&err);
	static char buf[256 * 1024];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		rc = xml_reader_feed(r, buf, n, &err);
	if (rc == 0)
		rc = xml_reader_finish(r, &err);
	fprintf(stderr, "reader_only: %zu records, %zu frames, %zu strings (%zu bytes)%s%s\n",
		records, frames_count(frames), strpool_count(pool), strpool_bytes(pool),
		rc != 0 ? ": " : "", rc != 0 ? err.message : "");
	xml_reader_free(r);
	frames_free(frames);
	strpool_free(pool);
	xmlCleanupParser();
	fclose(f);
	return rc == 0 ? 0 : 1;
}
