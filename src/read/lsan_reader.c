/*
 * lsan_reader.c — LeakSanitizer and AddressSanitizer reports into the
 * model (reader.h).
 *
 * The input is what a program built with -fsanitize=address (or run with
 * the runtime preloaded) writes to stderr, or to a log_path file, one per
 * pid:
 *
 *   ==9411==ERROR: LeakSanitizer: detected memory leaks
 *   Direct leak of 9376 byte(s) in 293 object(s) allocated from:
 *       #0 0x7f47996b89cf in __interceptor_malloc ../asan_malloc_linux.cpp:69
 *       #1 0x7f4795cf6219 in __pyx_pf_3api_6native_random_noise api/native.c:1279
 *       #3 0x52c219 in _PyEval_EvalFrameDefault (/usr/bin/python3.11+0x52c219)
 *       #6 0x5d7d49  (/usr/bin/python3.11+0x5d7d49)
 *   SUMMARY: AddressSanitizer: 9600 byte(s) leaked in 300 allocation(s).
 *
 *   ==11521==ERROR: AddressSanitizer: heap-use-after-free on address 0x… at pc …
 *   READ of size 1 at 0x602000000013 thread T0
 *       #0 …
 *   0x602000000013 is located 3 bytes inside of 10-byte region [0x…,0x…)
 *   freed by thread T0 here:
 *       #0 …
 *   previously allocated by thread T0 here:
 *       #0 …
 *   SUMMARY: AddressSanitizer: heap-use-after-free /tmp/err.c:7 in main
 *   ==11521==ABORTING
 *
 * Only the report headers carry the ==PID== prefix; the lines after one
 * belong to the pid of the last header.  Lines the reader does not know
 * (the program's own output, shadow byte maps, hints) are skipped.
 *
 * Mapping onto the model (man/vgtriage.1, LEAKSANITIZER):
 *   - "Direct leak" → Leak_DefinitelyLost, "Indirect leak" →
 *     Leak_IndirectlyLost, bytes and blocks (objects) as LSan counts them;
 *     LSan has no possibly lost or still reachable kinds: those figures
 *     are unknown, never 0.
 *   - An ASan error becomes the memcheck kind it matches (READ/WRITE →
 *     InvalidRead/InvalidWrite, double-free and bad frees → InvalidFree,
 *     alloc-dealloc-mismatch → MismatchedFree, *-param-overlap →
 *     Overlap); other bugs keep ASan's name as an unknown kind.  The first
 *     auxiliary stack ("freed by thread T0 here:", "allocated by …") is
 *     the record's aux stack; the "is located" line its auxwhat.
 *   - Totals: a pid's "SUMMARY: …Sanitizer: N byte(s) leaked in M
 *     allocation(s)." gives the definitely and indirectly lost figures
 *     when its records add up to it (they do unless the report was cut by
 *     max_leaks); otherwise, or without a SUMMARY, they are unknown.  The
 *     error count is the number of ASan error SUMMARY lines, known once a
 *     pid's report has ended.
 *   - A frame "(module+0xoff)" has obj = module (and no function); a
 *     symbolized frame "in fn file:line:col" has fn, dir, file and line
 *     (the column is dropped).
 *
 * Per-test runs (client/vgtriage_pertest.c in LeakSanitizer mode): the
 * client writes its markers ("vgtriage:begin NAME", …) into the report
 * file as lines of their own, handed to the sink's clientmsg in their
 * place, and announces each leak check it asks for ("vgtriage:lsan-check",
 * "vgtriage:lsan-baseline").  LSan writes every leak it finds at each
 * check, so the leaks of a check are compared, by kind and stack, with
 * those of the check before, and only the ones whose figures changed are
 * delivered, with their change (has_delta), as valgrind's changed leak
 * check writes them; a baseline is remembered, not delivered; a check
 * with no report found no leak.  The report at exit is an ordinary one.
 *
 * Errors: a line that starts like a sanitizer record but does not go on
 * like one ("Direct leak of lots byte(s)", a frame without an address, a
 * number too large) stops reading with err at line:column; the records
 * delivered before stand.
 */
#include "read/reader.h"
#include "read/lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LSAN_LINE_MAX (64 * 1024)
#define LSAN_PIDS_MAX 4096

enum lsan_target {
	LT_NONE = 0,
	LT_MAIN,
	LT_AUX
};

/* What the next leak report of a pid is: an ordinary one (the exit
 * check), or a per-test check: its records become changes. */
enum lsan_mode {
	MODE_FULL = 0,
	MODE_CHECK,     /* "vgtriage:lsan-check" */
	MODE_BASELINE   /* "vgtriage:lsan-baseline": remembered, not delivered */
};

/* A leak of a per-test check. */
struct snap_rec {
	enum vgt_kind kind;
	uint64_t bytes, blocks;
	struct vgt_stack stack;
	char *what;
};

