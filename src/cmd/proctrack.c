/*
 * proctrack.c — the processes of one `vgtriage run` (see proctrack.h).
 */
#include "cmd/proctrack.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/escape.h"
#include "vgtriage/vgt.h"

#define HEAD_MAX 16384        /* the preamble's <argv> is in the first bytes */
#define READ_CHUNK 65536
#define MAPS_EVERY_S 2.0
#define MAPS_MAX (16u << 20)

struct proctrack {
	char *dir;
	char *marker;
	int record_maps;
	int have_proc;        /* /proc/self/cmdline readable */
	long root;            /* the process run started; 0 = not known */
	struct proctrack_proc **procs;
	size_t n, cap;
};

/* ------------------------------------------------------------ helpers */

/* Reads a whole (small, /proc) file; NULL when it cannot be opened. */
static char *read_whole(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static size_t count_of(const char *buf, size_t len, size_t skip, const char *needle)
{
	size_t nl = strlen(needle), n = 0;
	for (size_t i = 0; i + nl <= len; i++)
		if (buf[i] == needle[0] && i + nl > skip && memcmp(buf + i, needle, nl) == 0)
			n++;
	return n;
}

/* ------------------------------------------------------- pure helpers */

int proctrack_args_hold(const char *args, size_t len, const char *marker)
{
	size_t ml = strlen(marker);
	for (size_t i = 0; i < len;) {
		size_t al = strnlen(args + i, len - i);
		if (al == ml && memcmp(args + i, marker, ml) == 0)
			return 1;
		i += al + 1;
	}
	return 0;
}

/* Appends text[0..len) to out with the five predefined entities decoded. */
static void append_decoded(char *out, size_t size, size_t *o, const char *text, size_t len)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
	for (size_t i = 0; i < len && *o + 1 < size;) {
		char c = text[i];
		size_t adv = 1;
		if (c == '&') {
			for (size_t e = 0; e < sizeof(ents) / sizeof(ents[0]); e++) {
				size_t el = strlen(ents[e].name);
				if (i + el <= len && memcmp(text + i, ents[e].name, el) == 0) {
					c = ents[e].c;
					adv = el;
					break;
				}
			}
		}
		out[(*o)++] = c;
		i += adv;
	}
	out[*o] = '\0';
}

static const char *find_in(const char *hay, const char *end, const char *needle)
{
	size_t nl = strlen(needle);
	for (const char *p = hay; p + nl <= end; p++)
		if (*p == needle[0] && memcmp(p, needle, nl) == 0)
			return p;
	return NULL;
}

int proctrack_preamble_command(const char *xml, size_t len, char *out, size_t size)
{
	const char *end = xml + len;
	const char *start = find_in(xml, end, "<argv>");
	const char *stop = start != NULL ? find_in(start, end, "</argv>") : NULL;
	if (stop == NULL || size == 0)
		return -1;
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = start + 6; p < stop;) {
		const char *open = find_in(p, stop, "<");
		if (open == NULL)
			break;
		int is_exe = open + 5 <= stop && memcmp(open, "<exe>", 5) == 0;
		int is_arg = open + 5 <= stop && memcmp(open, "<arg>", 5) == 0;
		if (!is_exe && !is_arg) {
			p = open + 1;
			continue;
		}
		const char *text = open + 5;
		const char *close = find_in(text, stop, "</");
		if (close == NULL)
			break;
		if (o > 0 && o + 1 < size) {
			out[o++] = ' ';
			out[o] = '\0';
		}
		append_decoded(out, size, &o, text, (size_t)(close - text));
		p = close + 2;
	}
	return 0;
}

void proctrack_scan(struct proctrack_proc *p, const char *buf, size_t len)
{
	if (len == 0)
		return;
	/* the tail of the last chunk in front, so that no tag is missed
	 * across reads; matches wholly inside it were counted before */
	size_t skip = p->tail_len, n = skip + len;
	char *scan = xmalloc(n);
	memcpy(scan, p->tail, skip);
	memcpy(scan + skip, buf, len);
	p->errors += count_of(scan, n, skip, "<error>");
	p->leaks += count_of(scan, n, skip, "<kind>Leak_");
	if (count_of(scan, n, skip, "<status>") > 0)
		p->has_status = 1;
	if (count_of(scan, n, skip, "<state>FINISHED</state>") > 0)
		p->finished = 1;
	if (count_of(scan, n, skip, "</valgrindoutput>") > 0)
		p->ended = 1;
	size_t keep = n < sizeof(p->tail) - 1 ? n : sizeof(p->tail) - 1;
	memcpy(p->tail, scan + n - keep, keep);
	p->tail_len = keep;
	free(scan);
	if (p->command[0] == '\0' && p->head_len < HEAD_MAX) {
		size_t take = len < HEAD_MAX - p->head_len ? len : HEAD_MAX - p->head_len;
		p->head = xrealloc(p->head, p->head_len + take);
		memcpy(p->head + p->head_len, buf, take);
		p->head_len += take;
		if (proctrack_preamble_command(p->head, p->head_len, p->command,
					       sizeof(p->command)) == 0 ||
		    p->head_len >= HEAD_MAX) {
			free(p->head);
			p->head = NULL;
		}
	}
	p->size += len;
}

