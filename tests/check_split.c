/*
 * check_split.c — one XML in parts (split.c): the real runs of testdata/
 * are cut into parts (so the goldens of golden_split.sh do split them),
 * the replayed parts give the records, client messages and error counts of
 * one reader reading the whole file, in the same order and with the same
 * frames; what may hide a "</error>" (a comment) or breaks a part is not
 * split at all.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/split.h"
#include "read/reader.h"

Suite *split_suite(void);

#define TD VGT_SRCDIR "/testdata/"

/* What a sink heard, one line per call, frames spelled out. */
struct heard {
	char *buf;
	size_t len;
	FILE *f;
	const struct frame_table *ft;
};

static void put_stack(struct heard *h, const struct vgt_stack *st)
{
	for (uint32_t i = 0; i < st->count; i++) {
		const struct vgt_frame *fr = stack_frame(h->ft, st, i);
		fprintf(h->f, " [%llx %s %s %s %s %u %ld]", (unsigned long long)fr->ip,
			fr->obj ? fr->obj : "-", fr->fn ? fr->fn : "-", fr->dir ? fr->dir : "-",
			fr->file ? fr->file : "-", fr->line, fr->pid);
	}
}

static int heard_record(void *ctx, struct vgt_input *in, struct vgt_record *rec,
			struct vgt_error *err)
{
	struct heard *h = ctx;
	(void)err;
	/* the kind's name by address too: sites compare it so */
	fprintf(h->f, "rec %s%s %s %llu %llu %llu %lu fin=%d exit=%d pid=%ld |", rec->kind_name,
		rec->kind_name == kind_info(rec->kind)->name ? "(static)" : "",
		rec->what ? rec->what : "-", (unsigned long long)rec->bytes,
		(unsigned long long)rec->blocks, (unsigned long long)rec->unique,
		(unsigned long)rec->leak_search, in->finished, in->exit_leak_search, in->pid);
	put_stack(h, &rec->stack);
	fprintf(h->f, " | %s", rec->auxwhat ? rec->auxwhat : "-");
	put_stack(h, &rec->aux_stack);
	fputc('\n', h->f);
	return 0;
}

static int heard_count(void *ctx, struct vgt_input *in, uint64_t unique, uint64_t count,
		       struct vgt_error *err)
{
	struct heard *h = ctx;
	(void)in;
	(void)err;
	fprintf(h->f, "count %llx %llu\n", (unsigned long long)unique, (unsigned long long)count);
	return 0;
}

static int heard_msg(void *ctx, struct vgt_input *in, const char *text, struct vgt_error *err)
{
	struct heard *h = ctx;
	(void)in;
	(void)err;
	fprintf(h->f, "msg %s\n", text);
	return 0;
}

static void heard_open(struct heard *h, struct vgt_sink *sink, const struct frame_table *ft)
{
	memset(h, 0, sizeof(*h));
	h->f = open_memstream(&h->buf, &h->len);
	h->ft = ft;
	memset(sink, 0, sizeof(*sink));
	sink->record = heard_record;
	sink->errorcount = heard_count;
	sink->clientmsg = heard_msg;
	sink->ctx = h;
}

static void put_input(struct heard *h, const struct vgt_input *in)
{
	fprintf(h->f, "input %s %d %ld %ld %s %d %d %d %s %llu %llu %d %u %u\n",
		in->tool ? in->tool : "-", in->protocol_version, in->pid, in->ppid,
		in->command ? in->command : "-", in->complete, in->finished,
		in->exit_leak_search, in->fatal_signal ? in->fatal_signal : "-",
		(unsigned long long)in->errorcounts_total,
		(unsigned long long)in->suppressed_total, in->errorcounts_seen,
		in->vg.known, in->show_leak_kinds);
	fclose(h->f);
}

static int is_log(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcmp(path + n - 4, ".log") == 0;
}

static void proto_of(struct vgt_input *in, struct strpool *pool, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->path = strpool_intern(pool, path);
	in->format = strpool_intern(pool, is_log(path) ? "text" : "xml");
	in->pid = in->ppid = -1;
	in->complete = 1;
}

