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
#include "vgtriage/suppress.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/cxxname.h"

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
	char *demangled; /* fun: a linkage name without wildcards, demangled */
};

struct supp_entry {
	char *name;
	enum supp_kind kind;
	unsigned size;         /* Addr/Value: access size */
	unsigned leak_kinds;   /* Leak: LK_* bits */
	char *extra;           /* Param: "write(buf)"; FishyValue: "malloc(size)" */
	struct frame_pat frames[MAX_SUPP_FRAMES];
	size_t n_frames;
};

struct suppressions {
	struct supp_entry *entries;
	size_t count, cap;
};

struct suppressions *suppressions_new(void)
{
	return xcalloc(1, sizeof(struct suppressions));
}

static void entry_release(struct supp_entry *e)
{
	free(e->name);
	free(e->extra);
	for (size_t i = 0; i < e->n_frames; i++) {
		free(e->frames[i].pattern);
		free(e->frames[i].demangled);
	}
}

void suppressions_free(struct suppressions *supp)
{
	if (supp == NULL)
		return;
	for (size_t i = 0; i < supp->count; i++)
		entry_release(&supp->entries[i]);
	free(supp->entries);
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

int suppressions_load(struct suppressions *supp, const char *path, struct vgt_error *err)
{
	struct parser p = {0};
	p.path = path;
	p.err = err;
	int rc = -1;
	p.f = fopen(path, "r");
	if (p.f == NULL) {
		vgt_error_set(err, path, 0, 0, "cannot read suppressions: %s", strerror(errno));
		goto out;
	}
	char *s;
	while ((s = next_line(&p)) != NULL) {
		if (strcmp(s, "{") != 0) {
			parse_error(&p, "expected '{' to open a suppression, got '%s'", s);
			goto out;
		}
		supp->entries = xgrow(supp->entries, &supp->cap, supp->count + 1,
				      sizeof(*supp->entries));
		struct supp_entry *e = &supp->entries[supp->count];
		memset(e, 0, sizeof(*e));
		if (parse_entry(&p, e) != 0) {
			entry_release(e);
			goto out;
		}
		supp->count++;
	}
	if (ferror(p.f)) {
		vgt_error_set(err, path, p.lineno, 0, "read error: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(p.buf);
	if (p.f != NULL)
		fclose(p.f);
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

/* Do patterns[pi..] match a prefix of frames[fi..]?  "..." backtracks. */
static int frames_match(const struct supp_entry *e, size_t pi, const struct vgt_stack *st,
			size_t fi)
{
	for (; pi < e->n_frames; pi++, fi++) {
		const struct frame_pat *fp = &e->frames[pi];
		if (fp->type == FP_ELLIPSIS) {
			if (pi + 1 == e->n_frames)
				return 1;
			for (size_t k = fi; k < st->count; k++)
				if (frames_match(e, pi + 1, st, k))
					return 1;
			return 0;
		}
		if (fi >= st->count || !frame_matches(fp, &st->frames[fi]))
			return 0;
	}
	return 1;
}

const char *suppressions_match(const struct suppressions *supp, const struct vgt_record *rec)
{
	if (supp == NULL)
		return NULL;
	for (size_t i = 0; i < supp->count; i++) {
		const struct supp_entry *e = &supp->entries[i];
		if (kind_matches(e, rec) && frames_match(e, 0, &rec->stack, 0))
			return e->name;
	}
	return NULL;
}

/* ---- --gen-suppressions ---- */

/* The memcheck suppression kind of a site, with its extra line. */
static const char *site_supp_kind(const struct vgt_site *site, char *buf, size_t size,
				  const char **extra_fmt, char *extra, size_t extra_size)
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
		snprintf(buf, size, "Addr%u", access_size(site->what));
		return buf;
	case VGT_KIND_UNINIT_VALUE:
		snprintf(buf, size, "Value%u", access_size(site->what));
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

/* fun: as valgrind matches it: the linkage name of a C++ frame (or a
 * glob over its aliases); a glob over the identifiers of its demangled
 * name when the linkage name is not known, or when it is a template
 * (a site is a line: every instantiation at it); "*" when it has none. */
static void write_fun(FILE *out, const struct vgt_frame *f)
{
	if ((f->fn_mangled != NULL && (f->fn_mangled == f->fn || !cxxname_is_template(f->fn))) ||
	    !cxxname_is_demangled(f->fn)) {
		fprintf(out, "   fun:%s\n", f->fn_mangled != NULL ? f->fn_mangled : f->fn);
		return;
	}
	char *glob = cxxname_ident_glob(f->fn);
	fprintf(out, "   fun:%s\n", glob != NULL ? glob : "*");
	free(glob);
}

int suppressions_write_entry(FILE *out, const struct vgt_report *report,
			     const struct vgt_site *site)
{
	(void)report;
	char kbuf[32], extra[256];
	const char *extra_line;
	const char *kind = site_supp_kind(site, kbuf, sizeof(kbuf), &extra_line, extra,
					  sizeof(extra));
	if (kind == NULL) {
		fprintf(out, "# %s: valgrind has no suppression kind for it\n", site->kind_name);
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "{\n   <insert_a_suppression_name_here>\n   Memcheck:%s\n", kind);
	if (extra_line != NULL)
		fprintf(out, "   %s\n", extra_line);
	size_t last = site->culprit < site->stack.count ? site->culprit : site->stack.count - 1;
	int gap = 0;
	for (size_t i = 0; site->stack.count > 0 && i <= last && i < MAX_SUPP_FRAMES; i++) {
		const struct vgt_frame *f = &site->stack.frames[i];
		/* the runtime's frames between the allocation and the culprit
		 * differ between the records of one site (a string, a vector,
		 * a map node, each inlined differently): "..." takes them all */
		if (i > 0 && i < last && (f->cls == FRAME_RUNTIME || f->cls == FRAME_INTERPRETER)) {
			if (!gap)
				fputs("   ...\n", out);
			gap = 1;
			continue;
		}
		gap = 0;
		if (f->fn != NULL && !f->fn_from_elf)
			write_fun(out, f);
		else if (f->obj != NULL)
			fprintf(out, "   obj:%s\n", f->obj);
		else
			fputs("   ...\n", out);
	}
	if (last + 1 < site->stack.count)
		fputs("   ...\n", out);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
