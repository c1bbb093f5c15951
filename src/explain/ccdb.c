/*
 * ccdb.c — compile_commands.json for the C/C++ helper.  See ccdb.h.
 */
/* realpath() is XSI */
#define _XOPEN_SOURCE 700

#include "explain/ccdb.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

#define MAX_DBS 8       /* databases kept */
#define MAX_UP 32       /* directories walked up from a source */
#define MAX_WORDS 4096  /* words of one command */

struct loaded {
	char *path;      /* the compile_commands.json */
	json_t *entries; /* its array, or NULL when unreadable */
};

struct ccdb {
	const struct srcpolicy *policy;
	struct loaded dbs[MAX_DBS];
	size_t n_dbs;
};

struct ccdb *ccdb_new(const struct srcpolicy *policy)
{
	struct ccdb *db = xcalloc(1, sizeof(*db));
	db->policy = policy;
	return db;
}

void ccdb_free(struct ccdb *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n_dbs; i++) {
		free(db->dbs[i].path);
		json_decref(db->dbs[i].entries);
	}
	free(db);
}

void ccdb_flags_clear(struct ccdb_flags *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->argv[i]);
	for (size_t i = 0; i < f->n_roots; i++)
		free(f->roots[i]);
	memset(f, 0, sizeof(*f));
}

char **ccdb_split_command(const char *cmd, size_t max)
{
	char **words = xcalloc(max + 1, sizeof(*words));
	size_t n = 0, len = strlen(cmd);
	char *w = xmalloc(len + 1);
	const char *p = cmd;
	while (n < max) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		size_t k = 0;
		char quote = 0;
		for (; *p != '\0'; p++) {
			if (quote == 0 && (*p == ' ' || *p == '\t' || *p == '\n'))
				break;
			if (quote == 0 && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (quote != 0 && *p == quote)
				quote = 0;
			else if (*p == '\\' && quote != '\'' && p[1] != '\0')
				w[k++] = *++p;
			else
				w[k++] = *p;
		}
		w[k] = '\0';
		words[n++] = xstrdup(w);
	}
	free(w);
	return words;
}

/* A compile_commands.json's array, or NULL. */
static json_t *parse_db(const char *text, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);
	if (root != NULL && !json_is_array(root)) {
		json_decref(root);
		root = NULL;
	}
	return root;
}

/* The database at path, read once through the policy; NULL when it is
 * not there, refused, or not a compile_commands.json. */
static json_t *load(struct ccdb *db, const char *path)
{
	for (size_t i = 0; i < db->n_dbs; i++)
		if (strcmp(db->dbs[i].path, path) == 0)
			return db->dbs[i].entries;
	const char *why;
	size_t len;
	char *text = srcpolicy_read(db->policy, path, &len, &why);
	if (text == NULL)
		return NULL; /* not there: nothing remembered */
	json_t *root = parse_db(text, len);
	free(text);
	if (db->n_dbs == MAX_DBS) {
		json_decref(root);
		return NULL;
	}
	db->dbs[db->n_dbs].path = xstrdup(path);
	db->dbs[db->n_dbs].entries = root;
	db->n_dbs++;
	return root;
}

/* An entry's file, joined to its directory and resolved; malloc'd or NULL. */
static char *entry_file(json_t *e)
{
	const char *dir = json_string_value(json_object_get(e, "directory"));
	const char *file = json_string_value(json_object_get(e, "file"));
	if (file == NULL)
		return NULL;
	char *joined = file[0] == '/' || dir == NULL ? xstrdup(file) : xasprintf("%s/%s", dir, file);
	char *real = realpath(joined, NULL);
	free(joined);
	return real;
}

static size_t common_dirs(const char *a, const char *b)
{
	size_t n = 0, last = 0;
	while (a[n] != '\0' && a[n] == b[n]) {
		if (a[n] == '/')
			last = n;
		n++;
	}
	return last;
}

/* The entry for real (its own, else the nearest one); *own set when its own. */
static json_t *entry_for(json_t *entries, const char *real, int *own)
{
	json_t *best = NULL;
	size_t best_common = 0;
	*own = 0;
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		if (!json_is_object(e))
			continue;
		char *f = entry_file(e);
		if (f == NULL)
			continue;
		size_t c = common_dirs(f, real);
		int same = strcmp(f, real) == 0;
		free(f);
		if (same) {
			*own = 1;
			return e;
		}
		if (best == NULL || c > best_common) {
			best = e;
			best_common = c;
		}
	}
	return best;
}

static void add_flag(struct ccdb_flags *out, char *flag)
{
	if (out->n < CCDB_MAX_FLAGS)
		out->argv[out->n++] = flag;
	else
		free(flag);
}

static void add_include(struct ccdb *db, struct ccdb_flags *out, const char *dir, const char *d)
{
	char *joined = d[0] == '/' || dir == NULL ? xstrdup(d) : xasprintf("%s/%s", dir, d);
	const char *why = "too many";
	char *real = NULL;
	if (srcpolicy_check_dir(db->policy, joined, &why) == 0 &&
	    (real = realpath(joined, NULL)) != NULL && out->n_roots < CCDB_MAX_FLAGS) {
		add_flag(out, xasprintf("-I%s", real));
		out->roots[out->n_roots++] = real;
	} else {
		free(real);
		size_t used = strlen(out->left_out);
		if (real == NULL && used + 8 < sizeof(out->left_out))
			snprintf(out->left_out + used, sizeof(out->left_out) - used, "%s-I%s (%s)",
				 used > 0 ? ", " : "", joined, why);
	}
	free(joined);
}

