/*
 * cxxname.c — C++ names: libiberty's demangler (as valgrind uses it), a
 * short form for tables, and suppression globs.  See cxxname.h.
 *
 * The splitting below reads *demangled* names only: it finds the
 * qualified name between the return type and the parameter list, and
 * the "::" components of it.  The one subtlety is that operator names
 * ("operator<<", "operator()", "operator new[]", "operator char const*")
 * contain brackets and spaces that are not structure.
 */
#include "symbols/cxxname.h"

#include <ctype.h>
#include <libiberty/demangle.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

/* ---- demangling ---- */

/* libiberty's demangler has no bound on what it writes: a few hundred
 * characters of substitutions spell a name of gigabytes.  Its callback
 * forms keep their state on the stack (no malloc), so a first pass counts
 * the output through a callback and leaves with longjmp at the cap; only
 * a name that fits is demangled for real (the same call valgrind makes,
 * with DMGL_NO_RECURSE_LIMIT left off: libiberty's recursion limit
 * stays). */
struct bound {
	size_t len;
	jmp_buf out;
};

static void count_output(const char *s, size_t n, void *opaque)
{
	(void)s;
	struct bound *b = opaque;
	b->len += n;
	if (b->len > CXXNAME_MAX_DEMANGLED)
		longjmp(b->out, 1);
}

/* 1 when the demangled form of name stays within the cap (or there is
 * none), 0 when it would not. */
static int fits(const char *name)
{
	struct bound b;
	b.len = 0;
	if (setjmp(b.out) != 0)
		return 0;
	if (rust_demangle_callback(name, DMGL_ANSI | DMGL_PARAMS, count_output, &b) == 0) {
		b.len = 0;
		cplus_demangle_v3_callback(name, DMGL_ANSI | DMGL_PARAMS, count_output, &b);
	}
	return 1;
}

char *cxxname_demangle_capped(const char *name, int *capped)
{
	if (capped != NULL)
		*capped = 0;
	/* Every Itanium (_Z), Rust v0 (_R) and GNU static-constructor
	 * (_GLOBAL_) name starts with '_': skip the demangler for the rest. */
	if (name == NULL || name[0] != '_')
		return NULL;
	if (strnlen(name, CXXNAME_MAX_MANGLED + 1) > CXXNAME_MAX_MANGLED || !fits(name)) {
		if (capped != NULL)
			*capped = 1;
		return NULL;
	}
	char *d = cplus_demangle(name, DMGL_ANSI | DMGL_PARAMS);
	if (d == NULL)
		return NULL;
	char *copy = xstrdup(d); /* ours, freed with free() like everything else */
	free(d);
	return copy;
}

char *cxxname_demangle_dup(const char *name)
{
	return cxxname_demangle_capped(name, NULL);
}

const char *cxxname_demangle(struct strpool *pool, const char *name)
{
	char *d = cxxname_demangle_dup(name);
	if (d == NULL)
		return NULL;
	const char *interned = strpool_intern(pool, d);
	free(d);
	return interned;
}

char *cxxname_demangle_pattern(const char *pattern)
{
	if (strpbrk(pattern, "*\\") != NULL)
		return NULL;
	const char *q = strchr(pattern, '?');
	if (q == NULL)
		return cxxname_demangle_dup(pattern);
	if (strchr(q + 1, '?') != NULL)
		return NULL;
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	char *name = xstrdup(pattern), *found = NULL;
	for (const char *c = alphabet; *c != '\0'; c++) {
		name[q - pattern] = *c;
		char *d = cxxname_demangle_dup(name);
		if (d == NULL)
			continue;
		if (found == NULL) {
			found = d;
			continue;
		}
		int same = strcmp(found, d) == 0;
		free(d);
		if (!same) {
			free(found);
			found = NULL;
			break;
		}
	}
	free(name);
	return found;
}

int cxxname_is_demangled(const char *fn)
{
	if (fn == NULL || strcmp(fn, "(below main)") == 0)
		return 0;
	return strchr(fn, '(') != NULL || strstr(fn, "::") != NULL;
}

