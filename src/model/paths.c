/*
 * paths.c — the path rule (see paths.h).
 */
#include "model/paths.h"

#include <stdlib.h>
#include <string.h>

const char *paths_normalise(struct strpool *pool, const char *path)
{
	size_t len = strlen(path);
	char *out = xmalloc(len + 2);
	size_t n = 0;
	int absolute = path[0] == '/';
	size_t floor = absolute ? 1 : 0; /* ".." never climbs above this */
	if (absolute)
		out[n++] = '/';
	const char *p = path;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		size_t c = strcspn(p, "/");
		if (c == 0)
			break;
		if (c == 1 && p[0] == '.') {
			/* "." adds nothing */
		} else if (c == 2 && p[0] == '.' && p[1] == '.' && n > floor &&
			   !(n >= floor + 2 && strncmp(out + n - 2, "..", 2) == 0 &&
			     (n == floor + 2 || out[n - 3] == '/'))) {
			/* drop the last component */
			while (n > floor && out[n - 1] != '/')
				n--;
			if (n > floor)
				n--;
		} else if (c == 2 && p[0] == '.' && p[1] == '.' && absolute && n == floor) {
			/* "/.." is "/" */
		} else {
			if (n > floor)
				out[n++] = '/';
			memcpy(out + n, p, c);
			n += c;
		}
		p += c;
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	const char *interned = strpool_intern(pool, out);
	free(out);
	return interned;
}

void paths_set_roots(struct vgt_report *r, const char *const *roots, size_t n, const char *cwd)
{
	free(r->path_roots);
	r->path_roots = xcalloc(n + 1, sizeof(*r->path_roots));
	r->n_path_roots = 0;
	for (size_t i = 0; i < n; i++) {
		const char *root = roots[i];
		if (root == NULL || root[0] == '\0')
			continue;
		if (root[0] != '/' && cwd != NULL)
			root = strpool_printf(r->pool, "%s/%s", cwd, root);
		r->path_roots[r->n_path_roots++] = paths_normalise(r->pool, root);
	}
	/* the current directory, unless it is "/" (every path is under it) */
	if (cwd != NULL && cwd[0] == '/' && strcmp(paths_normalise(r->pool, cwd), "/") != 0)
		r->path_roots[r->n_path_roots++] = paths_normalise(r->pool, cwd);
}

/* path relative to root when under it (both normalised), else NULL. */
static const char *under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return path[1] != '\0' ? path + 1 : NULL;
	if (strncmp(path, root, n) == 0 && path[n] == '/' && path[n + 1] != '\0')
		return path + n + 1;
	return NULL;
}

const char *paths_display(const struct vgt_report *r, const char *dir, const char *file)
{
	if (file == NULL)
		return NULL;
	const char *path = file;
	/* valgrind gives a C file as dir + base name; a file with a '/' is
	 * already a path (a .pyx as Cython wrote it, a Python file) */
	if (strchr(file, '/') == NULL && dir != NULL && dir[0] != '\0')
		path = strpool_printf(r->pool, "%s/%s", dir, file);
	if (path[0] == '<')
		return strpool_intern(r->pool, path); /* "<frozen …>", "<string>" */
	path = paths_normalise(r->pool, path);
	if (path[0] != '/')
		return path;
	for (size_t i = 0; i < r->n_path_roots; i++) {
		const char *rel = under(path, r->path_roots[i]);
		if (rel != NULL)
			return strpool_intern(r->pool, rel);
	}
	return path;
}

const char *paths_location_label(const struct vgt_report *report,
				 const struct vgt_location *loc)
{
	/* A .pyx path is as Cython wrote it, not under the C frame's dir. */
	const char *file = paths_display(report, loc->mapped ? NULL : loc->dir, loc->file);
	if (file != NULL && loc->line > 0)
		return strpool_printf(report->pool, "%s:%u", file, loc->line);
	if (file != NULL)
		return file;
	if (loc->address != NULL)
		return loc->address;
	if (loc->obj != NULL)
		return strpool_printf(report->pool, "%s (in %s)",
				      loc->function != NULL ? loc->function : "???",
				      vgt_basename(loc->obj));
	return loc->function != NULL ? loc->function : "???";
}
