/*
 * check_xml_reader.c — the XML reader on real valgrind runs (testdata/,
 * made by `make testdata`), on valgrind's own protocol-6 expectations
 * (testdata/proto6/, copied unchanged from ../shared/valgrind-xml), and on
 * hand-made hostile inputs.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/model.h"
#include "read/reader.h"
#include "vgtriage/strpool.h"
#include "xml_diff.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <valgrind/valgrind.h>

Suite *xml_reader_suite(void);

#define MAX_KEPT 64

/* What a sink saw, copied out of the transient records. */
struct seen {
	size_t records;
	struct {
		enum vgt_kind kind;
		const char *kind_name;
		uint64_t bytes, blocks, direct, indirect, unique;
		size_t frames, aux_frames;
		const char *top_fn, *culprit_file;
		unsigned culprit_line;
		const char *auxwhat;
	} rec[MAX_KEPT];
	uint64_t errorcount_sum;
	size_t errorcount_calls;
	struct frame_table *ft;
};

static int on_record(void *ctx, struct vgt_input *in, struct vgt_record *r, struct vgt_error *err)
{
	struct seen *s = ctx;
	(void)in;
	(void)err;
	if (s->records < MAX_KEPT) {
		size_t i = s->records;
		s->rec[i].kind = r->kind;
		s->rec[i].kind_name = r->kind_name;
		s->rec[i].bytes = r->bytes;
		s->rec[i].blocks = r->blocks;
		s->rec[i].direct = r->direct_bytes;
		s->rec[i].indirect = r->indirect_bytes;
		s->rec[i].unique = r->unique;
		s->rec[i].frames = r->stack.count;
		s->rec[i].aux_frames = r->aux_stack.count;
		s->rec[i].top_fn = r->stack.count > 0 ? stack_frame(s->ft, &r->stack, 0)->fn : NULL;
		s->rec[i].culprit_file = r->stack.count > 1 ? stack_frame(s->ft, &r->stack, 1)->file
							    : NULL;
		s->rec[i].culprit_line = r->stack.count > 1 ? stack_frame(s->ft, &r->stack, 1)->line
							    : 0;
		s->rec[i].auxwhat = strpool_intern(frames_pool(s->ft), r->auxwhat);
	}
	s->records++;
	return 0;
}

static int on_errorcount(void *ctx, struct vgt_input *in, uint64_t unique, uint64_t count,
			 struct vgt_error *err)
{
	struct seen *s = ctx;
	(void)in;
	(void)unique;
	(void)err;
	s->errorcount_sum += count;
	s->errorcount_calls++;
	return 0;
}

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", VGT_SRCDIR, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct parse {
	struct strpool *pool;
	struct frame_table *ft;
	struct vgt_input input;
	struct seen seen;
	struct vgt_error err;
	int feed_rc, finish_rc;
};

/* Parses buf fed in chunks of `chunk` bytes (0 = all at once). */
static void parse(struct parse *p, const char *buf, size_t len, size_t chunk)
{
	memset(p, 0, sizeof(*p));
	p->pool = strpool_new();
	p->ft = frames_new(p->pool);
	p->seen.ft = p->ft;
	p->input.path = "test.xml";
	p->input.complete = 1;
	p->input.pid = -1;
	struct vgt_sink sink = {on_record, on_errorcount, NULL, &p->seen, NULL};
	struct xml_reader *r = xml_reader_new(p->ft, &p->input, &sink);
	if (chunk == 0)
		chunk = len;
	for (size_t off = 0; off < len && p->feed_rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		p->feed_rc = xml_reader_feed(r, buf + off, n, &p->err);
	}
	if (p->feed_rc == 0)
		p->finish_rc = xml_reader_finish(r, &p->err);
	xml_reader_free(r);
}

static void parse_done(struct parse *p)
{
	frames_free(p->ft);
	strpool_free(p->pool);
}

/* valgrind's own suppression counts, per entry name (issue 24). */
START_TEST(test_suppcounts)
{
	size_t len;
	char *buf = slurp("testdata/suppused_v.xml", &len);
	struct parse p;
	parse(&p, buf, len, 97);
	ck_assert_int_eq(p.feed_rc, 0);
	ck_assert(p.input.suppcounts_seen);
	ck_assert_uint_eq(p.input.n_suppcounts, 3);
	const char *names[] = {"config-leak", "kept-state", "uninit-flag"};
	for (size_t i = 0; i < 3; i++) {
		int found = 0;
		for (size_t j = 0; j < p.input.n_suppcounts; j++)
			if (strcmp(p.input.suppcounts[j].name, names[i]) == 0) {
				ck_assert_uint_eq(p.input.suppcounts[j].count, 1);
				found = 1;
			}
		ck_assert_msg(found, "%s", names[i]);
	}
	parse_done(&p);
	free(buf);
}
END_TEST

