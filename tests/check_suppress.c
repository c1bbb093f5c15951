/*
 * check_suppress.c — .supp parsing and matching on real records.
 *
 * The strongest check: tests/fixtures/ci/{leaks,errors}.supp were applied
 * by valgrind itself at run time (testdata/..._supp.xml, <suppcounts>); the
 * same files applied after the fact to the unsuppressed runs
 * (testdata/ci_more.xml, errors_run2.xml) must suppress the same number of
 * records per entry name, and leave the records valgrind left.
 */
#include <check.h>
#include <stdio.h>
#include <unistd.h>

#include "analyze/suppress.h"

#include "ci_records.h"
#include "tmpdir.h"

/* A definite leak whose stack is the function names in fns (top first). */
static void leak_record(struct frame_table *ft, struct vgt_record *rec, const char *const *fns,
			size_t n)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	for (size_t i = 0; i < n; i++) {
		struct vgt_frame frame;
		memset(&frame, 0, sizeof(frame));
		frame.ip = i + 1;
		frame.fn = fns[i];
		stack_push(&rec->stack, frames_intern_frame(ft, &frame));
	}
}

/* Which entry (by name) of supp_text matches a leak whose stack is the
 * function names in fns (top first), or "-" for none. */
static const char *match_stack(const char *supp_text, const char *const *fns, size_t n)
{
	static char name[64];
	struct vgt_error err;
	struct suppressions *s = suppressions_new();
	FILE *f = fmemopen((void *)supp_text, strlen(supp_text), "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(suppressions_load_stream(s, f, "mem.supp", &err) == 0, "%s", err.message);
	fclose(f);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_record rec;
	leak_record(ft, &rec, fns, n);
	const char *m = suppressions_match(s, ft, &rec);
	snprintf(name, sizeof(name), "%s", m != NULL ? m : "-");
	record_release(&rec);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
	return name;
}

#define LEAK(name, lines) "{\n" name "\nMemcheck:Leak\n" lines "}\n"

/* "..." by dynamic programming: any number of frames (none included),
 * anywhere, many of them; and entries that begin alike (whose work is
 * shared) still decide each on its own lines. */
START_TEST(test_ellipsis_dynamic_programming)
{
	static const char *const st[] = {"malloc", "a", "b", "c", "a", "d", "main"};
	size_t n = sizeof(st) / sizeof(st[0]);
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:main\n"), st, n), "e");
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:malloc\n"), st, n), "e");
	ck_assert_str_eq(match_stack(LEAK("e", "fun:malloc\n...\n...\nfun:a\n"), st, n), "e");
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:a\nfun:d\n"), st, n), "e");
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:a\n...\nfun:a\n...\nfun:main\n...\n"),
				     st, n), "e");
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:a\n...\nfun:a\n...\nfun:a\n"), st, n),
			 "-");
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:main\nfun:*\n"), st, n), "-");
	ck_assert_str_eq(match_stack(LEAK("e", "...\n"), st, n), "e");
	/* "..." lines after the last frame match nothing, each (0.1.0 failed
	 * two of them in a row there) */
	ck_assert_str_eq(match_stack(LEAK("e", "...\nfun:main\n...\n...\n"), st, n), "e");
	/* 20 "..." against 7 frames: immediate, not exponential */
	ck_assert_str_eq(match_stack(LEAK("e", "...\n...\n...\n...\n...\n...\n...\n...\n...\n..."
					       "\n...\n...\n...\n...\n...\n...\n...\n...\n...\n..."
					       "\nfun:nothing\n"), st, n), "-");
	/* shared beginnings: the first dies where the second goes on */
	ck_assert_str_eq(match_stack(LEAK("one", "...\nfun:a\nfun:c\n")
				     LEAK("two", "...\nfun:a\nfun:b\nfun:x\n")
				     LEAK("three", "...\nfun:a\nfun:b\nfun:c\n"), st, n), "three");
	ck_assert_str_eq(match_stack(LEAK("one", "...\nfun:nope\nfun:a\n")
				     LEAK("two", "...\nfun:nope\nfun:b\n")
				     LEAK("three", "...\nfun:d\n"), st, n), "three");
	ck_assert_str_eq(match_stack(LEAK("one", "fun:malloc\n...\nfun:zz\n")
				     LEAK("two", "fun:malloc\n...\n"), st, n), "two");
	ck_assert_str_eq(match_stack(LEAK("one", "fun:malloc\n") LEAK("two", "fun:malloc\n"), st, 0),
			 "-");
}
END_TEST

