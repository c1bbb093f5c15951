/*
 * lines.c — lines and counts for the line-based readers (lines.h).
 */
#include "read/lines.h"

#include <stdlib.h>
#include <string.h>

void lines_init(struct lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
	l->line = xmalloc(max + 1);
}

void lines_release(struct lines *l)
{
	free(l->line);
	l->line = NULL;
}

int lines_feed(struct lines *l, const char *buf, size_t len, lines_fn fn, void *ctx,
	       struct vgt_error *err)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl != NULL ? (size_t)(nl - buf) : len;
		if (!l->overlong) {
			if (l->len + take > l->max) {
				l->overlong = 1; /* dropped whole */
			} else {
				memcpy(l->line + l->len, buf, take);
				l->len += take;
			}
		}
		if (nl == NULL)
			break;
		l->lineno++;
		int overlong = l->overlong;
		l->line[l->len] = '\0';
		l->len = 0;
		l->overlong = 0;
		if (!overlong && fn(ctx, l->line, 0, err) != 0)
			return -1;
		buf = nl + 1;
		len -= take + 1;
	}
	return 0;
}

int lines_finish(struct lines *l, lines_fn fn, void *ctx, struct vgt_error *err)
{
	if (l->len == 0 || l->overlong)
		return 0;
	l->lineno++;
	l->line[l->len] = '\0';
	l->len = 0;
	return fn(ctx, l->line, 1, err);
}

int lines_stopped(const struct lines *l, struct vgt_error *err)
{
	return vgt_error_set(err, NULL, l->lineno, 1, "reading stopped earlier");
}

int lines_read_count(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;
	for (; (*s >= '0' && *s <= '9') || (*s == ',' && digits > 0); s++) {
		if (*s == ',')
			continue;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		digits++;
	}
	if (digits == 0)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

struct vgt_input *lines_pid_input(const struct vgt_sink *sink, struct vgt_input *first,
				  size_t npids, long pid)
{
	struct vgt_input *input = first;
	if (npids > 0 && sink->input_for_pid != NULL) {
		struct vgt_input *more = sink->input_for_pid(sink->ctx, first, pid);
		if (more != NULL)
			input = more;
	}
	if (input->pid <= 0)
		input->pid = pid;
	return input;
}

void lines_input_cut(struct vgt_input *in, long lineno)
{
	in->complete = 0;
	in->stop_line = lineno;
	in->stop_column = 1;
}

void lines_frame_path(struct frame_key *f, const char *path, size_t len)
{
	size_t slash = len;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	if (slash > 0) {
		f->dir = path;
		f->dir_len = slash > 1 ? slash - 1 : 1;
	}
	f->file = path + slash;
	f->file_len = len - slash;
}

#define FRAME_CACHE_SLOTS 2048u
#define FRAME_CACHE_TEXT 116

struct frame_cache_slot {
	uint64_t hash;
	long pid;
	uint32_t id;
	uint32_t len;                   /* 0: empty */
	char text[FRAME_CACHE_TEXT];
};

struct lines_frame_cache {
	unsigned gc_runs;
	struct frame_cache_slot *missed; /* where the last miss goes, or NULL */
	uint64_t missed_hash;
	struct frame_cache_slot slot[FRAME_CACHE_SLOTS];
};

uint32_t lines_frame_cached(struct lines_frame_cache **c, const struct frame_table *ft,
			    const char *text, size_t len, long pid)
{
	struct lines_frame_cache *fc = *c;
	if (fc == NULL)
		fc = *c = xcalloc(1, sizeof(*fc));
	fc->missed = NULL;
	if (len == 0 || len > FRAME_CACHE_TEXT)
		return LINES_FRAME_MISS;
	if (fc->gc_runs != frames_gc_runs(ft)) {
		memset(fc->slot, 0, sizeof(fc->slot));
		fc->gc_runs = frames_gc_runs(ft);
	}
	uint64_t h = vgt_hash_bytes(text, len, (uint64_t)pid);
	struct frame_cache_slot *slot = &fc->slot[h & (FRAME_CACHE_SLOTS - 1)];
	if (slot->len == len && slot->hash == h && slot->pid == pid &&
	    memcmp(slot->text, text, len) == 0)
		return slot->id;
	fc->missed = slot;
	fc->missed_hash = h;
	return LINES_FRAME_MISS;
}

void lines_frame_cache_put(struct lines_frame_cache *c, const char *text, size_t len, long pid,
			   uint32_t id)
{
	struct frame_cache_slot *slot = c->missed;
	if (slot == NULL)
		return; /* a line too long to keep */
	slot->hash = c->missed_hash;
	slot->pid = pid;
	slot->id = id;
	slot->len = (uint32_t)len;
	memcpy(slot->text, text, len);
	c->missed = NULL;
}

void lines_frame_cache_free(struct lines_frame_cache *c)
{
	free(c);
}