struct lsan_pid {
	long pid;
	struct vgt_input *input;
	int leak_report;         /* "detected memory leaks" seen */
	int leak_summary;        /* its SUMMARY seen */
	uint64_t summary_bytes, summary_blocks;
	struct vgt_amount sums[2]; /* direct, indirect records read */
	int error_open;          /* an ASan error report not yet ended */
	uint64_t errors;         /* ASan error SUMMARY lines */
	int error_seen;
	int aborting;            /* "==PID==ABORTING" */
	const char *fatal;       /* a sanitizer's own failure */
	uint64_t reports;        /* leak reports begun (each a leak search) */
	/* per-test checks (client/vgtriage_pertest.c): the next report is a
	 * check's (its leaks become changes against the check before) */
	enum lsan_mode pending, mode;
	struct snap_rec *prev, *cur; /* the last check's leaks; this one's */
	size_t n_prev, n_cur, cap_prev, cap_cur;
};

struct lsan_reader {
	struct strpool *pool;
	struct frame_table *frames;
	struct vgt_input *first;
	const struct vgt_sink *sink;
	struct lsan_pid *pids;
	size_t npids, cap;
	size_t cur;              /* the pid of the last header */
	int has_cur;
	struct vgt_record rec;
	int open;                /* rec has its header */
	enum lsan_target target;
	int aux_taken;           /* an aux stack header came */
	char located[256];       /* the "is located" line of the open error */
	struct lines lb;         /* the input's lines (lb.lineno: seen so far) */
	int found;
	size_t delivered;
	uint64_t next_unique;    /* error records get 1, 2, … */
	int failed;
};

/* ---- helpers ------------------------------------------------------------ */

static int read_hex(const char **p, uint64_t *out)
{
	const char *s = *p;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	s += 2;
	uint64_t v = 0;
	int digits = 0;
	for (;; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return -1;
		v = v * 16 + (uint64_t)d;
		digits++;
	}
	if (digits == 0)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

static int bad(struct lsan_reader *r, const char *line, const char *at, struct vgt_error *err,
	       const char *what)
{
	return vgt_error_set(err, NULL, r->lb.lineno, (long)(at - line) + 1, "%s", what);
}

/* "==1234==" (or "==exe==1234==", log_exe_name=1) at the start of s: the
 * pid, and the body after it. */
static const char *split_prefix(const char *s, long *pid)
{
	if (s[0] != '=' || s[1] != '=')
		return NULL;
	const char *p = s + 2;
	if (*p < '0' || *p > '9') {
		/* the executable's name: no spaces, up to the next "==" */
		const char *end = strstr(p, "==");
		if (end == NULL || end == p || end - p > 255 || memchr(p, ' ', (size_t)(end - p)) != NULL)
			return NULL;
		p = end + 2;
	}
	uint64_t v;
	if (lines_read_count(&p, &v) != 0 || v > 0x7fffffff || p[0] != '=' || p[1] != '=')
		return NULL;
	*pid = (long)v;
	return p + 2;
}

/* ---- pids ---------------------------------------------------------------- */

static struct lsan_pid *pid_state(struct lsan_reader *r, long pid)
{
	for (size_t i = 0; i < r->npids; i++) {
		if (r->pids[i].pid == pid) {
			r->cur = i;
			r->has_cur = 1;
			return &r->pids[i];
		}
	}
	if (r->npids == 1 && r->pids[0].pid == 0 && pid != 0) {
		/* lines before the first header (the per-test client's first
		 * markers) were the unnamed pid's: they were this one's */
		r->pids[0].pid = pid;
		r->pids[0].input->pid = pid;
		r->cur = 0;
		r->has_cur = 1;
		return &r->pids[0];
	}
	if (r->npids >= LSAN_PIDS_MAX)
		return NULL;
	struct vgt_input *input = lines_pid_input(r->sink, r->first, r->npids, pid);
	r->pids = xgrow(r->pids, &r->cap, r->npids + 1, sizeof(*r->pids));
	struct lsan_pid *st = &r->pids[r->npids];
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	st->input = input;
	input->format = strpool_intern(r->pool, "lsan");
	r->cur = r->npids++;
	r->has_cur = 1;
	return st;
}

/* The pid lines without a prefix belong to: the last header's, or an
 * unnamed one (pid 0) for a report whose header was cut off. */
static struct lsan_pid *current(struct lsan_reader *r)
{
	if (r->has_cur)
		return &r->pids[r->cur];
	return pid_state(r, 0);
}

/* ---- per-test checks ------------------------------------------------------ */

static int deliver(struct lsan_reader *r, struct vgt_error *err);
static void set_kind(struct lsan_reader *r, enum vgt_kind kind, const char *bug, size_t bug_len);

static void snap_free(struct snap_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		stack_release(&v[i].stack);
		free(v[i].what);
	}
}

static void keep_check_record(struct lsan_pid *st, const struct vgt_record *rec)
{
	st->cur = xgrow(st->cur, &st->cap_cur, st->n_cur + 1, sizeof(*st->cur));
	struct snap_rec *k = &st->cur[st->n_cur++];
	memset(k, 0, sizeof(*k));
	k->kind = rec->kind;
	k->bytes = rec->bytes;
	k->blocks = rec->blocks;
	stack_copy(&k->stack, &rec->stack);
	k->what = xstrdup(rec->what != NULL ? rec->what : "");
}

