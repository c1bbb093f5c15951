/*
 * leaksearch.c — where an input's leak searches begin and end (see
 * leaksearch.h).
 */
#include "read/leaksearch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ls_input {
	const struct vgt_input *input;
	struct leaksearch_mark last; /* the current search's last loss record */
	int open;                    /* a search that wrote loss records is current */
	int delta;                   /* it wrote growth figures (added, changed) */
	int final_empty;             /* leaksearch_end: the exit search wrote none */
	size_t searches;             /* searches seen, the current one included */
};

struct leaksearch {
	struct ls_input *inputs;
	size_t n_inputs, cap;
	size_t last;                 /* state()'s cache */
};

struct leaksearch *leaksearch_new(void)
{
	return xcalloc(1, sizeof(struct leaksearch));
}

void leaksearch_free(struct leaksearch *ls)
{
	if (ls == NULL)
		return;
	free(ls->inputs);
	free(ls);
}

/* The input's state; a new one when create (else NULL when none). */
static struct ls_input *state(struct leaksearch *ls, const struct vgt_input *input, int create)
{
	if (ls->last < ls->n_inputs && ls->inputs[ls->last].input == input)
		return &ls->inputs[ls->last];
	for (size_t i = 0; i < ls->n_inputs; i++) {
		if (ls->inputs[i].input == input) {
			ls->last = i;
			return &ls->inputs[i];
		}
	}
	if (!create)
		return NULL;
	ls->inputs = xgrow(ls->inputs, &ls->cap, ls->n_inputs + 1, sizeof(*ls->inputs));
	struct ls_input *st = &ls->inputs[ls->n_inputs];
	memset(st, 0, sizeof(*st));
	st->input = input;
	ls->last = ls->n_inputs++;
	return st;
}

int leaksearch_begins(const struct leaksearch_mark *last, const struct vgt_record *rec,
		      int at_exit)
{
	if (rec->leak_search != 0 && last->leak_search != 0 &&
	    rec->leak_search != last->leak_search)
		return 1;
	if (at_exit && !last->at_exit)
		return 1;
	/* valgrind writes a search's loss records in increasing I, out of N */
	return rec->loss_record != 0 && last->loss_record != 0 &&
	       (rec->loss_record <= last->loss_record || rec->loss_records != last->loss_records);
}

enum leaksearch_step leaksearch_record(struct leaksearch *ls, const struct vgt_input *input,
				       const struct vgt_record *rec)
{
	if (!kind_is_leak(rec->kind))
		return LEAKSEARCH_ADD;
	struct ls_input *st = state(ls, input, 1);
	int at_exit = input->exit_leak_search != 0;
	int begins = st->open && leaksearch_begins(&st->last, rec, at_exit);
	if (!st->open || begins) {
		st->open = 1;
		st->delta = 0;
		st->searches++;
	}
	st->last.loss_record = rec->loss_record;
	st->last.loss_records = rec->loss_records;
	st->last.leak_search = rec->leak_search;
	st->last.at_exit = at_exit;
	st->delta |= rec->has_delta != 0;
	/* an added or changed search after another writes what changed: it
	 * updates that one's loss records instead of replacing them all */
	if (st->searches > 1 && rec->has_delta)
		return LEAKSEARCH_UPDATE;
	return begins ? LEAKSEARCH_NEW : LEAKSEARCH_ADD;
}

int leaksearch_end(struct leaksearch *ls, const struct vgt_input *input)
{
	struct ls_input *st = state(ls, input, 0);
	if (st == NULL || !st->open || st->last.at_exit || st->final_empty)
		return 0;
	/* the exit search came, whole, and wrote no loss record: what the
	 * searches before it found is gone (freed), or of kinds not shown */
	if (!input->exit_leak_search || !input->complete)
		return 0;
	st->final_empty = 1;
	st->searches++;
	return 1;
}

/* "run.log" or, for a log several processes share, "run.log (pid 12)". */
static void input_label(const struct vgt_report *report, const struct vgt_input *input,
			char *out, size_t size)
{
	int shared = 0;
	for (size_t i = 0; i < report->n_inputs && !shared; i++)
		shared = report->inputs[i] != input && report->inputs[i]->path == input->path;
	if (shared && input->pid > 0)
		snprintf(out, size, "%s (pid %ld)", input->path, input->pid);
	else
		snprintf(out, size, "%s", input->path);
}

void leaksearch_note(struct leaksearch *ls, const struct vgt_input *input, int marked,
		     struct vgt_report *report)
{
	struct ls_input *st = state(ls, input, 0);
	if (st == NULL || marked)
		return;
	char label[512];
	input_label(report, input, label, sizeof(label));
	/* a run that ended early: the input is cut, or a log with the run's
	 * preamble lacks its final summary (a vgdb capture has neither) */
	int ended_early = !input->complete || (!input->finished && input->command != NULL);
	int cut = st->open && !st->last.at_exit && !st->final_empty && ended_early;
	/* (a first added search counts from nothing: it writes them all) */
	const char *delta = st->delta && st->searches > 1 ? " (an added or changed one: the "
					"loss records it wrote update those of the search before it)" : "";
	if (cut && st->searches == 1)
		report_add_note(report, "%s: valgrind's leak search at exit is not in the input "
				"(killed?): the sites show the leak search the program asked for, "
				"not a final one", label);
	else if (cut)
		report_add_note(report, "%s: valgrind's leak search at exit is not in the input "
				"(killed?): the sites show the last of %zu leak searches that wrote "
				"loss records%s, which the program asked for, not a final one",
				label, st->searches, delta);
	else if (st->final_empty)
		report_add_note(report, "%s: valgrind's leak search at exit wrote no loss record: "
				"the %zu leak search%s the program asked for before it do%s not count",
				label, st->searches - 1, st->searches == 2 ? "" : "es",
				st->searches == 2 ? "es" : "");
	else if (st->searches > 1)
		report_add_note(report, "%s: valgrind wrote loss records in %zu leak searches (the "
				"program asked for them); the sites show the last", label, st->searches);
}
