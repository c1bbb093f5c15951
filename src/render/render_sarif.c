/*
 * render_sarif.c — SARIF 2.1.0 for code scanning (GitHub, GitLab, IDEs).
 *
 * One result per shown site, ruleId = the memcheck kind, a rule per kind
 * present.  The primary location is the .pyx (or C) line, relative to
 * --source-root through the SRCROOT base id; the generated C line is a
 * related location; the stack is a thread flow with interpreter frames
 * folded.  partialFingerprints carries the site's fingerprint, which is
 * stable across runs, so code scanning keeps an alert's identity.
 */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/escape.h"
#include "render/render_ci.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* Percent-encodes what a URI path may not hold as is (RFC 3986). */
static char *uri_path(const char *path)
{
	return escape_uri_path(path);
}

/* A path a SARIF location may name: a relative one must stay inside
 * SRCROOT ("../../etc/passwd" does not: such a frame gets no physical
 * location). */
static const char *usable(const char *path, int relative)
{
	return path != NULL && (!relative || escape_path_inside(path)) ? path : NULL;
}

static json_t *artifact(const char *path, int relative)
{
	char *enc = uri_path(path);
	json_t *a;
	if (relative)
		a = json_pack("{s:s,s:s}", "uri", enc, "uriBaseId", "SRCROOT");
	else
		a = json_pack("{s:s+}", "uri", "file://", enc);
	free(enc);
	return a;
}

static json_t *physical(const struct vgt_report *r, const char *path, int relative,
		       unsigned line, const char *snippet)
{
	json_t *region = json_pack("{s:I}", "startLine", (json_int_t)(line > 0 ? line : 1));
	if (snippet != NULL)
		json_object_set_new(region, "snippet",
				    json_pack("{s:s}", "text", escape_text_pool(r->pool, snippet)));
	return json_pack("{s:o,s:o}", "artifactLocation", artifact(path, relative), "region", region);
}

static json_t *text_message(const char *text)
{
	return json_pack("{s:s}", "text", text);
}

/* The site's primary location: its own file:line, else the first frame
 * of its stack that has one (code scanning needs a physical location). */
static json_t *primary_location(const struct vgt_report *r, const struct vgt_site *s,
				const char *root)
{
	json_t *loc = json_object();
	int rel;
	const char *path = render_ci_path(r, &s->location, root, &rel);
	if (usable(path, rel) != NULL) {
		json_object_set_new(loc, "physicalLocation",
				    physical(r, path, rel, s->location.line, s->location.source));
	} else {
		for (size_t i = 0; i < s->stack.count; i++) {
			unsigned line;
			path = render_ci_frame_path(r, stack_frame(r->frames, &s->stack, i), root, &rel,
						    &line);
			if (usable(path, rel) != NULL && line > 0) {
				json_object_set_new(loc, "physicalLocation",
						    physical(r, path, rel, line, NULL));
				break;
			}
		}
	}
	if (s->location.function != NULL)
		json_object_set_new(loc, "logicalLocations",
				    json_pack("[{s:s,s:s}]", "fullyQualifiedName",
					      escape_text_pool(r->pool, s->location.function), "kind",
					      "function"));
	return loc;
}

static json_t *thread_flow_location(const struct vgt_report *r, const struct vgt_stack *st,
				    const struct render_ci_item *it, size_t culprit, const char *root)
{
	json_t *loc = json_object();
	if (it->folded > 0) {
		const char *text = strpool_printf(r->pool, "… %zu %s frames", it->folded,
						  frame_class_name(it->cls));
		json_object_set_new(loc, "message", text_message(text));
	} else {
		const struct vgt_frame *f = stack_frame(r->frames, st, it->index);
		int rel;
		unsigned line;
		const char *path = render_ci_frame_path(r, f, root, &rel, &line);
		if (usable(path, rel) != NULL && line > 0)
			json_object_set_new(loc, "physicalLocation", physical(r, path, rel, line, NULL));
		json_object_set_new(loc, "message", text_message(render_frame_label(r, f)));
	}
	json_t *tfl = json_pack("{s:o}", "location", loc);
	if (it->folded == 0 && it->index == culprit)
		json_object_set_new(tfl, "importance", json_string("essential"));
	else if (it->folded > 0 || stack_frame(r->frames, st, it->index)->cls == FRAME_ALLOCATOR)
		json_object_set_new(tfl, "importance", json_string("unimportant"));
	return tfl;
}

static json_t *code_flows(const struct vgt_report *r, const struct vgt_site *s, const char *root)
{
	struct render_ci_item *items;
	size_t n = render_ci_fold(r->frames, &s->stack, s->culprit, &items);
	json_t *locs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(locs, thread_flow_location(r, &s->stack, &items[i], s->culprit, root));
	free(items);
	return json_pack("[{s:[{s:o}]}]", "threadFlows", "locations", locs);
}

/* The hint (issue 13) as the result's fix: SARIF wants a fix to carry an
 * artifact change, so it is an empty one at the start of the site's line
 * (nothing is replaced); the lines the hint is based on that are in the
 * site's own file become related locations. */
