/*
 * render_markdown.c — GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY
 * (and merge-request comments): a heading, a summary line, the ranked
 * table, then the top stacks in collapsible <details> blocks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/figures.h"
#include "vgtriage/render_ci.h"

#define DEFAULT_STACKS 5

/* A table cell: '|' would end it, '<' '>' '&' would be HTML, newlines
 * would end the row. */
static void cell(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '|': fputs("\\|", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '\\': fputs("\\\\", out); break;
		case '`': fputs("\\`", out); break;
		case '*': fputs("\\*", out); break;
		case '_': fputs("\\_", out); break;
		case '\n': case '\r': fputc(' ', out); break;
		default: fputc(*s, out);
		}
	}
}

/* Text inside an HTML element (<summary>). */
static void html_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '\n': fputc(' ', out); break;
		default: fputc(*s, out);
		}
	}
}

static void summary(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		    size_t failing)
{
	const struct vgt_totals *t = &r->totals;
	fprintf(out, "**%zu site%s** in your code", r->n_shown, r->n_shown == 1 ? "" : "s");
	if (failing > 0)
		fprintf(out, ", **%zu failing** the gate", failing);
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
		fprintf(out, " · %s %s", figures_group_label((enum vgt_kind_group)g),
			render_figure_text(r, (enum vgt_kind_group)g));
	fprintf(out, " · %" PRIu64 " error%s from %" PRIu64 " context%s", t->errors,
		t->errors == 1 ? "" : "s", t->error_contexts, t->error_contexts == 1 ? "" : "s");
	if (t->hidden_sites > 0)
		fprintf(out, " · hidden: %s", render_hidden_text(r));
	if (t->suppressed_records > 0)
		fprintf(out, " · %zu records suppressed", t->suppressed_records);
	if (!report_is_complete(r))
		fputs(" · **incomplete run**", out);
	fputs("\n\n", out);
	(void)opts;
}

static void table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		  size_t n, int baseline)
{
	fprintf(out, "| # | kind | bytes | blocks | location | function |%s\n",
		baseline ? " baseline |" : "");
	fprintf(out, "|---:|---|---:|---:|---|---|%s\n", baseline ? "---|" : "");
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		int leak = kind_is_leak(s->kind);
		fprintf(out, "| %zu | ", s->rank);
		cell(out, render_ci_kind_label(s));
		if (render_ci_site_fails(opts, s))
			fputs(" ❌", out);
		if (leak)
			fprintf(out, " | %" PRIu64 " | %" PRIu64 " | ", s->bytes, s->blocks);
		else
			fprintf(out, " | – | – | ");
		cell(out, render_ci_where(r, s, opts->source_root));
		fputs(" | ", out);
		cell(out, s->location.function);
		fputs(" |", out);
		if (baseline) {
			fputc(' ', out);
			cell(out, s->baseline != NULL ? s->baseline : "");
			fputs(" |", out);
		}
		fputc('\n', out);
	}
	if (n < r->n_shown)
		fprintf(out, "\n… %zu more sites not listed.\n", r->n_shown - n);
}

/* A fenced block's line: a ``` inside would close the fence early. */
static void fenced(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (s[0] == '`' && s[1] == '`' && s[2] == '`') {
			fputs("'``", out);
			s += 2;
		} else if (*s == '\n' || *s == '\r') {
			fputc(' ', out);
		} else {
			fputc(*s, out);
		}
	}
}

/* The nature and the hint (issue 13), then the lines it is based on. */
static void hint(FILE *out, const struct vgt_site *s)
{
	const struct vgt_explain *x = s->explain;
	if (x == NULL)
		return;
	fputs("*", out);
	cell(out, x->label);
	fputs("*\n\n", out);
	if (x->hint == NULL)
		return;
	fputs("**Hint:** ", out);
	cell(out, x->hint);
	fputs("\n\n```\n", out);
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		fenced(out, h->file);
		fprintf(out, ":%u | ", h->line);
		fenced(out, h->text);
		fputc('\n', out);
	}
	fputs("```\n\n", out);
}

static void details(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
		    const char *root)
{
	fprintf(out, "<details><summary>#%zu ", s->rank);
	html_text(out, render_ci_message(r, s, root));
	fputs("</summary>\n\n", out);
	hint(out, s);
	fputs("```\n", out);
	if (s->location.source != NULL)
		fprintf(out, "%s\n\n", s->location.source);
	char *stack = render_ci_stack_text(r, &s->stack, s->culprit, "");
	/* A ``` line inside would close the fence early. */
	for (char *p = strstr(stack, "```"); p != NULL; p = strstr(p, "```"))
		p[0] = '\'';
	fputs(stack, out);
	free(stack);
	fputs("```\n\n</details>\n\n", out);
}

int render_markdown(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	size_t failing = 0;
	int baseline = 0;
	for (size_t i = 0; i < r->n_shown; i++) {
		failing += render_ci_site_fails(opts, r->sites[i]) != 0;
		baseline |= r->sites[i]->baseline != NULL;
	}
	fputs("## vgtriage: valgrind memcheck\n\n", out);
	summary(out, r, opts, failing);
	if (r->n_shown == 0) {
		fputs("No findings in your code. ✅\n", out);
	} else {
		table(out, r, opts, n, baseline);
		fputc('\n', out);
		size_t stacks = opts->stacks != 0 ? opts->stacks : DEFAULT_STACKS;
		for (size_t i = 0; i < n && i < stacks; i++)
			details(out, r, r->sites[i], opts->source_root);
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		fputs("> ", out);
		cell(out, r->notes[i]);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}
