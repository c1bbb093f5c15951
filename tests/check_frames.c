/* check_frames.c — the frame table: one entry per distinct frame. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vgtriage/frames.h"

Suite *frames_suite(void);

struct fx {
	struct strpool *pool;
	struct frame_table *ft;
};

static void fx_init(struct fx *fx)
{
	fx->pool = strpool_new();
	fx->ft = frames_new(fx->pool);
}

static void fx_done(struct fx *fx)
{
	frames_free(fx->ft);
	strpool_free(fx->pool);
}

/* A key over texts that are not NUL-terminated where they end (as the
 * XML reader's buffers are): each field is cut out of `line`. */
static struct frame_key key_of(uint64_t ip, const char *fn, const char *obj, const char *file,
			       unsigned line, long pid)
{
	struct frame_key k;
	memset(&k, 0, sizeof(k));
	k.ip = ip;
	k.fn = fn;
	k.fn_len = fn != NULL ? strlen(fn) : 0;
	k.obj = obj;
	k.obj_len = obj != NULL ? strlen(obj) : 0;
	k.file = file;
	k.file_len = file != NULL ? strlen(file) : 0;
	k.line = line;
	k.pid = pid;
	return k;
}

START_TEST(test_same_frame_same_id)
{
	struct fx fx;
	fx_init(&fx);
	struct frame_key a = key_of(0x401000, "leak", "/t/prog", "prog.c", 12, 0);
	uint32_t id = frames_intern(fx.ft, &a);
	/* the same texts from another buffer, not NUL-terminated */
	char buf[] = "leakXX/t/progYYprog.cZZ";
	struct frame_key b = a;
	b.fn = buf;
	b.obj = buf + 6;
	b.file = buf + 15;
	ck_assert_uint_eq(frames_intern(fx.ft, &b), id);
	ck_assert_uint_eq(frames_count(fx.ft), 1);
	const struct vgt_frame *f = frames_at(fx.ft, id);
	ck_assert_str_eq(f->fn, "leak");
	ck_assert_str_eq(f->obj, "/t/prog");
	ck_assert_ptr_eq(f->fn, strpool_intern(fx.pool, "leak")); /* interned */
	ck_assert_ptr_null(f->dir);
	fx_done(&fx);
}
END_TEST

START_TEST(test_every_field_counts)
{
	struct fx fx;
	fx_init(&fx);
	struct frame_key base = key_of(0x401000, "leak", "/t/prog", "prog.c", 12, 0);
	uint32_t id = frames_intern(fx.ft, &base);
	struct frame_key k[7];
	for (int i = 0; i < 7; i++)
		k[i] = base;
	k[0].ip++;
	k[1].line++;
	k[2].fn_len--;               /* "lea": a prefix is another name */
	k[3].obj = NULL;             /* absent is not empty */
	k[3].obj_len = 0;
	k[4].file = "prog.h";
	k[5].dir = "/src";
	k[5].dir_len = 4;
	k[6].fn = "";                /* present but empty */
	k[6].fn_len = 0;
	for (int i = 0; i < 7; i++)
		ck_assert_msg(frames_intern(fx.ft, &k[i]) != id, "field %d ignored", i);
	ck_assert_uint_eq(frames_count(fx.ft), 8);
	for (int i = 0; i < 7; i++) /* and each again is itself */
		ck_assert_uint_eq(frames_intern(fx.ft, &k[i]), (uint32_t)i + 1);
	fx_done(&fx);
}
END_TEST

/* A frame valgrind could not name means something else in each process
 * (perf maps); a named frame is the same frame in every process. */
START_TEST(test_pid_only_for_unnamed_frames)
{
	struct fx fx;
	fx_init(&fx);
	struct frame_key a = key_of(0x5000, NULL, NULL, NULL, 0, 100);
	struct frame_key b = key_of(0x5000, NULL, NULL, NULL, 0, 200);
	ck_assert_uint_ne(frames_intern(fx.ft, &a), frames_intern(fx.ft, &b));
	ck_assert_int_eq(frames_at(fx.ft, frames_intern(fx.ft, &b))->pid, 200);
	struct frame_key c = key_of(0x401000, "main", "/t/prog", NULL, 0, 100);
	struct frame_key d = key_of(0x401000, "main", "/t/prog", NULL, 0, 200);
	ck_assert_uint_eq(frames_intern(fx.ft, &c), frames_intern(fx.ft, &d));
	ck_assert_int_eq(frames_at(fx.ft, frames_intern(fx.ft, &c))->pid, 0);
	fx_done(&fx);
}
END_TEST

