/*
 * suppress.c — valgrind .supp files applied after the fact, and the
 * entries --gen-suppressions prints.
 *
 * Matching follows memcheck's rules (mc_errors.c, m_errormgr.c): the
 * entry's kind must fit the record's (Addr/Value by access size, Param by
 * the syscall parameter, Leak by match-leak-kinds), and its frame lines
 * must match a prefix of the record's stack, top frame first, where
 * "..." stands for any number of frames (none included).  fun:/obj:
 * patterns are globs with '*' and '?' ('\' escapes).
 *
 * Names: valgrind matches fun: against the name it knows, which for C++
 * is the linkage (mangled) name, and for a frame it showed as ??? is
 * "???".  symbolize gives each C++ frame its linkage name (fn_mangled)
 * when the input has it (--demangle=no) or the object's symbols do; then
 * a pattern is matched as valgrind would.  A pattern written with
 * demangled names ("ns::f(int)": ':', '(', '<', ' ' never occur in
 * linkage names) is matched against the demangled name.  A C++ frame
 * whose linkage name is unknown is matched by the pattern's demangled
 * form, or by the identifiers of an identifier glob (cxxname.h).
 */
#include "analyze/suppress.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cxxname.h"
#include "base/escape.h"

#define MAX_SUPP_FRAMES 24 /* valgrind's VG_MAX_SUPP_CALLERS */

enum supp_kind {
	SK_OTHER_TOOL = 0, /* an entry for another tool: parsed, never matches */
	SK_PARAM, SK_USER, SK_CORE_MEM, SK_ADDR, SK_JUMP, SK_FREE, SK_LEAK,
	SK_OVERLAP, SK_MEMPOOL, SK_COND, SK_VALUE, SK_FISHY, SK_REALLOC_ZERO,
	SK_BAD_ALIGN, SK_BAD_SIZE, SK_SIZE_MISMATCH, SK_ALIGN_MISMATCH
};

/* Leak kinds as bits for match-leak-kinds. */
enum { LK_DEFINITE = 1, LK_INDIRECT = 2, LK_POSSIBLE = 4, LK_REACHABLE = 8, LK_ALL = 15 };

enum frame_pat_type { FP_FUN, FP_OBJ, FP_SRC, FP_ELLIPSIS };

struct frame_pat {
	enum frame_pat_type type;
	char *pattern;   /* glob (fun/obj) or file glob (src) */
	unsigned line;   /* src: line, 0 = any */
	uint64_t need;   /* char_mask() of the pattern's literal characters */
	size_t shared;   /* 1 + id when other entries have the same line, else 0 */
	char *demangled; /* fun: a linkage name without wildcards, demangled */
};

struct supp_entry {
	char *name;
	const char *file;      /* the file it came from (suppressions->files) */
	unsigned line;         /* of its name, as valgrind -v names it */
	/* what it suppressed (suppressions_match; -j reads in threads) */
	_Atomic uint64_t hits, hit_bytes;
	enum supp_kind kind;
	unsigned size;         /* Addr/Value: access size */
	unsigned leak_kinds;   /* Leak: LK_* bits */
	char *extra;           /* Param: "write(buf)"; FishyValue: "malloc(size)" */
	char *lsan;            /* an LSan "leak:PATTERN" line: PATTERN as a glob */
	struct frame_pat *frames; /* n_frames of them (kept apart: matching
				   * walks every entry, and small ones stay in cache) */
	size_t n_frames;
};

struct suppressions {
	struct supp_entry *entries;
	size_t count, cap;
	char **files;          /* the names the entries were loaded under */
	size_t n_files, files_cap;
	size_t n_shared; /* distinct frame lines used by more than one entry */
};

struct suppressions *suppressions_new(void)
{
	return xcalloc(1, sizeof(struct suppressions));
}

static void entry_release(struct supp_entry *e)
{
	free(e->name);
	free(e->extra);
	free(e->lsan);
	for (size_t i = 0; i < e->n_frames; i++) {
		free(e->frames[i].pattern);
		free(e->frames[i].demangled);
	}
	free(e->frames);
}

void suppressions_free(struct suppressions *supp)
{
	if (supp == NULL)
		return;
	for (size_t i = 0; i < supp->count; i++)
		entry_release(&supp->entries[i]);
	free(supp->entries);
	for (size_t i = 0; i < supp->n_files; i++)
		free(supp->files[i]);
	free(supp->files);
	free(supp);
}

/* ---- globs ---- */

