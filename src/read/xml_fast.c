/*
 * xml_fast.c — the fast front end of the XML reader (see xml_fast.h).
 *
 * One pass over each byte: a character table finds the next byte of a
 * text run that needs a look, and a run goes to the text handler once the
 * '<' that ends it is seen (so that a run holding something outside the
 * shape is handed to libxml2 whole, nothing of it delivered); tags are
 * matched against the open element's name with one memcmp.  A token or
 * text run cut by the end of a chunk is kept (the carry: a run up to
 * CARRY_MAX, the scan resuming where it got to) and completed by the next.
 */
#include "read/xml_fast.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "read/rawbytes.h"
#include "vgtriage/vgt.h"

#define DECL "<?xml version=\"1.0\"?>"
#define DECL_LEN (sizeof(DECL) - 1)
#define FAST_MAX_DEPTH 72 /* past the reader's own limit (64) */
#define FAST_MAX_NAME 200
#define PEND_CAP 512      /* > the longest tag read: FAST_MAX_NAME */
#define CARRY_MAX (256 * 1024) /* a text run cut by chunks, kept up to this */

struct open_el {
	size_t name_at, name_len; /* in names[] */
	long line, col;           /* of its '<' */
};

/* A line count: the line, the absolute offset of its first byte, and the
 * UTF-8 continuation bytes on it so far (they are no column). */
struct linepos {
	long line;
	size_t start, cont;
};

struct xml_fast {
	struct xml_fast_ops ops;
	void *ctx;
	int decl_done, root_done;
	int depth;
	struct open_el el[FAST_MAX_DEPTH];
	/* Two name slots a depth, taken in turn by its start tags: the name
	 * of the element last closed at a depth stays in its slot while the
	 * next start tag there is handled (last_el names it, uncopied). */
	char names[FAST_MAX_DEPTH * 2 * (FAST_MAX_NAME + 1)];
	unsigned char slot_turn[FAST_MAX_DEPTH];
	/* the last tag: 1 a start tag (the open element on top), 2 an end
	 * tag or an empty-element tag (last_el), 0 the declaration */
	int last_kind;
	struct open_el last_el;
	struct linepos pos;         /* at the scan's point */
	struct linepos run_pos;     /* a cut text run: where its scan got to */
	size_t run_scanned;         /* and how far (0: none) */
	int run_amp;
	size_t cb_off;              /* absolute offset of the callback's point */
	size_t base;                /* absolute offset of the buffer scanned */
	size_t fed;                 /* bytes fed so far */
	/* what the last chunk left: a cut token or text run, from its start */
	unsigned char *carry;
	size_t carry_len, carry_cap, carry_off;
	/* where each feed after the first began in the carry (absolute):
	 * libxml2 gets it back in the same pieces, since where it stops in a
	 * cut text depends on them */
	size_t *cuts;
	size_t n_cuts, cuts_cap;
	int stopped, stop_in_carry;
	size_t stop_off, rest_off;
	char *prefix;
	size_t prefix_len, prefix_cap;
};

enum { C_PLAIN = 0, C_NL, C_LT, C_AMP, C_RBR, C_HIGH, C_BAD };

/* What a byte of text is: tab, space .. DEL are plain (XML allows DEL). */
static unsigned char text_class[256];
static unsigned char name_char[256]; /* 1: may start a name, 2: may go on one */

static void init_tables(void)
{
	for (int c = 0; c < 256; c++) {
		text_class[c] = c >= 0x80 ? C_HIGH : (c >= 0x20 || c == '\t') ? C_PLAIN : C_BAD;
		name_char[c] = 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
			name_char[c] = 1;
		else if ((c >= '0' && c <= '9') || c == '-' || c == '.')
			name_char[c] = 2;
	}
	text_class['\n'] = C_NL;
	text_class['<'] = C_LT;
	text_class['&'] = C_AMP;
	text_class[']'] = C_RBR;
	text_class['\r'] = C_BAD;
}

struct xml_fast *xml_fast_new(const struct xml_fast_ops *ops, void *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_tables); /* readers of -j run in threads */
	struct xml_fast *f = xcalloc(1, sizeof(*f));
	f->ops = *ops;
	f->ctx = ctx;
	f->pos.line = 1;
	return f;
}

void xml_fast_free(struct xml_fast *f)
{
	if (f == NULL)
		return;
	free(f->carry);
	free(f->cuts);
	free(f->prefix);
	free(f);
}

