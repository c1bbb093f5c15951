/* check_rank.c — sites, totals as valgrind counts them, hiding, order. */
#include <check.h>
#include <string.h>

#include "symbols/classify.h"
#include "analyze/sites.h"
#include "analyze/rank.h"
#include "analyze/pertest.h"

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
	site_detail_mut(s)->statement = "p = malloc(n);";
	rank_fingerprint(s, one);
	site_detail_mut(s)->statement_occurrence = 1;
	rank_fingerprint(s, two);
	site_detail_mut(s)->statement_occurrence = 0;
	s->location.line += 10;
	rank_fingerprint(s, moved);
	ck_assert_str_ne(one, two);
	ck_assert_str_eq(one, moved);
	/* Issue 26: a rebuild or another format keeps it: -O2's inlined
	 * "push<T, T>" is -O0's "R ns::list<T>::push<T, T>(T const&)"; a text
	 * log's file has no directory. */
	char o0[17], o2[17], text[17];
	s->location.function = "to_stringable const& fmt::v12::detail::dynamic_arg_list::"
			       "push<to_stringable, to_stringable>(to_stringable const&)";
	s->location.file = "fmt/include/fmt/args.h";
	rank_fingerprint(s, o0);
	s->location.function = "push<to_stringable, to_stringable>";
	rank_fingerprint(s, o2);
	s->location.file = "args.h";
	rank_fingerprint(s, text);
	ck_assert_str_eq(o0, o2);
	ck_assert_str_eq(o0, text);
	s->location.function = "pop<to_stringable>";
	rank_fingerprint(s, o2);
	ck_assert_str_ne(o0, o2);
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

/* Issue 26: instantiations of one template at one line are one site,
 * named by the record whose stack it keeps (the largest); its heads keep
 * every distinct beginning, with an error's access sizes. */
START_TEST(test_instantiations_one_record_names_the_site)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 16, 0, 1, "lst::list<char>::push(char const&)", 26,
	     0x400100);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 48, 96, 1, "lst::list<wide>::push(wide const&)", 26,
	     0x400200);
	leak(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 16, 16, 1, "lst::list<short>::push(short const&)", 26,
	     0x400300);
	/* an Invalid read of size 8 and one of size 4 at one line */
	for (int i = 0; i < 2; i++) {
		record_clear(&fx.rec);
		fx.rec.kind = VGT_KIND_INVALID_READ;
		fx.rec.kind_name = strpool_intern(fx.r->pool, "InvalidRead");
		fx.rec.unique = 0x10 + (uint64_t)i;
		record_set_what(&fx.rec, i == 0 ? "Invalid read of size 8" : "Invalid read of size 4", 22);
		push_frame(&fx.rec, fx.r, 0x400500 + (uint64_t)i, "main", "/t/prog", "prog.c", 104);
		classify_stack(fx.r->frames, &fx.rec.stack);
		sites_add_record(fx.r, fx.in, &fx.rec);
	}
	rank_finish(fx.r, NULL);
	ck_assert_uint_eq(fx.r->n_shown, 2);
	const struct vgt_site *err = fx.r->sites[0], *s = fx.r->sites[1];
	ck_assert_uint_eq(err->n_heads, 2);
	ck_assert_uint_eq(err->heads[0].size, 8);
	ck_assert_uint_eq(err->heads[1].size, 4);
	ck_assert_uint_eq(s->records, 3);
	ck_assert_uint_eq(s->instantiations, 3);
	ck_assert_uint_eq(s->n_heads, 3);
	/* the label is the largest record's, the one whose stack is kept */
	ck_assert_str_eq(s->location.function, "lst::list<wide>::push(wide const&)");
	ck_assert_str_eq(stack_frame(fx.r->frames, &s->stack, s->culprit)->fn,
			 "lst::list<wide>::push(wide const&)");
	/* and the fingerprint does not depend on which instantiation that is */
	char fp[17];
	memcpy(fp, s->fingerprint, sizeof(fp));
	struct fixture fy;
	setup(&fy);
	leak(&fy, VGT_KIND_LEAK_DEFINITELY_LOST, 16, 0, 1, "lst::list<char>::push(char const&)", 26,
	     0x400100);
	leak(&fy, VGT_KIND_LEAK_DEFINITELY_LOST, 400, 0, 1, "lst::list<long>::push(long const&)", 26,
	     0x400400);
	rank_finish(fy.r, NULL);
	ck_assert_str_eq(fy.r->sites[0]->location.function, "lst::list<long>::push(long const&)");
	ck_assert_str_eq(fy.r->sites[0]->fingerprint, fp);
	teardown(&fy);
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