/* valgrind's glob: '*' any run, '?' one character, '\' quotes the next. */
static int glob_match(const char *pat, const char *s)
{
	const char *star_pat = NULL, *star_s = NULL;
	while (*s != '\0') {
		if (*pat == '*') {
			star_pat = ++pat;
			star_s = s;
			continue;
		}
		if (*pat == '\\' && pat[1] != '\0' && pat[1] == *s) {
			pat += 2;
			s++;
			continue;
		}
		if (*pat != '\0' && *pat != '\\' && (*pat == '?' || *pat == *s)) {
			pat++;
			s++;
			continue;
		}
		if (star_pat == NULL)
			return 0;
		pat = star_pat;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* A quick reject before a glob: one bit per character (folded to 64),
 * so that a name lacking a character the pattern holds literally cannot
 * match it.  With many entries most (entry, frame) pairs end here. */
static uint64_t char_bit(char c)
{
	/* folded so that digits and punctuation keep bits of their own
	 * (upper and lower case share theirs) */
	return (uint64_t)1 << (((unsigned char)c - 32u) & 63u);
}

static uint64_t char_mask(const char *s)
{
	uint64_t m = 0;
	for (; s != NULL && *s != '\0'; s++)
		m |= char_bit(*s);
	return m;
}

/* The literal characters of a glob ('*' and '?' match anything; '\'
 * quotes the next one). */
static uint64_t pattern_mask(const char *pat)
{
	uint64_t m = 0;
	for (; *pat != '\0'; pat++) {
		if (*pat == '*' || *pat == '?')
			continue;
		if (*pat == '\\' && pat[1] != '\0')
			pat++;
		m |= char_bit(*pat);
	}
	return m;
}

/* ---- parsing ---- */

static const struct {
	const char *name;
	enum supp_kind kind;
	unsigned size;
} kind_names[] = {
	{"Param", SK_PARAM, 0},      {"User", SK_USER, 0},        {"CoreMem", SK_CORE_MEM, 0},
	{"Addr1", SK_ADDR, 1},       {"Addr2", SK_ADDR, 2},       {"Addr4", SK_ADDR, 4},
	{"Addr8", SK_ADDR, 8},       {"Addr16", SK_ADDR, 16},     {"Addr32", SK_ADDR, 32},
	{"Jump", SK_JUMP, 0},        {"Free", SK_FREE, 0},        {"Leak", SK_LEAK, 0},
	{"Overlap", SK_OVERLAP, 0},  {"Mempool", SK_MEMPOOL, 0},  {"Cond", SK_COND, 0},
	{"Value0", SK_COND, 0},      {"Value1", SK_VALUE, 1},     {"Value2", SK_VALUE, 2},
	{"Value4", SK_VALUE, 4},     {"Value8", SK_VALUE, 8},     {"Value16", SK_VALUE, 16},
	{"Value32", SK_VALUE, 32},   {"FishyValue", SK_FISHY, 0}, {"ReallocZero", SK_REALLOC_ZERO, 0},
	{"BadAlign", SK_BAD_ALIGN, 0}, {"BadSize", SK_BAD_SIZE, 0},
	{"SizeMismatch", SK_SIZE_MISMATCH, 0}, {"AlignMismatch", SK_ALIGN_MISMATCH, 0},
};

struct parser {
	FILE *f;
	const char *path;
	long lineno;
	char *buf;
	size_t cap;
	struct vgt_error *err;
};

/* Next line that is not blank or a '#' comment, trimmed; NULL at EOF. */
static char *next_line(struct parser *p)
{
	for (;;) {
		ssize_t n = getline(&p->buf, &p->cap, p->f);
		if (n < 0)
			return NULL;
		p->lineno++;
		char *s = p->buf;
		while (isspace((unsigned char)*s))
			s++;
		char *end = s + strlen(s);
		while (end > s && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*s != '\0' && *s != '#')
			return s;
	}
}

static int parse_error(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int parse_error(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vgt_error_set(p->err, p->path, p->lineno, 0, "%s", msg);
}

static int parse_tool_kind(struct parser *p, struct supp_entry *e, const char *line)
{
	const char *colon = strchr(line, ':');
	if (colon == NULL)
		return parse_error(p, "expected TOOL:KIND (e.g. Memcheck:Leak), got '%s'", line);
	/* "Memcheck,Addrcheck:Leak": the entry is ours if Memcheck is listed. */
	int ours = 0;
	for (const char *t = line; t < colon;) {
		size_t len = strcspn(t, ",:");
		if (len == 8 && strncmp(t, "Memcheck", 8) == 0)
			ours = 1;
		t += len + (t[len] == ',');
	}
	if (!ours) {
		e->kind = SK_OTHER_TOOL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(colon + 1, kind_names[i].name) == 0) {
			e->kind = kind_names[i].kind;
			e->size = kind_names[i].size;
			return 0;
		}
	}
	return parse_error(p, "unknown Memcheck suppression kind '%s'", colon + 1);
}

static int parse_leak_kinds(struct parser *p, struct supp_entry *e, const char *list)
{
	while (isspace((unsigned char)*list))
		list++;
	e->leak_kinds = 0;
	if (strcmp(list, "all") == 0) {
		e->leak_kinds = LK_ALL;
		return 0;
	}
	if (strcmp(list, "none") == 0)
		return 0;
	while (*list != '\0') {
		size_t len = strcspn(list, ",");
		if (len == 8 && strncmp(list, "definite", 8) == 0)
			e->leak_kinds |= LK_DEFINITE;
		else if (len == 8 && strncmp(list, "indirect", 8) == 0)
			e->leak_kinds |= LK_INDIRECT;
		else if (len == 8 && strncmp(list, "possible", 8) == 0)
			e->leak_kinds |= LK_POSSIBLE;
		else if (len == 9 && strncmp(list, "reachable", 9) == 0)
			e->leak_kinds |= LK_REACHABLE;
		else
			return parse_error(p, "match-leak-kinds: unknown kind in '%s' (expected "
					      "definite, indirect, possible, reachable, all or none)",
					   list);
		list += len + (list[len] == ',');
	}
	return 0;
}

static int is_frame_line(const char *s)
{
	return strncmp(s, "fun:", 4) == 0 || strncmp(s, "obj:", 4) == 0 ||
	       strncmp(s, "src:", 4) == 0 || strcmp(s, "...") == 0 || strcmp(s, "}") == 0;
}

static int parse_frame(struct parser *p, struct supp_entry *e, const char *s)
{
	if (e->n_frames == MAX_SUPP_FRAMES)
		return parse_error(p, "too many frame lines (valgrind allows %d)", MAX_SUPP_FRAMES);
	struct frame_pat *fp = &e->frames[e->n_frames];
	if (strcmp(s, "...") == 0) {
		fp->type = FP_ELLIPSIS;
	} else if (strncmp(s, "fun:", 4) == 0) {
		fp->type = FP_FUN;
		fp->pattern = xstrdup(s + 4);
		fp->demangled = cxxname_demangle_pattern(fp->pattern);
	} else if (strncmp(s, "obj:", 4) == 0) {
		fp->type = FP_OBJ;
		fp->pattern = xstrdup(s + 4);
	} else if (strncmp(s, "src:", 4) == 0) {
		/* src:FILE or src:FILE:LINE */
		fp->type = FP_SRC;
		const char *colon = strrchr(s + 4, ':');
		char *end = NULL;
		unsigned long line = 0;
		if (colon != NULL) {
			errno = 0;
			line = strtoul(colon + 1, &end, 10);
		}
		if (colon != NULL && end != colon + 1 && *end == '\0' && errno == 0 && line > 0) {
			fp->pattern = xstrndup(s + 4, (size_t)(colon - (s + 4)));
			fp->line = (unsigned)line;
		} else {
			fp->pattern = xstrdup(s + 4);
		}
	} else {
		return parse_error(p, "expected a frame line (fun:, obj:, src:, ...) or '}', got '%s'", s);
	}
	fp->need = fp->pattern != NULL ? pattern_mask(fp->pattern) : 0;
	e->n_frames++;
	return 0;
}

/* The lines after `{`; the entry is complete at `}`. */
static int parse_entry(struct parser *p, struct supp_entry *e)
{
	char *s = next_line(p);
	if (s == NULL || strcmp(s, "}") == 0)
		return parse_error(p, "entry without a name");
	e->name = xstrdup(s);
	e->line = p->lineno > 0 && p->lineno <= UINT_MAX ? (unsigned)p->lineno : 0;
	if ((s = next_line(p)) == NULL)
		return parse_error(p, "file ends inside entry '%s'", e->name);
	if (parse_tool_kind(p, e, s) != 0)
		return -1;
	if (e->kind == SK_LEAK)
		e->leak_kinds = LK_ALL;
	if ((s = next_line(p)) == NULL)
		return parse_error(p, "file ends inside entry '%s'", e->name);
	if (e->kind == SK_LEAK && strncmp(s, "match-leak-kinds:", 17) == 0) {
		if (parse_leak_kinds(p, e, s + 17) != 0)
			return -1;
		s = next_line(p);
	} else if ((e->kind == SK_PARAM || e->kind == SK_CORE_MEM) ||
		   (e->kind == SK_FISHY && !is_frame_line(s)) ||
		   (e->kind == SK_OTHER_TOOL && !is_frame_line(s))) {
		e->extra = xstrdup(s);
		s = next_line(p);
	}
	for (;; s = next_line(p)) {
		if (s == NULL)
			return parse_error(p, "file ends inside entry '%s' (missing '}')", e->name);
		if (strcmp(s, "}") == 0)
			break;
		if (parse_frame(p, e, s) != 0)
			return -1;
	}
	if (e->n_frames == 0)
		return parse_error(p, "entry '%s' has no frame lines", e->name);
	return 0;
}

static int cmp_pat(const void *a, const void *b)
{
	const struct frame_pat *x = *(const struct frame_pat *const *)a;
	const struct frame_pat *y = *(const struct frame_pat *const *)b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->pattern, y->pattern);
}

/* Gives the frame lines that several entries share ("fun:malloc",
 * "obj:*libpython*") one id each, so that a record tests each of them
 * once per frame however many entries hold it (suppressions_match). */
static void number_shared_lines(struct suppressions *supp)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < supp->count; i++)
		n += supp->entries[i].n_frames;
	struct frame_pat **all = xcalloc(n + 1, sizeof(*all));
	for (size_t i = 0; i < supp->count; i++)
		for (size_t j = 0; j < supp->entries[i].n_frames; j++)
			if (supp->entries[i].frames[j].type != FP_ELLIPSIS)
				all[k++] = &supp->entries[i].frames[j];
	if (k > 1)
		qsort(all, k, sizeof(*all), cmp_pat);
	supp->n_shared = 0;
	for (size_t i = 0; i < k;) {
		size_t end = i + 1;
		while (end < k && cmp_pat(&all[i], &all[end]) == 0)
			end++;
		size_t id = end - i > 1 ? ++supp->n_shared : 0;
		for (; i < end; i++)
			all[i]->shared = id;
	}
	free(all);
}