int xml_fast_complete(const struct xml_fast *f)
{
	return f->root_done; /* what follows the root is whitespace (kept) */
}

static long col_at(const struct xml_fast *f, size_t off)
{
	return (long)(off - f->pos.start) + 1 - (long)f->pos.cont;
}

void xml_fast_position(const struct xml_fast *f, long *line, long *column)
{
	*line = f->pos.line;
	*column = col_at(f, f->cb_off);
}

/* The length of the UTF-8 sequence at s, -1 when cut by n, 0 when it is
 * not well-formed (raw bytes: libxml2 reads them through rawbytes.h) or is
 * U+FFFE or U+FFFF, which XML does not allow. */
static int utf8_len(const unsigned char *s, size_t n)
{
	int len = rawbytes_sequence_length(s, n);
	if (len == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
		return 0;
	return len;
}

static const struct {
	const char *s;
	size_t len;
	char c;
} entities[] = {
	{"&lt;", 4, '<'}, {"&gt;", 4, '>'}, {"&amp;", 5, '&'}, {"&apos;", 6, '\''}, {"&quot;", 6, '"'},
};

/* The entity at p[0] == '&': its length (and *c), 0 when p[0..n) may be
 * the start of one, -1 when it is none of the five. */
static int entity_at(const unsigned char *p, size_t n, char *c)
{
	int maybe = 0;
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		size_t len = entities[k].len;
		if (n >= len && memcmp(p, entities[k].s, len) == 0) {
			*c = entities[k].c;
			return (int)len;
		}
		if (n < len && memcmp(p, entities[k].s, n) == 0)
			maybe = 1;
	}
	return maybe ? 0 : -1;
}

enum scan_status { SCAN_MORE, SCAN_STOP, SCAN_FALLBACK };

/* Names of up to eight bytes (all of valgrind's) are copied and compared
 * a word at a time, not through a call to memcpy or memcmp: that was 5%
 * of the instructions on a deep report.  A name slot is longer than a
 * word; the input is read a word ahead only where it has one. */

static int same_name(const unsigned char *in, size_t avail, const char *name, size_t len)
{
	if (len > 8 || avail < 8)
		return memcmp(in, name, len) == 0;
	uint64_t a, b;
	memcpy(&a, in, sizeof(a));
	memcpy(&b, name, sizeof(b));
	return ((a ^ b) & xml_fast_first_bytes(len)) == 0;
}

static void copy_name(char *slot, const unsigned char *in, size_t avail, size_t len)
{
	if (len <= 8 && avail >= 8)
		memcpy(slot, in, 8); /* a constant size: one load and store */
	else
		memcpy(slot, in, len);
}

/* A whole text run to the handler: entities decoded. */
static void deliver(struct xml_fast *f, const unsigned char *p, size_t n, int amp)
{
	while (amp && n > 0) {
		const unsigned char *a = memchr(p, '&', n);
		if (a == NULL)
			break;
		if (a > p)
			f->ops.text(f->ctx, (const char *)p, (size_t)(a - p));
		char c = 0;
		size_t len = (size_t)entity_at(a, n - (size_t)(a - p), &c);
		f->ops.text(f->ctx, &c, 1);
		n -= (size_t)(a - p) + len;
		p = a + len;
	}
	if (n > 0)
		f->ops.text(f->ctx, (const char *)p, n);
}

/* The end of the plain bytes (text_class C_PLAIN) from p[i]: four bytes
 * a round, so that the bound is tested once for four (the loop over a
 * run's bytes was a fifth of the instructions on a deep report). */
static size_t plain_end(const unsigned char *p, size_t i, size_t n)
{
	for (; n - i >= 4; i += 4) {
		if (text_class[p[i]] != C_PLAIN)
			return i;
		if (text_class[p[i + 1]] != C_PLAIN)
			return i + 1;
		if (text_class[p[i + 2]] != C_PLAIN)
			return i + 2;
		if (text_class[p[i + 3]] != C_PLAIN)
			return i + 3;
	}
	while (i < n && text_class[p[i]] == C_PLAIN)
		i++;
	return i;
}

/* A text run from p[i]: up to the '<' that ends it (*i there, 1), or the
 * end of the buffer or something outside the shape (0; *bad for the
 * latter).  Lines are counted in f->pos. */
