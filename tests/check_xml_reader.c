/*
 * check_xml_reader.c — the XML reader over real valgrind output.
 *
 * Inputs:
 *   testdata/errors.xml, errors.log   one real valgrind 3.19 run of
 *       tests/fixtures/errors.c (made by `make testdata`:
 *       valgrind --leak-check=full --show-leak-kinds=all --track-origins=yes
 *       --num-callers=40 --xml=yes --xml-file=testdata/errors.xml
 *       build/fixtures/errors); the expected totals are the LEAK SUMMARY
 *       and ERROR SUMMARY valgrind printed in errors.log for the same run.
 *   testdata/ci_base.xml              a small real run, cut at every byte.
 *   testdata/proto6/                  valgrind's own protocol-6 expectations
 *       (copied unchanged from valgrind's regression suite; placeholders
 *       such as "..." stand for run-specific numbers).
 * Hostile inputs are made here, in memory.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/model.h"
#include "vgtriage/reader.h"
#include "vgtriage/strpool.h"

Suite *xml_reader_suite(void);

/* ---- helpers ------------------------------------------------------------ */

struct buf {
	char *data;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	b->data = xgrow(b->data, &b->cap, b->len + n + 1, 1);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", VGT_SRCDIR, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (b.data == NULL)
		buf_add(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* A copy of text with the first `from` replaced by `to`. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	ck_assert_msg(at != NULL, "test input lacks %s", from);
	struct buf b = {0};
	buf_add(&b, text, (size_t)(at - text));
	buf_add(&b, to, strlen(to));
	buf_add(&b, at + strlen(from), strlen(at + strlen(from)));
	return b.data;
}

/* Occurrences of needle in text[0..len) (text need not end there). */
static size_t count_of(const char *text, size_t len, const char *needle)
{
	size_t n = 0, nl = strlen(needle);
	for (size_t i = 0; i + nl <= len; i++)
		if (text[i] == needle[0] && memcmp(text + i, needle, nl) == 0) {
			n++;
			i += nl - 1;
		}
	return n;
}

#define MAX_KEEP 64

struct kept {
	struct vgt_record rec; /* scalar fields; stacks copied below */
	struct vgt_stack stack, aux;
};

struct collector {
	struct buf digest;     /* one line per record: what the reader gave */
	size_t n;
	struct kept keep[MAX_KEEP];
	size_t nkeep;
	size_t errorcounts;
	uint64_t errorcount_sum;
	int fail_at;           /* the sink refuses this record (1-based) */
};

static void digest_stack(struct buf *b, const struct vgt_stack *s)
{
	for (size_t i = 0; i < s->count; i++) {
		const struct vgt_frame *f = &s->frames[i];
		buf_printf(b, " %llx:%s:%s:%s:%s:%u", (unsigned long long)f->ip,
			   f->obj ? f->obj : "-", f->fn ? f->fn : "-", f->dir ? f->dir : "-",
			   f->file ? f->file : "-", f->line);
	}
}

static int collect(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		   struct vgt_error *err)
{
	struct collector *c = ctx;
	if (c->fail_at > 0 && (size_t)c->fail_at == c->n + 1)
		return vgt_error_set(err, NULL, 0, 0, "sink says stop");
	c->n++;
	input->records++;
	struct buf *b = &c->digest;
	buf_printf(b, "%s|%d|%llu/%llu|%llu+%llu|%d:%lld/%lld|u%llx|t%ld|%s|%s|%s|%s|",
		   rec->kind_name, (int)rec->kind, (unsigned long long)rec->bytes,
		   (unsigned long long)rec->blocks, (unsigned long long)rec->direct_bytes,
		   (unsigned long long)rec->indirect_bytes, rec->has_delta,
		   (long long)rec->delta_bytes, (long long)rec->delta_blocks,
		   (unsigned long long)rec->unique, rec->tid,
		   rec->threadname ? rec->threadname : "-", rec->what ? rec->what : "-",
		   rec->auxwhat ? rec->auxwhat : "-", rec->suppression ? rec->suppression : "-");
	digest_stack(b, &rec->stack);
	buf_add(b, " |", 2);
	digest_stack(b, &rec->aux_stack);
	buf_add(b, "\n", 1);
	if (c->nkeep < MAX_KEEP) {
		struct kept *k = &c->keep[c->nkeep++];
		k->rec = *rec;
		memset(&k->rec.stack, 0, sizeof(k->rec.stack));
		memset(&k->rec.aux_stack, 0, sizeof(k->rec.aux_stack));
		stack_copy(&k->stack, &rec->stack);
		stack_copy(&k->aux, &rec->aux_stack);
	}
	return 0;
}

static int count_error(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
		       struct vgt_error *err)
{
	struct collector *c = ctx;
	(void)input; (void)unique; (void)err;
	c->errorcounts++;
	c->errorcount_sum += count;
	return 0;
}

static void collector_free(struct collector *c)
{
	free(c->digest.data);
	for (size_t i = 0; i < c->nkeep; i++) {
		stack_release(&c->keep[i].stack);
		stack_release(&c->keep[i].aux);
	}
}

struct run {
	struct strpool *pool;
	struct vgt_input input;
	struct collector col;
	struct vgt_error err;
	int feed_rc, finish_rc;
};

/* Parses text in chunks of `step` bytes (0: one chunk). */
static void run_parse(struct run *run, const char *text, size_t len, size_t step)
{
	memset(run, 0, sizeof(*run));
	run->pool = strpool_new();
	run->input.path = "test.xml";
	run->input.format = "xml";
	run->input.complete = 1; /* as report_add_input starts it */
	struct vgt_sink sink = {collect, count_error, NULL, &run->col};
	struct xml_reader *r = xml_reader_new(run->pool, &run->input, &sink);
	vgt_error_clear(&run->err);
	if (step == 0)
		step = len > 0 ? len : 1;
	for (size_t off = 0; off < len && run->feed_rc == 0; off += step)
		run->feed_rc = xml_reader_feed(r, text + off, len - off < step ? len - off : step,
					       &run->err);
	if (run->feed_rc == 0)
		run->finish_rc = xml_reader_finish(r, &run->err);
	xml_reader_free(r);
}

static void run_free(struct run *run)
{
	collector_free(&run->col);
	strpool_free(run->pool);
}

static const struct kept *find_kind(const struct run *run, const char *kind, size_t nth)
{
	for (size_t i = 0; i < run->col.nkeep; i++)
		if (strcmp(run->col.keep[i].rec.kind_name, kind) == 0 && nth-- == 0)
			return &run->col.keep[i];
	return NULL;
}

/* ---- a real run ---------------------------------------------------------- */

START_TEST(test_real_run)
{
	size_t len;
	char *text = slurp("testdata/errors.xml", &len);
	struct run run;
	run_parse(&run, text, len, 0);
	ck_assert_int_eq(run.feed_rc, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_eq(run.col.n, count_of(text, len, "</error>"));
	ck_assert_uint_eq(run.input.records, run.col.n);
	ck_assert_int_eq(run.input.complete, 1);
	ck_assert_int_eq(run.input.finished, 1);
	ck_assert_int_eq(run.input.protocol_version, 4);
	ck_assert_str_eq(run.input.tool, "memcheck");
	ck_assert_str_eq(run.input.command, "build/fixtures/errors"); /* argv, not vargv */
	ck_assert_int_gt(run.input.pid, 0);
	ck_assert_int_gt(run.input.ppid, 0);
	ck_assert_uint_eq(run.input.bad_numbers, 0);

	/* errors.log: "ERROR SUMMARY: 17 errors from 17 contexts": the 13
	 * non-leak errors of <errorcounts> plus the 3 definitely and 1
	 * possibly lost records (valgrind's --errors-for-leak-kinds default). */
	size_t non_leak = 0, leak_errors = 0;
	for (size_t i = 0; i < run.col.nkeep; i++) {
		enum vgt_kind kind = run.col.keep[i].rec.kind;
		non_leak += !kind_is_leak(kind);
		leak_errors += kind == VGT_KIND_LEAK_DEFINITELY_LOST || kind == VGT_KIND_LEAK_POSSIBLY_LOST;
	}
	ck_assert_uint_eq(run.input.errorcounts_total + leak_errors, 17);
	ck_assert_uint_eq(run.input.errorcounts_total, non_leak);
	ck_assert_uint_eq(run.col.errorcount_sum, non_leak);
	ck_assert_uint_eq(run.col.errorcounts, count_of(text, len, "<pair>"));

	/* errors.log LEAK SUMMARY: definitely lost 1,136 bytes in 9 blocks,
	 * indirectly lost 2,002 in 1, possibly lost 3,003 in 1, still
	 * reachable 4,004 in 1: direct bytes per kind, as valgrind counts. */
	struct vgt_amount sum[VGT_KIND_COUNT];
	memset(sum, 0, sizeof(sum));
	uint64_t leaked_total = 0;
	for (size_t i = 0; i < run.col.nkeep; i++) {
		const struct vgt_record *rec = &run.col.keep[i].rec;
		sum[rec->kind].bytes += rec->direct_bytes;
		sum[rec->kind].blocks += rec->blocks;
		if (kind_is_leak(rec->kind))
			leaked_total += rec->bytes;
	}
	ck_assert_uint_eq(sum[VGT_KIND_LEAK_DEFINITELY_LOST].bytes, 1136);
	ck_assert_uint_eq(sum[VGT_KIND_LEAK_DEFINITELY_LOST].blocks, 9);
	ck_assert_uint_eq(sum[VGT_KIND_LEAK_INDIRECTLY_LOST].bytes, 2002);
	ck_assert_uint_eq(sum[VGT_KIND_LEAK_POSSIBLY_LOST].bytes, 3003);
	ck_assert_uint_eq(sum[VGT_KIND_LEAK_STILL_REACHABLE].bytes, 4004);
	/* summing <leakedbytes> over-counts the indirect block twice */
	ck_assert_uint_eq(leaked_total, 1136 + 2002 + 2002 + 3003 + 4004);

	/* "2,018 (16 direct, 2,002 indirect) bytes in 1 blocks" */
	int split_seen = 0;
	for (size_t i = 0; i < run.col.nkeep; i++) {
		const struct vgt_record *rec = &run.col.keep[i].rec;
		if (rec->bytes == 2018) {
			ck_assert_uint_eq(rec->direct_bytes, 16);
			ck_assert_uint_eq(rec->indirect_bytes, 2002);
			ck_assert_uint_eq(rec->blocks, 1);
			ck_assert_int_eq(rec->has_delta, 0);
			split_seen = 1;
		} else if (kind_is_leak(rec->kind)) {
			ck_assert_uint_eq(rec->direct_bytes, rec->bytes);
			ck_assert_uint_eq(rec->indirect_bytes, 0);
		}
	}
	ck_assert(split_seen);

	/* --track-origins: the origin stack follows the auxwhat */
	const struct kept *k = find_kind(&run, "UninitCondition", 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->rec.auxwhat, "Uninitialised value was created by a heap allocation");
	ck_assert_uint_gt(k->stack.count, 0);
	ck_assert_uint_gt(k->aux.count, 0);
	ck_assert_str_eq(k->aux.frames[0].fn, "malloc");
	/* a use after free: the free stack, then "Block was alloc'd at" */
	k = find_kind(&run, "InvalidRead", 1);
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(strstr(k->rec.auxwhat, "free'd"));
	ck_assert_uint_gt(k->aux.count, 0);
	/* frames carry every field */
	const struct vgt_frame *f = &k->stack.frames[0];
	ck_assert_uint_gt(f->ip, 0);
	ck_assert_ptr_nonnull(f->obj);
	ck_assert_ptr_nonnull(f->fn);
	/* strings are interned */
	ck_assert_ptr_eq(k->rec.kind_name, strpool_intern(run.pool, "InvalidRead"));
	/* every record has a kind we know */
	for (size_t i = 0; i < run.col.nkeep; i++)
		ck_assert_int_ne(run.col.keep[i].rec.kind, VGT_KIND_UNKNOWN);
	run_free(&run);
	free(text);
}
END_TEST

/* One byte at a time gives exactly what one chunk gives. */
START_TEST(test_chunking)
{
	const char *files[] = {"testdata/errors.xml", "testdata/ci_base.xml",
			       "testdata/proto6/memcheck_tests_xml1.stderr.exp"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = slurp(files[i], &len);
		struct run whole, bytes, odd;
		run_parse(&whole, text, len, 0);
		run_parse(&bytes, text, len, 1);
		run_parse(&odd, text, len, 7);
		ck_assert_int_eq(whole.finish_rc, 0);
		ck_assert_uint_gt(whole.col.n, 0);
		ck_assert_int_eq(bytes.feed_rc, 0);
		ck_assert_int_eq(bytes.finish_rc, 0);
		ck_assert_str_eq(bytes.col.digest.data, whole.col.digest.data);
		ck_assert_str_eq(odd.col.digest.data, whole.col.digest.data);
		ck_assert_str_eq(bytes.input.command, whole.input.command);
		run_free(&whole);
		run_free(&bytes);
		run_free(&odd);
		free(text);
	}
}
END_TEST

/* Cut a real XML at every byte: the records before the cut are delivered,
 * a half record never is.  Rule: finish returns -1 only when the root's
 * name "<valgrindoutput" was not whole before the cut (nothing of
 * valgrind's could be read); otherwise 0, with complete = 0 unless the cut
 * falls after </valgrindoutput>. */
static void check_cuts(const char *file, size_t stride)
{
	size_t len;
	char *text = slurp(file, &len);
	struct run whole;
	run_parse(&whole, text, len, 0);
	for (size_t cut = 0; cut <= len; cut += stride) {
		struct run run;
		run_parse(&run, text, cut, 0);
		ck_assert_msg(run.feed_rc == 0, "%s cut at %zu: feed failed: %s", file, cut, run.err.message);
		size_t want = count_of(text, cut, "</error>");
		ck_assert_msg(run.col.n == want, "%s cut at %zu: %zu records, want %zu", file, cut,
			      run.col.n, want);
		/* the records delivered are the first ones of the whole run */
		ck_assert(strncmp(run.col.digest.data ? run.col.digest.data : "",
				  whole.col.digest.data, run.col.digest.len) == 0);
		int root = count_of(text, cut, "<valgrindoutput") > 0;
		int closed = count_of(text, cut, "</valgrindoutput>") > 0;
		if (!root) {
			ck_assert_msg(run.finish_rc == -1, "%s cut at %zu: want -1", file, cut);
			ck_assert_msg(run.err.message[0] != '\0', "cut at %zu: no message", cut);
		} else {
			ck_assert_msg(run.finish_rc == 0, "%s cut at %zu: %s", file, cut, run.err.message);
			ck_assert_int_eq(run.input.complete, closed);
			if (!closed) {
				ck_assert_ptr_nonnull(strstr(run.err.message, "input ends early"));
				ck_assert_int_gt(run.input.stop_line, 0);
				char want_msg[64];
				snprintf(want_msg, sizeof(want_msg), "after %zu complete records", want);
				ck_assert_msg(strstr(run.err.message, want_msg) != NULL, "cut at %zu: %s", cut,
					      run.err.message);
			}
		}
		run_free(&run);
	}
	run_free(&whole);
	free(text);
}

START_TEST(test_truncation_every_byte)
{
	check_cuts("testdata/ci_base.xml", 1);
}
END_TEST

START_TEST(test_truncation_errors_xml)
{
	check_cuts("testdata/errors.xml", 3);
}
END_TEST

START_TEST(test_truncation_message)
{
	size_t len;
	char *text = slurp("testdata/errors.xml", &len);
	/* cut in the middle of the third record */
	const char *p = text;
	for (int i = 0; i < 3; i++)
		p = strstr(p, "<error>") + 1;
	struct run run;
	run_parse(&run, text, (size_t)(p - text) + 40, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_eq(run.col.n, 2);
	ck_assert_str_eq(run.err.message,
			 "input ends early (valgrind killed?) after 2 complete records, inside <error>");
	ck_assert_int_eq(run.input.complete, 0);
	ck_assert_int_eq(run.input.finished, 0);
	run_free(&run);
	free(text);
}
END_TEST

/* ---- protocol 6, valgrind's own expectations ---------------------------- */

static const char *proto6_files[] = {
	"memcheck_tests_client-msg-as-xml.stderr.exp",
	"memcheck_tests_exit_on_first_error_with_xml.stderr.exp",
	"memcheck_tests_freebsd_aligned_alloc_xml.stderr.exp",
	"memcheck_tests_freebsd_delete_sized_mismatch_xml.stderr.exp",
	"memcheck_tests_gone_abrt_xml.stderr.exp",
	"memcheck_tests_long_namespace_xml.stderr.exp",
	"memcheck_tests_mismatches_xml.stderr.exp",
	"memcheck_tests_posix_memalign_xml.stderr.exp",
	"memcheck_tests_realloc_size_zero_xml.stderr.exp",
	"memcheck_tests_sized_aligned_new_delete_misaligned1_xml.stderr.exp",
	"memcheck_tests_sized_aligned_new_delete_misaligned2_xml.stderr.exp",
	"memcheck_tests_sized_aligned_new_delete_misaligned3_xml.stderr.exp",
	"memcheck_tests_threadname_xml.stderr.exp",
	"memcheck_tests_xml1.stderr.exp",
	"none_tests_double_close_range_xml.stderr.exp",
	"none_tests_fdleak_cmsg_xml.stderr.exp",
	"none_tests_fdleak_creat_xml.stderr.exp",
	"none_tests_fdleak_dup2_xml.stderr.exp",
	"none_tests_fdleak_dup_xml.stderr.exp",
	"none_tests_fdleak_fcntl_xml.stderr.exp",
	"none_tests_fdleak_ipv4_xml.stderr.exp",
	"none_tests_fdleak_open_xml.stderr.exp",
	"none_tests_fdleak_pipe_xml.stderr.exp",
	"none_tests_fdleak_socketpair_xml.stderr.exp",
	"none_tests_file_dclose_xml.stderr.exp",
	"none_tests_socket_close_xml.stderr.exp",
	"none_tests_xml-track-fds.stderr.exp",
};

START_TEST(test_protocol6_files)
{
	for (size_t i = 0; i < sizeof(proto6_files) / sizeof(proto6_files[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "testdata/proto6/%s", proto6_files[i]);
		size_t len;
		char *text = slurp(rel, &len);
		struct run run;
		run_parse(&run, text, len, 0);
		ck_assert_msg(run.feed_rc == 0 && run.finish_rc == 0, "%s: %s", rel, run.err.message);
		ck_assert_int_eq(run.input.protocol_version, 6);
		ck_assert_msg(run.col.n == count_of(text, len, "<error>"), "%s: %zu records", rel, run.col.n);
		/* each record keeps the kind valgrind wrote, in order */
		const char *p = text;
		for (size_t j = 0; j < run.col.nkeep; j++) {
			p = strstr(p, "<kind>") + 6;
			size_t n = (size_t)(strchr(p, '<') - p);
			const struct vgt_record *rec = &run.col.keep[j].rec;
			ck_assert_msg(strlen(rec->kind_name) == n && memcmp(rec->kind_name, p, n) == 0,
				      "%s: record %zu kind %s", rel, j, rec->kind_name);
			ck_assert_msg(rec->kind != VGT_KIND_UNKNOWN, "%s: %s unknown", rel, rec->kind_name);
		}
		run_free(&run);
		free(text);
	}
}
END_TEST

START_TEST(test_protocol6_details)
{
	size_t len;
	struct run run;
	char *text = slurp("testdata/proto6/memcheck_tests_gone_abrt_xml.stderr.exp", &len);
	run_parse(&run, text, len, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_str_eq(run.input.fatal_signal, "SIGABRT");
	run_free(&run);
	free(text);

	text = slurp("testdata/proto6/memcheck_tests_threadname_xml.stderr.exp", &len);
	run_parse(&run, text, len, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	/* three <threadname>s: two in errors, one in a <clientmsg> */
	const char *names[8] = {0};
	int named = 0;
	for (size_t i = 0; i < run.col.nkeep && named < 8; i++)
		if (run.col.keep[i].rec.threadname != NULL)
			names[named++] = run.col.keep[i].rec.threadname;
	ck_assert_int_eq(named, 2);
	ck_assert_str_eq(names[0], "try1");
	ck_assert_str_eq(names[1], "012345678901234");
	run_free(&run);
	free(text);

	/* placeholders ("...") are no numbers: counted, read as 0, no failure */
	text = slurp("testdata/proto6/memcheck_tests_xml1.stderr.exp", &len);
	run_parse(&run, text, len, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_gt(run.input.bad_numbers, 0);
	ck_assert_int_eq(run.input.vg.has_leak_summary, 1);
	ck_assert_int_eq(run.input.vg.has_error_summary, 1);
	ck_assert_uint_eq(run.input.vg.definitely_lost.bytes, 0);
	run_free(&run);

	/* The summaries with the numbers of the protocol's own example, with
	 * thousands separators as valgrind prints them. */
	char *numbered = replace(text, "<leak_summary>...</leak_summary>",
		"<leak_summary>\n  <definitely_lost>\n    <bytes>1,048</bytes>\n    <in_blocks>3</in_blocks>\n"
		"  </definitely_lost>\n  <indirectly_lost>\n    <bytes>32</bytes>\n    <in_blocks>2</in_blocks>\n"
		"  </indirectly_lost>\n  <possibly_lost>\n    <bytes>96</bytes>\n    <in_blocks>6</in_blocks>\n"
		"  </possibly_lost>\n  <still_reachable>\n    <bytes>1,000,064</bytes>\n    <in_blocks>4</in_blocks>\n"
		"    <reachable_heuristic>\n      <kind>stdstring</kind>\n      <bytes>5</bytes>\n      <blocks>1</blocks>\n"
		"    </reachable_heuristic>\n  </still_reachable>\n  <suppressed>\n    <bytes>0</bytes>\n"
		"    <in_blocks>0</in_blocks>\n  </suppressed>\n</leak_summary>");
	char *numbered2 = replace(numbered, "<error_summary>...</error_summary>",
		"<error_summary>\n <errors>1,001</errors>\n <error_contexts>1</error_contexts>\n"
		" <suppressed>3</suppressed>\n <suppressed_contexts>3</suppressed_contexts>\n</error_summary>");
	run_parse(&run, numbered2, strlen(numbered2), 0);
	ck_assert_int_eq(run.finish_rc, 0);
	const struct vgt_valgrind_summary *vg = &run.input.vg;
	ck_assert_uint_eq(vg->definitely_lost.bytes, 1048);
	ck_assert_uint_eq(vg->definitely_lost.blocks, 3);
	ck_assert_uint_eq(vg->indirectly_lost.bytes, 32);
	ck_assert_uint_eq(vg->possibly_lost.blocks, 6);
	ck_assert_uint_eq(vg->still_reachable.bytes, 1000064);
	ck_assert_uint_eq(vg->still_reachable.blocks, 4);
	ck_assert_uint_eq(vg->errors, 1001);
	ck_assert_uint_eq(vg->error_contexts, 1);
	ck_assert_uint_eq(vg->suppressed_errors, 3);
	ck_assert_uint_eq(vg->suppressed_contexts, 3);
	run_free(&run);
	free(numbered);
	free(numbered2);
	free(text);
}
END_TEST

/* A kind this version does not know is kept under its own name. */
START_TEST(test_unknown_kind_and_elements)
{
	size_t len;
	char *text = slurp("testdata/errors.xml", &len);
	char *future = replace(text, "<kind>InvalidWrite</kind>", "<kind>FutureKind</kind>");
	/* an unknown element, even one holding <error>/<stack>, is skipped whole */
	char *more = replace(future, "<status>",
			     "<future><error><kind>X</kind></error><stack><frame><ip>0x1</ip></frame></stack></future>\n<status>");
	char *inner = replace(more, "<unique>0x0</unique>",
			      "<unique>0x0</unique><extra><stack><frame><fn>nope</fn></frame></stack></extra>");
	struct run base, run;
	run_parse(&base, text, len, 0);
	run_parse(&run, inner, strlen(inner), 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_eq(run.col.n, base.col.n);
	const struct kept *k = find_kind(&run, "FutureKind", 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->rec.kind, VGT_KIND_UNKNOWN);
	ck_assert_ptr_null(find_kind(&run, "X", 0));
	ck_assert_uint_eq(run.col.keep[0].stack.count, base.col.keep[0].stack.count);
	ck_assert_str_eq(run.col.keep[0].stack.frames[0].fn, base.col.keep[0].stack.frames[0].fn);
	run_free(&base);
	run_free(&run);
	free(text);
	free(future);
	free(more);
	free(inner);
}
END_TEST

/* vgdb's "increased" sentence (testdata/text/vgdb_increased.txt) in an xwhat. */
START_TEST(test_leak_delta)
{
	size_t len;
	char *text = slurp("testdata/errors.xml", &len);
	char *delta = replace(text,
			      "<text>2,018 (16 direct, 2,002 indirect) bytes in 1 blocks are definitely lost in loss record 4 of 6</text>",
			      "<text>4,800 (+1,600) bytes in 150 (+50) blocks are definitely lost in loss record 2 of 2</text>");
	char *both = replace(text,
			     "<text>2,018 (16 direct, 2,002 indirect) bytes in 1 blocks are definitely lost in loss record 4 of 6</text>",
			     "<text>2,018 (+2,018) (16 (+16) direct, 2,002 (+2,002) indirect) bytes in 1 (+1) blocks are definitely lost in loss record 4 of 6</text>");
	struct run run;
	run_parse(&run, delta, strlen(delta), 0);
	int seen = 0;
	for (size_t i = 0; i < run.col.nkeep; i++) {
		const struct vgt_record *rec = &run.col.keep[i].rec;
		if (rec->has_delta) {
			ck_assert_int_eq(rec->delta_bytes, 1600);
			ck_assert_int_eq(rec->delta_blocks, 50);
			ck_assert_uint_eq(rec->direct_bytes, rec->bytes);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 1);
	run_free(&run);
	run_parse(&run, both, strlen(both), 0);
	seen = 0;
	for (size_t i = 0; i < run.col.nkeep; i++) {
		const struct vgt_record *rec = &run.col.keep[i].rec;
		if (rec->has_delta) {
			ck_assert_int_eq(rec->delta_bytes, 2018);
			ck_assert_int_eq(rec->delta_blocks, 1);
			ck_assert_uint_eq(rec->direct_bytes, 16);
			ck_assert_uint_eq(rec->indirect_bytes, 2002);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 1);
	run_free(&run);
	free(text);
	free(delta);
	free(both);
}
END_TEST

START_TEST(test_sink_stops)
{
	size_t len;
	char *text = slurp("testdata/errors.xml", &len);
	struct run run;
	memset(&run, 0, sizeof(run));
	run.pool = strpool_new();
	run.input.path = "x";
	run.input.complete = 1;
	run.col.fail_at = 3;
	struct vgt_sink sink = {collect, NULL, NULL, &run.col};
	struct xml_reader *r = xml_reader_new(run.pool, &run.input, &sink);
	ck_assert_int_eq(xml_reader_feed(r, text, len, &run.err), -1);
	ck_assert_str_eq(run.err.message, "sink says stop");
	ck_assert_uint_eq(run.col.n, 2);
	ck_assert_int_eq(run.input.complete, 0);
	xml_reader_free(r);
	xml_reader_free(NULL);
	run_free(&run);
	free(text);
}
END_TEST

/* ---- hostile and broken inputs ------------------------------------------ */

static void expect_failure(const char *text, size_t len, const char *message, long line)
{
	struct run run;
	run_parse(&run, text, len, 0);
	ck_assert_msg(run.feed_rc == -1 || run.finish_rc == -1, "accepted: %.60s", text);
	ck_assert_msg(strstr(run.err.message, message) != NULL, "message %s, want %s",
		      run.err.message, message);
	ck_assert_ptr_null(strchr(run.err.message, '\n'));
	if (line > 0)
		ck_assert_int_eq(run.err.line, line);
	ck_assert_uint_eq(run.col.n, 0);
	ck_assert_int_eq(run.input.complete, 0);
	/* nothing expanded: the pool holds next to nothing */
	ck_assert_uint_lt(strpool_bytes(run.pool), 4096);
	run_free(&run);
}

START_TEST(test_billion_laughs)
{
	const char *bomb =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE valgrindoutput [\n"
		" <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		" <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		" <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		" <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		" <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
		" <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
		" <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
		"]>\n"
		"<valgrindoutput><tool>&g;</tool><error><kind>&g;</kind></error></valgrindoutput>\n";
	expect_failure(bomb, strlen(bomb), "not valgrind XML: a DOCTYPE is not accepted", 2);
}
END_TEST

START_TEST(test_external_entity)
{
	const char *xxe =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE valgrindoutput [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
		"<valgrindoutput><tool>&xxe;</tool></valgrindoutput>\n";
	expect_failure(xxe, strlen(xxe), "not valgrind XML: a DOCTYPE is not accepted", 2);
	/* an entity reference with no DOCTYPE at all */
	const char *undeclared = "<valgrindoutput><tool>&xxe;</tool></valgrindoutput>\n";
	struct run run;
	run_parse(&run, undeclared, strlen(undeclared), 0);
	ck_assert_int_eq(run.feed_rc, -1);
	ck_assert_ptr_nonnull(strstr(run.err.message, "malformed XML: "));
	ck_assert_ptr_null(run.input.tool);
	run_free(&run);
}
END_TEST

START_TEST(test_dtd_reference)
{
	const char *dtd = "<?xml version=\"1.0\"?>\n"
			  "<!DOCTYPE valgrindoutput SYSTEM \"http://127.0.0.1:9/valgrind.dtd\">\n"
			  "<valgrindoutput></valgrindoutput>\n";
	expect_failure(dtd, strlen(dtd), "not valgrind XML: a DOCTYPE is not accepted", 2);
}
END_TEST

START_TEST(test_deep_nesting)
{
	struct buf b = {0};
	buf_printf(&b, "<?xml version=\"1.0\"?>\n<valgrindoutput>");
	for (int i = 0; i < 10000; i++)
		buf_add(&b, "<a>", 3);
	for (int i = 0; i < 10000; i++)
		buf_add(&b, "</a>", 4);
	buf_printf(&b, "</valgrindoutput>\n");
	expect_failure(b.data, b.len, "not valgrind XML: elements nested deeper than 64 levels", 2);
	free(b.data);
}
END_TEST

/* A 10 MB text node: cut to the reader's limit, no failure, no growth. */
START_TEST(test_huge_text)
{
	struct buf b = {0};
	buf_printf(&b, "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<tool>");
	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 10 * 256; i++)
		buf_add(&b, chunk, sizeof(chunk));
	buf_printf(&b, "</tool>\n<status><state>FINISHED</state></status>\n</valgrindoutput>\n");
	struct run run;
	run_parse(&run, b.data, b.len, 65536);
	ck_assert_int_eq(run.feed_rc, 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_eq(strlen(run.input.tool), 64 * 1024);
	ck_assert_uint_lt(strpool_bytes(run.pool), 256 * 1024);
	ck_assert_int_eq(run.input.finished, 1);
	run_free(&run);
	free(b.data);
}
END_TEST

START_TEST(test_not_valgrind)
{
	const char *html = "<?xml version=\"1.0\"?>\n<html><body>hi</body></html>\n";
	expect_failure(html, strlen(html),
		       "not valgrind XML: root element is <html>, expected <valgrindoutput>", 2);
	const char garbage[] = "<\x01\xff\xfe garbage \x80\x81";
	expect_failure(garbage, sizeof(garbage) - 1, "not valgrind XML: no <valgrindoutput> element", 1);
	expect_failure("", 0, "empty input", 1);
	const char *noroot = "<?xml version=\"1.0\"?>\n";
	expect_failure(noroot, strlen(noroot), "not valgrind XML: no <valgrindoutput> element", 0);
	const char *mismatch = "<valgrindoutput>\n<error><kind>Leak_DefinitelyLost</kindx></error>\n";
	expect_failure(mismatch, strlen(mismatch), "malformed XML: Opening and ending tag mismatch", 2);
}
END_TEST

START_TEST(test_detect_format)
{
	ck_assert_str_eq(reader_detect_format("<?xml", 5), "xml");
	ck_assert_str_eq(reader_detect_format("\xef\xbb\xbf \n<valgrindoutput>", 20), "xml");
	ck_assert_str_eq(reader_detect_format("==12== Memcheck", 15), "text");
	ck_assert_str_eq(reader_detect_format("", 0), "text");
	ck_assert_str_eq(reader_detect_format("   ", 3), "text");
}
END_TEST

Suite *xml_reader_suite(void)
{
	Suite *s = suite_create("xml_reader");
	TCase *tc = tcase_create("xml_reader");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_real_run);
	tcase_add_test(tc, test_chunking);
	tcase_add_test(tc, test_truncation_every_byte);
	tcase_add_test(tc, test_truncation_errors_xml);
	tcase_add_test(tc, test_truncation_message);
	tcase_add_test(tc, test_protocol6_files);
	tcase_add_test(tc, test_protocol6_details);
	tcase_add_test(tc, test_unknown_kind_and_elements);
	tcase_add_test(tc, test_leak_delta);
	tcase_add_test(tc, test_sink_stops);
	tcase_add_test(tc, test_billion_laughs);
	tcase_add_test(tc, test_external_entity);
	tcase_add_test(tc, test_dtd_reference);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_huge_text);
	tcase_add_test(tc, test_not_valgrind);
	tcase_add_test(tc, test_detect_format);
	suite_add_tcase(s, tc);
	return s;
}
