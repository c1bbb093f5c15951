/*
 * leaktext.h — valgrind's leak sentence, as the XML reader gets it in
 * <xwhat><text>: "2,018 (16 direct, 2,002 indirect) bytes in 1 blocks are
 * definitely lost in loss record 4 of 6", and a vgdb "increased" check's
 * form with a delta after each number.  Sets rec's direct/indirect split,
 * its deltas and its loss record number where the sentence has them;
 * leaves the rest alone.  Included by xml_reader.c.
 */
#ifndef VGTRIAGE_LEAKTEXT_H
#define VGTRIAGE_LEAKTEXT_H

#include "vgtriage/model.h"

void leaktext_parse(struct vgt_record *rec, const char *text);

#endif
