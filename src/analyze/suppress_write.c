/* suppress_write.c: --gen-suppressions, the entries vgtriage writes for a
 * site (memcheck's form, or LSan's for a sanitizer's report) and for what
 * the default report hides (--gen-suppressions=hidden).  Split from
 * suppress.c, which reads and matches entries. */
#include "analyze/suppress.h"
#include "analyze/suppress_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cxxname.h"
#include "base/escape.h"

/* ---- --gen-suppressions ---- */

/* The memcheck suppression kind of a site's records of access size
 * `size`, with its extra line. */
static const char *site_supp_kind(const struct vgt_site *site, unsigned size, char *buf,
				  size_t bufsize, const char **extra_fmt, char *extra,
				  size_t extra_size)
{
	size_t len;
	const char *param;
	*extra_fmt = NULL;
	switch (site->kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST:
	case VGT_KIND_LEAK_INDIRECTLY_LOST:
	case VGT_KIND_LEAK_POSSIBLY_LOST:
	case VGT_KIND_LEAK_STILL_REACHABLE:
		snprintf(extra, extra_size, "match-leak-kinds: %s", kind_info(site->kind)->short_name);
		*extra_fmt = extra;
		return "Leak";
	case VGT_KIND_INVALID_READ:
	case VGT_KIND_INVALID_WRITE:
		snprintf(buf, bufsize, "Addr%u", size);
		return buf;
	case VGT_KIND_UNINIT_VALUE:
		snprintf(buf, bufsize, "Value%u", size);
		return buf;
	case VGT_KIND_UNINIT_CONDITION: return "Cond";
	case VGT_KIND_SYSCALL_PARAM:
		param = supp_syscall_param(site->what, &len);
		if (param != NULL) {
			snprintf(extra, extra_size, "%.*s", (int)len, param);
			*extra_fmt = extra;
		}
		return "Param";
	case VGT_KIND_CLIENT_CHECK: return "User";
	case VGT_KIND_CORE_MEM_ERROR: return "CoreMem";
	case VGT_KIND_INVALID_JUMP: return "Jump";
	case VGT_KIND_INVALID_FREE:
	case VGT_KIND_MISMATCHED_FREE: return "Free";
	case VGT_KIND_OVERLAP: return "Overlap";
	case VGT_KIND_INVALID_MEMPOOL: return "Mempool";
	case VGT_KIND_FISHY_VALUE: return "FishyValue";
	case VGT_KIND_REALLOC_SIZE_ZERO: return "ReallocZero";
	case VGT_KIND_INVALID_ALIGNMENT:
	case VGT_KIND_INVALID_SIZE_AND_ALIGNMENT: return "BadAlign";
	case VGT_KIND_INVALID_SIZE: return "BadSize";
	case VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE: return "SizeMismatch";
	case VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT: return "AlignMismatch";
	default: return NULL;
	}
}

/* An inlined frame's name as its DWARF says it ("push<std::string, char
 * const*>"), with each template argument list made '*' ("push<*>"): a
 * site is a line, and every instantiation inlined at it is its.  NULL
 * when the name has none. */
static char *template_glob(const char *fn)
{
	if (strchr(fn, '<') == NULL || strncmp(fn, "operator", 8) == 0)
		return NULL;
	size_t len = strlen(fn);
	char *out = xmalloc(len + 1), *o = out;
	int depth = 0;
	for (const char *p = fn; *p != '\0'; p++) {
		if (*p == '<') {
			if (depth++ == 0) {
				*o++ = '<';
				*o++ = '*';
			}
		} else if (*p == '>' && depth > 0) {
			if (--depth == 0)
				*o++ = '>';
		} else if (depth == 0) {
			*o++ = *p;
		}
	}
	*o = '\0';
	if (depth != 0) { /* unbalanced: not a name we can read */
		free(out);
		return NULL;
	}
	return out;
}

