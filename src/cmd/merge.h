/*
 * merge.h — what `--merge-data` keeps for `vgtriage merge` (issue 22): the
 * events each input gave the pipeline's sink (records, client messages,
 * error counts), in order, as compact JSON that render_json writes under
 * "merge" beside the frames they name and the inputs.  read/json_reader.c
 * reads them back, and pipeline.c replays each file (stream) of them into
 * a report of its own merged in order, as it reads raw inputs: a merge of
 * per-job reports is the report of all their raw inputs read at once.
 *
 * The capture has a frame table of its own (stacks are interned into it
 * from whichever report the record's frames are in) and numbers the inputs
 * itself, by file, as streams open and processes appear; when a report
 * holding captured inputs is merged into another (rank_merge), the caller
 * says so (merge_capture_moved) so that the inputs stay known.  One
 * capture is shared by a pipeline and the pipelines it reads parts with,
 * one at a time (never from two threads).
 *
 * Included by pipeline.c.
 */
#ifndef VGTRIAGE_MERGE_H
#define VGTRIAGE_MERGE_H

#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/report.h"

struct merge_capture;

struct merge_capture *merge_capture_new(void);
/* Frees; NULL is a no-op. */
void merge_capture_free(struct merge_capture *mc);
/* A new file (stream) begins with input in. */
void merge_capture_file(struct merge_capture *mc, const struct vgt_input *in);
/* in is one more input of first's file (another process of its log). */
void merge_capture_input(struct merge_capture *mc, const struct vgt_input *first,
			 const struct vgt_input *in);
void merge_capture_record(struct merge_capture *mc, const struct vgt_report *r,
			  const struct vgt_input *in, const struct vgt_record *rec);
void merge_capture_clientmsg(struct merge_capture *mc, const struct vgt_input *in,
			     const char *text);
void merge_capture_errorcount(struct merge_capture *mc, const struct vgt_input *in,
			      uint64_t unique, uint64_t count);
/* from's inputs became to's, from index base on (rank_merge). */
void merge_capture_moved(struct merge_capture *mc, const struct vgt_report *from,
			 const struct vgt_report *to, size_t base);
/* Ends the events and hands them, their frames and the inputs' numbering
 * to the report (report->merge_*). */
void merge_capture_finish(struct merge_capture *mc, struct vgt_report *r);

#endif
