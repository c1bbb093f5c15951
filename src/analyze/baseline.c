/*
 * baseline.c — --write-baseline / --baseline (see baseline.h).
 */
#include "analyze/baseline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "model/paths.h"
#include "base/safefile.h"
#include "analyze/sites.h"

#define FP_LEN 16

struct baseline {
	char (*fps)[FP_LEN + 1]; /* sorted */
	size_t count, cap;
	/* Where each site was, from the "s:"/"c:" field (sorted): the key,
	 * then 's' when the fingerprint had the statement, 'c' when not. */
	char (*wheres)[FP_LEN + 2];
	size_t n_wheres, wheres_cap;
};

/* Where a site is, the same in every checkout: kind, the file's last
 * component (or the object's), function (as the fingerprint counts it)
 * and line.  Used only when one
 * side's fingerprint was made without the source (baseline.h). */
void baseline_where(const struct vgt_site *s, char out[17])
{
	const struct vgt_location *loc = &s->location;
	const char *file = loc->file != NULL ? loc->file : loc->obj;
	if (file != NULL && strrchr(file, '/') != NULL)
		file = strrchr(file, '/') + 1;
	char line[24];
	snprintf(line, sizeof(line), "%u", loc->line);
	uint64_t h = 1469598103934665603ULL;
	h = sites_hash_field(h, s->kind_name);
	h = sites_hash_field(h, file);
	h = sites_hash_function(h, loc->function);
	h = sites_hash_field(h, line);
	snprintf(out, FP_LEN + 1, "%016llx", (unsigned long long)h);
}

/* The fingerprint was made from the culprit statement (the source was at
 * hand, or the Cython marker gave it), not from the callers. */
int baseline_has_statement(const struct vgt_site *s)
{
	return site_detail(s)->statement != NULL || s->location.source != NULL;
}

static int cmp_fp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int is_fingerprint(const char *s, size_t len)
{
	if (len != FP_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

struct baseline *baseline_load(const char *path, struct vgt_error *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		vgt_error_set(err, path, 0, 0, "cannot read baseline: %s", strerror(errno));
		return NULL;
	}
	struct baseline *b = baseline_load_stream(f, path, err);
	fclose(f);
	return b;
}

struct baseline *baseline_load_stream(FILE *f, const char *path, struct vgt_error *err)
{
	struct baseline *b = xcalloc(1, sizeof(*b));
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		const char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		size_t len = strcspn(s, " \t\r\n");
		if (!is_fingerprint(s, len)) {
			vgt_error_set(err, path, lineno, 1,
				      "expected a fingerprint (16 hex digits) at the start of the line, "
				      "got '%.*s'", (int)(len < 40 ? len : 40), s);
			goto fail;
		}
		b->fps = xgrow(b->fps, &b->cap, b->count + 1, sizeof(*b->fps));
		for (size_t i = 0; i < FP_LEN; i++)
			b->fps[b->count][i] = (char)tolower((unsigned char)s[i]);
		b->fps[b->count][FP_LEN] = '\0';
		b->count++;
		/* "s:KEY" or "c:KEY" after it (older files have the kind there) */
		const char *w = s + len;
		while (*w == ' ' || *w == '\t')
			w++;
		size_t wlen = strcspn(w, " \t\r\n");
		if (wlen == FP_LEN + 2 && (w[0] == 's' || w[0] == 'c') && w[1] == ':' &&
		    is_fingerprint(w + 2, FP_LEN)) {
			b->wheres = xgrow(b->wheres, &b->wheres_cap, b->n_wheres + 1, sizeof(*b->wheres));
			for (size_t i = 0; i < FP_LEN; i++)
				b->wheres[b->n_wheres][i] = (char)tolower((unsigned char)w[2 + i]);
			b->wheres[b->n_wheres][FP_LEN] = w[0];
			b->wheres[b->n_wheres][FP_LEN + 1] = '\0';
			b->n_wheres++;
		}
	}
	if (ferror(f)) {
		vgt_error_set(err, path, lineno, 0, "read error: %s", strerror(errno));
		goto fail;
	}
	free(line);
	if (b->count > 1)
		qsort(b->fps, b->count, sizeof(*b->fps), cmp_fp);
	if (b->n_wheres > 1)
		qsort(b->wheres, b->n_wheres, sizeof(*b->wheres), cmp_fp);
	return b;
fail:
	free(line);
	baseline_free(b);
	return NULL;
}

