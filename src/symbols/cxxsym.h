/*
 * cxxsym.h — native frames: C++ names both ways, and names for code
 * valgrind could not name.  The glue between a stack's frames and
 * cxxname.h (demangling) and elfsym.h (ELF symbols, DWARF lines).
 *
 * For each frame of a stack:
 *   - a linkage name (a run with --demangle=no) is demangled as valgrind
 *     would have printed it; fn_mangled keeps the linkage name;
 *   - with linkage_names set (suppressions in use), a demangled C++ name
 *     gets its linkage name from the object's symbol table, when the
 *     object is on this machine;
 *   - a frame of the user's own objects that valgrind showed as ??? or
 *     without file:line gets its offset in the object (obj_offset) and,
 *     when the object's symbols, its debug file or a --symbols copy know
 *     them, its function and line (fn_from_elf, elf_named).
 *
 * Called from one place in symbolize.c (native_names, under the
 * symbolizer's lock), and from pipeline.c for the report's notes and
 * hints.  Its caches compare interned pointers: the frames it is given
 * hold strings of the pool it was made with (the symbolizer's).
 */
#ifndef VGTRIAGE_CXXSYM_H
#define VGTRIAGE_CXXSYM_H

#include "symbols/symopts.h"
#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/report.h"
#include "vgtriage/strpool.h"

struct cxxsym;

struct cxxsym *cxxsym_new(struct strpool *pool, const struct symbolize_options *opts);
void cxxsym_free(struct cxxsym *cs); /* NULL is a no-op */

/* 1 when cxxsym_frames may change frame f (a linkage name to demangle, a
 * frame of the user's without a name or a line, a C++ name whose linkage
 * name suppressions need): a stack with none is left alone. */
int cxxsym_wants(struct cxxsym *cs, const struct vgt_frame *f);
/* The frames valgrind lists after a frame whose code was inlined, at its
 * ip (the enclosing inlined calls, then the function holding the code),
 * when vgtriage named the frame from DWARF: frames[0..n), owned by cxxsym,
 * their strings in its pool. */
struct cxxsym_callers {
	const struct vgt_frame *frames;
	size_t n;
};
/* Names the native frames of one stack (frames[0..n), innermost first) of
 * process pid (see above); callers (n entries, or NULL) receives each
 * frame's inlined callers.  Each distinct frame is resolved once and
 * answers the same after. */
void cxxsym_frames(struct cxxsym *cs, long pid, struct vgt_frame *frames, size_t n,
		   struct cxxsym_callers *callers);

/* Frame id of table ft (named from DWARF) is followed in its stacks by
 * these callers: they are interned into ft and chained (inlined_by). */
void cxxsym_chain(struct frame_table *ft, uint32_t id, const struct cxxsym_callers *callers);
/* Inserts each chained frame's callers after it (once), and ends the
 * stack at a main vgtriage named when valgrind stopped it at "(below
 * main)" (what it prints for the same program with its symbols). */
void cxxsym_expand(struct frame_table *ft, struct vgt_stack *stack);

/* The mappings of process pid (/proc/PID/maps text): load addresses. */
void cxxsym_add_maps(struct cxxsym *cs, long pid, const char *maps_text);

/* Notes: which frames were named from which file, objects whose file
 * differs from the run's, frames left without a name. */
void cxxsym_notes(struct cxxsym *cs, struct vgt_report *report);

/* How a site whose culprit frame has no file:line (??? or a name from a
 * symbol table) is located: "libfoo.so+0x1a2b" (the offset in the
 * object), or "libfoo.so@0x4a1b2c" (the ip, when the load address is
 * unknown); interned.  NULL for frames with a file or without an object. */
const char *cxxsym_address(struct strpool *pool, const struct vgt_frame *frame);

/* One note per object whose frames in the shown sites' stacks are the
 * user's but have no file:line: "no debug info for OBJ: rebuild with -g"
 * (or install its debug symbols package, for system objects); with
 * symbols_given (--symbols DIR was passed), that it was not there
 * either, rather than to pass --symbols. */
void cxxsym_debug_hints(struct vgt_report *report, int symbols_given);

#endif
