/* check_procs.c — a site's processes, and leaks a forked child inherited. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "symbols/classify.h"
#include "analyze/sites.h"
#include "analyze/rank.h"
#include "analyze/procs.h"

Suite *procs_suite(void);

static struct vgt_report *r;
static struct vgt_record rec;

static struct vgt_input *input(long pid, long ppid, const char *command)
{
	char path[32];
	snprintf(path, sizeof(path), "vg.%ld.xml", pid);
	struct vgt_input *in = report_add_input(r, path, "xml");
	in->pid = pid;
	in->ppid = ppid;
	in->command = strpool_intern(r->pool, command);
	return in;
}

/* A definite leak of `bytes` in `blocks` at prog.c:line, called from
 * main at caller_ip (so that two stacks can share a site and differ). */
static void leak(struct vgt_input *in, unsigned line, uint64_t caller_ip, uint64_t bytes,
		 uint64_t blocks)
{
	record_clear(&rec);
	rec.kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	rec.kind_name = strpool_intern(r->pool, "Leak_DefinitelyLost");
	rec.bytes = rec.direct_bytes = bytes;
	rec.blocks = blocks;
	struct vgt_frame frame, *f = &frame;
	memset(f, 0, sizeof(*f));
	f->ip = 0x4848899;
	f->fn = "malloc";
	f->obj = "/v/vgpreload_memcheck-amd64-linux.so";
	stack_push(&rec.stack, frames_intern_frame(r->frames, f));
	memset(f, 0, sizeof(*f));
	f->ip = 0x400000 + line;
	f->fn = "work";
	f->obj = "/t/prog";
	f->file = "prog.c";
	f->line = line;
	stack_push(&rec.stack, frames_intern_frame(r->frames, f));
	memset(f, 0, sizeof(*f));
	f->ip = caller_ip;
	f->fn = "main";
	f->obj = "/t/prog";
	f->file = "prog.c";
	f->line = 99;
	stack_push(&rec.stack, frames_intern_frame(r->frames, f));
	classify_stack(r->frames, &rec.stack);
	sites_add_record(r, in, &rec);
}

static void setup(void)
{
	r = report_new();
	memset(&rec, 0, sizeof(rec));
}

static void teardown(void)
{
	record_release(&rec);
	report_free(r);
}

static struct vgt_site *site_at_line(unsigned line)
{
	for (size_t i = 0; i < r->n_sites; i++)
		if (r->sites[i]->location.line == line)
			return r->sites[i];
	ck_abort_msg("no site at line %u", line);
	return NULL;
}

START_TEST(fork_parent)
{
	struct vgt_input *p = input(100, 1, "./prog");
	input(101, 100, "./prog");          /* forked without exec */
	input(102, 100, "/bin/true");       /* exec'd: another command */
	input(103, 555, "./prog");          /* its parent is not among the inputs */
	input(104, 101, "./prog");          /* grandchild */
	(void)p;
	ck_assert_uint_eq(procs_fork_parent(r, 0), (size_t)-1);
	ck_assert_uint_eq(procs_fork_parent(r, 1), 0);
	ck_assert_uint_eq(procs_fork_parent(r, 2), (size_t)-1);
	ck_assert_uint_eq(procs_fork_parent(r, 3), (size_t)-1);
	ck_assert_uint_eq(procs_fork_parent(r, 4), 1);
	/* an XML and a text log of the same run: like pairs with like */
	struct vgt_input *log_parent = report_add_input(r, "run.log", "text");
	log_parent->pid = 100;
	log_parent->command = strpool_intern(r->pool, "./prog");
	struct vgt_input *log_child = report_add_input(r, "run.log", "text");
	log_child->pid = 101;
	log_child->ppid = 100;
	log_child->command = log_parent->command;
	ck_assert_uint_eq(procs_fork_parent(r, 6), 5);
	ck_assert_uint_eq(procs_fork_parent(r, 1), 0);
}
END_TEST

START_TEST(pids_and_figures_per_process)
{
	struct vgt_input *a = input(300, 1, "./prog");
	struct vgt_input *b = input(200, 1, "./other"); /* unrelated: not a fork */
	leak(a, 10, 0x500, 64, 2);
	leak(b, 10, 0x500, 32, 1);
	leak(b, 10, 0x600, 8, 1);
	leak(a, 20, 0x500, 5, 1);
	rank_finish(r, NULL);
	struct vgt_site *s = site_at_line(10);
	ck_assert_uint_eq(s->bytes, 104);
	ck_assert_uint_eq(site_detail(s)->n_pids, 2);
	ck_assert_int_eq(site_detail(s)->pids[0], 200); /* ascending */
	ck_assert_int_eq(site_detail(s)->pids[1], 300);
	ck_assert_uint_eq(s->n_procs, 2);
	/* valgrind's figures per input, in input order */
	ck_assert_uint_eq(s->procs[0].input, 0);
	ck_assert_uint_eq(s->procs[0].bytes, 64);
	ck_assert_uint_eq(s->procs[0].blocks, 2);
	ck_assert_uint_eq(s->procs[0].records, 1);
	ck_assert_uint_eq(s->procs[1].bytes, 40);
	ck_assert_uint_eq(s->procs[1].blocks, 2);
	ck_assert_uint_eq(s->procs[1].records, 2);
	ck_assert_int_eq(site_detail(s)->inherited, 0);
	struct vgt_site *t = site_at_line(20);
	ck_assert_uint_eq(site_detail(t)->n_pids, 1);
	ck_assert_int_eq(site_detail(t)->pids[0], 300);
	ck_assert_uint_eq(r->n_notes, 0);
}
END_TEST

