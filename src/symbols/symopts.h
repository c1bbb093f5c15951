/*
 * symopts.h — what the symbolizer is told (--source-root, --prefix-map,
 * --perf-map, --symbols, context lines): data only, shared by symbolize.c
 * and the object readers it drives (cxxsym.c) without a circle.
 */
#ifndef VGTRIAGE_SYMOPTS_H
#define VGTRIAGE_SYMOPTS_H

#include <stddef.h>

struct prefix_map {
	const char *old_prefix;
	const char *new_prefix;
};

struct symbolize_options {
	const char *const *source_roots; /* --source-root, in order */
	size_t n_source_roots;
	const struct prefix_map *prefix_maps; /* --prefix-map OLD=NEW */
	size_t n_prefix_maps;
	const char *const *perf_maps;    /* --perf-map FILE|DIR */
	size_t n_perf_maps;
	size_t context_lines;            /* lines each side for vgt_context */
	int verbose;                     /* notes say where files were looked for */
	const char *const *symbol_dirs;  /* --symbols DIR: unstripped copies (by build-id) */
	size_t n_symbol_dirs;
	int linkage_names;               /* find C++ linkage names in the objects
					    (for --suppressions, --gen-suppressions) */
};

#endif
