/*
 * pertest.c — which test leaked (see pertest.h).
 *
 * How valgrind 3.19 reports an added leak check (VALGRIND_DO_ADDED_LEAK_CHECK,
 * "increased" mode), in XML protocol 4 and in text alike:
 *   - only the loss records that grew since the previous check are written,
 *     as ordinary Leak_* records whose text carries the growth:
 *     "48 (+48) bytes in 3 (+3) blocks are definitely lost in loss record 1
 *     of 1" (<leakedbytes> is the record's whole size, 48, not the growth);
 *   - the first check of a process counts everything from zero;
 *   - valgrind's ERROR SUMMARY counts these records as errors too;
 *   - the final check at exit (after <status> FINISHED, or "HEAP SUMMARY"
 *     in text) writes every loss record whole, with no growth.
 * So a site's figures are the final check's, and the growth of a loss
 * record during a test is that test's share.  Shares are capped by the
 * site's final figures in the order the tests ran (a block lost during a
 * test may be freed, or found again, by exit), and the remainder is the
 * session's.
 *
 * Memory: one share per (site, test) pair, plus, per site a test leaked
 * at, one stack and the last figures of its loss records — what a run
 * killed before its final check needs to show the sites at all.
 */
#include "analyze/pertest.h"
#include "analyze/sites.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_TEST SIZE_MAX
#define MARKER_PREFIX "vgtriage:"

struct pt_input {
	struct vgt_input *input;
	int active;        /* a marker was seen: added checks are taken */
	int final_seen;    /* a leak record without growth came: the final check */
	size_t open;       /* the running test, NO_TEST between tests */
	unsigned phase;    /* of the check whose records come next */
	int open_unnamed;  /* the running test's begin marker named none */
	size_t unnamed;    /* tests of the input begun without a name */
};

/* The last figures valgrind gave a loss record (known by its stack). */
struct pt_loss {
	uint64_t id;
	uint64_t bytes, blocks, direct_bytes, indirect_bytes;
	enum vgt_kind kind;
	const char *kind_name;
};

/* What one test took at one site (by the site's key).  test == NO_TEST:
 * the key's origin — an example stack and its loss records, for a run
 * killed before its final check. */
struct pt_share {
	struct site_key key;
	uint64_t hash;
	size_t test;
	int exact;         /* a record's own figures (errors, stacks), not growth */
	unsigned phases;
	uint64_t bytes, blocks;
	struct vgt_input *input;     /* origin only */
	const struct vgt_input *owner; /* a leak record's own figures: the input
					  whose current leak search gave them */
	struct vgt_stack stack;      /* origin only */
	struct pt_loss *losses;      /* origin only */
	size_t n_losses, losses_cap;
};

struct pertest {
	struct vgt_report *report;
	struct pt_input *inputs;
	size_t n_inputs, inputs_cap;
	struct pt_share *shares;
	size_t n_shares, shares_cap;
	size_t *slots;     /* index + 1 into shares; 0 = empty */
	size_t n_slots;
	size_t last_test;  /* test_named()'s cache */
	char cwd[PATH_MAX];
};

struct pertest *pertest_new(struct vgt_report *report)
{
	struct pertest *pt = xcalloc(1, sizeof(*pt));
	pt->report = report;
	pt->n_slots = 64;
	pt->slots = xcalloc(pt->n_slots, sizeof(*pt->slots));
	pt->last_test = NO_TEST;
	if (getcwd(pt->cwd, sizeof(pt->cwd)) == NULL)
		pt->cwd[0] = '\0';
	return pt;
}

void pertest_free(struct pertest *pt)
{
	if (pt == NULL)
		return;
	for (size_t i = 0; i < pt->n_shares; i++) {
		stack_release(&pt->shares[i].stack);
		free(pt->shares[i].losses);
	}
	free(pt->shares);
	free(pt->slots);
	free(pt->inputs);
	free(pt);
}

