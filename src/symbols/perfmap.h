/*
 * perfmap.h — CPython 3.12+ perf maps: naming the Python functions behind
 * valgrind's bare "???" frames.
 *
 * Run with -X perf (or PYTHONPERFSUPPORT=1), CPython routes each Python
 * function through a small trampoline and appends to /tmp/perf-<pid>.map
 * one line per trampoline: "START SIZE py::func:/path/file.py" (START and
 * SIZE in hex).  A valgrind frame with no function and no object whose ip
 * falls inside [START, START+SIZE) is that Python function.
 *
 * A map is read on first use, sorted by start, and looked up by binary
 * search; a lookup that misses re-reads the file once if it has grown
 * since (the interpreter keeps appending).  Included by symbolize.c and
 * tests.
 */
#ifndef VGTRIAGE_PERFMAP_H
#define VGTRIAGE_PERFMAP_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/strpool.h"
#include "vgtriage/vgt.h"

struct perfmap;

/* A map for the file at path; nothing is read yet.  Names are interned in
 * pool. */
struct perfmap *perfmap_new(struct strpool *pool, const char *path);
void perfmap_free(struct perfmap *map); /* NULL is a no-op */

/* Parses text[0..len) (replacing what the map held); malformed lines are
 * skipped and counted.  Returns the number of entries. */
size_t perfmap_parse(struct perfmap *map, const char *text, size_t len);
/* Reads the file (again); -1 with err filled when it cannot be read. */
int perfmap_load(struct perfmap *map, struct vgt_error *err);

/* The name ("py::func:/path/file.py") of the entry holding ip, or NULL.
 * Loads the file on first use; on a miss, reloads once if it grew. */
const char *perfmap_lookup(struct perfmap *map, uint64_t ip);

size_t perfmap_count(const struct perfmap *map);
size_t perfmap_skipped(const struct perfmap *map);  /* malformed lines */
int perfmap_readable(const struct perfmap *map);    /* loaded without error */
const char *perfmap_path(const struct perfmap *map);

#endif
