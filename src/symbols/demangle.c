/*
 * demangle.c — Python names from Cython cnames (see demangle.h).
 *
 * Facts from Cython's Symtab.py / Nodes.py (0.29 and 3.x): a scope's
 * prefix is "%d%s_" per scope (module components, class, enclosing
 * function); def functions get prefix + next_id(scope prefix) + name, where
 * the per-scope counter is omitted the first time (so "" then 1, 2, …);
 * generator bodies are prefix + counter + "generator"[N]; lambdas are
 * "__pyx_lambda_funcdef_" + scope prefix + "lambda"[N]; fused
 * specialisations put "__pyx_fuse_" + index before the original cname.
 */
#include "symbols/demangle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

struct prefix_kind {
	const char *prefix;
	enum demangle_kind kind;
	int counter; /* 0 none, 1 optional, 2 required before the name */
};

static const struct prefix_kind prefixes[] = {
	{"__pyx_pf_", DEMANGLE_PF, 1},
	{"__pyx_pw_", DEMANGLE_PW, 2},
	{"__pyx_f_", DEMANGLE_F, 0},
	{"__pyx_api_f_", DEMANGLE_F, 0},
	{"__pyx_gb_", DEMANGLE_GB, 1},
	{"__pyx_lambda_funcdef_", DEMANGLE_LAMBDA, 0},
	{"__pyx_tp_new_", DEMANGLE_TP_NEW, 0},
	{"__pyx_tp_dealloc_", DEMANGLE_TP_DEALLOC, 0},
	{"__pyx_pymod_exec_", DEMANGLE_MODULE_EXEC, 0},
	{NULL, DEMANGLE_NONE, 0},
};

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads the decimal number at s; returns the digits' length (0: none). */
static size_t read_number(const char *s, size_t *value)
{
	size_t i = 0, v = 0;
	while (isdigit((unsigned char)s[i]) && i < 9)
		v = v * 10 + (size_t)(s[i++] - '0');
	*value = v;
	return i;
}

/* A length-prefixed scope component "N<N chars>_" with more after it. */
static int scope_at(const char *s, size_t *digits, size_t *len)
{
	size_t n;
	size_t d = read_number(s, &n);
	if (d == 0 || n == 0 || strnlen(s + d, n + 2) < n + 2 || s[d + n] != '_')
		return 0;
	*digits = d;
	*len = n;
	return 1;
}

/* Could s be a plain Python name (as left after a counter)?  A name that
 * itself contains "_N<N chars>_" is a scope chain, not a name. */
static int plain_name(const char *s)
{
	if (*s == '\0' || isdigit((unsigned char)*s))
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		size_t d, n;
		if (*p == '_' && isdigit((unsigned char)p[1]) && scope_at(p + 1, &d, &n))
			return 0;
	}
	return 1;
}

/* Skips "__pyx_fuse_<index>" (index: digits and underscores) before the
 * original cname; returns the original, or NULL. */
static const char *skip_fuse(const char *cname)
{
	const char *p = cname + strlen("__pyx_fuse_");
	const char *inner = strstr(p, "__pyx_");
	if (inner == NULL || inner == p)
		return NULL;
	for (const char *q = p; q < inner; q++)
		if (!isdigit((unsigned char)*q) && *q != '_')
			return NULL;
	return inner;
}

/* Reads scope components greedily (a structure beats a coincidence), then
 * an optional counter, then the name.  kind_counter: 0 none, 1 optional
 * (def implementations, generator bodies), 2 required (wrappers: the
 * implementation took the scope's first id). */
