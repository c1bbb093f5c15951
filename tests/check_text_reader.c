/*
 * check_text_reader.c — the text reader over real valgrind 3.19 logs
 * (testdata/text/, made by tests/fixtures/text/make.sh).  The expected
 * numbers are the ones valgrind printed in those logs; ids that change from
 * run to run (pids, addresses) are read from the log text by the test.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/sites.h"
#include "vgtriage/model.h"
#include "read/reader.h"
#include "vgtriage/strpool.h"

#include "reader_sink.h"

Suite *text_reader_suite(void);

static char *slurp(const char *name, size_t *len)
{
	return testdata_slurp("text", name, len);
}

/* Each test reads into one pool and its frame table (cur_ft). */
static struct frame_table *cur_ft;

static struct strpool *test_pool_new(void)
{
	struct strpool *pool = strpool_new();
	cur_ft = frames_new(pool);
	return pool;
}

static void test_pool_free(struct strpool *pool)
{
	frames_free(cur_ft);
	cur_ft = NULL;
	strpool_free(pool);
}

/* Feeds buf in chunks of `chunk` bytes (0 = at once). */
static int run_buf(struct strpool *pool, struct collector *c, const char *buf, size_t len,
		   size_t chunk, int with_pids, struct vgt_error *err)
{
	struct vgt_sink sink = {collect, NULL, with_pids ? more_input : NULL, c, NULL};
	c->first.path = "test";
	ck_assert_ptr_eq(frames_pool(cur_ft), pool);
	struct text_reader *r = text_reader_new(cur_ft, &c->first, &sink);
	int rc = 0;
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	for (size_t off = 0; off < len && rc == 0; off += chunk)
		rc = text_reader_feed(r, buf + off, len - off < chunk ? len - off : chunk, err);
	if (rc == 0)
		rc = text_reader_finish(r, err);
	text_reader_free(r);
	return rc;
}

static int run_file(struct strpool *pool, struct collector *c, const char *name, size_t chunk,
		    struct vgt_error *err)
{
	size_t len;
	char *buf = slurp(name, &len);
	int rc = run_buf(pool, c, buf, len, chunk, 1, err);
	free(buf);
	return rc;
}

/* The pid in the first "==PID==" line of a log. */
/* valgrind -v's used_suppression lines (issue 24). */
START_TEST(used_suppression_counts)
{
	const char *log = "==7== Memcheck, a memory error detector\n"
			  "==7== HEAP SUMMARY:\n"
			  "--7-- used_suppression:      2 with spaces in it x.supp:4 suppressed: "
			  "1,203 bytes in 2 blocks\n"
			  "--7-- used_suppression:      1 cond-entry /a/b.supp:25\n"
			  "--7-- used_suppression: x not-a-count x.supp:1\n";
	struct strpool *pool = test_pool_new();
	struct collector c;
	memset(&c, 0, sizeof(c));
	struct vgt_error err;
	ck_assert_int_eq(run_buf(pool, &c, log, strlen(log), 13, 0, &err), 0);
	ck_assert(c.first.suppcounts_seen);
	ck_assert_uint_eq(c.first.n_suppcounts, 2);
	ck_assert_str_eq(c.first.suppcounts[0].name, "with spaces in it");
	ck_assert_uint_eq(c.first.suppcounts[0].count, 2);
	ck_assert_str_eq(c.first.suppcounts[1].name, "cond-entry");
	ck_assert_uint_eq(c.first.suppcounts[1].count, 1);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

static long first_pid(const char *name)
{
	size_t len;
	char *buf = slurp(name, &len);
	long pid = -1;
	ck_assert_int_eq(sscanf(buf, "==%ld==", &pid), 1);
	free(buf);
	return pid;
}

/* The address of the first frame line following the text `after`. */
static unsigned long long ip_after(const char *name, const char *after)
{
	size_t len;
	char *buf = slurp(name, &len);
	const char *p = strstr(buf, after);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, " at 0x");
	ck_assert_ptr_nonnull(p);
	unsigned long long ip = strtoull(p + 4, NULL, 16);
	free(buf);
	return ip;
}

static void assert_frame(const struct vgt_frame *f, const char *fn, const char *file,
			 unsigned line, const char *obj)
{
	if (fn == NULL)
		ck_assert_ptr_null(f->fn);
	else
		ck_assert_str_eq(f->fn, fn);
	if (file == NULL)
		ck_assert_ptr_null(f->file);
	else
		ck_assert_str_eq(f->file, file);
	ck_assert_uint_eq(f->line, line);
	if (obj == NULL)
		ck_assert_ptr_null(f->obj);
	else
		ck_assert_str_eq(f->obj, obj);
	ck_assert_ptr_null(f->dir);
	ck_assert_uint_ne(f->ip, 0);
}

/* A libc frame: valgrind prints its file:line when libc's debug info is
 * installed (as where testdata/ was made), else "(in …libc.so.6)". */
static void assert_libc_frame(const struct vgt_frame *f, const char *fn, const char *file,
			      unsigned line)
{
	if (f->obj != NULL) {
		ck_assert_str_eq(f->fn, fn);
		ck_assert_ptr_nonnull(strstr(f->obj, "libc"));
		ck_assert_ptr_null(f->file);
	} else {
		assert_frame(f, fn, file, line, NULL);
	}
}

#define PRELOAD "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so"

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

