/*
 * diff.h — `vgtriage diff BASE NEW`: which sites appeared, vanished, grew
 * or shrank between two reports, matched by fingerprint.
 *
 * Each side is a struct vgt_report: read from valgrind inputs by the
 * pipeline, or loaded from a vgtriage JSON report (-f json) here.  Only
 * shown sites take part (hidden noise stays hidden).
 *
 * Included by main.c and tests.
 */
#ifndef VGTRIAGE_DIFF_H
#define VGTRIAGE_DIFF_H

#include <stdio.h>

#include "analyze/policy.h"
#include "render/render.h"
#include "vgtriage/report.h"

/* 1 if path holds a vgtriage JSON report (its first byte, after white
 * space, is '{'), 0 if not (valgrind XML or text log), -1 if unreadable. */
int diff_is_json_report(const char *path);

/* Loads a vgtriage JSON report (schema 1) into a new report: inputs,
 * totals and sites (kind, category, bytes, blocks, records, fingerprint,
 * location, generated, what, stack, baseline).  Sites are all shown, in
 * the file's order.  NULL with err filled (file, and what is wrong). */
struct vgt_report *diff_load_json(const char *path, struct vgt_error *err);
/* The same from text[0..len); name is what errors call it. */
struct vgt_report *diff_load_json_buffer(const char *text, size_t len, const char *name,
					 struct vgt_error *err);

/* Writes the diff as text or JSON (other formats: -1 with nothing
 * written).  *failed = 1 if a site that the policy names appeared, or a
 * leak site grew by an amount the policy names (thresholds apply to the
 * growth); policy NULL = policy_default.  Returns 0, or -1 on a write
 * error. */
int diff_render(FILE *out, enum vgt_format fmt, const struct vgt_report *base,
		const struct vgt_report *newr, const struct policy *policy, int *failed);

#endif
