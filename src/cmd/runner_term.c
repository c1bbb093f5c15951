/*
 * runner_term.c — the terminal side of `vgtriage run` (see runner.c): the
 * live progress line on stderr and the notice of what run waits for.
 */
#include "cmd/runner_internal.h"

#include <string.h>

#include "base/escape.h"
#include "cmd/proctrack.h"
#include "cmd/watch.h"

#define PROGRESS_TICK_MS 250
#define WAIT_NOTICE_S 1.0         /* say why we wait when it lasts */

void runner_progress_erase(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->progress_shown = 0;
	}
}

/* "pid 12 (./prog), pid 13 (./prog) and 2 more" for the processes not
 * done; commands cut to cmd_max characters (0: whole). */
static void pending_list(struct run *r, char *buf, size_t size, int cmd_max)
{
	size_t o = 0, shown = 0, n = proctrack_count(r->pt);
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		struct proctrack_proc *p = proctrack_at(r->pt, i);
		if (proctrack_done(p))
			continue;
		if (shown == 2) {
			snprintf(buf + o, size - o, " and %zu more", proctrack_pending(r->pt) - shown);
			return;
		}
		int w;
		/* the command in its visible form (escape.h) */
		char vis[sizeof(p->command) * 4];
		escape_text_buf(vis, sizeof(vis), p->command);
		int cut = cmd_max > 0 && strlen(vis) > (size_t)cmd_max;
		if (vis[0] == '\0')
			w = snprintf(buf + o, size - o, "%spid %ld", shown > 0 ? ", " : "", p->pid);
		else
			w = snprintf(buf + o, size - o, "%spid %ld (%.*s%s)", shown > 0 ? ", " : "",
				     p->pid, cut ? cmd_max : (int)sizeof(vis), vis,
				     cut ? "…" : "");
		o = w < 0 ? o : o + (size_t)w >= size ? size - 1 : o + (size_t)w;
		shown++;
	}
}

void runner_progress_draw(struct run *r, double now)
{
	if (!r->progress || now < r->next_progress)
		return;
	r->next_progress = now + PROGRESS_TICK_MS / 1000.0;
	size_t leaks = 0, errors = 0, n = proctrack_count(r->pt);
	for (size_t i = 0; i < n; i++) {
		const struct proctrack_proc *p = proctrack_at(r->pt, i);
		leaks += p->leaks;
		errors += p->errors - p->leaks;
	}
	char line[sizeof(r->progress_line)];
	int w;
	if (r->waiting) {
		char list[120];
		pending_list(r, list, sizeof(list), 24); /* one terminal line */
		w = snprintf(line, sizeof(line), "vgtriage: waiting %.0fs for %s%s", now - r->wait_start,
			     list, r->stop_at > 0 ? " (Ctrl-C again stops now)" : " (Ctrl-C stops waiting)");
	} else {
		w = snprintf(line, sizeof(line), "vgtriage: %s %.0fs%s",
			     r->res->interrupted ? "stopping" : "running", now - r->start,
			     r->res->interrupted ? " (Ctrl-C again kills it)" : "");
		size_t o = w > 0 && (size_t)w < sizeof(line) ? (size_t)w : sizeof(line) - 1;
		if (n > 1 && o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", %zu processes", n);
		if (o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", %zu error%s", errors,
					      errors == 1 ? "" : "s");
		if (leaks > 0 && o + 1 < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, ", leak check: %zu record%s",
					      leaks, leaks == 1 ? "" : "s");
		if (r->watch != NULL && o + 1 < sizeof(line))
			snprintf(line + o, sizeof(line) - o, ", %u snapshot%s", watch_count(r->watch),
				 watch_count(r->watch) == 1 ? "" : "s");
	}
	if (r->progress_shown && strcmp(line, r->progress_line) == 0)
		return; /* a terminal need not be told twice */
	memcpy(r->progress_line, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	r->progress_shown = 1;
}

/* Once, when the wait for the other processes lasts: who and why. */
void runner_tell_waiting(struct run *r, double now)
{
	if (r->wait_told || r->opts->quiet || now - r->wait_start < WAIT_NOTICE_S)
		return;
	r->wait_told = 1;
	char list[400], label[200];
	pending_list(r, list, sizeof(list), 0);
	struct proctrack_proc *first = proctrack_get(r->pt, (long)r->pid);
	if (first == NULL)
		snprintf(label, sizeof(label), "pid %ld", (long)r->pid);
	else
		proctrack_label(first, label, sizeof(label));
	runner_progress_erase(r);
	fprintf(stderr, "vgtriage: %s ended; waiting for %s%s, still running under valgrind "
		"(Ctrl-C stops waiting)\n", label, list,
		proctrack_pending(r->pt) == 1 ? ", a process it started" : ", processes it started");
}
