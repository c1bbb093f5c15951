/*
 * render_text.c — the report for people on a terminal: a ranked table, the
 * top stacks with interpreter frames folded, and valgrind's summaries.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cxxname.h"
#include "base/escape.h"
#include "analyze/figures.h"
#include "analyze/pertest.h"
#include "analyze/procs.h"
#include "render/render.h"
#include "analyze/suppress.h"
#include "analyze/policy.h"

#define DEFAULT_STACKS 5

struct style {
	const char *bold, *dim, *red, *yellow, *cyan, *green, *reset;
};

static const struct style plain = {"", "", "", "", "", "", ""};
static const struct style ansi = {"\033[1m", "\033[2m", "\033[31m", "\033[33m",
				  "\033[36m", "\033[32m", "\033[0m"};

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static const char *kind_colour(const struct style *st, enum vgt_kind kind)
{
	switch (kind_group(kind)) {
	case VGT_GROUP_ERROR:
	case VGT_GROUP_DEFINITE:
		return st->red;
	case VGT_GROUP_INDIRECT:
	case VGT_GROUP_POSSIBLE:
		return st->yellow;
	default:
		return st->cyan;
	}
}

static void print_inputs(FILE *out, const struct vgt_report *r, const struct style *st)
{
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		fputs(st->bold, out);
		escape_text(out, in->path);
		fputs(st->reset, out);
		/* run names an input "pid N" when it keeps no file */
		char own[32];
		snprintf(own, sizeof(own), "pid %ld", in->pid);
		if (in->pid >= 0 && strcmp(own, in->path) != 0)
			fprintf(out, ": pid %ld", in->pid);
		if (in->command != NULL) {
			fputs(", ", out);
			escape_text(out, in->command);
		}
		fprintf(out, " (%s, %zu %s)", in->format, in->records,
			plural(in->records, "record", "records"));
		if (!in->complete)
			fprintf(out, " %s[INCOMPLETE: input ends early]%s", st->red, st->reset);
		else if (!in->finished)
			fprintf(out, " %s[INCOMPLETE: the run did not finish]%s", st->red, st->reset);
		if (in->fatal_signal != NULL)
			fprintf(out, " %s[killed by %s]%s", st->red,
				escape_text_pool(r->pool, in->fatal_signal), st->reset);
		fputc('\n', out);
	}
}

static size_t listed_sites(const struct vgt_report *r, const struct render_options *opts)
{
	return opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
}

/* Display columns of UTF-8 text (one per code point: labels hold no
 * wide characters worth measuring). */
static size_t columns(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* s in exactly w columns: padded, or cut with "…" on the left (keep_end:
 * paths, whose file:line matter) or on the right. */
static void put_cell(FILE *out, const char *s, size_t w, int keep_end, int pad)
{
	size_t n = columns(s);
	if (n <= w) {
		fputs(s, out);
		for (; pad && n < w; n++)
			fputc(' ', out);
		return;
	}
	if (w == 0)
		return;
	const char *p = s;
	if (keep_end) {
		for (size_t skip = n - (w - 1); skip > 0 || ((unsigned char)*p & 0xc0) == 0x80; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				skip--;
		fputs("\xe2\x80\xa6", out);
		fputs(p, out);
		return;
	}
	for (size_t keep = w - 1; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && keep-- == 0)
			break;
		fputc(*p, out);
	}
	fputs("\xe2\x80\xa6", out);
}

#define TABLE_FIXED 55    /* "RANK  KIND … RECORDS  " before LOCATION */
#define MIN_LOCATION 12
#define MIN_FUNCTION 10

/* A demangled C++ signature ("ns::f<int>(long) const") or template name
 * ("push<int>", as DWARF names an inlined instance): what the table may
 * shorten.  Anything else (C, Python names, what an input made up) is
 * shown as it is. */
static int is_signature(const char *fn)
{
	size_t n = strlen(fn);
	while (n > 0 && (fn[n - 1] == '&' || fn[n - 1] == ' '))
		n--;
	if (n >= 6 && strncmp(fn + n - 6, " const", 6) == 0)
		n -= 6;
	if (n > 0 && fn[n - 1] == '>' && (isalpha((unsigned char)fn[0]) || fn[0] == '_') &&
	    cxxname_is_template(fn))
		return 1;
	return n > 0 && fn[n - 1] == ')' && cxxname_is_demangled(fn);
}

/* The last columns of s that fit in w, after "…" (at a character). */
static const char *tail_cut(struct strpool *pool, const char *s, size_t w)
{
	size_t n = columns(s);
	if (n <= w)
		return s;
	if (w == 0)
		return "";
	const char *p = s;
	for (size_t skip = n - (w - 1); skip > 0 || ((unsigned char)*p & 0xc0) == 0x80; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			skip--;
	return strpool_printf(pool, "\xe2\x80\xa6%s", p);
}

/* The end of a qualified name that fits in w: "a::b::c::f<…>(…)" →
 * "…::c::f<…>(…)", whole components only (the outermost "::" not inside
 * <> or ()); NULL when not even the last one fits. */
static const char *last_components(struct strpool *pool, const char *s, size_t w)
{
	const char *best = NULL;
	int depth = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '<' || *p == '(')
			depth++;
		else if ((*p == '>' || *p == ')') && depth > 0)
			depth--;
		else if (depth == 0 && p[0] == ':' && p[1] == ':' && columns(p) + 1 <= w) {
			best = p;
			break;
		}
	}
	return best != NULL ? strpool_printf(pool, "\xe2\x80\xa6%s", best) : NULL;
}

