/*
 * fuzz_baseline.c — the --baseline file loader (seeds: baselines written
 * by --write-baseline from testdata inputs; see tests/fuzz/seeds.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "analyze/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	FILE *f = fmemopen(text, size, "r");
	if (f == NULL) { /* fmemopen of 0 bytes fails on old glibc */
		fuzz_free_copy(text, size);
		return 0;
	}
	struct vgt_error err;
	vgt_error_clear(&err);
	struct baseline *b = baseline_load_stream(f, "fuzz.baseline", &err);
	fclose(f);
	if (b != NULL) {
		baseline_count(b);
		baseline_contains(b, "0123456789abcdef");
		/* every fingerprint-looking token of the input is asked for */
		for (size_t i = 0; i + 16 <= size; i += 17) {
			char fp[17];
			memcpy(fp, data + i, 16);
			fp[16] = '\0';
			baseline_contains(b, fp);
		}
	}
	baseline_free(b);
	fuzz_free_copy(text, size);
	return 0;
}
