/*
 * render_ci.h — what the CI formats (sarif, junit, github, markdown,
 * codequality, html) share: severity levels, repository-relative paths,
 * one-line messages and folded stacks, so that a site reads the same in
 * every CI system.
 *
 * Included by src/render/render_{sarif,junit,github,markdown,codequality,html}.c,
 * src/cmd/diff.c and their tests only.
 */
#ifndef VGTRIAGE_RENDER_CI_H
#define VGTRIAGE_RENDER_CI_H

#include <stddef.h>
#include <stdio.h>

#include "render/render.h"

/* SARIF level of a kind: "error" (errors, definitely lost), "warning"
 * (indirectly and possibly lost), "note" (still reachable). */
const char *render_ci_level(enum vgt_kind kind);

/* The path of a location as a repository reads it: dir/file joined for C
 * locations, "./" dropped, relative to root when under it.  NULL when the
 * location has no file.  *relative says whether the result is relative
 * (else it is absolute).  Interned in report->pool. */
const char *render_ci_path(const struct vgt_report *report, const struct vgt_location *loc,
			   const char *root, int *relative);
/* "path:line" of the site as the repository reads it (the location label
 * when it has no file), in its visible form (escape.h).  Interned in
 * report->pool. */
const char *render_ci_where(const struct vgt_report *report, const struct vgt_site *site,
			    const char *root);
/* The same for a stack frame (its .pyx file when mapped). */
const char *render_ci_frame_path(const struct vgt_report *report, const struct vgt_frame *f,
				 const char *root, int *relative, unsigned *line);

/* "kind" label: the short name ("definite", "invalid-read") or the raw
 * kind name of an unknown kind. */
const char *render_ci_kind_label(const struct vgt_site *site);

/* "300 bytes in 3 blocks definitely lost (3 records) at leaks.c:17 in
 * make_buffer" / "Invalid read of size 4 (2 times) at errors.c:38 in f",
 * one line, the input's parts in their visible form (escape.h). */
const char *render_ci_message(const struct vgt_report *report, const struct vgt_site *site,
			      const char *root);

/* One entry of a folded stack: a frame, or a run of `folded` interpreter /
 * runtime frames starting at `index`. */
struct render_ci_item {
	size_t index;
	size_t folded;      /* 0: one frame; N ≥ 2: N frames folded */
	enum frame_class cls;
};
/* The stack as render_text_stack shows it; returns the number of items,
 * *items is xmalloc'd (free it). */
size_t render_ci_fold(const struct frame_table *ft, const struct vgt_stack *stack, size_t culprit,
		      struct render_ci_item **items);

/* --source-url: 0 when tmpl is a template vgtriage accepts, else -1 with
 * *why set (a static string).  Accepted: an http:// or https:// URL with
 * a host, of printable ASCII without blanks, quotes, '<', '>', '\\', '`'
 * or '|', whose only braces are the placeholders {path} (required),
 * {line} and {rev}. */
int render_source_url_check(const char *tmpl, const char **why);
/* 1 when the template uses {rev}. */
int render_source_url_has_rev(const char *tmpl);
/* The link of a repository-relative path and line under opts->source_url:
 * {path} and {rev} percent-encoded (RFC 3986), {line} in digits.  NULL
 * without a template, for an absolute path or one that leaves the root,
 * or without a line.  Interned in report->pool; still to be escaped for
 * HTML attributes. */
const char *render_ci_url(const struct vgt_report *report, const struct render_options *opts,
			  const char *path, int relative, unsigned line);
/* The same for a site's location (render_ci_path) and for a frame. */
const char *render_ci_site_url(const struct vgt_report *report,
			       const struct render_options *opts, const struct vgt_site *site);
const char *render_ci_frame_url(const struct vgt_report *report,
				const struct render_options *opts, const struct vgt_frame *frame);

/* The site's stack and its aux stacks (a use-after-free's free and alloc
 * stacks) under their auxwhat lines, as text (no colour); the caller
 * frees the string. */
char *render_ci_stacks_text(const struct vgt_report *report, const struct vgt_site *site,
			    const char *indent);
/* Number of sites a renderer lists (opts->top honoured). */
size_t render_ci_listed(const struct vgt_report *report, const struct render_options *opts);

/* Does the site fail the policy (opts->policy, or the default one)? */
int render_ci_site_fails(const struct render_options *opts, const struct vgt_site *site);

#endif
