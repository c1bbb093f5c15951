/*
 * split.h — one large valgrind XML or log read on several cores (-j on one
 * input).
 *
 * The document is cut at </error> boundaries into parts.  Each part is
 * parsed by a reader of its own, in a thread of its own, into a record
 * store of its own (its own frame table and strpool): the part's records,
 * client messages and error counts in document order, and each change of
 * the input's state (the preamble, <status>, the summaries) in its place.
 * Every part but the first is preceded by the document's preamble (all
 * that comes before the first <error>, <clientmsg>, <errorcounts> or
 * <suppcounts>), so its reader knows the pid, the tool and valgrind's
 * options; every part but the last is closed with </valgrindoutput>.
 * The reader itself keeps no state that <status> changes, so a part's
 * status is the main input's, carried by the replay: the changes each part
 * made to its input are applied to the main input in document order.
 *
 * A valgrind log is cut the same way at a blank line of its process that
 * a message follows (a record's end; each pid's reader state — record,
 * section, summaries — is then at rest), every part but the first preceded
 * by the log's preamble (its lines up to the first blank one).  Only logs
 * of one memcheck process are cut, and only where no state crosses a
 * part: a log of several pids, a summary before the last part (LEAK
 * SUMMARY ends a leak search; HEAP SUMMARY only marks the exit search,
 * which the input carries), a -s list (it counts the contexts of every
 * part) or a client message (per-test markers span records) and it is
 * read whole.  The records a log's reader numbers 1, 2, … in each part
 * are numbered on across the parts in the replay.
 *
 * The first part is read in the caller's thread straight into the
 * caller's sink while the other parts are parsed into their stores (a
 * store holds only what the parts after the first found, its records in
 * blocks given back to the system as the replay passes them; split.c's
 * FIRST_SHARE weighs the first part's size, time against memory); the
 * stores are then replayed into the same sink, in document order, the frame ids
 * mapped to the caller's frame table: the sink sees the same calls as
 * when one reader reads the whole file, so the report is byte for byte the
 * same as with -j 1.  Anything unusual in any part — a parse error, a
 * document cut short, valgrind's own failure, a comment, CDATA or
 * processing instruction (which could hide a "</error>"), a number that
 * was no number — and split_read_first() or split_wait() says 0: the
 * caller throws away what its sink got (pipeline.c reads the parts into a
 * report of its own for that) and reads the file the ordinary way, which
 * says what is wrong exactly as -j 1 does.
 *
 * Used by pipeline.c only.
 */
#ifndef VGTRIAGE_SPLIT_H
#define VGTRIAGE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/frames.h"
#include "vgtriage/strpool.h"

/* Files smaller than this are read whole (VGTRIAGE_TEST_SPLIT_MIN=N
 * overrides it, so that the goldens can split the small files of
 * testdata/). */
#define SPLIT_MIN_BYTES (8u * 1024 * 1024)

struct split_store;

/* Plans the parts of the file open as fd (size bytes; XML, or a valgrind
 * log when log is set) — up to n_parts — and starts a thread for each part
 * but the first.  proto gives the path and format of the parts' inputs.
 * NULL when the file cannot be cut (nothing started). */
struct split_store *split_start(int fd, uint64_t size, unsigned n_parts, int log,
				const struct vgt_input *proto);

/* How many bytes of the file all parts have read (progress may be NULL);
 * called from the thread that reads the first part. */
typedef void split_progress_fn(void *ctx, uint64_t bytes);

/* Reads the first part in the calling thread, straight into sink, ft and
 * input (as the whole file would be read, while the other parts are
 * parsed), calling progress after each window.  1 when it read as an
 * ordinary part; 0: what went to the sink must be thrown away and the
 * file read whole. */
int split_read_first(struct split_store *ss, struct frame_table *ft, struct vgt_input *input,
		     const struct vgt_sink *sink, split_progress_fn *progress, void *ctx);

/* Waits for the other parts: 1 when all read as ordinary parts (see
 * above), 0 when the file must be read whole. */
int split_wait(struct split_store *ss);

/* Replays the stores of the parts after the first into sink, as input (the main input: its state takes
 * each part's changes in order) with frames interned into ft and strings
 * into pool.  Returns the first non-zero result of a sink callback, else 0. */
int split_replay(struct split_store *ss, struct frame_table *ft, struct strpool *pool,
		 struct vgt_input *input, const struct vgt_sink *sink, struct vgt_error *err);

/* How many parts the file was read in. */
size_t split_parts(const struct split_store *ss);

void split_free(struct split_store *ss); /* waits for the threads; NULL is a no-op */

/* For the unit tests: the bytes of the body (after the preamble) the first
 * of n_parts parts reads, each other part reading at most part_max. */
uint64_t split_first_part(uint64_t body, unsigned n_parts, uint64_t part_max);

/* For the unit tests: the n records into a record log, as a part's store
 * keeps them (its blocks malloc'ed when no_map, as when /dev/zero cannot
 * be opened or mapped), then read back in order, each given to each(). */
typedef void split_each_fn(void *ctx, size_t i, const struct vgt_record *rec);
void split_log_roundtrip(const struct vgt_record *recs, size_t n, int no_map,
			 split_each_fn *each, void *ctx);

#endif
