/*
 * fuzz_perfmap.c — CPython perf maps (seed: testdata/perf/perf-*.map).
 * The map is parsed from a buffer of exactly the input's size and looked
 * up at addresses taken from the input and at the edges of each entry.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strpool *pool = strpool_new();
	struct perfmap *map = perfmap_new(pool, "/nonexistent/perf-fuzz.map");
	char *text = fuzz_exact_copy(data, size);
	perfmap_parse(map, text, size);
	perfmap_count(map);
	perfmap_skipped(map);
	uint32_t state = fuzz_hash(data, size);
	for (int i = 0; i < 64; i++) {
		uint64_t ip = ((uint64_t)fuzz_next(&state) << 32) | fuzz_next(&state);
		if (i & 1) /* near the low addresses real maps use */
			ip &= 0xffffffffffull;
		perfmap_lookup(map, ip);
	}
	perfmap_lookup(map, 0);
	perfmap_lookup(map, UINT64_MAX);
	fuzz_free_copy(text, size);
	perfmap_free(map);
	strpool_free(pool);
	return 0;
}
