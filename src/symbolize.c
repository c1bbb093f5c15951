/*
 * symbolize.c — derive what valgrind could not say about a frame: the
 * .pyx line and Python name behind Cython-generated C (cymap.h, with
 * demangle.h as the fallback), and the Python function behind a bare ???
 * frame from CPython's perf maps (perfmap.h).  DESIGN.md §3.
 *
 * Everything is cached for the run: each generated file is found and
 * indexed once (per frame dir/file), each distinct frame is resolved once
 * (one hash lookup afterwards), each source file is read once.
 */
#include "vgtriage/analysis.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vgtriage/cxxsym.h"
#include "vgtriage/cymap.h"
#include "vgtriage/demangle.h"
#include "vgtriage/perfmap.h"

#define MAX_SEARCH_DEPTH 6
#define MAX_SEARCH_ENTRIES 20000

/* A generated file as frames name it (dir, file): where it was found. */
struct cfile {
	const char *dir, *file;   /* interned keys (dir may be NULL) */
	char *path;               /* found, or NULL */
	struct cymap *map;
	char *looked;             /* where we looked, for -v */
	int used_unmapped;        /* a frame needed it and it was missing */
};

/* A source file read for context or line text. */
struct source {
	char *path;
	char *text;
	size_t *starts;  /* offset of each line */
	size_t n_lines;
};

/* A .pyx as a marker names it → the real file found for it. */
struct pyx_file {
	const char *name;  /* interned marker path */
	char *path;        /* NULL: not found */
};

struct perf_source {
	char *path;        /* the file (for DIR entries: DIR/perf-PID.map) */
	long pid;          /* -1: an explicit file, for every input */
	struct perfmap *map;
	int noted;
};

struct frame_key {
	const char *fn, *dir, *file, *obj;
	unsigned line;
	uint64_t ip;
	long pid;
};

struct frame_value {
	const char *pyx_file, *pyx_source, *pyname;
	unsigned pyx_line;
	unsigned ambiguous : 1;
	unsigned symbolized : 1;
};

struct frame_slot {
	int used;
	struct frame_key key;
	struct frame_value value;
};

struct symbolizer {
	struct strpool *pool;
	struct symbolize_options opts;
	struct cfile *cfiles;
	size_t n_cfiles, cfiles_cap;
	struct source *sources;
	size_t n_sources, sources_cap;
	struct pyx_file *pyx;
	size_t n_pyx, pyx_cap;
	struct perf_source *perf;
	size_t n_perf, perf_cap;
	struct frame_slot *slots;
	size_t n_slots, n_used;
	/* Python names seen without doubt (from a .c, or demangled from a
	 * cname with one reading): they settle a guess that read the same */
	const char **confirmed;
	size_t n_confirmed_slots, n_confirmed;
	struct cxxsym *cxx;   /* C++ names, frames valgrind could not name */
};

/* ---- small helpers ---- */

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_pyx_name(const char *file)
{
	return file != NULL && (has_suffix(file, ".pyx") || has_suffix(file, ".pxd") ||
				has_suffix(file, ".pxi") || has_suffix(file, ".py"));
}

static char *join(const char *a, const char *b)
{
	if (a == NULL || *a == '\0' || b[0] == '/')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, has_suffix(a, "/") ? "" : "/", b);
}

static void add_looked(char **looked, const char *path)
{
	char *old = *looked;
	*looked = old == NULL ? xstrdup(path) : xasprintf("%s, %s", old, path);
	free(old);
}

/* Tries one candidate; returns a malloc'd copy when it is a file. */
static char *try_path(char *candidate, char **looked)
{
	if (is_file(candidate))
		return candidate;
	add_looked(looked, candidate);
	free(candidate);
	return NULL;
}

/* root + the last k components of dir + file, longest suffix first. */
static char *try_root(const char *root, const char *dir, const char *file, char **looked)
{
	if (dir != NULL && *dir != '\0') {
		for (const char *p = dir; *p != '\0'; p++) {
			int starts = (p == dir && *p != '/') || (p > dir && p[-1] == '/' && *p != '/');
			if (!starts)
				continue;
			char *rel = join(p, file);
			char *found = try_path(join(root, rel), looked);
			free(rel);
			if (found != NULL)
				return found;
		}
	}
	return try_path(join(root, file), looked);
}

/* Depth-limited search under root for a file named base whose cymap
 * defines fn (text logs give no directory). */
