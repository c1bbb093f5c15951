/*
 * xml_reader.c — valgrind's XML (protocols 4, 5 and 6) into records.
 *
 * Built on libxml2's SAX2 push parser rather than xmlTextReader: the push
 * parser takes the input in whatever chunks arrive (a pipe from a live
 * valgrind, a file read in large blocks) and calls back per element with
 * no node objects built, which makes it the cheapest streaming interface
 * libxml2 has (xmlTextReader builds a node per element and walks it
 * again); `make bench` holds this reader within 1.2x of a SAX2 push parse
 * whose callbacks do nothing at all.
 *
 * Two front ends, one set of handlers (reader_start, reader_end,
 * reader_text): the fast path of xml_fast.c tokenizes the fixed shape
 * valgrind writes and calls them directly; libxml2 is the reference and
 * takes over, for the rest of the input, where that shape ends (xml_fast.h
 * says how its state is rebuilt so that its positions are the file's).
 *
 * Hot path: element names map to an enum through a cache keyed by
 * libxml2's dictionary pointers (no strcmp chain); frame fields are
 * interned through a small cache of recent strings before the pool; no
 * allocation per element (the record and its stack arrays are reused).
 *
 * Results: records reach the sink when </error> closes, never half.
 * finish() returns -1 only when no <valgrindoutput> root was read (empty,
 * garbage, other XML); a document cut after that is a killed run: 0, with
 * input->complete = 0 and err saying how many records came and where.
 *
 * Safety: no DTD is loaded, no entity is substituted, the network is never
 * touched, and a DOCTYPE (which valgrind never writes) is refused at once,
 * so entity-expansion bombs and external entities cannot start.  Nesting
 * and text lengths are capped.  Memory is the reused record, its stacks and
 * one text buffer: it does not grow with the input.
 */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/leaktext.h"
#include "read/rawbytes.h"
#include "read/xml_fast.h"
#include "read/vgargs.h"
#include "vgtriage/frames.h"
#include "read/reader.h"
#include "vgtriage/report.h"

#define MAX_DEPTH 64
#define MAX_TEXT (64 * 1024)
#define MAX_FRAMES VGT_READER_MAX_FRAMES
#define MAX_COMMAND 8192
#define NAME_SLOTS 256 /* power of two, > 2x the names below */
#define PTR_SLOTS 256  /* power of two */
#define SHORT_SLOTS 64 /* power of two */

enum el {
	EL_OTHER = 0,
	EL_VALGRINDOUTPUT, EL_PROTOCOLVERSION, EL_PROTOCOLTOOL, EL_PREAMBLE, EL_PID, EL_PPID,
	EL_TOOL, EL_ARGS, EL_VARGV, EL_ARGV, EL_EXE, EL_ARG, EL_STATUS, EL_STATE, EL_ERROR,
	EL_UNIQUE, EL_TID, EL_THREADNAME, EL_KIND, EL_WHAT, EL_XWHAT, EL_TEXT, EL_LEAKEDBYTES,
	EL_LEAKEDBLOCKS, EL_STACK, EL_FRAME, EL_IP, EL_OBJ, EL_FN, EL_DIR, EL_FILE, EL_LINE,
	EL_AUXWHAT, EL_XAUXWHAT, EL_SUPPRESSION, EL_SNAME, EL_ERRORCOUNTS, EL_SUPPCOUNTS,
	EL_PAIR, EL_COUNT, EL_NAME, EL_FATAL_SIGNAL, EL_SIGNAME, EL_ERROR_SUMMARY, EL_ERRORS,
	EL_ERROR_CONTEXTS, EL_SUPPRESSED, EL_SUPPRESSED_CONTEXTS, EL_LEAK_SUMMARY,
	EL_DEFINITELY_LOST, EL_INDIRECTLY_LOST, EL_POSSIBLY_LOST, EL_STILL_REACHABLE,
	EL_BYTES, EL_IN_BLOCKS, EL_BLOCKS, EL_CLIENTMSG,
};

static const struct {
	const char *name;
	enum el el;
} element_names[] = {
	{"valgrindoutput", EL_VALGRINDOUTPUT}, {"protocolversion", EL_PROTOCOLVERSION},
	{"protocoltool", EL_PROTOCOLTOOL}, {"preamble", EL_PREAMBLE}, {"pid", EL_PID},
	{"ppid", EL_PPID}, {"tool", EL_TOOL}, {"args", EL_ARGS}, {"vargv", EL_VARGV},
	{"argv", EL_ARGV}, {"exe", EL_EXE}, {"arg", EL_ARG}, {"status", EL_STATUS},
	{"state", EL_STATE}, {"error", EL_ERROR}, {"unique", EL_UNIQUE}, {"tid", EL_TID},
	{"threadname", EL_THREADNAME}, {"kind", EL_KIND}, {"what", EL_WHAT},
	{"xwhat", EL_XWHAT}, {"text", EL_TEXT}, {"leakedbytes", EL_LEAKEDBYTES},
	{"leakedblocks", EL_LEAKEDBLOCKS}, {"stack", EL_STACK}, {"frame", EL_FRAME},
	{"ip", EL_IP}, {"obj", EL_OBJ}, {"fn", EL_FN}, {"dir", EL_DIR}, {"file", EL_FILE},
	{"line", EL_LINE}, {"auxwhat", EL_AUXWHAT}, {"xauxwhat", EL_XAUXWHAT},
	{"suppression", EL_SUPPRESSION}, {"sname", EL_SNAME}, {"errorcounts", EL_ERRORCOUNTS},
	{"suppcounts", EL_SUPPCOUNTS}, {"pair", EL_PAIR}, {"count", EL_COUNT},
	{"name", EL_NAME}, {"fatal_signal", EL_FATAL_SIGNAL}, {"signame", EL_SIGNAME},
	{"error_summary", EL_ERROR_SUMMARY}, {"errors", EL_ERRORS},
	{"error_contexts", EL_ERROR_CONTEXTS}, {"suppressed", EL_SUPPRESSED},
	{"suppressed_contexts", EL_SUPPRESSED_CONTEXTS}, {"leak_summary", EL_LEAK_SUMMARY},
	{"definitely_lost", EL_DEFINITELY_LOST}, {"indirectly_lost", EL_INDIRECTLY_LOST},
	{"possibly_lost", EL_POSSIBLY_LOST}, {"still_reachable", EL_STILL_REACHABLE},
	{"bytes", EL_BYTES}, {"in_blocks", EL_IN_BLOCKS}, {"blocks", EL_BLOCKS},
	{"clientmsg", EL_CLIENTMSG},
};

