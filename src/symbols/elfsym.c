/*
 * elfsym.c — ELF symbols and DWARF lines for frames valgrind could not
 * name, with elfutils' libdwfl.  See elfsym.h.
 *
 * Each object is opened once (one Dwfl with one offline module).  Its
 * function symbols are copied into an array sorted by address, and a
 * sorted index maps each name valgrind could print for them (the linkage
 * name after valgrind's Z-decoding, and its demangled form) to symbols.
 * Load biases are kept per (object, process).
 */
/* realpath() is XSI (see srcpolicy.c) */
#define _XOPEN_SOURCE 700

#include "symbols/elfsym.h"

#include <dirent.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/srcpolicy.h"
#include "symbols/cxxname.h"
#include "symbols/dwinline.h"
#include "vgtriage/vgt.h"

#define PAGE 4096u
#define MAX_VOTES 16
#define MAX_EVIDENCE 64     /* named frames looked at per object and process */
#define MAX_CANDIDATES 8    /* page-aligned biases one frame allows */
#define MAX_LOADS 16
#define MAX_SCAN_DEPTH 6
#define MAX_SCAN_ENTRIES 20000

struct esym {
	uint64_t value, size;   /* address in the object, bytes */
	const char *name;       /* linkage name (Z-decoded), owned by the object */
	int global;
};

struct name_entry {
	const char *key;        /* a name valgrind could print */
	size_t sym;             /* index in syms */
};

struct load {
	uint64_t vaddr, offset, memsz;
	int exec;
};

struct eobj {
	char *obj;              /* the first spelling valgrind used */
	char *path;             /* local file or NULL */
	char *real;             /* its real path (one struct eobj per file) */
	const char **spellings; /* every obj naming it (owned by the alias table) */
	size_t n_spellings, spellings_cap;
	const char *refused;    /* why the file was not read (static), or NULL */
	size_t demangled_bytes; /* spent on its names (ELFSYM_DEMANGLE_BUDGET) */
	size_t capped;          /* names left mangled: over a cap */
	char *symbols;          /* file symbols/lines came from, or NULL */
	char *mainfile;         /* the file opened: path, or the one found by name */
	int symtab_main;        /* its .symtab is the one read (else the debug file's) */
	int usable, by_name, is_exec;
	int is_pie;             /* ET_DYN with an interpreter: a main executable */
	int has_interp;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	uint64_t dwfl_bias;     /* dwfl address - object address */
	struct esym *syms;
	size_t n_syms;
	struct name_entry *names;
	size_t n_names;
	int names_built;
	char **owned;
	size_t n_owned, owned_cap;
	struct load loads[MAX_LOADS];
	size_t n_loads;
	size_t resolved;
	int bias_known_any, conflict_any;
};

struct vote {
	uint64_t bias;
	size_t count;
};

struct ebias {
	struct eobj *o;
	long pid;
	struct vote votes[MAX_VOTES];
	size_t n_votes, evidence;
	int from_maps;
	uint64_t maps_bias;
};

struct emap {
	char *path;
	long pid;
	uint64_t start, offset;
};

struct symfile {
	char *path;
	unsigned char id[64];
	size_t id_len;
};

/* Does the ELF file have a .symtab (what a stripped copy lacks)? */
static int has_symtab(Elf *elf)
{
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_SYMTAB)
			return 1;
	}
	return 0;
}

struct elfsym {
	struct elfsym_options opts;
	struct eobj **objs;
	size_t n_objs, objs_cap;
	struct ebias *biases;
	size_t n_biases, biases_cap;
	struct emap *maps;
	size_t n_maps, maps_cap;
	struct symfile *symfiles;  /* ELF files under the --symbols dirs */
	size_t n_symfiles, symfiles_cap;
	int scanned;
	char *scratch_dir, *scratch_file;
	struct dwinline scratch_inl;
	char **globs;              /* covering globs handed out */
	size_t n_globs, globs_cap;
	struct alias *aliases;     /* obj as valgrind spelt it -> its struct eobj */
	size_t n_aliases, aliases_cap; /* aliases_cap: a power of two, or 0 */
};

struct alias {
	char *obj;
	struct eobj *o;
};

/* ---- small helpers ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static int is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *own(struct eobj *o, char *s)
{
	o->owned = xgrow(o->owned, &o->owned_cap, o->n_owned + 1, sizeof(*o->owned));
	o->owned[o->n_owned++] = s;
	return s;
}

/* ---- opening a file as ELF, under the policy ---- */