/* How much of a function name the table gives up to fit (each level
 * keeps more of what tells names apart than the one before fits in). */
enum fit_level {
	FIT_SHORT = 0, /* template arguments elided: "ns::f<…>(long)" */
	FIT_NO_PARAMS, /* and parameters: "ns::f<…>(…)" */
	FIT_TAIL,      /* and leading scopes: "…::f<…>(…)" */
	FIT_CUT,       /* the end of that: "…f<…>(…)" */
	FIT_CUT_PARAMS, /* the end of the short form: "…f<…>(long)" */
	FIT_WHOLE_CUT  /* the whole name's end: "…f<int>(long)" */
};

/* The site's function in at most width columns at a level, or NULL when
 * the level's form does not fit (the FIT_*CUT levels always do). */
static const char *fit_function(const struct vgt_report *r, const struct vgt_site *s,
				size_t width, enum fit_level level)
{
	const char *fn = s->location.function != NULL ? s->location.function : "";
	const char *inst = render_site_instantiations(r, s);
	char times[32] = "";
	if (inst != NULL)
		snprintf(times, sizeof(times), " \xc3\x97%" PRIu32 "%s", s->instantiations,
			 s->heads_dropped > 0 ? "+" : "");
	size_t tw = columns(times);
	size_t w = width > tw ? width - tw : 0;
	if (level == FIT_WHOLE_CUT || !is_signature(fn)) {
		const char *e = escape_text_pool(r->pool, fn);
		return strpool_printf(r->pool, "%s%s", tail_cut(r->pool, e, width), "");
	}
	char buf[512];
	/* several instantiations: the template's name, with or without
	 * parameters, stands for them all */
	size_t n = cxxname_short(fn, inst != NULL || level >= FIT_NO_PARAMS, buf, sizeof(buf));
	if (n >= sizeof(buf))
		return level >= FIT_CUT ? tail_cut(r->pool, escape_text_pool(r->pool, fn), width) : NULL;
	if (level == FIT_CUT_PARAMS && inst == NULL)
		n = cxxname_short(fn, 0, buf, sizeof(buf));
	const char *e = escape_text_pool(r->pool, buf);
	const char *out = NULL;
	switch (level) {
	case FIT_SHORT:
	case FIT_NO_PARAMS:
		out = columns(e) <= w ? e : NULL;
		break;
	case FIT_TAIL:
		out = columns(e) <= w ? e : last_components(r->pool, e, w);
		break;
	default:
		out = tail_cut(r->pool, e, w);
		break;
	}
	return out != NULL ? strpool_printf(r->pool, "%s%s", out, times) : NULL;
}

/* The table's function column for sites[0..n), each in at most width
 * columns: C++ names with template arguments elided, then parameters,
 * then leading scopes, keeping the end that tells functions apart (the
 * stacks and JSON keep them whole).  Two different functions never read
 * alike: those that would get more of their own name, and a number at
 * last.  Then the baseline mark.  texts[i] is interned in the pool. */
struct fn_text {
	const char *text, *fn;
	size_t index;
};

static int cmp_fn_text(const void *pa, const void *pb)
{
	const struct fn_text *a = pa, *b = pb;
	int c = strcmp(a->text, b->text);
	if (c == 0)
		c = strcmp(a->fn != NULL ? a->fn : "", b->fn != NULL ? b->fn : "");
	return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/* collide[i] = 1 for the sites whose text another site with a different
 * function has too (sorted: n log n, however many sites are listed);
 * returns how many. */
static size_t mark_collisions(const struct vgt_report *r, size_t n, const char **texts,
			      struct fn_text *v, unsigned char *collide)
{
	for (size_t i = 0; i < n; i++) {
		v[i].text = texts[i];
		v[i].fn = r->sites[i]->location.function;
		v[i].index = i;
		collide[i] = 0;
	}
	qsort(v, n, sizeof(*v), cmp_fn_text);
	size_t count = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && strcmp(v[j].text, v[i].text) == 0)
			j++;
		const char *first = v[i].fn != NULL ? v[i].fn : "";
		const char *last = v[j - 1].fn != NULL ? v[j - 1].fn : "";
		if (strcmp(first, last) != 0) /* sorted by fn within the run */
			for (size_t k = i; k < j; k++, count++)
				collide[v[k].index] = 1;
		i = j;
	}
	return count;
}