/* The fields of the <frame> being read, as texts until </frame>. */
struct frame_text {
	char *s;
	size_t len;
	int present;
};

enum { FT_OBJ, FT_FN, FT_DIR, FT_FILE, FT_COUNT };

struct xml_reader {
	struct rawbytes raw;  /* not-UTF-8 bytes kept (rawbytes.h) */
	char *raw_buf;        /* a chunk that held some, as libxml2 gets it */
	size_t raw_cap;
	struct strpool *pool;
	struct frame_table *frames;
	struct vgt_input *input;
	struct vgt_sink sink;
	xmlParserCtxtPtr ctxt;
	/* the fast front end (xml_fast.h), NULL once libxml2 reads */
	struct xml_fast *fast;
	int fell_back;         /* libxml2 took over from the fast path */
	unsigned mute_events;  /* the synthetic prefix's callbacks still to come */
	size_t mute_chars;     /* and then its blanks */
	enum el stack[MAX_DEPTH];
	int depth;
	int skip_depth;        /* > 0: inside an element we do not read */
	int root_seen, root_closed;
	int failed;            /* the parse stopped with err_message */
	char err_message[400];
	long err_line, err_column;
	size_t bytes_fed;
	/* element text: text points into text_buf, or into the frame field
	 * being read (frame texts are captured where they are kept) */
	char *text_buf;
	char *text;
	size_t text_len;
	int capturing;
	int text_owner;        /* depth of the element the text belongs to */
	/* the record being built */
	struct vgt_record rec;
	int in_error;
	int has_unique;        /* the error had its <unique> */
	int stacks_in_error;
	int aux_pending;       /* an auxwhat came: the next stack is its */
	struct vgt_text last_auxwhat; /* the auxwhat the next stack belongs to */
	int has_last_auxwhat;
	struct vgt_stack *current_stack; /* NULL: frames are dropped */
	int in_frame;          /* a <frame> of current_stack is being read */
	struct frame_text ftext[FT_COUNT];
	uint64_t frame_ip;
	unsigned frame_line;
	size_t records;
	/* <args> */
	char *command;
	size_t command_len;
	/* <pair> of errorcounts / suppcounts */
	uint64_t pair_count, pair_unique;
	const char *pair_name;   /* <suppcounts>: the entry's name */
	/* protocol 6 summaries: which amount <bytes>/<in_blocks> go to */
	struct vgt_amount *amount;
	unsigned amount_parsed;    /* of *amount: 1 bytes, 2 blocks read as numbers */
	int error_summary_bad;     /* a field of <error_summary> held no number */
	unsigned error_summary_parsed; /* 1 <errors>, 2 <error_contexts> read */
	int counts_bad;            /* an <errorcounts> <count> held no number */
	unsigned char names[NAME_SLOTS]; /* element_names index + 1, 0 = empty */
	const xmlChar *ptr_names[PTR_SLOTS]; /* lookup_element's cache */
	unsigned char ptr_els[PTR_SLOTS];
	uint64_t short_keys[SHORT_SLOTS]; /* lookup_short's cache */
	unsigned char short_els[SHORT_SLOTS];
};

/* Element names go through a small open-addressing hash built once per
 * reader: one strlen, one hash, usually one memcmp per element, instead of
 * a strcmp chain over every name valgrind writes. */
static unsigned name_hash(const char *name, size_t len)
{
	return ((unsigned)len * 31u + (unsigned char)name[0] * 7u +
		(unsigned char)name[len - 1] * 3u + (unsigned char)name[len / 2]) & (NAME_SLOTS - 1);
}

static void build_name_table(struct xml_reader *r)
{
	for (size_t i = 0; i < sizeof(element_names) / sizeof(element_names[0]); i++) {
		const char *name = element_names[i].name;
		unsigned h = name_hash(name, strlen(name));
		while (r->names[h] != 0)
			h = (h + 1) & (NAME_SLOTS - 1);
		r->names[h] = (unsigned char)(i + 1);
	}
}

static enum el lookup_name(const struct xml_reader *r, const char *name, size_t len)
{
	if (len == 0)
		return EL_OTHER;
	for (unsigned h = name_hash(name, len);; h = (h + 1) & (NAME_SLOTS - 1)) {
		unsigned slot = r->names[h];
		if (slot == 0)
			return EL_OTHER;
		const char *cand = element_names[slot - 1].name;
		if (cand[0] == name[0] && strncmp(cand, name, len) == 0 && cand[len] == '\0')
			return element_names[slot - 1].el;
	}
}

/* libxml2 hands element names out of its dictionary: the same name is the
 * same pointer for the whole parse.  A pointer-keyed cache in front of
 * lookup_name() makes the common case one multiply and one compare.  Only
 * dictionary-owned pointers go in, so a cached pointer can never be reused
 * for another name while the parser lives. */
static enum el lookup_element(struct xml_reader *r, const xmlChar *name)
{
	unsigned h = (unsigned)(((uintptr_t)name * UINT64_C(0x9E3779B97F4A7C15)) >> 56) &
		     (PTR_SLOTS - 1);
	if (r->ptr_names[h] == name)
		return (enum el)r->ptr_els[h];
	enum el el = lookup_name(r, (const char *)name, strlen((const char *)name));
	if (r->ctxt->dict != NULL && xmlDictOwns(r->ctxt->dict, name) == 1) {
		r->ptr_names[h] = name;
		r->ptr_els[h] = (unsigned char)el;
	}
	return el;
}

