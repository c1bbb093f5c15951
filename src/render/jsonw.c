/*
 * jsonw.c — the streaming JSON writer (jsonw.h).
 *
 * Output collects in a 64 KiB buffer written with one fwrite when full.
 * An opened container writes its newline and indentation only when its
 * first member comes, so empty ones print as [] and {} as jansson does.
 */
#include "render/jsonw.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

#define BUF_SIZE (64 * 1024)
#define MAX_NEST 64

struct jsonw {
	FILE *out;
	int pretty;
	int depth;
	/* per open container: 1 = object; and whether it has members yet */
	unsigned char is_object[MAX_NEST];
	unsigned char has_members[MAX_NEST];
	int after_key;      /* a key was written: the value follows on its line */
	size_t len;
	char buf[BUF_SIZE];
};

struct jsonw *jsonw_new(FILE *out, int pretty)
{
	struct jsonw *w = xmalloc(sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->depth = 0;
	w->after_key = 0;
	w->len = 0;
	return w;
}

struct jsonw *jsonw_new_nested(FILE *out, int pretty, int depth)
{
	struct jsonw *w = jsonw_new(out, pretty);
	assert(depth >= 0 && depth < MAX_NEST);
	for (int d = 0; d < depth; d++) {
		w->is_object[d] = 0;
		w->has_members[d] = 1;
	}
	w->depth = depth;
	w->after_key = 1; /* the value starts at once, as after a key */
	return w;
}

int jsonw_depth(const struct jsonw *w)
{
	return w->depth;
}


void jsonw_flush(struct jsonw *w)
{
	if (w->len > 0)
		fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

int jsonw_free(struct jsonw *w)
{
	if (w == NULL)
		return 0;
	jsonw_flush(w);
	int rc = ferror(w->out) ? -1 : 0;
	free(w);
	return rc;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->len + n > BUF_SIZE) {
		jsonw_flush(w);
		if (n > BUF_SIZE) {
			fwrite(s, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putc_(struct jsonw *w, char c)
{
	if (w->len == BUF_SIZE)
		jsonw_flush(w);
	w->buf[w->len++] = c;
}

static void newline_indent(struct jsonw *w, int depth)
{
	static const char spaces[] = "                                                                ";
	putc_(w, '\n');
	size_t n = (size_t)depth * 2;
	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		put(w, spaces, k);
		n -= k;
	}
}

/* Before a value or a key: the separator and, pretty, the indentation. */
static void before_item(struct jsonw *w)
{
	if (w->depth == 0)
		return;
	int d = w->depth - 1;
	if (w->has_members[d])
		putc_(w, ',');
	w->has_members[d] = 1;
	if (w->pretty)
		newline_indent(w, w->depth);
}

static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	assert(w->depth == 0 || !w->is_object[w->depth - 1]);
	before_item(w);
}

static void open_container(struct jsonw *w, int object)
{
	before_value(w);
	putc_(w, object ? '{' : '[');
	assert(w->depth < MAX_NEST);
	if (w->depth < MAX_NEST) {
		w->is_object[w->depth] = (unsigned char)object;
		w->has_members[w->depth] = 0;
	}
	w->depth++;
}

static void close_container(struct jsonw *w, int object)
{
	assert(w->depth > 0 && !w->after_key);
	w->depth--;
	if (w->pretty && w->has_members[w->depth])
		newline_indent(w, w->depth);
	putc_(w, object ? '}' : ']');
}

void jsonw_raw_value(struct jsonw *w, const char *text, size_t len)
{
	before_value(w);
	put(w, text, len);
}

void jsonw_object_begin(struct jsonw *w) { open_container(w, 1); }
void jsonw_object_end(struct jsonw *w) { close_container(w, 1); }
void jsonw_array_begin(struct jsonw *w) { open_container(w, 0); }
void jsonw_array_end(struct jsonw *w) { close_container(w, 0); }

static void put_hex4(struct jsonw *w, unsigned v)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[6] = {'\\', 'u', hex[(v >> 12) & 0xf], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf],
		       hex[v & 0xf]};
	put(w, esc, sizeof(esc));
}

/* The length of the valid UTF-8 sequence at s (0 if not valid), and its
 * code point. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, min = 0x80, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, min = 0x800, c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int jsonw_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;
	for (size_t i = 0; i < n;) {
		size_t len = u[i] < 0x80 ? 1 : utf8_decode(u + i, n - i, &cp);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

void jsonw_kbytes(struct jsonw *w, const char *key, const char *s)
{
	size_t n = strlen(s);
	if (jsonw_utf8_valid(s, n)) {
		jsonw_kstring(w, key, s);
		return;
	}
	static const char digits[] = "0123456789abcdef";
	char *hex = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	hex[2 * n] = '\0';
	jsonw_key(w, key);
	jsonw_object_begin(w);
	jsonw_kstring(w, "hex", hex);
	jsonw_object_end(w);
	free(hex);
}

/* One byte that needs an escape (or a non-ASCII sequence); returns the
 * bytes consumed. */
static size_t put_escaped(struct jsonw *w, const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80) {
		char esc[2] = {'\\', 0};
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: put_hex4(w, c); return 1;
		}
		put(w, esc, 2);
		return 1;
	}
	unsigned cp;
	size_t len = utf8_decode(s, n, &cp);
	if (len == 0) {
		put_hex4(w, 0xFFFD);
		return 1;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		put_hex4(w, 0xD800 | (cp >> 10));
		put_hex4(w, 0xDC00 | (cp & 0x3FF));
	} else {
		put_hex4(w, cp);
	}
	return len;
}

