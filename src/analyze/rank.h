/*
 * analysis.h — the steps between reading and rendering: symbolize,
 * classify, suppress, rank, policy.
 *
 * symbolize.c  fills each frame's derived fields (Cython map, demangled
 *              names, perf maps).
 * classify.c   decides each frame's class and the culprit frame.
 * rank.c       groups records into sites, totals, sorts and hides noise.
 * policy.c     decides the exit status from --fail-on.
 *
 * Included by pipeline.c, main.c, renderers (policy only) and tests.
 */
#ifndef VGTRIAGE_ANALYSIS_H
#define VGTRIAGE_ANALYSIS_H

#include <stddef.h>

#include "vgtriage/model.h"
#include "vgtriage/report.h"
#include "vgtriage/strpool.h"

/* ---- symbolize ---- */
struct prefix_map {
	const char *old_prefix;
	const char *new_prefix;
};

struct symbolize_options {
	const char *const *source_roots; /* --source-root, in order */
	size_t n_source_roots;
	const struct prefix_map *prefix_maps; /* --prefix-map OLD=NEW */
	size_t n_prefix_maps;
	const char *const *perf_maps;    /* --perf-map FILE|DIR */
	size_t n_perf_maps;
	size_t context_lines;            /* lines each side for vgt_context */
	int verbose;                     /* notes say where files were looked for */
	const char *const *symbol_dirs;  /* --symbols DIR: unstripped copies (by build-id) */
	size_t n_symbol_dirs;
	int linkage_names;               /* find C++ linkage names in the objects
					    (for --suppressions, --gen-suppressions) */
};

struct symbolizer;
struct symbolizer *symbolizer_new(struct strpool *pool, const struct symbolize_options *opts);
void symbolizer_free(struct symbolizer *sym); /* NULL is a no-op */
/* Fills pyx_*, pyname of one frame of the frame table (once per distinct
 * frame: frame_resolve).  Frames without fn are looked up in the perf
 * maps of their process (frame->pid). */
void symbolize_frame(struct symbolizer *sym, struct vgt_frame *frame);
/* After every record: a Python name guessed from a C name (ambiguous) is
 * settled when another frame named it without doubt. */
void symbolize_settle(struct symbolizer *sym, struct frame_table *ft);
/* Names (C++, frames valgrind could not name), symbolizes and classifies
 * each frame of the stack of process pid not done before. */
void frame_resolve_stack(struct symbolizer *sym, struct frame_table *ft,
			 const struct vgt_stack *stack, long pid);
/* The culprit line's text with blanks collapsed, and how many identical
 * statements come before it in its function, when the source (or, for
 * .pyx, the generated file's marker) is at hand; else NULL. */
const char *symbolize_statement(struct symbolizer *sym, const struct vgt_site *site,
				unsigned *occurrence);
/* The path of the source file a location names (the .pyx when mapped),
 * found as symbolize_context finds it; NULL when not found.  The caller
 * frees it. */
char *symbolize_source_path(struct symbolizer *sym, const struct vgt_location *loc);
/* Fills site->context from the real source file when found. */
void symbolize_context(struct symbolizer *sym, struct vgt_site *site);
/* The policy every file named by the input is read through (srcpolicy.h):
 * the current directory, --source-root DIRs and --prefix-map targets.
 * Valid until symbolizer_free. */
struct srcpolicy;
const struct srcpolicy *symbolizer_srcpolicy(const struct symbolizer *sym);
/* The mappings of process pid (/proc/PID/maps text), recorded while it
 * ran: the load address of objects whose frames valgrind could not name. */
void symbolize_add_maps(struct symbolizer *sym, long pid, const char *maps_text);
/* Moves what the symbolizer has to say (maps not found, ambiguous names)
 * into report notes. */
void symbolize_notes(struct symbolizer *sym, struct vgt_report *report);

/* ---- classify ---- */
enum frame_class classify_frame(const struct vgt_frame *frame);
/* Sets the class of every frame of the stack (frame_resolve does this
 * once per distinct frame; tests call it directly). */
void classify_stack(struct frame_table *ft, const struct vgt_stack *stack);
/* DESIGN.md §2: first user frame, else first cython-runtime frame, else
 * first non-allocator frame; 0 for an empty or all-allocator stack.  The
 * frames must be classified. */
size_t classify_culprit(const struct frame_table *ft, const struct vgt_stack *stack);

/* ---- rank ---- */
struct rank_options {
	int show_all;             /* --all: noise sites are shown too */
	unsigned kinds_mask;      /* bit per enum vgt_kind_group; 0 = all */
	size_t top;               /* --top N (0 = all); renderers honour it */
	int suppressed;           /* --suppressions in use (figures.h) */
};

/* Adds one classified record to the report's sites and totals. */
void rank_add_record(struct vgt_report *report, struct vgt_input *input,
		     const struct vgt_record *rec);
