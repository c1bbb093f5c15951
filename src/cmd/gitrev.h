/*
 * gitrev.h — the commit a git checkout is at, for --source-url's {rev}
 * when --source-rev does not say.
 *
 * No git command runs: a repository's own config can make git run
 * programs (core.fsmonitor, hooks…), and the checkout being triaged need
 * not be trusted.  The files of .git are read instead: HEAD (a commit id,
 * or "ref: refs/…"), the loose ref it names, else packed-refs; a .git
 * file ("gitdir: …", worktrees and submodules) and a worktree's commondir
 * are followed.  Every file is a regular file read with a size cap;
 * nothing but a commit id (40 or 64 hex digits) comes back.
 *
 * Included by src/cmd/main.c and tests/check_gitrev.c.
 */
#ifndef VGTRIAGE_GITREV_H
#define VGTRIAGE_GITREV_H

#include <stddef.h>

/* The commit HEAD names in the checkout holding dir (dir or the nearest
 * directory above it with a .git): 0 with out[65] filled, or -1 (no
 * checkout, an unborn branch, or files that do not read as git's). */
int gitrev_head(const char *dir, char out[65]);

#endif
