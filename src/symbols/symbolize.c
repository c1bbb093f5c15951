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
#include "symbols/symbolize.h"
#include "base/safefile.h"
#include "symbols/classify.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "symbols/cxxsym.h"
#include "symbols/cymap.h"
#include "symbols/demangle.h"
#include "symbols/perfmap.h"
#include "base/srcpolicy.h"

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
	/* where it was looked for when not found (c_path is a cfile's) */
	const char *c_path, *dir;
};

/* A file the source policy would not read (for -v notes). */
struct refused {
	char *path;
	const char *why;
};

struct perf_source {
	char *path;        /* the file (for DIR entries: DIR/perf-PID.map) */
	long pid;          /* -1: an explicit file, for every input */
	struct perfmap *map;
	int noted;
};

/*
 * Threads: `vgtriage -j N` reads inputs in parallel, each into a report of
 * its own, and all of them share one symbolizer (one load of each
 * generated file, one set of confirmed names).  symbolize_frame takes the
 * lock; everything else runs on the main thread once the readers are done.
 * The symbolizer's strings live in its own pool (the main report's
 * sym_pool), which outlives the readers' reports.
 */
struct ctx_file {
	const char *dir, *file; /* interned in the symbolizer's pool; file NULL = empty */
	char *path;             /* NULL: not found */
};

struct symbolizer {
	pthread_mutex_t lock;
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
	/* Python names seen without doubt (from a .c, or demangled from a
	 * cname with one reading): they settle a guess that read the same */
	const char **confirmed;
	size_t n_confirmed_slots, n_confirmed;
	/* every file named by the input is read through the policy */
	struct srcpolicy *policy;
	struct refused *refused;
	size_t n_refused, refused_cap;
	/* C sources looked for by symbolize_context, found or not, by
	 * (dir, file): each is looked for once, not once per site */
	struct ctx_file *ctx_files;
	size_t n_ctx_slots, n_ctx_files;
	struct cxxsym *cxx;   /* C++ names, frames valgrind could not name */
	/* frames' strings as this pool's (new frames are looked up by
	 * their object: the map spares the pool's strlen and hash) */
	struct strpool_map frame_strs;
};

/* ---- small helpers ---- */

static int is_pyx_name(const char *file)
{
	return file != NULL && (vgt_has_suffix(file, ".pyx") || vgt_has_suffix(file, ".pxd") ||
				vgt_has_suffix(file, ".pxi") || vgt_has_suffix(file, ".py"));
}

static char *join(const char *a, const char *b)
{
	if (a == NULL || *a == '\0' || b[0] == '/')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, vgt_has_suffix(a, "/") ? "" : "/", b);
}

static void add_looked(char **looked, const char *path)
{
	char *old = *looked;
	*looked = old == NULL ? xstrdup(path) : xasprintf("%s, %s", old, path);
	free(old);
}

/* Remembers a file that exists but that the policy refuses. */
static void note_refused(struct symbolizer *sym, const char *path, const char *why)
{
	if (strcmp(why, SRCPOLICY_MISSING) == 0)
		return;
	for (size_t i = 0; i < sym->n_refused; i++)
		if (strcmp(sym->refused[i].path, path) == 0)
			return;
	sym->refused = xgrow(sym->refused, &sym->refused_cap, sym->n_refused + 1,
			     sizeof(*sym->refused));
	sym->refused[sym->n_refused].path = xstrdup(path);
	sym->refused[sym->n_refused].why = why;
	sym->n_refused++;
}

/* Tries one candidate; returns it (malloc'd) when the policy lets us read it. */
static char *try_path(struct symbolizer *sym, char *candidate, char **looked)
{
	const char *why;
	if (srcpolicy_check(sym->policy, candidate, &why) == 0)
		return candidate;
	note_refused(sym, candidate, why);
	add_looked(looked, candidate);
	free(candidate);
	return NULL;
}

/* A file's contents through the policy (NULL when refused or unreadable). */
static char *read_allowed(struct symbolizer *sym, const char *path, size_t *len)
{
	const char *why;
	char *text = srcpolicy_read(sym->policy, path, len, &why);
	if (text == NULL)
		note_refused(sym, path, why);
	return text;
}

static struct cymap *load_map(struct symbolizer *sym, const char *path)
{
	size_t len;
	char *text = read_allowed(sym, path, &len);
	if (text == NULL)
		return NULL;
	struct cymap *map = cymap_parse(sym->pool, text, len);
	free(text);
	return map;
}

