/*
 * procs.c — the processes of a site, and leaks a forked child inherited
 * (see procs.h).
 */
#include "analyze/procs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_PIDS 8 /* pids a note lists before "…" */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	h ^= h >> 29;
	return h;
}

uint64_t procs_stack_hash(const struct frame_table *ft, const struct vgt_stack *stack)
{
	/* each frame's hash is of its contents (frames.h), not of pointers:
	 * reports read apart by -j hash alike, and merge */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < stack->count; i++)
		h = mix(h, frames_key_hash(ft, stack->ids[i]));
	return mix(h, stack->count);
}

/* Room for one more record stack in e (at most PROCS_MAX_STACKS). */
static void grow_recs(struct vgt_site_proc *e)
{
	size_t cap = e->recs_cap;
	e->recs = xgrow_small(e->recs, &cap, (size_t)e->n_recs + 1, sizeof(*e->recs));
	e->recs_cap = (uint32_t)cap;
}

/* A site left without entries (its records taken back by a later leak
 * search) holds no array: most sites of such a report are empty. */
static void drop_if_empty(struct vgt_site *site)
{
	if (site->n_procs > 0)
		return;
	free(site->procs);
	site->procs = NULL;
	site->procs_cap = 0;
}

static struct vgt_site_proc *entry_for(struct vgt_site *site, size_t input_index, int *created)
{
	/* records arrive input by input: the last entry is the usual hit */
	for (size_t i = site->n_procs; i-- > 0;)
		if (site->procs[i].input == input_index)
			return &site->procs[i];
	if (created != NULL)
		*created = 1;
	/* one entry per input: exactly as many as needed (most sites: one) */
	size_t cap = site->procs_cap;
	site->procs = xgrow_small(site->procs, &cap, (size_t)site->n_procs + 1, sizeof(*site->procs));
	site->procs_cap = (uint32_t)cap;
	struct vgt_site_proc *e = &site->procs[site->n_procs++];
	memset(e, 0, sizeof(*e));
	e->input = (uint32_t)input_index;
	return e;
}

int procs_site_add(const struct frame_table *ft, struct vgt_site *site, size_t input_index,
		   const struct vgt_record *rec)
{
	int created = 0;
	struct vgt_site_proc *e = entry_for(site, input_index, &created);
	e->records++;
	e->occurrences++;
	if (!kind_is_leak(rec->kind))
		return created;
	e->bytes = vgt_count_add(e->bytes, rec->bytes);
	e->blocks = vgt_count_add(e->blocks, rec->blocks);
	e->direct_bytes = vgt_count_add(e->direct_bytes, rec->direct_bytes);
	e->indirect_bytes = vgt_count_add(e->indirect_bytes, rec->indirect_bytes);
	if (rec->has_delta) {
		e->has_delta = 1;
		e->delta_bytes = vgt_delta_add(e->delta_bytes, rec->delta_bytes);
		e->delta_blocks = vgt_delta_add(e->delta_blocks, rec->delta_blocks);
	}
	/* Records of one stack add up; a site keeps at most PROCS_MAX_STACKS
	 * stacks per process, so memory grows with sites, not with records
	 * (past that, a record cannot be told inherited). */
	uint64_t hash = procs_stack_hash(ft, &rec->stack);
	struct procs_record *r = NULL;
	for (size_t i = 0; i < e->n_recs && r == NULL; i++)
		if (e->recs[i].stack_hash == hash)
			r = &e->recs[i];
	if (r == NULL) {
		if (e->n_recs == PROCS_MAX_STACKS)
			return created;
		grow_recs(e);
		r = &e->recs[e->n_recs++];
		memset(r, 0, sizeof(*r));
		r->stack_hash = hash;
	}
	r->records++;
	r->bytes = vgt_count_add(r->bytes, rec->bytes);
	r->blocks = vgt_count_add(r->blocks, rec->blocks);
	return created;
}

