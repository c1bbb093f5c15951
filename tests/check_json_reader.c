/*
 * check_json_reader.c — vgtriage's own JSON report read back (merge data,
 * issue 22): the records, inputs and files a hand-made report holds, the
 * hex form of strings that are not UTF-8, and one-line errors naming the
 * place of what is wrong.  tests/golden_merge.sh checks the round trip
 * over every input of testdata/.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/reader.h"
#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/report.h"

Suite *json_reader_suite(void);

#define MAX_GOT 16

struct got {
	char kind[64], what[128], fn0[64];
	uint64_t bytes, blocks;
	uint32_t frames;
	long pid;
	struct vgt_input *input;
};

struct collector {
	struct vgt_report *report;
	struct got recs[MAX_GOT];
	size_t n;
	char msgs[4][64];
	size_t n_msgs;
	uint64_t counts;
};

static int collect(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		   struct vgt_error *err)
{
	struct collector *c = ctx;
	(void)err;
	ck_assert_uint_lt(c->n, MAX_GOT);
	struct got *g = &c->recs[c->n++];
	snprintf(g->kind, sizeof(g->kind), "%s", rec->kind_name);
	snprintf(g->what, sizeof(g->what), "%s", rec->what != NULL ? rec->what : "");
	const struct vgt_frame *f = rec->stack.count > 0
		? stack_frame(c->report->frames, &rec->stack, 0) : NULL;
	snprintf(g->fn0, sizeof(g->fn0), "%s", f != NULL && f->fn != NULL ? f->fn : "");
	g->bytes = rec->bytes;
	g->blocks = rec->blocks;
	g->frames = rec->stack.count;
	g->pid = rec->pid;
	g->input = input;
	return 0;
}

static int clientmsg(void *ctx, struct vgt_input *input, const char *text, struct vgt_error *err)
{
	struct collector *c = ctx;
	(void)input;
	(void)err;
	if (c->n_msgs < 4)
		snprintf(c->msgs[c->n_msgs++], sizeof(c->msgs[0]), "%s", text);
	return 0;
}

static int errorcount(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
		      struct vgt_error *err)
{
	struct collector *c = ctx;
	(void)input;
	(void)unique;
	(void)err;
	c->counts += count;
	return 0;
}

static struct vgt_input *more_input(void *ctx, struct vgt_input *first, long pid)
{
	struct collector *c = ctx;
	struct vgt_input *in = report_add_input(c->report, first->path, first->format);
	in->pid = pid;
	return in;
}

/* Two files: a.xml (pid 10) with two records, an error count and a client
 * message; b.log with two processes (pids 20, 21), one record each. */
static const char two_files[] =
	"{\"tool\": \"vgtriage\", \"schema_version\": 1, \"merge\": {\"version\": 1,\n"
	" \"frames\": [{\"ip\": \"0x4001\", \"obj\": \"/lib/vgpreload.so\", \"fn\": \"malloc\"},\n"
	"  {\"ip\": \"0x1000\", \"fn\": {\"hex\": \"6d61696efe\"}, \"file\": \"a.c\", \"line\": 7},\n"
	"  {\"ip\": \"0x2000\", \"obj\": \"/bin/b\", \"pid\": 21}],\n"
	" \"inputs\": [{\"file\": 0, \"path\": \"a.xml\", \"format\": \"xml\", \"pid\": 10,\n"
	"   \"complete\": 1, \"finished\": 1, \"records\": 2, \"protocol\": 4,\n"
	"   \"vg\": {\"has_leak_summary\": 1, \"definitely_lost\": [16, 1], \"known\": 31}},\n"
	"  {\"file\": 1, \"path\": \"b.log\", \"format\": \"text\", \"pid\": 20, \"complete\": 1},\n"
	"  {\"file\": 1, \"path\": \"b.log\", \"format\": \"text\", \"pid\": 21, \"ppid\": 20,\n"
	"   \"complete\": 0, \"stop_line\": 9, \"stop_column\": 1}],\n"
	" \"events\": [{\"e\": \"m\", \"i\": 0, \"m\": \"vgtriage:begin t1\"},\n"
	"  {\"e\": \"r\", \"i\": 0, \"k\": \"Leak_DefinitelyLost\", \"w\": \"16 bytes lost\",\n"
	"   \"b\": 16, \"n\": 1, \"d\": 16, \"s\": [0, 1], \"p\": 10, \"x\": 1},\n"
	"  {\"e\": \"r\", \"i\": 1, \"k\": \"InvalidRead\", \"s\": [1], \"p\": 20},\n"
	"  {\"e\": \"r\", \"i\": 2, \"k\": \"InvalidRead\", \"s\": [2], \"p\": 21},\n"
	"  {\"e\": \"r\", \"i\": 0, \"k\": \"InvalidWrite\", \"u\": 27, \"s\": [1], \"p\": 10},\n"
	"  {\"e\": \"c\", \"i\": 0, \"u\": 27, \"n\": 5}]}}\n";

