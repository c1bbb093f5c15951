/*
 * fuzz_cli.c — the command line (cli_parse: options, operands, --fail-on
 * and --kinds lists, numbers, "did you mean").  The input is the argument
 * words, one per line (seeds: tests/fuzz/seeds/cli/, command lines from
 * the README and the man page).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cmd/cli.h"

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* words as separate allocations of their exact size, so that a read
	 * past one is caught */
	char *argv[MAX_WORDS + 2];
	int argc = 0;
	argv[argc++] = strdup("vgtriage");
	for (char *p = text; argc <= MAX_WORDS && p <= text + size;) {
		size_t len = strcspn(p, "\n");
		argv[argc++] = strndup(p, len);
		p += len + 1;
	}
	argv[argc] = NULL;
	char *words[MAX_WORDS + 2];
	memcpy(words, argv, sizeof(argv));
	struct cli cli;
	cli_init(&cli);
	struct vgt_error err;
	vgt_error_clear(&err);
	if (cli_parse(&cli, argc, argv, &err) != 0 && err.message[0] == '\0')
		abort(); /* an error must say what is wrong */
	for (int i = 1; i < argc; i++)
		if (strncmp(words[i], "--", 2) == 0)
			cli_suggest_option(words[i] + 2);
	cli_free(&cli);
	for (int i = 0; i < argc; i++)
		free(words[i]);
	free(text);
	return 0;
}
