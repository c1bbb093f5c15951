/*
 * error.c — struct vgt_error (declared in vgt.h): set, clear, format.
 * Apart from vgt.c because a message is escaped (escape.c), and the
 * escaper allocates through vgt.c: vgt.c calls nothing above it.
 */
#include "vgtriage/vgt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/escape.h"

void vgt_error_clear(struct vgt_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

int vgt_error_set(struct vgt_error *err, const char *file, long line, long column,
		  const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	char message[sizeof(err->message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* Messages quote inputs and go to stderr, often a CI log: visible form. */
	escape_text_buf(err->message, sizeof(err->message), message);
	escape_text_buf(err->file, sizeof(err->file), file != NULL ? file : "");
	err->line = line;
	err->column = column;
	return -1;
}

void vgt_error_format(const struct vgt_error *err, char *buf, size_t size)
{
	const char *file = err->file[0] != '\0' ? err->file : NULL;
	if (file != NULL && err->line > 0 && err->column > 0)
		snprintf(buf, size, "%s:%ld:%ld: %s", file, err->line, err->column, err->message);
	else if (file != NULL && err->line > 0)
		snprintf(buf, size, "%s:%ld: %s", file, err->line, err->message);
	else if (file != NULL)
		snprintf(buf, size, "%s: %s", file, err->message);
	else
		snprintf(buf, size, "%s", err->message);
}
