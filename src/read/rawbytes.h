/*
 * rawbytes.h — valgrind writes the bytes of a path or a name into its XML
 * as they are, not-UTF-8 ones too, and libxml2 stops at the first byte
 * that is not well-formed UTF-8: the record, and everything after it,
 * would be lost.  The XML reader passes its input through rawbytes_filter,
 * which writes each such byte as a private-use character (U+F780 + the
 * byte's low 7 bits, i.e. U+F780..U+F7FF for 0x80..0xFF) that libxml2
 * accepts, and turns text it gets back into the original bytes with
 * rawbytes_unmap.  Everything else reaches libxml2 as it was, so what is
 * not well-formed XML is still refused.  Downstream, the raw byte is
 * shown escaped ("\xNN") like any other in every format (escape.h).
 *
 * A real U+F780..U+F7FF in the input comes back as a raw byte too: it is
 * then shown escaped, which hides nothing.
 */
#ifndef VGTRIAGE_RAWBYTES_H
#define VGTRIAGE_RAWBYTES_H

#include <stddef.h>

/* The state between chunks: the start of a sequence cut by a chunk's end. */
struct rawbytes {
	unsigned char pending[4];
	size_t n_pending;
	size_t mapped;       /* bytes written as private-use characters so far */
};

/* The length of the well-formed UTF-8 sequence at s[0..n) (Unicode's
 * table 3-7), 0 when s[0] starts none, or -1 when s[0..n) is the
 * well-formed start of a sequence that goes on past n.  The XML reader's
 * fast path checks its text with it. */
int rawbytes_sequence_length(const unsigned char *s, size_t n);
/* 1 when in[0..n) is all well-formed UTF-8 (no sequence cut at its end)
 * and nothing is pending: the chunk can go to libxml2 as it is. */
int rawbytes_clean(const struct rawbytes *st, const char *in, size_t n);
/* Filters in[0..n) (after what came before with st) into *out (grown as
 * needed, *cap its size); returns the length written.  last: the input
 * ends here (a pending cut sequence is then written byte by byte). */
size_t rawbytes_filter(struct rawbytes *st, const char *in, size_t n, char **out,
		       size_t *cap, int last);
/* In place: the private-use characters rawbytes_filter wrote become the
 * bytes they stand for.  Returns the new length (never longer). */
size_t rawbytes_unmap(char *s, size_t len);

#endif
