/*
 * text_checks.c — what the text reader (text_reader.c) checks a log
 * against: valgrind's own failure lines, and its LEAK SUMMARY against the
 * records read.  Declared in reader.h.
 */
#include "read/reader.h"
#include "read/lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* valgrind's own failure, as m_libcassert.c writes it (unprefixed):
 * "Memcheck: mc_leakcheck.c:2141 (vgMemCheck_detect_memory_leaks): the
 * 'impossible' happened.", "valgrind: m_x.c:12 (fn): Assertion 'p' failed.",
 * "valgrind: the 'impossible' happened:". */
int reader_is_panic(const char *line)
{
	size_t n = strcspn(line, ": ");
	if (n == 0 || n > 32 || line[n] != ':' || line[n + 1] != ' ')
		return 0;
	const char *rest = line + n + 2;
	if (lines_starts(rest, "the 'impossible' happened"))
		return 1;
	const char *close = strstr(rest, "): ");
	if (strstr(rest, ".c:") == NULL || close == NULL)
		return 0;
	close += 3;
	if (strcmp(close, "the 'impossible' happened.") == 0)
		return 1;
	size_t len = strlen(close);
	return lines_starts(close, "Assertion '") && len > 9 &&
	       strcmp(close + len - 9, "' failed.") == 0;
}

/* ---- cross-check -------------------------------------------------------- */

int reader_summary_mismatch(const struct vgt_input *in, const struct vgt_amount parsed[4],
			    char *msg, size_t size)
{
	static const char *const names[4] = {"definitely lost", "indirectly lost",
					     "possibly lost", "still reachable"};
	if (size > 0)
		msg[0] = '\0';
	if (!in->vg.has_leak_summary)
		return 0;
	const struct vgt_amount *said[4] = {&in->vg.definitely_lost, &in->vg.indirectly_lost,
					    &in->vg.possibly_lost, &in->vg.still_reachable};
	int worst = 0;
	size_t used = 0;
	for (int k = 0; k < 4; k++) {
		if (said[k]->bytes == parsed[k].bytes && said[k]->blocks == parsed[k].blocks)
			continue;
		/* No record of the kind at all: hidden by --show-leak-kinds. */
		int level = parsed[k].bytes == 0 && parsed[k].blocks == 0 ? 1 : 2;
		if (level > worst)
			worst = level;
		if (used < size) {
			int n = snprintf(msg + used, size - used,
					 "%sLEAK SUMMARY says %s %llu bytes in %llu blocks, %s %llu bytes in %llu blocks",
					 used > 0 ? "; " : "", names[k],
					 (unsigned long long)said[k]->bytes,
					 (unsigned long long)said[k]->blocks,
					 level == 1 ? "no records show (hidden by --show-leak-kinds?), records:"
						    : "records add up to",
					 (unsigned long long)parsed[k].bytes,
					 (unsigned long long)parsed[k].blocks);
			if (n > 0)
				used += (size_t)n < size - used ? (size_t)n : size - used;
		}
	}
	return worst;
}

/* After "used_suppression:": "     N NAME FILE:LINE[ suppressed: …]". */
int reader_used_suppression(const char *t, const char **name, size_t *name_len, uint64_t *count)
{
	while (*t == ' ')
		t++;
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(t, &end, 10);
	if (end == t || errno != 0 || *end != ' ')
		return 0;
	const char *s = end;
	while (*s == ' ')
		s++;
	const char *stop = strstr(s, " suppressed: ");
	if (stop == NULL)
		stop = s + strlen(s);
	const char *space = stop;
	while (space > s && space[-1] != ' ')
		space--;
	if (space <= s + 1)
		return 0;
	*name = s;
	*name_len = (size_t)(space - 1 - s);
	*count = (uint64_t)n;
	return 1;
}
