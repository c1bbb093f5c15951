/*
 * render_flame.c — folded stacks and their tree (see render_flame.h).
 */
#include "render/render_flame.h"

#include <stdlib.h>
#include <string.h>

#include "render/render_ci.h"

int render_flame_site(const struct vgt_site *s)
{
	return kind_is_leak(s->kind) && s->bytes > 0;
}

size_t render_flame_stack(const struct vgt_report *r, const struct vgt_site *s,
			  struct render_flame_frame **out)
{
	struct render_ci_item *items;
	size_t n = render_ci_fold(r->frames, &s->stack, s->culprit, &items);
	struct render_flame_frame *fr = xcalloc(n + 1, sizeof(*fr));
	if (n == 0) { /* no stack in the input: the site's place stands for it */
		fr[0].label = strpool_printf(r->pool, "(no stack) %s",
					     render_location_label(r, &s->location));
		fr[0].cls = s->category;
		free(items);
		*out = fr;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct render_ci_item *it = &items[n - 1 - i]; /* root first */
		struct render_flame_frame *f = &fr[i];
		f->frame = stack_frame(r->frames, &s->stack, it->index);
		f->folded = it->folded;
		f->cls = it->cls;
		if (it->folded > 0)
			f->label = strpool_printf(r->pool, "… %zu %s frames", it->folded,
						  frame_class_name(it->cls));
		else
			f->label = render_frame_label(r, f->frame);
	}
	free(items);
	*out = fr;
	return n;
}

static size_t add_node(struct render_flame *fl, size_t parent, const struct render_flame_frame *f)
{
	fl->nodes = xgrow(fl->nodes, &fl->cap, fl->n + 1, sizeof(*fl->nodes));
	size_t id = fl->n++;
	struct render_flame_node *nd = &fl->nodes[id];
	memset(nd, 0, sizeof(*nd));
	nd->f = *f;
	nd->parent = parent;
	nd->first_child = nd->last_child = nd->next_sibling = RENDER_FLAME_NONE;
	nd->site = RENDER_FLAME_NONE;
	if (parent != RENDER_FLAME_NONE) {
		struct render_flame_node *p = &fl->nodes[parent];
		nd->depth = p->depth + 1;
		if (p->last_child == RENDER_FLAME_NONE)
			p->first_child = id;
		else
			fl->nodes[p->last_child].next_sibling = id;
		p->last_child = id;
		if (nd->depth > fl->depth)
			fl->depth = nd->depth;
	}
	return id;
}

/* The child of parent with this label (labels are interned), or a new one. */
static size_t child(struct render_flame *fl, size_t parent, const struct render_flame_frame *f)
{
	for (size_t c = fl->nodes[parent].first_child; c != RENDER_FLAME_NONE;
	     c = fl->nodes[c].next_sibling)
		if (fl->nodes[c].f.label == f->label)
			return c;
	return add_node(fl, parent, f);
}

static void count(struct render_flame_node *nd, const struct vgt_site *s, size_t index)
{
	nd->bytes += s->bytes;
	nd->blocks += s->blocks;
	nd->sites++;
	if (nd->site == RENDER_FLAME_NONE)
		nd->site = index;
}

void render_flame_build(const struct vgt_report *r, size_t n_sites, struct render_flame *fl)
{
	memset(fl, 0, sizeof(*fl));
	struct render_flame_frame root = {"all", NULL, 0, FRAME_USER};
	add_node(fl, RENDER_FLAME_NONE, &root);
	for (size_t i = 0; i < n_sites && i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		if (!render_flame_site(s))
			continue;
		struct render_flame_frame *fr;
		size_t n = render_flame_stack(r, s, &fr);
		size_t at = 0;
		count(&fl->nodes[0], s, i);
		for (size_t k = 0; k < n; k++) {
			/* labels come from the report's pool: equal text, equal pointer */
			fr[k].label = strpool_intern(r->pool, fr[k].label);
			at = child(fl, at, &fr[k]);
			count(&fl->nodes[at], s, i);
		}
		free(fr);
	}
}

void render_flame_free(struct render_flame *fl)
{
	free(fl->nodes);
	memset(fl, 0, sizeof(*fl));
}