static const struct snap_rec *find_prev(const struct lsan_pid *st, const struct snap_rec *c)
{
	for (size_t i = 0; i < st->n_prev; i++) {
		const struct snap_rec *p = &st->prev[i];
		if (p->kind == c->kind && p->stack.count == c->stack.count &&
		    (c->stack.count == 0 ||
		     memcmp(p->stack.ids, c->stack.ids, c->stack.count * sizeof(*c->stack.ids)) == 0))
			return p;
	}
	return NULL;
}

/* A per-test check's report ended (its SUMMARY, or nothing at all: no
 * leak then): each leak whose figures changed since the check before goes
 * to the sink with its change, as valgrind's changed leak check writes
 * it; this check becomes the one to compare the next with. */
static int end_check(struct lsan_reader *r, struct lsan_pid *st, struct vgt_error *err)
{
	int rc = 0;
	if (st->mode == MODE_CHECK) {
		for (size_t i = 0; i < st->n_cur && rc == 0; i++) {
			const struct snap_rec *c = &st->cur[i];
			const struct snap_rec *p = find_prev(st, c);
			uint64_t pb = p != NULL ? p->bytes : 0, pn = p != NULL ? p->blocks : 0;
			if (c->bytes == pb && c->blocks == pn)
				continue;
			struct vgt_record *rec = &r->rec;
			record_clear(rec);
			set_kind(r, c->kind, NULL, 0);
			record_set_what(rec, c->what, strlen(c->what));
			rec->bytes = c->bytes;
			rec->blocks = c->blocks;
			rec->direct_bytes = c->kind == VGT_KIND_LEAK_DEFINITELY_LOST ? c->bytes : 0;
			rec->indirect_bytes = c->kind == VGT_KIND_LEAK_INDIRECTLY_LOST ? c->bytes : 0;
			rec->has_delta = 1;
			rec->delta_bytes = (int64_t)(c->bytes - pb);
			rec->delta_blocks = (int64_t)(c->blocks - pn);
			if (c->kind == VGT_KIND_LEAK_INDIRECTLY_LOST)
				rec->delta_indirect_bytes = rec->delta_bytes;
			rec->tid = -1;
			rec->pid = st->pid;
			rec->leak_search = st->reports;
			rec->loss_record = (uint32_t)(i + 1);
			rec->loss_records = (uint32_t)st->n_cur;
			stack_clear(&rec->stack);
			for (uint32_t j = 0; j < c->stack.count; j++)
				stack_push(&rec->stack, c->stack.ids[j]);
			r->delivered++;
			if (r->sink->record != NULL &&
			    r->sink->record(r->sink->ctx, st->input, rec, err) != 0)
				rc = -1;
			record_clear(rec);
		}
	}
	if (st->mode != MODE_FULL) {
		snap_free(st->prev, st->n_prev);
		free(st->prev);
		st->prev = st->cur;
		st->n_prev = st->n_cur;
		st->cap_prev = st->cap_cur;
		st->cur = NULL;
		st->n_cur = st->cap_cur = 0;
	}
	st->mode = MODE_FULL;
	return rc;
}

/* A check announced with no report since: LSan found no leak then. */
static int settle_pending(struct lsan_reader *r, struct lsan_pid *st, struct vgt_error *err)
{
	if (st->pending == MODE_FULL)
		return 0;
	st->mode = st->pending;
	st->pending = MODE_FULL;
	return end_check(r, st, err);
}

/* "vgtriage:…" (a line of ours, written by the per-test client into the
 * report file): a check announced, or a marker for the sink. */
static int marker_line(struct lsan_reader *r, const char *t, struct vgt_error *err)
{
	if (deliver(r, err) != 0)
		return -1;
	struct lsan_pid *st = current(r);
	if (st == NULL)
		return 0;
	if (settle_pending(r, st, err) != 0)
		return -1;
	if (strcmp(t, "vgtriage:lsan-check") == 0) {
		st->pending = MODE_CHECK;
		return 0;
	}
	if (strcmp(t, "vgtriage:lsan-baseline") == 0) {
		st->pending = MODE_BASELINE;
		return 0;
	}
	r->found = 1;
	if (r->sink->clientmsg != NULL)
		return r->sink->clientmsg(r->sink->ctx, st->input, t, err);
	return 0;
}

/* ---- records -------------------------------------------------------------- */

