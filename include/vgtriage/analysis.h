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
};

struct symbolizer;
struct symbolizer *symbolizer_new(struct strpool *pool, const struct symbolize_options *opts);
void symbolizer_free(struct symbolizer *sym); /* NULL is a no-op */
/* Fills pyx_*, pyname of each frame (cached per distinct frame). */
void symbolize_stack(struct symbolizer *sym, const struct vgt_input *input,
		     struct vgt_stack *stack);
/* Fills site->context from the real source file when found. */
void symbolize_context(struct symbolizer *sym, struct vgt_site *site);
/* Moves what the symbolizer has to say (maps not found, ambiguous names)
 * into report notes. */
void symbolize_notes(struct symbolizer *sym, struct vgt_report *report);

/* ---- classify ---- */
enum frame_class classify_frame(const struct vgt_frame *frame);
void classify_stack(struct vgt_stack *stack);
/* The same, remembering each distinct frame's class (frames' strings must
 * be interned: the cache compares pointers). */
struct classify_cache;
struct classify_cache *classify_cache_new(void);
void classify_cache_free(struct classify_cache *cache); /* NULL is a no-op */
void classify_stack_cached(struct classify_cache *cache, struct vgt_stack *stack);
/* DESIGN.md §2: first user frame, else first cython-runtime frame, else
 * first non-allocator frame; 0 for an empty or all-allocator stack. */
size_t classify_culprit(const struct vgt_stack *stack);

/* ---- rank ---- */
struct rank_options {
	int show_all;             /* --all: noise sites are shown too */
	unsigned kinds_mask;      /* bit per enum vgt_kind_group; 0 = all */
	size_t top;               /* --top N (0 = all); renderers honour it */
};

/* Adds one classified record to the report's sites and totals. */
void rank_add_record(struct vgt_report *report, struct vgt_input *input,
		     const struct vgt_record *rec);
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
/* Sorts, hides noise, numbers the shown sites, computes hidden totals. */
void rank_finish(struct vgt_report *report, const struct rank_options *opts);
/* One input's leak amounts as valgrind's LEAK SUMMARY counts them:
 * out[0] definitely, [1] indirectly, [2] possibly lost, [3] still reachable. */
void rank_input_amounts(const struct vgt_report *report, const struct vgt_input *input,
			struct vgt_amount out[4]);
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
/* Does an amount of group g fail?  Errors: blocks counts occurrences. */
int policy_amount_fails(const struct policy *policy, enum vgt_kind_group g, uint64_t bytes,
			uint64_t blocks);
/* 1 if anything in the report fails the policy, else 0. */
int policy_evaluate(const struct policy *policy, const struct vgt_report *report);

#endif
