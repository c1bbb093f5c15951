/* check_rank.c — sites, totals as valgrind counts them, hiding, order. */
#include <check.h>
#include <string.h>

#include "symbols/classify.h"
#include "analyze/sites.h"
#include "analyze/rank.h"

Suite *rank_suite(void);

struct fixture {
	struct vgt_report *r;
	struct vgt_input *in;
	struct vgt_record rec;
};

static void push_frame(struct vgt_record *rec, struct vgt_report *r, uint64_t ip, const char *fn,
		       const char *obj, const char *file, unsigned line)
{
	struct vgt_frame frame, *f = &frame;
	memset(f, 0, sizeof(*f));
	f->ip = ip;
	f->fn = fn;
	f->obj = obj;
	f->file = file;
	f->line = line;
	stack_push(&rec->stack, frames_intern_frame(r->frames, f));
}

static void leak(struct fixture *fx, enum vgt_kind kind, uint64_t direct, uint64_t indirect,
		 uint64_t blocks, const char *fn, unsigned line, uint64_t ip)
{
	record_clear(&fx->rec);
	fx->rec.kind = kind;
	fx->rec.kind_name = strpool_intern(fx->r->pool, kind_info(kind)->name);
	fx->rec.bytes = direct + indirect;
	fx->rec.direct_bytes = direct;
	fx->rec.indirect_bytes = indirect;
	fx->rec.blocks = blocks;
	push_frame(&fx->rec, fx->r, 0x4848899, "malloc", "/v/vgpreload_memcheck-amd64-linux.so",
		   "vg_replace_malloc.c", 381);
	if (fn != NULL)
		push_frame(&fx->rec, fx->r, ip, fn, "/t/prog", "prog.c", line);
	push_frame(&fx->rec, fx->r, 0x1000, "PyRun_SimpleFile", "/usr/bin/python3.11", NULL, 0);
	classify_stack(fx->r->frames, &fx->rec.stack);
	sites_add_record(fx->r, fx->in, &fx->rec);
}

static void setup(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->r = report_new();
	fx->in = report_add_input(fx->r, "a.xml", "xml");
}

static void teardown(struct fixture *fx)
{
	record_release(&fx->rec);
	report_free(fx->r);
}

START_TEST(test_groups_and_totals)
{
	struct fixture fx;
	setup(&fx);
	/* Two records at one line (two loss records of one site), one elsewhere. */
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 16, 200, 1, "make_tree", 12, 0x400100);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 32, 0, 2, "make_tree", 12, 0x400100);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 7, 0, 1, "other", 30, 0x400200);
	leak(&fx, VGT_KIND_LEAK_INDIRECTLY_LOST, 200, 0, 4, "make_tree", 13, 0x400150);
	leak(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 64, 0, 1, NULL, 0, 0);
	rank_finish(fx.r, NULL);
	struct vgt_report *r = fx.r;
	ck_assert_uint_eq(r->n_sites, 4);
	ck_assert_uint_eq(r->n_shown, 3); /* the interpreter-only possible leak is hidden */
	struct vgt_site *top = r->sites[0];
	ck_assert_str_eq(top->location.file, "prog.c");
	ck_assert_uint_eq(top->location.line, 12);
	ck_assert_uint_eq(top->bytes, 248);
	ck_assert_uint_eq(top->direct_bytes, 48);
	ck_assert_uint_eq(top->blocks, 3);
	ck_assert_uint_eq(top->records, 2);
	ck_assert_uint_eq(top->rank, 1);
	/* LEAK SUMMARY counts direct bytes: summing leakedbytes would say 255. */
	ck_assert_uint_eq(r->totals.definitely_lost.bytes, 55);
	ck_assert_uint_eq(r->totals.definitely_lost.blocks, 4);
	ck_assert_uint_eq(r->totals.indirectly_lost.bytes, 200);
	ck_assert_uint_eq(r->totals.indirectly_lost.blocks, 4);
	ck_assert_uint_eq(r->totals.possibly_lost.bytes, 64);
	ck_assert_uint_eq(r->totals.hidden_sites, 1);
	ck_assert_uint_eq(r->totals.hidden_records, 1);
	ck_assert_uint_eq(r->totals.hidden_bytes, 64);
	/* errors-for-leak-kinds=definite,possible: 3 definite + 1 possible records. */
	ck_assert_uint_eq(r->totals.errors, 4);
	ck_assert_uint_eq(r->totals.error_contexts, 4);
	/* Definite before indirect; hidden last. */
	ck_assert_int_eq(r->sites[1]->kind, VGT_KIND_LEAK_DEFINITELY_LOST);
	ck_assert_int_eq(r->sites[2]->kind, VGT_KIND_LEAK_INDIRECTLY_LOST);
	ck_assert(r->sites[3]->hidden);
	teardown(&fx);
}
END_TEST

START_TEST(test_indirect_from_split_when_no_indirect_records)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 16, 200, 1, "make_tree", 12, 0x400100);
	rank_finish(fx.r, NULL);
	ck_assert_uint_eq(fx.r->totals.definitely_lost.bytes, 16);
	ck_assert_uint_eq(fx.r->totals.indirectly_lost.bytes, 200);
	teardown(&fx);
}
END_TEST