static int deliver(struct lsan_reader *r, struct vgt_error *err)
{
	int rc = 0;
	if (r->open && r->rec.stack.count > 0) {
		struct lsan_pid *st = current(r);
		if (st == NULL)
			return 0;
		r->rec.pid = st->pid;
		r->rec.leak_search = st->reports > 0 ? st->reports : 1;
		if (kind_is_leak(r->rec.kind) && st->mode != MODE_FULL) {
			keep_check_record(st, &r->rec);
			goto done;
		}
		if (kind_is_leak(r->rec.kind)) {
			struct vgt_amount *a = &st->sums[r->rec.kind == VGT_KIND_LEAK_INDIRECTLY_LOST];
			a->bytes = vgt_count_add(a->bytes, r->rec.bytes);
			a->blocks = vgt_count_add(a->blocks, r->rec.blocks);
		} else {
			r->rec.unique = ++r->next_unique;
		}
		r->delivered++;
		if (r->sink->record != NULL &&
		    r->sink->record(r->sink->ctx, st->input, &r->rec, err) != 0)
			rc = -1;
	}
done:
	record_clear(&r->rec);
	r->open = 0;
	r->target = LT_NONE;
	r->aux_taken = 0;
	r->located[0] = '\0';
	return rc;
}

/* ASan's bug names → memcheck kinds; access: 'R', 'W' or 0 (not known yet). */
static enum vgt_kind asan_kind(const char *bug, int access)
{
	if (strcmp(bug, "double-free") == 0 || strcmp(bug, "bad-free") == 0 ||
	    strcmp(bug, "attempting free on address which was not malloc()-ed") == 0 ||
	    strcmp(bug, "attempting double-free") == 0)
		return VGT_KIND_INVALID_FREE;
	if (strcmp(bug, "alloc-dealloc-mismatch") == 0 || strcmp(bug, "new-delete-type-mismatch") == 0)
		return VGT_KIND_MISMATCHED_FREE;
	if (strstr(bug, "-param-overlap") != NULL)
		return VGT_KIND_OVERLAP;
	if (access == 'R')
		return VGT_KIND_INVALID_READ;
	if (access == 'W')
		return VGT_KIND_INVALID_WRITE;
	return VGT_KIND_UNKNOWN;
}

static void set_kind(struct lsan_reader *r, enum vgt_kind kind, const char *bug, size_t bug_len)
{
	r->rec.kind = kind;
	r->rec.kind_name = kind != VGT_KIND_UNKNOWN ? kind_info(kind)->name
						    : strpool_intern_n(r->pool, bug, bug_len);
}

/* "heap-use-after-free on address 0x… at pc …", "attempting double-free on
 * 0x… in thread T0:", "SEGV on unknown address 0x…": an ASan error. */
static int begin_error(struct lsan_reader *r, struct lsan_pid *st, const char *bug,
		       struct vgt_error *err)
{
	if (deliver(r, err) != 0)
		return -1;
	size_t n = strlen(bug);
	const char *on = strstr(bug, " on ");
	if (on != NULL)
		n = (size_t)(on - bug);
	else if (strstr(bug, ": ") != NULL)
		n = (size_t)(strstr(bug, ": ") - bug);
	if (n > 80)
		n = 80;
	char name[96];
	memcpy(name, bug, n);
	name[n] = '\0';
	if (lines_starts(name, "attempting ")) /* "attempting double-free" */
		memmove(name, name + 11, strlen(name + 11) + 1);
	record_clear(&r->rec);
	set_kind(r, asan_kind(name, 0), name, strlen(name));
	record_set_what(&r->rec, name, strlen(name));
	r->rec.tid = -1;
	r->open = 1;
	r->target = LT_MAIN;
	st->error_open = 1;
	st->error_seen = 1;
	return 0;
}

/* "READ of size 1 at 0x602000000013 thread T0" */
static void access_line(struct lsan_reader *r, const char *t)
{
	int access = t[0] == 'R' ? 'R' : 'W';
	if (r->rec.kind == VGT_KIND_UNKNOWN) {
		char name[96];
		snprintf(name, sizeof(name), "%s", r->rec.what != NULL ? r->rec.what : "");
		enum vgt_kind k = asan_kind(name, access);
		if (k != VGT_KIND_UNKNOWN && strcmp(name, "SEGV") != 0)
			set_kind(r, k, name, strlen(name));
	}
	/* what: "heap-use-after-free: READ of size 1" (no addresses) */
	const char *at = strstr(t, " at 0x");
	size_t n = at != NULL ? (size_t)(at - t) : strlen(t);
	char what[256];
	snprintf(what, sizeof(what), "%s: %.*s", r->rec.what != NULL ? r->rec.what : "",
		 (int)(n < 160 ? n : 160), t);
	record_set_what(&r->rec, what, strlen(what));
	const char *th = strstr(t, " thread T");
	if (th != NULL)
		r->rec.tid = strtol(th + 9, NULL, 10);
}

