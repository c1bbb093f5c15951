/*
 * pertest_verdict.h — what each test of a per-test run is blamed for, and
 * which kind its lost blocks count as (pertest.h includes it).
 *
 * Valgrind tells definitely from possibly lost by what points to a block
 * when it looks: possibly lost means only interior pointers do.  A block
 * nothing points to cannot come to be pointed to again, so once a check
 * finds a block definitely lost, an interior "pointer" to it seen at
 * another check is a stale value (freed memory reused at that address,
 * an old register, or a static of the interpreter: in msgpack's suite
 * under CPython 3.11 a word in python3.11's data segment pointed 656,000
 * bytes into a leaked 1 MiB buffer until exit).  Valgrind's checks do not
 * say which block of a place is which, and the stale values they see
 * change from run to run (CPython's hash seed changes what lies in
 * memory): the final check's kinds, given out in charge order, fail one
 * test in one run and its neighbour in the next, and a buffer some stale
 * word points into is never found definitely lost at all.  So a test's
 * possibly lost blocks count as definitely lost, for its verdict and
 * summary, when a check of the run found blocks of the same place (the
 * site's line, or function: one line Python reaches through many stacks)
 * definitely lost.  The site keeps valgrind's kind and figures, and a
 * note says where the kind came from; a place no check found definitely
 * lost keeps valgrind's kinds (a live Python object behind its GC header,
 * possibly lost all along, stays possibly lost).
 */
#ifndef VGTRIAGE_PERTEST_VERDICT_H
#define VGTRIAGE_PERTEST_VERDICT_H

#include <stddef.h>

#include "analyze/sites.h"
#include "vgtriage/report.h"

/* A site's place (its key without the kind), with the first check that
 * found blocks there definitely lost. */
struct pertest_place {
	struct site_key key; /* kind 0, kind_name NULL */
	int used;
	size_t at;           /* the caller's name for that check */
};

/* An open-addressing table of places; zeroed: empty. */
struct pertest_places {
	struct pertest_place *slots;
	size_t n_slots;
};

/* Room for n places (the table must be empty). */
void pertest_places_init(struct pertest_places *pl, size_t n);
/* The place of key, with at, unless it is there already. */
void pertest_places_add(struct pertest_places *pl, const struct site_key *key, size_t at);
/* Whether the place of key is there (its at into *at). */
int pertest_places_find(const struct pertest_places *pl, const struct site_key *key, size_t *at);
void pertest_places_free(struct pertest_places *pl);

/* The note saying which shares of possibly lost sites count as definite
 * (at: where a check first found such a place definitely lost, e.g. "the
 * check of TEST"); none when no site in your code has such a share. */
void pertest_note_kinds(struct vgt_report *report, const char *at);

/* After rank_finish: what each test is blamed for — its shares of the
 * shown sites in your code (with show_all, of every shown site: --all
 * blames interpreter and Cython-runtime noise too) — and its top site. */
void pertest_summarize(struct vgt_report *report, int show_all);

/* Is a test blamed for its share of this site (after pertest_summarize)?
 * A shown site in your code, or any shown site under --all. */
int pertest_blames(const struct vgt_report *report, const struct vgt_site *site);

/* Adds a test's share of a site to its figures by kind group (sum has
 * VGT_GROUP_COUNT entries): the site's kind, except the part of a possibly
 * lost share whose place a check found definitely lost, which is definite. */
void pertest_add_share(struct vgt_amount *sum, const struct vgt_site *site,
		       const struct vgt_site_test *share);

#endif