static int scan_run(struct xml_fast *f, const unsigned char *p, size_t n, size_t *at, int *amp,
		    int *bad)
{
	size_t i = *at;
	int ok = 0;
	if (f->depth == 0) {
		/* before or after the root: whitespace only */
		for (; i < n; i++) {
			unsigned char c = p[i];
			if (c == '\n') {
				f->pos.line++;
				f->pos.start = f->base + i + 1;
				f->pos.cont = 0;
			} else if (c != ' ' && c != '\t') {
				break;
			}
		}
		if (i < n) {
			ok = p[i] == '<' && !f->root_done;
			*bad = !ok;
		}
		*at = i;
		return ok;
	}
	for (;;) {
		i = plain_end(p, i, n);
		if (i == n)
			break;
		unsigned c = text_class[p[i]];
		if (c == C_NL) {
			f->pos.line++;
			f->pos.start = f->base + i + 1;
			f->pos.cont = 0;
			i++;
		} else if (c == C_LT) {
			ok = 1;
			break;
		} else if (c == C_HIGH) {
			int len = utf8_len(p + i, n - i);
			if (len < 0)
				break;
			if (len == 0) {
				*bad = 1;
				break;
			}
			f->pos.cont += (size_t)len - 1;
			i += (size_t)len;
		} else if (c == C_RBR) {
			if (n - i < 3)
				break;
			if (p[i + 1] == ']' && p[i + 2] == '>') {
				*bad = 1;
				break;
			}
			i++;
		} else if (c == C_AMP) {
			char ch;
			int len = entity_at(p + i, n - i, &ch);
			if (len == 0)
				break;
			if (len < 0) {
				*bad = 1;
				break;
			}
			*amp = 1;
			i += (size_t)len;
		} else {
			*bad = 1; /* CR, a control byte */
			break;
		}
	}
	*at = i;
	return ok;
}

/* Scans p[0..n) (absolute offset f->base); returns the bytes taken: all of
 * them, or up to a token or text run cut by n (SCAN_MORE), or up to the
 * one that does not fit (SCAN_FALLBACK; a text run is given back whole,
 * nothing of it was delivered), or just past the tag whose handler stopped
 * (SCAN_STOP).  f->pos is the position of the point returned. */
static size_t scan(struct xml_fast *f, const unsigned char *p, size_t n, enum scan_status *st)
{
	size_t i = 0;
	*st = SCAN_MORE;
	if (!f->decl_done) {
		if (memcmp(p, DECL, n < DECL_LEN ? n : DECL_LEN) != 0) {
			*st = SCAN_FALLBACK;
			return 0;
		}
		if (n < DECL_LEN)
			return 0;
		i = DECL_LEN;
		f->decl_done = 1;
		f->last_kind = 0;
	}
	while (i < n) {
		size_t s = i;
		struct linepos at_start = f->pos;
		int amp = 0, bad = 0;
		if (f->run_scanned > 0) { /* the rest of a run cut before */
			i += f->run_scanned;
			f->pos = f->run_pos;
			amp = f->run_amp;
			f->run_scanned = 0;
		}
		if (!scan_run(f, p, n, &i, &amp, &bad)) {
			if (!bad && i > s) {
				f->run_scanned = i - s;
				f->run_pos = f->pos;
				f->run_amp = amp;
			}
			f->pos = at_start;
			*st = bad ? SCAN_FALLBACK : SCAN_MORE;
			return s;
		}
		if (i > s && f->depth > 0)
			deliver(f, p + s, i - s, amp);
		/* p[i] == '<' */
		if (n - i < 2)
			return i;
		if (p[i + 1] == '/') {
			if (f->depth == 0)
				goto fallback;
			const struct open_el *top = &f->el[f->depth - 1];
			const char *name = f->names + top->name_at;
			size_t j = i + 2, avail = n - j;
			if (avail < top->name_len + 1) {
				if (memcmp(p + j, name, avail < top->name_len ? avail : top->name_len) != 0)
					goto fallback;
				return i;
			}
			if (!same_name(p + j, avail, name, top->name_len) || p[j + top->name_len] != '>')
				goto fallback;
			f->last_kind = 2;
			f->last_el = *top;
			f->last_el.col = col_at(f, f->base + i);
			f->last_el.line = f->pos.line;
			i = j + top->name_len + 1;
			f->cb_off = f->base + i;
			if (--f->depth == 0)
				f->root_done = 1;
			if (f->ops.end(f->ctx))
				goto stop;
			continue;
		}
		if (name_char[p[i + 1]] != 1)
			goto fallback; /* "<!", "<?", a name we leave to libxml2 */
		size_t j = i + 2;
		while (j < n && name_char[p[j]] != 0 && j - i <= FAST_MAX_NAME)
			j++;
		size_t name_len = j - i - 1;
		if (name_len > FAST_MAX_NAME || f->depth >= FAST_MAX_DEPTH)
			goto fallback;
		if (j == n)
			return i;
		int empty = 0;
		if (p[j] == '/') {
			if (j + 1 == n)
				return i;
			if (p[j + 1] != '>')
				goto fallback;
			empty = 1;
		} else if (p[j] != '>') {
			goto fallback; /* attributes, spaces, a prefix */
		}
		struct open_el *el = &f->el[f->depth];
		el->name_at = ((size_t)f->depth * 2 + f->slot_turn[f->depth]) * (FAST_MAX_NAME + 1);
		f->slot_turn[f->depth] ^= 1;
		el->name_len = name_len;
		el->line = f->pos.line;
		el->col = col_at(f, f->base + i);
		copy_name(f->names + el->name_at, p + i + 1, n - i - 1, name_len);
		f->cb_off = f->base + j;
		if (f->ops.start(f->ctx, f->names + el->name_at, name_len)) {
			i = j + 1 + (size_t)empty;
			goto stop;
		}
		f->depth++;
		f->last_kind = 1;
		if (!empty) {
			i = j + 1;
			continue;
		}
		i = j + 2;
		f->last_kind = 2;
		f->last_el = *el;
		f->cb_off = f->base + i;
		if (--f->depth == 0)
			f->root_done = 1;
		if (f->ops.end(f->ctx))
			goto stop;
	}
	return n;
stop:
	*st = SCAN_STOP;
	return i;
fallback:
	*st = SCAN_FALLBACK;
	return i;
}

