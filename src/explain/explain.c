/*
 * explain.c — natures and hints of the shown leak sites (explain.h).
 *
 * For each shown leak site: the allocator chain (the frames above the
 * culprit) gives the nature; then, when the culprit is the user's code
 * and its source is found, the culprit's function is read (.pyx by
 * pyxscan, C/C++ by the vgtriage-cparse helper) and hint_explain() says
 * what happens to the block.  A block returned to its caller is followed
 * into the caller's frame when that frame is the user's too.  Files are
 * read once per run; C files are parsed once per run.
 */
#include "explain/explain.h"
#include "base/escape.h"
#include "base/srcpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/cparse.h"
#include "symbols/cymap.h"
#include "explain/hint.h"
#include "explain/nature.h"
#include "explain/pyxscan.h"
#include "symbols/symbolize.h"

#define DEFAULT_MAX_HINTS 200
#define MAX_SOURCE_BYTES (16u << 20)
#define MAX_CHAIN 64

/* A source file, read once. */
struct source {
	char *path;
	char *text;        /* NULL: could not be read */
	size_t len;
	size_t *starts;    /* offset of each line */
	size_t n_lines;
	struct cparse_file *c; /* C/C++: the helper's functions (when tried) */
	int c_tried;
};

/* A file whose functions a hint may call (issue 24): as the report names
 * it, and its source. */
#define MAX_CALL_FILES 16
#define MAX_CALLEES 32
#define MAX_HEADERS 16  /* headers of one file whose .c a lookup tries */

struct explainer {
	struct vgt_report *report;
	struct symbolizer *sym;
	const struct explain_options *opts;
	struct source **sources;   /* pointers: a source stays where it is */
	size_t n_sources, sources_cap;
	const char *helper;
	char helper_problem[256];
	struct ccdb *ccdb;         /* compile_commands.json, once found */
	/* the callee finder of the hint being made (lookup_callee) */
	struct {
		char *name;
		struct source *src;
		int lang;
	} call_files[MAX_CALL_FILES];
	size_t n_call_files;
	struct hint_func *callees[MAX_CALLEES]; /* .pyx callees, freed per hint */
	size_t n_callees;
};

