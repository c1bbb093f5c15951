/* check_figures.c — valgrind's figures or unknown (figures.h). */
#include <check.h>
#include <string.h>

#include "analyze/figures.h"
#include "read/vgargs.h"
#include "symbols/classify.h"
#include "analyze/sites.h"
#include "analyze/rank.h"
#include "analyze/policy.h"

Suite *figures_suite(void);

static void leak(struct vgt_report *r, struct vgt_input *in, enum vgt_kind kind,
		 uint64_t direct, uint64_t indirect, uint64_t blocks)
{
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.kind_name = kind_info(kind)->name;
	rec.bytes = direct + indirect;
	rec.direct_bytes = direct;
	rec.indirect_bytes = indirect;
	rec.blocks = blocks;
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.fn = "main";
	f.file = "m.c";
	f.line = 3;
	stack_push(&rec.stack, frames_intern_frame(r->frames, &f));
	classify_stack(r->frames, &rec.stack);
	sites_add_record(r, in, &rec);
	record_release(&rec);
}

START_TEST(test_options)
{
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	in.format = "xml";
	vgargs_apply(&in, "--xml=yes");
	ck_assert(in.has_leak_options);
	ck_assert_int_eq(in.leak_check, VGT_LEAK_CHECK_FULL); /* XML mode implies full */
	ck_assert_uint_eq(in.show_leak_kinds, (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_POSSIBLE));
	vgargs_apply(&in, "--show-leak-kinds=definite,reachable");
	ck_assert_uint_eq(in.show_leak_kinds, (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_REACHABLE));
	vgargs_apply(&in, "--show-leak-kinds=all");
	ck_assert_uint_eq(in.show_leak_kinds, 0x1eu);
	ck_assert(!in.reachable_for_blame);
	/* run --per-test's own spelling of all kinds, until the user's after it */
	vgargs_apply(&in, "--show-leak-kinds=" VGARGS_BLAME_KINDS);
	ck_assert_uint_eq(in.show_leak_kinds, 0x1eu);
	ck_assert(in.reachable_for_blame);
	vgargs_apply(&in, "--show-leak-kinds=all");
	ck_assert(!in.reachable_for_blame);
	vgargs_apply(&in, "--leak-check=no");
	ck_assert_int_eq(in.leak_check, VGT_LEAK_CHECK_NO);
	vgargs_apply(&in, "--errors-for-leak-kinds=none");
	ck_assert_uint_eq(in.errors_for_leak_kinds, 0);
}
END_TEST

/* XML with valgrind's default kinds: definite and possible from the
 * records, indirect bytes from the splits without blocks, still
 * reachable unknown. */
START_TEST(test_unknown_figures)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "a.xml", "xml");
	vgargs_apply(in, "--leak-check=full");
	leak(r, in, VGT_KIND_LEAK_DEFINITELY_LOST, 32, 64, 1);
	rank_finish(r, NULL);
	const struct vgt_figures *f = &r->totals.figures;
	ck_assert(f->known & VGT_KNOWN_BYTES(VGT_GROUP_DEFINITE));
	ck_assert(f->known & VGT_KNOWN_BLOCKS(VGT_GROUP_DEFINITE));
	ck_assert_uint_eq(f->amount[VGT_GROUP_DEFINITE].bytes, 32);
	ck_assert(f->known & VGT_KNOWN_BYTES(VGT_GROUP_INDIRECT));
	ck_assert(!(f->known & VGT_KNOWN_BLOCKS(VGT_GROUP_INDIRECT)));
	ck_assert_uint_eq(f->amount[VGT_GROUP_INDIRECT].bytes, 64);
	ck_assert(!(f->known & VGT_KNOWN_BYTES(VGT_GROUP_REACHABLE)));
	ck_assert_uint_eq(f->from_summary, 0);
	ck_assert_uint_eq(f->leak_error_contexts, 1);
	report_free(r);
}
END_TEST