/* fun: as valgrind matches it: the linkage name of a C++ frame (or a
 * glob over its aliases); a glob over the identifiers of its demangled
 * name when the linkage name is not known, or when it is a template
 * (a site is a line: every instantiation at it); an inlined frame's
 * name with its template arguments made '*'; "*" when it has none. */
static void write_fun(FILE *out, const struct vgt_frame *f)
{
	fputs("   fun:", out);
	if (f->fn_mangled == f->fn && f->fn != NULL) {
		char *glob = template_glob(f->fn);
		if (glob != NULL) {
			escape_supp_name(out, glob);
			fputc('\n', out);
			free(glob);
			return;
		}
	}
	if ((f->fn_mangled != NULL && (f->fn_mangled == f->fn || !cxxname_is_template(f->fn))) ||
	    !cxxname_is_demangled(f->fn)) {
		escape_supp_name(out, f->fn_mangled != NULL ? f->fn_mangled : f->fn);
		fputc('\n', out);
		return;
	}
	char *glob = cxxname_ident_glob(f->fn);
	escape_supp_name(out, glob != NULL ? glob : "*");
	fputc('\n', out);
	free(glob);
}

/* Every input is a sanitizer's report: entries are LSan's. */
static int lsan_report(const struct vgt_report *report)
{
	for (size_t i = 0; i < report->n_inputs; i++)
		if (report->inputs[i]->format == NULL || strcmp(report->inputs[i]->format, "lsan") != 0)
			return 0;
	return report->n_inputs > 0;
}

/* LSan's form: "leak:FUNCTION" of the culprit frame (the name LSan
 * matches, the C name of Cython code), its module without a name. */