static void table_functions(const struct vgt_report *r, size_t n, size_t width,
			    const char **texts)
{
	enum fit_level *lv = xcalloc(n + 1, sizeof(*lv));
	struct fn_text *v = xcalloc(n + 1, sizeof(*v));
	unsigned char *collide = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		const char *mark = site_detail(s)->baseline;
		size_t mw = mark != NULL ? columns(mark) + 4 : 0;
		size_t w = width > mw + 8 ? width - mw : 8;
		for (lv[i] = FIT_SHORT; (texts[i] = fit_function(r, s, w, lv[i])) == NULL; lv[i]++)
			;
	}
	/* different functions that read alike get more of their names */
	for (int round = 0; round < 3 && mark_collisions(r, n, texts, v, collide) > 0; round++) {
		int changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (!collide[i] || lv[i] >= FIT_WHOLE_CUT)
				continue;
			const struct vgt_site *s = r->sites[i];
			const char *mark = site_detail(s)->baseline;
			size_t mw = mark != NULL ? columns(mark) + 4 : 0;
			size_t w = width > mw + 8 ? width - mw : 8;
			lv[i] = lv[i] < FIT_CUT_PARAMS ? FIT_CUT_PARAMS : FIT_WHOLE_CUT;
			texts[i] = fit_function(r, s, w, lv[i]);
			changed = 1;
		}
		if (!changed)
			break;
	}
	/* still alike (the same last columns): the site's rank tells them apart */
	if (mark_collisions(r, n, texts, v, collide) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (!collide[i])
				continue;
			char tag[32];
			snprintf(tag, sizeof(tag), " #%zu", r->sites[i]->rank);
			size_t w = width > columns(tag) ? width - columns(tag) : 1;
			texts[i] = strpool_printf(r->pool, "%s%s", tail_cut(r->pool, texts[i], w), tag);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *mark = site_detail(r->sites[i])->baseline;
		if (mark != NULL)
			texts[i] = strpool_printf(r->pool, "%s  [%s]", texts[i], mark);
	}
	free(collide);
	free(v);
	free(lv);
}

/* ---- per-test runs ---- */

/* "test_a" of "tests/test_x.py::test_a". */
static const char *short_test_name(const char *name)
{
	const char *p = name, *sep;
	while ((sep = strstr(p, "::")) != NULL)
		p = sep + 2;
	return *p != '\0' ? p : name;
}

/* The table's TESTS column: the test with the largest share, and how many
 * more. */
static void print_site_tests_short(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	if (d->n_tests == 0)
		return;
	fprintf(out, "  %s",
		escape_text_pool(r->pool, short_test_name(r->tests[d->tests[0].test].name)));
	if (d->n_tests > 1)
		fprintf(out, " +%zu", d->n_tests - 1);
}

static const char *phase_names(char *buf, size_t size, unsigned phases)
{
	static const char *const names[] = {"setup", "call", "teardown", "other"};
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && n < size; i++)
		if (phases & (1u << i))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? ", " : "", names[i]);
	return buf;
}

/* A site's tests, one line each (the first ten). */
static void print_site_tests(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			     const struct style *st)
{
	const struct vgt_site_detail *d = site_detail(s);
	size_t shown = d->n_tests < 10 ? d->n_tests : 10;
	for (size_t i = 0; i < shown; i++) {
		const struct vgt_site_test *t = &d->tests[i];
		char b1[32], b2[32], ph[64];
		fprintf(out, "    %s%s %s%s", st->dim, i == 0 ? "tests:" : "      ",
			escape_text_pool(r->pool, r->tests[t->test].name), st->reset);
		if (kind_is_leak(s->kind))
			fprintf(out, "  %s %s in %s %s", render_grouped(b1, t->bytes),
				plural(t->bytes, "byte", "bytes"), render_grouped(b2, t->blocks),
				plural(t->blocks, "block", "blocks"));
		else
			fprintf(out, "  %s context%s", render_grouped(b1, t->blocks),
				t->blocks == 1 ? "" : "s");
		if (t->phases != 0)
			fprintf(out, " (%s)", phase_names(ph, sizeof(ph), t->phases));
		fputc('\n', out);
	}
	if (shown < d->n_tests)
		fprintf(out, "    %s      … %zu more tests%s\n", st->dim, d->n_tests - shown, st->reset);
}

static uint64_t test_other_bytes(const struct vgt_test *t)
{
	return t->lost[VGT_GROUP_INDIRECT].bytes + t->lost[VGT_GROUP_POSSIBLE].bytes +
	       t->lost[VGT_GROUP_REACHABLE].bytes;
}

static int test_blamed(const struct vgt_test *t)
{
	return t->n_sites > 0;
}

static const struct vgt_test *sort_tests_base;

/* Failing first, then by definite bytes, other bytes, errors, run order. */
static int cmp_tests(const void *pa, const void *pb)
{
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct vgt_test *a = &sort_tests_base[ia], *b = &sort_tests_base[ib];
	if (a->lost[VGT_GROUP_DEFINITE].bytes != b->lost[VGT_GROUP_DEFINITE].bytes)
		return a->lost[VGT_GROUP_DEFINITE].bytes > b->lost[VGT_GROUP_DEFINITE].bytes ? -1 : 1;
	if (test_other_bytes(a) != test_other_bytes(b))
		return test_other_bytes(a) > test_other_bytes(b) ? -1 : 1;
	if (a->lost[VGT_GROUP_ERROR].blocks != b->lost[VGT_GROUP_ERROR].blocks)
		return a->lost[VGT_GROUP_ERROR].blocks > b->lost[VGT_GROUP_ERROR].blocks ? -1 : 1;
	return (ia > ib) - (ia < ib);
}