void baseline_free(struct baseline *b)
{
	if (b == NULL)
		return;
	free(b->fps);
	free(b->wheres);
	free(b);
}

size_t baseline_count(const struct baseline *b)
{
	return b != NULL ? b->count : 0;
}

int baseline_contains(const struct baseline *b, const char *fingerprint)
{
	if (b == NULL || b->count == 0)
		return 0;
	char key[FP_LEN + 1];
	snprintf(key, sizeof(key), "%s", fingerprint);
	return bsearch(key, b->fps, b->count, sizeof(*b->fps), cmp_fp) != NULL;
}

int baseline_knows_where(const struct baseline *b, const struct vgt_site *site)
{
	if (b == NULL || b->n_wheres == 0)
		return 0;
	char key[FP_LEN + 2];
	baseline_where(site, key);
	/* the same place, fingerprinted without the source on one side: in
	 * another checkout, or read from where the source is not at hand */
	static const char kinds[2] = {'s', 'c'};
	for (int k = 0; k < 2; k++) {
		if (kinds[k] == 's' && baseline_has_statement(site))
			continue; /* both had the statement: the fingerprints decide */
		key[FP_LEN] = kinds[k];
		key[FP_LEN + 1] = '\0';
		if (bsearch(key, b->wheres, b->n_wheres, sizeof(*b->wheres), cmp_fp) != NULL)
			return 1;
	}
	return 0;
}

size_t baseline_apply(const struct baseline *b, struct vgt_report *report)
{
	const char *known = strpool_intern(report->pool, "known");
	const char *fresh = strpool_intern(report->pool, "new");
	size_t n_new = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		const char *verdict = baseline_contains(b, s->fingerprint) ||
				      baseline_knows_where(b, s) ? known : fresh;
		site_detail_mut(s)->baseline = verdict;
		if (!s->hidden && verdict == fresh)
			n_new++;
	}
	return n_new;
}

static int cmp_site_fp(const void *a, const void *b)
{
	const struct vgt_site *x = *(const struct vgt_site *const *)a;
	const struct vgt_site *y = *(const struct vgt_site *const *)b;
	return strcmp(x->fingerprint, y->fingerprint);
}

int baseline_write(FILE *out, const struct vgt_report *report)
{
	size_t n = report->n_shown;
	const struct vgt_site **sites = xcalloc(n + 1, sizeof(*sites));
	for (size_t i = 0; i < n; i++)
		sites[i] = report->sites[i];
	if (n > 1)
		qsort(sites, n, sizeof(*sites), cmp_site_fp);
	fprintf(out, "# vgtriage baseline 1: fingerprint where kind location\n"
		     "# Sites listed here count as known under --baseline; --fail-on new fails on others.\n");
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(sites[i]->fingerprint, sites[i - 1]->fingerprint) == 0)
			continue;
		const char *loc = escape_text_pool(report->pool, paths_location_label(report, &sites[i]->location));
		/* Keep the line one line, whatever the location holds. */
		char where[FP_LEN + 1];
		baseline_where(sites[i], where);
		fprintf(out, "%s %c:%s %s ", sites[i]->fingerprint, baseline_has_statement(sites[i]) ? 's' : 'c',
			where, escape_text_pool(report->pool, sites[i]->kind_name));
		for (const char *p = loc; *p != '\0'; p++)
			fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
		fputc('\n', out);
	}
	free(sites);
	return ferror(out) ? -1 : 0;
}

int baseline_write_path(const char *path, const struct vgt_report *report,
			struct vgt_error *err)
{
	struct safefile *sf = safefile_open(path, err);
	if (sf == NULL)
		return -1;
	FILE *f = safefile_stream(sf);
	if (f == NULL || baseline_write(f, report) != 0) {
		vgt_error_set(err, path, 0, 0, "write error: %s", strerror(errno));
		safefile_abort(sf);
		return -1;
	}
	return safefile_commit(sf, err);
}