START_TEST(kinds_log_records)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "kinds.log", 0, &err), 0);
	ck_assert_str_eq(err.message, "");

	static const enum vgt_kind expect[] = {
		VGT_KIND_INVALID_WRITE, VGT_KIND_INVALID_READ, VGT_KIND_INVALID_READ,
		VGT_KIND_INVALID_FREE, VGT_KIND_UNINIT_CONDITION, VGT_KIND_SYSCALL_PARAM,
		VGT_KIND_UNINIT_VALUE, VGT_KIND_OVERLAP, VGT_KIND_FISHY_VALUE,
		VGT_KIND_CLIENT_CHECK, VGT_KIND_LEAK_STILL_REACHABLE,
		VGT_KIND_LEAK_POSSIBLY_LOST, VGT_KIND_LEAK_INDIRECTLY_LOST,
		VGT_KIND_LEAK_DEFINITELY_LOST, VGT_KIND_LEAK_DEFINITELY_LOST,
	};
	size_t nexpect = sizeof(expect) / sizeof(expect[0]);
	ck_assert_uint_eq(c.n, nexpect);
	ck_assert_uint_eq(c.first.records, nexpect);
	ck_assert_uint_eq(c.nmore, 0);
	long pid = first_pid("kinds.log");
	for (size_t i = 0; i < nexpect; i++) {
		ck_assert_msg(c.recs[i].rec.kind == expect[i], "record %zu: kind %d, expected %d",
			      i, c.recs[i].rec.kind, expect[i]);
		ck_assert_str_eq(c.recs[i].rec.kind_name, kind_info(expect[i])->name);
		ck_assert_int_eq(c.recs[i].rec.pid, pid);
		ck_assert_ptr_eq(c.recs[i].input, &c.first);
		ck_assert_uint_ge(c.recs[i].rec.stack.count, 2);
	}

	/* Invalid write: stack, then the alloc'd block as aux. */
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_str_eq(r->what, "Invalid write of size 4");
	ck_assert_uint_eq(r->stack.count, 2);
	assert_frame(stack_frame(cur_ft, &r->stack, 0), "invalid_access", "kinds.c", 24, NULL);
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "main", "kinds.c", 93, NULL);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 0)->ip, ip_after("kinds.log", "Invalid write of size 4"));
	ck_assert(strncmp(r->auxwhat, "Address 0x", 10) == 0);
	ck_assert(ends_with(r->auxwhat, "is 0 bytes after a block of size 40 alloc'd"));
	ck_assert_uint_eq(r->aux_stack.count, 3);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 0), "malloc", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 1), "invalid_access", "kinds.c", 23, NULL);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->aux_stack, 0)->ip, ip_after("kinds.log", "is 0 bytes after"));

	/* Read after free: aux is the free stack, not the alloc stack. */
	r = &c.recs[2].rec;
	assert_frame(stack_frame(cur_ft, &r->stack, 0), "invalid_access", "kinds.c", 27, NULL);
	ck_assert(ends_with(r->auxwhat, "is 0 bytes inside a block of size 40 free'd"));
	ck_assert_uint_eq(r->aux_stack.count, 3);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 0), "free", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 1), "invalid_access", "kinds.c", 26, NULL);
	/* ... and "Block was alloc'd at" with its own stack (issue 26) */
	ck_assert_str_eq(r->auxwhat2, "Block was alloc'd at");
	ck_assert_uint_gt(r->aux_stack2.count, 0);
	assert_frame(stack_frame(cur_ft, &r->aux_stack2, 0), "malloc", NULL, 0, PRELOAD);

	/* Invalid free. */
	r = &c.recs[3].rec;
	ck_assert_str_eq(r->what, "Invalid free() / delete / delete[] / realloc()");
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "bad_frees", "kinds.c", 36, NULL);

	/* Uninitialised condition, with its origin. */
	r = &c.recs[4].rec;
	ck_assert_str_eq(r->what, "Conditional jump or move depends on uninitialised value(s)");
	ck_assert_str_eq(r->auxwhat, "Uninitialised value was created by a heap allocation");
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 1), "uninitialised", "kinds.c", 41, NULL);

	/* Syscall param: the first aux line has no stack; the origin's
	 * stack (after "in frame #1…" and the origin line) is the aux stack. */
	r = &c.recs[5].rec;
	ck_assert_str_eq(r->what, "Syscall param write(buf) points to uninitialised byte(s)");
	assert_libc_frame(stack_frame(cur_ft, &r->stack, 0), "write", "write.c", 26);
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "uninitialised", "kinds.c", 46, NULL);
	ck_assert(ends_with(r->auxwhat, "is on thread 1's stack"));
	ck_assert_uint_eq(r->aux_stack.count, 3);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 0), "malloc", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &r->aux_stack, 1), "uninitialised", "kinds.c", 41, NULL);

	ck_assert_str_eq(c.recs[6].rec.what, "Use of uninitialised value of size 8");
	assert_frame(stack_frame(cur_ft, &c.recs[6].rec.stack, 0), "uninitialised", "kinds.c", 50, NULL);
	ck_assert(strncmp(c.recs[7].rec.what, "Source and destination overlap in strncpy(", 42) == 0);
	assert_frame(stack_frame(cur_ft, &c.recs[7].rec.stack, 0), "strncpy", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &c.recs[7].rec.stack, 1), "overlap", "kinds.c", 58, NULL);
	ck_assert_str_eq(c.recs[8].rec.what, "Argument 'size' of function malloc has a fishy "
					     "(possibly negative) value: -9223372036854775808");
	ck_assert_str_eq(c.recs[9].rec.what, "Uninitialised byte(s) found during client check request");
	assert_frame(stack_frame(cur_ft, &c.recs[9].rec.stack, 0), "client_check", "kinds.c", 70, NULL);

	/* Loss records, as printed: 48 reachable, 64 possibly, 64 in 2
	 * indirectly, 96 (32 direct, 64 indirect) in 1 and 500 in 5 definitely. */
	static const struct {
		uint64_t bytes, blocks, direct, indirect;
		unsigned line;
	} leaks[] = {
		{48, 1, 48, 0, 87}, {64, 1, 64, 0, 88}, {64, 2, 64, 0, 79},
		{96, 1, 32, 64, 79}, {500, 5, 500, 0, 86},
	};
	for (size_t i = 0; i < 5; i++) {
		r = &c.recs[10 + i].rec;
		ck_assert_uint_eq(r->bytes, leaks[i].bytes);
		ck_assert_uint_eq(r->blocks, leaks[i].blocks);
		ck_assert_uint_eq(r->direct_bytes, leaks[i].direct);
		ck_assert_uint_eq(r->indirect_bytes, leaks[i].indirect);
		ck_assert_int_eq(r->has_delta, 0);
		ck_assert_uint_eq(r->stack.count, 3);
		assert_frame(stack_frame(cur_ft, &r->stack, 0), "malloc", NULL, 0, PRELOAD);
		assert_frame(stack_frame(cur_ft, &r->stack, 1), "leaks", "kinds.c", leaks[i].line, NULL);
		assert_frame(stack_frame(cur_ft, &r->stack, 2), "main", "kinds.c", 99, NULL);
		ck_assert_ptr_null(r->auxwhat);
	}
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

