/*
 * procs.h — which processes a site occurred in, and the leaks that a child
 * forked without exec reports again because it inherited its parent's heap.
 *
 * Valgrind follows fork() (whatever --trace-children says) and every
 * process runs its own leak check at exit.  A child forked without exec
 * starts with a copy of its parent's heap, so a block its parent lost
 * before the fork is lost in the child too, and valgrind reports it once
 * per process.  vgtriage keeps valgrind's per-process figures and says so:
 * a leak record of a forked child whose allocation stack is also a record
 * of the same site in its parent (the input whose pid is the child's ppid
 * and whose command is the child's) counts as inherited.
 *
 * sites.c calls procs_site_add() for each record it puts in a site,
 * procs_site_errorcount() for <errorcounts>, and procs_finish() once per
 * report; sites.c hands procs_site_release() to the report, which calls
 * it when it frees a site.  Renderers read what
 * procs_finish() leaves in the site: its procs, and pids and inherited*
 * in its detail (site_detail()).
 * Included by sites.c, rank.c, the renderers and the tests.
 */
#ifndef VGTRIAGE_PROCS_H
#define VGTRIAGE_PROCS_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/report.h"

/* The leak records of a site in one process with one allocation stack:
 * the stack's hash and valgrind's figures, added up. */
struct procs_record {
	uint64_t stack_hash;
	uint64_t bytes, blocks;
	size_t records;
	int inherited;           /* procs_finish: the fork parent has it too */
};

/* Stacks a site keeps per process (past it, records are not told
 * inherited): memory grows with sites, never with records. */
#define PROCS_MAX_STACKS 16

/* A site in one input (one process).  64-bit fields first, then the
 * 32-bit ones: a site has one per input, tens of thousands of sites. */
struct vgt_site_proc {
	uint64_t bytes, blocks;  /* valgrind's figures from this input alone */
	uint64_t direct_bytes, indirect_bytes;
	int64_t delta_bytes, delta_blocks; /* growth ("(+N)"), when has_delta */
	size_t records;
	uint64_t occurrences;    /* errors: with <errorcounts> */
	uint64_t inherited_bytes, inherited_blocks; /* procs_finish */
	size_t inherited_records;
	struct procs_record *recs; /* leak records (for procs_finish) */
	uint32_t input;          /* index in report->inputs (a report has fewer) */
	uint32_t n_recs, recs_cap; /* at most PROCS_MAX_STACKS */
	int has_delta;
};

/* Adds one record of input_index to site (sites_add_record); ft is the
 * frame table of the record's stack.  Returns 1 when it is the input's
 * first record at the site (since procs_site_take), else 0. */
int procs_site_add(const struct frame_table *ft, struct vgt_site *site, size_t input_index,
		   const struct vgt_record *rec);
/* Takes input_index's entry out of site: *out gets its figures (what the
 * input's records added to the site; out->recs is NULL).  Returns 0 when
 * the input added nothing to the site, else 1 (sites_take_back). */
int procs_site_take(struct vgt_site *site, size_t input_index, struct vgt_site_proc *out);
/* What one earlier record of input_index (figures in old; its stack's
 * hash) added to site, out of the input's entry (sites_take_back_record):
 * an entry left without records goes. */
void procs_site_sub(struct vgt_site *site, size_t input_index, uint64_t stack_hash,
		    const struct vgt_site_proc *old);
/* The records of input_index the site holds (0: none). */
size_t procs_site_input_records(const struct vgt_site *site, size_t input_index);
/* Whether an entry of the site has growth figures. */
int procs_site_has_delta(const struct vgt_site *site);
/* src's processes added to dst, src's input i being dst's input_base + i
 * (rank_merge). */
void procs_site_merge(struct vgt_site *dst, const struct vgt_site *src, size_t input_base);
/* Frees what procs hung on a site (report->release_site). */
void procs_site_release(struct vgt_site *site);
/* Extra occurrences of an error of input_index (sites_add_errorcount). */
void procs_site_errorcount(struct vgt_site *site, size_t input_index, uint64_t extra);
/* Per site: pids (distinct, ascending), inherited flags and figures; a
 * report note when a forked child reports its parent's leaks.  Safe to
 * call again after more records were added. */
void procs_finish(struct vgt_report *report);

/* The input a child input was forked from without exec: same command,
 * its ppid is that input's pid.  Returns its index, or (size_t)-1. */
size_t procs_fork_parent(const struct vgt_report *report, size_t input_index);

/* A hash of a stack's frames (ip, object, function, file, line): equal
 * for the same allocation stack in a parent and its forked child. */
uint64_t procs_stack_hash(const struct frame_table *ft, const struct vgt_stack *stack);

#endif
