/*
 * fuzz_demangle.c — the demanglers' entry points: a linkage name (C++ or
 * Rust) through cxxname's bounded demangling, the shapes derived from the
 * result, and a Cython cname through demangle.c (seeds: names from
 * testdata/cxxsym*, kept inputs under testdata/fuzz/demangle/, the
 * exponential-output name of tests/golden_bounds.sh among them).  The
 * bound is checked: a result is never longer than CXXNAME_MAX_DEMANGLED.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/cxxname.h"
#include "symbols/demangle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1);
	if (name == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	int capped = 0;
	char *d = cxxname_demangle_capped(name, &capped);
	if (d != NULL && (capped || strlen(d) > CXXNAME_MAX_DEMANGLED))
		abort(); /* the bound does not hold */
	const char *fn = d != NULL ? d : name;
	char out[256];
	cxxname_short(fn, (int)(size & 1), out, sizeof(out));
	cxxname_is_demangled(fn);
	cxxname_in_runtime_namespace(fn);
	cxxname_is_template(fn);
	char *glob = cxxname_ident_glob(fn);
	if (glob != NULL)
		cxxname_ident_glob_match(glob, fn);
	free(glob);
	char *pat = cxxname_demangle_pattern(name);
	free(pat);
	char z[512];
	cxxname_z_decode(name, z, sizeof(z));
	free(d);
	struct strpool *pool = strpool_new();
	int ambiguous;
	demangle_cython(pool, name, &ambiguous);
	strpool_free(pool);
	free(name);
	return 0;
}
