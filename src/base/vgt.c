/*
 * vgt.c — allocation wrappers, number parsing and saturating counts shared
 * by all modules (errors: error.c).
 */
#include "vgtriage/vgt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
	fprintf(stderr, "vgtriage: out of memory (%zu bytes)\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);
	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count != 0 ? count : 1, size != 0 ? size : 1);
	if (p == NULL)
		out_of_memory(count * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size != 0 ? size : 1);
	if (p == NULL)
		out_of_memory(size);
	return p;
}

static void *grow_from(void *ptr, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return ptr;
	size_t n = *cap != 0 ? *cap : first;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			out_of_memory(SIZE_MAX);
		n *= 2;
	}
	*cap = n;
	return xrealloc(ptr, n * elem);
}

void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	return grow_from(ptr, cap, need, elem, 8);
}

void *xgrow_small(void *ptr, size_t *cap, size_t need, size_t elem)
{
	return grow_from(ptr, cap, need, elem, 1);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory(0);
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int vgt_parse_count(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int negative = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		negative = s[i++] == '-';
	uint64_t value = 0;
	int digits = 0;
	for (; i < len; i++) {
		char c = s[i];
		if (c == ',' && digits > 0)
			continue;
		if (c < '0' || c > '9')
			break;
		if (value > (UINT64_MAX - 9) / 10 || value * 10 + (uint64_t)(c - '0') > INT64_MAX)
			return -1;
		value = value * 10 + (uint64_t)(c - '0');
		digits++;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (digits == 0 || i != len)
		return -1;
	*out = negative ? -(int64_t)value : (int64_t)value;
	return 0;
}

uint64_t vgt_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * UINT64_C(0x9E3779B97F4A7C15));
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(0xFF51AFD7ED558CCD);
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * UINT64_C(0xC4CEB9FE1A85EC53);
		h ^= h >> 32;
	}
	h *= UINT64_C(0x9E3779B97F4A7C15);
	return h ^ (h >> 31);
}

uint64_t vgt_count_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

uint64_t vgt_count_add(uint64_t a, uint64_t b)
{
	if (a > VGT_COUNT_MAX)
		a = VGT_COUNT_MAX;
	if (b > VGT_COUNT_MAX - a)
		return VGT_COUNT_MAX;
	return a + b;
}

int64_t vgt_count_i64(uint64_t v)
{
	return v > VGT_COUNT_MAX ? INT64_MAX : (int64_t)v;
}

int64_t vgt_delta_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < -INT64_MAX - b)
		return -INT64_MAX;
	int64_t sum = a + b;
	return sum < -INT64_MAX ? -INT64_MAX : sum;
}

int64_t vgt_delta_of(uint64_t after, uint64_t before)
{
	if (after >= before)
		return vgt_count_i64(after - before);
	return -vgt_count_i64(before - after);
}

const char *vgt_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

int vgt_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *vgt_memfind(const char *s, size_t n, const char *needle, size_t nl)
{
	if (nl == 0)
		return s;
	const char *end = s + n;
	for (const char *p = s; nl <= (size_t)(end - p); p++) {
		p = memchr(p, needle[0], (size_t)(end - p) - nl + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, nl) == 0)
			return p;
	}
	return NULL;
}