/* The whole file through one reader. */
static char *whole(const char *path)
{
	int log = is_log(path);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input in;
	proto_of(&in, pool, path);
	struct heard h;
	struct vgt_sink sink;
	heard_open(&h, &sink, ft);
	struct xml_reader *xr = log ? NULL : xml_reader_new(ft, &in, &sink);
	struct text_reader *tr = log ? text_reader_new(ft, &in, &sink) : NULL;
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char buf[65536];
	size_t n;
	struct vgt_error err;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		ck_assert_int_eq(log ? text_reader_feed(tr, buf, n, &err)
				     : xml_reader_feed(xr, buf, n, &err), 0);
	fclose(f);
	ck_assert_int_eq(log ? text_reader_finish(tr, &err) : xml_reader_finish(xr, &err), 0);
	xml_reader_free(xr);
	text_reader_free(tr);
	put_input(&h, &in);
	frames_free(ft);
	strpool_free(pool);
	return h.buf;
}

/* The file in up to n parts, replayed; NULL when it was not split. */
static char *in_parts(const char *path, unsigned n, size_t *parts)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input in;
	proto_of(&in, pool, path);
	struct split_store *ss = split_start(fd, (uint64_t)st.st_size, n, is_log(path), &in);
	char *out = NULL;
	*parts = split_parts(ss);
	if (ss != NULL) {
		struct heard h;
		struct vgt_sink sink;
		heard_open(&h, &sink, ft);
		int ok = split_read_first(ss, ft, &in, &sink, NULL, NULL);
		ok = split_wait(ss) && ok;
		struct vgt_error err;
		if (ok)
			ck_assert_int_eq(split_replay(ss, ft, pool, &in, &sink, &err), 0);
		put_input(&h, &in);
		if (ok)
			out = h.buf;
		else
			free(h.buf);
	}
	close(fd);
	split_free(ss);
	frames_free(ft);
	strpool_free(pool);
	return out;
}

static const char *const real_runs[] = {
	TD "errors.xml", TD "py_ext.xml", TD "cython_shapes.xml", TD "ci_more.xml",
	TD "seed.xml", TD "cxxsym.xml",
};

START_TEST(test_parts_replay_as_whole)
{
	const char *path = real_runs[_i];
	char *want = whole(path);
	for (unsigned n = 2; n <= 5; n++) {
		size_t parts = 0;
		char *got = in_parts(path, n, &parts);
		ck_assert_msg(got != NULL, "%s was not split in %u", path, n);
		ck_assert_uint_ge(parts, 2);
		ck_assert_uint_le(parts, n);
		ck_assert_str_eq(got, want);
		free(got);
	}
	free(want);
}
END_TEST

/* Logs of one memcheck process (no -s list, no client message) split at
 * their records' blank lines; the others are read whole. */
static const char *const logs[] = {
	TD "errors.log", TD "cython_shapes.log", TD "cxxsym.log", TD "seed.log",
	TD "py_ext.log", TD "text/fork.log", TD "text/kinds.log",
};

START_TEST(test_log_parts_replay_as_whole)
{
	size_t split = 0;
	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		if (access(logs[i], R_OK) != 0)
			continue;
		char *want = whole(logs[i]);
		for (unsigned n = 2; n <= 4; n++) {
			size_t parts = 0;
			char *got = in_parts(logs[i], n, &parts);
			if (got == NULL)
				continue;
			split++;
			ck_assert_msg(strcmp(got, want) == 0, "%s in %u parts:\n%s\nwhole:\n%s",
				      logs[i], n, got, want);
			free(got);
		}
		free(want);
	}
	ck_assert_uint_gt(split, 3);
}
END_TEST

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/vgt-split-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#define HEAD "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n" \
	"<pid>7</pid>\n"
#define ERR(u) "<error><unique>" u "</unique><tid>1</tid><kind>InvalidRead</kind>" \
	"<what>x</what><stack><frame><ip>0x1</ip></frame></stack></error>\n"

