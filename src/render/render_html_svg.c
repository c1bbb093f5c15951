/*
 * render_html_svg.c — the HTML report's pictures as inline SVG (see
 * render_html.h).  No script draws them: the page shows them as they are
 * written, tooltips are SVG <title>s, links plain <a href="#site-N">.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "render/render_ci.h"
#include "render/render_flame.h"
#include "render/render_html.h"

#define FLAME_WIDTH 1000.0
#define FLAME_ROW 18
#define FLAME_CHAR 6.6 /* px per character at the graph's font size */
/* Past this many boxes (a large service), boxes narrower than
 * FLAME_MIN_WIDTH (of FLAME_WIDTH) are left out, and the page says how
 * many: a picture of tens of thousands of slivers helps no one. */
#define FLAME_MAX_BOXES 4000
#define FLAME_MIN_WIDTH 0.2

/* The class of a box: the frame class, user code highlighted. */
static const char *box_class(const struct render_flame_node *nd)
{
	if (nd->depth == 0)
		return "fr-all";
	switch (nd->f.cls) {
	case FRAME_USER: return "fr-user";
	case FRAME_CYTHON_RUNTIME: return "fr-cyrt";
	case FRAME_INTERPRETER: return "fr-interp";
	case FRAME_ALLOCATOR: return "fr-alloc";
	case FRAME_LIBRARY:
	case FRAME_EXTENSION: return "fr-lib";
	default: return "fr-rt";
	}
}

/* label cut to about max_chars characters (UTF-8 aware), "…" when cut */
static void clipped(FILE *out, const char *label, size_t max_chars)
{
	size_t chars = 0, i = 0, cut = 0;
	for (; label[i] != '\0'; i++) {
		if (((unsigned char)label[i] & 0xC0) == 0x80)
			continue;
		if (chars == max_chars - 1)
			cut = i;
		chars++;
	}
	if (chars <= max_chars) {
		html_esc(out, label);
		return;
	}
	char *head = xstrndup(label, cut);
	html_esc(out, head);
	free(head);
	fputs("…", out);
}

/* The tooltip: function, file:line, bytes, blocks, sites. */
static void box_title(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		      const struct render_flame_node *nd, const struct render_flame_node *all)
{
	char b[32], k[32];
	fputs("<title>", out);
	const struct vgt_frame *f = nd->f.frame;
	if (nd->depth == 0) {
		fputs("all shown leak sites", out);
	} else if (f == NULL || nd->f.folded > 0) {
		html_esc(out, nd->f.label);
	} else {
		const char *fn = f->pyname != NULL ? f->pyname : f->fn != NULL ? f->fn : "???";
		html_esc(out, escape_text_pool(r->pool, fn));
		int rel;
		unsigned line;
		const char *path = render_ci_frame_path(r, f, opts->source_root, &rel, &line);
		fputc('\n', out);
		if (path != NULL) {
			html_esc(out, escape_text_pool(r->pool, path));
			if (line > 0)
				fprintf(out, ":%u", line);
		} else {
			fputs("in ", out);
			html_esc(out, escape_text_pool(r->pool, f->obj != NULL ? f->obj : "?"));
		}
		fprintf(out, " [%s]", frame_class_name(f->cls));
	}
	fprintf(out, "\n%s byte%s in %s block%s", render_grouped(b, nd->bytes),
		nd->bytes == 1 ? "" : "s", render_grouped(k, nd->blocks), nd->blocks == 1 ? "" : "s");
	if (all->bytes > 0)
		fprintf(out, " (%.1f%%)", 100.0 * (double)nd->bytes / (double)all->bytes);
	if (nd->site != RENDER_FLAME_NONE)
		fprintf(out, "\n%zu site%s, the first #%zu", nd->sites, nd->sites == 1 ? "" : "s",
			r->sites[nd->site]->rank);
	fputs("</title>", out);
}

