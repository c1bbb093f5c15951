/*
 * cymap.c — index a Cython-generated C file: markers, C functions, names
 * (see cymap.h for the format).
 *
 * One pass over the lines: a line at column 0 that declares a function
 * and opens its body (on the same line or on the next non-preprocessor
 * line) starts a C function, "}" at column 0 ends it; marker comments are
 * collected with the function they sit in (or none: a marker just above a
 * function is that function's header, its def line).
 */
#include "symbols/cymap.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/demangle.h"

struct marker {
	unsigned c_line;
	unsigned pyx_line;
	const char *pyx_path;
	const char *source;
	int top_level; /* outside any C function */
};

struct function {
	unsigned first, last;  /* C lines of the declarator and the closing brace */
	const char *cname;
	const char *qualname;  /* from __Pyx_AddTraceback, or NULL */
	const char *short_name; /* from a PyMethodDef entry, or NULL */
	const char *creator;   /* generator bodies: the function that creates them */
	size_t header;         /* 1 + index of the header marker, or 0 */
	size_t first_marker;   /* markers inside: [first_marker, end_marker) */
	size_t end_marker;
	int user;
};

struct cymap {
	struct strpool *pool;
	struct marker *markers;
	size_t n_markers, markers_cap;
	struct function *funcs;
	size_t n_funcs, funcs_cap;
	size_t *by_name; /* indexes of funcs sorted by cname pointer */
};

static const char CLOSER_REWRITE[] = "*[inserted by cython to avoid comment closer]/";
static const char OPENER_REWRITE[] = "/[inserted by cython to avoid comment start]*";
static const char TARGET_TAG[] = "# <<<<<<<<<<<<<<";

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- names ---- */

static const char *const user_prefixes[] = {
	"__pyx_pf_", "__pyx_pw_", "__pyx_f_", "__pyx_api_f_", "__pyx_gb_",
	"__pyx_lambda_funcdef_", NULL,
};

int cymap_is_user_function(const char *fn)
{
	/* every prefix below starts "__pyx_": most names are out at once (the
	 * test runs for every distinct frame a stack resolves) */
	if (fn == NULL || fn[0] != '_' || strncmp(fn, "__pyx_", 6) != 0)
		return 0;
	if (starts_with(fn, "__pyx_fuse_")) {
		const char *inner = strstr(fn + 11, "__pyx_");
		return inner != NULL && cymap_is_user_function(inner);
	}
	for (size_t i = 0; user_prefixes[i] != NULL; i++)
		if (starts_with(fn, user_prefixes[i]))
			return 1;
	return 0;
}

int cymap_is_utility_function(const char *fn)
{
	if (fn == NULL)
		return 0;
	if (starts_with(fn, "__Pyx_") || starts_with(fn, "__pyx_") || starts_with(fn, "__Pyx"))
		return !cymap_is_user_function(fn);
	return starts_with(fn, "PyInit_");
}

void cymap_unescape(char *s)
{
	struct { const char *from; const char *to; } rw[] = {
		{CLOSER_REWRITE, "*/"}, {OPENER_REWRITE, "/*"},
	};
	for (size_t i = 0; i < 2; i++) {
		size_t flen = strlen(rw[i].from), tlen = strlen(rw[i].to);
		char *p;
		while ((p = strstr(s, rw[i].from)) != NULL) {
			memcpy(p, rw[i].to, tlen);
			memmove(p + tlen, p + flen, strlen(p + flen) + 1);
		}
	}
}

/* ---- line reading ---- */

struct lines {
	const char *text;
	size_t len, pos;
	unsigned lineno;  /* of the line last returned */
};