static struct json_report *load(const char *text, struct vgt_error *err)
{
	vgt_error_clear(err);
	return json_report_load(text, strlen(text), err);
}

static int replay(struct json_report *jr, size_t file, struct collector *c, struct vgt_error *err)
{
	memset(c, 0, sizeof(*c));
	c->report = report_new();
	struct vgt_sink sink = {0};
	sink.record = collect;
	sink.clientmsg = clientmsg;
	sink.errorcount = errorcount;
	sink.input_for_pid = more_input;
	sink.ctx = c;
	struct vgt_input *in = report_add_input(c->report, "part.json", "json");
	vgt_error_clear(err);
	return json_report_replay(jr, file, c->report->frames, in, &sink, err);
}

START_TEST(files_replay_apart)
{
	struct vgt_error err;
	struct json_report *jr = load(two_files, &err);
	ck_assert_msg(jr != NULL, "%s", err.message);
	ck_assert_uint_eq(json_report_files(jr), 2);
	struct collector c;
	ck_assert_int_eq(replay(jr, 0, &c, &err), 0);
	ck_assert_uint_eq(c.report->n_inputs, 1);
	struct vgt_input *a = c.report->inputs[0];
	ck_assert_str_eq(a->path, "a.xml");
	ck_assert_str_eq(a->format, "xml");
	ck_assert_int_eq(a->pid, 10);
	ck_assert_int_eq(a->vg.has_leak_summary, 1);
	ck_assert_uint_eq(a->vg.definitely_lost.bytes, 16);
	ck_assert_uint_eq(a->vg.known, VGT_SUMMARY_ALL);
	ck_assert_int_eq(a->exit_leak_search, 0); /* as the input stated, finally */
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.recs[0].kind, "Leak_DefinitelyLost");
	ck_assert_str_eq(c.recs[0].what, "16 bytes lost");
	ck_assert_uint_eq(c.recs[0].bytes, 16);
	ck_assert_uint_eq(c.recs[0].frames, 2);
	ck_assert_str_eq(c.recs[0].fn0, "malloc");
	ck_assert_str_eq(c.recs[1].kind, "InvalidWrite");
	ck_assert_str_eq(c.recs[1].fn0, "main\xfe"); /* hex: the bytes as they were */
	ck_assert_uint_eq(c.n_msgs, 1);
	ck_assert_str_eq(c.msgs[0], "vgtriage:begin t1");
	ck_assert_uint_eq(c.counts, 5);
	report_free(c.report);

	ck_assert_int_eq(replay(jr, 1, &c, &err), 0);
	ck_assert_uint_eq(c.report->n_inputs, 2);
	ck_assert_str_eq(c.report->inputs[0]->path, "b.log");
	ck_assert_int_eq(c.report->inputs[1]->pid, 21);
	ck_assert_int_eq(c.report->inputs[1]->ppid, 20);
	ck_assert_int_eq(c.report->inputs[1]->complete, 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_ptr_eq(c.recs[1].input, c.report->inputs[1]);
	/* a frame valgrind could not name keeps its process */
	const struct vgt_frame *f = frames_at(c.report->frames, 1);
	ck_assert_ptr_null(f->fn);
	ck_assert_int_eq(f->pid, 21);
	report_free(c.report);

	/* all files as one */
	ck_assert_int_eq(replay(jr, SIZE_MAX, &c, &err), 0);
	ck_assert_uint_eq(c.report->n_inputs, 3);
	ck_assert_uint_eq(c.n, 4);
	report_free(c.report);
	json_report_free(jr);
}
END_TEST

/* edit: the two_files text with `from` replaced by `to` */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(two_files, from);
	ck_assert_ptr_nonnull(at);
	size_t n = strlen(two_files) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - two_files), two_files, to, at + strlen(from));
	return s;
}

static void expect_load_error(const char *text, const char *msg, long line)
{
	struct vgt_error err;
	struct json_report *jr = load(text, &err);
	ck_assert_ptr_null(jr);
	ck_assert_msg(strstr(err.message, msg) != NULL, "'%s' lacks '%s'", err.message, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_ptr_null(strchr(err.message, '\n'));
}

static void expect_replay_error(const char *text, const char *msg)
{
	struct vgt_error err;
	struct json_report *jr = load(text, &err);
	ck_assert_msg(jr != NULL, "%s", err.message);
	struct collector c;
	int rc = 0;
	for (size_t k = 0; k < json_report_files(jr) && rc == 0; k++) {
		rc = replay(jr, k, &c, &err);
		report_free(c.report);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err.message, msg) != NULL, "'%s' lacks '%s'", err.message, msg);
	json_report_free(jr);
}

