/*
 * check_xml_reader.c — the XML reader on real valgrind runs (testdata/,
 * made by `make testdata`), on valgrind's own protocol-6 expectations
 * (testdata/proto6/, copied unchanged from ../shared/valgrind-xml), and on
 * hand-made hostile inputs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/reader.h"

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
		s->rec[i].top_fn = r->stack.count > 0 ? r->stack.frames[0].fn : NULL;
		s->rec[i].culprit_file = r->stack.count > 1 ? r->stack.frames[1].file : NULL;
		s->rec[i].culprit_line = r->stack.count > 1 ? r->stack.frames[1].line : 0;
		s->rec[i].auxwhat = r->auxwhat;
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
	p->input.path = "test.xml";
	p->input.complete = 1;
	p->input.pid = -1;
	struct vgt_sink sink = {on_record, on_errorcount, NULL, &p->seen};
	struct xml_reader *r = xml_reader_new(p->pool, &p->input, &sink);
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
	strpool_free(p->pool);
}

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
	return s;
}
