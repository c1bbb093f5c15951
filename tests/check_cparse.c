/*
 * check_cparse.c — the helper's protocol read back (hand-made outputs,
 * well-formed and broken), and the helper run for real on the fixture's
 * cleaks.c and cpyleaks.c when it is built: functions and their lines,
 * statements, labels, what identifiers refer to, pointer locals, macros
 * read as written.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explain/cparse.h"
#include "explain/explain.h"

#include "tmpdir.h"

Suite *cparse_suite(void);

#define HELPER VGT_BUILDDIR "/vgtriage-cparse"
#define CLEAKS VGT_SRCDIR "/tests/fixtures/hints/cleaks.c"
#define CPYLEAKS VGT_SRCDIR "/tests/fixtures/hints/hintfix/cpyleaks.c"

START_TEST(test_protocol)
{
	static const char out[] = "vgtriage-cparse 1\n"
				  "F 3 6 f\n"
				  "V p p\n"
				  "N block 4\n"
				  "N simple 4\n"
				  "T 4 k - char\n"
				  "T 4 p - *\n"
				  "T 4 i l p\n"
				  "T 4 s - \"a\\\\b\\nc\"\n"
				  "E\n"
				  "N return 5\n"
				  "E\n"
				  "E\n"
				  "D\n"
				  "F 8 9 g\n"
				  "U line 8: unknown type name 'foo'\n"
				  "D\n"
				  "F 10 12 h\n"
				  "N block 10\n"
				  "E\n"
				  "E\n"
				  "D\n"
				  "F 13 14 cut\n"
				  "N block 13\n";
	struct cparse_file *f = cparse_parse(out, sizeof(out) - 1, HINT_LANG_C);
	ck_assert_ptr_nonnull(f);
	const struct hint_func *fn = cparse_function(f, 5);
	ck_assert_ptr_nonnull(fn);
	ck_assert_str_eq(fn->name, "f");
	ck_assert_uint_eq(fn->first_line, 3);
	ck_assert_uint_eq(fn->last_line, 6);
	ck_assert_int_eq(hint_func_var_type(fn, "p"), HINT_VAR_CPTR);
	ck_assert_uint_eq(fn->body->n_kids, 2);
	const struct hint_node *s = fn->body->kids[0];
	ck_assert_uint_eq(s->n_toks, 4);
	ck_assert_int_eq(s->toks[2].ref, 'l');
	ck_assert_int_eq(s->toks[0].kind, HINT_TOK_KEYWORD);
	ck_assert_str_eq(s->toks[3].text, "\"a\\b\nc\"");
	ck_assert_int_eq(fn->body->kids[1]->kind, HINT_RETURN);
	ck_assert_ptr_null(cparse_function(f, 8));  /* did not parse cleanly */
	ck_assert_ptr_null(cparse_function(f, 11)); /* an E too many */
	ck_assert_ptr_null(cparse_function(f, 13)); /* cut short */
	ck_assert_ptr_null(cparse_function(f, 100));
	/* why: the helper's complaint, or that no function holds the line */
	ck_assert_str_eq(cparse_problem(f, 8), "line 8: unknown type name 'foo'");
	ck_assert_ptr_null(cparse_problem(f, 5));
	ck_assert_ptr_nonnull(strstr(cparse_problem(f, 100), "no function"));
	cparse_free(f);
	/* issue 26: a member function's class, its destructor, its pointer fields */
	static const char cls[] = "vgtriage-cparse 1\n"
				  "F 5 5 push\n"
				  "C 2 0 7 list\n"
				  "P head_\n"
				  "N block 5\n"
				  "E\n"
				  "D\n"
				  "F 7 7 ~list\n"
				  "C 2 0 7 list\n"
				  "N block 7\n"
				  "E\n"
				  "D\n";
	f = cparse_parse(cls, sizeof(cls) - 1, HINT_LANG_CXX);
	fn = cparse_function(f, 5);
	ck_assert_ptr_nonnull(fn);
	ck_assert_int_eq(fn->cxx_member, 1);
	ck_assert_str_eq(fn->class_name, "list");
	ck_assert_uint_eq(fn->class_line, 2);
	ck_assert_int_eq(fn->cxx_dtor, 7);
	ck_assert_ptr_eq(fn->cxx_dtor_fn, cparse_function(f, 7));
	ck_assert_uint_eq(fn->n_ptr_members, 1);
	ck_assert_str_eq(fn->ptr_members[0], "head_");
	cparse_free(f);
	ck_assert_ptr_null(cparse_parse("hello\n", 6, HINT_LANG_C));
	ck_assert_ptr_null(cparse_parse("", 0, HINT_LANG_C));
	cparse_free(NULL);
}
END_TEST

static struct cparse_file *run_on(const char *path)
{
	size_t len;
	char *text = explain_read_source(path, &len);
	ck_assert_ptr_nonnull(text);
	char why[256] = "";
	struct cparse_file *f = cparse_run(HELPER, path, text, len, HINT_LANG_C, why, sizeof(why));
	free(text);
	ck_assert_msg(f != NULL, "%s", why);
	return f;
}

