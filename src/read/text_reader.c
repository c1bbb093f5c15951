/*
 * text_reader.c — valgrind's plain-text log (and vgdb monitor output) into
 * the model.
 *
 * The reader cuts its input into lines (a partial line waits for the next
 * chunk), keeps the lines valgrind wrote (`==PID==`, `--PID--`, `**PID**`)
 * and ignores the rest: the program's own output may be interleaved.  Each
 * pid has its own state (input, record being built, summary section), so
 * the processes of a --trace-children=yes log stay apart even when their
 * lines interleave.
 *
 * A `==PID==` body is dispatched on its indentation and first character:
 *   indent 0   a message (starts a record), a loss record header, a
 *              summary header, or a preamble line;
 *   indent 1   an auxiliary line ("Address 0x… is …", "Block was alloc'd
 *              at", origins);
 *   "at 0x" / "by 0x"  a frame of the current stack;
 *   indent 2+  the lines of HEAP/LEAK SUMMARY.
 * A blank `==PID== ` line (or the next message) ends a record.  A `**PID**`
 * line is a client message (VALGRIND_PRINTF): it ends the record before it
 * and goes to the sink's clientmsg, one line at a time.
 *
 * Decisions worth knowing:
 *   - rec->auxwhat is the first auxiliary line; rec->aux_stack is the first
 *     stack that follows any auxiliary line (the free stack of a
 *     use-after-free, the origin of an uninitialised value whose first aux
 *     line had no stack); the next auxiliary line and its stack are
 *     rec->auxwhat2, rec->aux_stack2 (a use-after-free's "Block was alloc'd at").
 *   - A message we do not know becomes a VGT_KIND_UNKNOWN record, but only
 *     when a stack follows it: valgrind's notes and warnings have none.
 *   - At end of input, a record cut in its stack is delivered when it has
 *     its message and at least one frame (the counts of a loss record are
 *     on its first line, so they are right); an unterminated last line is
 *     parsed unless it is a frame line (a cut frame line would carry a
 *     wrong address or name); summary lines count only when whole
 *     ("… blocks", "(suppressed: N from M)").
 *   - An input is complete when each of its pids reached ERROR SUMMARY, or
 *     LEAK SUMMARY (a vgdb leak search has no ERROR SUMMARY); finished
 *     needs ERROR SUMMARY.  Several pids sharing one input (sink without
 *     input_for_pid) add up their summaries.
 *   - Lines longer than TEXT_LINE_MAX are dropped whole.
 *   - vgdb output may come without prefixes (a gdb `monitor` capture): when
 *     the first valgrind-looking line has no prefix and is a loss record or
 *     a summary header, unprefixed lines are read as valgrind's too.
 */
#include "read/reader.h"
#include "vgtriage/report.h"
#include "read/lines.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LINE_MAX (64 * 1024)
#define TEXT_PIDS_MAX 4096

enum text_target {
	TARGET_NONE = 0, /* frames here belong to nothing we keep */
	TARGET_MAIN,
	TARGET_AUX,
	TARGET_AUX2  /* a second aux stack ("Block was alloc'd at") */
};

enum text_section {
	SECTION_NONE = 0,
	SECTION_HEAP,
	SECTION_LEAK
};

enum text_mode {
	MODE_UNDECIDED = 0,
	MODE_PREFIXED,
	MODE_UNPREFIXED /* vgdb capture without ==PID== */
};

struct text_pid {
	long pid;
	struct vgt_input *input;
	struct vgt_record rec;
	int open;              /* rec has its message */
	int aux_seen;          /* an auxiliary line came */
	enum text_target target;
	enum text_section section;
	long next_tid;         /* from "Thread N:" */
	int main_pending;      /* helgrind LockOrder: the main stack is the next "followed by" */
	int leak_summary, error_summary;
	uint64_t leak_searches; /* LEAK SUMMARYs (searches ended) so far */
	struct vgt_valgrind_summary vg; /* this pid's own summaries */
	/* -s (--show-error-list=yes): after ERROR SUMMARY valgrind lists
	 * each error context again, "N errors in context X of Y:" before
	 * it.  Those are counts of records already read, not records. */
	int list_pending;       /* the next message is a listed context */
	int repeat;             /* rec is a listed context */
	uint64_t list_count;    /* its N */
	int list_seen;
	uint64_t next_unique;   /* text records get 1, 2, … (for the list) */
	struct text_context *contexts; /* non-leak records read, by content */
	size_t ncontexts, contexts_cap;
};

/* An error context already read: a hash of its message, auxiliary text
 * and stacks, and the unique its record was given. */
struct text_context {
	uint64_t hash;
	uint64_t unique;
};

struct text_reader {
	struct strpool *pool;
	struct frame_table *frames;
	struct vgt_input *first;
	const struct vgt_sink *sink;
	struct text_pid *pids;
	size_t npids, cap;
	size_t last;            /* index of the last pid used */
	struct lines lb;        /* the input's lines (lb.lineno: seen so far) */
	int found;              /* any valgrind content */
	size_t delivered;       /* records handed to the sink */
	enum text_mode mode;
	int failed;
	const char *aborted;    /* valgrind's panic or assertion line */
	int client_seen;        /* a **PID** line: a client message of valgrind's */
	const char *line_end;   /* the NUL ending the line being read */
	struct lines_frame_cache *frame_cache; /* made on the first frame line */
};

/* ---- small string helpers ---------------------------------------------- */

static int is_thread_tool(const char *tool)
{
	return tool != NULL && (strcmp(tool, "helgrind") == 0 || strcmp(tool, "drd") == 0);
}

/* Reads an optional " (+N)" / " (-N)" after a count. */
static int read_delta(const char **p, int64_t *delta, int *has)
{
	const char *s = lines_skip_spaces(*p);
	if (s[0] != '(' || (s[1] != '+' && s[1] != '-'))
		return 0;
	int negative = s[1] == '-';
	s += 2;
	uint64_t v;
	if (lines_read_count(&s, &v) != 0 || *s != ')' || v > INT64_MAX)
		return -1;
	*delta = negative ? -(int64_t)v : (int64_t)v;
	*has = 1;
	*p = s + 1;
	return 0;
}