static char *search_tree(struct symbolizer *sym, const char *root, const char *base,
			 const char *fn, int depth, size_t *budget)
{
	if (depth > MAX_SEARCH_DEPTH || *budget == 0)
		return NULL;
	DIR *d = opendir(root);
	if (d == NULL)
		return NULL;
	char *found = NULL;
	struct dirent *de;
	while (found == NULL && (de = readdir(d)) != NULL && *budget > 0) {
		(*budget)--;
		if (de->d_name[0] == '.')
			continue;
		char *path = join(root, de->d_name);
		if (strcmp(de->d_name, base) == 0 && is_file(path)) {
			struct cymap *map = cymap_load(sym->pool, path, NULL);
			int ok = map != NULL && (fn == NULL || cymap_defines(map, fn));
			cymap_free(map);
			if (ok) {
				found = path;
				path = NULL;
			}
		} else if (is_dir(path)) {
			found = search_tree(sym, path, base, fn, depth + 1, budget);
		}
		free(path);
	}
	closedir(d);
	return found;
}

/* The path a prefix map makes of dir (NULL if none applies). */
static char *apply_prefix_map(const struct prefix_map *pm, const char *dir)
{
	size_t n = strlen(pm->old_prefix);
	while (n > 1 && pm->old_prefix[n - 1] == '/')
		n--;
	if (strncmp(dir, pm->old_prefix, n) != 0 || (dir[n] != '\0' && dir[n] != '/'))
		return NULL;
	return xasprintf("%s%s", pm->new_prefix, dir + n);
}

/* Finds a file named by a frame: dir/file, then each --source-root (by
 * trailing components, then by a bounded search when there is no dir),
 * then each --prefix-map applied to dir. */
static char *find_file(struct symbolizer *sym, const char *dir, const char *file,
		       const char *fn, char **looked)
{
	char *found;
	if (file[0] == '/' || dir == NULL || *dir == '\0')
		found = try_path(xstrdup(file), looked);
	else
		found = try_path(join(dir, file), looked);
	if (found != NULL)
		return found;
	for (size_t i = 0; i < sym->opts.n_source_roots; i++) {
		const char *root = sym->opts.source_roots[i];
		found = try_root(root, dir, file, looked);
		if (found != NULL)
			return found;
		if (dir == NULL || *dir == '\0') {
			size_t budget = MAX_SEARCH_ENTRIES;
			found = search_tree(sym, root, basename_of(file), fn, 0, &budget);
			if (found != NULL)
				return found;
		}
	}
	for (size_t i = 0; i < sym->opts.n_prefix_maps; i++) {
		const char *d = dir != NULL && *dir != '\0' ? dir : file;
		char *mapped = apply_prefix_map(&sym->opts.prefix_maps[i], d);
		if (mapped == NULL)
			continue;
		found = try_path(d == file ? mapped : join(mapped, file), looked);
		if (d != file)
			free(mapped);
		if (found != NULL)
			return found;
	}
	return NULL;
}

/* ---- generated files ---- */

static struct cfile *cfile_for(struct symbolizer *sym, const char *dir, const char *file,
			       const char *fn)
{
	for (size_t i = 0; i < sym->n_cfiles; i++)
		if (sym->cfiles[i].dir == dir && sym->cfiles[i].file == file)
			return &sym->cfiles[i];
	sym->cfiles = xgrow(sym->cfiles, &sym->cfiles_cap, sym->n_cfiles + 1, sizeof(*sym->cfiles));
	struct cfile *cf = &sym->cfiles[sym->n_cfiles++];
	memset(cf, 0, sizeof(*cf));
	cf->dir = dir;
	cf->file = file;
	cf->path = find_file(sym, dir, file, fn, &cf->looked);
	if (cf->path != NULL)
		cf->map = cymap_load(sym->pool, cf->path, NULL);
	return cf;
}

/* ---- source files ---- */

static struct source *source_load(struct symbolizer *sym, const char *path)
{
	for (size_t i = 0; i < sym->n_sources; i++)
		if (strcmp(sym->sources[i].path, path) == 0)
			return sym->sources[i].text != NULL ? &sym->sources[i] : NULL;
	sym->sources = xgrow(sym->sources, &sym->sources_cap, sym->n_sources + 1,
			     sizeof(*sym->sources));
	struct source *src = &sym->sources[sym->n_sources++];
	memset(src, 0, sizeof(*src));
	src->path = xstrdup(path);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	size_t cap = 1 << 14, len = 0, got;
	char *buf = xmalloc(cap);
	while ((got = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
		len += got;
		if (len + 1 == cap)
			buf = xgrow(buf, &cap, cap * 2, 1);
	}
	fclose(fp);
	buf[len] = '\0';
	size_t lines_cap = 0;
	for (size_t pos = 0; pos < len;) {
		src->starts = xgrow(src->starts, &lines_cap, src->n_lines + 1, sizeof(*src->starts));
		src->starts[src->n_lines++] = pos;
		char *nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > buf + pos && nl[-1] == '\r')
			nl[-1] = '\0';
		pos = (size_t)(nl - buf) + 1;
	}
	src->text = buf;
	return src;
}

