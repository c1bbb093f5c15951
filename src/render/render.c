/*
 * render.c — picks a renderer by format, and the labels every renderer
 * shares so that a location reads the same in every format.
 */
#include "render/render.h"

#include "model/paths.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/escape.h"
#include "analyze/figures.h"
#include "symbols/classify.h"
#include "symbols/cxxname.h"

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
	[VGT_FORMAT_FOLDED] = {"folded", render_folded},
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
		{FRAME_LIBRARY, "library"}, {FRAME_EXTENSION, "third-party extension"},
		{FRAME_TESTFW, "test framework"},
		{FRAME_ALLOCATOR, "allocator"}, {FRAME_USER, "user"},
	};
	const struct vgt_totals *t = &r->totals;
	size_t n = 0;
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		if (t->hidden_sites_by[cats[i].cls] == 0)
			continue;
		out[n].label = cats[i].label;
		out[n].filtered = 0;
		out[n].sites = t->hidden_sites_by[cats[i].cls];
		out[n].kinds = t->hidden_kinds_by[cats[i].cls];
		out[n++].bytes = t->hidden_bytes_by[cats[i].cls];
	}
	if (t->filtered_sites > 0) {
		out[n].label = "filtered out by --kinds";
		out[n].kinds = NULL;
		out[n].filtered = 1;
		out[n].sites = t->filtered_sites;
		out[n++].bytes = t->filtered_bytes;
	}
	return n;
}

/* n written with thousands separators ("2,447") or plain. */
static const char *number(char buf[32], uint64_t n, int thousands)
{
	char plain[24];
	int len = snprintf(plain, sizeof(plain), "%" PRIu64, n);
	if (!thousands || len <= 3)
		return memcpy(buf, plain, (size_t)len + 1);
	size_t o = 0;
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = plain[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *render_grouped_signed(char buf[32], char sign, uint64_t n)
{
	if (sign == '\0')
		return number(buf, n, 1);
	char digits[32];
	size_t len = strlen(number(digits, n, 1));
	buf[0] = sign;
	memcpy(buf + 1, digits, len + 1); /* 27 at the most: 20 digits, 6 commas */
	return buf;
}

const char *render_grouped(char buf[32], uint64_t n)
{
	return number(buf, n, 1);
}

const char *render_hidden_figures(const struct vgt_report *r, const struct render_hidden_item *it,
				  int thousands)
{
	char b[32];
	const char *total = strpool_printf(r->pool, "%s byte%s", number(b, it->bytes, thousands),
					   it->bytes == 1 ? "" : "s");
	if (it->kinds == NULL)
		return total;
	size_t groups = 0, errors = it->kinds[VGT_GROUP_ERROR].sites;
	for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++)
		groups += it->kinds[g].sites > 0;
	if (groups == 0 && errors > 0)
		return "errors";
	const char *text = total;
	size_t listed = 0;
	for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++) {
		const struct vgt_hidden_kind *k = &it->kinds[g];
		if (k->sites == 0)
			continue;
		const char *label = figures_group_label((enum vgt_kind_group)g);
		if (groups == 1)
			text = strpool_printf(r->pool, "%s %s", text, label);
		else
			text = strpool_printf(r->pool, "%s%s%s %s", text, listed == 0 ? ": " : ", ",
					      number(b, k->bytes, thousands), label);
		listed++;
	}
	if (errors > 0)
		text = strpool_printf(r->pool, "%s; %zu error site%s", text, errors,
				      errors == 1 ? "" : "s");
	return text;
}

const char *render_hidden_text(const struct vgt_report *r)
{
	struct render_hidden_item items[RENDER_HIDDEN_MAX];
	size_t n = render_hidden_items(r, items);
	const char *text = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct render_hidden_item *it = &items[i];
		const char *s = it->sites == 1 ? "" : "s";
		text = strpool_printf(r->pool, it->filtered ? "%s%s%zu site%s %s (%s)"
						    : "%s%s%zu %s site%s (%s)",
				      text != NULL ? text : "", text != NULL ? ", " : "", it->sites,
				      it->filtered ? s : it->label, it->filtered ? it->label : s,
				      render_hidden_figures(r, it, 0));
	}
	return text;
}

const char *render_category_label(const struct vgt_report *r, const struct vgt_site *site)
{
	char name[256], caller[256];
	if (site->category != FRAME_EXTENSION && site->category != FRAME_LIBRARY)
		return NULL;
	if (site->stack.count <= site->culprit)
		return site->category == FRAME_EXTENSION ? "third-party extension" : "library";
	const struct vgt_frame *f = stack_frame(r->frames, &site->stack, site->culprit);
	if (site->category == FRAME_EXTENSION) {
		if (classify_module_name(f->obj, name, sizeof(name)) == 0)
			return "third-party extension";
		return strpool_printf(r->pool, "third-party extension %s", name);
	}
	classify_library_name(f->obj, name, sizeof(name));
	size_t at = classify_caller(r->frames, &site->stack, site->culprit);
	const struct vgt_frame *c = at != SIZE_MAX ? stack_frame(r->frames, &site->stack, at) : NULL;
	if (c != NULL && c->cls == FRAME_EXTENSION &&
	    classify_module_name(c->obj, caller, sizeof(caller)) > 0)
		return strpool_printf(r->pool, "library %s, called from %s", name, caller);
	return strpool_printf(r->pool, "library %s", name);
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

/* The distinct access sizes of a site's heads, largest first. */
static size_t site_sizes(const struct vgt_site *s, uint32_t *sizes, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_heads; i++) {
		uint32_t v = s->heads[i].size;
		size_t j = 0;
		while (j < n && sizes[j] != v)
			j++;
		if (v == 0 || j < n || n == max)
			continue;
		/* insert keeping the order: largest first */
		j = n++;
		while (j > 0 && sizes[j - 1] < v) {
			sizes[j] = sizes[j - 1];
			j--;
		}
		sizes[j] = v;
	}
	return n;
}

const char *render_site_what(const struct vgt_report *report, const struct vgt_site *site)
{
	const char *what = site->what;
	if (what == NULL)
		return NULL;
	uint32_t sizes[VGT_SITE_HEADS];
	size_t n = site_sizes(site, sizes, VGT_SITE_HEADS);
	const char *at = strstr(what, " of size ");
	if (n < 2 || at == NULL)
		return what;
	/* "Invalid read of size 8" → "Invalid read of size 8 and 4" */
	const char *end = at + 9;
	while (*end >= '0' && *end <= '9')
		end++;
	char list[VGT_SITE_HEADS * 14];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRIu32,
					i == 0 ? "" : i + 1 == n ? " and " : ", ", sizes[i]);
	return strpool_printf(report->pool, "%.*s of size %s%s", (int)(at - what), what, list, end);
}

const char *render_site_instantiations(const struct vgt_report *report,
				       const struct vgt_site *site)
{
	const char *fn = site->location.function;
	if (site->instantiations < 2 || fn == NULL || !cxxname_is_template(fn))
		return NULL;
	char buf[512];
	size_t n = cxxname_short(fn, 1, buf, sizeof(buf));
	if (n >= sizeof(buf))
		return NULL;
	return strpool_printf(report->pool, "%" PRIu32 "%s instantiations of %s", site->instantiations,
			      site->heads_dropped > 0 ? "+" : "", buf);
}