/* Reads "N" or "N (+D)"; *delta stays 0 without one. */
static int read_amount(const char **p, uint64_t *n, int64_t *delta, int *has)
{
	*delta = 0;
	if (lines_read_count(p, n) != 0)
		return -1;
	return read_delta(p, delta, has);
}

static int expect(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* ---- pids --------------------------------------------------------------- */

static struct text_pid *pid_state_slow(struct text_reader *r, long pid)
{
	for (size_t i = 0; i < r->npids; i++) {
		if (r->pids[i].pid == pid) {
			r->last = i;
			return &r->pids[i];
		}
	}
	if (r->npids >= TEXT_PIDS_MAX)
		return NULL;
	struct vgt_input *input = lines_pid_input(r->sink, r->first, r->npids, pid);
	r->pids = xgrow(r->pids, &r->cap, r->npids + 1, sizeof(*r->pids));
	struct text_pid *st = &r->pids[r->npids];
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	st->input = input;
	st->next_tid = -1;
	record_clear(&st->rec);
	if (input->format == NULL)
		input->format = strpool_intern(r->pool, "text");
	r->last = r->npids++;
	return st;
}

/* The state of pid (a new one when first met), NULL past TEXT_PIDS_MAX;
 * the pid of the line before, nearly always, without a call. */
static inline struct text_pid *pid_state(struct text_reader *r, long pid)
{
	if (r->npids > 0 && r->pids[r->last].pid == pid)
		return &r->pids[r->last];
	return pid_state_slow(r, pid);
}

/* input->vg is the sum over the pids that share the input. */
static void publish_summary(struct text_reader *r, struct vgt_input *input)
{
	struct vgt_valgrind_summary sum;
	memset(&sum, 0, sizeof(sum));
	int first_summary = 1;
	for (size_t i = 0; i < r->npids; i++) {
		const struct text_pid *st = &r->pids[i];
		if (st->input != input)
			continue;
		const struct vgt_valgrind_summary *v = &st->vg;
		if (v->has_leak_summary) {
			/* a figure is known when every pid's summary gave it */
			sum.known = first_summary ? v->known : sum.known & v->known;
			first_summary = 0;
		}
		sum.has_leak_summary |= v->has_leak_summary;
		sum.has_error_summary |= v->has_error_summary;
		struct vgt_amount *dst[] = {&sum.definitely_lost, &sum.indirectly_lost,
					    &sum.possibly_lost, &sum.still_reachable,
					    &sum.suppressed};
		const struct vgt_amount *src[] = {&v->definitely_lost, &v->indirectly_lost,
						  &v->possibly_lost, &v->still_reachable,
						  &v->suppressed};
		for (size_t k = 0; k < 5; k++) {
			dst[k]->bytes += src[k]->bytes;
			dst[k]->blocks += src[k]->blocks;
		}
		sum.errors += v->errors;
		sum.error_contexts += v->error_contexts;
		sum.suppressed_errors += v->suppressed_errors;
		sum.suppressed_contexts += v->suppressed_contexts;
	}
	input->vg = sum;
}

/* ---- records ------------------------------------------------------------ */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* What tells one error context from another in valgrind's list. */
static uint64_t context_hash(const struct vgt_record *rec)
{
	uint64_t h = 14695981039346656037ull;
	if (rec->what != NULL)
		h = hash_bytes(h, rec->what, strlen(rec->what) + 1);
	if (rec->auxwhat != NULL)
		h = hash_bytes(h, rec->auxwhat, strlen(rec->auxwhat) + 1);
	h = hash_bytes(h, rec->stack.ids, rec->stack.count * sizeof(rec->stack.ids[0]));
	h = hash_bytes(h, "|", 1);
	h = hash_bytes(h, rec->aux_stack.ids, rec->aux_stack.count * sizeof(rec->aux_stack.ids[0]));
	h = hash_bytes(h, "|", 1);
	h = hash_bytes(h, rec->aux_stack2.ids, rec->aux_stack2.count * sizeof(rec->aux_stack2.ids[0]));
	return h;
}

/* A context of valgrind's -s list: how often the record read earlier
 * occurred, to the sink's errorcount. */
static int deliver_count(struct text_reader *r, struct text_pid *st, struct vgt_error *err)
{
	uint64_t h = context_hash(&st->rec);
	for (size_t i = 0; i < st->ncontexts; i++) {
		if (st->contexts[i].hash != h)
			continue;
		if (r->sink->errorcount != NULL &&
		    r->sink->errorcount(r->sink->ctx, st->input, st->contexts[i].unique,
					st->list_count, err) != 0)
			return -1;
		st->contexts[i].hash = 0; /* each context is listed once */
		return 0;
	}
	return 0;
}

static int deliver(struct text_reader *r, struct text_pid *st, struct vgt_error *err)
{
	int rc = 0;
	if (st->open && st->repeat) {
		if (st->rec.stack.count > 0)
			rc = deliver_count(r, st, err);
	} else if (st->open && st->rec.stack.count > 0) {
		if (!kind_is_leak(st->rec.kind)) {
			st->rec.unique = ++st->next_unique;
			st->contexts = xgrow(st->contexts, &st->contexts_cap, st->ncontexts + 1,
					     sizeof(*st->contexts));
			st->contexts[st->ncontexts].hash = context_hash(&st->rec);
			st->contexts[st->ncontexts].unique = st->rec.unique;
			st->ncontexts++;
		}
		st->rec.pid = st->pid;
		r->delivered++;
		if (r->sink->record != NULL &&
		    r->sink->record(r->sink->ctx, st->input, &st->rec, err) != 0)
			rc = -1;
	}
	record_clear(&st->rec);
	st->open = 0;
	st->repeat = 0;
	st->aux_seen = 0;
	st->main_pending = 0;
	st->target = TARGET_NONE;
	return rc;
}

static void begin_record(struct text_reader *r, struct text_pid *st, enum vgt_kind kind,
			 const char *msg)
{
	record_clear(&st->rec);
	st->open = 1;
	st->repeat = st->list_pending;
	st->list_pending = 0;
	st->aux_seen = 0;
	st->target = TARGET_MAIN;
	st->rec.kind = kind;
	record_set_what(&st->rec, msg, strlen(msg));
	if (kind != VGT_KIND_UNKNOWN) {
		st->rec.kind_name = kind_info(kind)->name;
	} else {
		/* A short, stable name: the message up to its first digit,
		 * address or parenthesis, so that "Foo of size 4" and "Foo of
		 * size 8" group together. */
		size_t n = strcspn(msg, "0123456789(:");
		while (n > 0 && msg[n - 1] == ' ')
			n--;
		if (n > 60)
			n = 60;
		st->rec.kind_name = n > 0 ? strpool_intern_n(r->pool, msg, n)
					  : kind_info(VGT_KIND_UNKNOWN)->name;
	}
	st->rec.tid = st->next_tid;
	st->next_tid = -1;
}

/* Memcheck's messages, by their text (valgrind 3.x, up to 3.26). */
static enum vgt_kind classify_message(const char *m)
{
	switch (m[0]) {
	case 'I':
		if (lines_starts(m, "Invalid read of size"))
			return VGT_KIND_INVALID_READ;
		if (lines_starts(m, "Invalid write of size"))
			return VGT_KIND_INVALID_WRITE;
		if (lines_starts(m, "Invalid free()"))
			return VGT_KIND_INVALID_FREE;
		if (lines_starts(m, "Invalid alignment value"))
			return VGT_KIND_INVALID_ALIGNMENT;
		if (lines_starts(m, "Invalid size value"))
			return VGT_KIND_INVALID_SIZE_AND_ALIGNMENT;
		if (lines_starts(m, "Illegal memory pool address"))
			return VGT_KIND_INVALID_MEMPOOL;
		break;
	case 'J':
		if (lines_starts(m, "Jump to the invalid address"))
			return VGT_KIND_INVALID_JUMP;
		break;
	case 'M':
		if (lines_starts(m, "Mismatched free()"))
			return VGT_KIND_MISMATCHED_FREE;
		if (lines_starts(m, "Mismatched ")) {
			if (strstr(m, "alloc value") != NULL || strstr(m, "alignment") != NULL)
				return VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT;
			if (strstr(m, "size value") != NULL)
				return VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE;
		}
		break;
	case 'S':
		if (lines_starts(m, "Source and destination overlap"))
			return VGT_KIND_OVERLAP;
		if (lines_starts(m, "Syscall param"))
			return VGT_KIND_SYSCALL_PARAM;
		break;
	case 'C':
		if (lines_starts(m, "Conditional jump or move depends on uninitialised"))
			return VGT_KIND_UNINIT_CONDITION;
		break;
	case 'U':
		if (lines_starts(m, "Use of uninitialised value"))
			return VGT_KIND_UNINIT_VALUE;
		if (lines_starts(m, "Unaddressable byte(s) found during client check") ||
		    lines_starts(m, "Uninitialised byte(s) found during client check"))
			return VGT_KIND_CLIENT_CHECK;
		if (lines_starts(m, "Unsafe allocation with size of zero"))
			return VGT_KIND_INVALID_SIZE;
		break;
	case 'A':
		if (lines_starts(m, "Argument '") && strstr(m, "fishy") != NULL)
			return VGT_KIND_FISHY_VALUE;
		break;
	case 'r':
		if (lines_starts(m, "realloc() with size 0"))
			return VGT_KIND_REALLOC_SIZE_ZERO;
		break;
	case 'F':
		if (lines_starts(m, "File descriptor ") && strstr(m, "closed") != NULL)
			return VGT_KIND_FD_BAD_CLOSE;
		if (lines_starts(m, "File descriptor "))
			return VGT_KIND_FD_BAD_USE;
		break;
	case 'O':
		if (lines_starts(m, "Open file descriptor") || lines_starts(m, "Open AF_"))
			return VGT_KIND_FD_NOT_CLOSED;
		break;
	case 'i':
		if (lines_starts(m, "invalid file descriptor"))
			return VGT_KIND_FD_BAD_USE;
		break;
	default:
		break;
	}
	return VGT_KIND_UNKNOWN;
}

/* Lines of valgrind's that are not records and whose stacks (if any, as
 * after "Process terminating…") are not ours to keep. */
static int is_note(const char *m)
{
	static const char *const notes[] = {
		"Copyright", "Using Valgrind", "Using LibVEX", "Warning:", "warning:",
		"For lists of", "For counts of", "For more details", "All heap blocks",
		"Reachable blocks", "To see them", "Rerun with", "Searching for pointers",
		"Checked ", "Use --track-origins", "FILE DESCRIPTORS:", "Note:", "Exit program",
		"Process terminating", "HINT:", "If you believe", "Your program",
		"Valgrind", "valgrind:", "Memcheck:", "More than ", "Estimated",
		"Continuing", "Running with", "This could cause",
		"Thread ", "Access not within", "Bad permissions", "Stack overflow",
		"in use at exit", "total heap usage", "Startup, with flags",
		"Main thread", "Nulgrind", "Command:", "Parent PID:",
		/* memcheck's leak search failing on overlapping blocks,
		 * before its panic (mc_leakcheck.c) */
		"Blocks allocation contexts", "Block 0x", "This is usually caused",
	};
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (lines_starts(m, notes[i]))
			return 1;
	return 0;
}

/* "96 (32 direct, 64 indirect) bytes in 1 blocks are definitely lost in
 * loss record 4 of 5", with optional (+N) after each count (vgdb). */
static int parse_loss_record(struct text_reader *r, struct text_pid *st, const char *m)
{
	const char *p = m;
	uint64_t bytes, blocks, direct = 0, indirect = 0;
	int64_t dbytes = 0, dblocks = 0, dignore = 0, dindirect = 0;
	int has = 0, split = 0;
	if (read_amount(&p, &bytes, &dbytes, &has) != 0)
		return -1;
	p = lines_skip_spaces(p);
	if (p[0] == '(' && p[1] >= '0' && p[1] <= '9') {
		p++;
		if (read_amount(&p, &direct, &dignore, &has) != 0 ||
		    expect(&p, " direct, ") != 0 ||
		    read_amount(&p, &indirect, &dindirect, &has) != 0 ||
		    expect(&p, " indirect)") != 0)
			return -1;
		split = 1;
	}
	p = lines_skip_spaces(p);
	if (expect(&p, "bytes in ") != 0 || read_amount(&p, &blocks, &dblocks, &has) != 0)
		return -1;
	p = lines_skip_spaces(p);
	if (expect(&p, "blocks are ") != 0)
		return -1;
	enum vgt_kind kind;
	if (expect(&p, "definitely lost") == 0)
		kind = VGT_KIND_LEAK_DEFINITELY_LOST;
	else if (expect(&p, "indirectly lost") == 0)
		kind = VGT_KIND_LEAK_INDIRECTLY_LOST;
	else if (expect(&p, "possibly lost") == 0)
		kind = VGT_KIND_LEAK_POSSIBLY_LOST;
	else if (expect(&p, "still reachable") == 0)
		kind = VGT_KIND_LEAK_STILL_REACHABLE;
	else
		return -1;
	const char *at = strstr(p, "in loss record");
	if (at == NULL)
		return -1;
	if (st == NULL) /* only checking the shape */
		return 0;
	uint64_t i, n;
	at += strlen("in loss record");
	at = lines_skip_spaces(at);
	int numbered = lines_read_count(&at, &i) == 0 && expect(&at, " of ") == 0 &&
		       lines_read_count(&at, &n) == 0 && i > 0 && n >= i && n <= UINT32_MAX;
	begin_record(r, st, kind, m);
	st->rec.bytes = bytes;
	st->rec.blocks = blocks;
	st->rec.direct_bytes = split ? direct : bytes;
	st->rec.indirect_bytes = split ? indirect : 0;
	st->rec.has_delta = has;
	st->rec.delta_bytes = dbytes;
	st->rec.delta_blocks = dblocks;
	st->rec.delta_indirect_bytes = dindirect;
	if (numbered) {
		st->rec.loss_record = (uint32_t)i;
		st->rec.loss_records = (uint32_t)n;
	}
	/* a search ends with its LEAK SUMMARY: they number the searches */
	st->rec.leak_search = st->leak_searches + 1;
	return 0;
}

/* A hex digit's value + 1 by byte, 0 for any other byte. */
static const unsigned char hex_value1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The value of a hex digit, or -1. */
static int hex_digit(char c)
{
	return (int)hex_value1[(unsigned char)c] - 1;
}

/* strtoull(s, &end, 16) for s = "0x…" (what is_frame_line saw), without
 * the locale machinery that made it a tenth of a log's reading: the
 * digits after "0x" (all of them, UINT64_MAX when they overflow), or 0
 * and *end at the 'x' when none follows. */
static uint64_t read_ip(const char *s, const char **end)
{
	const char *p = s + 2;
	uint64_t v = 0;
	int d;
	if (hex_digit(*p) < 0) {
		*end = s + 1;
		return 0;
	}
	for (; (d = hex_digit(*p)) >= 0; p++)
		v = v > (UINT64_MAX >> 4) ? UINT64_MAX : (v << 4) | (uint64_t)d;
	*end = p;
	return v;
}

/* strtoul(s, NULL, 10) cast to unsigned, for s all digits. */
static unsigned read_line_number(const char *s)
{
	unsigned long v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		v = v > (ULONG_MAX - d) / 10 ? ULONG_MAX : v * 10 + d;
	}
	return (unsigned)v;
}