START_TEST(kinds_log_input_and_summaries)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "kinds.log", 0, &err), 0);
	const struct vgt_input *in = &c.first;
	ck_assert_str_eq(in->tool, "memcheck");
	ck_assert_str_eq(in->command, "./kinds");
	ck_assert_str_eq(in->format, "text");
	ck_assert_int_eq(in->pid, first_pid("kinds.log"));
	ck_assert_int_eq(in->complete, 1);
	ck_assert_int_eq(in->finished, 1);
	ck_assert_ptr_null(in->fatal_signal);
	const struct vgt_valgrind_summary *vg = &in->vg;
	ck_assert_int_eq(vg->has_leak_summary, 1);
	ck_assert_uint_eq(vg->definitely_lost.bytes, 532);
	ck_assert_uint_eq(vg->definitely_lost.blocks, 6);
	ck_assert_uint_eq(vg->indirectly_lost.bytes, 64);
	ck_assert_uint_eq(vg->indirectly_lost.blocks, 2);
	ck_assert_uint_eq(vg->possibly_lost.bytes, 64);
	ck_assert_uint_eq(vg->possibly_lost.blocks, 1);
	ck_assert_uint_eq(vg->still_reachable.bytes, 48);
	ck_assert_uint_eq(vg->still_reachable.blocks, 1);
	ck_assert_uint_eq(vg->suppressed.bytes, 0);
	ck_assert_int_eq(vg->has_error_summary, 1);
	ck_assert_uint_eq(vg->errors, 13);
	ck_assert_uint_eq(vg->error_contexts, 13);
	ck_assert_uint_eq(vg->suppressed_errors, 0);

	/* Cross-check: valgrind's summary counts direct bytes, as the ranker
	 * adds the records up... */
	struct vgt_amount parsed[4];
	struct vgt_report *ranked = report_new();
	/* the records' frame ids are those of the table they were read into */
	struct frame_table *own = ranked->frames;
	ranked->frames = cur_ft;
	struct vgt_input *ranked_in = report_add_input(ranked, "test", "text");
	for (size_t i = 0; i < c.n; i++)
		sites_add_record(ranked, ranked_in, &c.recs[i].rec);
	sites_input_amounts(ranked, ranked_in, parsed);
	ranked->frames = own;
	report_free(ranked);
	char msg[512];
	ck_assert_int_eq(reader_summary_mismatch(in, parsed, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	/* ...so summing <leakedbytes> (direct + indirect) over-counts. */
	struct vgt_amount naive[4] = {{0, 0}};
	for (size_t i = 0; i < c.n; i++)
		if (c.recs[i].rec.kind == VGT_KIND_LEAK_DEFINITELY_LOST) {
			naive[0].bytes += c.recs[i].rec.bytes;
			naive[0].blocks += c.recs[i].rec.blocks;
		}
	naive[1] = parsed[1];
	naive[2] = parsed[2];
	naive[3] = parsed[3];
	ck_assert_uint_eq(naive[0].bytes, 596);
	ck_assert_int_eq(reader_summary_mismatch(in, naive, msg, sizeof(msg)), 2);
	ck_assert_ptr_nonnull(strstr(msg, "definitely lost 532 bytes in 6 blocks"));
	ck_assert_ptr_nonnull(strstr(msg, "596"));
	/* A kind with no records at all: hidden by --show-leak-kinds. */
	parsed[3].bytes = parsed[3].blocks = 0;
	ck_assert_int_eq(reader_summary_mismatch(in, parsed, msg, sizeof(msg)), 1);
	ck_assert_ptr_nonnull(strstr(msg, "still reachable 48 bytes in 1 blocks"));
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* Everything a reader run produced, as one comparable string. */
static char *dump(const struct collector *c)
{
	size_t cap = 0, n = 0;
	char *s = NULL;
#define PUT(...)                                                                     \
	do {                                                                          \
		int put_n = snprintf(NULL, 0, __VA_ARGS__);                              \
		s = xgrow(s, &cap, n + (size_t)put_n + 1, 1);                           \
		snprintf(s + n, (size_t)put_n + 1, __VA_ARGS__);                        \
		n += (size_t)put_n;                                                    \
	} while (0)
	PUT("%s", "");
	for (size_t i = 0; i < c->n; i++) {
		const struct vgt_record *r = &c->recs[i].rec;
		PUT("rec %ld %s|%s|%llu/%llu d%llu i%llu delta%d %lld/%lld aux=%s input=%ld\n",
		    r->pid, r->kind_name, r->what, (unsigned long long)r->bytes,
		    (unsigned long long)r->blocks, (unsigned long long)r->direct_bytes,
		    (unsigned long long)r->indirect_bytes, r->has_delta,
		    (long long)r->delta_bytes, (long long)r->delta_blocks,
		    r->auxwhat ? r->auxwhat : "-", c->recs[i].input->pid);
		const struct vgt_stack *stacks[2] = {&r->stack, &r->aux_stack};
		for (int k = 0; k < 2; k++)
			for (size_t f = 0; f < stacks[k]->count; f++) {
				const struct vgt_frame *fr = stack_frame(cur_ft, stacks[k], f);
				PUT(" %d %llx %s %s %s:%u\n", k, (unsigned long long)fr->ip,
				    fr->fn ? fr->fn : "???", fr->obj ? fr->obj : "-",
				    fr->file ? fr->file : "-", fr->line);
			}
	}
	const struct vgt_input *ins[1 + MAX_INPUTS];
	ins[0] = &c->first;
	for (size_t i = 0; i < c->nmore; i++)
		ins[1 + i] = &c->more[i];
	for (size_t i = 0; i < 1 + c->nmore; i++) {
		const struct vgt_input *in = ins[i];
		PUT("input %ld ppid %ld %s %s complete %d finished %d records %zu "
		    "leak %d %llu/%llu %llu/%llu %llu/%llu %llu/%llu errors %d %llu %llu\n",
		    in->pid, in->ppid, in->tool ? in->tool : "-", in->command ? in->command : "-",
		    in->complete, in->finished, in->records, in->vg.has_leak_summary,
		    (unsigned long long)in->vg.definitely_lost.bytes,
		    (unsigned long long)in->vg.definitely_lost.blocks,
		    (unsigned long long)in->vg.indirectly_lost.bytes,
		    (unsigned long long)in->vg.indirectly_lost.blocks,
		    (unsigned long long)in->vg.possibly_lost.bytes,
		    (unsigned long long)in->vg.possibly_lost.blocks,
		    (unsigned long long)in->vg.still_reachable.bytes,
		    (unsigned long long)in->vg.still_reachable.blocks, in->vg.has_error_summary,
		    (unsigned long long)in->vg.errors, (unsigned long long)in->vg.error_contexts);
	}
#undef PUT
	return s;
}

START_TEST(chunking_does_not_matter)
{
	static const char *const files[] = {"kinds.log",     "fork.log",        "chatty.log",
					    "mismatch.log",  "truncated.log",   "vgdb_first.txt",
					    "vgdb_increased.txt", "vgdb_monitor.txt", "fds.log"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct strpool *pool = test_pool_new();
		struct collector whole = {0}, bytes = {0}, sevens = {0};
		struct vgt_error e1 = {0}, e2 = {0}, e3 = {0};
		ck_assert_int_eq(run_file(pool, &whole, files[i], 0, &e1), 0);
		ck_assert_int_eq(run_file(pool, &bytes, files[i], 1, &e2), 0);
		ck_assert_int_eq(run_file(pool, &sevens, files[i], 7, &e3), 0);
		char *a = dump(&whole), *b = dump(&bytes), *d = dump(&sevens);
		ck_assert_uint_gt(whole.n, 0);
		ck_assert_msg(strcmp(a, b) == 0, "%s: byte by byte differs:\n%s\n---\n%s", files[i], a, b);
		ck_assert_msg(strcmp(a, d) == 0, "%s: 7-byte chunks differ", files[i]);
		ck_assert_str_eq(e1.message, e2.message);
		ck_assert_str_eq(e1.message, e3.message);
		free(a);
		free(b);
		free(d);
		collector_free(&whole);
		collector_free(&bytes);
		collector_free(&sevens);
		test_pool_free(pool);
	}
}
END_TEST

/* fork.log: the parent, a forked child and an exec'd child. */
static void check_fork_result(const struct collector *c, long parent)
{
	ck_assert_uint_eq(c->nmore, 2);
	const struct vgt_input *par = &c->first, *kid = &c->more[0], *exec = &c->more[1];
	ck_assert_int_eq(par->pid, parent);
	ck_assert_int_gt(kid->pid, 0);
	ck_assert_int_gt(exec->pid, 0);
	ck_assert_int_ne(kid->pid, parent);
	ck_assert_int_ne(exec->pid, kid->pid);
	ck_assert_str_eq(par->command, "./fork");
	ck_assert_ptr_null(kid->command); /* a fork has no preamble of its own */
	ck_assert_str_eq(exec->command, "./fork exec");
	ck_assert_str_eq(kid->path, "test");
	ck_assert_uint_eq(par->records, 1);
	ck_assert_uint_eq(kid->records, 2);
	ck_assert_uint_eq(exec->records, 1);
	ck_assert_uint_eq(par->vg.definitely_lost.bytes, 33);
	ck_assert_uint_eq(kid->vg.definitely_lost.bytes, 77);
	ck_assert_uint_eq(exec->vg.definitely_lost.bytes, 55);
	ck_assert_uint_eq(par->vg.errors, 1);
	ck_assert_uint_eq(kid->vg.errors, 2);
	ck_assert_uint_eq(exec->vg.errors, 1);
	for (int i = 0; i < 3; i++) {
		const struct vgt_input *in = i == 0 ? par : i == 1 ? kid : exec;
		ck_assert_int_eq(in->complete, 1);
		ck_assert_int_eq(in->finished, 1);
	}
	ck_assert_uint_eq(c->n, 4);
	for (size_t i = 0; i < c->n; i++) {
		const struct got *g = &c->recs[i];
		ck_assert_int_eq(g->rec.pid, g->input->pid);
		if (g->input == kid && g->rec.kind == VGT_KIND_UNINIT_CONDITION) {
			assert_frame(stack_frame(cur_ft, &g->rec.stack, 0), "forked_child", "fork.c", 22, NULL);
			assert_frame(stack_frame(cur_ft, &g->rec.aux_stack, 1), "forked_child", "fork.c", 21, NULL);
		} else {
			ck_assert_int_eq(g->rec.kind, VGT_KIND_LEAK_DEFINITELY_LOST);
			uint64_t want = g->input == par ? 33 : g->input == kid ? 77 : 55;
			unsigned line = g->input == par ? 45 : g->input == kid ? 35 : 30;
			ck_assert_uint_eq(g->rec.bytes, want);
			ck_assert_uint_eq(g->rec.blocks, 1);
			assert_frame(stack_frame(cur_ft, &g->rec.stack, 1), "leak", "fork.c", 14, NULL);
			const struct vgt_frame *last = stack_frame(cur_ft, &g->rec.stack, g->rec.stack.count - 1);
			assert_frame(last, "main", "fork.c", line, NULL);
		}
	}
}

START_TEST(fork_log_keeps_pids_apart)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "fork.log", 0, &err), 0);
	check_fork_result(&c, first_pid("fork.log"));
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* The same log with the processes' lines dealt out round robin, as
 * concurrent processes can write them. */