/* Many frames sharing an ip (a hostile input writes 0x0 everywhere): all
 * distinct, ids stable across the table's growth and chunk boundaries. */
START_TEST(test_many_frames_one_ip)
{
	struct fx fx;
	fx_init(&fx);
	enum { N = 5000 };
	char name[32];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		struct frame_key k = key_of(0, name, "/obj", NULL, 0, 0);
		ck_assert_uint_eq(frames_intern(fx.ft, &k), (uint32_t)i);
	}
	ck_assert_uint_eq(frames_count(fx.ft), N);
	const struct vgt_frame *first = frames_at(fx.ft, 0);
	for (int i = 0; i < N; i += 97) {
		snprintf(name, sizeof(name), "fn%d", i);
		struct frame_key k = key_of(0, name, "/obj", NULL, 0, 0);
		ck_assert_uint_eq(frames_intern(fx.ft, &k), (uint32_t)i);
		ck_assert_str_eq(frames_at(fx.ft, (uint32_t)i)->fn, name);
	}
	ck_assert_ptr_eq(frames_at(fx.ft, 0), first); /* entries never move */
	fx_done(&fx);
}
END_TEST

START_TEST(test_intern_frame_keeps_derived_fields)
{
	struct fx fx;
	fx_init(&fx);
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.ip = 0x10;
	f.fn = "__pyx_pf_3api_6native_random_noise";
	f.file = "native.c";
	f.line = 1378;
	f.pyx_file = "api/native.pyx";
	f.pyx_line = 11;
	f.pyname = "api.native.random_noise";
	f.cls = FRAME_USER;
	f.resolved = 1;
	uint32_t id = frames_intern_frame(fx.ft, &f);
	const struct vgt_frame *e = frames_at(fx.ft, id);
	ck_assert_str_eq(e->pyx_file, "api/native.pyx");
	ck_assert_uint_eq(e->pyx_line, 11);
	ck_assert_ptr_eq(e->pyname, strpool_intern(fx.pool, "api.native.random_noise"));
	ck_assert(e->resolved);
	/* the same key from the reader's side finds it */
	struct frame_key k = key_of(0x10, f.fn, NULL, "native.c", 1378, 0);
	ck_assert_uint_eq(frames_intern(fx.ft, &k), id);
	fx_done(&fx);
}
END_TEST

/* A frame resolving renamed goes to another table under the key the
 * input wrote, with its new name: two frames the input named apart stay
 * apart even when resolving gave them one name. */
START_TEST(test_intern_from_keeps_the_input_key)
{
	struct fx a, b;
	fx_init(&a);
	fx_init(&b);
	struct frame_key k1 = key_of(0x20, "_Z10make_valueIiEPT_m", "/bin/shapes", NULL, 0, 7);
	struct frame_key k2 = key_of(0x20, NULL, "/bin/shapes", NULL, 0, 7);
	uint32_t id1 = frames_intern(a.ft, &k1), id2 = frames_intern(a.ft, &k2);
	ck_assert_uint_ne(id1, id2);
	const char *shown = strpool_intern(a.pool, "int* geo::make_value<int>(unsigned long)");
	frames_at(a.ft, id1)->fn = shown;
	frames_at(a.ft, id2)->fn = shown;
	frames_at(a.ft, id2)->fn_from_elf = 1;
	frames_at(a.ft, id2)->line = 33;
	uint32_t c1 = frames_intern_from(b.ft, a.ft, id1), c2 = frames_intern_from(b.ft, a.ft, id2);
	ck_assert_uint_ne(c1, c2);
	ck_assert_str_eq(frames_at(b.ft, c1)->fn, "int* geo::make_value<int>(unsigned long)");
	ck_assert_str_eq(frames_at(b.ft, c2)->fn, "int* geo::make_value<int>(unsigned long)");
	ck_assert_uint_eq(frames_at(b.ft, c2)->line, 33);
	ck_assert(frames_at(b.ft, c2)->fn_from_elf);
	/* the input's key finds each again; once more from a gives the same */
	ck_assert_uint_eq(frames_intern(b.ft, &k1), c1);
	ck_assert_uint_eq(frames_intern(b.ft, &k2), c2);
	ck_assert_uint_eq(frames_intern_from(b.ft, a.ft, id2), c2);
	fx_done(&a);
	fx_done(&b);
}
END_TEST


/* Resolves every frame of the table, as the pipeline has when it collects. */
static void resolve_all(struct frame_table *ft)
{
	for (uint32_t id = 0; id < frames_count(ft); id++)
		if (!frames_reclaimed(ft, id))
			frames_at(ft, id)->resolved = 1;
}