START_TEST(test_real_errors_run)
{
	size_t len;
	char *buf = slurp("testdata/errors.xml", &len);
	struct parse p;
	parse(&p, buf, len, 0);
	ck_assert_int_eq(p.feed_rc, 0);
	ck_assert_int_eq(p.finish_rc, 0);
	ck_assert(p.input.complete);
	ck_assert(p.input.finished);
	ck_assert_int_eq(p.input.protocol_version, 4);
	ck_assert_str_eq(p.input.tool, "memcheck");
	ck_assert_int_eq(p.input.pid, 9010);
	ck_assert_int_eq(p.input.ppid, 8996);
	ck_assert_str_eq(p.input.command, "build/fixtures/errors");
	ck_assert_uint_eq(p.seen.records, 19);
	/* The 13 error contexts each occurred once (errorcounts). */
	ck_assert_uint_eq(p.seen.errorcount_calls, 13);
	ck_assert_uint_eq(p.seen.errorcount_sum, 13);
	ck_assert_int_eq(p.seen.rec[0].kind, VGT_KIND_INVALID_READ);
	ck_assert_str_eq(p.seen.rec[0].culprit_file, "errors.c");
	ck_assert(p.seen.rec[0].auxwhat != NULL);
	ck_assert_uint_gt(p.seen.rec[0].aux_frames, 0);
	/* Loss record 4: "2,018 (16 direct, 2,002 indirect) bytes in 1 blocks". */
	int found = 0;
	for (size_t i = 0; i < p.seen.records; i++) {
		if (p.seen.rec[i].bytes == 2018) {
			ck_assert_int_eq(p.seen.rec[i].kind, VGT_KIND_LEAK_DEFINITELY_LOST);
			ck_assert_uint_eq(p.seen.rec[i].direct, 16);
			ck_assert_uint_eq(p.seen.rec[i].indirect, 2002);
			ck_assert_uint_eq(p.seen.rec[i].blocks, 1);
			found = 1;
		}
		if (p.seen.rec[i].bytes == 119) {
			ck_assert_uint_eq(p.seen.rec[i].blocks, 7);
			ck_assert_uint_eq(p.seen.rec[i].direct, 119);
			ck_assert_str_eq(p.seen.rec[i].top_fn, "malloc");
		}
	}
	ck_assert(found);
	parse_done(&p);
	free(buf);
}
END_TEST

START_TEST(test_chunking_does_not_matter)
{
	size_t len;
	char *buf = slurp("testdata/errors.xml", &len);
	struct parse whole, bytewise, odd;
	parse(&whole, buf, len, 0);
	parse(&bytewise, buf, len, 1);
	parse(&odd, buf, len, 4093);
	ck_assert_uint_eq(bytewise.seen.records, whole.seen.records);
	ck_assert_uint_eq(odd.seen.records, whole.seen.records);
	for (size_t i = 0; i < whole.seen.records && i < MAX_KEPT; i++) {
		ck_assert_uint_eq(bytewise.seen.rec[i].bytes, whole.seen.rec[i].bytes);
		ck_assert_uint_eq(bytewise.seen.rec[i].frames, whole.seen.rec[i].frames);
		ck_assert_ptr_eq(odd.seen.rec[i].kind_name, strpool_intern(odd.pool, whole.seen.rec[i].kind_name));
		ck_assert_uint_eq(odd.seen.rec[i].culprit_line, whole.seen.rec[i].culprit_line);
	}
	parse_done(&whole);
	parse_done(&bytewise);
	parse_done(&odd);
	free(buf);
}
END_TEST

/* Number of top-level records that end before offset cut. */
static size_t errors_before(const char *buf, size_t cut)
{
	size_t n = 0;
	const char *p = buf;
	while ((p = strstr(p, "\n</error>")) != NULL && (size_t)(p - buf) + 9 <= cut) {
		n++;
		p += 9;
	}
	return n;
}

START_TEST(test_truncated_anywhere)
{
	size_t len;
	char *buf = slurp("testdata/ci_base.xml", &len);
	const char *root = strstr(buf, "<valgrindoutput>");
	ck_assert(root != NULL);
	/* Once the root's whole name is in, libxml2 reports the element even
	 * if its '>' was cut off. */
	size_t root_end = (size_t)(root - buf) + strlen("<valgrindoutput");
	size_t doc_end = (size_t)(strstr(buf, "</valgrindoutput>") - buf) + 17;
	for (size_t cut = 0; cut <= len; cut += cut + 3 > len && cut < len ? len - cut : 3) {
		struct parse p;
		parse(&p, buf, cut, 0);
		ck_assert_int_eq(p.feed_rc, 0);
		if (cut < root_end) {
			/* Nothing valgrind-like yet: an error, not a report. */
			ck_assert_msg(p.finish_rc == -1, "cut %zu: finish %d", cut, p.finish_rc);
		} else {
			ck_assert_msg(p.finish_rc == 0, "cut %zu: finish %d (%s)", cut, p.finish_rc,
				      p.err.message);
			ck_assert_msg(p.seen.records == errors_before(buf, cut),
				      "cut %zu: %zu records, expected %zu", cut, p.seen.records,
				      errors_before(buf, cut));
			int closed = cut >= doc_end;
			ck_assert_int_eq(p.input.complete, closed);
			ck_assert(closed || strstr(p.err.message, "ends early") != NULL);
		}
		parse_done(&p);
	}
	free(buf);
}
END_TEST

