/*
 * vgargs.h — valgrind's options as the input states them (read/ owns
 * bytes -> records and what the input says about its run; it may call
 * base/ and model/ only).
 */
#ifndef VGTRIAGE_VGARGS_H
#define VGTRIAGE_VGARGS_H

#include "vgtriage/report.h"

/* One word of valgrind's own command line (XML <vargv><arg>): notes
 * --leak-check, --show-leak-kinds, --show-reachable, --show-possibly-lost
 * and --errors-for-leak-kinds in the input. */
void vgargs_apply(struct vgt_input *input, const char *arg);

#endif
