/*
 * srcpolicy.c — reading files an input names, only where the user allows
 * it (see srcpolicy.h).
 *
 * A path is resolved with realpath() (POSIX.1-2008), checked against the
 * roots and the forbidden trees, stat()ed (a device or FIFO is refused
 * before anything opens it), then opened with O_NOFOLLOW and O_NONBLOCK
 * and fstat()ed: it must be the same regular file that was checked.
 *
 * realpath() is in POSIX.1-2008's XSI option, which glibc declares only
 * when asked for it: hence _XOPEN_SOURCE here, before any header.
 */
#define _XOPEN_SOURCE 700

#include "base/srcpolicy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgtriage/vgt.h"

#define OUTSIDE "outside the current directory and every --source-root"
#define SYSTEM "under /proc, /sys or /dev"
#define NOT_REGULAR "not a regular file"
#define TOO_LARGE "larger than the size limit"
#define CHANGED "changed while it was opened"

struct srcpolicy {
	char **roots;      /* real paths */
	size_t n_roots, roots_cap;
	size_t max_bytes;
};

/* Is path (a real path) dir itself or inside it? */
static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

void srcpolicy_add_root(struct srcpolicy *p, const char *dir)
{
	char *real = dir != NULL ? realpath(dir, NULL) : NULL;
	if (real == NULL)
		return;
	for (size_t i = 0; i < p->n_roots; i++) {
		if (strcmp(p->roots[i], real) == 0) {
			free(real);
			return;
		}
	}
	p->roots = xgrow(p->roots, &p->roots_cap, p->n_roots + 1, sizeof(*p->roots));
	p->roots[p->n_roots++] = real;
}

struct srcpolicy *srcpolicy_new(const char *const *roots, size_t n_roots, size_t max_bytes)
{
	struct srcpolicy *p = xcalloc(1, sizeof(*p));
	p->max_bytes = max_bytes != 0 ? max_bytes : SRCPOLICY_MAX_BYTES;
	srcpolicy_add_root(p, ".");
	for (size_t i = 0; i < n_roots; i++)
		srcpolicy_add_root(p, roots[i]);
	return p;
}

void srcpolicy_free(struct srcpolicy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_roots; i++)
		free(p->roots[i]);
	free(p->roots);
	free(p);
}

size_t srcpolicy_max_bytes(const struct srcpolicy *p)
{
	return p->max_bytes;
}

static const char *errno_reason(int e)
{
	return e == ENOENT || e == ENOTDIR ? SRCPOLICY_MISSING : strerror(e);
}

/* The real path of a regular file of at most max bytes, outside /proc,
 * /sys and /dev and, with a policy p, under one of its roots: malloc'd,
 * with *st filled; NULL with *why. */
static char *resolve_file(const struct srcpolicy *p, const char *path, uintmax_t max,
			  struct stat *st, const char **why)
{
	if (path == NULL || path[0] == '\0') {
		*why = SRCPOLICY_MISSING;
		return NULL;
	}
	char *real = realpath(path, NULL);
	if (real == NULL) {
		*why = errno_reason(errno);
		return NULL;
	}
	const char *reason = NULL;
	size_t i = 0;
	while (p != NULL && i < p->n_roots && !under(real, p->roots[i]))
		i++;
	if (under(real, "/proc") || under(real, "/sys") || under(real, "/dev"))
		reason = SYSTEM;
	else if (p != NULL && i == p->n_roots)
		reason = OUTSIDE;
	else if (stat(real, st) != 0)
		reason = errno_reason(errno);
	else if (!S_ISREG(st->st_mode))
		reason = NOT_REGULAR;
	else if ((uintmax_t)st->st_size > max)
		reason = TOO_LARGE;
	if (reason != NULL) {
		free(real);
		*why = reason;
		return NULL;
	}
	return real;
}

/* The real path of an allowed regular file, malloc'd, with *st filled;
 * NULL with *why. */
static char *resolve(const struct srcpolicy *p, const char *path, struct stat *st,
		     const char **why)
{
	return resolve_file(p, path, (uintmax_t)p->max_bytes, st, why);
}