static const char *const proto6_files[] = {
	"memcheck_tests_xml1.stderr.exp",
	"memcheck_tests_gone_abrt_xml.stderr.exp",
	"memcheck_tests_realloc_size_zero_xml.stderr.exp",
	"memcheck_tests_sized_aligned_new_delete_misaligned1_xml.stderr.exp",
	"memcheck_tests_mismatches_xml.stderr.exp",
	"memcheck_tests_threadname_xml.stderr.exp",
	"memcheck_tests_client-msg-as-xml.stderr.exp",
	"none_tests_fdleak_ipv4_xml.stderr.exp",
	"none_tests_double_close_range_xml.stderr.exp",
	"memcheck_tests_freebsd_aligned_alloc_xml.stderr.exp",
};

START_TEST(test_protocol6_expectations)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "testdata/proto6/%s", proto6_files[_i]);
	size_t len;
	char *buf = slurp(rel, &len);
	struct parse p;
	parse(&p, buf, len, 0);
	ck_assert_msg(p.feed_rc == 0 && p.finish_rc == 0, "%s: %s", rel, p.err.message);
	ck_assert_int_ge(p.input.protocol_version, 5);
	size_t expected = errors_before(buf, len);
	ck_assert_uint_eq(p.seen.records, expected);
	for (size_t i = 0; i < p.seen.records && i < MAX_KEPT; i++) {
		/* Every kind in these files is known, and none is dropped. */
		ck_assert_msg(p.seen.rec[i].kind != VGT_KIND_UNKNOWN, "%s: unknown kind %s", rel,
			      p.seen.rec[i].kind_name);
	}
	/* Placeholders ("...") are not numbers: counted, not fatal. */
	ck_assert_uint_gt(p.input.bad_numbers, 0);
	parse_done(&p);
	free(buf);
}
END_TEST

static void parse_string(struct parse *p, const char *s)
{
	parse(p, s, strlen(s), 0);
}

#define HEAD "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>6</protocolversion>\n"

START_TEST(test_protocol6_summaries_and_unknown_kind)
{
	struct parse p;
	parse_string(&p, HEAD
		     "<error><unique>0x1</unique><tid>1</tid><kind>FutureKind</kind>"
		     "<what>something new</what><stack><frame><ip>0x10</ip><fn>f</fn></frame></stack>"
		     "<newelement><kind>Leak_DefinitelyLost</kind></newelement></error>\n"
		     "<status><state>FINISHED</state><time>00:00:01</time></status>\n"
		     "<leak_summary><definitely_lost><bytes>1,008</bytes><in_blocks>3</in_blocks>"
		     "</definitely_lost><suppressed><bytes>5</bytes><in_blocks>1</in_blocks></suppressed>"
		     "</leak_summary>\n"
		     "<error_summary><errors>2</errors><error_contexts>1</error_contexts>"
		     "<suppressed>4</suppressed><suppressed_contexts>2</suppressed_contexts></error_summary>\n"
		     "</valgrindoutput>\n");
	ck_assert_int_eq(p.finish_rc, 0);
	ck_assert_uint_eq(p.seen.records, 1);
	ck_assert_int_eq(p.seen.rec[0].kind, VGT_KIND_UNKNOWN);
	ck_assert_str_eq(p.seen.rec[0].kind_name, "FutureKind");
	ck_assert(p.input.vg.has_leak_summary);
	ck_assert_uint_eq(p.input.vg.definitely_lost.bytes, 1008);
	ck_assert_uint_eq(p.input.vg.definitely_lost.blocks, 3);
	ck_assert_uint_eq(p.input.vg.suppressed.bytes, 5);
	ck_assert_uint_eq(p.input.vg.errors, 2);
	ck_assert_uint_eq(p.input.vg.suppressed_errors, 4);
	ck_assert_uint_eq(p.input.vg.suppressed_contexts, 2);
	ck_assert_uint_eq(p.input.bad_numbers, 0);
	parse_done(&p);
}
END_TEST

START_TEST(test_running_is_not_finished)
{
	struct parse p;
	parse_string(&p, HEAD "<status><state>RUNNING</state></status>\n</valgrindoutput>\n");
	ck_assert_int_eq(p.finish_rc, 0);
	ck_assert(p.input.complete);
	ck_assert(!p.input.finished);
	parse_done(&p);
}
END_TEST

START_TEST(test_gen_suppressions_top_level_is_not_a_record)
{
	struct parse p;
	parse_string(&p, HEAD
		     "<error><unique>0x1</unique><kind>InvalidRead</kind><what>w</what>"
		     "<suppression><sname>s</sname><skind>Memcheck:Addr4</skind>"
		     "<sframe><fun>f</fun></sframe><rawtext>x</rawtext></suppression></error>\n"
		     "<suppression><sname>s</sname><skind>Memcheck:Addr4</skind></suppression>\n"
		     "</valgrindoutput>\n");
	ck_assert_int_eq(p.finish_rc, 0);
	ck_assert_uint_eq(p.seen.records, 1);
	parse_done(&p);
}
END_TEST

/* Hostile and broken inputs: each is refused with a position, never a crash. */
START_TEST(test_entity_bomb_refused)
{
	struct parse p;
	parse_string(&p, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
		     " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		     " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
		     "<valgrindoutput>&lol3;</valgrindoutput>\n");
	ck_assert_int_eq(p.feed_rc, -1);
	ck_assert(strstr(p.err.message, "DOCTYPE") != NULL);
	ck_assert_int_eq(p.err.line, 2);
	ck_assert_uint_eq(p.seen.records, 0);
	parse_done(&p);
}
END_TEST

