/*
 * render_ci.c — helpers the CI formats share (see render_ci.h).
 */
#include "render/render_ci.h"
#include "analyze/policy.h"

#include "model/paths.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"

const char *render_ci_level(enum vgt_kind kind)
{
	switch (kind_group(kind)) {
	case VGT_GROUP_ERROR:
	case VGT_GROUP_DEFINITE:
		return "error";
	case VGT_GROUP_INDIRECT:
	case VGT_GROUP_POSSIBLE:
		/* An indirect leak goes away with the definite one above it. */
		return "warning";
	default:
		return "note";
	}
}

static const char *drop_dot_slash(const char *p)
{
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	return p;
}

static const char *join_path(const struct vgt_report *r, const char *dir, const char *file,
			     const char *root, int *relative)
{
	/* the path rule (paths.h); a report made without roots (tests, a
	 * JSON side of diff) still honours the renderer's root */
	const char *path = drop_dot_slash(paths_display(r, dir, file));
	if (path[0] == '/')
		path = render_relative_path(r, path, root);
	*relative = path[0] != '/';
	return strpool_intern(r->pool, path);
}

const char *render_ci_path(const struct vgt_report *r, const struct vgt_location *loc,
			   const char *root, int *relative)
{
	*relative = 0;
	if (loc->file == NULL)
		return NULL;
	/* A .pyx path is as Cython wrote it (relative to where it ran), a
	 * Python file is absolute: neither sits under the C frame's dir. */
	return join_path(r, loc->mapped ? NULL : loc->dir, loc->file, root, relative);
}

const char *render_ci_frame_path(const struct vgt_report *r, const struct vgt_frame *f,
				 const char *root, int *relative, unsigned *line)
{
	*relative = 0;
	*line = 0;
	if (f->pyx_file != NULL) {
		*line = f->pyx_line;
		return join_path(r, NULL, f->pyx_file, root, relative);
	}
	if (f->file == NULL)
		return NULL;
	*line = f->line;
	return join_path(r, f->dir, f->file, root, relative);
}

const char *render_ci_kind_label(const struct vgt_site *site)
{
	return site->kind == VGT_KIND_UNKNOWN ? site->kind_name : kind_info(site->kind)->short_name;
}

static const char *leak_phrase(enum vgt_kind kind)
{
	switch (kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST: return "definitely lost";
	case VGT_KIND_LEAK_INDIRECTLY_LOST: return "indirectly lost";
	case VGT_KIND_LEAK_POSSIBLY_LOST: return "possibly lost";
	default: return "still reachable";
	}
}

const char *render_ci_where(const struct vgt_report *r, const struct vgt_site *s,
			    const char *root)
{
	int rel;
	const char *path = render_ci_path(r, &s->location, root, &rel);
	if (path == NULL)
		return render_location_label(r, &s->location);
	return escape_text_pool(r->pool, s->location.line > 0 ? strpool_printf(r->pool, "%s:%u", path,
									       s->location.line)
							      : path);
}

const char *render_ci_message(const struct vgt_report *r, const struct vgt_site *s,
			      const char *root)
{
	int rel;
	const char *path = render_ci_path(r, &s->location, root, &rel);
	const char *where = render_ci_where(r, s, root);
	const char *fn = escape_text_pool(r->pool, s->location.function);
	const char *in = fn != NULL && (path != NULL || s->location.obj == NULL)
				 ? strpool_printf(r->pool, " in %s", fn)
				 : "";
	const char *inst = render_site_instantiations(r, s);
	if (inst != NULL)
		in = strpool_printf(r->pool, "%s (%s)", in, escape_text_pool(r->pool, inst));
	if (kind_is_leak(s->kind))
		return strpool_printf(r->pool,
				      "%" PRIu64 " byte%s in %" PRIu64 " block%s %s (%zu record%s) at %s%s",
				      s->bytes, s->bytes == 1 ? "" : "s", s->blocks,
				      s->blocks == 1 ? "" : "s", leak_phrase(s->kind), s->records,
				      s->records == 1 ? "" : "s", where, in);
	const char *what = s->what != NULL ? render_site_what(r, s) : kind_info(s->kind)->title;
	size_t wl = strcspn(what, "\n");
	what = escape_text_pool(r->pool, strpool_intern_n(r->pool, what, wl));
	if (r->totals.figures.occurrences_unknown) /* a text log without -s */
		return strpool_printf(r->pool, "%s (%zu context%s) at %s%s", what, s->records,
				      s->records == 1 ? "" : "s", where, in);
	return strpool_printf(r->pool, "%s (%" PRIu64 " time%s) at %s%s", what,
			      s->occurrences, s->occurrences == 1 ? "" : "s", where, in);
}

static int folds(enum frame_class cls)
{
	return cls == FRAME_INTERPRETER || cls == FRAME_RUNTIME;
}