START_TEST(fork_log_interleaved_line_by_line)
{
	size_t len;
	char *buf = slurp("fork.log", &len);
	char *lines[512];
	long pids[512];
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && n < 512;
	     l = strtok_r(NULL, "\n", &save)) {
		lines[n] = l;
		ck_assert_int_eq(sscanf(l, "==%ld==", &pids[n]), 1);
		n++;
	}
	/* Queues per pid, in first-seen order; the parent's first line first. */
	long order[8];
	size_t norder = 0, next[8] = {0};
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < norder && order[k] != pids[i])
			k++;
		if (k == norder)
			order[norder++] = pids[i];
	}
	char *out = xmalloc(len + 2);
	size_t used = 0, left = n;
	while (left > 0) {
		for (size_t k = 0; k < norder; k++) {
			while (next[k] < n && pids[next[k]] != order[k])
				next[k]++;
			if (next[k] < n) {
				size_t l = strlen(lines[next[k]]);
				memcpy(out + used, lines[next[k]], l);
				used += l;
				out[used++] = '\n';
				next[k]++;
				left--;
			}
		}
	}
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(norder, 3);
	size_t olen;
	char *orig = slurp("fork.log", &olen);
	ck_assert(memcmp(out, orig, len) != 0); /* really reordered */
	free(orig);
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, out, used, 0, 1, &err), 0);
	check_fork_result(&c, order[0]);
	collector_free(&c);

	/* Without input_for_pid, every pid shares the first input, whose
	 * summaries add up. */
	struct collector one = {0};
	ck_assert_int_eq(run_buf(pool, &one, out, used, 0, 0, &err), 0);
	ck_assert_uint_eq(one.nmore, 0);
	ck_assert_uint_eq(one.n, 4);
	ck_assert_uint_eq(one.first.records, 4);
	ck_assert_uint_eq(one.first.vg.definitely_lost.bytes, 33 + 77 + 55);
	ck_assert_uint_eq(one.first.vg.definitely_lost.blocks, 3);
	ck_assert_uint_eq(one.first.vg.errors, 4);
	ck_assert_int_eq(one.first.complete, 1);
	collector_free(&one);
	test_pool_free(pool);
	free(out);
	free(buf);
}
END_TEST

START_TEST(chatty_log_ignores_program_output)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "chatty.log", 0, &err), 0);
	ck_assert_uint_eq(c.n, 4);
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_INVALID_WRITE);
	ck_assert_str_eq(r->what, "Invalid write of size 1");
	ck_assert_uint_eq(r->stack.count, 1);
	assert_frame(stack_frame(cur_ft, &r->stack, 0), "main", "chatty.c", 19, NULL);
	ck_assert_uint_eq(r->aux_stack.count, 3);
	static const uint64_t bytes[] = {40, 1000, 2000};
	static const unsigned lines[] = {18, 22, 23};
	for (size_t i = 0; i < 3; i++) {
		r = &c.recs[1 + i].rec;
		ck_assert_int_eq(r->kind, VGT_KIND_LEAK_DEFINITELY_LOST);
		ck_assert_uint_eq(r->bytes, bytes[i]);
		ck_assert_uint_eq(r->blocks, 1);
		ck_assert_uint_eq(r->stack.count, 3);
		assert_frame(stack_frame(cur_ft, &r->stack, 1), "leak_one", "chatty.c", 10, NULL);
		assert_frame(stack_frame(cur_ft, &r->stack, 2), "main", "chatty.c", lines[i], NULL);
	}
	for (size_t i = 0; i < c.n; i++)
		for (size_t f = 0; f < c.recs[i].rec.stack.count; f++)
			ck_assert(stack_frame(cur_ft, &c.recs[i].rec.stack, f)->ip != 0x1234);
	ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 3040);
	ck_assert_uint_eq(c.first.vg.errors, 4);
	ck_assert_int_eq(c.first.complete, 1);
	ck_assert_uint_eq(c.nmore, 0);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

START_TEST(mismatch_log_cxx_names)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "mismatch.log", 0, &err), 0);
	ck_assert_uint_eq(c.n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(c.recs[i].rec.kind, VGT_KIND_MISMATCHED_FREE);
		ck_assert_str_eq(c.recs[i].rec.kind_name, "MismatchedFree");
		ck_assert_str_eq(c.recs[i].rec.what, "Mismatched free() / delete / delete []");
	}
	assert_frame(stack_frame(cur_ft, &c.recs[0].rec.stack, 0), "free", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &c.recs[0].rec.stack, 1), "main", "mismatch.cpp", 8, NULL);
	assert_frame(stack_frame(cur_ft, &c.recs[0].rec.aux_stack, 0), "operator new[](unsigned long)", NULL, 0,
		     PRELOAD);
	assert_frame(stack_frame(cur_ft, &c.recs[1].rec.stack, 0), "operator delete(void*, unsigned long)",
		     NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &c.recs[1].rec.aux_stack, 1), "main", "mismatch.cpp", 9, NULL);
	/* No leaks: "All heap blocks were freed" is valgrind's summary that
	 * every figure is 0 (known), and the run finished. */
	ck_assert_int_eq(c.first.vg.has_leak_summary, 1);
	ck_assert_uint_eq(c.first.vg.known, VGT_SUMMARY_ALL);
	ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 0);
	ck_assert_uint_eq(c.first.vg.errors, 2);
	ck_assert_int_eq(c.first.complete, 1);
	ck_assert_int_eq(c.first.finished, 1);
	char msg[256];
	struct vgt_amount none[4] = {{0, 0}};
	ck_assert_int_eq(reader_summary_mismatch(&c.first, none, msg, sizeof(msg)), 0);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

