/*
 * sites.h — the site index under rank.c: records grouped into sites by
 * key (kind + culprit location), taken back when a new leak search begins,
 * and each input's amounts as valgrind's LEAK/ERROR SUMMARY counts them.
 *
 * analyze/ owns records -> sites, totals and verdicts.  Inside it the
 * arrows point one way: rank -> figures, pertest -> sites -> procs;
 * policy -> figures, pertest.  It may call base/, model/ and symbols/.
 */
#ifndef VGTRIAGE_SITES_H
#define VGTRIAGE_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/report.h"

/* Adds one classified record to the report's sites and totals. */
struct vgt_site *sites_add_record(struct vgt_report *report, struct vgt_input *input,
				  const struct vgt_record *rec); /* returns the record's site */
/* A record --suppressions removed: counted as suppressed. */
void sites_add_suppressed(struct vgt_report *report, struct vgt_input *input,
			 const struct vgt_record *rec);
/* A new leak search of input began (leaksearch.h): what the input's leak
 * records added since the last call — to its sites, its leak totals and
 * the suppressed ones — is taken back out; its errors, and valgrind's
 * count of its leak records among them, stay.  Sites left without any
 * record stay in the index, empty, until a record comes to them again or
 * sites_drop_empty drops them.  O(sites the input's records went to). */
void sites_take_back(struct vgt_report *report, struct vgt_input *input);
/* A loss record of an added or changed leak search after another search
 * of input (leaksearch.h): valgrind wrote it because its loss record
 * changed, with the growth since that search beside the figures.  What
 * the loss record was before (figures minus growth) is taken out of its
 * site and the input's totals, so that sites_add_record then puts in what
 * it is now.  Returns 0 when nothing is left of it (all its blocks were
 * freed: only valgrind's error count takes it), 1 when the caller is to
 * add it. */
int sites_take_back_record(struct vgt_report *report, struct vgt_input *input,
			  const struct vgt_record *rec);
/* Drops the sites sites_take_back left without records (after an input was
 * read, before rank_finish or rank_merge): they are not shown, ranked or
 * counted.  Returns how many. */
size_t sites_drop_empty(struct vgt_report *report);
/* Hands gc (frames.h) every stack of the report's frame table that the
 * report keeps: the sites' examples and heads (an emptied site's too),
 * and the record stacks (report_keep_record_stack). */
struct frames_gc;
void sites_keep_frames(const struct vgt_report *report, struct frames_gc *gc);
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
void sites_record_key(struct vgt_report *report, const struct vgt_record *rec,
		     struct site_key *key);
/* The site with that key, or NULL when no record of it was added. */
struct vgt_site *sites_by_key(struct vgt_report *report, const struct site_key *key);
uint64_t sites_key_hash(const struct site_key *key);
int sites_key_equal(const struct site_key *x, const struct site_key *y);
/* Adds the occurrences of an error known by its unique (XML errorcounts). */
void sites_add_errorcount(struct vgt_report *report, struct vgt_input *input,
			 uint64_t unique, uint64_t count);
/* One input's leak amounts as valgrind's LEAK SUMMARY counts them:
 * out[0] definitely, [1] indirectly, [2] possibly lost, [3] still reachable. */
void sites_input_amounts(const struct vgt_report *report, const struct vgt_input *input,
			struct vgt_amount out[4]);
/* One input's loss records, those valgrind counts as errors, and whether
 * indirect leaks came as records of their own (else from splits). */
void sites_input_counts(const struct vgt_report *report, const struct vgt_input *input,
		       size_t *leak_records, size_t *leak_error_records, int *has_indirect_records);
/* FNV-1a of one field and a separator: callers hashes and fingerprints
 * (rank_fingerprint), which baselines store, so it never changes. */
uint64_t sites_hash_field(uint64_t h, const char *s);
/* The same over a function's name as every build and format spells it
 * (cxxname_base: "push" for -O0's "fmt::…::push<T, T>(T const&)" and
 * -O2's inlined "push<T, T>"): fingerprints survive a rebuild. */
uint64_t sites_hash_function(uint64_t h, const char *fn);
/* The report's leak totals (definitely … still reachable): every input's
 * amounts added up (rank_finish). */
void sites_sum_totals(struct vgt_report *report);
/* Merging (rank_merge): src's inputs and their amounts after dst's, at
 * index base; one site of src into dst, returned (stack and aux are
 * scratch); src's error totals, suppressed and unknown kinds. */
void sites_merge_inputs(struct vgt_report *dst, const struct vgt_report *src, size_t base);
struct vgt_site *sites_merge_site(struct vgt_report *dst, const struct vgt_report *src,
				  const struct vgt_site *s, size_t base,
				  struct vgt_stack *stack, struct vgt_stack *aux);
void sites_merge_totals(struct vgt_report *dst, const struct vgt_report *src);
/* Frees the index report->index points to (report_free, through
 * report->free_index). */
struct site_index;
void sites_index_free(struct site_index *index);

#endif