/* ------------------------------------------------------------- the set */

struct proctrack *proctrack_new(const char *dir, const char *marker, int record_maps)
{
	struct proctrack *pt = xcalloc(1, sizeof(*pt));
	pt->dir = xstrdup(dir);
	pt->marker = xstrdup(marker);
	pt->record_maps = record_maps;
	size_t len;
	char *self = read_whole("/proc/self/cmdline", 4096, &len);
	pt->have_proc = self != NULL && len > 0;
	free(self);
	return pt;
}

static void proc_free(struct proctrack_proc *p)
{
	free(p->path);
	free(p->head);
	free(p->maps);
	free(p);
}

void proctrack_free(struct proctrack *pt)
{
	if (pt == NULL)
		return;
	for (size_t i = 0; i < pt->n; i++)
		proc_free(pt->procs[i]);
	free(pt->procs);
	free(pt->dir);
	free(pt->marker);
	free(pt);
}

size_t proctrack_count(const struct proctrack *pt)
{
	return pt->n;
}

struct proctrack_proc *proctrack_at(struct proctrack *pt, size_t i)
{
	return i < pt->n ? pt->procs[i] : NULL;
}

struct proctrack_proc *proctrack_get(struct proctrack *pt, long pid)
{
	for (size_t i = 0; i < pt->n; i++)
		if (pt->procs[i]->pid == pid)
			return pt->procs[i];
	return NULL;
}

static struct proctrack_proc *add_proc(struct proctrack *pt, long pid)
{
	struct proctrack_proc *p = proctrack_get(pt, pid);
	if (p != NULL)
		return p;
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->running = 1; /* until a check says otherwise */
	pt->procs = xgrow(pt->procs, &pt->cap, pt->n + 1, sizeof(*pt->procs));
	pt->procs[pt->n++] = p;
	return p;
}

int proctrack_done(const struct proctrack_proc *p)
{
	return p->ended || !p->running;
}

size_t proctrack_pending(const struct proctrack *pt)
{
	size_t n = 0;
	for (size_t i = 0; i < pt->n; i++)
		n += !proctrack_done(pt->procs[i]);
	return n;
}

const char *proctrack_label(const struct proctrack_proc *p, char *buf, size_t size)
{
	if (p->command[0] != '\0') {
		/* a traced program's command line: its visible form, so that
		 * it can start no line of a CI log (`::error …`) */
		char vis[sizeof(p->command) * 4];
		escape_text_buf(vis, sizeof(vis), p->command);
		snprintf(buf, size, "pid %ld (%s)", p->pid, vis);
	} else
		snprintf(buf, size, "pid %ld", p->pid);
	return buf;
}

/* Reads what the file gained since the last time.  A file shorter than
 * what was read was rewritten: with --trace-children=yes the valgrind of
 * an exec'd program opens the same name again. */
static void read_more(struct proctrack_proc *p)
{
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size < p->size) {
		p->size = 0;
		p->tail_len = 0;
		p->errors = p->leaks = 0;
		p->has_status = p->finished = p->ended = 0;
		p->command[0] = '\0';
		free(p->head);
		p->head = NULL;
		p->head_len = 0;
	}
	if (lseek(fd, (off_t)p->size, SEEK_SET) < 0) {
		close(fd);
		return;
	}
	char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	while ((n = read(fd, buf, READ_CHUNK)) > 0)
		proctrack_scan(p, buf, (size_t)n);
	free(buf);
	close(fd);
}

int proctrack_poll(struct proctrack *pt)
{
	int news = 0;
	DIR *d = opendir(pt->dir);
	if (d != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			long pid;
			char tail[8];
			if (sscanf(de->d_name, "vg.%ld.xm%1s", &pid, tail) != 2 ||
			    strcmp(de->d_name + strlen(de->d_name) - 4, ".xml") != 0 || pid <= 0)
				continue;
			struct proctrack_proc *p = add_proc(pt, pid);
			if (p->path == NULL) {
				p->path = xasprintf("%s/%s", pt->dir, de->d_name);
				news = 1;
			}
		}
		closedir(d);
	}
	for (size_t i = 0; i < pt->n; i++) {
		struct proctrack_proc *p = pt->procs[i];
		if (p->path == NULL || p->ended)
			continue;
		int was_finished = p->finished;
		read_more(p);
		news |= p->finished && !was_finished;
	}
	return news;
}