static enum el parent_of(const struct xml_reader *r)
{
	return r->depth >= 2 ? r->stack[r->depth - 2] : EL_OTHER;
}

static enum el grandparent_of(const struct xml_reader *r)
{
	return r->depth >= 3 ? r->stack[r->depth - 3] : EL_OTHER;
}

static void fail(struct xml_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct xml_reader *r, const char *fmt, ...)
{
	if (r->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err_message, sizeof(r->err_message), fmt, ap);
	va_end(ap);
	r->failed = 1;
	if (r->fast != NULL) {
		xml_fast_position(r->fast, &r->err_line, &r->err_column);
		return;
	}
	r->err_line = xmlSAX2GetLineNumber(r->ctxt);
	r->err_column = xmlSAX2GetColumnNumber(r->ctxt);
	xmlStopParser(r->ctxt);
}

/* Hex digit values plus one; 0 for anything else. */
static const unsigned char hex_digit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* "0x4C2AB80" (valgrind's ip and unique); the placeholder "0x........"
 * and other non-hex text give what was read so far.  s is NUL-terminated. */
static uint64_t parse_hex(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	uint64_t v = 0;
	for (int digits = 0; digits < 16; digits++, s++) {
		unsigned d = hex_digit[(unsigned char)*s];
		if (d == 0)
			break;
		v = v << 4 | (d - 1);
	}
	return v;
}

/* A count: "1,008" is 1008; valgrind's test placeholders ("...") and other
 * non-numbers count as 0 and are tallied so the report can say so. */
static uint64_t parse_number(struct xml_reader *r)
{
	int64_t v;
	if (vgt_parse_count(r->text, r->text_len, &v) != 0 || v < 0) {
		r->input->bad_numbers++;
		return 0;
	}
	return (uint64_t)v;
}

static void append_command(struct xml_reader *r, const char *s, size_t len)
{
	if (r->command_len + len + 2 > MAX_COMMAND)
		return;
	if (r->command_len > 0)
		r->command[r->command_len++] = ' ';
	memcpy(r->command + r->command_len, s, len);
	r->command_len += len;
	r->command[r->command_len] = '\0';
}

static void start_error(struct xml_reader *r)
{
	record_clear(&r->rec);
	r->in_error = 1;
	r->has_unique = 0;
	r->stacks_in_error = 0;
	r->aux_pending = 0;
	r->has_last_auxwhat = 0;
	r->current_stack = NULL;
	r->rec.pid = r->input->pid;
}

static void end_error(struct xml_reader *r)
{
	struct vgt_record *rec = &r->rec;
	r->in_error = 0;
	if (rec->kind_name == NULL)
		rec->kind_name = strpool_intern(r->pool, "Unknown");
	if (r->has_last_auxwhat && rec->auxwhat == NULL)
		record_set_auxwhat(rec, r->last_auxwhat.s, strlen(r->last_auxwhat.s));
	rec->kind = kind_from_name(rec->kind_name);
	if (kind_is_leak(rec->kind) && rec->direct_bytes == 0 && rec->indirect_bytes == 0)
		rec->direct_bytes = rec->bytes;
	/* valgrind gives each loss record of a search, shown or not, the next
	 * unique: unique - I is one search's (model.h) */
	if (kind_is_leak(rec->kind) && rec->loss_record > 0 && r->has_unique)
		rec->leak_search = rec->unique + 2 - rec->loss_record;
	struct vgt_error err;
	vgt_error_clear(&err);
	r->records++;
	if (r->sink.record != NULL && r->sink.record(r->sink.ctx, r->input, rec, &err) != 0)
		fail(r, "%s", err.message);
}

static void start_stack(struct xml_reader *r)
{
	r->current_stack = NULL;
	if (!r->in_error)
		return;
	if (r->stacks_in_error == 0)
		r->current_stack = &r->rec.stack;
	else if (r->aux_pending && r->rec.aux_stack.count == 0) {
		/* The aux stack and the auxwhat that introduces it go together,
		 * even when an earlier auxwhat had no stack of its own. */
		r->current_stack = &r->rec.aux_stack;
		if (r->has_last_auxwhat)
			record_set_auxwhat(&r->rec, r->last_auxwhat.s, strlen(r->last_auxwhat.s));
	} else if (r->aux_pending && r->rec.aux_stack2.count == 0 && r->has_last_auxwhat) {
		/* a second aux stack: where a freed block was allocated */
		r->current_stack = &r->rec.aux_stack2;
		record_set_auxwhat2(&r->rec, r->last_auxwhat.s, strlen(r->last_auxwhat.s));
	}
	r->stacks_in_error++;
	r->aux_pending = 0;
}

static void start_frame(struct xml_reader *r)
{
	r->in_frame = r->current_stack != NULL && r->current_stack->count < MAX_FRAMES;
	for (int i = 0; i < FT_COUNT; i++)
		r->ftext[i].present = 0;
	r->frame_ip = 0;
	r->frame_line = 0;
}

static struct vgt_amount *summary_amount(struct xml_reader *r, enum el el)
{
	struct vgt_valgrind_summary *vg = &r->input->vg;
	switch (el) {
	case EL_DEFINITELY_LOST: return &vg->definitely_lost;
	case EL_INDIRECTLY_LOST: return &vg->indirectly_lost;
	case EL_POSSIBLY_LOST: return &vg->possibly_lost;
	case EL_STILL_REACHABLE: return &vg->still_reachable;
	case EL_SUPPRESSED: return &vg->suppressed;
	default: return NULL;
	}
}

/* Elements whose text we keep. */
static int wants_text(enum el el)
{
	switch (el) {
	case EL_PROTOCOLVERSION: case EL_PID: case EL_PPID: case EL_TOOL: case EL_EXE:
	case EL_ARG: case EL_STATE: case EL_UNIQUE: case EL_TID: case EL_THREADNAME:
	case EL_KIND: case EL_WHAT: case EL_TEXT: case EL_LEAKEDBYTES: case EL_LEAKEDBLOCKS:
	case EL_IP: case EL_OBJ: case EL_FN: case EL_DIR: case EL_FILE: case EL_LINE:
	case EL_AUXWHAT: case EL_SNAME: case EL_COUNT: case EL_NAME: case EL_SIGNAME: case EL_ERRORS:
	case EL_ERROR_CONTEXTS: case EL_SUPPRESSED: case EL_SUPPRESSED_CONTEXTS:
	case EL_BYTES: case EL_IN_BLOCKS: case EL_BLOCKS:
		return 1;
	default:
		return 0;
	}
}

/* A frame's texts are captured into buffers of their own and interned
 * only when the frame table meets a frame it has not seen (frames_intern):
 * the common case, a frame seen before, costs a hash and a compare, no
 * copy and no string lookup. */
static int frame_field_of(enum el el)
{
	switch (el) {
	case EL_OBJ: return FT_OBJ;
	case EL_FN: return FT_FN;
	case EL_DIR: return FT_DIR;
	case EL_FILE: return FT_FILE;
	default: return -1;
	}
}

/* A child of a <frame> being read starts; 0 when it is not a field. */
static int start_frame_field(struct xml_reader *r, enum el el)
{
	int field = frame_field_of(el);
	if (field >= 0)
		r->text = r->ftext[field].s;
	else if (el != EL_IP && el != EL_LINE)
		return 0;
	r->text_len = 0;
	r->text_owner = r->depth;
	r->capturing = 1;
	return 1;
}

/* An element starts: what both front ends call (name[0..name_len) is
 * used in a message only). */
static void reader_start(struct xml_reader *r, enum el el, const char *name, size_t name_len)
{
	if (r->depth >= MAX_DEPTH) {
		fail(r, "not valgrind XML: elements nested deeper than %d levels", MAX_DEPTH);
		return;
	}
	r->stack[r->depth++] = el;
	if (r->in_frame && r->skip_depth == 0 && r->stack[r->depth - 2] == EL_FRAME &&
	    start_frame_field(r, el))
		return; /* the hot path: most elements are frame fields */
	if (r->depth == 1) {
		if (el != EL_VALGRINDOUTPUT)
			fail(r, "not valgrind XML: root element is <%.*s>, expected <valgrindoutput>",
			     (int)(name_len > 100 ? 100 : name_len), name);
		else
			r->root_seen = 1;
		return;
	}
	if (r->skip_depth > 0)
		return;
	if (el == EL_OTHER) {
		r->skip_depth = r->depth; /* an element we do not know: skip its subtree */
		return;
	}
	r->text_len = 0;
	r->text_owner = r->depth;
	r->capturing = wants_text(el);
	switch (el) {
	case EL_ERROR:
		if (parent_of(r) == EL_VALGRINDOUTPUT)
			start_error(r);
		break;
	case EL_STACK:
		/* A <stack> outside any error: memcheck's leak search found
		 * overlapping blocks and wrote their allocation stacks, then
		 * valgrind panicked (mc_leakcheck.c); the run is not whole. */
		if (parent_of(r) == EL_VALGRINDOUTPUT && r->input->aborted == NULL)
			r->input->aborted = strpool_intern(r->pool, "a <stack> outside any <error>: "
							   "valgrind failed inside its leak search");
		start_stack(r);
		break;
	case EL_FRAME:
		start_frame(r);
		break;
	case EL_ARGV:
		r->command_len = 0;
		r->command[0] = '\0';
		break;
	case EL_PAIR:
		r->pair_count = r->pair_unique = 0;
		r->pair_name = NULL;
		break;
	case EL_SUPPCOUNTS:
		r->input->suppcounts_seen = 1;
		break;
	case EL_DEFINITELY_LOST: case EL_INDIRECTLY_LOST: case EL_POSSIBLY_LOST:
	case EL_STILL_REACHABLE:
		if (parent_of(r) == EL_LEAK_SUMMARY) {
			r->amount = summary_amount(r, el);
			r->amount_parsed = 0;
		}
		break;
	case EL_SUPPRESSED:
		if (parent_of(r) == EL_LEAK_SUMMARY) {
			r->amount = summary_amount(r, el);
			r->amount_parsed = 0;
			r->capturing = 0;
		}
		break;
	case EL_LEAK_SUMMARY:
		/* each figure is known once its bytes and blocks are read */
		r->input->vg.has_leak_summary = 1;
		r->input->vg.known = 0;
		break;
	case EL_ERROR_SUMMARY:
		r->input->vg.has_error_summary = 1;
		r->error_summary_bad = 0;
		r->error_summary_parsed = 0;
		break;
	default:
		break;
	}
}

static const char *intern_text(struct xml_reader *r)
{
	return strpool_intern_n(r->pool, r->text, r->text_len);
}

static void end_frame_field(struct xml_reader *r, enum el el)
{
	int field = frame_field_of(el);
	if (field >= 0) {
		r->ftext[field].len = r->text_len;
		r->ftext[field].present = 1;
		r->text = r->text_buf;
	} else if (el == EL_IP) {
		r->frame_ip = parse_hex(r->text);
	} else if (el == EL_LINE) {
		r->frame_line = (unsigned)parse_number(r);
	}
}

static const char *frame_text_of(const struct xml_reader *r, int field, size_t *len)
{
	const struct frame_text *t = &r->ftext[field];
	*len = t->present ? t->len : 0;
	return t->present ? t->s : NULL;
}

static void end_frame(struct xml_reader *r)
{
	int in_frame = r->in_frame;
	r->in_frame = 0;
	/* a <stack> inside the <frame> ended the stack it was in */
	if (!in_frame || r->current_stack == NULL)
		return;
	struct frame_key key;
	key.ip = r->frame_ip;
	key.line = r->frame_line;
	key.obj = frame_text_of(r, FT_OBJ, &key.obj_len);
	key.fn = frame_text_of(r, FT_FN, &key.fn_len);
	key.dir = frame_text_of(r, FT_DIR, &key.dir_len);
	key.file = frame_text_of(r, FT_FILE, &key.file_len);
	key.pid = r->input->pid;
	stack_push(r->current_stack, frames_intern(r->frames, &key));
}

/* The first auxwhat is the record's, unless a later one introduces the
 * aux stack (start_stack). */
static void note_auxwhat(struct xml_reader *r)
{
	r->last_auxwhat.s = xgrow(r->last_auxwhat.s, &r->last_auxwhat.cap, r->text_len + 1, 1);
	memcpy(r->last_auxwhat.s, r->text, r->text_len + 1);
	r->has_last_auxwhat = 1;
	if (r->rec.auxwhat == NULL)
		record_set_auxwhat(&r->rec, r->text, r->text_len);
	r->aux_pending = 1;
}

static void end_error_field(struct xml_reader *r, enum el el, enum el parent)
{
	struct vgt_record *rec = &r->rec;
	switch (el) {
	case EL_UNIQUE:
		rec->unique = parse_hex(r->text);
		r->has_unique = 1;
		break;
	case EL_TID: rec->tid = (long)parse_number(r); break;
	case EL_THREADNAME: rec->threadname = intern_text(r); break;
	case EL_KIND: rec->kind_name = intern_text(r); break;
	case EL_WHAT: record_set_what(rec, r->text, r->text_len); break;
	case EL_TEXT:
		if (parent == EL_XWHAT) {
			record_set_what(rec, r->text, r->text_len);
			leaktext_parse(rec, rec->what);
		} else if (parent == EL_XAUXWHAT) {
			note_auxwhat(r);
		}
		break;
	case EL_LEAKEDBYTES: rec->bytes = parse_number(r); break;
	case EL_LEAKEDBLOCKS: rec->blocks = parse_number(r); break;
	case EL_AUXWHAT:
		note_auxwhat(r);
		break;
	case EL_SNAME: rec->suppression = intern_text(r); break;
	default: break;
	}
}

static void end_pair(struct xml_reader *r, enum el parent)
{
	if (parent == EL_ERRORCOUNTS) {
		r->input->errorcounts_total += r->pair_count;
		if (r->sink.errorcount != NULL) {
			struct vgt_error err;
			vgt_error_clear(&err);
			if (r->sink.errorcount(r->sink.ctx, r->input, r->pair_unique, r->pair_count, &err) != 0)
				fail(r, "%s", err.message);
		}
	} else if (parent == EL_SUPPCOUNTS) {
		r->input->suppressed_total += r->pair_count;
		if (r->pair_name != NULL)
			report_input_suppcount(r->input, r->pair_name, r->pair_count);
	}
}

/* A summary figure: a placeholder ("...") or garbage is no figure, and
 * the summary it is in does not state it (never 0). */
static int summary_number(struct xml_reader *r, uint64_t *out)
{
	size_t before = r->input->bad_numbers;
	*out = parse_number(r);
	return r->input->bad_numbers == before && r->text_len > 0;
}

static void end_summary_field(struct xml_reader *r, enum el el, enum el parent)
{
	struct vgt_valgrind_summary *vg = &r->input->vg;
	uint64_t v;
	if (parent == EL_ERROR_SUMMARY) {
		uint64_t *dst = NULL;
		switch (el) {
		case EL_ERRORS: dst = &vg->errors; break;
		case EL_ERROR_CONTEXTS: dst = &vg->error_contexts; break;
		case EL_SUPPRESSED: dst = &vg->suppressed_errors; break;
		case EL_SUPPRESSED_CONTEXTS: dst = &vg->suppressed_contexts; break;
		default: break;
		}
		if (dst != NULL) {
			if (!summary_number(r, &v))
				r->error_summary_bad = 1;
			else if (el == EL_ERRORS || el == EL_ERROR_CONTEXTS)
				r->error_summary_parsed |= el == EL_ERRORS ? 1u : 2u;
			*dst = v;
		}
	} else if (r->amount != NULL && grandparent_of(r) == EL_LEAK_SUMMARY) {
		if (el == EL_BYTES) {
			if (summary_number(r, &v))
				r->amount_parsed |= 1;
			r->amount->bytes = v;
		} else if (el == EL_IN_BLOCKS || el == EL_BLOCKS) {
			if (summary_number(r, &v))
				r->amount_parsed |= 2;
			r->amount->blocks = v;
		}
	}
}

/* The VGT_SUMMARY_* bit of a <leak_summary> child. */
static unsigned summary_bit_of(enum el el)
{
	switch (el) {
	case EL_DEFINITELY_LOST: return VGT_SUMMARY_DEFINITE;
	case EL_INDIRECTLY_LOST: return VGT_SUMMARY_INDIRECT;
	case EL_POSSIBLY_LOST: return VGT_SUMMARY_POSSIBLE;
	case EL_STILL_REACHABLE: return VGT_SUMMARY_REACHABLE;
	case EL_SUPPRESSED: return VGT_SUMMARY_SUPPRESSED;
	default: return 0;
	}
}

/* <clientmsg><text>: VALGRIND_PRINTF's message, to the sink. */
static void end_clientmsg(struct xml_reader *r)
{
	if (r->sink.clientmsg == NULL || grandparent_of(r) != EL_VALGRINDOUTPUT)
		return;
	struct vgt_error err;
	vgt_error_clear(&err);
	if (r->sink.clientmsg(r->sink.ctx, r->input, r->text, &err) != 0)
		fail(r, "%s", err.message);
}

static void end_top_field(struct xml_reader *r, enum el el)
{
	struct vgt_input *in = r->input;
	switch (el) {
	case EL_PROTOCOLVERSION: in->protocol_version = (int)parse_number(r); break;
	case EL_PID: in->pid = (long)parse_number(r); break;
	case EL_PPID: in->ppid = (long)parse_number(r); break;
	case EL_TOOL: in->tool = intern_text(r); break;
	default: break;
	}
}

/* The open element ends: what both front ends call. */
static void reader_end(struct xml_reader *r)
{
	if (r->depth == 0)
		return;
	enum el el = r->stack[r->depth - 1];
	enum el parent = parent_of(r);
	if (r->skip_depth > 0) {
		if (r->depth == r->skip_depth)
			r->skip_depth = 0;
		r->depth--;
		return;
	}
	if (r->text_owner != r->depth) {
		/* A known element inside this one took the text buffer: this
		 * element has no text of its own, and the inner one's must not
		 * stand in for it. */
		r->text_len = 0;
		r->text[0] = '\0';
	} else if (r->capturing) {
		if (r->raw.mapped > 0) /* the bytes valgrind wrote, back */
			r->text_len = rawbytes_unmap(r->text, r->text_len);
		/* valgrind ends some <what> texts with a newline */
		while (r->text_len > 0 && (r->text[r->text_len - 1] == '\n' ||
					   r->text[r->text_len - 1] == ' '))
			r->text_len--;
		r->text[r->text_len] = '\0';
	}
	if (parent == EL_FRAME) {
		/* the hot path: most elements are frame fields */
		if (r->in_frame)
			end_frame_field(r, el);
		r->capturing = 0;
		r->depth--;
		return;
	} else if (r->in_error && el != EL_ERROR) {
		if (el == EL_PAIR || el == EL_COUNT)
			; /* not in errors */
		else
			end_error_field(r, el, parent);
	} else if (parent == EL_PAIR) {
		if (el == EL_COUNT && grandparent_of(r) == EL_ERRORCOUNTS &&
		    !summary_number(r, &r->pair_count))
			r->counts_bad = 1;
		else if (el == EL_COUNT)
			r->pair_count = parse_number(r);
		else if (el == EL_UNIQUE)
			r->pair_unique = parse_hex(r->text);
		else if (el == EL_NAME && grandparent_of(r) == EL_SUPPCOUNTS)
			r->pair_name = intern_text(r);
	} else if (parent == EL_VALGRINDOUTPUT) {
		end_top_field(r, el);
	} else if (el == EL_STATE && parent == EL_STATUS) {
		if (r->text_len == 8 && memcmp(r->text, "FINISHED", 8) == 0)
			r->input->finished = r->input->exit_leak_search = 1;
	} else if ((el == EL_EXE || el == EL_ARG) && parent == EL_ARGV) {
		append_command(r, r->text, r->text_len);
	} else if (el == EL_ARG && parent == EL_VARGV) {
		vgargs_apply(r->input, r->text);
	} else if (el == EL_SIGNAME && parent == EL_FATAL_SIGNAL) {
		r->input->fatal_signal = intern_text(r);
	} else if (el == EL_TEXT && parent == EL_CLIENTMSG) {
		end_clientmsg(r);
	} else {
		end_summary_field(r, el, parent);
	}
	switch (el) {
	case EL_ERROR:
		if (r->in_error && parent == EL_VALGRINDOUTPUT)
			end_error(r);
		break;
	case EL_STACK:
		r->current_stack = NULL;
		break;
	case EL_FRAME:
		end_frame(r);
		break;
	case EL_PAIR:
		end_pair(r, parent);
		break;
	case EL_ERRORCOUNTS:
		/* counts that are placeholders give no error count */
		r->input->errorcounts_seen = !r->counts_bad;
		break;
	case EL_ARGV:
		if (r->command_len > 0)
			r->input->command = strpool_intern_n(r->pool, r->command, r->command_len);
		break;
	case EL_DEFINITELY_LOST: case EL_INDIRECTLY_LOST: case EL_POSSIBLY_LOST:
	case EL_STILL_REACHABLE: case EL_SUPPRESSED:
		if (parent == EL_LEAK_SUMMARY) {
			if (r->amount != NULL && r->amount_parsed == 3)
				r->input->vg.known |= summary_bit_of(el);
			r->amount = NULL;
		}
		break;
	case EL_LEAK_SUMMARY:
		if (r->input->vg.known == 0)
			r->input->vg.has_leak_summary = 0; /* no figure in it */
		break;
	case EL_ERROR_SUMMARY:
		if (r->error_summary_bad || r->error_summary_parsed != 3)
			r->input->vg.has_error_summary = 0; /* "..." is no count */
		break;
	case EL_VALGRINDOUTPUT:
		if (r->depth == 1)
			r->root_closed = 1;
		break;
	default:
		break;
	}
	r->capturing = 0;
	r->depth--;
}

/* Text of the open element: what both front ends call. */
static void reader_text(struct xml_reader *r, const char *ch, size_t n)
{
	if (!r->capturing || r->skip_depth > 0)
		return;
	if (r->text_len + n > MAX_TEXT)
		n = MAX_TEXT - r->text_len; /* longer text is cut, not fatal */
	memcpy(r->text + r->text_len, ch, n);
	r->text_len += n;
}

/* libxml2's callbacks: the synthetic prefix of a fallback (xml_fast.h)
 * is muted, the rest goes to the handlers above. */
static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)prefix; (void)uri; (void)nb_namespaces; (void)namespaces;
	(void)nb_attributes; (void)nb_defaulted; (void)attributes;
	if (r->mute_events > 0) {
		r->mute_events--;
		return;
	}
	const char *name = (const char *)localname;
	reader_start(r, lookup_element(r, localname), name, strlen(name));
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)localname; (void)prefix; (void)uri;
	if (r->mute_events > 0) {
		r->mute_events--;
		return;
	}
	reader_end(r);
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	size_t n = (size_t)len;
	if (r->mute_events > 0)
		return;
	if (r->mute_chars > 0) {
		size_t skip = n < r->mute_chars ? n : r->mute_chars;
		r->mute_chars -= skip;
		ch += skip;
		n -= skip;
	}
	if (n > 0)
		reader_text(r, (const char *)ch, n);
}