static const char *source_line(const struct source *src, unsigned line)
{
	if (src == NULL || line == 0 || line > src->n_lines)
		return NULL;
	return src->text + src->starts[line - 1];
}

static const char *trimmed(struct strpool *pool, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strpool_intern_n(pool, s, n);
}

/* The real file of a marker path, looked for next to the generated file
 * and its ancestors (Cython ran in one of them), then under the roots. */
static const char *pyx_real_path(struct symbolizer *sym, const char *name, const char *c_path,
				 const char *dir)
{
	for (size_t i = 0; i < sym->n_pyx; i++)
		if (sym->pyx[i].name == name && sym->pyx[i].path != NULL)
			return sym->pyx[i].path;
	char *found = NULL, *looked = NULL;
	if (name[0] == '/') {
		found = try_path(xstrdup(name), &looked);
	}
	if (found == NULL && c_path != NULL) {
		char *d = xstrdup(c_path);
		for (int depth = 0; found == NULL && depth < 8; depth++) {
			char *slash = strrchr(d, '/');
			if (slash == NULL) {
				found = try_path(xstrdup(name), &looked);
				break;
			}
			*slash = '\0';
			found = try_path(join(*d != '\0' ? d : "/", name), &looked);
		}
		free(d);
	}
	if (found == NULL && dir != NULL)
		found = find_file(sym, dir, basename_of(name), NULL, &looked);
	for (size_t i = 0; found == NULL && i < sym->opts.n_source_roots; i++)
		found = try_root(sym->opts.source_roots[i], NULL, name, &looked);
	free(looked);
	sym->pyx = xgrow(sym->pyx, &sym->pyx_cap, sym->n_pyx + 1, sizeof(*sym->pyx));
	sym->pyx[sym->n_pyx].name = name;
	sym->pyx[sym->n_pyx].path = found;
	sym->n_pyx++;
	return found;
}

/* ---- perf maps ---- */

static struct perfmap *perf_for(struct symbolizer *sym, const char *path, long pid)
{
	for (size_t i = 0; i < sym->n_perf; i++)
		if (sym->perf[i].pid == pid && strcmp(sym->perf[i].path, path) == 0)
			return sym->perf[i].map;
	sym->perf = xgrow(sym->perf, &sym->perf_cap, sym->n_perf + 1, sizeof(*sym->perf));
	struct perf_source *ps = &sym->perf[sym->n_perf++];
	memset(ps, 0, sizeof(*ps));
	ps->path = xstrdup(path);
	ps->pid = pid;
	ps->map = perfmap_new(sym->pool, path);
	return ps->map;
}

static const char *perf_lookup(struct symbolizer *sym, long pid, uint64_t ip)
{
	for (size_t i = 0; i < sym->opts.n_perf_maps; i++) {
		const char *entry = sym->opts.perf_maps[i];
		struct perfmap *map;
		if (is_dir(entry)) {
			if (pid <= 0)
				continue;
			char *path = xasprintf("%s/perf-%ld.map", entry, pid);
			map = perf_for(sym, path, pid);
			free(path);
		} else {
			map = perf_for(sym, entry, -1);
		}
		const char *name = perfmap_lookup(map, ip);
		if (name != NULL)
			return name;
	}
	return NULL;
}

/* ---- frames ---- */

/* --line-directives: valgrind names the .pyx itself.  The marker path
 * comes from the generated file next to it when found, else from the
 * module path in the cname ("6shapes_5leaks_" + leaks.pyx →
 * shapes/leaks.pyx). */
