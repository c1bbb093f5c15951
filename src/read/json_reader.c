/*
 * json_reader.c — vgtriage's own JSON report, written with --merge-data,
 * read back as an input (issue 22): `vgtriage merge part1.json part2.json`.
 *
 * The report's "merge" object holds what its inputs said: the frame table
 * (each frame's key as the input wrote it), the inputs (valgrind's figures,
 * options and state) and the events the sink saw, in order (records with
 * stacks as frame ids, client messages, error counts; cmd/merge.c writes
 * them).  This reader interns the frames into its own table, makes one
 * input per input of the report (the first is the one it was given, the
 * others come from sink->input_for_pid) and hands the events to the sink
 * as the raw inputs' readers did: what the pipeline makes of them — sites,
 * totals, processes, tests, leak searches, notes — is what reading the raw
 * inputs at once makes.
 *
 * The document is hostile like any input: at most JSON_READER_MAX_BYTES,
 * parsed by jansson (its nesting bound; duplicate keys refused); every
 * field's type, every frame id and input index is checked, and the first
 * fault is one line naming where (jansson's line:column for syntax,
 * the member's path for the rest).  Events already delivered stand.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/reader.h"

struct json_report {
	json_t *doc;
	json_t *inputs, *events;   /* of doc's "merge" */
	struct frame_key *keys;    /* merge.frames, strings in doc or owned */
	size_t n_keys;
	size_t *input_file;        /* the file of each input */
	size_t n_inputs;
	size_t *files;             /* the distinct files, ascending */
	size_t n_files;
	uint32_t *event_input;     /* the input of each event */
	size_t n_events;
	char **owned;              /* strings decoded from hex */
	size_t n_owned, owned_cap;
	/* one replay's state */
	struct frame_table *frames;
	const struct vgt_sink *sink;
	uint32_t *ids;             /* key i's id in frames, or UINT32_MAX */
	struct vgt_input **in;     /* the input each input of the file became */
	struct vgt_record rec;
};

struct json_reader {
	struct frame_table *frames;
	struct vgt_input *input;
	const struct vgt_sink *sink;
	char *buf;
	size_t len, cap;
};

struct json_reader *json_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink)
{
	struct json_reader *r = xcalloc(1, sizeof(*r));
	r->frames = frames;
	r->input = input;
	r->sink = sink;
	return r;
}

void json_reader_free(struct json_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

void json_report_free(struct json_report *jr)
{
	if (jr == NULL)
		return;
	json_decref(jr->doc);
	free(jr->keys);
	free(jr->input_file);
	free(jr->files);
	free(jr->event_input);
	for (size_t i = 0; i < jr->n_owned; i++)
		free(jr->owned[i]);
	free(jr->owned);
	free(jr->ids);
	free(jr->in);
	record_release(&jr->rec);
	free(jr);
}

int json_reader_feed(struct json_reader *r, const char *buf, size_t len, struct vgt_error *err)
{
	if (len > JSON_READER_MAX_BYTES - r->len) {
		if (r->input != NULL)
			r->input->complete = 0;
		return vgt_error_set(err, NULL, 0, 0, "JSON report larger than %llu bytes",
				     (unsigned long long)JSON_READER_MAX_BYTES);
	}
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap > 0 ? r->cap : 65536;
		while (cap < r->len + len + 1)
			cap *= 2;
		r->buf = xrealloc(r->buf, cap);
		r->cap = cap;
	}
	memcpy(r->buf + r->len, buf, len);
	r->len += len;
	return 0;
}

/* ---- typed access: every fault names its place ---- */

struct at {
	const char *what;  /* "merge.events" */
	size_t index;      /* SIZE_MAX: none */
	struct json_report *r; /* keeps the strings decoded from hex */
};

/* The bytes of {"hex": "…"} (a string that is not UTF-8), kept until the
 * reader is freed; NULL when it is no such thing. */
