/*
 * check_elfsym.c — names and lines read from ELF/DWARF, checked against
 * valgrind's own answers.
 *
 * testdata/cxxsym.xml is valgrind's run of testdata/cxxsym/bin/shapes
 * (recorded at /tmp/vgtriage-cxxsym/bin/shapes): each frame of it in
 * that object carries valgrind's ip, function, file and line.  elfsym,
 * given one frame as evidence of the load address (or the mappings),
 * must give back the same function (as a linkage name that demangles to
 * valgrind's) and the same file:line for every other frame — from the
 * unstripped file, and from the stripped copy through --symbols, the
 * /usr/lib/debug/.build-id layout, or a copy found by name.
 */
#include <check.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/cxxname.h"
#include "symbols/elfsym.h"

Suite *elfsym_suite(void);

#define RUN "/tmp/vgtriage-cxxsym/"
#define DATA VGT_SRCDIR "/testdata/cxxsym/"
#define UNSTRIPPED RUN "bin/shapes"
#define STRIPPED RUN "stripped/shapes"
#define MAX_FRAMES 256

struct vframe {
	unsigned long long ip;
	char obj[256], fn[512], dir[256], file[128];
	unsigned line;
	int top;
};

static struct vframe frames[MAX_FRAMES];
static size_t n_frames;

static void text_of(xmlNode *node, const char *name, char *out, size_t size)
{
	for (xmlNode *c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
			xmlChar *t = xmlNodeGetContent(c);
			snprintf(out, size, "%s", (const char *)t);
			xmlFree(t);
			return;
		}
	}
	out[0] = '\0';
}

static void collect(xmlNode *node)
{
	for (; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)node->name, "stack") == 0) {
			int top = 1;
			for (xmlNode *f = node->children; f != NULL && n_frames < MAX_FRAMES; f = f->next) {
				if (f->type != XML_ELEMENT_NODE)
					continue;
				struct vframe *v = &frames[n_frames++];
				char buf[64];
				text_of(f, "ip", buf, sizeof(buf));
				v->ip = strtoull(buf, NULL, 16);
				text_of(f, "obj", v->obj, sizeof(v->obj));
				text_of(f, "fn", v->fn, sizeof(v->fn));
				text_of(f, "dir", v->dir, sizeof(v->dir));
				text_of(f, "file", v->file, sizeof(v->file));
				text_of(f, "line", buf, sizeof(buf));
				v->line = (unsigned)strtoul(buf, NULL, 10);
				v->top = top;
				top = 0;
			}
			continue;
		}
		collect(node->children);
	}
}

