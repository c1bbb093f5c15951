/*
 * replay_main.c — runs a harness without libFuzzer: each argument (a file,
 * or a directory whose files are taken in name order) is read whole and
 * given to LLVMFuzzerTestOneInput once.  `make check` links it with every
 * harness and replays testdata/fuzz/<harness>/; under `make asan` the
 * sanitizers watch it.  Prints one line per harness run.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_TIMEOUT 30 /* seconds per input */

/* A harness that needs no set-up has no LLVMFuzzerInitialize. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (buf == NULL)
		return -1;
	/* exactly len bytes, an unreadable page right after them */
	uint8_t *exact = (uint8_t *)fuzz_exact_copy(buf, len);
	free(buf);
	/* An input that takes this long is a finding too (libFuzzer's
	 * -timeout): SIGALRM ends the replay with a non-zero status. */
	alarm(REPLAY_TIMEOUT);
	LLVMFuzzerTestOneInput(exact, len);
	alarm(0);
	fuzz_free_copy((char *)exact, len);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	fuzz_guard_pages = 1;
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	size_t done = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]) != 0;
			done++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (d == NULL) {
			perror(argv[i]);
			return 2;
		}
		char **names = NULL;
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(de->d_name);
		}
		closedir(d);
		if (n > 0)
			qsort(names, n, sizeof(*names), cmp_names);
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(argv[i]) + strlen(names[k]) + 2;
			char *path = malloc(len);
			snprintf(path, len, "%s/%s", argv[i], names[k]);
			bad |= replay_file(path) != 0;
			done++;
			free(path);
			free(names[k]);
		}
		free(names);
	}
	printf("%s: %zu inputs replayed\n", argv[0], done);
	return bad ? 2 : 0;
}