static uint64_t rd(const unsigned char *p, size_t n, int big)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	return off <= (uint64_t)INT64_MAX && pread(fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

/* Is the open file an ELF file whose tables fit in it (and within the
 * counts elfsym.h states)?  Checked before libelf or libdwfl see it: they
 * trust the header's counts (a 24 KB file claiming 2^32 sections makes
 * libelf allocate for each), and libdwfl decompresses what is not ELF. */
static int elf_sane(int fd, const struct stat *st, const char **why)
{
	unsigned char h[64];
	*why = "not an ELF file";
	if (read_at(fd, h, 16, 0) != 0 || memcmp(h, "\177ELF", 4) != 0 ||
	    (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return -1;
	int is64 = h[EI_CLASS] == ELFCLASS64, big = h[EI_DATA] == ELFDATA2MSB;
	size_t ehsize = is64 ? 64 : 52;
	if (read_at(fd, h, ehsize, 0) != 0)
		return -1;
	uint64_t phoff = is64 ? rd(h + 32, 8, big) : rd(h + 28, 4, big);
	uint64_t shoff = is64 ? rd(h + 40, 8, big) : rd(h + 32, 4, big);
	const unsigned char *q = h + (is64 ? 54 : 42);
	uint64_t phentsize = rd(q, 2, big), phnum = rd(q + 2, 2, big);
	uint64_t shentsize = rd(q + 4, 2, big), shnum = rd(q + 6, 2, big);
	uint64_t size = (uint64_t)st->st_size;
	size_t shdr = is64 ? 64 : 40, phdr = is64 ? 56 : 32;
	*why = "a damaged or hostile ELF file (its tables do not fit in it)";
	if (shoff != 0 && (shnum == 0 || phnum == PN_XNUM)) {
		/* extended numbering: the counts are in section 0 */
		unsigned char s0[64];
		if (shentsize != shdr || read_at(fd, s0, shdr, shoff) != 0)
			return -1;
		if (shnum == 0)
			shnum = is64 ? rd(s0 + 32, 8, big) : rd(s0 + 20, 4, big);
		if (phnum == PN_XNUM)
			phnum = rd(s0 + (is64 ? 44 : 28), 4, big);
	}
	if (shnum > ELFSYM_MAX_SECTIONS || phnum > ELFSYM_MAX_SECTIONS) {
		*why = "a hostile ELF file (more sections than the limit)";
		return -1;
	}
	if (shnum > 0 && (shentsize != shdr || shoff > size || shnum * shdr > size - shoff))
		return -1;
	if (phnum > 0 && (phentsize != phdr || phoff > size || phnum * phdr > size - phoff))
		return -1;
	return 0;
}

/* Opens path as an ELF file of that kind: through the source policy
 * (regular, not under /proc, /sys or /dev, within the kind's size),
 * then elf_sane.  A descriptor, or -1 with *why (may be NULL). */
static int open_elf(const char *path, enum srcpolicy_kind kind, char **real, const char **why)
{
	const char *reason = NULL;
	struct stat st;
	int fd = srcpolicy_open_kind(path, kind, &st, real, &reason);
	if (fd >= 0 && elf_sane(fd, &st, &reason) != 0) {
		close(fd);
		fd = -1;
		if (real != NULL) {
			free(*real);
			*real = NULL;
		}
	}
	if (why != NULL)
		*why = reason;
	return fd;
}

/* Does the xz data in[0..n) inflate to at most cap bytes?  Corrupt data
 * passes (libdwfl's inflating stops where this one did); a dictionary
 * past 256 MiB does not. */
static int xz_within(const uint8_t *in, size_t n, size_t cap)
{
	lzma_stream z = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&z, (uint64_t)256 << 20, LZMA_CONCATENATED) != LZMA_OK)
		return 0;
	uint8_t out[1 << 15];
	size_t total = 0;
	int ok = 1;
	z.next_in = in;
	z.avail_in = n;
	for (;;) {
		z.next_out = out;
		z.avail_out = sizeof(out);
		lzma_ret r = lzma_code(&z, LZMA_FINISH);
		total += sizeof(out) - z.avail_out;
		if (total > cap || r == LZMA_MEMLIMIT_ERROR || r == LZMA_MEM_ERROR) {
			ok = 0;
			break;
		}
		if (r != LZMA_OK)
			break; /* the end, or corrupt */
	}
	lzma_end(&z);
	return ok;
}

/* libdwfl inflates an object's .gnu_debugdata (MiniDebugInfo: an xz'd ELF
 * file with the symbols a stripped object lacks) whole, into memory,
 * whenever the object has no .symtab: a few kilobytes can claim
 * gigabytes.  It is inflated here first, up to ELFSYM_MAX_DEBUGDATA. */
static int debugdata_within(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	int ok = 1;
	if (elf != NULL && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL && ok;
		     scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			const char *name;
			if (gelf_getshdr(scn, &sh) == NULL ||
			    (name = elf_strptr(elf, shstrndx, sh.sh_name)) == NULL ||
			    strcmp(name, ".gnu_debugdata") != 0)
				continue;
			Elf_Data *d = elf_rawdata(scn, NULL);
			if (d != NULL && d->d_buf != NULL && d->d_size > 0)
				ok = xz_within(d->d_buf, d->d_size, ELFSYM_MAX_DEBUGDATA);
		}
	}
	elf_end(elf);
	return ok;
}

