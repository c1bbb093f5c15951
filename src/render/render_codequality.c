/*
 * render_codequality.c — GitLab Code Quality: a JSON array of
 * {description, check_name, fingerprint, severity, location: {path,
 * lines: {begin}}}, one per shown site.  GitLab shows them in merge
 * requests, comparing fingerprints between the source and target branch.
 *
 * Severity: a site --fail-on names is "critical" (definitely lost,
 * errors) or "major"; others "minor" (possibly lost / indirect) or
 * "info" (still reachable).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "render/render_ci.h"

static const char *severity(const struct render_options *opts, const struct vgt_site *s)
{
	const char *level = render_ci_level(s->kind);
	if (render_ci_site_fails(opts, s))
		return strcmp(level, "error") == 0 ? "critical" : "major";
	return strcmp(level, "note") == 0 ? "info" : "minor";
}

static json_t *issue(const struct vgt_report *r, const struct vgt_site *s,
		     const struct render_options *opts)
{
	int rel;
	const char *path = render_ci_path(r, &s->location, opts->source_root, &rel);
	unsigned line = s->location.line;
	for (size_t i = 0; path == NULL && i < s->stack.count; i++) {
		path = render_ci_frame_path(r, stack_frame(r->frames, &s->stack, i), opts->source_root, &rel, &line);
		if (path != NULL && line == 0)
			path = NULL;
	}
	if (path == NULL) {
		/* GitLab wants a path: the object file is the best we have. */
		path = s->location.obj != NULL ? s->location.obj : "unknown";
		line = 1;
	}
	/* visible form: a name that is not UTF-8 would make json_pack fail
	 * and the issue vanish */
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:{s:s,s:{s:i}}}", "type", "issue", "description",
			      render_ci_message(r, s, opts->source_root), "check_name",
			      escape_text_pool(r->pool, s->kind_name), "fingerprint", s->fingerprint,
			      "categories", "Bug Risk", "location", "path",
			      escape_text_pool(r->pool, path), "lines", "begin",
			      (json_int_t)(line > 0 ? line : 1));
	json_object_set_new(o, "severity", json_string(severity(opts, s)));
	if (s->auxwhat != NULL) {
		/* an error's stacks (a use-after-free: where it happened, where
		 * the block was freed, where it was allocated) as the body */
		char *stacks = render_ci_stacks_text(r, s, "");
		size_t fence = escape_markdown_fence(stacks);
		char *ticks = xmalloc(fence + 1);
		memset(ticks, '`', fence);
		ticks[fence] = '\0';
		char *body = xasprintf("%s\n%s%s\n", ticks, stacks, ticks);
		json_object_set_new(o, "content", json_pack("{s:s}", "body", body));
		free(body);
		free(ticks);
		free(stacks);
	}
	return o;
}

int render_codequality(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, issue(r, r->sites[i], opts));
	int rc = json_dumpf(a, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (rc == 0)
		fputc('\n', out);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