START_TEST(test_comment_not_split)
{
	/* a "</error>" inside a comment is no boundary: read whole */
	char *path = write_tmp(HEAD ERR("0x1") "<!-- </error> -->\n" ERR("0x2") ERR("0x3")
			       "</valgrindoutput>\n");
	size_t parts = 0;
	char *got = in_parts(path, 4, &parts);
	ck_assert_ptr_null(got);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_broken_part_not_split)
{
	/* an <error> inside another element: a part would not close */
	char *path = write_tmp(HEAD ERR("0x1") "<x>" ERR("0x2") "</x>\n" ERR("0x3")
			       ERR("0x4") "</valgrindoutput>\n");
	size_t parts = 0;
	for (unsigned n = 2; n <= 4; n++) {
		char *got = in_parts(path, n, &parts);
		if (got != NULL) { /* split elsewhere only: then equal */
			char *want = whole(path);
			ck_assert_str_eq(got, want);
			free(want);
			free(got);
		}
	}
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_small_document_parts)
{
	char *path = write_tmp(HEAD "<status><state>RUNNING</state></status>\n" ERR("0x1")
			       "<clientmsg><tid>1</tid><text>hello</text></clientmsg>\n"
			       ERR("0x2") "<status><state>FINISHED</state></status>\n" ERR("0x3")
			       "<errorcounts><pair><count>2</count><unique>0x1</unique></pair>"
			       "</errorcounts>\n</valgrindoutput>\n");
	char *want = whole(path);
	size_t parts = 0;
	char *got = in_parts(path, 3, &parts);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_ge(parts, 2);
	ck_assert_str_eq(got, want);
	ck_assert_ptr_nonnull(strstr(got, "fin=1 exit=1"));
	ck_assert_ptr_nonnull(strstr(got, "fin=0 exit=0"));
	free(got);
	free(want);
	/* no <error> at all: nothing to cut */
	char *none = write_tmp(HEAD "<status><state>FINISHED</state></status>\n</valgrindoutput>\n");
	ck_assert_ptr_null(in_parts(none, 3, &parts));
	unlink(none);
	free(none);
	unlink(path);
	free(path);
}
END_TEST

/* The parts after the first read at most part_max each, the first the
 * rest; below the cap, the parts are equal shares. */
START_TEST(test_parts_bounded)
{
	ck_assert_uint_eq(split_first_part(1000, 2, 600), 500);
	ck_assert_uint_eq(split_first_part(1000, 2, 100), 900);
	ck_assert_uint_eq(split_first_part(1000, 4, 250), 250);
	ck_assert_uint_eq(split_first_part(1000, 4, 200), 400);
	ck_assert_uint_eq(split_first_part(10, 3, 1), 8);
}
END_TEST

/* ---- the record log ---- */

#define N_RECS 6000
#define BIG 2000 /* this record's stack outgrows a block of the log */

/* Record i: every field set, each to a value of its own, or left at 0 /
 * NULL / -1 in turn; ids far apart (long varints), so that the records
 * fill several blocks. */
static void fill_record(struct vgt_record *rec, size_t i, const char *texts)
{
	memset(rec, 0, sizeof(*rec));
	record_clear(rec);
	rec->kind = (enum vgt_kind)(i % VGT_KIND_COUNT);
	rec->kind_name = i % 3 == 0 ? kind_info(rec->kind)->name : i % 3 == 1 ? texts : NULL;
	if (i % 5 != 0)
		record_set_what(rec, texts + i % 7, i % 11);
	rec->bytes = i % 4 == 0 ? 0 : i % 4 == 1 ? UINT64_MAX : i * 1000003u;
	rec->blocks = i;
	rec->direct_bytes = i % 2 == 0 ? rec->bytes : i;
	rec->indirect_bytes = i * 7;
	rec->has_delta = (int)(i % 3) - 1;
	rec->delta_bytes = i % 4 == 0 ? INT64_MIN : -(int64_t)i * 99;
	rec->delta_blocks = i % 4 == 1 ? INT64_MAX : (int64_t)i;
	rec->delta_indirect_bytes = -(int64_t)(i % 13);
	rec->unique = i % 6 == 0 ? 0 : 0x1000 + i;
	rec->tid = i % 7 == 0 ? -1 : (long)i % 5;
	rec->threadname = i % 2 ? texts + 3 : NULL;
	uint32_t n = i == BIG ? 400000 : (uint32_t)(i % 120);
	for (uint32_t k = 0; k < n; k++)
		stack_push(&rec->stack, k % 2 ? (uint32_t)(k * 2654435761u) : (uint32_t)(i + k));
	if (i % 4 == 2)
		record_set_auxwhat(rec, texts, 0); /* an empty text is no NULL */
	else if (i % 4 == 3)
		record_set_auxwhat(rec, texts + 1, 20);
	for (uint32_t k = 0; k < i % 9; k++)
		stack_push(&rec->aux_stack, UINT32_MAX - k);
	if (i % 8 == 5)
		record_set_auxwhat2(rec, texts + 2, 15);
	for (uint32_t k = 0; k < i % 4; k++)
		stack_push(&rec->aux_stack2, k * 3);
	rec->suppression = i % 9 == 0 ? texts + 5 : NULL;
	rec->pid = i % 10 == 0 ? -1 : i % 10 == 1 ? 0 : (long)(100000 + i);
	rec->loss_record = (uint32_t)(i % 17);
	rec->loss_records = i % 17 == 0 ? 0 : UINT32_MAX;
	rec->leak_search = i % 3 == 0 ? 0 : i / 3;
}