/* What a test is blamed for beyond definite leaks, and how it ended. */
static void print_test_extra(FILE *out, const struct vgt_test *t, int fails, const struct style *st)
{
	static const char *const names[VGT_GROUP_COUNT] = {NULL, NULL, "indirect", "possible",
							   "reachable"};
	char b1[32], b2[32], ph[64];
	for (int g = VGT_GROUP_INDIRECT; g < VGT_GROUP_COUNT; g++)
		if (t->lost[g].bytes > 0)
			fprintf(out, "  [%s %s %s in %s %s]", names[g],
				render_grouped(b1, t->lost[g].bytes),
				plural(t->lost[g].bytes, "byte", "bytes"),
				render_grouped(b2, t->lost[g].blocks),
				plural(t->lost[g].blocks, "block", "blocks"));
	if (t->lost[VGT_GROUP_ERROR].blocks > 0)
		fprintf(out, "  [%" PRIu64 " error%s]", t->lost[VGT_GROUP_ERROR].blocks,
			t->lost[VGT_GROUP_ERROR].blocks == 1 ? "" : "s");
	if (t->phases != 0 && !t->session)
		fprintf(out, "  (%s)", phase_names(ph, sizeof(ph), t->phases));
	if (t->unfinished)
		fprintf(out, "  %s[unfinished]%s", st->red, st->reset);
	if (t->allowed)
		fprintf(out, "  [allowed %s %s]", render_grouped(b1, t->allowed_bytes),
			plural(t->allowed_bytes, "byte", "bytes"));
	if (t->known) {
		fprintf(out, "  %s[known leak%s", st->yellow, t->known_reason[0] != '\0' ? ": " : "");
		escape_text(out, t->known_reason);
		fprintf(out, "]%s", st->reset);
	}
	if (fails == POLICY_TEST_FAILS)
		fprintf(out, "  %sFAIL%s", st->red, st->reset);
}

/* The per-test table: the tests blamed for something in your code. */
static void print_tests(FILE *out, const struct vgt_report *r, const struct render_options *opts,
			const struct style *st)
{
	struct policy fallback;
	policy_default(&fallback);
	unsigned char *fails = xcalloc(r->n_tests + 1, 1);
	policy_test_verdicts(opts->policy != NULL ? opts->policy : &fallback, r, fails);
	size_t *order = xcalloc(r->n_tests + 1, sizeof(*order));
	size_t n = 0, real = 0, unfinished = 0;
	for (size_t i = 0; i < r->n_tests; i++) {
		real += !r->tests[i].session;
		unfinished += r->tests[i].unfinished;
		if (test_blamed(&r->tests[i]))
			order[n++] = i;
	}
	sort_tests_base = r->tests;
	qsort(order, n, sizeof(*order), cmp_tests);
	size_t leaked = 0;
	for (size_t i = 0; i < n; i++)
		leaked += !r->tests[order[i]].session;
	if (r->per_test)
		fprintf(out, "\n%sTESTS%s  %zu of %zu test%s leaked in your code", st->bold, st->reset,
			leaked, real, real == 1 ? "" : "s");
	else /* only the tests that leaked are known: their frames named them */
		fprintf(out, "\n%sTESTS%s  %zu test%s leaked in your code (named by their Python frames)",
			st->bold, st->reset, leaked, leaked == 1 ? "" : "s");
	if (unfinished > 0)
		fprintf(out, ", %zu did not finish", unfinished);
	fputs("\n", out);
	size_t locw = 8;
	if (n > 0) {
		for (size_t i = 0; i < n; i++) {
			const struct vgt_test *t = &r->tests[order[i]];
			size_t w = strlen(render_location_label(r, &r->sites[t->top_site]->location)) +
				   (size_t)snprintf(NULL, 0, "#%zu ", r->sites[t->top_site]->rank);
			if (w > locw)
				locw = w < 60 ? w : 60;
		}
		fprintf(out, "%s%11s %8s  %-*s  %s%s\n", st->bold, "DEFINITE", "BLOCKS", (int)locw,
			"TOP SITE", "TEST", st->reset);
	}
	for (size_t i = 0; i < n; i++) {
		const struct vgt_test *t = &r->tests[order[i]];
		const struct vgt_site *top = r->sites[t->top_site];
		char b1[32], b2[32];
		const char *where = strpool_printf(r->pool, "#%zu %s", top->rank,
						   render_location_label(r, &top->location));
		fprintf(out, "%11s %8s  %-*s  %s", render_grouped(b1, t->lost[VGT_GROUP_DEFINITE].bytes),
			render_grouped(b2, t->lost[VGT_GROUP_DEFINITE].blocks), (int)locw, where,
			escape_text_pool(r->pool, t->name));
		print_test_extra(out, t, fails[order[i]], st);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_tests; i++)
		if (r->tests[i].unfinished && !test_blamed(&r->tests[i]))
			fprintf(out, "%s[unfinished]%s %s\n", st->red, st->reset,
				escape_text_pool(r->pool, r->tests[i].name));
	free(order);
	free(fails);
}

static const char *table_kind(const struct vgt_report *r, const struct vgt_site *s)
{
	return s->kind == VGT_KIND_UNKNOWN ? escape_text_pool(r->pool, s->kind_name)
					   : kind_info(s->kind)->short_name;
}

/* The location in w columns: whole, else its file's base name and line
 * (what the stacks print), else cut on the left. */
static const char *table_location(const struct vgt_report *r, const struct vgt_location *loc,
				  size_t w)
{
	const char *label = render_location_label(r, loc);
	if (columns(label) <= w || loc->file == NULL || loc->line == 0)
		return label;
	return strpool_printf(r->pool, "%s:%u", escape_text_pool(r->pool, vgt_basename(loc->file)),
			      loc->line);
}

