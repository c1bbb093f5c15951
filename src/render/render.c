/*
 * render.c — picks a renderer by format, and the labels every renderer
 * shares so that a location reads the same in every format.
 */
#include "render/render.h"

#include "model/paths.h"

#include <inttypes.h>
#include <string.h>

#include "base/escape.h"

static const struct {
	const char *name;
	render_fn *fn;
} formats[VGT_FORMAT_COUNT] = {
	[VGT_FORMAT_TEXT] = {"text", render_text},
	[VGT_FORMAT_JSON] = {"json", render_json},
	[VGT_FORMAT_SARIF] = {"sarif", render_sarif},
	[VGT_FORMAT_JUNIT] = {"junit", render_junit},
	[VGT_FORMAT_GITHUB] = {"github", render_github},
	[VGT_FORMAT_MARKDOWN] = {"markdown", render_markdown},
	[VGT_FORMAT_CODEQUALITY] = {"codequality", render_codequality},
	[VGT_FORMAT_HTML] = {"html", render_html},
};

int render_format_parse(const char *name, enum vgt_format *out)
{
	for (int i = 0; i < VGT_FORMAT_COUNT; i++) {
		if (formats[i].name != NULL && strcmp(formats[i].name, name) == 0) {
			*out = (enum vgt_format)i;
			return 0;
		}
	}
	return -1;
}

const char *render_format_name(enum vgt_format fmt)
{
	return (int)fmt >= 0 && fmt < VGT_FORMAT_COUNT ? formats[fmt].name : "?";
}

int render_report(FILE *out, enum vgt_format fmt, const struct vgt_report *report,
		  const struct render_options *opts, struct vgt_error *err)
{
	static const struct render_options defaults;
	if (opts == NULL)
		opts = &defaults;
	if ((int)fmt < 0 || fmt >= VGT_FORMAT_COUNT || formats[fmt].fn == NULL)
		return vgt_error_set(err, NULL, 0, 0, "unknown output format");
	if (formats[fmt].fn(out, report, opts) != 0 || fflush(out) != 0 || ferror(out))
		return vgt_error_set(err, NULL, 0, 0, "write error");
	return 0;
}

const char *render_location_label(const struct vgt_report *report,
				  const struct vgt_location *loc)
{
	return escape_text_pool(report->pool, paths_location_label(report, loc));
}

static const char *frame_label(const struct vgt_report *report, const struct vgt_frame *f)
{
	const char *fn = f->pyname != NULL ? f->pyname : f->fn != NULL ? f->fn : "???";
	if (f->pyx_file != NULL)
		return strpool_printf(report->pool, "%s (%s:%u)", fn, f->pyx_file, f->pyx_line);
	if (f->file != NULL && f->line > 0)
		return strpool_printf(report->pool, "%s (%s:%u)", fn, f->file, f->line);
	if (f->fn == NULL && f->obj != NULL && f->obj_offset_known)
		return strpool_printf(report->pool, "??? (%s+0x%llx)", f->obj,
				      (unsigned long long)f->obj_offset);
	if (f->obj != NULL)
		return strpool_printf(report->pool, "%s (in %s)", fn, f->obj);
	return fn;
}

const char *render_figure_text(const struct vgt_report *r, enum vgt_kind_group g)
{
	const struct vgt_figures *fig = &r->totals.figures;
	const struct vgt_amount *a = &fig->amount[g];
	if (!(fig->known & VGT_KNOWN_BYTES(g)))
		return "not in the input";
	if (!(fig->known & VGT_KNOWN_BLOCKS(g)))
		return strpool_printf(r->pool, "%" PRIu64 " byte%s (block count not in the input)",
				      a->bytes, a->bytes == 1 ? "" : "s");
	return strpool_printf(r->pool, "%" PRIu64 " byte%s in %" PRIu64 " block%s", a->bytes,
			      a->bytes == 1 ? "" : "s", a->blocks, a->blocks == 1 ? "" : "s");
}

size_t render_hidden_items(const struct vgt_report *r,
			   struct render_hidden_item out[RENDER_HIDDEN_MAX])
{
	static const struct {
		enum frame_class cls;
		const char *label;
	} cats[] = {
		{FRAME_INTERPRETER, "interpreter"}, {FRAME_RUNTIME, "runtime"},
		{FRAME_CYTHON_RUNTIME, "Cython runtime"}, {FRAME_PYTHON, "Python-level"},
		{FRAME_ALLOCATOR, "allocator"},
	};
	const struct vgt_totals *t = &r->totals;
	size_t n = 0;
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		if (t->hidden_sites_by[cats[i].cls] == 0)
			continue;
		out[n].label = cats[i].label;
		out[n].filtered = 0;
		out[n].sites = t->hidden_sites_by[cats[i].cls];
		out[n++].bytes = t->hidden_bytes_by[cats[i].cls];
	}
	if (t->filtered_sites > 0) {
		out[n].label = "filtered out by --kinds";
		out[n].filtered = 1;
		out[n].sites = t->filtered_sites;
		out[n++].bytes = t->filtered_bytes;
	}
	return n;
}

const char *render_hidden_text(const struct vgt_report *r)
{
	struct render_hidden_item items[RENDER_HIDDEN_MAX];
	size_t n = render_hidden_items(r, items);
	const char *text = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct render_hidden_item *it = &items[i];
		const char *s = it->sites == 1 ? "" : "s", *b = it->bytes == 1 ? "" : "s";
		text = strpool_printf(r->pool, it->filtered ? "%s%s%zu site%s %s (%" PRIu64 " byte%s)"
						    : "%s%s%zu %s site%s (%" PRIu64 " byte%s)",
				      text != NULL ? text : "", text != NULL ? ", " : "", it->sites,
				      it->filtered ? s : it->label, it->filtered ? it->label : s,
				      it->bytes, b);
	}
	return text;
}

const char *render_frame_label(const struct vgt_report *report, const struct vgt_frame *f)
{
	return escape_text_pool(report->pool, frame_label(report, f));
}

const char *render_relative_path(const struct vgt_report *report, const char *path,
				 const char *root)
{
	if (path == NULL || root == NULL || root[0] == '\0')
		return path;
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(path, root, n) == 0 && path[n] == '/')
		return strpool_intern(report->pool, path + n + 1);
	return path;
}
