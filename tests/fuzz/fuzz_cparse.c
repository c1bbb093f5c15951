/*
 * fuzz_cparse.c — vgtriage-cparse's output as cparse_parse reads it (seed:
 * the helper's output for tests/fixtures/cxx/shapes26.cpp, with the C and P
 * lines of member functions).  Every function found is looked up by each of
 * its lines, and its problem asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "explain/cparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	struct cparse_file *f = cparse_parse(text, size, (size & 1) ? HINT_LANG_CXX : HINT_LANG_C);
	uint32_t state = fuzz_hash(data, size);
	for (int i = 0; i < 64 && f != NULL; i++) {
		unsigned line = fuzz_next(&state) % 256;
		const struct hint_func *fn = cparse_function(f, line);
		cparse_problem(f, line);
		if (fn != NULL && fn->cxx_dtor_fn != NULL)
			cparse_problem(f, fn->cxx_dtor_fn->first_line);
	}
	cparse_free(f);
	fuzz_free_copy(text, size);
	return 0;
}