START_TEST(test_across_inputs_and_show_all)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 40, 0, 1, "leaky", 5, 0x400100);
	fx.in = report_add_input(fx.r, "b.xml", "xml");
	/* Another process: other addresses, same code. */
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 40, 0, 1, "leaky", 5, 0x7000100);
	leak(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 64, 0, 1, NULL, 0, 0);
	struct rank_options opts = {.show_all = 1};
	rank_finish(fx.r, &opts);
	ck_assert_uint_eq(fx.r->n_shown, 2);
	ck_assert_uint_eq(fx.r->sites[0]->bytes, 80);
	ck_assert_uint_eq(fx.r->sites[0]->records, 2);
	ck_assert_uint_eq(fx.r->sites[0]->input_mask, 3);
	ck_assert_uint_eq(fx.r->totals.definitely_lost.bytes, 80);
	ck_assert_uint_eq(fx.r->totals.hidden_sites, 0);
	ck_assert_str_eq(frame_class_name(fx.r->sites[1]->category), "interpreter");
	teardown(&fx);
}
END_TEST

START_TEST(test_fingerprint_ignores_addresses)
{
	struct fixture a, b;
	setup(&a);
	setup(&b);
	leak(&a, VGT_KIND_LEAK_DEFINITELY_LOST, 40, 0, 1, "leaky", 5, 0x400100);
	leak(&b, VGT_KIND_LEAK_DEFINITELY_LOST, 80, 0, 2, "leaky", 5, 0x5555100);
	leak(&b, VGT_KIND_LEAK_DEFINITELY_LOST, 8, 0, 1, "leaky", 6, 0x5555100);
	leak(&b, VGT_KIND_LEAK_DEFINITELY_LOST, 4, 0, 1, "other", 9, 0x5555100);
	rank_finish(a.r, NULL);
	rank_finish(b.r, NULL);
	ck_assert_str_eq(a.r->sites[0]->fingerprint, b.r->sites[0]->fingerprint);
	/* Never a line number: without the source, two lines of one function
	 * with the same callers share a fingerprint; another function not. */
	ck_assert_str_eq(b.r->sites[0]->fingerprint, b.r->sites[1]->fingerprint);
	ck_assert_str_ne(b.r->sites[0]->fingerprint, b.r->sites[2]->fingerprint);
	ck_assert_uint_eq(strlen(a.r->sites[0]->fingerprint), 16);
	/* With the statement's text, the occurrence in the function counts */
	struct vgt_site *s = b.r->sites[0];
	char one[17], two[17], moved[17];
	s->statement = "p = malloc(n);";
	rank_fingerprint(s, one);
	s->statement_occurrence = 1;
	rank_fingerprint(s, two);
	s->statement_occurrence = 0;
	s->location.line += 10;
	rank_fingerprint(s, moved);
	ck_assert_str_ne(one, two);
	ck_assert_str_eq(one, moved);
	teardown(&a);
	teardown(&b);
}
END_TEST

START_TEST(test_errors_first_and_errorcounts)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 40, 0, 1, "leaky", 5, 0x400100);
	record_clear(&fx.rec);
	fx.rec.kind = VGT_KIND_INVALID_READ;
	fx.rec.kind_name = strpool_intern(fx.r->pool, "InvalidRead");
	fx.rec.unique = 0x7;
	push_frame(&fx.rec, fx.r, 0x400300, "reader", "/t/prog", "prog.c", 44);
	classify_stack(fx.r->frames, &fx.rec.stack);
	sites_add_record(fx.r, fx.in, &fx.rec);
	sites_add_errorcount(fx.r, fx.in, 0x7, 5);
	sites_add_errorcount(fx.r, fx.in, 0x99, 3); /* unknown unique: ignored */
	rank_finish(fx.r, NULL);
	ck_assert_int_eq(fx.r->sites[0]->kind, VGT_KIND_INVALID_READ);
	ck_assert_uint_eq(fx.r->sites[0]->occurrences, 5);
	ck_assert_uint_eq(fx.r->totals.errors_by_kind[VGT_KIND_INVALID_READ], 5);
	ck_assert_uint_eq(fx.r->totals.errors, 6);
	ck_assert_uint_eq(fx.r->totals.error_contexts, 2);
	teardown(&fx);
}
END_TEST

START_TEST(test_kinds_filter_hides)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 40, 0, 1, "leaky", 5, 0x400100);
	leak(&fx, VGT_KIND_LEAK_STILL_REACHABLE, 10, 0, 1, "keep", 9, 0x400200);
	struct rank_options opts = {.kinds_mask = 1u << VGT_GROUP_REACHABLE};
	rank_finish(fx.r, &opts);
	ck_assert_uint_eq(fx.r->n_shown, 1);
	ck_assert_int_eq(fx.r->sites[0]->kind, VGT_KIND_LEAK_STILL_REACHABLE);
	teardown(&fx);
}
END_TEST

Suite *rank_suite(void)
{
	Suite *s = suite_create("rank");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_groups_and_totals);
	tcase_add_test(tc, test_indirect_from_split_when_no_indirect_records);
	tcase_add_test(tc, test_across_inputs_and_show_all);
	tcase_add_test(tc, test_fingerprint_ignores_addresses);
	tcase_add_test(tc, test_errors_first_and_errorcounts);
	tcase_add_test(tc, test_kinds_filter_hides);
	suite_add_tcase(s, tc);
	return s;
}