START_TEST(test_external_entity_refused)
{
	struct parse p;
	parse_string(&p, HEAD "<error><kind>&xxe;</kind></error></valgrindoutput>\n");
	ck_assert_int_eq(p.feed_rc, -1);
	ck_assert(strstr(p.err.message, "malformed XML") != NULL);
	ck_assert(strstr(p.err.message, "xxe") != NULL);
	parse_done(&p);
	parse_string(&p, "<?xml version=\"1.0\"?>\n<!DOCTYPE v SYSTEM \"file:///etc/passwd\">\n"
		     "<valgrindoutput/>\n");
	ck_assert_int_eq(p.feed_rc, -1);
	parse_done(&p);
}
END_TEST

START_TEST(test_deep_nesting_refused)
{
	size_t n = 10000;
	char *buf = xmalloc(n * 3 + 64);
	strcpy(buf, "<valgrindoutput>");
	size_t o = strlen(buf);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + o, "<a>", 3);
		o += 3;
	}
	buf[o] = '\0';
	struct parse p;
	parse(&p, buf, o, 0);
	ck_assert_int_eq(p.feed_rc, -1);
	ck_assert(strstr(p.err.message, "nested deeper") != NULL);
	parse_done(&p);
	free(buf);
}
END_TEST

START_TEST(test_huge_text_node)
{
	size_t n = 10 * 1024 * 1024;
	char *buf = xmalloc(n + 256);
	strcpy(buf, HEAD "<error><kind>InvalidRead</kind><what>");
	size_t o = strlen(buf);
	memset(buf + o, 'x', n);
	o += n;
	strcpy(buf + o, "</what></error></valgrindoutput>\n");
	struct parse p;
	parse(&p, buf, strlen(buf), 65536);
	/* libxml2 caps text nodes at 10 MB without XML_PARSE_HUGE: either the
	 * record arrives with its text cut at our 64 KiB, or the input is
	 * refused with a position.  Never a crash, never unbounded memory. */
	if (p.feed_rc == 0)
		ck_assert_uint_eq(p.seen.records, 1);
	else
		ck_assert_int_gt(p.err.line, 0);
	parse_done(&p);
	free(buf);
}
END_TEST

START_TEST(test_not_valgrind)
{
	struct parse p;
	parse_string(&p, "<html><body>hi</body></html>");
	ck_assert_int_eq(p.feed_rc, -1);
	ck_assert_str_eq(p.err.message,
			 "not valgrind XML: root element is <html>, expected <valgrindoutput>");
	ck_assert_int_eq(p.err.line, 1);
	parse_done(&p);
	parse_string(&p, "");
	ck_assert_int_eq(p.finish_rc, -1);
	ck_assert(strstr(p.err.message, "empty input") != NULL);
	parse_done(&p);
	parse_string(&p, "<\x01\x02\xff\xfe garbage");
	ck_assert(p.feed_rc == -1 || p.finish_rc == -1);
	ck_assert(strstr(p.err.message, "XML") != NULL);
	parse_done(&p);
	parse_string(&p, HEAD "<error><kind>InvalidRead</kind></error>\n<error><kind>X</kind></errr>\n");
	ck_assert_int_eq(p.feed_rc, -1);
	ck_assert_uint_eq(p.seen.records, 1); /* what came before the break stands */
	ck_assert_int_eq(p.err.line, 5);
	ck_assert(!p.input.complete);
	parse_done(&p);
}
END_TEST

START_TEST(test_detect_format)
{
	ck_assert_str_eq(reader_detect_format("  \n<?xml", 8), "xml");
	ck_assert_str_eq(reader_detect_format("\xEF\xBB\xBF<valgrindoutput>", 19), "xml");
	ck_assert_str_eq(reader_detect_format("==123== Memcheck", 16), "text");
	ck_assert_str_eq(reader_detect_format("", 0), "text");
}
END_TEST

/* ======== the reader as a stream: every byte, deltas, sinks ========= */

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
	struct vgt_record rec; /* a copy: its own texts and stacks */
};

struct collector {
	struct buf digest;     /* one line per record: what the reader gave */
	size_t n;
	struct kept keep[MAX_KEEP];
	size_t nkeep;
	size_t errorcounts;
	uint64_t errorcount_sum;
	int fail_at;           /* the sink refuses this record (1-based) */
	struct frame_table *ft;
};