static void symbolize_directive(struct symbolizer *sym, const struct vgt_frame *f,
				struct frame_value *v)
{
	const char *base = basename_of(f->file);
	const char *dot = strrchr(base, '.');
	size_t stem = dot != NULL ? (size_t)(dot - base) : strlen(base);
	char *cname = xasprintf("%.*s.c", (int)stem, base);
	struct cfile *cf = cfile_for(sym, f->dir, strpool_intern(sym->pool, cname), f->fn);
	free(cname);
	const char *pyx = NULL;
	if (cf->map != NULL) {
		pyx = cymap_pyx_path(cf->map, base);
		v->pyname = cymap_qualname(cf->map, f->fn);
	}
	if (pyx == NULL) {
		struct demangle_parts parts;
		char buf[512] = "";
		size_t used = 0;
		if (demangle_split(f->fn, &parts) == 0) {
			for (size_t i = 0; i < parts.n_scopes; i++) {
				if (parts.scope[i].len == stem &&
				    strncmp(parts.scope[i].s, base, stem) == 0) {
					for (size_t j = 0; j < i && used < sizeof(buf); j++)
						used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%.*s/",
									 (int)parts.scope[j].len,
									 parts.scope[j].s);
					break;
				}
			}
		}
		if (used < sizeof(buf))
			snprintf(buf + used, sizeof(buf) - used, "%s", base);
		pyx = strpool_intern(sym->pool, buf);
	}
	v->pyx_file = pyx;
	v->pyx_line = f->line;
	const char *real = pyx_real_path(sym, pyx, cf->path, f->dir);
	const char *text = real != NULL ? source_line(source_load(sym, real), f->line) : NULL;
	if (text != NULL)
		v->pyx_source = trimmed(sym->pool, text);
	else if (cf->map != NULL)
		v->pyx_source = cymap_source_of(cf->map, pyx, f->line);
	if (v->pyname == NULL) {
		int amb;
		v->pyname = demangle_cython(sym->pool, f->fn, &amb);
		v->ambiguous = amb;
	}
	v->symbolized = 1;
}

static void symbolize_generated(struct symbolizer *sym, const struct vgt_frame *f,
				struct frame_value *v)
{
	struct cfile *cf = f->file != NULL ? cfile_for(sym, f->dir, f->file, f->fn) : NULL;
	if (cf != NULL && cf->map != NULL) {
		struct cymap_hit hit;
		if (f->line > 0 && cymap_lookup(cf->map, f->line, &hit)) {
			v->pyx_file = hit.pyx_path;
			v->pyx_line = hit.pyx_line;
			v->pyx_source = hit.source;
			v->pyname = hit.qualname;
		}
		if (v->pyname == NULL)
			v->pyname = cymap_qualname(cf->map, f->fn);
	} else if (cf != NULL) {
		cf->used_unmapped = 1;
	}
	if (v->pyname == NULL) {
		int amb;
		v->pyname = demangle_cython(sym->pool, f->fn, &amb);
		v->ambiguous = amb;
	}
	v->symbolized = 1;
}

static size_t ptr_hash(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 17);
}

static int is_confirmed(const struct symbolizer *sym, const char *name)
{
	if (sym->n_confirmed_slots == 0)
		return 0;
	size_t mask = sym->n_confirmed_slots - 1;
	for (size_t i = ptr_hash(name) & mask; sym->confirmed[i] != NULL; i = (i + 1) & mask)
		if (sym->confirmed[i] == name)
			return 1;
	return 0;
}

static void confirm(struct symbolizer *sym, const char *name)
{
	if (is_confirmed(sym, name))
		return;
	if ((sym->n_confirmed + 1) * 2 > sym->n_confirmed_slots) {
		const char **old = sym->confirmed;
		size_t old_n = sym->n_confirmed_slots;
		sym->n_confirmed_slots = old_n == 0 ? 64 : old_n * 2;
		sym->confirmed = xcalloc(sym->n_confirmed_slots, sizeof(*sym->confirmed));
		sym->n_confirmed = 0;
		for (size_t i = 0; i < old_n; i++)
			if (old[i] != NULL)
				confirm(sym, old[i]);
		free(old);
	}
	size_t mask = sym->n_confirmed_slots - 1;
	size_t i = ptr_hash(name) & mask;
	while (sym->confirmed[i] != NULL)
		i = (i + 1) & mask;
	sym->confirmed[i] = name;
	sym->n_confirmed++;
}

