/*
 * check_vgt.c — vgt.c's shared helpers: saturating counts and deltas.
 */
#include <check.h>
#include <stdint.h>

#include "vgtriage/vgt.h"

Suite *vgt_suite(void);

START_TEST(test_count_add_saturates)
{
	ck_assert_uint_eq(vgt_count_add(2, 3), 5);
	ck_assert_uint_eq(vgt_count_add(VGT_COUNT_MAX - 1, 1), VGT_COUNT_MAX);
	ck_assert_uint_eq(vgt_count_add(VGT_COUNT_MAX, 1), VGT_COUNT_MAX);
	ck_assert_uint_eq(vgt_count_add(VGT_COUNT_MAX, VGT_COUNT_MAX), VGT_COUNT_MAX);
	/* operands past the maximum (a text log's 20-digit count) are cut too */
	ck_assert_uint_eq(vgt_count_add(UINT64_MAX, 0), VGT_COUNT_MAX);
	ck_assert_uint_eq(vgt_count_add(0, UINT64_MAX), VGT_COUNT_MAX);
	ck_assert_int_eq(vgt_count_i64(UINT64_MAX), INT64_MAX);
	ck_assert_int_eq(vgt_count_i64(42), 42);
}
END_TEST

START_TEST(test_deltas_saturate)
{
	ck_assert_int_eq(vgt_delta_add(5, -7), -2);
	ck_assert_int_eq(vgt_delta_add(INT64_MAX, INT64_MAX), INT64_MAX);
	ck_assert_int_eq(vgt_delta_add(INT64_MAX, 1), INT64_MAX);
	ck_assert_int_eq(vgt_delta_add(-INT64_MAX, -INT64_MAX), -INT64_MAX);
	ck_assert_int_eq(vgt_delta_add(INT64_MIN, 0), -INT64_MAX);
	ck_assert_int_eq(vgt_delta_add(-INT64_MAX, INT64_MAX), 0);
	ck_assert_int_eq(vgt_delta_of(10, 3), 7);
	ck_assert_int_eq(vgt_delta_of(3, 10), -7);
	ck_assert_int_eq(vgt_delta_of(UINT64_MAX, 0), INT64_MAX);
	ck_assert_int_eq(vgt_delta_of(0, UINT64_MAX), -INT64_MAX);
	ck_assert_int_eq(vgt_delta_of((uint64_t)1 << 63, 0), INT64_MAX);
}
END_TEST

Suite *vgt_suite(void)
{
	Suite *s = suite_create("vgt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_count_add_saturates);
	tcase_add_test(tc, test_deltas_saturate);
	suite_add_tcase(s, tc);
	return s;
}
