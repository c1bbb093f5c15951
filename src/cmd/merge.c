/*
 * merge.c — the events --merge-data keeps (merge.h).  Keys are short:
 * a report keeps one object per record.  The format is read by
 * read/json_reader.c and described in schemas/vgtriage-report.schema.json
 * ("merge").
 */
#include "cmd/merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "render/jsonw.h"
#include "vgtriage/frames.h"
#include "vgtriage/strpool.h"

struct cap_input {
	const struct vgt_input *in;
	size_t file;
};

struct merge_capture {
	FILE *mem;
	char *buf;
	size_t len;
	struct jsonw *w;
	struct strpool *pool;
	struct frame_table *frames;
	struct cap_input *inputs;
	size_t n_inputs, inputs_cap;
	size_t n_files;
};

struct merge_capture *merge_capture_new(void)
{
	struct merge_capture *mc = xcalloc(1, sizeof(*mc));
	mc->mem = open_memstream(&mc->buf, &mc->len);
	if (mc->mem == NULL)
		abort(); /* out of memory, as xmalloc */
	mc->w = jsonw_new(mc->mem, 0);
	jsonw_array_begin(mc->w);
	mc->pool = strpool_new();
	mc->frames = frames_new(mc->pool);
	return mc;
}

void merge_capture_free(struct merge_capture *mc)
{
	if (mc == NULL)
		return;
	if (mc->w != NULL) {
		jsonw_free(mc->w);
		fclose(mc->mem);
	}
	free(mc->buf);
	frames_free(mc->frames);
	strpool_free(mc->pool);
	free(mc->inputs);
	free(mc);
}

static void add_input(struct merge_capture *mc, const struct vgt_input *in, size_t file)
{
	mc->inputs = xgrow(mc->inputs, &mc->inputs_cap, mc->n_inputs + 1, sizeof(*mc->inputs));
	mc->inputs[mc->n_inputs].in = in;
	mc->inputs[mc->n_inputs++].file = file;
}

/* The capture's number of input; the latest inputs are the likeliest.
 * SIZE_MAX for one it never saw (then the record is not kept). */
static size_t number_of(const struct merge_capture *mc, const struct vgt_input *in)
{
	for (size_t i = mc->n_inputs; i-- > 0;)
		if (mc->inputs[i].in == in)
			return i;
	return SIZE_MAX;
}

void merge_capture_file(struct merge_capture *mc, const struct vgt_input *in)
{
	add_input(mc, in, mc->n_files++);
}

void merge_capture_input(struct merge_capture *mc, const struct vgt_input *first,
			 const struct vgt_input *in)
{
	size_t k = number_of(mc, first);
	if (k == SIZE_MAX)
		merge_capture_file(mc, in);
	else
		add_input(mc, in, mc->inputs[k].file);
}

void merge_capture_moved(struct merge_capture *mc, const struct vgt_report *from,
			 const struct vgt_report *to, size_t base)
{
	for (size_t j = 0; j < from->n_inputs && base + j < to->n_inputs; j++) {
		size_t k = number_of(mc, from->inputs[j]);
		if (k != SIZE_MAX)
			mc->inputs[k].in = to->inputs[base + j];
	}
}

static void stack_ids(struct merge_capture *mc, const struct vgt_report *r, const char *key,
		      const struct vgt_stack *st)
{
	if (st->count == 0)
		return;
	jsonw_key(mc->w, key);
	jsonw_array_begin(mc->w);
	for (uint32_t i = 0; i < st->count; i++)
		jsonw_uint(mc->w, frames_intern_from(mc->frames, r->frames, st->ids[i]));
	jsonw_array_end(mc->w);
}

static void kbytes_if(struct jsonw *w, const char *key, const char *s)
{
	if (s != NULL)
		jsonw_kbytes(w, key, s);
}

static void kuint_if(struct jsonw *w, const char *key, uint64_t v)
{
	if (v != 0)
		jsonw_kuint(w, key, v);
}

/* A number that may use all 64 bits (valgrind's unique, leak search
 * numbers derived from it): above 2^63 - 1 (which JSON readers refuse)
 * as a hex string. */
static void kword_if(struct jsonw *w, const char *key, uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX) {
		kuint_if(w, key, v);
		return;
	}
	char hex[24];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
	jsonw_kstring(w, key, hex);
}