char *explain_read_source(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	size_t cap = 1 << 14, n = 0, got;
	char *buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (n > MAX_SOURCE_BYTES) {
			fclose(fp);
			free(buf);
			return NULL;
		}
		if (n + 1 == cap)
			buf = xgrow(buf, &cap, cap * 2, 1);
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct source *source_get(struct explainer *ex, const char *path)
{
	for (size_t i = 0; i < ex->n_sources; i++)
		if (strcmp(ex->sources[i]->path, path) == 0)
			return ex->sources[i]->text != NULL ? ex->sources[i] : NULL;
	ex->sources = xgrow(ex->sources, &ex->sources_cap, ex->n_sources + 1, sizeof(*ex->sources));
	struct source *src = xcalloc(1, sizeof(*src));
	ex->sources[ex->n_sources++] = src;
	src->path = xstrdup(path);
	/* through the symbolizer's source policy (srcpolicy.h), as every read
	 * of a file named by the input */
	const struct srcpolicy *policy = ex->sym != NULL ? symbolizer_srcpolicy(ex->sym) : NULL;
	const char *why;
	src->text = policy != NULL ? srcpolicy_read(policy, path, &src->len, &why)
				   : explain_read_source(path, &src->len);
	if (src->text == NULL)
		return NULL;
	size_t cap = 0;
	for (size_t pos = 0; pos <= src->len;) {
		src->starts = xgrow(src->starts, &cap, src->n_lines + 1, sizeof(*src->starts));
		src->starts[src->n_lines++] = pos;
		const char *nl = memchr(src->text + pos, '\n', src->len - pos);
		if (nl == NULL)
			break;
		pos = (size_t)(nl - src->text) + 1;
	}
	return src;
}

/* Line `line` of src, trimmed, interned; NULL when out of range. */
static const char *source_line(struct explainer *ex, const struct source *src, unsigned line)
{
	if (src == NULL || line == 0 || line > src->n_lines)
		return NULL;
	const char *s = src->text + src->starts[line - 1];
	const char *end = line < src->n_lines ? src->text + src->starts[line] : src->text + src->len;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return strpool_intern_n(ex->report->pool, s, (size_t)(end - s));
}

/* The language of a file by its name; -1 when hints do not read it. */
static int language_of(const char *file, int mapped)
{
	if (mapped || vgt_has_suffix(file, ".pyx") || vgt_has_suffix(file, ".pxi"))
		return HINT_LANG_PYX;
	if (vgt_has_suffix(file, ".c") || vgt_has_suffix(file, ".h"))
		return HINT_LANG_C;
	static const char *const cxx[] = {".cc", ".cpp", ".cxx", ".C", ".c++", ".hh", ".hpp",
					   ".hxx", NULL};
	for (size_t i = 0; cxx[i] != NULL; i++)
		if (vgt_has_suffix(file, cxx[i]))
			return HINT_LANG_CXX;
	return -1;
}

/* The frames of a site's stack a hint reads.  The one place this file
 * walks a stack (the frame table will replace it). */
struct chain {
	const char *fns[MAX_CHAIN];
	enum frame_class classes[MAX_CHAIN];
	size_t n;                     /* frames above the culprit */
	const struct vgt_frame *culprit;
	const struct vgt_frame *caller; /* the next function down, if the user's */
};

static const char *frame_function(const struct vgt_frame *f)
{
	return f->pyname != NULL ? f->pyname : f->fn;
}

static void site_chain(const struct vgt_report *report, const struct vgt_site *site,
		       struct chain *ch)
{
	memset(ch, 0, sizeof(*ch));
	const struct vgt_stack *st = &site->stack;
	if (site->culprit >= st->count)
		return;
	for (size_t i = 0; i < site->culprit && ch->n < MAX_CHAIN; i++) {
		const struct vgt_frame *f = stack_frame(report->frames, st, i);
		ch->fns[ch->n] = f->fn;
		ch->classes[ch->n] = f->cls;
		ch->n++;
	}
	ch->culprit = stack_frame(report->frames, st, site->culprit);
	const char *name = frame_function(ch->culprit);
	for (size_t i = site->culprit + 1; i < st->count; i++) {
		const struct vgt_frame *f = stack_frame(report->frames, st, i);
		const char *fname = frame_function(f);
		if (fname != NULL && name != NULL && strcmp(fname, name) == 0)
			continue; /* the same function (a Cython wrapper, an inlined copy) */
		if (f->cls == FRAME_USER)
			ch->caller = f;
		break;
	}
}

/* The location a frame names, as a site's location would. */
static void frame_location(const struct vgt_frame *f, struct vgt_location *loc)
{
	memset(loc, 0, sizeof(*loc));
	if (f->pyx_file != NULL && f->pyx_line > 0) {
		loc->file = f->pyx_file;
		loc->line = f->pyx_line;
		loc->mapped = 1;
	} else {
		loc->file = f->file;
		loc->line = f->line;
	}
	loc->dir = f->dir;
	loc->function = f->fn;
}

/* Parses a C/C++ source with the helper, once. */
static void source_cparse(struct explainer *ex, struct source *src, int lang)
{
	if (src->c_tried)
		return;
	src->c_tried = 1;
	if (ex->helper == NULL) {
		if (ex->helper_problem[0] == '\0')
			snprintf(ex->helper_problem, sizeof(ex->helper_problem),
				 "vgtriage-cparse (libclang) was not found");
		return;
	}
	char why[256] = "";
	/* the project's own flags (ccdb.h), read through the source policy */
	const struct srcpolicy *policy = ex->sym != NULL ? symbolizer_srcpolicy(ex->sym) : NULL;
	struct ccdb_flags flags;
	memset(&flags, 0, sizeof(flags));
	int found = 0;
	if (policy != NULL) {
		if (ex->ccdb == NULL)
			ex->ccdb = ccdb_new(policy);
		found = ccdb_flags_for(ex->ccdb, src->path, &flags) == 0;
	}
	if (ex->opts->verbose) {
		char said[2048];
		ccdb_describe(src->path, &flags, found, said, sizeof(said));
		report_add_note(ex->report, "C/C++ hints: %s", said);
	}
	/* a header a C++ build compiles is C++ */
	if (found && flags.cxx && lang == HINT_LANG_C && vgt_has_suffix(src->path, ".h"))
		lang = HINT_LANG_CXX;
	src->c = cparse_run_flags(ex->helper, src->path, src->text, src->len, (enum hint_lang)lang,
				  found ? &flags : NULL, why, sizeof(why));
	ccdb_flags_clear(&flags);
	if (src->c == NULL && ex->helper_problem[0] == '\0')
		snprintf(ex->helper_problem, sizeof(ex->helper_problem), "%s", why);
}

/* ---- the callee finder of pass-and-drop hints (issue 24) ---- */

static void call_file_add(struct explainer *ex, const char *name, struct source *src, int lang)
{
	for (size_t i = 0; i < ex->n_call_files; i++)
		if (strcmp(ex->call_files[i].name, name) == 0) {
			ex->call_files[i].src = src;
			ex->call_files[i].lang = lang;
			return;
		}
	if (ex->n_call_files == MAX_CALL_FILES) {
		free(ex->call_files[0].name);
		memmove(&ex->call_files[0], &ex->call_files[1],
			(MAX_CALL_FILES - 1) * sizeof(ex->call_files[0]));
		ex->n_call_files--;
	}
	ex->call_files[ex->n_call_files].name = xstrdup(name);
	ex->call_files[ex->n_call_files].src = src;
	ex->call_files[ex->n_call_files].lang = lang;
	ex->n_call_files++;
}

/* The function `name` defined in src (lang); *bad when it is there but
 * cannot be read. */
static const struct hint_func *defined_in(struct explainer *ex, struct source *src, int lang,
					  const char *name, int *bad)
{
	*bad = 0;
	if (lang == HINT_LANG_PYX) {
		if (ex->n_callees == MAX_CALLEES) {
			*bad = 1; /* not read: not "not at hand" either */
			return NULL;
		}
		struct hint_func *fn = pyxscan_function_named(src->text, src->len, name);
		if (fn != NULL)
			ex->callees[ex->n_callees++] = fn;
		return fn;
	}
	source_cparse(ex, src, lang);
	if (src->c == NULL) {
		*bad = 1; /* it may be there: unread is not "not at hand" */
		return NULL;
	}
	return cparse_function_named(src->c, name, bad);
}

/* The headers src names (`#include "x.h"`, `cdef extern from "x.h"`),
 * one at a time from *pos: the name between the quotes into buf. */
static int next_header(const struct source *src, size_t *pos, char *buf, size_t size)
{
	static const char *const leads[] = {"#include", "cdef extern from", NULL};
	while (*pos < src->len) {
		const char *line = src->text + *pos;
		const char *nl = memchr(line, '\n', src->len - *pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : src->len - *pos;
		*pos += n + 1;
		while (n > 0 && (*line == ' ' || *line == '\t'))
			line++, n--;
		for (size_t i = 0; leads[i] != NULL; i++) {
			size_t m = strlen(leads[i]);
			if (n <= m || strncmp(line, leads[i], m) != 0)
				continue;
			const char *q = memchr(line + m, '"', n - m);
			if (q == NULL)
				continue;
			const char *e = memchr(q + 1, '"', n - (size_t)(q + 1 - line));
			if (e == NULL || e == q + 1 || (size_t)(e - q) >= size)
				continue;
			memcpy(buf, q + 1, (size_t)(e - q - 1));
			buf[e - q - 1] = '\0';
			return 1;
		}
	}
	return 0;
}

/* dir of path (up to its last '/', kept) + rel into buf. */
static void beside(const char *path, const char *rel, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dir = slash != NULL ? (int)(slash - path + 1) : 0;
	snprintf(buf, size, "%.*s%s", dir, path, rel);
}

/* hint_lookup_fn: a function of the same file, else of the .c beside a
 * header the file includes (or declares `cdef extern from`). */
static int lookup_callee(void *data, const char *from_file, const char *name,
			 struct hint_callee *out)
{
	struct explainer *ex = data;
	struct source *src = NULL;
	int lang = 0;
	const char *from_name = NULL;
	for (size_t i = 0; i < ex->n_call_files; i++)
		if (from_file != NULL && strcmp(ex->call_files[i].name, from_file) == 0) {
			src = ex->call_files[i].src;
			lang = ex->call_files[i].lang;
			from_name = ex->call_files[i].name;
		}
	if (src == NULL)
		return 0;
	memset(out, 0, sizeof(*out));
	/* a declaration in the calling file says what it returns */
	out->returns_scalar = hint_returns_scalar(src->text, src->len, name);
	int bad = 0;
	const struct hint_func *fn = defined_in(ex, src, lang, name, &bad);
	const char *file = from_name;
	struct source *where = src;
	char header[256];
	size_t pos = 0, tried = 0;
	while (fn == NULL && !bad && tried < MAX_HEADERS &&
	       next_header(src, &pos, header, sizeof(header))) {
		size_t hl = strlen(header);
		if (hl < 3 || strcmp(header + hl - 2, ".h") != 0 || header[0] == '/' ||
		    strstr(header, "..") != NULL)
			continue;
		header[hl - 1] = 'c';
		char path[1024], rname[1024];
		beside(src->path, header, path, sizeof(path));
		beside(from_name, header, rname, sizeof(rname));
		tried++;
		struct source *c = source_get(ex, path);
		if (c == NULL)
			continue;
		fn = defined_in(ex, c, HINT_LANG_C, name, &bad);
		if (fn != NULL || bad) {
			call_file_add(ex, rname, c, HINT_LANG_C);
			for (size_t i = 0; i < ex->n_call_files; i++)
				if (strcmp(ex->call_files[i].name, rname) == 0)
					file = ex->call_files[i].name;
			where = c;
		}
	}
	if (fn == NULL && !bad)
		return 0;
	if (fn == NULL)
		return 1; /* there, but unread: the analysis says nothing */
	out->fn = fn;
	out->file = file;
	out->n_params = hint_params_of(where->text, where->len, fn->first_line, name, out->params,
				       HINT_MAX_PARAMS);
	return 1;
}

struct read_frame {
	struct hint_frame hf;
	struct hint_func *owned;     /* .pyx functions are parsed per frame */
	struct source *src;
};

/* Reads the function holding loc; 0 when it cannot (why says why). */
static int read_frame(struct explainer *ex, const struct vgt_location *loc, const char *callee,
		      struct read_frame *rf, char *why, size_t why_size)
{
	memset(rf, 0, sizeof(*rf));
	snprintf(why, why_size, "its function was not read");
	if (loc->file == NULL || loc->line == 0)
		return 0;
	int lang = language_of(loc->file, loc->mapped);
	if (lang < 0)
		return 0;
	char *path = symbolize_source_path(ex->sym, loc);
	if (path == NULL) {
		snprintf(why, why_size, "the source was not read (not found, or refused by the "
					"source policy: -v notes it; --source-root DIR says where)");
		return 0;
	}
	struct source *src = source_get(ex, path);
	free(path);
	if (src == NULL) {
		snprintf(why, why_size, "the source could not be read");
		return 0;
	}
	const struct hint_func *fn = NULL;
	if (lang == HINT_LANG_PYX) {
		rf->owned = pyxscan_function(src->text, src->len, loc->line);
		fn = rf->owned;
	} else {
		source_cparse(ex, src, lang);
		fn = cparse_function(src->c, loc->line);
		const char *problem = fn == NULL ? cparse_problem(src->c, loc->line) : NULL;
		if (problem != NULL)
			snprintf(why, why_size, "its function was not read: %s",
				 src->c == NULL && ex->helper_problem[0] != '\0' ? ex->helper_problem
										 : problem);
	}
	if (fn == NULL) {
		hint_func_free(rf->owned);
		rf->owned = NULL;
		return 0;
	}
	rf->src = src;
	rf->hf.fn = fn;
	rf->hf.file = loc->file;
	rf->hf.line = loc->line;
	rf->hf.callee = callee;
	rf->hf.lookup = lookup_callee;
	rf->hf.lookup_data = ex;
	call_file_add(ex, loc->file, src, lang);
	return 1;
}

/* Cython's generated code is not what the user wrote: no hints there. */
static int generated_code(const struct vgt_report *report, const struct vgt_site *site)
{
	const struct vgt_location *loc = &site->location;
	if (loc->mapped)
		return 0;
	const char *fn = site->stack.count > site->culprit
		? stack_frame(report->frames, &site->stack, site->culprit)->fn : NULL;
	return fn != NULL && strncmp(fn, "__pyx_", 6) == 0;
}

static void hint_site(struct explainer *ex, struct vgt_site *site, const struct chain *ch,
		      const struct nature *nat)
{
	if (site->category != FRAME_USER || generated_code(ex->report, site) || ch->culprit == NULL)
		return;
	const char *callee = ch->n > 0 ? ch->fns[ch->n - 1] : NULL;
	struct read_frame culprit, caller;
	memset(&caller, 0, sizeof(caller));
	char why[512];
	if (!read_frame(ex, &site->location, callee, &culprit, why, sizeof(why))) {
		if (ex->opts->verbose && site->location.file != NULL && site->location.line > 0 &&
		    language_of(site->location.file, site->location.mapped) >= 0)
			report_add_note(ex->report, "no hint for %s:%u: %s",
					escape_text_pool(ex->report->pool, site->location.file),
					site->location.line, escape_text_pool(ex->report->pool, why));
		return;
	}
	culprit.hf.reachable = site->kind == VGT_KIND_LEAK_STILL_REACHABLE;
	struct hint_result res;
	hint_explain(&culprit.hf, NULL, nat, &res);
	int have_caller = 0;
	if (res.returned && ch->caller != NULL) {
		struct vgt_location cloc;
		frame_location(ch->caller, &cloc);
		if (read_frame(ex, &cloc, ch->culprit->fn, &caller, why, sizeof(why))) {
			have_caller = 1;
			hint_explain(&culprit.hf, &caller.hf, nat, &res);
		}
	}
	if (!res.found && ex->opts->verbose)
		report_add_note(ex->report, "no hint for %s:%u: %s",
				escape_text_pool(ex->report->pool, site->location.file),
				site->location.line,
				res.why[0] != '\0' ? escape_text_pool(ex->report->pool, res.why)
						    : "the analysis stopped at a use of the block it does "
						      "not follow");
	if (res.found) {
		struct vgt_explain *x = site_detail(site)->explain;
		x->hint = strpool_intern(ex->report->pool, res.text);
		x->evidence = xcalloc(VGT_HINT_EVIDENCE, sizeof(*x->evidence));
		for (size_t i = 0; i < res.n_evidence && x->n_evidence < VGT_HINT_EVIDENCE; i++) {
			const struct read_frame *rf = res.evidence[i].frame == 0 ? &culprit : &caller;
			struct vgt_hint_line *h = &x->evidence[x->n_evidence++];
			h->file = strpool_intern(ex->report->pool, rf->hf.file);
			h->line = res.evidence[i].line;
			h->text = source_line(ex, rf->src, h->line);
		}
		/* in file order, the culprit's lines first */
		for (size_t i = 1; i < x->n_evidence; i++)
			for (size_t j = i; j > 0; j--) {
				struct vgt_hint_line *a = &x->evidence[j - 1], *b = &x->evidence[j];
				int a_first = a->file == x->evidence[0].file;
				int b_first = b->file == x->evidence[0].file;
				if (a_first < b_first || (a_first == b_first && a->line > b->line)) {
					struct vgt_hint_line tmp = *a;
					*a = *b;
					*b = tmp;
				}
			}
	}
	hint_func_free(culprit.owned);
	if (have_caller)
		hint_func_free(caller.owned);
	for (size_t i = 0; i < ex->n_callees; i++)
		hint_func_free(ex->callees[i]);
	ex->n_callees = 0;
}

void explain_sites(struct vgt_report *report, struct symbolizer *sym,
		   const struct explain_options *opts)
{
	struct explain_options defaults;
	memset(&defaults, 0, sizeof(defaults));
	if (opts == NULL)
		opts = &defaults;
	struct explainer ex;
	memset(&ex, 0, sizeof(ex));
	ex.report = report;
	ex.sym = sym;
	ex.opts = opts;
	ex.helper = opts->cparse != NULL ? opts->cparse : cparse_helper_path();
	size_t max_hints = opts->max_hints != 0 ? opts->max_hints : DEFAULT_MAX_HINTS;
	size_t hinted = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *site = report->sites[i];
		if (site->hidden || !kind_is_leak(site->kind) || site_detail(site)->explain != NULL)
			continue;
		if (opts->max_sites != 0 && site->rank > opts->max_sites)
			continue;
		struct chain ch;
		site_chain(report, site, &ch);
		struct nature nat;
		if (nature_of(ch.fns, ch.classes, ch.n, site->location.source, &nat) != 0)
			continue;
		struct vgt_explain *x = xcalloc(1, sizeof(*x));
		char label[256];
		nature_describe(&nat, label, sizeof(label));
		x->family = strpool_intern(report->pool, nature_family_name(nat.family));
		x->what = strpool_intern(report->pool, nat.what);
		x->allocator = nat.allocator[0] != '\0' ? strpool_intern(report->pool, nat.allocator)
							: NULL;
		x->label = strpool_intern(report->pool, label);
		site_detail_mut(site)->explain = x;
		if (!opts->no_hints && hinted < max_hints) {
			hinted++;
			hint_site(&ex, site, &ch, &nat);
		}
	}
	if (opts->verbose && ex.helper_problem[0] != '\0')
		report_add_note(report, "C/C++ hints: %s", ex.helper_problem);
	for (size_t i = 0; i < ex.n_sources; i++) {
		free(ex.sources[i]->path);
		free(ex.sources[i]->text);
		free(ex.sources[i]->starts);
		cparse_free(ex.sources[i]->c);
		free(ex.sources[i]);
	}
	free(ex.sources);
	ccdb_free(ex.ccdb);
	for (size_t i = 0; i < ex.n_call_files; i++)
		free(ex.call_files[i].name);
}