START_TEST(inherited_by_stack)
{
	struct vgt_input *parent = input(100, 1, "./prog");
	struct vgt_input *child = input(101, 100, "./prog");
	struct vgt_input *grandchild = input(102, 101, "./prog");
	/* before the fork: the parent's block, repeated by the child and
	 * the grandchild, same stack */
	leak(parent, 10, 0x500, 100, 1);
	leak(child, 10, 0x500, 100, 1);
	leak(grandchild, 10, 0x500, 100, 1);
	/* the same line from another caller in the child: its own leak */
	leak(child, 10, 0x700, 200, 2);
	/* the child's own, repeated by the grandchild */
	leak(child, 30, 0x500, 50, 1);
	leak(grandchild, 30, 0x500, 50, 1);
	rank_finish(r, NULL);

	struct vgt_site *s = site_at_line(10);
	ck_assert_uint_eq(s->bytes, 500); /* valgrind's per-process bytes, kept */
	ck_assert_uint_eq(s->blocks, 5);
	ck_assert_uint_eq(site_detail(s)->n_pids, 3);
	ck_assert_int_eq(site_detail(s)->inherited, 1);
	ck_assert_uint_eq(site_detail(s)->inherited_bytes, 200);
	ck_assert_uint_eq(site_detail(s)->inherited_blocks, 2);
	ck_assert_uint_eq(s->procs[0].inherited_records, 0); /* the parent's own */
	ck_assert_uint_eq(s->procs[1].inherited_bytes, 100);  /* not the 200 of 0x700 */
	ck_assert_uint_eq(s->procs[1].inherited_records, 1);
	ck_assert_uint_eq(s->procs[2].inherited_bytes, 100);

	struct vgt_site *t = site_at_line(30);
	ck_assert_int_eq(site_detail(t)->inherited, 1);
	ck_assert_uint_eq(site_detail(t)->inherited_bytes, 50);
	ck_assert_uint_eq(t->procs[0].inherited_records, 0); /* the child: its own */

	ck_assert_uint_eq(r->n_notes, 1);
	ck_assert_ptr_nonnull(strstr(r->notes[0], "pids 101, 102"));
	ck_assert_ptr_nonnull(strstr(r->notes[0], "3 leak records"));
	ck_assert_ptr_nonnull(strstr(r->notes[0], "250 bytes in 3 blocks"));
	/* twice gives the same */
	procs_finish(r);
	ck_assert_uint_eq(site_detail(s)->inherited_bytes, 200);
	ck_assert_uint_eq(site_detail(s)->n_pids, 3);
	ck_assert_uint_eq(r->n_notes, 1);
}
END_TEST

START_TEST(no_inheritance_across_exec)
{
	struct vgt_input *parent = input(100, 1, "./prog");
	struct vgt_input *child = input(101, 100, "./prog --worker");
	leak(parent, 10, 0x500, 100, 1);
	leak(child, 10, 0x500, 100, 1);
	rank_finish(r, NULL);
	struct vgt_site *s = site_at_line(10);
	ck_assert_uint_eq(site_detail(s)->n_pids, 2);
	ck_assert_int_eq(site_detail(s)->inherited, 0);
	ck_assert_uint_eq(r->n_notes, 0);
}
END_TEST

/* A frame at ip with line, interned in table t. */
static uint32_t hframe(struct frame_table *t, uint64_t ip, unsigned line)
{
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.ip = ip;
	f.fn = "f";
	f.line = line;
	return frames_intern_frame(t, &f);
}

START_TEST(stack_hash)
{
	struct vgt_stack a = {0}, b = {0};
	struct frame_table *ft = r->frames;
	ck_assert_uint_eq(procs_stack_hash(ft, &a), procs_stack_hash(ft, &b));
	stack_push(&a, hframe(ft, 0x10, 0));
	stack_push(&b, hframe(ft, 0x10, 0));
	ck_assert_uint_eq(procs_stack_hash(ft, &a), procs_stack_hash(ft, &b));
	stack_push(&b, hframe(ft, 0x20, 0));
	ck_assert_uint_ne(procs_stack_hash(ft, &a), procs_stack_hash(ft, &b));
	a.ids[0] = hframe(ft, 0x10, 3);
	b.count = 1;
	ck_assert_uint_ne(procs_stack_hash(ft, &a), procs_stack_hash(ft, &b));
	/* the same frames in another table (another reader's, with -j) */
	struct vgt_report *other = report_new();
	struct vgt_stack c = {0};
	stack_push(&c, hframe(other->frames, 0x999, 0)); /* ids shifted */
	c.count = 0;
	stack_push(&c, hframe(other->frames, 0x10, 0));
	ck_assert_uint_eq(procs_stack_hash(other->frames, &c), procs_stack_hash(ft, &b));
	stack_release(&c);
	report_free(other);
	stack_release(&a);
	stack_release(&b);
}
END_TEST

Suite *procs_suite(void)
{
	Suite *s = suite_create("procs");
	TCase *tc = tcase_create("procs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fork_parent);
	tcase_add_test(tc, pids_and_figures_per_process);
	tcase_add_test(tc, inherited_by_stack);
	tcase_add_test(tc, no_inheritance_across_exec);
	tcase_add_test(tc, stack_hash);
	suite_add_tcase(s, tc);
	return s;
}