static void digest_stack(struct buf *b, const struct frame_table *ft, const struct vgt_stack *s)
{
	for (size_t i = 0; i < s->count; i++) {
		const struct vgt_frame *f = stack_frame(ft, s, i);
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
	digest_stack(b, c->ft, &rec->stack);
	buf_add(b, " |", 2);
	digest_stack(b, c->ft, &rec->aux_stack);
	buf_add(b, "\n", 1);
	if (c->nkeep < MAX_KEEP) {
		struct kept *k = &c->keep[c->nkeep++];
		memset(&k->rec, 0, sizeof(k->rec));
		record_copy(&k->rec, rec);
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
		record_release(&c->keep[i].rec);
	}
}

struct run {
	struct strpool *pool;
	struct frame_table *ft;
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
	run->ft = frames_new(run->pool);
	run->col.ft = run->ft;
	run->input.path = "test.xml";
	run->input.format = "xml";
	run->input.complete = 1; /* as report_add_input starts it */
	struct vgt_sink sink = {collect, count_error, NULL, &run->col, NULL};
	struct xml_reader *r = xml_reader_new(run->ft, &run->input, &sink);
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
	frames_free(run->ft);
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
	ck_assert_uint_gt(k->rec.stack.count, 0);
	ck_assert_uint_gt(k->rec.aux_stack.count, 0);
	ck_assert_str_eq(stack_frame(run.ft, &k->rec.aux_stack, 0)->fn, "malloc");
	/* a use after free: the free stack, then "Block was alloc'd at" */
	k = find_kind(&run, "InvalidRead", 1);
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(strstr(k->rec.auxwhat, "free'd"));
	ck_assert_uint_gt(k->rec.aux_stack.count, 0);
	/* ... and the second aux stack, where the block was allocated (issue 26) */
	ck_assert_str_eq(k->rec.auxwhat2, "Block was alloc'd at");
	ck_assert_uint_gt(k->rec.aux_stack2.count, 0);
	ck_assert_str_eq(stack_frame(run.ft, &k->rec.aux_stack2, 0)->fn, "malloc");
	/* frames carry every field */
	const struct vgt_frame *f = stack_frame(run.ft, &k->rec.stack, 0);
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

static const char *proto6_all[] = {
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
	for (size_t i = 0; i < sizeof(proto6_all) / sizeof(proto6_all[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "testdata/proto6/%s", proto6_all[i]);
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
	/* a summary of placeholders states no figure: unknown, never 0 */
	ck_assert_int_eq(run.input.vg.has_leak_summary, 0);
	ck_assert_int_eq(run.input.vg.has_error_summary, 0);
	ck_assert_int_eq(run.input.errorcounts_seen, 0);
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
	ck_assert_uint_eq(run.col.keep[0].rec.stack.count, base.col.keep[0].rec.stack.count);
	ck_assert_str_eq(stack_frame(run.ft, &run.col.keep[0].rec.stack, 0)->fn,
			 stack_frame(base.ft, &base.col.keep[0].rec.stack, 0)->fn);
	run_free(&base);
	run_free(&run);
	free(text);
	free(future);
	free(more);
	free(inner);
}
END_TEST

/* Element text belongs to its element: a known element nested inside
 * another (valgrind never writes one) must not lend its text to the outer
 * one, an unknown one is skipped and the text around it kept, and nothing
 * of an earlier element surfaces in a later field. */
START_TEST(test_text_bound_to_element)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
		"<pid>7</pid>\n"
		"<error><unique>0x1</unique><tid>1</tid><kind>Leak_DefinitelyLost</kind>\n"
		"<xwhat><text>8 bytes in 1 blocks are definitely lost in loss record 1 of 1</text>"
		"<leakedbytes>8</leakedbytes><leakedblocks>1</leakedblocks></xwhat>\n"
		"<stack>\n"
		"<frame><ip>0x10</ip><obj>/lib/a.so</obj><fn>malloc</fn></frame>\n"
		"<frame><ip>0x20</ip><fn>outer<obj>/etc/passwd</obj></fn>"
		"<dir><junk>/proc</junk>/src</dir><file>a.c</file><line>7<line>99</line></line></frame>\n"
		"<frame><ip>0x<unique>0x4141</unique></ip><fn>main</fn><file><pid>1234</pid></file></frame>\n"
		"</stack>\n</error>\n"
		"<error><unique>0x2</unique><tid>1</tid><kind>InvalidRead</kind>"
		"<what><tid>Leak_PossiblyLost</tid></what>\n"
		"<stack><frame><ip>0x30</ip><fn>f<future>ignored</future>n</fn></frame></stack>\n"
		"</error>\n</valgrindoutput>\n";
	struct run run;
	run_parse(&run, doc, strlen(doc), 0);
	ck_assert_int_eq(run.finish_rc, 0);
	ck_assert_uint_eq(run.col.nkeep, 2);
	const struct kept *k = &run.col.keep[0];
	ck_assert_uint_eq(k->rec.stack.count, 3);
	const struct vgt_frame *f = stack_frame(run.ft, &k->rec.stack, 1);
	/* <fn>outer<obj>…</obj></fn>: the obj's text is not the fn */
	ck_assert(f->fn == NULL || strstr(f->fn, "passwd") == NULL);
	ck_assert(f->obj == NULL || strstr(f->obj, "passwd") == NULL);
	/* an unknown element inside <dir> is skipped, the dir's own text kept */
	ck_assert_str_eq(f->dir, "/src");
	ck_assert_str_eq(f->file, "a.c");
	ck_assert_uint_ne(f->line, 99);
	f = stack_frame(run.ft, &k->rec.stack, 2);
	ck_assert_uint_ne(f->ip, 0x4141);
	ck_assert_str_eq(f->fn, "main");
	ck_assert(f->file == NULL || strcmp(f->file, "1234") != 0);
	ck_assert_int_eq(run.input.pid, 7);
	k = &run.col.keep[1];
	ck_assert_str_eq(k->rec.kind_name, "InvalidRead");
	ck_assert(k->rec.what == NULL || strcmp(k->rec.what, "Leak_PossiblyLost") != 0);
	ck_assert_str_eq(stack_frame(run.ft, &k->rec.stack, 0)->fn, "fn");
	run_free(&run);
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
	run.ft = frames_new(run.pool);
	run.col.ft = run.ft;
	run.input.path = "x";
	run.input.complete = 1;
	run.col.fail_at = 3;
	struct vgt_sink sink = {collect, NULL, NULL, &run.col, NULL};
	struct xml_reader *r = xml_reader_new(run.ft, &run.input, &sink);
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

START_TEST(test_not_valgrind_stream)
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

START_TEST(test_detect_format_bom)
{
	ck_assert_str_eq(reader_detect_format("<?xml", 5), "xml");
	ck_assert_str_eq(reader_detect_format("\xef\xbb\xbf \n<valgrindoutput>", 20), "xml");
	ck_assert_str_eq(reader_detect_format("==12== Memcheck", 15), "text");
	ck_assert_str_eq(reader_detect_format("", 0), "text");
	ck_assert_str_eq(reader_detect_format("   ", 3), "text");
}
END_TEST

/* ---- client messages ------------------------------------------------- */

/* Records and client messages as one sequence: "R kind" / "M text". */
static int order_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
			struct vgt_error *err)
{
	(void)input;
	(void)err;
	buf_printf(ctx, "R %s%s\n", rec->kind_name, rec->has_delta ? " +" : "");
	return 0;
}

static int order_message(void *ctx, struct vgt_input *input, const char *text,
			 struct vgt_error *err)
{
	(void)input;
	if (strcmp(text, "refuse") == 0)
		return vgt_error_set(err, NULL, 0, 0, "sink refuses the message");
	buf_printf(ctx, "M %s\n", text);
	return 0;
}

static char *message_order(const char *xml, size_t len, size_t step)
{
	struct buf b = {0};
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input input = {0};
	input.path = "t.xml";
	struct vgt_sink sink = {order_record, NULL, NULL, &b, order_message};
	struct xml_reader *r = xml_reader_new(ft, &input, &sink);
	struct vgt_error err;
	vgt_error_clear(&err);
	for (size_t off = 0; off < len; off += step)
		ck_assert_int_eq(xml_reader_feed(r, xml + off, len - off < step ? len - off : step,
						 &err), 0);
	ck_assert_int_eq(xml_reader_finish(r, &err), 0);
	xml_reader_free(r);
	frames_free(ft);
	strpool_free(pool);
	buf_add(&b, "", 0);
	return b.data;
}

/* The C harness of tests/fixtures/pertest: each marker in its place among
 * the records, without valgrind's trailing newline and indentation, the
 * same in any chunking. */
START_TEST(test_clientmsg_in_order)
{
	size_t len;
	char *xml = slurp("testdata/pertest_c.xml", &len);
	char *whole = message_order(xml, len, len);
	const char *begin = strstr(whole, "M vgtriage:begin c_harness.c::test_leak_twice\n");
	const char *leak = strstr(whole, "R Leak_DefinitelyLost +\n");
	const char *end = strstr(whole, "M vgtriage:end c_harness.c::test_leak_twice\n");
	ck_assert(begin != NULL && leak != NULL && end != NULL);
	ck_assert(begin < leak && leak < end);
	ck_assert(strncmp(whole, "M vgtriage:start c_harness\n", 27) == 0);
	ck_assert_ptr_nonnull(strstr(whole, "\nM vgtriage:begin\n")); /* no name: no space */
	/* the final check's records (no growth) come after the last marker */
	const char *last = strstr(whole, "M vgtriage:end c_harness.c::test_clean\n");
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_null(strstr(last, " +\n"));
	ck_assert_ptr_nonnull(strstr(last, "R Leak_DefinitelyLost\n"));
	char *bytewise = message_order(xml, len, 1);
	ck_assert_str_eq(bytewise, whole);
	free(bytewise);
	free(whole);
	free(xml);
}
END_TEST

/* A sink that refuses a message stops the reading with its error. */
START_TEST(test_clientmsg_sink_refuses)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
		"<clientmsg>\n  <tid>1</tid>\n  <text>refuse\n  </text>\n</clientmsg>\n";
	struct buf b = {0};
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input input = {0};
	struct vgt_sink sink = {order_record, NULL, NULL, &b, order_message};
	struct xml_reader *r = xml_reader_new(ft, &input, &sink);
	struct vgt_error err;
	vgt_error_clear(&err);
	ck_assert_int_eq(xml_reader_feed(r, xml, sizeof(xml) - 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "refuses"));
	xml_reader_free(r);
	frames_free(ft);
	strpool_free(pool);
	free(b.data);
}
END_TEST

/* ---- the fast path against libxml2 (xml_fast.h) ------------------------- */

/* The names of dir's files ending in ext (NULL: all), sorted; *n of them. */
static char **list_dir(const char *dir, const char *ext, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", VGT_SRCDIR, dir);
	DIR *d = opendir(path);
	ck_assert_msg(d != NULL, "cannot open %s", path);
	char **names = NULL;
	size_t cap = 0;
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' ||
		    (ext != NULL && (len < strlen(ext) || strcmp(e->d_name + len - strlen(ext), ext) != 0)))
			continue;
		names = xgrow(names, &cap, *n + 1, sizeof(*names));
		char rel[1024];
		snprintf(rel, sizeof(rel), "%s/%s", dir, e->d_name);
		names[(*n)++] = xstrdup(rel);
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++) /* insertion sort: a few hundred names */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	return names;
}