/* 1 for the bytes a JSON string holds as they are. */
static const unsigned char plain[256] = {
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
	[0x20] = 1, [0x21] = 1, [0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1, [0x27] = 1,
	[0x28] = 1, [0x29] = 1, [0x2a] = 1, [0x2b] = 1, [0x2c] = 1, [0x2d] = 1, [0x2e] = 1,
	[0x2f] = 1,
	[0x30] = P16, [0x40] = P16,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x5c is the backslash */ [0x5d] = 1, 1, 1,
	[0x60] = P16, [0x70] = P16,
#undef P16
};

static int plain_byte(unsigned char c)
{
	return plain[c];
}

static void put_string(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	putc_(w, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && plain_byte(s[run]))
			run++;
		if (run > i)
			put(w, str + i, run - i);
		i = run;
		if (i < n)
			i += put_escaped(w, s + i, n - i);
	}
	putc_(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	assert(w->depth > 0 && w->is_object[w->depth - 1] && !w->after_key);
	before_item(w);
	put_string(w, key, strlen(key));
	if (w->pretty)
		put(w, ": ", 2);
	else
		putc_(w, ':');
	w->after_key = 1;
}

void jsonw_string_n(struct jsonw *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w, s, len);
}

void jsonw_string(struct jsonw *w, const char *s)
{
	if (s == NULL)
		jsonw_null(w);
	else
		jsonw_string_n(w, s, strlen(s));
}

static void put_u64(struct jsonw *w, uint64_t v, int negative)
{
	char digits[24];
	size_t n = sizeof(digits);
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (negative)
		digits[--n] = '-';
	put(w, digits + n, sizeof(digits) - n);
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	before_value(w);
	put_u64(w, v, 0);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	before_value(w);
	if (v < 0)
		put_u64(w, (uint64_t)0 - (uint64_t)v, 1);
	else
		put_u64(w, (uint64_t)v, 0);
}

void jsonw_double(struct jsonw *w, double v)
{
	before_value(w);
	char buf[40];
	int n = snprintf(buf, sizeof(buf) - 2, "%.17g", v);
	if (n < 0)
		n = 0;
	if (strpbrk(buf, ".eE") == NULL && strchr(buf, 'n') == NULL && strchr(buf, 'i') == NULL) {
		buf[n++] = '.';
		buf[n++] = '0';
	}
	put(w, buf, (size_t)n);
}

void jsonw_bool(struct jsonw *w, int v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jsonw_end_line(struct jsonw *w)
{
	assert(w->depth == 0);
	putc_(w, '\n');
}

void jsonw_kstring(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_string(w, s);
}

void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_uint(w, v);
}

void jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *key, int v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}
