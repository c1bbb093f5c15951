/*
 * check_leaksearch.c — only an input's last leak search counts: where a
 * new search begins (the rule), what the caller is told to do with each
 * record, and, through the pipeline, that the sites of real valgrind runs
 * with leak searches the program asked for (testdata/midcheck) add up to
 * valgrind's own LEAK SUMMARY of the last search, in XML and text alike.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/leaksearch.h"
#include "cmd/pipeline.h"

Suite *leaksearch_suite(void);

#define TD VGT_SRCDIR "/testdata/midcheck/"

static struct vgt_record loss(enum vgt_kind kind, uint32_t i, uint32_t n, uint64_t search)
{
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.loss_record = i;
	rec.loss_records = n;
	rec.leak_search = search;
	return rec;
}

START_TEST(test_begins_rule)
{
	struct leaksearch_mark last = {4, 6, 7, 0};
	struct vgt_record next = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 5, 6, 7);
	ck_assert_int_eq(leaksearch_begins(&last, &next, 0), 0);
	/* I not above the last one's: a new search */
	next.loss_record = 4;
	ck_assert_int_eq(leaksearch_begins(&last, &next, 0), 1);
	/* another N */
	next = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 5, 8, 7);
	ck_assert_int_eq(leaksearch_begins(&last, &next, 0), 1);
	/* I above, same N, but another search (valgrind's numbering) */
	next = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 6, 6, 9);
	ck_assert_int_eq(leaksearch_begins(&last, &next, 0), 1);
	/* valgrind's exit search began since */
	next = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 5, 6, 0);
	ck_assert_int_eq(leaksearch_begins(&last, &next, 1), 1);
	/* no numbers at all (an old log): one search */
	struct leaksearch_mark none = {0, 0, 0, 0};
	next = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 0, 0, 0);
	ck_assert_int_eq(leaksearch_begins(&none, &next, 0), 0);
}
END_TEST

START_TEST(test_steps)
{
	struct leaksearch *ls = leaksearch_new();
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	struct vgt_record rec = loss(VGT_KIND_UNINIT_VALUE, 0, 0, 0);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 1, 3, 1);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 3, 3, 1);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	/* a second full search */
	rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 1, 4, 5);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_NEW);
	/* an added one: its records update the search before */
	rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 2, 4, 9);
	rec.has_delta = 1;
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_UPDATE);
	rec.loss_record = 4;
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_UPDATE);
	/* valgrind's exit search replaces them all */
	in.exit_leak_search = 1;
	rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 2, 5, 20);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_NEW);
	in.complete = in.finished = 1;
	ck_assert_int_eq(leaksearch_end(ls, &in), 0);
	leaksearch_free(ls);
	leaksearch_free(NULL);
}
END_TEST

START_TEST(test_first_added_search_counts_whole)
{
	/* a program's first search may be an added one: it writes them all */
	struct leaksearch *ls = leaksearch_new();
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	struct vgt_record rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 1, 2, 1);
	rec.has_delta = 1;
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	rec.loss_record = 2;
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	leaksearch_free(ls);
}
END_TEST

START_TEST(test_exit_search_without_records)
{
	/* the exit search came whole and wrote none: the earlier one goes */
	struct leaksearch *ls = leaksearch_new();
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	struct vgt_record rec = loss(VGT_KIND_LEAK_DEFINITELY_LOST, 1, 1, 1);
	ck_assert_int_eq(leaksearch_record(ls, &in, &rec), LEAKSEARCH_ADD);
	in.exit_leak_search = in.complete = in.finished = 1;
	ck_assert_int_eq(leaksearch_end(ls, &in), 1);
	ck_assert_int_eq(leaksearch_end(ls, &in), 0); /* once */
	/* the same, killed before it: the earlier search stays */
	struct vgt_input cut;
	memset(&cut, 0, sizeof(cut));
	ck_assert_int_eq(leaksearch_record(ls, &cut, &rec), LEAKSEARCH_ADD);
	ck_assert_int_eq(leaksearch_end(ls, &cut), 0);
	leaksearch_free(ls);
}
END_TEST

/* The report of one real input (every site, hidden ones too). */
static struct vgt_report *read_one(struct pipeline **pl, const char *path)
{
	struct pipeline_options o;
	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	o.rank.show_all = 1;
	*pl = pipeline_new(&o);
	struct vgt_error err;
	ck_assert_int_ge(pipeline_read_path(*pl, path, &err), 0);
	return pipeline_finish(*pl);
}

static uint64_t site_bytes(const struct vgt_report *r, enum vgt_kind kind, uint64_t *blocks)
{
	uint64_t bytes = 0;
	*blocks = 0;
	for (size_t i = 0; i < r->n_sites; i++) {
		if (r->sites[i]->kind != kind)
			continue;
		/* a definite site's bytes hold the indirect ones under it */
		bytes += kind == VGT_KIND_LEAK_INDIRECTLY_LOST || kind == VGT_KIND_LEAK_STILL_REACHABLE
			 ? r->sites[i]->bytes : r->sites[i]->direct_bytes;
		*blocks += r->sites[i]->blocks;
	}
	return bytes;
}

/* The sites of a text log add up to valgrind's LEAK SUMMARY of its last
 * search (which the text reader keeps per input), and the XML run of the
 * same case has the same sites. */
static void check_case(const char *name)
{
	char log[512], xml[512];
	snprintf(log, sizeof(log), TD "%s.log", name);
	snprintf(xml, sizeof(xml), TD "%s.xml", name);
	struct pipeline *pl_log, *pl_xml;
	struct vgt_report *rl = read_one(&pl_log, log);
	struct vgt_report *rx = read_one(&pl_xml, xml);
	ck_assert_uint_eq(rl->n_inputs, 1);
	const struct vgt_valgrind_summary *vg = &rl->inputs[0]->vg;
	ck_assert(vg->has_leak_summary);
	uint64_t blocks;
	ck_assert_uint_eq(site_bytes(rl, VGT_KIND_LEAK_DEFINITELY_LOST, &blocks),
			  vg->definitely_lost.bytes);
	ck_assert_uint_eq(blocks, vg->definitely_lost.blocks);
	ck_assert_uint_eq(site_bytes(rl, VGT_KIND_LEAK_POSSIBLY_LOST, &blocks),
			  vg->possibly_lost.bytes);
	ck_assert_uint_eq(blocks, vg->possibly_lost.blocks);
	ck_assert_uint_eq(rl->n_sites, rx->n_sites);
	for (int k = VGT_KIND_LEAK_DEFINITELY_LOST; k <= VGT_KIND_LEAK_STILL_REACHABLE; k++) {
		uint64_t bl, bx;
		ck_assert_uint_eq(site_bytes(rl, (enum vgt_kind)k, &bl), site_bytes(rx, (enum vgt_kind)k, &bx));
		ck_assert_uint_eq(bl, bx);
	}
	pipeline_free(pl_log);
	pipeline_free(pl_xml);
}

START_TEST(test_real_runs_last_search)
{
	check_case("all");
	check_case("default");
	check_case("killed");
	check_case("killed_all");
}
END_TEST

Suite *leaksearch_suite(void)
{
	Suite *s = suite_create("leaksearch");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_begins_rule);
	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_first_added_search_counts_whole);
	tcase_add_test(tc, test_exit_search_without_records);
	tcase_add_test(tc, test_real_runs_last_search);
	suite_add_tcase(s, tc);
	return s;
}