Suite *suppress_suite(void);

#define SUPP_DIR VGT_SRCDIR "/tests/fixtures/ci/"

/* Writes text to a temporary .supp file; returns its path (static). */
static const char *supp_file(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/vgt-supp-XXXXXX");
	tmpfile_put(path, text);
	return path;
}

static struct suppressions *load_text(const char *text, struct vgt_error *err)
{
	struct suppressions *s = suppressions_new();
	const char *path = supp_file(text);
	int rc = suppressions_load(s, path, err);
	unlink(path);
	if (rc != 0) {
		suppressions_free(s);
		return NULL;
	}
	return s;
}

/* The suppressions of text, which must load; text (malloc'd) is freed. */
static struct suppressions *must_load(char *text)
{
	struct vgt_error err;
	struct suppressions *s = load_text(text, &err);
	free(text);
	ck_assert_msg(s != NULL, "%s", err.message);
	return s;
}

/* name → count from <suppcounts> of testdata/<xml>. */
static long suppcount(const char *xml, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/%s", VGT_SRCDIR, xml);
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	long count = 0;
	xmlNode *sc = ci_child(xmlDocGetRootElement(doc), "suppcounts");
	for (xmlNode *p = sc != NULL ? sc->children : NULL; p != NULL; p = p->next) {
		if (p->type != XML_ELEMENT_NODE)
			continue;
		xmlChar *n = xmlNodeGetContent(ci_child(p, "name"));
		xmlChar *c = xmlNodeGetContent(ci_child(p, "count"));
		if (strcmp((const char *)n, name) == 0)
			count = strtol((const char *)c, NULL, 10);
		xmlFree(n);
		xmlFree(c);
	}
	xmlFreeDoc(doc);
	return count;
}

/* Applies supp to every record of `run` and checks per-name counts and
 * the kinds left against valgrind's own suppressed run. */
static void compare_with_valgrind(const char *supp_name, const char *run, const char *supp_run,
				  const char *const *names, size_t n_names)
{
	struct vgt_error err;
	struct suppressions *s = suppressions_new();
	ck_assert_msg(suppressions_load(s, supp_name, &err) == 0, "%s", err.message);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct ci_records all, left;
	ck_assert_int_eq(ci_load(run, ft, &all), 0);
	ck_assert_int_eq(ci_load(supp_run, ft, &left), 0);
	ck_assert_uint_gt(all.count, left.count);
	long *counts = calloc(n_names, sizeof(long));
	size_t kept = 0;
	for (size_t i = 0; i < all.count; i++) {
		const char *m = suppressions_match(s, ft, &all.recs[i]);
		if (m == NULL) {
			/* valgrind left it: the same kind and top function is there. */
			ck_assert_msg(ci_find(&left, all.recs[i].kind_name,
					      stack_frame(ft, &all.recs[i].stack, all.recs[i].stack.count > 1)->fn) != NULL,
				      "record %zu (%s) not suppressed by us, but by valgrind", i,
				      all.recs[i].kind_name);
			kept++;
			continue;
		}
		for (size_t k = 0; k < n_names; k++)
			if (strcmp(m, names[k]) == 0)
				counts[k]++;
	}
	ck_assert_uint_eq(kept, left.count);
	for (size_t k = 0; k < n_names; k++)
		ck_assert_msg(counts[k] == suppcount(supp_run, names[k]),
			      "%s: we suppress %ld, valgrind %ld", names[k], counts[k],
			      suppcount(supp_run, names[k]));
	free(counts);
	ci_release(&all);
	ci_release(&left);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
}