START_TEST(truncated_log_keeps_complete_records)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	size_t len;
	char *buf = slurp("truncated.log", &len);
	long nlines = 0;
	for (size_t i = 0; i < len; i++)
		nlines += buf[i] == '\n';
	ck_assert(buf[len - 1] != '\n'); /* cut mid-line */
	free(buf);
	ck_assert_int_eq(run_file(pool, &c, "truncated.log", 0, &err), 0);
	/* 10 errors and 3 loss records were complete; the 4th loss record
	 * ("96 (32 direct, 64 indirect) bytes in 1 blocks") lost its stack
	 * in its third frame line: it is kept with the two frames that
	 * arrived whole. */
	ck_assert_uint_eq(c.n, 14);
	const struct vgt_record *r = &c.recs[13].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_LEAK_DEFINITELY_LOST);
	ck_assert_uint_eq(r->bytes, 96);
	ck_assert_uint_eq(r->direct_bytes, 32);
	ck_assert_uint_eq(r->indirect_bytes, 64);
	ck_assert_uint_eq(r->stack.count, 2);
	assert_frame(stack_frame(cur_ft, &r->stack, 0), "malloc", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "leaks", "kinds.c", 79, NULL);
	ck_assert_int_eq(c.recs[12].rec.kind, VGT_KIND_LEAK_INDIRECTLY_LOST);
	ck_assert_int_eq(c.first.complete, 0);
	ck_assert_int_eq(c.first.finished, 0);
	ck_assert_int_eq(c.first.vg.has_leak_summary, 0);
	ck_assert_int_eq(c.first.vg.has_error_summary, 0);
	ck_assert_int_eq(err.line, nlines + 1);
	ck_assert_int_eq(c.first.stop_line, nlines + 1);
	ck_assert_ptr_nonnull(strstr(err.message, "ends before its summary"));
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* --track-fds=yes: a descriptor opened by the program and left open is a
 * FdNotClosed record; inherited ones have no stack and are no records. */
START_TEST(fds_log_open_descriptor)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "fds.log", 0, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_FD_NOT_CLOSED);
	ck_assert_str_eq(r->kind_name, "FdNotClosed");
	ck_assert_str_eq(r->what, "Open file descriptor 3: /dev/null");
	ck_assert_uint_eq(r->stack.count, 2);
	assert_libc_frame(stack_frame(cur_ft, &r->stack, 0), "open", "open64.c", 41);
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "main", "fds.c", 13, NULL);
	ck_assert_int_eq(c.first.vg.has_leak_summary, 1); /* "All heap blocks were freed" */
	ck_assert_uint_eq(c.first.vg.known, VGT_SUMMARY_ALL);
	ck_assert_uint_eq(c.first.vg.errors, 0);
	ck_assert_int_eq(c.first.complete, 1);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* A message cut before any frame arrived is not a record. */
START_TEST(record_without_frames_is_dropped)
{
	size_t len;
	char *buf = slurp("kinds.log", &len);
	const char *cut = strstr(buf, "Invalid read of size 4");
	ck_assert_ptr_nonnull(cut);
	size_t at = (size_t)(strchr(cut, '\n') - buf) + 1;
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, buf, at, 0, 1, &err), 0);
	ck_assert_uint_eq(c.n, 1); /* the invalid write only */
	ck_assert_int_eq(c.recs[0].rec.kind, VGT_KIND_INVALID_WRITE);
	ck_assert_int_eq(c.first.complete, 0);
	collector_free(&c);
	test_pool_free(pool);
	free(buf);
}
END_TEST

START_TEST(vgdb_increased_deltas)
{
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_file(pool, &c, "vgdb_first.txt", 0, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_uint_eq(r->bytes, 3200);
	ck_assert_uint_eq(r->blocks, 100);
	ck_assert_int_eq(r->has_delta, 1);
	ck_assert_int_eq(r->delta_bytes, 3200);
	ck_assert_int_eq(r->delta_blocks, 100);
	collector_free(&c);

	ck_assert_int_eq(run_file(pool, &c, "vgdb_increased.txt", 0, &err), 0);
	ck_assert_str_eq(err.message, "");
	ck_assert_uint_eq(c.n, 1);
	r = &c.recs[0].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_LEAK_DEFINITELY_LOST);
	ck_assert_uint_eq(r->bytes, 4800);
	ck_assert_uint_eq(r->blocks, 150);
	ck_assert_uint_eq(r->direct_bytes, 4800);
	ck_assert_int_eq(r->has_delta, 1);
	ck_assert_int_eq(r->delta_bytes, 1600);
	ck_assert_int_eq(r->delta_blocks, 50);
	ck_assert_uint_eq(r->stack.count, 4);
	assert_frame(stack_frame(cur_ft, &r->stack, 0), "malloc", NULL, 0, PRELOAD);
	assert_frame(stack_frame(cur_ft, &r->stack, 1), "leak_tick", "leakloop.c", 23, NULL);
	assert_frame(stack_frame(cur_ft, &r->stack, 2), "leak_n", "leakloop.c", 38, NULL);
	assert_frame(stack_frame(cur_ft, &r->stack, 3), "main", "leakloop.c", 52, NULL);
	ck_assert_int_eq(c.first.vg.has_leak_summary, 1);
	ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 4800);
	ck_assert_uint_eq(c.first.vg.definitely_lost.blocks, 150);
	ck_assert_uint_eq(c.first.vg.still_reachable.bytes, 4096);
	ck_assert_int_eq(c.first.vg.has_error_summary, 0);
	ck_assert_int_eq(c.first.complete, 1); /* a whole leak search */
	ck_assert_int_eq(c.first.finished, 0); /* the program still runs */
	collector_free(&c);

	/* Through gdb's monitor command, with gdb's own line after it. */
	ck_assert_int_eq(run_file(pool, &c, "vgdb_monitor.txt", 0, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.recs[0].rec.bytes, 6400);
	ck_assert_uint_eq(c.recs[0].rec.blocks, 200);
	ck_assert_int_eq(c.recs[0].rec.delta_bytes, 1600);
	ck_assert_int_eq(c.recs[0].rec.delta_blocks, 50);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* Removes "==PID== " from the start of every line. */
static char *strip_prefixes(const char *in, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0, i = 0;
	while (i < len) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - in) + 1 : len;
		size_t j = i;
		if (end - i > 2 && in[j] == '=' && in[j + 1] == '=') {
			j += 2;
			while (j < end && in[j] >= '0' && in[j] <= '9')
				j++;
			j += 2;
			if (j < end && in[j] == ' ')
				j++;
		}
		memcpy(out + n, in + j, end - j);
		n += end - j;
		i = end;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* valgrind versions whose monitor output comes without prefixes: the same
 * capture with them removed by hand. */
START_TEST(vgdb_unprefixed)
{
	size_t len, n;
	char *buf = slurp("vgdb_increased.txt", &len);
	char *bare = strip_prefixes(buf, len, &n);
	ck_assert(strncmp(bare, "4,800 (+1,600) bytes in 150 (+50) blocks", 40) == 0);
	ck_assert_ptr_nonnull(strstr(bare, "\n   at 0x"));
	struct strpool *pool = test_pool_new();
	struct collector c = {0}, ref = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &ref, buf, len, 0, 1, &err), 0);
	ck_assert_int_eq(run_buf(pool, &c, bare, n, 0, 1, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.recs[0].rec.bytes, 4800);
	ck_assert_int_eq(c.recs[0].rec.delta_bytes, 1600);
	ck_assert_uint_eq(c.recs[0].rec.stack.count, 4);
	assert_frame(stack_frame(cur_ft, &c.recs[0].rec.stack, 3), "main", "leakloop.c", 52, NULL);
	ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 4800);
	ck_assert_int_eq(c.first.complete, 1);
	collector_free(&c);
	collector_free(&ref);

	/* A negative delta, as "leak_check … changed" prints shrinking ones. */
	static const char shrink[] =
		"6,432 (-1,600) bytes in 201 (-50) blocks are definitely lost in loss record 10,685 of 11,112\n"
		"   at 0x48417B4: malloc (in " PRELOAD ")\n"
		"   by 0x1091DE: leak_tick (leakloop.c:23)\n"
		"\n";
	ck_assert_int_eq(run_buf(pool, &c, shrink, sizeof(shrink) - 1, 0, 1, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.recs[0].rec.bytes, 6432);
	ck_assert_uint_eq(c.recs[0].rec.blocks, 201);
	ck_assert_int_eq(c.recs[0].rec.delta_bytes, -1600);
	ck_assert_int_eq(c.recs[0].rec.delta_blocks, -50);
	ck_assert_int_eq(c.first.complete, 0); /* no LEAK SUMMARY */
	collector_free(&c);
	test_pool_free(pool);
	free(bare);
	free(buf);
}
END_TEST

