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