/* A LEAK SUMMARY and no record (no --leak-check=full): the figures are
 * valgrind's, the gate sees the unshown bytes, a note says why. */
START_TEST(test_summary_without_records)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "a.log", "text");
	in->vg.has_leak_summary = 1;
	in->vg.known = VGT_SUMMARY_ALL;
	in->vg.definitely_lost.bytes = 33;
	in->vg.definitely_lost.blocks = 1;
	in->vg.still_reachable.bytes = 100;
	in->vg.still_reachable.blocks = 1;
	rank_finish(r, NULL);
	const struct vgt_figures *f = &r->totals.figures;
	ck_assert(f->no_stacks);
	ck_assert_uint_eq(r->totals.definitely_lost.bytes, 33);
	ck_assert_uint_eq(figures_unshown_bytes(f, VGT_GROUP_DEFINITE), 33);
	ck_assert_uint_eq(figures_unshown_bytes(f, VGT_GROUP_POSSIBLE), 0);
	struct policy p;
	policy_default(&p);
	ck_assert_int_eq(policy_evaluate(&p, r), 1);
	struct vgt_error err;
	ck_assert_int_eq(policy_parse(&p, "definite>33", &err), 0);
	ck_assert_int_eq(policy_evaluate(&p, r), 0);
	ck_assert_uint_eq(r->n_notes, 1);
	ck_assert(strstr(r->notes[0], "--leak-check=full") != NULL);
	report_free(r);
}
END_TEST

/* Merged: a figure is known only when every input knows it; summary
 * figures of one input, record figures of another add up. */
START_TEST(test_merge)
{
	struct vgt_report *r = report_new();
	struct vgt_input *a = report_add_input(r, "a.log", "text");
	a->vg.has_leak_summary = 1;
	a->vg.known = VGT_SUMMARY_ALL;
	a->vg.definitely_lost.bytes = 10;
	a->vg.definitely_lost.blocks = 1;
	a->vg.has_error_summary = 1;
	a->vg.errors = 1;
	a->vg.error_contexts = 1;
	leak(r, a, VGT_KIND_LEAK_DEFINITELY_LOST, 10, 0, 1);
	struct vgt_input *b = report_add_input(r, "b.xml", "xml");
	vgargs_apply(b, "--leak-check=full");
	leak(r, b, VGT_KIND_LEAK_DEFINITELY_LOST, 5, 0, 1);
	rank_finish(r, NULL);
	const struct vgt_figures *f = &r->totals.figures;
	ck_assert_uint_eq(f->amount[VGT_GROUP_DEFINITE].bytes, 15);
	ck_assert(f->known & VGT_KNOWN_BYTES(VGT_GROUP_DEFINITE));
	ck_assert(!(f->known & VGT_KNOWN_BYTES(VGT_GROUP_REACHABLE))); /* b does not say */
	ck_assert_uint_eq(f->from_summary, 0);
	ck_assert_int_eq(f->errors_from_summary, 0); /* b has no ERROR SUMMARY */
	ck_assert_uint_eq(figures_unshown_bytes(f, VGT_GROUP_DEFINITE), 0);
	report_free(r);
}
END_TEST

/* helgrind and drd have no leak figures at all. */
START_TEST(test_thread_tools)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = report_add_input(r, "h.xml", "xml");
	in->tool = strpool_intern(r->pool, "helgrind");
	rank_finish(r, NULL);
	ck_assert_int_eq(r->totals.figures.leak_check, 0);
	ck_assert_uint_eq(r->totals.figures.known, 0);
	report_free(r);
}
END_TEST

Suite *figures_suite(void)
{
	Suite *s = suite_create("figures");
	TCase *tc = tcase_create("figures");
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_unknown_figures);
	tcase_add_test(tc, test_summary_without_records);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_thread_tools);
	suite_add_tcase(s, tc);
	return s;
}
