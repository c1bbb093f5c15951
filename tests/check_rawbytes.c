#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "read/rawbytes.h"

/* Filters in whole, then unmaps: the bytes come back as they were. */
static size_t roundtrip(const char *in, size_t n, size_t chunk, char *back, size_t *mapped)
{
	struct rawbytes st = {0};
	char *out = NULL, *all = NULL;
	size_t cap = 0, len = 0, all_cap = 0;
	for (size_t i = 0; i < n || i == 0; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		int last = i + k >= n;
		size_t m = rawbytes_filter(&st, in + i, k, &out, &cap, last);
		if (len + m + 1 > all_cap) {
			all_cap = (len + m + 1) * 2;
			all = realloc(all, all_cap);
		}
		memcpy(all + len, out, m);
		len += m;
		if (last)
			break;
	}
	/* what libxml2 would get is well-formed UTF-8 */
	for (size_t i = 0; i < len; i++)
		ck_assert_msg((unsigned char)all[i] != 0xff && (unsigned char)all[i] != 0xfe,
			      "0xFE/0xFF left in the filtered text");
	len = rawbytes_unmap(all, len);
	memcpy(back, all, len);
	*mapped = st.mapped;
	free(out);
	free(all);
	return len;
}

START_TEST(test_plain_text_unchanged)
{
	const char *in = "<obj>/usr/lib/caf\xc3\xa9.so</obj> \xe2\x82\xac \xf0\x9f\x98\x80";
	struct rawbytes st = {0};
	char *out = NULL;
	size_t cap = 0;
	size_t n = rawbytes_filter(&st, in, strlen(in), &out, &cap, 1);
	ck_assert_uint_eq(n, strlen(in));
	ck_assert(memcmp(out, in, n) == 0);
	ck_assert_uint_eq(st.mapped, 0);
	free(out);
}
END_TEST

START_TEST(test_raw_bytes_round_trip)
{
	/* Latin-1 bytes of a path, a lone continuation byte, a cut 3-byte
	 * sequence, an overlong form, a surrogate, 0xFF */
	const char in[] = "<obj>/tmp/caf\xe9/\x80x\xe2\x82 \xc0\xaf \xed\xa0\x80 \xff</obj>";
	size_t n = sizeof(in) - 1;
	for (size_t chunk = 1; chunk <= n; chunk++) {
		char back[256];
		size_t mapped;
		size_t len = roundtrip(in, n, chunk, back, &mapped);
		ck_assert_uint_eq(len, n);
		ck_assert_msg(memcmp(back, in, n) == 0, "chunk %zu: bytes changed", chunk);
		ck_assert_uint_eq(mapped, 10);
	}
}
END_TEST

START_TEST(test_sequences_cut_by_chunks)
{
	const char in[] = "a\xf0\x9f\x98\x80" "b\xe2\x82\xac" "c\xc3\xa9";
	size_t n = sizeof(in) - 1;
	for (size_t chunk = 1; chunk <= n; chunk++) {
		char back[64];
		size_t mapped;
		size_t len = roundtrip(in, n, chunk, back, &mapped);
		ck_assert_uint_eq(len, n);
		ck_assert(memcmp(back, in, n) == 0);
		ck_assert_msg(mapped == 0, "chunk %zu mapped a well-formed sequence", chunk);
	}
}
END_TEST

START_TEST(test_clean_finds_bytes_past_ascii_runs)
{
	/* rawbytes_clean skips ASCII eight bytes at a time: a bad byte, a
	 * cut sequence or a well-formed one at every offset of a long run */
	char buf[64];
	struct rawbytes st = {0};
	for (size_t at = 0; at < 40; at++) {
		memset(buf, 'a', sizeof(buf));
		buf[at] = (char)0xe9; /* Latin-1: not UTF-8 */
		ck_assert_msg(!rawbytes_clean(&st, buf, sizeof(buf)), "0xE9 at %zu missed", at);
		buf[at] = (char)0xc3; /* ends the chunk cut: not clean either */
		ck_assert_msg(!rawbytes_clean(&st, buf, at + 1), "cut at %zu missed", at);
		buf[at + 1] = (char)0xa9; /* U+00E9, well-formed */
		ck_assert_msg(rawbytes_clean(&st, buf, sizeof(buf)), "U+00E9 at %zu refused", at);
	}
	memset(buf, 'a', sizeof(buf));
	ck_assert(rawbytes_clean(&st, buf, sizeof(buf)));
}
END_TEST

Suite *rawbytes_suite(void);
Suite *rawbytes_suite(void)
{
	Suite *s = suite_create("rawbytes");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_text_unchanged);
	tcase_add_test(tc, test_raw_bytes_round_trip);
	tcase_add_test(tc, test_sequences_cut_by_chunks);
	tcase_add_test(tc, test_clean_finds_bytes_past_ascii_runs);
	suite_add_tcase(s, tc);
	return s;
}