static const char *from_hex(struct json_report *r, json_t *v, size_t *len)
{
	json_t *h = json_object_get(v, "hex");
	if (json_object_size(v) != 1 || !json_is_string(h) || json_string_length(h) % 2 != 0)
		return NULL;
	const char *x = json_string_value(h);
	size_t n = json_string_length(h) / 2;
	char *out = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		int v2[2];
		for (int k = 0; k < 2; k++) {
			char c = x[2 * i + (size_t)k];
			v2[k] = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		}
		/* a NUL byte is no text's (frames.h: keys hold none) */
		if (v2[0] < 0 || v2[1] < 0 || (v2[0] | v2[1]) == 0) {
			free(out);
			return NULL;
		}
		out[i] = (char)(v2[0] << 4 | v2[1]);
	}
	out[n] = '\0';
	r->owned = xgrow(r->owned, &r->owned_cap, r->n_owned + 1, sizeof(*r->owned));
	r->owned[r->n_owned++] = out;
	*len = n;
	return out;
}

static int fault(struct vgt_error *err, const struct at *at, const char *key, const char *msg)
{
	if (at->index != SIZE_MAX)
		return vgt_error_set(err, NULL, 0, 0, "JSON report: %s[%zu].%s: %s", at->what,
				     at->index, key, msg);
	return vgt_error_set(err, NULL, 0, 0, "JSON report: %s.%s: %s", at->what, key, msg);
}

/* An optional string member: *out NULL when absent or null. */
static int get_str(json_t *o, const char *key, const char **out, size_t *len,
		   const struct at *at, struct vgt_error *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (len != NULL)
		*len = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	size_t n;
	if (json_is_object(v) && at->r != NULL && (*out = from_hex(at->r, v, &n)) != NULL) {
		if (len != NULL)
			*len = n;
		return 0;
	}
	if (!json_is_string(v))
		return fault(err, at, key, "not a string");
	*out = json_string_value(v);
	if (len != NULL)
		*len = json_string_length(v);
	return 0;
}

static int get_interned(json_t *o, const char *key, struct strpool *pool, const char **out,
			const struct at *at, struct vgt_error *err)
{
	const char *s;
	size_t len;
	if (get_str(o, key, &s, &len, at, err) != 0)
		return -1;
	if (s != NULL && memchr(s, '\0', len) != NULL)
		return fault(err, at, key, "holds a NUL character");
	*out = s != NULL ? strpool_intern(pool, s) : NULL;
	return 0;
}

/* An optional integer member within [lo, hi]; absent: *out = dflt. */
static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t dflt,
		   int64_t *out, const struct at *at, struct vgt_error *err)
{
	json_t *v = json_object_get(o, key);
	*out = dflt;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return fault(err, at, key, "not an integer");
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return fault(err, at, key, "out of range");
	*out = (int64_t)n;
	return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *out, const struct at *at,
		   struct vgt_error *err)
{
	int64_t n;
	if (get_int(o, key, 0, INT64_MAX, 0, &n, at, err) != 0)
		return -1;
	*out = (uint64_t)n;
	return 0;
}

/* A number that may use all 64 bits: an integer, or "0x…" above 2^63 - 1
 * (cmd/merge.c). */
static int get_word(json_t *o, const char *key, uint64_t *out, const struct at *at,
		    struct vgt_error *err)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		unsigned long long n = strtoull(s, &end, 16);
		if (strncmp(s, "0x", 2) != 0 || s[2] == '\0' || *end != '\0' || errno != 0 ||
		    strlen(s) > 18)
			return fault(err, at, key, "not a number");
		*out = n;
		return 0;
	}
	return get_u64(o, key, out, at, err);
}

static int get_long(json_t *o, const char *key, long dflt, long *out, const struct at *at,
		    struct vgt_error *err)
{
	int64_t n;
	if (get_int(o, key, -1, INT32_MAX, dflt, &n, at, err) != 0)
		return -1;
	*out = (long)n;
	return 0;
}

static int get_flag(json_t *o, const char *key, int *out, const struct at *at,
		    struct vgt_error *err)
{
	int64_t n;
	if (get_int(o, key, 0, 1, 0, &n, at, err) != 0)
		return -1;
	*out = (int)n;
	return 0;
}