/* The suppression types of the sanitizers' suppression files
 * (sanitizer_common): LeakSanitizer's "leak", and those of ASan, TSan and
 * UBSan, which say nothing about leaks (parsed, never matched). */
static const char *const sanitizer_types[] = {
	"leak", "interceptor_name", "interceptor_via_fun", "interceptor_via_lib",
	"odr_violation", "race", "race_top", "mutex", "thread", "signal", "deadlock",
	"called_from_lib", "vptr_check", NULL,
};

/* 1 when s is a sanitizer suppression line "TYPE:PATTERN", -1 when it is
 * one without a pattern, 0 when it is not one (a valgrind file). */
static int lsan_line(const char *s)
{
	const char *colon = strchr(s, ':');
	if (colon == NULL)
		return 0;
	for (size_t i = 0; sanitizer_types[i] != NULL; i++) {
		size_t n = strlen(sanitizer_types[i]);
		if ((size_t)(colon - s) == n && strncmp(s, sanitizer_types[i], n) == 0)
			return colon[1] != '\0' ? 1 : -1;
	}
	return 0;
}

/* LSan's TemplateMatch as a glob: a substring unless anchored by a
 * leading '^' or a trailing '$'; '*' any run ('?' and '\' are literal). */
static char *lsan_glob(const char *pat)
{
	size_t n = strlen(pat);
	char *g = xmalloc(2 * n + 3);
	size_t k = 0;
	int start = pat[0] == '^';
	int end = n > (size_t)start && pat[n - 1] == '$';
	if (!start)
		g[k++] = '*';
	for (size_t i = (size_t)start; i < n - (size_t)end; i++) {
		if (pat[i] == '?' || pat[i] == '\\')
			g[k++] = '\\';
		g[k++] = pat[i];
	}
	if (!end)
		g[k++] = '*';
	g[k] = '\0';
	return g;
}