/* ---- markers --------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum pertest_verb pertest_parse_marker(const char *line, size_t len, const char **arg,
				       size_t *arg_len)
{
	static const struct {
		const char *name;
		enum pertest_verb verb;
	} verbs[] = {
		{"start", PERTEST_START}, {"begin", PERTEST_BEGIN},
		{"phase", PERTEST_PHASE}, {"end", PERTEST_END},
	};
	size_t plen = strlen(MARKER_PREFIX);
	*arg = line + len;
	*arg_len = 0;
	if (len < plen || memcmp(line, MARKER_PREFIX, plen) != 0)
		return PERTEST_NONE;
	const char *p = line + plen, *end = line + len;
	size_t wlen = 0;
	while (p + wlen < end && !is_space(p[wlen]))
		wlen++;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strlen(verbs[i].name) != wlen || memcmp(p, verbs[i].name, wlen) != 0)
			continue;
		const char *a = p + wlen;
		while (a < end && is_space(*a))
			a++;
		while (end > a && is_space(end[-1]))
			end--;
		*arg = a;
		*arg_len = (size_t)(end - a);
		return verbs[i].verb;
	}
	return PERTEST_NONE;
}

static struct pt_input *input_state(struct pertest *pt, struct vgt_input *input, int create)
{
	for (size_t i = 0; i < pt->n_inputs; i++)
		if (pt->inputs[i].input == input)
			return &pt->inputs[i];
	if (!create)
		return NULL;
	pt->inputs = xgrow(pt->inputs, &pt->inputs_cap, pt->n_inputs + 1, sizeof(*pt->inputs));
	struct pt_input *st = &pt->inputs[pt->n_inputs++];
	memset(st, 0, sizeof(*st));
	st->input = input;
	st->open = NO_TEST;
	return st;
}

static size_t add_test(struct vgt_report *r, const char *name)
{
	r->tests = xgrow(r->tests, &r->tests_cap, r->n_tests + 1, sizeof(*r->tests));
	struct vgt_test *t = &r->tests[r->n_tests];
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->top_site = SIZE_MAX;
	return r->n_tests++;
}

/* The test named so (an interned name), added when new. */
static size_t test_named(struct pertest *pt, const char *name)
{
	struct vgt_report *r = pt->report;
	if (pt->last_test < r->n_tests && r->tests[pt->last_test].name == name)
		return pt->last_test;
	size_t i = 0;
	while (i < r->n_tests && r->tests[i].name != name)
		i++;
	if (i == r->n_tests)
		add_test(r, name);
	pt->last_test = i;
	return i;
}

static unsigned phase_bit(const char *name, size_t len)
{
	if (len == 5 && memcmp(name, "setup", 5) == 0)
		return VGT_PHASE_SETUP;
	if (len == 4 && memcmp(name, "call", 4) == 0)
		return VGT_PHASE_CALL;
	if (len == 8 && memcmp(name, "teardown", 8) == 0)
		return VGT_PHASE_TEARDOWN;
	return VGT_PHASE_OTHER;
}

static void on_marker(struct pertest *pt, struct pt_input *st, enum pertest_verb verb,
		      const char *arg, size_t len)
{
	struct vgt_report *r = pt->report;
	r->per_test = 1;
	st->active = 1;
	switch (verb) {
	case PERTEST_BEGIN:
		/* A name only the end knows: until then (and for good when no
		 * end comes) one that says where the test ran; never NULL. */
		st->open_unnamed = len == 0;
		st->open = len > 0 ? test_named(pt, strpool_intern_n(r->pool, arg, len))
				   : add_test(r, strpool_printf(r->pool, "(unnamed test %zu of %s)",
								++st->unnamed, st->input->path));
		r->tests[st->open].unfinished = 1;
		st->phase = 0;
		break;
	case PERTEST_PHASE:
		st->phase = phase_bit(arg, len);
		break;
	case PERTEST_END:
		if (st->open != NO_TEST) {
			struct vgt_test *t = &r->tests[st->open];
			if (st->open_unnamed && len > 0)
				t->name = strpool_intern_n(r->pool, arg, len);
			t->unfinished = 0;
		}
		st->open = NO_TEST;
		st->open_unnamed = 0;
		st->phase = 0;
		break;
	default: /* PERTEST_START: a harness starts, no test runs */
		st->open = NO_TEST;
		st->phase = 0;
		break;
	}
}

void pertest_clientmsg(struct pertest *pt, struct vgt_input *input, const char *text)
{
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		const char *arg;
		size_t arg_len;
		enum pertest_verb verb = pertest_parse_marker(text, len, &arg, &arg_len);
		if (verb != PERTEST_NONE)
			on_marker(pt, input_state(pt, input, 1), verb, arg, arg_len);
		text += len + (text[len] == '\n');
	}
}

