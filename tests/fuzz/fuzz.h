/*
 * fuzz.h — what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each harness (fuzz_<name>.c) defines LLVMFuzzerTestOneInput and is
 * linked twice: with clang's -fsanitize=fuzzer (make fuzz), and with
 * replay_main.c, a plain main() that feeds it every file under
 * testdata/fuzz/<name>/ (make check, make asan).  Included only there.
 */
#ifndef VGTRIAGE_FUZZ_H
#define VGTRIAGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render/render.h"
#include "vgtriage/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* The set-up of a harness that parses XML through libxml2: its parser
 * initialised once, before the first input (its LLVMFuzzerInitialize). */
int fuzz_init_libxml2(int *argc, char ***argv);

/* A sink for output nobody reads (/dev/null, opened once). */
FILE *fuzz_null_stream(void);
/* Renders report in fmt (mod the number of formats) to the null stream. */
void fuzz_render(const struct vgt_report *report, unsigned fmt);
/* Deterministic pseudo-random numbers from a seed taken from the input. */
uint32_t fuzz_next(uint32_t *state);
/* A copy of data[0..size) in a buffer of exactly that size, so that a
 * read one byte past it is caught: by ASan under libFuzzer, and in the
 * replay driver (fuzz_guard_pages = 1) by an unreadable page right after
 * the last byte, which faults in any build.  Freed with fuzz_free_copy. */
extern int fuzz_guard_pages;
char *fuzz_exact_copy(const uint8_t *data, size_t size);
void fuzz_free_copy(char *copy, size_t size);

/* Aborts (a finding) unless json holds only non-negative counts:
 * every "bytes", "blocks", "occurrences", "records" outside a "delta". */
void fuzz_check_json(const char *json, size_t len);
/* Aborts unless every count of the report is within [0, 2^63 - 1]. */
void fuzz_check_counts(const struct vgt_report *report);
/* A hash of the input: the seed of its chunking and choices, so that the
 * seed corpus can be plain valgrind files (no header bytes). */
uint32_t fuzz_hash(const uint8_t *data, size_t size);
/* Reads data as one input of format ("xml"/"text") through the whole
 * pipeline (suppress, symbolize, classify, rank), fed in pseudo-random
 * chunk sizes, then renders the report in a format the hash picks. */
void fuzz_pipeline(const uint8_t *data, size_t size, const char *format);
/* Feeds data to st in pseudo-random chunks (1 byte to 64 KiB, small ones
 * often; state: fuzz_hash's seed, moved on); the first feed's result. */
struct pipeline_stream;
struct vgt_error;
int fuzz_feed(struct pipeline_stream *st, const uint8_t *data, size_t size, uint32_t *state,
	      struct vgt_error *err);
/* The same with suppressions applied to every record (NULL: none). */
struct suppressions;
void fuzz_pipeline_supp(const uint8_t *data, size_t size, const char *format,
			const struct suppressions *supp);

#endif
