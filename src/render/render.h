/*
 * render.h — the report formats.  One file per format (render_text.c,
 * render_json.c, render_sarif.c, …); render.c picks one by enum.
 *
 * Renderers read a finished struct vgt_report (after rank_finish) and
 * write to a FILE; they never parse input.  They return 0, or -1 when
 * writing failed (ferror), with err filled.
 *
 * Included by main.c, runner.c, watch.c and the renderers' tests.
 */
#ifndef VGTRIAGE_RENDER_H
#define VGTRIAGE_RENDER_H

#include <stdio.h>

#include "vgtriage/report.h"

struct policy;

enum vgt_format {
	VGT_FORMAT_TEXT = 0,
	VGT_FORMAT_JSON,
	VGT_FORMAT_SARIF,
	VGT_FORMAT_JUNIT,
	VGT_FORMAT_GITHUB,
	VGT_FORMAT_MARKDOWN,
	VGT_FORMAT_CODEQUALITY,
	VGT_FORMAT_HTML,
	VGT_FORMAT_FOLDED,
	VGT_FORMAT_COUNT
};

struct render_options {
	int color;                   /* ANSI colour (text) */
	size_t top;                  /* sites listed (0 = all shown) */
	size_t stacks;               /* sites whose stacks text shows in full */
	int verbose;
	const struct policy *policy; /* which sites fail (junit, github levels) */
	const char *source_root;     /* paths relative to this (sarif, github, codequality) */
	int gen_suppressions;        /* text: a .supp entry per shown site */
	int compact;                 /* json: one line instead of indented */
	int stacks_set;              /* stacks was given: 0 shows none (else a default) */
	size_t width;                /* text: columns the table fits in (0: no limit) */
	int json_lines;              /* json: one line with "final": true (the
					last line of run --watch's JSON Lines) */
	/* --source-url TEMPLATE (checked: render_source_url_check) and the
	 * revision its {rev} stands for (NULL: the template has none):
	 * html, markdown and sarif link locations to the source host. */
	const char *source_url;
	const char *source_rev;
};

/* "text", "json", …; returns 0 or -1 (unknown name). */
int render_format_parse(const char *name, enum vgt_format *out);
const char *render_format_name(enum vgt_format fmt);

int render_report(FILE *out, enum vgt_format fmt, const struct vgt_report *report,
		  const struct render_options *opts, struct vgt_error *err);

/* One function per format, same contract as render_report. */
typedef int render_fn(FILE *out, const struct vgt_report *report,
		      const struct render_options *opts);
render_fn render_text, render_json, render_sarif, render_junit, render_github,
	render_markdown, render_codequality, render_html, render_folded;

/* Helpers renderers share (render.c).  Labels are in their visible form
 * (escape.h): safe as text, still to be escaped for HTML, markdown… */
/* "api/native.pyx:11" or "leaky.c:12" or "fn (in libx.so)" into the pool. */
const char *render_location_label(const struct vgt_report *report,
				  const struct vgt_location *loc);
/* The site's message naming every access size of its records ("Invalid
 * read of size 8 and 4"), else its example's what (NULL: none).  Raw
 * input text: escape it where printed.  Interned in report->pool. */
const char *render_site_what(const struct vgt_report *report, const struct vgt_site *site);
/* "7 instantiations of lst::list<…>::push(…)" when the site's records
 * come from several instantiations of one template, else NULL.  Interned
 * in report->pool; raw input text. */
const char *render_site_instantiations(const struct vgt_report *report,
				       const struct vgt_site *site);
/* A frame as one line: "fn (file:line)" / "fn (in obj)" / "???". */
const char *render_frame_label(const struct vgt_report *report,
			       const struct vgt_frame *frame);
/* A stack as text lines ("at"/"by"), the culprit marked with '>', runs of
 * interpreter/runtime frames folded into "… N interpreter frames". */
void render_text_stack(FILE *out, const struct vgt_report *report,
		       const struct vgt_stack *stack, size_t culprit, const char *indent,
		       int color);
/* The JSON object of one site, as render_json writes it, for diff, which
 * embeds sites.  extra (may be NULL) replaces the amounts and adds members
 * at the end (then the site's own "delta" is left to it). */
struct jsonw;
struct render_json_site_extra {
	int override_amounts;
	uint64_t bytes, blocks;
	void (*more)(struct jsonw *w, const void *ctx);
	const void *ctx;
};
void render_json_site(struct jsonw *w, const struct vgt_report *report,
		      const struct vgt_site *site, const struct render_json_site_extra *extra);
/* One leak figure of the report's summary as words, plain numbers:
 * "9600 bytes in 300 blocks", "933 bytes (block count not in the input)"
 * or "not in the input" (figures.h). Interned in report->pool. */
const char *render_figure_text(const struct vgt_report *report, enum vgt_kind_group group);
/* What the "Hidden:" line lists: per category (label "interpreter",
 * "Cython runtime", …, or "filtered out by --kinds"), sites and bytes.
 * Returns how many of out[RENDER_HIDDEN_MAX] are filled. */
#define RENDER_HIDDEN_MAX 10
struct render_hidden_item {
	const char *label;
	int filtered;        /* the --kinds entry: "N sites filtered out by --kinds" */
	size_t sites;
	uint64_t bytes;
	/* per kind group (VGT_GROUP_COUNT entries): NULL for the --kinds entry */
	const struct vgt_hidden_kind *kinds;
};
size_t render_hidden_items(const struct vgt_report *report,
			   struct render_hidden_item out[RENDER_HIDDEN_MAX]);
/* One item's figures split by kind: "142,575 bytes: 2,447 definitely
 * lost, 140,128 still reachable", "803 bytes possibly lost", "errors",
 * "96 bytes definitely lost; 2 error sites" (thousands: with separators).  Interned in report->pool. */
const char *render_hidden_figures(const struct vgt_report *report,
				  const struct render_hidden_item *item, int thousands);
/* The "Hidden:" words with plain numbers: "25 interpreter sites (142575
 * bytes: 2447 definitely lost, 140128 still reachable), 4 Cython runtime
 * sites (803 bytes still reachable)", or NULL when none. */
const char *render_hidden_text(const struct vgt_report *report);
/* What a site's category says beyond its name, or NULL: "third-party
 * extension lxml.etree", "library libxml2, called from lxml.etree".
 * Raw; interned in report->pool. */
const char *render_category_label(const struct vgt_report *report, const struct vgt_site *site);
/* A path made relative to root when under it (root may be NULL). */
const char *render_relative_path(const struct vgt_report *report, const char *path,
				 const char *root);

/* 1234567 as "1,234,567", as the text report writes counts: into buf,
 * which it returns. */
const char *render_grouped(char buf[32], uint64_t n);
/* The same after a sign character ('+', '-'; '\0' for none): "+1,024". */
const char *render_grouped_signed(char buf[32], char sign, uint64_t n);

#endif
