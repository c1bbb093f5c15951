/*
 * pertest.c — which test leaked (see pertest.h).
 *
 * How valgrind 3.19 reports a changed leak check (VALGRIND_DO_CHANGED_LEAK_CHECK;
 * an added one, VALGRIND_DO_ADDED_LEAK_CHECK, writes the increases only),
 * in XML protocol 4 and in text alike:
 *   - only the loss records that changed since the previous check are
 *     written, as ordinary Leak_* records whose text carries the change:
 *     "48 (+48) bytes in 3 (+3) blocks are definitely lost in loss record 1
 *     of 1", "0 (-1,048,576) bytes in 0 (-1) blocks are possibly lost ..."
 *     (<leakedbytes> is the record's whole size, not the change);
 *   - a loss record is a (kind, allocation stack) pair: a block that moves
 *     from definitely to possibly lost (an interior pointer to it appeared
 *     in memory) is written as a decrease of one record and an increase of
 *     the other;
 *   - the first check of a process counts everything from zero (the client
 *     library's summary check at start is where the first one counts from);
 *   - valgrind's ERROR SUMMARY counts these records as errors too;
 *   - the final check at exit (after <status> FINISHED, or "HEAP SUMMARY"
 *     in text) writes every loss record whole, with no change.
 *
 * So blame follows blocks, by allocation stack: between two markers (a
 * window: a test, or the time between tests), the changes of a stack's
 * lost records (definitely, indirectly, possibly) are summed — a block
 * that only moved between kinds nets to nothing.  A net increase is a
 * charge of the window's test; a net decrease (a block freed, or found
 * again) takes back the latest charges of that stack first.  Where the
 * input shows still reachable records too, lost blocks that were already
 * there, reachable, when the window began (a stale pointer was overwritten)
 * are no charge of its test: they are found lost only later, and are the
 * session's.  At the end a stack's charges, in the order they were made,
 * take its blocks of valgrind's final check, kind by kind (definite first);
 * a site's blocks no charge took are the session's.
 *
 * Which kind a test's blocks count as: a possibly lost block counts as
 * definite when a check found blocks of its place definitely lost
 * (pertest_verdict.h says why).
 *
 * Memory: per allocation stack a test left blocks at, its outstanding
 * charges and the last figures of its loss records; one share per (site,
 * test) pair; and, per site key, one example stack — what a run killed
 * before its final check needs to show the sites at all.  Tests are found
 * by name, stacks by id, in hash tables.
 */
#include "analyze/pertest.h"
#include "analyze/sites.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_TEST SIZE_MAX
#define FINAL_CHECK (SIZE_MAX - 1) /* stack_found_definite: at exit */
#define MARKER_PREFIX "vgtriage:"

struct pt_input {
	struct vgt_input *input;
	int active;        /* a marker was seen: per-test checks are taken */
	int final_seen;    /* a leak record without growth came: the final check */
	size_t open;       /* the running test, NO_TEST between tests */
	unsigned phase;    /* of the check whose records come next */
	int open_unnamed;  /* the running test's begin marker named none */
	size_t unnamed;    /* tests of the input begun without a name */
	size_t *touched;   /* stacks (index + 1) the current window changed */
	size_t n_touched, touched_cap;
	int charged;       /* a test was charged with lost blocks */
};

/* What one window (a test; NO_TEST: between tests) left behind at one
 * allocation stack, not taken back since. */
struct pt_charge {
	size_t test;
	uint64_t bytes, blocks;
	unsigned phases;
};

enum { LOST_DEFINITE, LOST_INDIRECT, LOST_POSSIBLE, N_LOST };

/* One lost kind of a stack: its site and valgrind's figures. */
struct pt_pool {
	int seen;
	struct site_key key;
	uint64_t bytes, blocks;
};

