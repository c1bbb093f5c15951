/*
 * watch.c — leak growth snapshots for `run --watch` (see watch.h).
 *
 * Each vgdb answer goes through a fresh pipeline, so that a snapshot's
 * sites are grouped, symbolized and hidden exactly like the final report's.
 * Only what the sites say survives the snapshot: growth per fingerprint
 * and process, and still-reachable growth per location.
 */
#include "cmd/watch.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/escape.h"
#include "model/paths.h"
#include "vgtriage/strpool.h"
#include "vgtriage/vgt.h"

/* Definite growth since the run began, per site fingerprint and process. */
struct watch_total {
	char fingerprint[17];
	long pid;
	int64_t bytes, blocks;
};

/* Still-reachable growth since the run began, per location label. */
struct watch_reach {
	const char *label;        /* pool */
	int64_t bytes, blocks;
	int with_definite;        /* a definite leak grew at the same label */
};

/* The LEAK SUMMARY's "still reachable" of a process's last answer. */
struct watch_summary {
	long pid;
	uint64_t bytes, blocks;
};

/* One process's growth at one site, before the sites are merged. */
struct watch_entry {
	struct watch_growth g;
	long pid;
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
	struct watch_reach *reach;
	size_t n_reach, reach_cap;
	struct watch_summary *sums;
	size_t n_sums, sums_cap;
	double sums_at;
	struct watch_entry *entries;  /* this snapshot's, per process */
	size_t n_entries, entries_cap;
	struct watch_growth *last;
	size_t n_last, last_cap;
	struct watch_proc_growth *procs;
	size_t n_procs, procs_cap;
	const char **notes;
	size_t n_notes;
	struct vgt_snapshot *series;  /* one per snapshot */
	size_t n_series, series_cap;
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
	free(w->reach);
	free(w->sums);
	free(w->entries);
	free(w->last);
	free(w->procs);
	free(w->notes);
	free(w->series);
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

static struct watch_total *watch_total_for(struct watch *w, const char *fingerprint, long pid)
{
	for (size_t i = 0; i < w->n_totals; i++)
		if (w->totals[i].pid == pid && strcmp(w->totals[i].fingerprint, fingerprint) == 0)
			return &w->totals[i];
	w->totals = xgrow(w->totals, &w->totals_cap, w->n_totals + 1, sizeof(*w->totals));
	struct watch_total *t = &w->totals[w->n_totals++];
	memset(t, 0, sizeof(*t));
	memcpy(t->fingerprint, fingerprint, sizeof(t->fingerprint));
	t->fingerprint[16] = '\0';
	t->pid = pid;
	return t;
}

static struct watch_reach *watch_reach_for(struct watch *w, const char *label)
{
	for (size_t i = 0; i < w->n_reach; i++)
		if (w->reach[i].label == label) /* interned */
			return &w->reach[i];
	w->reach = xgrow(w->reach, &w->reach_cap, w->n_reach + 1, sizeof(*w->reach));
	struct watch_reach *t = &w->reach[w->n_reach++];
	memset(t, 0, sizeof(*t));
	t->label = label;
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

static json_t *utf8_string(const char *s)
{
	if (s == NULL)
		return json_null();
	char *u = escape_utf8(s); /* JSON holds UTF-8 only */
	json_t *j = json_string(u);
	free(u);
	return j != NULL ? j : json_null();
}

/* The site's location as render_json writes it (one site schema). */
static const char *location_json(struct watch *w, const struct vgt_report *r,
				 const struct vgt_location *loc)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", utf8_string(loc->file));
	if (loc->file != NULL)
		json_object_set_new(o, "path", utf8_string(paths_display(
						       r, loc->mapped ? NULL : loc->dir, loc->file)));
	json_object_set_new(o, "line", loc->line > 0 ? json_integer(loc->line) : json_null());
	json_object_set_new(o, "function", utf8_string(loc->function));
	json_object_set_new(o, "source", utf8_string(loc->source));
	if (loc->obj != NULL)
		json_object_set_new(o, "obj", utf8_string(loc->obj));
	if (loc->address != NULL)
		json_object_set_new(o, "address", utf8_string(loc->address));
	json_object_set_new(o, "mapped", json_boolean(loc->mapped));
	if (loc->ambiguous)
		json_object_set_new(o, "ambiguous", json_true());
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	const char *interned = strpool_intern(w->pool, text != NULL ? text : "{}");
	free(text);
	return interned;
}

/* One process's answer: its growing definite sites become entries, its
 * growing still-reachable sites add to the per-location totals. */
static void collect_growth(struct watch *w, const struct vgt_report *report, long pid)
{
	for (size_t i = 0; i < report->n_sites; i++) {
		const struct vgt_site *site = report->sites[i];
		const struct vgt_site_detail *d = site_detail(site);
		if (!site->has_delta || d->delta_bytes <= 0)
			continue;
		enum vgt_kind_group grp = kind_group(site->kind);
		const char *label = strpool_intern(w->pool,
						   render_location_label(report, &site->location));
		if (grp == VGT_GROUP_REACHABLE) {
			/* a place only when it names one: every "??? (in lib.so)"
			 * would be the same place */
			if (site->location.file == NULL && site->location.function == NULL)
				continue;
			struct watch_reach *t = watch_reach_for(w, label);
			t->bytes = vgt_delta_add(t->bytes, d->delta_bytes);
			t->blocks = vgt_delta_add(t->blocks, d->delta_blocks);
			continue;
		}
		if (site->hidden || grp != VGT_GROUP_DEFINITE)
			continue;
		w->entries = xgrow(w->entries, &w->entries_cap, w->n_entries + 1,
				   sizeof(*w->entries));
		struct watch_entry *e = &w->entries[w->n_entries++];
		memset(e, 0, sizeof(*e));
		e->pid = pid;
		struct watch_growth *g = &e->g;
		memcpy(g->fingerprint, site->fingerprint, sizeof(g->fingerprint));
		g->fingerprint[16] = '\0';
		g->label = label;
		g->function = strpool_intern(w->pool, site->location.function);
		g->kind_name = strpool_intern(w->pool, site->kind_name);
		g->location = location_json(w, report, &site->location);
		g->delta_bytes = d->delta_bytes;
		g->delta_blocks = d->delta_blocks;
	}
}

static int long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct watch_entry *x = a, *y = b;
	int c = strcmp(x->g.fingerprint, y->g.fingerprint);
	return c != 0 ? c : long_cmp(&x->pid, &y->pid);
}