/* "Direct leak of 9376 byte(s) in 293 object(s) allocated from:" */
static int begin_leak(struct lsan_reader *r, const char *line, const char *t, int direct,
		      struct vgt_error *err)
{
	if (deliver(r, err) != 0)
		return -1;
	const char *p = t + (direct ? strlen("Direct leak of ") : strlen("Indirect leak of "));
	uint64_t bytes, blocks;
	if (lines_read_count(&p, &bytes) != 0)
		return bad(r, line, p, err, "expected a byte count (below 2^64) after \"leak of\"");
	if (!lines_starts(p, " byte(s) in "))
		return bad(r, line, p, err, "expected \" byte(s) in \"");
	p += strlen(" byte(s) in ");
	if (lines_read_count(&p, &blocks) != 0)
		return bad(r, line, p, err, "expected an object count (below 2^64)");
	if (!lines_starts(p, " object(s) allocated from"))
		return bad(r, line, p, err, "expected \" object(s) allocated from:\"");
	struct lsan_pid *st = current(r);
	if (st == NULL)
		return 0;
	record_clear(&r->rec);
	set_kind(r, direct ? VGT_KIND_LEAK_DEFINITELY_LOST : VGT_KIND_LEAK_INDIRECTLY_LOST, NULL, 0);
	size_t n = strlen(t);
	while (n > 0 && t[n - 1] == ':')
		n--;
	record_set_what(&r->rec, t, n);
	r->rec.bytes = bytes;
	r->rec.blocks = blocks;
	r->rec.direct_bytes = direct ? bytes : 0;
	r->rec.indirect_bytes = direct ? 0 : bytes;
	r->rec.tid = -1;
	r->open = 1;
	r->target = LT_MAIN;
	r->found = 1;
	return 0;
}

/* The location part of a frame line, after the function: "file:line[:col]". */
static void file_line(struct frame_key *f, const char *loc, size_t len)
{
	/* up to two trailing ":digits" groups: line, then column */
	size_t path_len = len;
	unsigned nums[2];
	int n = 0;
	while (n < 2) {
		size_t colon = path_len;
		while (colon > 0 && loc[colon - 1] >= '0' && loc[colon - 1] <= '9')
			colon--;
		if (colon == path_len || colon == 0 || loc[colon - 1] != ':' || path_len - colon > 9)
			break;
		nums[n++] = (unsigned)strtoul(loc + colon, NULL, 10);
		path_len = colon - 1;
	}
	if (n > 0)
		f->line = nums[n - 1]; /* "file:line:col": line is the first */
	lines_frame_path(f, loc, path_len);
}

/* "#3 0x52c219 in fn (/usr/bin/python3.11+0x52c219) (BuildId: …)",
 * "#6 0x5d7d49  (/usr/bin/python3.11+0x5d7d49)", "#1 0x… in fn dir/f.c:12:3". */
static int parse_frame(struct lsan_reader *r, const char *line, const char *t,
		       struct frame_key *f, struct vgt_error *err)
{
	memset(f, 0, sizeof(*f));
	const char *p = t + 1;
	while (*p >= '0' && *p <= '9')
		p++;
	p = lines_skip_spaces(p);
	if (read_hex(&p, &f->ip) != 0)
		return bad(r, line, p, err, "expected a frame address (0x…)");
	p = lines_skip_spaces(p);
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\r'))
		n--;
	/* a trailing "(BuildId: …)" says nothing we use */
	if (n > 0 && p[n - 1] == ')') {
		const char *b = NULL;
		for (size_t i = 0; i + 10 <= n; i++)
			if (strncmp(p + i, "(BuildId: ", 10) == 0)
				b = p + i;
		if (b != NULL) {
			n = (size_t)(b - p);
			while (n > 0 && p[n - 1] == ' ')
				n--;
		}
	}
	const char *fn = NULL;
	size_t fn_len = 0;
	if (n >= 3 && strncmp(p, "in ", 3) == 0) {
		fn = p + 3;
		fn_len = n - 3;
	}
	/* "(module+0xoff)" at the end: the object */
	const char *rest = fn != NULL ? fn : p;
	size_t rest_len = fn != NULL ? fn_len : n;
	if (rest_len > 0 && rest[rest_len - 1] == ')') {
		size_t open = rest_len;
		while (open > 0 && rest[open - 1] != '(')
			open--;
		const char *plus = NULL;
		for (size_t i = open; i + 3 < rest_len; i++)
			if (rest[i] == '+' && rest[i + 1] == '0' && rest[i + 2] == 'x')
				plus = rest + i;
		if (open > 0 && plus != NULL && (open == 1 || rest[open - 2] == ' ')) {
			f->obj = rest + open;
			f->obj_len = (size_t)(plus - f->obj);
			if (fn != NULL) {
				fn_len = open >= 2 ? open - 2 : 0;
				while (fn_len > 0 && fn[fn_len - 1] == ' ')
					fn_len--;
			}
			if (fn != NULL && fn_len > 0) {
				f->fn = fn;
				f->fn_len = fn_len;
			}
			return 0;
		}
	}
	if (fn == NULL || fn_len == 0)
		return 0; /* an address alone */
	/* "fn file:line[:col]": the location is the rest after a space outside
	 * the name's brackets, ending in ":digits", that starts a path ('/',
	 * '.') or holds no space; else the last word (a path with spaces) */
	if (fn[fn_len - 1] >= '0' && fn[fn_len - 1] <= '9') {
		size_t loc = 0;
		int depth = 0;
		for (size_t i = 0; i + 1 < fn_len && loc == 0; i++) {
			if (fn[i] == '(' || fn[i] == '<')
				depth++;
			else if ((fn[i] == ')' || fn[i] == '>') && depth > 0)
				depth--;
			else if (fn[i] == ' ' && depth == 0 && i > 0 &&
				 (fn[i + 1] == '/' || fn[i + 1] == '.' ||
				  memchr(fn + i + 1, ' ', fn_len - i - 1) == NULL))
				loc = i + 1;
		}
		if (loc == 0) {
			size_t sp = fn_len;
			while (sp > 0 && fn[sp - 1] != ' ')
				sp--;
			loc = sp;
		}
		if (loc > 1 && memchr(fn + loc, ':', fn_len - loc) != NULL) {
			file_line(f, fn + loc, fn_len - loc);
			fn_len = loc - 1;
			while (fn_len > 0 && fn[fn_len - 1] == ' ')
				fn_len--;
		}
	}
	if (fn_len > 0) {
		f->fn = fn;
		f->fn_len = fn_len;
	}
	return 0;
}