/* One allocation stack of one input, across the lost kinds. */
struct pt_stack {
	const struct vgt_input *input;
	uint64_t id;
	int touched;                   /* in its input's touched list */
	int64_t net_bytes, net_blocks; /* lost kinds: the current window's change */
	int64_t reach_bytes, reach_blocks; /* still reachable (when shown): the same */
	unsigned phases;               /* the phases whose checks found more */
	struct pt_charge *charges;
	size_t n_charges, charges_cap;
	int definite_seen;             /* a check found blocks here definitely lost, */
	size_t definite_at;            /* first in this test's window, or FINAL_CHECK */
	struct pt_pool last[N_LOST];   /* the per-test checks' latest figures */
	struct pt_pool final[N_LOST];  /* the final check's */
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
	uint64_t definite_bytes, definite_blocks; /* of possibly lost blocks: the
						     part whose place a check
						     found definitely lost */
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
	struct pt_stack *stacks;
	size_t n_stacks, stacks_cap;
	size_t *stack_slots; /* index + 1 into stacks; 0 = empty */
	size_t n_stack_slots;
	struct pt_name *names; /* report->tests by name */
	struct pertest_places places; /* where a check found definitely lost blocks */
	int promoted;      /* a possibly lost share counts as definite: */
	size_t promoted_at; /* the test whose check found its place definite */
	size_t n_names, n_name_slots;
	char cwd[PATH_MAX];
};

