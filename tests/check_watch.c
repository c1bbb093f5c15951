/*
 * check_watch.c — `run --watch` snapshots: growth ranking, text and JSON
 * Lines rendering, and growth tracked across two real vgdb answers
 * (testdata/run/vgdb_increased_{1,2}.txt: `leak_check full definiteleak
 * increased` on tests/fixtures/run/leak_loop.c, 2 s and 3 s into its run);
 * the cache line from two real answers with still reachable records
 * (testdata/text/vgdb_cache_{1,2}.txt).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/watch.h"

Suite *watch_suite(void);

static struct watch_growth growth(const char *fp, int64_t db, int64_t dk, int64_t sb)
{
	struct watch_growth g;
	memset(&g, 0, sizeof(g));
	snprintf(g.fingerprint, sizeof(g.fingerprint), "%s", fp);
	g.label = "x.c:1";
	g.kind_name = "Leak_DefinitelyLost";
	g.delta_bytes = db;
	g.delta_blocks = dk;
	g.since_bytes = sb;
	g.since_blocks = dk;
	g.bytes = (uint64_t)sb;
	g.blocks = (uint64_t)dk;
	return g;
}

START_TEST(rank_fastest_first)
{
	struct watch_growth g[5] = {
		growth("000000000000000a", 100, 1, 100),
		growth("000000000000000b", 3200, 100, 9600),
		growth("000000000000000c", 100, 4, 100),
		growth("000000000000000d", 100, 4, 500),
		growth("000000000000000e", 100, 4, 500),
	};
	watch_rank_growth(g, 5);
	ck_assert_str_eq(g[0].fingerprint, "000000000000000b"); /* most bytes */
	ck_assert_str_eq(g[1].fingerprint, "000000000000000d"); /* then blocks, since start */
	ck_assert_str_eq(g[2].fingerprint, "000000000000000e"); /* then fingerprint */
	ck_assert_str_eq(g[3].fingerprint, "000000000000000c");
	ck_assert_str_eq(g[4].fingerprint, "000000000000000a");
	watch_rank_growth(g, 0);
}
END_TEST

static char *render_to_string(int json, unsigned snap, double el, const struct watch_growth *g,
			      size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	struct watch_frame fr = {snap, el, NULL, 0, NULL};
	int rc = json ? watch_render_json(f, &fr, g, n) : watch_render_text(f, &fr, g, n, 0);
	ck_assert_int_eq(rc, 0);
	fclose(f);
	return buf;
}

START_TEST(render_json_line)
{
	struct watch_growth g[2] = {growth("00000000000000aa", 3200, 100, 9600),
				    growth("00000000000000bb", 16, 1, 16)};
	g[0].function = "api.native.random_noise";
	char *s = render_to_string(1, 2, 10.04, g, 2);
	/* exactly one line */
	char *nl = strchr(s, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "");
	json_error_t jerr;
	json_t *o = json_loads(s, 0, &jerr);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "snapshot")), 2);
	ck_assert(json_real_value(json_object_get(o, "elapsed_s")) == 10.0);
	json_t *sites = json_object_get(o, "sites");
	ck_assert_uint_eq(json_array_size(sites), 2);
	json_t *s0 = json_array_get(sites, 0);
	ck_assert_str_eq(json_string_value(json_object_get(s0, "fingerprint")), "00000000000000aa");
	ck_assert_str_eq(json_string_value(json_object_get(s0, "function")),
			 "api.native.random_noise");
	json_t *d = json_object_get(s0, "delta");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "bytes")), 3200);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "blocks")), 100);
	json_t *ss = json_object_get(s0, "since_start");
	ck_assert_int_eq(json_integer_value(json_object_get(ss, "bytes")), 9600);
	ck_assert_ptr_null(json_object_get(json_array_get(sites, 1), "function"));
	/* one site schema: location is an object, as in the final line */
	ck_assert(json_is_object(json_object_get(s0, "location")));
	ck_assert_int_eq(json_integer_value(json_object_get(s0, "bytes")), 9600);
	json_decref(o);
	free(s);

	s = render_to_string(1, 1, 2.0, NULL, 0);
	ck_assert_str_eq(s, "{\"snapshot\":1,\"elapsed_s\":2.0,\"pids\":[],\"sites\":[]}\n");
	free(s);
}
END_TEST

