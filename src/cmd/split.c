/*
 * split.c — one large valgrind XML read on several cores: cut at </error>,
 * each part parsed into a record store by a thread of its own, the stores
 * replayed into the real sink in document order (split.h says why that
 * gives the report of -j 1).
 */
#include "cmd/split.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "read/reader.h"

#define WINDOW (256 * 1024)
#define HEAD_MAX (16u * 1024 * 1024) /* the preamble is searched this far */
#define CLOSE_TAG "\n</valgrindoutput>\n"
#define LOG_BLOCK (1024 * 1024)
#define FIRST_SHARE 100 /* percent of an equal share: see split_start */
/* The most of the input a part after the first reads (see split_start). */
#define PART_MAX (UINT64_C(160) * 1024 * 1024)

enum ev_type { EV_RECORD, EV_CLIENTMSG, EV_ERRORCOUNT, EV_INPUT };

struct ev {
	enum ev_type type;
	size_t index;           /* EV_INPUT: into snaps */
	uint64_t unique, count; /* EV_ERRORCOUNT; EV_RECORD: that many records
				 * in a row, the next ones in the log */
	char *text;             /* EV_CLIENTMSG (owned) */
};

/* ---- the record log ----
 *
 * A part's records go, one after another, into blocks mapped for the log
 * alone: each the record's fields, its stacks' ids and its texts in one
 * piece of the bytes it needs (no allocation per record, no array that
 * doubles; below, how a record is stored), and each block
 * unmapped as soon as the replay has passed it, so that what the store
 * held goes back to the system while the report grows: memory freed to
 * the part thread's malloc arena would not serve the caller's thread, and
 * malloc maps blocks this large of their own only until a free raised its
 * threshold.  The blocks are private maps of /dev/zero (POSIX.1-2008 has
 * no anonymous map); malloc'ed when it cannot be opened or mapped. */

struct block {
	struct block *next;
	size_t size, used; /* bytes of the block; used: from its start */
	int mapped;
};

struct log {
	struct block *head, *tail;
	size_t read; /* the replay's offset in head */
	int zero;    /* /dev/zero, or -1 */
};

static struct block *block_new(const struct log *lg, size_t size)
{
	struct block *b = NULL;
	if (lg->zero >= 0) {
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, lg->zero, 0);
		if (m != MAP_FAILED)
			b = m;
	}
	int mapped = b != NULL;
	if (b == NULL)
		b = xmalloc(size);
	b->mapped = mapped;
	return b;
}

static void block_free(struct block *b)
{
	if (b->mapped)
		munmap(b, b->size);
	else
		free(b);
}

struct part {
	int fd;
	uint64_t prefix_len;    /* the preamble, bytes [0, prefix_len), first */
	uint64_t start, end;    /* the part's own bytes */
	int first, last;
	int text;               /* a valgrind log, not XML */
	int other_pid;          /* a log part met a second process */
	uint64_t max_unique;    /* a log part: the largest unique it gave */
	struct strpool *pool;
	struct frame_table *ft;
	struct vgt_input input; /* what the part's reader fills */
	struct vgt_input base;  /* its state once the preamble was read */
	struct vgt_input seen;  /* its state at the last EV_INPUT */
	struct ev *evs;
	size_t n_evs, evs_cap;
	struct log recs;        /* the records, in order */
	struct vgt_input *snaps;
	size_t n_snaps, snaps_cap;
	int ok;
	struct split_store *ss;
	/* The first part goes straight to the caller's sink (live), into its
	 * frame table and input, while the others are parsed. */
	const struct vgt_sink *live;
	struct frame_table *live_ft;
	struct vgt_input *live_input;
};

struct split_store {
	struct part *parts;
	size_t n;
	int text;
	pthread_t *threads;
	int *started;      /* threads[k] runs (until split_wait joins it) */
	int joined;
	pthread_mutex_t lock;
	uint64_t bytes_read; /* by all parts so far (lock) */
	int failed;          /* a part was not clean: the others stop (lock) */
	split_progress_fn *progress;
	void *progress_ctx;
};

#define ALIGN_UP(n) (((n) + 7) & ~(size_t)7)

/* Room for up to max bytes at the log's end (a block of its own when max
 * is more than a block holds); log_commit(n) keeps the first n of them. */
static unsigned char *log_reserve(struct log *lg, size_t max)
{
	struct block *b = lg->tail;
	if (b == NULL || b->size - b->used < max) {
		size_t head = ALIGN_UP(sizeof(*b));
		size_t size = head + max > LOG_BLOCK ? head + max : LOG_BLOCK;
		b = block_new(lg, size);
		b->next = NULL;
		b->size = size;
		b->used = head;
		if (lg->tail != NULL)
			lg->tail->next = b;
		else
			lg->head = b;
		lg->tail = b;
		if (lg->head == b)
			lg->read = b->used;
	}
	return (unsigned char *)b + b->used;
}

static void log_commit(struct log *lg, size_t n)
{
	lg->tail->used += n;
}

/* Where the next piece log_commit kept begins; log_skip(n) passes it. */
static const unsigned char *log_peek(struct log *lg)
{
	struct block *b = lg->head;
	if (lg->read >= b->used) { /* the rest is in the next block */
		lg->head = b->next;
		block_free(b);
		b = lg->head;
		lg->read = ALIGN_UP(sizeof(*b));
	}
	return (const unsigned char *)b + lg->read;
}