static void resolve(struct symbolizer *sym, const struct vgt_frame *f, long pid,
		    struct frame_value *v)
{
	memset(v, 0, sizeof(*v));
	if (f->fn == NULL) {
		if (f->obj == NULL || *f->obj == '\0') {
			v->pyname = perf_lookup(sym, pid, f->ip);
			v->symbolized = v->pyname != NULL;
		}
		return;
	}
	if (!cymap_is_user_function(f->fn))
		return; /* plain C, or Cython utility code: never a .pyx line */
	if (is_pyx_name(f->file) && f->line > 0)
		symbolize_directive(sym, f, v);
	else
		symbolize_generated(sym, f, v);
	if (v->pyname != NULL && !v->ambiguous)
		confirm(sym, v->pyname);
}

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t key_hash(const struct frame_key *k)
{
	uint64_t h = 0;
	h = mix(h, (uint64_t)(uintptr_t)k->fn);
	h = mix(h, (uint64_t)(uintptr_t)k->dir);
	h = mix(h, (uint64_t)(uintptr_t)k->file);
	h = mix(h, (uint64_t)(uintptr_t)k->obj);
	h = mix(h, k->line);
	h = mix(h, k->ip);
	h = mix(h, (uint64_t)k->pid);
	return h;
}

static int key_equal(const struct frame_key *a, const struct frame_key *b)
{
	return a->fn == b->fn && a->dir == b->dir && a->file == b->file && a->obj == b->obj &&
	       a->line == b->line && a->ip == b->ip && a->pid == b->pid;
}

static void grow_slots(struct symbolizer *sym)
{
	size_t n = sym->n_slots == 0 ? 256 : sym->n_slots * 2;
	struct frame_slot *old = sym->slots;
	size_t old_n = sym->n_slots;
	sym->slots = xcalloc(n, sizeof(*sym->slots));
	sym->n_slots = n;
	for (size_t i = 0; i < old_n; i++) {
		if (!old[i].used)
			continue;
		size_t j = (size_t)key_hash(&old[i].key) & (n - 1);
		while (sym->slots[j].used)
			j = (j + 1) & (n - 1);
		sym->slots[j] = old[i];
	}
	free(old);
}

static struct frame_value *lookup_frame(struct symbolizer *sym, const struct vgt_frame *f,
					      long pid)
{
	struct frame_key key = {f->fn, f->dir, f->file, f->obj, f->line, 0, 0};
	if (f->fn == NULL) { /* a perf-map frame: the ip and process matter */
		key.ip = f->ip;
		key.pid = pid;
	}
	if ((sym->n_used + 1) * 2 > sym->n_slots)
		grow_slots(sym);
	size_t mask = sym->n_slots - 1;
	size_t i = (size_t)key_hash(&key) & mask;
	while (sym->slots[i].used) {
		if (key_equal(&sym->slots[i].key, &key))
			return &sym->slots[i].value;
		i = (i + 1) & mask;
	}
	struct frame_value v;
	resolve(sym, f, pid, &v);
	/* resolve() does not touch the table, so slot i is still free */
	sym->slots[i].used = 1;
	sym->slots[i].key = key;
	sym->slots[i].value = v;
	sym->n_used++;
	return &sym->slots[i].value;
}

/* ---- API ---- */

struct symbolizer *symbolizer_new(struct strpool *pool, const struct symbolize_options *opts)
{
	struct symbolizer *sym = xcalloc(1, sizeof(*sym));
	sym->pool = pool;
	if (opts != NULL)
		sym->opts = *opts;
	sym->cxx = cxxsym_new(pool, &sym->opts);
	return sym;
}

void symbolizer_free(struct symbolizer *sym)
{
	if (sym == NULL)
		return;
	for (size_t i = 0; i < sym->n_cfiles; i++) {
		free(sym->cfiles[i].path);
		free(sym->cfiles[i].looked);
		cymap_free(sym->cfiles[i].map);
	}
	free(sym->cfiles);
	for (size_t i = 0; i < sym->n_sources; i++) {
		free(sym->sources[i].path);
		free(sym->sources[i].text);
		free(sym->sources[i].starts);
	}
	free(sym->sources);
	for (size_t i = 0; i < sym->n_pyx; i++)
		free(sym->pyx[i].path);
	free(sym->pyx);
	for (size_t i = 0; i < sym->n_perf; i++) {
		free(sym->perf[i].path);
		perfmap_free(sym->perf[i].map);
	}
	free(sym->perf);
	free(sym->slots);
	free(sym->confirmed);
	cxxsym_free(sym->cxx);
	free(sym);
}