int cxxname_pattern_is_demangled(const char *pattern)
{
	return strpbrk(pattern, ":(< ,&") != NULL;
}

/* ---- valgrind's Z-encoding (pub_tool_redir.h) ---- */

static int z_char(char c)
{
	switch (c) {
	case 'a': return '*';
	case 'c': return ':';
	case 'd': return '.';
	case 'h': return '-';
	case 'p': return '+';
	case 's': return ' ';
	case 'u': return '_';
	case 'A': return '@';
	case 'D': return '$';
	case 'L': return '(';
	case 'R': return ')';
	case 'S': return '/';
	case 'Z': return 'Z';
	default: return -1;
	}
}

int cxxname_z_decode(const char *sym, char *out, size_t size)
{
	/* _vg{r,w,n}[NNNNN]Z{Z,U}_SONAME_FNNAME: the soname is always
	 * Z-encoded; the function name only after ZZ. */
	if (strncmp(sym, "_vg", 3) != 0 || (sym[3] != 'r' && sym[3] != 'w' && sym[3] != 'n'))
		return -1;
	const char *p = sym + 4;
	if (isdigit((unsigned char)p[0])) {
		for (int i = 0; i < 5; i++)
			if (!isdigit((unsigned char)p[i]))
				return -1;
		p += 5;
	}
	if (p[0] != 'Z' || (p[1] != 'Z' && p[1] != 'U') || p[2] != '_')
		return -1;
	int fn_encoded = p[1] == 'Z';
	p += 3;
	while (*p != '_') { /* the soname */
		if (*p == '\0')
			return -1;
		if (*p == 'Z' && z_char(*++p) < 0)
			return -1;
		p++;
	}
	p++;
	size_t o = 0;
	for (; *p != '\0'; p++) {
		int c = (unsigned char)*p;
		if (fn_encoded && c == 'Z' && (c = z_char(*++p)) < 0)
			return -1;
		if (o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	if (o == 0 || size == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

/* ---- splitting demangled names ---- */

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static int starts_word(const char *s, size_t i, const char *word)
{
	size_t n = strlen(word);
	return strncmp(s + i, word, n) == 0 && (i == 0 || !is_ident_char(s[i - 1])) &&
	       !is_ident_char(s[i + n]);
}

/* At s[i]: the length of an operator name ("operator<<", "operator()",
 * "operator new[]"), 0 if there is none.  *conversion is set for
 * "operator TYPE", whose type runs to the parameter list. */
static size_t operator_token(const char *s, size_t i, int *conversion)
{
	*conversion = 0;
	if (!starts_word(s, i, "operator"))
		return 0;
	size_t j = i + 8;
	if (s[j] == ' ') {
		j++;
		if (starts_word(s, j, "new") || starts_word(s, j, "delete")) {
			j += s[j] == 'n' ? 3 : 6;
			if (s[j] == '[' && s[j + 1] == ']')
				j += 2;
		} else {
			*conversion = 1;
		}
		return j - i;
	}
	if (s[j] == '(' && s[j + 1] == ')')
		return j + 2 - i;
	while (s[j] != '\0' && strchr("+-*/%^&|~!=<>,[]", s[j]) != NULL)
		j++;
	if (s[j] == ' ' && s[j + 1] == '<')
		j++; /* "operator< <int>": the space keeps the template apart */
	return j - i;
}

static int is_open(char c)
{
	return c == '<' || c == '(' || c == '[' || c == '{';
}

static int is_close(char c)
{
	return c == '>' || c == ')' || c == ']' || c == '}';
}

static const char anon_ns[] = "(anonymous namespace)";
#define ANON_NS_LEN (sizeof(anon_ns) - 1)

/* The qualified name of a demangled function: [*name, *name + *len), and
 * where the parameter list (or the end) starts. */
static void split_name(const char *s, const char **name, size_t *len, const char **rest)
{
	size_t depth = 0, tok = 0, i = 0;
	int conversion = 0;
	while (s[i] != '\0') {
		int conv;
		size_t op = operator_token(s, i, &conv);
		if (op > 0) {
			i += op;
			conversion |= conv;
			continue;
		}
		char c = s[i];
		if (c == '(' && strncmp(s + i, anon_ns, ANON_NS_LEN) == 0) {
			i += ANON_NS_LEN;
			continue;
		}
		if (c == '(' && depth == 0)
			break;
		if (is_open(c))
			depth++;
		else if (is_close(c) && depth > 0)
			depth--;
		else if (c == ' ' && depth == 0 && !conversion)
			tok = i + 1;
		i++;
	}
	*name = s + tok;
	*len = i - tok;
	*rest = s + i;
}

/* Calls fn for each "::" component of name[0..len). */
struct component {
	const char *s;
	size_t len;
};

static size_t split_components(const char *name, size_t len, struct component *out, size_t max)
{
	size_t n = 0, depth = 0, start = 0, i = 0;
	while (i < len) {
		int conv;
		size_t op = operator_token(name, i, &conv);
		if (op > 0) {
			i += conv ? len - i : op; /* a conversion type ends the name */
			continue;
		}
		char c = name[i];
		if (c == '(' && strncmp(name + i, anon_ns, ANON_NS_LEN) == 0) {
			i += ANON_NS_LEN;
			continue;
		}
		if (is_open(c)) {
			depth++;
		} else if (is_close(c) && depth > 0) {
			depth--;
		} else if (c == ':' && name[i + 1] == ':' && depth == 0) {
			if (n < max)
				out[n++] = (struct component){name + start, i - start};
			i += 2;
			start = i;
			continue;
		}
		i++;
	}
	if (n < max && i > start)
		out[n++] = (struct component){name + start, i - start};
	return n;
}

/* Writes s[0..n) with every top-level template argument list as "<…>". */
struct out_buf {
	char *s;
	size_t size, len;
};

static void put(struct out_buf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->s[o->len] = s[i];
	if (o->size > 0)
		o->s[o->len + 1 < o->size ? o->len : o->size - 1] = '\0';
}

static void put_elided(struct out_buf *o, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		int conv;
		size_t op = operator_token(s, i, &conv);
		if (op > 0 && !conv) {
			put(o, s + i, op);
			i += op;
			continue;
		}
		if (s[i] != '<') {
			put(o, s + i, 1);
			i++;
			continue;
		}
		size_t depth = 0;
		for (; i < n; i++) {
			if (s[i] == '<')
				depth++;
			else if (s[i] == '>' && --depth == 0)
				break;
		}
		put(o, "<\xe2\x80\xa6>", 5); /* "<…>" */
		if (i < n)
			i++;
	}
}

/* Is the qualified name of the demangled function in one of spaces? */
static int in_namespaces(const char *demangled, const char *const *spaces)
{
	if (!cxxname_is_demangled(demangled))
		return 0;
	const char *name, *rest;
	size_t len;
	split_name(demangled, &name, &len, &rest);
	for (size_t i = 0; spaces[i] != NULL; i++)
		if (len > strlen(spaces[i]) && strncmp(name, spaces[i], strlen(spaces[i])) == 0)
			return 1;
	return 0;
}

int cxxname_in_runtime_namespace(const char *demangled)
{
	static const char *const spaces[] = {"std::", "__gnu_cxx::", "__cxxabiv1::", NULL};
	return in_namespaces(demangled, spaces);
}

int cxxname_in_test_namespace(const char *demangled)
{
	static const char *const spaces[] = {"testing::", "Catch::", "doctest::", NULL};
	return in_namespaces(demangled, spaces);
}

size_t cxxname_base(const char *fn, char *out, size_t size)
{
	struct out_buf o = {out, size, 0};
	if (size > 0)
		out[0] = '\0';
	if (fn == NULL)
		return 0;
	if (!cxxname_is_demangled(fn) && strchr(fn, '<') == NULL) {
		put(&o, fn, strlen(fn));
		return o.len;
	}
	const char *name, *rest;
	size_t len;
	split_name(fn, &name, &len, &rest);
	struct component parts[64];
	size_t n = split_components(name, len, parts, sizeof(parts) / sizeof(parts[0]));
	const char *s = n > 0 ? parts[n - 1].s : name;
	size_t m = n > 0 ? parts[n - 1].len : len;
	size_t depth = 0;
	for (size_t i = 0; i < m;) {
		int conv;
		size_t op = depth == 0 ? operator_token(s, i, &conv) : 0;
		if (op > 0) {
			size_t take = conv ? m - i : op;
			put(&o, s + i, take);
			i += take;
			continue;
		}
		char c = s[i++];
		if (c == '<' || c == '[')
			depth++;
		else if ((c == '>' || c == ']') && depth > 0)
			depth--;
		else if (depth == 0)
			put(&o, &c, 1);
	}
	return o.len;
}

int cxxname_is_template(const char *demangled)
{
	if (!cxxname_is_demangled(demangled))
		return 0;
	const char *name, *rest;
	size_t len;
	split_name(demangled, &name, &len, &rest);
	for (size_t i = 0; i < len; i++) {
		int conv;
		size_t op = operator_token(name, i, &conv);
		if (op > 0 && !conv)
			i += op - 1;
		else if (name[i] == '<')
			return 1;
	}
	return 0;
}

size_t cxxname_short(const char *fn, int elide_params, char *out, size_t size)
{
	struct out_buf o = {out, size, 0};
	if (size > 0)
		out[0] = '\0';
	if (!cxxname_is_demangled(fn)) {
		put(&o, fn, strlen(fn));
		return o.len;
	}
	const char *name, *rest;
	size_t len;
	split_name(fn, &name, &len, &rest);
	put_elided(&o, name, len);
	if (elide_params && *rest == '(') {
		/* "(…)" for the parameters; qualifiers after them stay */
		size_t depth = 0, i = 0;
		for (; rest[i] != '\0'; i++) {
			if (is_open(rest[i]))
				depth++;
			else if (is_close(rest[i]) && --depth == 0)
				break;
		}
		put(&o, strcmp(rest, "()") == 0 ? "()" : "(\xe2\x80\xa6)", strcmp(rest, "()") == 0 ? 2 : 5);
		rest += rest[i] != '\0' ? i + 1 : i;
	}
	put_elided(&o, rest, strlen(rest));
	return o.len;
}

/* ---- identifier globs ---- */

#define MAX_COMPONENTS 64

/* The identifier a component contributes to the linkage name, or none
 * (len 0): "(anonymous namespace)" is spelled _GLOBAL__N_1; operators,
 * destructors, lambdas and constructors (named after their class) are
 * not spelled by name. */
static struct component component_ident(const struct component *c, const struct component *prev)
{
	static const char anon_ident[] = "_GLOBAL__N_1";
	struct component none = {NULL, 0};
	if (c->len >= ANON_NS_LEN && strncmp(c->s, anon_ns, ANON_NS_LEN) == 0)
		return (struct component){anon_ident, sizeof(anon_ident) - 1};
	size_t n = 0;
	while (n < c->len && is_ident_char(c->s[n]))
		n++;
	if (n == 0 || (n == 8 && strncmp(c->s, "operator", 8) == 0))
		return none;
	struct component id = {c->s, n};
	if (prev != NULL && prev->len == n && strncmp(prev->s, id.s, n) == 0)
		return none; /* a constructor */
	return id;
}

/* The identifiers of a demangled name's qualified name, in order. */
static size_t name_idents(const char *demangled, struct component *ids, size_t max)
{
	const char *name, *rest;
	size_t len;
	split_name(demangled, &name, &len, &rest);
	struct component comps[MAX_COMPONENTS];
	size_t n = split_components(name, len, comps, MAX_COMPONENTS);
	static const char *const std_abbrev[] = {"allocator", "basic_string", "basic_istream",
						 "basic_ostream", "basic_iostream", NULL};
	size_t k = 0;
	struct component prev = {NULL, 0};
	for (size_t i = 0; i < n && k < max; i++) {
		struct component id = component_ident(&comps[i], prev.s != NULL ? &prev : NULL);
		struct component this_ident = id;
		if (id.len == 3 && strncmp(id.s, "std", 3) == 0 && i == 0)
			id.len = 0; /* spelled St */
		if (i == 1 && prev.len == 3 && strncmp(prev.s, "std", 3) == 0)
			for (size_t a = 0; std_abbrev[a] != NULL; a++)
				if (strlen(std_abbrev[a]) == id.len &&
				    strncmp(std_abbrev[a], id.s, id.len) == 0)
					id.len = 0; /* spelled Sa, Sb, Si, So, Sd */
		if (id.len > 0)
			ids[k++] = id;
		prev = this_ident.len > 0 ? this_ident : comps[i];
	}
	return k;
}

char *cxxname_ident_glob(const char *demangled)
{
	if (demangled == NULL)
		return NULL;
	struct component ids[MAX_COMPONENTS];
	size_t n = name_idents(demangled, ids, MAX_COMPONENTS);
	if (n == 0)
		return NULL;
	size_t cap = 2;
	for (size_t i = 0; i < n; i++)
		cap += ids[i].len + 24;
	char *out = xmalloc(cap);
	size_t o = 0;
	out[o++] = '*';
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, cap - o, "%zu%.*s*", ids[i].len, (int)ids[i].len,
				      ids[i].s);
	}
	return out;
}

int cxxname_ident_glob_match(const char *pattern, const char *demangled)
{
	size_t plen = strlen(pattern);
	if (plen < 3 || pattern[0] != '*' || pattern[plen - 1] != '*')
		return -1;
	struct component want[MAX_COMPONENTS];
	size_t n_want = 0;
	for (const char *p = pattern + 1; *p != '\0';) {
		char *end;
		unsigned long len = strtoul(p, &end, 10);
		if (end == p || len == 0 || n_want == MAX_COMPONENTS)
			return -1;
		for (unsigned long i = 0; i < len; i++)
			if (!is_ident_char(end[i]))
				return -1;
		if (end[len] != '*')
			return -1;
		want[n_want++] = (struct component){end, len};
		p = end + len + 1;
	}
	if (demangled == NULL)
		return 0;
	struct component ids[MAX_COMPONENTS];
	size_t n = name_idents(demangled, ids, MAX_COMPONENTS);
	size_t w = 0;
	for (size_t i = 0; i < n && w < n_want; i++)
		if (ids[i].len == want[w].len && strncmp(ids[i].s, want[w].s, ids[i].len) == 0)
			w++;
	return w == n_want;
}

/* ---- covering globs ---- */

char *cxxname_cover(const char *const *names, size_t n)
{
	size_t len = strlen(names[0]);
	int same_len = 1;
	for (size_t i = 1; i < n; i++)
		same_len &= strlen(names[i]) == len;
	if (same_len) {
		char *out = xstrdup(names[0]);
		for (size_t i = 1; i < n; i++)
			for (size_t k = 0; k < len; k++)
				if (out[k] != names[i][k])
					out[k] = '?';
		return out;
	}
	size_t pre = len, suf = len;
	for (size_t i = 1; i < n; i++) {
		size_t m = strlen(names[i]), k = 0;
		while (k < pre && k < m && names[i][k] == names[0][k])
			k++;
		pre = k;
		k = 0;
		while (k < suf && k < m && names[i][m - 1 - k] == names[0][len - 1 - k])
			k++;
		suf = k;
	}
	size_t shortest = len;
	for (size_t i = 1; i < n; i++)
		if (strlen(names[i]) < shortest)
			shortest = strlen(names[i]);
	if (pre + suf > shortest)
		suf = shortest - pre;
	return xasprintf("%.*s*%s", (int)pre, names[0], names[0] + len - suf);
}