/* Begins an event of input in; 0 when the capture does not know it. */
static int begin(struct merge_capture *mc, const struct vgt_input *in, const char *event)
{
	size_t k = number_of(mc, in);
	if (k == SIZE_MAX)
		return 0;
	jsonw_object_begin(mc->w);
	jsonw_kstring(mc->w, "e", event);
	jsonw_kuint(mc->w, "i", k);
	return 1;
}

void merge_capture_record(struct merge_capture *mc, const struct vgt_report *r,
			  const struct vgt_input *in, const struct vgt_record *rec)
{
	struct jsonw *w = mc->w;
	if (!begin(mc, in, "r"))
		return;
	jsonw_kbytes(w, "k", rec->kind_name);
	kbytes_if(w, "w", rec->what);
	kuint_if(w, "b", rec->bytes);
	kuint_if(w, "n", rec->blocks);
	kuint_if(w, "d", rec->direct_bytes);
	kuint_if(w, "ib", rec->indirect_bytes);
	if (rec->has_delta) {
		jsonw_key(w, "dl");
		jsonw_array_begin(w);
		jsonw_int(w, rec->delta_bytes);
		jsonw_int(w, rec->delta_blocks);
		jsonw_int(w, rec->delta_indirect_bytes);
		jsonw_array_end(w);
	}
	kword_if(w, "u", rec->unique);
	if (rec->tid != 0)
		jsonw_kint(w, "t", rec->tid);
	kbytes_if(w, "tn", rec->threadname);
	stack_ids(mc, r, "s", &rec->stack);
	kbytes_if(w, "aw", rec->auxwhat);
	stack_ids(mc, r, "as", &rec->aux_stack);
	kbytes_if(w, "aw2", rec->auxwhat2);
	stack_ids(mc, r, "as2", &rec->aux_stack2);
	kbytes_if(w, "sp", rec->suppression);
	jsonw_kint(w, "p", rec->pid);
	kuint_if(w, "lr", rec->loss_record);
	kuint_if(w, "lrs", rec->loss_records);
	kword_if(w, "ls", rec->leak_search);
	if (in->exit_leak_search)
		jsonw_kuint(w, "x", 1);
	/* valgrind's leak options not known yet (an LSan report states
	 * them at its end): which leak records count as errors (sites.c) */
	if (!in->has_leak_options)
		jsonw_kuint(w, "nlo", 1);
	jsonw_object_end(w);
}

void merge_capture_clientmsg(struct merge_capture *mc, const struct vgt_input *in,
			     const char *text)
{
	if (!begin(mc, in, "m"))
		return;
	jsonw_kbytes(mc->w, "m", text);
	jsonw_object_end(mc->w);
}

void merge_capture_errorcount(struct merge_capture *mc, const struct vgt_input *in,
			      uint64_t unique, uint64_t count)
{
	if (!begin(mc, in, "c"))
		return;
	kword_if(mc->w, "u", unique);
	jsonw_kuint(mc->w, "n", count);
	jsonw_object_end(mc->w);
}

void merge_capture_finish(struct merge_capture *mc, struct vgt_report *r)
{
	jsonw_array_end(mc->w);
	if (jsonw_free(mc->w) != 0 || fclose(mc->mem) != 0)
		abort(); /* out of memory, as xmalloc */
	mc->w = NULL;
	free(r->merge_events);
	r->merge_events = mc->buf;
	r->merge_events_len = mc->len;
	mc->buf = NULL;
	mc->len = 0;
	frames_free(r->merge_frames);
	strpool_free(r->merge_pool);
	r->merge_frames = mc->frames;
	r->merge_pool = mc->pool;
	mc->frames = NULL;
	mc->pool = NULL;
	/* the inputs by the capture's numbers, as the report has them now */
	free(r->merge_inputs);
	r->merge_inputs = xcalloc(mc->n_inputs > 0 ? mc->n_inputs : 1, sizeof(*r->merge_inputs));
	r->n_merge_inputs = 0;
	for (size_t k = 0; k < mc->n_inputs; k++) {
		size_t i = 0;
		while (i < r->n_inputs && r->inputs[i] != mc->inputs[k].in)
			i++;
		/* (SIZE_MAX: an input the report lost, which cannot happen) */
		r->merge_inputs[r->n_merge_inputs].input = i < r->n_inputs ? i : SIZE_MAX;
		r->merge_inputs[r->n_merge_inputs++].file = mc->inputs[k].file;
	}
}