static int get_bits(json_t *o, const char *key, unsigned *out, const struct at *at,
		    struct vgt_error *err)
{
	int64_t n;
	if (get_int(o, key, 0, UINT32_MAX, 0, &n, at, err) != 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* "amounts": [bytes, blocks] */
static int get_amount(json_t *o, const char *key, struct vgt_amount *a, const struct at *at,
		      struct vgt_error *err)
{
	json_t *v = json_object_get(o, key);
	memset(a, 0, sizeof(*a));
	if (v == NULL)
		return 0;
	json_t *b = json_array_get(v, 0), *n = json_array_get(v, 1);
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(b) ||
	    !json_is_integer(n) || json_integer_value(b) < 0 || json_integer_value(n) < 0)
		return fault(err, at, key, "not [bytes, blocks]");
	a->bytes = (uint64_t)json_integer_value(b);
	a->blocks = (uint64_t)json_integer_value(n);
	return 0;
}

/* ---- loading: the frames' keys, the inputs' files, the events' inputs ---- */

static int load_frames(struct json_report *r, json_t *arr, struct vgt_error *err)
{
	struct at at = {"merge.frames", SIZE_MAX, r};
	if (!json_is_array(arr))
		return vgt_error_set(err, NULL, 0, 0, "JSON report: merge.frames: not an array");
	size_t n = json_array_size(arr);
	if (n >= UINT32_MAX)
		return vgt_error_set(err, NULL, 0, 0, "JSON report: merge.frames: too many frames");
	r->keys = xcalloc(n > 0 ? n : 1, sizeof(*r->keys));
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(arr, i);
		at.index = i;
		if (!json_is_object(f))
			return vgt_error_set(err, NULL, 0, 0, "JSON report: merge.frames[%zu]: not an object", i);
		struct frame_key *k = &r->keys[i];
		const char *ip;
		int64_t line, pid;
		if (get_str(f, "ip", &ip, NULL, &at, err) != 0 ||
		    get_str(f, "obj", &k->obj, &k->obj_len, &at, err) != 0 ||
		    get_str(f, "fn", &k->fn, &k->fn_len, &at, err) != 0 ||
		    get_str(f, "dir", &k->dir, &k->dir_len, &at, err) != 0 ||
		    get_str(f, "file", &k->file, &k->file_len, &at, err) != 0 ||
		    get_int(f, "line", 0, UINT32_MAX, 0, &line, &at, err) != 0 ||
		    get_int(f, "pid", 0, INT32_MAX, 0, &pid, &at, err) != 0)
			return -1;
		if (ip != NULL) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(ip, &end, 16);
			if (strncmp(ip, "0x", 2) != 0 || *end != '\0' || errno != 0)
				return fault(err, &at, "ip", "not a hex address");
			k->ip = v;
		}
		k->line = (unsigned)line;
		k->pid = (long)pid;
	}
	r->n_keys = n;
	return 0;
}

static int load_inputs(struct json_report *r, struct vgt_error *err)
{
	size_t n = json_array_size(r->inputs);
	r->n_inputs = n;
	r->input_file = xcalloc(n, sizeof(*r->input_file));
	r->files = xcalloc(n, sizeof(*r->files));
	for (size_t i = 0; i < n; i++) {
		struct at at = {"merge.inputs", i, r};
		json_t *o = json_array_get(r->inputs, i);
		int64_t file;
		if (!json_is_object(o))
			return vgt_error_set(err, NULL, 0, 0, "JSON report: merge.inputs[%zu]: not an object", i);
		if (get_int(o, "file", 0, (int64_t)n - 1, 0, &file, &at, err) != 0)
			return -1;
		r->input_file[i] = (size_t)file;
		size_t k = 0;
		while (k < r->n_files && r->files[k] < (size_t)file)
			k++;
		if (k == r->n_files || r->files[k] != (size_t)file) {
			memmove(r->files + k + 1, r->files + k, (r->n_files - k) * sizeof(*r->files));
			r->files[k] = (size_t)file;
			r->n_files++;
		}
	}
	return 0;
}

static int load_events(struct json_report *r, struct vgt_error *err)
{
	size_t n = json_array_size(r->events);
	r->n_events = n;
	r->event_input = xcalloc(n > 0 ? n : 1, sizeof(*r->event_input));
	for (size_t i = 0; i < n; i++) {
		struct at at = {"merge.events", i, r};
		json_t *e = json_array_get(r->events, i);
		int64_t in;
		if (!json_is_object(e))
			return vgt_error_set(err, NULL, 0, 0, "JSON report: merge.events[%zu]: not an object", i);
		if (get_int(e, "i", 0, (int64_t)r->n_inputs - 1, -1, &in, &at, err) != 0)
			return -1;
		if (in < 0)
			return fault(err, &at, "i", "missing");
		r->event_input[i] = (uint32_t)in;
	}
	return 0;
}

