/*
 * fuzz_xml_reader.c — valgrind XML through the whole pipeline, fed in
 * pseudo-random chunk sizes (seeds: testdata/ *.xml, testdata/proto6,
 * testdata/bad).
 */

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fuzz_init_libxml2(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pipeline(data, size, "xml");
	return 0;
}