START_TEST(errors_name_the_place)
{
	expect_load_error("", "empty input", 1);
	expect_load_error("{\"tool\": \"vgtriage\",\n \"merge\": [}", "JSON:", 2);
	expect_load_error("{\"tool\": \"other\"}", "not a vgtriage report", 1);
	expect_load_error("{\"tool\": \"vgtriage\", \"tool\": \"vgtriage\"}", "duplicate", 1);
	expect_load_error("{\"tool\": \"vgtriage\", \"sites\": []}", "without merge data", 0);
	/* two_files with one member changed: wrong at load, or at replay */
	static const struct {
		const char *from, *to, *msg;
		int at_load;
	} bad[] = {
		{"\"version\": 1", "\"version\": 2", "not version 1", 1},
		{"\"ip\": \"0x1000\"", "\"ip\": \"4096\"", "merge.frames[1].ip: not a hex address", 1},
		{"{\"hex\": \"6d61696efe\"}", "{\"hex\": \"6d6\"}", "merge.frames[1].fn: not a string", 1},
		{"{\"hex\": \"6d61696efe\"}", "{\"hex\": \"6d61006efe\"}", "merge.frames[1].fn: not a string", 1},
		{"\"e\": \"c\", \"i\": 0", "\"e\": \"c\", \"i\": 3", "merge.events[5].i: out of range", 1},
		{"\"file\": 1, \"path\": \"b.log\"", "\"file\": 7, \"path\": \"b.log\"",
		 "merge.inputs[1].file: out of range", 1},
		{"\"s\": [0, 1]", "\"s\": [0, 3]", "merge.events[1].s: a frame id not in merge.frames", 0},
		{"\"b\": 16", "\"b\": -16", "merge.events[1].b: out of range", 0},
		{"\"e\": \"m\"", "\"e\": \"q\"", "merge.events[0].e: not \"r\", \"m\" or \"c\"", 0},
		{"\"pid\": 20,", "\"pid\": \"20\",", "merge.inputs[1].pid: not an integer", 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = edit(bad[i].from, bad[i].to);
		if (bad[i].at_load)
			expect_load_error(s, bad[i].msg, 0);
		else
			expect_replay_error(s, bad[i].msg);
		free(s);
	}
}
END_TEST

/* valgrind's unique (and leak search numbers made from it) may use all 64
 * bits: above 2^63 - 1 they come as hex strings. */
START_TEST(words_above_int64)
{
	char *s = edit("\"u\": 27, \"s\"", "\"u\": \"0xffffffffffffffe7\", \"s\"");
	struct vgt_error err;
	struct json_report *jr = load(s, &err);
	ck_assert_msg(jr != NULL, "%s", err.message);
	struct collector c;
	ck_assert_int_eq(replay(jr, 0, &c, &err), 0);
	ck_assert_uint_eq(c.n, 2);
	report_free(c.report);
	json_report_free(jr);
	free(s);
	s = edit("\"u\": 27, \"s\"", "\"u\": \"0x1ffffffffffffffe7\", \"s\"");
	expect_replay_error(s, "merge.events[4].u: not a number");
	free(s);
}
END_TEST

/* The streaming reader: fed in pieces, all files replayed as one. */
START_TEST(stream_in_pieces)
{
	struct collector c;
	memset(&c, 0, sizeof(c));
	c.report = report_new();
	struct vgt_sink sink = {0};
	sink.record = collect;
	sink.input_for_pid = more_input;
	sink.ctx = &c;
	struct vgt_input *in = report_add_input(c.report, "part.json", "json");
	struct json_reader *r = json_reader_new(c.report->frames, in, &sink);
	struct vgt_error err;
	vgt_error_clear(&err);
	for (size_t i = 0; i < sizeof(two_files) - 1; i += 7) {
		size_t n = sizeof(two_files) - 1 - i < 7 ? sizeof(two_files) - 1 - i : 7;
		ck_assert_int_eq(json_reader_feed(r, two_files + i, n, &err), 0);
	}
	ck_assert_int_eq(json_reader_finish(r, &err), 0);
	json_reader_free(r);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_uint_eq(c.report->n_inputs, 3);
	ck_assert_str_eq(in->path, "a.xml");
	report_free(c.report);
	ck_assert_str_eq(reader_detect_format(" \n{\"tool\"", 9), "json");
}
END_TEST

Suite *json_reader_suite(void)
{
	Suite *s = suite_create("json_reader");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, files_replay_apart);
	tcase_add_test(tc, errors_name_the_place);
	tcase_add_test(tc, stream_in_pieces);
	tcase_add_test(tc, words_above_int64);
	suite_add_tcase(s, tc);
	return s;
}
