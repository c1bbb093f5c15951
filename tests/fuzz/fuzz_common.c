/*
 * fuzz_common.c — helpers of the harnesses (see fuzz.h).
 */
#include "fuzz.h"

#include <fcntl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze/rank.h"
#include "analyze/policy.h"
#include "cmd/pipeline.h"

int fuzz_init_libxml2(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

FILE *fuzz_null_stream(void)
{
	static FILE *null;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (null == NULL)
		abort();
	return null;
}

static int is_count_key(const char *key)
{
	static const char *const keys[] = {"bytes", "blocks", "occurrences", "records",
					   "direct_bytes", "indirect_bytes", "error_count",
					   "error_contexts", "unchanged", NULL};
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

static void check_json_value(json_t *v, const char *key)
{
	if (key != NULL && strcmp(key, "delta") == 0)
		return; /* deltas may be negative */
	if (json_is_integer(v) && key != NULL && is_count_key(key) && json_integer_value(v) < 0) {
		fprintf(stderr, "fuzz: negative count \"%s\": %lld\n", key,
			(long long)json_integer_value(v));
		abort();
	}
	const char *k;
	json_t *child;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, k, child)
			check_json_value(child, k);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			check_json_value(child, key);
	}
}

void fuzz_check_json(const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (root == NULL) {
		fprintf(stderr, "fuzz: the JSON written does not parse: %s (line %d)\n", jerr.text,
			jerr.line);
		abort();
	}
	check_json_value(root, NULL);
	json_decref(root);
}

static void check_count(uint64_t v, const char *what)
{
	if (v > (uint64_t)INT64_MAX) {
		fprintf(stderr, "fuzz: %s is past 2^63 - 1: %llu\n", what, (unsigned long long)v);
		abort();
	}
}

void fuzz_check_counts(const struct vgt_report *report)
{
	for (size_t i = 0; i < report->n_sites; i++) {
		const struct vgt_site *s = report->sites[i];
		check_count(s->bytes, "a site's bytes");
		check_count(s->blocks, "a site's blocks");
		check_count(s->direct_bytes, "a site's direct bytes");
		check_count(s->indirect_bytes, "a site's indirect bytes");
		check_count(s->occurrences, "a site's occurrences");
	}
	const struct vgt_totals *t = &report->totals;
	const struct vgt_amount *a[] = {&t->definitely_lost, &t->indirectly_lost,
					&t->possibly_lost, &t->still_reachable};
	for (size_t i = 0; i < 4; i++) {
		check_count(a[i]->bytes, "a total's bytes");
		check_count(a[i]->blocks, "a total's blocks");
	}
	check_count(t->errors, "the error count");
	check_count(t->hidden_bytes, "the hidden bytes");
}

void fuzz_render(const struct vgt_report *report, unsigned fmt)
{
	static const enum vgt_format formats[] = {
		VGT_FORMAT_TEXT,   VGT_FORMAT_JSON,  VGT_FORMAT_SARIF,       VGT_FORMAT_JUNIT,
		VGT_FORMAT_GITHUB, VGT_FORMAT_MARKDOWN, VGT_FORMAT_CODEQUALITY, VGT_FORMAT_HTML,
		VGT_FORMAT_FOLDED,
	};
	struct policy policy;
	policy_default(&policy);
	struct render_options ro;
	memset(&ro, 0, sizeof(ro));
	ro.policy = &policy;
	ro.stacks = 3;
	ro.gen_suppressions = fmt & 8;
	if (fmt & 16) { /* links to a source host from the input's paths */
		ro.source_url = "https://git.example/o/r/blob/{rev}/{path}#L{line}";
		ro.source_rev = "0123456789abcdef0123456789abcdef01234567";
	}
	struct vgt_error err;
	vgt_error_clear(&err);
	enum vgt_format f = formats[fmt % (sizeof(formats) / sizeof(formats[0]))];
	fuzz_check_counts(report);
	if (f == VGT_FORMAT_JSON) {
		/* JSON is read back: it must parse and hold no negative count */
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		if (mem == NULL)
			abort();
		int rc = render_report(mem, f, report, &ro, &err);
		fclose(mem);
		if (rc == 0)
			fuzz_check_json(buf, len);
		free(buf);
	} else {
		render_report(fuzz_null_stream(), f, report, &ro, &err);
	}
	policy_evaluate(&policy, report);
}

uint32_t fuzz_next(uint32_t *state)
{
	/* xorshift32 */
	uint32_t x = *state != 0 ? *state : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

int fuzz_guard_pages;

static size_t page_round(size_t n, size_t page)
{
	return (n + page - 1) / page * page;
}

char *fuzz_exact_copy(const uint8_t *data, size_t size)
{
	char *p;
	if (fuzz_guard_pages) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		size_t body = page_round(size, page);
		/* /dev/zero: MAP_ANONYMOUS is not in POSIX.1-2008 */
		int fd = open("/dev/zero", O_RDWR);
		char *base = mmap(NULL, body + page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (fd >= 0)
			close(fd);
		if (base == MAP_FAILED || mprotect(base + body, page, PROT_NONE) != 0)
			abort();
		p = base + body - size;
	} else {
		p = malloc(size != 0 ? size : 1);
		if (p == NULL)
			abort();
	}
	if (size != 0)
		memcpy(p, data, size);
	return p;
}

void fuzz_free_copy(char *copy, size_t size)
{
	if (!fuzz_guard_pages) {
		free(copy);
		return;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = page_round(size, page);
	munmap(copy - (body - size), body + page);
}

uint32_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

int fuzz_feed(struct pipeline_stream *st, const uint8_t *data, size_t size, uint32_t *state,
	      struct vgt_error *err)
{
	/* Chunks of 1 byte to 64 KiB, small ones often: every element,
	 * number and line gets cut somewhere. */
	size_t pos = 0;
	int rc = 0;
	while (pos < size && rc == 0) {
		uint32_t r = fuzz_next(state);
		size_t len = 1 + (size_t)(fuzz_next(state) % (1u << (r % 17)));
		if (len > size - pos)
			len = size - pos;
		char *chunk = fuzz_exact_copy(data + pos, len);
		rc = pipeline_stream_feed(st, chunk, len, err);
		fuzz_free_copy(chunk, len);
		pos += len;
	}
	return rc;
}

void fuzz_pipeline(const uint8_t *data, size_t size, const char *format)
{
	fuzz_pipeline_supp(data, size, format, NULL);
}

void fuzz_pipeline_supp(const uint8_t *data, size_t size, const char *format,
			const struct suppressions *supp)
{
	uint32_t state = fuzz_hash(data, size);
	struct pipeline_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.input_format = format;
	opts.suppressions = supp;
	opts.rank.show_all = fuzz_next(&state) & 1;
	struct pipeline *pl = pipeline_new(&opts);
	struct pipeline_stream *st = pipeline_stream_open(pl, "fuzz", format);
	struct vgt_error err;
	vgt_error_clear(&err);
	fuzz_feed(st, data, size, &state, &err);
	pipeline_stream_close(st, &err);
	const struct vgt_report *report = pipeline_report(pl);
	rank_finish(pipeline_report(pl), &opts.rank);
	fuzz_render(report, fuzz_next(&state));
	pipeline_free(pl);
}