int procs_site_take(struct vgt_site *site, size_t input_index, struct vgt_site_proc *out)
{
	for (size_t i = 0; i < site->n_procs; i++) {
		if (site->procs[i].input != input_index)
			continue;
		*out = site->procs[i];
		free(out->recs);
		out->recs = NULL;
		out->n_recs = out->recs_cap = 0;
		memmove(&site->procs[i], &site->procs[i + 1],
			(site->n_procs - i - 1) * sizeof(*site->procs));
		site->n_procs--;
		drop_if_empty(site);
		return 1;
	}
	memset(out, 0, sizeof(*out));
	return 0;
}

/* The entry of input_index in site, or NULL. */
static struct vgt_site_proc *entry_of(struct vgt_site *site, size_t input_index)
{
	for (size_t i = 0; i < site->n_procs; i++)
		if (site->procs[i].input == input_index)
			return &site->procs[i];
	return NULL;
}

void procs_site_sub(struct vgt_site *site, size_t input_index, uint64_t stack_hash,
		    const struct vgt_site_proc *old)
{
	struct vgt_site_proc *e = entry_of(site, input_index);
	if (e == NULL)
		return;
	e->bytes = vgt_count_sub(e->bytes, old->bytes);
	e->blocks = vgt_count_sub(e->blocks, old->blocks);
	e->direct_bytes = vgt_count_sub(e->direct_bytes, old->direct_bytes);
	e->indirect_bytes = vgt_count_sub(e->indirect_bytes, old->indirect_bytes);
	e->records = e->records > 0 ? e->records - 1 : 0;
	e->occurrences = vgt_count_sub(e->occurrences, 1);
	for (size_t i = 0; i < e->n_recs; i++) {
		struct procs_record *r = &e->recs[i];
		if (r->stack_hash != stack_hash)
			continue;
		r->bytes = vgt_count_sub(r->bytes, old->bytes);
		r->blocks = vgt_count_sub(r->blocks, old->blocks);
		if (--r->records == 0)
			e->recs[i] = e->recs[--e->n_recs];
		break;
	}
	if (e->records > 0)
		return;
	free(e->recs);
	size_t at = (size_t)(e - site->procs);
	memmove(e, e + 1, (site->n_procs - at - 1) * sizeof(*e));
	site->n_procs--;
	drop_if_empty(site);
}

size_t procs_site_input_records(const struct vgt_site *site, size_t input_index)
{
	for (size_t i = 0; i < site->n_procs; i++)
		if (site->procs[i].input == input_index)
			return site->procs[i].records;
	return 0;
}

int procs_site_has_delta(const struct vgt_site *site)
{
	for (size_t i = 0; i < site->n_procs; i++)
		if (site->procs[i].has_delta)
			return 1;
	return 0;
}

void procs_site_merge(struct vgt_site *dst, const struct vgt_site *src, size_t input_base)
{
	for (size_t i = 0; i < src->n_procs; i++) {
		const struct vgt_site_proc *from = &src->procs[i];
		struct vgt_site_proc *e = entry_for(dst, input_base + from->input, NULL);
		e->bytes = vgt_count_add(e->bytes, from->bytes);
		e->blocks = vgt_count_add(e->blocks, from->blocks);
		e->direct_bytes = vgt_count_add(e->direct_bytes, from->direct_bytes);
		e->indirect_bytes = vgt_count_add(e->indirect_bytes, from->indirect_bytes);
		if (from->has_delta) {
			e->has_delta = 1;
			e->delta_bytes = vgt_delta_add(e->delta_bytes, from->delta_bytes);
			e->delta_blocks = vgt_delta_add(e->delta_blocks, from->delta_blocks);
		}
		e->records += from->records;
		e->occurrences = vgt_count_add(e->occurrences, from->occurrences);
		for (size_t k = 0; k < from->n_recs && e->n_recs < PROCS_MAX_STACKS; k++) {
			grow_recs(e);
			e->recs[e->n_recs++] = from->recs[k];
		}
	}
}