static void print_table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
			const struct style *st)
{
	size_t n = listed_sites(r, opts);
	size_t locw = 8, fnw = 8;
	const char **fns = xcalloc(n + 1, sizeof(*fns));
	table_functions(r, n, SIZE_MAX / 4, fns);
	for (size_t i = 0; i < n; i++) {
		size_t w = columns(render_location_label(r, &r->sites[i]->location));
		if (w > locw)
			locw = w;
		w = columns(fns[i]);
		if (w > fnw)
			fnw = w;
	}
	/* On a terminal, fit LOCATION + 2 + FUNCTION into what its width
	 * leaves: the location keeps its natural width up to 3/5 of it, the
	 * function takes the rest.  Off a terminal (a CI log, a file) nothing
	 * is cut: template arguments are elided, names are whole. */
	size_t width = opts->width != 0 ? opts->width : SIZE_MAX / 2;
	/* A narrow terminal: KIND, BYTES, BLOCKS and RECORDS as wide as what
	 * they hold, not more, so that names keep what they can. */
	size_t kw = 17, bw = 11, blw = 8, rw = 8;
	size_t fixed = TABLE_FIXED;
	if (opts->width != 0 && TABLE_FIXED + 2 + locw + fnw > width) {
		kw = 4;
		bw = 5;
		blw = 6;
		rw = 7;
		for (size_t i = 0; i < n; i++) {
			char b[32];
			const struct vgt_site *s = r->sites[i];
			int leak = kind_is_leak(s->kind);
			size_t w = columns(table_kind(r, s));
			kw = w > kw ? w : kw;
			w = leak ? strlen(render_grouped(b, s->bytes)) : 1;
			bw = w > bw ? w : bw;
			w = leak ? strlen(render_grouped(b, s->blocks)) : 1;
			blw = w > blw ? w : blw;
			w = strlen(render_grouped(b, leak ? s->records : s->occurrences));
			rw = w > rw ? w : rw;
		}
		fixed = 4 + 2 + kw + 1 + bw + 1 + blw + 1 + rw + 2;
	}
	size_t avail = width > fixed + 2 + MIN_LOCATION + MIN_FUNCTION
			       ? width - fixed - 2
			       : MIN_LOCATION + MIN_FUNCTION;
	if (locw + fnw > avail) {
		size_t fair = fnw < avail * 2 / 5 ? avail - fnw : avail * 3 / 5;
		if (locw > fair)
			locw = fair > MIN_LOCATION ? fair : MIN_LOCATION;
		/* as wide as the locations it then shows (base names) */
		size_t shown = MIN_LOCATION;
		for (size_t i = 0; i < n; i++) {
			size_t w = columns(table_location(r, &r->sites[i]->location, locw));
			shown = w > shown ? w : shown;
		}
		locw = shown < locw ? shown : locw;
		if (locw + fnw > avail) {
			fnw = avail - locw > MIN_FUNCTION ? avail - locw : MIN_FUNCTION;
			table_functions(r, n, fnw, fns); /* again, in what is left */
		}
	}
	fprintf(out, "\n%s%4s  %-*s %*s %*s %*s  ", st->bold, "RANK", (int)kw, "KIND", (int)bw, "BYTES",
		(int)blw, "BLOCKS", (int)rw, "RECORDS");
	put_cell(out, "LOCATION", locw, 0, 1);
	fputs("  ", out);
	/* the FUNCTION column is padded when TESTS follows it */
	put_cell(out, "FUNCTION", fnw, 0, r->n_tests > 0);
	fprintf(out, "%s%s\n", r->n_tests > 0 ? "  TESTS" : "", st->reset);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		char b1[32], b2[32], b3[32];
		int leak = kind_is_leak(s->kind);
		fprintf(out, "%4zu  %s%-*s%s %*s %*s %*s  ", s->rank, kind_colour(st, s->kind), (int)kw,
			table_kind(r, s), st->reset, (int)bw, leak ? render_grouped(b1, s->bytes) : "-",
			(int)blw, leak ? render_grouped(b2, s->blocks) : "-", (int)rw,
			!leak && r->totals.figures.occurrences_unknown
				? "?" : render_grouped(b3, leak ? s->records : s->occurrences));
		put_cell(out, table_location(r, &s->location, locw), locw, 1, 1);
		fputs("  ", out);
		put_cell(out, fns[i], fnw, 1, r->n_tests > 0);
		print_site_tests_short(out, r, s);
		fputc('\n', out);
	}
	if (n < r->n_shown)
		fprintf(out, "%s  … %zu more %s (-n 0 lists all)%s\n", st->dim, r->n_shown - n,
			plural(r->n_shown - n, "site", "sites"), st->reset);
	free(fns);
}

static void print_context(FILE *out, const struct vgt_site *s, const struct style *st)
{
	const struct vgt_context *c = &site_detail(s)->context;
	if (c->count == 0) {
		if (s->location.source != NULL) {
			fprintf(out, "        %s", st->green);
			escape_text(out, s->location.source);
			fprintf(out, "%s\n", st->reset);
		}
		return;
	}
	for (size_t i = 0; i < c->count; i++) {
		unsigned line = c->first_line + (unsigned)i;
		int here = line == s->location.line;
		fprintf(out, "    %s%s%6u | ", here ? st->bold : st->dim, here ? ">" : " ", line);
		escape_text(out, c->lines[i]);
		fprintf(out, "%s\n", st->reset);
	}
}

/* The hint (issue 13) under the source lines: its text wrapped, then the
 * lines it is based on. */