struct pertest *pertest_new(struct vgt_report *report)
{
	struct pertest *pt = xcalloc(1, sizeof(*pt));
	pt->report = report;
	pt->n_slots = 64;
	pt->slots = xcalloc(pt->n_slots, sizeof(*pt->slots));
	pt->n_stack_slots = 64;
	pt->stack_slots = xcalloc(pt->n_stack_slots, sizeof(*pt->stack_slots));
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
	for (size_t i = 0; i < pt->n_stacks; i++)
		free(pt->stacks[i].charges);
	free(pt->stacks);
	free(pt->stack_slots);
	free(pt->names);
	pertest_places_free(&pt->places);
	for (size_t i = 0; i < pt->n_inputs; i++)
		free(pt->inputs[i].touched);
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
		{"allow", PERTEST_ALLOW}, {"known", PERTEST_KNOWN},
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

/* ---- tests by name: an open-addressing table of interned names --------- */

struct pt_name {
	const char *name; /* interned: compared as a pointer */
	size_t test;
};

static size_t name_slot(const struct pt_name *slots, size_t n_slots, const char *name)
{
	uint64_t h = (uint64_t)(uintptr_t)name * UINT64_C(0x9E3779B97F4A7C15);
	size_t j = (size_t)(h >> 17) & (n_slots - 1);
	while (slots[j].name != NULL && slots[j].name != name)
		j = (j + 1) & (n_slots - 1);
	return j;
}

/* names[name] = test (a table of at least 64 slots, at most half full). */
static void names_put(struct pt_name **slots, size_t *n_used, size_t *n_slots, const char *name,
		      size_t test)
{
	if ((*n_used + 1) * 2 > *n_slots) {
		size_t n = *n_slots < 64 ? 64 : *n_slots * 2;
		struct pt_name *grown = xcalloc(n, sizeof(*grown));
		for (size_t i = 0; i < *n_slots; i++)
			if ((*slots)[i].name != NULL)
				grown[name_slot(grown, n, (*slots)[i].name)] = (*slots)[i];
		free(*slots);
		*slots = grown;
		*n_slots = n;
	}
	size_t j = name_slot(*slots, *n_slots, name);
	if ((*slots)[j].name == NULL)
		(*n_used)++;
	(*slots)[j] = (struct pt_name){name, test};
}

/* The test names[name] holds, or NO_TEST. */
static size_t names_get(const struct pt_name *slots, size_t n_slots, const char *name)
{
	if (n_slots == 0 || name == NULL)
		return NO_TEST;
	const struct pt_name *e = &slots[name_slot(slots, n_slots, name)];
	return e->name != NULL ? e->test : NO_TEST;
}

/* The test named so (an interned name), added when new. */
static size_t test_named(struct pertest *pt, const char *name)
{
	struct vgt_report *r = pt->report;
	size_t i = names_get(pt->names, pt->n_name_slots, name);
	if (i < r->n_tests && r->tests[i].name == name)
		return i;
	i = add_test(r, name);
	names_put(&pt->names, &pt->n_names, &pt->n_name_slots, name, i);
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

static void settle_window(struct pertest *pt, struct pt_input *st);

static void on_marker(struct pertest *pt, struct pt_input *st, enum pertest_verb verb,
		      const char *arg, size_t len)
{
	struct vgt_report *r = pt->report;
	r->per_test = 1;
	st->active = 1;
	/* a test begins or ends, a harness starts: the checks since the last
	 * marker of those were the window's that ends here */
	if (verb != PERTEST_PHASE && verb != PERTEST_ALLOW && verb != PERTEST_KNOWN)
		settle_window(pt, st);
	switch (verb) {
	case PERTEST_ALLOW: {
		/* a byte count, digits only; anything else leaves the test as
		 * it was (its leaks fail as any test's) */
		uint64_t n = 0;
		int ok = len > 0 && len <= 19;
		for (size_t i = 0; ok && i < len; i++) {
			ok = arg[i] >= '0' && arg[i] <= '9';
			n = n * 10 + (uint64_t)(arg[i] - '0');
		}
		if (st->open != NO_TEST && ok) {
			r->tests[st->open].allowed = 1;
			r->tests[st->open].allowed_bytes = n;
		} else if (st->open != NO_TEST) {
			report_add_note(r, "a vgtriage:allow marker without a byte count was ignored");
		}
		break;
	}
	case PERTEST_KNOWN:
		if (st->open != NO_TEST) {
			r->tests[st->open].known = 1;
			r->tests[st->open].known_reason = strpool_intern_n(r->pool, arg, len);
		}
		break;
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
			if (st->open_unnamed && len > 0) {
				t->name = strpool_intern_n(r->pool, arg, len);
				if (names_get(pt->names, pt->n_name_slots, t->name) == NO_TEST)
					names_put(&pt->names, &pt->n_names, &pt->n_name_slots,
						  t->name, st->open);
			}
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

/* A loss record is known across checks by its allocation stack: its
 * frames, as the frame table knows them (address, function, file, line). */
static uint64_t stack_id(const struct frame_table *ft, const struct vgt_stack *stack)
{
	(void)ft;
	uint64_t h = UINT64_C(1469598103934665603);
	for (size_t i = 0; i < stack->count; i++)
		h = (h ^ stack->ids[i]) * UINT64_C(1099511628211);
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

/* ---- blocks, by allocation stack ---------------------------------------- */

static int lost_index(enum vgt_kind kind)
{
	switch (kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST:
		return LOST_DEFINITE;
	case VGT_KIND_LEAK_INDIRECTLY_LOST:
		return LOST_INDIRECT;
	case VGT_KIND_LEAK_POSSIBLY_LOST:
		return LOST_POSSIBLE;
	default:
		return -1;
	}
}

static uint64_t stack_slot_hash(const struct vgt_input *input, uint64_t id)
{
	return id ^ ((uint64_t)(uintptr_t)input * UINT64_C(0xff51afd7ed558ccd));
}

static void grow_stack_slots(struct pertest *pt)
{
	size_t n = pt->n_stack_slots * 2;
	size_t *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < pt->n_stacks; i++) {
		size_t j = (size_t)stack_slot_hash(pt->stacks[i].input, pt->stacks[i].id) & (n - 1);
		while (slots[j] != 0)
			j = (j + 1) & (n - 1);
		slots[j] = i + 1;
	}
	free(pt->stack_slots);
	pt->stack_slots = slots;
	pt->n_stack_slots = n;
}

/* The input's stack of that id (index + 1), added when create, else 0
 * when unknown. */
static size_t stack_of(struct pertest *pt, const struct vgt_input *input, uint64_t id, int create)
{
	size_t mask = pt->n_stack_slots - 1;
	size_t j = (size_t)stack_slot_hash(input, id) & mask;
	for (; pt->stack_slots[j] != 0; j = (j + 1) & mask) {
		const struct pt_stack *k = &pt->stacks[pt->stack_slots[j] - 1];
		if (k->id == id && k->input == input)
			return pt->stack_slots[j];
	}
	if (!create)
		return 0;
	pt->stacks = xgrow(pt->stacks, &pt->stacks_cap, pt->n_stacks + 1, sizeof(*pt->stacks));
	struct pt_stack *k = &pt->stacks[pt->n_stacks++];
	memset(k, 0, sizeof(*k));
	k->input = input;
	k->id = id;
	pt->stack_slots[j] = pt->n_stacks;
	if (pt->n_stacks * 2 > pt->n_stack_slots)
		grow_stack_slots(pt);
	return pt->n_stacks;
}

/* A check in test's window (or FINAL_CHECK) found blocks of k definitely lost. */
static void stack_found_definite(struct pt_stack *k, uint64_t blocks, size_t test)
{
	if (blocks == 0 || k->definite_seen)
		return;
	k->definite_seen = 1;
	k->definite_at = test;
}

static uint64_t positive(int64_t v)
{
	return v > 0 ? (uint64_t)v : 0;
}

/* A window's change at one stack: a net increase is a charge of the
 * window's test, a net decrease takes back the latest charges first. */
static int settle_stack(struct pt_stack *k, size_t test)
{
	int charged = 0;
	int64_t blocks = k->net_blocks, bytes = k->net_bytes;
	/* blocks that were there before the window, reachable, and are lost
	 * now were found lost later: not this window's (only known when the
	 * input shows still reachable records; else reach_* stay 0) */
	if (blocks > 0 && k->reach_blocks < 0) {
		int64_t live = vgt_delta_add(blocks, k->reach_blocks);
		blocks = live > 0 ? live : 0;
	}
	if (bytes > 0 && k->reach_bytes < 0) {
		int64_t live = vgt_delta_add(bytes, k->reach_bytes);
		bytes = live > 0 ? live : 0;
	}
	if (blocks > 0 || bytes > 0) {
		k->charges = xgrow(k->charges, &k->charges_cap, k->n_charges + 1, sizeof(*k->charges));
		k->charges[k->n_charges++] = (struct pt_charge){test, positive(bytes), positive(blocks),
								k->phases};
		charged = 1;
	}
	uint64_t back_blocks = blocks < 0 ? (uint64_t)0 - (uint64_t)blocks : 0;
	uint64_t back_bytes = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : 0;
	for (size_t i = k->n_charges; i > 0 && (back_blocks > 0 || back_bytes > 0); i--) {
		struct pt_charge *c = &k->charges[i - 1];
		uint64_t b = c->blocks < back_blocks ? c->blocks : back_blocks;
		uint64_t y = c->bytes < back_bytes ? c->bytes : back_bytes;
		c->blocks -= b;
		c->bytes -= y;
		back_blocks -= b;
		back_bytes -= y;
	}
	while (k->n_charges > 0 && k->charges[k->n_charges - 1].blocks == 0 &&
	       k->charges[k->n_charges - 1].bytes == 0)
		k->n_charges--;
	k->net_blocks = k->net_bytes = k->reach_blocks = k->reach_bytes = 0;
	k->phases = 0;
	k->touched = 0;
	return charged;
}

/* The window of the input ends: its stacks' changes become charges of
 * the test open (NO_TEST: the session's). */
static void settle_window(struct pertest *pt, struct pt_input *st)
{
	for (size_t i = 0; i < st->n_touched; i++)
		if (settle_stack(&pt->stacks[st->touched[i] - 1], st->open) && st->open != NO_TEST)
			st->charged = 1;
	st->n_touched = 0;
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
	struct site_key key;
	sites_record_key(pt->report, rec, &key);
	remember_origin(pt, &key, input, rec);
	size_t idx = stack_of(pt, input, stack_id(pt->report->frames, &rec->stack), 1);
	struct pt_stack *k = &pt->stacks[idx - 1];
	if (!k->touched) {
		st->touched = xgrow(st->touched, &st->touched_cap, st->n_touched + 1,
				    sizeof(*st->touched));
		st->touched[st->n_touched++] = idx;
		k->touched = 1;
	}
	int lost = lost_index(rec->kind);
	if (lost < 0) { /* still reachable, shown */
		k->reach_bytes = vgt_delta_add(k->reach_bytes, rec->delta_bytes);
		k->reach_blocks = vgt_delta_add(k->reach_blocks, rec->delta_blocks);
		return 1;
	}
	k->net_bytes = vgt_delta_add(k->net_bytes, rec->delta_bytes);
	k->net_blocks = vgt_delta_add(k->net_blocks, rec->delta_blocks);
	if (rec->delta_bytes > 0 || rec->delta_blocks > 0)
		k->phases |= st->phase;
	k->last[lost] = (struct pt_pool){1, key, rec->bytes, rec->blocks};
	if (lost == LOST_DEFINITE)
		stack_found_definite(k, rec->blocks, st->open);
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
			/* a whole loss record: the final check */
			if (!st->final_seen)
				settle_window(pt, st);
			st->final_seen = 1;
			int lost = lost_index(rec->kind);
			size_t idx = lost < 0 ? 0 : stack_of(pt, input,
						stack_id(pt->report->frames, &rec->stack), 0);
			if (idx != 0) {
				struct pt_pool *f = &pt->stacks[idx - 1].final[lost];
				sites_record_key(pt->report, rec, &f->key);
				f->seen = 1;
				f->bytes = vgt_count_add(f->bytes, rec->bytes);
				f->blocks = vgt_count_add(f->blocks, rec->blocks);
				if (lost == LOST_DEFINITE)
					stack_found_definite(&pt->stacks[idx - 1], rec->blocks,
							     FINAL_CHECK);
			}
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
		s->bytes = vgt_count_add(s->bytes, rec->bytes);
		s->blocks = vgt_count_add(s->blocks, rec->blocks);
	} else {
		/* the error context valgrind first saw in this test */
		s->blocks = vgt_count_add(s->blocks, 1);
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
	size_t added = 0;
	for (size_t i = 0; i < o->n_losses; i++) {
		const struct pt_loss *l = &o->losses[i];
		/* a loss record a changed check emptied (its blocks freed, or
		 * moved to another kind) is no site */
		if (l->bytes == 0 && l->blocks == 0)
			continue;
		added++;
		rec.kind = l->kind;
		rec.kind_name = l->kind_name;
		rec.bytes = l->bytes;
		rec.blocks = l->blocks;
		rec.direct_bytes = l->direct_bytes;
		rec.indirect_bytes = l->indirect_bytes;
		sites_add_record(pt->report, o->input, &rec);
	}
	if (added == 0)
		return;
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

/* The entry of test in site->tests, added when new; slot[test] is its
 * index + 1 (slot has a place for every test, the session's included;
 * the caller clears what it set). */
static struct vgt_site_test *site_test(struct vgt_site_detail *d, size_t test, size_t *slot)
{
	if (slot[test] == 0) {
		struct vgt_site_test *t = &d->tests[d->n_tests++];
		memset(t, 0, sizeof(*t));
		t->test = test;
		slot[test] = d->n_tests;
	}
	return &d->tests[slot[test] - 1];
}

/* The site's shares [first, first + n) into site->tests, capped by its
 * figures in test order (exact ones first); the rest is the session's. */
static void give_site(struct pertest *pt, struct vgt_site *site, const struct placed *p, size_t n,
		      size_t *session, size_t *slot)
{
	int leak = kind_is_leak(site->kind);
	uint64_t left_bytes = leak ? site->bytes : 0;
	uint64_t left_blocks = leak ? site->blocks : site->records;
	struct vgt_site_detail *d = site_detail_mut(site);
	d->tests = xcalloc(n + 1, sizeof(*d->tests));
	d->n_tests = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pt_share *s = p[i].share;
		struct vgt_site_test *t = site_test(d, s->test, slot);
		uint64_t bytes = take(&left_bytes, s->bytes), blocks = take(&left_blocks, s->blocks);
		t->bytes = vgt_count_add(t->bytes, bytes);
		t->blocks = vgt_count_add(t->blocks, blocks);
		t->definite_bytes = vgt_count_add(t->definite_bytes,
						  s->definite_bytes < bytes ? s->definite_bytes : bytes);
		t->definite_blocks = vgt_count_add(
			t->definite_blocks, s->definite_blocks < blocks ? s->definite_blocks : blocks);
		t->phases |= s->phases;
	}
	if (left_bytes > 0 || left_blocks > 0) {
		struct vgt_site_test *t = site_test(d, session_test(pt, session), slot);
		t->bytes = vgt_count_add(t->bytes, left_bytes);
		t->blocks = vgt_count_add(t->blocks, left_blocks);
	}
	for (size_t k = 0; k < d->n_tests; k++)
		slot[d->tests[k].test] = 0;
	size_t kept = 0;
	for (size_t k = 0; k < d->n_tests; k++)
		if (d->tests[k].bytes > 0 || d->tests[k].blocks > 0)
			d->tests[kept++] = d->tests[k];
	d->n_tests = kept;
	qsort(d->tests, d->n_tests, sizeof(*d->tests), cmp_site_test);
}

/* A site whose shares came from reports merged by -j (pertest_merge_site):
 * what they do not cover, another input's records, is the session's, as
 * give_site does for one report. */
static void top_up_session(struct pertest *pt, struct vgt_site *site, size_t *session)
{
	int leak = kind_is_leak(site->kind);
	uint64_t bytes = 0, blocks = 0;
	const struct vgt_site_detail *d = site_detail(site);
	for (size_t k = 0; k < d->n_tests; k++) {
		bytes = vgt_count_add(bytes, d->tests[k].bytes);
		blocks = vgt_count_add(blocks, d->tests[k].blocks);
	}
	uint64_t want_bytes = leak ? site->bytes : 0;
	uint64_t want_blocks = leak ? site->blocks : site->records;
	if (bytes >= want_bytes && blocks >= want_blocks)
		return;
	struct vgt_site_test extra = {.test = session_test(pt, session),
				      .bytes = want_bytes > bytes ? want_bytes - bytes : 0,
				      .blocks = want_blocks > blocks ? want_blocks - blocks : 0};
	struct vgt_site_detail one_detail = {.tests = &extra, .n_tests = 1};
	struct vgt_site one = {.detail = &one_detail};
	pertest_merge_site(site, &one, NULL);
}

/* The places (pertest_verdict.h) of the stacks a check found definitely
 * lost blocks at. */
static void find_definite_places(struct pertest *pt)
{
	size_t n = 0;
	for (size_t i = 0; i < pt->n_stacks; i++)
		n += pt->stacks[i].definite_seen;
	if (n == 0)
		return;
	pertest_places_init(&pt->places, n);
	for (size_t i = 0; i < pt->n_stacks; i++) {
		const struct pt_stack *k = &pt->stacks[i];
		const struct pt_pool *d =
			k->final[LOST_DEFINITE].seen ? &k->final[LOST_DEFINITE] : &k->last[LOST_DEFINITE];
		if (k->definite_seen && d->seen)
			pertest_places_add(&pt->places, &d->key, k->definite_at);
	}
}

/* The lost blocks a stack's charges take, in the order they were made:
 * the final check's (the checks' latest for a run killed before it), kind
 * by kind, definite first.  Returns the bytes of tests' charges that found
 * no block where the checks saw definitely lost ones. */
static uint64_t charge_stack(struct pertest *pt, struct pt_stack *k, size_t *session)
{
	if (k->n_charges == 0)
		return 0;
	struct pt_input *st = input_state(pt, (struct vgt_input *)k->input, 0);
	struct pt_pool pools[N_LOST];
	memset(pools, 0, sizeof(pools));
	if (st != NULL && st->final_seen)
		memcpy(pools, k->final, sizeof(pools));
	else if (!k->input->finished)
		memcpy(pools, k->last, sizeof(pools));
	uint64_t vanished = 0;
	for (size_t i = 0; i < k->n_charges; i++) {
		const struct pt_charge *c = &k->charges[i];
		size_t test = c->test != NO_TEST ? c->test : session_test(pt, session);
		uint64_t blocks = c->blocks, bytes = c->bytes;
		for (int p = 0; p < N_LOST && (blocks > 0 || bytes > 0); p++) {
			struct pt_pool *pool = &pools[p];
			if (!pool->seen || (pool->blocks == 0 && pool->bytes == 0))
				continue;
			uint64_t b = take(&pool->blocks, blocks);
			/* bytes go with blocks; a charge of bytes only (a block
			 * that grew) takes bytes alone */
			uint64_t y = b > 0 || blocks == 0 ? take(&pool->bytes, bytes) : 0;
			if (b == 0 && y == 0)
				continue;
			blocks -= b;
			bytes -= y;
			struct pt_share *s = share_of(pt, &pool->key, test, 0, NULL);
			s->bytes = vgt_count_add(s->bytes, y);
			s->blocks = vgt_count_add(s->blocks, b);
			s->phases |= c->phases;
			size_t at;
			if (p == LOST_POSSIBLE && pertest_places_find(&pt->places, &pool->key, &at)) {
				s->definite_bytes = vgt_count_add(s->definite_bytes, y);
				s->definite_blocks = vgt_count_add(s->definite_blocks, b);
				if (!pt->promoted) {
					pt->promoted = 1;
					pt->promoted_at = at;
				}
			}
		}
		/* the note is about definite leaks (possibly lost blocks come
		 * and go in every interpreter's run) */
		if (c->test != NO_TEST && k->last[LOST_DEFINITE].blocks > 0)
			vanished = vgt_count_add(vanished, bytes);
	}
	return vanished;
}

/* Valgrind did not show the input's still reachable blocks: its <vargv>
 * says so, or a leak search of its text log ("are not shown"). */
static int reachable_unshown(const struct vgt_input *in)
{
	return in->reachable_unshown ||
	       (in->has_leak_options && !(in->show_leak_kinds & (1u << VGT_GROUP_REACHABLE)));
}

/* Per-test checks that did not show still reachable blocks cannot tell a
 * block an earlier test kept reachable, and a later one dropped, from the
 * later test's new leak: say so once, rather than blame in silence. */
static void note_unshown_reachable(struct pertest *pt)
{
	const char *first = NULL;
	size_t n = 0;
	for (size_t i = 0; i < pt->n_inputs; i++) {
		const struct pt_input *st = &pt->inputs[i];
		if (!st->active || !st->charged || !reachable_unshown(st->input))
			continue;
		if (n++ == 0)
			first = st->input->path;
	}
	if (n == 0)
		return;
	report_add_note(pt->report,
			"%s%s: valgrind did not show still reachable blocks, so a block an earlier "
			"test kept reachable and a later one dropped counts as the later test's leak "
			"(--show-leak-kinds=all tells them apart; vgtriage run --per-test asks for it)",
			first, n > 1 ? strpool_printf(pt->report->pool, " (and %zu more)", n - 1) : "");
}

void pertest_resolve(struct pertest *pt)
{
	struct vgt_report *r = pt->report;
	if (r->n_tests == 0)
		return;
	/* a run that stopped in a window (killed, or no end came) */
	for (size_t i = 0; i < pt->n_inputs; i++)
		if (!pt->inputs[i].final_seen)
			settle_window(pt, &pt->inputs[i]);
	for (size_t i = 0; i < pt->n_shares; i++)
		if (pt->shares[i].test == NO_TEST)
			promote(pt, &pt->shares[i]);
	size_t session = NO_TEST;
	uint64_t vanished = 0;
	find_definite_places(pt);
	for (size_t i = 0; i < pt->n_stacks; i++)
		vanished = vgt_count_add(vanished, charge_stack(pt, &pt->stacks[i], &session));
	struct placed *placed = xcalloc(pt->n_shares + 1, sizeof(*placed));
	size_t n = 0;
	for (size_t i = 0; i < pt->n_shares; i++) {
		const struct pt_share *s = &pt->shares[i];
		if (s->test == NO_TEST)
			continue;
		struct vgt_site *site = sites_by_key(r, &s->key);
		if (site != NULL)
			placed[n++] = (struct placed){site, s};
	}
	qsort(placed, n, sizeof(*placed), cmp_placed);
	/* a place for every test, and for the session's when it comes */
	size_t *slot = xcalloc(r->n_tests + 2, sizeof(*slot));
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && placed[j].site == placed[i].site)
			j++;
		give_site(pt, placed[i].site, placed + i, j - i, &session, slot);
		i = j;
	}
	free(placed);
	for (size_t i = 0; i < r->n_sites; i++) {
		if (site_detail(r->sites[i])->tests == NULL)
			give_site(pt, r->sites[i], NULL, 0, &session, slot);
		else
			top_up_session(pt, r->sites[i], &session);
	}
	free(slot);
	note_unshown_reachable(pt);
	if (pt->promoted)
		pertest_note_kinds(r, pt->promoted_at == FINAL_CHECK ? "valgrind's final check"
				   : pt->promoted_at == NO_TEST
					   ? "a check between tests"
					   : strpool_printf(r->pool, "the check of %s",
							    r->tests[pt->promoted_at].name));
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
	struct pt_name *names = NULL;
	size_t n_names = 0, n_slots = 0;
	for (size_t k = 0; k < dst->n_tests; k++)
		if (dst->tests[k].name != NULL && names_get(names, n_slots, dst->tests[k].name) == NO_TEST)
			names_put(&names, &n_names, &n_slots, dst->tests[k].name, k);
	for (size_t i = 0; i < src->n_tests; i++) {
		const struct vgt_test *from = &src->tests[i];
		const char *name = from->name != NULL ? strpool_intern(dst->pool, from->name) : NULL;
		size_t k = names_get(names, n_slots, name);
		if (k == NO_TEST) {
			k = add_test(dst, name);
			if (name != NULL)
				names_put(&names, &n_names, &n_slots, name, k);
		}
		struct vgt_test *to = &dst->tests[k];
		to->session |= from->session;
		to->from_stack |= from->from_stack;
		to->unfinished |= from->unfinished;
		/* a later input's marker replaces an earlier one, as when one
		 * reader reads both */
		if (from->allowed) {
			to->allowed = 1;
			to->allowed_bytes = from->allowed_bytes;
		}
		if (from->known) {
			to->known = 1;
			to->known_reason = strpool_intern(dst->pool, from->known_reason);
		}
		map[i] = k;
	}
	free(names);
	return map;
}

static int cmp_by_test(const void *pa, const void *pb)
{
	const struct vgt_site_test *a = pa, *b = pb;
	return (a->test > b->test) - (a->test < b->test);
}

void pertest_merge_site(struct vgt_site *dst, const struct vgt_site *src, const size_t *map)
{
	const struct vgt_site_detail *from = site_detail(src);
	if (from->n_tests == 0)
		return;
	struct vgt_site_detail *to = site_detail_mut(dst);
	/* both lists by test, merged in one pass: many tests of one site cost
	 * n log n, not n^2 */
	struct vgt_site_test *add = xcalloc(from->n_tests, sizeof(*add));
	for (size_t k = 0; k < from->n_tests; k++) {
		add[k] = from->tests[k];
		add[k].test = map != NULL ? map[from->tests[k].test] : from->tests[k].test;
	}
	qsort(add, from->n_tests, sizeof(*add), cmp_by_test);
	if (to->n_tests > 1)
		qsort(to->tests, to->n_tests, sizeof(*to->tests), cmp_by_test);
	struct vgt_site_test *out = xcalloc(to->n_tests + from->n_tests, sizeof(*out));
	size_t n = 0, i = 0, j = 0;
	while (i < to->n_tests || j < from->n_tests) {
		struct vgt_site_test t;
		if (j == from->n_tests || (i < to->n_tests && to->tests[i].test < add[j].test))
			t = to->tests[i++];
		else if (i == to->n_tests || add[j].test < to->tests[i].test)
			t = add[j++];
		else {
			t = to->tests[i++];
			t.bytes = vgt_count_add(t.bytes, add[j].bytes);
			t.blocks = vgt_count_add(t.blocks, add[j].blocks);
			t.definite_bytes = vgt_count_add(t.definite_bytes, add[j].definite_bytes);
			t.definite_blocks = vgt_count_add(t.definite_blocks, add[j].definite_blocks);
			t.phases |= add[j].phases;
			j++;
		}
		/* the same test twice in src (cannot be, but then one entry) */
		if (n > 0 && out[n - 1].test == t.test) {
			out[n - 1].bytes = vgt_count_add(out[n - 1].bytes, t.bytes);
			out[n - 1].blocks = vgt_count_add(out[n - 1].blocks, t.blocks);
			out[n - 1].definite_bytes =
				vgt_count_add(out[n - 1].definite_bytes, t.definite_bytes);
			out[n - 1].definite_blocks =
				vgt_count_add(out[n - 1].definite_blocks, t.definite_blocks);
			out[n - 1].phases |= t.phases;
		} else {
			out[n++] = t;
		}
	}
	free(add);
	free(to->tests);
	to->tests = out;
	to->n_tests = n;
	if (to->n_tests > 1)
		qsort(to->tests, to->n_tests, sizeof(*to->tests), cmp_site_test);
}