/* Both front ends on one file: in pseudo-random chunks, whole, in 4 KiB
 * and (small files) byte by byte; the sink refusing nothing, then its
 * second record and first errorcount.  Returns how many of the fast runs
 * fell back to libxml2. */
static int compare_file(const char *rel)
{
	size_t len;
	char *text = slurp(rel, &len);
	static const size_t none[3] = {0, 0, 0}, refuse[3] = {2, 1, 1};
	size_t chunks[] = {0, len > 0 ? len : 1, 4096, 1};
	size_t n_chunks = len > 256 * 1024 ? 1 : len > 16 * 1024 ? 3 : 4;
	/* Under valgrind (CI's unit-valgrind step, which looks for memory
	 * errors, not for differences: the native and ASan runs compare every
	 * file in every chunking) one chunking of the files up to 64 KiB. */
	if (RUNNING_ON_VALGRIND) {
		if (len > 64 * 1024) {
			free(text);
			return 0;
		}
		n_chunks = 1;
	}
	int fell_back = 0;
	for (size_t c = 0; c < n_chunks; c++)
		for (int f = 0; f < 2; f++) {
			int used = -1;
			char *msg = xd_compare(text, len, (uint32_t)(len + c), chunks[c],
					       f ? refuse : none, &used);
			ck_assert_msg(msg == NULL, "%s (chunks %zu): %s", rel, chunks[c], msg);
			ck_assert_int_ne(used, 2);
			fell_back += used == 1;
		}
	free(text);
	return fell_back;
}