void html_flame(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		size_t n, size_t sections)
{
	struct render_flame fl;
	render_flame_build(r, n, &fl);
	const struct render_flame_node *all = &fl.nodes[0];
	if (all->bytes == 0) {
		render_flame_free(&fl);
		return;
	}
	double scale = FLAME_WIDTH / (double)all->bytes;
	double *x = xcalloc(fl.n, sizeof(*x));
	unsigned height = (unsigned)(fl.depth + 1) * FLAME_ROW;
	char b[32], k[32];
	fprintf(out, "<h2 id=\"flame\">Where the bytes go</h2>\n"
		     "<p class=\"dim\">Leaked bytes of the sites listed below by stack, the caller "
		     "above its callee; your code highlighted, interpreter and runtime frames "
		     "folded as in the stacks; a box's width is its share of the %s bytes.  "
		     "Point at a box for its figures, click it for its site.</p>\n",
		render_grouped(b, all->bytes));
	fprintf(out, "<svg class=\"flame\" viewBox=\"0 0 %.0f %u\" role=\"img\" "
		     "aria-label=\"leaked bytes by stack\" data-total=\"%" PRIu64 "\" "
		     "data-scale=\"%.9g\">\n",
		FLAME_WIDTH, height, all->bytes, scale);
	/* nodes come parents first: each child starts where its previous
	 * sibling ended, the first at its parent's x */
	int thin = fl.n > FLAME_MAX_BOXES;
	size_t left_out = 0;
	for (size_t i = 0; i < fl.n; i++) {
		const struct render_flame_node *nd = &fl.nodes[i];
		double next = x[i];
		for (size_t c = nd->first_child; c != RENDER_FLAME_NONE; c = fl.nodes[c].next_sibling) {
			x[c] = next;
			next += (double)fl.nodes[c].bytes * scale;
		}
		/* a box is never wider than the graph: figures valgrind gave
		 * near 2^64 are saturated sums, and a part may then exceed the
		 * whole (a width of 2e19 overflowed chars below) */
		double w = nd->bytes < all->bytes ? (double)nd->bytes * scale : FLAME_WIDTH;
		if (thin && w < FLAME_MIN_WIDTH) {
			left_out++;
			continue;
		}
		unsigned y = (unsigned)nd->depth * FLAME_ROW;
		char anchor[48];
		if (nd->site != RENDER_FLAME_NONE)
			fprintf(out, "<a href=\"#%s\">",
				html_site_anchor(r, r->sites[nd->site], sections, anchor));
		fprintf(out, "<g class=\"%s%s\">", nd->depth == 0 ? "" : "fb ", box_class(nd));
		box_title(out, r, opts, nd, all);
		fprintf(out, "<rect x=\"%.3f\" y=\"%u\" width=\"%.3f\" height=\"%d\" "
			     "data-bytes=\"%" PRIu64 "\" data-depth=\"%zu\"/>",
			x[i], y, w, FLAME_ROW - 1, nd->bytes, nd->depth);
		size_t chars = w > 8 ? (size_t)((w - 6) / FLAME_CHAR) : 0;
		if (chars >= 3) {
			fprintf(out, "<text x=\"%.3f\" y=\"%u\">", x[i] + 3, y + FLAME_ROW - 5);
			if (nd->depth == 0)
				fprintf(out, "all: %s bytes", render_grouped(b, nd->bytes));
			else
				clipped(out, nd->f.label, chars);
			fputs("</text>", out);
		}
		fputs(nd->site != RENDER_FLAME_NONE ? "</g></a>\n" : "</g>\n", out);
	}
	fputs("</svg>\n", out);
	if (left_out > 0)
		fprintf(out, "<p class=\"dim\">%s of %s boxes, each under %.1f‰ of the bytes, are not "
			     "drawn; <code>-f folded</code> has every stack.</p>\n",
			render_grouped(b, left_out), render_grouped(k, fl.n - 1), FLAME_MIN_WIDTH);
	fputs("<p class=\"legend\"><span class=\"sw fr-user\"></span> your code "
	      "<span class=\"sw fr-cyrt\"></span> Cython runtime "
	      "<span class=\"sw fr-interp\"></span> interpreter "
	      "<span class=\"sw fr-rt\"></span> runtime "
	      "<span class=\"sw fr-lib\"></span> libraries "
	      "<span class=\"sw fr-alloc\"></span> allocator</p>\n",
	      out);
	free(x);
	render_flame_free(&fl);
}

#define BAR_WIDTH 120.0