/* The flags of one entry's words. */
static void take_words(struct ccdb *db, struct ccdb_flags *out, const char *dir,
		       char *const *w, size_t n)
{
	static const char *const inc[] = {"-I", "-isystem", "-iquote", "-idirafter", NULL};
	for (size_t i = 1; i < n; i++) {
		const char *a = w[i];
		int taken = 0;
		for (size_t k = 0; inc[k] != NULL && !taken; k++) {
			size_t l = strlen(inc[k]);
			if (strncmp(a, inc[k], l) != 0)
				continue;
			taken = 1;
			if (a[l] != '\0')
				add_include(db, out, dir, a + l);
			else if (i + 1 < n)
				add_include(db, out, dir, w[++i]);
		}
		if (taken)
			continue;
		if ((strncmp(a, "-D", 2) == 0 || strncmp(a, "-U", 2) == 0) && a[2] != '\0')
			add_flag(out, xstrdup(a));
		else if ((strcmp(a, "-D") == 0 || strcmp(a, "-U") == 0) && i + 1 < n) {
			add_flag(out, xasprintf("%s%s", a, w[i + 1]));
			i++;
		} else if (strncmp(a, "-std=", 5) == 0)
			add_flag(out, xstrdup(a));
	}
}

static void take_entry(struct ccdb *db, struct ccdb_flags *out, json_t *e)
{
	const char *dir = json_string_value(json_object_get(e, "directory"));
	json_t *args = json_object_get(e, "arguments");
	const char *cmd = json_string_value(json_object_get(e, "command"));
	char **words = NULL;
	size_t n = 0;
	if (json_is_array(args)) {
		size_t count = json_array_size(args) < MAX_WORDS ? json_array_size(args) : MAX_WORDS;
		words = xcalloc(count + 1, sizeof(*words));
		for (size_t i = 0; i < count; i++) {
			const char *s = json_string_value(json_array_get(args, i));
			words[n++] = xstrdup(s != NULL ? s : "");
		}
	} else if (cmd != NULL) {
		words = ccdb_split_command(cmd, MAX_WORDS);
		while (words[n] != NULL)
			n++;
	}
	if (words != NULL)
		take_words(db, out, dir, words, n);
	const char *file = json_string_value(json_object_get(e, "file"));
	static const char *const cxx[] = {".cc", ".cpp", ".cxx", ".C", ".c++", NULL};
	for (size_t i = 0; file != NULL && cxx[i] != NULL; i++)
		out->cxx |= vgt_has_suffix(file, cxx[i]);
	out->cxx |= n > 0 && vgt_has_suffix(words[0], "++");
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

/* The flags of real's entry in entries; 0, or -1 when none. */
static int flags_in(struct ccdb *db, json_t *entries, const char *real, struct ccdb_flags *out)
{
	int own = 0;
	json_t *e = entries != NULL ? entry_for(entries, real, &own) : NULL;
	if (e == NULL)
		return -1;
	char *f = entry_file(e);
	snprintf(out->entry, sizeof(out->entry), "%s%s", f != NULL ? f : "?",
		 own ? "" : " (the nearest entry: none names this file)");
	free(f);
	take_entry(db, out, e);
	return 0;
}

int ccdb_flags_in_text(struct ccdb *db, const char *text, size_t len, const char *real,
		       struct ccdb_flags *out)
{
	memset(out, 0, sizeof(*out));
	json_t *entries = parse_db(text, len);
	int rc = flags_in(db, entries, real, out);
	json_decref(entries);
	return rc;
}

int ccdb_flags_for(struct ccdb *db, const char *path, struct ccdb_flags *out)
{
	memset(out, 0, sizeof(*out));
	char *real = realpath(path, NULL);
	if (real == NULL)
		return -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", real);
	json_t *entries = NULL;
	for (int up = 0; up < MAX_UP && entries == NULL; up++) {
		char *slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			break;
		*slash = '\0';
		const char *why;
		if (srcpolicy_check_dir(db->policy, dir, &why) != 0)
			break; /* above the roots */
		static const char *const names[] = {"compile_commands.json",
						    "build/compile_commands.json"};
		for (size_t k = 0; k < 2 && entries == NULL; k++) {
			char *cand = xasprintf("%s/%s", dir, names[k]);
			if ((entries = load(db, cand)) != NULL)
				snprintf(out->db, sizeof(out->db), "%s", cand);
			free(cand);
		}
	}
	int rc = flags_in(db, entries, real, out);
	free(real);
	return rc;
}

void ccdb_describe(const char *path, const struct ccdb_flags *f, int found, char *buf,
		   size_t size)
{
	if (!found) {
		snprintf(buf, size, "%s parsed with the helper's defaults: %s", path,
			 f->db[0] != '\0' ? "its compile_commands.json has no entry to take"
					   : "no compile_commands.json (or build/compile_commands.json) "
					     "in its directory or above it, within the source roots");
		return;
	}
	size_t used = (size_t)snprintf(buf, size, "%s parsed with the flags of %s, entry %s:", path,
				       f->db, f->entry);
	for (size_t i = 0; i < f->n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, " %s", f->argv[i]);
	if (f->n == 0 && used < size)
		used += (size_t)snprintf(buf + used, size - used, " none taken");
	if (f->left_out[0] != '\0' && used < size)
		snprintf(buf + used, size - used, "; left out: %s", f->left_out);
}