static void compare_dir(const char *dir, const char *ext, size_t *files, size_t *fell_back)
{
	size_t n;
	char **names = list_dir(dir, ext, &n);
	for (size_t i = 0; i < n; i++) {
		*fell_back += compare_file(names[i]) > 0;
		free(names[i]);
	}
	*files += n;
	free(names);
}

/* Every XML of testdata/ and every kept fuzz input of both XML harnesses:
 * the same records, fields, results and messages by both front ends. */
START_TEST(test_fast_path_matches_libxml2)
{
	size_t files = 0, fell_back = 0;
	compare_dir("testdata", ".xml", &files, &fell_back);
	compare_dir("testdata/bad", ".xml", &files, &fell_back);
	compare_dir("testdata/proto6", ".exp", &files, &fell_back);
	compare_dir("testdata/perf", ".xml", &files, &fell_back);
	compare_dir("testdata/fuzz/xml_reader", NULL, &files, &fell_back);
	compare_dir("testdata/fuzz/xml_fast", NULL, &files, &fell_back);
	ck_assert_uint_gt(files, 150);
	/* real valgrind XML stays on the fast path; the hand-made inputs of
	 * xml_fast/ and bad/ mostly leave it */
	ck_assert_uint_lt(fell_back, files / 2);
}
END_TEST

/* Each way out of the fast path really leaves it (for libxml2, whose
 * answer compare_file checked), and valgrind's shape does not. */
START_TEST(test_fallback_triggers)
{
	static const char *const leave[] = {
		"comment", "cdata", "pi", "attribute", "space-in-tag", "space-in-end-tag",
		"charref", "unknown-entity", "cdata-end-in-text", "crlf", "cr-in-text",
		"control-byte", "nul-byte", "mismatched-end", "raw-latin1", "u-fffe", "u-ffff",
		"bom", "doctype", "no-declaration", "declaration-encoding",
		"declaration-single-quotes", "trailing-garbage", "second-root",
		"comment-after-root", "namespace-prefix", "long-name", "text-before-root",
		"cut-in-declaration", "cut-after-declaration", "cut-in-start-tag",
		"cut-in-end-tag", "cut-in-text", "cut-in-entity", "cut-after-end-tag",
		"cut-before-root-end", "cut-in-root-end", "cut-in-utf8", "lt-in-text-cut",
	};
	static const char *const stay[] = {
		"predefined-entities", "brackets-in-text", "utf8-text", "del-byte",
		"empty-elements", "empty-root", "stack-inside-frame",
	};
	char rel[256];
	for (size_t i = 0; i < sizeof(leave) / sizeof(leave[0]); i++) {
		snprintf(rel, sizeof(rel), "testdata/fuzz/xml_fast/%s.xml", leave[i]);
		size_t len;
		char *text = slurp(rel, &len);
		int used = -1;
		char *msg = xd_compare(text, len, 7, len, NULL, &used);
		ck_assert_msg(msg == NULL, "%s: %s", rel, msg);
		ck_assert_msg(used == 1, "%s: parser_used %d, want 1 (fell back)", rel, used);
		free(text);
	}
	for (size_t i = 0; i < sizeof(stay) / sizeof(stay[0]); i++) {
		snprintf(rel, sizeof(rel), "testdata/fuzz/xml_fast/%s.xml", stay[i]);
		size_t len;
		char *text = slurp(rel, &len);
		int used = -1;
		char *msg = xd_compare(text, len, 7, 1, NULL, &used);
		ck_assert_msg(msg == NULL, "%s: %s", rel, msg);
		ck_assert_msg(used == 0, "%s: parser_used %d, want 0 (fast)", rel, used);
		free(text);
	}
}
END_TEST