/* The GNU build-id of an open ELF file; 0 when it has none. */
static size_t elf_build_id(Elf *elf, unsigned char *out, size_t size)
{
	const void *id;
	ssize_t n = elf != NULL ? dwelf_elf_gnu_build_id(elf, &id) : -1;
	if (n <= 0 || (size_t)n > size)
		return 0;
	memcpy(out, id, (size_t)n);
	return (size_t)n;
}

/* The build-id of an ELF file (0: none); -1 when it is not ELF (or the
 * policy refuses it).  With symtab, whether it has a .symtab. */
static ssize_t file_build_id(const char *path, unsigned char *out, size_t size, int *symtab)
{
	int fd = open_elf(path, SRCPOLICY_DEBUG, NULL, NULL);
	if (fd < 0)
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ssize_t n = elf != NULL && elf_kind(elf) == ELF_K_ELF ? (ssize_t)elf_build_id(elf, out, size)
							       : -1;
	if (symtab != NULL)
		*symtab = n >= 0 && has_symtab(elf);
	elf_end(elf);
	close(fd);
	return n;
}

/* ---- the --symbols directories ---- */

static void scan_dir(struct elfsym *es, const char *dir, int depth, size_t *budget)
{
	if (depth > MAX_SCAN_DEPTH)
		return;
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && *budget > 0) {
		(*budget)--;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			scan_dir(es, path, depth + 1, budget);
		} else if (is_regular(path)) {
			/* an ELF file with symbols: a stripped one is no help */
			struct symfile sf;
			memset(&sf, 0, sizeof(sf));
			int symtab = 0;
			ssize_t n = file_build_id(path, sf.id, sizeof(sf.id), &symtab);
			sf.id_len = n > 0 ? (size_t)n : 0;
			if (n >= 0 && symtab) {
				sf.path = path;
				path = NULL;
				es->symfiles = xgrow(es->symfiles, &es->symfiles_cap, es->n_symfiles + 1,
						     sizeof(*es->symfiles));
				es->symfiles[es->n_symfiles++] = sf;
			}
		}
		free(path);
	}
	closedir(d);
}

static void scan_symbol_dirs(struct elfsym *es)
{
	if (es->scanned)
		return;
	es->scanned = 1;
	for (size_t i = 0; i < es->opts.n_symbol_dirs; i++) {
		size_t budget = MAX_SCAN_ENTRIES;
		scan_dir(es, es->opts.symbol_dirs[i], 0, &budget);
	}
}

static const char *symfile_by_id(struct elfsym *es, const unsigned char *id, size_t len)
{
	scan_symbol_dirs(es);
	for (size_t i = 0; i < es->n_symfiles; i++)
		if (es->symfiles[i].id_len == len && memcmp(es->symfiles[i].id, id, len) == 0)
			return es->symfiles[i].path;
	return NULL;
}

/* The one file under the --symbols dirs named like obj, or like obj's
 * separate debug file ("prog.debug", objcopy --only-keep-debug's usual
 * name); NULL if none or several. */
static int named_like(const char *path, const char *obj)
{
	const char *b = base_name(path), *want = base_name(obj);
	size_t n = strlen(want);
	return strncmp(b, want, n) == 0 && (b[n] == '\0' || strcmp(b + n, ".debug") == 0);
}

static const char *symfile_by_name(struct elfsym *es, const char *obj)
{
	scan_symbol_dirs(es);
	const char *found = NULL;
	for (size_t i = 0; i < es->n_symfiles; i++) {
		if (!named_like(es->symfiles[i].path, obj))
			continue;
		if (found != NULL)
			return NULL;
		found = es->symfiles[i].path;
	}
	return found;
}

/* ---- libdwfl callbacks ---- */

static int no_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)elfp;
	return -1;
}

/* Opens path if it is an ELF file with build-id id (any, when len 0). */
static int open_matching(const char *path, const unsigned char *id, size_t len)
{
	if (len > 0) {
		unsigned char other[64];
		ssize_t n = file_build_id(path, other, sizeof(other), NULL);
		if (n != (ssize_t)len || memcmp(other, id, len) != 0)
			return -1;
	}
	/* libdwfl would decompress what is not ELF: it gets only what
	 * open_elf let through */
	return open_elf(path, SRCPOLICY_DEBUG, NULL, NULL);
}

static int try_debug_path(char *path, const unsigned char *id, size_t len, char **found)
{
	int fd = open_matching(path, id, len);
	if (fd >= 0)
		*found = path; /* libdwfl frees it */
	else
		free(path);
	return fd;
}

