/*
 * fuzz_xml_fast.c — the XML reader's fast path against libxml2 alone
 * (differential): the same bytes, in the same pseudo-random chunks (seeded
 * from the input), read by both front ends; any difference in the records
 * (serialized in full), the input's fields, the feed/finish results or the
 * error text and its line:column aborts.  The sink also refuses a record,
 * an errorcount or a client message now and then, so that the positions of
 * the reader's own errors are compared too (tests/xml_diff.h).
 *
 * Seeds: testdata/fuzz/xml_fast/ (each way out of the fast path, cut at
 * every kind of place) and the small real XMLs of testdata/.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "../xml_diff.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fuzz_init_libxml2(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = fuzz_hash(data, size);
	char *copy = fuzz_exact_copy(data, size);
	/* one chunking in three is byte by byte, the hardest for the cut
	 * tokens; the sink refuses something in one run in four */
	size_t chunk = seed % 3 == 0 ? 1 : 0;
	size_t fail[3] = {0, 0, 0};
	if ((seed >> 4) % 4 == 0) {
		fail[0] = 1 + (seed >> 8) % 4;
		fail[1] = (seed >> 12) % 3;
		fail[2] = (seed >> 14) % 3;
	}
	char *msg = xd_compare(copy, size, seed, chunk, fail, NULL);
	fuzz_free_copy(copy, size);
	if (msg != NULL) {
		fprintf(stderr, "fuzz_xml_fast: %s", msg);
		abort();
	}
	return 0;
}