static int add_frame(struct lsan_reader *r, const char *line, const char *t, int partial,
		     struct vgt_error *err)
{
	if (!r->open || r->target == LT_NONE || partial)
		return 0; /* a cut last frame line would carry a wrong name */
	struct vgt_stack *stack = r->target == LT_MAIN ? &r->rec.stack : &r->rec.aux_stack;
	struct frame_key key;
	if (parse_frame(r, line, t, &key, err) != 0)
		return -1;
	if (stack->count >= VGT_READER_MAX_FRAMES)
		return 0;
	struct lsan_pid *st = current(r);
	key.pid = st != NULL ? st->pid : 0;
	stack_push(stack, frames_intern(r->frames, &key));
	return 0;
}

/* "SUMMARY: AddressSanitizer: 9600 byte(s) leaked in 300 allocation(s)." or
 * "SUMMARY: AddressSanitizer: heap-use-after-free /tmp/err.c:7 in main". */
static int summary_line(struct lsan_reader *r, const char *line, const char *t, int partial,
			struct vgt_error *err)
{
	if (deliver(r, err) != 0)
		return -1;
	struct lsan_pid *st = current(r);
	if (st == NULL)
		return 0;
	const char *p = strstr(t, "Sanitizer: ");
	if (p == NULL)
		return 0;
	p += strlen("Sanitizer: ");
	if (*p >= '0' && *p <= '9') {
		uint64_t bytes, blocks;
		const char *q = p;
		if (lines_read_count(&q, &bytes) != 0 || !lines_starts(q, " byte(s) leaked in "))
			return bad(r, line, q, err, "expected \"N byte(s) leaked in M allocation(s).\"");
		q += strlen(" byte(s) leaked in ");
		if (lines_read_count(&q, &blocks) != 0 || !lines_starts(q, " allocation(s)"))
			return bad(r, line, q, err, "expected \"M allocation(s).\"");
		if (partial)
			return 0; /* counts only whole */
		if (st->mode != MODE_FULL) /* a per-test check's: not the totals */
			return end_check(r, st, err);
		st->leak_summary = 1;
		st->summary_bytes = bytes;
		st->summary_blocks = blocks;
		r->found = 1;
	} else if (!partial) {
		st->errors++;
		st->error_open = 0;
		r->found = 1;
	}
	return 0;
}

/* "0x… is located 3 bytes inside of 10-byte region [0x…,0x…)": kept without
 * the region's addresses. */
static void located_line(struct lsan_reader *r, const char *t)
{
	const char *is = strstr(t, " is located ");
	if (is == NULL)
		return;
	const char *bracket = strchr(is, '[');
	size_t n = bracket != NULL ? (size_t)(bracket - is) : strlen(is);
	while (n > 0 && is[n - 1] == ' ')
		n--;
	snprintf(r->located, sizeof(r->located), "address%.*s", (int)(n < 200 ? n : 200), is);
}

/* "freed by thread T0 here:", "previously allocated by thread T0 here:",
 * "allocated by thread T0 here:", "Thread T1 created by T0 here:". */
static int is_aux_header(const char *t)
{
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\r'))
		n--;
	return n > 6 && strncmp(t + n - 6, " here:", 6) == 0;
}

static void aux_header(struct lsan_reader *r, const char *t)
{
	if (!r->open || kind_is_leak(r->rec.kind)) {
		r->target = LT_NONE;
		return;
	}
	if (r->aux_taken || lines_starts(t, "Thread T")) {
		r->target = LT_NONE;
		r->aux_taken = 1;
		return;
	}
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == ':' || t[n - 1] == '\r'))
		n--;
	char aux[512];
	if (r->located[0] != '\0')
		snprintf(aux, sizeof(aux), "%s; %.*s", r->located, (int)(n < 200 ? n : 200), t);
	else
		snprintf(aux, sizeof(aux), "%.*s", (int)(n < 200 ? n : 200), t);
	record_set_auxwhat(&r->rec, aux, strlen(aux));
	r->aux_taken = 1;
	r->target = LT_AUX;
}