static int load(struct json_report *r, struct vgt_error *err)
{
	json_t *doc = r->doc;
	if (!json_is_object(doc))
		return vgt_error_set(err, NULL, 1, 1, "JSON: not a vgtriage report (not an object)");
	json_t *tool = json_object_get(doc, "tool");
	if (!json_is_string(tool) || strcmp(json_string_value(tool), "vgtriage") != 0)
		return vgt_error_set(err, NULL, 1, 1, "JSON: not a vgtriage report (no \"tool\": \"vgtriage\")");
	json_t *m = json_object_get(doc, "merge");
	if (m == NULL)
		return vgt_error_set(err, NULL, 0, 0, "JSON report without merge data: write it with "
				     "-f json --merge-data");
	json_t *version = json_object_get(m, "version");
	if (!json_is_object(m) || !json_is_integer(version) || json_integer_value(version) != 1)
		return vgt_error_set(err, NULL, 0, 0, "JSON report: merge: not version 1 of the merge data");
	r->inputs = json_object_get(m, "inputs");
	r->events = json_object_get(m, "events");
	if (!json_is_array(r->inputs) || json_array_size(r->inputs) == 0 ||
	    json_array_size(r->inputs) >= UINT32_MAX || !json_is_array(r->events))
		return vgt_error_set(err, NULL, 0, 0, "JSON report: merge: needs \"inputs\" (at least "
				     "one) and \"events\" arrays");
	if (load_frames(r, json_object_get(m, "frames"), err) != 0 || load_inputs(r, err) != 0 ||
	    load_events(r, err) != 0)
		return -1;
	return 0;
}

struct json_report *json_report_load(const char *buf, size_t len, struct vgt_error *err)
{
	json_error_t jerr;
	if (len == 0) {
		vgt_error_set(err, NULL, 1, 1, "empty input: expected a vgtriage JSON report");
		return NULL;
	}
	if (len > JSON_READER_MAX_BYTES) {
		vgt_error_set(err, NULL, 0, 0, "JSON report larger than %llu bytes",
			      (unsigned long long)JSON_READER_MAX_BYTES);
		return NULL;
	}
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		vgt_error_set(err, NULL, jerr.line, jerr.column, "JSON: %s", jerr.text);
		return NULL;
	}
	struct json_report *r = xcalloc(1, sizeof(*r));
	r->doc = doc;
	if (load(r, err) != 0) {
		json_report_free(r);
		return NULL;
	}
	return r;
}

size_t json_report_files(const struct json_report *r)
{
	return r->n_files;
}

/* ---- replay ---- */