START_TEST(render_text_lines)
{
	struct watch_growth g[1] = {growth("00000000000000aa", 1234567, 100, 2000000)};
	char *s = render_to_string(0, 3, 6.0, g, 1);
	ck_assert_ptr_nonnull(strstr(s, "watch #3 at 6.0s: 1 site grew by 1,234,567 bytes\n"));
	ck_assert_ptr_nonnull(strstr(s, "+1,234,567 bytes in +100 blocks"));
	ck_assert_ptr_nonnull(strstr(s, "since start +2,000,000 bytes"));
	ck_assert_ptr_nonnull(strstr(s, "x.c:1"));
	ck_assert_ptr_null(strstr(s, "\033[")); /* no colour asked */
	free(s);
	s = render_to_string(0, 1, 2.0, NULL, 0);
	ck_assert_str_eq(s, "watch #1 at 2.0s: no site grew\n");
	free(s);
}
END_TEST

static char *slurp(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", VGT_SRCDIR, rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap);
		}
		size_t n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A watch writing to a memory stream (the snapshots' text or JSON), and
 * up to two stored answers to feed it. */
struct wfx {
	struct pipeline_options po;
	char *out;
	size_t out_len;
	FILE *f;
	struct watch *w;
	struct vgt_error err;
	char *t[2];     /* the answers (rel1, rel2 of wfx_open), or NULL */
	size_t len[2];
};

static void wfx_open(struct wfx *x, enum vgt_format format, const char *rel1, const char *rel2)
{
	memset(x, 0, sizeof(*x));
	x->f = open_memstream(&x->out, &x->out_len);
	ck_assert_ptr_nonnull(x->f);
	x->w = watch_new(&x->po, x->f, format, NULL);
	vgt_error_clear(&x->err);
	if (rel1 != NULL)
		x->t[0] = slurp(rel1, &x->len[0]);
	if (rel2 != NULL)
		x->t[1] = slurp(rel2, &x->len[1]);
}

/* What the watch wrote (the stream is closed). */
static const char *wfx_output(struct wfx *x)
{
	fclose(x->f);
	x->f = NULL;
	return x->out;
}

static void wfx_close(struct wfx *x)
{
	if (x->f != NULL)
		fclose(x->f);
	watch_free(x->w);
	free(x->out);
	free(x->t[0]);
	free(x->t[1]);
}

/* The numbers below are valgrind's own, from the stored answers:
 * "912 (+912) bytes in 38 (+38) blocks", then "1,488 (+576) bytes in
 * 62 (+24) blocks", both at drip (leak_loop.c:14). */
START_TEST(two_real_snapshots)
{
	struct wfx x;
	wfx_open(&x, VGT_FORMAT_JSON, "testdata/run/vgdb_increased_1.txt",
		 "testdata/run/vgdb_increased_2.txt");
	ck_assert_int_eq(watch_snapshot(x.w, x.t[0], x.len[0], 2.0, &x.err), 0);
	size_t n;
	const struct watch_growth *g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(g[0].delta_bytes, 912);
	ck_assert_int_eq(g[0].delta_blocks, 38);
	ck_assert_int_eq(g[0].since_bytes, 912);
	ck_assert_ptr_nonnull(strstr(g[0].label, "leak_loop.c:14"));
	char fp1[17];
	memcpy(fp1, g[0].fingerprint, sizeof(fp1));

	ck_assert_int_eq(watch_snapshot(x.w, x.t[1], x.len[1], 3.0, &x.err), 0);
	g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(g[0].fingerprint, fp1);
	ck_assert_int_eq(g[0].delta_bytes, 576);
	ck_assert_int_eq(g[0].delta_blocks, 24);
	ck_assert_int_eq(g[0].since_bytes, 912 + 576);
	ck_assert_int_eq(g[0].since_blocks, 38 + 24);
	ck_assert_uint_eq(g[0].bytes, 1488);

	/* an answer without loss records: a snapshot where nothing grew */
	ck_assert_int_eq(watch_snapshot(x.w, "", 0, 4.0, &x.err), 0);
	g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(watch_count(x.w), 3);
	watch_free(NULL);
	const char *out = wfx_output(&x);
	/* three JSON lines */
	size_t lines = 0;
	for (const char *p = out; *p != '\0'; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 3);
	ck_assert_ptr_nonnull(strstr(out, "\"delta\":{\"bytes\":576,\"blocks\":24}"));
	wfx_close(&x);
}
END_TEST

/* Two processes answer the same site: one site, summed, with each
 * process's share; a process that did not grow this time keeps its
 * since-start share in the site's total. */
START_TEST(two_processes_summed)
{
	struct wfx x;
	wfx_open(&x, VGT_FORMAT_TEXT, "testdata/run/vgdb_increased_1.txt",
		 "testdata/run/vgdb_increased_2.txt");
	struct watch_answer a[2] = {{101, x.t[0], x.len[0]}, {102, x.t[1], x.len[1]}};
	ck_assert_int_eq(watch_snapshot_many(x.w, a, 2, 2.0, "1 process outside valgrind", &x.err),
			 0);
	size_t n;
	const struct watch_growth *g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(g[0].n_procs, 2);
	/* valgrind's own deltas: +912 in pid 101's answer, +576 in 102's */
	ck_assert_int_eq(g[0].delta_bytes, 912 + 576);
	ck_assert_int_eq(g[0].procs[0].pid, 101);
	ck_assert_int_eq(g[0].procs[0].delta_bytes, 912);
	ck_assert_int_eq(g[0].procs[1].pid, 102);
	ck_assert_int_eq(g[0].procs[1].delta_blocks, 24);
	/* second snapshot: only 102 grew; the site's since-start keeps 101's */
	struct watch_answer b[2] = {{101, "", 0}, {102, x.t[1], x.len[1]}};
	ck_assert_int_eq(watch_snapshot_many(x.w, b, 2, 4.0, NULL, &x.err), 0);
	g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(g[0].n_procs, 1);
	ck_assert_int_eq(g[0].delta_bytes, 576);
	ck_assert_int_eq(g[0].since_bytes, 912 + 576 + 576);
	ck_assert_uint_eq(g[0].bytes, (uint64_t)g[0].since_bytes);
	ck_assert_int_eq(g[0].procs[0].since_bytes, 576 + 576);
	const char *out = wfx_output(&x);
	ck_assert_ptr_nonnull(strstr(out, "(2 processes)"));
	ck_assert_ptr_nonnull(strstr(out, "note: 1 process outside valgrind"));
	ck_assert_ptr_nonnull(strstr(out, "pid 101: +912 bytes in +38 blocks"));
	wfx_close(&x);
}
END_TEST

START_TEST(reachable_summary_parsed)
{
	uint64_t b = 0, k = 0;
	const char *t = "==1==    possibly lost: 0 (+0) bytes in 0 (+0) blocks\n"
			"==1==    still reachable: 945,120 (+1,000) bytes in 3,001 (+1) blocks\n";
	ck_assert_int_eq(watch_parse_reachable(t, strlen(t), &b, &k), 0);
	ck_assert_uint_eq(b, 945120);
	ck_assert_uint_eq(k, 3001);
	const char *u = "==1==    still reachable: 12 bytes in 1 blocks\n";
	ck_assert_int_eq(watch_parse_reachable(u, strlen(u), &b, &k), 0);
	ck_assert_uint_eq(b, 12);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(watch_parse_reachable("definitely lost: 1 bytes", 24, &b, &k), -1);
	ck_assert_int_eq(watch_parse_reachable("still reachable: x", 18, &b, &k), -1);
}
END_TEST

/* The cache line, from real answers to what run --watch asks
 * (testdata/text/vgdb_cache_{1,2}.txt, tests/fixtures/text/cacheloop.c):
 * the 4 kept buffers grow as still reachable, then the 6 evicted ones as
 * definitely lost at the same place; printf's reachable buffer, at a
 * place with no definite leak, says nothing. */
START_TEST(cache_line)
{
	struct wfx x;
	wfx_open(&x, VGT_FORMAT_TEXT, "testdata/text/vgdb_cache_1.txt",
		 "testdata/text/vgdb_cache_2.txt");
	const char *t1 = x.t[0], *t2 = x.t[1];
	size_t l1 = x.len[0], l2 = x.len[1];
	ck_assert(watch_answer_complete(t1, l1));
	ck_assert(!watch_answer_complete(t1, (size_t)(strstr(t1, "suppressed:") - t1)));
	ck_assert(!watch_answer_complete(NULL, 0));
	struct watch_answer a = {7, t1, l1};
	ck_assert_int_eq(watch_snapshot_many(x.w, &a, 1, 3.0, NULL, &x.err), 0);
	size_t n;
	watch_last(x.w, &n);
	ck_assert_uint_eq(n, 0); /* no definite growth yet */
	struct watch_answer b = {7, t2, l2};
	ck_assert_int_eq(watch_snapshot_many(x.w, &b, 1, 6.0, NULL, &x.err), 0);
	const struct watch_growth *g = watch_last(x.w, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(g[0].delta_bytes, 600);
	ck_assert(g[0].has_reachable);
	ck_assert_int_eq(g[0].reach_since_bytes, 400);
	ck_assert_int_eq(g[0].reach_since_blocks, 4);
	size_t nn;
	const char *const *notes = watch_cache_notes(x.w, &nn);
	ck_assert_uint_eq(nn, 1);
	ck_assert_ptr_nonnull(strstr(notes[0], "cacheloop.c:32: still-reachable bytes grew at the "
					       "same place as its definite leak (+400 bytes in +4 blocks"));
	uint64_t bytes, blocks;
	double at;
	size_t np;
	ck_assert(watch_reachable_summary(x.w, &bytes, &blocks, &at, &np));
	ck_assert_uint_eq(bytes, 4496);
	ck_assert_uint_eq(blocks, 5);
	const char *out = wfx_output(&x);
	ck_assert_ptr_nonnull(strstr(out, "      still reachable at this place: +400 bytes in +4 blocks "
					  "since start (buffers kept, then lost when dropped: a cache?)\n"));
	ck_assert_ptr_null(strstr(out, "note:")); /* far below the record limit */
	wfx_close(&x);
}
END_TEST

/* An answer that lists WATCH_MAX_RECORDS records says so in a note. */
START_TEST(record_limit_noted)
{
	struct wfx x;
	wfx_open(&x, VGT_FORMAT_TEXT, "testdata/run/vgdb_increased_1.txt", NULL);
	const char *one = x.t[0];
	size_t len = x.len[0];
	char *many = xmalloc(len * WATCH_MAX_RECORDS + 1);
	for (size_t i = 0; i < WATCH_MAX_RECORDS; i++)
		memcpy(many + i * len, one, len);
	struct watch_answer a[2] = {{41, many, len * WATCH_MAX_RECORDS}, {42, one, len}};
	ck_assert_int_eq(watch_snapshot_many(x.w, a, 2, 3.0, "earlier note", &x.err), 0);
	const char *out = wfx_output(&x);
	ck_assert_ptr_nonnull(strstr(out, "note: earlier note; the leak search of pid 41 listed only "
					  "its 1000 biggest growing records"));
	wfx_close(&x);
	free(many);
}
END_TEST

Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");
	tcase_add_test(tc, rank_fastest_first);
	tcase_add_test(tc, render_json_line);
	tcase_add_test(tc, render_text_lines);
	tcase_add_test(tc, two_real_snapshots);
	tcase_add_test(tc, two_processes_summed);
	tcase_add_test(tc, reachable_summary_parsed);
	tcase_add_test(tc, cache_line);
	tcase_add_test(tc, record_limit_noted);
	suite_add_tcase(s, tc);
	return s;
}
