/*
 * render_text.c — the report for people on a terminal: a ranked table, the
 * top stacks with interpreter frames folded, and valgrind's summaries.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "vgtriage/cxxname.h"
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
#define DEFAULT_WIDTH 120 /* when the output is not a terminal */
#define MIN_LOCATION 12
#define MIN_FUNCTION 10

/* The table's function column: C++ names with template arguments
 * elided, and their parameters too when the name is wider than width
 * (the stacks and JSON keep them whole); then the baseline mark. */
static const char *table_function(const struct vgt_report *r, const struct vgt_site *s,
				  size_t width)
{
	const char *fn = s->location.function != NULL ? s->location.function : "";
	const char *mark = s->baseline != NULL ? strpool_printf(r->pool, "  [%s]", s->baseline) : "";
	char buf[512];
	size_t n = cxxname_short(fn, 0, buf, sizeof(buf));
	if (n < sizeof(buf) && columns(buf) + columns(mark) > width)
		n = cxxname_short(fn, 1, buf, sizeof(buf));
	return strpool_printf(r->pool, "%s%s", n < sizeof(buf) ? buf : fn, mark);
}

static void print_table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
			const struct style *st)
{
	size_t n = listed_sites(r, opts);
	size_t locw = 8, fnw = 8;
	for (size_t i = 0; i < n; i++) {
		size_t w = columns(render_location_label(r, &r->sites[i]->location));
		if (w > locw)
			locw = w;
		w = columns(table_function(r, r->sites[i], SIZE_MAX));
		if (w > fnw)
			fnw = w;
	}
	/* Fit LOCATION + 2 + FUNCTION into what the width leaves: the
	 * location keeps its natural width up to 3/5 of it, the function
	 * takes the rest. */
	size_t width = opts->width != 0 ? opts->width : DEFAULT_WIDTH;
	size_t avail = width > TABLE_FIXED + 2 + MIN_LOCATION + MIN_FUNCTION
			       ? width - TABLE_FIXED - 2
			       : MIN_LOCATION + MIN_FUNCTION;
	if (locw + fnw > avail) {
		size_t fair = fnw < avail * 2 / 5 ? avail - fnw : avail * 3 / 5;
		if (locw > fair)
			locw = fair > MIN_LOCATION ? fair : MIN_LOCATION;
		if (locw + fnw > avail)
			fnw = avail - locw > MIN_FUNCTION ? avail - locw : MIN_FUNCTION;
	}
	fprintf(out, "\n%s%4s  %-17s %11s %8s %8s  ", st->bold, "RANK", "KIND", "BYTES", "BLOCKS",
		"RECORDS");
	put_cell(out, "LOCATION", locw, 0, 1);
	fprintf(out, "  %s%s\n", "FUNCTION", st->reset);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		char b1[32], b2[32], b3[32];
		int leak = kind_is_leak(s->kind);
		const char *kind = s->kind == VGT_KIND_UNKNOWN ? s->kind_name
								 : kind_info(s->kind)->short_name;
		fprintf(out, "%4zu  %s%-17s%s %11s %8s %8s  ", s->rank, kind_colour(st, s->kind), kind,
			st->reset, leak ? count(b1, sizeof(b1), s->bytes) : "-",
			leak ? count(b2, sizeof(b2), s->blocks) : "-",
			count(b3, sizeof(b3), leak ? s->records : s->occurrences));
		put_cell(out, render_location_label(r, &s->location), locw, 1, 1);
		fputs("  ", out);
		put_cell(out, table_function(r, s, fnw), fnw, 0, 0);
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
