/*
 * fuzz_ccdb.c — compile_commands.json (seed: testdata/fuzz/ccdb/, a
 * CMake-style database): the entry for a source taken from the input's
 * text, its flags, and the -v description; the command splitter on the
 * raw input.
 */
#include <stdlib.h>
#include <string.h>

#include "base/srcpolicy.h"
#include "explain/ccdb.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const roots[] = {"/tmp"};
	struct srcpolicy *policy = srcpolicy_new(roots, 1, 0);
	struct ccdb *db = ccdb_new(policy);
	char *text = fuzz_exact_copy(data, size);
	struct ccdb_flags f;
	int found = ccdb_flags_in_text(db, text, size, "/tmp/src/a.cpp", &f) == 0;
	char said[1024];
	ccdb_describe("/tmp/src/a.cpp", &f, found, said, sizeof(said));
	ccdb_flags_clear(&f);
	char *cmd = malloc(size + 1);
	if (cmd != NULL) {
		memcpy(cmd, data, size);
		cmd[size] = '\0';
		char **w = ccdb_split_command(cmd, 256);
		for (size_t i = 0; w[i] != NULL; i++)
			free(w[i]);
		free(w);
		free(cmd);
	}
	fuzz_free_copy(text, size);
	ccdb_free(db);
	srcpolicy_free(policy);
	return 0;
}