/* ---- shares ----------------------------------------------------------- */

static uint64_t share_hash(const struct site_key *key, size_t test, int exact,
			   const struct vgt_input *owner)
{
	uint64_t h = sites_key_hash(key) ^ ((uint64_t)test * UINT64_C(0x9E3779B97F4A7C15));
	h ^= (uint64_t)(uintptr_t)owner * UINT64_C(0xff51afd7ed558ccd);
	return h ^ (uint64_t)exact << 63;
}

static void grow_slots(struct pertest *pt)
{
	size_t n = pt->n_slots * 2;
	size_t *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < pt->n_shares; i++) {
		size_t j = (size_t)pt->shares[i].hash & (n - 1);
		while (slots[j] != 0)
			j = (j + 1) & (n - 1);
		slots[j] = i + 1;
	}
	free(pt->slots);
	pt->slots = slots;
	pt->n_slots = n;
}

/* The share of (key, test, exact, owner), added zeroed when new. */
static struct pt_share *share_of(struct pertest *pt, const struct site_key *key, size_t test,
				 int exact, const struct vgt_input *owner)
{
	uint64_t h = share_hash(key, test, exact, owner);
	size_t mask = pt->n_slots - 1;
	size_t j = (size_t)h & mask;
	for (; pt->slots[j] != 0; j = (j + 1) & mask) {
		struct pt_share *s = &pt->shares[pt->slots[j] - 1];
		if (s->hash == h && s->test == test && s->exact == exact && s->owner == owner &&
		    sites_key_equal(&s->key, key))
			return s;
	}
	pt->shares = xgrow(pt->shares, &pt->shares_cap, pt->n_shares + 1, sizeof(*pt->shares));
	struct pt_share *s = &pt->shares[pt->n_shares++];
	memset(s, 0, sizeof(*s));
	s->key = *key;
	s->hash = h;
	s->test = test;
	s->exact = exact;
	s->owner = owner;
	pt->slots[j] = pt->n_shares;
	if (pt->n_shares * 2 > pt->n_slots)
		grow_slots(pt);
	return s;
}

/* A loss record is known across checks by its allocation stack. */
static uint64_t stack_id(const struct frame_table *ft, const struct vgt_stack *stack)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (size_t i = 0; i < stack->count; i++)
		h = (h ^ stack_frame(ft, stack, i)->ip) * UINT64_C(1099511628211);
	return h ^ stack->count;
}

/* The key's origin: its first stack and each loss record's last figures. */
static void remember_origin(struct pertest *pt, const struct site_key *key,
			    struct vgt_input *input, const struct vgt_record *rec)
{
	struct pt_share *o = share_of(pt, key, NO_TEST, 0, NULL);
	if (o->input == NULL) {
		o->input = input;
		stack_copy(&o->stack, &rec->stack);
	}
	uint64_t id = stack_id(pt->report->frames, &rec->stack);
	size_t i = 0;
	while (i < o->n_losses && o->losses[i].id != id)
		i++;
	if (i == o->n_losses) {
		o->losses = xgrow(o->losses, &o->losses_cap, o->n_losses + 1, sizeof(*o->losses));
		o->n_losses++;
	}
	o->losses[i] = (struct pt_loss){id, rec->bytes, rec->blocks, rec->direct_bytes,
					rec->indirect_bytes, rec->kind, rec->kind_name};
}

static int counts_as_error(enum vgt_kind kind)
{
	/* valgrind's default --errors-for-leak-kinds=definite,possible */
	return kind == VGT_KIND_LEAK_DEFINITELY_LOST || kind == VGT_KIND_LEAK_POSSIBLY_LOST;
}

int pertest_take_record(struct pertest *pt, struct vgt_input *input,
			const struct vgt_record *rec)
{
	if (!kind_is_leak(rec->kind) || !rec->has_delta)
		return 0;
	struct pt_input *st = input_state(pt, input, 0);
	if (st == NULL || !st->active)
		return 0;
	if (counts_as_error(rec->kind)) {
		/* valgrind's ERROR SUMMARY counts them: so do the totals */
		pt->report->totals.errors++;
		pt->report->totals.error_contexts++;
	}
	if (st->open == NO_TEST)
		return 1; /* the session's: what no test takes is */
	struct site_key key;
	sites_record_key(pt->report, rec, &key);
	struct pt_share *s = share_of(pt, &key, st->open, 0, NULL);
	if (rec->delta_bytes > 0)
		s->bytes += (uint64_t)rec->delta_bytes;
	if (rec->delta_blocks > 0)
		s->blocks += (uint64_t)rec->delta_blocks;
	s->phases |= st->phase;
	remember_origin(pt, &key, input, rec);
	return 1;
}

