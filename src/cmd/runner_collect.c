/*
 * runner_collect.c — collecting what the processes of `vgtriage run` left
 * (see runner.c): each process's XML file, read into the pipeline (the
 * first process first, then by pid) and copied for --keep-xml, the
 * processes and warnings of the run_result, and the notes on processes
 * that left no report.
 */
#include "cmd/runner_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/escape.h"
#include "cmd/proctrack.h"
#include "base/safefile.h"

#define READ_CHUNK 65536

/* ---------------------------------------------------------------- helpers */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------- the result */

void runner_add_pid(struct run_result *res, long pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < res->n_pids; i++)
		if (res->pids[i] == pid)
			return;
	res->pids = xrealloc(res->pids, (res->n_pids + 1) * sizeof(*res->pids));
	res->pids[res->n_pids++] = pid;
}

void runner_note_warning(struct run *r, const struct vgt_error *e)
{
	struct run_result *res = r->res;
	res->warnings = xrealloc(res->warnings, (res->n_warnings + 1) * sizeof(*res->warnings));
	res->warnings[res->n_warnings++] = *e;
	if (!res->has_warning) {
		res->has_warning = 1;
		res->warning = *e;
	}
}

/* ------------------------------------------------- one file per process */

/* The first process first (it is the one the user started), then by pid. */
static int proc_order(const struct run *r, const struct proctrack_proc *a,
		      const struct proctrack_proc *b)
{
	int am = a->pid == (long)r->pid, bm = b->pid == (long)r->pid;
	if (am != bm)
		return bm - am;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Feeds one process's file to the pipeline, copying it to keep (when
 * given).  Its warnings name the process. */
static void read_process_file(struct run *r, struct proctrack_proc *p, const char *keep)
{
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* --keep-xml: written safely (safefile.h), renamed into place at the
	 * end; on a failed write the old file stays */
	struct safefile *kf = NULL;
	if (keep != NULL) {
		struct vgt_error ke;
		vgt_error_clear(&ke);
		kf = safefile_open(keep, &ke);
		if (kf == NULL)
			runner_note_warning(r, &ke);
	}
	char label[64];
	snprintf(label, sizeof(label), "pid %ld", p->pid);
	struct pipeline_stream *st = pipeline_stream_open(r->pl, keep != NULL ? keep : label, "xml");
	struct vgt_input *in = pipeline_stream_input(st);
	struct vgt_error e;
	vgt_error_clear(&e);
	int failed = 0, rc = 0;
	char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	while ((n = read(fd, buf, READ_CHUNK)) > 0) {
		if (kf != NULL && write_all(safefile_fd(kf), buf, (size_t)n) < 0) {
			struct vgt_error ke;
			vgt_error_set(&ke, keep, 0, 0, "cannot write: %s", strerror(errno));
			runner_note_warning(r, &ke);
			safefile_abort(kf);
			kf = NULL;
		}
		if (!failed && pipeline_stream_feed(st, buf, (size_t)n, &e) < 0)
			failed = 1;
	}
	free(buf);
	if (in != NULL && r->res->killed && p->pid == (long)r->pid)
		in->complete = 0; /* SIGKILL: valgrind never finished the XML */
	if (!failed) {
		vgt_error_clear(&e);
		rc = pipeline_stream_close(st, &e);
	} else {
		pipeline_stream_close(st, NULL);
	}
	/* a process still running (finish_temp_dir says so), or one that
	 * exec'd a program valgrind does not follow (a note says so): no
	 * "input ends early (valgrind killed?)" */
	int explained = !p->ended && (p->running || p->left);
	if ((failed || rc != 0) && !explained) {
		/* name the process, not a temporary file */
		char who[sizeof(e.file)];
		if (in != NULL && in->command != NULL) {
			char vis[sizeof(who)];
			escape_text_buf(vis, sizeof(vis), in->command);
			int w = snprintf(who, sizeof(who), "pid %ld (%.*s)", p->pid,
					 (int)(sizeof(who) - 32), vis);
			(void)w;
		}
		else
			proctrack_label(p, who, sizeof(who));
		memcpy(e.file, who, sizeof(e.file));
		runner_note_warning(r, &e);
	}
	if (in != NULL)
		runner_add_pid(r->res, in->pid);
	runner_add_pid(r->res, p->pid);
	close(fd);
	if (kf != NULL) {
		struct vgt_error ke;
		vgt_error_clear(&ke);
		if (safefile_commit(kf, &ke) != 0)
			runner_note_warning(r, &ke);
	}
}

