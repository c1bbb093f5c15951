/*
 * lines.h — what the line-based readers (text_reader.c, lsan_reader.c)
 * share: cutting chunks of input into lines (a partial line waits for the
 * next chunk; a line longer than the limit is dropped whole), prefix
 * checks and reading counts; the input of each pid of a stream, marking
 * an input cut short, a frame's dir and file.
 *
 * Included by the readers of read/ only (text_checks.c too).
 */
#ifndef VGTRIAGE_LINES_H
#define VGTRIAGE_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/vgt.h"

struct lines {
	char *line;      /* the line being gathered (max + 1 bytes) */
	size_t len, max;
	int overlong;    /* longer than max: dropped whole */
	long lineno;     /* lines seen so far */
};

/* Called with each whole line (NUL-terminated, without its '\n'; the
 * callee may change it); partial: the input's last line, unterminated.
 * Returns 0, or -1 with err set to stop. */
typedef int (*lines_fn)(void *ctx, char *line, int partial, struct vgt_error *err);

void lines_init(struct lines *l, size_t max);
void lines_release(struct lines *l);
/* The lines completed by buf[0..len), each to fn; -1 when fn says stop. */
int lines_feed(struct lines *l, const char *buf, size_t len, lines_fn fn, void *ctx,
	       struct vgt_error *err);
/* The unterminated last line, if any, to fn (partial = 1). */
int lines_finish(struct lines *l, lines_fn fn, void *ctx, struct vgt_error *err);
/* The error of a feed or finish after reading stopped (-1). */
int lines_stopped(const struct lines *l, struct vgt_error *err);

/* Does s start with prefix? */
static inline int lines_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A decimal count at *p ("1,234": commas after a digit are skipped);
 * advances past it.  -1 when there is none or it does not fit 64 bits. */
int lines_read_count(const char **p, uint64_t *out);
/* s past its leading blanks (spaces and tabs); inline: every line of a
 * log passes here once or twice. */
static inline const char *lines_skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The input of a further pid met in one stream (npids: the pids met
 * before it): the sink's input_for_pid, else first (all pids share it);
 * its pid is set when it has none yet. */
struct vgt_input *lines_pid_input(const struct vgt_sink *sink, struct vgt_input *first,
				  size_t npids, long pid);
/* An input that stops at line lineno: not complete, stop_line set. */
void lines_input_cut(struct vgt_input *in, long lineno);

/* f's dir and file from a frame's source path (path[0..len)): dir is
 * what comes before the last '/' ("/" for a file at the root), if any. */
void lines_frame_path(struct frame_key *f, const char *path, size_t len);

/* Frame lines already interned, by their text: a stack line ("at 0x...:
 * fn (file:line)") that came before gives its frame id without being
 * parsed, hashed field by field and compared again (a deep Python log
 * repeats the interpreter's frames in every record: 25% of a log's
 * instructions).  Direct-mapped and bounded (287 KB); longer lines are
 * not kept.  The ids are those of the table the lines were interned in,
 * until it collects (frames_gc_runs: a collection may reclaim one). */
struct lines_frame_cache;
#define LINES_FRAME_MISS UINT32_MAX
/* The id put for the line text[0..len) of process pid, or
 * LINES_FRAME_MISS; *c is made on the first call. */
uint32_t lines_frame_cached(struct lines_frame_cache **c, const struct frame_table *ft,
			    const char *text, size_t len, long pid);
/* Keeps id for the line the last lines_frame_cached() missed. */
void lines_frame_cache_put(struct lines_frame_cache *c, const char *text, size_t len, long pid,
			   uint32_t id);
void lines_frame_cache_free(struct lines_frame_cache *c); /* NULL is a no-op */

#endif
