/*
 * gitrev.c — HEAD's commit from the files of .git (see gitrev.h).
 *
 * realpath() is in POSIX.1-2008's XSI option (srcpolicy.c says more):
 * hence _XOPEN_SOURCE, before any header.
 */
#define _XOPEN_SOURCE 700
#include "cmd/gitrev.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgtriage/vgt.h"

#define SMALL_FILE 4096 /* HEAD, a loose ref, a .git file, commondir */

/* The first line of a small regular file, without its newline, into buf;
 * 0, or -1. */
static int first_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < SMALL_FILE)
		n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int is_commit(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return (n == 40 || n == 64) && s[n] == '\0';
}

/* A ref name git would write: "refs/…", no "..", no blank or control. */
static int is_ref(const char *s)
{
	if (strncmp(s, "refs/", 5) != 0 || strstr(s, "..") != NULL || strstr(s, "//") != NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '\\')
			return 0;
	return 1;
}

/* The ref in a packed-refs file ("<id> <ref>" lines). */
static int packed_ref(const char *gitdir, const char *ref, char out[65])
{
	char *path = xasprintf("%s/packed-refs", gitdir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	struct stat st;
	FILE *fp = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
	if (fp == NULL) {
		close(fd);
		return -1;
	}
	char line[1024];
	int rc = -1;
	while (rc != 0 && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (sp == NULL || strcmp(sp + 1, ref) != 0)
			continue;
		*sp = '\0';
		if (is_commit(line)) {
			memcpy(out, line, strlen(line) + 1);
			rc = 0;
		}
	}
	fclose(fp);
	return rc;
}

static int resolve_ref(const char *gitdir, const char *ref, char out[65])
{
	char buf[256];
	char *path = xasprintf("%s/%s", gitdir, ref);
	int rc = first_line(path, buf, sizeof(buf));
	free(path);
	if (rc == 0 && is_commit(buf)) {
		memcpy(out, buf, strlen(buf) + 1);
		return 0;
	}
	return packed_ref(gitdir, ref, out);
}

/* The .git directory of the checkout holding dir, or NULL (malloc'd). */
static char *find_gitdir(const char *dir)
{
	char *d = realpath(dir, NULL);
	for (int depth = 0; d != NULL && depth < 64; depth++) {
		char *dotgit = xasprintf("%s/.git", strcmp(d, "/") == 0 ? "" : d);
		struct stat st;
		if (lstat(dotgit, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(d);
			return dotgit;
		}
		char buf[PATH_MAX];
		if (lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode) &&
		    first_line(dotgit, buf, sizeof(buf)) == 0 && strncmp(buf, "gitdir: ", 8) == 0) {
			const char *target = buf + 8;
			char *found = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", d, target);
			free(dotgit);
			free(d);
			return found;
		}
		free(dotgit);
		if (strcmp(d, "/") == 0)
			break;
		char *slash = strrchr(d, '/');
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(d);
	return NULL;
}

int gitrev_head(const char *dir, char out[65])
{
	char *gitdir = find_gitdir(dir);
	if (gitdir == NULL)
		return -1;
	char head[512];
	char *path = xasprintf("%s/HEAD", gitdir);
	int rc = first_line(path, head, sizeof(head));
	free(path);
	if (rc == 0 && is_commit(head)) {
		memcpy(out, head, strlen(head) + 1);
	} else if (rc == 0 && strncmp(head, "ref: ", 5) == 0 && is_ref(head + 5)) {
		rc = resolve_ref(gitdir, head + 5, out);
		if (rc != 0) { /* a worktree: its branches live in the common dir */
			char common[PATH_MAX];
			char *cpath = xasprintf("%s/commondir", gitdir);
			if (first_line(cpath, common, sizeof(common)) == 0 && common[0] != '\0') {
				char *cdir = common[0] == '/' ? xstrdup(common)
							      : xasprintf("%s/%s", gitdir, common);
				rc = resolve_ref(cdir, head + 5, out);
				free(cdir);
			}
			free(cpath);
		}
	} else {
		rc = -1;
	}
	free(gitdir);
	return rc;
}