/* frames_gc: what no stack holds goes, what one holds stays where it was,
 * a reclaimed id is never given again. */
START_TEST(test_gc_reclaims_what_no_stack_holds)
{
	struct fx fx;
	fx_init(&fx);
	struct frame_key k0 = key_of(0x1000, "f", "/t/prog", NULL, 0, 0);
	struct frame_key k1 = key_of(0x1001, "f", "/t/prog", NULL, 0, 0);
	struct frame_key k2 = key_of(0x1002, "f", "/t/prog", NULL, 0, 0);
	uint32_t a = frames_intern(fx.ft, &k0), b = frames_intern(fx.ft, &k1),
		 c = frames_intern(fx.ft, &k2);
	resolve_all(fx.ft);
	const struct vgt_frame *fc = frames_at(fx.ft, c);
	struct vgt_stack st;
	memset(&st, 0, sizeof(st));
	stack_push(&st, c);
	stack_push(&st, UINT32_MAX); /* a head's gap is no id */
	struct frames_gc *gc = frames_gc_begin(fx.ft);
	frames_gc_keep(gc, &st);
	ck_assert_uint_eq(frames_gc_end(gc), 1);
	/* a: the first frame of its object and name; c: held */
	ck_assert(!frames_reclaimed(fx.ft, a));
	ck_assert(frames_reclaimed(fx.ft, b));
	ck_assert(!frames_reclaimed(fx.ft, c));
	ck_assert_ptr_eq(frames_at(fx.ft, c), fc);
	ck_assert_ptr_null(frames_at(fx.ft, b)->fn); /* reads as all zero */
	ck_assert_uint_eq(frames_live(fx.ft), 2);
	ck_assert_uint_eq(frames_count(fx.ft), 3);
	ck_assert_uint_eq(frames_gc_runs(fx.ft), 1);
	ck_assert_uint_eq(frames_intern(fx.ft, &k2), c);
	ck_assert_uint_eq(frames_intern(fx.ft, &k0), a);
	uint32_t b2 = frames_intern(fx.ft, &k1); /* anew, under a new id */
	ck_assert_uint_eq(b2, 3);
	ck_assert_uint_eq(frames_at(fx.ft, b2)->ip, 0x1001);
	ck_assert(!frames_at(fx.ft, b2)->resolved);
	ck_assert_uint_eq(frames_live(fx.ft), 3);
	/* nothing to reclaim: no run counted */
	gc = frames_gc_begin(fx.ft);
	frames_gc_keep(gc, &st);
	ck_assert_uint_eq(frames_gc_end(gc), 0); /* b2 is not resolved yet */
	ck_assert_uint_eq(frames_gc_runs(fx.ft), 1);
	stack_release(&st);
	fx_done(&fx);
}
END_TEST

/* The callers of a kept inlined frame stay; so do unresolved frames and
 * the first frame of each object and each name, many frames later. */
START_TEST(test_gc_keeps_chains_and_firsts)
{
	struct fx fx;
	fx_init(&fx);
	enum { N = 3000 };
	uint32_t ids[N];
	char name[32];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "fn%d", i % 10);
		struct frame_key k = key_of(0x2000 + (uint64_t)i, name, i % 7 ? "/o/a" : "/o/b",
					    NULL, 0, 0);
		ids[i] = frames_intern(fx.ft, &k);
	}
	resolve_all(fx.ft);
	frames_at(fx.ft, ids[100])->inlined_by = ids[200] + 1;
	frames_at(fx.ft, ids[200])->inlined_by = ids[50] + 1;
	frames_at(fx.ft, ids[300])->resolved = 0;
	struct vgt_stack st;
	memset(&st, 0, sizeof(st));
	stack_push(&st, ids[100]);
	struct frames_gc *gc = frames_gc_begin(fx.ft);
	frames_gc_keep(gc, &st);
	frames_gc_end(gc);
	for (int i = 0; i < N; i++) {
		int first = i < 10 || i == 7; /* fn0..fn9 at 0..9; /o/b first at 0 */
		int kept = first || i == 100 || i == 200 || i == 50 || i == 300;
		ck_assert_msg(frames_reclaimed(fx.ft, ids[i]) == !kept, "frame %d", i);
	}
	ck_assert_uint_eq(frames_live(fx.ft), 14);
	/* the reclaimed entries serve new frames */
	for (int i = 0; i < N; i++) {
		struct frame_key k = key_of(0x9000 + (uint64_t)i, "new", "/o/c", NULL, 0, 0);
		ck_assert_uint_eq(frames_intern(fx.ft, &k), (uint32_t)(N + i));
	}
	ck_assert_uint_eq(frames_live(fx.ft), 14 + N);
	for (int i = 0; i < N; i++) {
		struct frame_key k = key_of(0x9000 + (uint64_t)i, "new", "/o/c", NULL, 0, 0);
		ck_assert_uint_eq(frames_intern(fx.ft, &k), (uint32_t)(N + i));
		ck_assert_uint_eq(frames_at(fx.ft, (uint32_t)(N + i))->ip, 0x9000 + (uint64_t)i);
	}
	stack_release(&st);
	fx_done(&fx);
}
END_TEST