void procs_site_errorcount(struct vgt_site *site, size_t input_index, uint64_t extra)
{
	entry_for(site, input_index, NULL)->occurrences += extra;
}

void procs_site_release(struct vgt_site *site)
{
	for (size_t i = 0; i < site->n_procs; i++)
		free(site->procs[i].recs);
	free(site->procs);
	site->procs = NULL;
	site->n_procs = site->procs_cap = 0;
}

size_t procs_fork_parent(const struct vgt_report *report, size_t input_index)
{
	const struct vgt_input *c = report->inputs[input_index];
	size_t found = (size_t)-1;
	if (c->ppid <= 0 || c->command == NULL)
		return found;
	for (size_t j = 0; j < report->n_inputs; j++) {
		const struct vgt_input *p = report->inputs[j];
		if (j == input_index || p->pid != c->ppid || p->command == NULL ||
		    strcmp(p->command, c->command) != 0)
			continue;
		/* an XML and a text log of one run: pair like with like */
		if (p->format == c->format || strcmp(p->format, c->format) == 0)
			return j;
		if (found == (size_t)-1)
			found = j;
	}
	return found;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static void site_pids(const struct vgt_report *report, struct vgt_site *site)
{
	if (site->n_procs == 0 && site->detail == NULL)
		return; /* no pids: no detail made for nothing */
	struct vgt_site_detail *d = site_detail_mut(site);
	free(d->pids);
	d->pids = NULL;
	d->n_pids = 0;
	if (site->n_procs == 0)
		return;
	d->pids = xmalloc(site->n_procs * sizeof(*d->pids));
	for (size_t i = 0; i < site->n_procs; i++) {
		long pid = report->inputs[site->procs[i].input]->pid;
		if (pid > 0)
			d->pids[d->n_pids++] = pid;
	}
	qsort(d->pids, d->n_pids, sizeof(*d->pids), cmp_long);
	size_t n = 0;
	for (size_t i = 0; i < d->n_pids; i++)
		if (n == 0 || d->pids[n - 1] != d->pids[i])
			d->pids[n++] = d->pids[i];
	d->n_pids = n;
}

static const struct vgt_site_proc *find_entry(const struct vgt_site *site, size_t input)
{
	for (size_t i = 0; i < site->n_procs; i++)
		if (site->procs[i].input == input)
			return &site->procs[i];
	return NULL;
}

static int has_stack(const struct vgt_site_proc *e, uint64_t hash)
{
	for (size_t i = 0; i < e->n_recs; i++)
		if (e->recs[i].stack_hash == hash)
			return 1;
	return 0;
}

/* Marks the records of each forked child that its parent has too. */
static void site_inherited(struct vgt_site *site, const size_t *parent)
{
	if (site->detail != NULL) {
		site->detail->inherited = 0;
		site->detail->inherited_bytes = site->detail->inherited_blocks = 0;
	}
	for (size_t i = 0; i < site->n_procs; i++) {
		struct vgt_site_proc *e = &site->procs[i];
		e->inherited_bytes = e->inherited_blocks = 0;
		e->inherited_records = 0;
		const struct vgt_site_proc *pe =
			parent[e->input] != (size_t)-1 ? find_entry(site, parent[e->input]) : NULL;
		for (size_t k = 0; k < e->n_recs; k++) {
			struct procs_record *r = &e->recs[k];
			r->inherited = pe != NULL && has_stack(pe, r->stack_hash);
			if (!r->inherited)
				continue;
			e->inherited_bytes += r->bytes;
			e->inherited_blocks += r->blocks;
			e->inherited_records += r->records;
		}
		if (e->inherited_records > 0) {
			struct vgt_site_detail *d = site_detail_mut(site);
			d->inherited = 1;
			d->inherited_bytes += e->inherited_bytes;
			d->inherited_blocks += e->inherited_blocks;
		}
	}
}

struct inherited_sum {
	size_t records;
	uint64_t bytes, blocks;
};

/* One note: which children repeat their parent's leaks, how much of it in
 * the sites shown (marked) and in hidden ones (the interpreter's heap…). */
static void note_inherited(struct vgt_report *report, const size_t *parent)
{
	struct inherited_sum shown = {0}, hidden = {0};
	size_t n_children = 0;
	char pids[256] = "";
	size_t len = 0;
	long first_parent = -1;
	int one_parent = 1;
	for (size_t in = 0; in < report->n_inputs; in++) {
		size_t recs = 0;
		for (size_t s = 0; s < report->n_sites; s++) {
			const struct vgt_site *site = report->sites[s];
			const struct vgt_site_proc *e = find_entry(site, in);
			if (e == NULL || e->inherited_records == 0)
				continue;
			struct inherited_sum *sum = site->hidden ? &hidden : &shown;
			sum->records += e->inherited_records;
			sum->bytes += e->inherited_bytes;
			sum->blocks += e->inherited_blocks;
			recs += e->inherited_records;
		}
		if (recs == 0)
			continue;
		long ppid = report->inputs[parent[in]]->pid;
		if (first_parent == -1)
			first_parent = ppid;
		else if (ppid != first_parent)
			one_parent = 0;
		if (n_children < NOTE_PIDS && len < sizeof(pids))
			len += (size_t)snprintf(pids + len, sizeof(pids) - len, "%s%ld",
						n_children > 0 ? ", " : "", report->inputs[in]->pid);
		else if (n_children == NOTE_PIDS && len < sizeof(pids))
			len += (size_t)snprintf(pids + len, sizeof(pids) - len, ", …");
		n_children++;
	}
	if (n_children == 0)
		return;
	char from[48] = "their parents";
	if (one_parent)
		snprintf(from, sizeof(from), "%ld", first_parent);
	char where[200];
	if (shown.records > 0 && hidden.records > 0)
		snprintf(where, sizeof(where),
			 "%zu leak record%s (%" PRIu64 " bytes in %" PRIu64 " blocks) in the sites "
			 "marked \"inherited from parent\", %zu more in hidden sites",
			 shown.records, shown.records == 1 ? "" : "s", shown.bytes, shown.blocks,
			 hidden.records);
	else if (shown.records > 0)
		snprintf(where, sizeof(where),
			 "%zu leak record%s (%" PRIu64 " bytes in %" PRIu64 " blocks) in the sites "
			 "marked \"inherited from parent\"",
			 shown.records, shown.records == 1 ? "" : "s", shown.bytes, shown.blocks);
	else
		snprintf(where, sizeof(where),
			 "%zu leak record%s (%" PRIu64 " bytes in %" PRIu64 " blocks), all in "
			 "hidden sites", hidden.records, hidden.records == 1 ? "" : "s",
			 hidden.bytes, hidden.blocks);
	report_add_note(report,
			"%s %s (forked from %s without exec) repeat%s leaks of %s parent's heap: "
			"%s; allocated before fork(), they are counted once per process, by "
			"valgrind and in the totals",
			n_children == 1 ? "pid" : "pids", pids, from, n_children == 1 ? "s" : "",
			n_children == 1 ? "its" : "their", where);
}

void procs_finish(struct vgt_report *report)
{
	size_t *parent = xmalloc((report->n_inputs + 1) * sizeof(*parent));
	int any_child = 0;
	for (size_t i = 0; i < report->n_inputs; i++) {
		parent[i] = procs_fork_parent(report, i);
		any_child |= parent[i] != (size_t)-1;
	}
	for (size_t s = 0; s < report->n_sites; s++) {
		struct vgt_site *site = report->sites[s];
		site_pids(report, site);
		site_inherited(site, parent);
	}
	if (any_child)
		note_inherited(report, parent);
	free(parent);
}