/* Real files cut at every byte, fed whole, byte by byte and in random
 * chunks: the same completeness, position and message from both (where
 * libxml2 stops in a cut text depends on the chunks it got: a fallback
 * gives it the kept text in the same pieces).  The second has a text
 * longer than libxml2's 300-byte look-ahead. */
START_TEST(test_fast_path_cut_anywhere)
{
	static const char *const files[] = {
		"testdata/vgflags_exit.xml",
		"testdata/proto6/memcheck_tests_long_namespace_xml.stderr.exp",
	};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		char *text = slurp(files[f], &len);
		size_t step = f == 0 ? 1 : 61;
		if (RUNNING_ON_VALGRIND) /* as in compare_file */
			step *= 29;
		for (size_t cut = 0; cut <= len; cut += step) {
			size_t chunk = cut % 3 == 0 ? 0 : cut % 3 == 1 ? 1 : cut;
			char *msg = xd_compare(text, cut, (uint32_t)cut, chunk, NULL, NULL);
			ck_assert_msg(msg == NULL, "%s cut at %zu: %s", files[f], cut, msg);
		}
		free(text);
	}
}
END_TEST

/* VGTRIAGE_XML_PARSER=libxml2 rules the fast path out. */
START_TEST(test_parser_environment)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	struct vgt_sink sink = {NULL, NULL, NULL, NULL, NULL};
	setenv("VGTRIAGE_XML_PARSER", "libxml2", 1);
	struct xml_reader *r = xml_reader_new(ft, &in, &sink);
	unsetenv("VGTRIAGE_XML_PARSER");
	ck_assert_int_eq(xml_reader_parser_used(r), 2);
	xml_reader_free(r);
	r = xml_reader_new(ft, &in, &sink);
	ck_assert_int_eq(xml_reader_parser_used(r), 0);
	xml_reader_force_libxml2(r);
	ck_assert_int_eq(xml_reader_parser_used(r), 2);
	xml_reader_free(r);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

Suite *xml_reader_suite(void)
{
	Suite *s = suite_create("xml_reader");
	TCase *tc = tcase_create("real");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_real_errors_run);
	tcase_add_test(tc, test_chunking_does_not_matter);
	tcase_add_test(tc, test_truncated_anywhere);
	tcase_add_loop_test(tc, test_protocol6_expectations, 0,
			    (int)(sizeof(proto6_files) / sizeof(proto6_files[0])));
	suite_add_tcase(s, tc);
	TCase *hand = tcase_create("hand-made");
	tcase_set_timeout(hand, 60);
	tcase_add_test(hand, test_protocol6_summaries_and_unknown_kind);
	tcase_add_test(hand, test_running_is_not_finished);
	tcase_add_test(hand, test_gen_suppressions_top_level_is_not_a_record);
	tcase_add_test(hand, test_entity_bomb_refused);
	tcase_add_test(hand, test_external_entity_refused);
	tcase_add_test(hand, test_deep_nesting_refused);
	tcase_add_test(hand, test_huge_text_node);
	tcase_add_test(hand, test_not_valgrind);
	tcase_add_test(hand, test_detect_format);
	suite_add_tcase(s, hand);
	TCase *stream = tcase_create("stream");
	tcase_set_timeout(stream, 120);
	tcase_add_test(stream, test_real_run);
	tcase_add_test(stream, test_chunking);
	tcase_add_test(stream, test_truncation_every_byte);
	tcase_add_test(stream, test_truncation_errors_xml);
	tcase_add_test(stream, test_truncation_message);
	tcase_add_test(stream, test_protocol6_files);
	tcase_add_test(stream, test_protocol6_details);
	tcase_add_test(stream, test_unknown_kind_and_elements);
	tcase_add_test(stream, test_text_bound_to_element);
	tcase_add_test(stream, test_leak_delta);
	tcase_add_test(stream, test_sink_stops);
	tcase_add_test(stream, test_billion_laughs);
	tcase_add_test(stream, test_external_entity);
	tcase_add_test(stream, test_dtd_reference);
	tcase_add_test(stream, test_deep_nesting);
	tcase_add_test(stream, test_huge_text);
	tcase_add_test(stream, test_not_valgrind_stream);
	tcase_add_test(stream, test_detect_format_bom);
	tcase_add_test(stream, test_clientmsg_in_order);
	tcase_add_test(stream, test_clientmsg_sink_refuses);
	tcase_add_test(stream, test_suppcounts);
	suite_add_tcase(s, stream);
	TCase *fast = tcase_create("fast-path");
	tcase_set_timeout(fast, 600);
	tcase_add_test(fast, test_fast_path_matches_libxml2);
	tcase_add_test(fast, test_fallback_triggers);
	tcase_add_test(fast, test_fast_path_cut_anywhere);
	tcase_add_test(fast, test_parser_environment);
	suite_add_tcase(s, fast);
	return s;
}
