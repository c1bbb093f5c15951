/* check_strpool.c — interning gives one pointer per distinct string. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/strpool.h"
#include "vgtriage/vgt.h"

Suite *strpool_suite(void);

START_TEST(test_same_pointer)
{
	struct strpool *pool = strpool_new();
	char a[] = "malloc", b[] = "malloc";
	ck_assert_ptr_eq(strpool_intern(pool, a), strpool_intern(pool, b));
	ck_assert_ptr_ne(strpool_intern(pool, "malloc"), strpool_intern(pool, "calloc"));
	ck_assert_uint_eq(strpool_count(pool), 2);
	ck_assert_ptr_eq(strpool_intern_n(pool, "mallocX", 6), strpool_intern(pool, "malloc"));
	ck_assert_ptr_null(strpool_intern(pool, NULL));
	strpool_free(pool);
	strpool_free(NULL);
}
END_TEST

START_TEST(test_many_strings_survive_growth)
{
	struct strpool *pool = strpool_new();
	const char *first[5000];
	for (int i = 0; i < 5000; i++)
		first[i] = strpool_printf(pool, "fn_%d", i);
	for (int i = 0; i < 5000; i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "fn_%d", i);
		ck_assert_ptr_eq(strpool_intern(pool, buf), first[i]);
		ck_assert_str_eq(first[i], buf);
	}
	ck_assert_uint_eq(strpool_count(pool), 5000);
	strpool_free(pool);
}
END_TEST

START_TEST(test_long_string)
{
	struct strpool *pool = strpool_new();
	size_t n = 200000;
	char *big = xmalloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	const char *small = strpool_intern(pool, "small");
	const char *p = strpool_intern(pool, big);
	ck_assert_uint_eq(strlen(p), n);
	ck_assert_ptr_eq(strpool_intern(pool, "small"), small);
	free(big);
	strpool_free(pool);
}
END_TEST

START_TEST(test_parse_count)
{
	int64_t v = 0;
	ck_assert_int_eq(vgt_parse_count("1,008", 5, &v), 0);
	ck_assert_int_eq(v, 1008);
	ck_assert_int_eq(vgt_parse_count("+1,600", 6, &v), 0);
	ck_assert_int_eq(v, 1600);
	ck_assert_int_eq(vgt_parse_count(" 42\n", 4, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(vgt_parse_count("...", 3, &v), -1);
	ck_assert_int_eq(vgt_parse_count("", 0, &v), -1);
	ck_assert_int_eq(vgt_parse_count("99999999999999999999", 20, &v), -1);
}
END_TEST

Suite *strpool_suite(void)
{
	Suite *s = suite_create("strpool");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_same_pointer);
	tcase_add_test(tc, test_many_strings_survive_growth);
	tcase_add_test(tc, test_long_string);
	tcase_add_test(tc, test_parse_count);
	suite_add_tcase(s, tc);
	return s;
}
