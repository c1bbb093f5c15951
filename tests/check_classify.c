/* check_classify.c — frame classes and the culprit frame. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "symbols/classify.h"
#include "vgtriage/frames.h"

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

Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_text_log_runtime_frames);
	tcase_add_test(tc, test_python_frames_from_perf_maps);
	tcase_add_test(tc, test_mapped_cython_frame_is_user_even_in_generated_helper_name);
	tcase_add_test(tc, test_culprit);
	tcase_add_test(tc, test_installed_extensions_and_libraries);
	tcase_add_test(tc, test_module_and_library_names);
	tcase_add_test(tc, test_culprit_extension_and_library);
	suite_add_tcase(s, tc);
	return s;
}
