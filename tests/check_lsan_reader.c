/*
 * check_lsan_reader.c — the LeakSanitizer/AddressSanitizer reader over the
 * real reports of testdata/lsan/ (tests/fixtures/lsan/make.sh) and a few
 * hand-made edge cases (frame line shapes, broken and cut input).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/reader.h"
#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/strpool.h"

#include "reader_sink.h"

Suite *lsan_reader_suite(void);

static struct strpool *pool;
static struct frame_table *ft;

static void setup(void)
{
	pool = strpool_new();
	ft = frames_new(pool);
}

static void teardown(void)
{
	frames_free(ft);
	strpool_free(pool);
}

static char *slurp(const char *name, size_t *len)
{
	return testdata_slurp("lsan", name, len);
}

/* Feeds buf in chunks of `chunk` bytes (0 = at once). */
static int run_buf(struct collector *c, const char *buf, size_t len, size_t chunk,
		   struct vgt_error *err)
{
	struct vgt_sink sink = {collect, NULL, more_input, c, NULL};
	c->first.path = "test";
	struct lsan_reader *r = lsan_reader_new(ft, &c->first, &sink);
	int rc = 0;
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	for (size_t off = 0; off < len && rc == 0; off += chunk)
		rc = lsan_reader_feed(r, buf + off, len - off < chunk ? len - off : chunk, err);
	if (rc == 0)
		rc = lsan_reader_finish(r, err);
	lsan_reader_free(r);
	return rc;
}

static int run_file(struct collector *c, const char *name, size_t chunk, struct vgt_error *err)
{
	size_t len;
	char *buf = slurp(name, &len);
	int rc = run_buf(c, buf, len, chunk, err);
	free(buf);
	return rc;
}

static const struct vgt_frame *frame(const struct got *g, size_t i)
{
	ck_assert_uint_lt(i, g->rec.stack.count);
	return frames_at(ft, g->rec.stack.ids[i]);
}

START_TEST(seed_records_and_summary)
{
	/* any chunking gives the same records */
	static const size_t chunks[] = {0, 1, 7, 100};
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct collector c;
		memset(&c, 0, sizeof(c));
		struct vgt_error err = {0};
		ck_assert_int_eq(run_file(&c, "seed.log", chunks[k], &err), 0);
		ck_assert_uint_eq(c.n, 2);
		uint64_t bytes = 0, blocks = 0;
		for (size_t i = 0; i < c.n; i++) {
			ck_assert_int_eq(c.recs[i].rec.kind, VGT_KIND_LEAK_DEFINITELY_LOST);
			bytes += c.recs[i].rec.bytes;
			blocks += c.recs[i].rec.blocks;
			const struct vgt_frame *f = frame(&c.recs[i], 1);
			ck_assert_str_eq(f->fn, "__pyx_pf_3api_6native_random_noise");
			ck_assert_str_eq(f->dir, "api");
			ck_assert_str_eq(f->file, "native.c");
			ck_assert_uint_eq(f->line, 1279);
		}
		/* LSan's SUMMARY: 9600 byte(s) leaked in 300 allocation(s) */
		ck_assert_uint_eq(bytes, 9600);
		ck_assert_uint_eq(blocks, 300);
		ck_assert_int_eq(c.first.complete, 1);
		ck_assert_int_eq(c.first.vg.has_leak_summary, 1);
		ck_assert_uint_eq(c.first.vg.known, VGT_SUMMARY_DEFINITE | VGT_SUMMARY_INDIRECT);
		ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 9600);
		ck_assert_uint_eq(c.first.vg.definitely_lost.blocks, 300);
		ck_assert_str_eq(c.first.format, "lsan");
		collector_free(&c);
	}
}
END_TEST

