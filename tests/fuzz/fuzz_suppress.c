/*
 * fuzz_suppress.c — the .supp parser and the matcher, both fuzzed.
 *
 * Input: a .supp text, optionally followed by a line "%%" and records to
 * match against it, one block per record (blocks separated by a blank
 * line):
 *     Leak_DefinitelyLost 16 bytes in 1 blocks are definitely lost
 *     malloc|/usr/lib/vgpreload.so|||0
 *     leak|/app/a.out|/src|leak.c|12
 * i.e. the kind and its what text, then one frame a line: fn|obj|dir|file|line
 * (empty = absent).  Without "%%", a fixed set of records is matched, so
 * plain .supp files (seeds: the .supp files under tests/fixtures) work as they are.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vgtriage/frames.h"
#include "analyze/suppress.h"

static const char default_records[] =
	"Leak_DefinitelyLost 16 bytes in 1 blocks are definitely lost in loss record 1 of 2\n"
	"malloc|/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so|||0\n"
	"leak_definite|/app/errors|/src|errors.c|154\n"
	"main|/app/errors|/src|errors.c|199\n"
	"\n"
	"InvalidRead Invalid read of size 4\n"
	"invalid_read|/app/errors|/src|errors.c|38\n"
	"main|/app/errors|/src|errors.c|197\n"
	"\n"
	"SyscallParam Syscall param write(buf) points to uninitialised byte(s)\n"
	"write|/lib/libc.so.6|||0\n"
	"syscall_param|/app/errors|/src|errors.c|92\n"
	"\n"
	"FishyValue Argument 'size' of function malloc has a fishy (possibly negative) value: -1\n"
	"malloc|/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so|||0\n"
	"|||???|0\n";

/* Splits s at c (in place); returns the rest, or NULL. */
static char *cut(char *s, char c)
{
	char *p = strchr(s, c);
	if (p == NULL)
		return NULL;
	*p = '\0';
	return p + 1;
}

static const char *or_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static void match_records(const struct suppressions *supp, char *text)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	char *line = text;
	int in_record = 0;
	while (line != NULL) {
		char *next = cut(line, '\n');
		if (*line == '\0') {
			if (in_record)
				suppressions_match(supp, ft, &rec);
			record_clear(&rec);
			in_record = 0;
		} else if (!in_record) {
			char *what = cut(line, ' ');
			rec.kind_name = line;
			rec.kind = kind_from_name(line);
			rec.what = what;
			in_record = 1;
		} else {
			struct vgt_frame frame, *f = &frame;
			memset(f, 0, sizeof(*f));
			char *obj = cut(line, '|'), *dir = obj ? cut(obj, '|') : NULL;
			char *file = dir ? cut(dir, '|') : NULL, *num = file ? cut(file, '|') : NULL;
			f->fn = or_null(line);
			f->obj = or_null(obj);
			f->dir = or_null(dir);
			f->file = or_null(file);
			f->line = num != NULL ? (unsigned)strtoul(num, NULL, 10) : 0;
			stack_push(&rec.stack, frames_intern_frame(ft, f));
		}
		line = next;
	}
	if (in_record)
		suppressions_match(supp, ft, &rec);
	record_release(&rec);
	frames_free(ft);
	strpool_free(pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *records = NULL;
	char *sep = strstr(text, "\n%%\n");
	size_t supp_len = size;
	if (sep != NULL) {
		records = sep + 4;
		supp_len = (size_t)(sep - text) + 1;
	}
	struct suppressions *supp = suppressions_new();
	FILE *f = fmemopen(text, supp_len, "r");
	if (f != NULL) {
		struct vgt_error err;
		vgt_error_clear(&err);
		suppressions_load_stream(supp, f, "fuzz.supp", &err);
		fclose(f);
	}
	if (records == NULL) {
		char *copy = malloc(sizeof(default_records));
		if (copy != NULL) {
			memcpy(copy, default_records, sizeof(default_records));
			match_records(supp, copy);
			free(copy);
		}
	} else {
		match_records(supp, records);
	}
	suppressions_free(supp);
	free(text);
	return 0;
}