static void hint_fix(const struct vgt_report *r, const struct vgt_site *s, const char *root,
		     json_t *res)
{
	const struct vgt_explain *x = site_detail(s)->explain;
	int rel;
	const char *path = render_ci_path(r, &s->location, root, &rel);
	if (x == NULL || x->hint == NULL || path == NULL || s->location.line == 0)
		return;
	json_int_t line = (json_int_t)s->location.line;
	json_t *change = json_pack("{s:o,s:[{s:{s:I,s:i,s:I,s:i}}]}", "artifactLocation",
				   artifact(path, rel), "replacements", "deletedRegion", "startLine",
				   line, "startColumn", 1, "endLine", line, "endColumn", 1);
	json_t *fix = json_pack("{s:{s:s++},s:[o]}", "description", "text", "Hint: ",
				escape_text_pool(r->pool, x->hint), "", "artifactChanges", change);
	json_object_set_new(res, "fixes", json_pack("[o]", fix));
	json_t *related = json_object_get(res, "relatedLocations");
	if (related == NULL) {
		related = json_array();
		json_object_set_new(res, "relatedLocations", related);
	}
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		if (s->location.file == NULL || strcmp(h->file, s->location.file) != 0)
			continue;
		const char *msg = strpool_printf(r->pool, "hint: line %u%s%s", h->line,
						 h->text != NULL ? ": " : "",
						 h->text != NULL ? h->text : "");
		json_array_append_new(related,
				      json_pack("{s:I,s:o,s:o}", "id", (json_int_t)(2 + i),
						"physicalLocation", physical(r, path, rel, h->line, NULL),
						"message", text_message(escape_text_pool(r->pool, msg))));
	}
	if (json_array_size(related) == 0)
		json_object_del(res, "relatedLocations");
}

static json_t *rule_json(const struct vgt_site *s)
{
	const struct vgt_kind_info *ki = kind_info(s->kind);
	const char *help = s->kind == VGT_KIND_UNKNOWN
				   ? "A memcheck error kind this version of vgtriage does not know."
				   : ki->help;
	json_t *rule = json_pack(
		"{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:[s,s,s],s:s}}", "id", s->kind_name, "name",
		s->kind_name, "shortDescription", "text", ki->title, "fullDescription", "text", help,
		"help", "text", help, "defaultConfiguration", "level", render_ci_level(s->kind),
		"properties", "tags", "memory", "valgrind", kind_is_leak(s->kind) ? "leak" : "memcheck",
		"precision", kind_group(s->kind) == VGT_GROUP_POSSIBLE ? "medium" : "high");
	return rule;
}

/* Rules, one per kind present among the listed sites; index by kind name. */
static json_t *rules_json(const struct vgt_report *r, size_t n, json_t *index)
{
	json_t *rules = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		if (json_object_get(index, s->kind_name) != NULL)
			continue;
		json_object_set_new(index, s->kind_name, json_integer((json_int_t)json_array_size(rules)));
		json_array_append_new(rules, rule_json(s));
	}
	return rules;
}

/* The aux stacks of an error (where the block was freed, where it was
 * allocated) as related locations: the first frame of the user's code
 * with a file and line in each (else the first with one), the auxwhat as
 * the message.  ids 10 and 11 (1: generated code; 2-9: hint lines). */
static void aux_related(const struct vgt_report *r, const struct vgt_site *s, const char *root,
			json_t *res)
{
	const char *whats[2] = {s->auxwhat, s->auxwhat2};
	const struct vgt_stack *stacks[2] = {&s->aux_stack, &s->aux_stack2};
	for (int k = 0; k < 2; k++) {
		if (whats[k] == NULL)
			continue;
		const struct vgt_frame *best = NULL;
		const char *best_path = NULL;
		unsigned best_line = 0;
		int best_rel = 0;
		for (size_t i = 0; i < stacks[k]->count; i++) {
			const struct vgt_frame *f = stack_frame(r->frames, stacks[k], i);
			int rel;
			unsigned line;
			const char *path = render_ci_frame_path(r, f, root, &rel, &line);
			if (usable(path, rel) == NULL || line == 0)
				continue;
			if (best == NULL || (best->cls != FRAME_USER && f->cls == FRAME_USER)) {
				best = f;
				best_path = path;
				best_line = line;
				best_rel = rel;
			}
			if (f->cls == FRAME_USER)
				break;
		}
		if (best == NULL)
			continue;
		json_t *related = json_object_get(res, "relatedLocations");
		if (related == NULL) {
			related = json_array();
			json_object_set_new(res, "relatedLocations", related);
		}
		const char *msg = strpool_printf(r->pool, "%s: %s", escape_text_pool(r->pool, whats[k]),
						 render_frame_label(r, best));
		json_array_append_new(related,
				      json_pack("{s:i,s:o,s:o}", "id", 10 + k, "physicalLocation",
						physical(r, best_path, best_rel, best_line, NULL),
						"message", text_message(msg)));
	}
}

