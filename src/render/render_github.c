/*
 * render_github.c — GitHub Actions workflow commands: one
 * `::error file=…,line=…,title=…::message` (or ::warning / ::notice) per
 * shown site, which the runner turns into annotations on the diff.
 *
 * A site that --fail-on names is an error; others are warnings (leaks
 * possibly lost, indirect) or notices (still reachable) by kind.  Data is
 * escaped as the runner's command parser expects (escape.h): % \r \n
 * everywhere, and : , in properties too; other controls are made visible.
 */
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "render/render_ci.h"

static void escape(FILE *out, const char *s, int property)
{
	if (property)
		escape_github_property(out, s);
	else
		escape_github_data(out, s);
}

static const char *command_of(const struct render_options *opts, const struct vgt_site *s)
{
	if (render_ci_site_fails(opts, s))
		return "error";
	const char *level = render_ci_level(s->kind);
	return strcmp(level, "note") == 0 ? "notice" : "warning";
}

/* The file and line the annotation goes on: the site's, else the first
 * frame with a file:line inside the repository. */
static const char *annotation_path(const struct vgt_report *r, const struct vgt_site *s,
				   const char *root, unsigned *line)
{
	int rel;
	const char *path = render_ci_path(r, &s->location, root, &rel);
	*line = s->location.line;
	if (path != NULL)
		return path;
	for (size_t i = 0; i < s->stack.count; i++) {
		path = render_ci_frame_path(r, stack_frame(r->frames, &s->stack, i), root, &rel, line);
		if (path != NULL && rel && *line > 0)
			return path;
	}
	*line = 0;
	return NULL;
}

int render_github(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		unsigned line;
		const char *path = annotation_path(r, s, opts->source_root, &line);
		fprintf(out, "::%s ", command_of(opts, s));
		if (path != NULL) {
			fputs("file=", out);
			escape(out, path, 1);
			if (line > 0)
				fprintf(out, ",line=%u,", line);
			else
				fputc(',', out);
		}
		fputs("title=", out);
		const char *mark = site_detail(s)->baseline;
		const char *title = strpool_printf(r->pool, "valgrind %s%s", kind_info(s->kind)->title,
						   mark != NULL && strcmp(mark, "new") == 0
							   ? " (new)"
							   : "");
		if (s->kind == VGT_KIND_UNKNOWN)
			title = strpool_printf(r->pool, "valgrind %s",
					       escape_text_pool(r->pool, s->kind_name));
		escape(out, title, 1);
		fputs("::", out);
		escape(out, render_ci_message(r, s, opts->source_root), 0);
		char *stack = render_ci_stacks_text(r, s, "  ");
		if (stack[0] != '\0') {
			escape(out, "\n", 0);
			size_t len = strlen(stack);
			if (len > 0 && stack[len - 1] == '\n')
				stack[len - 1] = '\0';
			escape(out, stack, 0);
		}
		free(stack);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}