/* A leak whose culprit is in obj (an installed extension, a library). */
static void leak_in(struct fixture *fx, enum vgt_kind kind, uint64_t bytes, const char *fn,
		    const char *obj, uint64_t ip)
{
	record_clear(&fx->rec);
	fx->rec.kind = kind;
	fx->rec.kind_name = strpool_intern(fx->r->pool, kind_info(kind)->name);
	fx->rec.bytes = fx->rec.direct_bytes = bytes;
	fx->rec.blocks = 1;
	push_frame(&fx->rec, fx->r, 0x4848899, "malloc", "/v/vgpreload_memcheck-amd64-linux.so",
		   "vg_replace_malloc.c", 381);
	push_frame(&fx->rec, fx->r, ip, fn, obj, NULL, 0);
	push_frame(&fx->rec, fx->r, 0x1000, "PyRun_SimpleFile", "/usr/bin/python3.11", NULL, 0);
	classify_stack(fx->r->frames, &fx->rec.stack);
	sites_add_record(fx->r, fx->in, &fx->rec);
}

#define EXT "/venv/lib/python3.11/site-packages/cleak.cpython-311-x86_64-linux-gnu.so"
#define LIB "/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14"

/* Issue 27: third-party extensions and libraries are shown for what they
 * lost for good, hidden for what may be in use; the Hidden totals say
 * per kind what was hidden (issue 20 item 11). */
START_TEST(test_extension_and_library_categories)
{
	struct fixture fx;
	setup(&fx);
	leak(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 8, 0, 1, "mine", 3, 0x400300);
	leak_in(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 48, "cleak_remember", EXT, 0x5000);
	leak_in(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 4096, "cleak_cache", EXT, 0x5100);
	leak_in(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 100, "xmlStrdup", LIB, 0x6000);
	leak_in(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 12768, "xmlHashCreate", LIB, 0x6100);
	leak_in(&fx, VGT_KIND_LEAK_STILL_REACHABLE, 64, "xmlDictCreate", LIB, 0x6200);
	leak_in(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 32, "PyDict_New", "/usr/bin/python3.11", 0x7000);
	rank_finish(fx.r, NULL);
	ck_assert_uint_eq(fx.r->n_shown, 3);
	/* definite: the extension, then the library; then the user's possible */
	ck_assert_int_eq(fx.r->sites[0]->category, FRAME_EXTENSION);
	ck_assert_uint_eq(fx.r->sites[0]->bytes, 48);
	ck_assert_int_eq(fx.r->sites[1]->category, FRAME_LIBRARY);
	ck_assert_uint_eq(fx.r->sites[1]->bytes, 100);
	ck_assert_int_eq(fx.r->sites[2]->category, FRAME_USER);
	const struct vgt_totals *t = &fx.r->totals;
	ck_assert_uint_eq(t->hidden_sites, 4);
	ck_assert_uint_eq(t->hidden_sites_by[FRAME_LIBRARY], 2);
	ck_assert_uint_eq(t->hidden_bytes_by[FRAME_LIBRARY], 12768 + 64);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_LIBRARY][VGT_GROUP_POSSIBLE].sites, 1);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_LIBRARY][VGT_GROUP_POSSIBLE].bytes, 12768);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_LIBRARY][VGT_GROUP_REACHABLE].bytes, 64);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_LIBRARY][VGT_GROUP_DEFINITE].sites, 0);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_EXTENSION][VGT_GROUP_POSSIBLE].bytes, 4096);
	/* the interpreter's definite bytes are told apart from the rest */
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_INTERPRETER][VGT_GROUP_DEFINITE].bytes, 32);
	ck_assert_uint_eq(t->hidden_kinds_by[FRAME_INTERPRETER][VGT_GROUP_DEFINITE].blocks, 1);
	teardown(&fx);
}
END_TEST

/* Issue 27 item 7: a test is blamed for the categories the report shows. */
START_TEST(test_pertest_blames_shown_categories)
{
	struct fixture fx;
	setup(&fx);
	leak_in(&fx, VGT_KIND_LEAK_POSSIBLY_LOST, 12768, "xmlHashCreate", LIB, 0x6100);
	leak_in(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 100, "xmlStrdup", LIB, 0x6000);
	leak_in(&fx, VGT_KIND_LEAK_DEFINITELY_LOST, 48, "cleak_remember", EXT, 0x5000);
	rank_finish(fx.r, NULL);
	size_t blamed = 0;
	for (size_t i = 0; i < fx.r->n_sites; i++) {
		const struct vgt_site *s = fx.r->sites[i];
		int b = pertest_blames(fx.r, s);
		blamed += (size_t)b;
		ck_assert_int_eq(b, kind_group(s->kind) == VGT_GROUP_DEFINITE);
	}
	ck_assert_uint_eq(blamed, 2);
	/* --all: everything shown is blamed */
	struct rank_options opts = {.show_all = 1};
	rank_finish(fx.r, &opts);
	fx.r->blame_noise = 1;
	for (size_t i = 0; i < fx.r->n_sites; i++)
		ck_assert(pertest_blames(fx.r, fx.r->sites[i]));
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
	tcase_add_test(tc, test_instantiations_one_record_names_the_site);
	tcase_add_test(tc, test_kinds_filter_hides);
	tcase_add_test(tc, test_extension_and_library_categories);
	tcase_add_test(tc, test_pertest_blames_shown_categories);
	suite_add_tcase(s, tc);
	return s;
}
