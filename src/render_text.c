/*
 * render_text.c — the report for people on a terminal: a ranked table, the
 * top stacks with interpreter frames folded, and valgrind's summaries.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/pertest.h"
#include "vgtriage/render.h"
#include "vgtriage/suppress.h"

#define DEFAULT_STACKS 5

struct style {
	const char *bold, *dim, *red, *yellow, *cyan, *green, *reset;
};

static const struct style plain = {"", "", "", "", "", "", ""};
static const struct style ansi = {"\033[1m", "\033[2m", "\033[31m", "\033[33m",
				  "\033[36m", "\033[32m", "\033[0m"};

/* 1234567 → "1,234,567" */
static const char *count(char *buf, size_t size, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
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
		fprintf(out, "%s%s%s", st->bold, in->path, st->reset);
		if (in->pid >= 0)
			fprintf(out, ": pid %ld", in->pid);
		if (in->command != NULL)
			fprintf(out, ", %s", in->command);
		fprintf(out, " (%s, %zu records)", in->format, in->records);
		if (!in->complete)
			fprintf(out, " %s[INCOMPLETE: input ends early]%s", st->red, st->reset);
		else if (!in->finished)
			fprintf(out, " %s[INCOMPLETE: the run did not finish]%s", st->red, st->reset);
		if (in->fatal_signal != NULL)
			fprintf(out, " %s[killed by %s]%s", st->red, in->fatal_signal, st->reset);
		fputc('\n', out);
	}
}

static size_t listed_sites(const struct vgt_report *r, const struct render_options *opts)
{
	return opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
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
	if (s->n_tests == 0)
		return;
	fprintf(out, "  %s", short_test_name(r->tests[s->tests[0].test].name));
	if (s->n_tests > 1)
		fprintf(out, " +%zu", s->n_tests - 1);
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
	size_t shown = s->n_tests < 10 ? s->n_tests : 10;
	for (size_t i = 0; i < shown; i++) {
		const struct vgt_site_test *t = &s->tests[i];
		char b1[32], b2[32], ph[64];
		fprintf(out, "    %s%s %s%s", st->dim, i == 0 ? "tests:" : "      ",
			r->tests[t->test].name, st->reset);
		if (kind_is_leak(s->kind))
			fprintf(out, "  %s bytes in %s blocks", count(b1, sizeof(b1), t->bytes),
				count(b2, sizeof(b2), t->blocks));
		else
			fprintf(out, "  %s context%s", count(b1, sizeof(b1), t->blocks),
				t->blocks == 1 ? "" : "s");
		if (t->phases != 0)
			fprintf(out, " (%s)", phase_names(ph, sizeof(ph), t->phases));
		fputc('\n', out);
	}
	if (shown < s->n_tests)
		fprintf(out, "    %s      … %zu more tests%s\n", st->dim, s->n_tests - shown, st->reset);
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
			fprintf(out, "  [%s %s bytes in %s blocks]", names[g],
				count(b1, sizeof(b1), t->lost[g].bytes),
				count(b2, sizeof(b2), t->lost[g].blocks));
	if (t->lost[VGT_GROUP_ERROR].blocks > 0)
		fprintf(out, "  [%" PRIu64 " error%s]", t->lost[VGT_GROUP_ERROR].blocks,
			t->lost[VGT_GROUP_ERROR].blocks == 1 ? "" : "s");
	if (t->phases != 0 && !t->session)
		fprintf(out, "  (%s)", phase_names(ph, sizeof(ph), t->phases));
	if (t->unfinished)
		fprintf(out, "  %s[unfinished]%s", st->red, st->reset);
	if (fails)
		fprintf(out, "  %sFAIL%s", st->red, st->reset);
}

/* The per-test table: the tests blamed for something in your code. */
static void print_tests(FILE *out, const struct vgt_report *r, const struct render_options *opts,
			const struct style *st)
{
	struct policy fallback;
	policy_default(&fallback);
	unsigned char *fails = xcalloc(r->n_tests + 1, 1);
	pertest_verdicts(opts->policy != NULL ? opts->policy : &fallback, r, fails);
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
		fprintf(out, "%11s %8s  %-*s  %s", count(b1, sizeof(b1), t->lost[VGT_GROUP_DEFINITE].bytes),
			count(b2, sizeof(b2), t->lost[VGT_GROUP_DEFINITE].blocks), (int)locw, where,
			t->name);
		print_test_extra(out, t, fails[order[i]], st);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_tests; i++)
		if (r->tests[i].unfinished && !test_blamed(&r->tests[i]))
			fprintf(out, "%s[unfinished]%s %s\n", st->red, st->reset, r->tests[i].name);
	free(order);
	free(fails);
}

