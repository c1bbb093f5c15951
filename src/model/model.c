/*
 * model.c — the memcheck kind table, frame classes, stacks and records.
 */
#include "vgtriage/model.h"

#include <stdlib.h>
#include <string.h>

static const struct vgt_kind_info kinds[VGT_KIND_COUNT] = {
	{VGT_KIND_UNKNOWN, "Unknown", VGT_GROUP_ERROR, "unknown", "Unknown valgrind error",
	 "A kind this version of vgtriage does not know; valgrind's message says what it is."},
	{VGT_KIND_LEAK_DEFINITELY_LOST, "Leak_DefinitelyLost", VGT_GROUP_DEFINITE, "definite",
	 "Memory definitely lost",
	 "A heap block that no pointer reaches any more: it was allocated here and never freed."},
	{VGT_KIND_LEAK_INDIRECTLY_LOST, "Leak_IndirectlyLost", VGT_GROUP_INDIRECT, "indirect",
	 "Memory indirectly lost",
	 "A block reachable only from definitely lost blocks; freeing those would free it."},
	{VGT_KIND_LEAK_POSSIBLY_LOST, "Leak_PossiblyLost", VGT_GROUP_POSSIBLE, "possible",
	 "Memory possibly lost",
	 "A block reachable only through interior pointers: it may be a leak, or a pointer into its middle."},
	{VGT_KIND_LEAK_STILL_REACHABLE, "Leak_StillReachable", VGT_GROUP_REACHABLE, "reachable",
	 "Memory still reachable",
	 "A block still pointed to at exit: not freed, but not lost either."},
	{VGT_KIND_INVALID_READ, "InvalidRead", VGT_GROUP_ERROR, "invalid-read", "Invalid read",
	 "A read from memory the program does not own: freed, out of bounds, or never allocated."},
	{VGT_KIND_INVALID_WRITE, "InvalidWrite", VGT_GROUP_ERROR, "invalid-write", "Invalid write",
	 "A write to memory the program does not own: freed, out of bounds, or never allocated."},
	{VGT_KIND_INVALID_JUMP, "InvalidJump", VGT_GROUP_ERROR, "invalid-jump", "Invalid jump",
	 "A jump or call to an address that holds no code."},
	{VGT_KIND_INVALID_FREE, "InvalidFree", VGT_GROUP_ERROR, "invalid-free", "Invalid free",
	 "free/delete of a pointer that is not the start of a live heap block (double free, or a bad pointer)."},
	{VGT_KIND_MISMATCHED_FREE, "MismatchedFree", VGT_GROUP_ERROR, "mismatched-free",
	 "Mismatched free", "A block released with a deallocator that does not match its allocator (malloc/delete, new[]/delete)."},
	{VGT_KIND_OVERLAP, "Overlap", VGT_GROUP_ERROR, "overlap", "Overlapping copy",
	 "memcpy/strcpy-like copy whose source and destination overlap."},
	{VGT_KIND_INVALID_MEMPOOL, "InvalidMemPool", VGT_GROUP_ERROR, "invalid-mempool",
	 "Invalid memory pool", "A memory pool request names a pool that does not exist."},
	{VGT_KIND_UNINIT_VALUE, "UninitValue", VGT_GROUP_ERROR, "uninit-value",
	 "Use of uninitialised value", "A value computed from uninitialised memory is used."},
	{VGT_KIND_UNINIT_CONDITION, "UninitCondition", VGT_GROUP_ERROR, "uninit-condition",
	 "Uninitialised condition", "A conditional jump or move depends on uninitialised memory."},
	{VGT_KIND_SYSCALL_PARAM, "SyscallParam", VGT_GROUP_ERROR, "syscall-param",
	 "Bad system call parameter", "A system call argument is uninitialised or points to unaddressable memory."},
	{VGT_KIND_CLIENT_CHECK, "ClientCheck", VGT_GROUP_ERROR, "client-check",
	 "Client check failed", "A VALGRIND_CHECK_* request in the program found bad memory."},
	{VGT_KIND_CORE_MEM_ERROR, "CoreMemError", VGT_GROUP_ERROR, "core-mem-error",
	 "Core memory error", "Valgrind's core found an error with memory it manages for the program."},
	{VGT_KIND_FISHY_VALUE, "FishyValue", VGT_GROUP_ERROR, "fishy-value",
	 "Fishy allocation size", "An allocation function received a size that looks negative."},
	{VGT_KIND_REALLOC_SIZE_ZERO, "ReallocSizeZero", VGT_GROUP_ERROR, "realloc-size-zero",
	 "realloc of size zero", "realloc() called with size 0, whose behaviour differs between systems."},
	{VGT_KIND_INVALID_ALIGNMENT, "InvalidAlignment", VGT_GROUP_ERROR, "invalid-alignment",
	 "Invalid alignment", "An aligned allocation function received an alignment that is not valid."},
	{VGT_KIND_INVALID_SIZE, "InvalidSize", VGT_GROUP_ERROR, "invalid-size",
	 "Invalid allocation size", "An allocation function received a size it does not accept."},
	{VGT_KIND_INVALID_SIZE_AND_ALIGNMENT, "InvalidSizeAndAlignment", VGT_GROUP_ERROR,
	 "invalid-size-alignment", "Invalid size and alignment",
	 "An aligned allocation received a size that is not a multiple of its alignment."},
	{VGT_KIND_MISMATCHED_ALLOC_DEALLOC_SIZE, "MismatchedAllocateDeallocateSize",
	 VGT_GROUP_ERROR, "mismatched-size", "Mismatched deallocation size",
	 "A sized delete received a size other than the one allocated."},
	{VGT_KIND_MISMATCHED_ALLOC_DEALLOC_ALIGNMENT, "MismatchedAllocateDeallocateAlignment",
	 VGT_GROUP_ERROR, "mismatched-alignment", "Mismatched deallocation alignment",
	 "An aligned delete received an alignment other than the one allocated."},
	{VGT_KIND_FD_BAD_CLOSE, "FdBadClose", VGT_GROUP_ERROR, "fd-bad-close",
	 "Bad file descriptor close", "close() of a file descriptor that is not open (e.g. closed twice)."},
	{VGT_KIND_FD_NOT_CLOSED, "FdNotClosed", VGT_GROUP_ERROR, "fd-not-closed",
	 "File descriptor left open", "A file descriptor still open at exit."},
	{VGT_KIND_FD_BAD_USE, "FdBadUse", VGT_GROUP_ERROR, "fd-bad-use",
	 "Bad file descriptor use", "A system call used a file descriptor that is not open."},
};