/* ---- tests named by Python frames --------------------------------------- */

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

int pertest_python_test(const char *pyname, const char *cwd, char *out, size_t size)
{
	if (pyname == NULL || strncmp(pyname, "py::", 4) != 0)
		return 0;
	const char *qual = pyname + 4;
	const char *colon = strchr(qual, ':');
	if (colon == NULL)
		return 0;
	const char *file = colon + 1;
	const char *func = qual;
	for (const char *p = qual; p < colon; p++)
		if (*p == '.')
			func = p + 1;
	if (colon - func < 4 || strncmp(func, "test", 4) != 0)
		return 0;
	const char *base = strrchr(file, '/');
	base = base != NULL ? base + 1 : file;
	size_t blen = strlen(base);
	if (!((strncmp(base, "test_", 5) == 0 && ends_with(base, blen, ".py")) ||
	      ends_with(base, blen, "_test.py")))
		return 0;
	size_t clen = cwd != NULL ? strlen(cwd) : 0;
	if (clen > 1 && strncmp(file, cwd, clen) == 0 && file[clen] == '/')
		file += clen + 1;
	int n = snprintf(out, size, "%s", file);
	for (const char *p = qual; n >= 0 && (size_t)n < size; p++) {
		const char *dot = memchr(p, '.', (size_t)(colon - p));
		size_t part = dot != NULL ? (size_t)(dot - p) : (size_t)(colon - p);
		n += snprintf(out + n, size - (size_t)n, "::%.*s", (int)part, p);
		if (dot == NULL)
			break;
		p = dot;
	}
	return n >= 0 && (size_t)n < size;
}

/* The test a stack's innermost Python test frame names (interned), or NULL. */
static const char *stack_test(struct pertest *pt, const struct vgt_stack *stack)
{
	char name[PATH_MAX + 512];
	for (size_t i = 0; i < stack->count; i++) {
		if (pertest_python_test(stack_frame(pt->report->frames, stack, i)->pyname, pt->cwd,
					name, sizeof(name)))
			return strpool_intern(pt->report->pool, name);
	}
	return NULL;
}

void pertest_ranked(struct pertest *pt, struct vgt_input *input, const struct vgt_record *rec)
{
	struct pt_input *st = input_state(pt, input, 0);
	size_t test;
	if (st != NULL && st->active) {
		if (kind_is_leak(rec->kind)) {
			st->final_seen = 1; /* a whole loss record: the final check */
			return;
		}
		if (st->open == NO_TEST)
			return;
		test = st->open;
	} else {
		const char *name = stack_test(pt, &rec->stack);
		if (name == NULL)
			return;
		test = test_named(pt, name);
		pt->report->tests[test].from_stack = 1;
	}
	struct site_key key;
	sites_record_key(pt->report, rec, &key);
	int leak = kind_is_leak(rec->kind);
	struct pt_share *s = share_of(pt, &key, test, 1, leak ? input : NULL);
	if (leak) {
		s->bytes += rec->bytes;
		s->blocks += rec->blocks;
	} else {
		s->blocks++; /* the error context valgrind first saw in this test */
	}
}

int pertest_marked(struct pertest *pt, const struct vgt_input *input)
{
	for (size_t i = 0; i < pt->n_inputs; i++)
		if (pt->inputs[i].input == input)
			return pt->inputs[i].active;
	return 0;
}

void pertest_take_back(struct pertest *pt, const struct vgt_input *input)
{
	for (size_t i = 0; i < pt->n_shares; i++) {
		struct pt_share *s = &pt->shares[i];
		if (s->owner == input)
			s->bytes = s->blocks = 0;
	}
}

/* ---- resolve: shares to sites ----------------------------------------- */

/* A run killed before its final check: the last figures the checks gave
 * become the site's records. */