/* root + the last k components of dir + file, longest suffix first. */
static char *try_root(struct symbolizer *sym, const char *root, const char *dir, const char *file,
		      char **looked)
{
	if (dir != NULL && *dir != '\0') {
		for (const char *p = dir; *p != '\0'; p++) {
			int starts = (p == dir && *p != '/') || (p > dir && p[-1] == '/' && *p != '/');
			if (!starts)
				continue;
			char *rel = join(p, file);
			char *found = try_path(sym, join(root, rel), looked);
			free(rel);
			if (found != NULL)
				return found;
		}
	}
	return try_path(sym, join(root, file), looked);
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
		if (strcmp(de->d_name, base) == 0 && safefile_is_regular(path)) {
			struct cymap *map = load_map(sym, path);
			int ok = map != NULL && (fn == NULL || cymap_defines(map, fn));
			cymap_free(map);
			if (ok) {
				found = path;
				path = NULL;
			}
		} else if (safefile_is_dir(path)) {
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
		found = try_path(sym, xstrdup(file), looked);
	else
		found = try_path(sym, join(dir, file), looked);
	if (found != NULL)
		return found;
	for (size_t i = 0; i < sym->opts.n_source_roots; i++) {
		const char *root = sym->opts.source_roots[i];
		found = try_root(sym, root, dir, file, looked);
		if (found != NULL)
			return found;
		if (dir == NULL || *dir == '\0') {
			size_t budget = MAX_SEARCH_ENTRIES;
			found = search_tree(sym, root, vgt_basename(file), fn, 0, &budget);
			if (found != NULL)
				return found;
		}
	}
	for (size_t i = 0; i < sym->opts.n_prefix_maps; i++) {
		const char *d = dir != NULL && *dir != '\0' ? dir : file;
		char *mapped = apply_prefix_map(&sym->opts.prefix_maps[i], d);
		if (mapped == NULL)
			continue;
		found = try_path(sym, d == file ? mapped : join(mapped, file), looked);
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
		cf->map = load_map(sym, cf->path);
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
	size_t len;
	char *buf = read_allowed(sym, path, &len);
	if (buf == NULL)
		return NULL;
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
	for (size_t i = 0; i < sym->n_pyx; i++) {
		const struct pyx_file *p = &sym->pyx[i];
		if (p->name == name && (p->path != NULL || (p->c_path == c_path && p->dir == dir)))
			return p->path; /* found, or looked for in vain the same way */
	}
	char *found = NULL, *looked = NULL;
	if (name[0] == '/') {
		found = try_path(sym, xstrdup(name), &looked);
	}
	if (found == NULL && c_path != NULL) {
		char *d = xstrdup(c_path);
		for (int depth = 0; found == NULL && depth < 8; depth++) {
			char *slash = strrchr(d, '/');
			if (slash == NULL) {
				found = try_path(sym, xstrdup(name), &looked);
				break;
			}
			*slash = '\0';
			found = try_path(sym, join(*d != '\0' ? d : "/", name), &looked);
		}
		free(d);
	}
	if (found == NULL && dir != NULL)
		found = find_file(sym, dir, vgt_basename(name), NULL, &looked);
	for (size_t i = 0; found == NULL && i < sym->opts.n_source_roots; i++)
		found = try_root(sym, sym->opts.source_roots[i], NULL, name, &looked);
	free(looked);
	sym->pyx = xgrow(sym->pyx, &sym->pyx_cap, sym->n_pyx + 1, sizeof(*sym->pyx));
	sym->pyx[sym->n_pyx].name = name;
	sym->pyx[sym->n_pyx].path = found;
	sym->pyx[sym->n_pyx].c_path = c_path;
	sym->pyx[sym->n_pyx].dir = dir;
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
		if (safefile_is_dir(entry)) {
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
static void symbolize_directive(struct symbolizer *sym, struct vgt_frame *f)
{
	const char *base = vgt_basename(f->file);
	const char *dot = strrchr(base, '.');
	size_t stem = dot != NULL ? (size_t)(dot - base) : strlen(base);
	char *cname = xasprintf("%.*s.c", (int)stem, base);
	struct cfile *cf = cfile_for(sym, f->dir, strpool_intern(sym->pool, cname), f->fn);
	free(cname);
	const char *pyx = NULL;
	if (cf->map != NULL) {
		pyx = cymap_pyx_path(cf->map, base);
		f->pyname = cymap_qualname(cf->map, f->fn);
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
	f->pyx_file = pyx;
	f->pyx_line = f->line;
	const char *real = pyx_real_path(sym, pyx, cf->path, f->dir);
	const char *text = real != NULL ? source_line(source_load(sym, real), f->line) : NULL;
	if (text != NULL)
		f->pyx_source = trimmed(sym->pool, text);
	else if (cf->map != NULL)
		f->pyx_source = cymap_source_of(cf->map, pyx, f->line);
	if (f->pyname == NULL) {
		int amb;
		f->pyname = demangle_cython(sym->pool, f->fn, &amb);
		f->pyname_ambiguous = amb;
	}
	f->symbolized = 1;
}

static void symbolize_generated(struct symbolizer *sym, struct vgt_frame *f)
{
	struct cfile *cf = f->file != NULL ? cfile_for(sym, f->dir, f->file, f->fn) : NULL;
	if (cf != NULL && cf->map != NULL) {
		struct cymap_hit hit;
		if (f->line > 0 && cymap_lookup(cf->map, f->line, &hit)) {
			f->pyx_file = hit.pyx_path;
			f->pyx_line = hit.pyx_line;
			f->pyx_source = hit.source;
			f->pyname = hit.qualname;
		}
		if (f->pyname == NULL)
			f->pyname = cymap_qualname(cf->map, f->fn);
	} else if (cf != NULL) {
		cf->used_unmapped = 1;
	}
	if (f->pyname == NULL) {
		int amb;
		f->pyname = demangle_cython(sym->pool, f->fn, &amb);
		f->pyname_ambiguous = amb;
	}
	f->symbolized = 1;
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

static void resolve(struct symbolizer *sym, struct vgt_frame *f)
{
	if (f->fn == NULL) {
		if (f->obj == NULL || *f->obj == '\0') {
			f->pyname = perf_lookup(sym, f->pid, f->ip);
			f->symbolized = f->pyname != NULL;
		}
		return;
	}
	if (!cymap_is_user_function(f->fn))
		return; /* plain C, or Cython utility code: never a .pyx line */
	if (is_pyx_name(f->file) && f->line > 0)
		symbolize_directive(sym, f);
	else
		symbolize_generated(sym, f);
	if (f->pyname != NULL && !f->pyname_ambiguous)
		confirm(sym, f->pyname);
}

/* ---- API ---- */

struct symbolizer *symbolizer_new(struct strpool *pool, const struct symbolize_options *opts)
{
	struct symbolizer *sym = xcalloc(1, sizeof(*sym));
	pthread_mutex_init(&sym->lock, NULL);
	sym->pool = pool;
	if (opts != NULL)
		sym->opts = *opts;
	sym->policy = srcpolicy_new(sym->opts.source_roots, sym->opts.n_source_roots, 0);
	for (size_t i = 0; i < sym->opts.n_prefix_maps; i++)
		srcpolicy_add_root(sym->policy, sym->opts.prefix_maps[i].new_prefix);
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
	free(sym->confirmed);
	srcpolicy_free(sym->policy);
	for (size_t i = 0; i < sym->n_refused; i++)
		free(sym->refused[i].path);
	free(sym->refused);
	for (size_t i = 0; i < sym->n_ctx_slots; i++)
		free(sym->ctx_files[i].path);
	free(sym->ctx_files);
	pthread_mutex_destroy(&sym->lock);
	cxxsym_free(sym->cxx);
	free(sym);
}

void symbolize_frame(struct symbolizer *sym, struct vgt_frame *f)
{
	if (sym == NULL)
		return;
	if (f->fn == NULL ? sym->opts.n_perf_maps == 0 || (f->obj != NULL && *f->obj != '\0')
			  : !cymap_is_user_function(f->fn))
		return; /* nothing to derive: a plain C frame, or no perf maps */
	pthread_mutex_lock(&sym->lock);
	/* The frame's strings are interned in its own report's pool; the
	 * caches below compare pointers of the symbolizer's pool. */
	struct vgt_frame k = *f;
	k.fn = strpool_map(&sym->frame_strs, sym->pool, f->fn);
	k.obj = strpool_map(&sym->frame_strs, sym->pool, f->obj);
	k.dir = strpool_map(&sym->frame_strs, sym->pool, f->dir);
	k.file = strpool_map(&sym->frame_strs, sym->pool, f->file);
	resolve(sym, &k);
	if (k.pyname_ambiguous && is_confirmed(sym, k.pyname))
		k.pyname_ambiguous = 0; /* e.g. the wrapper above named it for sure */
	pthread_mutex_unlock(&sym->lock);
	f->pyx_file = k.pyx_file;
	f->pyx_line = k.pyx_line;
	f->pyx_source = k.pyx_source;
	f->pyname = k.pyname;
	f->pyname_ambiguous = k.pyname_ambiguous;
	f->symbolized = k.symbolized;
}

void symbolize_settle(struct symbolizer *sym, struct frame_table *ft)
{
	if (sym == NULL || sym->n_confirmed == 0)
		return;
	size_t n = frames_count(ft);
	for (size_t i = 0; i < n; i++) {
		struct vgt_frame *f = frames_at(ft, (uint32_t)i);
		if (f->pyname_ambiguous && is_confirmed(sym, strpool_intern(sym->pool, f->pyname)))
			f->pyname_ambiguous = 0;
	}
}

static size_t ctx_slot(const struct symbolizer *sym, const char *dir, const char *file)
{
	size_t mask = sym->n_ctx_slots - 1;
	size_t i = (ptr_hash(dir) * 31 + ptr_hash(file)) & mask;
	while (sym->ctx_files[i].file != NULL &&
	       (sym->ctx_files[i].dir != dir || sym->ctx_files[i].file != file))
		i = (i + 1) & mask;
	return i;
}

static void grow_ctx_files(struct symbolizer *sym)
{
	struct ctx_file *old = sym->ctx_files;
	size_t n = sym->n_ctx_slots;
	sym->n_ctx_slots = n == 0 ? 64 : n * 2;
	sym->ctx_files = xcalloc(sym->n_ctx_slots, sizeof(*sym->ctx_files));
	for (size_t i = 0; i < n; i++)
		if (old[i].file != NULL)
			sym->ctx_files[ctx_slot(sym, old[i].dir, old[i].file)] = old[i];
	free(old);
}

/* The C source a location names, looked for once per (dir, file). */
static const char *context_c_path(struct symbolizer *sym, const char *dir, const char *file)
{
	dir = strpool_intern(sym->pool, dir);
	file = strpool_intern(sym->pool, file);
	if ((sym->n_ctx_files + 1) * 2 > sym->n_ctx_slots)
		grow_ctx_files(sym);
	struct ctx_file *cf = &sym->ctx_files[ctx_slot(sym, dir, file)];
	if (cf->file == NULL) {
		char *looked = NULL;
		cf->dir = dir;
		cf->file = file;
		cf->path = find_file(sym, dir, file, NULL, &looked);
		free(looked);
		sym->n_ctx_files++;
	}
	return cf->path;
}

/* The path of the source file a location names (the .pyx when mapped);
 * every lookup, found or not, is remembered. */
static const char *location_path(struct symbolizer *sym, const struct vgt_location *loc)
{
	const char *path = NULL;
	if (loc->file == NULL)
		return NULL;
	if (loc->mapped) {
		/* pointers of the symbolizer's pool, as the maps and caches hold */
		const char *file = strpool_intern(sym->pool, loc->file);
		const char *c_path = NULL;
		for (size_t i = 0; i < sym->n_cfiles && c_path == NULL; i++)
			if (sym->cfiles[i].map != NULL &&
			    cymap_pyx_path(sym->cfiles[i].map, vgt_basename(file)) == file)
				c_path = sym->cfiles[i].path;
		path = pyx_real_path(sym, file, c_path, strpool_intern(sym->pool, loc->dir));
	} else if (loc->file[0] != '<') {
		path = context_c_path(sym, loc->dir, loc->file);
	}
	return path;
}

char *symbolize_source_path(struct symbolizer *sym, const struct vgt_location *loc)
{
	if (sym == NULL)
		return NULL;
	const char *path = location_path(sym, loc);
	return path != NULL ? xstrdup(path) : NULL;
}

/* The real source of a site's location, or NULL. */
static struct source *site_source(struct symbolizer *sym, const struct vgt_site *site)
{
	const char *path = location_path(sym, &site->location);
	return path != NULL ? source_load(sym, path) : NULL;
}

static void fill_context(struct symbolizer *sym, const struct source *src,
			 struct vgt_context *ctx, unsigned first, unsigned last)
{
	if (last > src->n_lines)
		last = (unsigned)src->n_lines;
	if (first == 0 || first > last)
		return;
	ctx->first_line = first;
	ctx->count = last - first + 1;
	ctx->lines = xmalloc(ctx->count * sizeof(*ctx->lines));
	for (size_t i = 0; i < ctx->count; i++)
		ctx->lines[i] = strpool_intern(sym->pool, source_line(src, first + (unsigned)i));
}

void symbolize_context(struct symbolizer *sym, struct vgt_site *site)
{
	const struct vgt_location *loc = &site->location;
	if (sym == NULL || loc->file == NULL || loc->line == 0 || sym->opts.context_lines == 0 ||
	    site_detail(site)->context.lines != NULL)
		return;
	struct source *src = site_source(sym, site);
	if (src == NULL || loc->line > src->n_lines)
		return;
	size_t k = sym->opts.context_lines;
	unsigned first = loc->line > k ? loc->line - (unsigned)k : 1;
	size_t last = loc->line + k < src->n_lines ? loc->line + k : src->n_lines;
	fill_context(sym, src, &site_detail_mut(site)->context, first, (unsigned)last);
}

/* The longest marker comment shown: Cython writes up to 3 lines before
 * the marked one and 2 after, between the opener and the closer. */
#define MARKER_MAX_LINES 10

void symbolize_generated_context(struct symbolizer *sym, const struct frame_table *ft,
				 struct vgt_site *site)
{
	if (sym == NULL || site->generated == NULL || site_detail(site)->gen_context.lines != NULL ||
	    site->culprit >= site->stack.count || sym->opts.context_lines == 0)
		return;
	const struct vgt_frame *f = stack_frame(ft, &site->stack, site->culprit);
	if (f->file == NULL || f->line == 0)
		return;
	struct cfile *cf = cfile_for(sym, f->dir, f->file, f->fn);
	struct cymap_hit hit;
	if (cf->map == NULL || cf->path == NULL || !cymap_lookup(cf->map, f->line, &hit))
		return;
	const struct source *src = source_load(sym, cf->path);
	if (src == NULL || f->line > src->n_lines)
		return;
	unsigned k = (unsigned)(sym->opts.context_lines < 20 ? sym->opts.context_lines : 20);
	unsigned first = f->line > k ? f->line - k : 1;
	struct vgt_site_detail *d = site_detail_mut(site);
	fill_context(sym, src, &d->gen_context, first, f->line + k);
	/* the marker: its opener down to its closer ("*\/" at the line's end) */
	unsigned m = hit.marker_line, end = m;
	while (end < m + MARKER_MAX_LINES && end < src->n_lines) {
		const char *line = source_line(src, end);
		size_t n = strlen(line);
		if (end > m && n >= 2 && line[n - 2] == '*' && line[n - 1] == '/')
			break;
		end++;
	}
	if (m > 0 && m < f->line)
		fill_context(sym, src, &d->gen_marker, m, end < f->line ? end : f->line - 1);
}

/* A line with runs of blanks made one space, trimmed, into buf. */
static void normalise(const char *line, char *buf, size_t size)
{
	size_t n = 0;
	int space = 0;
	for (const char *p = line; *p != '\0' && n + 2 < size; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			space = n > 0;
			continue;
		}
		if (space)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = *p;
	}
	buf[n] = '\0';
}

/* Does this line start the definition of function `name` (C/C++ at
 * column 0, or a .pyx def/cdef/cpdef)? */
static int defines(const char *line, const char *name, size_t len, int pyx)
{
	const char *p = line;
	if (pyx) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "def ", 4) != 0 && strncmp(p, "cdef ", 5) != 0 &&
		    strncmp(p, "cpdef ", 6) != 0 && strncmp(p, "async def ", 10) != 0)
			return 0;
	} else if (*p == ' ' || *p == '\t' || *p == '\0' || *p == '#' || *p == '/' || *p == '*') {
		return 0;
	}
	for (const char *q = strstr(p, name); q != NULL; q = strstr(q + 1, name)) {
		char before = q > line ? q[-1] : ' ';
		const char *after = q + len;
		while (*after == ' ')
			after++;
		if (*after == '(' && !(before == '_' || (before >= 'a' && before <= 'z') ||
				       (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9')))
			return 1;
	}
	return 0;
}

/* The function's own name: "api.native.random_noise" → "random_noise",
 * "ns::C::f(int) const" → "f". */
static const char *short_name(const char *fn, size_t *len)
{
	size_t n = strcspn(fn, "(");
	const char *start = fn;
	for (size_t i = 0; i < n; i++)
		if (fn[i] == '.' || (fn[i] == ':' && i + 1 < n && fn[i + 1] == ':'))
			start = fn + i + (fn[i] == '.' ? 1 : 2);
	*len = (size_t)(fn + n - start);
	return start;
}

const char *symbolize_statement(struct symbolizer *sym, const struct vgt_site *site,
				unsigned *occurrence)
{
	const struct vgt_location *loc = &site->location;
	*occurrence = 0;
	if (sym == NULL || loc->file == NULL || loc->line == 0)
		return NULL;
	struct source *src = site_source(sym, site);
	const char *line = source_line(src, loc->line);
	char text[1024], other[1024];
	if (line == NULL) {
		/* a .pyx statement known from the generated file's marker */
		if (loc->source == NULL)
			return NULL;
		normalise(loc->source, text, sizeof(text));
		return strpool_intern(sym->pool, text);
	}
	normalise(line, text, sizeof(text));
	if (text[0] == '\0')
		return NULL;
	/* Its occurrence among the same statements of its function, counted
	 * from the function's definition (or the file's start). */
	unsigned first = 1;
	if (loc->function != NULL) {
		size_t len;
		const char *name = short_name(loc->function, &len);
		char want[256];
		if (len > 0 && len < sizeof(want)) {
			memcpy(want, name, len);
			want[len] = '\0';
			int pyx = is_pyx_name(loc->file);
			for (unsigned l = loc->line; l >= 1; l--) {
				if (defines(source_line(src, l), want, len, pyx)) {
					first = l;
					break;
				}
			}
		}
	}
	for (unsigned l = first; l < loc->line; l++) {
		normalise(source_line(src, l), other, sizeof(other));
		if (strcmp(other, text) == 0)
			(*occurrence)++;
	}
	return strpool_intern(sym->pool, text);
}

const struct srcpolicy *symbolizer_srcpolicy(const struct symbolizer *sym)
{
	return sym->policy;
}

/* Under -v: each file the policy refused, by path (with -j the readers
 * look files up in any order). */
static int cmp_refused(const void *pa, const void *pb)
{
	return strcmp(((const struct refused *)pa)->path, ((const struct refused *)pb)->path);
}

static void refused_notes(struct symbolizer *sym, struct vgt_report *report)
{
	if (!sym->opts.verbose || sym->n_refused == 0)
		return;
	qsort(sym->refused, sym->n_refused, sizeof(*sym->refused), cmp_refused);
	for (size_t i = 0; i < sym->n_refused; i++)
		report_add_note(report, "source not read: %s: %s (see SECURITY in vgtriage(1))",
				sym->refused[i].path, sym->refused[i].why);
}

/* Distinct Python names still guessed (ambiguous) after symbolize_settle,
 * among the frames of the report's sites (the frames a reader sees). */
static size_t count_guessed(const struct vgt_report *report)
{
	size_t guessed = 0, n_slots = 64;
	const char **slots = xcalloc(n_slots, sizeof(*slots));
	for (size_t s = 0; s < report->n_sites; s++) {
		const struct vgt_stack *stacks[3] = {&report->sites[s]->stack,
						     &report->sites[s]->aux_stack,
						     &report->sites[s]->aux_stack2};
		for (int k = 0; k < 3; k++) {
			for (size_t i = 0; i < stacks[k]->count; i++) {
				const struct vgt_frame *f = stack_frame(report->frames, stacks[k], i);
				if (!f->pyname_ambiguous)
					continue;
				if ((guessed + 1) * 2 > n_slots) {
					const char **old = slots;
					slots = xcalloc(n_slots * 2, sizeof(*slots));
					for (size_t j = 0; j < n_slots; j++) {
						if (old[j] == NULL)
							continue;
						size_t h = ptr_hash(old[j]) & (n_slots * 2 - 1);
						while (slots[h] != NULL)
							h = (h + 1) & (n_slots * 2 - 1);
						slots[h] = old[j];
					}
					free(old);
					n_slots *= 2;
				}
				size_t h = ptr_hash(f->pyname) & (n_slots - 1);
				while (slots[h] != NULL && slots[h] != f->pyname)
					h = (h + 1) & (n_slots - 1);
				if (slots[h] == NULL) {
					slots[h] = f->pyname;
					guessed++;
				}
			}
		}
	}
	free(slots);
	return guessed;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Notes come in the order of names, not of lookups: with -j the readers
 * look files up in any order, and the report must not depend on it. */
static int cmp_cfile(const void *pa, const void *pb)
{
	const struct cfile *a = *(const struct cfile *const *)pa;
	const struct cfile *b = *(const struct cfile *const *)pb;
	int c = strcmp(or_empty(a->dir), or_empty(b->dir));
	return c != 0 ? c : strcmp(a->file, b->file);
}

static int cmp_perf(const void *pa, const void *pb)
{
	const struct perf_source *a = *(const struct perf_source *const *)pa;
	const struct perf_source *b = *(const struct perf_source *const *)pb;
	return strcmp(a->path, b->path);
}

void symbolize_add_maps(struct symbolizer *sym, long pid, const char *maps_text)
{
	if (sym == NULL)
		return;
	pthread_mutex_lock(&sym->lock);
	cxxsym_add_maps(sym->cxx, pid, maps_text);
	pthread_mutex_unlock(&sym->lock);
}

/* A generated file that exists but that the source policy refused (a
 * relocated tree outside every root, say) is not "not found": the note
 * says which, and the --source-root that would let it be read.  Returns 1
 * when it wrote that note. */
static int refused_map_note(struct symbolizer *sym, const struct cfile *cf,
			    struct vgt_report *report)
{
	for (size_t i = 0; i < sym->n_refused; i++) {
		const char *path = sym->refused[i].path;
		if (strcmp(vgt_basename(path), cf->file) != 0)
			continue;
		/* the root under which the frame's (relative) dir/file is path */
		char *rel = cf->dir != NULL && cf->dir[0] != '/' ?
			xasprintf("%s/%s", cf->dir, cf->file) : xstrdup(cf->file);
		size_t lp = strlen(path), lr = strlen(rel);
		char *root = lp > lr + 1 && strcmp(path + lp - lr, rel) == 0 &&
			path[lp - lr - 1] == '/' ? xstrndup(path, lp - lr - 1) :
			xstrndup(path, (size_t)(vgt_basename(path) - path) - 1);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			/* a link out of the roots: where it points is not for a
			 * note to recommend */
			report_add_note(report,
					"Cython source map for %s%s%s not read: %s is a link that "
					"the source policy refused (%s)",
					cf->dir != NULL ? cf->dir : "", cf->dir != NULL ? "/" : "",
					cf->file, path, sym->refused[i].why);
		else
			report_add_note(report,
					"Cython source map for %s%s%s not read: %s was refused by "
					"the source policy (%s); --source-root %s would map it",
					cf->dir != NULL ? cf->dir : "", cf->dir != NULL ? "/" : "",
					cf->file, path, sym->refused[i].why,
					root[0] != '\0' ? root : "/");
		free(rel);
		free(root);
		return 1;
	}
	return 0;
}

void symbolize_notes(struct symbolizer *sym, struct vgt_report *report)
{
	if (sym == NULL)
		return;
	cxxsym_notes(sym->cxx, report);
	refused_notes(sym, report);
	const struct cfile **cfs = xcalloc(sym->n_cfiles + 1, sizeof(*cfs));
	size_t n = 0;
	for (size_t i = 0; i < sym->n_cfiles; i++)
		if (sym->cfiles[i].used_unmapped)
			cfs[n++] = &sym->cfiles[i];
	qsort(cfs, n, sizeof(*cfs), cmp_cfile);
	for (size_t i = 0; i < n; i++) {
		const struct cfile *cf = cfs[i];
		if (refused_map_note(sym, cf, report))
			continue;
		report_add_note(report,
				"Cython source map not found for %s%s%s: Python names are demangled "
				"from C names, lines are C lines (use --source-root or --prefix-map)",
				cf->dir != NULL ? cf->dir : "", cf->dir != NULL ? "/" : "", cf->file);
		if (sym->opts.verbose && cf->looked != NULL)
			report_add_note(report, "looked for %s in: %s", cf->file, cf->looked);
	}
	free(cfs);
	size_t guessed = count_guessed(report);
	if (guessed > 0)
		report_add_note(report,
				"%zu Python name%s guessed from C names without the generated file "
				"(ambiguous)", guessed, guessed == 1 ? " was" : "s were");
	const struct perf_source **ps = xcalloc(sym->n_perf + 1, sizeof(*ps));
	for (size_t i = 0; i < sym->n_perf; i++)
		ps[i] = &sym->perf[i];
	qsort(ps, sym->n_perf, sizeof(*ps), cmp_perf);
	for (size_t i = 0; i < sym->n_perf; i++) {
		if (!perfmap_readable(ps[i]->map))
			report_add_note(report, "perf map %s could not be read", ps[i]->path);
		else if (sym->opts.verbose)
			report_add_note(report, "perf map %s: %zu entries", ps[i]->path,
					perfmap_count(ps[i]->map));
	}
	free(ps);
}

/* A frame with its strings in the symbolizer's pool, which cxxsym's
 * caches key on (the frame's own may be a reader's, freed after -j's
 * merge, its addresses reused). */
static struct vgt_frame in_sym_pool(struct symbolizer *sym, const struct vgt_frame *f)
{
	struct vgt_frame k = *f;
	k.obj = strpool_map(&sym->frame_strs, sym->pool, f->obj);
	k.fn = strpool_map(&sym->frame_strs, sym->pool, f->fn);
	k.dir = strpool_map(&sym->frame_strs, sym->pool, f->dir);
	k.file = strpool_map(&sym->frame_strs, sym->pool, f->file);
	k.fn_mangled = strpool_map(&sym->frame_strs, sym->pool, f->fn_mangled);
	return k;
}

/* C++ names and frames valgrind could not name (cxxsym.h), for the frames
 * of the stack not resolved before; cxxsym wants the whole stack (the
 * frames valgrind named tell where an object was loaded, and inlined
 * calls share an ip). Sym's lock is held. */
static void native_names(struct symbolizer *sym, struct frame_table *ft,
			 const struct vgt_stack *stack, long pid)
{
	int wanted = 0;
	for (size_t i = 0; i < stack->count && !wanted; i++) {
		const struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		if (f->resolved)
			continue;
		if (f->obj != NULL && (f->fn == NULL || f->file == NULL)) {
			/* cxxsym asks its cache (by pointer) whose object it is */
			struct vgt_frame k = *f;
			k.obj = strpool_map(&sym->frame_strs, sym->pool, f->obj);
			wanted = cxxsym_wants(sym->cxx, &k);
		} else {
			wanted = cxxsym_wants(sym->cxx, f); /* tests of the name only */
		}
	}
	if (!wanted)
		return;
	struct vgt_frame *local = xmalloc(stack->count * sizeof(*local));
	struct cxxsym_callers *callers = xmalloc(stack->count * sizeof(*callers));
	for (size_t i = 0; i < stack->count; i++)
		local[i] = in_sym_pool(sym, frames_at(ft, stack->ids[i]));
	cxxsym_frames(sym->cxx, pid, local, stack->count, callers);
	/* back into the frames, their strings in the table's own pool: sites
	 * compare names by pointer */
	struct strpool *pool = frames_pool(ft);
	for (size_t i = 0; i < stack->count; i++) {
		struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		if (f->resolved)
			continue; /* what a site was filed under stays */
		f->fn = strpool_intern(pool, local[i].fn);
		f->fn_mangled = strpool_intern(pool, local[i].fn_mangled);
		f->dir = strpool_intern(pool, local[i].dir);
		f->file = strpool_intern(pool, local[i].file);
		f->line = local[i].line;
		f->obj_offset = local[i].obj_offset;
		f->obj_offset_known = local[i].obj_offset_known;
		f->fn_mangled_glob = local[i].fn_mangled_glob;
		f->fn_from_elf = local[i].fn_from_elf;
		f->elf_named = local[i].elf_named;
		if (callers[i].n > 0)
			cxxsym_chain(ft, stack->ids[i], &callers[i]);
	}
	free(callers);
	free(local);
}

/* An installed extension's frame whose C source is under the current
 * directory or a --source-root (the policy's roots): the user's own
 * code, installed into site-packages, as a Cython module's .pyx is. */
static int is_own_source(struct symbolizer *sym, const struct vgt_frame *f)
{
	if (sym == NULL || f->file == NULL || f->file[0] == '<' || f->line == 0)
		return 0;
	pthread_mutex_lock(&sym->lock);
	int own = context_c_path(sym, f->dir, f->file) != NULL;
	pthread_mutex_unlock(&sym->lock);
	return own;
}

void frame_resolve_stack(struct symbolizer *sym, struct frame_table *ft,
			 struct vgt_stack *stack, long pid)
{
	size_t first = 0;
	while (first < stack->count && frames_at(ft, stack->ids[first])->resolved)
		first++;
	if (sym != NULL && sym->cxx != NULL) {
		if (first < stack->count) {
			pthread_mutex_lock(&sym->lock);
			native_names(sym, ft, stack, pid);
			pthread_mutex_unlock(&sym->lock);
		}
		/* inlined calls named from DWARF: valgrind's frames for them */
		cxxsym_expand(ft, stack);
		first = 0;
		while (first < stack->count && frames_at(ft, stack->ids[first])->resolved)
			first++;
	}
	if (first == stack->count)
		return;
	for (size_t i = first; i < stack->count; i++) {
		struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		if (f->resolved)
			continue;
		symbolize_frame(sym, f);
		f->cls = classify_frame_interned(f);
		if (f->cls == FRAME_EXTENSION && is_own_source(sym, f))
			f->cls = FRAME_USER;
		f->resolved = 1;
	}
	classify_inlined(ft, stack);
}