static void load_frames(void)
{
	if (n_frames > 0)
		return;
	xmlDoc *doc = xmlReadFile(VGT_SRCDIR "/testdata/cxxsym.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "testdata/cxxsym.xml: sh tests/fixtures/cxxsym/make.sh");
	collect(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	ck_assert_uint_gt(n_frames, 20);
}

/* The first frame valgrind named "main" in the unstripped object. */
static const struct vframe *main_frame(void)
{
	for (size_t i = 0; i < n_frames; i++)
		if (strcmp(frames[i].obj, UNSTRIPPED) == 0 && strcmp(frames[i].fn, "main") == 0)
			return &frames[i];
	ck_abort_msg("no main frame");
	return NULL;
}

/* /tmp/vgtriage-cxxsym/X → testdata/cxxsym/X; NULL for "absent" ones. */
static char *locate(void *ctx, const char *obj)
{
	const char *absent = ctx;
	if (strncmp(obj, RUN, strlen(RUN)) != 0 || (absent != NULL && strcmp(obj, absent) == 0))
		return NULL;
	char *path = malloc(strlen(DATA) + strlen(obj));
	sprintf(path, "%s%s", DATA, obj + strlen(RUN));
	return path;
}

static struct elfsym *new_es(const char *symbols, const char *absent, const char *debug_root)
{
	static const char *dirs[1];
	struct elfsym_options o;
	memset(&o, 0, sizeof(o));
	if (symbols != NULL) {
		dirs[0] = symbols;
		o.symbol_dirs = dirs;
		o.n_symbol_dirs = 1;
	}
	o.locate = locate;
	o.locate_ctx = (void *)absent;
	o.debug_root = debug_root;
	return elfsym_new(&o);
}

/* Every frame valgrind gave in the unstripped object, asked of obj. */
static size_t check_all(struct elfsym *es, const char *obj)
{
	size_t checked = 0;
	for (size_t i = 0; i < n_frames; i++) {
		const struct vframe *v = &frames[i];
		if (strcmp(v->obj, UNSTRIPPED) != 0)
			continue;
		struct elfsym_frame r;
		elfsym_resolve(es, obj, 1, v->ip, v->top, &r);
		ck_assert_msg(r.has_offset, "%s at %llx: no offset", v->fn, v->ip);
		ck_assert_msg(r.name != NULL, "%s at %llx: no name", v->fn, v->ip);
		char *d = cxxname_demangle_dup(r.name);
		ck_assert_msg(strcmp(d != NULL ? d : r.name, v->fn) == 0, "%llx: %s, valgrind %s",
			      v->ip, d != NULL ? d : r.name, v->fn);
		free(d);
		ck_assert_msg(r.line == v->line && r.file != NULL && strcmp(r.file, v->file) == 0 &&
				      r.dir != NULL && strcmp(r.dir, v->dir) == 0,
			      "%s: %s/%s:%u, valgrind %s/%s:%u", v->fn, r.dir, r.file, r.line, v->dir,
			      v->file, v->line);
		checked++;
	}
	return checked;
}

START_TEST(test_learn_then_resolve)
{
	load_frames();
	struct elfsym *es = new_es(NULL, NULL, NULL);
	const struct vframe *m = main_frame();
	elfsym_learn(es, UNSTRIPPED, 1, m->fn, m->ip, m->top);
	ck_assert_uint_gt(check_all(es, UNSTRIPPED), 15);
	/* another process has learned nothing: a PIE main executable is
	 * where valgrind maps one (issue 26) */
	struct elfsym_frame r;
	elfsym_resolve(es, UNSTRIPPED, 2, m->ip, 0, &r);
	ck_assert_int_eq(r.has_offset, 1);
	ck_assert_uint_eq(r.offset, m->ip - ELFSYM_VALGRIND_PIE_BASE);
	elfsym_free(es);
}
END_TEST

START_TEST(test_learn_demangled_and_linkage_names)
{
	load_frames();
	/* evidence by a demangled C++ name, as valgrind prints it by default */
	struct elfsym *es = new_es(NULL, NULL, NULL);
	for (size_t i = 0; i < n_frames; i++) {
		if (strcmp(frames[i].obj, UNSTRIPPED) == 0 && strchr(frames[i].fn, ':') != NULL) {
			elfsym_learn(es, UNSTRIPPED, 1, frames[i].fn, frames[i].ip, frames[i].top);
			break;
		}
	}
	ck_assert_uint_gt(check_all(es, UNSTRIPPED), 15);
	int glob;
	const char *n = elfsym_linkage_name(es, UNSTRIPPED, 1, "int* geo::make_value<int>(unsigned long)",
					    0, &glob);
	ck_assert_str_eq(n, "_ZN3geo10make_valueIiEEPT_m");
	ck_assert_int_eq(glob, 0);
	n = elfsym_linkage_name(es, UNSTRIPPED, 1, "geo::detail::Buffer::Buffer(unsigned long)", 0, &glob);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(fnmatch(n, "_ZN3geo6detail6BufferC1Em", 0), 0); /* valgrind's name */
	ck_assert_int_eq(fnmatch(n, "_ZN3geo6detail6BufferC2Em", 0), 0);
	ck_assert_str_eq(elfsym_linkage_name(es, UNSTRIPPED, 1, "main", 0, &glob), "main");
	ck_assert_ptr_null(elfsym_linkage_name(es, UNSTRIPPED, 1, "nothing::here()", 0, &glob));
	ck_assert_ptr_null(elfsym_linkage_name(es, "/nonexistent/lib.so", 1, "f()", 0, &glob));
	elfsym_free(es);
}
END_TEST

START_TEST(test_vgpreload_linkage_names)
{
	static const char preload[] = "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so";
	struct stat st;
	if (stat(preload, &st) != 0)
		return; /* valgrind not installed here */
	struct elfsym *es = elfsym_new(NULL);
	int glob;
	/* the intercepts are Z-encoded (_vgr10030ZU_libstdcZpZpZa__Znam) */
	ck_assert_str_eq(elfsym_linkage_name(es, preload, 1, "operator new[](unsigned long)", 0, &glob),
			 "_Znam");
	ck_assert_str_eq(elfsym_linkage_name(es, preload, 1, "malloc", 0, &glob), "malloc");
	elfsym_free(es);
}
END_TEST

START_TEST(test_maps)
{
	load_frames();
	const struct vframe *m = main_frame();
	struct elfsym *es = new_es(NULL, NULL, NULL);
	elfsym_learn(es, UNSTRIPPED, 1, m->fn, m->ip, m->top);
	struct elfsym_frame r;
	elfsym_resolve(es, UNSTRIPPED, 1, m->ip, 0, &r);
	ck_assert(r.has_offset);
	unsigned long long bias = m->ip - r.offset;
	ck_assert_uint_eq(bias % 4096, 0);
	elfsym_free(es);
	/* the same bias from /proc/PID/maps text alone, no evidence */
	char maps[1024];
	snprintf(maps, sizeof(maps),
		 "%llx-%llx r--p 00000000 08:01 42    " UNSTRIPPED "\n"
		 "%llx-%llx r-xp 00001000 08:01 42    " UNSTRIPPED "\n"
		 "7ffc0000-7ffc1000 rw-p 00000000 00:00 0    [stack]\n"
		 "7ffd0000-7ffd1000 rw-p 00000000 00:00 0\n",
		 bias, bias + 0x1000, bias + 0x1000, bias + 0x2000);
	es = new_es(NULL, NULL, NULL);
	elfsym_add_maps(es, 7, maps); /* another process's: not ours */
	elfsym_resolve(es, UNSTRIPPED, 1, m->ip, 0, &r);
	ck_assert_uint_eq(r.offset, m->ip - ELFSYM_VALGRIND_PIE_BASE); /* valgrind's base */
	elfsym_add_maps(es, 1, maps);
	ck_assert_uint_gt(check_all(es, UNSTRIPPED), 15);
	elfsym_free(es);
	/* mappings win over evidence that came first */
	es = new_es(NULL, NULL, NULL);
	elfsym_learn(es, UNSTRIPPED, 1, m->fn, m->ip + 0x10000, 0); /* a wrong address */
	elfsym_add_maps(es, 1, maps);
	ck_assert_uint_gt(check_all(es, UNSTRIPPED), 15);
	elfsym_free(es);
}
END_TEST

START_TEST(test_conflicting_evidence)
{
	load_frames();
	const struct vframe *m = main_frame();
	struct elfsym *es = new_es(NULL, NULL, NULL);
	/* valgrind could not have named two functions at one address */
	elfsym_learn(es, UNSTRIPPED, 1, "main", m->ip, 0);
	elfsym_learn(es, UNSTRIPPED, 1, "mismatch()", m->ip, 0);
	struct elfsym_frame r;
	elfsym_resolve(es, UNSTRIPPED, 1, m->ip, 0, &r);
	ck_assert_int_eq(r.has_offset, 0);
	ck_assert_ptr_null(r.name);
	struct elfsym_object info;
	ck_assert_uint_eq(elfsym_count(es), 1);
	elfsym_object_info(es, 0, &info);
	ck_assert_int_eq(info.bias_conflict, 1);
	ck_assert_int_eq(info.bias_known, 0);
	/* a third frame settles it: the majority */
	elfsym_learn(es, UNSTRIPPED, 1, "main", m->ip, 0);
	elfsym_resolve(es, UNSTRIPPED, 1, m->ip, 0, &r);
	ck_assert(r.has_offset);
	elfsym_free(es);
}
END_TEST

START_TEST(test_stripped_with_symbols_dir)
{
	load_frames();
	const struct vframe *m = main_frame();
	struct elfsym *es = new_es(DATA "bin", NULL, NULL);
	/* the stripped copy still names main (-rdynamic: .dynsym) */
	elfsym_learn(es, STRIPPED, 1, m->fn, m->ip, 0);
	ck_assert_uint_gt(check_all(es, STRIPPED), 15);
	struct elfsym_object info;
	elfsym_object_info(es, 0, &info);
	ck_assert_str_eq(info.symbols, DATA "bin/shapes");
	ck_assert_int_eq(info.by_name, 0);
	ck_assert_uint_gt(info.resolved, 15);
	elfsym_free(es);
	/* without the copy: offsets and the .dynsym names, no lines, no statics */
	es = new_es(NULL, NULL, NULL);
	elfsym_learn(es, STRIPPED, 1, m->fn, m->ip, 0);
	size_t named = 0, unnamed = 0;
	for (size_t i = 0; i < n_frames; i++) {
		if (strcmp(frames[i].obj, UNSTRIPPED) != 0)
			continue;
		struct elfsym_frame r;
		elfsym_resolve(es, STRIPPED, 1, frames[i].ip, frames[i].top, &r);
		ck_assert(r.has_offset);
		ck_assert_uint_eq(r.line, 0);
		if (r.name != NULL)
			named++;
		else
			unnamed++;
	}
	ck_assert_uint_gt(named, 0);
	ck_assert_uint_gt(unnamed, 0); /* mismatch(), the anonymous namespace */
	elfsym_free(es);
}
END_TEST

START_TEST(test_symbols_by_name_when_absent)
{
	load_frames();
	const struct vframe *m = main_frame();
	struct elfsym *es = new_es(DATA "bin", STRIPPED, NULL);
	elfsym_learn(es, STRIPPED, 1, m->fn, m->ip, 0);
	ck_assert_uint_gt(check_all(es, STRIPPED), 15);
	struct elfsym_object info;
	elfsym_object_info(es, 0, &info);
	ck_assert_int_eq(info.by_name, 1);
	ck_assert_ptr_null(info.path);
	elfsym_free(es);
	/* neither the object nor a copy: nothing */
	es = new_es(NULL, STRIPPED, NULL);
	elfsym_learn(es, STRIPPED, 1, m->fn, m->ip, 0);
	struct elfsym_frame r;
	elfsym_resolve(es, STRIPPED, 1, m->ip, 0, &r);
	ck_assert_int_eq(r.has_offset, 0);
	elfsym_free(es);
}
END_TEST

/* The build-id of path as hex. */
static void build_id_hex(const char *path, char *hex, size_t size)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
	ck_assert_int_gt(n, 0);
	for (ssize_t i = 0; i < n && (size_t)(2 * i + 3) < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)id)[i]);
	elf_end(elf);
	close(fd);
}