START_TEST(no_valgrind_output_is_an_error)
{
	static const char *const inputs[] = {
		"", "hello\nworld\n", "   at 0x1234: fake (fake.c:1)\n", "==12x== no\n",
		"<?xml version=\"1.0\"?>\n<valgrindoutput>\n",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct strpool *pool = test_pool_new();
		struct collector c = {0};
		struct vgt_error err = {0};
		ck_assert_int_eq(run_buf(pool, &c, inputs[i], strlen(inputs[i]), 0, 1, &err), -1);
		ck_assert_str_eq(err.message, "no valgrind output found");
		ck_assert_int_eq(err.line, 1);
		ck_assert_int_eq(err.column, 1);
		ck_assert_uint_eq(c.n, 0);
		collector_free(&c);
		test_pool_free(pool);
	}
}
END_TEST

/* Hand-made variants of real lines: what 3.19 did not print here. */
START_TEST(frame_and_message_variants)
{
	static const char log[] =
		"==9== Memcheck, a memory error detector\n"
		"==9== Command: ./leaky --flag x\n"
		"==9== Parent PID: 7\n"
		"==9== \n"
		"==9== Thread 2:\n"
		"==9== Invalid read of size 8\n"
		"==9==    at 0x4A3D8F: ??? (in /usr/lib/x.so)\n"
		"==9==    by 0x1FFEFFF: ???\n"
		"==9==    by 0x10916D: inlined_fn (/src/app/leaky.c:12)\n"
		"==9==    by 0x10916D: main (leaky.c:30)\n"
		"==9==  Address 0x0 is not stack'd, malloc'd or (recently) free'd\n"
		"==9== \n"
		"==9== Some future complaint about 0x1234 things\n"
		"==9==    at 0x10916D: main (leaky.c:30)\n"
		"==9== \n"
		"==9== A note with no stack\n"
		"==9== \n"
		"==9== Invalid alignment value: 63 (should be non-zero and a power of 2)\n"
		"==9==    at 0x10916D: main (leaky.c:31)\n"
		"==9== Mismatched new/delete size value: 33\n"
		"==9==    at 0x10916D: main (leaky.c:32)\n"
		"==9== realloc() with size 0\r\n"
		"==9==    at 0x10916D: main (leaky.c:33)\r\n"
		"==9== Process terminating with default action of signal 11 (SIGSEGV)\n"
		"==9==  Access not within mapped region at address 0x0\n"
		"==9==    at 0x10916D: main (leaky.c:34)\n"
		"==9== \n"
		"--9-- a valgrind note\n"
		"==9== 1,234,567 (56 direct, 1,234,511 indirect) bytes in 3 blocks are possibly lost in loss record 7 of 9\n"
		"==9==    at 0x10916D: main (leaky.c:35)\n"
		"==9== \n"
		"==9== LEAK SUMMARY:\n"
		"==9==    definitely lost: 1,234 bytes in 5 bl"; /* cut: not taken */
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, log, sizeof(log) - 1, 0, 1, &err), 0);
	ck_assert_uint_eq(c.n, 6);
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_INVALID_READ);
	ck_assert_int_eq(r->tid, 2);
	ck_assert_uint_eq(r->stack.count, 4);
	ck_assert_ptr_null(stack_frame(cur_ft, &r->stack, 0)->fn);
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 0)->obj, "/usr/lib/x.so");
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 0)->ip, 0x4A3D8F);
	ck_assert_ptr_null(stack_frame(cur_ft, &r->stack, 1)->fn);
	ck_assert_ptr_null(stack_frame(cur_ft, &r->stack, 1)->obj);
	ck_assert_ptr_null(stack_frame(cur_ft, &r->stack, 1)->file);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 1)->ip, 0x1FFEFFF);
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 2)->dir, "/src/app");
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 2)->file, "leaky.c");
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 2)->line, 12);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 2)->ip, stack_frame(cur_ft, &r->stack, 3)->ip); /* inlined */
	ck_assert_str_eq(r->auxwhat, "Address 0x0 is not stack'd, malloc'd or (recently) free'd");
	ck_assert_uint_eq(r->aux_stack.count, 0);

	r = &c.recs[1].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_UNKNOWN);
	ck_assert_str_eq(r->kind_name, "Some future complaint about");
	ck_assert_str_eq(r->what, "Some future complaint about 0x1234 things");
	ck_assert_int_eq(r->tid, -1);
	ck_assert_int_eq(c.recs[2].rec.kind, VGT_KIND_INVALID_ALIGNMENT);
	ck_assert_int_eq(c.recs[3].rec.kind, VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE);
	ck_assert_uint_eq(stack_frame(cur_ft, &c.recs[3].rec.stack, 0)->line, 32);
	ck_assert_int_eq(c.recs[4].rec.kind, VGT_KIND_REALLOC_SIZE_ZERO);
	ck_assert_str_eq(c.recs[4].rec.what, "realloc() with size 0");
	ck_assert_uint_eq(stack_frame(cur_ft, &c.recs[4].rec.stack, 0)->line, 33);
	ck_assert_str_eq(c.first.fatal_signal, "SIGSEGV");
	r = &c.recs[5].rec;
	ck_assert_int_eq(r->kind, VGT_KIND_LEAK_POSSIBLY_LOST);
	ck_assert_uint_eq(r->bytes, 1234567);
	ck_assert_uint_eq(r->direct_bytes, 56);
	ck_assert_uint_eq(r->indirect_bytes, 1234511);
	ck_assert_uint_eq(r->blocks, 3);
	ck_assert_uint_eq(r->stack.count, 1);
	ck_assert_str_eq(c.first.command, "./leaky --flag x");
	ck_assert_int_eq(c.first.ppid, 7);
	ck_assert_int_eq(c.first.pid, 9);
	ck_assert_int_eq(c.first.vg.has_leak_summary, 1);
	ck_assert_uint_eq(c.first.vg.definitely_lost.bytes, 0);
	ck_assert_int_eq(c.first.complete, 1); /* LEAK SUMMARY seen */
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