/* Entries of one fingerprint become one site, summed, with its
 * processes; the totals since the run began are updated. */
static void merge_entries(struct watch *w)
{
	w->n_last = w->n_procs = 0;
	if (w->n_entries > 1)
		qsort(w->entries, w->n_entries, sizeof(*w->entries), entry_cmp);
	size_t *first = xmalloc((w->n_entries + 1) * sizeof(*first));
	for (size_t i = 0; i < w->n_entries;) {
		size_t j = i;
		w->last = xgrow(w->last, &w->last_cap, w->n_last + 1, sizeof(*w->last));
		first[w->n_last] = w->n_procs;
		struct watch_growth *g = &w->last[w->n_last++];
		*g = w->entries[i].g;
		g->delta_bytes = g->delta_blocks = 0;
		for (; j < w->n_entries &&
		       strcmp(w->entries[j].g.fingerprint, g->fingerprint) == 0; j++) {
			const struct watch_entry *e = &w->entries[j];
			struct watch_total *t = watch_total_for(w, e->g.fingerprint, e->pid);
			t->bytes = vgt_delta_add(t->bytes, e->g.delta_bytes);
			t->blocks = vgt_delta_add(t->blocks, e->g.delta_blocks);
			g->delta_bytes = vgt_delta_add(g->delta_bytes, e->g.delta_bytes);
			g->delta_blocks = vgt_delta_add(g->delta_blocks, e->g.delta_blocks);
			w->procs = xgrow(w->procs, &w->procs_cap, w->n_procs + 1, sizeof(*w->procs));
			struct watch_proc_growth *pg = &w->procs[w->n_procs++];
			pg->pid = e->pid;
			pg->delta_bytes = e->g.delta_bytes;
			pg->delta_blocks = e->g.delta_blocks;
			pg->since_bytes = t->bytes;
			pg->since_blocks = t->blocks;
		}
		g->n_procs = j - i;
		i = j;
	}
	/* since the run began: every process's total of the site, also of the
	 * processes in which it did not grow this time */
	for (size_t k = 0; k < w->n_last; k++) {
		struct watch_growth *g = &w->last[k];
		g->procs = w->procs + first[k];
		g->since_bytes = g->since_blocks = 0;
		for (size_t t = 0; t < w->n_totals; t++)
			if (strcmp(w->totals[t].fingerprint, g->fingerprint) == 0) {
				g->since_bytes = vgt_delta_add(g->since_bytes, w->totals[t].bytes);
				g->since_blocks = vgt_delta_add(g->since_blocks, w->totals[t].blocks);
			}
		g->bytes = g->since_bytes > 0 ? (uint64_t)g->since_bytes : 0;
		g->blocks = g->since_blocks > 0 ? (uint64_t)g->since_blocks : 0;
		for (size_t r = 0; r < w->n_reach; r++)
			if (w->reach[r].label == g->label && w->reach[r].bytes > 0) {
				w->reach[r].with_definite = 1;
				g->has_reachable = 1;
				g->reach_since_bytes = w->reach[r].bytes;
				g->reach_since_blocks = w->reach[r].blocks;
			}
	}
	free(first);
	watch_rank_growth(w->last, w->n_last);
}