/* The carry holds what the last chunk left; this is how much of buf it
 * takes to complete it: up to the first '<' and a tag's length on. */
static size_t carry_take(const char *buf, size_t len)
{
	const char *lt = memchr(buf, '<', len);
	size_t take = lt != NULL ? (size_t)(lt - buf) + PEND_CAP : len;
	return take < len ? take : len;
}

static void carry_put(struct xml_fast *f, size_t at, const void *s, size_t n)
{
	f->carry = xgrow(f->carry, &f->carry_cap, at + n, 1);
	memcpy(f->carry + at, s, n);
	f->carry_len = at + n;
}

static enum xml_fast_status fall_back_at(struct xml_fast *f, size_t stop_off, size_t rest_off,
					 int in_carry, size_t len)
{
	f->stopped = 1;
	f->stop_off = stop_off;
	f->rest_off = rest_off;
	f->stop_in_carry = in_carry;
	f->fed += len;
	return XML_FAST_FALLBACK;
}

/* The cuts the carry no longer holds. */
static void drop_cuts(struct xml_fast *f)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n_cuts; i++)
		if (f->cuts[i] > f->carry_off)
			f->cuts[k++] = f->cuts[i];
	f->n_cuts = k;
}

enum xml_fast_status xml_fast_feed(struct xml_fast *f, const char *buf, size_t len)
{
	size_t off = 0;
	enum scan_status st;
	if (f->carry_len > 0) {
		size_t old = f->carry_len, take = carry_take(buf, len);
		carry_put(f, old, buf, take);
		f->cuts = xgrow(f->cuts, &f->cuts_cap, f->n_cuts + 1, sizeof(*f->cuts));
		f->cuts[f->n_cuts++] = f->fed;
		f->base = f->carry_off;
		size_t done = scan(f, f->carry, f->carry_len, &st);
		if (st == SCAN_STOP) {
			f->fed += len;
			return XML_FAST_STOPPED;
		}
		if (done < old || (st == SCAN_MORE && take == len)) {
			/* still cut, or outside the shape in what was kept */
			memmove(f->carry, f->carry + done, f->carry_len - done);
			f->carry_len -= done;
			f->carry_off += done;
			drop_cuts(f);
			if (st == SCAN_MORE && take == len && f->carry_len <= CARRY_MAX) {
				f->fed += len;
				return XML_FAST_OK;
			}
			if (done >= old) { /* it stopped in buf's part */
				f->carry_len = 0;
				return fall_back_at(f, f->carry_off, done - old, 0, len);
			}
			size_t rest = len; /* all of buf is in the carry */
			if (st != SCAN_MORE || take < len) {
				f->carry_len = old - done; /* buf is fed whole after it */
				rest = 0;
			}
			return fall_back_at(f, f->carry_off, rest, 1, len);
		}
		off = done - old;
		f->carry_len = 0;
		if (st == SCAN_FALLBACK)
			return fall_back_at(f, f->fed + off, off, 0, len);
	}
	f->base = f->fed + off;
	size_t done = off + scan(f, (const unsigned char *)buf + off, len - off, &st);
	if (st == SCAN_STOP) {
		f->fed += len;
		return XML_FAST_STOPPED;
	}
	if (st == SCAN_FALLBACK || (done < len && len - done > CARRY_MAX))
		return fall_back_at(f, f->fed + done, done, 0, len);
	if (done < len) {
		carry_put(f, 0, buf + done, len - done);
		f->carry_off = f->fed + done;
		f->n_cuts = 0;
	}
	f->fed += len;
	return XML_FAST_OK;
}
static void put(struct xml_fast *f, const char *s, size_t n)
{
	f->prefix = xgrow(f->prefix, &f->prefix_cap, f->prefix_len + n + 1, 1);
	memcpy(f->prefix + f->prefix_len, s, n);
	f->prefix_len += n;
}

