/*
 * harness.c — the pytest plugin and the client library for `run
 * --per-test` (see harness.h).
 */
#include "cmd/harness.h"
#include "base/safefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLUGIN_FILE "vgtriage_pytest.py"
#define LIBRARY_FILE "libvgtriage-pertest.so"

void harness_dirname(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

char *harness_prepend(const char *value, const char *list, const char *sep)
{
	if (list == NULL || list[0] == '\0')
		return xstrdup(value);
	return xasprintf("%s%s%s", value, sep, list);
}

/* The first of DIR/candidate[i]/file that exists, its directory into out
 * (or, with want_file, the file's path). */
static int find_in(const char *bindir, const char *const *candidates, const char *file,
		   int want_file, char *out, size_t size)
{
	for (size_t i = 0; candidates[i] != NULL; i++) {
		char dir[4096], path[4096 + 64];
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s", bindir, candidates[i]) >= sizeof(dir))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		const char *found = want_file ? path : dir;
		if (safefile_is_regular(path) && strlen(found) < size) {
			memcpy(out, found, strlen(found) + 1);
			return 0;
		}
	}
	return -1;
}

int harness_find(const char *argv0, struct harness *h, struct vgt_error *err)
{
	static const char *const plugin_dirs[] = {"/../share/vgtriage", "/../client", NULL};
	static const char *const library_dirs[] = {"/../lib/vgtriage", "", NULL};
	memset(h, 0, sizeof(*h));
	char exe[4096], bindir[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
	} else {
		char *found = NULL;
		if (argv0 != NULL && strchr(argv0, '/') == NULL) {
			/* a name found in PATH, as the shell found it */
			const char *path = getenv("PATH");
			for (const char *p = path != NULL ? path : ""; found == NULL && *p != '\0';) {
				size_t len = strcspn(p, ":");
				char *cand = xasprintf("%.*s/%s", (int)len, p, argv0);
				if (access(cand, X_OK) == 0)
					found = cand;
				else
					free(cand);
				p += len + (p[len] == ':');
			}
		}
		snprintf(exe, sizeof(exe), "%s", found != NULL ? found : argv0 != NULL ? argv0 : "");
		free(found);
	}
	harness_dirname(exe, bindir, sizeof(bindir));
	if (find_in(bindir, plugin_dirs, PLUGIN_FILE, 0, h->plugin_dir, sizeof(h->plugin_dir)) != 0)
		return vgt_error_set(err, NULL, 0, 0,
				     "--per-test: %s not found in %s/../share/vgtriage (make install puts it "
				     "there)", PLUGIN_FILE, bindir);
	if (find_in(bindir, library_dirs, LIBRARY_FILE, 1, h->library, sizeof(h->library)) != 0)
		return vgt_error_set(err, NULL, 0, 0,
				     "--per-test: %s not found in %s/../lib/vgtriage or %s (make builds it "
				     "beside vgtriage)", LIBRARY_FILE, bindir, bindir);
	return 0;
}

void harness_setenv(const struct harness *h)
{
	setenv("VGTRIAGE_PER_TEST", h->per_phase ? "phase" : "1", 1);
	setenv("VGTRIAGE_PERTEST_LIB", h->library, 1);
	char *path = harness_prepend(h->plugin_dir, getenv("PYTHONPATH"), ":");
	setenv("PYTHONPATH", path, 1);
	free(path);
	char *addopts = harness_prepend("-p vgtriage_pytest", getenv("PYTEST_ADDOPTS"), " ");
	setenv("PYTEST_ADDOPTS", addopts, 1);
	free(addopts);
}