/* strstr over a buffer that need not be NUL-terminated. */
static const char *memmem_lite(const char *hay, size_t len, const char *needle)
{
	return vgt_memfind(hay, len, needle, strlen(needle));
}

int watch_answer_complete(const char *text, size_t len)
{
	if (text == NULL)
		return 0;
	const char *sum = memmem_lite(text, len, "LEAK SUMMARY:");
	if (sum == NULL)
		return 0;
	const char *supp = memmem_lite(sum, len - (size_t)(sum - text), "suppressed: ");
	return supp != NULL && memmem_lite(supp, len - (size_t)(supp - text), "\n") != NULL;
}

/* "945,120" at *p: the number, commas skipped; advances *p. */
static int grouped_number(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;
	while (*p < end && (**p == ',' || (**p >= '0' && **p <= '9'))) {
		if (**p != ',') {
			if (v > (UINT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(**p - '0');
			digits++;
		}
		(*p)++;
	}
	*out = v;
	return digits > 0 ? 0 : -1;
}

int watch_parse_reachable(const char *text, size_t len, uint64_t *bytes, uint64_t *blocks)
{
	const char *end = text + len;
	const char *at = memmem_lite(text, len, "still reachable: ");
	if (at == NULL)
		return -1;
	const char *p = at + strlen("still reachable: ");
	if (grouped_number(&p, end, bytes) < 0)
		return -1;
	/* " (+N)" after each figure in a delta search */
	const char *in = memmem_lite(p, (size_t)(end - p), " bytes in ");
	const char *nl = memmem_lite(p, (size_t)(end - p), "\n");
	if (in == NULL || (nl != NULL && in > nl))
		return -1;
	p = in + strlen(" bytes in ");
	return grouped_number(&p, end, blocks);
}

static void note_summary(struct watch *w, long pid, const char *text, size_t len, double at)
{
	uint64_t b, k;
	if (watch_parse_reachable(text, len, &b, &k) < 0)
		return;
	struct watch_summary *s = NULL;
	for (size_t i = 0; i < w->n_sums; i++)
		if (w->sums[i].pid == pid)
			s = &w->sums[i];
	if (s == NULL) {
		w->sums = xgrow(w->sums, &w->sums_cap, w->n_sums + 1, sizeof(*w->sums));
		s = &w->sums[w->n_sums++];
		s->pid = pid;
	}
	s->bytes = b;
	s->blocks = k;
	w->sums_at = at;
}

int watch_reachable_summary(const struct watch *w, uint64_t *bytes, uint64_t *blocks,
			    double *at_s, size_t *n_procs)
{
	*bytes = *blocks = 0;
	for (size_t i = 0; i < w->n_sums; i++) {
		*bytes = vgt_count_add(*bytes, w->sums[i].bytes);
		*blocks = vgt_count_add(*blocks, w->sums[i].blocks);
	}
	*at_s = w->sums_at;
	*n_procs = w->n_sums;
	return w->n_sums > 0;
}

/* Runs one vgdb text through a throwaway pipeline and keeps the growth. */
static int parse_answer(struct watch *w, const struct watch_answer *a, struct vgt_error *err)
{
	/* No loss record: nothing grew (valgrind -q prints not even a summary). */
	if (memmem_lite(a->text, a->len, "lost in loss record") == NULL &&
	    memmem_lite(a->text, a->len, "reachable in loss record") == NULL)
		return 0;
	/* growth only: no hints, whose source reading would run per snapshot */
	struct pipeline_options opts = *w->popts;
	opts.explain.no_hints = 1;
	struct pipeline *pl = pipeline_new(&opts);
	struct pipeline_stream *st = pipeline_stream_open(pl, "vgdb", "text");
	int rc = pipeline_stream_feed(st, a->text, a->len, err);
	int rc_close = pipeline_stream_close(st, rc < 0 ? NULL : err);
	if (rc >= 0 && rc_close < 0)
		rc = -1;
	if (rc >= 0)
		collect_growth(w, pipeline_finish(pl), a->pid);
	pipeline_free(pl);
	return rc < 0 ? -1 : 0;
}

/* How many loss records an answer lists. */
static size_t count_records(const char *text, size_t len)
{
	size_t n = 0;
	for (const char *p = text, *end = text + len;
	     (p = memmem_lite(p, (size_t)(end - p), " in loss record ")) != NULL; p++)
		n++;
	return n;
}

/* "the leak search of pid N listed only its 1000 biggest growing records…"
 * for the answers that reached the limit, after note; NULL when neither. */
static char *limit_note(const struct watch_answer *answers, size_t n, const char *note)
{
	char pids[160];
	size_t o = 0, k = 0;
	pids[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (count_records(answers[i].text, answers[i].len) < WATCH_MAX_RECORDS)
			continue;
		if (o + 24 < sizeof(pids))
			o += (size_t)snprintf(pids + o, sizeof(pids) - o, "%s%ld", k > 0 ? ", " : "",
					      answers[i].pid);
		k++;
	}
	if (k == 0)
		return note != NULL ? xstrdup(note) : NULL;
	return xasprintf("%s%sthe leak search of pid%s %s listed only its %d biggest growing "
			 "records: smaller growth there may be in no snapshot (the final report "
			 "has it)", note != NULL ? note : "", note != NULL ? "; " : "",
			 k == 1 ? "" : "s", pids, WATCH_MAX_RECORDS);
}

int watch_snapshot_many(struct watch *w, const struct watch_answer *answers, size_t n,
			double elapsed_s, const char *note_in, struct vgt_error *err)
{
	w->n_entries = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		note_summary(w, answers[i].pid, answers[i].text, answers[i].len, elapsed_s);
		if (parse_answer(w, &answers[i], err) < 0)
			rc = -1;
	}
	char *note = limit_note(answers, n, note_in);
	merge_entries(w);
	w->snapshots++;
	w->series = xgrow(w->series, &w->series_cap, w->n_series + 1, sizeof(*w->series));
	struct vgt_snapshot *sn = &w->series[w->n_series++];
	memset(sn, 0, sizeof(*sn));
	sn->number = w->snapshots;
	sn->elapsed_s = elapsed_s;
	sn->sites = w->n_last;
	for (size_t i = 0; i < w->n_totals; i++) {
		sn->bytes = vgt_delta_add(sn->bytes, w->totals[i].bytes);
		sn->blocks = vgt_delta_add(sn->blocks, w->totals[i].blocks);
	}
	long *pids = xmalloc((n + 1) * sizeof(*pids));
	size_t n_pids = 0;
	for (size_t i = 0; i < n; i++)
		if (answers[i].pid > 0)
			pids[n_pids++] = answers[i].pid;
	if (n_pids > 1)
		qsort(pids, n_pids, sizeof(*pids), long_cmp);
	struct watch_frame f = {w->snapshots, elapsed_s, pids, n_pids, note};
	int wrc = w->format == VGT_FORMAT_JSON ? watch_render_json(w->out, &f, w->last, w->n_last)
					       : watch_render_text(w->out, &f, w->last, w->n_last,
								   w->color);
	free(pids);
	free(note);
	if (wrc < 0 && rc == 0) {
		vgt_error_set(err, NULL, 0, 0, "cannot write a --watch snapshot");
		rc = -1;
	}
	return rc;
}

int watch_snapshot(struct watch *w, const char *text, size_t len, double elapsed_s,
		   struct vgt_error *err)
{
	struct watch_answer a = {0, text, len};
	return watch_snapshot_many(w, &a, 1, elapsed_s, NULL, err);
}

const struct vgt_snapshot *watch_snapshots(const struct watch *w, size_t *n)
{
	*n = w->n_series;
	return w->series;
}

/* "1,234,567" (or "-1,234") into buf, which holds 32. */
static const char *grouped(int64_t v, char buf[32])
{
	return render_grouped_signed(buf, v < 0 ? '-' : '\0',
				     v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

const char *const *watch_cache_notes(struct watch *w, size_t *n)
{
	w->n_notes = 0;
	free(w->notes);
	w->notes = xmalloc((w->n_reach + 1) * sizeof(*w->notes));
	for (size_t i = 0; i < w->n_reach; i++) {
		const struct watch_reach *t = &w->reach[i];
		if (!t->with_definite)
			continue;
		char a[32], b[32];
		char *line = xasprintf(
			"%s: still-reachable bytes grew at the same place as its definite leak "
			"(+%s bytes in +%s blocks over the run): buffers kept, "
			"then lost when dropped, as a cache that loses what it evicts",
			escape_text_pool(w->pool, t->label), grouped(t->bytes, a),
			grouped(t->blocks, b));
		w->notes[w->n_notes++] = strpool_intern(w->pool, line);
		free(line);
	}
	*n = w->n_notes;
	return w->notes;
}

int watch_render_text(FILE *out, const struct watch_frame *f, const struct watch_growth *g,
		      size_t n, int color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
		   *reset = color ? "\033[0m" : "";
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = vgt_delta_add(sum, g[i].delta_bytes);
	char a[32], b[32], c[32], d[32], procs[48] = "";
	if (f->n_pids > 1)
		snprintf(procs, sizeof(procs), " (%zu processes)", f->n_pids);
	if (n == 0)
		fprintf(out, "%swatch #%u at %.1fs:%s no site grew%s\n", bold, f->snapshot,
			f->elapsed_s, reset, procs);
	else
		fprintf(out, "%swatch #%u at %.1fs:%s %zu site%s grew by %s bytes%s\n", bold,
			f->snapshot, f->elapsed_s, reset, n, n == 1 ? "" : "s",
			grouped(sum, a), procs);
	if (f->note != NULL) {
		fputs("  note: ", out);
		fputs(f->note, out); /* vgtriage's own words, pids: nothing to escape */
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "  %s+%s bytes in +%s blocks%s  (since start +%s bytes in +%s blocks)  ",
			red, grouped(g[i].delta_bytes, a),
			grouped(g[i].delta_blocks, b), reset,
			grouped(g[i].since_bytes, c),
			grouped(g[i].since_blocks, d));
		escape_text(out, g[i].label);
		if (g[i].function != NULL && strstr(g[i].label, g[i].function) == NULL) {
			fputs(" in ", out);
			escape_text(out, g[i].function);
		}
		fputc('\n', out);
		/* per process, when more than one was asked */
		for (size_t k = 0; f->n_pids > 1 && k < g[i].n_procs; k++) {
			const struct watch_proc_growth *p = &g[i].procs[k];
			fprintf(out, "      pid %ld: +%s bytes in +%s blocks  (since start +%s bytes)\n",
				p->pid, grouped(p->delta_bytes, a),
				grouped(p->delta_blocks, b),
				grouped(p->since_bytes, c));
		}
		if (g[i].has_reachable)
			fprintf(out, "      still reachable at this place: +%s bytes in +%s blocks since "
				"start (buffers kept, then lost when dropped: a cache?)\n",
				grouped(g[i].reach_since_bytes, a),
				grouped(g[i].reach_since_blocks, b));
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

static json_t *amount(int64_t bytes, int64_t blocks)
{
	return json_pack("{s:I,s:I}", "bytes", (json_int_t)bytes, "blocks", (json_int_t)blocks);
}

/* One site of a snapshot: the final report's site schema (rank, kind,
 * fingerprint, bytes, blocks, location as an object), plus the growth. */
static json_t *site_object(const struct watch_growth *g, size_t rank)
{
	json_t *s = json_object();
	json_object_set_new(s, "rank", json_integer((json_int_t)rank));
	json_object_set_new(s, "kind", json_string(g->kind_name != NULL ? g->kind_name : ""));
	json_object_set_new(s, "bytes", json_integer((json_int_t)g->bytes));
	json_object_set_new(s, "blocks", json_integer((json_int_t)g->blocks));
	json_object_set_new(s, "fingerprint", json_string(g->fingerprint));
	json_t *loc = NULL;
	if (g->location != NULL)
		loc = json_loads(g->location, 0, NULL);
	if (loc == NULL) {
		/* no report behind it (tests): what the label says */
		loc = json_object();
		json_object_set_new(loc, "file", json_null());
		json_object_set_new(loc, "line", json_null());
		json_object_set_new(loc, "function", utf8_string(g->function));
		json_object_set_new(loc, "source", json_null());
		json_object_set_new(loc, "mapped", json_false());
	}
	json_object_set_new(s, "location", loc);
	json_object_set_new(s, "label", utf8_string(g->label));
	if (g->function != NULL)
		json_object_set_new(s, "function", utf8_string(g->function));
	json_object_set_new(s, "delta", amount(g->delta_bytes, g->delta_blocks));
	json_object_set_new(s, "since_start", amount(g->since_bytes, g->since_blocks));
	if (g->n_procs > 0) {
		json_t *pa = json_array();
		for (size_t k = 0; k < g->n_procs; k++) {
			const struct watch_proc_growth *p = &g->procs[k];
			json_t *po = json_object();
			json_object_set_new(po, "pid", p->pid > 0 ? json_integer(p->pid) : json_null());
			json_object_set_new(po, "delta", amount(p->delta_bytes, p->delta_blocks));
			json_object_set_new(po, "since_start", amount(p->since_bytes, p->since_blocks));
			json_array_append_new(pa, po);
		}
		json_object_set_new(s, "processes", pa);
	}
	if (g->has_reachable) {
		json_t *ro = json_object();
		json_object_set_new(ro, "since_start",
				    amount(g->reach_since_bytes, g->reach_since_blocks));
		json_object_set_new(s, "reachable", ro);
	}
	return s;
}

int watch_render_json(FILE *out, const struct watch_frame *f, const struct watch_growth *g,
		      size_t n)
{
	json_t *sites = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(sites, site_object(&g[i], i + 1));
	/* elapsed rounded to 0.1 s, as the text says */
	json_t *obj = json_pack("{s:I,s:f}", "snapshot", (json_int_t)f->snapshot, "elapsed_s",
				(double)(long long)(f->elapsed_s * 10.0 + 0.5) / 10.0);
	json_t *pids = json_array();
	for (size_t i = 0; i < f->n_pids; i++)
		json_array_append_new(pids, json_integer(f->pids[i]));
	json_object_set_new(obj, "pids", pids);
	json_object_set_new(obj, "sites", sites);
	if (f->note != NULL) {
		json_t *notes = json_array();
		json_array_append_new(notes, utf8_string(f->note));
		json_object_set_new(obj, "notes", notes);
	}
	int rc = json_dumpf(obj, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	fputc('\n', out);
	fflush(out);
	return rc < 0 || ferror(out) ? -1 : 0;
}
