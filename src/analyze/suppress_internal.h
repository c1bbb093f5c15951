/* Shared by suppress.c (reading and matching entries) and
 * suppress_write.c (writing them); not part of the module's interface. */
#ifndef VGT_SUPPRESS_INTERNAL_H
#define VGT_SUPPRESS_INTERNAL_H

#include <stddef.h>

#include "analyze/suppress.h"

#define MAX_SUPP_FRAMES 24 /* valgrind's VG_MAX_SUPP_CALLERS */

/* "Invalid read of size 8" → 8; 0 without a size. */
unsigned supp_access_size(const char *what);
/* "Syscall param write(buf) points to …" → "write(buf)" (len in *len). */
const char *supp_syscall_param(const char *what, size_t *len);
/* A leak kind's bit in an entry's match-leak-kinds; 0 for other kinds. */
unsigned supp_leak_kind_bit(enum vgt_kind kind);
/* suppressions_match against entry i alone. */
const char *suppressions_match_entry(const struct suppressions *supp, size_t i,
				     const struct frame_table *ft, const struct vgt_record *rec);

#endif