/* Next line as [*start, *start + *n), without the newline; 0 at the end. */
static int next_line(struct lines *ls, const char **start, size_t *n)
{
	if (ls->pos >= ls->len)
		return 0;
	const char *s = ls->text + ls->pos;
	const char *nl = memchr(s, '\n', ls->len - ls->pos);
	size_t l = nl != NULL ? (size_t)(nl - s) : ls->len - ls->pos;
	ls->pos += l + (nl != NULL);
	if (l > 0 && s[l - 1] == '\r')
		l--;
	*start = s;
	*n = l;
	ls->lineno++;
	return 1;
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* '  /' '* "path":123' (any indentation) → path, line. */
static int marker_open(const char *s, size_t n, const char **path, size_t *path_len,
		       unsigned *line)
{
	const char *end = s + n;
	const char *p = skip_space(s, end);
	if (end - p < 6 || p[0] != '/' || p[1] != '*' || p[2] != ' ' || p[3] != '"')
		return 0;
	p += 4;
	const char *q = end;
	while (q > p && isdigit((unsigned char)q[-1]))
		q--;
	if (q == end || q - p < 3 || q[-1] != ':' || q[-2] != '"')
		return 0;
	/* The digits end the line, which need not end the buffer nor be
	 * followed by a NUL (a file can end inside the marker): read [q, end)
	 * only. */
	unsigned long v = 0;
	for (const char *d = q; d < end; d++) {
		if (v > (UINT_MAX - 9) / 10)
			return 0;
		v = v * 10 + (unsigned long)(*d - '0');
	}
	*path = p;
	*path_len = (size_t)(q - 2 - p);
	*line = (unsigned)v;
	return *path_len > 0;
}

static int marker_close(const char *s, size_t n)
{
	const char *end = s + n;
	const char *p = skip_space(s, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end - p == 2 && p[0] == '*' && p[1] == '/';
}

/* " *     text             # <<<<<<<<<<<<<<" → "text" (interned). */
static const char *marked_source(struct strpool *pool, const char *s, size_t n)
{
	const char *end = s + n;
	const char *p = skip_space(s, end);
	if (p < end && *p == '*')
		p++;
	const char *tag = NULL; /* the last one */
	for (const char *q = p; (q = vgt_memfind(q, (size_t)(end - q), TARGET_TAG,
						sizeof(TARGET_TAG) - 1)) != NULL; q++)
		tag = q;
	if (tag != NULL)
		end = tag;
	p = skip_space(p, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	char *buf = xstrndup(p, (size_t)(end - p));
	cymap_unescape(buf);
	const char *out = strpool_intern(pool, buf);
	free(buf);
	return out;
}

static int is_target_line(const char *s, size_t n)
{
	size_t tl = sizeof(TARGET_TAG) - 1;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n >= tl && memcmp(s + n - tl, TARGET_TAG, tl) == 0;
}

/* ---- functions ---- */

/* The identifier before the first '(' of a column-0 declarator line, or
 * NULL when the line cannot start a function definition. */
static const char *declarator_name(struct strpool *pool, const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return NULL;
	const char *end = s + n;
	const char *paren = memchr(s, '(', n);
	if (paren == NULL || memchr(s, '=', (size_t)(paren - s)) != NULL)
		return NULL;
	if (starts_with(s, "typedef") || starts_with(s, "struct ") || starts_with(s, "enum ") ||
	    starts_with(s, "union ") || starts_with(s, "if") || starts_with(s, "return"))
		return NULL;
	const char *last = end;
	while (last > s && (last[-1] == ' ' || last[-1] == '\t'))
		last--;
	if (last > s && (last[-1] == ';' || last[-1] == ','))
		return NULL;
	const char *q = paren;
	while (q > s && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	const char *id_end = q;
	while (q > s && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
		q--;
	if (q == id_end)
		return NULL;
	return strpool_intern_n(pool, q, (size_t)(id_end - q));
}

static int ends_with_brace(const char *s, size_t n)
{
	const char *end = s + n;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end > s && end[-1] == '{';
}

static struct function *add_function(struct cymap *map, const char *cname, unsigned first)
{
	map->funcs = xgrow(map->funcs, &map->funcs_cap, map->n_funcs + 1, sizeof(*map->funcs));
	struct function *f = &map->funcs[map->n_funcs++];
	memset(f, 0, sizeof(*f));
	f->cname = cname;
	f->first = first;
	f->user = cymap_is_user_function(cname);
	f->first_marker = f->end_marker = map->n_markers;
	return f;
}

/* The string literal right after `call(` in [s, s+n), interned, or NULL. */
static const char *literal_after(struct strpool *pool, const char *s, size_t n, const char *call)
{
	const char *end = s + n;
	size_t cl = strlen(call);
	for (const char *p = s; p + cl < end; p++) {
		if (memcmp(p, call, cl) != 0)
			continue;
		const char *q = p + cl;
		if (q >= end || *q != '"')
			return NULL;
		const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
		if (close == NULL)
			return NULL;
		return strpool_intern_n(pool, q + 1, (size_t)(close - q - 1));
	}
	return NULL;
}

/* Pending links from a function to a generator body it creates. */
struct creator_link {
	const char *gb;
	size_t creator;
};

struct parse_state {
	struct creator_link *links;
	size_t n_links, links_cap;
	/* PyMethodDef entries: wrapper cname → Python short name */
	struct { const char *cname; const char *name; } *defs;
	size_t n_defs, defs_cap;
	size_t last_top_marker; /* 1 + index, 0 if none */
};

/* Records each __pyx_gb_… identifier on a line of function f (other than
 * f itself): f creates that generator body. */
static void note_gb_refs(struct cymap *map, struct parse_state *st, const struct function *f,
			 const char *s, size_t n)
{
	static const char prefix[] = "__pyx_gb_";
	const size_t pl = sizeof(prefix) - 1;
	const char *end = s + n;
	for (const char *p = s; p + pl <= end; p++) {
		if (memcmp(p, prefix, pl) != 0 || (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		const char *q = p + pl;
		while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		const char *id = strpool_intern_n(map->pool, p, (size_t)(q - p));
		if (id != f->cname) {
			st->links = xgrow(st->links, &st->links_cap, st->n_links + 1, sizeof(*st->links));
			st->links[st->n_links].gb = id;
			st->links[st->n_links].creator = (size_t)(f - map->funcs);
			st->n_links++;
		}
		p = q - 1;
	}
}

/* {"name", (PyCFunction)__pyx_pw_…, …} in a PyMethodDef initialiser. */
static void note_methdef(struct cymap *map, struct parse_state *st, const char *s, size_t n)
{
	const char *end = s + n;
	const char *q = memchr(s, '{', n);
	if (q == NULL || vgt_memfind(s, n, "PyCFunction", 11) == NULL)
		return;
	q = skip_space(q + 1, end);
	if (q >= end || *q != '"')
		return;
	const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
	if (close == NULL)
		return;
	const char *pw = vgt_memfind(close, (size_t)(end - close), "__pyx_pw_", 9);
	if (pw == NULL)
		return;
	const char *e = pw;
	while (e < end && (isalnum((unsigned char)*e) || *e == '_'))
		e++;
	st->defs = xgrow(st->defs, &st->defs_cap, st->n_defs + 1, sizeof(*st->defs));
	st->defs[st->n_defs].name = strpool_intern_n(map->pool, q + 1, (size_t)(close - q - 1));
	st->defs[st->n_defs].cname = strpool_intern_n(map->pool, pw, (size_t)(e - pw));
	st->n_defs++;
}

static void add_marker(struct cymap *map, unsigned c_line, const char *path, size_t path_len,
		       unsigned pyx_line, const char *source, int top_level)
{
	map->markers = xgrow(map->markers, &map->markers_cap, map->n_markers + 1,
			     sizeof(*map->markers));
	struct marker *m = &map->markers[map->n_markers++];
	m->c_line = c_line;
	m->pyx_line = pyx_line;
	m->pyx_path = strpool_intern_n(map->pool, path, path_len);
	m->source = source;
	m->top_level = top_level;
}

/* Reads the rest of a marker comment; returns the marked source line. */
static const char *read_marker_body(struct cymap *map, struct lines *ls)
{
	const char *s, *source = NULL;
	size_t n;
	for (int i = 0; i < 8 && next_line(ls, &s, &n); i++) {
		if (marker_close(s, n))
			break;
		if (is_target_line(s, n))
			source = marked_source(map->pool, s, n);
	}
	return source;
}

static struct cymap *g_sort_map; /* qsort has no context argument */

static int cmp_index_by_name(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)g_sort_map->funcs[*(const size_t *)a].cname;
	uintptr_t y = (uintptr_t)g_sort_map->funcs[*(const size_t *)b].cname;
	return x < y ? -1 : x > y;
}

static struct function *find_by_name(const struct cymap *map, const char *cname)
{
	size_t lo = 0, hi = map->n_funcs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t c = (uintptr_t)map->funcs[map->by_name[mid]].cname;
		if (c == (uintptr_t)cname)
			return &map->funcs[map->by_name[mid]];
		if (c < (uintptr_t)cname)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void resolve_names(struct cymap *map, struct parse_state *st)
{
	map->by_name = xmalloc((map->n_funcs + 1) * sizeof(*map->by_name));
	for (size_t i = 0; i < map->n_funcs; i++)
		map->by_name[i] = i;
	g_sort_map = map;
	qsort(map->by_name, map->n_funcs, sizeof(*map->by_name), cmp_index_by_name);
	g_sort_map = NULL;
	for (size_t i = 0; i < st->n_defs; i++) {
		struct function *f = find_by_name(map, st->defs[i].cname);
		if (f != NULL && f->short_name == NULL)
			f->short_name = st->defs[i].name;
	}
	for (size_t i = 0; i < st->n_links; i++) {
		struct function *f = find_by_name(map, st->links[i].gb);
		if (f != NULL && starts_with(f->cname, "__pyx_gb_") && f->creator == NULL)
			f->creator = map->funcs[st->links[i].creator].cname;
	}
}

struct cymap *cymap_parse(struct strpool *pool, const char *text, size_t len)
{
	struct cymap *map = xcalloc(1, sizeof(*map));
	struct parse_state st;
	memset(&st, 0, sizeof(st));
	map->pool = pool;
	struct lines ls = {text, len, 0, 0};
	const char *s;
	size_t n;
	struct function *cur = NULL;   /* function being read */
	const char *pending = NULL;    /* declarator waiting for its '{' line */
	unsigned pending_line = 0;
	int in_methdefs = 0;
	while (next_line(&ls, &s, &n)) {
		const char *path;
		size_t path_len;
		unsigned pyx_line;
		if (marker_open(s, n, &path, &path_len, &pyx_line)) {
			unsigned at = ls.lineno;
			const char *source = read_marker_body(map, &ls);
			add_marker(map, at, path, path_len, pyx_line, source, cur == NULL);
			if (cur == NULL)
				st.last_top_marker = map->n_markers;
			else
				cur->end_marker = map->n_markers;
			continue;
		}
		if (cur != NULL) {
			if (n > 0 && s[0] == '}') {
				cur->last = ls.lineno;
				cur = NULL;
				continue;
			}
			if (cur->qualname == NULL)
				cur->qualname = literal_after(pool, s, n, "__Pyx_AddTraceback(");
			if (vgt_memfind(s, n, "__pyx_gb_", 9) != NULL)
				note_gb_refs(map, &st, cur, s, n);
			continue;
		}
		/* between functions */
		if (n > 0 && s[0] == '#')
			continue;
		if (pending != NULL && n > 0 && s[0] == '{') {
			cur = add_function(map, pending, pending_line);
			cur->header = cur->user ? st.last_top_marker : 0;
			pending = NULL;
			continue;
		}
		if (vgt_memfind(s, n, "PyMethodDef", 11) != NULL)
			in_methdefs = 1;
		if (in_methdefs || vgt_memfind(s, n, "PyMethodDef", 11) != NULL)
			note_methdef(map, &st, s, n);
		if (n > 0 && s[0] == '}')
			in_methdefs = 0;
		pending = NULL;
		const char *name = declarator_name(pool, s, n);
		if (name == NULL)
			continue;
		if (ends_with_brace(s, n)) {
			cur = add_function(map, name, ls.lineno);
			cur->header = cur->user ? st.last_top_marker : 0;
		} else {
			pending = name;
			pending_line = ls.lineno;
		}
	}
	if (cur != NULL)
		cur->last = ls.lineno;
	resolve_names(map, &st);
	free(st.links);
	free(st.defs);
	return map;
}

struct cymap *cymap_load(struct strpool *pool, const char *path, struct vgt_error *err)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		vgt_error_set(err, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += got;
		if (len == cap)
			buf = xgrow(buf, &cap, cap * 2, 1);
	}
	int failed = ferror(fp);
	fclose(fp);
	if (failed) {
		free(buf);
		vgt_error_set(err, path, 0, 0, "read error");
		return NULL;
	}
	struct cymap *map = cymap_parse(pool, buf, len);
	free(buf);
	return map;
}

void cymap_free(struct cymap *map)
{
	if (map == NULL)
		return;
	free(map->markers);
	free(map->funcs);
	free(map->by_name);
	free(map);
}

size_t cymap_marker_count(const struct cymap *map)
{
	return map->n_markers;
}

size_t cymap_function_count(const struct cymap *map)
{
	return map->n_funcs;
}

/* The function whose lines hold c_line, or NULL. */
static const struct function *function_at(const struct cymap *map, unsigned c_line)
{
	size_t lo = 0, hi = map->n_funcs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->funcs[mid].first <= c_line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct function *f = &map->funcs[lo - 1];
	return c_line <= f->last ? f : NULL;
}

/* A function the file does not name (a def implementation without its own
 * traceback call, a cdef function): its demangled name, when unambiguous
 * or when another function of the file carries that very name. */
static const char *confirmed_demangle(const struct cymap *map, const struct function *f)
{
	int ambiguous;
	const char *q = demangle_cython(map->pool, f->cname, &ambiguous);
	if (q == NULL || !ambiguous)
		return q;
	for (size_t i = 0; i < map->n_funcs; i++)
		if (map->funcs[i].qualname == q)
			return q;
	return NULL;
}

static const char *qualname_of(const struct cymap *map, const struct function *f, int depth)
{
	if (f->creator != NULL && depth < 4) {
		const struct function *c = find_by_name(map, f->creator);
		if (c != NULL) {
			const char *q = qualname_of(map, c, depth + 1);
			if (q != NULL)
				return q;
		}
	}
	if (f->qualname != NULL && strchr(f->qualname, '.') != NULL)
		return f->qualname;
	if (f->short_name != NULL) {
		/* scope from the cname, name from the method table */
		struct demangle_parts parts;
		if (demangle_split(f->cname, &parts) == 0) {
			char buf[1024];
			size_t used = 0;
			for (size_t i = 0; i < parts.n_scopes && used < sizeof(buf); i++)
				used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%.*s.",
							 (int)parts.scope[i].len, parts.scope[i].s);
			if (used < sizeof(buf)) {
				snprintf(buf + used, sizeof(buf) - used, "%s", f->short_name);
				return strpool_intern(map->pool, buf);
			}
		}
	}
	if (f->qualname != NULL)
		return f->qualname;
	return confirmed_demangle(map, f);
}

int cymap_lookup(const struct cymap *map, unsigned c_line, struct cymap_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	const struct function *f = function_at(map, c_line);
	if (f == NULL || !f->user)
		return 0;
	const struct marker *m = NULL;
	/* last marker inside f at or before c_line */
	size_t lo = f->first_marker, hi = f->end_marker;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->markers[mid].c_line <= c_line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > f->first_marker)
		m = &map->markers[lo - 1];
	else if (f->header != 0)
		m = &map->markers[f->header - 1];
	if (m == NULL || m->pyx_path[0] == '(') /* "(tree fragment)": generated code */
		return 0;
	hit->pyx_path = m->pyx_path;
	hit->pyx_line = m->pyx_line;
	hit->source = m->source;
	hit->function = f->cname;
	hit->qualname = qualname_of(map, f, 0);
	hit->marker_line = m->c_line;
	return 1;
}

const char *cymap_qualname(const struct cymap *map, const char *cname)
{
	if (cname == NULL)
		return NULL;
	const char *key = strpool_intern(map->pool, cname);
	const struct function *f = find_by_name(map, key);
	return f != NULL ? qualname_of(map, f, 0) : NULL;
}

int cymap_defines(const struct cymap *map, const char *cname)
{
	return cname != NULL && find_by_name(map, strpool_intern(map->pool, cname)) != NULL;
}

const char *cymap_pyx_path(const struct cymap *map, const char *base)
{
	for (size_t i = 0; i < map->n_markers; i++)
		if (strcmp(vgt_basename(map->markers[i].pyx_path), base) == 0)
			return map->markers[i].pyx_path;
	return NULL;
}

const char *cymap_source_of(const struct cymap *map, const char *pyx_path, unsigned pyx_line)
{
	for (size_t i = 0; i < map->n_markers; i++)
		if (map->markers[i].pyx_line == pyx_line && map->markers[i].source != NULL &&
		    strcmp(map->markers[i].pyx_path, pyx_path) == 0)
			return map->markers[i].source;
	return NULL;
}