START_TEST(test_debug_root_build_id)
{
	load_frames();
	char root[] = "/tmp/vgt-elfsym-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	char hex[129], dir[256], link[512];
	build_id_hex(DATA "stripped/shapes", hex, sizeof(hex));
	snprintf(dir, sizeof(dir), "%s/.build-id", root);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/.build-id/%.2s", root, hex);
	mkdir(dir, 0700);
	snprintf(link, sizeof(link), "%s/%s.debug", dir, hex + 2);
	ck_assert_int_eq(symlink(DATA "bin/shapes", link), 0);
	const struct vframe *m = main_frame();
	struct elfsym *es = new_es(NULL, NULL, root);
	elfsym_learn(es, STRIPPED, 1, m->fn, m->ip, 0);
	ck_assert_uint_gt(check_all(es, STRIPPED), 15);
	struct elfsym_object info;
	elfsym_object_info(es, 0, &info);
	ck_assert_str_eq(info.symbols, link);
	elfsym_free(es);
	unlink(link);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/.build-id", root);
	rmdir(dir);
	rmdir(root);
}
END_TEST

/* Every spelling of one file is one object: opened, read and demangled
 * once, its load address learned through any of them. */
START_TEST(test_spellings_share_one_object)
{
	load_frames();
	struct elfsym *es = new_es(NULL, NULL, NULL);
	const struct vframe *m = main_frame();
	elfsym_learn(es, RUN "bin/./shapes", 1, m->fn, m->ip, m->top);
	ck_assert_uint_gt(check_all(es, RUN "bin//shapes"), 15);
	ck_assert_uint_gt(check_all(es, UNSTRIPPED), 15);
	ck_assert_uint_eq(elfsym_count(es), 1);
	struct elfsym_object info;
	ck_assert_int_eq(elfsym_object_find(es, RUN "bin//shapes", &info), 0);
	ck_assert_str_eq(info.obj, RUN "bin/./shapes");
	ck_assert_int_eq(elfsym_object_find(es, RUN "never/asked", &info), -1);
	elfsym_free(es);
}
END_TEST