static json_t *result_json(const struct vgt_report *r, const struct vgt_site *s, json_t *index,
			   const struct render_options *opts)
{
	const struct vgt_site_detail *d = site_detail(s);
	const char *root = opts->source_root;
	json_t *res = json_pack("{s:s,s:O,s:s,s:o,s:[o]}", "ruleId", s->kind_name, "ruleIndex",
				json_object_get(index, s->kind_name), "level", render_ci_level(s->kind),
				"message", text_message(render_ci_message(r, s, root)), "locations",
				primary_location(r, s, root));
	if (s->generated != NULL) {
		int rel;
		const char *path = render_ci_path(r, s->generated, root, &rel);
		if (usable(path, rel) != NULL && s->generated->line > 0) {
			json_t *related = json_pack("{s:i,s:o,s:o}", "id", 1, "physicalLocation",
						    physical(r, path, rel, s->generated->line, NULL), "message",
						    text_message("generated C code"));
			json_object_set_new(res, "relatedLocations", json_pack("[o]", related));
		}
	}
	aux_related(r, s, root, res);
	if (s->stack.count > 0)
		json_object_set_new(res, "codeFlows", code_flows(r, s, root));
	hint_fix(r, s, root, res);
	json_object_set_new(res, "partialFingerprints", json_pack("{s:s}", "vgtriage/v1", s->fingerprint));
	if (d->baseline != NULL)
		json_object_set_new(res, "baselineState",
				    json_string(strcmp(d->baseline, "new") == 0 ? "new" : "unchanged"));
	json_t *props = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "kind",
				  escape_text_pool(r->pool, render_ci_kind_label(s)),
				  "category", frame_class_name(s->category), "bytes",
				  (json_int_t)s->bytes, "blocks", (json_int_t)s->blocks, "records",
				  (json_int_t)s->records, "rank", (json_int_t)s->rank);
	if (!kind_is_leak(s->kind))
		json_object_set_new(props, "occurrences", json_integer((json_int_t)s->occurrences));
	if (d->explain != NULL)
		json_object_set_new(props, "nature",
				    json_pack("{s:s,s:s,s:s}", "family", d->explain->family, "what",
					      d->explain->what, "label", d->explain->label));
	/* --source-url: the line on the source host */
	const char *url = render_ci_site_url(r, opts, s);
	if (url != NULL)
		json_object_set_new(props, "sourceUrl", json_string(url));
	json_object_set_new(res, "properties", props);
	return res;
}

/* file:///abs/root/ for SRCROOT (the spec wants the trailing slash). */
static json_t *uri_base_ids(const char *root)
{
	if (root == NULL || root[0] == '\0')
		return NULL;
	char cwd[PATH_MAX];
	char *abs;
	if (root[0] == '/')
		abs = xstrdup(root);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		abs = strcmp(root, ".") == 0 ? xstrdup(cwd)
					     : xasprintf("%s/%s", cwd,
							 root[0] == '.' && root[1] == '/' ? root + 2 : root);
	else
		return NULL; /* leave SRCROOT to the consumer */
	char *enc = uri_path(abs);
	size_t n = strlen(enc);
	json_t *o = json_pack("{s:{s:s++}}", "SRCROOT", "uri", "file://", enc,
			      n > 0 && enc[n - 1] == '/' ? "" : "/");
	free(enc);
	free(abs);
	return o;
}

static json_t *invocation(const struct vgt_report *r)
{
	json_t *notes = json_array();
	for (size_t i = 0; i < r->n_notes; i++)
		json_array_append_new(notes, json_pack("{s:o,s:s}", "message", text_message(r->notes[i]),
						       "level", "note"));
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		if (!in->complete || !in->finished)
			json_array_append_new(
				notes, json_pack("{s:o,s:s}", "message",
						 text_message(strpool_printf(
							 r->pool, "%s: %s", escape_text_pool(r->pool, in->path),
							 !in->complete ? "input ends early (valgrind killed?)"
								       : "the run did not finish")),
						 "level", "warning"));
	}
	json_t *inv = json_pack("{s:b}", "executionSuccessful", 1);
	if (json_array_size(notes) > 0)
		json_object_set_new(inv, "toolExecutionNotifications", notes);
	else
		json_decref(notes);
	return inv;
}

int render_sarif(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	json_t *index = json_object();
	json_t *driver = json_pack("{s:s,s:s,s:s}", "name", "vgtriage", "version", VGT_VERSION,
				   "semanticVersion", VGT_VERSION);
	json_object_set_new(driver, "rules", rules_json(r, n, index));
	json_t *results = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(results, result_json(r, r->sites[i], index, opts));
	json_t *run = json_pack("{s:{s:o}}", "tool", "driver", driver);
	json_t *bases = uri_base_ids(opts->source_root);
	if (bases != NULL)
		json_object_set_new(run, "originalUriBaseIds", bases);
	json_object_set_new(run, "invocations", json_pack("[o]", invocation(r)));
	json_object_set_new(run, "columnKind", json_string("utf16CodeUnits"));
	json_object_set_new(run, "results", results);
	json_t *root = json_pack("{s:s,s:s,s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run);
	json_decref(index);
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc == 0)
		fputc('\n', out);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