/* A table of keys (split.c's part stores): the same ids as a full table,
 * its keys read back whole, and frames_intern_from makes the full frame. */
START_TEST(test_keys_only_table)
{
	struct fx fx;
	fx_init(&fx);
	struct strpool *pool = strpool_new();
	struct frame_table *keys = frames_new_keys(pool);
	enum { N = 2500 };
	char name[32];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			snprintf(name, sizeof(name), "fn%d", i % 300);
			struct frame_key k = key_of(0x4000 + (uint64_t)(i % 2000), i % 5 ? name : NULL,
						    "/t/prog", i % 3 ? "a.c" : NULL, (unsigned)i % 7,
						    100 + i % 2);
			uint32_t id = frames_intern(keys, &k);
			ck_assert_uint_eq(id, frames_intern(fx.ft, &k));
			struct frame_key back;
			frames_key_of(keys, id, &back);
			ck_assert_uint_eq(back.ip, k.ip);
			ck_assert_uint_eq(back.line, k.line);
			ck_assert(back.fn == NULL ? k.fn == NULL : strcmp(back.fn, k.fn) == 0);
			ck_assert(back.file == NULL ? k.file == NULL : strcmp(back.file, k.file) == 0);
			ck_assert_str_eq(back.obj, "/t/prog");
			ck_assert_uint_eq(frames_key_hash(keys, id), frames_key_hash(fx.ft, id));
		}
	ck_assert_uint_eq(frames_count(keys), frames_count(fx.ft));
	ck_assert(!frames_reclaimed(keys, 0));
	/* into a third table: the frames the full table has */
	struct frame_table *to = frames_new(fx.pool);
	for (uint32_t id = 0; id < frames_count(keys); id++) {
		uint32_t got = frames_intern_from(to, keys, id);
		const struct vgt_frame *a = frames_at(to, got), *b = frames_at(fx.ft, id);
		ck_assert_uint_eq(a->ip, b->ip);
		ck_assert_ptr_eq(a->fn, b->fn); /* one pool */
		ck_assert_ptr_eq(a->file, b->file);
		ck_assert_int_eq(a->pid, b->pid);
	}
	frames_free(to);
	frames_free(keys);
	strpool_free(pool);
	fx_done(&fx);
}
END_TEST

/* frames_intern_from a table of keys remembers which of its pool's
 * strings is which of the table's: a pool freed and another made (at the
 * same addresses, likely) must not give the first pool's names. */
START_TEST(test_intern_from_keys_of_pools_in_turn)
{
	struct fx fx;
	fx_init(&fx);
	const char *names[2] = {"alpha_fn", "omega_fn"};
	for (int round = 0; round < 2; round++) {
		struct strpool *pool = strpool_new();
		struct frame_table *keys = frames_new_keys(pool);
		for (uint64_t i = 0; i < 50; i++) {
			struct frame_key k = key_of(0x100 * (uint64_t)(round + 1) + i, names[round],
						    round ? "/o/two" : "/o/one", "x.c", 3, 0);
			uint32_t id = frames_intern_from(fx.ft, keys, frames_intern(keys, &k));
			const struct vgt_frame *f = frames_at(fx.ft, id);
			ck_assert_str_eq(f->fn, names[round]);
			ck_assert_str_eq(f->obj, round ? "/o/two" : "/o/one");
			/* the table's own strings, and the frame frames_intern finds */
			ck_assert_ptr_eq(f->fn, strpool_intern(fx.pool, names[round]));
			ck_assert_uint_eq(frames_intern(fx.ft, &k), id);
		}
		frames_free(keys);
		strpool_free(pool);
	}
	ck_assert_uint_eq(frames_count(fx.ft), 100);
	fx_done(&fx);
}
END_TEST

