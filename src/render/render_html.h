/*
 * render_html.h — what the HTML report's files share: render_html.c
 * writes the page (CSP, style, table, sites, tests, notes),
 * render_html_svg.c its pictures (inline SVG: the icicle graph of leaked
 * bytes by stack, the bar of each site, the --watch growth chart).
 *
 * Included by src/render/render_html*.c only.
 */
#ifndef VGTRIAGE_RENDER_HTML_H
#define VGTRIAGE_RENDER_HTML_H

#include <stdio.h>

#include "render/render.h"

/* Text and attribute values: the visible form with & < > " ' as
 * references (escape.h). */
void html_esc(FILE *out, const char *s);

/* The anchor of a site: "site-N" when its section is on the page, else
 * "row-N" (its table row). */
const char *html_site_anchor(const struct vgt_report *report, const struct vgt_site *site,
			     size_t sections, char buf[48]);

/* The icicle graph of the first n sites' leaked bytes by stack, with its
 * heading; nothing when no site has bytes.  sections: how many sites
 * have a section (the boxes link there, else to the table row). */
void html_flame(FILE *out, const struct vgt_report *report, const struct render_options *opts,
		size_t n, size_t sections);
/* A site's bytes as a bar scaled to max: direct and indirect parts. */
void html_bar(FILE *out, const struct vgt_site *site, uint64_t max);
/* run --watch: definite bytes since the start at each snapshot, as a
 * line chart with its heading; nothing without snapshots. */
void html_growth(FILE *out, const struct vgt_report *report);

#endif
