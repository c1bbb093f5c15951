/*
 * classify.h — each frame's class (user, Cython runtime, interpreter,
 * allocator, …) and a stack's culprit frame (DESIGN.md §2).
 */
#ifndef VGTRIAGE_CLASSIFY_H
#define VGTRIAGE_CLASSIFY_H

#include <stddef.h>

#include "vgtriage/frames.h"
#include "vgtriage/model.h"

enum frame_class classify_frame(const struct vgt_frame *frame);
/* The same, remembered per thread by the addresses of the frame's fn,
 * obj, dir and file: for a frame whose strings are all interned in a
 * strpool (a frame table's entries), as distinct frames that differ only
 * in ip share them.  What the class depends on beyond those four (a .pyx
 * mapping, a perf-map name) is checked before the cache.  The cache is
 * dropped whenever a pool is freed (strpool_frees), so an address never
 * stands for other text. */
enum frame_class classify_frame_interned(const struct vgt_frame *frame);
/* Sets the class of every frame of the stack (frame_resolve does this
 * once per distinct frame; tests call it directly). */
void classify_stack(struct frame_table *ft, const struct vgt_stack *stack);
/* A text log names libc's frames by file, without their object: a frame
 * inlined into one of libc's (the same ip, printed before it) is libc's
 * too ("outstring_func (vfprintf-internal.c:239)" inside
 * __vfprintf_internal).  Call after classifying the stack's frames. */
void classify_inlined(struct frame_table *ft, const struct vgt_stack *stack);
/* DESIGN.md §2: first user frame, else the first non-allocator frame when
 * it is a library's and lies inside the first extension frame, else the
 * first extension frame, else first cython-runtime frame, else first
 * non-allocator frame; 0 for an empty or all-allocator stack.  The frames
 * must be classified. */
size_t classify_culprit(const struct frame_table *ft, const struct vgt_stack *stack);
/* The first extension frame after `from` (outwards): the extension that
 * called a library.  SIZE_MAX when none. */
size_t classify_caller(const struct frame_table *ft, const struct vgt_stack *stack, size_t from);
/* An installed module's dotted name from its object path
 * (".../site-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so" ->
 * "lxml.etree"); "" when obj is not under site-packages/dist-packages.
 * Writes at most cap bytes (NUL included); returns the length. */
size_t classify_module_name(const char *obj, char *out, size_t cap);
/* A library's name from its object path ("/usr/lib/…/libxml2.so.2.9.14"
 * -> "libxml2"); same contract. */
size_t classify_library_name(const char *obj, char *out, size_t cap);

#endif