static int write_lsan_entry(FILE *out, const struct vgt_report *report,
			    const struct vgt_site *site)
{
	const struct vgt_frame *f = NULL;
	if (site->stack.count > 0)
		f = stack_frame(report->frames, &site->stack,
				site->culprit < site->stack.count ? site->culprit : 0);
	if (!kind_is_leak(site->kind) || f == NULL) {
		fputs("# ", out);
		escape_text(out, site->kind_name);
		fputs(": LeakSanitizer suppresses leaks only\n", out);
	} else if (f->fn != NULL && !f->fn_from_elf) {
		fputs("leak:", out);
		escape_supp_name(out, f->fn);
		fputc('\n', out);
	} else if (f->obj != NULL) {
		fputs("leak:", out);
		escape_supp_name(out, f->obj);
		fputc('\n', out);
	} else {
		fputs("# a leak whose frame has no function or module: no LSan suppression\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* One entry: the records of size `size` whose stacks begin with
 * stack[0 .. last]. */
static void write_one(FILE *out, const struct vgt_report *report, const struct vgt_site *site,
		      unsigned size, const struct vgt_stack *stack, size_t last, int more)
{
	char kbuf[32], extra[256];
	const char *extra_line;
	const char *kind = site_supp_kind(site, size, kbuf, sizeof(kbuf), &extra_line, extra,
					  sizeof(extra));
	fprintf(out, "{\n   <insert_a_suppression_name_here>\n   Memcheck:%s\n", kind);
	if (extra_line != NULL) {
		fputs("   ", out);
		escape_supp_name(out, extra_line);
		fputc('\n', out);
	}
	int gap = 0;
	for (size_t i = 0; stack->count > 0 && i <= last && i < MAX_SUPP_FRAMES; i++) {
		/* the runtime's frames between the allocation and the culprit
		 * differ between the records of one site (a string, a vector,
		 * a map node, each inlined differently): "..." takes them all
		 * (a site's heads hold them as one VGT_HEAD_GAP) */
		if (stack->ids[i] == VGT_HEAD_GAP) {
			if (!gap)
				fputs("   ...\n", out);
			gap = 1;
			continue;
		}
		const struct vgt_frame *f = stack_frame(report->frames, stack, i);
		if (f->inline_added)
			continue; /* valgrind's stack has no such frame */
		if (i > 0 && i < last && (f->cls == FRAME_RUNTIME || f->cls == FRAME_INTERPRETER)) {
			if (!gap)
				fputs("   ...\n", out);
			gap = 1;
			continue;
		}
		gap = 0;
		/* one line each, whatever the names hold; '?' matches what was replaced */
		if (f->fn != NULL && !f->fn_from_elf) {
			write_fun(out, f);
		} else if (f->obj != NULL) {
			fputs("   obj:", out);
			escape_supp_name(out, f->obj);
			fputc('\n', out);
		} else {
			fputs("   ...\n", out);
		}
	}
	if (more)
		fputs("   ...\n", out);
	fputs("}\n", out);
}

/* The entry of one head into a malloc'd string. */
static char *entry_text(const struct vgt_report *report, const struct vgt_site *site,
			unsigned size, const struct vgt_stack *stack, size_t last, int more)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return NULL;
	write_one(mem, report, site, size, stack, last, more);
	if (fclose(mem) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int suppressions_write_entry(FILE *out, const struct vgt_report *report,
			     const struct vgt_site *site)
{
	if (lsan_report(report))
		return write_lsan_entry(out, report, site);
	char kbuf[32], extra[256];
	const char *extra_line;
	if (site_supp_kind(site, 0, kbuf, sizeof(kbuf), &extra_line, extra, sizeof(extra)) == NULL) {
		fputs("# ", out);
		escape_text(out, site->kind_name);
		fputs(": valgrind has no suppression kind for it\n", out);
		return ferror(out) ? -1 : 0;
	}
	if (site->n_heads == 0) { /* a site read back from JSON: its example */
		size_t last = site->culprit < site->stack.count ? site->culprit
			: site->stack.count > 0 ? site->stack.count - 1 : 0;
		write_one(out, report, site, supp_access_size(site->what), &site->stack, last,
			  last + 1 < site->stack.count);
		return ferror(out) ? -1 : 0;
	}
	/* one entry per distinct head (kind, access size, frames down to the
	 * culprit), written once however many heads read alike */
	char **texts = xcalloc(site->n_heads, sizeof(*texts));
	for (size_t i = 0; i < site->n_heads; i++) {
		const struct vgt_site_head *h = &site->heads[i];
		size_t last = h->stack.count > 0 ? h->stack.count - 1 : 0;
		texts[i] = entry_text(report, site, h->size, &h->stack, last, 1);
		int seen = texts[i] == NULL;
		for (size_t j = 0; j < i && !seen; j++)
			seen = texts[j] != NULL && strcmp(texts[j], texts[i]) == 0;
		if (!seen)
			fputs(texts[i], out);
	}
	for (size_t i = 0; i < site->n_heads; i++)
		free(texts[i]);
	free(texts);
	if (site->heads_dropped > 0)
		fprintf(out, "# %zu more record%s of this site begin otherwise: not covered above\n",
			site->heads_dropped, site->heads_dropped == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}

/* ---- --gen-suppressions=hidden (issue 24) ----
 *
 * One entry per distinct stack shape of the sites the report hides
 * (interpreter, runtime, cython-runtime, python, third-party noise), so
 * that valgrind itself stops printing them.  Each entry is the site's
 * whole stack, one line a frame (valgrind's 24 at most): the allocator
 * and Cython's utility functions by name (fun:), the interpreter's and the
 * runtime's frames by their object (obj:) — which covers the records of a
 * site whose stacks differ in the interpreter's function names — and a
 * bottom frame ((below main), as valgrind names main-like functions;
 * _start, start_thread, clone) by name, which pins the
 * length: a stack with a frame of the user's below it cannot match.  An
 * entry that still matches the stack of a site the report shows is left
 * out (a comment says so). */

static int is_stack_bottom(const struct vgt_frame *f)
{
	static const char *const names[] = {"(below main)", "_start", "start_thread", "clone",
					    "clone3", "__libc_start_main", "__libc_start_call_main",
					    NULL};
	for (size_t i = 0; f->fn != NULL && names[i] != NULL; i++)
		if (strcmp(f->fn, names[i]) == 0)
			return 1;
	return 0;
}

static int by_name(const struct vgt_frame *f)
{
	if (f->fn == NULL || f->fn_from_elf)
		return 0;
	if (f->cls == FRAME_CYTHON_RUNTIME)
		return 1;
	return f->cls == FRAME_ALLOCATOR && f->obj != NULL && strstr(f->obj, "vgpreload") != NULL;
}

/* The body of an entry (the frame lines of a stack) into a memory stream. */
static char *hidden_body(const struct vgt_report *report, const struct vgt_stack *stack)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m == NULL)
		return NULL;
	size_t n = stack->count < MAX_SUPP_FRAMES ? stack->count : MAX_SUPP_FRAMES;
	for (size_t i = 0; i < n; i++) {
		const struct vgt_frame *f = stack_frame(report->frames, stack, i);
		int bottom = i + 1 == stack->count && is_stack_bottom(f);
		if ((by_name(f) || bottom) && f->fn != NULL && !f->fn_from_elf) {
			write_fun(m, f);
		} else if (f->obj != NULL) {
			fputs("   obj:", m);
			escape_supp_name(m, f->obj);
			fputc('\n', m);
		} else if (f->fn != NULL && !f->fn_from_elf) {
			write_fun(m, f);
		} else {
			fputs("   obj:*\n", m);
		}
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct hidden_entry {
	char *kind;        /* "Leak" … */
	char *extra;       /* the line after it, or NULL (leaks: built at the end) */
	unsigned leak_kinds;
	char *body;
	enum frame_class category;
	int dropped;       /* matches a shown site */
};

static void hidden_write(FILE *out, const struct hidden_entry *e, size_t number)
{
	fprintf(out, "{\n   vgtriage-hidden-%s-%zu\n   Memcheck:%s\n", frame_class_name(e->category),
		number, e->kind);
	if (strcmp(e->kind, "Leak") == 0) {
		static const char *const names[] = {"definite", "indirect", "possible", "reachable"};
		fputs("   match-leak-kinds: ", out);
		int first = 1;
		for (int b = 0; b < 4; b++)
			if (e->leak_kinds & (1u << b)) {
				fprintf(out, "%s%s", first ? "" : ",", names[b]);
				first = 0;
			}
		fputc('\n', out);
	} else if (e->extra != NULL) {
		fputs("   ", out);
		escape_supp_name(out, e->extra);
		fputc('\n', out);
	}
	fputs(e->body, out);
	fputs("}\n", out);
}

/* Drops each entry that matches the stack of a shown site. */
static size_t hidden_check(const struct vgt_report *report, struct hidden_entry *v, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		hidden_write(m, &v[i], i);
	if (fclose(m) != 0) {
		free(text);
		return 0;
	}
	struct suppressions *supp = suppressions_new();
	FILE *in = fmemopen(text, len, "r");
	struct vgt_error err;
	vgt_error_clear(&err);
	size_t dropped = 0;
	if (in != NULL && suppressions_load_stream(supp, in, "hidden", &err) == 0) {
		for (size_t s = 0; s < report->n_sites; s++) {
			const struct vgt_site *site = report->sites[s];
			if (site->hidden)
				continue;
			struct vgt_record rec;
			memset(&rec, 0, sizeof(rec));
			rec.kind = site->kind;
			rec.kind_name = site->kind_name;
			rec.what = site->what;
			rec.stack = site->stack;
			/* every entry it matches, not only the first */
			for (size_t i = 0; i < suppressions_count(supp); i++) {
				const char *name =
					suppressions_match_entry(supp, i, report->frames, &rec);
				if (name != NULL && !v[i].dropped) {
					v[i].dropped = 1;
					dropped++;
				}
			}
		}
	}
	if (in != NULL)
		fclose(in);
	suppressions_free(supp);
	free(text);
	return dropped;
}

/* A hidden site: noise the report does not show. */
static int hidden_site(const struct vgt_site *site)
{
	return site->hidden && site->category != FRAME_USER && site->records > 0;
}

struct hidden_set {
	struct hidden_entry *v;
	size_t n, cap;
};

/* Adds the entry of one stack of site (kind: the record's), once. */
static void hidden_add(struct hidden_set *hs, const struct vgt_report *report,
		       const struct vgt_site *site, enum vgt_kind kind, const struct vgt_stack *stack)
{
	char kbuf[32], extra[256];
	const char *extra_line;
	struct vgt_site as = *site;
	as.kind = kind;
	/* record stacks carry no access size: the site's (its biggest record's) */
	const char *skind = site_supp_kind(&as, supp_access_size(site->what), kbuf, sizeof(kbuf),
					   &extra_line, extra, sizeof(extra));
	if (skind == NULL || stack->count == 0)
		return;
	char *body = hidden_body(report, stack);
	if (body == NULL)
		return;
	int leak = strcmp(skind, "Leak") == 0;
	const char *x = leak ? NULL : extra_line;
	size_t i = 0;
	while (i < hs->n && !(strcmp(hs->v[i].kind, skind) == 0 && strcmp(hs->v[i].body, body) == 0 &&
			      (hs->v[i].extra == NULL) == (x == NULL) &&
			      (x == NULL || strcmp(hs->v[i].extra, x) == 0)))
		i++;
	if (i == hs->n) {
		hs->v = xgrow(hs->v, &hs->cap, hs->n + 1, sizeof(*hs->v));
		memset(&hs->v[hs->n], 0, sizeof(hs->v[hs->n]));
		hs->v[hs->n].kind = xstrdup(skind);
		hs->v[hs->n].extra = x != NULL ? xstrdup(x) : NULL;
		hs->v[hs->n].body = body;
		hs->v[hs->n].category = site->category;
		hs->n++;
	} else {
		free(body);
	}
	if (leak)
		hs->v[i].leak_kinds |= supp_leak_kind_bit(kind);
}

int suppressions_write_hidden(FILE *out, const struct vgt_report *report)
{
	struct hidden_set hs = {NULL, 0, 0};
	size_t sites = 0;
	for (size_t s = 0; s < report->n_sites; s++) {
		const struct vgt_site *site = report->sites[s];
		if (!hidden_site(site))
			continue;
		hidden_add(&hs, report, site, site->kind, &site->stack);
		sites++;
	}
	/* every record's stack, when the pipeline kept them */
	for (size_t k = 0; k < report->n_record_stacks; k++) {
		const struct vgt_record_stack *rs = &report->record_stacks[k];
		if (hidden_site(rs->site))
			hidden_add(&hs, report, rs->site, rs->kind, &rs->stack);
	}
	struct hidden_entry *v = hs.v;
	size_t n = hs.n;
	size_t dropped = hidden_check(report, v, n);
	fprintf(out, "# vgtriage --gen-suppressions=hidden: %zu entries for the %zu sites the "
		     "report hides\n# (interpreter, runtime, cython-runtime, python), so that "
		     "valgrind stops printing them:\n#   valgrind --suppressions=THIS_FILE …\n",
		n - dropped, sites);
	if (dropped > 0)
		fprintf(out, "# left out: %zu %s that would also match a site the report shows\n",
			dropped, dropped == 1 ? "entry" : "entries");
	size_t number = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].dropped)
			hidden_write(out, &v[i], ++number);
		free(v[i].kind);
		free(v[i].extra);
		free(v[i].body);
	}
	free(v);
	return ferror(out) ? -1 : 0;
}