/* "at 0x4848899: malloc (vg_replace_malloc.c:381)" and its variants;
 * end: the NUL ending s (the first: the line's length is known). */
static void parse_frame(struct frame_key *f, const char *s, const char *end)
{
	memset(f, 0, sizeof(*f));
	s += 3; /* "at " / "by " */
	f->ip = read_ip(s, &s);
	if (*s == ':')
		s++;
	s = lines_skip_spaces(s);
	size_t n = (size_t)(end - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	/* The location is the last parenthesised group; function names
	 * have parentheses of their own ("operator delete(void*)"). */
	size_t fn_len = n;
	if (n > 0 && s[n - 1] == ')') {
		int depth = 0;
		size_t i = n;
		/* The common case in one vectorised pass: the last '(' (none
		 * past n: only blanks follow it) with no ')' after it but the
		 * last is the group the loop below would find. */
		const char *open = strrchr(s, '(');
		if (open != NULL && open < s + n &&
		    memchr(open + 1, ')', (size_t)(s + n - 1 - (open + 1))) == NULL)
			i = (size_t)(open - s); /* depth back to 0 there */
		else while (i > 0) {
			i--;
			if (s[i] == ')')
				depth++;
			else if (s[i] == '(' && --depth == 0)
				break;
		}
		if (depth == 0 && i > 0 && s[i - 1] == ' ') {
			const char *loc = s + i + 1;
			size_t loc_len = n - i - 2;
			fn_len = i - 1;
			if (loc_len > 3 && loc[0] == 'i' && loc[1] == 'n' && loc[2] == ' ') {
				f->obj = loc + 3;
				f->obj_len = loc_len - 3;
			} else {
				size_t colon = loc_len;
				while (colon > 0 && loc[colon - 1] != ':')
					colon--;
				size_t path_len = loc_len;
				if (colon > 0 && colon < loc_len &&
				    strspn(loc + colon, "0123456789") == loc_len - colon) {
					f->line = read_line_number(loc + colon);
					path_len = colon - 1;
				}
				lines_frame_path(f, loc, path_len);
			}
		}
	}
	while (fn_len > 0 && s[fn_len - 1] == ' ')
		fn_len--;
	if (fn_len > 0 && !(fn_len == 3 && strncmp(s, "???", 3) == 0)) {
		f->fn = s;
		f->fn_len = fn_len;
	}
}

static int is_frame_line(const char *t)
{
	return (t[0] == 'a' && t[1] == 't' && t[2] == ' ' && t[3] == '0' && t[4] == 'x') ||
	       (t[0] == 'b' && t[1] == 'y' && t[2] == ' ' && t[3] == '0' && t[4] == 'x');
}

static void add_frame(struct text_reader *r, struct text_pid *st, const char *t)
{
	struct vgt_stack *stack;
	if (!st->open || st->target == TARGET_NONE)
		return;
	stack = st->target == TARGET_MAIN ? &st->rec.stack
		: st->target == TARGET_AUX ? &st->rec.aux_stack : &st->rec.aux_stack2;
	if (stack->count >= VGT_READER_MAX_FRAMES)
		return; /* deeper frames are dropped */
	/* a line seen before is not parsed and interned again (lines.h) */
	size_t len = (size_t)(r->line_end - t);
	uint32_t id = lines_frame_cached(&r->frame_cache, r->frames, t, len, st->pid);
	if (id == LINES_FRAME_MISS) {
		struct frame_key key;
		parse_frame(&key, t, r->line_end);
		key.pid = st->pid;
		id = frames_intern(r->frames, &key);
		lines_frame_cache_put(r->frame_cache, t, len, st->pid, id);
	}
	stack_push(stack, id);
}

/* " definitely lost: 532 bytes in 6 blocks" (deltas allowed, ignored). */
static void parse_leak_summary_line(struct text_reader *r, struct text_pid *st, const char *t)
{
	static const char *const labels[] = {"definitely lost:", "indirectly lost:",
					     "possibly lost:", "still reachable:", "suppressed:"};
	struct vgt_amount *dst[] = {&st->vg.definitely_lost, &st->vg.indirectly_lost,
				    &st->vg.possibly_lost, &st->vg.still_reachable,
				    &st->vg.suppressed};
	for (size_t k = 0; k < 5; k++) {
		const char *p = t;
		if (expect(&p, labels[k]) != 0)
			continue;
		p = lines_skip_spaces(p);
		uint64_t bytes, blocks;
		int64_t d;
		int has = 0;
		if (read_amount(&p, &bytes, &d, &has) != 0)
			return;
		p = lines_skip_spaces(p);
		if (expect(&p, "bytes in ") != 0 || read_amount(&p, &blocks, &d, &has) != 0 ||
		    expect(&p, " blocks") != 0)
			return;
		dst[k]->bytes = bytes;
		dst[k]->blocks = blocks;
		st->vg.known |= 1u << k; /* VGT_SUMMARY_* in this order */
		publish_summary(r, st->input);
		return;
	}
}

/* "12 errors from 12 contexts (suppressed: 0 from 0)" */
static void parse_error_summary(struct text_reader *r, struct text_pid *st, const char *p)
{
	uint64_t e, c, se = 0, sc = 0;
	p = lines_skip_spaces(p);
	if (lines_read_count(&p, &e) != 0 || expect(&p, " errors from ") != 0 ||
	    lines_read_count(&p, &c) != 0)
		return;
	/* The whole "(suppressed: N from M)" must be there: a line cut short
	 * at the end of a log would give wrong counts. */
	if (expect(&p, " contexts") != 0)
		return;
	p = lines_skip_spaces(p);
	if (expect(&p, "(suppressed: ") != 0 || lines_read_count(&p, &se) != 0 ||
	    expect(&p, " from ") != 0 || lines_read_count(&p, &sc) != 0 || *p != ')')
		return;
	st->vg.has_error_summary = 1;
	st->vg.errors = e;
	st->vg.error_contexts = c;
	st->vg.suppressed_errors = se;
	st->vg.suppressed_contexts = sc;
	st->error_summary = 1;
	publish_summary(r, st->input);
}

/* "Process terminating with default action of signal 11 (SIGSEGV)" */
static void parse_terminating(struct text_reader *r, struct text_pid *st, const char *m)
{
	const char *open = strrchr(m, '(');
	const char *close = open != NULL ? strchr(open, ')') : NULL;
	if (open != NULL && close != NULL && lines_starts(open + 1, "SIG"))
		st->input->fatal_signal = strpool_intern_n(r->pool, open + 1,
							   (size_t)(close - open - 1));
}

/* The preamble's first line, "Memcheck, a memory error detector" (each
 * tool: "Helgrind, a thread error detector", "drd, a …", "Massif, a heap
 * profiler", "Lackey, an example Valgrind tool", "Nulgrind, the minimal
 * Valgrind tool"): sets input->tool, lower case ("none" for Nulgrind). */
static int preamble_tool(struct text_reader *r, struct text_pid *st, const char *m)
{
	size_t n = strcspn(m, ", ");
	if (n == 0 || n > 32 || m[n] != ',' || m[n + 1] != ' ')
		return 0;
	const char *rest = m + n + 2;
	if (!lines_starts(rest, "a ") && !lines_starts(rest, "an ") && !lines_starts(rest, "the "))
		return 0;
	char tool[40];
	for (size_t i = 0; i < n; i++) {
		char c = m[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		tool[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	tool[n] = '\0';
	st->input->tool = strpool_intern(r->pool, strcmp(tool, "nulgrind") == 0 ? "none" : tool);
	return 1;
}

/* helgrind's and drd's messages, by their text, as their XML <kind>
 * names them (hg_errors.c, drd_error.c); NULL for lines that start no
 * record (thread announcements, continuation lines). */
static const char *thread_tool_kind(const char *m)
{
	static const struct {
		const char *prefix;
		const char *kind;
	} kinds[] = {
		{"Possible data race", "Race"},
		{"Conflicting load", "ConflictingAccess"},
		{"Conflicting store", "ConflictingAccess"},
		{"Probably a race condition", "CondRaceErr"},
		{"Inconsistent association of condition variable", "CondWaitErr"},
		{"Destroying condition variable", "CondDestrErr"},
		{"Mutex ", "MutexErr"}, {"Destroying locked mutex", "MutexErr"},
		{"Recursive locking", "MutexErr"}, {"The object at address", "MutexErr"},
		{"Condition variable", "CondErr"}, {"Semaphore", "SemaphoreErr"},
		{"Invalid semaphore", "SemaphoreErr"}, {"Barrier", "BarrierErr"},
		{"Destruction of barrier", "BarrierErr"}, {"Reader-writer lock", "RwLockErr"},
		{"Lock on mutex", "HoldtimeErr"}, {"Lock on rwlock", "HoldtimeErr"},
		{"Invalid thread ID", "InvalidThreadId"},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (lines_starts(m, kinds[i].prefix))
			return kinds[i].kind;
	if (!lines_starts(m, "Thread #"))
		return NULL;
	const char *p = m + strlen("Thread #");
	while (*p >= '0' && *p <= '9')
		p++;
	if (lines_starts(p, " was created") || lines_starts(p, " is the program's root thread"))
		return NULL;
	if (strstr(p, ": lock order ") == p)
		return "LockOrder";
	if (lines_starts(p, " unlocked a not-locked lock"))
		return "UnlockUnlocked";
	if (lines_starts(p, " unlocked an invalid lock"))
		return "UnlockBogus";
	if (lines_starts(p, " unlocked lock at"))
		return "UnlockForeign";
	if (lines_starts(p, "'s call to "))
		return "PthAPIerror";
	if (lines_starts(p, ": "))
		return "Misc";
	return NULL;
}

static void aux_line(struct text_pid *st, const char *t);

/* A line at indent 0 of a helgrind or drd log.  Their records go on at
 * indent 0 ("Locks held: none", "This conflicts with a previous write…",
 * drd's "Allocation context: …"), so only a known message starts one;
 * the other lines are auxiliary.  A LockOrder's main stack is the later
 * acquisition, as in the XML. */
static int thread_tool_line(struct text_reader *r, struct text_pid *st, const char *m,
			    struct vgt_error *err)
{
	const char *kind = thread_tool_kind(m);
	if (kind != NULL) {
		int rc = deliver(r, st, err);
		begin_record(r, st, VGT_KIND_UNKNOWN, m);
		st->rec.kind_name = strpool_intern(r->pool, kind);
		st->main_pending = 0;
		return rc;
	}
	if (!st->open || lines_starts(m, "Locks held:"))
		return 0;
	if (lines_starts(m, "Observed (incorrect) order")) {
		st->target = TARGET_NONE;
		st->main_pending = 1;
		return 0;
	}
	aux_line(st, m);
	return 0;
}

/* "3 errors in context 1 of 2:": the next message is a context of the
 * -s list, which valgrind writes after its ERROR SUMMARY. */
static int list_line(struct text_pid *st, const char *m)
{
	const char *p = m;
	uint64_t n, x, y;
	if (lines_read_count(&p, &n) != 0 || expect(&p, " errors in context ") != 0 ||
	    lines_read_count(&p, &x) != 0 || expect(&p, " of ") != 0 || lines_read_count(&p, &y) != 0 ||
	    strcmp(p, ":") != 0)
		return 0;
	st->list_pending = 1;
	st->list_count = n;
	st->list_seen = 1;
	return 1;
}

/* A line at indent 0: a message, a loss record, a summary or preamble. */
static int top_line(struct text_reader *r, struct text_pid *st, const char *m,
		    struct vgt_error *err)
{
	if (is_thread_tool(st->input->tool) && m[0] != '-' && !lines_starts(m, "ERROR SUMMARY:") &&
	    (thread_tool_kind(m) != NULL || !is_note(m)))
		return thread_tool_line(r, st, m, err);
	int rc = deliver(r, st, err); /* the next message ends a record */
	if (m[0] >= '0' && m[0] <= '9' && st->error_summary && list_line(st, m))
		return rc;
	if (m[0] >= '0' && m[0] <= '9') {
		if (parse_loss_record(r, st, m) == 0)
			st->section = SECTION_NONE;
		return rc;
	}
	if (lines_starts(m, "HEAP SUMMARY:")) {
		/* printed at exit, before valgrind's final leak search */
		st->section = SECTION_HEAP;
		st->input->exit_leak_search = 1;
		return rc;
	}
	if (lines_starts(m, "LEAK SUMMARY:")) {
		st->section = SECTION_LEAK;
		st->leak_searches++;
		struct vgt_amount zero = {0, 0};
		st->vg.definitely_lost = st->vg.indirectly_lost = st->vg.possibly_lost = zero;
		st->vg.still_reachable = st->vg.suppressed = zero;
		st->vg.has_leak_summary = 1;
		st->vg.known = 0;
		st->leak_summary = 1;
		publish_summary(r, st->input);
		return rc;
	}
	st->section = SECTION_NONE;
	if (lines_starts(m, "Reachable blocks (those to which a pointer was found) are not shown"))
		st->input->reachable_unshown = 1; /* per-test blame: pertest.c */
	if (lines_starts(m, "All heap blocks were freed")) {
		/* valgrind's LEAK SUMMARY when nothing is left: every figure 0 */
		struct vgt_amount zero = {0, 0};
		st->leak_searches++;
		st->vg.definitely_lost = st->vg.indirectly_lost = st->vg.possibly_lost = zero;
		st->vg.still_reachable = st->vg.suppressed = zero;
		st->vg.has_leak_summary = 1;
		st->vg.known = VGT_SUMMARY_ALL;
		st->leak_summary = 1;
		publish_summary(r, st->input);
		return rc;
	}
	if (lines_starts(m, "ERROR SUMMARY:")) {
		parse_error_summary(r, st, m + strlen("ERROR SUMMARY:"));
		return rc;
	}
	if (lines_starts(m, "Command: ")) {
		st->input->command = strpool_intern(r->pool, m + strlen("Command: "));
		return rc;
	}
	if (lines_starts(m, "Parent PID: ")) {
		st->input->ppid = strtol(m + strlen("Parent PID: "), NULL, 10);
		return rc;
	}
	if (lines_starts(m, "Thread ")) {
		char *end;
		long tid = strtol(m + strlen("Thread "), &end, 10);
		if (end != m + strlen("Thread "))
			st->next_tid = tid;
		return rc;
	}
	if (lines_starts(m, "Process terminating")) {
		parse_terminating(r, st, m);
		return rc;
	}
	if (st->input->tool == NULL && preamble_tool(r, st, m))
		return rc;
	enum vgt_kind kind = classify_message(m);
	if (kind == VGT_KIND_UNKNOWN && is_note(m))
		return rc;
	begin_record(r, st, kind, m);
	return rc;
}

/* An auxiliary line (indent 1): "Address 0x… is …", "Block was alloc'd at". */
static void aux_line(struct text_pid *st, const char *t)
{
	if (st->open && st->main_pending && lines_starts(t, "followed by a later acquisition")) {
		st->main_pending = 0;
		st->target = TARGET_MAIN;
		return;
	}
	if (!st->open || st->rec.stack.count == 0) {
		st->target = TARGET_NONE;
		return;
	}
	if (st->rec.auxwhat == NULL)
		record_set_auxwhat(&st->rec, t, strlen(t));
	st->aux_seen = 1;
	st->target = st->rec.aux_stack.count == 0 ? TARGET_AUX
		: st->rec.aux_stack2.count == 0 ? TARGET_AUX2 : TARGET_NONE;
	if (st->target == TARGET_AUX2) /* where a freed block was allocated */
		record_set_auxwhat2(&st->rec, t, strlen(t));
}

/* One valgrind line body (after "==PID== "). */
static int body_line(struct text_reader *r, struct text_pid *st, const char *body,
		     int partial, struct vgt_error *err)
{
	const char *t = lines_skip_spaces(body);
	size_t indent = (size_t)(t - body);
	if (*t == '\0') {
		st->section = SECTION_NONE;
		/* helgrind and drd leave blank lines inside a record: it ends
		 * at the next message or "-----" line instead */
		if (is_thread_tool(st->input->tool)) {
			st->target = TARGET_NONE;
			return 0;
		}
		return deliver(r, st, err);
	}
	if (is_frame_line(t)) {
		if (!partial)
			add_frame(r, st, t);
		return 0;
	}
	if (indent == 0)
		return top_line(r, st, t, err);
	if (st->section == SECTION_LEAK) {
		parse_leak_summary_line(r, st, t);
		return 0;
	}
	if (indent == 1) {
		aux_line(st, t);
		return 0;
	}
	/* Indented text that is no frame: a message's second line, or notes
	 * (heap summary) — it does not change the record. */
	return 0;
}

/* "==123== rest": returns the body, or NULL when the line is not
 * valgrind's.  *kind is the prefix character. */
static const char *split_prefix(const char *line, long *pid, char *kind)
{
	char c = line[0];
	if ((c != '=' && c != '-' && c != '*') || line[1] != c)
		return NULL;
	const char *p = line + 2;
	long v = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 10) {
		v = v * 10 + (*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || p[0] != c || p[1] != c)
		return NULL;
	p += 2;
	if (*p == ' ')
		p++;
	else if (*p != '\0')
		return NULL;
	*pid = v;
	*kind = c;
	return p;
}

/* Does an unprefixed line start a vgdb capture? */
static int looks_like_vgdb(struct text_reader *r, const char *line)
{
	const char *t = lines_skip_spaces(line);
	if (lines_starts(t, "LEAK SUMMARY:") || lines_starts(t, "HEAP SUMMARY:") ||
	    lines_starts(t, "Searching for pointers"))
		return 1;
	return t == line && t[0] >= '0' && t[0] <= '9' && parse_loss_record(r, NULL, t) == 0;
}

/* "**PID** text": a client message (VALGRIND_PRINTF), after the record
 * it follows; a line cut by the end of the log is not given. */
static int client_line(struct text_reader *r, long pid, const char *body, int partial,
		       struct vgt_error *err)
{
	struct text_pid *st;
	r->client_seen = 1;
	if (partial || r->sink->clientmsg == NULL || (st = pid_state(r, pid)) == NULL)
		return 0;
	int rc = deliver(r, st, err);
	if (rc == 0)
		rc = r->sink->clientmsg(r->sink->ctx, st->input, body, err);
	return rc;
}

/* Each line of the input (a lines_fn). */
static int process_line(void *ctx, char *line, int partial, struct vgt_error *err)
{
	struct text_reader *r = ctx;
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = '\0';
	r->line_end = line + n; /* no NUL before it: any t in line ends there */
	long pid = 0;
	char kind = 0;
	const char *body = split_prefix(line, &pid, &kind);
	struct text_pid *st;
	if (body != NULL) {
		if (r->mode == MODE_UNDECIDED)
			r->mode = MODE_PREFIXED;
		r->found = 1;
		if (kind == '*')
			return client_line(r, pid, body, partial, err);
		const char *sname; /* valgrind -v's own suppression counts (issue 24) */
		size_t slen;
		uint64_t scount;
		if (kind == '-' && !partial && lines_starts(body, "used_suppression:") &&
		    reader_used_suppression(body + 17, &sname, &slen, &scount) &&
		    (st = pid_state(r, pid)) != NULL)
			report_input_suppcount(st->input, strpool_intern_n(r->pool, sname, slen), scount);
		if (kind != '=')
			return 0; /* --PID--: valgrind's own notes */
		st = pid_state(r, pid);
		if (st == NULL)
			return 0;
	} else {
		if (r->aborted == NULL && r->npids > 0 && !partial && reader_is_panic(line)) {
			r->aborted = strpool_intern(r->pool, line);
			struct text_pid *last = &r->pids[r->last];
			deliver(r, last, err);
			last->input->aborted = r->aborted;
			return 0;
		}
		if (r->mode == MODE_UNDECIDED && looks_like_vgdb(r, line))
			r->mode = MODE_UNPREFIXED;
		if (r->mode != MODE_UNPREFIXED)
			return 0; /* the program's own output */
		r->found = 1;
		st = pid_state(r, r->first->pid > 0 ? r->first->pid : 0);
		if (st == NULL)
			return 0;
		body = line;
	}
	int rc = body_line(r, st, body, partial, err);
	if (rc != 0 && err != NULL && err->line == 0) {
		err->line = r->lb.lineno;
		err->column = 1;
	}
	return rc;
}

/* ---- API ---------------------------------------------------------------- */

struct text_reader *text_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink)
{
	struct text_reader *r = xcalloc(1, sizeof(*r));
	struct strpool *pool = frames_pool(frames);
	r->frames = frames;
	r->pool = pool;
	r->first = input;
	r->sink = sink;
	lines_init(&r->lb, TEXT_LINE_MAX);
	if (input->format == NULL)
		input->format = strpool_intern(pool, "text");
	input->complete = 0;
	return r;
}

static int fail(struct text_reader *r)
{
	r->failed = 1;
	r->first->complete = 0;
	return -1;
}

int text_reader_feed(struct text_reader *r, const char *buf, size_t len,
		     struct vgt_error *err)
{
	if (r->failed)
		return lines_stopped(&r->lb, err);
	if (lines_feed(&r->lb, buf, len, process_line, r, err) != 0)
		return fail(r);
	return 0;
}

int text_reader_finish(struct text_reader *r, struct vgt_error *err)
{
	if (r->failed)
		return lines_stopped(&r->lb, err);
	if (lines_finish(&r->lb, process_line, r, err) != 0)
		return fail(r);
	if (!r->found)
		return vgt_error_set(err, NULL, 1, 1, "no valgrind output found");
	for (size_t i = 0; i < r->npids; i++)
		if (deliver(r, &r->pids[i], err) != 0)
			return fail(r);
	/* Lines that merely start with "==1234==" are no valgrind log: it
	 * needs a preamble, a record or a summary of valgrind's. */
	int valgrind_seen = r->delivered > 0 || r->client_seen;
	for (size_t i = 0; i < r->npids && !valgrind_seen; i++)
		valgrind_seen = r->pids[i].input->tool != NULL || r->pids[i].leak_summary ||
				r->pids[i].error_summary || r->pids[i].vg.has_leak_summary;
	if (!valgrind_seen) {
		r->first->complete = 0;
		return vgt_error_set(err, NULL, 1, 1, "not valgrind output: no valgrind preamble "
				     "and no record");
	}
	/* An input is complete when each of its pids reached its final
	 * summary (ERROR SUMMARY; LEAK SUMMARY for a vgdb capture). */
	const struct text_pid *cut = NULL;
	for (size_t i = 0; i < r->npids; i++) {
		struct text_pid *st = &r->pids[i];
		st->input->complete = 1;
		if (st->error_summary)
			st->input->finished = 1;
	}
	for (size_t i = 0; i < r->npids; i++) {
		struct text_pid *st = &r->pids[i];
		/* how often each context occurred: valgrind's -s list, or an
		 * ERROR SUMMARY with as many errors as contexts (each once) */
		if (!st->list_seen && (!st->error_summary || st->vg.errors != st->vg.error_contexts))
			st->input->occurrences_unknown = 1;
	}
	for (size_t i = 0; i < r->npids; i++) {
		struct text_pid *st = &r->pids[i];
		if (st->input->aborted != NULL) {
			lines_input_cut(st->input, r->lb.lineno);
			st->input->finished = 0;
			if (cut == NULL)
				cut = st;
			continue;
		}
		/* valgrind -q writes no preamble and no summaries: a log
		 * without both is a quiet run, not one cut short (a cut log
		 * keeps its preamble) */
		if (!st->error_summary && !st->leak_summary && st->input->tool == NULL &&
		    r->mode == MODE_PREFIXED) {
			st->input->finished = 1;
			continue;
		}
		if (!st->error_summary && !st->leak_summary) {
			lines_input_cut(st->input, r->lb.lineno);
			if (cut == NULL)
				cut = st;
		}
	}
	if (r->npids == 0) {
		lines_input_cut(r->first, r->lb.lineno);
		vgt_error_set(err, NULL, r->lb.lineno, 1, "valgrind's log has no memcheck output");
	} else if (cut != NULL && cut->input->aborted != NULL)
		vgt_error_set(err, NULL, r->lb.lineno, 1,
			      "valgrind itself failed (pid %ld), its figures are unknown: %s",
			      cut->pid, cut->input->aborted);
	else if (cut != NULL)
		vgt_error_set(err, NULL, r->lb.lineno, 1,
			      "valgrind's log of pid %ld ends before its summary (cut short?)",
			      cut->pid);
	return 0;
}

void text_reader_free(struct text_reader *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->npids; i++) {
		record_release(&r->pids[i].rec);
		free(r->pids[i].contexts);
	}
	free(r->pids);
	lines_release(&r->lb);
	lines_frame_cache_free(r->frame_cache);
	free(r);
}