int srcpolicy_check_dir(const struct srcpolicy *p, const char *path, const char **why)
{
	char *real = path != NULL && path[0] != '\0' ? realpath(path, NULL) : NULL;
	if (real == NULL) {
		*why = path != NULL && path[0] != '\0' ? errno_reason(errno) : SRCPOLICY_MISSING;
		return -1;
	}
	size_t i = 0;
	while (i < p->n_roots && !under(real, p->roots[i]))
		i++;
	struct stat st;
	const char *reason = NULL;
	if (under(real, "/proc") || under(real, "/sys") || under(real, "/dev"))
		reason = SYSTEM;
	else if (i == p->n_roots)
		reason = OUTSIDE;
	else if (stat(real, &st) != 0)
		reason = errno_reason(errno);
	else if (!S_ISDIR(st.st_mode))
		reason = "not a directory";
	free(real);
	if (reason != NULL)
		*why = reason;
	return reason != NULL ? -1 : 0;
}

int srcpolicy_check(const struct srcpolicy *p, const char *path, const char **why)
{
	struct stat st;
	char *real = resolve(p, path, &st, why);
	if (real == NULL)
		return -1;
	free(real);
	return 0;
}

/* Opens real, a path resolve_file allowed as *checked: refused when what
 * is there now is another file (a link put in its place, another inode,
 * not regular) or larger than max.  The descriptor, with *fst; -1 with
 * *why. */
static int open_checked(const char *real, const struct stat *checked, uintmax_t max,
			struct stat *fst, const char **why)
{
	int fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ELOOP ? CHANGED : errno_reason(errno);
		return -1;
	}
	if (fstat(fd, fst) != 0 || !S_ISREG(fst->st_mode) || fst->st_dev != checked->st_dev ||
	    fst->st_ino != checked->st_ino || (uintmax_t)fst->st_size > max) {
		close(fd);
		*why = CHANGED;
		return -1;
	}
	return fd;
}

int srcpolicy_open(const struct srcpolicy *p, const char *path, const char **why)
{
	struct stat st, fst;
	char *real = resolve(p, path, &st, why);
	if (real == NULL)
		return -1;
	int fd = open_checked(real, &st, UINTMAX_MAX, &fst, why);
	free(real);
	return fd;
}

char *srcpolicy_read(const struct srcpolicy *p, const char *path, size_t *len, const char **why)
{
	int fd = srcpolicy_open(p, path, why);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 14, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (n > p->max_bytes) /* it grew past the limit since the check */
				break;
			buf = xgrow(buf, &cap, cap * 2, 1);
		}
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*why = strerror(errno);
			close(fd);
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > p->max_bytes) {
		*why = TOO_LARGE;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---- files of other kinds (no roots) ---- */

size_t srcpolicy_kind_max(enum srcpolicy_kind kind)
{
	switch (kind) {
	case SRCPOLICY_OBJECT:
		return SRCPOLICY_OBJECT_MAX;
	case SRCPOLICY_DEBUG:
		return SRCPOLICY_DEBUG_MAX;
	case SRCPOLICY_PERFMAP:
		return SRCPOLICY_PERFMAP_MAX;
	case SRCPOLICY_HEADER:
		return SRCPOLICY_HEADER_MAX;
	}
	return SRCPOLICY_MAX_BYTES;
}

static char *resolve_kind(const char *path, enum srcpolicy_kind kind, struct stat *st,
			  const char **why)
{
	return resolve_file(NULL, path, (uintmax_t)srcpolicy_kind_max(kind), st, why);
}

int srcpolicy_check_kind(const char *path, enum srcpolicy_kind kind, const char **why)
{
	struct stat st;
	char *real = resolve_kind(path, kind, &st, why);
	int ok = real != NULL;
	free(real);
	return ok ? 0 : -1;
}

int srcpolicy_open_kind(const char *path, enum srcpolicy_kind kind, struct stat *st, char **real,
			const char **why)
{
	struct stat checked, fst;
	char *r = resolve_kind(path, kind, &checked, why);
	if (r == NULL)
		return -1;
	int fd = open_checked(r, &checked, (uintmax_t)srcpolicy_kind_max(kind), &fst, why);
	if (fd < 0) {
		free(r);
		return -1;
	}
	if (st != NULL)
		*st = fst;
	if (real != NULL)
		*real = r;
	else
		free(r);
	return fd;
}