static void print_table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
			const struct style *st)
{
	size_t n = listed_sites(r, opts);
	size_t locw = 8;
	int fnw = 0; /* the FUNCTION column is padded when TESTS follows it */
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(render_location_label(r, &r->sites[i]->location));
		if (w > locw)
			locw = w < 60 ? w : 60;
		const char *fn = r->sites[i]->location.function;
		if (r->n_tests > 0 && fn != NULL && (int)strlen(fn) > fnw)
			fnw = strlen(fn) < 40 ? (int)strlen(fn) : 40;
	}
	fprintf(out, "\n%s%4s  %-17s %11s %8s %8s  %-*s  %-*s%s%s\n", st->bold, "RANK", "KIND",
		"BYTES", "BLOCKS", "RECORDS", (int)locw, "LOCATION", fnw, "FUNCTION",
		r->n_tests > 0 ? "  TESTS" : "", st->reset);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		char b1[32], b2[32], b3[32];
		int leak = kind_is_leak(s->kind);
		const char *kind = s->kind == VGT_KIND_UNKNOWN ? s->kind_name
								 : kind_info(s->kind)->short_name;
		fprintf(out, "%4zu  %s%-17s%s %11s %8s %8s  %-*s  %-*s", s->rank, kind_colour(st, s->kind),
			kind, st->reset, leak ? count(b1, sizeof(b1), s->bytes) : "-",
			leak ? count(b2, sizeof(b2), s->blocks) : "-",
			count(b3, sizeof(b3), leak ? s->records : s->occurrences), (int)locw,
			render_location_label(r, &s->location), fnw,
			s->location.function != NULL ? s->location.function : "");
		if (s->baseline != NULL)
			fprintf(out, "  [%s]", s->baseline);
		print_site_tests_short(out, r, s);
		fputc('\n', out);
	}
	if (n < r->n_shown)
		fprintf(out, "%s  … %zu more sites (--top 0 lists all)%s\n", st->dim, r->n_shown - n,
			st->reset);
}

