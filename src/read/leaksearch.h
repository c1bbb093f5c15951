/*
 * leaksearch.h — the leak searches of each input (process): where a new
 * one begins, so that only the last one counts.
 *
 * A program may ask valgrind for leak searches while it runs
 * (VALGRIND_DO_LEAK_CHECK, _ADDED_, _CHANGED_ from <valgrind/memcheck.h>,
 * or a vgdb `leak_check`), and valgrind writes the loss records of each
 * one; the search it makes at exit writes every loss record whole.  So an
 * input's sites and leak totals are those of its last search: when a new
 * search begins, pipeline.c takes back what the one before added
 * (sites_take_back) — unless it is an added or changed search (its
 * records carry growth, "(+N)"): valgrind then writes only the loss
 * records that changed, each with its growth since the search before, and
 * each updates that search's record of the same stack
 * (sites_take_back_record).  A new search begins, at a loss record of the input,
 * when (model.h, struct vgt_record):
 *   - its leak_search differs from the previous loss record's (XML: its
 *     <unique> - I; text: the LEAK SUMMARYs before it), or
 *   - its number I is not above the previous one's, or its N differs, or
 *   - valgrind's exit search has begun since the previous one (XML
 *     <status> FINISHED, text "HEAP SUMMARY:").
 * At the end of an input whose exit search came whole but wrote no loss
 * record (all freed, or only kinds --show-leak-kinds hides), the last
 * search is taken back too.  A run killed before its exit search keeps
 * its last search, and a note says so; an input with several searches
 * gets a note saying which one the sites show.  Runs marked for per-test
 * attribution (pertest.h) get no note: their searches are the harness's.
 *
 * Used by pipeline.c (and the unit tests).  Memory: a few words per input.
 */
#ifndef VGTRIAGE_LEAKSEARCH_H
#define VGTRIAGE_LEAKSEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/report.h"

struct leaksearch;
struct leaksearch *leaksearch_new(void);
void leaksearch_free(struct leaksearch *ls); /* NULL is a no-op */

/* What the caller does with a record of input, before anything counts it. */
enum leaksearch_step {
	LEAKSEARCH_ADD,    /* add it: not a leak record, or one more of the search */
	LEAKSEARCH_NEW,    /* a full leak search begins after one that wrote loss
			      records: take back what that one added, then add it */
	LEAKSEARCH_UPDATE  /* a loss record of an added or changed search after
			      another: take back what the loss record was before
			      (its figures minus its growth), then add it */
};
enum leaksearch_step leaksearch_record(struct leaksearch *ls, const struct vgt_input *input,
				       const struct vgt_record *rec);

/* The input was read to its end: 1 when its exit search came whole with
 * no loss record, so that the caller takes back the earlier search, else
 * 0.  Then the note for the input, if any (none when marked: a per-test
 * run).  Call once per input. */
int leaksearch_end(struct leaksearch *ls, const struct vgt_input *input);
void leaksearch_note(struct leaksearch *ls, const struct vgt_input *input, int marked,
		     struct vgt_report *report);

/* ---- the rule, for the unit tests ---- */

/* The last loss record of an input's current search. */
struct leaksearch_mark {
	uint32_t loss_record, loss_records;
	uint64_t leak_search;
	int at_exit;               /* it came in valgrind's exit search */
};
/* Does rec (at_exit: the exit search has begun) begin a search after
 * the one whose last loss record was last? */
int leaksearch_begins(const struct leaksearch_mark *last, const struct vgt_record *rec,
		      int at_exit);

#endif
