/*
 * perfmap.c — /tmp/perf-<pid>.map files of CPython -X perf (see perfmap.h).
 */
#include "symbols/perfmap.h"

#include "base/srcpolicy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct perf_entry {
	uint64_t start, size;
	const char *name;
	size_t seq; /* line order: a later line for the same start wins */
};

struct perfmap {
	struct strpool *pool;
	char *path;
	struct perf_entry *entries;
	size_t n, cap;
	size_t skipped;
	int loaded;        /* a load was attempted */
	int readable;
	int reloaded;      /* the one reload after growth was spent */
	off_t loaded_size;
};

struct perfmap *perfmap_new(struct strpool *pool, const char *path)
{
	struct perfmap *map = xcalloc(1, sizeof(*map));
	map->pool = pool;
	map->path = xstrdup(path);
	return map;
}

void perfmap_free(struct perfmap *map)
{
	if (map == NULL)
		return;
	free(map->path);
	free(map->entries);
	free(map);
}

/* Hex number at *p (no 0x needed); 0 when there is none. */
static int read_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	uint64_t v = 0;
	const char *start = s;
	while (s < end && isxdigit((unsigned char)*s) && s - start < 16) {
		int c = (unsigned char)*s;
		v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
		s++;
	}
	if (s == start || (s < end && *s != ' ' && *s != '\t'))
		return 0;
	*out = v;
	*p = s;
	return 1;
}

static int parse_line(struct perfmap *map, const char *s, const char *end)
{
	uint64_t start, size;
	if (!read_hex(&s, end, &start))
		return 0;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (!read_hex(&s, end, &size))
		return 0;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (s == end || size == 0)
		return 0;
	map->entries = xgrow(map->entries, &map->cap, map->n + 1, sizeof(*map->entries));
	map->entries[map->n].start = start;
	map->entries[map->n].size = size;
	map->entries[map->n].name = strpool_intern_n(map->pool, s, (size_t)(end - s));
	map->entries[map->n].seq = map->n;
	map->n++;
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct perf_entry *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t perfmap_parse(struct perfmap *map, const char *text, size_t len)
{
	map->n = 0;
	map->skipped = 0;
	const char *end = text + len;
	for (const char *s = text; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl != NULL ? nl : end;
		if (le > s && !parse_line(map, s, le))
			map->skipped++;
		s = nl != NULL ? nl + 1 : end;
	}
	/* a later line for the same start (re-used trampoline memory) sorts
	 * after the earlier one, and the lookup takes the last start <= ip */
	if (map->n > 1) /* entries is NULL while nothing was parsed */
		qsort(map->entries, map->n, sizeof(*map->entries), cmp_entry);
	return map->n;
}

int perfmap_load(struct perfmap *map, struct vgt_error *err)
{
	map->loaded = 1;
	/* through the source policy: a regular file (never a FIFO, which
	 * would hang, nor a device, which never ends) under its cap */
	const char *why = NULL;
	int fd = srcpolicy_open_kind(map->path, SRCPOLICY_PERFMAP, NULL, NULL, &why);
	if (fd < 0) {
		map->readable = 0;
		return vgt_error_set(err, map->path, 0, 0, "%s", why);
	}
	size_t cap = 1 << 14, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (len > SRCPOLICY_PERFMAP_MAX) /* grew past the cap since opened */
				break;
			buf = xgrow(buf, &cap, cap * 2, 1);
		}
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len > SRCPOLICY_PERFMAP_MAX)
		len = SRCPOLICY_PERFMAP_MAX;
	perfmap_parse(map, buf, len);
	free(buf);
	map->readable = 1;
	map->loaded_size = (off_t)len;
	return 0;
}

static const char *find(const struct perfmap *map, uint64_t ip)
{
	size_t lo = 0, hi = map->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->entries[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct perf_entry *e = &map->entries[lo - 1];
	return ip - e->start < e->size ? e->name : NULL;
}

const char *perfmap_lookup(struct perfmap *map, uint64_t ip)
{
	if (!map->loaded)
		perfmap_load(map, NULL);
	const char *name = find(map, ip);
	if (name != NULL || map->reloaded)
		return name;
	struct stat st;
	if (stat(map->path, &st) == 0 && st.st_size > map->loaded_size) {
		map->reloaded = 1;
		perfmap_load(map, NULL);
		name = find(map, ip);
	}
	return name;
}

size_t perfmap_count(const struct perfmap *map)
{
	return map->n;
}

size_t perfmap_skipped(const struct perfmap *map)
{
	return map->skipped;
}

int perfmap_readable(const struct perfmap *map)
{
	return map->readable;
}

const char *perfmap_path(const struct perfmap *map)
{
	return map->path;
}
