/*
 * render.c — picks a renderer by format, and the labels every renderer
 * shares so that a location reads the same in every format.
 */
#include "vgtriage/render.h"

#include <string.h>

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

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

const char *render_location_label(const struct vgt_report *report,
				  const struct vgt_location *loc)
{
	if (loc->file != NULL && loc->line > 0)
		return strpool_printf(report->pool, "%s:%u", loc->file, loc->line);
	if (loc->file != NULL)
		return loc->file;
	if (loc->address != NULL)
		return loc->address;
	if (loc->obj != NULL)
		return strpool_printf(report->pool, "%s (in %s)",
				      loc->function != NULL ? loc->function : "???",
				      basename_of(loc->obj));
	return loc->function != NULL ? loc->function : "???";
}

const char *render_frame_label(const struct vgt_report *report, const struct vgt_frame *f)
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
