/*
 * render_html.c — one self-contained HTML page (inline CSS, no scripts, no
 * external resources) to attach to a CI run as an artifact: summary,
 * ranked table, and per site its source context, the generated C line and
 * the stack with interpreter frames folded into collapsible blocks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "analyze/figures.h"
#include "render/render_ci.h"

#define DEFAULT_STACKS 20


static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
	"max-width:72em;padding:0 1em;color:#1f2328;background:#fff}"
	"h1{font-size:1.5em;border-bottom:1px solid #d0d7de;padding-bottom:.3em}"
	"h2{font-size:1.2em;margin-top:2em}"
	"table{border-collapse:collapse;width:100%;font-size:.9em}"
	"th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}"
	"th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}"
	"pre{background:#f6f8fa;padding:.6em;overflow-x:auto;line-height:1.4}"
	".k{display:inline-block;padding:0 .4em;border-radius:.3em;font-size:.85em;color:#fff}"
	".error{background:#cf222e}.warning{background:#9a6700}.note{background:#0969da}"
	".fail{font-weight:bold;color:#cf222e}"
	".here{background:#fff8c5;font-weight:bold}.dim{color:#656d76}"
	"details{margin:.2em 0}summary{cursor:pointer;color:#656d76}"
	"section.site{border:1px solid #d0d7de;border-radius:.4em;padding:.2em 1em;margin:1em 0}"
	".hint{border-left:.25em solid #9a6700;padding:.2em .8em;background:#fff8c5}"
	"ul.inputs{padding-left:1.2em}";

/* Text and attribute values (escape.h): & < > " ' as references,
 * controls and bidi overrides made visible. */
static void esc(FILE *out, const char *s)
{
	escape_html(out, s);
}

static void inputs(FILE *out, const struct vgt_report *r)
{
	fputs("<ul class=\"inputs\">\n", out);
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		fputs("<li><code>", out);
		esc(out, in->path);
		fputs("</code>", out);
		if (in->pid >= 0)
			fprintf(out, " pid %ld", in->pid);
		if (in->command != NULL) {
			fputs(": <code>", out);
			esc(out, in->command);
			fputs("</code>", out);
		}
		char n[32];
		fprintf(out, " (%s records)", render_grouped(n, (uint64_t)in->records));
		if (!in->complete || !in->finished)
			fprintf(out, " <span class=\"fail\">incomplete: %s</span>",
				!in->complete ? "the input ends early" : "the run did not finish");
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* valgrind's figure, or what the input does not say */
static void amount_row(FILE *out, const struct vgt_report *r, enum vgt_kind_group g)
{
	const struct vgt_figures *fig = &r->totals.figures;
	fprintf(out, "<tr><td>%s</td>", figures_group_label(g));
	char b[32];
	if (fig->known & VGT_KNOWN_BYTES(g))
		fprintf(out, "<td class=\"n\">%s</td>", render_grouped(b, fig->amount[g].bytes));
	else
		fputs("<td class=\"n\">not in the input</td>", out);
	if (fig->known & VGT_KNOWN_BLOCKS(g))
		fprintf(out, "<td class=\"n\">%s</td></tr>\n", render_grouped(b, fig->amount[g].blocks));
	else
		fputs("<td class=\"n\">not in the input</td></tr>\n", out);
}

static void summary(FILE *out, const struct vgt_report *r)
{
	const struct vgt_totals *t = &r->totals;
	fputs("<h2>Summary</h2>\n<table style=\"width:auto\">\n"
	      "<tr><th>leak summary</th><th>bytes</th><th>blocks</th></tr>\n",
	      out);
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
		amount_row(out, r, (enum vgt_kind_group)g);
	fputs("</table>\n", out);
	char e[32], c[32];
	if (t->figures.errors_unknown) {
		fputs("<p>Error summary: not in the input.", out);
	} else {
		fprintf(out, "<p>Error summary: %s errors from %s contexts.", render_grouped(e, t->errors),
			render_grouped(c, t->error_contexts));
	}
	if (t->hidden_sites > 0)
		fprintf(out, " Hidden: %s; <code>--all</code> shows them.", render_hidden_text(r));
	if (t->suppressed_records > 0)
		fprintf(out, " Suppressed: %s records (%s bytes).",
			render_grouped(e, (uint64_t)t->suppressed_records), render_grouped(c, t->suppressed_bytes));
	fputs("</p>\n", out);
}

static void table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		  size_t n)
{
	fputs("<table>\n<tr><th>#</th><th>kind</th><th>bytes</th><th>blocks</th><th>records</th>"
	      "<th>location</th><th>function</th><th>gate</th></tr>\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		int leak = kind_is_leak(s->kind);
		fprintf(out, "<tr><td class=\"n\"><a href=\"#site-%zu\">%zu</a></td>"
			     "<td><span class=\"k %s\">",
			s->rank, s->rank, render_ci_level(s->kind));
		esc(out, render_ci_kind_label(s));
		fputs("</span></td>", out);
		char b[32], k[32];
		if (leak)
			fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
				render_grouped(b, s->bytes), render_grouped(k, s->blocks));
		else
			fputs("<td class=\"n\">–</td><td class=\"n\">–</td>", out);
		fprintf(out, "<td class=\"n\">%s</td><td><code>",
			render_grouped(b, leak ? (uint64_t)s->records : s->occurrences));
		esc(out, render_ci_where(r, s, opts->source_root));
		fputs("</code></td><td><code>", out);
		esc(out, s->location.function);
		fputs("</code></td><td>", out);
		if (render_ci_site_fails(opts, s))
			fputs("<span class=\"fail\">fails</span>", out);
		if (s->baseline != NULL) {
			fputs(" ", out);
			esc(out, s->baseline);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (n < r->n_shown)
		fprintf(out, "<p class=\"dim\">… %zu more sites not listed.</p>\n", r->n_shown - n);
}

static void context(FILE *out, const struct vgt_site *s)
{
	const struct vgt_context *c = &s->context;
	if (c->count == 0) {
		if (s->location.source != NULL) {
			fprintf(out, "<pre><span class=\"here\">%6u | ", s->location.line);
			esc(out, s->location.source);
			fputs("</span></pre>\n", out);
		}
		return;
	}
	fputs("<pre>", out);
	for (size_t i = 0; i < c->count; i++) {
		unsigned line = c->first_line + (unsigned)i;
		int here = line == s->location.line;
		fprintf(out, "%s%6u | ", here ? "<span class=\"here\">" : "", line);
		esc(out, c->lines[i]);
		fprintf(out, "%s\n", here ? "</span>" : "");
	}
	fputs("</pre>\n", out);
}

/* The nature and the hint (issue 13) with the lines it is based on. */
static void hint(FILE *out, const struct vgt_site *s)
{
	const struct vgt_explain *x = s->explain;
	if (x == NULL)
		return;
	fputs("<p class=\"dim\">", out);
	esc(out, x->label);
	fputs("</p>\n", out);
	if (x->hint == NULL)
		return;
	fputs("<div class=\"hint\"><p><b>Hint:</b> ", out);
	esc(out, x->hint);
	fputs("</p>\n<pre>", out);
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		esc(out, h->file);
		fprintf(out, ":%u | ", h->line);
		esc(out, h->text);
		fputc('\n', out);
	}
	fputs("</pre></div>\n", out);
}

