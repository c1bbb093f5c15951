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

/* The kinds `vgtriage run --per-test` asks valgrind to show
 * (--show-leak-kinds=VGARGS_BLAME_KINDS, before the user's own valgrind
 * arguments, which override it): all of them, so that per-test blame sees
 * a block move from still reachable to lost, spelt so that the report
 * (of the run, or of its kept XML read again) knows still reachable blocks
 * were not asked for by the user, and hides them. */
#define VGARGS_BLAME_KINDS "definite,indirect,possible,reachable"

#endif
