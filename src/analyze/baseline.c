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

#define FP_LEN 16

struct baseline {
	char (*fps)[FP_LEN + 1]; /* sorted */
	size_t count, cap;
};

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
	}
	if (ferror(f)) {
		vgt_error_set(err, path, lineno, 0, "read error: %s", strerror(errno));
		goto fail;
	}
	free(line);
	if (b->count > 1)
		qsort(b->fps, b->count, sizeof(*b->fps), cmp_fp);
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

size_t baseline_apply(const struct baseline *b, struct vgt_report *report)
{
	const char *known = strpool_intern(report->pool, "known");
	const char *fresh = strpool_intern(report->pool, "new");
	size_t n_new = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		struct vgt_site *s = report->sites[i];
		s->baseline = baseline_contains(b, s->fingerprint) ? known : fresh;
		if (!s->hidden && s->baseline == fresh)
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
	fprintf(out, "# vgtriage baseline 1: fingerprint kind location\n"
		     "# Sites listed here count as known under --baseline; --fail-on new fails on others.\n");
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(sites[i]->fingerprint, sites[i - 1]->fingerprint) == 0)
			continue;
		const char *loc = escape_text_pool(report->pool, paths_location_label(report, &sites[i]->location));
		/* Keep the line one line, whatever the location holds. */
		fprintf(out, "%s %s ", sites[i]->fingerprint,
			escape_text_pool(report->pool, sites[i]->kind_name));
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