static void stack(FILE *out, const struct vgt_report *r, const struct vgt_stack *st, size_t culprit)
{
	struct render_ci_item *items;
	size_t n = render_ci_fold(r->frames, st, culprit, &items);
	fputs("<pre>", out);
	for (size_t i = 0; i < n; i++) {
		const struct render_ci_item *it = &items[i];
		if (it->folded > 0) {
			fprintf(out, "<details><summary>   … %zu %s frames</summary>", it->folded,
				frame_class_name(it->cls));
			for (size_t k = it->index; k < it->index + it->folded; k++) {
				fputs("<span class=\"dim\">     by ", out);
				esc(out, render_frame_label(r, stack_frame(r->frames, st, k)));
				fputs("</span>\n", out);
			}
			fputs("</details>", out);
			continue;
		}
		int is_culprit = it->index == culprit;
		fprintf(out, "%s %s ", is_culprit ? "<b>&gt;" : " ", it->index == 0 ? "at" : "by");
		esc(out, render_frame_label(r, stack_frame(r->frames, st, it->index)));
		fprintf(out, "%s <span class=\"dim\">[%s]</span>\n", is_culprit ? "</b>" : "",
			frame_class_name(stack_frame(r->frames, st, it->index)->cls));
	}
	fputs("</pre>\n", out);
	free(items);
}

static void site_section(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			 const struct render_options *opts)
{
	fprintf(out, "<section class=\"site\" id=\"site-%zu\">\n<h2>#%zu <span class=\"k %s\">", s->rank,
		s->rank, render_ci_level(s->kind));
	esc(out, s->kind == VGT_KIND_UNKNOWN ? s->kind_name : kind_info(s->kind)->title);
	fputs("</span> <code>", out);
	esc(out, render_ci_where(r, s, opts->source_root));
	fputs("</code></h2>\n<p>", out);
	esc(out, render_ci_message(r, s, opts->source_root));
	fprintf(out, "<br><span class=\"dim\">fingerprint <code>%s</code>", s->fingerprint);
	if (s->baseline != NULL) {
		fputs(" · baseline: ", out);
		esc(out, s->baseline);
	}
	fputs("</span></p>\n", out);
	context(out, s);
	hint(out, s);
	if (s->generated != NULL) {
		fputs("<p class=\"dim\">generated: <code>", out);
		esc(out, render_location_label(r, s->generated));
		fputs("</code></p>\n", out);
	}
	stack(out, r, &s->stack, s->culprit);
	if (s->auxwhat != NULL) {
		fputs("<p>", out);
		esc(out, s->auxwhat);
		fputs("</p>\n", out);
		stack(out, r, &s->aux_stack, s->aux_stack.count);
	}
	if (s->auxwhat2 != NULL) {
		fputs("<p>", out);
		esc(out, s->auxwhat2);
		fputs("</p>\n", out);
		stack(out, r, &s->aux_stack2, s->aux_stack2.count);
	}
	fputs("</section>\n", out);
}

int render_html(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>vgtriage: %zu site%s</title>\n<style>%s</style>\n</head>\n<body>\n"
		     "<h1>vgtriage: valgrind memcheck</h1>\n",
		r->n_shown, r->n_shown == 1 ? "" : "s", css);
	inputs(out, r);
	if (r->n_shown == 0)
		fputs("<p><b>No findings in your code.</b></p>\n", out);
	else
		table(out, r, opts, n);
	summary(out, r);
	size_t stacks = opts->stacks != 0 ? opts->stacks : DEFAULT_STACKS;
	for (size_t i = 0; i < n && i < stacks; i++)
		site_section(out, r, r->sites[i], opts);
	if (r->n_notes > 0) {
		fputs("<h2>Notes</h2>\n<ul>\n", out);
		for (size_t i = 0; i < r->n_notes; i++) {
			fputs("<li>", out);
			esc(out, r->notes[i]);
			fputs("</li>\n", out);
		}
		fputs("</ul>\n", out);
	}
	fprintf(out, "<p class=\"dim\">vgtriage %s</p>\n</body>\n</html>\n", VGT_VERSION);
	return ferror(out) ? -1 : 0;
}