/* --symbols by build-id, then /usr/lib/debug/.build-id, then the
 * .gnu_debuglink places gdb uses; build-ids must agree. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)modname, (void)base, (void)debuglink_crc;
	struct elfsym *es = *userdata;
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	size_t len = n > 0 ? (size_t)n : 0;
	int fd;
	if (len > 0) {
		const char *sym = symfile_by_id(es, bits, len);
		if (sym != NULL &&
		    (fd = try_debug_path(xstrdup(sym), bits, len, debuginfo_file_name)) >= 0)
			return fd;
		char hex[129];
		for (size_t i = 0; i < len && i < 64; i++)
			snprintf(hex + 2 * i, 3, "%02x", bits[i]);
		const char *root = es->opts.debug_root != NULL ? es->opts.debug_root : "/usr/lib/debug";
		fd = try_debug_path(xasprintf("%s/.build-id/%.2s/%s.debug", root, hex, hex + 2), bits,
				    len, debuginfo_file_name);
		if (fd >= 0)
			return fd;
	}
	/* a .gnu_debuglink is a file name, looked up in the places below:
	 * one holding a '/' (or naming "." or "..") would point anywhere */
	if (debuglink_file != NULL && file_name != NULL && debuglink_file[0] != '\0' &&
	    strchr(debuglink_file, '/') == NULL && strcmp(debuglink_file, ".") != 0 &&
	    strcmp(debuglink_file, "..") != 0) {
		const char *slash = strrchr(file_name, '/');
		int dlen = slash != NULL ? (int)(slash - file_name) : 1;
		const char *dir = slash != NULL ? file_name : ".";
		const char *root = es->opts.debug_root != NULL ? es->opts.debug_root : "/usr/lib/debug";
		char *cands[3] = {
			xasprintf("%.*s/%s", dlen, dir, debuglink_file),
			xasprintf("%.*s/.debug/%s", dlen, dir, debuglink_file),
			xasprintf("%s%.*s/%s", root, dlen, dir, debuglink_file),
		};
		fd = -1;
		for (int i = 0; i < 3; i++) {
			if (fd < 0 && strcmp(cands[i], file_name) != 0)
				fd = try_debug_path(cands[i], bits, len, debuginfo_file_name);
			else
				free(cands[i]);
		}
		if (fd >= 0)
			return fd;
	}
	errno = ENOENT;
	return -1;
}

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = no_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* ---- objects ---- */

static int cmp_sym(const void *a, const void *b)
{
	const struct esym *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->global != y->global)
		return y->global - x->global; /* global first */
	return strcmp(x->name, y->name);
}

static void read_loads(struct eobj *o, Elf *elf)
{
	size_t n;
	if (elf_getphdrnum(elf, &n) != 0)
		return;
	for (size_t i = 0; i < n && o->n_loads < MAX_LOADS; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) == NULL)
			continue;
		if (ph.p_type == PT_INTERP)
			o->has_interp = 1;
		if (ph.p_type != PT_LOAD)
			continue;
		o->loads[o->n_loads++] = (struct load){ph.p_vaddr, ph.p_offset, ph.p_memsz,
						       (ph.p_flags & PF_X) != 0};
	}
}

