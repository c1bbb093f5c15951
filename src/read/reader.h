/*
 * reader.h — the input readers: valgrind XML (xml_reader.c, libxml2
 * push parser), valgrind's plain text log (text_reader.c), and
 * LeakSanitizer/AddressSanitizer reports (lsan_reader.c).
 *
 * Both stream: feed any number of chunks, then finish.  They fill the
 * struct vgt_input they were given (preamble, pid, status, summaries) and
 * hand each completed record to the sink; they never print.
 *
 * Results:
 *   *_feed   0 = fine; -1 = the input is broken here (not valgrind's, or
 *            malformed): err names line:column and what was expected; the
 *            records already delivered stand, input->complete is 0.
 *   *_finish 0 = fine.  If the input stopped early (a killed run),
 *            input->complete is 0 and err says how far it got: the caller
 *            warns.  -1 = nothing at all valgrind-like was read (empty,
 *            garbage, not-valgrind XML): err says why.
 * err->file is left empty: the caller knows the input's name.
 *
 * Included by pipeline.c, runner.c, watch.c and the readers' tests.
 */
#ifndef VGTRIAGE_READER_H
#define VGTRIAGE_READER_H

#include <stddef.h>

#include "vgtriage/model.h"
#include "vgtriage/frames.h"
#include "vgtriage/strpool.h"

/* Frames kept per stack (valgrind's --num-callers stops at 500); deeper
 * frames are dropped, by both readers.  man/vgtriage.1 DIAGNOSTICS lists
 * this and the readers' other limits. */
#define VGT_READER_MAX_FRAMES 1000

struct xml_reader;
struct xml_reader *xml_reader_new(struct frame_table *frames, struct vgt_input *input,
				  const struct vgt_sink *sink);
int xml_reader_feed(struct xml_reader *reader, const char *buf, size_t len,
		    struct vgt_error *err);
int xml_reader_finish(struct xml_reader *reader, struct vgt_error *err);
void xml_reader_free(struct xml_reader *reader); /* NULL is a no-op */
/* The XML reader reads valgrind's fixed shape with a fast tokenizer of
 * its own (xml_fast.h) and hands anything else to libxml2, its reference
 * parser, from the token where the shape ends; the records, positions and
 * errors are libxml2's either way.  force_libxml2 (before the first feed;
 * or VGTRIAGE_XML_PARSER=libxml2 in the environment) reads with libxml2
 * alone: for tests and the differential fuzz harness.  parser_used: 0 the
 * fast path read everything so far, 1 libxml2 took over from it, 2
 * libxml2 read it all. */
void xml_reader_force_libxml2(struct xml_reader *reader);
int xml_reader_parser_used(const struct xml_reader *reader);

struct text_reader;
struct text_reader *text_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink);
int text_reader_feed(struct text_reader *reader, const char *buf, size_t len,
		     struct vgt_error *err);
int text_reader_finish(struct text_reader *reader, struct vgt_error *err);
void text_reader_free(struct text_reader *reader); /* NULL is a no-op */
/* valgrind -v's "used_suppression:" line, the text after that word: the
 * entry's name (*name, *name_len: in t) and its count; 0 when it is not
 * one (text_checks.c). */
int reader_used_suppression(const char *t, const char **name, size_t *name_len, uint64_t *count);

/* LeakSanitizer / AddressSanitizer reports (stderr or log_path files);
 * format "lsan".  Same contract as the text reader; see lsan_reader.c for
 * how LSan's kinds and SUMMARY map onto the model. */
struct lsan_reader;
struct lsan_reader *lsan_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink);
int lsan_reader_feed(struct lsan_reader *reader, const char *buf, size_t len,
		     struct vgt_error *err);
int lsan_reader_finish(struct lsan_reader *reader, struct vgt_error *err);
void lsan_reader_free(struct lsan_reader *reader); /* NULL is a no-op */
/* An LSan input of a process that wrote no report.  exited: it ran to
 * its end, so LeakSanitizer's check found nothing (figures 0, complete);
 * else its figures are unknown and it is incomplete. */
void lsan_input_clean(struct vgt_input *in, int exited);
/* 1 when buf (an input's first bytes) holds a sanitizer report header
 * ("==PID==ERROR: LeakSanitizer: …") or a leak record line. */
int lsan_reader_detect(const char *buf, size_t len);

/* vgtriage's own JSON report written with --merge-data (json_reader.c),
 * read back as the inputs it was made from: `vgtriage merge`.  Same
 * contract as the readers above; the whole document is held (at most
 * JSON_READER_MAX_BYTES) and replayed at finish.  Its inputs after the
 * first come from sink->input_for_pid. */
#define JSON_READER_MAX_BYTES ((size_t)1 << 31)
struct json_reader;
struct json_reader *json_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink);
int json_reader_feed(struct json_reader *reader, const char *buf, size_t len,
		     struct vgt_error *err);
int json_reader_finish(struct json_reader *reader, struct vgt_error *err);
void json_reader_free(struct json_reader *reader); /* NULL is a no-op */
/* The same in steps, for a report of several files (streams): each file
 * replayed into a report of its own (pipeline.c), as raw inputs are read.
 * load: the whole document (its syntax, frames, inputs and events'
 * inputs checked; err says where it is wrong); replay: file `file` (0 ..
 * json_report_files - 1; SIZE_MAX: all as one) into input (its first
 * input), the others from sink->input_for_pid.  Returns as *_finish. */
struct json_report;
struct json_report *json_report_load(const char *buf, size_t len, struct vgt_error *err);
/* What a reader was fed, loaded (the reader is empty again): for a reader
 * made with NULL frames, input and sink, as a buffer. */
struct json_report *json_reader_load(struct json_reader *reader, struct vgt_error *err);
size_t json_report_files(const struct json_report *jr);
int json_report_replay(struct json_report *jr, size_t file, struct frame_table *frames,
		       struct vgt_input *input, const struct vgt_sink *sink, struct vgt_error *err);
void json_report_free(struct json_report *jr); /* NULL is a no-op */

/* Cross-check of valgrind's LEAK SUMMARY against the records read
 * (text_checks.c).  parsed[] is indexed definitely, indirectly, possibly
 * lost, still reachable, as sites_input_amounts() counts them (direct bytes
 * for definitely/possibly lost).  reader_summary_mismatch() returns 0 when they agree (or the input has no
 * LEAK SUMMARY), 1 when the only differences are kinds with no record at
 * all (hidden by --show-leak-kinds), 2 when a kind that has records
 * disagrees (a log cut short, a bug); msg says which, in one line. */
int reader_summary_mismatch(const struct vgt_input *in, const struct vgt_amount parsed[4],
			    char *msg, size_t size);

/* Is line (unprefixed, as valgrind writes it) valgrind's own failure: "Memcheck:
 * mc_leakcheck.c:2141 (…): the 'impossible' happened.", "valgrind: m_x.c:12
 * (fn): Assertion 'p' failed.", "valgrind: the 'impossible' happened:"
 * (m_libcassert.c)?  text_checks.c. */
int reader_is_panic(const char *line);

/* "xml" when buf (the first bytes of an input, leading whitespace allowed)
 * looks like XML, "json" when it begins with '{' (vgtriage's own report),
 * "lsan" when it holds a sanitizer's report, else "text". */
const char *reader_detect_format(const char *buf, size_t len);

#endif
