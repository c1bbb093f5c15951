/*
 * classify.c — frame classes and the culprit frame (DESIGN.md §2).
 *
 * A frame's class comes from its function name and its object file: the
 * allocator entry points by name (wherever they live), the interpreter by
 * object (the python executable, libpython, the standard library's own
 * modules in lib-dynload), the C/C++ runtime and valgrind's preloads by
 * object, Cython's generated utility code by name.  An extension module
 * installed under site-packages or dist-packages is a third-party
 * extension unless its frame maps to the user's .pyx source; a shared
 * library of the system (/usr/lib, /lib) or one a wheel bundles
 * (site-packages/<name>.libs/) is a library.  A test framework's frames
 * (GoogleTest, Catch2, doctest, pytest, unittest) are the harness's,
 * installed or vendored into the user's tree.  Everything else is the
 * user's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "symbols/classify.h"
#include "symbols/cxxname.h"
#include "symbols/cymap.h"
#include "vgtriage/strpool.h"

static const char *const allocator_functions[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
	"posix_memalign", "aligned_alloc", "valloc", "pvalloc", "malloc_usable_size",
	"operator new(unsigned long)", "operator new[](unsigned long)",
	"operator new(unsigned long, std::nothrow_t const&)",
	"operator new[](unsigned long, std::nothrow_t const&)",
	"operator new(unsigned long, std::align_val_t)",
	"operator new[](unsigned long, std::align_val_t)",
	"_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
	"_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
	"operator delete(void*)", "operator delete[](void*)",
	"PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc", "PyMem_RawMalloc",
	"PyMem_RawCalloc", "PyMem_RawRealloc", "_PyMem_RawMalloc", "_PyMem_RawCalloc",
	"_PyMem_RawRealloc", "_PyMem_DebugRawAlloc", "_PyMem_DebugRawMalloc",
	"_PyMem_DebugRawCalloc", "_PyMem_DebugRawRealloc", "_PyMem_DebugMalloc",
	"_PyMem_DebugCalloc", "_PyMem_DebugRealloc",
	"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc", "_PyObject_Malloc",
	"_PyObject_Calloc", "_PyObject_Realloc", "pymalloc_alloc", "pymalloc_realloc",
	"_PyObject_GC_New", "_PyObject_GC_NewVar", "_PyObject_GC_Alloc",
	"_PyObject_GC_Malloc", "_PyObject_GC_Calloc", "gc_alloc", "_PyObject_New",
	"_PyObject_NewVar", "PyObject_GC_Malloc", "_PyObject_GC_Resize",
	"PyType_GenericAlloc", "_PyType_AllocNoTrack", "PyType_GenericNew",
	NULL,
};

/* Object-file basenames (prefixes) of the C/C++ runtime and of valgrind. */
static const char *const runtime_objects[] = {
	"libc.so", "libc-", "ld-linux", "ld-", "ld64.so", "libstdc++", "libgcc_s",
	"libm.so", "libm-", "libpthread", "libdl.so", "libdl-", "librt.so", "libffi",
	"vgpreload_", "memcheck-", "libresolv", "libnss_", "libutil",
	NULL,
};

/* Valgrind's text log names a frame by (file:line) or by (in object),
 * never both: libc and ld.so frames built with debug info arrive with no
 * object.  These are the C runtime's, known by name or by source file. */
static const char *const runtime_functions[] = {
	"write", "read", "pwrite64", "pread64", "writev", "readv", "send", "sendto",
	"sendmsg", "recv", "recvfrom", "recvmsg", "open", "open64", "openat", "openat64",
	"close", "ioctl", "fcntl", "fstat", "fstat64", "stat", "stat64", "lstat",
	"mmap", "mmap64", "munmap", "mprotect", "brk", "sbrk", "clone", "clone3", "fork",
	"execve", "select", "poll", "epoll_wait", "socket", "connect", "bind", "listen",
	"accept", "accept4", "getdents64", "syscall", "strdup", "strndup", "realpath",
	"getcwd", "setenv", "putenv", "fopen", "fopen64", "fdopen", "tmpfile", "opendir",
	"qsort", "tzset", "localtime", "localtime_r", "printf", "fprintf", "vfprintf",
	"puts", "fputs", "fwrite", "fflush", "exit", "dlopen", "dlsym", "dlerror",
	"dl_open_worker", "dl_open_worker_begin", "getaddrinfo", "getpwnam", "getpwuid",
	"start_thread", "thread_start", "_exit",
	NULL,
};