static int read_state(long pid, char *state);

/* 1 runs under valgrind, 0 not (gone, a zombie, or exec'd: *left), -1 not
 * known now: its command line reads empty but it is no zombie -- a
 * process in the middle of an exec (valgrind's launcher starting the tool
 * for a traced child) reads so for a moment. */
static int is_ours(const struct proctrack *pt, long pid, int *left)
{
	*left = 0;
	if (!pt->have_proc) {
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			return 1;
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	size_t len;
	char *args = read_whole(path, 1u << 20, &len);
	if (args == NULL)
		return 0;
	int ours = proctrack_args_hold(args, len, pt->marker);
	free(args);
	if (len == 0) {
		char state;
		if (read_state(pid, &state) < 0)
			return 0; /* gone meanwhile */
		return state == 'Z' || state == 'X' ? 0 : -1;
	}
	/* anything else is another program */
	*left = !ours;
	return ours;
}

static void read_maps(struct proctrack_proc *p, double now)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/maps", p->pid);
	size_t len;
	char *maps = read_whole(path, MAPS_MAX, &len);
	p->maps_at = now;
	if (maps == NULL || len == 0) {
		free(maps);
		return;
	}
	free(p->maps);
	p->maps = maps;
	p->maps_len = len;
}

void proctrack_check(struct proctrack *pt, double now)
{
	for (size_t i = 0; i < pt->n; i++) {
		struct proctrack_proc *p = pt->procs[i];
		if (!p->running)
			continue;
		int left;
		int ours = is_ours(pt, p->pid, &left);
		if (ours < 0)
			continue; /* mid-exec: asked again at the next check */
		p->running = ours;
		p->left = left;
		if (!p->running || !pt->record_maps || !pt->have_proc)
			continue;
		if (p->finished && !p->maps_final) {
			read_maps(p, now); /* the leak check runs: all is mapped */
			p->maps_final = 1;
		} else if (!p->maps_final && (p->maps == NULL || now - p->maps_at >= MAPS_EVERY_S)) {
			read_maps(p, now);
		}
	}
}

void proctrack_set_root(struct proctrack *pt, long pid)
{
	pt->root = pid;
}

int proctrack_stat_fields(const char *stat, size_t len, long *ppid, long *pgrp)
{
	char state;
	return proctrack_stat_state(stat, len, &state, ppid, pgrp);
}

int proctrack_stat_state(const char *stat, size_t len, char *state, long *ppid, long *pgrp)
{
	/* "pid (comm) state ppid pgrp …": the last ')' ends comm */
	const char *close = NULL;
	for (size_t i = 0; i < len; i++)
		if (stat[i] == ')')
			close = stat + i;
	if (close == NULL)
		return -1;
	char rest[128];
	size_t n = (size_t)(stat + len - (close + 1));
	if (n >= sizeof(rest))
		n = sizeof(rest) - 1;
	memcpy(rest, close + 1, n);
	rest[n] = '\0';
	if (sscanf(rest, " %c %ld %ld", state, ppid, pgrp) != 3)
		return -1;
	return 0;
}

static int read_stat_all(long pid, char *state, long *ppid, long *pgrp)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	size_t len;
	char *text = read_whole(path, 4096, &len);
	if (text == NULL)
		return -1;
	int rc = proctrack_stat_state(text, len, state, ppid, pgrp);
	free(text);
	return rc;
}

static int read_stat(long pid, long *ppid, long *pgrp)
{
	char state;
	return read_stat_all(pid, &state, ppid, pgrp);
}

static int read_state(long pid, char *state)
{
	long ppid, pgrp;
	return read_stat_all(pid, state, &ppid, &pgrp);
}

/* Of our uid, and a descendant of the root or in its process group. */
static int is_family(const struct proctrack *pt, long pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	struct stat sb;
	if (pt->root <= 0 || stat(path, &sb) < 0 || sb.st_uid != getuid())
		return 0;
	long ppid, pgrp;
	if (read_stat(pid, &ppid, &pgrp) < 0)
		return 0;
	if (pgrp == pt->root)
		return 1;
	for (int hops = 0; hops < 256 && ppid > 1; hops++) {
		if (ppid == pt->root)
			return 1;
		long next;
		if (read_stat(ppid, &next, &pgrp) < 0)
			return 0;
		ppid = next;
	}
	return 0;
}

void proctrack_find(struct proctrack *pt)
{
	if (!pt->have_proc)
		return;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return;
	struct dirent *de;
	long self = (long)getpid();
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		long pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0 || pid == self || proctrack_get(pt, pid) != NULL)
			continue;
		int left;
		if (is_ours(pt, pid, &left) == 1 && is_family(pt, pid))
			add_proc(pt, pid);
	}
	closedir(d);
}