START_TEST(test_leaks_as_valgrind)
{
	static const char *const names[] = {"known_buffer", "reachable_in_main", "lost_list_head",
					    "extra_through_main", "never_matches_prefix"};
	compare_with_valgrind(SUPP_DIR "leaks.supp", "ci_more.xml", "ci_more_supp.xml", names, 5);
}
END_TEST

START_TEST(test_errors_as_valgrind)
{
	static const char *const names[] = {"read_of_4",	 "write_of_8_never", "cond_anywhere_under_main",
					    "value_of_8",	 "param_write_buf",  "frees",
					    "fishy_malloc_size", "client_check",     "leak_possible_only",
					    "other_tool_entry"};
	compare_with_valgrind(SUPP_DIR "errors.supp", "errors_run2.xml", "errors_supp.xml", names, 10);
}
END_TEST

/* One entry against one real record. */
static int matches(const char *entry_body, const char *xml, const char *kind, const char *fn)
{
	struct suppressions *s = must_load(xasprintf("{\n   test\n%s}\n", entry_body));
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct ci_records rs;
	ck_assert_int_eq(ci_load(xml, ft, &rs), 0);
	struct vgt_record *rec = ci_find(&rs, kind, fn);
	ck_assert_ptr_nonnull(rec);
	int m = suppressions_match(s, ft, rec) != NULL;
	ci_release(&rs);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
	return m;
}

START_TEST(test_fun_and_obj_globs)
{
	const char *x = "ci_base.xml";
	ck_assert(matches("Memcheck:Leak\nfun:malloc\nfun:make_buffer\n", x, "Leak_DefinitelyLost",
			  "make_buffer"));
	ck_assert(matches("Memcheck:Leak\nfun:mal*\nfun:make_?uffer\n", x, "Leak_DefinitelyLost",
			  "make_buffer"));
	ck_assert(matches("Memcheck:Leak\nobj:*/vgpreload_memcheck-amd64-linux.so\nfun:*\n", x,
			  "Leak_DefinitelyLost", "make_buffer"));
	/* The allocator frame is part of the stack: skipping it fails. */
	ck_assert(!matches("Memcheck:Leak\nfun:make_buffer\n", x, "Leak_DefinitelyLost", "make_buffer"));
	ck_assert(!matches("Memcheck:Leak\nfun:malloc\nfun:make_buffe\n", x, "Leak_DefinitelyLost",
			   "make_buffer"));
	ck_assert(!matches("Memcheck:Leak\nobj:*/libc.so*\n", x, "Leak_DefinitelyLost", "make_buffer"));
}
END_TEST

/* LeakSanitizer's form: leak:PATTERN, a substring of a frame's function,
 * module or file (anchors ^ $, '*'), for leaks only. */