START_TEST(test_helper)
{
	if (access(HELPER, X_OK) != 0) {
		fprintf(stderr, "check_cparse: %s not built (no libclang): helper cases not run\n",
			HELPER);
		return;
	}
	struct cparse_file *f = run_on(CLEAKS);
	const struct hint_func *fn = cparse_function(f, 124); /* c_goto_skips */
	ck_assert_ptr_nonnull(fn);
	ck_assert_str_eq(fn->name, "c_goto_skips");
	ck_assert_uint_eq(fn->first_line, 120);
	ck_assert_uint_eq(fn->last_line, 133);
	ck_assert_int_eq(hint_func_var_type(fn, "p"), HINT_VAR_CPTR);
	int gotos = 0, labels = 0;
	for (size_t i = 0; i < fn->n_all; i++) {
		gotos += fn->all[i]->kind == HINT_GOTO && fn->all[i]->line == 127;
		labels += fn->all[i]->kind == HINT_LABEL && fn->all[i]->line == 131;
	}
	ck_assert_int_eq(gotos, 1);
	ck_assert_int_eq(labels, 1);
	fn = cparse_function(f, 82); /* c_remember: g_last is a global */
	const struct hint_node *st = fn->body->kids[0];
	ck_assert_str_eq(st->toks[0].text, "g_last");
	ck_assert_int_eq(st->toks[0].ref, 'g');
	ck_assert_int_eq(st->toks[2].ref, 'f'); /* malloc */
	cparse_free(f);
	f = run_on(CPYLEAKS);
	fn = cparse_function(f, 31); /* set_early_return */
	ck_assert_int_eq(hint_func_var_type(fn, "seen"), HINT_VAR_PYREF);
	int decref = 0, macro_return = 0;
	for (size_t i = 0; i < fn->n_all; i++) {
		const struct hint_node *n = fn->all[i];
		decref |= n->kind == HINT_SIMPLE && n->n_toks > 0 && strcmp(n->toks[0].text, "Py_DECREF") == 0;
		macro_return |= n->kind == HINT_RETURN && n->n_toks == 1 &&
				strcmp(n->toks[0].text, "Py_RETURN_NONE") == 0;
	}
	ck_assert(decref && macro_return);
	cparse_free(f);
	/* a helper that is not there */
	char why[256] = "";
	ck_assert_ptr_null(cparse_run("/nonexistent/vgtriage-cparse", CLEAKS, "int x;", 6, HINT_LANG_C,
				      why, sizeof(why)));
	ck_assert(why[0] != '\0');
}
END_TEST

/* A source whose #includes name a FIFO (nothing writes it) and
 * /dev/zero: the helper refuses both at once and parses the rest. */
START_TEST(test_sandboxed_includes)
{
	if (access(HELPER, X_OK) != 0)
		return;
	char dir[] = "/tmp/vgt-cparse-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char fifo[64], path[64];
	snprintf(fifo, sizeof(fifo), "%s/fifo.h", dir);
	snprintf(path, sizeof(path), "%s/hostile.c", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	static const char text[] = "#include \"fifo.h\"\n#include \"/dev/zero\"\n"
				   "#include <stdlib.h>\n"
				   "char *grab(void)\n{\n\tchar *p = malloc(4);\n\treturn p;\n}\n";
	char why[256] = "";
	time_t start = time(NULL);
	struct cparse_file *f = cparse_run(HELPER, path, text, sizeof(text) - 1, HINT_LANG_C, why,
					   sizeof(why));
	ck_assert_msg(f != NULL, "%s", why);
	ck_assert_int_lt(time(NULL) - start, 20); /* not the helper's 30 s timeout */
	const struct hint_func *fn = cparse_function(f, 6);
	ck_assert_ptr_nonnull(fn);
	ck_assert_str_eq(fn->name, "grab");
	cparse_free(f);
	unlink(fifo);
	rmdir(dir);
}
END_TEST

/* A helper killed (its memory limit) costs one note: it is not run again. */
START_TEST(test_killed_helper_not_rerun)
{
	char script[] = "/tmp/vgt-cparse-kill-XXXXXX";
	tmpfile_put(script, "#!/bin/sh\nkill -9 $$\n");
	ck_assert_int_eq(chmod(script, 0700), 0);
	char why[256] = "";
	ck_assert_ptr_null(cparse_run(script, CLEAKS, "int x;", 6, HINT_LANG_C, why, sizeof(why)));
	ck_assert_msg(strstr(why, "killed") != NULL, "%s", why);
	unlink(script); /* not there any more: the next call must not even try */
	ck_assert_ptr_null(cparse_run(script, CLEAKS, "int x;", 6, HINT_LANG_C, why, sizeof(why)));
	ck_assert_msg(strstr(why, "not run again") != NULL, "%s", why);
	cparse_retry(); /* the suites after this one (CK_FORK=no) use the helper */
	ck_assert_ptr_null(cparse_run(script, CLEAKS, "int x;", 6, HINT_LANG_C, why, sizeof(why)));
	ck_assert_msg(strstr(why, "not run again") == NULL, "%s", why);
}
END_TEST

Suite *cparse_suite(void)
{
	Suite *s = suite_create("cparse");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_protocol);
	tcase_add_test(tc, test_helper);
	tcase_add_test(tc, test_sandboxed_includes);
	tcase_add_test(tc, test_killed_helper_not_rerun);
	suite_add_tcase(s, tc);
	return s;
}
