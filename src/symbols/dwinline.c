/*
 * dwinline.c — the calls inlined at an address, from DWARF.  See
 * dwinline.h.
 */
#include "symbols/dwinline.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "vgtriage/vgt.h"

void dwinline_split(const char *path, char **dir, char **file)
{
	const char *slash = strrchr(path, '/');
	*dir = slash != NULL ? xstrndup(path, (size_t)(slash - path)) : NULL;
	*file = xstrdup(slash != NULL ? slash + 1 : path);
}

void dwinline_clear(struct dwinline *d)
{
	free(d->innermost);
	for (size_t i = 0; i < d->n; i++) {
		free((char *)d->callers[i].fn);
		free((char *)d->callers[i].dir);
		free((char *)d->callers[i].file);
	}
	memset(d, 0, sizeof(*d));
}

/* The source path of an inlined call (DW_AT_call_file, an index into its
 * unit's file table), joined to the unit's directory when relative, as
 * valgrind joins a line's file; NULL when unknown. */
static char *call_path(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	if (dwarf_attr_integrate(die, DW_AT_call_file, &attr) == NULL ||
	    dwarf_formudata(&attr, &idx) != 0)
		return NULL;
	Dwarf_Files *files;
	size_t n_files;
	if (dwarf_getsrcfiles(cu, &files, &n_files) != 0 || idx >= n_files)
		return NULL;
	const char *name = dwarf_filesrc(files, idx, NULL, NULL);
	if (name == NULL)
		return NULL;
	const char *comp = NULL;
	if (name[0] != '/' && dwarf_attr(cu, DW_AT_comp_dir, &attr) != NULL)
		comp = dwarf_formstring(&attr);
	return comp != NULL ? xasprintf("%s/%s", comp, name) : xstrdup(name);
}

static unsigned call_line(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;
	if (dwarf_attr_integrate(die, DW_AT_call_line, &attr) == NULL ||
	    dwarf_formudata(&attr, &line) != 0 || line == 0 || line > 0xffffffffu)
		return 0;
	return (unsigned)line;
}

/* The concrete scopes holding pc, outermost first, below parent: the
 * subprogram, lexical blocks, inlined calls (dwarf_getscopes turns to the
 * abstract origin's scopes at the first inlined call: no call sites).
 * Namespaces are looked into: some compilers nest definitions in them
 * (at most MAX_NESTING deep: a hostile file may nest without end). */
#define MAX_NESTING 64
static void descend(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *path, int *n, int max,
		    int nesting)
{
	Dwarf_Die child;
	if (*n >= max || nesting > MAX_NESTING || dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_namespace) {
			int before = *n;
			descend(&child, pc, path, n, max, nesting + 1);
			if (*n > before)
				return;
		} else if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
			    tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
			    tag == DW_TAG_catch_block) && dwarf_haspc(&child, pc) > 0) {
			path[(*n)++] = child;
			descend(&child, pc, path, n, max, nesting + 1);
			return;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

void dwinline_at(struct Dwfl_Module *mod, uint64_t addr, struct dwinline *out)
{
	dwinline_clear(out);
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	if (cu == NULL)
		return;
	/* outermost first; the inlined calls innermost first, as valgrind
	 * lists them */
	Dwarf_Die chain[2 * DWINLINE_MAX + 8];
	int depth = 0;
	descend(cu, addr - bias, chain, &depth, (int)(sizeof(chain) / sizeof(chain[0])), 0);
	Dwarf_Die scopes[2 * DWINLINE_MAX + 8];
	int n = 0;
	for (int i = depth - 1; i >= 0; i--)
		scopes[n++] = chain[i];
	int inl[DWINLINE_MAX + 1];
	int n_inl = 0, complete = 0;
	for (int i = 0; i < n && n_inl <= DWINLINE_MAX; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram) {
			complete = 1;
			break;
		}
		if (tag == DW_TAG_inlined_subroutine)
			inl[n_inl++] = i;
	}
	if (n_inl > 0) {
		const char *name = dwarf_diename(&scopes[inl[0]]); /* through the abstract origin */
		out->innermost = name != NULL ? xstrdup(name) : NULL;
	}
	/* each call's site names its caller's frame; all known, or none */
	int ok = complete && n_inl <= DWINLINE_MAX && out->innermost != NULL;
	for (int k = 0; ok && k < n_inl; k++) {
		struct dwinline_caller *c = &out->callers[k];
		char *path = call_path(cu, &scopes[inl[k]]);
		c->line = call_line(&scopes[inl[k]]);
		const char *caller = k + 1 < n_inl ? dwarf_diename(&scopes[inl[k + 1]]) : NULL;
		out->n = (size_t)k + 1;
		if (path == NULL || c->line == 0 || (k + 1 < n_inl && caller == NULL)) {
			free(path);
			ok = 0;
			break;
		}
		c->fn = caller != NULL ? xstrdup(caller) : NULL;
		char *dir, *file;
		dwinline_split(path, &dir, &file);
		c->dir = dir;
		c->file = file;
		free(path);
	}
	if (!ok) {
		char *keep = out->innermost;
		out->innermost = NULL;
		dwinline_clear(out);
		out->innermost = keep;
	}
}
