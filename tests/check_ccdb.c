/*
 * check_ccdb.c — compile_commands.json: found above a source (in build/),
 * a source's own entry and a header's nearest one, the flags taken (and
 * the include directories the source policy refuses), shell quoting of a
 * "command", databases that are not one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/srcpolicy.h"
#include "explain/ccdb.h"

#include "tmpdir.h"

Suite *ccdb_suite(void);

static char root[64];

static void put(const char *rel, const char *text)
{
	tmpdir_put(root, rel, text);
}

static void make_tree(const char *db)
{
	tmpdir_make(root, sizeof(root), "/tmp/vgt-ccdb-XXXXXX");
	char d[512];
	static const char *const dirs[] = {"src", "include", "build", NULL};
	for (size_t i = 0; dirs[i] != NULL; i++) {
		snprintf(d, sizeof(d), "%s/%s", root, dirs[i]);
		ck_assert_int_eq(mkdir(d, 0700), 0);
	}
	put("src/a.cpp", "int main() { return 0; }\n");
	put("src/b.cpp", "int b() { return 0; }\n");
	put("include/a.h", "int a();\n");
	if (db != NULL)
		put("build/compile_commands.json", db);
}

static int has(const struct ccdb_flags *f, const char *flag)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->argv[i], flag) == 0)
			return 1;
	return 0;
}

START_TEST(test_split_command)
{
	char **w = ccdb_split_command("g++  -DA='x y' \"-I/a b\" -DB=\\\"q\\\" c.cpp", 16);
	ck_assert_str_eq(w[0], "g++");
	ck_assert_str_eq(w[1], "-DA=x y");
	ck_assert_str_eq(w[2], "-I/a b");
	ck_assert_str_eq(w[3], "-DB=\"q\"");
	ck_assert_str_eq(w[4], "c.cpp");
	ck_assert_ptr_null(w[5]);
	for (size_t i = 0; w[i] != NULL; i++)
		free(w[i]);
	free(w);
	w = ccdb_split_command("a b c d", 2); /* at most max words */
	ck_assert_ptr_null(w[2]);
	free(w[0]);
	free(w[1]);
	free(w);
}
END_TEST

START_TEST(test_flags_found_above)
{
	char db[2048];
	make_tree(NULL);
	snprintf(db, sizeof(db),
		 "[{\"directory\": \"%s/build\", \"file\": \"../src/a.cpp\",\n"
		 "  \"command\": \"c++ -I../include -isystem %s/include -I /etc -D X=1 -UY "
		 "-std=c++20 -O2 -c ../src/a.cpp\"},\n"
		 " {\"directory\": \"%s/build\", \"file\": \"%s/src/b.cpp\",\n"
		 "  \"arguments\": [\"cc\", \"-DB\", \"-c\", \"b.c\"]}]\n",
		 root, root, root, root);
	put("build/compile_commands.json", db);
	const char *const roots[] = {root};
	struct srcpolicy *policy = srcpolicy_new(roots, 1, 0);
	struct ccdb *c = ccdb_new(policy);
	struct ccdb_flags f;
	char path[512];
	snprintf(path, sizeof(path), "%s/src/a.cpp", root);
	ck_assert_int_eq(ccdb_flags_for(c, path, &f), 0);
	ck_assert_msg(strstr(f.db, "/build/compile_commands.json") != NULL, "%s", f.db);
	ck_assert_msg(strstr(f.entry, "nearest") == NULL, "%s", f.entry);
	ck_assert_int_eq(f.cxx, 1);
	ck_assert(has(&f, "-DX=1"));
	ck_assert(has(&f, "-UY"));
	ck_assert(has(&f, "-std=c++20"));
	ck_assert(!has(&f, "-O2"));
	ck_assert_uint_eq(f.n_roots, 2); /* -I../include and -isystem, not /etc */
	ck_assert_msg(strstr(f.left_out, "-I/etc (outside") != NULL, "%s", f.left_out);
	char said[2048];
	ccdb_describe(path, &f, 1, said, sizeof(said));
	ck_assert_msg(strstr(said, "-DX=1") != NULL && strstr(said, "left out") != NULL, "%s", said);
	ccdb_flags_clear(&f);
	/* the "arguments" form; a C compiler */
	snprintf(path, sizeof(path), "%s/src/b.cpp", root);
	ck_assert_int_eq(ccdb_flags_for(c, path, &f), 0);
	ck_assert(has(&f, "-DB"));
	ccdb_flags_clear(&f);
	/* a header: the entry nearest to it */
	snprintf(path, sizeof(path), "%s/include/a.h", root);
	ck_assert_int_eq(ccdb_flags_for(c, path, &f), 0);
	ck_assert_msg(strstr(f.entry, "(the nearest entry") != NULL, "%s", f.entry);
	ccdb_flags_clear(&f);
	ccdb_free(c);
	srcpolicy_free(policy);
	tmpdir_remove(root);
}
END_TEST

/* Nothing above the roots is looked at; a database that is not one is
 * no database. */
START_TEST(test_no_database)
{
	make_tree("{\"not\": \"an array\"}");
	char path[512];
	snprintf(path, sizeof(path), "%s/src/a.cpp", root);
	/* the roots hold only src/: build/ is above them */
	char src[512];
	snprintf(src, sizeof(src), "%s/src", root);
	const char *const roots[] = {src};
	struct srcpolicy *policy = srcpolicy_new(roots, 1, 0);
	struct ccdb *c = ccdb_new(policy);
	struct ccdb_flags f;
	ck_assert_int_eq(ccdb_flags_for(c, path, &f), -1);
	ck_assert_str_eq(f.db, "");
	ccdb_free(c);
	srcpolicy_free(policy);
	const char *const all[] = {root};
	policy = srcpolicy_new(all, 1, 0);
	c = ccdb_new(policy);
	ck_assert_int_eq(ccdb_flags_for(c, path, &f), -1);
	char said[512];
	ccdb_describe(path, &f, 0, said, sizeof(said));
	ck_assert_msg(strstr(said, "helper's defaults") != NULL, "%s", said);
	ccdb_free(c);
	srcpolicy_free(policy);
	tmpdir_remove(root);
}
END_TEST

Suite *ccdb_suite(void)
{
	Suite *s = suite_create("ccdb");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_split_command);
	tcase_add_test(tc, test_flags_found_above);
	tcase_add_test(tc, test_no_database);
	suite_add_tcase(s, tc);
	return s;
}
