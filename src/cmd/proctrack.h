/*
 * proctrack.h — the processes of one `vgtriage run`, as valgrind's XML
 * files show them.
 *
 * run gives valgrind --xml-file=DIR/vg.%p.xml: every process valgrind
 * traces writes its own file there (a child forked without exec opens its
 * own at fork, --trace-children or not).  proctrack finds those files and
 * reads what each has appended: enough for the progress line (errors and
 * leak records so far), the command (from the preamble), and whether the
 * document has ended.  It also tells whether each process still runs under
 * valgrind: on Linux a process is ours while /proc/PID/cmdline holds run's
 * --xml-file argument (a forked child has the same; a process that exec'd
 * a program valgrind does not follow has not; a zombie has none), elsewhere
 * while kill(pid, 0) finds it.  A command line that reads empty from a
 * process that is no zombie decides nothing: a traced child reads so for a
 * moment while valgrind's launcher execs the tool (seen under load: a
 * uvicorn worker caught then was never asked by --watch again).  With record_maps it keeps the last
 * /proc/PID/maps of each process, read while it runs and once more when
 * its leak check starts (for symbolizing frames valgrind could not name).
 *
 * Used by runner.c and its tests.
 */
#ifndef VGTRIAGE_PROCTRACK_H
#define VGTRIAGE_PROCTRACK_H

#include <stddef.h>
#include <stdint.h>

struct proctrack_proc {
	long pid;
	char *path;             /* DIR/vg.PID.xml; NULL while it does not exist */
	char command[256];      /* the preamble's command; "" until read */
	uint64_t size;          /* bytes of the file read so far */
	size_t errors;          /* <error>s so far, leak records included */
	size_t leaks;           /* leak records so far */
	int has_status;         /* a <status> was written */
	int finished;           /* <state>FINISHED: the leak check has begun */
	int ended;              /* </valgrindoutput>: valgrind is done with it */
	int running;            /* runs under valgrind (at the last check) */
	int left;               /* runs, but no longer under valgrind (exec) */
	char *maps;             /* last /proc/PID/maps (record_maps), or NULL */
	size_t maps_len;
	/* scanning state */
	char tail[32];
	size_t tail_len;
	char *head;             /* the first bytes, until the command is known */
	size_t head_len;
	double maps_at;         /* when maps were read */
	int maps_final;         /* read after FINISHED */
};

struct proctrack;

/* dir: run's private directory; marker: the --xml-file=… argument as
 * valgrind got it. */
struct proctrack *proctrack_new(const char *dir, const char *marker, int record_maps);
void proctrack_free(struct proctrack *pt); /* NULL is a no-op */

/* Finds new files in dir and reads what every file has appended.
 * Returns 1 when a process appeared or began its leak check (a moment to
 * proctrack_check, for its maps), else 0. */
int proctrack_poll(struct proctrack *pt);
/* Updates running/left of every process not done; reads maps (now: a
 * monotonic clock in seconds). */
void proctrack_check(struct proctrack *pt, double now);
/* Linux: adds the processes whose cmdline holds the marker, also those
 * that have not opened their file yet (a child forked just before its
 * parent exited) -- but only run's own: of vgtriage's uid, and
 * descendants of the root (the process run started) or in its process
 * group (an orphaned child keeps it).  A stranger that only copies the
 * marker is not adopted.  Elsewhere a no-op. */
void proctrack_find(struct proctrack *pt);
/* The process run started (its pid is its process group too). */
void proctrack_set_root(struct proctrack *pt, long pid);

size_t proctrack_count(const struct proctrack *pt);
struct proctrack_proc *proctrack_at(struct proctrack *pt, size_t i);
struct proctrack_proc *proctrack_get(struct proctrack *pt, long pid);
/* Done: its document ended, or it no longer runs under valgrind. */
int proctrack_done(const struct proctrack_proc *p);
/* Processes not done. */
size_t proctrack_pending(const struct proctrack *pt);
/* "pid 123 (./prog arg)" into buf, the command in its visible form
 * (escape.h): it may be printed on stderr as it is. */
const char *proctrack_label(const struct proctrack_proc *p, char *buf, size_t size);

/* ---- pure helpers, exported for the tests ---- */

/* Reads the next len bytes of p's file (after what was read before). */
void proctrack_scan(struct proctrack_proc *p, const char *buf, size_t len);
/* The command of a valgrind XML preamble: <argv>'s exe and args joined by
 * spaces, entities decoded.  0, or -1 when </argv> is not in xml[0..len). */
int proctrack_preamble_command(const char *xml, size_t len, char *out, size_t size);
/* ppid and process group from the text of /proc/PID/stat (the command
 * in parentheses may hold anything, ')' too).  0, or -1. */
int proctrack_stat_fields(const char *stat, size_t len, long *ppid, long *pgrp);
/* The same with the state letter ('R', 'S', 'Z' for a zombie, …). */
int proctrack_stat_state(const char *stat, size_t len, char *state, long *ppid, long *pgrp);
/* 1 if the NUL-separated argument list args[0..len) holds marker as one
 * argument. */
int proctrack_args_hold(const char *args, size_t len, const char *marker);

#endif