void html_bar(FILE *out, const struct vgt_site *s, uint64_t max)
{
	if (!kind_is_leak(s->kind) || max == 0)
		return;
	double w = BAR_WIDTH * (double)s->bytes / (double)max;
	uint64_t indirect = s->indirect_bytes <= s->bytes ? s->indirect_bytes : 0;
	double wi = BAR_WIDTH * (double)indirect / (double)max;
	char b[32], d[32], i[32];
	fprintf(out, "<svg class=\"bar\" viewBox=\"0 0 %.0f 10\" width=\"%.0f\" height=\"10\">"
		     "<title>%s byte%s %s", BAR_WIDTH, BAR_WIDTH, render_grouped(b, s->bytes),
		s->bytes == 1 ? "" : "s", kind_info(s->kind)->short_name);
	if (indirect > 0 && s->kind != VGT_KIND_LEAK_INDIRECTLY_LOST)
		fprintf(out, ": %s direct, %s indirect", render_grouped(d, s->bytes - indirect),
			render_grouped(i, indirect));
	fprintf(out, "</title><rect class=\"b-%s\" x=\"0\" y=\"0\" width=\"%.3f\" height=\"10\"/>",
		kind_info(s->kind)->short_name, w - wi);
	if (indirect > 0)
		fprintf(out, "<rect class=\"b-indirect\" x=\"%.3f\" y=\"0\" width=\"%.3f\" "
			     "height=\"10\"/>", w - wi, wi);
	fputs("</svg>", out);
}

#define CHART_W 640.0
#define CHART_H 160.0
#define CHART_L 70.0 /* room for the axis labels */
#define CHART_B 20.0

void html_growth(FILE *out, const struct vgt_report *r)
{
	if (r->n_snapshots == 0)
		return;
	double tmax = 0;
	int64_t bmax = 0;
	for (size_t i = 0; i < r->n_snapshots; i++) {
		const struct vgt_snapshot *sn = &r->snapshots[i];
		if (sn->elapsed_s > tmax)
			tmax = sn->elapsed_s;
		if (sn->bytes > bmax)
			bmax = sn->bytes;
	}
	if (tmax <= 0)
		tmax = 1;
	double ymax = bmax > 0 ? (double)bmax : 1;
	char b[32], k[32];
	const struct vgt_snapshot *last = &r->snapshots[r->n_snapshots - 1];
	fprintf(out, "<h2 id=\"growth\">Growth while it ran</h2>\n<p class=\"dim\">Definitely lost "
		     "bytes of your code's growing sites since the start, at each of %zu "
		     "<code>--watch</code> snapshot%s: %s bytes in %s blocks at %.1f s.</p>\n",
		r->n_snapshots, r->n_snapshots == 1 ? "" : "s",
		render_grouped(b, last->bytes > 0 ? (uint64_t)last->bytes : 0),
		render_grouped(k, last->blocks > 0 ? (uint64_t)last->blocks : 0), last->elapsed_s);
	double pw = CHART_W - CHART_L - 10, ph = CHART_H - CHART_B - 10;
	fprintf(out, "<svg class=\"growth\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		     "aria-label=\"growth over time\">\n"
		     "<line class=\"axis\" x1=\"%.0f\" y1=\"10\" x2=\"%.0f\" y2=\"%.0f\"/>"
		     "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>\n"
		     "<text class=\"ax\" x=\"%.0f\" y=\"16\">%s B</text>"
		     "<text class=\"ax\" x=\"%.0f\" y=\"%.0f\">0</text>"
		     "<text class=\"ax\" x=\"%.0f\" y=\"%.0f\">%.1f s</text>\n<polyline points=\"",
		CHART_W, CHART_H, CHART_L, CHART_L, 10 + ph, CHART_L, 10 + ph, CHART_L + pw, 10 + ph,
		4.0, render_grouped(b, (uint64_t)ymax), CHART_L - 14, 10 + ph, CHART_L + pw - 40,
		CHART_H - 4, tmax);
	for (size_t i = 0; i < r->n_snapshots; i++) {
		const struct vgt_snapshot *sn = &r->snapshots[i];
		double v = sn->bytes > 0 ? (double)sn->bytes : 0;
		fprintf(out, "%s%.2f,%.2f", i > 0 ? " " : "", CHART_L + pw * sn->elapsed_s / tmax,
			10 + ph - ph * v / ymax);
	}
	fputs("\"/>\n", out);
	for (size_t i = 0; i < r->n_snapshots; i++) {
		const struct vgt_snapshot *sn = &r->snapshots[i];
		double v = sn->bytes > 0 ? (double)sn->bytes : 0;
		fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\"><title>snapshot #%u at %.1f s: "
			     "%s bytes in %s blocks since the start; %zu site%s grew</title></circle>\n",
			CHART_L + pw * sn->elapsed_s / tmax, 10 + ph - ph * v / ymax, sn->number,
			sn->elapsed_s, render_grouped(b, sn->bytes > 0 ? (uint64_t)sn->bytes : 0),
			render_grouped(k, sn->blocks > 0 ? (uint64_t)sn->blocks : 0), sn->sites,
			sn->sites == 1 ? "" : "s");
	}
	fputs("</svg>\n", out);
}
