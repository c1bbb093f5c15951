/*
 * reader_sink.h — for the tests of the line-based readers
 * (check_text_reader.c, check_lsan_reader.c): a sink that keeps a copy of
 * every record delivered (struct collector), gives each further pid an
 * input of its own, and the input files under testdata/<dir>/.
 *
 * Header-only (static functions), as ci_records.h, so that each
 * tests/check_*.c stays one file; included by tests only.
 */
#ifndef VGTRIAGE_TESTS_READER_SINK_H
#define VGTRIAGE_TESTS_READER_SINK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/model.h"

#define RS_UNUSED __attribute__((unused))
#define MAX_INPUTS 8

struct got {
	struct vgt_record rec; /* a copy: its own strings and stacks */
	struct vgt_input *input;
};

struct collector {
	struct got *recs;
	size_t n, cap;
	struct vgt_input first;
	struct vgt_input more[MAX_INPUTS];
	size_t nmore;
	int fail_at; /* make the sink fail at this record (1-based); 0 = never */
};

/* The sink's record: a copy of rec, counted on its input. */
static RS_UNUSED int collect(void *ctx, struct vgt_input *input, struct vgt_record *rec,
			     struct vgt_error *err)
{
	struct collector *c = ctx;
	if (c->fail_at > 0 && (size_t)c->fail_at == c->n + 1)
		return vgt_error_set(err, NULL, 0, 0, "sink says stop");
	c->recs = xgrow(c->recs, &c->cap, c->n + 1, sizeof(*c->recs));
	struct got *g = &c->recs[c->n++];
	memset(&g->rec, 0, sizeof(g->rec));
	record_copy(&g->rec, rec);
	g->input = input;
	input->records++; /* as the pipeline's sink does */
	return 0;
}

/* The sink's input_for_pid: one of c->more. */
static RS_UNUSED struct vgt_input *more_input(void *ctx, struct vgt_input *first, long pid)
{
	struct collector *c = ctx;
	ck_assert_uint_lt(c->nmore, MAX_INPUTS);
	struct vgt_input *in = &c->more[c->nmore++];
	memset(in, 0, sizeof(*in));
	in->path = first->path;
	in->format = first->format;
	(void)pid;
	return in;
}

static RS_UNUSED void collector_free(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++)
		record_release(&c->recs[i].rec);
	free(c->recs);
	memset(c, 0, sizeof(*c));
}

/* testdata/<dir>/<name>, malloc'd and NUL-terminated (made by
 * tests/fixtures/<dir>/make.sh). */
static RS_UNUSED char *testdata_slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/%s/%s", VGT_SRCDIR, dir, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run tests/fixtures/%s/make.sh)", path, dir);
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		buf = xgrow(buf, &cap, n + 4096, 1);
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

#endif