static void read_symbols(struct eobj *o)
{
	int n = dwfl_module_getsymtab(o->mod);
	if (n > ELFSYM_MAX_SYMBOLS)
		n = ELFSYM_MAX_SYMBOLS; /* what no real object has: a hostile table */
	size_t cap = 0;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(o->mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (name == NULL || *name == '\0' || shndx == SHN_UNDEF || sym.st_size == 0 ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		char decoded[1024];
		if (cxxname_z_decode(name, decoded, sizeof(decoded)) == 0)
			name = own(o, xstrdup(decoded));
		o->syms = xgrow(o->syms, &cap, o->n_syms + 1, sizeof(*o->syms));
		o->syms[o->n_syms++] = (struct esym){addr - o->dwfl_bias, sym.st_size, name,
						     GELF_ST_BIND(sym.st_info) != STB_LOCAL};
	}
	if (o->n_syms > 1)
		qsort(o->syms, o->n_syms, sizeof(*o->syms), cmp_sym);
}

static int cmp_name(const void *a, const void *b)
{
	const struct name_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : (x->sym > y->sym) - (x->sym < y->sym);
}

/* Every name valgrind could print for the object's functions. */
static void build_names(struct eobj *o)
{
	if (o->names_built)
		return;
	o->names_built = 1;
	size_t cap = 0;
	for (size_t i = 0; i < o->n_syms; i++) {
		o->names = xgrow(o->names, &cap, o->n_names + 2, sizeof(*o->names));
		o->names[o->n_names++] = (struct name_entry){o->syms[i].name, i};
		if (o->demangled_bytes > ELFSYM_DEMANGLE_BUDGET) {
			o->capped++; /* its names cost too much already: left mangled */
			continue;
		}
		int capped = 0;
		char *d = cxxname_demangle_capped(o->syms[i].name, &capped);
		o->capped += capped != 0;
		if (d != NULL) {
			o->demangled_bytes += strlen(d);
			o->names[o->n_names++] = (struct name_entry){own(o, d), i};
		}
	}
	if (o->n_names > 1)
		qsort(o->names, o->n_names, sizeof(*o->names), cmp_name);
}

/* How many names equal key; the first is names[*first]. */
static size_t names_equal(struct eobj *o, const char *key, size_t *first)
{
	build_names(o);
	size_t lo = 0, hi = o->n_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(o->names[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < o->n_names && strcmp(o->names[end].key, key) == 0)
		end++;
	*first = lo;
	return end - lo;
}

static void open_object(struct elfsym *es, struct eobj *o, const char *file)
{
	/* through the policy, checked as ELF: libdwfl gets the descriptor */
	const char *why = NULL;
	int fd = open_elf(file, SRCPOLICY_OBJECT, NULL, &why);
	if (fd >= 0 && !debugdata_within(fd)) {
		close(fd);
		fd = -1;
		why = "a hostile ELF file (its .gnu_debugdata inflates past the limit)";
	}
	if (fd < 0) {
		o->refused = why;
		return;
	}
	o->dwfl = dwfl_begin(&callbacks);
	if (o->dwfl == NULL) {
		close(fd);
		return;
	}
	o->mod = dwfl_report_offline(o->dwfl, base_name(o->obj), file, fd); /* takes fd */
	dwfl_report_end(o->dwfl, NULL, NULL);
	if (o->mod == NULL)
		return;
	void **userdata;
	dwfl_module_info(o->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = es;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(o->mod, &bias);
	GElf_Ehdr eh;
	if (elf == NULL || gelf_getehdr(elf, &eh) == NULL)
		return;
	o->dwfl_bias = bias;
	o->is_exec = eh.e_type == ET_EXEC;
	read_loads(o, elf);
	o->is_pie = eh.e_type == ET_DYN && o->has_interp;
	o->mainfile = xstrdup(file);
	o->symtab_main = has_symtab(elf);
	read_symbols(o);
	const char *mainfile = NULL, *debugfile = NULL;
	dwfl_module_info(o->mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	if (debugfile != NULL && o->symbols == NULL)
		o->symbols = xstrdup(debugfile);
	o->usable = o->n_loads > 0;
}

static size_t hash_str(const char *s)
{
	size_t h = 5381;
	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The alias-table slot of obj (empty when not there). */
static struct alias *alias_slot(struct elfsym *es, const char *obj)
{
	if ((es->n_aliases + 1) * 2 > es->aliases_cap) {
		size_t n = es->aliases_cap == 0 ? 64 : es->aliases_cap * 2;
		struct alias *t = xcalloc(n, sizeof(*t));
		for (size_t i = 0; i < es->aliases_cap; i++) {
			if (es->aliases[i].obj == NULL)
				continue;
			size_t j = hash_str(es->aliases[i].obj) & (n - 1);
			while (t[j].obj != NULL)
				j = (j + 1) & (n - 1);
			t[j] = es->aliases[i];
		}
		free(es->aliases);
		es->aliases = t;
		es->aliases_cap = n;
	}
	size_t mask = es->aliases_cap - 1;
	size_t i = hash_str(obj) & mask;
	while (es->aliases[i].obj != NULL && strcmp(es->aliases[i].obj, obj) != 0)
		i = (i + 1) & mask;
	return &es->aliases[i];
}

/* The object valgrind named obj: one struct eobj per file on this machine
 * (by its real path), however the input spells it ("/a/./b", "/a//b",
 * a symlink), so that its table is read and its names demangled once. */
static struct eobj *object_for(struct elfsym *es, const char *obj)
{
	struct alias *a = alias_slot(es, obj);
	if (a->obj != NULL)
		return a->o;
	char *path = NULL;
	if (es->opts.locate != NULL)
		path = es->opts.locate(es->opts.locate_ctx, obj);
	else if (is_regular(obj))
		path = xstrdup(obj);
	const char *file = path;
	int by_name = 0;
	if (file == NULL && (file = symfile_by_name(es, obj)) != NULL)
		by_name = 1;
	char *real = file != NULL ? realpath(file, NULL) : NULL;
	struct eobj *o = NULL;
	for (size_t i = 0; real != NULL && i < es->n_objs && o == NULL; i++)
		if (es->objs[i]->real != NULL && strcmp(es->objs[i]->real, real) == 0 &&
		    es->objs[i]->by_name == by_name)
			o = es->objs[i];
	if (o != NULL) {
		free(path);
		free(real);
	} else {
		o = xcalloc(1, sizeof(*o));
		o->obj = xstrdup(obj);
		o->path = path;
		o->real = real;
		o->by_name = by_name;
		if (by_name)
			o->symbols = xstrdup(file);
		es->objs = xgrow(es->objs, &es->objs_cap, es->n_objs + 1, sizeof(*es->objs));
		es->objs[es->n_objs++] = o;
		if (file != NULL)
			open_object(es, o, file);
	}
	a->obj = xstrdup(obj);
	a->o = o;
	es->n_aliases++;
	o->spellings = xgrow(o->spellings, &o->spellings_cap, o->n_spellings + 1,
			     sizeof(*o->spellings));
	o->spellings[o->n_spellings++] = a->obj;
	return o;
}

/* ---- load biases ---- */

/* The bias the mappings give (they win over any evidence). */
static void apply_maps(const struct elfsym *es, struct ebias *b)
{
	const struct eobj *o = b->o;
	for (size_t i = 0; i < es->n_maps && !b->from_maps; i++) {
		const struct emap *m = &es->maps[i];
		if (m->pid != b->pid && m->pid > 0)
			continue;
		int named = 0;
		for (size_t k = 0; k < o->n_spellings && !named; k++)
			named = strcmp(m->path, o->spellings[k]) == 0;
		if (!named)
			continue;
		for (size_t k = 0; k < o->n_loads; k++) {
			if ((o->loads[k].offset & ~(uint64_t)(PAGE - 1)) == m->offset) {
				b->from_maps = 1;
				b->maps_bias = m->start - (o->loads[k].vaddr & ~(uint64_t)(PAGE - 1));
				break;
			}
		}
	}
}

static struct ebias *bias_for(struct elfsym *es, struct eobj *o, long pid)
{
	for (size_t i = 0; i < es->n_biases; i++)
		if (es->biases[i].o == o && es->biases[i].pid == pid)
			return &es->biases[i];
	es->biases = xgrow(es->biases, &es->biases_cap, es->n_biases + 1, sizeof(*es->biases));
	struct ebias *b = &es->biases[es->n_biases++];
	memset(b, 0, sizeof(*b));
	b->o = o;
	b->pid = pid;
	apply_maps(es, b);
	return b;
}

static void vote(struct ebias *b, uint64_t bias)
{
	for (size_t i = 0; i < b->n_votes; i++) {
		if (b->votes[i].bias == bias) {
			b->votes[i].count++;
			return;
		}
	}
	if (b->n_votes < MAX_VOTES)
		b->votes[b->n_votes++] = (struct vote){bias, 1};
}

static int bias_of(struct ebias *b, uint64_t *bias)
{
	if (b->from_maps) {
		*bias = b->maps_bias;
		return 1;
	}
	size_t best = 0, total_best = 0;
	int tie = 0;
	for (size_t i = 0; i < b->n_votes; i++) {
		if (b->votes[i].count > total_best) {
			total_best = b->votes[i].count;
			best = i;
			tie = 0;
		} else if (b->votes[i].count == total_best) {
			tie = 1;
		}
	}
	if (b->o->is_exec && b->evidence == 0) {
		*bias = 0;
		return 1;
	}
	/* Valgrind maps a position-independent main executable at a fixed
	 * base (m_ume/elf.c): the bias when no frame valgrind named says
	 * otherwise, and the one a tie between named frames settles on. */
	if (b->o->is_pie && b->evidence == 0) {
		*bias = ELFSYM_VALGRIND_PIE_BASE;
		return 1;
	}
	if (b->o->is_pie && tie) {
		for (size_t i = 0; i < b->n_votes; i++)
			if (b->votes[i].bias == ELFSYM_VALGRIND_PIE_BASE &&
			    b->votes[i].count == total_best && total_best * 2 > b->evidence) {
				*bias = ELFSYM_VALGRIND_PIE_BASE;
				return 1;
			}
	}
	/* a strict majority of the frames valgrind named agree */
	if (total_best == 0 || tie || total_best * 2 <= b->evidence)
		return 0;
	*bias = b->votes[best].bias;
	return 1;
}

void elfsym_learn(struct elfsym *es, const char *obj, long pid, const char *fn, uint64_t ip,
		  int top)
{
	if (es == NULL || obj == NULL || fn == NULL)
		return;
	struct eobj *o = object_for(es, obj);
	if (!o->usable)
		return;
	struct ebias *b = bias_for(es, o, pid);
	if (b->from_maps || b->evidence >= MAX_EVIDENCE)
		return;
	size_t first;
	size_t n = names_equal(o, fn, &first);
	if (n == 0)
		return; /* e.g. an inlined function's name: says nothing */
	b->evidence++;
	uint64_t a = top ? ip : ip - 1;
	uint64_t cands[MAX_CANDIDATES];
	size_t nc = 0;
	for (size_t k = first; k < first + n; k++) {
		const struct esym *s = &o->syms[o->names[k].sym];
		if (o->is_exec) { /* loaded where it was linked: only 0 fits */
			if (a >= s->value && a - s->value < s->size && nc == 0)
				cands[nc++] = 0;
			continue;
		}
		if (a < s->value)
			continue;
		/* bias = a - value - delta, delta in [0, size), bias page-aligned */
		uint64_t hi = (a - s->value) & ~(uint64_t)(PAGE - 1);
		for (uint64_t bias = hi;; bias -= PAGE) {
			if (a - bias - s->value >= s->size)
				break;
			int seen = 0;
			for (size_t c = 0; c < nc; c++)
				seen |= cands[c] == bias;
			if (!seen && nc < MAX_CANDIDATES)
				cands[nc++] = bias;
			if (bias < PAGE || nc == MAX_CANDIDATES)
				break;
		}
	}
	for (size_t c = 0; c < nc; c++)
		vote(b, cands[c]);
}

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return v;
		v = v * 16 + (uint64_t)d;
	}
}

void elfsym_add_maps(struct elfsym *es, long pid, const char *text)
{
	if (es == NULL || text == NULL)
		return;
	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		/* start-end perms offset dev inode path */
		const char *p = line;
		uint64_t start = parse_hex(&p);
		const char *path = NULL;
		uint64_t offset = 0;
		if (*p == '-') {
			p++;
			parse_hex(&p);
			int field = 0;
			while (p < line + len && field < 4) {
				while (p < line + len && *p == ' ')
					p++;
				if (field == 1)
					offset = parse_hex(&p);
				while (p < line + len && *p != ' ')
					p++;
				field++;
			}
			while (p < line + len && *p == ' ')
				p++;
			if (p < line + len && *p == '/')
				path = p;
		}
		size_t plen = path != NULL ? (size_t)(line + len - path) : 0;
		for (size_t i = 0; path != NULL && i < es->n_maps; i++) {
			const struct emap *m = &es->maps[i];
			if (m->pid == pid && m->start == start && m->offset == offset &&
			    strlen(m->path) == plen && strncmp(m->path, path, plen) == 0)
				path = NULL; /* seen: the same mapping read again */
		}
		if (path != NULL) {
			es->maps = xgrow(es->maps, &es->maps_cap, es->n_maps + 1, sizeof(*es->maps));
			es->maps[es->n_maps++] = (struct emap){
				xstrndup(path, (size_t)(line + len - path)), pid, start, offset};
		}
		line += len + (end != NULL);
	}
	/* biases known before these mappings arrived: the mappings win */
	for (size_t i = 0; i < es->n_biases; i++)
		if (es->biases[i].pid == pid || pid <= 0)
			apply_maps(es, &es->biases[i]);
}

/* ---- resolving ---- */

static const struct esym *sym_at(const struct eobj *o, uint64_t a)
{
	size_t lo = 0, hi = o->n_syms;
	while (lo < hi) { /* first symbol with value > a */
		size_t mid = lo + (hi - lo) / 2;
		if (o->syms[mid].value <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the symbols at or below a; the nearest that holds a (sizes nest) */
	for (size_t i = lo; i-- > 0;) {
		const struct esym *s = &o->syms[i];
		if (a - s->value < s->size) {
			/* prefer the first (global) alias at that address */
			while (i > 0 && o->syms[i - 1].value == s->value)
				s = &o->syms[--i];
			return s;
		}
		if (lo - i > 64)
			break;
	}
	return NULL;
}

static int in_exec_segment(const struct eobj *o, uint64_t a)
{
	for (size_t i = 0; i < o->n_loads; i++)
		if (o->loads[i].exec && a >= o->loads[i].vaddr &&
		    a - o->loads[i].vaddr < o->loads[i].memsz)
			return 1;
	return 0;
}

/* dir and file as valgrind splits a source path. */
static void set_source(struct elfsym *es, const char *path, struct elfsym_frame *out)
{
	free(es->scratch_dir);
	free(es->scratch_file);
	dwinline_split(path, &es->scratch_dir, &es->scratch_file);
	out->dir = es->scratch_dir;
	out->file = es->scratch_file;
}

void elfsym_resolve(struct elfsym *es, const char *obj, long pid, uint64_t ip, int top,
		    struct elfsym_frame *out)
{
	memset(out, 0, sizeof(*out));
	if (es == NULL || obj == NULL)
		return;
	struct eobj *o = object_for(es, obj);
	if (!o->usable)
		return;
	uint64_t bias;
	if (!bias_of(bias_for(es, o, pid), &bias))
		return;
	o->bias_known_any = 1;
	uint64_t a = ip - bias;
	if (!in_exec_segment(o, a))
		return; /* the bias is wrong, or the file is not the run's */
	out->has_offset = 1;
	out->offset = a;
	uint64_t look = top ? a : a - 1;
	const struct esym *s = sym_at(o, look);
	if (s != NULL)
		out->name = s->name;
	Dwfl_Line *line = dwfl_module_getsrc(o->mod, look + o->dwfl_bias);
	int lineno = 0;
	const char *src = line != NULL ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (src != NULL && lineno > 0) {
		/* valgrind joins a relative name to the compilation directory */
		const char *comp = src[0] != '/' ? dwfl_line_comp_dir(line) : NULL;
		char *full = comp != NULL ? xasprintf("%s/%s", comp, src) : xstrdup(src);
		set_source(es, full, out);
		free(full);
		out->line = (unsigned)lineno;
		dwinline_at(o->mod, look + o->dwfl_bias, &es->scratch_inl);
		out->inlined = es->scratch_inl.innermost;
		out->callers = es->scratch_inl.callers;
		out->n_callers = es->scratch_inl.n;
	}
	if (o->symbols == NULL) {
		/* the separate debug file libdwfl found while reading lines */
		const char *debugfile = NULL;
		dwfl_module_info(o->mod, NULL, NULL, NULL, NULL, NULL, NULL, &debugfile);
		if (debugfile != NULL)
			o->symbols = xstrdup(debugfile);
	}
	if (out->name != NULL || out->line > 0) {
		o->resolved++;
		/* credit the file that holds what was read: a stripped copy
		 * found by name has no DWARF of its own */
		const char *debugfile = NULL;
		dwfl_module_info(o->mod, NULL, NULL, NULL, NULL, NULL, NULL, &debugfile);
		const char *dwarf_file = debugfile != NULL ? debugfile : o->mainfile;
		out->source = o->symtab_main || debugfile == NULL ? o->mainfile : debugfile;
		out->line_source = out->line > 0 ? dwarf_file : NULL;
	}
}

const char *elfsym_linkage_name(struct elfsym *es, const char *obj, long pid, const char *fn,
				uint64_t ip, int *is_glob)
{
	*is_glob = 0;
	if (es == NULL || obj == NULL || fn == NULL)
		return NULL;
	struct eobj *o = object_for(es, obj);
	if (o->mod == NULL || o->n_syms == 0)
		return NULL;
	size_t first;
	size_t n = names_equal(o, fn, &first);
	if (n == 0)
		return NULL;
	/* distinct linkage names, those holding the ip first when known */
	const char *names[16];
	size_t k = 0;
	uint64_t bias;
	int known = bias_of(bias_for(es, o, pid), &bias);
	for (int pass = 0; pass < 2 && k == 0; pass++) {
		for (size_t i = first; i < first + n && k < 16; i++) {
			const struct esym *s = &o->syms[o->names[i].sym];
			if (pass == 0 && (!known || ip - bias - 1 - s->value >= s->size))
				continue;
			int seen = 0;
			for (size_t j = 0; j < k; j++)
				seen |= strcmp(names[j], s->name) == 0;
			if (!seen)
				names[k++] = s->name;
		}
	}
	if (k == 1)
		return names[0];
	char *glob = cxxname_cover(names, k);
	es->globs = xgrow(es->globs, &es->globs_cap, es->n_globs + 1, sizeof(*es->globs));
	es->globs[es->n_globs++] = glob;
	*is_glob = 1;
	return glob;
}

/* ---- life cycle ---- */

struct elfsym *elfsym_new(const struct elfsym_options *opts)
{
	struct elfsym *es = xcalloc(1, sizeof(*es));
	if (opts != NULL)
		es->opts = *opts;
	elf_version(EV_CURRENT);
	return es;
}

int elfsym_object_find(struct elfsym *es, const char *obj, struct elfsym_object *out)
{
	memset(out, 0, sizeof(*out));
	if (es == NULL || obj == NULL || es->aliases_cap == 0)
		return -1;
	struct alias *a = alias_slot(es, obj);
	if (a->obj == NULL)
		return -1;
	for (size_t i = 0; i < es->n_objs; i++)
		if (es->objs[i] == a->o)
			elfsym_object_info(es, i, out);
	return 0;
}

size_t elfsym_count(const struct elfsym *es)
{
	return es != NULL ? es->n_objs : 0;
}

void elfsym_object_info(const struct elfsym *es, size_t i, struct elfsym_object *out)
{
	memset(out, 0, sizeof(*out));
	const struct eobj *o = es->objs[i];
	out->obj = o->obj;
	out->path = o->path;
	out->symbols = o->symbols;
	out->by_name = o->by_name;
	out->resolved = o->resolved;
	out->refused = o->refused;
	out->capped = o->capped;
	for (size_t k = 0; k < es->n_biases; k++) {
		if (es->biases[k].o != o)
			continue;
		uint64_t bias;
		if (bias_of(&es->biases[k], &bias))
			out->bias_known = 1;
		else if (es->biases[k].evidence > 0)
			out->bias_conflict = 1;
	}
}

void elfsym_free(struct elfsym *es)
{
	if (es == NULL)
		return;
	for (size_t i = 0; i < es->n_objs; i++) {
		struct eobj *o = es->objs[i];
		if (o->dwfl != NULL)
			dwfl_end(o->dwfl);
		for (size_t k = 0; k < o->n_owned; k++)
			free(o->owned[k]);
		free(o->owned);
		free(o->syms);
		free(o->names);
		free(o->obj);
		free(o->path);
		free(o->real);
		free(o->spellings);
		free(o->symbols);
		free(o->mainfile);
		free(o);
	}
	free(es->objs);
	free(es->biases);
	for (size_t i = 0; i < es->n_maps; i++)
		free(es->maps[i].path);
	free(es->maps);
	for (size_t i = 0; i < es->n_symfiles; i++)
		free(es->symfiles[i].path);
	free(es->symfiles);
	for (size_t i = 0; i < es->n_globs; i++)
		free(es->globs[i]);
	free(es->globs);
	for (size_t i = 0; i < es->aliases_cap; i++)
		free(es->aliases[i].obj);
	free(es->aliases);
	free(es->scratch_dir);
	free(es->scratch_file);
	dwinline_clear(&es->scratch_inl);
	free(es);
}
