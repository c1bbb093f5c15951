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
 * SUMMARY ends a leak search), a -s list (it counts the contexts of every
 * part) or a client message (per-test markers span records) and it is
 * read whole.  The records a log's reader numbers 1, 2, … in each part
 * are numbered on across the parts in the replay.
 *
 * The stores are then replayed into the real sink, in document order, the
 * frame ids mapped to the main frame table: the sink sees the same calls as
 * when one reader reads the whole file, so the report is byte for byte the
 * same as with -j 1.  Anything unusual in any part — a parse error, a
 * document cut short, valgrind's own failure, a comment, CDATA or
 * processing instruction (which could hide a "</error>"), a number that
 * was no number — and split_xml_read() returns NULL: the caller reads the
 * file the ordinary way, which says what is wrong exactly as -j 1 does.
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

/* Reads the file open as fd (size bytes; XML, or a valgrind log when log
 * is set) in up to n_parts parts, each in a thread.  proto gives the path
 * and format of the parts' inputs.  Returns the stores, or NULL when the
 * file cannot be split or a part found anything unusual (see above). */
struct split_store *split_read(int fd, uint64_t size, unsigned n_parts, int log,
			       const struct vgt_input *proto);

/* Replays the stores into sink, as input (the main input: its state takes
 * each part's changes in order) with frames interned into ft and strings
 * into pool.  Returns the first non-zero result of a sink callback, else 0. */
int split_replay(struct split_store *ss, struct frame_table *ft, struct strpool *pool,
		 struct vgt_input *input, const struct vgt_sink *sink, struct vgt_error *err);

/* How many parts the file was read in. */
size_t split_parts(const struct split_store *ss);

void split_free(struct split_store *ss); /* NULL is a no-op */

#endif
