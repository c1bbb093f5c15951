/*
 * check_jsonw.c — the streaming JSON writer against jansson (the writer of
 * the 0.1.0 reports, whose format it keeps), escaping of hostile strings,
 * and numbers past 2^63.
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/jsonw.h"

Suite *jsonw_suite(void);

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static struct jsonw *mem_open(struct mem *m, int pretty)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	ck_assert_ptr_nonnull(m->f);
	return jsonw_new(m->f, pretty);
}

static char *mem_close(struct mem *m, struct jsonw *w)
{
	ck_assert_int_eq(jsonw_free(w), 0);
	fclose(m->f);
	return m->buf;
}

/* A document with nesting, empty containers and every kind of value. */
static void write_doc(struct jsonw *w, const char *text)
{
	jsonw_object_begin(w);
	jsonw_kstring(w, "s", text);
	jsonw_kuint(w, "n", 1234567);
	jsonw_kint(w, "neg", -42);
	jsonw_kbool(w, "t", 1);
	jsonw_key(w, "nothing");
	jsonw_null(w);
	jsonw_key(w, "empty_a");
	jsonw_array_begin(w);
	jsonw_array_end(w);
	jsonw_key(w, "empty_o");
	jsonw_object_begin(w);
	jsonw_object_end(w);
	jsonw_key(w, "list");
	jsonw_array_begin(w);
	jsonw_uint(w, 1);
	jsonw_array_begin(w);
	jsonw_array_end(w);
	jsonw_object_begin(w);
	jsonw_kstring(w, "k", "v");
	jsonw_object_end(w);
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static json_t *jansson_doc(const char *text)
{
	return json_pack("{s:s,s:i,s:i,s:b,s:n,s:[],s:{},s:[i,[],{s:s}]}", "s", text, "n", 1234567,
			 "neg", -42, "t", 1, "nothing", "empty_a", "empty_o", "list", 1, "k", "v");
}

static void assert_like_jansson(const char *text, int pretty)
{
	struct mem m;
	struct jsonw *w = mem_open(&m, pretty);
	write_doc(w, text);
	char *ours = mem_close(&m, w);
	json_t *doc = jansson_doc(text);
	ck_assert_ptr_nonnull(doc); /* valid UTF-8 only */
	char *theirs = json_dumps(doc, pretty ? DUMP_FLAGS
					      : JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(doc);
	ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
}

START_TEST(test_format_is_janssons)
{
	static const char *const texts[] = {
		"plain", "", "quote \" backslash \\ slash /", "tab\tnl\ncr\rff\fbs\b",
		"\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "<>&'",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_like_jansson(texts[i], 1);
		assert_like_jansson(texts[i], 0);
	}
}
END_TEST

/* Random valid UTF-8 of every length class, compared with jansson. */
START_TEST(test_random_strings_like_jansson)
{
	unsigned seed = 12345;
	for (int round = 0; round < 300; round++) {
		char text[256];
		size_t n = 0;
		while (n < sizeof(text) - 5) {
			seed = seed * 1103515245u + 12345u;
			unsigned cp = (seed >> 8) % 0x110000;
			if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
				continue;
			if ((seed & 3) != 0)
				cp &= 0x7F; /* mostly ASCII, controls included */
			if (cp == 0)
				continue;
			if (cp < 0x80) {
				text[n++] = (char)cp;
			} else if (cp < 0x800) {
				text[n++] = (char)(0xC0 | cp >> 6);
				text[n++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				text[n++] = (char)(0xE0 | cp >> 12);
				text[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				text[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				text[n++] = (char)(0xF0 | cp >> 18);
				text[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				text[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				text[n++] = (char)(0x80 | (cp & 0x3F));
			}
			if ((seed >> 3) % 40 == 0)
				break;
		}
		text[n] = '\0';
		assert_like_jansson(text, round & 1);
	}
}
END_TEST

/* Bytes that are not UTF-8 (jansson refuses them) still give valid JSON. */
START_TEST(test_invalid_utf8_is_replaced)
{
	static const char bad[] = "a\xff" "b\xc3" "c\xe2\x82" "d\xed\xa0\x80" "e\xc0\xaf" "f";
	struct mem m;
	struct jsonw *w = mem_open(&m, 0);
	jsonw_string(w, bad);
	char *out = mem_close(&m, w);
	ck_assert_str_eq(out, "\"a\\uFFFDb\\uFFFDc\\uFFFD\\uFFFDd\\uFFFD\\uFFFD\\uFFFDe\\uFFFD\\uFFFDf\"");
	json_error_t err;
	json_t *back = json_loads(out, JSON_DECODE_ANY, &err);
	ck_assert_msg(back != NULL, "%s", err.text);
	json_decref(back);
	free(out);
}
END_TEST

START_TEST(test_numbers_past_int64)
{
	struct mem m;
	struct jsonw *w = mem_open(&m, 0);
	jsonw_array_begin(w);
	jsonw_uint(w, UINT64_MAX);
	jsonw_uint(w, (uint64_t)INT64_MAX + 1);
	jsonw_int(w, INT64_MIN);
	jsonw_uint(w, 0);
	jsonw_array_end(w);
	jsonw_end_line(w);
	char *out = mem_close(&m, w);
	ck_assert_str_eq(out, "[18446744073709551615,9223372036854775808,-9223372036854775808,0]\n");
	free(out);
}
END_TEST

/* A piece written by a nested writer and placed raw equals writing it in
 * place (the frame cache of render_json relies on it). */
START_TEST(test_raw_value_at_depth)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		struct mem m;
		struct jsonw *w = mem_open(&m, pretty);
		jsonw_object_begin(w);
		jsonw_key(w, "a");
		jsonw_array_begin(w);
		jsonw_object_begin(w);
		jsonw_kstring(w, "fn", "main");
		jsonw_object_end(w);
		jsonw_object_begin(w);
		jsonw_kstring(w, "fn", "main");
		jsonw_object_end(w);
		jsonw_array_end(w);
		jsonw_object_end(w);
		char *direct = mem_close(&m, w);

		struct mem piece;
		struct jsonw *p = mem_open(&piece, pretty);
		jsonw_free(p);
		fclose(piece.f);
		free(piece.buf);
		piece.buf = NULL;
		piece.f = open_memstream(&piece.buf, &piece.len);
		p = jsonw_new_nested(piece.f, pretty, 2);
		jsonw_object_begin(p);
		jsonw_kstring(p, "fn", "main");
		jsonw_object_end(p);
		char *text = mem_close(&piece, p);

		w = mem_open(&m, pretty);
		jsonw_object_begin(w);
		jsonw_key(w, "a");
		jsonw_array_begin(w);
		ck_assert_int_eq(jsonw_depth(w), 2);
		jsonw_raw_value(w, text, strlen(text));
		jsonw_raw_value(w, text, strlen(text));
		jsonw_array_end(w);
		jsonw_object_end(w);
		char *placed = mem_close(&m, w);
		ck_assert_str_eq(placed, direct);
		free(direct);
		free(text);
		free(placed);
	}
}
END_TEST

/* Keys from the input (unknown kinds) are escaped too. */
START_TEST(test_keys_escaped)
{
	struct mem m;
	struct jsonw *w = mem_open(&m, 0);
	jsonw_object_begin(w);
	jsonw_kuint(w, "Weird\"Kind\n", 1);
	jsonw_object_end(w);
	char *out = mem_close(&m, w);
	ck_assert_str_eq(out, "{\"Weird\\\"Kind\\n\":1}");
	free(out);
}
END_TEST

Suite *jsonw_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_format_is_janssons);
	tcase_add_test(tc, test_random_strings_like_jansson);
	tcase_add_test(tc, test_invalid_utf8_is_replaced);
	tcase_add_test(tc, test_numbers_past_int64);
	tcase_add_test(tc, test_raw_value_at_depth);
	tcase_add_test(tc, test_keys_escaped);
	suite_add_tcase(s, tc);
	return s;
}
