/*
 * rawbytes.c — not-UTF-8 bytes in valgrind's XML, kept (see rawbytes.h).
 */
#include "read/rawbytes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

int rawbytes_sequence_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
		if (s[i] < min || s[i] > max)
			return 0;
	}
	return len;
}

/* The eight bytes at s are all ASCII. */
static int all_ascii8(const unsigned char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return (w & UINT64_C(0x8080808080808080)) == 0;
}

static size_t put(char **out, size_t *cap, size_t at, const void *p, size_t n)
{
	if (n == 0) /* nothing to add (and *out may be NULL yet) */
		return at;
	*out = xgrow(*out, cap, at + n, 1);
	memcpy(*out + at, p, n);
	return at + n;
}

/* U+F780 + (b & 0x7f): EF 9E 80..BF for 0x80..0xBF, EF 9F 80..BF after. */
static size_t put_mapped(char **out, size_t *cap, size_t at, unsigned char b)
{
	unsigned cp = 0xf780u + (b & 0x7fu);
	unsigned char u[3] = {(unsigned char)(0xe0 | (cp >> 12)),
			      (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
			      (unsigned char)(0x80 | (cp & 0x3f))};
	return put(out, cap, at, u, 3);
}

/* Writes s[0..n) up to a cut sequence at its end; returns how many bytes
 * were consumed (the rest is the cut start). */
static size_t filter_run(struct rawbytes *st, const unsigned char *s, size_t n, char **out,
			 size_t *cap, size_t *at, int last)
{
	size_t i = 0, plain = 0;
	while (i < n) {
		int len = rawbytes_sequence_length(s + i, n - i);
		if (len > 0) {
			i += (size_t)len;
			continue;
		}
		if (len < 0 && !last)
			break; /* the rest may complete with the next chunk */
		*at = put(out, cap, *at, s + plain, i - plain);
		*at = put_mapped(out, cap, *at, s[i]);
		st->mapped++;
		plain = ++i;
	}
	*at = put(out, cap, *at, s + plain, i - plain);
	return i;
}

int rawbytes_clean(const struct rawbytes *st, const char *in, size_t n)
{
	const unsigned char *s = (const unsigned char *)in;
	if (st->n_pending > 0)
		return 0;
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			/* valgrind's XML is nearly all ASCII: eight bytes a step */
			while (n - i >= 8 && all_ascii8(s + i))
				i += 8;
			continue;
		}
		int len = rawbytes_sequence_length(s + i, n - i);
		if (len <= 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

size_t rawbytes_filter(struct rawbytes *st, const char *in, size_t n, char **out,
		       size_t *cap, int last)
{
	size_t at = 0;
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *joined = NULL;
	if (st->n_pending > 0) {
		/* a sequence cut by the last chunk's end (rare: only non-ASCII
		 * text is ever cut): this chunk after it */
		joined = xmalloc(st->n_pending + n);
		memcpy(joined, st->pending, st->n_pending);
		memcpy(joined + st->n_pending, in, n);
		n += st->n_pending;
		s = joined;
		st->n_pending = 0;
	}
	size_t done = filter_run(st, s, n, out, cap, &at, last);
	if (done < n) { /* at most 3 bytes: the start of a 4-byte sequence */
		memcpy(st->pending, s + done, n - done);
		st->n_pending = n - done;
	}
	free(joined);
	return at;
}

size_t rawbytes_unmap(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s;
	size_t r = 0, w = 0;
	while (r < len) {
		if (r + 2 < len && p[r] == 0xef && (p[r + 1] == 0x9e || p[r + 1] == 0x9f) &&
		    p[r + 2] >= 0x80 && p[r + 2] <= 0xbf) {
			unsigned cp = 0xf000u | ((unsigned)(p[r + 1] & 0x3f) << 6) | (p[r + 2] & 0x3fu);
			p[w++] = (unsigned char)(0x80u | (cp - 0xf780u));
			r += 3;
		} else
			p[w++] = p[r++];
	}
	return w;
}
