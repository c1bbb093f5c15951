/*
 * safefile.h — writing a file the user named (-o, --write-baseline,
 * run --keep-xml), safely in a directory others can write to.
 *
 * The data goes to a new temporary file beside the target, created with
 * O_CREAT|O_EXCL|O_NOFOLLOW (so a symlink or file planted at a temporary
 * name is never followed nor reused), and is renamed over the target only
 * once every byte is written and closed: when writing fails, the old file
 * is left as it was and the temporary is removed.
 *
 * What the target may be:
 *   - absent, or a regular file: replaced as above (keeping its mode);
 *   - a symbolic link to a regular file: that file is replaced, the link
 *     kept (as the shell's `>` would write through it);
 *   - a FIFO or a character device (/dev/null, /dev/stdout on a pipe or a
 *     terminal): written in place, nothing to replace;
 *   - anything else (a directory, a socket, a block device, a dangling
 *     symbolic link): refused, nothing written.
 *
 * Used by main.c (-o), baseline.c and runner.c; any module that writes a
 * file the user named should use it.
 */
#ifndef VGTRIAGE_SAFEFILE_H
#define VGTRIAGE_SAFEFILE_H

#include <stdio.h>

#include "vgtriage/vgt.h"

struct safefile;

/* Starts writing path; NULL with err filled (naming path) when refused or
 * the temporary cannot be created. */
struct safefile *safefile_open(const char *path, struct vgt_error *err);
/* A buffered stream on the file (made on first call).  Use either it or
 * safefile_fd, not both. */
FILE *safefile_stream(struct safefile *sf);
int safefile_fd(const struct safefile *sf);
/* stat(2) says path is a regular file / a directory (symbolic links
 * followed). */
int safefile_is_regular(const char *path);
int safefile_is_dir(const char *path);
/* Closes, checks, and renames over the target.  -1 with err filled when
 * anything failed (the target is then untouched).  Frees sf either way. */
int safefile_commit(struct safefile *sf, struct vgt_error *err);
/* Drops what was written (the target is untouched); frees sf.  NULL is a
 * no-op. */
void safefile_abort(struct safefile *sf);

#endif
