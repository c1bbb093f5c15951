/*
 * fuzz_cymap.c — the index of a Cython-generated C file (seeds: the
 * generated .c files under testdata/cython).  The text is given in a
 * buffer of exactly its size, then every line is looked up and the names
 * the map found are asked for again.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/cymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strpool *pool = strpool_new();
	char *text = fuzz_exact_copy(data, size);
	struct cymap *map = cymap_parse(pool, text, size);
	size_t lines = 2;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	for (unsigned line = 0; line <= lines && line < 100000; line++) {
		struct cymap_hit hit;
		if (cymap_lookup(map, line, &hit)) {
			cymap_qualname(map, hit.function);
			cymap_defines(map, hit.function);
			cymap_source_of(map, hit.pyx_path, hit.pyx_line);
			const char *slash = strrchr(hit.pyx_path, '/');
			cymap_pyx_path(map, slash != NULL ? slash + 1 : hit.pyx_path);
		}
	}
	cymap_qualname(map, "__pyx_pf_3api_6native_random_noise");
	cymap_is_utility_function("__pyx_fuse_0__pyx_pw_x");
	/* The unescaper on the raw text, as a string. */
	char *s = malloc(size + 1);
	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		cymap_unescape(s);
		free(s);
	}
	cymap_free(map);
	fuzz_free_copy(text, size);
	strpool_free(pool);
	return 0;
}