static void print_hint(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
		       const struct style *st)
{
	const struct vgt_explain *x = site_detail(s)->explain;
	if (x == NULL || x->hint == NULL)
		return;
	const char *p = escape_text_pool(r->pool, x->hint);
	const char *lead = "    hint: ";
	while (*p != '\0') {
		size_t n = strlen(p), cut = n;
		if (n > 88) {
			cut = 88;
			while (cut > 40 && p[cut] != ' ')
				cut--;
			if (p[cut] != ' ')
				cut = 88;
		}
		fprintf(out, "%s%s%.*s%s\n", lead, st->yellow, (int)cut, p, st->reset);
		p += cut;
		while (*p == ' ')
			p++;
		lead = "          ";
	}
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		int other = s->location.file == NULL || strcmp(h->file, s->location.file) != 0;
		fprintf(out, "    %s%s%s%6u | %s%s\n", st->dim,
			other ? escape_text_pool(r->pool, h->file) : "", other ? ":" : " ", h->line,
			h->text != NULL ? escape_text_pool(r->pool, h->text) : "", st->reset);
	}
}

static int folds(enum frame_class cls)
{
	return cls == FRAME_INTERPRETER || cls == FRAME_RUNTIME;
}

/* User, allocator and Cython frames in full; runs of interpreter/runtime
 * frames as one "… N interpreter frames" line. */
void render_text_stack(FILE *out, const struct vgt_report *r, const struct vgt_stack *stack,
		       size_t culprit, const char *indent, int color)
{
	const struct style *st = color ? &ansi : &plain;
	for (size_t i = 0; i < stack->count;) {
		const struct vgt_frame *f = stack_frame(r->frames, stack, i);
		size_t run = 0;
		while (i + run < stack->count && folds(stack_frame(r->frames, stack, i + run)->cls) && i + run != culprit)
			run++;
		if (run >= 2) {
			fprintf(out, "%s  %s… %zu %s frames%s\n", indent, st->dim, run,
				frame_class_name(f->cls), st->reset);
			i += run;
			continue;
		}
		int is_culprit = i == culprit;
		fprintf(out, "%s%s%s %s%s%s\n", indent, is_culprit ? ">" : " ", i == 0 ? "at" : "by",
			is_culprit ? st->bold : "", render_frame_label(r, f), is_culprit ? st->reset : "");
		i++;
	}
}

/* The pids of a site found in several processes; a forked child's
 * inherited leaks. */
static void print_processes(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			    const struct style *st)
{
	const struct vgt_site_detail *d = site_detail(s);
	char b1[32], b2[32];
	if (d->n_pids > 1) {
		fprintf(out, "    %sprocesses:", st->dim);
		for (size_t i = 0; i < d->n_pids && i < 8; i++)
			fprintf(out, "%s %ld", i > 0 ? "," : "", d->pids[i]);
		fprintf(out, "%s%s\n", d->n_pids > 8 ? ", …" : "", st->reset);
	}
	if (!d->inherited)
		return;
	size_t children = 0;
	for (size_t i = 0; i < s->n_procs; i++)
		children += s->procs[i].inherited_records > 0;
	fprintf(out, "    %sinherited from parent:%s %s bytes in %s blocks of these reported again "
		     "by pid%s",
		st->yellow, st->reset, render_grouped(b1, d->inherited_bytes),
		render_grouped(b2, d->inherited_blocks), children == 1 ? "" : "s");
	size_t shown = 0;
	for (size_t i = 0; i < s->n_procs && shown < 8; i++) {
		if (s->procs[i].inherited_records == 0)
			continue;
		fprintf(out, "%s %ld", shown > 0 ? "," : "", r->inputs[s->procs[i].input]->pid);
		shown++;
	}
	fprintf(out, "%s, forked without exec (%s parent's allocation stack%s: allocated "
		     "before fork())\n", children > shown ? ", …" : "",
		children == 1 ? "its" : "their", children == 1 ? "" : "s");
}