void symbolize_stack(struct symbolizer *sym, const struct vgt_input *input,
		     struct vgt_stack *stack)
{
	if (sym == NULL || stack == NULL)
		return;
	long pid = input != NULL ? input->pid : 0;
	cxxsym_stack(sym->cxx, pid, stack);
	for (size_t i = 0; i < stack->count; i++) {
		struct vgt_frame *f = &stack->frames[i];
		if (f->fn == NULL && sym->opts.n_perf_maps == 0)
			continue;
		if (f->fn != NULL && !cymap_is_user_function(f->fn))
			continue;
		struct frame_value *v = lookup_frame(sym, f, pid);
		if (!v->symbolized)
			continue;
		if (v->ambiguous && is_confirmed(sym, v->pyname))
			v->ambiguous = 0; /* e.g. the wrapper above named it for sure */
		f->pyx_file = v->pyx_file;
		f->pyx_line = v->pyx_line;
		f->pyx_source = v->pyx_source;
		f->pyname = v->pyname;
		f->pyname_ambiguous = v->ambiguous;
		f->symbolized = 1;
	}
	/* a wrapper below an implementation confirms it after the fact */
	for (size_t i = 0; i < stack->count; i++) {
		struct vgt_frame *f = &stack->frames[i];
		if (f->pyname_ambiguous && is_confirmed(sym, f->pyname)) {
			f->pyname_ambiguous = 0;
			lookup_frame(sym, f, pid)->ambiguous = 0;
		}
	}
}

void symbolize_context(struct symbolizer *sym, struct vgt_site *site)
{
	const struct vgt_location *loc = &site->location;
	if (sym == NULL || loc->file == NULL || loc->line == 0 || sym->opts.context_lines == 0 ||
	    site->context.lines != NULL)
		return;
	const char *path = NULL;
	char *owned = NULL;
	if (loc->mapped) {
		const char *c_path = NULL;
		for (size_t i = 0; i < sym->n_cfiles && c_path == NULL; i++)
			if (sym->cfiles[i].map != NULL &&
			    cymap_pyx_path(sym->cfiles[i].map, basename_of(loc->file)) == loc->file)
				c_path = sym->cfiles[i].path;
		path = pyx_real_path(sym, loc->file, c_path, loc->dir);
	} else if (loc->file[0] != '<') {
		char *looked = NULL;
		owned = find_file(sym, loc->dir, loc->file, NULL, &looked);
		free(looked);
		path = owned;
	}
	struct source *src = path != NULL ? source_load(sym, path) : NULL;
	free(owned);
	if (src == NULL || loc->line > src->n_lines)
		return;
	size_t k = sym->opts.context_lines;
	unsigned first = loc->line > k ? loc->line - (unsigned)k : 1;
	size_t last = loc->line + k < src->n_lines ? loc->line + k : src->n_lines;
	site->context.first_line = first;
	site->context.count = last - first + 1;
	site->context.lines = xmalloc(site->context.count * sizeof(*site->context.lines));
	for (size_t i = 0; i < site->context.count; i++)
		site->context.lines[i] = strpool_intern(sym->pool, source_line(src, first + (unsigned)i));
}

void symbolize_add_maps(struct symbolizer *sym, long pid, const char *maps_text)
{
	if (sym != NULL)
		cxxsym_add_maps(sym->cxx, pid, maps_text);
}

void symbolize_notes(struct symbolizer *sym, struct vgt_report *report)
{
	if (sym == NULL)
		return;
	cxxsym_notes(sym->cxx, report);
	for (size_t i = 0; i < sym->n_cfiles; i++) {
		const struct cfile *cf = &sym->cfiles[i];
		if (!cf->used_unmapped)
			continue;
		report_add_note(report,
				"Cython source map not found for %s%s%s: Python names are demangled "
				"from C names, lines are C lines (use --source-root or --prefix-map)",
				cf->dir != NULL ? cf->dir : "", cf->dir != NULL ? "/" : "", cf->file);
		if (sym->opts.verbose && cf->looked != NULL)
			report_add_note(report, "looked for %s in: %s", cf->file, cf->looked);
	}
	size_t guessed = 0;
	for (size_t i = 0; i < sym->n_slots; i++)
		if (sym->slots[i].used && sym->slots[i].value.ambiguous)
			guessed++;
	if (guessed > 0)
		report_add_note(report,
				"%zu Python name%s guessed from C names without the generated file "
				"(ambiguous)", guessed, guessed == 1 ? " was" : "s were");
	for (size_t i = 0; i < sym->n_perf; i++) {
		const struct perf_source *ps = &sym->perf[i];
		if (!perfmap_readable(ps->map))
			report_add_note(report, "perf map %s could not be read", ps->path);
		else if (sym->opts.verbose)
			report_add_note(report, "perf map %s: %zu entries", ps->path,
					perfmap_count(ps->map));
	}
}
