/*
 * xml_diff.h — the XML reader's two front ends side by side: the same
 * bytes, in the same chunks, read with the fast path (libxml2 taking over
 * where the shape ends) and with libxml2 alone; every record serialized
 * in full (frames by their fields), every errorcount and client message,
 * every feed/finish result with its message and line:column, and the
 * input's fields.  The two texts must be equal.
 *
 * Header-only (static functions): shared by tests/check_xml_reader.c and
 * the differential fuzz harness tests/fuzz/fuzz_xml_fast.c.
 */
#ifndef VGTRIAGE_TESTS_XML_DIFF_H
#define VGTRIAGE_TESTS_XML_DIFF_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/reader.h"
#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/strpool.h"

#define XD_UNUSED __attribute__((unused))

struct xd_out {
	char *s;
	size_t len, cap;
};

struct xd_run {
	struct xd_out out;
	struct frame_table *ft;
	size_t records, errorcounts, clientmsgs;
	size_t fail_record, fail_errorcount, fail_clientmsg; /* 1-based; 0 never */
};

static void xd_printf(struct xd_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xd_printf(struct xd_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (o->len + (size_t)n + 1 > o->cap) {
		o->cap = (o->len + (size_t)n + 1) * 2;
		o->s = realloc(o->s, o->cap);
		if (o->s == NULL)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(o->s + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static void xd_str(struct xd_out *o, const char *label, const char *s, size_t len)
{
	if (s == NULL)
		xd_printf(o, " %s=NULL", label);
	else
		xd_printf(o, " %s=%zu:%.*s", label, len, (int)len, s);
}

static void xd_stack(struct xd_run *run, const char *label, const struct vgt_stack *st)
{
	xd_printf(&run->out, "\n %s %u:", label, (unsigned)st->count);
	for (uint32_t i = 0; i < st->count; i++) {
		struct frame_key k;
		frames_key_of(run->ft, st->ids[i], &k);
		xd_printf(&run->out, "\n  ip=%llx line=%u pid=%ld", (unsigned long long)k.ip, k.line,
			  k.fn == NULL ? k.pid : 0L);
		xd_str(&run->out, "obj", k.obj, k.obj_len);
		xd_str(&run->out, "fn", k.fn, k.fn_len);
		xd_str(&run->out, "dir", k.dir, k.dir_len);
		xd_str(&run->out, "file", k.file, k.file_len);
	}
}

static const char *xd_s(const char *s)
{
	return s != NULL ? s : "(null)";
}

static int xd_record(void *ctx, struct vgt_input *in, struct vgt_record *r, struct vgt_error *err)
{
	struct xd_run *run = ctx;
	(void)in;
	struct xd_out *o = &run->out;
	xd_printf(o, "record %zu kind=%s/%d bytes=%llu blocks=%llu direct=%llu indirect=%llu "
		  "delta=%d/%lld/%lld/%lld unique=%llu tid=%ld thread=%s supp=%s pid=%ld "
		  "loss=%u/%u search=%llu\n what=%s\n aux=%s\n aux2=%s",
		  run->records, xd_s(r->kind_name), (int)r->kind, (unsigned long long)r->bytes,
		  (unsigned long long)r->blocks, (unsigned long long)r->direct_bytes,
		  (unsigned long long)r->indirect_bytes, r->has_delta, (long long)r->delta_bytes,
		  (long long)r->delta_blocks, (long long)r->delta_indirect_bytes,
		  (unsigned long long)r->unique, r->tid, xd_s(r->threadname), xd_s(r->suppression),
		  r->pid, r->loss_record, r->loss_records, (unsigned long long)r->leak_search,
		  xd_s(r->what), xd_s(r->auxwhat), xd_s(r->auxwhat2));
	xd_stack(run, "stack", &r->stack);
	xd_stack(run, "aux_stack", &r->aux_stack);
	xd_stack(run, "aux_stack2", &r->aux_stack2);
	xd_printf(o, "\n");
	if (++run->records == run->fail_record)
		return vgt_error_set(err, NULL, 0, 0, "the sink refuses record %zu", run->records);
	return 0;
}

static int xd_errorcount(void *ctx, struct vgt_input *in, uint64_t unique, uint64_t count,
			 struct vgt_error *err)
{
	struct xd_run *run = ctx;
	(void)in;
	xd_printf(&run->out, "errorcount %llx %llu\n", (unsigned long long)unique,
		  (unsigned long long)count);
	if (++run->errorcounts == run->fail_errorcount)
		return vgt_error_set(err, NULL, 0, 0, "the sink refuses errorcount %zu",
				     run->errorcounts);
	return 0;
}

static int xd_clientmsg(void *ctx, struct vgt_input *in, const char *text, struct vgt_error *err)
{
	struct xd_run *run = ctx;
	(void)in;
	xd_printf(&run->out, "clientmsg %s\n", text);
	if (++run->clientmsgs == run->fail_clientmsg)
		return vgt_error_set(err, NULL, 0, 0, "the sink refuses clientmsg %zu",
				     run->clientmsgs);
	return 0;
}

static void xd_input(struct xd_out *o, const struct vgt_input *in)
{
	const struct vgt_valgrind_summary *vg = &in->vg;
	xd_printf(o, "input tool=%s proto=%d pid=%ld ppid=%ld command=%s complete=%d finished=%d "
		  "exit_search=%d signal=%s records=%zu stop=%ld:%ld errorcounts=%llu/%d "
		  "suppressed=%llu supp_seen=%d/%d bad_numbers=%zu aborted=%s\n",
		  xd_s(in->tool), in->protocol_version, in->pid, in->ppid, xd_s(in->command),
		  in->complete, in->finished, in->exit_leak_search, xd_s(in->fatal_signal),
		  in->records, in->stop_line, in->stop_column,
		  (unsigned long long)in->errorcounts_total, in->errorcounts_seen,
		  (unsigned long long)in->suppressed_total, in->suppcounts_seen,
		  in->suppcounts_over, in->bad_numbers, xd_s(in->aborted));
	for (size_t i = 0; i < in->n_suppcounts; i++)
		xd_printf(o, " suppcount %s %llu\n", xd_s(in->suppcounts[i].name),
			  (unsigned long long)in->suppcounts[i].count);
	const struct vgt_amount *a[5] = {&vg->definitely_lost, &vg->indirectly_lost,
					 &vg->possibly_lost, &vg->still_reachable, &vg->suppressed};
	xd_printf(o, " leak_summary=%d known=%x", vg->has_leak_summary, vg->known);
	for (int i = 0; i < 5; i++)
		xd_printf(o, " %llu/%llu", (unsigned long long)a[i]->bytes,
			  (unsigned long long)a[i]->blocks);
	xd_printf(o, "\n error_summary=%d %llu %llu %llu %llu leak_check=%d/%d kinds=%x/%x "
		  "blame=%d\n", vg->has_error_summary, (unsigned long long)vg->errors,
		  (unsigned long long)vg->error_contexts, (unsigned long long)vg->suppressed_errors,
		  (unsigned long long)vg->suppressed_contexts, (int)in->leak_check,
		  in->has_leak_options, in->show_leak_kinds, in->errors_for_leak_kinds,
		  in->reachable_for_blame);
}

/* The chunk sizes of a run: `chunk` bytes each, or (chunk 0) pseudo-random
 * from seed, 1 byte to 64 KiB with small ones often. */
static size_t xd_next_chunk(uint32_t *seed, size_t chunk)
{
	if (chunk > 0)
		return chunk;
	*seed = *seed * 1103515245u + 12345u;
	uint32_t v = *seed >> 8;
	switch (v & 3) {
	case 0: return 1 + (v >> 2) % 8;
	case 1: return 1 + (v >> 2) % 300;
	case 2: return 1 + (v >> 2) % 4096;
	default: return 1 + (v >> 2) % 65536;
	}
}

/* Reads data with libxml2 alone (force) or the fast path; returns the
 * serialized result (malloc'd, NUL-terminated); *parser_used as
 * xml_reader_parser_used says.  fail_*: the sink refuses that record /
 * errorcount / client message (0: never). */
static XD_UNUSED char *xd_read(const char *data, size_t size, int force, uint32_t seed,
			       size_t chunk, const size_t fail[3], int *parser_used)
{
	struct strpool *pool = strpool_new();
	struct xd_run run;
	memset(&run, 0, sizeof(run));
	run.ft = frames_new(pool);
	if (fail != NULL) {
		run.fail_record = fail[0];
		run.fail_errorcount = fail[1];
		run.fail_clientmsg = fail[2];
	}
	struct vgt_input in;
	memset(&in, 0, sizeof(in));
	in.path = "diff.xml";
	in.format = "xml";
	in.complete = 1;
	in.pid = -1;
	struct vgt_sink sink = {xd_record, xd_errorcount, NULL, &run, xd_clientmsg};
	struct xml_reader *r = xml_reader_new(run.ft, &in, &sink);
	if (force)
		xml_reader_force_libxml2(r);
	struct vgt_error err;
	vgt_error_clear(&err);
	int rc = 0;
	size_t off = 0;
	while (off < size) {
		size_t n = xd_next_chunk(&seed, chunk);
		if (n > size - off)
			n = size - off;
		rc = xml_reader_feed(r, data + off, n, &err);
		off += n;
		if (rc != 0) {
			xd_printf(&run.out, "feed %d: %s at %ld:%ld\n", rc, err.message, err.line,
				  err.column);
			break;
		}
	}
	if (rc == 0) {
		rc = xml_reader_finish(r, &err);
		xd_printf(&run.out, "finish %d: %s at %ld:%ld\n", rc, err.message, err.line,
			  err.column);
	}
	xd_input(&run.out, &in);
	if (parser_used != NULL)
		*parser_used = xml_reader_parser_used(r);
	xml_reader_free(r);
	frames_free(run.ft);
	strpool_free(pool);
	if (run.out.s == NULL)
		xd_printf(&run.out, "%s", "");
	return run.out.s;
}

/* Both front ends on data; NULL when they agree, else a message naming the
 * first difference (malloc'd).  *parser_used: the fast run's. */
static XD_UNUSED char *xd_compare(const char *data, size_t size, uint32_t seed, size_t chunk,
				  const size_t fail[3], int *parser_used)
{
	char *fast = xd_read(data, size, 0, seed, chunk, fail, parser_used);
	char *ref = xd_read(data, size, 1, seed, chunk, fail, NULL);
	char *msg = NULL;
	if (strcmp(fast, ref) != 0) {
		size_t i = 0;
		while (fast[i] == ref[i])
			i++;
		size_t from = i > 300 ? i - 300 : 0;
		size_t need = strlen(fast + from) + strlen(ref + from) + 100;
		msg = malloc(need);
		if (msg == NULL)
			abort();
		snprintf(msg, need, "fast path differs at byte %zu of the result:\n--- fast\n%.600s\n"
			 "--- libxml2\n%.600s\n", i, fast + from, ref + from);
	}
	free(fast);
	free(ref);
	return msg;
}

#endif