/* The reason an object named obj (its own file) is not read. */
static const char *refusal(const char *obj)
{
	static char why[200];
	struct elfsym *es = elfsym_new(NULL);
	struct elfsym_frame r;
	elfsym_resolve(es, obj, 1, 0x401000, 1, &r);
	struct elfsym_object info;
	ck_assert_int_eq(elfsym_object_find(es, obj, &info), 0);
	snprintf(why, sizeof(why), "%s", info.refused != NULL ? info.refused : "");
	elfsym_free(es);
	return why;
}

START_TEST(test_policy_refuses_objects)
{
	ck_assert_str_eq(refusal("/proc/self/maps"), "under /proc, /sys or /dev");
	ck_assert_str_eq(refusal("/etc/passwd"), "not an ELF file");
	ck_assert_str_eq(refusal(DATA "bin/shapes"), "");
	/* the real stripped file with 2^32 - 1 sections claimed in section 0 */
	char path[] = "/tmp/vgt-elfsym-hostile-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *in = fopen(DATA "stripped/shapes", "rb");
	ck_assert_ptr_nonnull(in);
	unsigned char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	ck_assert_uint_gt(n, 64);
	uint64_t shoff;
	memcpy(&shoff, buf + 40, 8); /* ELF64 little-endian, as built here */
	ck_assert_uint_lt(shoff + 64, n);
	buf[60] = buf[61] = 0;
	memset(buf + shoff + 32, 0xff, 4);
	memset(buf + shoff + 36, 0, 4);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	ck_assert_msg(strstr(refusal(path), "hostile ELF") != NULL, "%s", refusal(path));
	unlink(path);
}
END_TEST

