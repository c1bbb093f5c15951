/*
 * watch.c — leak growth snapshots for `run --watch` (see watch.h).
 *
 * Each vgdb answer goes through a fresh pipeline, so that a snapshot's
 * sites are grouped, symbolized and hidden exactly like the final report's.
 * Only what the sites say survives the snapshot: growth per fingerprint.
 */
#include "cmd/watch.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/escape.h"
#include "vgtriage/strpool.h"
#include "vgtriage/vgt.h"

/* Growth since the first snapshot, per site fingerprint. */
struct watch_total {
	char fingerprint[17];
	int64_t bytes, blocks;
};

struct watch {
	const struct pipeline_options *popts;
	FILE *out;
	enum vgt_format format;
	int color;
	struct strpool *pool;        /* labels outlive each snapshot's report */
	unsigned snapshots;
	struct watch_total *totals;
	size_t n_totals, totals_cap;
	struct watch_growth *last;
	size_t n_last, last_cap;
};

struct watch *watch_new(const struct pipeline_options *popts, FILE *out,
			enum vgt_format format, const struct render_options *ropts)
{
	struct watch *w = xcalloc(1, sizeof(*w));
	w->popts = popts;
	w->out = out;
	w->format = format;
	w->color = ropts != NULL ? ropts->color : 0;
	w->pool = strpool_new();
	return w;
}

void watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	strpool_free(w->pool);
	free(w->totals);
	free(w->last);
	free(w);
}

unsigned watch_count(const struct watch *w)
{
	return w->snapshots;
}

const struct watch_growth *watch_last(const struct watch *w, size_t *n)
{
	*n = w->n_last;
	return w->last;
}

static struct watch_total *watch_total_for(struct watch *w, const char *fingerprint)
{
	for (size_t i = 0; i < w->n_totals; i++)
		if (strcmp(w->totals[i].fingerprint, fingerprint) == 0)
			return &w->totals[i];
	w->totals = xgrow(w->totals, &w->totals_cap, w->n_totals + 1, sizeof(*w->totals));
	struct watch_total *t = &w->totals[w->n_totals++];
	memset(t, 0, sizeof(*t));
	memcpy(t->fingerprint, fingerprint, sizeof(t->fingerprint));
	t->fingerprint[16] = '\0';
	return t;
}

