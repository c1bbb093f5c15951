/* check_classify.c — frame classes and the culprit frame. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "symbols/classify.h"
#include "vgtriage/frames.h"
#include "vgtriage/strpool.h"

Suite *classify_suite(void);

static struct vgt_frame frame(const char *fn, const char *obj)
{
	struct vgt_frame f;
	memset(&f, 0, sizeof(f));
	f.fn = fn;
	f.obj = obj;
	return f;
}

START_TEST(test_classes)
{
	struct vgt_frame f = frame("malloc", "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_ALLOCATOR);
	f = frame("_PyObject_GC_New", "/usr/bin/python3.11");
	ck_assert_int_eq(classify_frame(&f), FRAME_ALLOCATOR);
	/* AddressSanitizer's interceptors (LSan/ASan reports) */
	f = frame("__interceptor_malloc", NULL);
	ck_assert_int_eq(classify_frame(&f), FRAME_ALLOCATOR);
	f = frame("___interceptor_calloc", NULL);
	ck_assert_int_eq(classify_frame(&f), FRAME_ALLOCATOR);
	f = frame("__interceptor_strlen", NULL);
	ck_assert_int_ne(classify_frame(&f), FRAME_ALLOCATOR);
	f = frame("PyList_New", "/usr/bin/python3.11");
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
	f = frame("PyList_New", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
	f = frame("strdup", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("_dl_open", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("__Pyx_PyCode_New", "/tmp/api/native.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_CYTHON_RUNTIME);
	f = frame("__pyx_pf_3api_6native_random_noise", "/tmp/api/native.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	f = frame("leak_here", "/tmp/a.out");
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	f = frame(NULL, NULL);
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("(below main)", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
}
END_TEST

/* Text logs give (file:line) or (in obj), never both: libc frames with
 * debug info come without their object. */
START_TEST(test_text_log_runtime_frames)
{
	struct vgt_frame f = frame("write", NULL);
	f.file = "write.c";
	f.line = 26;
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("_dl_new_object", NULL);
	f.file = "dl-object.c";
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("__memcpy_avx_unaligned_erms", NULL);
	f.file = "memmove-vec-unaligned-erms.S";
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
	f = frame("syscall_param", NULL);
	f.file = "errors.c";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	/* With its object known, a user's own function named write is the user's. */
	f = frame("write", "/t/prog");
	f.file = "prog.c";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
}
END_TEST

START_TEST(test_python_frames_from_perf_maps)
{
	struct vgt_frame f = frame(NULL, NULL);
	f.pyname = "py::leaky_endpoint:/app/api.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	f.pyname = "py::_call_with_frames_removed:<frozen importlib._bootstrap>";
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
	f.pyname = "py::run:/usr/lib/python3.12/asyncio/runners.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
}
END_TEST

START_TEST(test_mapped_cython_frame_is_user_even_in_generated_helper_name)
{
	struct vgt_frame f = frame("__pyx_f_6native_helper", "/x/native.so");
	f.pyx_file = "native.pyx";
	f.pyx_line = 3;
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
}
END_TEST

#define SITE "/srv/venv/lib/python3.11/site-packages"

/* Issue 27: pip installs extensions under lib/python3.X/site-packages; the
 * interpreter is python, libpython and the standard library's modules. */
START_TEST(test_installed_extensions_and_libraries)
{
	struct vgt_frame f = frame("cleak_remember", SITE "/cleak.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_EXTENSION);
	f = frame(NULL, "/usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_EXTENSION);
	/* the standard library's own extension modules are the interpreter's */
	f = frame("_ssl__SSLContext", "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
	f = frame("PyList_New", "/opt/py/lib/python3.12/config-3.12/libpython3.12.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_INTERPRETER);
	/* an installed module mapped to the user's .pyx is the user's */
	f = frame("__pyx_f_7leakpkg_5_core_scratch", SITE "/leakpkg/_core.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_EXTENSION);
	f.pyx_file = "leakpkg/_core.pyx";
	f.pyx_line = 9;
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	/* a third-party Cython module's utility code stays Cython's */
	f = frame("__Pyx_PyCode_New", SITE "/yaml/_yaml.cpython-311-x86_64-linux-gnu.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_CYTHON_RUNTIME);
	/* libraries: the system's, and those a wheel bundles */
	f = frame("xmlHashCreate", "/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14");
	ck_assert_int_eq(classify_frame(&f), FRAME_LIBRARY);
	f = frame(NULL, "/lib/x86_64-linux-gnu/libcrypto.so.3");
	ck_assert_int_eq(classify_frame(&f), FRAME_LIBRARY);
	f = frame("xmlStrdup", SITE "/lxml.libs/libxml2-4f8c6b1d.so.2.10.3");
	ck_assert_int_eq(classify_frame(&f), FRAME_LIBRARY);
	/* the user's own shared library elsewhere is the user's */
	f = frame("parse", "/home/u/proj/build/libmine.so");
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	/* the C runtime stays the runtime, wherever it lives */
	f = frame("strdup", "/lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_int_eq(classify_frame(&f), FRAME_RUNTIME);
}
END_TEST

START_TEST(test_module_and_library_names)
{
	char buf[64];
	ck_assert_uint_eq(classify_module_name(SITE "/lxml/etree.cpython-311-x86_64-linux-gnu.so",
					       buf, sizeof(buf)), 10);
	ck_assert_str_eq(buf, "lxml.etree");
	classify_module_name(SITE "/cleak.cpython-311-x86_64-linux-gnu.so", buf, sizeof(buf));
	ck_assert_str_eq(buf, "cleak");
	classify_module_name("/usr/lib/python3/dist-packages/yaml/_yaml.abi3.so", buf, sizeof(buf));
	ck_assert_str_eq(buf, "yaml._yaml");
	ck_assert_uint_eq(classify_module_name("/usr/bin/python3.11", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	/* truncated to the buffer, always terminated */
	ck_assert_uint_eq(classify_module_name(SITE "/lxml/etree.so", buf, 5), 4);
	ck_assert_str_eq(buf, "lxml");
	classify_library_name("/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14", buf, sizeof(buf));
	ck_assert_str_eq(buf, "libxml2");
	classify_library_name(SITE "/lxml.libs/libxslt-9f8a2b.so.1", buf, sizeof(buf));
	ck_assert_str_eq(buf, "libxslt");
}
END_TEST

static void push(struct frame_table *ft, struct vgt_stack *s, const char *fn, const char *obj)
{
	struct vgt_frame f = frame(fn, obj);
	f.ip = s->count + 1;
	stack_push(s, frames_intern_frame(ft, &f));
}

/* Issue 26: a test framework's frames, installed or vendored, are the
 * harness's; what it allocated before reaching the user's code is its. */
START_TEST(test_test_framework)
{
	struct vgt_frame f = frame("testing::internal::ColoredPrintf(testing::internal::(anonymous "
				   "namespace)::GTestColor, char const*, ...)", "/tmp/q/t0");
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("bool testing::internal::HandleExceptionsInMethodIfSupported<testing::Test, bool>"
		  "(testing::Test*, bool (testing::Test::*)(), char const*)", "/tmp/q/t0");
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("Catch::Session::run()", "/tmp/q/t0");
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("doctest::Context::run()", NULL);
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("testing::UnitTest::Run()", "/usr/lib/x86_64-linux-gnu/libgtest.so.1.12.1");
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame(NULL, "/usr/lib/x86_64-linux-gnu/libgmock.so.1.12.1");
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	/* RUN_ALL_TESTS() is gtest.h's; vendored sources by directory */
	f = frame("RUN_ALL_TESTS()", "/tmp/q/t0");
	f.file = "gtest.h";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("main", "/tmp/q/t0");
	f.dir = "/src/proj/third_party/googletest/googletest/src";
	f.file = "gtest_main.cc";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f = frame("helper", "/tmp/q/t0");
	f.dir = "/src/proj/vendor/Catch2/src/catch2/internal";
	f.file = "catch_run_context.cpp";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	/* the user's test bodies and a user directory named like one stay the user's */
	f = frame("Shapes_Holder_Test::TestBody()", "/tmp/q/t0");
	f.file = "main.cpp";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	f = frame("check", "/tmp/q/t0");
	f.dir = "/src/proj/tests/gtest";
	f.file = "gtest_helpers.cc";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
	/* pytest, pluggy and unittest through perf maps */
	f = frame(NULL, NULL);
	f.pyname = "py::pytest_pyfunc_call:/venv/lib/python3.12/site-packages/_pytest/python.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f.pyname = "py::_multicall:/usr/lib/python3/dist-packages/pluggy/_callers.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f.pyname = "py::run:/usr/lib/python3.12/unittest/case.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_TESTFW);
	f.pyname = "py::test_leak:/app/tests/test_api.py";
	ck_assert_int_eq(classify_frame(&f), FRAME_USER);
}
END_TEST

START_TEST(test_culprit_test_framework)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_stack s = {0};
	/* gtest printing to stdout: glibc's buffer is the harness's, not main's */
	push(ft, &s, "malloc", "/v/vgpreload_memcheck.so");
	push(ft, &s, "_IO_file_doallocate", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	push(ft, &s, "testing::internal::ColoredPrintf(char const*, ...)", "/tmp/q/t0");
	push(ft, &s, "testing::UnitTest::Run()", "/tmp/q/t0");
	push(ft, &s, "main", "/tmp/q/t0");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 2);
	/* the user's test body under the harness is the user's */
	s.count = 1;
	push(ft, &s, "leaky()", "/tmp/q/t0");
	push(ft, &s, "Shapes_Holder_Test::TestBody()", "/tmp/q/t0");
	push(ft, &s, "testing::Test::Run()", "/tmp/q/t0");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 1);
	stack_release(&s);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

/* A text log's frames: no object (but the allocator's), line 10. */
struct row {
	const char *fn, *file;
	uint64_t ip;
};

static void push_rows(struct frame_table *ft, struct vgt_stack *s, const struct row *rows,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vgt_frame f = frame(rows[i].fn, i == 0 ? "/v/vgpreload_memcheck.so" : NULL);
		f.file = rows[i].file;
		f.line = 10;
		f.ip = rows[i].ip;
		stack_push(s, frames_intern_frame(ft, &f));
	}
}

/* A text log names libc's frames without their object: a frame inlined
 * into one of libc's is libc's; a user's frame that std:: code inlined
 * stays the user's. */
START_TEST(test_inlined_into_libc)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_stack s = {0};
	static const struct row rows[] = {
		{"malloc", NULL, 1}, {"outstring_func", "vfprintf-internal.c", 2},
		{"__vfprintf_internal", "vfprintf-internal.c", 2},
		{"cmp", "main.cpp", 3}, {"void std::__sort<int*>(int*, int*)", "stl_algo.h", 3},
		{"main", "main.cpp", 4},
	};
	push_rows(ft, &s, rows, sizeof(rows) / sizeof(rows[0]));
	classify_stack(ft, &s);
	ck_assert_int_eq(stack_frame(ft, &s, 1)->cls, FRAME_USER);
	classify_inlined(ft, &s);
	ck_assert_int_eq(stack_frame(ft, &s, 1)->cls, FRAME_RUNTIME);
	ck_assert_int_eq(stack_frame(ft, &s, 3)->cls, FRAME_USER);
	ck_assert_int_eq(stack_frame(ft, &s, 5)->cls, FRAME_USER);
	stack_release(&s);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

/* -O2 text log: libstdc++'s std::string code inlined into main, named
 * without a directory and by DWARF's short name, is the runtime's (the
 * XML's /usr/include/c++/ says so); a user's header of another name, and
 * a frame not inlined, stay the user's. */
START_TEST(test_inlined_libstdcxx)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_stack s = {0};
	static const struct row rows[] = {
		{"operator new(unsigned long)", NULL, 1},
		{"_M_construct<char const*>", "basic_string.tcc", 2},
		{"basic_string<>", "basic_string.h", 2},
		{"push", "mylist.h", 2},
		{"main", "main.cpp", 2},
		{"helper", "stl_like.cpp", 3},
	};
	push_rows(ft, &s, rows, sizeof(rows) / sizeof(rows[0]));
	classify_stack(ft, &s);
	classify_inlined(ft, &s);
	ck_assert_int_eq(stack_frame(ft, &s, 1)->cls, FRAME_RUNTIME);
	ck_assert_int_eq(stack_frame(ft, &s, 2)->cls, FRAME_RUNTIME);
	ck_assert_int_eq(stack_frame(ft, &s, 3)->cls, FRAME_USER);
	ck_assert_int_eq(stack_frame(ft, &s, 4)->cls, FRAME_USER);
	ck_assert_int_eq(stack_frame(ft, &s, 5)->cls, FRAME_USER);
	stack_release(&s);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

START_TEST(test_culprit)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_stack s = {0};
	push(ft, &s, "malloc", "/v/vgpreload_memcheck.so");
	push(ft, &s, "PyMem_RawMalloc", "/usr/bin/python3.11");
	push(ft, &s, "PyList_New", "/usr/bin/python3.11");
	push(ft, &s, "leaky", "/x/leakymod.so");
	push(ft, &s, "main", "/usr/bin/python3.11");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 3);
	/* No user frame: the first Cython runtime frame. */
	s.count = 3;
	push(ft, &s, "__Pyx_PyCode_New", "/x/native.so");
	push(ft, &s, "main", "/usr/bin/python3.11");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 3);
	/* Neither: the first frame that is not the allocator. */
	s.count = 3;
	push(ft, &s, "PyDict_New", "/usr/bin/python3.11");
	push(ft, &s, "main", "/usr/bin/python3.11");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 2);
	stack_release(&s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 0);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST

/* A library an extension called keeps the blame (libxml2 under lxml); an
 * extension's frame wins over the interpreter and Cython's runtime. */
START_TEST(test_culprit_extension_and_library)
{
	struct strpool *pool = strpool_new();
	struct frame_table *ft = frames_new(pool);
	struct vgt_stack s = {0};
	push(ft, &s, "malloc", "/v/vgpreload_memcheck.so");
	push(ft, &s, "xmlHashCreate", "/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14");
	push(ft, &s, "xmlXPathNewContext", "/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14");
	push(ft, &s, NULL, SITE "/lxml/etree.cpython-311-x86_64-linux-gnu.so");
	push(ft, &s, "main", "/usr/bin/python3.11");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 1);
	ck_assert_uint_eq(classify_caller(ft, &s, 1), 3);
	/* the interpreter allocating for an extension: the extension's */
	s.count = 1;
	push(ft, &s, "PyList_New", "/usr/bin/python3.11");
	push(ft, &s, "__Pyx_PyList_Pack", SITE "/leakpkg/_core.so");
	push(ft, &s, "__pyx_pf_handle", SITE "/leakpkg/_core.so");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 3);
	ck_assert_uint_eq(classify_caller(ft, &s, 3), SIZE_MAX);
	/* no extension: the library (libcrypto under the interpreter's _ssl) */
	s.count = 1;
	push(ft, &s, "CRYPTO_malloc", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
	push(ft, &s, NULL, "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so");
	classify_stack(ft, &s);
	ck_assert_uint_eq(classify_culprit(ft, &s), 1);
	ck_assert_uint_eq(classify_caller(ft, &s, 1), SIZE_MAX);
	stack_release(&s);
	frames_free(ft);
	strpool_free(pool);
}
END_TEST


/* classify_frame_interned: the class classify_frame gives, remembered by
 * the strings' addresses, dropped when a pool goes (an address may then
 * hold other text), and never for what the addresses do not tell. */
START_TEST(test_interned_cache)
{
	static const char *const objs[] = {
		"/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/srv/app/.venv/lib/python3.11/site-packages/lxml/etree.so", "/t/prog", NULL,
	};
	static const char *const fns[] = {"malloc", "PyList_New", "__pyx_f_leak", "main",
					  "std::vector<int>::push_back", NULL};
	for (int round = 0; round < 2; round++) {
		struct strpool *pool = strpool_new();
		for (int i = 0; objs[i] != NULL; i++)
			for (int j = 0; fns[j] != NULL; j++)
				for (int pyx = 0; pyx < 2; pyx++) {
					struct vgt_frame f = frame(strpool_intern(pool, fns[j]),
								   strpool_intern(pool, objs[i]));
					f.pyx_file = pyx ? strpool_intern(pool, "x.pyx") : NULL;
					/* twice: computed, then remembered */
					ck_assert_int_eq(classify_frame_interned(&f), classify_frame(&f));
					ck_assert_int_eq(classify_frame_interned(&f), classify_frame(&f));
				}
		/* a perf-map name decides for an unnamed frame: not cached */
		struct vgt_frame p = frame(NULL, strpool_intern(pool, "/usr/bin/python3.11"));
		ck_assert_int_eq(classify_frame_interned(&p), FRAME_INTERPRETER);
		p.pyname = strpool_intern(pool, "py::handle:/srv/app/x.py");
		ck_assert_int_eq(classify_frame_interned(&p), FRAME_USER);
		unsigned long frees = strpool_frees();
		strpool_free(pool);
		ck_assert_uint_eq(strpool_frees(), frees + 1);
	}
	/* a pool at a freed pool's address, other texts at the same places */
	struct strpool *a = strpool_new();
	struct vgt_frame f = frame(strpool_intern(a, "malloc"), strpool_intern(a, "/t/prog"));
	ck_assert_int_eq(classify_frame_interned(&f), FRAME_ALLOCATOR);
	strpool_free(a);
	struct strpool *b = strpool_new();
	struct vgt_frame g = frame(strpool_intern(b, "mallox"), strpool_intern(b, "/t/prog"));
	ck_assert_int_eq(classify_frame_interned(&g), FRAME_USER);
	strpool_free(b);
}
END_TEST

Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_text_log_runtime_frames);
	tcase_add_test(tc, test_python_frames_from_perf_maps);
	tcase_add_test(tc, test_mapped_cython_frame_is_user_even_in_generated_helper_name);
	tcase_add_test(tc, test_culprit);
	tcase_add_test(tc, test_inlined_libstdcxx);
	tcase_add_test(tc, test_test_framework);
	tcase_add_test(tc, test_culprit_test_framework);
	tcase_add_test(tc, test_inlined_into_libc);
	tcase_add_test(tc, test_installed_extensions_and_libraries);
	tcase_add_test(tc, test_module_and_library_names);
	tcase_add_test(tc, test_culprit_extension_and_library);
	tcase_add_test(tc, test_interned_cache);
	suite_add_tcase(s, tc);
	return s;
}
