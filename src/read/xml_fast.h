/*
 * xml_fast.h — the XML reader's fast front end (private to xml_reader.c).
 *
 * A tokenizer for the fixed shape valgrind writes: the declaration
 * `<?xml version="1.0"?>`, start tags `<name>` and `<name/>` without
 * attributes or spaces, end tags `</name>` matching the open one, text of
 * characters XML allows (no CR) with the five predefined entities decoded,
 * whitespace only around the root.  It calls the reader's own handlers
 * (start, end, text), so the records are the reader's by construction.
 *
 * Anything else stops it where the token that does not fit starts: the
 * reader then gives libxml2 (its reference parser) xml_fast_resume()'s
 * synthetic prefix — the declaration and the open elements by their real
 * names, each at its real line and column, and blanks up to the stopping
 * point — with its handlers muted, then the real bytes from there on.  So
 * libxml2 continues in the state it would have reached on the real input,
 * and every line:column it reports is the real file's.
 *
 * Lines and columns are libxml2's: columns count characters, not bytes.
 */
#ifndef VGTRIAGE_XML_FAST_H
#define VGTRIAGE_XML_FAST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A word whose first len bytes in memory (len <= 8) are all ones. */
static inline uint64_t xml_fast_first_bytes(size_t len)
{
	static const unsigned char ones_then_zeros[16] = {0xff, 0xff, 0xff, 0xff,
							  0xff, 0xff, 0xff, 0xff};
	uint64_t mask;
	memcpy(&mask, ones_then_zeros + 8 - len, sizeof(mask));
	return mask;
}

/* The name start() is given may be read eight bytes on, whatever its
 * length (it is the scanner's copy): a name of up to eight bytes is one
 * word, the bytes past it zeroed.  The reader keys its cache of element
 * names by it, without a call to memcpy for each element. */
static inline uint64_t xml_fast_name_word(const char *name, size_t len)
{
	uint64_t w;
	memcpy(&w, name, sizeof(w));
	return w & xml_fast_first_bytes(len);
}

/* The reader's handlers; a nonzero return stops the parse (the reader
 * failed and says why); start's name: see xml_fast_name_word. */
struct xml_fast_ops {
	int (*start)(void *ctx, const char *name, size_t len);
	int (*end)(void *ctx);
	void (*text)(void *ctx, const char *s, size_t len);
};

enum xml_fast_status {
	XML_FAST_OK,       /* all taken (an incomplete token is kept) */
	XML_FAST_STOPPED,  /* a handler stopped the parse */
	XML_FAST_FALLBACK, /* outside the shape: resume with libxml2 */
};

struct xml_fast;
struct xml_fast *xml_fast_new(const struct xml_fast_ops *ops, void *ctx);
void xml_fast_free(struct xml_fast *f); /* NULL is a no-op */
/* buf: the next bytes of the input, any bytes (what is not well-formed
 * UTF-8 is left to libxml2 and rawbytes.h). */
enum xml_fast_status xml_fast_feed(struct xml_fast *f, const char *buf, size_t len);
/* The root closed and nothing is pending: the input is whole. */
int xml_fast_complete(const struct xml_fast *f);
/* Where the handler being called stands, as libxml2 would say it. */
void xml_fast_position(const struct xml_fast *f, long *line, long *column);

/* What libxml2 must get to take over: prefix (muted: the first `events`
 * start/end callbacks and then `mute_chars` bytes of characters are the
 * prefix's), then pend[0..pend_len) in the pieces it came in (split at
 * cuts[]), then the feed's buf from rest_off (after
 * XML_FAST_FALLBACK; a resume asked for between feeds has rest_off 0).  The
 * prefix is f's: valid until xml_fast_free. */
struct xml_fast_resume {
	const char *prefix;
	size_t prefix_len;
	unsigned events;
	size_t mute_chars;
	const char *pend;
	size_t pend_len;
	const size_t *cuts; /* pend is fed in pieces, split at these offsets */
	size_t n_cuts;
	size_t rest_off;
};
void xml_fast_resume(struct xml_fast *f, struct xml_fast_resume *res);

#endif
