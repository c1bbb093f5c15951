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
#include "analyze/suppress_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/cxxname.h"
#include "base/escape.h"


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
unsigned supp_access_size(const char *what)
{
	const char *p = what != NULL ? strstr(what, "of size ") : NULL;
	return p != NULL ? (unsigned)strtoul(p + 8, NULL, 10) : 0;
}

/* "Syscall param write(buf) points to …" → "write(buf)" (len in *len). */
const char *supp_syscall_param(const char *what, size_t *len)
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

unsigned supp_leak_kind_bit(enum vgt_kind kind)
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
		return (supp_leak_kind_bit(rec->kind) & e->leak_kinds) != 0;
	case SK_ADDR:
		return (rec->kind == VGT_KIND_INVALID_READ || rec->kind == VGT_KIND_INVALID_WRITE) &&
		       supp_access_size(rec->what) == e->size;
	case SK_VALUE:
		return rec->kind == VGT_KIND_UNINIT_VALUE && supp_access_size(rec->what) == e->size;
	case SK_COND:
		return rec->kind == VGT_KIND_UNINIT_CONDITION;
	case SK_PARAM:
		param = supp_syscall_param(rec->what, &len);
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

/* The stack as valgrind saw it, which its suppressions match: without
 * the frames vgtriage added for inlined calls (vgt_frame.inline_added);
 * *view holds a copy when there were any. */
static const struct vgt_stack *valgrind_view(const struct frame_table *ft,
					     const struct vgt_stack *stack, struct vgt_stack *view)
{
	size_t i = 0;
	while (i < stack->count && !stack_frame(ft, stack, i)->inline_added)
		i++;
	if (i == stack->count)
		return stack;
	for (i = 0; i < stack->count; i++)
		if (!stack_frame(ft, stack, i)->inline_added)
			stack_push(view, stack->ids[i]);
	return view;
}

const char *suppressions_match(const struct suppressions *supp, const struct frame_table *ft,
			       const struct vgt_record *rec)
{
	if (supp == NULL || supp->count == 0)
		return NULL;
	struct vgt_stack view = {NULL, 0, 0};
	const struct vgt_stack *st = valgrind_view(ft, &rec->stack, &view);
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
	stack_release(&view);
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

const char *suppressions_match_entry(const struct suppressions *supp, size_t i,
				     const struct frame_table *ft, const struct vgt_record *rec)
{
	struct suppressions one = *supp;
	one.entries = &supp->entries[i];
	one.count = 1;
	return suppressions_match(&one, ft, rec);
}