/* Everything the report says about an input, as it was when reading ended. */
static int set_input(struct json_report *r, struct vgt_input *in, size_t index,
		     struct vgt_error *err)
{
	struct strpool *pool = frames_pool(r->frames);
	struct at at = {"merge.inputs", index, r};
	json_t *o = json_array_get(r->inputs, index);
	const char *path, *format;
	int64_t protocol, leak_check;
	uint64_t records, bad;
	json_t *vg = json_object_get(o, "vg");
	struct at vat = {"merge.inputs[].vg", SIZE_MAX, r};
	if (get_interned(o, "path", pool, &path, &at, err) != 0 ||
	    get_interned(o, "format", pool, &format, &at, err) != 0 ||
	    get_interned(o, "tool", pool, &in->tool, &at, err) != 0 ||
	    get_interned(o, "command", pool, &in->command, &at, err) != 0 ||
	    get_interned(o, "fatal_signal", pool, &in->fatal_signal, &at, err) != 0 ||
	    get_interned(o, "aborted", pool, &in->aborted, &at, err) != 0 ||
	    get_int(o, "protocol", 0, 1000, 0, &protocol, &at, err) != 0 ||
	    get_long(o, "pid", -1, &in->pid, &at, err) != 0 ||
	    get_long(o, "ppid", -1, &in->ppid, &at, err) != 0 ||
	    get_flag(o, "complete", &in->complete, &at, err) != 0 ||
	    get_flag(o, "finished", &in->finished, &at, err) != 0 ||
	    get_flag(o, "exit_leak_search", &in->exit_leak_search, &at, err) != 0 ||
	    get_u64(o, "records", &records, &at, err) != 0 ||
	    get_long(o, "stop_line", 0, &in->stop_line, &at, err) != 0 ||
	    get_long(o, "stop_column", 0, &in->stop_column, &at, err) != 0 ||
	    get_u64(o, "errorcounts_total", &in->errorcounts_total, &at, err) != 0 ||
	    get_u64(o, "suppressed_total", &in->suppressed_total, &at, err) != 0 ||
	    get_flag(o, "suppcounts_seen", &in->suppcounts_seen, &at, err) != 0 ||
	    get_flag(o, "suppcounts_over", &in->suppcounts_over, &at, err) != 0 ||
	    get_u64(o, "bad_numbers", &bad, &at, err) != 0 ||
	    get_flag(o, "occurrences_unknown", &in->occurrences_unknown, &at, err) != 0 ||
	    get_flag(o, "errorcounts_seen", &in->errorcounts_seen, &at, err) != 0 ||
	    get_int(o, "leak_check", 0, VGT_LEAK_CHECK_FULL, 0, &leak_check, &at, err) != 0 ||
	    get_flag(o, "has_leak_options", &in->has_leak_options, &at, err) != 0 ||
	    get_bits(o, "show_leak_kinds", &in->show_leak_kinds, &at, err) != 0 ||
	    get_bits(o, "errors_for_leak_kinds", &in->errors_for_leak_kinds, &at, err) != 0 ||
	    get_flag(o, "reachable_for_blame", &in->reachable_for_blame, &at, err) != 0 ||
	    get_flag(o, "reachable_unshown", &in->reachable_unshown, &at, err) != 0)
		return -1;
	if (path == NULL || format == NULL)
		return fault(err, &at, path == NULL ? "path" : "format", "missing");
	in->path = path;
	in->format = format;
	in->protocol_version = (int)protocol;
	in->records = (size_t)records;
	in->bad_numbers = (size_t)bad;
	in->leak_check = (enum vgt_leak_check)leak_check;
	struct vgt_valgrind_summary *s = &in->vg;
	memset(s, 0, sizeof(*s));
	if (vg != NULL) {
		if (!json_is_object(vg))
			return fault(err, &at, "vg", "not an object");
		if (get_flag(vg, "has_leak_summary", &s->has_leak_summary, &vat, err) != 0 ||
		    get_amount(vg, "definitely_lost", &s->definitely_lost, &vat, err) != 0 ||
		    get_amount(vg, "indirectly_lost", &s->indirectly_lost, &vat, err) != 0 ||
		    get_amount(vg, "possibly_lost", &s->possibly_lost, &vat, err) != 0 ||
		    get_amount(vg, "still_reachable", &s->still_reachable, &vat, err) != 0 ||
		    get_amount(vg, "suppressed", &s->suppressed, &vat, err) != 0 ||
		    get_flag(vg, "has_error_summary", &s->has_error_summary, &vat, err) != 0 ||
		    get_u64(vg, "errors", &s->errors, &vat, err) != 0 ||
		    get_u64(vg, "error_contexts", &s->error_contexts, &vat, err) != 0 ||
		    get_u64(vg, "suppressed_errors", &s->suppressed_errors, &vat, err) != 0 ||
		    get_u64(vg, "suppressed_contexts", &s->suppressed_contexts, &vat, err) != 0 ||
		    get_bits(vg, "known", &s->known, &vat, err) != 0)
			return -1;
	}
	json_t *sc = json_object_get(o, "suppcounts");
	in->n_suppcounts = 0;
	if (sc != NULL) {
		if (!json_is_array(sc) || json_array_size(sc) > VGT_MAX_SUPPCOUNTS)
			return fault(err, &at, "suppcounts", "not an array of at most 64 entries");
		for (size_t i = 0; i < json_array_size(sc); i++) {
			json_t *e = json_array_get(sc, i);
			struct at eat = {"merge.inputs[].suppcounts", i, r};
			const char *name;
			uint64_t count;
			if (!json_is_object(e))
				return fault(err, &at, "suppcounts", "an entry is not an object");
			if (get_interned(e, "name", pool, &name, &eat, err) != 0 ||
			    get_u64(e, "count", &count, &eat, err) != 0)
				return -1;
			if (name == NULL)
				return fault(err, &eat, "name", "missing");
			in->suppcounts[in->n_suppcounts].name = name;
			in->suppcounts[in->n_suppcounts++].count = count;
		}
	}
	return 0;
}