START_TEST(test_lsan_form)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_frame a = {0}, b = {0};
	a.fn = "__interceptor_malloc";
	b.fn = "__pyx_pf_3api_6native_random_noise";
	b.dir = "api";
	b.file = "native.c";
	b.line = 1279;
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	stack_push(&rec.stack, frames_intern_frame(ft, &a));
	stack_push(&rec.stack, frames_intern_frame(ft, &b));
	static const struct {
		const char *text;
		int hit;
	} cases[] = {
		{"leak:random_noise\n", 1},
		{"# comment\nleak:^__pyx_pf_*noise$\n", 1},
		{"leak:api/native.c\n", 1},
		{"leak:^random_noise\n", 0},
		{"leak:other\ninterceptor_via_fun:__pyx_pf\n", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vgt_error err = {0};
		struct suppressions *s = load_text(cases[i].text, &err);
		ck_assert_msg(s != NULL, "%s", err.message);
		const char *name = suppressions_match(s, ft, &rec);
		ck_assert_msg((name != NULL) == cases[i].hit, "%s", cases[i].text);
		suppressions_free(s);
	}
	/* not a leak: LSan suppresses leaks only */
	rec.kind = VGT_KIND_INVALID_READ;
	struct vgt_error err = {0};
	struct suppressions *s = load_text("leak:random_noise\n", &err);
	ck_assert_ptr_null(suppressions_match(s, ft, &rec));
	suppressions_free(s);
	/* a type without a pattern is an error naming its line */
	ck_assert_ptr_null(load_text("leak:x\nleak:\n", &err));
	ck_assert_int_eq(err.line, 2);
	stack_release(&rec.stack);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

START_TEST(test_ellipsis)
{
	const char *x = "ci_more.xml";
	/* middle: calloc, (extra_leak), main */
	ck_assert(matches("Memcheck:Leak\nfun:calloc\n...\nfun:main\n", x, "Leak_DefinitelyLost",
			  "extra_leak"));
	/* "..." also stands for no frame at all */
	ck_assert(matches("Memcheck:Leak\nfun:calloc\n...\nfun:extra_leak\nfun:main\n", x,
			  "Leak_DefinitelyLost", "extra_leak"));
	ck_assert(!matches("Memcheck:Leak\nfun:calloc\n...\nfun:nowhere\n", x, "Leak_DefinitelyLost",
			   "extra_leak"));
	/* at the end, and at the start */
	ck_assert(matches("Memcheck:Leak\nfun:calloc\n...\n", x, "Leak_DefinitelyLost", "extra_leak"));
	ck_assert(matches("Memcheck:Leak\n...\nfun:extra_leak\n", x, "Leak_DefinitelyLost", "extra_leak"));
	/* the pattern is a prefix: frames beyond it do not matter, but a
	 * pattern longer than the stack does not match */
	ck_assert(!matches("Memcheck:Leak\nfun:calloc\nfun:extra_leak\nfun:main\nfun:*\n", x,
			   "Leak_DefinitelyLost", "extra_leak"));
	ck_assert(matches("Memcheck:Leak\nfun:calloc\nfun:extra_leak\nfun:main\n...\n", x,
			  "Leak_DefinitelyLost", "extra_leak"));
}
END_TEST

START_TEST(test_match_leak_kinds)
{
	const char *x = "ci_base.xml";
#define BODY(kinds) "Memcheck:Leak\nmatch-leak-kinds: " kinds "\nfun:malloc\nfun:lose_list\n"
	const char *buf = BODY("definite");
	ck_assert(matches(buf, x, "Leak_DefinitelyLost", "lose_list"));
	ck_assert(!matches(buf, x, "Leak_IndirectlyLost", "lose_list"));
	buf = BODY("indirect,possible");
	ck_assert(!matches(buf, x, "Leak_DefinitelyLost", "lose_list"));
	ck_assert(matches(buf, x, "Leak_IndirectlyLost", "lose_list"));
	buf = BODY("all");
	ck_assert(matches(buf, x, "Leak_DefinitelyLost", "lose_list"));
	ck_assert(matches(buf, x, "Leak_IndirectlyLost", "lose_list"));
	/* no match-leak-kinds line: every kind */
	ck_assert(matches("Memcheck:Leak\nfun:malloc\nfun:main\n", x, "Leak_StillReachable", "main"));
	/* a Leak entry never matches an error, nor an error entry a leak */
	ck_assert(!matches("Memcheck:Leak\nfun:*\n", "errors_run2.xml", "InvalidRead", "invalid_read"));
	ck_assert(!matches("Memcheck:Addr4\nfun:*\n", x, "Leak_DefinitelyLost", "make_buffer"));
}
END_TEST

START_TEST(test_error_kinds_by_size_and_param)
{
	const char *x = "errors_run2.xml";
	ck_assert(matches("Memcheck:Addr4\nfun:invalid_read\n", x, "InvalidRead", "invalid_read"));
	ck_assert(!matches("Memcheck:Addr1\nfun:invalid_read\n", x, "InvalidRead", "invalid_read"));
	ck_assert(matches("Memcheck:Addr1\nfun:invalid_write\n", x, "InvalidWrite", "invalid_write"));
	ck_assert(matches("Memcheck:Value8\nfun:uninit_value\n", x, "UninitValue", "uninit_value"));
	ck_assert(!matches("Memcheck:Value4\nfun:uninit_value\n", x, "UninitValue", "uninit_value"));
	ck_assert(matches("Memcheck:Cond\nfun:uninit_condition\n", x, "UninitCondition",
			  "uninit_condition"));
	ck_assert(matches("Memcheck:Param\nwrite(buf)\nfun:write\n", x, "SyscallParam", "syscall_param"));
	ck_assert(!matches("Memcheck:Param\nread(buf)\nfun:write\n", x, "SyscallParam", "syscall_param"));
	ck_assert(matches("Memcheck:Free\nfun:free\nfun:double_free\n", x, "InvalidFree", "double_free"));
	ck_assert(matches("Memcheck:Overlap\nfun:strncpy\n", x, "Overlap", "overlap"));
	ck_assert(matches("Memcheck:Mempool\nfun:invalid_mempool\n", x, "InvalidMemPool",
			  "invalid_mempool"));
	ck_assert(matches("Memcheck:FishyValue\nmalloc(size)\nfun:malloc\n", x, "FishyValue",
			  "fishy_value"));
	ck_assert(!matches("Memcheck:FishyValue\ncalloc(nmemb)\nfun:malloc\n", x, "FishyValue",
			   "fishy_value"));
	ck_assert(matches("Memcheck:User\nfun:client_check\n", x, "ClientCheck", "client_check"));
	/* src: lines (newer valgrind): file, and file:line */
	ck_assert(matches("Memcheck:Addr4\nsrc:errors.c\n", x, "InvalidRead", "invalid_read"));
	ck_assert(matches("Memcheck:Addr4\nsrc:err*.c:38\n", x, "InvalidRead", "invalid_read"));
	ck_assert(!matches("Memcheck:Addr4\nsrc:errors.c:39\n", x, "InvalidRead", "invalid_read"));
}
END_TEST

static void expect_error(const char *text, long line, const char *words)
{
	struct vgt_error err;
	vgt_error_clear(&err);
	struct suppressions *s = load_text(text, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(err.line == line, "line %ld, expected %ld (%s)", err.line, line, err.message);
	ck_assert_msg(strstr(err.message, words) != NULL, "'%s' lacks '%s'", err.message, words);
	ck_assert_msg(strncmp(err.file, "/tmp/vgt-supp-", 14) == 0, "file '%s'", err.file);
}

START_TEST(test_malformed)
{
	expect_error("{\n  a\n  Memcheck:Leak\n  fun:malloc\n", 4, "missing '}'");
	expect_error("# c\n{\n  a\n  Memcheck:Bogus\n  fun:x\n}\n", 4, "Bogus");
	expect_error("{\n  a\n  Memcheck:Leak\n  fun:malloc\n  frob:x\n}\n", 5, "frob:x");
	expect_error("{\n  a\n  Memcheck:Leak\n  match-leak-kinds: definite,lost\n  fun:x\n}\n", 4,
		     "match-leak-kinds");
	expect_error("fun:malloc\n", 1, "expected '{'");
	expect_error("{\n  a\n  Leak\n  fun:x\n}\n", 3, "TOOL:KIND");
	expect_error("{\n  a\n  Memcheck:Leak\n}\n", 4, "no frame lines");
}
END_TEST

START_TEST(test_missing_file)
{
	struct vgt_error err;
	struct suppressions *s = suppressions_new();
	ck_assert_int_eq(suppressions_load(s, "/nonexistent/x.supp", &err), -1);
	ck_assert_str_eq(err.file, "/nonexistent/x.supp");
	suppressions_free(s);
	suppressions_free(NULL);
}
END_TEST

/* --gen-suppressions output, read back, suppresses the site's record. */
/* What each entry matched, its file and the line of its name (issue 24). */
START_TEST(test_entry_use)
{
	struct vgt_error err;
	struct suppressions *s = suppressions_new();
	const char *text = "# two entries\n{\n   first\n   Memcheck:Leak\n   fun:malloc\n"
			   "   fun:f\n}\n{\n   second\n   Memcheck:Leak\n   fun:malloc\n"
			   "   fun:g\n}\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	ck_assert_int_eq(suppressions_load_stream(s, f, "two.supp", &err), 0);
	fclose(f);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_record rec;
	const char *const fns[] = {"malloc", "f", "main"};
	leak_record(ft, &rec, fns, 3);
	rec.bytes = 40;
	ck_assert_str_eq(suppressions_match(s, ft, &rec), "first");
	ck_assert_str_eq(suppressions_match(s, ft, &rec), "first");
	ck_assert_uint_eq(suppressions_count(s), 2);
	struct suppressions_use u;
	suppressions_use(s, 0, &u);
	ck_assert_str_eq(u.name, "first");
	ck_assert_str_eq(u.file, "two.supp");
	ck_assert_uint_eq(u.line, 3);
	ck_assert_uint_eq(u.records, 2);
	ck_assert_uint_eq(u.bytes, 80);
	suppressions_use(s, 1, &u);
	ck_assert_uint_eq(u.line, 9);
	ck_assert_uint_eq(u.records, 0);
	record_release(&rec);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
}
END_TEST

START_TEST(test_gen_roundtrip)
{
	struct vgt_report *r = ci_report("errors_run2.xml");
	ck_assert_ptr_nonnull(r);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	for (size_t i = 0; i < r->n_shown; i++)
		ck_assert_int_eq(suppressions_write_entry(mem, r, r->sites[i]), 0);
	fclose(mem);
	ck_assert(strstr(buf, "{\n   <insert_a_suppression_name_here>\n   Memcheck:Leak\n"
			      "   match-leak-kinds: definite\n   fun:malloc\n   fun:leak_definite\n"
			      "   ...\n}\n") != NULL);
	ck_assert(strstr(buf, "Memcheck:Addr4\n   fun:invalid_read\n   ...\n}") != NULL);
	ck_assert(strstr(buf, "Memcheck:Param\n   write(buf)\n") != NULL);
	struct suppressions *s = must_load(buf);
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct ci_records rs;
	ck_assert_int_eq(ci_load("errors_run2.xml", ft, &rs), 0);
	size_t matched = 0;
	for (size_t i = 0; i < rs.count; i++)
		matched += suppressions_match(s, ft, &rs.recs[i]) != NULL;
	/* every record of a shown site; FishyValue needs its extra line */
	ck_assert_uint_ge(matched, r->n_shown - 1);
	ci_release(&rs);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
	report_free(r);
}
END_TEST

/* One frame under "Memcheck:Leak / fun:PATTERN": does it match? */
static int fun_matches_frame(const char *pattern, const struct vgt_frame *frame)
{
	struct suppressions *s = must_load(xasprintf("{\n n\n Memcheck:Leak\n fun:%s\n}\n", pattern));
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	stack_push(&rec.stack, frames_intern_frame(ft, frame));
	int m = suppressions_match(s, ft, &rec) != NULL;
	record_release(&rec);
	frames_free(ft);
	strpool_free(pool);
	suppressions_free(s);
	return m;
}

/* C++ frames: matched by the linkage name valgrind knew. */
START_TEST(test_cxx_names)
{
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.obj = "/x/prog";
	f.fn = "geo::f(int)";
	f.fn_mangled = "_ZN3geo1fEi"; /* known */
	ck_assert(fun_matches_frame("_ZN3geo1fEi", &f));
	ck_assert(fun_matches_frame("_ZN3geo*", &f));
	ck_assert(fun_matches_frame("geo::f*", &f)); /* a demangled pattern */
	ck_assert(!fun_matches_frame("*int*", &f));  /* valgrind sees no "int" */
	f.fn_mangled = NULL; /* only the demangled name in the input */
	ck_assert(fun_matches_frame("_ZN3geo1fEi", &f));
	ck_assert(fun_matches_frame("*3geo*1f*", &f));
	ck_assert(!fun_matches_frame("*3geo*1g*", &f));
	ck_assert(!fun_matches_frame("_ZN3geo1gEi", &f));
	/* aliases known up to a glob (C1/C2 constructors) */
	f.fn = "geo::P::P()";
	f.fn_mangled = "_ZN3geo1PC?Ev";
	f.fn_mangled_glob = 1;
	ck_assert(fun_matches_frame("_ZN3geo1PC1Ev", &f));
	ck_assert(fun_matches_frame("_ZN3geo1PC?Ev", &f));
	ck_assert(!fun_matches_frame("_ZN3geo1QC1Ev", &f));
	/* a constructor pattern with '?' against the demangled name alone */
	f.fn_mangled = NULL;
	f.fn_mangled_glob = 0;
	ck_assert(fun_matches_frame("_ZN3geo1PC?Ev", &f));
	/* named by vgtriage from an unstripped copy: valgrind saw ??? */
	f.fn = "hidden()";
	f.fn_mangled = "_ZL6hiddenv";
	f.fn_from_elf = 1;
	ck_assert(!fun_matches_frame("_ZL6hiddenv", &f));
	ck_assert(fun_matches_frame("*", &f));
	/* C names: one name either way */
	memset(&f, 0, sizeof(f));
	f.fn = "main";
	ck_assert(fun_matches_frame("main", &f));
	ck_assert(fun_matches_frame("ma?n", &f));
}
END_TEST

/* --gen-suppressions for C++ frames: what valgrind matches. */
/* One frame of a hand-made stack, interned in r's frame table. */
static struct vgt_frame *gen_frame(struct vgt_report *r, struct vgt_stack *st, struct vgt_frame *f)
{
	f->ip = st->count + 1;
	stack_push(st, frames_intern_frame(r->frames, f));
	memset(f, 0, sizeof(*f));
	return f;
}

START_TEST(test_gen_cxx)
{
	struct vgt_report *r = report_new();
	struct vgt_site *site = report_new_site(r);
	site->kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	struct vgt_frame frame, *f = &frame;
	memset(f, 0, sizeof(*f));
	f->fn = "operator new[](unsigned long)";
	f->fn_mangled = "_Znam";
	f = gen_frame(r, &site->stack, f);
	f->fn = "int* geo::make_value<int>(unsigned long)"; /* a template: every instantiation */
	f->fn_mangled = "_ZN3geo10make_valueIiEEPT_m";
	f = gen_frame(r, &site->stack, f);
	f->fn = "geo::Box::fill(unsigned long)"; /* no linkage name known */
	f = gen_frame(r, &site->stack, f);
	f->fn = "hidden()"; /* named by vgtriage: valgrind saw ??? */
	f->fn_from_elf = 1;
	f->obj = "/x/prog";
	f = gen_frame(r, &site->stack, f);
	f->fn = "geo::P::P()";
	f->fn_mangled = "_ZN3geo1PC?Ev";
	f->fn_mangled_glob = 1;
	f = gen_frame(r, &site->stack, f);
	f->fn = "operator delete(void*)"; /* no identifier at all */
	f = gen_frame(r, &site->stack, f);
	f->fn = "main";
	gen_frame(r, &site->stack, f);
	site->culprit = 6;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_int_eq(suppressions_write_entry(mem, r, site), 0);
	fclose(mem);
	ck_assert_str_eq(buf, "{\n   <insert_a_suppression_name_here>\n   Memcheck:Leak\n"
			      "   match-leak-kinds: definite\n   fun:_Znam\n   fun:*3geo*10make_value*\n"
			      "   fun:*3geo*3Box*4fill*\n   obj:/x/prog\n   fun:_ZN3geo1PC?Ev\n   fun:*\n"
			      "   fun:main\n}\n");
	free(buf);
	report_free(r);
}
END_TEST

/* Issue 26: an entry per distinct head of a site's records (Addr8 and
 * Addr4 of one use-after-free), inlined template names as globs, and
 * heads that read alike written once. */
START_TEST(test_gen_every_head)
{
	struct vgt_report *r = report_new();
	struct vgt_site *site = report_new_site(r);
	site->kind = VGT_KIND_INVALID_READ;
	site->what = xstrdup("Invalid read of size 8");
	struct vgt_frame frame, *f = &frame;
	memset(f, 0, sizeof(*f));
	f->fn = "main";
	gen_frame(r, &site->stack, f);
	site->heads = xcalloc(3, sizeof(*site->heads));
	site->n_heads = 3;
	for (size_t i = 0; i < 3; i++) {
		site->heads[i].size = i == 1 ? 4 : 8;
		stack_copy(&site->heads[i].stack, &site->stack);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_int_eq(suppressions_write_entry(mem, r, site), 0);
	fclose(mem);
	ck_assert_str_eq(buf, "{\n   <insert_a_suppression_name_here>\n   Memcheck:Addr8\n   fun:main\n"
			      "   ...\n}\n{\n   <insert_a_suppression_name_here>\n   Memcheck:Addr4\n"
			      "   fun:main\n   ...\n}\n");
	free(buf);
	/* a leak through an inlined template: its arguments made a glob */
	struct vgt_site *leak = report_new_site(r);
	leak->kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	memset(f, 0, sizeof(*f));
	f->fn = "operator new(unsigned long)";
	f->fn_mangled = "_Znwm";
	f = gen_frame(r, &leak->stack, f);
	f->fn = strpool_intern(r->pool, "push<std::__cxx11::basic_string<char>, char const*>");
	f->fn_mangled = f->fn; /* inlined: valgrind matches the DWARF name */
	gen_frame(r, &leak->stack, f);
	leak->culprit = 1;
	buf = NULL;
	mem = open_memstream(&buf, &len);
	ck_assert_int_eq(suppressions_write_entry(mem, r, leak), 0);
	fclose(mem);
	ck_assert_str_eq(buf, "{\n   <insert_a_suppression_name_here>\n   Memcheck:Leak\n"
			      "   match-leak-kinds: definite\n   fun:_Znwm\n   fun:push<*>\n}\n");
	free(buf);
	report_free(r);
}
END_TEST

Suite *suppress_suite(void)
{
	Suite *s = suite_create("suppress");
	TCase *tc = tcase_create("suppress");
	tcase_add_test(tc, test_leaks_as_valgrind);
	tcase_add_test(tc, test_errors_as_valgrind);
	tcase_add_test(tc, test_fun_and_obj_globs);
	tcase_add_test(tc, test_ellipsis);
	tcase_add_test(tc, test_lsan_form);
	tcase_add_test(tc, test_ellipsis_dynamic_programming);
	tcase_add_test(tc, test_match_leak_kinds);
	tcase_add_test(tc, test_error_kinds_by_size_and_param);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_entry_use);
	tcase_add_test(tc, test_gen_roundtrip);
	tcase_add_test(tc, test_cxx_names);
	tcase_add_test(tc, test_gen_cxx);
	tcase_add_test(tc, test_gen_every_head);
	suite_add_tcase(s, tc);
	return s;
}