static void log_skip(struct log *lg, size_t n)
{
	lg->read += n;
}

static void log_free(struct log *lg)
{
	while (lg->head != NULL) {
		struct block *b = lg->head;
		lg->head = b->next;
		block_free(b);
	}
	if (lg->zero >= 0)
		close(lg->zero);
	memset(lg, 0, sizeof(*lg));
	lg->zero = -1;
}

/* A stored record is only what the record has: a word of R_* bits, one for
 * each field that is not 0 or NULL (kind_name: that is not kind_info()'s
 * own name), then those fields in the order of the bits — numbers as
 * varints (7 bits a byte, low first; signed ones zigzagged), strings of
 * the part's pool as their pointers, texts as their length and bytes,
 * stacks as their count and their ids, each the zigzagged difference to
 * the id before it (a stack seen first is a run of new, consecutive ids).
 * Every field of struct vgt_record but its storage (what_store, aux_store,
 * aux2_store) is here: a field added to the record must be added too
 * (split_log_roundtrip's test fills every one). */
enum {
	R_KIND_NAME = 1u << 0, R_KIND = 1u << 1, R_WHAT = 1u << 2, R_BYTES = 1u << 3,
	R_BLOCKS = 1u << 4, R_DIRECT = 1u << 5, R_INDIRECT = 1u << 6, R_HAS_DELTA = 1u << 7,
	R_DELTA_BYTES = 1u << 8, R_DELTA_BLOCKS = 1u << 9, R_DELTA_INDIRECT = 1u << 10,
	R_UNIQUE = 1u << 11, R_TID = 1u << 12, R_THREADNAME = 1u << 13, R_STACK = 1u << 14,
	R_AUXWHAT = 1u << 15, R_AUX_STACK = 1u << 16, R_AUXWHAT2 = 1u << 17,
	R_AUX_STACK2 = 1u << 18, R_SUPPRESSION = 1u << 19, R_PID = 1u << 20,
	R_LOSS_RECORD = 1u << 21, R_LOSS_RECORDS = 1u << 22, R_LEAK_SEARCH = 1u << 23,
	R_DIRECT_IS_BYTES = 1u << 24 /* direct_bytes == bytes (!= 0): not stored */
};
#define VARINT_MAX 10
#if UINTPTR_MAX == UINT64_MAX /* LP64: the size the fields above make */
_Static_assert(sizeof(struct vgt_record) == 256,
	       "a field added to struct vgt_record must be stored by store_record and load_record");
#endif

static unsigned char *put_u(unsigned char *at, uint64_t v)
{
	while (v >= 0x80) {
		*at++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*at++ = (unsigned char)v;
	return at;
}

static uint64_t get_u(const unsigned char **at)
{
	const unsigned char *s = *at;
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		unsigned char c = *s++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (c < 0x80)
			break;
	}
	*at = s;
	return v;
}