static void parse_scopes(const char *s, int kind_counter, struct demangle_parts *parts)
{
	const char *last_scope_at = NULL;
	int counted = 0;
	for (;;) {
		size_t d, n, value;
		if (parts->n_scopes < DEMANGLE_MAX_PARTS && scope_at(s, &d, &n)) {
			last_scope_at = s;
			parts->scope[parts->n_scopes].s = s + d;
			parts->scope[parts->n_scopes].len = n;
			parts->n_scopes++;
			s += d + n + 1;
			continue;
		}
		size_t digits = read_number(s, &value);
		if (kind_counter > 0 && digits > 0) {
			s += digits;
			counted = 1;
		}
		break;
	}
	if (kind_counter > 0 && last_scope_at != NULL && parts->n_scopes > 1) {
		size_t value;
		size_t digits = read_number(last_scope_at, &value);
		int could_count = plain_name(last_scope_at + digits);
		if (kind_counter == 2 && !counted && could_count) {
			/* a wrapper always has a counter: the last "scope" was it */
			parts->n_scopes--;
			s = last_scope_at + digits;
		} else if (kind_counter == 1 && !counted && could_count) {
			/* no counter: the first def of its scope, or counter N of
			 * a name that happens to look like a scope */
			parts->ambiguous = 1;
		}
	}
	parts->name = s;
	parts->name_len = strlen(s);
}

int demangle_split(const char *cname, struct demangle_parts *parts)
{
	memset(parts, 0, sizeof(*parts));
	if (cname == NULL)
		return -1;
	if (starts_with(cname, "__pyx_fuse_")) {
		const char *inner = skip_fuse(cname);
		if (inner == NULL || demangle_split(inner, parts) != 0)
			return -1;
		parts->fused = 1;
		return 0;
	}
	for (const struct prefix_kind *pk = prefixes; pk->prefix != NULL; pk++) {
		if (!starts_with(cname, pk->prefix))
			continue;
		const char *rest = cname + strlen(pk->prefix);
		parts->kind = pk->kind;
		if (pk->kind == DEMANGLE_MODULE_EXEC) {
			parts->name = rest;
			parts->name_len = strlen(rest);
		} else {
			parse_scopes(rest, pk->counter, parts);
		}
		if (parts->name_len == 0) {
			parts->kind = DEMANGLE_NONE;
			return -1;
		}
		return 0;
	}
	return -1;
}

/* "__pyx_scope_struct_1_gen_leak" → "gen_leak" (closure scope classes). */
static void closure_function(const char **name, size_t *len)
{
	static const char tag[] = "__pyx_scope_struct_";
	if (*len <= sizeof(tag) - 1 || strncmp(*name, tag, sizeof(tag) - 1) != 0)
		return;
	const char *p = *name + sizeof(tag) - 1;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '_')
		p++;
	*len -= (size_t)(p - *name);
	*name = p;
}

const char *demangle_cython(struct strpool *pool, const char *cname, int *ambiguous)
{
	struct demangle_parts parts;
	if (ambiguous != NULL)
		*ambiguous = 0;
	if (demangle_split(cname, &parts) != 0)
		return NULL;
	size_t cap = strlen(cname) + 64;
	char *buf = xmalloc(cap);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < parts.n_scopes; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%.*s.", (int)parts.scope[i].len,
					 parts.scope[i].s);
	const char *name = parts.name;
	size_t len = parts.name_len;
	int guessed = parts.ambiguous;
	switch (parts.kind) {
	case DEMANGLE_GB:
		/* "generator"[N]: the Python name is not in the cname. */
		snprintf(buf + used, cap - used, "<generator>");
		guessed = 1;
		break;
	case DEMANGLE_TP_NEW:
	case DEMANGLE_TP_DEALLOC: {
		int closure = strncmp(name, "__pyx_scope_struct_", 19) == 0;
		closure_function(&name, &len);
		snprintf(buf + used, cap - used, "%.*s.%s", (int)len, name,
			 closure ? "<closure scope>"
				 : parts.kind == DEMANGLE_TP_NEW ? "__new__" : "__dealloc__");
		break;
	}
	case DEMANGLE_MODULE_EXEC:
		snprintf(buf + used, cap - used, "%.*s.<module>", (int)len, name);
		break;
	default:
		snprintf(buf + used, cap - used, "%.*s", (int)len, name);
		break;
	}
	const char *out = strpool_intern(pool, buf);
	free(buf);
	if (ambiguous != NULL)
		*ambiguous = guessed;
	return out;
}
