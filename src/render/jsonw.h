/*
 * jsonw.h — a streaming JSON writer: values go straight into a buffered
 * FILE as they are given, with no tree and no allocation per value, so a
 * report of tens of thousands of sites is written at the speed of memcpy.
 *
 * Pretty output is byte for byte what jansson writes with JSON_INDENT(2) |
 * JSON_ENSURE_ASCII (the format of schema-1 reports since 0.1.0); compact
 * output is one line with no spaces.  Strings are escaped as JSON requires,
 * non-ASCII as \uXXXX (surrogate pairs above U+FFFF); bytes that are not
 * valid UTF-8 become U+FFFD, so any input gives valid JSON.
 *
 * Nesting is checked loosely: a key must come inside an object and before
 * its value.  Misuse is a programming error (assert), not an input error.
 *
 * Used by render_json.c, diff.c and watch.c.
 */
#ifndef VGTRIAGE_JSONW_H
#define VGTRIAGE_JSONW_H

#include <stdint.h>
#include <stdio.h>

struct jsonw;

/* pretty: 1 = indented by 2, 0 = one line. */
struct jsonw *jsonw_new(FILE *out, int pretty);
/* A writer for a piece of a document that another writer places with
 * jsonw_raw_value at nesting `depth` (its indentation is for that depth). */
struct jsonw *jsonw_new_nested(FILE *out, int pretty, int depth);
int jsonw_depth(const struct jsonw *w);
/* A value written before (by a jsonw_new_nested writer), placed as is. */
void jsonw_raw_value(struct jsonw *w, const char *text, size_t len);

/* Flushes and frees; returns 0, or -1 when a write failed (ferror). */
int jsonw_free(struct jsonw *w);

void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);

/* The key of the next member (inside an object). */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_string(struct jsonw *w, const char *s);     /* NULL writes null */
void jsonw_string_n(struct jsonw *w, const char *s, size_t len);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);          /* %.17g as jansson, finite only */
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);

/* Shorthands for a member: key then value. */
void jsonw_kstring(struct jsonw *w, const char *key, const char *s);
void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);
void jsonw_kbool(struct jsonw *w, const char *key, int v);

/* 1 when s[0..n) is valid UTF-8 (what a JSON string keeps byte for byte). */
int jsonw_utf8_valid(const char *s, size_t n);
/* A member whose value must come back byte for byte (merge data, issue
 * 22): the string when it is valid UTF-8, else {"hex": "<its bytes>"}. */
void jsonw_kbytes(struct jsonw *w, const char *key, const char *s);

/* A newline after a top-level value (documents and JSON Lines end so). */
void jsonw_end_line(struct jsonw *w);

/* Writes whatever is buffered to the FILE (the FILE is not flushed). */
void jsonw_flush(struct jsonw *w);

#endif