static void print_site_detail(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			      const struct render_options *opts, const struct style *st)
{
	const struct vgt_site_detail *d = site_detail(s);
	char b1[32], b2[32], b3[32];
	const struct vgt_kind_info *ki = kind_info(s->kind);
	fprintf(out, "\n%s#%zu%s %s%s%s", st->bold, s->rank, st->reset, kind_colour(st, s->kind),
		s->kind == VGT_KIND_UNKNOWN ? escape_text_pool(r->pool, s->kind_name) : ki->title,
		st->reset);
	if (kind_is_leak(s->kind)) {
		fprintf(out, ": %s %s in %s %s", render_grouped(b1, s->bytes),
			plural(s->bytes, "byte", "bytes"), render_grouped(b2, s->blocks),
			plural(s->blocks, "block", "blocks"));
		if (s->indirect_bytes > 0)
			fprintf(out, " (%s direct, %s indirect)", render_grouped(b3, s->direct_bytes),
				render_grouped(b1, s->indirect_bytes));
		fprintf(out, ", %zu record%s", s->records, s->records == 1 ? "" : "s");
		if (d->n_pids > 1)
			fprintf(out, ", in %zu processes", d->n_pids);
	} else if (r->totals.figures.occurrences_unknown) {
		/* a text log without -s does not say how often */
		fprintf(out, ": %zu context%s (how often: not in the input, rerun valgrind with -s)",
			s->records, s->records == 1 ? "" : "s");
		if (d->n_pids > 1)
			fprintf(out, ", in %zu processes", d->n_pids);
	} else {
		fprintf(out, ": %s time%s in %zu context%s", render_grouped(b1, s->occurrences),
			s->occurrences == 1 ? "" : "s", s->records, s->records == 1 ? "" : "s");
		if (d->n_pids > 1)
			fprintf(out, ", in %zu processes", d->n_pids);
	}
	if (s->has_delta)
		fprintf(out, " (%+" PRId64 " bytes, %+" PRId64 " blocks)", d->delta_bytes, d->delta_blocks);
	if (d->explain != NULL)
		fprintf(out, " — %s", escape_text_pool(r->pool, d->explain->label));
	fputc('\n', out);
	fprintf(out, "    %s%s%s  %s%s\n", st->bold, render_location_label(r, &s->location), st->reset,
		s->location.function != NULL ? escape_text_pool(r->pool, s->location.function) : "",
		s->location.ambiguous ? " (name demangled without the generated .c: may be inexact)"
				      : "");
	const char *inst = render_site_instantiations(r, s);
	if (inst != NULL)
		fprintf(out, "    %s%s%s\n", st->dim, escape_text_pool(r->pool, inst), st->reset);
	const char *category = render_category_label(r, s);
	if (category != NULL)
		fprintf(out, "    %s%s%s\n", st->dim, escape_text_pool(r->pool, category), st->reset);
	print_context(out, s, st);
	print_processes(out, r, s, st);
	print_hint(out, r, s, st);
	if (s->generated != NULL)
		fprintf(out, "    %sgenerated: %s%s%s\n", st->dim, render_location_label(r, s->generated),
			s->generated->function != NULL ? "  " : "",
			s->generated->function != NULL ? escape_text_pool(r->pool, s->generated->function)
						      : "");
	if (!kind_is_leak(s->kind) && s->what != NULL)
		fprintf(out, "    %s%s\n", escape_text_pool(r->pool, render_site_what(r, s)), st->reset);
	else
		fputs(st->reset, out);
	print_site_tests(out, r, s, st);
	render_text_stack(out, r, &s->stack, s->culprit, "    ", opts->color);
	if (s->auxwhat != NULL) {
		fprintf(out, "    %s\n", escape_text_pool(r->pool, s->auxwhat));
		render_text_stack(out, r, &s->aux_stack, s->aux_stack.count, "    ", opts->color);
	}
	if (s->auxwhat2 != NULL) {
		fprintf(out, "    %s\n", escape_text_pool(r->pool, s->auxwhat2));
		render_text_stack(out, r, &s->aux_stack2, s->aux_stack2.count, "    ", opts->color);
	}
}

/* One figure of the summary: known, bytes only, or not in the input. */
static void print_amount(FILE *out, const struct vgt_figures *fig, enum vgt_kind_group g)
{
	char b1[32], b2[32];
	const struct vgt_amount *a = &fig->amount[g];
	fprintf(out, "  %16s: ", figures_group_label(g));
	if (!(fig->known & VGT_KNOWN_BYTES(g)))
		fputs("not in the input\n", out);
	else if (!(fig->known & VGT_KNOWN_BLOCKS(g)))
		fprintf(out, "%s %s (block count not in the input)\n", render_grouped(b1, a->bytes),
			plural(a->bytes, "byte", "bytes"));
	else
		fprintf(out, "%s %s in %s %s\n", render_grouped(b1, a->bytes),
			plural(a->bytes, "byte", "bytes"), render_grouped(b2, a->blocks),
			plural(a->blocks, "block", "blocks"));
}

static void print_errors(FILE *out, const struct vgt_totals *t, const struct style *st)
{
	char b1[32], b2[32], b3[32];
	const struct vgt_figures *fig = &t->figures;
	if (fig->errors_unknown) {
		fprintf(out, "%sERROR SUMMARY%s: not in the input (%zu %s read)\n", st->bold,
			st->reset, t->records, plural(t->records, "record", "records"));
		return;
	}
	fprintf(out, "%sERROR SUMMARY%s: %s %s from %s %s", st->bold, st->reset,
		render_grouped(b1, t->errors), plural(t->errors, "error", "errors"),
		render_grouped(b2, t->error_contexts), plural(t->error_contexts, "context", "contexts"));
	/* valgrind counts loss records among its errors (--leak-check=full) */
	uint64_t leaks = fig->leak_error_contexts;
	if (leaks > t->error_contexts)
		; /* counts that do not fit together say nothing */
	else if (leaks > 0 && leaks == t->error_contexts)
		fprintf(out, " (%s, no other errors)", leaks == 1 ? "a leak record" : "all leak records");
	else if (leaks > 0)
		fprintf(out, " (%s of the contexts %s leak %s)", render_grouped(b3, leaks),
			leaks == 1 ? "is a" : "are", plural(leaks, "record", "records"));
	fputc('\n', out);
}

static void print_hidden(FILE *out, const struct vgt_report *r)
{
	struct render_hidden_item items[RENDER_HIDDEN_MAX];
	size_t n = render_hidden_items(r, items);
	int noise = 0;
	for (size_t i = 0; i < n; i++) {
		const struct render_hidden_item *it = &items[i];
		noise |= !it->filtered;
		const char *sites = plural(it->sites, "site", "sites");
		fprintf(out, "%s%zu %s %s (%s)", i == 0 ? "Hidden: " : ", ", it->sites,
			it->filtered ? sites : it->label, it->filtered ? it->label : sites,
			render_hidden_figures(r, it, 1));
	}
	if (n > 0)
		fputs(noise ? "; --all shows them\n" : "\n", out);
}

