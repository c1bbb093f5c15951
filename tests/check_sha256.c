/* check_sha256.c — SHA-256 against FIPS 180-4 vectors, at the padding
 * boundaries, and its base64 form as CSP hash sources take it. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "base/sha256.h"

Suite *sha256_suite(void);

static void hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_len(size_t n, const char *want_hex, const char *want_b64)
{
	char buf[128], h[65], b[45];
	memset(buf, 'a', sizeof(buf));
	uint8_t d[32];
	sha256(buf, n, d);
	hex(d, h);
	ck_assert_str_eq(h, want_hex);
	sha256_base64(buf, n, b);
	ck_assert_str_eq(b, want_b64);
}

START_TEST(test_vectors)
{
	uint8_t d[32];
	char h[65], b[45];
	sha256("abc", 3, d);
	hex(d, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_base64("", 0, b);
	ck_assert_str_eq(b, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	sha256_base64("abc", 3, b);
	ck_assert_str_eq(b, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}
END_TEST

/* 55 bytes: the length fits the last block; 56: it does not; 64, 119:
 * whole blocks and the longest one-extra-block tail. */
START_TEST(test_padding_boundaries)
{
	check_len(55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
		  "n0OQ+NMMLdkuyfCVtl4rmumwqSWlJY4kHJ8ekQ9zQxg=");
	check_len(56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
		  "s1Q5pKxvCUi21vnjxq8PX1kM4g8b3nCQ73lwaG7Gc4o=");
	check_len(64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
		  "/+BU/nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs=");
	check_len(119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
		  "MeulHDE6XAgiat8Y1KNZz9/Y0ugWsT9K+VL36mWE3Ps=");
}
END_TEST

Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_padding_boundaries);
	suite_add_tcase(s, tc);
	return s;
}