/* One assertion a stack: each of Check's assertions that passes writes a
 * mark to its message file, which under valgrind took a minute for the
 * 400,000 ids of record BIG. */
static void same_stack(const struct vgt_stack *a, const struct vgt_stack *b)
{
	ck_assert_uint_eq(a->count, b->count);
	ck_assert(a->count == 0 || memcmp(a->ids, b->ids, a->count * sizeof(*a->ids)) == 0);
}

static void same_text(const char *a, const char *b)
{
	ck_assert(a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

static void check_loaded(void *ctx, size_t i, const struct vgt_record *got)
{
	size_t *seen = ctx;
	struct vgt_record want;
	const char *texts = "0123456789abcdefghijklmnopqrstuvwxyz";
	ck_assert_uint_eq(i, *seen);
	(*seen)++;
	fill_record(&want, i, texts);
	ck_assert_ptr_eq(got->kind_name, want.kind_name);
	ck_assert_int_eq(got->kind, want.kind);
	same_text(got->what, want.what);
	ck_assert_uint_eq(got->bytes, want.bytes);
	ck_assert_uint_eq(got->blocks, want.blocks);
	ck_assert_uint_eq(got->direct_bytes, want.direct_bytes);
	ck_assert_uint_eq(got->indirect_bytes, want.indirect_bytes);
	ck_assert_int_eq(got->has_delta, want.has_delta);
	ck_assert_int_eq(got->delta_bytes, want.delta_bytes);
	ck_assert_int_eq(got->delta_blocks, want.delta_blocks);
	ck_assert_int_eq(got->delta_indirect_bytes, want.delta_indirect_bytes);
	ck_assert_uint_eq(got->unique, want.unique);
	ck_assert_int_eq(got->tid, want.tid);
	ck_assert_ptr_eq(got->threadname, want.threadname);
	same_stack(&got->stack, &want.stack);
	same_text(got->auxwhat, want.auxwhat);
	same_stack(&got->aux_stack, &want.aux_stack);
	same_text(got->auxwhat2, want.auxwhat2);
	same_stack(&got->aux_stack2, &want.aux_stack2);
	ck_assert_ptr_eq(got->suppression, want.suppression);
	ck_assert_int_eq(got->pid, want.pid);
	ck_assert_uint_eq(got->loss_record, want.loss_record);
	ck_assert_uint_eq(got->loss_records, want.loss_records);
	ck_assert_uint_eq(got->leak_search, want.leak_search);
	record_release(&want);
}

/* A record comes back from the store with every field it had, in blocks
 * mapped from /dev/zero (_i 0) and in malloc'ed ones (_i 1: block_new's
 * fallback when /dev/zero cannot be opened or mapped). */
START_TEST(test_log_keeps_every_field)
{
	const char *texts = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct vgt_record *recs = calloc(N_RECS, sizeof(*recs));
	ck_assert_ptr_nonnull(recs);
	for (size_t i = 0; i < N_RECS; i++)
		fill_record(&recs[i], i, texts);
	size_t seen = 0;
	split_log_roundtrip(recs, N_RECS, _i, check_loaded, &seen);
	ck_assert_uint_eq(seen, N_RECS);
	for (size_t i = 0; i < N_RECS; i++)
		record_release(&recs[i]);
	free(recs);
}
END_TEST

Suite *split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_parts_replay_as_whole, 0,
			    (int)(sizeof(real_runs) / sizeof(real_runs[0])));
	tcase_add_test(tc, test_log_parts_replay_as_whole);
	tcase_add_test(tc, test_comment_not_split);
	tcase_add_test(tc, test_broken_part_not_split);
	tcase_add_test(tc, test_small_document_parts);
	tcase_add_test(tc, test_parts_bounded);
	tcase_add_loop_test(tc, test_log_keeps_every_field, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