static void print_context(FILE *out, const struct vgt_site *s, const struct style *st)
{
	const struct vgt_context *c = &s->context;
	if (c->count == 0) {
		if (s->location.source != NULL)
			fprintf(out, "        %s%s%s\n", st->green, s->location.source, st->reset);
		return;
	}
	for (size_t i = 0; i < c->count; i++) {
		unsigned line = c->first_line + (unsigned)i;
		int here = line == s->location.line;
		fprintf(out, "    %s%s%6u | %s%s\n", here ? st->bold : st->dim, here ? ">" : " ", line,
			c->lines[i], st->reset);
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
		const struct vgt_frame *f = &stack->frames[i];
		size_t run = 0;
		while (i + run < stack->count && folds(stack->frames[i + run].cls) && i + run != culprit)
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

static void print_site_detail(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			      const struct render_options *opts, const struct style *st)
{
	char b1[32], b2[32], b3[32];
	const struct vgt_kind_info *ki = kind_info(s->kind);
	fprintf(out, "\n%s#%zu%s %s%s%s", st->bold, s->rank, st->reset, kind_colour(st, s->kind),
		s->kind == VGT_KIND_UNKNOWN ? s->kind_name : ki->title, st->reset);
	if (kind_is_leak(s->kind)) {
		fprintf(out, ": %s bytes in %s blocks", count(b1, sizeof(b1), s->bytes),
			count(b2, sizeof(b2), s->blocks));
		if (s->indirect_bytes > 0)
			fprintf(out, " (%s direct, %s indirect)", count(b3, sizeof(b3), s->direct_bytes),
				count(b1, sizeof(b1), s->indirect_bytes));
		fprintf(out, ", %zu record%s", s->records, s->records == 1 ? "" : "s");
	} else {
		fprintf(out, ": %s time%s in %zu context%s", count(b1, sizeof(b1), s->occurrences),
			s->occurrences == 1 ? "" : "s", s->records, s->records == 1 ? "" : "s");
	}
	if (s->has_delta)
		fprintf(out, " (%+" PRId64 " bytes, %+" PRId64 " blocks)", s->delta_bytes, s->delta_blocks);
	fputc('\n', out);
	fprintf(out, "    %s%s%s  %s%s\n", st->bold, render_location_label(r, &s->location), st->reset,
		s->location.function != NULL ? s->location.function : "",
		s->location.ambiguous ? " (name demangled without the generated .c: may be inexact)"
				      : "");
	print_context(out, s, st);
	if (s->has_generated)
		fprintf(out, "    %sgenerated: %s%s%s\n", st->dim, render_location_label(r, &s->generated),
			s->generated.function != NULL ? "  " : "",
			s->generated.function != NULL ? s->generated.function : "");
	if (!kind_is_leak(s->kind) && s->what != NULL)
		fprintf(out, "    %s%s\n", s->what, st->reset);
	else
		fputs(st->reset, out);
	print_site_tests(out, r, s, st);
	render_text_stack(out, r, &s->stack, s->culprit, "    ", opts->color);
	if (s->auxwhat != NULL) {
		fprintf(out, "    %s\n", s->auxwhat);
		render_text_stack(out, r, &s->aux_stack, s->aux_stack.count, "    ", opts->color);
	}
}

static void print_amount(FILE *out, const char *label, const struct vgt_amount *a)
{
	char b1[32], b2[32];
	fprintf(out, "  %16s: %s bytes in %s blocks\n", label, count(b1, sizeof(b1), a->bytes),
		count(b2, sizeof(b2), a->blocks));
}

static void print_summary(FILE *out, const struct vgt_report *r, const struct style *st)
{
	const struct vgt_totals *t = &r->totals;
	char b1[32], b2[32], b3[32];
	fprintf(out, "\n%sLEAK SUMMARY%s\n", st->bold, st->reset);
	print_amount(out, "definitely lost", &t->definitely_lost);
	print_amount(out, "indirectly lost", &t->indirectly_lost);
	print_amount(out, "possibly lost", &t->possibly_lost);
	print_amount(out, "still reachable", &t->still_reachable);
	fprintf(out, "%sERROR SUMMARY%s: %s errors from %s contexts\n", st->bold, st->reset,
		count(b1, sizeof(b1), t->errors), count(b2, sizeof(b2), t->error_contexts));
	if (t->suppressed_records > 0)
		fprintf(out, "Suppressed: %zu records (%s bytes) by --suppressions\n",
			t->suppressed_records, count(b3, sizeof(b3), t->suppressed_bytes));
	if (t->hidden_sites > 0)
		fprintf(out, "Hidden: %zu sites (%s records, %s bytes) outside your code or filtered "
			     "out; --all shows them\n",
			t->hidden_sites, count(b1, sizeof(b1), t->hidden_records),
			count(b2, sizeof(b2), t->hidden_bytes));
}

int render_text(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	const struct style *st = opts->color ? &ansi : &plain;
	print_inputs(out, r, st);
	if (r->n_tests > 0)
		print_tests(out, r, opts, st);
	if (r->n_shown == 0)
		fprintf(out, "\n%sNo findings in your code.%s\n", st->green, st->reset);
	else
		print_table(out, r, opts, st);
	size_t stacks = opts->stacks != 0 ? opts->stacks : DEFAULT_STACKS;
	size_t n = listed_sites(r, opts);
	for (size_t i = 0; i < n && i < stacks; i++)
		print_site_detail(out, r, r->sites[i], opts, st);
	print_summary(out, r, st);
	for (size_t i = 0; i < r->n_notes; i++)
		fprintf(out, "%snote:%s %s\n", st->dim, st->reset, r->notes[i]);
	if (opts->gen_suppressions) {
		fprintf(out, "\n%sSuppressions for the listed sites:%s\n", st->bold, st->reset);
		for (size_t i = 0; i < n; i++)
			suppressions_write_entry(out, r, r->sites[i]);
	}
	return ferror(out) ? -1 : 0;
}
