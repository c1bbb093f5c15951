/*
 * escape.h — every string that comes from an input (function, file and
 * object names, paths, valgrind's messages, command lines, source lines,
 * notes that quote them) reaches an output through one of these
 * functions, chosen by the output it goes to.  No input can then start a
 * new line of a CI log, move a terminal's cursor, be taken for a GitHub
 * workflow command, close a markdown table cell or code block, or add
 * HTML to a page.
 *
 * Every function starts from the *visible form* of the string:
 *   - C0 controls (but tab), DEL, C1 controls (U+0080–U+009F), bytes that
 *     are not well-formed UTF-8, the bidi embeddings, overrides, isolates
 *     and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), the
 *     line and paragraph separators (U+2028, U+2029) and the
 *     noncharacters U+FFFE/U+FFFF are written "\n", "\r", "\xNN" (one per
 *     byte) or "\uNNNN";
 *   - a string that begins, after blanks, with "::" has its first colon
 *     written "\x3a", and every "##[" becomes "##\x5b": the GitHub runner
 *     reads a line as a workflow command when it starts with "::" after
 *     leading whitespace, or when it holds "##[" anywhere.
 * Backslashes and everything else are left as they are, so a string with
 * nothing to escape is written unchanged (reports of ordinary runs do not
 * change), and the *_pool functions return the string itself.
 *
 * Included by the renderers, render.c, report.c, suppress.c, baseline.c,
 * diff.c, watch.c, vgt.c and the tests.  `-f json` needs none of this: its
 * writer (jsonw.h) escapes what JSON must and gives the input's strings as
 * they are; escape_utf8 is for what still goes through jansson.
 */
#ifndef VGTRIAGE_ESCAPE_H
#define VGTRIAGE_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "vgtriage/strpool.h"

/* Plain text: the text report, notes, stderr, the inside of a markdown
 * code block.  NULL writes nothing. */
void escape_text(FILE *out, const char *s);
/* The visible form interned in pool; s itself when nothing changes (and
 * NULL for NULL). */
const char *escape_text_pool(struct strpool *pool, const char *s);
/* The visible form into dst[size] (cut to fit, always NUL-terminated);
 * returns strlen(dst).  dst and s must not overlap. */
size_t escape_text_buf(char *dst, size_t size, const char *s);
/* 1 when the visible form of s differs from s. */
int escape_text_needed(const char *s);

/* HTML and XML text or attribute values: the visible form with & < > " '
 * as character references. */
void escape_html(FILE *out, const char *s);

/* A markdown table cell (GitHub-flavoured): the visible form with | as \|,
 * < > & as references, and \ ` * _ [ ] backslash-escaped, so a cell can
 * neither end early nor hold a link, image, emphasis or code span. */
void escape_markdown_cell(FILE *out, const char *s);
/* Text inside an HTML element of a markdown page (<summary>): the visible
 * form with < > & as references. */
void escape_markdown_html(FILE *out, const char *s);
/* Backticks for a code fence around text: one more than the longest run
 * of backticks in it, and at least 3, so no line of text can close it. */
size_t escape_markdown_fence(const char *text);

/* GitHub workflow commands (`::error file=…,title=…::data`), as the
 * runner unescapes them: % CR LF as %25 %0D %0A in data; also : , as %3A
 * %2C in property values; the visible form for everything else.  A CR or
 * LF in s is one the caller meant (the lines of a stack): input strings
 * inside s must already be in their visible form. */
void escape_github_data(FILE *out, const char *s);
void escape_github_property(FILE *out, const char *s);

/* A path as a URI path (RFC 3986): unreserved characters, '/' and the
 * sub-delimiters as they are, everything else percent-encoded (':' too,
 * so that a relative reference cannot read as a scheme).  Returns a
 * malloc'd string. */
char *escape_uri_path(const char *path);
/* 1 when the relative path stays inside the directory it is relative to
 * ("a/../b" does, "../b" and "a/../../b" do not); 0 for those and for
 * absolute paths. */
int escape_path_inside(const char *path);

/* JSON must be UTF-8 (jansson refuses anything else, and a refused
 * string would drop its key): a malloc'd copy of s with every byte that is
 * not part of well-formed UTF-8 written "\xNN", everything else as it is
 * (JSON escapes controls itself). */
char *escape_utf8(const char *s);

/* A name for a `fun:`/`obj:` line of a valgrind suppression: every byte
 * the visible form would change becomes the wildcard '?', so the entry
 * stays one line and still matches the name. */
void escape_supp_name(FILE *out, const char *s);

#endif