/* The fast front end's callbacks.  A name of up to eight bytes is its own
 * key (xml_fast_name_word; no NUL in a name): a direct-mapped cache of
 * them in front of lookup_name() makes the common case one load and one
 * compare. */
static enum el lookup_short(struct xml_reader *r, const char *name, size_t len)
{
	if (len == 0 || len > 8)
		return lookup_name(r, name, len);
	uint64_t w = xml_fast_name_word(name, len);
	unsigned h = (unsigned)((w * UINT64_C(0x9E3779B97F4A7C15)) >> 58) & (SHORT_SLOTS - 1);
	if (r->short_keys[h] == w)
		return (enum el)r->short_els[h];
	enum el el = lookup_name(r, name, len);
	r->short_keys[h] = w;
	r->short_els[h] = (unsigned char)el;
	return el;
}

static int fast_start(void *ctx, const char *name, size_t len)
{
	struct xml_reader *r = ctx;
	reader_start(r, lookup_short(r, name, len), name, len);
	return r->failed;
}

static int fast_end(void *ctx)
{
	struct xml_reader *r = ctx;
	reader_end(r);
	return r->failed;
}

static void fast_text(void *ctx, const char *s, size_t len)
{
	reader_text(ctx, s, len);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)name; (void)external_id; (void)system_id;
	fail(r, "not valgrind XML: a DOCTYPE is not accepted (valgrind writes none)");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)name; (void)type; (void)public_id; (void)system_id; (void)content;
	fail(r, "not valgrind XML: entity declarations are not accepted");
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name); /* &lt; &amp; …, nothing else */
}