static int named_keep(const char *fn)
{
	return strcmp(fn, "keep") == 0;
}

static int obj_keep(const char *obj)
{
	return strcmp(obj, "/o/keep") == 0;
}

/* frames_gc_names: only the names it allows keep their first frame, and
 * a first stays for good, collection after collection; the pages of ids
 * all reclaimed are let go, their ids still read as all zero, and the
 * table goes on serving frames from reused entries. */
START_TEST(test_gc_names_and_pages)
{
	struct fx fx;
	fx_init(&fx);
	frames_gc_names(fx.ft, named_keep, NULL);
	enum { N = 5000 };
	char name[32];
	uint32_t keep_first = UINT32_MAX;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			/* every frame names a new function; "keep" from frame 10 of round 0 on */
			if (round == 0 && i >= 10 && i % 100 == 10)
				snprintf(name, sizeof(name), "keep");
			else
				snprintf(name, sizeof(name), "fn%d_%d", round, i);
			struct frame_key k =
				key_of(0x100000 * (uint64_t)(round + 1) + (uint64_t)i, name, "/o/a", NULL, 0, 0);
			uint32_t id = frames_intern(fx.ft, &k);
			ck_assert_uint_eq(id, (uint32_t)(round * N + i));
			if (keep_first == UINT32_MAX && strcmp(name, "keep") == 0)
				keep_first = id;
		}
		resolve_all(fx.ft);
		struct frames_gc *gc = frames_gc_begin(fx.ft);
		frames_gc_end(gc);
		/* kept: the first frame of /o/a (id 0), the first "keep" (id 10) */
		ck_assert_uint_eq(frames_live(fx.ft), 2);
		ck_assert(!frames_reclaimed(fx.ft, 0));
		ck_assert(!frames_reclaimed(fx.ft, keep_first));
		ck_assert_str_eq(frames_at(fx.ft, keep_first)->fn, "keep");
	}
	ck_assert_uint_eq(keep_first, 10);
	ck_assert_uint_eq(frames_count(fx.ft), 3 * N);
	for (uint32_t id = 0; id < 3 * N; id++) {
		if (id == 0 || id == keep_first)
			continue;
		ck_assert(frames_reclaimed(fx.ft, id));
		ck_assert_uint_eq(frames_at(fx.ft, id)->ip, 0);
		ck_assert_ptr_null(frames_at(fx.ft, id)->fn);
	}
	/* a frame read again gets a new id, and is found under it */
	struct frame_key k = key_of(0x100000 + 5, "fn0_5", "/o/a", NULL, 0, 0);
	uint32_t again = frames_intern(fx.ft, &k);
	ck_assert_uint_eq(again, 3 * N);
	ck_assert_uint_eq(frames_intern(fx.ft, &k), again);
	ck_assert_str_eq(frames_at(fx.ft, again)->fn, "fn0_5");
	ck_assert_uint_eq(frames_at(fx.ft, 0)->ip, 0x100000);
	fx_done(&fx);

	/* objects likewise: a new object per frame, one of them allowed */
	fx_init(&fx);
	frames_gc_names(fx.ft, named_keep, obj_keep);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), i == 7 || i == 9 ? "/o/keep" : "/o/%d", i);
		struct frame_key ko = key_of(0x5000 + (uint64_t)i, "f", name, NULL, 0, 0);
		ck_assert_uint_eq(frames_intern(fx.ft, &ko), (uint32_t)i);
	}
	resolve_all(fx.ft);
	frames_gc_end(frames_gc_begin(fx.ft));
	ck_assert_uint_eq(frames_live(fx.ft), 1);
	ck_assert(!frames_reclaimed(fx.ft, 7));
	fx_done(&fx);
}
END_TEST

Suite *frames_suite(void)
{
	Suite *s = suite_create("frames");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_same_frame_same_id);
	tcase_add_test(tc, test_every_field_counts);
	tcase_add_test(tc, test_pid_only_for_unnamed_frames);
	tcase_add_test(tc, test_many_frames_one_ip);
	tcase_add_test(tc, test_intern_frame_keeps_derived_fields);
	tcase_add_test(tc, test_intern_from_keeps_the_input_key);
	tcase_add_test(tc, test_gc_reclaims_what_no_stack_holds);
	tcase_add_test(tc, test_gc_keeps_chains_and_firsts);
	tcase_add_test(tc, test_gc_names_and_pages);
	tcase_add_test(tc, test_keys_only_table);
	tcase_add_test(tc, test_intern_from_keys_of_pools_in_turn);
	suite_add_tcase(s, tc);
	return s;
}
