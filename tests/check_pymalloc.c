/* check_pymalloc.c — a Python run under pymalloc, told from its stacks
 * (pymalloc.h): the real runs of tests/fixtures/pymalloc both ways, and
 * the evidence rules one by one. */
#include <check.h>
#include <string.h>

#include "analyze/pymalloc.h"

#include "ci_records.h"
#include "analyze/rank.h"
#include "analyze/sites.h"
#include "cmd/pipeline.h"
#include "read/vgargs.h"
#include "symbols/classify.h"

Suite *pymalloc_suite(void);

#define TD VGT_SRCDIR "/testdata/pymalloc/"

static size_t pymalloc_notes(const struct vgt_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i], "PYTHONMALLOC=malloc") != NULL)
			n++;
	return n;
}

/* Real runs of app.py (200 leaked tuples): under pymalloc no record and
 * one note; under PYTHONMALLOC=malloc the records show it and no note. */
START_TEST(test_real_runs)
{
	static const char *const arenas[] = {TD "arenas.xml", TD "arenas.log"};
	static const char *const mallocs[] = {TD "malloc.xml", TD "malloc.log"};
	for (size_t i = 0; i < 2; i++) {
		struct vgt_report *r = ci_read_run(arenas[i], NULL);
		ck_assert_int_eq(pymalloc_verdict(r, NULL), PYMALLOC_UNKNOWN);
		ck_assert_uint_eq(pymalloc_notes(r), 1);
		report_free(r);
		r = ci_read_run(mallocs[i], NULL);
		const char *why = NULL;
		ck_assert_int_eq(pymalloc_verdict(r, &why), PYMALLOC_MALLOC);
		ck_assert_str_eq(why, "_PyObject_GC_NewVar"); /* malloc's caller */
		ck_assert_uint_eq(pymalloc_notes(r), 0);
		report_free(r);
	}
}
END_TEST

/* A record whose stack is malloc <- frames[0] <- frames[1] ... */
static void record(struct vgt_report *r, struct vgt_input *in, const char *const *fns,
		   const char *const *objs, size_t n)
{
	struct vgt_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.kind = VGT_KIND_LEAK_POSSIBLY_LOST;
	rec.kind_name = kind_info(rec.kind)->name;
	rec.bytes = rec.direct_bytes = 64;
	rec.blocks = 1;
	for (size_t i = 0; i < n; i++) {
		struct vgt_frame f;
		memset(&f, 0, sizeof(f));
		f.fn = fns[i];
		f.obj = objs[i];
		f.ip = 0x1000 + i;
		stack_push(&rec.stack, frames_intern_frame(r->frames, &f));
	}
	classify_stack(r->frames, &rec.stack);
	sites_add_record(r, in, &rec);
	record_release(&rec);
}

static struct vgt_input *python_input(struct vgt_report *r, const char *command)
{
	struct vgt_input *in = report_add_input(r, "a.xml", "xml");
	in->command = command;
	in->exit_leak_search = 1;
	vgargs_apply(in, "--leak-check=full");
	return in;
}

static const char *const vgpreload = "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so";

/* A pymalloc function named in a stack (an interpreter with symbols)
 * proves pymalloc, whatever else the stacks show. */
START_TEST(test_pymalloc_frame)
{
	struct vgt_report *r = report_new();
	struct vgt_input *in = python_input(r, "/opt/py/bin/python3.12 app.py");
	static const char *const fns[] = {"malloc", "_PyObject_Malloc", "PyObject_Malloc", "main"};
	static const char *const objs[] = {NULL, "/opt/py/lib/libpython3.12.so.1.0",
					   "/opt/py/lib/libpython3.12.so.1.0", "/opt/py/bin/python3.12"};
	const char *o[4] = {vgpreload, objs[1], objs[2], objs[3]};
	record(r, in, fns, o, 4);
	static const char *const fns2[] = {"malloc", "PyUnicode_New"};
	const char *o2[2] = {vgpreload, objs[1]};
	record(r, in, fns2, o2, 2);
	rank_finish(r, NULL);
	const char *why = NULL;
	ck_assert_int_eq(pymalloc_verdict(r, &why), PYMALLOC_ARENAS);
	ck_assert_str_eq(why, "_PyObject_Malloc");
	pymalloc_note(r);
	ck_assert_uint_eq(pymalloc_notes(r), 1);
	ck_assert_ptr_nonnull(strstr(r->notes[r->n_notes - 1], "_PyObject_Malloc in a stack"));
	report_free(r);
}
END_TEST

