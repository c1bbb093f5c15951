/*
 * leaktext.c — valgrind's leak sentence (an XML <xwhat><text>) into a
 * record's figures (see leaktext.h).
 */
#include "read/leaktext.h"

#include <stdint.h>
#include <string.h>

#include "vgtriage/vgt.h"

/* Cursor over valgrind's leak sentence.  Numbers carry thousands
 * separators ("2,018"); deltas are " (+N)" / " (-N)" after a number. */
static const char *scan_count(const char *p, int64_t *out)
{
	const char *start = p;
	if (*p == '+' || *p == '-')
		p++;
	while ((*p >= '0' && *p <= '9') || *p == ',')
		p++;
	if (p == start || vgt_parse_count(start, (size_t)(p - start), out) != 0)
		return NULL;
	return p;
}

/* After a number: an optional " (+N)" delta. */
static const char *scan_delta(const char *p, int64_t *delta, int *has)
{
	int64_t d;
	if (p[0] == ' ' && p[1] == '(' && (p[2] == '+' || p[2] == '-')) {
		const char *q = scan_count(p + 2, &d);
		if (q != NULL && *q == ')') {
			*delta = d;
			*has = 1;
			return q + 1;
		}
	}
	return p;
}

static int skip_word(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* " … in loss record 4 of 6" (counts with separators, as valgrind writes
 * them): rec->loss_record and loss_records, left 0 without. */
static void parse_loss_record_number(struct vgt_record *rec, const char *p)
{
	int64_t i, n;
	p = strstr(p, " in loss record ");
	if (p == NULL || (p = scan_count(p + strlen(" in loss record "), &i)) == NULL ||
	    !skip_word(&p, " of ") || scan_count(p, &n) == NULL || i <= 0 || n < i ||
	    n > UINT32_MAX)
		return;
	rec->loss_record = (uint32_t)i;
	rec->loss_records = (uint32_t)n;
}

/* "2,018 (16 direct, 2,002 indirect) bytes in 1 blocks are definitely lost
 * in loss record 4 of 6", and a vgdb "increased" check, which puts a delta
 * after each number: "216 (+216) (16 (+16) direct, 200 (+200) indirect)
 * bytes in 1 (+1) blocks …". */
void leaktext_parse(struct vgt_record *rec, const char *text)
{
	int64_t total, direct = 0, indirect = 0, blocks, ignored = 0;
	int has_delta = 0, has_split = 0, unused = 0;
	int64_t delta_bytes = 0, delta_blocks = 0, delta_indirect = 0;
	const char *p = scan_count(text, &total);
	if (p == NULL)
		return;
	p = scan_delta(p, &delta_bytes, &has_delta);
	if (p[0] == ' ' && p[1] == '(') {
		const char *q = scan_count(p + 2, &direct);
		if (q != NULL) {
			q = scan_delta(q, &ignored, &unused);
			if (skip_word(&q, " direct, ") && (q = scan_count(q, &indirect)) != NULL) {
				q = scan_delta(q, &delta_indirect, &unused);
				if (skip_word(&q, " indirect)")) {
					has_split = 1;
					p = q;
				}
			}
		}
	}
	if (!skip_word(&p, " bytes in ") || (p = scan_count(p, &blocks)) == NULL)
		return;
	int has_block_delta = 0;
	p = scan_delta(p, &delta_blocks, &has_block_delta);
	parse_loss_record_number(rec, p);
	if (has_split && direct >= 0 && indirect >= 0) {
		rec->direct_bytes = (uint64_t)direct;
		rec->indirect_bytes = (uint64_t)indirect;
	}
	if (has_delta || has_block_delta) {
		rec->has_delta = 1;
		rec->delta_bytes = delta_bytes;
		rec->delta_blocks = delta_blocks;
		rec->delta_indirect_bytes = has_split ? delta_indirect : 0;
	}
}