static int growth_cmp(const void *a, const void *b)
{
	const struct watch_growth *x = a, *y = b;
	if (x->delta_bytes != y->delta_bytes)
		return x->delta_bytes > y->delta_bytes ? -1 : 1;
	if (x->delta_blocks != y->delta_blocks)
		return x->delta_blocks > y->delta_blocks ? -1 : 1;
	if (x->since_bytes != y->since_bytes)
		return x->since_bytes > y->since_bytes ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

void watch_rank_growth(struct watch_growth *g, size_t n)
{
	if (n > 1)
		qsort(g, n, sizeof(*g), growth_cmp);
}

/* A site counts when it is shown and its definitely-lost bytes grew. */
static int site_grew(const struct vgt_site *site)
{
	return !site->hidden && site->has_delta && site->delta_bytes > 0 &&
	       kind_group(site->kind) == VGT_GROUP_DEFINITE;
}

static void collect_growth(struct watch *w, const struct vgt_report *report)
{
	w->n_last = 0;
	for (size_t i = 0; i < report->n_sites; i++) {
		const struct vgt_site *site = report->sites[i];
		if (!site_grew(site))
			continue;
		struct watch_total *t = watch_total_for(w, site->fingerprint);
		t->bytes = vgt_delta_add(t->bytes, site->delta_bytes);
		t->blocks = vgt_delta_add(t->blocks, site->delta_blocks);
		w->last = xgrow(w->last, &w->last_cap, w->n_last + 1, sizeof(*w->last));
		struct watch_growth *g = &w->last[w->n_last++];
		memset(g, 0, sizeof(*g));
		memcpy(g->fingerprint, site->fingerprint, sizeof(g->fingerprint));
		g->fingerprint[16] = '\0';
		g->label = strpool_intern(w->pool, render_location_label(report, &site->location));
		g->function = strpool_intern(w->pool, site->location.function);
		g->kind_name = strpool_intern(w->pool, site->kind_name);
		g->delta_bytes = site->delta_bytes;
		g->delta_blocks = site->delta_blocks;
		g->since_bytes = t->bytes;
		g->since_blocks = t->blocks;
		g->bytes = site->bytes;
		g->blocks = site->blocks;
	}
	watch_rank_growth(w->last, w->n_last);
}

/* strstr over a buffer that need not be NUL-terminated. */
static int memmem_lite(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Runs the vgdb text through a throwaway pipeline and keeps the growth. */
static int parse_snapshot(struct watch *w, const char *text, size_t len,
			  struct vgt_error *err)
{
	/* growth only: no hints, whose source reading would run per snapshot */
	struct pipeline_options opts = *w->popts;
	opts.explain.no_hints = 1;
	struct pipeline *pl = pipeline_new(&opts);
	struct pipeline_stream *st = pipeline_stream_open(pl, "vgdb", "text");
	int rc = pipeline_stream_feed(st, text, len, err);
	int rc_close = pipeline_stream_close(st, rc < 0 ? NULL : err);
	if (rc >= 0 && rc_close < 0)
		rc = -1;
	if (rc >= 0)
		collect_growth(w, pipeline_finish(pl));
	pipeline_free(pl);
	return rc < 0 ? -1 : 0;
}

int watch_snapshot(struct watch *w, const char *text, size_t len, double elapsed_s,
		   struct vgt_error *err)
{
	/* No loss record: nothing grew (valgrind -q prints not even a summary). */
	int any = memmem_lite(text, len, "lost in loss record");
	w->n_last = 0;
	if (any && parse_snapshot(w, text, len, err) < 0)
		return -1;
	w->snapshots++;
	if (w->format == VGT_FORMAT_JSON)
		return watch_render_json(w->out, w->snapshots, elapsed_s, w->last, w->n_last);
	return watch_render_text(w->out, w->snapshots, elapsed_s, w->last, w->n_last,
				 w->color);
}

/* "1,234,567" into buf. */
static const char *grouped(int64_t v, char *buf, size_t size)
{
	char digits[32];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, u);
	size_t o = 0;
	if (v < 0 && o + 1 < size)
		buf[o++] = '-';
	for (int i = 0; i < n && o + 1 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 1 < size)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

int watch_render_text(FILE *out, unsigned snapshot, double elapsed_s,
		      const struct watch_growth *g, size_t n, int color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
		   *reset = color ? "\033[0m" : "";
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = vgt_delta_add(sum, g[i].delta_bytes);
	char a[32], b[32], c[32], d[32];
	if (n == 0)
		fprintf(out, "%swatch #%u at %.1fs:%s no site grew\n", bold, snapshot, elapsed_s,
			reset);
	else
		fprintf(out, "%swatch #%u at %.1fs:%s %zu site%s grew by %s bytes\n", bold,
			snapshot, elapsed_s, reset, n, n == 1 ? "" : "s",
			grouped(sum, a, sizeof(a)));
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "  %s+%s bytes in +%s blocks%s  (since start +%s bytes in +%s blocks)  ",
			red, grouped(g[i].delta_bytes, a, sizeof(a)),
			grouped(g[i].delta_blocks, b, sizeof(b)), reset,
			grouped(g[i].since_bytes, c, sizeof(c)),
			grouped(g[i].since_blocks, d, sizeof(d)));
		escape_text(out, g[i].label);
		if (g[i].function != NULL && strstr(g[i].label, g[i].function) == NULL) {
			fputs(" in ", out);
			escape_text(out, g[i].function);
		}
		fputc('\n', out);
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

static json_t *amount(int64_t bytes, int64_t blocks)
{
	return json_pack("{s:I,s:I}", "bytes", (json_int_t)bytes, "blocks", (json_int_t)blocks);
}

int watch_render_json(FILE *out, unsigned snapshot, double elapsed_s,
		      const struct watch_growth *g, size_t n)
{
	json_t *sites = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "rank", (json_int_t)(i + 1),
				      "kind", g[i].kind_name != NULL ? g[i].kind_name : "",
				      "fingerprint", g[i].fingerprint, "location", g[i].label,
				      "bytes", (json_int_t)g[i].bytes, "blocks",
				      (json_int_t)g[i].blocks);
		if (g[i].function != NULL) {
			char *fn = escape_utf8(g[i].function); /* JSON holds UTF-8 only */
			json_object_set_new(s, "function", json_string(fn));
			free(fn);
		}
		json_object_set_new(s, "delta", amount(g[i].delta_bytes, g[i].delta_blocks));
		json_object_set_new(s, "since_start", amount(g[i].since_bytes, g[i].since_blocks));
		json_array_append_new(sites, s);
	}
	/* elapsed rounded to 0.1 s, as the text says */
	json_t *obj = json_pack("{s:I,s:f,s:o}", "snapshot", (json_int_t)snapshot, "elapsed_s",
				(double)(long long)(elapsed_s * 10.0 + 0.5) / 10.0, "sites", sites);
	int rc = json_dumpf(obj, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	fputc('\n', out);
	fflush(out);
	return rc < 0 || ferror(out) ? -1 : 0;
}
