/*
 * escape.c — the visible form of input strings and, on top of it, the
 * escaping of each output format (see escape.h).
 *
 * One walk over the string decides, character by character, what the
 * visible form writes; each format then maps the bytes of that form
 * (a character of the input, or its "\x1b"-like replacement) through its
 * own table.  Output goes to a FILE, a growing buffer or a fixed one.
 */
#include "base/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

enum mode {
	M_TEXT,
	M_HTML,
	M_MD_CELL,
	M_MD_HTML,
	M_GH_DATA,
	M_GH_PROPERTY,
	M_SUPP,
	M_CHECK, /* write nothing; note whether anything changes */
};

/* Where escaped bytes go. */
struct sink {
	FILE *f;
	char *buf;         /* growing (cap > 0 or fixed == 0) or fixed buffer */
	size_t len, cap;
	int fixed;         /* buf is the caller's, cap its size */
	int changed;       /* M_CHECK: a character was replaced */
};

static void put(struct sink *o, const char *s, size_t n)
{
	if (o->f != NULL) {
		fwrite(s, 1, n, o->f);
		return;
	}
	if (o->fixed) {
		if (o->cap == 0)
			return;
		size_t room = o->cap - 1 - o->len;
		if (n > room)
			n = room;
	} else {
		o->buf = xgrow(o->buf, &o->cap, o->len + n + 1, 1);
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* Length of the well-formed UTF-8 sequence at s (2-4 bytes; no overlong
 * forms, surrogates or code points past U+10FFFF) with *cp set, or 0. */
static size_t utf8_sequence(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2, c = s[0] & 0x1Fu, min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3, c = s[0] & 0x0Fu, min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Characters that are never shown as they are. */
static int hidden_code_point(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9F) ||                   /* C1 controls */
	       (c >= 0x202A && c <= 0x202E) ||               /* bidi embeddings, overrides */
	       (c >= 0x2066 && c <= 0x2069) ||               /* bidi isolates */
	       c == 0x200E || c == 0x200F || c == 0x061C ||  /* bidi marks */
	       c == 0x2028 || c == 0x2029 ||                 /* line, paragraph separators */
	       c == 0xFFFE || c == 0xFFFF;
}

/* Blanks that GitHub's runner trims before looking for "::". */
static int blank_code_point(uint32_t c)
{
	return c == ' ' || c == '\t' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Each format's mapping of one byte of the visible form (NULL: as is). */
static const char *format_byte(enum mode mode, unsigned char b)
{
	switch (mode) {
	case M_HTML:
		switch (b) {
		case '&': return "&amp;";
		case '<': return "&lt;";
		case '>': return "&gt;";
		case '"': return "&quot;";
		case '\'': return "&#39;";
		default: return NULL;
		}
	case M_MD_CELL:
		switch (b) {
		case '|': return "\\|";
		case '&': return "&amp;";
		case '<': return "&lt;";
		case '>': return "&gt;";
		case '\\': return "\\\\";
		case '`': return "\\`";
		case '*': return "\\*";
		case '_': return "\\_";
		case '[': return "\\[";
		case ']': return "\\]";
		default: return NULL;
		}
	case M_MD_HTML:
		switch (b) {
		case '&': return "&amp;";
		case '<': return "&lt;";
		case '>': return "&gt;";
		default: return NULL;
		}
	case M_GH_PROPERTY:
		if (b == ':')
			return "%3A";
		if (b == ',')
			return "%2C";
		/* fall through */
	case M_GH_DATA:
		return b == '%' ? "%25" : NULL;
	default:
		return NULL;
	}
}

static void put_formatted(struct sink *o, enum mode mode, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = format_byte(mode, (unsigned char)s[i]);
		if (rep == NULL)
			continue;
		put(o, s + start, i - start);
		put(o, rep, strlen(rep));
		start = i + 1;
	}
	put(o, s + start, n - start);
}

/* The visible form of the character at p (the string begins at start;
 * `leading`: only blanks before it): the replacement in buf, or NULL to
 * keep it.  *len is the character's length in bytes. */
static const char *visible(const unsigned char *start, const unsigned char *p, int leading,
			   size_t *len, int *blank, char buf[16])
{
	unsigned char c = p[0];
	uint32_t cp = c;
	*len = 1;
	*blank = c == ' ' || c == '\t';
	if (c < 0x20 && c != '\t') {
		if (c == '\n')
			return "\\n";
		if (c == '\r')
			return "\\r";
		snprintf(buf, 16, "\\x%02x", c);
		return buf;
	}
	if (c == 0x7F) {
		return "\\x7f";
	}
	if (c >= 0x80) {
		size_t n = utf8_sequence(p, &cp);
		if (n == 0) {
			snprintf(buf, 16, "\\x%02x", c);
			return buf;
		}
		*len = n;
		*blank = blank_code_point(cp);
		if (hidden_code_point(cp)) {
			snprintf(buf, 16, "\\u%04x", (unsigned)cp);
			return buf;
		}
		return NULL;
	}
	if (c == ':' && leading && p[1] == ':')
		return "\\x3a";
	if (c == '[' && p - start >= 2 && p[-1] == '#' && p[-2] == '#')
		return "\\x5b";
	return NULL;
}

static void walk(struct sink *o, enum mode mode, const char *s)
{
	if (s == NULL)
		return;
	const unsigned char *start = (const unsigned char *)s, *p = start, *plain = start;
	int leading = 1;
	char buf[16];
	while (*p != '\0') {
		size_t len;
		int blank;
		const char *rep;
		if ((mode == M_GH_DATA || mode == M_GH_PROPERTY) && (*p == '\n' || *p == '\r')) {
			rep = *p == '\n' ? "%0A" : "%0D";
			len = 1;
			blank = 0;
			/* percent-encoded already: put as is below */
		} else {
			rep = visible(start, p, leading, &len, &blank, buf);
		}
		leading = leading && blank;
		if (rep == NULL) {
			p += len;
			continue;
		}
		if (mode == M_CHECK) {
			o->changed = 1;
			return;
		}
		put_formatted(o, mode, (const char *)plain, (size_t)(p - plain));
		if (mode == M_SUPP) {
			for (size_t i = 0; i < len; i++)
				put(o, "?", 1);
		} else if (rep[0] == '%') {
			put(o, rep, strlen(rep)); /* GitHub's own %0A: not %25-escaped again */
		} else {
			put_formatted(o, mode, rep, strlen(rep));
		}
		p += len;
		plain = p;
	}
	if (mode != M_CHECK)
		put_formatted(o, mode, (const char *)plain, (size_t)(p - plain));
}

static void write_mode(FILE *out, enum mode mode, const char *s)
{
	struct sink o = {0};
	o.f = out;
	walk(&o, mode, s);
}

void escape_text(FILE *out, const char *s)
{
	write_mode(out, M_TEXT, s);
}

int escape_text_needed(const char *s)
{
	struct sink o = {0};
	walk(&o, M_CHECK, s);
	return o.changed;
}

const char *escape_text_pool(struct strpool *pool, const char *s)
{
	if (s == NULL || !escape_text_needed(s))
		return s;
	struct sink o = {0};
	walk(&o, M_TEXT, s);
	const char *r = strpool_intern_n(pool, o.buf, o.len);
	free(o.buf);
	return r;
}

size_t escape_text_buf(char *dst, size_t size, const char *s)
{
	struct sink o = {0};
	o.buf = dst;
	o.cap = size;
	o.fixed = 1;
	if (size > 0)
		dst[0] = '\0';
	walk(&o, M_TEXT, s);
	return o.len;
}

void escape_html(FILE *out, const char *s)
{
	write_mode(out, M_HTML, s);
}

void escape_markdown_cell(FILE *out, const char *s)
{
	write_mode(out, M_MD_CELL, s);
}

void escape_markdown_html(FILE *out, const char *s)
{
	write_mode(out, M_MD_HTML, s);
}

size_t escape_markdown_fence(const char *text)
{
	size_t longest = 0, run = 0;
	for (const char *p = text; p != NULL && *p != '\0'; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest + 1 > 3 ? longest + 1 : 3;
}

void escape_github_data(FILE *out, const char *s)
{
	write_mode(out, M_GH_DATA, s);
}

void escape_github_property(FILE *out, const char *s)
{
	write_mode(out, M_GH_PROPERTY, s);
}

void escape_supp_name(FILE *out, const char *s)
{
	write_mode(out, M_SUPP, s);
}

char *escape_utf8(const char *s)
{
	struct sink o = {0};
	const unsigned char *p = (const unsigned char *)s, *plain = p;
	uint32_t cp;
	for (; *p != '\0'; p++) {
		if (*p < 0x80)
			continue;
		size_t n = utf8_sequence(p, &cp);
		if (n > 0) {
			p += n - 1;
			continue;
		}
		char buf[8];
		snprintf(buf, sizeof(buf), "\\x%02x", *p);
		put(&o, (const char *)plain, (size_t)(p - plain));
		put(&o, buf, 4);
		plain = p + 1;
	}
	put(&o, (const char *)plain, (size_t)(p - plain));
	return o.buf != NULL ? o.buf : xstrdup("");
}

char *escape_uri_path(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = xmalloc(3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~!$&'()*+,;=@", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

int escape_path_inside(const char *path)
{
	if (path == NULL || path[0] == '/')
		return 0;
	long depth = 0;
	for (const char *p = path; *p != '\0';) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}