static void lsan_entry(struct supp_entry *e, const char *line)
{
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(line);
	const char *colon = strchr(line, ':');
	if (strncmp(line, "leak:", 5) == 0) {
		e->kind = SK_LEAK;
		e->leak_kinds = LK_ALL;
		e->lsan = lsan_glob(colon + 1);
	} else {
		e->kind = SK_OTHER_TOOL;
	}
}

/* An LSan leak: entry matches a leak whose allocation stack has a frame
 * whose function, module or source file matches it. */
static int lsan_matches(const struct supp_entry *e, const struct frame_table *ft,
			const struct vgt_record *rec)
{
	if (e->lsan == NULL || !kind_is_leak(rec->kind))
		return 0;
	for (size_t j = 0; j < rec->stack.count; j++) {
		const struct vgt_frame *f = stack_frame(ft, &rec->stack, j);
		if ((f->fn != NULL && !f->fn_from_elf && glob_match(e->lsan, f->fn)) ||
		    (f->obj != NULL && glob_match(e->lsan, f->obj)))
			return 1;
		if (f->file != NULL) {
			char path[4096];
			if (f->dir != NULL)
				snprintf(path, sizeof(path), "%s/%s", f->dir, f->file);
			else
				snprintf(path, sizeof(path), "%s", f->file);
			if (glob_match(e->lsan, path))
				return 1;
		}
	}
	return 0;
}