/* libxml2's own messages come here instead of stderr. */
static void on_structured_error(void *ctx, xmlErrorPtr error)
{
	struct xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	if (error == NULL || error->level < XML_ERR_ERROR || r->failed)
		return;
	char msg[300];
	snprintf(msg, sizeof(msg), "%s", error->message != NULL ? error->message : "parse error");
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (msg[i] == '\n')
			msg[i] = ' ';
	snprintf(r->err_message, sizeof(r->err_message), "malformed XML: %s", msg);
	r->err_line = error->line;
	r->err_column = error->int2;
	r->failed = 1;
}

struct xml_reader *xml_reader_new(struct frame_table *frames, struct vgt_input *input,
				  const struct vgt_sink *sink)
{
	/* Idempotent; main pairs it with xmlCleanupParser() at exit. */
	xmlInitParser();
	struct xml_reader *r = xcalloc(1, sizeof(*r));
	build_name_table(r);
	r->frames = frames;
	r->pool = frames_pool(frames);
	for (int i = 0; i < FT_COUNT; i++)
		r->ftext[i].s = xmalloc(MAX_TEXT + 1);
	r->input = input;
	r->sink = *sink;
	r->text_buf = xmalloc(MAX_TEXT + 1);
	r->text = r->text_buf;
	r->command = xmalloc(MAX_COMMAND);
	r->command[0] = '\0';
	record_clear(&r->rec);
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.internalSubset = on_doctype;
	sax.externalSubset = on_doctype;
	sax.entityDecl = on_entity_decl;
	sax.getEntity = on_get_entity;
	sax.serror = on_structured_error;
	r->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, input->path);
	if (r->ctxt == NULL) {
		fprintf(stderr, "vgtriage: out of memory (libxml2 parser)\n");
		abort();
	}
	/* Callbacks get the context (libxml2's default user data); we hang
	 * off its _private. */
	r->ctxt->_private = r;
	xmlCtxtUseOptions(r->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					   XML_PARSE_NOCDATA);
	const char *parser = getenv("VGTRIAGE_XML_PARSER");
	if (parser == NULL || strcmp(parser, "libxml2") != 0) {
		static const struct xml_fast_ops ops = {fast_start, fast_end, fast_text};
		r->fast = xml_fast_new(&ops, r);
	}
	return r;
}

