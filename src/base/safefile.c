/*
 * safefile.c — temporary file beside the target, then rename (see
 * safefile.h for what the target may be).
 */
#include "base/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct safefile {
	char *path;    /* as the user named it (for messages) */
	char *target;  /* what gets replaced (path, or a link's resolved file) */
	char *tmp;     /* the temporary beside target; NULL when writing in place */
	int fd;
	FILE *stream;
};

static void release(struct safefile *sf)
{
	free(sf->path);
	free(sf->target);
	free(sf->tmp);
	free(sf);
}

/* The file a chain of symbolic links ends at (realpath is XSI, not
 * POSIX): a relative link is read from the directory of the link. */
static char *link_target(const char *path)
{
	char *cur = xstrdup(path);
	for (int hops = 0; hops < 40; hops++) {
		size_t cap = 256;
		char *buf = NULL;
		ssize_t n;
		for (;;) {
			buf = xrealloc(buf, cap);
			n = readlink(cur, buf, cap);
			if (n < 0 || (size_t)n < cap)
				break;
			cap *= 2;
		}
		if (n < 0) {
			free(buf);
			return cur; /* not a link: the end of the chain */
		}
		buf[n] = '\0';
		const char *slash = strrchr(cur, '/');
		int dir_len = slash != NULL && buf[0] != '/' ? (int)(slash - cur) + 1 : 0;
		char *next = xasprintf("%.*s%s", dir_len, cur, buf);
		free(buf);
		free(cur);
		cur = next;
	}
	free(cur);
	errno = ELOOP;
	return NULL;
}

/* "dir/.base.vgt-XXXXXX" beside target, created exclusively. */
static int create_temp(struct safefile *sf, mode_t mode, struct vgt_error *err)
{
	static unsigned long counter;
	const char *slash = strrchr(sf->target, '/');
	int dir_len = slash != NULL ? (int)(slash - sf->target) + 1 : 0;
	const char *base = slash != NULL ? slash + 1 : sf->target;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			((uint64_t)getpid() << 40);
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	for (int attempt = 0; attempt < 100; attempt++) {
		uint64_t x = seed + ++counter * 0x9E3779B97F4A7C15ull;
		char suffix[7];
		for (int i = 0; i < 6; i++, x /= 36)
			suffix[i] = digits[x % 36];
		suffix[6] = '\0';
		free(sf->tmp);
		sf->tmp = xasprintf("%.*s.%s.vgt-%s", dir_len, sf->target, base, suffix);
		sf->fd = open(sf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (sf->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	vgt_error_set(err, sf->path, 0, 0, "cannot create a temporary file beside it: %s",
		      strerror(errno));
	free(sf->tmp);
	sf->tmp = NULL;
	return -1;
}

struct safefile *safefile_open(const char *path, struct vgt_error *err)
{
	struct safefile *sf = xcalloc(1, sizeof(*sf));
	sf->path = xstrdup(path);
	sf->fd = -1;
	struct stat st;
	mode_t mode = 0666; /* less the umask, as any new file */
	int keep_mode = 0;
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			vgt_error_set(err, path, 0, 0, "cannot write: %s", strerror(errno));
			goto fail;
		}
		sf->target = xstrdup(path);
	} else {
		if (S_ISLNK(st.st_mode)) {
			if (stat(path, &st) != 0) {
				vgt_error_set(err, path, 0, 0,
					      "a symbolic link to nothing (%s): not writing through it",
					      strerror(errno));
				goto fail;
			}
			sf->target = S_ISREG(st.st_mode) ? link_target(path) : xstrdup(path);
			if (sf->target == NULL) {
				vgt_error_set(err, path, 0, 0, "cannot write: %s", strerror(errno));
				goto fail;
			}
		} else {
			sf->target = xstrdup(path);
		}
		if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
			/* A pipe, a terminal, /dev/null: nothing to replace. */
			sf->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
			if (sf->fd < 0) {
				vgt_error_set(err, path, 0, 0, "cannot write: %s", strerror(errno));
				goto fail;
			}
			return sf;
		}
		if (!S_ISREG(st.st_mode)) {
			vgt_error_set(err, path, 0, 0, "not a regular file: not replacing it");
			goto fail;
		}
		mode = st.st_mode & 07777;
		keep_mode = 1;
	}
	if (create_temp(sf, mode, err) != 0)
		goto fail;
	if (keep_mode)
		(void)fchmod(sf->fd, mode); /* open() applied the umask */
	return sf;
fail:
	release(sf);
	return NULL;
}

FILE *safefile_stream(struct safefile *sf)
{
	if (sf->stream == NULL)
		sf->stream = fdopen(sf->fd, "w");
	return sf->stream;
}

int safefile_fd(const struct safefile *sf)
{
	return sf->fd;
}

int safefile_commit(struct safefile *sf, struct vgt_error *err)
{
	int failed = 0, saved = 0;
	if (sf->stream != NULL) {
		if (ferror(sf->stream))
			failed = 1, saved = 0; /* the reason went with the failed write */
		if (fclose(sf->stream) != 0 && !failed)
			failed = 1, saved = errno;
	} else if (sf->fd >= 0 && close(sf->fd) != 0) {
		failed = 1, saved = errno;
	}
	sf->fd = -1;
	sf->stream = NULL;
	if (failed) {
		vgt_error_set(err, sf->path, 0, 0, "write error%s%s: left as it was",
			      saved != 0 ? ": " : "", saved != 0 ? strerror(saved) : "");
	} else if (sf->tmp != NULL && rename(sf->tmp, sf->target) != 0) {
		failed = 1;
		vgt_error_set(err, sf->path, 0, 0, "cannot replace: %s", strerror(errno));
	} else if (sf->tmp != NULL) {
		free(sf->tmp);
		sf->tmp = NULL; /* renamed: nothing to remove */
	}
	if (sf->tmp != NULL)
		unlink(sf->tmp);
	release(sf);
	return failed ? -1 : 0;
}

void safefile_abort(struct safefile *sf)
{
	if (sf == NULL)
		return;
	if (sf->stream != NULL)
		fclose(sf->stream);
	else if (sf->fd >= 0)
		close(sf->fd);
	if (sf->tmp != NULL)
		unlink(sf->tmp);
	release(sf);
}

int safefile_is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int safefile_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