size_t render_ci_fold(const struct frame_table *ft, const struct vgt_stack *stack, size_t culprit,
		      struct render_ci_item **items)
{
	struct render_ci_item *out = xcalloc(stack->count + 1, sizeof(*out));
	size_t n = 0;
	for (size_t i = 0; i < stack->count;) {
		size_t run = 0;
		while (i + run < stack->count && folds(stack_frame(ft, stack, i + run)->cls) &&
		       i + run != culprit)
			run++;
		out[n].index = i;
		out[n].cls = stack_frame(ft, stack, i)->cls;
		if (run >= 2) {
			out[n].folded = run;
			i += run;
		} else {
			i++;
		}
		n++;
	}
	*items = out;
	return n;
}

char *render_ci_stacks_text(const struct vgt_report *r, const struct vgt_site *s,
			    const char *indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return xstrdup("");
	render_text_stack(mem, r, &s->stack, s->culprit, indent, 0);
	const char *whats[2] = {s->auxwhat, s->auxwhat2};
	const struct vgt_stack *stacks[2] = {&s->aux_stack, &s->aux_stack2};
	for (int k = 0; k < 2; k++) {
		if (whats[k] == NULL)
			continue;
		fprintf(mem, "%s%s\n", indent, escape_text_pool(r->pool, whats[k]));
		render_text_stack(mem, r, stacks[k], stacks[k]->count, indent, 0);
	}
	fclose(mem);
	return buf != NULL ? buf : xstrdup("");
}

size_t render_ci_listed(const struct vgt_report *r, const struct render_options *opts)
{
	return opts->top != 0 && opts->top < r->n_shown ? opts->top : r->n_shown;
}

int render_ci_site_fails(const struct render_options *opts, const struct vgt_site *site)
{
	if (opts->policy != NULL)
		return policy_site_fails(opts->policy, site);
	struct policy def;
	policy_default(&def);
	return policy_site_fails(&def, site);
}

/* ---- --source-url ---- */

static const char *const url_fields[] = {"{path}", "{line}", "{rev}", NULL};

/* The placeholder at p, or -1. */
static int url_field(const char *p)
{
	for (int i = 0; url_fields[i] != NULL; i++)
		if (strncmp(p, url_fields[i], strlen(url_fields[i])) == 0)
			return i;
	return -1;
}

static int has_prefix_nocase(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if ((*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s) != *prefix)
			return 0;
	return 1;
}

int render_source_url_check(const char *tmpl, const char **why)
{
	size_t scheme = has_prefix_nocase(tmpl, "https://") ? 8
			: has_prefix_nocase(tmpl, "http://") ? 7 : 0;
	if (scheme == 0) {
		*why = "not an http:// or https:// URL";
		return -1;
	}
	if (tmpl[scheme] == '\0' || tmpl[scheme] == '/' || tmpl[scheme] == '{') {
		*why = "no host after the scheme";
		return -1;
	}
	int path = 0;
	for (const char *p = tmpl; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '{') {
			int f = url_field(p);
			if (f < 0) {
				*why = "unknown placeholder (expected {path}, {line}, {rev})";
				return -1;
			}
			path |= f == 0;
			p += strlen(url_fields[f]) - 1;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\`|{}^", c) != NULL) {
			*why = "a character a link cannot hold as it is (blank, quote, < > \\ ` | { } ^ or "
			       "non-ASCII)";
			return -1;
		}
	}
	if (!path) {
		*why = "no {path} placeholder";
		return -1;
	}
	return 0;
}

int render_source_url_has_rev(const char *tmpl)
{
	return tmpl != NULL && strstr(tmpl, "{rev}") != NULL;
}

const char *render_ci_url(const struct vgt_report *r, const struct render_options *opts,
			  const char *path, int relative, unsigned line)
{
	const char *tmpl = opts->source_url;
	if (tmpl == NULL || path == NULL || !relative || line == 0 || !escape_path_inside(path))
		return NULL;
	if (render_source_url_has_rev(tmpl) && opts->source_rev == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return NULL;
	for (const char *p = tmpl; *p != '\0'; p++) {
		int f = *p == '{' ? url_field(p) : -1;
		if (f < 0) {
			fputc(*p, mem);
			continue;
		}
		if (f == 1) {
			fprintf(mem, "%u", line);
		} else {
			char *enc = escape_uri_path(f == 0 ? path : opts->source_rev);
			fputs(enc, mem);
			free(enc);
		}
		p += strlen(url_fields[f]) - 1;
	}
	fclose(mem);
	const char *url = buf != NULL ? strpool_intern(r->pool, buf) : NULL;
	free(buf);
	return url;
}

const char *render_ci_site_url(const struct vgt_report *r, const struct render_options *opts,
			       const struct vgt_site *s)
{
	if (opts->source_url == NULL)
		return NULL;
	int rel;
	const char *path = render_ci_path(r, &s->location, opts->source_root, &rel);
	return render_ci_url(r, opts, path, rel, s->location.line);
}

const char *render_ci_frame_url(const struct vgt_report *r, const struct render_options *opts,
				const struct vgt_frame *f)
{
	if (opts->source_url == NULL)
		return NULL;
	int rel;
	unsigned line;
	const char *path = render_ci_frame_path(r, f, opts->source_root, &rel, &line);
	return render_ci_url(r, opts, path, rel, line);
}