static void put_run(struct xml_fast *f, char c, size_t n)
{
	f->prefix = xgrow(f->prefix, &f->prefix_cap, f->prefix_len + n + 1, 1);
	memset(f->prefix + f->prefix_len, c, n);
	f->prefix_len += n;
}

/* Blanks from (*line, *col) to (line, col). */
static void pad_to(struct xml_fast *f, long *at_line, long *at_col, long line, long col)
{
	if (line > *at_line) {
		put_run(f, '\n', (size_t)(line - *at_line));
		*at_line = line;
		*at_col = 1;
	}
	if (col > *at_col) {
		put_run(f, ' ', (size_t)(col - *at_col));
		*at_col = col;
	}
}

static void put_tag(struct xml_fast *f, long *at_col, const char *open, const char *name,
		    size_t len)
{
	put(f, open, strlen(open));
	put(f, name, len);
	put(f, ">", 1);
	*at_col += (long)(strlen(open) + len + 1);
}

void xml_fast_resume(struct xml_fast *f, struct xml_fast_resume *res)
{
	memset(res, 0, sizeof(*res));
	size_t stop;
	if (f->stopped) {
		stop = f->stop_off;
		res->rest_off = f->rest_off;
	} else {
		/* between feeds: from what the last chunk left, or the end */
		stop = f->carry_len > 0 ? f->carry_off : f->fed;
	}
	if (!f->stopped || f->stop_in_carry) {
		res->pend = (const char *)f->carry;
		res->pend_len = f->carry_len;
		size_t k = 0;
		for (size_t i = 0; i < f->n_cuts; i++)
			if (f->cuts[i] > f->carry_off && f->cuts[i] - f->carry_off < f->carry_len)
				f->cuts[k++] = f->cuts[i] - f->carry_off;
		res->cuts = f->cuts;
		res->n_cuts = k;
	}
	f->prefix_len = 0;
	if (f->decl_done) {
		long line = 1, col = (long)DECL_LEN + 1;
		put(f, DECL, DECL_LEN);
		for (int d = 0; d < f->depth; d++) {
			const struct open_el *el = &f->el[d];
			pad_to(f, &line, &col, el->line, el->col);
			put_tag(f, &col, "<", f->names + el->name_at, el->name_len);
			res->events++;
		}
		if (f->last_kind == 2) {
			/* after an end tag: an empty element where it stood (the
			 * same length), so libxml2 stands just past a tag too */
			pad_to(f, &line, &col, f->last_el.line, f->last_el.col);
			put(f, "<", 1);
			put(f, f->names + f->last_el.name_at, f->last_el.name_len);
			put(f, "/>", 2);
			col += (long)f->last_el.name_len + 3;
			res->events += 2;
		}
		size_t before = f->prefix_len;
		pad_to(f, &line, &col, f->pos.line, col_at(f, stop));
		if (f->depth > 0)
			res->mute_chars = f->prefix_len - before;
	}
	res->prefix = f->prefix != NULL ? f->prefix : "";
	res->prefix_len = f->prefix_len;
}