/* The hand-made frame reading (no strtoull) keeps strtoull's answers:
 * either case, an ip too big for 64 bits is UINT64_MAX, "0x" with no
 * digit is ip 0 and the rest is the function, a line too big for
 * unsigned long is ULONG_MAX cast to unsigned; the one-pass search for
 * the location group finds what the paren-counting loop finds. */
START_TEST(frame_numbers_at_the_edges)
{
	static const char log[] =
		"==9== Memcheck, a memory error detector\n"
		"==9== Invalid read of size 8\n"
		"==9==    at 0xaBcDeF: f (a.c:7)\n"
		"==9==    by 0x1234567890ABCDEF0: g (a.c:99999999999999999999999)\n"
		"==9==    by 0xZ: h (b.c:4294967297)\n"
		"==9==    by 0x10: f(int) (in /lib/odd(1).so)\n"
		"==9==    by 0x11: g(x) ((c.c:5)\n"
		"==9== \n";
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, log, sizeof(log) - 1, 0, 1, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	const struct vgt_record *r = &c.recs[0].rec;
	ck_assert_uint_eq(r->stack.count, 5);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 0)->ip, 0xABCDEF);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 0)->line, 7);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 1)->ip, UINT64_MAX);
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 1)->fn, "g");
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 1)->line, (unsigned)ULONG_MAX);
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 2)->ip, 0);
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 2)->fn, "xZ: h");
	ck_assert_uint_eq(stack_frame(cur_ft, &r->stack, 2)->line,
			  (unsigned)strtoul("4294967297", NULL, 10));
	/* parentheses inside the location, or one too many: the last
	 * balanced group is the location, an unbalanced one none */
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 3)->fn, "f(int)");
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 3)->obj, "/lib/odd(1).so");
	ck_assert_str_eq(stack_frame(cur_ft, &r->stack, 4)->fn, "g(x) ((c.c:5)");
	ck_assert_ptr_null(stack_frame(cur_ft, &r->stack, 4)->file);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

START_TEST(messages_map_to_xml_kinds)
{
	static const struct {
		const char *what;
		enum vgt_kind kind;
	} cases[] = {
		{"Jump to the invalid address stated on the next line", VGT_KIND_INVALID_JUMP},
		{"Syscall param write(buf) points to unaddressable byte(s)", VGT_KIND_SYSCALL_PARAM},
		{"Syscall param exit(status) contains uninitialised byte(s)", VGT_KIND_SYSCALL_PARAM},
		{"Illegal memory pool address", VGT_KIND_INVALID_MEMPOOL},
		{"Unaddressable byte(s) found during client check request", VGT_KIND_CLIENT_CHECK},
		{"Invalid size value: 25 alignment value: 8 (size should be a multiple of alignment)",
		 VGT_KIND_INVALID_SIZE_AND_ALIGNMENT},
		{"Unsafe allocation with size of zero is implementation-defined", VGT_KIND_INVALID_SIZE},
		{"Mismatched new[]/delete[] size alloc value: 64 dealloc value: 63",
		 VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT},
		{"Mismatched new[][/delete[] size value: 33", VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE},
		{"File descriptor 5: /tmp/x is already closed", VGT_KIND_FD_BAD_CLOSE},
		{"Open file descriptor 3: /tmp/x", VGT_KIND_FD_NOT_CLOSED},
		{"Invalid free() / delete / delete[] / realloc()", VGT_KIND_INVALID_FREE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char log[512];
		int n = snprintf(log, sizeof(log), "==5== %s\n==5==    at 0x1: main (m.c:1)\n==5== \n",
				 cases[i].what);
		struct strpool *pool = test_pool_new();
		struct collector c = {0};
		struct vgt_error err = {0};
		ck_assert_int_eq(run_buf(pool, &c, log, (size_t)n, 0, 1, &err), 0);
		ck_assert_uint_eq(c.n, 1);
		ck_assert_msg(c.recs[0].rec.kind == cases[i].kind, "%s: kind %d", cases[i].what,
			      c.recs[0].rec.kind);
		ck_assert_str_eq(c.recs[0].rec.kind_name, kind_info(cases[i].kind)->name);
		collector_free(&c);
		test_pool_free(pool);
	}
}
END_TEST

START_TEST(sink_failure_stops_reading)
{
	size_t len;
	char *buf = slurp("kinds.log", &len);
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	c.fail_at = 3;
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, buf, len, 0, 1, &err), -1);
	ck_assert_str_eq(err.message, "sink says stop");
	ck_assert_int_eq(err.line, 33); /* the blank line that ends record 3 */
	ck_assert_uint_eq(c.n, 2);
	ck_assert_int_eq(c.first.complete, 0);
	collector_free(&c);
	test_pool_free(pool);
	free(buf);
}
END_TEST

/* Lines past the cap are dropped whole; the reader goes on after them. */
START_TEST(overlong_line_is_dropped)
{
	size_t big = 70 * 1024;
	char *log = xmalloc(big + 256);
	size_t n = (size_t)sprintf(log, "==7== Invalid read of size 4\n==7==    at 0x1: ");
	memset(log + n, 'f', big);
	n += big;
	n += (size_t)sprintf(log + n, " (x.c:1)\n==7==    by 0x2: main (x.c:2)\n==7== \n");
	struct strpool *pool = test_pool_new();
	struct collector c = {0};
	struct vgt_error err = {0};
	ck_assert_int_eq(run_buf(pool, &c, log, n, 4096, 1, &err), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.recs[0].rec.stack.count, 1);
	ck_assert_str_eq(stack_frame(cur_ft, &c.recs[0].rec.stack, 0)->fn, "main");
	collector_free(&c);
	test_pool_free(pool);
	free(log);
}
END_TEST

/* ---- client messages ---------------------------------------------------- */

struct order {
	char *text;
	size_t len, cap;
};

static void order_add(struct order *o, const char *kind, const char *what)
{
	size_t n = strlen(kind) + strlen(what) + 3;
	o->text = xgrow(o->text, &o->cap, o->len + n + 1, 1);
	o->len += (size_t)snprintf(o->text + o->len, n + 1, "%s %s\n", kind, what);
}

static int order_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
			struct vgt_error *err)
{
	(void)input;
	(void)err;
	order_add(ctx, "R", rec->has_delta ? "grown" : "whole");
	return 0;
}

static int order_message(void *ctx, struct vgt_input *input, const char *text,
			 struct vgt_error *err)
{
	(void)input;
	(void)err;
	order_add(ctx, "M", text);
	return 0;
}

/* Records and "**PID**" messages as one sequence, fed in chunks of step. */
static char *message_order(const char *buf, size_t len, size_t step)
{
	struct order o = {0};
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_input first = {0};
	first.path = "t.log";
	struct vgt_sink sink = {order_record, NULL, NULL, &o, order_message};
	struct text_reader *r = text_reader_new(ft, &first, &sink);
	struct vgt_error err;
	vgt_error_clear(&err);
	for (size_t off = 0; off < len; off += step)
		ck_assert_int_eq(text_reader_feed(r, buf + off, len - off < step ? len - off : step,
						  &err), 0);
	ck_assert_int_eq(text_reader_finish(r, &err), 0);
	text_reader_free(r);
	frames_free(ft);
	strpool_free(pool);
	order_add(&o, "", "");
	return o.text;
}

