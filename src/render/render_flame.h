/*
 * render_flame.h — leaked bytes by stack, as `-f folded` writes them and
 * the HTML report draws them (an icicle graph): each shown leak site's
 * stack, root first, folded as the text report folds it (a run of
 * interpreter or runtime frames is one "… N interpreter frames" entry,
 * never the culprit), each frame named as the report names it.
 *
 * Included by render_folded.c, render_html*.c and their tests.
 */
#ifndef VGTRIAGE_RENDER_FLAME_H
#define VGTRIAGE_RENDER_FLAME_H

#include <stddef.h>
#include <stdint.h>

#include "render/render.h"

/* One entry of a folded stack. */
struct render_flame_frame {
	const char *label;             /* "api.native.random_noise (api/native.pyx:11)",
					  "… 15 interpreter frames": the visible form,
					  interned in the report's pool */
	const struct vgt_frame *frame; /* the frame (the first of a folded run);
					  NULL for a site without a stack, whose
					  one entry is "(no stack) <its place>" */
	size_t folded;                 /* 0: one frame; N: N frames folded */
	enum frame_class cls;
};

/* 1 for a site the graph draws: a leak with bytes (a stack of its own, or
 * one "(no stack)" entry when the input gave none). */
int render_flame_site(const struct vgt_site *site);

/* The folded stack of a site, root first (the allocator last); returns
 * the number of entries, *out xmalloc'd (free it). */
size_t render_flame_stack(const struct vgt_report *report, const struct vgt_site *site,
			  struct render_flame_frame **out);

/* The stacks of the first n sites merged into a tree by label, root
 * (node 0, "all") first, children in the order the sites are ranked. */
#define RENDER_FLAME_NONE SIZE_MAX
struct render_flame_node {
	struct render_flame_frame f;   /* node 0 (depth 0): label "all" */
	size_t parent, depth;
	size_t first_child, last_child, next_sibling; /* RENDER_FLAME_NONE: none */
	uint64_t bytes, blocks;        /* summed over the sites through it */
	size_t sites;                  /* how many */
	size_t site;                   /* index into report->sites of the first
					  (best-ranked) of them */
};
struct render_flame {
	struct render_flame_node *nodes;
	size_t n, cap;
	size_t depth;                  /* the deepest node's depth */
};
void render_flame_build(const struct vgt_report *report, size_t n_sites,
			struct render_flame *flame);
void render_flame_free(struct render_flame *flame);

#endif