static void promote(struct pertest *pt, struct pt_share *o)
{
	struct pt_input *st = input_state(pt, o->input, 0);
	if (o->input == NULL || (st != NULL && st->final_seen) || o->input->finished ||
	    sites_by_key(pt->report, &o->key) != NULL)
		return;
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.stack = o->stack;
	rec.pid = o->input->pid;
	for (size_t i = 0; i < o->n_losses; i++) {
		const struct pt_loss *l = &o->losses[i];
		rec.kind = l->kind;
		rec.kind_name = l->kind_name;
		rec.bytes = l->bytes;
		rec.blocks = l->blocks;
		rec.direct_bytes = l->direct_bytes;
		rec.indirect_bytes = l->indirect_bytes;
		sites_add_record(pt->report, o->input, &rec);
	}
	report_add_note(pt->report,
			"%s: valgrind's final leak check never came (killed?): the sites show what "
			"the per-test leak checks found", o->input->path);
}

struct placed {
	struct vgt_site *site;
	const struct pt_share *share;
};

static int cmp_placed(const void *pa, const void *pb)
{
	const struct placed *a = pa, *b = pb;
	if (a->site != b->site)
		return (uintptr_t)a->site < (uintptr_t)b->site ? -1 : 1;
	if (a->share->exact != b->share->exact)
		return a->share->exact ? -1 : 1; /* exact figures first */
	return (a->share->test > b->share->test) - (a->share->test < b->share->test);
}

static int cmp_site_test(const void *pa, const void *pb)
{
	const struct vgt_site_test *a = pa, *b = pb;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->blocks != b->blocks)
		return a->blocks > b->blocks ? -1 : 1;
	return (a->test > b->test) - (a->test < b->test);
}

static uint64_t take(uint64_t *left, uint64_t want)
{
	uint64_t got = want < *left ? want : *left;
	*left -= got;
	return got;
}

/* The session pseudo-test, added when new. */
static size_t session_test(struct pertest *pt, size_t *session)
{
	if (*session == NO_TEST) {
		*session = test_named(pt, strpool_intern(pt->report->pool, PERTEST_SESSION));
		pt->report->tests[*session].session = 1;
	}
	return *session;
}

/* The site's shares [first, first + n) into site->tests, capped by its
 * figures in test order (exact ones first); the rest is the session's. */
static void give_site(struct pertest *pt, struct vgt_site *site, const struct placed *p, size_t n,
		      size_t *session)
{
	int leak = kind_is_leak(site->kind);
	uint64_t left_bytes = leak ? site->bytes : 0;
	uint64_t left_blocks = leak ? site->blocks : site->records;
	site->tests = xcalloc(n + 1, sizeof(*site->tests));
	site->n_tests = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pt_share *s = p[i].share;
		struct vgt_site_test *t = NULL;
		for (size_t k = 0; k < site->n_tests; k++)
			if (site->tests[k].test == s->test)
				t = &site->tests[k];
		if (t == NULL) {
			t = &site->tests[site->n_tests++];
			t->test = s->test;
		}
		t->bytes += take(&left_bytes, s->bytes);
		t->blocks += take(&left_blocks, s->blocks);
		t->phases |= s->phases;
	}
	if (left_bytes > 0 || left_blocks > 0) {
		struct vgt_site_test *t = &site->tests[site->n_tests++];
		t->test = session_test(pt, session);
		t->bytes = left_bytes;
		t->blocks = left_blocks;
	}
	size_t kept = 0;
	for (size_t k = 0; k < site->n_tests; k++)
		if (site->tests[k].bytes > 0 || site->tests[k].blocks > 0)
			site->tests[kept++] = site->tests[k];
	site->n_tests = kept;
	qsort(site->tests, site->n_tests, sizeof(*site->tests), cmp_site_test);
}

/* A site whose shares came from reports merged by -j (pertest_merge_site):
 * what they do not cover, another input's records, is the session's, as
 * give_site does for one report. */
static void top_up_session(struct pertest *pt, struct vgt_site *site, size_t *session)
{
	int leak = kind_is_leak(site->kind);
	uint64_t bytes = 0, blocks = 0;
	for (size_t k = 0; k < site->n_tests; k++) {
		bytes = vgt_count_add(bytes, site->tests[k].bytes);
		blocks = vgt_count_add(blocks, site->tests[k].blocks);
	}
	uint64_t want_bytes = leak ? site->bytes : 0;
	uint64_t want_blocks = leak ? site->blocks : site->records;
	if (bytes >= want_bytes && blocks >= want_blocks)
		return;
	struct vgt_site_test extra;
	memset(&extra, 0, sizeof(extra));
	extra.test = session_test(pt, session);
	extra.bytes = want_bytes > bytes ? want_bytes - bytes : 0;
	extra.blocks = want_blocks > blocks ? want_blocks - blocks : 0;
	struct vgt_site one;
	memset(&one, 0, sizeof(one));
	one.tests = &extra;
	one.n_tests = 1;
	pertest_merge_site(site, &one, NULL);
}