START_TEST(module_frames)
{
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(&c, "seed.log", 0, &err), 0);
	/* "#3 0x52c219 in _PyEval_EvalFrameDefault (/usr/bin/python3.11+0x52c219)" */
	int named = 0, bare = 0;
	for (size_t i = 0; i < c.recs[0].rec.stack.count; i++) {
		const struct vgt_frame *f = frame(&c.recs[0], i);
		if (f->obj == NULL)
			continue;
		ck_assert_ptr_null(f->file);
		ck_assert_msg(strstr(f->obj, "python3") != NULL, "%s", f->obj);
		if (f->fn != NULL)
			named++;
		else
			bare++;
	}
	ck_assert_int_gt(named, 0);
	ck_assert_int_gt(bare, 0);
	collector_free(&c);
}
END_TEST

START_TEST(asan_errors_as_memcheck_kinds)
{
	static const struct {
		const char *file;
		enum vgt_kind kind;
		const char *aux;
	} cases[] = {
		{"uaf.log", VGT_KIND_INVALID_READ, "freed by thread T0 here"},
		{"overflow.log", VGT_KIND_INVALID_WRITE, "allocated by thread T0 here"},
		{"dfree.log", VGT_KIND_INVALID_FREE, "freed by thread T0 here"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct collector c;
		memset(&c, 0, sizeof(c));
		struct vgt_error err = {0};
		ck_assert_int_eq(run_file(&c, cases[k].file, 0, &err), 0);
		ck_assert_uint_eq(c.n, 1);
		ck_assert_int_eq(c.recs[0].rec.kind, cases[k].kind);
		const char *aux = c.recs[0].rec.auxwhat;
		ck_assert_ptr_nonnull(aux);
		ck_assert_msg(strstr(aux, cases[k].aux) != NULL, "%s", aux);
		ck_assert_uint_gt(c.recs[0].rec.aux_stack.count, 0);
		ck_assert_int_eq(c.first.complete, 1);
		ck_assert_int_eq(c.first.vg.has_error_summary, 1);
		ck_assert_uint_eq(c.first.vg.errors, 1);
		/* the process stopped at the error: no leak figure */
		ck_assert_int_eq(c.first.vg.has_leak_summary, 0);
		collector_free(&c);
	}
}
END_TEST

START_TEST(direct_and_indirect)
{
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(&c, "leak.log", 0, &err), 0);
	int direct = 0, indirect = 0;
	for (size_t i = 0; i < c.n; i++) {
		direct += c.recs[i].rec.kind == VGT_KIND_LEAK_DEFINITELY_LOST;
		indirect += c.recs[i].rec.kind == VGT_KIND_LEAK_INDIRECTLY_LOST;
	}
	ck_assert_int_eq(direct, 2);
	ck_assert_int_eq(indirect, 1);
	ck_assert_uint_eq(c.first.vg.indirectly_lost.bytes, 32);
	collector_free(&c);
}
END_TEST

START_TEST(two_pids_on_one_stream)
{
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(&c, "fork-stderr.log", 0, &err), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.nmore, 1);
	ck_assert_ptr_ne(c.recs[0].input, c.recs[1].input);
	ck_assert_int_eq(c.first.complete, 1);
	ck_assert_int_eq(c.more[0].complete, 1);
	collector_free(&c);
}
END_TEST