/* A record --suppressions removed: counted as suppressed. */
void rank_add_suppressed(struct vgt_report *report, struct vgt_input *input,
			 const struct vgt_record *rec);
/* A new leak search of input began (leaksearch.h): what the input's leak
 * records added since the last call — to its sites, its leak totals and
 * the suppressed ones — is taken back out; its errors, and valgrind's
 * count of its leak records among them, stay.  Sites left without any
 * record stay in the index, empty, until a record comes to them again or
 * rank_drop_empty_sites drops them.  O(sites the input's records went to). */
void rank_take_back(struct vgt_report *report, struct vgt_input *input);
/* A loss record of an added or changed leak search after another search
 * of input (leaksearch.h): valgrind wrote it because its loss record
 * changed, with the growth since that search beside the figures.  What
 * the loss record was before (figures minus growth) is taken out of its
 * site and the input's totals, so that rank_add_record then puts in what
 * it is now.  Returns 0 when nothing is left of it (all its blocks were
 * freed: only valgrind's error count takes it), 1 when the caller is to
 * add it. */
int rank_take_back_record(struct vgt_report *report, struct vgt_input *input,
			  const struct vgt_record *rec);
/* Drops the sites rank_take_back left without records (after an input was
 * read, before rank_finish or rank_merge): they are not shown, ranked or
 * counted.  Returns how many. */
size_t rank_drop_empty_sites(struct vgt_report *report);
/* A site's identity: kind plus culprit location, all interned pointers.
 * pertest.c keeps keys of records it takes from mid-run leak checks, to
 * find their sites once the final check is read. */
struct site_key {
	enum vgt_kind kind;
	const char *kind_name;
	const char *a, *b; /* pyx file / dir+file / fn+obj */
	const char *c;
	unsigned line;
};
/* The key of the site a classified record belongs to (nothing is added). */
void rank_record_key(struct vgt_report *report, const struct vgt_record *rec,
		     struct site_key *key);
/* The site with that key, or NULL when no record of it was added. */
struct vgt_site *rank_site_by_key(struct vgt_report *report, const struct site_key *key);
uint64_t rank_key_hash(const struct site_key *key);
int rank_key_equal(const struct site_key *x, const struct site_key *y);
/* Adds the occurrences of an error known by its unique (XML errorcounts). */
void rank_add_errorcount(struct vgt_report *report, struct vgt_input *input,
			 uint64_t unique, uint64_t count);
/* Adds what src read (inputs, sites, totals, notes) to dst, as if dst had
 * read src's inputs after its own: the same sites, amounts and examples
 * (`-j`: inputs read in parallel, merged in the order given).  src must not
 * be ranked yet (rank_finish). */
void rank_merge(struct vgt_report *dst, const struct vgt_report *src);
/* Sorts, hides noise, numbers the shown sites, computes hidden totals. */
void rank_finish(struct vgt_report *report, const struct rank_options *opts);
/* One input's leak amounts as valgrind's LEAK SUMMARY counts them:
 * out[0] definitely, [1] indirectly, [2] possibly lost, [3] still reachable. */
void rank_input_amounts(const struct vgt_report *report, const struct vgt_input *input,
			struct vgt_amount out[4]);
/* One input's loss records, those valgrind counts as errors, and whether
 * indirect leaks came as records of their own (else from splits). */
void rank_input_counts(const struct vgt_report *report, const struct vgt_input *input,
		       size_t *leak_records, size_t *leak_error_records, int *has_indirect_records);
/* The site's fingerprint from kind and location (no ips, pids, abs paths). */
void rank_fingerprint(const struct vgt_site *site, char out[17]);

/* ---- policy ---- */
struct policy {
	int fail_group[VGT_GROUP_COUNT];          /* definite, indirect, … errors */
	uint64_t threshold[VGT_GROUP_COUNT];      /* fail only above N bytes */
	int fail_incomplete;
	int only_new;                             /* "new": only baseline-new sites count */
};

/* Parses "definite,indirect,errors,incomplete,possible>1024,new".  The
 * empty string fails on nothing. */
int policy_parse(struct policy *policy, const char *spec, struct vgt_error *err);
void policy_default(struct policy *policy);
int policy_site_fails(const struct policy *policy, const struct vgt_site *site);
/* 1 if valgrind's summary counts leaks of a failing kind beyond what the
 * records show (no stacks, kinds not shown), else 0. */
int policy_summary_fails(const struct policy *policy, const struct vgt_report *report);
/* Does an amount of group g fail?  Errors: blocks counts occurrences. */
int policy_amount_fails(const struct policy *policy, enum vgt_kind_group g, uint64_t bytes,
			uint64_t blocks);
/* 1 if anything in the report fails the policy, else 0. */
int policy_evaluate(const struct policy *policy, const struct vgt_report *report);

#endif
