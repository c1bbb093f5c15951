/*
 * elfsym.h — names and lines for code valgrind could not name, read at
 * analysis time from ELF symbol tables and DWARF (elfutils libdw).
 *
 * An object is known by the path valgrind printed (its <obj>).  Its
 * symbols come from, in order: the file itself when it is on this machine
 * (.symtab, else .dynsym), an unstripped copy with the same build-id
 * under a --symbols directory, its separate debug file (build-id under
 * /usr/lib/debug/.build-id, or .gnu_debuglink next to it, in .debug/ or
 * under /usr/lib/debug).  Nothing is fetched over the network: elfutils'
 * debuginfod client is never asked.
 *
 * Addresses: valgrind gives a frame's ip in the process; the address in
 * the object (its "offset", as addr2line and `libfoo.so+0x1a2b` use it)
 * is ip minus the object's load bias.  The bias is 0 for an ET_EXEC
 * executable; for ET_DYN objects it is learned from frames valgrind did
 * name (where their symbol lies in the file: page-aligned, the majority
 * of the evidence decides) or given by the process's mappings
 * (/proc/PID/maps text).  Without either the offset is unknown and
 * nothing is resolved.
 *
 * A plain API: strings and numbers in, strings and numbers out.  Strings
 * returned are owned by the struct elfsym: those of elfsym_resolve() are
 * valid until the next call, the rest until elfsym_free().
 *
 * Included by cxxsym.c and tests.
 */
#ifndef VGTRIAGE_ELFSYM_H
#define VGTRIAGE_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/dwinline.h"

/* Bounds on what an object can cost (see the man page's SECURITY): an
 * object or debug file is read only when it is a regular file within the
 * source policy's caps for its kind (srcpolicy.h), begins with the ELF
 * magic (nothing is decompressed) and its section and program header
 * tables fit in it with at most ELFSYM_MAX_SECTIONS entries each; at most
 * ELFSYM_MAX_SYMBOLS symbol table entries are read; its names are
 * demangled (each within cxxname.h's caps) until ELFSYM_DEMANGLE_BUDGET
 * bytes of demangled names, the rest left mangled.  An object the input
 * names under several spellings ("/a/./b", "/a//b", a symlink) is opened
 * once: one table per real path. */
#define ELFSYM_MAX_SECTIONS 65535
#define ELFSYM_MAX_SYMBOLS (4 << 20)
/* Where valgrind maps a position-independent main executable (ET_DYN
 * with PT_INTERP): its m_ume/elf.c loads it at 0x108000, so frames of a
 * stripped PIE that valgrind could not name are still at a known place. */
#define ELFSYM_VALGRIND_PIE_BASE 0x108000u
#define ELFSYM_DEMANGLE_BUDGET ((size_t)256 << 20)
/* An object's .gnu_debugdata (MiniDebugInfo, xz), which libdwfl inflates
 * whole into memory, may inflate to at most this: else the object is
 * refused. */
#define ELFSYM_MAX_DEBUGDATA ((size_t)64 << 20)

struct elfsym_options {
	const char *const *symbol_dirs;  /* --symbols DIR, in order */
	size_t n_symbol_dirs;
	/* The local file of an object as valgrind named it (prefix maps
	 * applied), malloc'd, or NULL when not on this machine.  NULL: obj
	 * itself, when it is a file. */
	char *(*locate)(void *ctx, const char *obj);
	void *locate_ctx;
	const char *debug_root;          /* default "/usr/lib/debug" */
};

struct elfsym;
struct elfsym *elfsym_new(const struct elfsym_options *opts);
void elfsym_free(struct elfsym *es); /* NULL is a no-op */

/* Valgrind named fn (as printed: demangled or a linkage name) at ip in
 * obj, in process pid: evidence for the object's load bias.  top: the
 * frame is the innermost one (its ip is not a return address). */
void elfsym_learn(struct elfsym *es, const char *obj, long pid, const char *fn, uint64_t ip,
		  int top);

/* The mappings of process pid, as /proc/PID/maps lists them. */
void elfsym_add_maps(struct elfsym *es, long pid, const char *maps_text);

struct elfsym_frame {
	int has_offset;
	uint64_t offset;       /* ip - load bias */
	const char *name;      /* linkage name of the function holding it */
	const char *inlined;   /* the innermost function inlined at ip, as its
				* DWARF names it (what valgrind calls the
				* frame), or NULL */
	const char *dir;       /* source directory and file, valgrind's split */
	const char *file;
	unsigned line;
	/* the frames valgrind lists after the inlined one, at the same ip:
	 * the enclosing inlined calls, then the function holding the code;
	 * n_callers 0 when not inlined (or a call site is not known) */
	const struct dwinline_caller *callers;
	size_t n_callers;
	const char *source;    /* the file the name was read from */
	const char *line_source; /* the file whose DWARF gave file:line (and
				    inlined names), NULL when none did */
};

/* What the object's symbols and debug info say about ip; fields stay
 * NULL/0 when unknown (has_offset 0: the load bias is not known). */
void elfsym_resolve(struct elfsym *es, const char *obj, long pid, uint64_t ip, int top,
		    struct elfsym_frame *out);

/* The linkage name of the function valgrind printed as fn in obj: the
 * name when only one symbol has it, a glob covering them when aliases
 * do (C1/C2 constructors: *is_glob set), NULL when unknown.  ip and pid
 * pick among overloads when the bias is known. */
const char *elfsym_linkage_name(struct elfsym *es, const char *obj, long pid, const char *fn,
				uint64_t ip, int *is_glob);

/* What happened per object, for the report's notes. */
struct elfsym_object {
	const char *obj;
	const char *path;          /* the local file, or NULL */
	const char *symbols;       /* file the symbols/debug info came from, or NULL */
	int by_name;               /* symbols matched by file name only (obj not here) */
	int bias_known;            /* for some process */
	int bias_conflict;         /* the evidence disagreed: file differs from the run's */
	size_t resolved;           /* frames answered by elfsym_resolve (name or line) */
	const char *refused;       /* why its file was not read (a static string), or NULL */
	size_t capped;             /* its names left mangled: over a demangling cap */
};
size_t elfsym_count(const struct elfsym *es);
/* The object obj (any spelling of it) names; -1 when it was never asked
 * about. */
int elfsym_object_find(struct elfsym *es, const char *obj, struct elfsym_object *out);
void elfsym_object_info(const struct elfsym *es, size_t i, struct elfsym_object *out);

#endif
