/*
 * render_markdown.c — GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY
 * (and merge-request comments): a heading, a summary line, the ranked
 * table, then the top stacks in collapsible <details> blocks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "analyze/figures.h"
#include "render/render_ci.h"

#define DEFAULT_STACKS 5

/* A table cell ('|' would end it, '<' '>' '&' would be HTML, a newline
 * would end the row, '[' a link): escape.h. */

static void cell(FILE *out, const char *s)
{
	escape_markdown_cell(out, s);
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
	char e[32], c[32];
	if (t->figures.errors_unknown) {
		fputs(" · errors: not in the input", out);
	} else {
		fprintf(out, " · %s error%s from %s context%s", render_grouped(e, t->errors),
			t->errors == 1 ? "" : "s", render_grouped(c, t->error_contexts),
			t->error_contexts == 1 ? "" : "s");
	}
	if (t->hidden_sites > 0)
		fprintf(out, " · hidden: %s", render_hidden_text(r));
	if (t->suppressed_records > 0)
		fprintf(out, " · %s records suppressed", render_grouped(e, (uint64_t)t->suppressed_records));
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
	char e[32], c[32];
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		int leak = kind_is_leak(s->kind);
		fprintf(out, "| %zu | ", s->rank);
		cell(out, render_ci_kind_label(s));
		if (render_ci_site_fails(opts, s))
			fputs(" ❌", out);
		if (leak)
			fprintf(out, " | %s | %s | ", render_grouped(e, s->bytes), render_grouped(c, s->blocks));
		else
			fprintf(out, " | – | – | ");
		/* --source-url: a link (its destination in <…>: the URL has no
		 * '<', '>', '|' or blank, render_source_url_check and the
		 * percent-encoding of what it substitutes see to it) */
		const char *url = render_ci_site_url(r, opts, s);
		if (url != NULL)
			fputc('[', out);
		cell(out, render_ci_where(r, s, opts->source_root));
		if (url != NULL)
			fprintf(out, "](<%s>)", url);
		fputs(" | ", out);
		cell(out, s->location.function);
		fputs(" |", out);
		if (baseline) {
			fputc(' ', out);
			cell(out, site_detail(s)->baseline != NULL ? site_detail(s)->baseline : "");
			fputs(" |", out);
		}
		fputc('\n', out);
	}
	if (n < r->n_shown)
		fprintf(out, "\n… %zu more sites not listed.\n", r->n_shown - n);
}

static void put_fence(FILE *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc('`', out);
}

/* The nature and the hint (issue 13), then the lines it is based on, in a
 * fence longer than any run of backticks inside them. */
static void hint(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_explain *x = site_detail(s)->explain;
	if (x == NULL)
		return;
	fputs("*", out);
	cell(out, x->label);
	fputs("*\n\n", out);
	if (x->hint == NULL)
		return;
	fputs("**Hint:** ", out);
	cell(out, x->hint);
	fputs("\n\n", out);
	char *lines = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&lines, &len);
	if (mem == NULL)
		return;
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		fprintf(mem, "%s:%u | %s\n", escape_text_pool(r->pool, h->file), h->line,
			h->text != NULL ? escape_text_pool(r->pool, h->text) : "");
	}
	fclose(mem);
	size_t fence = escape_markdown_fence(lines);
	put_fence(out, fence);
	fputc('\n', out);
	fputs(lines, out);
	put_fence(out, fence);
	fputs("\n\n", out);
	free(lines);
}

static void details(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
		    const char *root)
{
	fprintf(out, "<details><summary>#%zu ", s->rank);
	escape_markdown_html(out, render_ci_message(r, s, root));
	fputs("</summary>\n\n", out);
	hint(out, r, s);
	const char *source = escape_text_pool(r->pool, s->location.source);
	char *stack = render_ci_stacks_text(r, s, "");
	/* A fence longer than any run of backticks inside: nothing closes it early. */
	size_t fence = escape_markdown_fence(stack);
	if (source != NULL && escape_markdown_fence(source) > fence)
		fence = escape_markdown_fence(source);
	put_fence(out, fence);
	fputc('\n', out);
	if (source != NULL)
		fprintf(out, "%s\n\n", source);
	fputs(stack, out);
	free(stack);
	put_fence(out, fence);
	fputs("\n\n</details>\n\n", out);
}

int render_markdown(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	size_t failing = 0;
	int baseline = 0;
	for (size_t i = 0; i < r->n_shown; i++) {
		failing += render_ci_site_fails(opts, r->sites[i]) != 0;
		baseline |= site_detail(r->sites[i])->baseline != NULL;
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