/* A header line after ==PID==. */
static int header_line(struct lsan_reader *r, long pid, const char *body, struct vgt_error *err)
{
	if (deliver(r, err) != 0)
		return -1;
	struct lsan_pid *st = pid_state(r, pid);
	if (st == NULL)
		return 0;
	if (lines_starts(body, "ERROR: LeakSanitizer: detected memory leaks")) {
		st->mode = st->pending;
		st->pending = MODE_FULL;
		st->reports++;
		st->sums[0].bytes = st->sums[0].blocks = 0;
		st->sums[1].bytes = st->sums[1].blocks = 0;
		st->leak_report = 1;
		st->input->exit_leak_search = 1;
		r->found = 1;
		return 0;
	}
	if (lines_starts(body, "ERROR: AddressSanitizer: ")) {
		r->found = 1;
		return begin_error(r, st, body + strlen("ERROR: AddressSanitizer: "), err);
	}
	if (lines_starts(body, "ABORTING")) {
		st->aborting = 1;
		st->error_open = 0;
		return 0;
	}
	const char *san = strstr(body, "Sanitizer");
	if (san != NULL && (lines_starts(body, "ERROR: ") || strstr(body, "fatal error") != NULL ||
			    strstr(body, "CHECK failed") != NULL)) {
		/* the sanitizer's own failure ("LeakSanitizer has encountered a
		 * fatal error", "CHECK failed"): its report is not whole */
		size_t n = strlen(body);
		st->fatal = strpool_intern_n(r->pool, body, n < 200 ? n : 200);
		r->found = 1;
	}
	return 0;
}

/* Each line of the input (a lines_fn). */
static int process_line(void *ctx, char *line, int partial, struct vgt_error *err)
{
	struct lsan_reader *r = ctx;
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	long pid;
	const char *body = split_prefix(line, &pid);
	if (body != NULL)
		return partial ? 0 : header_line(r, pid, body, err);
	const char *t = lines_skip_spaces(line);
	if (*t == '\0') {
		/* a blank line ends a leak record, and any stack */
		if (r->open && kind_is_leak(r->rec.kind))
			return deliver(r, err);
		r->target = LT_NONE;
		return 0;
	}
	if (t[0] == '#' && t[1] >= '0' && t[1] <= '9')
		return add_frame(r, line, t, partial, err);
	if (t == line && lines_starts(t, "vgtriage:") && !partial)
		return marker_line(r, t, err);
	if (lines_starts(t, "Direct leak of "))
		return partial ? 0 : begin_leak(r, line, t, 1, err);
	if (lines_starts(t, "Indirect leak of "))
		return partial ? 0 : begin_leak(r, line, t, 0, err);
	if (lines_starts(t, "SUMMARY: ") && strstr(t, "Sanitizer: ") != NULL)
		return summary_line(r, line, t, partial, err);
	if (r->open && !kind_is_leak(r->rec.kind)) {
		if ((lines_starts(t, "READ of size ") || lines_starts(t, "WRITE of size ")) &&
		    r->rec.stack.count == 0)
			access_line(r, t);
		else if (lines_starts(t, "0x") && strstr(t, " is located ") != NULL)
			located_line(r, t);
		else if (is_aux_header(t))
			aux_header(r, t);
		else if (lines_starts(t, "Shadow bytes") || lines_starts(t, "HINT: "))
			r->target = LT_NONE;
	}
	return 0;
}

/* ---- the reader ------------------------------------------------------------ */

struct lsan_reader *lsan_reader_new(struct frame_table *frames, struct vgt_input *input,
				    const struct vgt_sink *sink)
{
	struct lsan_reader *r = xcalloc(1, sizeof(*r));
	r->frames = frames;
	r->pool = frames_pool(frames);
	r->first = input;
	r->sink = sink;
	lines_init(&r->lb, LSAN_LINE_MAX);
	input->format = strpool_intern(r->pool, "lsan");
	input->complete = 0;
	record_clear(&r->rec);
	return r;
}

static int fail(struct lsan_reader *r)
{
	r->failed = 1;
	r->first->complete = 0;
	for (size_t i = 0; i < r->npids; i++)
		lines_input_cut(r->pids[i].input, r->lb.lineno);
	return -1;
}

int lsan_reader_feed(struct lsan_reader *r, const char *buf, size_t len, struct vgt_error *err)
{
	if (r->failed)
		return lines_stopped(&r->lb, err);
	if (lines_feed(&r->lb, buf, len, process_line, r, err) != 0)
		return fail(r);
	return 0;
}

/* What LSan shows: definite and indirect leaks, counted as errors. */
static unsigned lsan_options(struct vgt_input *in)
{
	unsigned both = (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_INDIRECT);
	in->has_leak_options = 1;
	in->leak_check = VGT_LEAK_CHECK_FULL;
	in->errors_for_leak_kinds = both;
	return both;
}