static const char *const runtime_function_prefixes[] = {
	"_dl_", "__libc_", "_IO_", "__GI_", "__GI___", "_nl_", "__pthread", "pthread_",
	"__dl", "dl_", "call_init", "_dl", "__nss_", "__gconv", "__tz", "dlopen", "dlerror",
	"dlsym", "dlclose", "dlmopen", NULL,
};

static const char *const runtime_file_prefixes[] = {
	"dl-", "dlopen", "dlerror", "dlsym", "dlclose", "rtld", "pthread_create", NULL,
};

/* Test frameworks (FRAME_TESTFW): an installed one by its object's base
 * name, a vendored or bundled one by its sources (a text log names the
 * file without its directory) or by its namespace (cxxname.c). */
static const char *const testfw_objects[] = {
	"libgtest", "libgmock", "libCatch2", "libdoctest", NULL,
};

static const char *const testfw_file_prefixes[] = {
	"gtest-", "gmock-", NULL,
};

static const char *const testfw_files[] = {
	"gtest.h", "gtest.cc", "gtest_main.cc", "gtest_pred_impl.h", "gtest_prod.h",
	"gmock.h", "gmock.cc", "gmock_main.cc", "catch.hpp", "catch_amalgamated.hpp",
	"catch_amalgamated.cpp", "doctest.h", "doctest.cpp", NULL,
};

static const char *const testfw_dirs[] = {
	"/googletest/", "/googlemock/", "/include/gtest/", "/include/gmock/",
	"/include/catch2/", "/src/catch2/", "/Catch2/", NULL,
};

/* pytest, its plugin manager, unittest: where their modules live. */
static const char *const testfw_python_dirs[] = {
	"/_pytest/", "/pytest/", "/pluggy/", "/unittest/", NULL,
};

/* The first byte is compared before the call: classify_frame goes down
 * these lists for every distinct frame name (tens of thousands in a deep
 * Python report), and most names differ from an entry at once. */