/* malloc called by a named interpreter function: PYTHONMALLOC=malloc;
 * by ??? (a stripped _PyObject_Malloc) or a raw-domain user: no sign. */
/* The names whose first frame a collection of the frame table keeps:
 * those pymalloc_verdict looks for over the whole table, and no other. */
START_TEST(test_looks_for)
{
	ck_assert(pymalloc_looks_for("_PyObject_Malloc"));
	ck_assert(pymalloc_looks_for("new_arena"));
	ck_assert(!pymalloc_looks_for("PyObject_Malloc"));
	ck_assert(!pymalloc_looks_for("malloc"));
	ck_assert(!pymalloc_looks_for(NULL));
	ck_assert(pymalloc_looks_for_obj("/usr/bin/python3.11"));
	ck_assert(pymalloc_looks_for_obj("/usr/lib/libpython3.12.so.1.0"));
	ck_assert(!pymalloc_looks_for_obj("/srv/app/ext0.so"));
	ck_assert(!pymalloc_looks_for_obj(NULL));
}
END_TEST

START_TEST(test_malloc_evidence)
{
	static const char *const lib = "/usr/lib/libpython3.12.so.1.0";
	struct {
		const char *caller;
		int malloc_mode;
	} cases[] = {
		{"PyUnicode_New", 1}, {"_PyObject_GC_NewVar", 1}, {NULL, 0},
		{"PyMem_RawMalloc", 0}, {"_PyMem_RawStrdup", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vgt_report *r = report_new();
		struct vgt_input *in = python_input(r, "python3 app.py");
		const char *fns[3] = {"malloc", cases[i].caller, "Py_BytesMain"};
		const char *objs[3] = {vgpreload, lib, lib};
		record(r, in, fns, objs, 3);
		rank_finish(r, NULL);
		ck_assert_int_eq(pymalloc_verdict(r, NULL),
				 cases[i].malloc_mode ? PYMALLOC_MALLOC : PYMALLOC_UNKNOWN);
		report_free(r);
	}
}
END_TEST

/* No note where the input cannot tell or is not Python. */
START_TEST(test_silent)
{
	/* a C program */
	struct vgt_report *r = report_new();
	python_input(r, "./prog --python3");
	rank_finish(r, NULL);
	ck_assert_int_eq(pymalloc_verdict(r, NULL), PYMALLOC_NOT_PYTHON);
	pymalloc_note(r);
	ck_assert_uint_eq(pymalloc_notes(r), 0);
	report_free(r);
	/* Python shown definite leaks only: no interpreter record either way */
	r = report_new();
	struct vgt_input *in = python_input(r, "/usr/bin/python3 app.py");
	vgargs_apply(in, "--show-leak-kinds=definite");
	rank_finish(r, NULL);
	ck_assert_int_eq(pymalloc_verdict(r, NULL), PYMALLOC_NOT_PYTHON);
	report_free(r);
	/* killed before its exit leak search */
	r = report_new();
	in = python_input(r, "/usr/bin/python3 app.py");
	in->fatal_signal = "SIGSEGV";
	rank_finish(r, NULL);
	ck_assert_int_eq(pymalloc_verdict(r, NULL), PYMALLOC_NOT_PYTHON);
	report_free(r);
	/* the same run, complete: no sign of malloc mode */
	r = report_new();
	python_input(r, "/usr/bin/python3.11 app.py");
	rank_finish(r, NULL);
	ck_assert_int_eq(pymalloc_verdict(r, NULL), PYMALLOC_UNKNOWN);
	pymalloc_note(r);
	ck_assert_uint_eq(pymalloc_notes(r), 1);
	report_free(r);
}
END_TEST

Suite *pymalloc_suite(void)
{
	Suite *s = suite_create("pymalloc");
	TCase *tc = tcase_create("pymalloc");
	tcase_add_test(tc, test_real_runs);
	tcase_add_test(tc, test_pymalloc_frame);
	tcase_add_test(tc, test_looks_for);
	tcase_add_test(tc, test_malloc_evidence);
	tcase_add_test(tc, test_silent);
	suite_add_tcase(s, tc);
	return s;
}
