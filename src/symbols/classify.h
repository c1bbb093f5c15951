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
/* Sets the class of every frame of the stack (frame_resolve does this
 * once per distinct frame; tests call it directly). */
void classify_stack(struct frame_table *ft, const struct vgt_stack *stack);
/* DESIGN.md §2: first user frame, else first cython-runtime frame, else
 * first non-allocator frame; 0 for an empty or all-allocator stack.  The
 * frames must be classified. */
size_t classify_culprit(const struct frame_table *ft, const struct vgt_stack *stack);

#endif