void lsan_input_clean(struct vgt_input *in, int exited)
{
	unsigned both = lsan_options(in);
	in->exit_leak_search = exited;
	in->complete = in->finished = exited;
	if (!exited)
		return;
	in->show_leak_kinds |= both;
	in->vg.has_leak_summary = 1;
	in->vg.known |= VGT_SUMMARY_DEFINITE | VGT_SUMMARY_INDIRECT;
	in->vg.has_error_summary = 1;
}

/* A pid's figures: LSan's SUMMARY when its records add up to it. */
static void publish(struct lsan_pid *st)
{
	struct vgt_input *in = st->input;
	struct vgt_valgrind_summary *vg = &in->vg;
	unsigned both = lsan_options(in);
	int matches = st->leak_summary &&
		      vgt_count_add(st->sums[0].bytes, st->sums[1].bytes) == st->summary_bytes &&
		      vgt_count_add(st->sums[0].blocks, st->sums[1].blocks) == st->summary_blocks;
	if (matches && st->fatal == NULL) {
		in->show_leak_kinds |= both;
		vg->has_leak_summary = 1;
		vg->known |= VGT_SUMMARY_DEFINITE | VGT_SUMMARY_INDIRECT;
		vg->definitely_lost.bytes += st->sums[0].bytes;
		vg->definitely_lost.blocks += st->sums[0].blocks;
		vg->indirectly_lost.bytes += st->sums[1].bytes;
		vg->indirectly_lost.blocks += st->sums[1].blocks;
	}
	int ended = st->leak_summary || (st->error_seen && !st->error_open);
	if (ended && st->fatal == NULL) {
		vg->has_error_summary = 1;
		vg->errors += st->errors;
		vg->error_contexts += st->errors;
	}
}

int lsan_reader_finish(struct lsan_reader *r, struct vgt_error *err)
{
	if (r->failed)
		return lines_stopped(&r->lb, err);
	if (lines_finish(&r->lb, process_line, r, err) != 0)
		return fail(r);
	if (deliver(r, err) != 0)
		return fail(r);
	for (size_t i = 0; i < r->npids; i++)
		if (settle_pending(r, &r->pids[i], err) != 0 ||
		    (r->pids[i].mode != MODE_FULL && end_check(r, &r->pids[i], err) != 0))
			return fail(r);
	if (!r->found) {
		r->first->complete = 0;
		return vgt_error_set(err, NULL, 1, 1, "no LeakSanitizer or AddressSanitizer report found");
	}
	const struct lsan_pid *cut = NULL;
	for (size_t i = 0; i < r->npids; i++) {
		struct lsan_pid *st = &r->pids[i];
		publish(st);
		st->input->complete = 1;
		st->input->finished = 1;
		if (st->fatal != NULL)
			st->input->aborted = st->fatal;
		else if (st->leak_report ? st->leak_summary : !st->error_open)
			continue;
		lines_input_cut(st->input, r->lb.lineno);
		st->input->finished = 0;
		if (cut == NULL)
			cut = st;
	}
	if (cut != NULL && cut->fatal != NULL)
		vgt_error_set(err, NULL, r->lb.lineno, 1,
			      "the sanitizer itself failed (pid %ld), its figures are unknown: %s",
			      cut->pid, cut->fatal);
	else if (cut != NULL)
		vgt_error_set(err, NULL, r->lb.lineno, 1,
			      "the sanitizer's report of pid %ld ends before its SUMMARY (cut short?)",
			      cut->pid);
	return 0;
}

void lsan_reader_free(struct lsan_reader *r)
{
	if (r == NULL)
		return;
	record_release(&r->rec);
	for (size_t i = 0; i < r->npids; i++) {
		snap_free(r->pids[i].prev, r->pids[i].n_prev);
		snap_free(r->pids[i].cur, r->pids[i].n_cur);
		free(r->pids[i].prev);
		free(r->pids[i].cur);
	}
	free(r->pids);
	lines_release(&r->lb);
	free(r);
}

/* Does buf (the first bytes of an input) look like a sanitizer's report?
 * A "==PID==ERROR: …Sanitizer" or "==PID==WARNING: …Sanitizer" header, or
 * a leak record, on one of its lines. */
int lsan_reader_detect(const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *s = buf + i;
		size_t n = len - i;
		const char *nl = memchr(s, '\n', n);
		size_t ll = nl != NULL ? (size_t)(nl - s) : n;
		char tmp[160];
		size_t k = ll < sizeof(tmp) - 1 ? ll : sizeof(tmp) - 1;
		memcpy(tmp, s, k);
		tmp[k] = '\0';
		long pid;
		const char *body = split_prefix(tmp, &pid);
		if (body != NULL &&
		    (lines_starts(body, "ERROR: ") || lines_starts(body, "WARNING: ")) &&
		    strstr(body, "Sanitizer") != NULL)
			return 1;
		if (lines_starts(tmp, "Direct leak of ") || lines_starts(tmp, "Indirect leak of "))
			return 1;
		i += ll + 1;
	}
	return 0;
}