static int starts_with(const char *s, const char *prefix)
{
	if (s[0] != prefix[0])
		return prefix[0] == '\0';
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (s[0] == list[i][0] && strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int has_prefix_in(const char *s, const char *const *prefixes)
{
	for (size_t i = 0; prefixes[i] != NULL; i++)
		if (starts_with(s, prefixes[i]))
			return 1;
	return 0;
}

/* A C identifier reserved for the implementation ("_Exit", "__strlen_avx2"):
 * the C library's, which a text log names without its object.  Not
 * Cython's generated names (__pyx_, __Pyx_) nor an unmangled C++ symbol. */
static int is_reserved_name(const char *fn)
{
	if (fn[0] != '_' || starts_with(fn, "__pyx") || starts_with(fn, "__Pyx") ||
	    starts_with(fn, "_Z"))
		return 0;
	return fn[1] == '_' || (fn[1] >= 'A' && fn[1] <= 'Z');
}

/* A frame with a source file but no object (a text log): is it libc's? */
static int is_runtime_source_frame(const struct vgt_frame *frame)
{
	const char *base = vgt_basename(frame->file);
	size_t n = strlen(base);
	if (has_prefix_in(base, runtime_file_prefixes) || (n > 2 && strcmp(base + n - 2, ".S") == 0))
		return 1;
	if (frame->dir != NULL && (strstr(frame->dir, "/glibc") != NULL ||
				   strstr(frame->dir, "sysdeps/") != NULL))
		return 1;
	return frame->fn != NULL && (in_list(frame->fn, runtime_functions) ||
				     has_prefix_in(frame->fn, runtime_function_prefixes) ||
				     strstr(frame->fn, "@GLIBC_") != NULL ||
				     is_reserved_name(frame->fn));
}

static int contains_any(const char *s, const char *const *parts)
{
	for (size_t i = 0; parts[i] != NULL; i++)
		if (strstr(s, parts[i]) != NULL)
			return 1;
	return 0;
}

/* A frame of a test framework: its object, its source file or directory,
 * or its namespace. */
/* "/dir/file" into path, cut to its size (as snprintf would, at a tenth
 * of its cost). */
static void join_path(char *path, size_t size, const char *dir, const char *file)
{
	const char *parts[] = {"/", dir != NULL ? dir : "", "/", file};
	size_t len = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t n = strlen(parts[i]);
		if (n > size - 1 - len)
			n = size - 1 - len;
		memcpy(path + len, parts[i], n);
		len += n;
	}
	path[len] = '\0';
}

static int is_test_framework_frame(const struct vgt_frame *frame)
{
	if (frame->obj != NULL && has_prefix_in(vgt_basename(frame->obj), testfw_objects))
		return 1;
	if (frame->fn != NULL && cxxname_in_test_namespace(frame->fn))
		return 1;
	if (frame->file == NULL)
		return 0;
	char path[1024];
	join_path(path, sizeof(path), frame->dir, frame->file);
	const char *base = vgt_basename(frame->file);
	return contains_any(path, testfw_dirs) || in_list(base, testfw_files) ||
	       has_prefix_in(base, testfw_file_prefixes);
}

static int is_allocator_function(const char *fn)
{
	/* AddressSanitizer's interceptors (gcc's libasan: __interceptor_malloc;
	 * newer runtimes: ___interceptor_malloc) are the allocator a
	 * sanitizer's stacks start with */
	if (starts_with(fn, "___interceptor_"))
		fn += strlen("___interceptor_");
	else if (starts_with(fn, "__interceptor_"))
		fn += strlen("__interceptor_");
	return in_list(fn, allocator_functions) || starts_with(fn, "operator new") ||
	       starts_with(fn, "operator delete");
}

/* Where pip (site-packages) and Debian (dist-packages) install packages:
 * the text after the directory, or NULL. */
static const char *installed_path(const char *obj)
{
	static const char *const dirs[] = {"/site-packages/", "/dist-packages/", NULL};
	const char *after = NULL;
	for (size_t i = 0; dirs[i] != NULL; i++) {
		const char *p = obj, *hit;
		while ((hit = strstr(p, dirs[i])) != NULL) {
			p = hit + strlen(dirs[i]);
			after = p; /* the last one: a venv inside a package dir */
		}
	}
	return after;
}

/* The interpreter: the python binary, libpython, and what lives in the
 * standard library's directories (lib-dynload); not what pip installed. */
static int is_interpreter_object(const char *obj)
{
	const char *base = vgt_basename(obj);
	if (starts_with(base, "python") || starts_with(base, "libpython"))
		return 1;
	return (strstr(obj, "/lib/python3") != NULL || strstr(obj, "/lib/python2") != NULL) &&
	       installed_path(obj) == NULL;
}

/* A wheel's bundled libraries live in <name>.libs/ beside the package
 * (auditwheel: site-packages/lxml.libs/libxml2-….so.2). */
static int is_bundled_library(const char *installed)
{
	const char *slash = strchr(installed, '/');
	return slash != NULL && slash - installed > 5 && strncmp(slash - 5, ".libs", 5) == 0;
}

/* A shared library the system installed: /usr/lib/…, /lib/…, /usr/local/lib/…
 * (not python's own, not the C runtime: those are classified before). */
static int is_system_library(const char *obj)
{
	static const char *const dirs[] = {"/usr/lib/", "/lib/", "/usr/lib64/", "/lib64/",
					   "/usr/local/lib/", "/opt/homebrew/lib/", NULL};
	return has_prefix_in(obj, dirs) && strstr(vgt_basename(obj), ".so") != NULL;
}

static int is_runtime_object(const char *obj)
{
	return has_prefix_in(vgt_basename(obj), runtime_objects);
}

/* A Python-level frame named from a perf map: "py::func:/path/file.py". */
static enum frame_class classify_python_frame(const char *pyname)
{
	const char *path = strchr(pyname + 4, ':');
	path = path != NULL ? path + 1 : "";
	if (contains_any(path, testfw_python_dirs))
		return FRAME_TESTFW;
	if (starts_with(path, "<frozen") || strstr(path, "/lib/python3") != NULL ||
	    starts_with(path, "<"))
		return FRAME_INTERPRETER;
	return FRAME_USER;
}

enum frame_class classify_frame(const struct vgt_frame *frame)
{
	const char *fn = frame->fn;
	if (fn == NULL && frame->pyname != NULL && starts_with(frame->pyname, "py::"))
		return classify_python_frame(frame->pyname);
	if (fn != NULL && is_allocator_function(fn))
		return FRAME_ALLOCATOR;
	if (frame->pyx_file != NULL)
		return FRAME_USER;
	if (is_test_framework_frame(frame))
		return FRAME_TESTFW;
	/* The object decides first: PyInit_* of the interpreter's own modules
	 * is the interpreter's, not Cython's. */
	if (frame->obj != NULL) {
		if (is_interpreter_object(frame->obj))
			return FRAME_INTERPRETER;
		if (is_runtime_object(frame->obj))
			return FRAME_RUNTIME;
		const char *installed = installed_path(frame->obj);
		if (installed != NULL) {
			if (is_bundled_library(installed))
				return FRAME_LIBRARY;
			/* a third-party Cython module's utility code stays
			 * Cython's (one-time import costs) */
			return fn != NULL && cymap_is_utility_function(fn) ? FRAME_CYTHON_RUNTIME
									   : FRAME_EXTENSION;
		}
	}
	if (frame->obj == NULL && frame->file != NULL && is_runtime_source_frame(frame))
		return FRAME_RUNTIME;
	/* the C++ standard library's templates, compiled into the user's
	 * binary from its headers (/usr/include/c++/12/bits/basic_string.h;
	 * text logs give no directory, but the name is in std::) */
	if ((frame->dir != NULL && strstr(frame->dir, "/include/c++/") != NULL) ||
	    (fn != NULL && cxxname_in_runtime_namespace(fn)))
		return FRAME_RUNTIME;
	if (fn != NULL && cymap_is_utility_function(fn))
		return FRAME_CYTHON_RUNTIME;
	if (frame->obj != NULL && is_system_library(frame->obj))
		return FRAME_LIBRARY;
	if (fn == NULL && frame->obj == NULL)
		return FRAME_RUNTIME; /* a bare ??? says nothing about whose it is */
	if (fn != NULL && (strcmp(fn, "(below main)") == 0 || strcmp(fn, "_start") == 0 ||
			   starts_with(fn, "__libc_start")))
		return FRAME_RUNTIME;
	return FRAME_USER;
}

/* classify_frame_interned's cache: direct-mapped, per thread (the
 * readers of -j resolve in threads of their own), no allocation. */
#define CLASS_CACHE_BITS 9

struct class_slot {
	const char *fn, *obj, *dir, *file;
	unsigned char used, pyx;
	unsigned char cls;
};

static _Thread_local struct class_slot class_cache[1u << CLASS_CACHE_BITS];
static _Thread_local unsigned long class_cache_frees;

static size_t class_slot_of(const struct vgt_frame *f)
{
	uint64_t h = (uint64_t)(uintptr_t)f->fn * UINT64_C(0x9E3779B97F4A7C15);
	h ^= (uint64_t)(uintptr_t)f->obj * UINT64_C(0xC2B2AE3D27D4EB4F);
	h ^= (uint64_t)(uintptr_t)f->file * UINT64_C(0x165667B19E3779F9);
	h ^= (uint64_t)(uintptr_t)f->dir;
	return (size_t)(h >> (64 - CLASS_CACHE_BITS));
}

enum frame_class classify_frame_interned(const struct vgt_frame *frame)
{
	/* a perf-map name decides for an unnamed frame: not in the key */
	if (frame->fn == NULL && frame->pyname != NULL)
		return classify_frame(frame);
	unsigned long frees = strpool_frees();
	if (frees != class_cache_frees) {
		memset(class_cache, 0, sizeof(class_cache));
		class_cache_frees = frees;
	}
	unsigned char pyx = frame->pyx_file != NULL;
	struct class_slot *s = &class_cache[class_slot_of(frame)];
	if (s->used && s->fn == frame->fn && s->obj == frame->obj && s->dir == frame->dir &&
	    s->file == frame->file && s->pyx == pyx)
		return (enum frame_class)s->cls;
	enum frame_class cls = classify_frame(frame);
	*s = (struct class_slot){frame->fn, frame->obj, frame->dir, frame->file, 1, pyx,
				 (unsigned char)cls};
	return cls;
}

void classify_stack(struct frame_table *ft, const struct vgt_stack *stack)
{
	for (size_t i = 0; i < stack->count; i++) {
		struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		f->cls = classify_frame(f);
	}
}

/* A source file of libstdc++'s headers (bits/), as a text log names a
 * frame of it: no directory, and DWARF's unqualified name for an inlined
 * call (`_M_construct<char const*> (basic_string.tcc:225)`), where the
 * XML says /usr/include/c++/12/bits. */
static int is_libstdcxx_header(const char *file)
{
	static const char *const names[] = {
		"basic_string.h", "char_traits.h", "new_allocator.h", "allocator.h",
		"alloc_traits.h", "unique_ptr.h", "shared_ptr.h", "shared_ptr_base.h",
		"hashtable.h", "hashtable_policy.h", "move.h", "ptr_traits.h", "std_function.h",
		"functional_hash.h", "invoke.h", "refwrap.h", "basic_ios.h", "locale_facets.h",
		"ios_base.h", "cow_string.h", "string_view", "std_mutex.h", "atomic_base.h",
		NULL,
	};
	const char *base = vgt_basename(file);
	return in_list(base, names) || starts_with(base, "stl_") || vgt_has_suffix(base, ".tcc");
}

void classify_inlined(struct frame_table *ft, const struct vgt_stack *stack)
{
	for (size_t i = 0; i + 1 < stack->count; i++) {
		struct vgt_frame *f = frames_at(ft, stack->ids[i]);
		if (f->obj != NULL || f->ip == 0 || f->cls != FRAME_USER || f->file == NULL)
			continue;
		/* libstdc++'s code inlined into the user's (a text log: no
		 * directory to tell) is the runtime's, as the XML says */
		if (f->dir == NULL && frames_at(ft, stack->ids[i + 1])->ip == f->ip &&
		    is_libstdcxx_header(f->file)) {
			f->cls = FRAME_RUNTIME;
			continue;
		}
		/* the function the code at this ip belongs to: the last frame
		 * of the chain valgrind printed at the same ip */
		size_t j = i + 1;
		while (j + 1 < stack->count && frames_at(ft, stack->ids[j + 1])->ip == f->ip)
			j++;
		const struct vgt_frame *outer = frames_at(ft, stack->ids[j]);
		if (outer->ip == f->ip && outer->obj == NULL && outer->file != NULL &&
		    outer->cls == FRAME_RUNTIME && is_runtime_source_frame(outer))
			f->cls = FRAME_RUNTIME;
	}
}

size_t classify_culprit(const struct frame_table *ft, const struct vgt_stack *stack)
{
	size_t cython = SIZE_MAX, other = SIZE_MAX, extension = SIZE_MAX;
	for (size_t i = 0; i < stack->count; i++) {
		enum frame_class cls = stack_frame(ft, stack, i)->cls;
		/* the harness called the allocator (or libc) before any code
		 * of the user's: the test framework's */
		if (cls == FRAME_USER || cls == FRAME_TESTFW)
			return i;
		if (cls == FRAME_EXTENSION && extension == SIZE_MAX)
			extension = i;
		if (cls == FRAME_CYTHON_RUNTIME && cython == SIZE_MAX)
			cython = i;
		else if (cls != FRAME_ALLOCATOR && other == SIZE_MAX)
			other = i;
	}
	/* A library the extension called (libxml2 under lxml) stays the
	 * library's: the innermost of the two wins. */
	if (other != SIZE_MAX && stack_frame(ft, stack, other)->cls == FRAME_LIBRARY &&
	    other < extension)
		return other;
	if (extension != SIZE_MAX)
		return extension;
	if (cython != SIZE_MAX)
		return cython;
	return other != SIZE_MAX ? other : 0;
}

size_t classify_caller(const struct frame_table *ft, const struct vgt_stack *stack, size_t from)
{
	for (size_t i = from + 1; i < stack->count; i++) {
		enum frame_class cls = stack_frame(ft, stack, i)->cls;
		if (cls == FRAME_EXTENSION)
			return i;
	}
	return SIZE_MAX;
}

static size_t copy_name(char *out, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

size_t classify_module_name(const char *obj, char *out, size_t cap)
{
	const char *rest = obj != NULL ? installed_path(obj) : NULL;
	if (rest == NULL || cap == 0)
		return cap > 0 ? copy_name(out, cap, "", 0) : 0;
	/* "lxml/etree.cpython-311-x86_64-linux-gnu.so" -> "lxml.etree" */
	size_t n = 0;
	for (const char *p = rest; *p != '\0' && n + 1 < cap; p++) {
		if (*p == '.' && strchr(p, '/') == NULL)
			break; /* the module's suffix */
		out[n++] = *p == '/' ? '.' : *p;
	}
	out[n] = '\0';
	return n;
}

size_t classify_library_name(const char *obj, char *out, size_t cap)
{
	const char *base = obj != NULL ? vgt_basename(obj) : "";
	const char *end = strstr(base, ".so");
	size_t n = end != NULL ? (size_t)(end - base) : strlen(base);
	/* auditwheel's "libxml2-4f8c6b1d" names the same library */
	const char *dash = memchr(base, '-', n);
	if (dash != NULL && dash > base)
		n = (size_t)(dash - base);
	return copy_name(out, cap, base, n);
}