/* Adds the process (pid, command, maps) to the result. */
static void keep_process(struct run *r, struct proctrack_proc *p)
{
	struct run_result *res = r->res;
	res->procs = xrealloc(res->procs, (res->n_procs + 1) * sizeof(*res->procs));
	struct run_process *rp = &res->procs[res->n_procs++];
	memset(rp, 0, sizeof(*rp));
	rp->pid = p->pid;
	rp->command = p->command[0] != '\0' ? xstrdup(p->command) : NULL;
	rp->running = p->running && !p->ended;
	/* the mappings name frames valgrind could not name (cxxsym.h): the
	 * pipeline has them before this process's file is read */
	if (p->maps != NULL)
		pipeline_add_maps(r->pl, p->pid, p->maps);
	rp->maps = p->maps;
	rp->maps_len = p->maps_len;
	p->maps = NULL;
	p->maps_len = 0;
}

/* "123, 124, …" */
static void pid_list(char *buf, size_t size, const long *pids, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		int w = i == 8 ? snprintf(buf + o, size - o, ", …")
			       : snprintf(buf + o, size - o, "%s%ld", i > 0 ? ", " : "", pids[i]);
		if (w < 0 || i == 8)
			break;
		o += (size_t)w;
	}
}

/* Reads every process's file; says which processes left no report. */
void runner_read_process_files(struct run *r)
{
	proctrack_poll(r->pt);
	proctrack_check(r->pt, runner_now_s());
	size_t n = proctrack_count(r->pt);
	struct proctrack_proc **order = xmalloc((n + 1) * sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = proctrack_at(r->pt, i);
	for (size_t i = 1; i < n; i++) /* insertion sort: a few processes */
		for (size_t j = i; j > 0 && proc_order(r, order[j - 1], order[j]) > 0; j--) {
			struct proctrack_proc *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	long *exec_pids = xmalloc((n + 1) * sizeof(*exec_pids));
	size_t n_exec = 0, n_gone = 0;
	for (size_t i = 0; i < n; i++) {
		struct proctrack_proc *p = order[i];
		int is_main = p->pid == (long)r->pid;
		/* valgrind ends the XML of a process that exits: the first
		 * process exited, its XML did not end, so it exec'd */
		if (is_main && r->res->exited && !p->ended)
			p->left = 1;
		keep_process(r, p);
		if (p->path == NULL)
			continue;
		/* a forked child that exec'd a program valgrind does not
		 * follow leaves only its preamble */
		if (!is_main && !p->running && p->errors == 0 && !p->has_status && !p->ended) {
			exec_pids[n_exec++] = p->pid;
			n_gone += !p->left;
			continue;
		}
		char *keep = NULL;
		if (r->opts->keep_xml != NULL)
			keep = is_main ? xstrdup(r->opts->keep_xml)
				       : xasprintf("%s.%ld", r->opts->keep_xml, p->pid);
		read_process_file(r, p, keep);
		free(keep);
		if (is_main && p->left && !p->ended) {
			char label[200];
			report_add_note(pipeline_report(r->pl),
					"%s ran another program, which valgrind did not follow: only "
					"what came before its exec was checked "
					"(--valgrind-arg=--trace-children=yes follows it)",
					proctrack_label(p, label, sizeof(label)));
		}
	}
	if (n_exec > 0) {
		char list[128];
		pid_list(list, sizeof(list), exec_pids, n_exec);
		int traced = runner_traces_children(r->opts->valgrind_args, r->opts->n_valgrind_args);
		report_add_note(pipeline_report(r->pl),
				"%zu forked process%s (pid%s %s) ended without a valgrind report: %s",
				n_exec, n_exec == 1 ? "" : "es", n_exec == 1 ? "" : "s", list,
				traced ? "killed, or ran a program that --trace-children-skip excludes"
				: n_gone > 0 ? "killed, or ran another program, which valgrind did not "
					       "follow (--valgrind-arg=--trace-children=yes follows it)"
				: "ran another program, which valgrind did not follow "
				  "(--valgrind-arg=--trace-children=yes follows it)");
	}
	free(exec_pids);
	free(order);
}