const struct vgt_kind_info *kind_info(enum vgt_kind kind)
{
	if ((int)kind < 0 || kind >= VGT_KIND_COUNT)
		kind = VGT_KIND_UNKNOWN;
	return &kinds[kind];
}

enum vgt_kind kind_from_name(const char *name)
{
	if (name == NULL)
		return VGT_KIND_UNKNOWN;
	for (int k = 1; k < VGT_KIND_COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (enum vgt_kind)k;
	return VGT_KIND_UNKNOWN;
}

int kind_is_leak(enum vgt_kind kind)
{
	return kind_group(kind) != VGT_GROUP_ERROR;
}

enum vgt_kind_group kind_group(enum vgt_kind kind)
{
	return kind_info(kind)->group;
}

const char *frame_class_name(enum frame_class cls)
{
	static const char *const names[FRAME_CLASS_COUNT] = {
		"user", "cython-runtime", "interpreter", "runtime", "allocator", "python",
		"extension", "library", "test-framework",
	};
	if ((int)cls < 0 || cls >= FRAME_CLASS_COUNT)
		return "user";
	return names[cls];
}

void stack_clear(struct vgt_stack *stack)
{
	stack->count = 0;
}

void stack_release(struct vgt_stack *stack)
{
	free(stack->ids);
	stack->ids = NULL;
	stack->count = stack->cap = 0;
}

void stack_push(struct vgt_stack *stack, uint32_t id)
{
	if (stack->count == stack->cap) {
		size_t cap = stack->cap;
		stack->ids = xgrow(stack->ids, &cap, (size_t)stack->count + 1, sizeof(*stack->ids));
		stack->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	}
	stack->ids[stack->count++] = id;
}

void stack_copy(struct vgt_stack *dst, const struct vgt_stack *src)
{
	/* Exactly the size needed: sites keep their copies until the end, and
	 * doubling would waste up to half of the largest allocation we make. */
	if (dst->cap < src->count) {
		dst->ids = xrealloc(dst->ids, src->count * sizeof(*dst->ids));
		dst->cap = src->count;
	}
	if (src->count > 0)
		memcpy(dst->ids, src->ids, src->count * sizeof(*src->ids));
	dst->count = src->count;
}

/* rec's fields become those of from (NULL: all 0), rec's stack arrays
 * and text storage kept. */
static void record_assign(struct vgt_record *rec, const struct vgt_record *from)
{
	struct vgt_stack stack = rec->stack, aux = rec->aux_stack, aux2 = rec->aux_stack2;
	struct vgt_text what = rec->what_store, auxwhat = rec->aux_store, auxwhat2 = rec->aux2_store;
	if (from != NULL)
		*rec = *from;
	else
		memset(rec, 0, sizeof(*rec));
	rec->stack = stack;
	rec->aux_stack = aux;
	rec->aux_stack2 = aux2;
	rec->what_store = what;
	rec->aux_store = auxwhat;
	rec->aux2_store = auxwhat2;
}

void record_clear(struct vgt_record *rec)
{
	record_assign(rec, NULL);
	stack_clear(&rec->stack);
	stack_clear(&rec->aux_stack);
	stack_clear(&rec->aux_stack2);
	rec->tid = -1;
	rec->pid = -1;
}

void record_copy(struct vgt_record *dst, const struct vgt_record *src)
{
	record_assign(dst, src);
	stack_copy(&dst->stack, &src->stack);
	stack_copy(&dst->aux_stack, &src->aux_stack);
	stack_copy(&dst->aux_stack2, &src->aux_stack2);
	if (src->what != NULL)
		record_set_what(dst, src->what, strlen(src->what));
	if (src->auxwhat != NULL)
		record_set_auxwhat(dst, src->auxwhat, strlen(src->auxwhat));
	if (src->auxwhat2 != NULL)
		record_set_auxwhat2(dst, src->auxwhat2, strlen(src->auxwhat2));
}

static const char *text_set(struct vgt_text *t, const char *s, size_t len)
{
	t->s = xgrow(t->s, &t->cap, len + 1, 1);
	memcpy(t->s, s, len);
	t->s[len] = '\0';
	return t->s;
}

void record_set_what(struct vgt_record *rec, const char *s, size_t len)
{
	rec->what = text_set(&rec->what_store, s, len);
}

void record_set_auxwhat(struct vgt_record *rec, const char *s, size_t len)
{
	rec->auxwhat = text_set(&rec->aux_store, s, len);
}

void record_set_auxwhat2(struct vgt_record *rec, const char *s, size_t len)
{
	rec->auxwhat2 = text_set(&rec->aux2_store, s, len);
}

void text_replace(char **dst, const char *s)
{
	if (s == NULL) {
		free(*dst);
		*dst = NULL;
		return;
	}
	size_t len = strlen(s);
	*dst = xrealloc(*dst, len + 1);
	memcpy(*dst, s, len + 1);
}

void record_release(struct vgt_record *rec)
{
	stack_release(&rec->stack);
	stack_release(&rec->aux_stack);
	stack_release(&rec->aux_stack2);
	free(rec->what_store.s);
	free(rec->aux_store.s);
	free(rec->aux2_store.s);
	rec->what_store.s = rec->aux_store.s = rec->aux2_store.s = NULL;
	rec->what_store.cap = rec->aux_store.cap = rec->aux2_store.cap = 0;
}