/* What valgrind's own suppressions removed, as its summaries say. */
/* --suppressions (issue 24): the entries that suppressed nothing, by
 * vgtriage's matching and, where the input states them, valgrind's own
 * counts (which name entries valgrind applied while it ran). */
static void print_supp_uses(FILE *out, const struct vgt_report *r, const struct style *st)
{
	char b[32];
	size_t unused = 0, vg = 0;
	for (size_t i = 0; i < r->n_supp_uses; i++) {
		unused += report_supp_unused(&r->supp_uses[i]);
		vg += r->supp_uses[i].valgrind_known;
	}
	if (r->n_supp_uses == 0)
		return;
	fprintf(out, "Suppression entries: %zu, %zu matched nothing%s\n", r->n_supp_uses, unused,
		vg > 0 ? " (here or in valgrind's own counts)" : "");
	for (size_t i = 0; i < r->n_supp_uses; i++) {
		const struct vgt_supp_use *u = &r->supp_uses[i];
		if (!report_supp_unused(u) && !(u->valgrind_known && u->valgrind_count > 0))
			continue;
		fputs("  ", out);
		escape_text(out, u->file);
		fprintf(out, ":%u  ", u->line);
		escape_text(out, u->name);
		if (report_supp_unused(u))
			fprintf(out, "  %sunused%s\n", st->yellow, st->reset);
		else
			fprintf(out, "  used by valgrind %s %s\n",
				render_grouped(b, u->valgrind_count),
				plural(u->valgrind_count, "time", "times"));
	}
}

static void print_valgrind_suppressed(FILE *out, const struct vgt_figures *fig)
{
	char b1[32], b2[32];
	if (fig->suppressed_leaks_known && (fig->suppressed_leaks.bytes > 0 ||
					    fig->suppressed_leaks.blocks > 0))
		fprintf(out, "Suppressed by valgrind: %s %s in %s %s of leaks\n",
			render_grouped(b1, fig->suppressed_leaks.bytes),
			plural(fig->suppressed_leaks.bytes, "byte", "bytes"),
			render_grouped(b2, fig->suppressed_leaks.blocks),
			plural(fig->suppressed_leaks.blocks, "block", "blocks"));
	if (fig->suppressed_errors_known && fig->suppressed_errors > 0)
		fprintf(out, "Suppressed by valgrind: %s %s from %s %s\n",
			render_grouped(b1, fig->suppressed_errors),
			plural(fig->suppressed_errors, "error", "errors"),
			render_grouped(b2, fig->suppressed_contexts),
			plural(fig->suppressed_contexts, "context", "contexts"));
}

static void print_summary(FILE *out, const struct vgt_report *r, const struct style *st)
{
	const struct vgt_totals *t = &r->totals;
	char b3[32];
	const struct vgt_figures *fig = &t->figures;
	unsigned leak_groups = (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_INDIRECT) |
			       (1u << VGT_GROUP_POSSIBLE) | (1u << VGT_GROUP_REACHABLE);
	if (fig->leak_check) {
		fprintf(out, "\n%sLEAK SUMMARY%s%s\n", st->bold, st->reset,
			fig->from_summary == leak_groups ? " (valgrind's)"
			: fig->from_summary == 0 ? " (from the records)" : "");
		for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
			print_amount(out, fig, (enum vgt_kind_group)g);
	} else {
		fputc('\n', out);
	}
	print_errors(out, t, st);
	print_valgrind_suppressed(out, fig);
	if (t->suppressed_records > 0)
		fprintf(out, "Suppressed: %zu %s (%s %s) by --suppressions\n", t->suppressed_records,
			plural(t->suppressed_records, "record", "records"),
			render_grouped(b3, t->suppressed_bytes),
			plural(t->suppressed_bytes, "byte", "bytes"));
	print_supp_uses(out, r, st);
	print_hidden(out, r);
}

int render_text(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	const struct style *st = opts->color ? &ansi : &plain;
	print_inputs(out, r, st);
	if (r->n_tests > 0)
		print_tests(out, r, opts, st);
	if (r->n_shown == 0 && r->totals.figures.no_stacks)
		fprintf(out, "\n%sNo stacks: valgrind ran without --leak-check=full; its LEAK SUMMARY "
			     "is below.%s\n", st->yellow, st->reset);
	else if (r->n_shown == 0)
		fprintf(out, "\n%sNo findings in your code.%s\n", st->green, st->reset);
	else
		print_table(out, r, opts, st);
	size_t stacks = opts->stacks != 0 || opts->stacks_set ? opts->stacks : DEFAULT_STACKS;
	size_t n = listed_sites(r, opts);
	for (size_t i = 0; i < n && i < stacks; i++)
		print_site_detail(out, r, r->sites[i], opts, st);
	print_summary(out, r, st);
	for (size_t i = 0; i < r->n_notes; i++) {
		fprintf(out, "%snote:%s ", st->dim, st->reset);
		escape_text(out, r->notes[i]);
		fputc('\n', out);
	}
	if (opts->gen_suppressions) {
		fprintf(out, "\n%sSuppressions for the listed sites:%s\n", st->bold, st->reset);
		for (size_t i = 0; i < n; i++)
			suppressions_write_entry(out, r, r->sites[i]);
	}
	return ferror(out) ? -1 : 0;
}