/* testdata/cxxstrip: shapes26.cpp at -O2, stripped, its debug file in a
 * --symbols dir; the program as valgrind ran it, /tmp/vgtriage-cxxstrip. */
static char *locate_strip(void *ctx, const char *obj)
{
	(void)ctx;
	const char *run = "/tmp/vgtriage-cxxstrip/";
	if (strncmp(obj, run, strlen(run)) != 0)
		return NULL;
	char *path = malloc(strlen(VGT_SRCDIR) + strlen(obj) + 64);
	sprintf(path, "%s/testdata/cxxstrip/bin/%s", VGT_SRCDIR, obj + strlen(run));
	return path;
}

/* Inlined calls as valgrind lists them for the unstripped build
 * (testdata/cxxown_O2.xml, the same program): the inlined function at
 * the line table's line, then its callers at their call lines. */
START_TEST(test_inlined_callers)
{
	static const char *dirs[1] = {VGT_SRCDIR "/testdata/cxxstrip/debug"};
	struct elfsym_options o;
	memset(&o, 0, sizeof(o));
	o.symbol_dirs = dirs;
	o.n_symbol_dirs = 1;
	o.locate = locate_strip;
	struct elfsym *es = elfsym_new(&o);
	const char *obj = "/tmp/vgtriage-cxxstrip/shapes26_O2";
	struct elfsym_frame r;
	/* valgrind: push (shapes26.cpp:26), fill<wide>(…) (shapes26.cpp:80) */
	elfsym_resolve(es, obj, 1, 0x1094BD, 0, &r);
	ck_assert_ptr_nonnull(r.inlined);
	ck_assert_str_eq(r.inlined, "push");
	ck_assert_str_eq(r.file, "shapes26.cpp");
	ck_assert_uint_eq(r.line, 26);
	ck_assert_uint_eq(r.n_callers, 1);
	ck_assert_ptr_null(r.callers[0].fn); /* the function holding it: r.name */
	ck_assert_str_eq(r.callers[0].dir, "./tests/fixtures/cxx");
	ck_assert_str_eq(r.callers[0].file, "shapes26.cpp");
	ck_assert_uint_eq(r.callers[0].line, 80);
	char *d = cxxname_demangle_dup(r.name);
	ck_assert_str_eq(d != NULL ? d : r.name, "unsigned long fill<wide>(int, wide const&)");
	free(d);
	ck_assert_ptr_nonnull(r.line_source);
	ck_assert_msg(strstr(r.line_source, "shapes26_O2.debug") != NULL, "%s", r.line_source);
	/* valgrind: spec_holder (:63), take_spec(…) [clone .constprop.0] (:73) */
	elfsym_resolve(es, obj, 1, 0x109B81, 0, &r);
	ck_assert_str_eq(r.inlined, "spec_holder");
	ck_assert_uint_eq(r.line, 63);
	ck_assert_uint_eq(r.n_callers, 1);
	ck_assert_uint_eq(r.callers[0].line, 73);
	elfsym_free(es);
}
END_TEST

Suite *elfsym_suite(void)
{
	Suite *s = suite_create("elfsym");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_learn_then_resolve);
	tcase_add_test(tc, test_learn_demangled_and_linkage_names);
	tcase_add_test(tc, test_vgpreload_linkage_names);
	tcase_add_test(tc, test_maps);
	tcase_add_test(tc, test_conflicting_evidence);
	tcase_add_test(tc, test_stripped_with_symbols_dir);
	tcase_add_test(tc, test_symbols_by_name_when_absent);
	tcase_add_test(tc, test_debug_root_build_id);
	tcase_add_test(tc, test_spellings_share_one_object);
	tcase_add_test(tc, test_policy_refuses_objects);
	tcase_add_test(tc, test_inlined_callers);
	suite_add_tcase(s, tc);
	return s;
}