START_TEST(frame_shapes)
{
	const char *text =
		"==5==ERROR: LeakSanitizer: detected memory leaks\n"
		"Direct leak of 4 byte(s) in 1 object(s) allocated from:\n"
		"    #0 0x10 in operator new(unsigned long) ../asan_new_delete.cpp:95:3\n"
		"    #1 0x11 in f /src/a b/x.c:12:7\n"
		"    #2 0x12 in g (/lib/libfoo.so+0x1a2b) (BuildId: 0123abcd)\n"
		"    #3 0x13  (/lib/libbar.so+0x99)\n"
		"    #4 0x14 in h\n"
		"\n"
		"SUMMARY: LeakSanitizer: 4 byte(s) leaked in 1 allocation(s).\n";
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(&c, text, strlen(text), 0, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	const struct got *g = &c.recs[0];
	ck_assert_uint_eq(g->rec.stack.count, 5);
	ck_assert_str_eq(frame(g, 0)->fn, "operator new(unsigned long)");
	ck_assert_str_eq(frame(g, 0)->file, "asan_new_delete.cpp");
	ck_assert_uint_eq(frame(g, 0)->line, 95);
	ck_assert_str_eq(frame(g, 1)->fn, "f");
	ck_assert_str_eq(frame(g, 1)->dir, "/src/a b");
	ck_assert_uint_eq(frame(g, 1)->line, 12);
	ck_assert_str_eq(frame(g, 2)->fn, "g");
	ck_assert_str_eq(frame(g, 2)->obj, "/lib/libfoo.so");
	ck_assert_ptr_null(frame(g, 3)->fn);
	ck_assert_str_eq(frame(g, 3)->obj, "/lib/libbar.so");
	ck_assert_uint_eq(frame(g, 3)->ip, 0x13);
	ck_assert_str_eq(frame(g, 4)->fn, "h");
	ck_assert_ptr_null(frame(g, 4)->file);
	ck_assert_int_eq(c.first.complete, 1);
	collector_free(&c);
}
END_TEST

START_TEST(broken_line_keeps_records)
{
	const char *text =
		"==5==ERROR: LeakSanitizer: detected memory leaks\n"
		"Direct leak of 4 byte(s) in 1 object(s) allocated from:\n"
		"    #0 0x10 in malloc a.c:1\n"
		"\n"
		"Direct leak of many byte(s) in 1 object(s) allocated from:\n";
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(&c, text, strlen(text), 3, &err), -1);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(err.line, 5);
	ck_assert_int_eq(err.column, 16);
	ck_assert_int_eq(c.first.complete, 0);
	collector_free(&c);
}
END_TEST

START_TEST(cut_report_is_incomplete)
{
	size_t len;
	char *buf = slurp("seed.log", &len);
	char *cut = strstr(buf, "SUMMARY:");
	ck_assert_ptr_nonnull(cut);
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(&c, buf, (size_t)(cut - buf), 0, &err), 0);
	ck_assert_uint_eq(c.n, 2); /* both records were whole */
	ck_assert_int_eq(c.first.complete, 0);
	ck_assert_int_eq(c.first.vg.has_leak_summary, 0);
	ck_assert_msg(strstr(err.message, "before its SUMMARY") != NULL, "%s", err.message);
	collector_free(&c);
	free(buf);
}
END_TEST

START_TEST(nothing_sanitizer_like)
{
	const char *text = "hello\nworld\n";
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(&c, text, strlen(text), 0, &err), -1);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(detection)
{
	const char *lsan = "\n=================\n==12==ERROR: LeakSanitizer: detected memory leaks\n";
	const char *vg = "==12== Memcheck, a memory error detector\n";
	ck_assert_str_eq(reader_detect_format(lsan, strlen(lsan)), "lsan");
	ck_assert_str_eq(reader_detect_format(vg, strlen(vg)), "text");
	ck_assert_str_eq(reader_detect_format("<?xml", 5), "xml");
}
END_TEST

Suite *lsan_reader_suite(void)
{
	Suite *s = suite_create("lsan_reader");
	TCase *real = tcase_create("real");
	tcase_add_checked_fixture(real, setup, teardown);
	tcase_add_test(real, seed_records_and_summary);
	tcase_add_test(real, module_frames);
	tcase_add_test(real, asan_errors_as_memcheck_kinds);
	tcase_add_test(real, direct_and_indirect);
	tcase_add_test(real, two_pids_on_one_stream);
	tcase_add_test(real, cut_report_is_incomplete);
	suite_add_tcase(s, real);
	TCase *edge = tcase_create("edge");
	tcase_add_checked_fixture(edge, setup, teardown);
	tcase_add_test(edge, frame_shapes);
	tcase_add_test(edge, broken_line_keeps_records);
	tcase_add_test(edge, nothing_sanitizer_like);
	tcase_add_test(edge, detection);
	suite_add_tcase(s, edge);
	return s;
}