static int get_stack(struct json_report *r, json_t *o, const char *key, struct vgt_stack *st,
		     const struct at *at, struct vgt_error *err)
{
	json_t *v = json_object_get(o, key);
	stack_clear(st);
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > VGT_READER_MAX_FRAMES)
		return fault(err, at, key, "not an array of at most 1000 frame ids");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *id = json_array_get(v, i);
		if (!json_is_integer(id) || json_integer_value(id) < 0 ||
		    (uint64_t)json_integer_value(id) >= r->n_keys)
			return fault(err, at, key, "a frame id not in merge.frames");
		size_t k = (size_t)json_integer_value(id);
		if (r->ids[k] == UINT32_MAX)
			r->ids[k] = frames_intern(r->frames, &r->keys[k]);
		stack_push(st, r->ids[k]);
	}
	return 0;
}

static int replay_record(struct json_report *r, struct vgt_input *in, json_t *e,
			 const struct at *at, struct vgt_error *err)
{
	struct vgt_record *rec = &r->rec;
	struct strpool *pool = frames_pool(r->frames);
	record_clear(rec);
	const char *what, *aux, *aux2;
	size_t what_len, aux_len, aux2_len;
	int64_t tid, pid, lr, lrs;
	int x, nlo;
	if (get_interned(e, "k", pool, &rec->kind_name, at, err) != 0 ||
	    get_str(e, "w", &what, &what_len, at, err) != 0 ||
	    get_str(e, "aw", &aux, &aux_len, at, err) != 0 ||
	    get_str(e, "aw2", &aux2, &aux2_len, at, err) != 0 ||
	    get_interned(e, "tn", pool, &rec->threadname, at, err) != 0 ||
	    get_interned(e, "sp", pool, &rec->suppression, at, err) != 0 ||
	    get_u64(e, "b", &rec->bytes, at, err) != 0 ||
	    get_u64(e, "n", &rec->blocks, at, err) != 0 ||
	    get_u64(e, "d", &rec->direct_bytes, at, err) != 0 ||
	    get_u64(e, "ib", &rec->indirect_bytes, at, err) != 0 ||
	    get_word(e, "u", &rec->unique, at, err) != 0 ||
	    get_word(e, "ls", &rec->leak_search, at, err) != 0 ||
	    get_int(e, "t", -1, INT32_MAX, 0, &tid, at, err) != 0 ||
	    get_int(e, "p", -1, INT32_MAX, -1, &pid, at, err) != 0 ||
	    get_int(e, "lr", 0, UINT32_MAX, 0, &lr, at, err) != 0 ||
	    get_int(e, "lrs", 0, UINT32_MAX, 0, &lrs, at, err) != 0 ||
	    get_flag(e, "x", &x, at, err) != 0 ||
	    get_flag(e, "nlo", &nlo, at, err) != 0 ||
	    get_stack(r, e, "s", &rec->stack, at, err) != 0 ||
	    get_stack(r, e, "as", &rec->aux_stack, at, err) != 0 ||
	    get_stack(r, e, "as2", &rec->aux_stack2, at, err) != 0)
		return -1;
	if (rec->kind_name == NULL)
		return fault(err, at, "k", "missing");
	rec->kind = kind_from_name(rec->kind_name);
	if (what != NULL)
		record_set_what(rec, what, what_len);
	if (aux != NULL)
		record_set_auxwhat(rec, aux, aux_len);
	if (aux2 != NULL)
		record_set_auxwhat2(rec, aux2, aux2_len);
	rec->tid = (long)tid;
	rec->pid = (long)pid;
	rec->loss_record = (uint32_t)lr;
	rec->loss_records = (uint32_t)lrs;
	json_t *dl = json_object_get(e, "dl");
	if (dl != NULL) {
		if (!json_is_array(dl) || json_array_size(dl) != 3)
			return fault(err, at, "dl", "not [bytes, blocks, indirect bytes]");
		int64_t d[3];
		for (size_t i = 0; i < 3; i++) {
			json_t *v = json_array_get(dl, i);
			if (!json_is_integer(v) || json_integer_value(v) < -(json_int_t)VGT_COUNT_MAX)
				return fault(err, at, "dl", "not [bytes, blocks, indirect bytes]");
			d[i] = (int64_t)json_integer_value(v);
		}
		rec->has_delta = 1;
		rec->delta_bytes = d[0];
		rec->delta_blocks = d[1];
		rec->delta_indirect_bytes = d[2];
	}
	/* the state its input was in when the record came (leaksearch.h) */
	in->exit_leak_search = x;
	int known = in->has_leak_options;
	if (nlo)
		in->has_leak_options = 0;
	int rc = r->sink->record(r->sink->ctx, in, rec, err);
	in->has_leak_options = known;
	return rc;
}