/* The C harness's text log (tests/fixtures/pertest): each marker after the
 * records before it, a record still open when a marker comes ended by it. */
START_TEST(client_messages_in_order)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/pertest_c.log", VGT_SRCDIR);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run tests/fixtures/pertest/make.sh)", path);
	char *buf = NULL;
	size_t cap = 0, len = 0, got;
	do {
		buf = xgrow(buf, &cap, len + 4096, 1);
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got > 0);
	fclose(f);
	char *whole = message_order(buf, len, len);
	const char *begin = strstr(whole, "M vgtriage:begin c_harness.c::test_leak_twice\n");
	const char *leak = strstr(whole, "R grown\n");
	const char *end = strstr(whole, "M vgtriage:end c_harness.c::test_leak_twice\n");
	ck_assert(begin != NULL && leak != NULL && end != NULL);
	ck_assert(begin < leak && leak < end);
	ck_assert(strncmp(whole, "M vgtriage:start c_harness\n", 27) == 0);
	const char *last = strstr(whole, "M vgtriage:end c_harness.c::test_clean\n");
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_null(strstr(last, "R grown"));
	ck_assert_ptr_nonnull(strstr(last, "R whole"));
	/* a record with no blank line before the next message still comes first */
	static const char cut[] = "==7== 32 (+32) bytes in 1 (+1) blocks are definitely lost in loss "
				  "record 1 of 1\n==7==    at 0x1: malloc (in /v.so)\n"
				  "**7** vgtriage:end t\n**7** vgtriage:begin u\n";
	char *two = message_order(cut, sizeof(cut) - 1, sizeof(cut) - 1);
	ck_assert_str_eq(two, "R grown\nM vgtriage:end t\nM vgtriage:begin u\n \n");
	free(two);
	char *bytewise = message_order(buf, len, 1);
	ck_assert_str_eq(bytewise, whole);
	free(bytewise);
	free(whole);
	free(buf);
}
END_TEST

/* valgrind's flags and failures (issue 20), on the real runs of
 * tests/fixtures/vgflags: -s repeats each error context after ERROR
 * SUMMARY with its count; -q writes no preamble and no summary; a leak
 * search valgrind aborts ends in its panic text. */
static uint64_t flag_counts[16][2];
static size_t n_flag_counts;

static int count_errors(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
			struct vgt_error *err)
{
	(void)ctx; (void)input; (void)err;
	if (n_flag_counts < 16) {
		flag_counts[n_flag_counts][0] = unique;
		flag_counts[n_flag_counts][1] = count;
		n_flag_counts++;
	}
	return 0;
}

static int read_flags_log(struct collector *c, const char *name, struct vgt_error *err)
{
	size_t len;
	char *buf = slurp(name, &len);
	struct vgt_sink sink = {collect, count_errors, NULL, c, NULL};
	c->first.path = name;
	c->first.complete = 1;
	n_flag_counts = 0;
	struct text_reader *r = text_reader_new(cur_ft, &c->first, &sink);
	int rc = text_reader_feed(r, buf, len, err);
	if (rc == 0)
		rc = text_reader_finish(r, err);
	text_reader_free(r);
	free(buf);
	return rc;
}

START_TEST(valgrind_flags_logs)
{
	struct strpool *pool = test_pool_new();
	struct collector c;
	struct vgt_error err;
	memset(&c, 0, sizeof(c));
	vgt_error_clear(&err);
	/* -s: 7 errors from 5 contexts; the list after ERROR SUMMARY gives
	 * counts, not records: the read past the end occurred 3 times */
	ck_assert_int_eq(read_flags_log(&c, "../vgflags_s.log", &err), 0);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_int_eq(c.first.occurrences_unknown, 0);
	uint64_t read_unique = 0;
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.recs[i].rec.kind_name, "InvalidRead") == 0)
			read_unique = c.recs[i].rec.unique;
	ck_assert_uint_ne(read_unique, 0);
	int found = 0;
	for (size_t i = 0; i < n_flag_counts; i++)
		if (flag_counts[i][0] == read_unique)
			found = flag_counts[i][1] == 3;
	ck_assert_int_eq(found, 1);
	collector_free(&c);

	/* -q: complete, finished, no summary, counts unknown */
	vgt_error_clear(&err);
	ck_assert_int_eq(read_flags_log(&c, "../vgflags_q_log.log", &err), 0);
	ck_assert_int_eq(c.first.complete, 1);
	ck_assert_int_eq(c.first.finished, 1);
	ck_assert_str_eq(err.message, "");
	ck_assert_int_eq(c.first.vg.has_error_summary, 0);
	ck_assert_int_eq(c.first.occurrences_unknown, 1);
	ck_assert_uint_eq(c.n, 5);
	collector_free(&c);

	/* valgrind aborted in its leak search: incomplete, no invented
	 * record from its "Blocks allocation contexts" */
	vgt_error_clear(&err);
	ck_assert_int_eq(read_flags_log(&c, "../vgflags_abort_log.log", &err), 0);
	ck_assert_int_eq(c.first.complete, 0);
	ck_assert_ptr_nonnull(c.first.aborted);
	ck_assert_ptr_nonnull(strstr(c.first.aborted, "the 'impossible' happened"));
	ck_assert_ptr_nonnull(strstr(err.message, "valgrind itself failed"));
	ck_assert_uint_eq(c.n, 0);
	collector_free(&c);
	test_pool_free(pool);
}
END_TEST

Suite *text_reader_suite(void)
{
	Suite *s = suite_create("text_reader");
	TCase *tc = tcase_create("real logs");
	tcase_add_test(tc, kinds_log_records);
	tcase_add_test(tc, kinds_log_input_and_summaries);
	tcase_add_test(tc, chunking_does_not_matter);
	tcase_add_test(tc, fork_log_keeps_pids_apart);
	tcase_add_test(tc, fork_log_interleaved_line_by_line);
	tcase_add_test(tc, chatty_log_ignores_program_output);
	tcase_add_test(tc, mismatch_log_cxx_names);
	tcase_add_test(tc, fds_log_open_descriptor);
	tcase_add_test(tc, truncated_log_keeps_complete_records);
	tcase_add_test(tc, record_without_frames_is_dropped);
	tcase_add_test(tc, vgdb_increased_deltas);
	tcase_add_test(tc, vgdb_unprefixed);
	tcase_add_test(tc, valgrind_flags_logs);
	suite_add_tcase(s, tc);
	TCase *edge = tcase_create("edge cases");
	tcase_add_test(edge, no_valgrind_output_is_an_error);
	tcase_add_test(edge, frame_and_message_variants);
	tcase_add_test(edge, frame_numbers_at_the_edges);
	tcase_add_test(edge, messages_map_to_xml_kinds);
	tcase_add_test(edge, sink_failure_stops_reading);
	tcase_add_test(edge, overlong_line_is_dropped);
	tcase_add_test(edge, client_messages_in_order);
	tcase_add_test(edge, used_suppression_counts);
	suite_add_tcase(s, edge);
	return s;
}
