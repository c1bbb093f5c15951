/*
 * fuzz_lsan_reader.c — LeakSanitizer/AddressSanitizer reports (seeds:
 * testdata/lsan/ *.log, real -fsanitize=address runs).
 *
 * Each input goes through the whole pipeline as an LSan report (format
 * forced), fed in pseudo-random chunks, with an LSan suppression file
 * (leak: lines, anchored, globbed, substring) applied to every record,
 * then rendered; one input in four is read with its format detected, so
 * that the detection over the first bytes is fuzzed too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "analyze/suppress.h"

static struct suppressions *supp;

static void load_supp(void)
{
	static const char text[] = "# LSan's form\nleak:^__pyx_pf_*_never$\nleak:libnothing.so\n"
				   "leak:*no*such*file.c\ninterceptor_via_fun:foo\n";
	supp = suppressions_new();
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct vgt_error err;
	vgt_error_clear(&err);
	if (f == NULL || suppressions_load_stream(supp, f, "fuzz.supp", &err) != 0)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (supp == NULL)
		load_supp();
	uint32_t h = fuzz_hash(data, size);
	fuzz_pipeline_supp(data, size, (h & 3) == 3 ? "auto" : "lsan", supp);
	return 0;
}