int suppressions_load(struct suppressions *supp, const char *path, struct vgt_error *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return vgt_error_set(err, path, 0, 0, "cannot read suppressions: %s", strerror(errno));
	int rc = suppressions_load_stream(supp, f, path, err);
	fclose(f);
	return rc;
}

int suppressions_load_stream(struct suppressions *supp, FILE *f, const char *name,
			     struct vgt_error *err)
{
	struct parser p = {0};
	p.f = f;
	p.path = name;
	supp->files = xgrow(supp->files, &supp->files_cap, supp->n_files + 1, sizeof(*supp->files));
	supp->files[supp->n_files] = xstrdup(name);
	const char *file = supp->files[supp->n_files++];
	p.err = err;
	int rc = -1;
	char *s;
	while ((s = next_line(&p)) != NULL) {
		int lsan = lsan_line(s);
		if (lsan < 0) {
			parse_error(&p, "an LSan suppression needs a pattern after the ':'");
			goto out;
		}
		if (lsan > 0) {
			supp->entries = xgrow(supp->entries, &supp->cap, supp->count + 1,
					      sizeof(*supp->entries));
			lsan_entry(&supp->entries[supp->count++], s);
			continue;
		}
		if (strcmp(s, "{") != 0) {
			parse_error(&p, "expected '{' to open a suppression, got '%s'", s);
			goto out;
		}
		supp->entries = xgrow(supp->entries, &supp->cap, supp->count + 1,
				      sizeof(*supp->entries));
		struct supp_entry *e = &supp->entries[supp->count];
		memset(e, 0, sizeof(*e));
		e->frames = xcalloc(MAX_SUPP_FRAMES, sizeof(*e->frames));
		if (parse_entry(&p, e) != 0) {
			entry_release(e);
			goto out;
		}
		e->file = file;
		e->frames = xrealloc(e->frames, e->n_frames * sizeof(*e->frames));
		supp->count++;
	}
	if (ferror(p.f)) {
		vgt_error_set(err, name, p.lineno, 0, "read error: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(p.buf);
	number_shared_lines(supp);
	return rc;
}

/* ---- matching ---- */

/* The number after "of size " in a what text ("Invalid read of size 4"). */
static unsigned access_size(const char *what)
{
	const char *p = what != NULL ? strstr(what, "of size ") : NULL;
	return p != NULL ? (unsigned)strtoul(p + 8, NULL, 10) : 0;
}

/* "Syscall param write(buf) points to …" → "write(buf)" (len in *len). */
static const char *syscall_param(const char *what, size_t *len)
{
	static const char prefix[] = "Syscall param ";
	if (what == NULL || strncmp(what, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	const char *s = what + sizeof(prefix) - 1;
	*len = strcspn(s, " ");
	return s;
}

/* "Argument 'size' of function malloc has a fishy …" → fn "malloc", arg "size". */
static int fishy_matches(const char *extra, const char *what)
{
	if (extra == NULL)
		return 1;
	if (what == NULL)
		return 0;
	const char *a = strchr(what, '\'');
	const char *a_end = a != NULL ? strchr(a + 1, '\'') : NULL;
	const char *fn = strstr(what, "of function ");
	if (a_end == NULL || fn == NULL)
		return 0;
	fn += 12;
	size_t fn_len = strcspn(fn, " ");
	char *want = xasprintf("%.*s(%.*s)", (int)fn_len, fn, (int)(a_end - a - 1), a + 1);
	int ok = strcmp(want, extra) == 0;
	free(want);
	return ok;
}

static unsigned leak_kind_bit(enum vgt_kind kind)
{
	switch (kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST: return LK_DEFINITE;
	case VGT_KIND_LEAK_INDIRECTLY_LOST: return LK_INDIRECT;
	case VGT_KIND_LEAK_POSSIBLY_LOST: return LK_POSSIBLE;
	case VGT_KIND_LEAK_STILL_REACHABLE: return LK_REACHABLE;
	default: return 0;
	}
}

static int kind_matches(const struct supp_entry *e, const struct vgt_record *rec)
{
	size_t len;
	const char *param;
	switch (e->kind) {
	case SK_LEAK:
		return (leak_kind_bit(rec->kind) & e->leak_kinds) != 0;
	case SK_ADDR:
		return (rec->kind == VGT_KIND_INVALID_READ || rec->kind == VGT_KIND_INVALID_WRITE) &&
		       access_size(rec->what) == e->size;
	case SK_VALUE:
		return rec->kind == VGT_KIND_UNINIT_VALUE && access_size(rec->what) == e->size;
	case SK_COND:
		return rec->kind == VGT_KIND_UNINIT_CONDITION;
	case SK_PARAM:
		param = syscall_param(rec->what, &len);
		return rec->kind == VGT_KIND_SYSCALL_PARAM && param != NULL && e->extra != NULL &&
		       strlen(e->extra) == len && strncmp(param, e->extra, len) == 0;
	case SK_USER:
		return rec->kind == VGT_KIND_CLIENT_CHECK;
	case SK_CORE_MEM:
		return rec->kind == VGT_KIND_CORE_MEM_ERROR;
	case SK_JUMP:
		return rec->kind == VGT_KIND_INVALID_JUMP;
	case SK_FREE:
		return rec->kind == VGT_KIND_INVALID_FREE || rec->kind == VGT_KIND_MISMATCHED_FREE;
	case SK_OVERLAP:
		return rec->kind == VGT_KIND_OVERLAP;
	case SK_MEMPOOL:
		return rec->kind == VGT_KIND_INVALID_MEMPOOL;
	case SK_FISHY:
		return rec->kind == VGT_KIND_FISHY_VALUE && fishy_matches(e->extra, rec->what);
	case SK_REALLOC_ZERO:
		return rec->kind == VGT_KIND_REALLOC_SIZE_ZERO;
	case SK_BAD_ALIGN:
		return rec->kind == VGT_KIND_INVALID_ALIGNMENT ||
		       rec->kind == VGT_KIND_INVALID_SIZE_AND_ALIGNMENT;
	case SK_BAD_SIZE:
		return rec->kind == VGT_KIND_INVALID_SIZE;
	case SK_SIZE_MISMATCH:
		return rec->kind == VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE;
	case SK_ALIGN_MISMATCH:
		return rec->kind == VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT;
	case SK_OTHER_TOOL:
		return 0;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* fun:PATTERN against the name valgrind knew for the frame (see top). */
static int fun_matches(const struct frame_pat *fp, const struct vgt_frame *f)
{
	const char *pat = fp->pattern;
	if (f->fn == NULL || f->fn_from_elf)
		return glob_match(pat, "???");
	if (cxxname_pattern_is_demangled(pat))
		return glob_match(pat, f->fn);
	if (f->fn_mangled != NULL && !f->fn_mangled_glob)
		return glob_match(pat, f->fn_mangled);
	if (!cxxname_is_demangled(f->fn))
		return glob_match(pat, f->fn); /* C: one name */
	/* a C++ name whose linkage name is unknown or known up to aliases */
	if (fp->demangled != NULL)
		return strcmp(fp->demangled, f->fn) == 0;
	if (f->fn_mangled != NULL && (strpbrk(pat, "*?\\") == NULL || strcmp(pat, f->fn_mangled) == 0))
		return glob_match(f->fn_mangled, pat); /* the aliases' glob over a name */
	int m = cxxname_ident_glob_match(pat, f->fn);
	return m >= 0 ? m : glob_match(pat, f->fn);
}

/* char_mask() of what frame_matches() may test a frame's fun:, obj: and
 * src: patterns against (src: the dir and file both, a superset).  A new
 * way of matching a frame (another name) must add its string here: a C++
 * name is matched through its linkage name, aliases' globs and identifier
 * globs (fun_matches), so its fun: lines are not filtered. */
struct frame_masks {
	uint64_t fn, obj, src;
};

static void frame_masks(const struct vgt_frame *f, struct frame_masks *m)
{
	if (f->fn == NULL || f->fn_from_elf)
		m->fn = char_mask("???");
	else if (cxxname_is_demangled(f->fn))
		m->fn = UINT64_MAX;
	else
		m->fn = char_mask(f->fn) | char_mask(f->fn_mangled);
	m->obj = char_mask(f->obj != NULL ? f->obj : "???");
	m->src = char_mask(f->file) | char_mask(f->dir) | char_mask("/");
}

static int could_match(const struct frame_pat *fp, const struct frame_masks *m)
{
	uint64_t have = fp->type == FP_FUN ? m->fn : fp->type == FP_OBJ ? m->obj : m->src;
	return (fp->need & ~have) == 0;
}

static int frame_matches(const struct frame_pat *fp, const struct vgt_frame *f)
{
	switch (fp->type) {
	case FP_FUN:
		return fun_matches(fp, f);
	case FP_OBJ:
		return glob_match(fp->pattern, f->obj != NULL ? f->obj : "???");
	case FP_SRC:
		/* valgrind compares the file name as its debug info gives it
		 * (the basename); a pattern with a '/' matches dir/file. */
		if (f->file == NULL || (fp->line != 0 && fp->line != f->line))
			return 0;
		if (strchr(fp->pattern, '/') == NULL)
			return glob_match(fp->pattern, base_name(f->file));
		if (f->dir != NULL && f->file[0] != '/') {
			char *full = xasprintf("%s/%s", f->dir, f->file);
			int ok = glob_match(fp->pattern, full);
			free(full);
			return ok;
		}
		return glob_match(fp->pattern, f->file);
	case FP_ELLIPSIS:
		return 1;
	}
	return 0;
}

/* Do the entry's frame lines match a prefix of the stack?  A dynamic
 * programme over (frame line, frame), as valgrind's own matcher is
 * polynomial: row k says after which frames the first k lines can end.
 * A fun:/obj:/src: line moves each such end j to j + 1 when it matches
 * frame j; "..." lets every later end follow the first one (none
 * included).  At most (frame lines x stack depth) frame tests, however
 * many "..." lines; a backtracking matcher is exponential in them.
 *
 * Entries of a big .supp often begin alike ("...", "fun:malloc", ...):
 * the rows of the entry matched last are kept, and the next entry starts
 * after the lines it has in common with it (or fails at once where that
 * one died). */

/* Row k: alive ends are row[j] for j >= lo (none below lo), or, after a
 * "...", every j >= lo. */
struct dp_row {
	size_t lo;
	int from_lo;
};

/* What matching one record keeps: its frames' masks, the results of
 * shared frame lines (memo[(shared - 1) * n + frame]: 0 not tested yet,
 * 1 no, 2 yes), and the rows of the entry matched last. */
struct match_state {
	const struct frame_table *ft;
	const struct vgt_stack *st;
	const struct frame_masks *masks;
	unsigned char *memo;
	unsigned char *cells;          /* (MAX_SUPP_FRAMES + 1) x (n + 1) */
	struct dp_row rows[MAX_SUPP_FRAMES + 1];
	const struct supp_entry *last; /* NULL before the first */
	size_t last_depth;             /* rows 0..last_depth of last are valid */
	int last_died;                 /* ... and row last_depth has no end */
};

static int line_matches(const struct match_state *ms, const struct frame_pat *fp, size_t j)
{
	if (!could_match(fp, &ms->masks[j]))
		return 0;
	if (fp->shared == 0 || ms->memo == NULL)
		return frame_matches(fp, stack_frame(ms->ft, ms->st, j));
	unsigned char *m = &ms->memo[(fp->shared - 1) * ms->st->count + j];
	if (*m == 0)
		*m = frame_matches(fp, stack_frame(ms->ft, ms->st, j)) ? 2 : 1;
	return *m == 2;
}

static int same_line(const struct frame_pat *a, const struct frame_pat *b)
{
	if (a->type == FP_ELLIPSIS || b->type == FP_ELLIPSIS)
		return a->type == b->type;
	return a->shared != 0 && a->shared == b->shared;
}

static int frames_match(const struct supp_entry *e, struct match_state *ms)
{
	size_t n = ms->st->count, k = 0;
	if (ms->last != NULL) {
		while (k < e->n_frames && k < ms->last_depth &&
		       same_line(&e->frames[k], &ms->last->frames[k]))
			k++;
		if (ms->last_died && k == ms->last_depth) {
			ms->last = e; /* the same lines, the same dead end */
			return 0;
		}
	}
	ms->last = e;
	for (size_t pi = k; pi < e->n_frames; pi++) {
		const struct frame_pat *fp = &e->frames[pi];
		const struct dp_row *in = &ms->rows[pi];
		struct dp_row *out = &ms->rows[pi + 1];
		if (fp->type == FP_ELLIPSIS) {
			out->lo = in->lo;
			out->from_lo = 1;
			continue;
		}
		const unsigned char *at = ms->cells + pi * (n + 1);
		unsigned char *next = ms->cells + (pi + 1) * (n + 1);
		int alive = 0;
		for (size_t j = in->lo; j < n; j++) {
			int ok = (in->from_lo || at[j]) && line_matches(ms, fp, j);
			next[j + 1] = (unsigned char)ok;
			if (ok && !alive) {
				alive = 1;
				out->lo = j + 1;
			}
		}
		out->from_lo = 0;
		if (!alive) {
			ms->last_depth = pi + 1;
			ms->last_died = 1;
			return 0;
		}
	}
	ms->last_depth = e->n_frames;
	ms->last_died = 0;
	return 1;
}

/* Every frame line but "..." must match some frame: a pattern whose
 * characters the whole stack lacks rules the entry out at once. */
static int stack_could_match(const struct supp_entry *e, const struct frame_masks *any)
{
	for (size_t i = 0; i < e->n_frames; i++)
		if (e->frames[i].type != FP_ELLIPSIS && !could_match(&e->frames[i], any))
			return 0;
	return 1;
}

const char *suppressions_match(const struct suppressions *supp, const struct frame_table *ft,
			       const struct vgt_record *rec)
{
	if (supp == NULL || supp->count == 0)
		return NULL;
	const struct vgt_stack *st = &rec->stack;
	struct frame_masks small[64];
	struct frame_masks *masks = st->count <= 64 ? small : xmalloc(st->count * sizeof(*masks));
	struct frame_masks any = {0, 0, 0}; /* of the whole stack */
	for (size_t j = 0; j < st->count; j++) {
		frame_masks(stack_frame(ft, st, j), &masks[j]);
		any.fn |= masks[j].fn;
		any.obj |= masks[j].obj;
		any.src |= masks[j].src;
	}
	struct match_state ms;
	memset(&ms, 0, sizeof(ms));
	ms.ft = ft;
	ms.st = st;
	ms.masks = masks;
	if (supp->n_shared > 0 && st->count > 0)
		ms.memo = xcalloc(supp->n_shared, st->count);
	ms.cells = xmalloc((MAX_SUPP_FRAMES + 1) * (st->count + 1));
	memset(ms.cells, 0, st->count + 1);
	ms.cells[0] = 1; /* row 0: the lines start before frame 0, only there */
	const char *name = NULL;
	for (size_t i = 0; i < supp->count && name == NULL; i++) {
		const struct supp_entry *e = &supp->entries[i];
		if (e->lsan != NULL ? lsan_matches(e, ft, rec)
				    : kind_matches(e, rec) && stack_could_match(e, &any) &&
				      frames_match(e, &ms)) {
			name = e->name;
			/* the entries are the caller's, not const: only their counts change */
			struct supp_entry *used = (struct supp_entry *)e;
			atomic_fetch_add(&used->hits, 1);
			atomic_fetch_add(&used->hit_bytes, rec->bytes);
		}
	}
	free(ms.memo);
	free(ms.cells);
	if (masks != small)
		free(masks);
	return name;
}

size_t suppressions_count(const struct suppressions *supp)
{
	return supp != NULL ? supp->count : 0;
}

void suppressions_use(const struct suppressions *supp, size_t i, struct suppressions_use *out)
{
	const struct supp_entry *e = &supp->entries[i];
	out->name = e->name;
	out->file = e->file;
	out->line = e->line;
	out->records = atomic_load(&e->hits);
	out->bytes = atomic_load(&e->hit_bytes);
}

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
		param = syscall_param(site->what, &len);
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
		write_one(out, report, site, access_size(site->what), &site->stack, last,
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
			for (size_t i = 0; i < supp->count; i++) {
				const char *name;
				struct suppressions one = *supp;
				one.entries = &supp->entries[i];
				one.count = 1;
				name = suppressions_match(&one, report->frames, &rec);
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
	const char *skind = site_supp_kind(&as, access_size(site->what), kbuf, sizeof(kbuf),
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
		hs->v[i].leak_kinds |= leak_kind_bit(kind);
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