void xml_reader_force_libxml2(struct xml_reader *r)
{
	if (r->bytes_fed == 0) {
		xml_fast_free(r->fast);
		r->fast = NULL;
	}
}

int xml_reader_parser_used(const struct xml_reader *r)
{
	return r->fast != NULL ? 0 : r->fell_back ? 1 : 2;
}

void xml_reader_free(struct xml_reader *r)
{
	if (r == NULL)
		return;
	xmlFreeParserCtxt(r->ctxt);
	xml_fast_free(r->fast);
	record_release(&r->rec);
	for (int i = 0; i < FT_COUNT; i++)
		free(r->ftext[i].s);
	free(r->last_auxwhat.s);
	free(r->text_buf);
	free(r->raw_buf);
	free(r->command);
	free(r);
}

static int report_failure(struct xml_reader *r, struct vgt_error *err)
{
	r->input->complete = 0;
	r->input->stop_line = r->err_line;
	r->input->stop_column = r->err_column;
	return vgt_error_set(err, NULL, r->err_line, r->err_column, "%s", r->err_message);
}

/* buf[0..len) to libxml2, through the raw-byte filter. */
static int feed_libxml2(struct xml_reader *r, const char *buf, size_t len, struct vgt_error *err)
{
	while (len > 0) {
		int n = len > (1 << 30) ? 1 << 30 : (int)len;
		const char *chunk = buf;
		int chunk_len = n;
		if (!rawbytes_clean(&r->raw, buf, (size_t)n)) {
			/* bytes libxml2 would stop at: written as characters it
			 * takes, turned back in on_end */
			size_t m = rawbytes_filter(&r->raw, buf, (size_t)n, &r->raw_buf,
						   &r->raw_cap, 0);
			if (m > INT_MAX)
				return vgt_error_set(err, NULL, 0, 0, "input chunk too large");
			chunk = m > 0 ? r->raw_buf : "";
			chunk_len = (int)m;
		}
		int rc = xmlParseChunk(r->ctxt, chunk, chunk_len, 0);
		if (r->failed || rc != 0) {
			if (!r->failed) {
				const xmlError *e = xmlCtxtGetLastError(r->ctxt);
				fail(r, "malformed XML: %s", e != NULL && e->message != NULL ? e->message : "parse error");
			}
			return report_failure(r, err);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The fast path stops: libxml2 gets the state it would have reached
 * (xml_fast_resume's prefix, muted) and the real bytes from the stopping
 * point (the cut token kept; buf from res.rest_off is the caller's). */
static int fall_back(struct xml_reader *r, struct xml_fast_resume *res, struct vgt_error *err)
{
	xml_fast_resume(r->fast, res);
	r->mute_events = res->events;
	r->mute_chars = res->mute_chars;
	r->fell_back = 1;
	/* the fast front end is still needed for its prefix's bytes */
	struct xml_fast *fast = r->fast;
	r->fast = NULL;
	int rc = feed_libxml2(r, res->prefix, res->prefix_len, err);
	size_t at = 0;
	for (size_t i = 0; rc == 0 && res->pend_len > 0 && i <= res->n_cuts; i++) {
		size_t end = i < res->n_cuts ? res->cuts[i] : res->pend_len;
		rc = feed_libxml2(r, res->pend + at, end - at, err);
		at = end;
	}
	xml_fast_free(fast);
	res->pend = NULL;
	return rc;
}

int xml_reader_feed(struct xml_reader *r, const char *buf, size_t len, struct vgt_error *err)
{
	if (r->failed)
		return report_failure(r, err);
	if (len == 0)
		return 0;
	r->bytes_fed += len;
	if (r->fast != NULL) {
		struct xml_fast_resume res;
		switch (xml_fast_feed(r->fast, buf, len)) {
		case XML_FAST_OK:
			return 0;
		case XML_FAST_STOPPED:
			return report_failure(r, err);
		case XML_FAST_FALLBACK:
			break;
		}
		if (fall_back(r, &res, err) != 0)
			return -1;
		return feed_libxml2(r, buf + res.rest_off, len - res.rest_off, err);
	}
	return feed_libxml2(r, buf, len, err);
}

static const char *element_label(enum el el)
{
	for (size_t i = 0; i < sizeof(element_names) / sizeof(element_names[0]); i++)
		if (element_names[i].el == el)
			return element_names[i].name;
	return "an unknown element";
}

/* Nothing of valgrind's was read: finish's -1. */
static int nothing_read(struct xml_reader *r, struct vgt_error *err, long line, long column,
			const char *message)
{
	r->input->complete = 0;
	return vgt_error_set(err, NULL, line, column, "%s", message);
}

/* -1 only when no <valgrindoutput> root was recognised; a document cut
 * anywhere after that is a killed run: 0, complete = 0, err says where. */
int xml_reader_finish(struct xml_reader *r, struct vgt_error *err)
{
	if (r->failed)
		return report_failure(r, err);
	if (r->fast != NULL) {
		/* whole, as the fast path read it; anything else (cut, not
		 * valgrind's, valgrind's own failure) is libxml2's to say */
		if (xml_fast_complete(r->fast) && r->input->aborted == NULL)
			return 0;
		struct xml_fast_resume res;
		if (fall_back(r, &res, err) != 0)
			return -1;
	}
	long line = xmlSAX2GetLineNumber(r->ctxt), column = xmlSAX2GetColumnNumber(r->ctxt);
	if (line < 1)
		line = 1;
	if (column < 1)
		column = 1;
	/* libxml2 now reports what the missing end means ("Premature end of
	 * data…"); the root's state below says it better. */
	if (r->raw.n_pending > 0) { /* a sequence cut by the end: raw bytes */
		size_t m = rawbytes_filter(&r->raw, "", 0, &r->raw_buf, &r->raw_cap, 1);
		if (m > 0)
			xmlParseChunk(r->ctxt, r->raw_buf, (int)m, 0);
	}
	xmlParseChunk(r->ctxt, NULL, 0, 1);
	if (r->bytes_fed == 0)
		return nothing_read(r, err, 1, 1, "empty input: expected valgrind XML");
	if (!r->root_seen)
		return nothing_read(r, err, line, column,
				    "not valgrind XML: no <valgrindoutput> element");
	if (r->root_closed && r->input->aborted != NULL) {
		r->input->complete = 0;
		r->input->finished = 0;
		r->input->stop_line = line;
		r->input->stop_column = column;
		vgt_error_set(err, NULL, line, column, "valgrind itself failed, its figures are "
			      "unknown (%s)", r->input->aborted);
		return 0;
	}
	if (r->root_closed)
		return 0;
	/* The root never closed: valgrind was killed mid-write. */
	r->input->complete = 0;
	r->input->stop_line = line;
	r->input->stop_column = column;
	const char *inside = r->in_error ? "inside <error>"
			     : r->depth > 1 ? element_label(r->stack[r->depth - 1]) : "at top level";
	int bracket = !r->in_error && r->depth > 1;
	vgt_error_set(err, NULL, line, column,
		      "input ends early (valgrind killed?) after %zu complete records, %s%s%s",
		      r->records, bracket ? "inside <" : "", inside, bracket ? ">" : "");
	return 0;
}

const char *reader_detect_format(const char *buf, size_t len)
{
	size_t i = 0;
	if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
	    (unsigned char)buf[2] == 0xBF)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '<')
		return "xml";
	if (i < len && buf[i] == '{')
		return "json";
	return lsan_reader_detect(buf, len) ? "lsan" : "text";
}