void pertest_resolve(struct pertest *pt)
{
	struct vgt_report *r = pt->report;
	if (r->n_tests == 0)
		return;
	for (size_t i = 0; i < pt->n_shares; i++)
		if (pt->shares[i].test == NO_TEST)
			promote(pt, &pt->shares[i]);
	struct placed *placed = xcalloc(pt->n_shares + 1, sizeof(*placed));
	size_t n = 0;
	uint64_t vanished = 0;
	for (size_t i = 0; i < pt->n_shares; i++) {
		const struct pt_share *s = &pt->shares[i];
		if (s->test == NO_TEST)
			continue;
		struct vgt_site *site = sites_by_key(r, &s->key);
		if (site == NULL) {
			if (s->key.kind == VGT_KIND_LEAK_DEFINITELY_LOST)
				vanished += s->bytes;
			continue;
		}
		placed[n++] = (struct placed){site, s};
	}
	qsort(placed, n, sizeof(*placed), cmp_placed);
	size_t session = NO_TEST;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && placed[j].site == placed[i].site)
			j++;
		give_site(pt, placed[i].site, placed + i, j - i, &session);
		i = j;
	}
	free(placed);
	for (size_t i = 0; i < r->n_sites; i++) {
		if (r->sites[i]->tests == NULL)
			give_site(pt, r->sites[i], NULL, 0, &session);
		else
			top_up_session(pt, r->sites[i], &session);
	}
	if (vanished > 0)
		report_add_note(r, "%llu bytes definitely lost during tests were not lost at exit "
				   "(freed, or found again): no test is given them",
				(unsigned long long)vanished);
}

/* ---- -j: reports read apart, merged ------------------------------------ */

size_t *pertest_merge_tests(struct vgt_report *dst, const struct vgt_report *src)
{
	size_t *map = xcalloc(src->n_tests + 1, sizeof(*map));
	dst->per_test |= src->per_test;
	for (size_t i = 0; i < src->n_tests; i++) {
		const struct vgt_test *from = &src->tests[i];
		const char *name = from->name != NULL ? strpool_intern(dst->pool, from->name) : NULL;
		size_t k = 0;
		while (k < dst->n_tests && (name == NULL || dst->tests[k].name != name))
			k++;
		if (k == dst->n_tests)
			add_test(dst, name);
		struct vgt_test *to = &dst->tests[k];
		to->session |= from->session;
		to->from_stack |= from->from_stack;
		to->unfinished |= from->unfinished;
		map[i] = k;
	}
	return map;
}

void pertest_merge_site(struct vgt_site *dst, const struct vgt_site *src, const size_t *map)
{
	for (size_t k = 0; k < src->n_tests; k++) {
		const struct vgt_site_test *from = &src->tests[k];
		size_t test = map != NULL ? map[from->test] : from->test;
		struct vgt_site_test *to = NULL;
		for (size_t j = 0; j < dst->n_tests && to == NULL; j++)
			if (dst->tests[j].test == test)
				to = &dst->tests[j];
		if (to == NULL) {
			dst->tests = xrealloc(dst->tests, (dst->n_tests + 1) * sizeof(*dst->tests));
			to = &dst->tests[dst->n_tests++];
			memset(to, 0, sizeof(*to));
			to->test = test;
		}
		to->bytes = vgt_count_add(to->bytes, from->bytes);
		to->blocks = vgt_count_add(to->blocks, from->blocks);
		to->phases |= from->phases;
	}
	if (dst->n_tests > 1)
		qsort(dst->tests, dst->n_tests, sizeof(*dst->tests), cmp_site_test);
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
		enum vgt_kind_group g = kind_group(s->kind);
		for (size_t k = 0; k < s->n_tests; k++) {
			const struct vgt_site_test *st = &s->tests[k];
			struct vgt_test *t = &r->tests[st->test];
			t->lost[g].bytes += st->bytes;
			t->lost[g].blocks += st->blocks;
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
