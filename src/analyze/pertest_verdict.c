/*
 * pertest_verdict.c — which kind a test's lost blocks count as, and what
 * each test is blamed for (see pertest_verdict.h).
 */
#include "analyze/pertest_verdict.h"

#include <stdlib.h>
#include <string.h>

/* ---- places found definitely lost --------------------------------------- */

static struct site_key place_key(const struct site_key *key)
{
	struct site_key k = *key;
	k.kind = (enum vgt_kind)0;
	k.kind_name = NULL;
	return k;
}

static size_t place_slot(const struct pertest_places *pl, const struct site_key *place)
{
	size_t mask = pl->n_slots - 1;
	size_t j = (size_t)sites_key_hash(place) & mask;
	while (pl->slots[j].used && !sites_key_equal(&pl->slots[j].key, place))
		j = (j + 1) & mask;
	return j;
}

void pertest_places_init(struct pertest_places *pl, size_t n)
{
	pl->n_slots = 16;
	while (pl->n_slots < n * 2)
		pl->n_slots *= 2;
	pl->slots = xcalloc(pl->n_slots, sizeof(*pl->slots));
}

void pertest_places_add(struct pertest_places *pl, const struct site_key *key, size_t at)
{
	struct site_key place = place_key(key);
	struct pertest_place *e = &pl->slots[place_slot(pl, &place)];
	if (!e->used)
		*e = (struct pertest_place){place, 1, at};
}

int pertest_places_find(const struct pertest_places *pl, const struct site_key *key, size_t *at)
{
	if (pl->slots == NULL)
		return 0;
	struct site_key place = place_key(key);
	const struct pertest_place *e = &pl->slots[place_slot(pl, &place)];
	if (e->used)
		*at = e->at;
	return e->used;
}

void pertest_places_free(struct pertest_places *pl)
{
	free(pl->slots);
	pl->slots = NULL;
	pl->n_slots = 0;
}

/* ---- the note ---------------------------------------------------------- */

/* Counts the shares of sites in your code (the possibly lost sites a test
 * is blamed for without --all). */
void pertest_note_kinds(struct vgt_report *r, const char *at)
{
	uint64_t bytes = 0, blocks = 0;
	size_t tests = 0;
	const char *first = NULL;
	unsigned char *seen = xcalloc(r->n_tests + 1, 1);
	for (size_t i = 0; i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		if (s->category != FRAME_USER)
			continue;
		const struct vgt_site_detail *d = site_detail(s);
		for (size_t k = 0; k < d->n_tests; k++) {
			const struct vgt_site_test *t = &d->tests[k];
			if (t->definite_blocks == 0 && t->definite_bytes == 0)
				continue;
			bytes = vgt_count_add(bytes, t->definite_bytes);
			blocks = vgt_count_add(blocks, t->definite_blocks);
			if (!seen[t->test]) {
				seen[t->test] = 1;
				if (tests++ == 0)
					first = r->tests[t->test].name;
			}
		}
	}
	free(seen);
	if (tests == 0)
		return;
	report_add_note(r,
			"%llu bytes in %llu blocks that valgrind calls possibly lost count as "
			"definitely lost for %zu test%s (%s%s): valgrind found blocks allocated at "
			"the same place definitely lost (first at %s); a block nothing points to "
			"is lost for good, so an interior pointer to it is a stale value",
			(unsigned long long)bytes, (unsigned long long)blocks, tests,
			tests == 1 ? "" : "s", first, tests > 1 ? ", ..." : "", at);
}

/* ---- summaries and verdicts --------------------------------------------- */

int pertest_blames(const struct vgt_report *r, const struct vgt_site *s)
{
	/* the report's categories: the user's, and what a third-party
	 * extension or a library lost for good (possible/reachable hidden) */
	enum vgt_kind_group g = kind_group(s->kind);
	return !s->hidden && (r->blame_noise || s->category == FRAME_USER ||
			      ((s->category == FRAME_EXTENSION || s->category == FRAME_LIBRARY) &&
			       (g == VGT_GROUP_DEFINITE || g == VGT_GROUP_INDIRECT)));
}

void pertest_add_share(struct vgt_amount *sum, const struct vgt_site *site,
		       const struct vgt_site_test *share)
{
	enum vgt_kind_group g = kind_group(site->kind);
	uint64_t def_bytes = 0, def_blocks = 0;
	if (g == VGT_GROUP_POSSIBLE) {
		def_bytes = share->definite_bytes < share->bytes ? share->definite_bytes : share->bytes;
		def_blocks = share->definite_blocks < share->blocks ? share->definite_blocks
								    : share->blocks;
		sum[VGT_GROUP_DEFINITE].bytes = vgt_count_add(sum[VGT_GROUP_DEFINITE].bytes, def_bytes);
		sum[VGT_GROUP_DEFINITE].blocks =
			vgt_count_add(sum[VGT_GROUP_DEFINITE].blocks, def_blocks);
	}
	sum[g].bytes = vgt_count_add(sum[g].bytes, share->bytes - def_bytes);
	sum[g].blocks = vgt_count_add(sum[g].blocks, share->blocks - def_blocks);
}

void pertest_summarize(struct vgt_report *r, int show_all)
{
	r->blame_noise = show_all;
	for (size_t i = 0; i < r->n_tests; i++) {
		struct vgt_test *t = &r->tests[i];
		memset(t->lost, 0, sizeof(t->lost));
		t->phases = 0;
		t->n_sites = 0;
		t->top_site = SIZE_MAX;
	}
	uint64_t *top_bytes = xcalloc(r->n_tests + 1, sizeof(*top_bytes));
	for (size_t i = 0; i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		if (!pertest_blames(r, s))
			continue;
		const struct vgt_site_detail *d = site_detail(s);
		for (size_t k = 0; k < d->n_tests; k++) {
			const struct vgt_site_test *st = &d->tests[k];
			struct vgt_test *t = &r->tests[st->test];
			pertest_add_share(t->lost, s, st);
			t->phases |= st->phases;
			t->n_sites++;
			/* sites are in rank order: a later one wins only with more bytes */
			if (t->top_site == SIZE_MAX || st->bytes > top_bytes[st->test]) {
				t->top_site = i;
				top_bytes[st->test] = st->bytes;
			}
		}
	}
	free(top_bytes);
}