static int replay_event(struct json_report *r, struct vgt_input *in, size_t index,
			struct vgt_error *err)
{
	struct at at = {"merge.events", index, r};
	json_t *e = json_array_get(r->events, index);
	const char *type;
	if (get_str(e, "e", &type, NULL, &at, err) != 0)
		return -1;
	if (type == NULL)
		return fault(err, &at, "e", "missing");
	if (strcmp(type, "r") == 0)
		return replay_record(r, in, e, &at, err);
	if (strcmp(type, "m") == 0) {
		const char *text;
		size_t len;
		if (get_str(e, "m", &text, &len, &at, err) != 0)
			return -1;
		if (text == NULL || memchr(text, '\0', len) != NULL)
			return fault(err, &at, "m", "missing or holds a NUL character");
		return r->sink->clientmsg != NULL ? r->sink->clientmsg(r->sink->ctx, in, text, err) : 0;
	}
	if (strcmp(type, "c") == 0) {
		uint64_t unique, count;
		if (get_word(e, "u", &unique, &at, err) != 0 || get_u64(e, "n", &count, &at, err) != 0)
			return -1;
		return r->sink->errorcount != NULL
			       ? r->sink->errorcount(r->sink->ctx, in, unique, count, err) : 0;
	}
	return fault(err, &at, "e", "not \"r\", \"m\" or \"c\"");
}

static int in_file(const struct json_report *r, size_t input, size_t file)
{
	return file == SIZE_MAX || r->input_file[input] == r->files[file];
}

int json_report_replay(struct json_report *r, size_t file, struct frame_table *frames,
		       struct vgt_input *input, const struct vgt_sink *sink, struct vgt_error *err)
{
	r->frames = frames;
	r->sink = sink;
	free(r->ids);
	r->ids = xmalloc((r->n_keys > 0 ? r->n_keys : 1) * sizeof(*r->ids));
	memset(r->ids, 0xff, (r->n_keys > 0 ? r->n_keys : 1) * sizeof(*r->ids));
	free(r->in);
	r->in = xcalloc(r->n_inputs, sizeof(*r->in));
	struct vgt_input *first = NULL;
	for (size_t i = 0; i < r->n_inputs; i++) {
		if (!in_file(r, i, file))
			continue;
		struct vgt_input *in = input;
		if (first != NULL) {
			if (sink->input_for_pid == NULL)
				return vgt_error_set(err, NULL, 0, 0, "JSON report of several inputs: "
						     "cannot be read here");
			in = sink->input_for_pid(sink->ctx, first, -1);
		}
		first = first != NULL ? first : in;
		r->in[i] = in;
		if (set_input(r, in, i, err) != 0)
			return -1;
		/* as it was when its first record came */
		in->records = 0;
		in->exit_leak_search = 0;
		in->complete = 1;
	}
	for (size_t i = 0; i < r->n_events; i++) {
		struct vgt_input *in = r->in[r->event_input[i]];
		if (in != NULL && replay_event(r, in, i, err) != 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_inputs; i++)
		if (r->in[i] != NULL && set_input(r, r->in[i], i, err) != 0)
			return -1;
	if (!input->complete)
		vgt_error_set(err, NULL, input->stop_line, input->stop_column,
			      "%s, which this report read, ended early", input->path);
	return 0;
}

struct json_report *json_reader_load(struct json_reader *r, struct vgt_error *err)
{
	struct json_report *jr = json_report_load(r->buf, r->len, err);
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	return jr;
}

int json_reader_finish(struct json_reader *r, struct vgt_error *err)
{
	struct json_report *jr = json_report_load(r->buf, r->len, err);
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	const char *path = r->input->path;
	int rc = jr != NULL ? json_report_replay(jr, SIZE_MAX, r->frames, r->input, r->sink, err) : -1;
	json_report_free(jr);
	if (rc != 0) {
		/* the error is the report's, not the input it named */
		r->input->path = path;
		r->input->complete = 0;
	}
	return rc;
}