static unsigned char *put_s(unsigned char *at, int64_t v)
{
	return put_u(at, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

static int64_t get_s(const unsigned char **at)
{
	uint64_t u = get_u(at);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static unsigned char *put_ptr(unsigned char *at, const char *s)
{
	memcpy(at, &s, sizeof(s));
	return at + sizeof(s);
}

static const char *get_ptr(const unsigned char **at)
{
	const char *s;
	memcpy(&s, *at, sizeof(s));
	*at += sizeof(s);
	return s;
}

static unsigned char *put_text(unsigned char *at, const char *s, size_t len)
{
	at = put_u(at, len);
	memcpy(at, s, len);
	return at + len;
}

/* The next text of the record log given to set (record_set_what and its
 * kin), which copies it. */
static void get_text(const unsigned char **at, struct vgt_record *rec,
		     void (*set)(struct vgt_record *, const char *, size_t))
{
	size_t len = (size_t)get_u(at);
	set(rec, (const char *)*at, len);
	*at += len;
}

static unsigned char *put_stack(unsigned char *at, const struct vgt_stack *st)
{
	at = put_u(at, st->count);
	uint32_t prev = 0;
	for (uint32_t i = 0; i < st->count; i++) {
		at = put_s(at, (int64_t)st->ids[i] - (int64_t)prev);
		prev = st->ids[i];
	}
	return at;
}

/* The stack's ids into st (its array reused). */
static void get_stack(const unsigned char **at, struct vgt_stack *st)
{
	uint32_t n = (uint32_t)get_u(at);
	if (st->cap < n) {
		st->ids = xrealloc(st->ids, n * sizeof(*st->ids));
		st->cap = n;
	}
	uint32_t id = 0;
	for (uint32_t i = 0; i < n; i++) {
		id = (uint32_t)((int64_t)id + get_s(at));
		st->ids[i] = id;
	}
	st->count = n;
}

#define PUT_U(bit, v) do { if ((v) != 0) { flags |= (bit); at = put_u(at, (uint64_t)(v)); } } while (0)
#define PUT_S(bit, v) do { if ((v) != 0) { flags |= (bit); at = put_s(at, (int64_t)(v)); } } while (0)
#define PUT_PTR(bit, v) do { if ((v) != NULL) { flags |= (bit); at = put_ptr(at, (v)); } } while (0)
#define PUT_TEXT(bit, v, len) do { if ((v) != NULL) { flags |= (bit); at = put_text(at, (v), (len)); } } while (0)
#define PUT_STACK(bit, st) do { if ((st).count != 0) { flags |= (bit); at = put_stack(at, &(st)); } } while (0)

static void store_record(struct log *lg, const struct vgt_record *rec)
{
	size_t len[3] = {rec->what != NULL ? strlen(rec->what) : 0,
			 rec->auxwhat != NULL ? strlen(rec->auxwhat) : 0,
			 rec->auxwhat2 != NULL ? strlen(rec->auxwhat2) : 0};
	size_t max = sizeof(uint32_t) + 24 * VARINT_MAX + len[0] + len[1] + len[2] +
		     ((size_t)rec->stack.count + rec->aux_stack.count + rec->aux_stack2.count) *
			     VARINT_MAX;
	unsigned char *const start = log_reserve(lg, max);
	unsigned char *at = start + sizeof(uint32_t);
	uint32_t flags = 0;
	if (rec->kind_name != kind_info(rec->kind)->name) {
		flags |= R_KIND_NAME;
		at = put_ptr(at, rec->kind_name);
	}
	PUT_U(R_KIND, rec->kind);
	PUT_TEXT(R_WHAT, rec->what, len[0]);
	PUT_U(R_BYTES, rec->bytes);
	PUT_U(R_BLOCKS, rec->blocks);
	if (rec->direct_bytes != 0 && rec->direct_bytes == rec->bytes)
		flags |= R_DIRECT_IS_BYTES;
	else
		PUT_U(R_DIRECT, rec->direct_bytes);
	PUT_U(R_INDIRECT, rec->indirect_bytes);
	PUT_S(R_HAS_DELTA, rec->has_delta);
	PUT_S(R_DELTA_BYTES, rec->delta_bytes);
	PUT_S(R_DELTA_BLOCKS, rec->delta_blocks);
	PUT_S(R_DELTA_INDIRECT, rec->delta_indirect_bytes);
	PUT_U(R_UNIQUE, rec->unique);
	PUT_S(R_TID, rec->tid);
	PUT_PTR(R_THREADNAME, rec->threadname);
	PUT_STACK(R_STACK, rec->stack);
	PUT_TEXT(R_AUXWHAT, rec->auxwhat, len[1]);
	PUT_STACK(R_AUX_STACK, rec->aux_stack);
	PUT_TEXT(R_AUXWHAT2, rec->auxwhat2, len[2]);
	PUT_STACK(R_AUX_STACK2, rec->aux_stack2);
	PUT_PTR(R_SUPPRESSION, rec->suppression);
	PUT_S(R_PID, rec->pid);
	PUT_U(R_LOSS_RECORD, rec->loss_record);
	PUT_U(R_LOSS_RECORDS, rec->loss_records);
	PUT_U(R_LEAK_SEARCH, rec->leak_search);
	memcpy(start, &flags, sizeof(flags));
	log_commit(lg, (size_t)(at - start));
}

/* The next stored record into rec, a record of the caller's whose arrays
 * are reused from record to record. */
static void load_record(struct log *lg, struct vgt_record *rec)
{
	const unsigned char *const start = log_peek(lg);
	const unsigned char *at = start + sizeof(uint32_t);
	uint32_t flags;
	memcpy(&flags, start, sizeof(flags));
	record_clear(rec);
	rec->tid = rec->pid = 0; /* record_clear's -1 is a value like any other here */
	const char *kind_name = flags & R_KIND_NAME ? get_ptr(&at) : NULL;
	if (flags & R_KIND)
		rec->kind = (enum vgt_kind)get_u(&at);
	rec->kind_name = flags & R_KIND_NAME ? kind_name : kind_info(rec->kind)->name;
	if (flags & R_WHAT)
		get_text(&at, rec, record_set_what);
	if (flags & R_BYTES)
		rec->bytes = get_u(&at);
	if (flags & R_BLOCKS)
		rec->blocks = get_u(&at);
	if (flags & R_DIRECT)
		rec->direct_bytes = get_u(&at);
	if (flags & R_DIRECT_IS_BYTES)
		rec->direct_bytes = rec->bytes;
	if (flags & R_INDIRECT)
		rec->indirect_bytes = get_u(&at);
	if (flags & R_HAS_DELTA)
		rec->has_delta = (int)get_s(&at);
	if (flags & R_DELTA_BYTES)
		rec->delta_bytes = get_s(&at);
	if (flags & R_DELTA_BLOCKS)
		rec->delta_blocks = get_s(&at);
	if (flags & R_DELTA_INDIRECT)
		rec->delta_indirect_bytes = get_s(&at);
	if (flags & R_UNIQUE)
		rec->unique = get_u(&at);
	if (flags & R_TID)
		rec->tid = (long)get_s(&at);
	if (flags & R_THREADNAME)
		rec->threadname = get_ptr(&at);
	if (flags & R_STACK)
		get_stack(&at, &rec->stack);
	if (flags & R_AUXWHAT)
		get_text(&at, rec, record_set_auxwhat);
	if (flags & R_AUX_STACK)
		get_stack(&at, &rec->aux_stack);
	if (flags & R_AUXWHAT2)
		get_text(&at, rec, record_set_auxwhat2);
	if (flags & R_AUX_STACK2)
		get_stack(&at, &rec->aux_stack2);
	if (flags & R_SUPPRESSION)
		rec->suppression = get_ptr(&at);
	if (flags & R_PID)
		rec->pid = (long)get_s(&at);
	if (flags & R_LOSS_RECORD)
		rec->loss_record = (uint32_t)get_u(&at);
	if (flags & R_LOSS_RECORDS)
		rec->loss_records = (uint32_t)get_u(&at);
	if (flags & R_LEAK_SEARCH)
		rec->leak_search = get_u(&at);
	log_skip(lg, (size_t)(at - start));
}

void split_log_roundtrip(const struct vgt_record *recs, size_t n, int no_map,
			 split_each_fn *each, void *ctx)
{
	struct log lg;
	memset(&lg, 0, sizeof(lg));
	lg.zero = no_map ? -1 : open("/dev/zero", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < n; i++)
		store_record(&lg, &recs[i]);
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	for (size_t i = 0; i < n; i++) {
		load_record(&lg, &rec);
		each(ctx, i, &rec);
	}
	record_release(&rec);
	log_free(&lg);
}

/* ---- recording ---- */

static struct ev *push_ev(struct part *p, enum ev_type type)
{
	p->evs = xgrow(p->evs, &p->evs_cap, p->n_evs + 1, sizeof(*p->evs));
	struct ev *e = &p->evs[p->n_evs++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	return e;
}

/* The input's state changed since the last event: the change goes in its
 * place among the events. */
static void note_input(struct part *p)
{
	if (memcmp(&p->input, &p->seen, sizeof(p->input)) == 0)
		return;
	memcpy(&p->seen, &p->input, sizeof(p->input));
	p->snaps = xgrow(p->snaps, &p->snaps_cap, p->n_snaps + 1, sizeof(*p->snaps));
	memcpy(&p->snaps[p->n_snaps], &p->input, sizeof(p->input));
	push_ev(p, EV_INPUT)->index = p->n_snaps++;
}

static int rec_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		      struct vgt_error *err)
{
	struct part *p = ctx;
	(void)input;
	(void)err;
	note_input(p);
	store_record(&p->recs, rec);
	if (rec->unique > p->max_unique)
		p->max_unique = rec->unique;
	/* records in a row are one event */
	if (p->n_evs == 0 || p->evs[p->n_evs - 1].type != EV_RECORD)
		push_ev(p, EV_RECORD);
	p->evs[p->n_evs - 1].count++;
	return 0;
}

static int live_record(void *ctx, struct vgt_input *input, struct vgt_record *rec,
		       struct vgt_error *err)
{
	struct part *p = ctx;
	if (rec->unique > p->max_unique)
		p->max_unique = rec->unique;
	return p->live->record(p->live->ctx, input, rec, err);
}

static int live_errorcount(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
			   struct vgt_error *err)
{
	const struct vgt_sink *to = ((struct part *)ctx)->live;
	return to->errorcount != NULL ? to->errorcount(to->ctx, input, unique, count, err) : 0;
}

static int live_clientmsg(void *ctx, struct vgt_input *input, const char *text,
			  struct vgt_error *err)
{
	const struct vgt_sink *to = ((struct part *)ctx)->live;
	return to->clientmsg != NULL ? to->clientmsg(to->ctx, input, text, err) : 0;
}

/* A log of several processes: their states cross the parts' bounds. */
static struct vgt_input *rec_other_pid(void *ctx, struct vgt_input *first, long pid)
{
	struct part *p = ctx;
	(void)first;
	(void)pid;
	p->other_pid = 1;
	return NULL;
}

static int rec_errorcount(void *ctx, struct vgt_input *input, uint64_t unique, uint64_t count,
			  struct vgt_error *err)
{
	struct part *p = ctx;
	(void)input;
	(void)err;
	note_input(p);
	struct ev *e = push_ev(p, EV_ERRORCOUNT);
	e->unique = unique;
	e->count = count;
	return 0;
}

static int rec_clientmsg(void *ctx, struct vgt_input *input, const char *text,
			 struct vgt_error *err)
{
	struct part *p = ctx;
	(void)input;
	(void)err;
	note_input(p);
	size_t n = strlen(text);
	char *copy = xmalloc(n + 1);
	memcpy(copy, text, n + 1);
	push_ev(p, EV_CLIENTMSG)->text = copy;
	return 0;
}

/* "<!" (a comment, CDATA, a DOCTYPE) or "<?" (a processing instruction)
 * could hold a "</error>" that is no element: such files are read whole. */
static int hides_markup(const char *buf, size_t n, char prev)
{
	static const char marks[] = "!?";
	for (const char *m = marks; *m != '\0'; m++)
		for (const char *s = memchr(buf, *m, n); s != NULL;
		     s = memchr(s + 1, *m, n - (size_t)(s + 1 - buf)))
			if ((s == buf ? prev : s[-1]) == '<')
				return 1;
	return 0;
}

/* A log part must not hold what needs the state of the whole log: a
 * summary (it ends a leak search or the process) before the last part, a
 * -s list (it counts contexts of every part), a client message (the
 * per-test markers span records).  s is the part's bytes with up to
 * KEEP bytes of the chunk before it. */
#define KEEP 32
static int log_breaks_part(const char *s, size_t n, int last)
{
	static const char *const anywhere[] = {"errors in context ", "**"};
	static const char *const before_last[] = {"LEAK SUMMARY", "ERROR SUMMARY",
						   "All heap blocks were freed"};
	for (size_t i = 0; i < sizeof(anywhere) / sizeof(anywhere[0]); i++)
		if (vgt_memfind(s, n, anywhere[i], strlen(anywhere[i])) != NULL)
			return 1;
	for (size_t i = 0; !last && i < sizeof(before_last) / sizeof(before_last[0]); i++)
		if (vgt_memfind(s, n, before_last[i], strlen(before_last[i])) != NULL)
			return 1;
	return 0;
}

/* n more bytes of the file read; the live part tells the caller.  0 when
 * another part failed: this one need not go on. */
static int count_bytes(struct part *p, uint64_t n)
{
	struct split_store *ss = p->ss;
	pthread_mutex_lock(&ss->lock);
	ss->bytes_read += n;
	uint64_t total = ss->bytes_read;
	int failed = ss->failed;
	pthread_mutex_unlock(&ss->lock);
	if (p->live != NULL && ss->progress != NULL)
		ss->progress(ss->progress_ctx, total);
	return !failed;
}

static int feed_part(struct part *p, void *reader, const char *buf, size_t n,
		     struct vgt_error *err)
{
	return p->text ? text_reader_feed(reader, buf, n, err) : xml_reader_feed(reader, buf, n, err);
}

static int feed_range(struct part *p, void *xr, char *buf, uint64_t from,
		      uint64_t to, int check, struct vgt_error *err)
{
	char prev = 0;
	char tail[2 * KEEP];
	size_t kept = 0;
	while (from < to) {
		size_t want = to - from < WINDOW ? (size_t)(to - from) : WINDOW;
		ssize_t n = pread(p->fd, buf, want, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (check && !p->text && hides_markup(buf, (size_t)n, prev))
			return 0;
		if (check && p->text) {
			/* the window's start with the end of the one before */
			size_t m = (size_t)n < KEEP ? (size_t)n : KEEP;
			memcpy(tail + kept, buf, m);
			if (log_breaks_part(tail, kept + m, p->last) ||
			    log_breaks_part(buf, (size_t)n, p->last))
				return 0;
			kept = (size_t)n < KEEP ? (size_t)n : KEEP;
			memcpy(tail, buf + ((size_t)n - kept), kept);
		}
		prev = buf[n - 1];
		if (feed_part(p, xr, buf, (size_t)n, err) != 0)
			return 0;
		from += (uint64_t)n;
		if (check && !count_bytes(p, (uint64_t)n))
			return 0;
	}
	return 1;
}

/* Parses one part into its store; 1 when it read as an ordinary part. */
static int read_part(struct part *p)
{
	p->pool = strpool_new();
	p->ft = frames_new_keys(p->pool); /* read back by frames_intern_from only */
	struct vgt_sink sink;
	memset(&sink, 0, sizeof(sink));
	sink.record = p->live != NULL ? live_record : rec_record;
	sink.errorcount = p->live != NULL ? live_errorcount : rec_errorcount;
	sink.clientmsg = p->live != NULL ? live_clientmsg : rec_clientmsg;
	sink.input_for_pid = rec_other_pid;
	sink.ctx = p;
	struct frame_table *ft = p->live != NULL ? p->live_ft : p->ft;
	struct vgt_input *in = p->live != NULL ? p->live_input : &p->input;
	void *reader = p->text ? (void *)text_reader_new(ft, in, &sink)
			       : (void *)xml_reader_new(ft, in, &sink);
	char *buf = xmalloc(WINDOW);
	struct vgt_error err;
	vgt_error_clear(&err);
	memcpy(&p->seen, &p->input, sizeof(p->input));
	int ok = feed_range(p, reader, buf, 0, p->prefix_len, 0, &err);
	/* a preamble gives the sink nothing (a log whose first blank line
	 * ends a record: the record would be in every part) */
	ok = ok && (p->first || p->n_evs == 0);
	/* the first part's preamble is the file's own: its changes count */
	memcpy(&p->base, p->first ? &p->seen : &p->input, sizeof(p->input));
	if (ok)
		ok = feed_range(p, reader, buf, p->start, p->end, 1, &err);
	if (p->text) {
		/* a log part ends after a record's blank line: nothing is
		 * pending; only the last part ends the log */
		if (ok && p->last)
			ok = text_reader_finish(reader, &err) == 0 && err.message[0] == '\0' &&
			     in->complete;
		ok = ok && !p->other_pid && in->aborted == NULL && in->tool != NULL &&
		     strcmp(in->tool, "memcheck") == 0;
		text_reader_free(reader);
	} else {
		if (ok && !p->last)
			ok = xml_reader_feed(reader, CLOSE_TAG, strlen(CLOSE_TAG), &err) == 0;
		if (ok)
			ok = xml_reader_finish(reader, &err) == 0 && err.message[0] == '\0' &&
			     in->complete && in->aborted == NULL && in->bad_numbers == 0;
		xml_reader_free(reader);
	}
	if (ok && p->live == NULL)
		note_input(p); /* its final state */
	free(buf);
	return ok;
}

static void *part_thread(void *arg)
{
	struct part *p = arg;
	p->ok = read_part(p);
	if (!p->ok) {
		pthread_mutex_lock(&p->ss->lock);
		p->ss->failed = 1;
		pthread_mutex_unlock(&p->ss->lock);
	}
	return NULL;
}

/* ---- planning ---- */

static int name_at(const char *s, size_t avail, const char *name)
{
	size_t n = strlen(name);
	if (avail <= n || memcmp(s, name, n) != 0)
		return 0;
	char c = s[n];
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where the first element that gives the sink something begins: the end of
 * the preamble every part is given.  0: not found in buf. */
static size_t preamble_end(const char *buf, size_t n)
{
	static const char *const names[] = {"error", "clientmsg", "errorcounts", "suppcounts"};
	for (const char *s = memchr(buf, '<', n); s != NULL;
	     s = memchr(s + 1, '<', n - (size_t)(s + 1 - buf))) {
		size_t avail = n - (size_t)(s + 1 - buf);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (name_at(s + 1, avail, names[i]))
				return (size_t)(s - buf);
		if (avail == 0)
			break;
	}
	return 0;
}

/* The offset just after the first needle at or after from (a log: a
 * blank line of the process's followed by one of its messages, which
 * begins a record); 0 when none. */
static uint64_t next_boundary(int fd, char *buf, uint64_t from, uint64_t size,
			      const char *needle, size_t nl, int log)
{
	while (from < size) {
		size_t want = size - from < WINDOW ? (size_t)(size - from) : WINDOW;
		ssize_t n = pread(fd, buf, want, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		const char *hit = vgt_memfind(buf, (size_t)n, needle, nl);
		/* a log's needle is "\n==PID== \n": the next line must be
		 * "==PID== " and a message (no blank, no indent) */
		while (log && hit != NULL) {
			const char *next = hit + nl;
			size_t left = (size_t)(buf + n - next);
			size_t pl = nl - 2; /* "==PID== " */
			if (left > pl && memcmp(next, needle + 1, pl) == 0 && next[pl] != ' ' &&
			    next[pl] != '\n' && next[pl] != '\r')
				break;
			if (left <= pl)
				break; /* cut by the window: taken, the part checks it */
			hit = vgt_memfind(next - 1, left + 1, needle, nl);
		}
		if (hit != NULL)
			return from + (uint64_t)(hit - buf) + nl;
		if ((size_t)n < nl || from + (uint64_t)n >= size)
			return 0;
		from += (uint64_t)n - (nl - 1); /* a needle cut by the window */
	}
	return 0;
}

/* A log's preamble: "==PID== " lines up to the first blank one; its
 * needle (the blank line) into needle. */
static size_t log_preamble_end(const char *buf, size_t n, char *needle, size_t size)
{
	size_t i = 2;
	if (n < 4 || buf[0] != '=' || buf[1] != '=')
		return 0;
	while (i < n && i < 24 && buf[i] >= '0' && buf[i] <= '9')
		i++;
	if (i == 2 || i + 3 > n || buf[i] != '=' || buf[i + 1] != '=' || buf[i + 2] != ' ')
		return 0;
	int len = snprintf(needle, size, "\n%.*s\n", (int)(i + 3), buf);
	if (len <= 0 || (size_t)len >= size)
		return 0;
	const char *hit = vgt_memfind(buf, n, needle, (size_t)len);
	return hit != NULL ? (size_t)(hit - buf) + (size_t)len : 0;
}

static uint64_t read_preamble(int fd, uint64_t size, int log, char *needle, size_t needle_size)
{
	size_t cap = size < HEAD_MAX ? (size_t)size : HEAD_MAX;
	size_t buf_cap = 0;
	char *buf = NULL;
	size_t have = 0;
	/* a window at a time, the buffer grown as needed: a preamble is a few
	 * KB, and a 16 MB buffer read whole (then freed) had raised the peak
	 * where freed memory is not given back (ASan's quarantine: +20 MB) */
	while (have < cap) {
		size_t want = cap - have < WINDOW ? cap - have : WINDOW;
		buf = xgrow(buf, &buf_cap, have + want, 1);
		ssize_t n = pread(fd, buf + have, want, (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t end = log ? log_preamble_end(buf, have, needle, needle_size)
				 : preamble_end(buf, have);
		if (end > 0) {
			free(buf);
			return end;
		}
	}
	free(buf);
	return 0;
}

static void free_part(struct part *p)
{
	for (size_t i = 0; i < p->n_evs; i++)
		free(p->evs[i].text);
	log_free(&p->recs);
	free(p->evs);
	free(p->snaps);
	frames_free(p->ft);
	strpool_free(p->pool);
	memset(p, 0, sizeof(*p));
	p->recs.zero = -1; /* freed twice: once replayed, and by split_free */
}

void split_free(struct split_store *ss)
{
	if (ss == NULL)
		return;
	split_wait(ss);
	pthread_mutex_destroy(&ss->lock);
	free(ss->threads);
	free(ss->started);
	for (size_t i = 0; i < ss->n; i++)
		free_part(&ss->parts[i]);
	free(ss->parts);
	free(ss);
}

size_t split_parts(const struct split_store *ss)
{
	return ss != NULL ? ss->n : 0;
}

/* A log whose first window after the preamble holds what no part may
 * hold (log_breaks_part: the client messages of a per-test run, a -s
 * list, a summary) is read whole at once, without starting the parts:
 * the first part would stop at that window and every part's work be
 * thrown away. */
static int log_starts_unsplittable(int fd, uint64_t from, uint64_t size, char *buf)
{
	for (;;) {
		size_t want = size - from < WINDOW ? (size_t)(size - from) : WINDOW;
		ssize_t n = pread(fd, buf, want, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 && log_breaks_part(buf, (size_t)n, 0);
	}
}

/* How much of the body (what follows the preamble) the first of n_parts
 * parts reads; the others share the rest equally.
 *
 * The first part goes to the sink as it is read (parsed and
 * analysed); the others are only parsed, held, and analysed in the
 * replay once all are read.  FIRST_SHARE weighs the two: a smaller
 * first part is done sooner, but leaves the others more to hold
 * until the replay; a larger one holds less and makes the replay
 * wait.  -j 2 on deep-300mb (the threads' CPU time to the end of
 * the replay, medians; peak RSS): 110% 0.63 s, 68.2 MB; 100% 0.55-
 * 0.57 s, 71.4 MB; 95% 0.54-0.55 s, 73.5 MB; 85% 0.53 s, 74.1 MB
 * (both parts then take as long).  An equal share is the least RSS
 * that keeps -j 2 within 0.6 of a bare SAX2 parse there. */
uint64_t split_first_part(uint64_t body, unsigned n_parts, uint64_t part_max)
{
	uint64_t first = body / n_parts * FIRST_SHARE / 100;
	if (first > body)
		first = body;
	/* A part after the first holds what it read until its replay (about
	 * 3% of its bytes for deep stacks, more when frames are distinct), so
	 * each reads at most part_max (PART_MAX) and the first the rest: what is
	 * held is bounded by the parts, not by the input.  The 600 MB doubled
	 * deep bench input peaked 15% above the 300 MB one with equal parts;
	 * inputs up to 2 x PART_MAX at -j 2 are cut as before. */
	if ((body - first) / (n_parts - 1) > part_max)
		first = body - part_max * (n_parts - 1);
	return first;
}

struct split_store *split_start(int fd, uint64_t size, unsigned n_parts, int log,
				const struct vgt_input *proto)
{
	if (n_parts < 2 || size == 0)
		return NULL;
	char needle[40] = "</error>";
	uint64_t pre = read_preamble(fd, size, log, needle, sizeof(needle));
	if (pre == 0)
		return NULL;
	char *buf = xmalloc(WINDOW);
	if (log && log_starts_unsplittable(fd, pre, size, buf)) {
		free(buf);
		return NULL;
	}
	uint64_t *starts = xcalloc(n_parts + 1, sizeof(*starts));
	size_t n = 1; /* starts[0] = 0 */
	uint64_t first = split_first_part(size - pre, n_parts, PART_MAX);
	for (unsigned k = 1; k < n_parts; k++) {
		uint64_t target = pre + first + (size - pre - first) / (n_parts - 1) * (k - 1);
		if (target <= starts[n - 1])
			target = starts[n - 1];
		uint64_t s = next_boundary(fd, buf, target, size, needle, strlen(needle), log);
		if (s == 0 || s >= size)
			break;
		if (s > starts[n - 1])
			starts[n++] = s;
	}
	free(buf);
	if (n < 2) {
		free(starts);
		return NULL;
	}
	starts[n] = size;
	struct split_store *ss = xcalloc(1, sizeof(*ss));
	ss->n = n;
	ss->text = log;
	pthread_mutex_init(&ss->lock, NULL);
	ss->parts = xcalloc(n, sizeof(*ss->parts));
	for (size_t k = 0; k < n; k++) {
		struct part *p = &ss->parts[k];
		p->fd = fd;
		p->prefix_len = pre;
		p->start = k > 0 ? starts[k] : pre;
		p->end = starts[k + 1];
		p->first = k == 0;
		p->last = k == n - 1;
		p->text = log;
		p->ss = ss;
		p->recs.zero = k > 0 ? open("/dev/zero", O_RDONLY | O_CLOEXEC) : -1;
		memcpy(&p->input, proto, sizeof(*proto));
	}
	free(starts);
	ss->threads = xcalloc(n, sizeof(*ss->threads));
	ss->started = xcalloc(n, sizeof(*ss->started));
	for (size_t k = 1; k < n; k++)
		ss->started[k] = pthread_create(&ss->threads[k], NULL, part_thread,
						&ss->parts[k]) == 0;
	return ss;
}

int split_read_first(struct split_store *ss, struct frame_table *ft, struct vgt_input *input,
		     const struct vgt_sink *sink, split_progress_fn *progress, void *ctx)
{
	ss->progress = progress;
	ss->progress_ctx = ctx;
	struct part *p = &ss->parts[0];
	p->live = sink;
	p->live_ft = ft;
	p->live_input = input;
	part_thread(p);
	return p->ok;
}

int split_wait(struct split_store *ss)
{
	int ok = 1;
	for (size_t k = 1; k < ss->n; k++) {
		if (!ss->joined && ss->started[k])
			pthread_join(ss->threads[k], NULL);
		else if (!ss->joined)
			part_thread(&ss->parts[k]);
		ok = ok && ss->parts[k].ok;
	}
	ss->joined = 1;
	return ok;
}

/* ---- replay ---- */

#define TAKE(f) do { if (snap->f != base->f) dst->f = snap->f; } while (0)
#define TAKE_STR(f) do { if (snap->f != base->f) dst->f = strpool_intern(pool, snap->f); } while (0)

/* What a part changed in its input since its preamble, onto the main input. */
static void apply_input(struct vgt_input *dst, const struct vgt_input *snap,
			const struct vgt_input *base, struct strpool *pool)
{
	TAKE_STR(tool);
	TAKE_STR(command);
	TAKE_STR(fatal_signal);
	TAKE_STR(aborted);
	TAKE(protocol_version);
	TAKE(pid);
	TAKE(ppid);
	TAKE(finished);
	TAKE(exit_leak_search);
	TAKE(occurrences_unknown);
	TAKE(errorcounts_seen);
	TAKE(leak_check);
	TAKE(has_leak_options);
	TAKE(show_leak_kinds);
	TAKE(errors_for_leak_kinds);
	if (memcmp(&snap->vg, &base->vg, sizeof(snap->vg)) != 0)
		dst->vg = snap->vg;
	/* valgrind's own counts per suppression entry (<suppcounts>, -v's
	 * used_suppression lines): at the end of the input, in one part */
	if (snap->suppcounts_seen != base->suppcounts_seen ||
	    snap->suppcounts_over != base->suppcounts_over ||
	    snap->n_suppcounts != base->n_suppcounts ||
	    memcmp(snap->suppcounts, base->suppcounts,
		   snap->n_suppcounts * sizeof(*snap->suppcounts)) != 0) {
		dst->suppcounts_seen = snap->suppcounts_seen;
		dst->suppcounts_over = snap->suppcounts_over;
		dst->n_suppcounts = snap->n_suppcounts;
		for (size_t i = 0; i < snap->n_suppcounts; i++) {
			dst->suppcounts[i].name = strpool_intern(pool, snap->suppcounts[i].name);
			dst->suppcounts[i].count = snap->suppcounts[i].count;
		}
	}
}

static void map_stack(struct vgt_stack *st, uint32_t *map, const struct frame_table *from,
		      struct frame_table *to)
{
	for (uint32_t i = 0; i < st->count; i++) {
		uint32_t id = st->ids[i];
		if (map[id] == UINT32_MAX)
			map[id] = frames_intern_from(to, from, id);
		st->ids[i] = map[id];
	}
}

/* unique_base: a log's records are numbered 1, 2, … by the reader of
 * each part; the parts before this one gave unique_base of them. */
static int replay_part(struct part *p, struct frame_table *ft, struct strpool *pool,
		       struct vgt_input *input, const struct vgt_sink *sink, uint64_t unique_base,
		       struct vgt_error *err)
{
	size_t nf = frames_count(p->ft);
	uint32_t *map = xmalloc((nf > 0 ? nf : 1) * sizeof(*map));
	memset(map, 0xff, (nf > 0 ? nf : 1) * sizeof(*map));
	/* the sink may collect ft (frames_gc): the ids map gave may be gone */
	unsigned runs = frames_gc_runs(ft);
	struct vgt_record scratch;
	memset(&scratch, 0, sizeof(scratch));
	int rc = 0;
	for (size_t i = 0; i < p->n_evs && rc == 0; i++) {
		struct ev *e = &p->evs[i];
		switch (e->type) {
		case EV_INPUT:
			apply_input(input, &p->snaps[e->index], &p->base, pool);
			break;
		case EV_RECORD:
			for (uint64_t k = 0; k < e->count && rc == 0; k++) {
				struct vgt_record *rec = &scratch;
				load_record(&p->recs, rec);
				map_stack(&rec->stack, map, p->ft, ft);
				map_stack(&rec->aux_stack, map, p->ft, ft);
				map_stack(&rec->aux_stack2, map, p->ft, ft);
				/* the text reader names known kinds by kind_info()'s
				 * own strings, which sites compare by address */
				if (rec->kind_name != kind_info(rec->kind)->name)
					rec->kind_name = strpool_intern(pool, rec->kind_name);
				rec->threadname = strpool_intern(pool, rec->threadname);
				rec->suppression = strpool_intern(pool, rec->suppression);
				if (rec->unique != 0)
					rec->unique += unique_base;
				rc = sink->record(sink->ctx, input, rec, err);
				if (frames_gc_runs(ft) != runs) {
					memset(map, 0xff, (nf > 0 ? nf : 1) * sizeof(*map));
					runs = frames_gc_runs(ft);
				}
			}
			break;
		case EV_CLIENTMSG:
			if (sink->clientmsg != NULL)
				rc = sink->clientmsg(sink->ctx, input, e->text, err);
			break;
		case EV_ERRORCOUNT:
			if (sink->errorcount != NULL)
				rc = sink->errorcount(sink->ctx, input, e->unique, e->count, err);
			break;
		}
	}
	free(map);
	record_release(&scratch);
	input->errorcounts_total += p->input.errorcounts_total - p->base.errorcounts_total;
	input->suppressed_total += p->input.suppressed_total - p->base.suppressed_total;
	if (p->last) {
		input->complete = p->input.complete;
		input->stop_line = p->input.stop_line;
		input->stop_column = p->input.stop_column;
	}
	return rc;
}

int split_replay(struct split_store *ss, struct frame_table *ft, struct strpool *pool,
		 struct vgt_input *input, const struct vgt_sink *sink, struct vgt_error *err)
{
	int rc = 0;
	/* the first part went to the sink as it was read */
	uint64_t unique_base = ss->parts[0].max_unique;
	for (size_t k = 1; k < ss->n && rc == 0; k++) {
		uint64_t given = ss->parts[k].max_unique;
		rc = replay_part(&ss->parts[k], ft, pool, input, sink, ss->text ? unique_base : 0, err);
		unique_base += given;
		free_part(&ss->parts[k]); /* what it held is the report's now */
	}
	return rc;
}
