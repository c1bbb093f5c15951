/*
 * render_junit.c — JUnit XML for Jenkins, GitLab and the like.
 *
 * One <testsuite> per input, one <testcase> per shown site of that input;
 * a per-test run (report->tests) gives instead one <testsuite> whose
 * testcases are the tests, failing those whose own leaks --fail-on names;
 * a site that --fail-on names gets a <failure> (message: kind, bytes,
 * location; body: the folded stack), a site the baseline knows while
 * --fail-on has "new" is <skipped>.  An input that ended early adds a
 * failing "run complete" testcase when --fail-on has "incomplete".
 * Written with libxml2's xmlTextWriter, which does the XML escaping; the
 * input's strings go in in their visible form (escape.h), since XML 1.0
 * cannot hold control characters at all.
 */
#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "analyze/pertest.h"
#include "render/render_ci.h"
#include "analyze/policy.h"

#define X(s) ((const xmlChar *)(s))

struct junit {
	xmlTextWriterPtr w;
	const struct vgt_report *r;
	const struct render_options *opts;
	struct policy policy;
	int rc;
};

static void attr(struct junit *j, const char *name, const char *value)
{
	value = escape_text_pool(j->r->pool, value);
	if (xmlTextWriterWriteAttribute(j->w, X(name), X(value)) < 0)
		j->rc = -1;
}

static void attr_count(struct junit *j, const char *name, uint64_t n)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, n);
	attr(j, name, buf);
}

static void start(struct junit *j, const char *name)
{
	if (xmlTextWriterStartElement(j->w, X(name)) < 0)
		j->rc = -1;
}

static void end(struct junit *j)
{
	if (xmlTextWriterEndElement(j->w) < 0)
		j->rc = -1;
}

static int site_in_input(const struct vgt_site *s, size_t input, size_t n_inputs)
{
	if (n_inputs <= 1)
		return 1;
	return input < 64 && (s->input_mask & (UINT64_C(1) << input)) != 0;
}

static int is_skipped(const struct junit *j, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	return j->policy.only_new && d->baseline != NULL && strcmp(d->baseline, "known") == 0;
}

static int input_fails_incomplete(const struct junit *j, const struct vgt_input *in)
{
	return in != NULL && j->policy.fail_incomplete && (!in->complete || !in->finished);
}

struct counts {
	size_t tests, failures, skipped;
};

static struct counts count_input(const struct junit *j, size_t input, size_t n)
{
	struct counts c = {0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = j->r->sites[i];
		if (!site_in_input(s, input, j->r->n_inputs))
			continue;
		c.tests++;
		if (policy_site_fails(&j->policy, s))
			c.failures++;
		else if (is_skipped(j, s))
			c.skipped++;
	}
	const struct vgt_input *in = input < j->r->n_inputs ? j->r->inputs[input] : NULL;
	if (in != NULL && (!in->complete || !in->finished)) {
		c.tests++;
		c.failures += input_fails_incomplete(j, in);
	}
	return c;
}

static void write_site(struct junit *j, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	const struct vgt_report *r = j->r;
	int rel;
	const char *path = render_ci_path(r, &s->location, j->opts->source_root, &rel);
	const char *where = render_ci_where(r, s, j->opts->source_root);
	start(j, "testcase");
	attr(j, "classname", s->kind_name);
	attr(j, "name", s->location.function != NULL
				? strpool_printf(r->pool, "%s %s", where, s->location.function)
				: where);
	if (path != NULL)
		attr(j, "file", path);
	if (s->location.line > 0)
		attr_count(j, "line", s->location.line);
	attr(j, "time", "0");
	if (policy_site_fails(&j->policy, s)) {
		const char *amount =
			kind_is_leak(s->kind)
				? strpool_printf(r->pool, "%" PRIu64 " byte%s in %" PRIu64 " block%s",
						 s->bytes, s->bytes == 1 ? "" : "s", s->blocks,
						 s->blocks == 1 ? "" : "s")
				: r->totals.figures.occurrences_unknown /* no -s */
				? strpool_printf(r->pool, "%zu context%s", s->records,
						 s->records == 1 ? "" : "s")
				: strpool_printf(r->pool, "%" PRIu64 " time%s", s->occurrences,
						 s->occurrences == 1 ? "" : "s");
		start(j, "failure");
		attr(j, "message", strpool_printf(r->pool, "%s %s at %s", render_ci_kind_label(s),
						  amount, where));
		attr(j, "type", s->kind_name);
		char *stack = render_ci_stacks_text(r, s, "");
		/* every part is in its visible form already: the newlines are ours */
		const char *body = strpool_printf(r->pool, "%s\n%s%s",
						  render_ci_message(r, s, j->opts->source_root),
						  d->baseline != NULL ? strpool_printf(r->pool, "baseline: %s\n",
										      d->baseline)
								      : "",
						  stack);
		free(stack);
		if (xmlTextWriterWriteString(j->w, X(body)) < 0)
			j->rc = -1;
		end(j);
	} else if (is_skipped(j, s)) {
		start(j, "skipped");
		attr(j, "message", "known: in the baseline");
		end(j);
	}
	end(j);
}

static void write_incomplete(struct junit *j, const struct vgt_input *in)
{
	start(j, "testcase");
	attr(j, "classname", "vgtriage");
	attr(j, "name", strpool_printf(j->r->pool, "%s: run complete", in->path));
	attr(j, "time", "0");
	if (input_fails_incomplete(j, in)) {
		start(j, "failure");
		attr(j, "message", !in->complete ? "the input ends early (valgrind killed?)"
						 : "the run did not finish");
		attr(j, "type", "incomplete");
		end(j);
	}
	end(j);
}

static void write_suite(struct junit *j, size_t input, size_t n)
{
	const struct vgt_input *in = input < j->r->n_inputs ? j->r->inputs[input] : NULL;
	struct counts c = count_input(j, input, n);
	start(j, "testsuite");
	attr(j, "name", in != NULL ? in->path : "vgtriage");
	attr_count(j, "tests", c.tests);
	attr_count(j, "failures", c.failures);
	attr(j, "errors", "0");
	attr_count(j, "skipped", c.skipped);
	attr(j, "time", "0");
	if (in != NULL && in->command != NULL) {
		start(j, "properties");
		start(j, "property");
		attr(j, "name", "command");
		attr(j, "value", in->command);
		end(j);
		end(j);
	}
	for (size_t i = 0; i < n; i++)
		if (site_in_input(j->r->sites[i], input, j->r->n_inputs))
			write_site(j, j->r->sites[i]);
	if (in != NULL && (!in->complete || !in->finished))
		write_incomplete(j, in);
	end(j);
}

/* ---- per-test runs: one testcase per test ---- */

/* "tests/test_x.py::TestA::test_b" → classname "tests.test_x.TestA",
 * name "test_b" (as pytest's own junitxml names them). */
static void test_names(const struct vgt_report *r, const char *id, const char **classname,
		       const char **name)
{
	const char *last = NULL;
	for (const char *p = strstr(id, "::"); p != NULL; p = strstr(p + 2, "::"))
		last = p;
	if (last == NULL) {
		*classname = "vgtriage";
		*name = id;
		return;
	}
	*name = last + 2;
	char *cls = xstrndup(id, (size_t)(last - id));
	size_t o = 0;
	for (size_t i = 0; cls[i] != '\0'; i++) {
		if (strncmp(cls + i, ".py", 3) == 0 && (cls[i + 3] == '\0' || cls[i + 3] == ':'))
			i += 2;
		else if (cls[i] == '/' || (cls[i] == ':' && cls[i + 1] == ':'))
			cls[o++] = '.', i += cls[i] == ':';
		else
			cls[o++] = cls[i];
	}
	cls[o] = '\0';
	*classname = strpool_intern(r->pool, cls);
	free(cls);
}

/* The failure of a test: its top site in the message, every site it is
 * blamed for in the body. */
static void write_test_failure(struct junit *j, size_t test)
{
	const struct vgt_report *r = j->r;
	const struct vgt_test *t = &r->tests[test];
	const struct vgt_site *top = r->sites[t->top_site];
	const char *root = j->opts->source_root;
	char *body = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&body, &len);
	const char *first = NULL;
	for (size_t i = 0; mem != NULL && i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		const struct vgt_site_detail *d = site_detail(s);
		for (size_t k = 0; k < d->n_tests && pertest_blames(r, s); k++) {
			const struct vgt_site_test *st = &d->tests[k];
			if (st->test != test)
				continue;
			const char *line =
				kind_is_leak(s->kind)
					? strpool_printf(r->pool,
							 "%" PRIu64 " byte%s in %" PRIu64 " block%s %s%s at %s",
							 st->bytes, st->bytes == 1 ? "" : "s", st->blocks,
							 st->blocks == 1 ? "" : "s", render_ci_kind_label(s),
							 st->definite_blocks > 0 || st->definite_bytes > 0
								 ? " (counted as definite: a check found "
								   "this place's blocks definitely lost)"
								 : "",
							 render_ci_where(r, s, root))
					: strpool_printf(r->pool, "%s at %s", render_ci_kind_label(s),
							 render_ci_where(r, s, root));
			if (s == top)
				first = line;
			fprintf(mem, "%s (site #%zu: %s)\n", line, s->rank, render_ci_message(r, s, root));
			char *stack = render_ci_stacks_text(r, s, "  ");
			fputs(stack, mem);
			free(stack);
		}
	}
	start(j, "failure");
	attr(j, "message", strpool_printf(r->pool, "%s: %s%s", t->name, first != NULL ? first : "",
					 t->n_sites > 1 ? strpool_printf(r->pool, " and at %zu more sites",
									 t->n_sites - 1)
							: ""));
	attr(j, "type", top->kind_name);
	if (mem != NULL && fclose(mem) == 0 && xmlTextWriterWriteString(j->w, X(body)) < 0)
		j->rc = -1;
	free(body);
	end(j);
}

static void property(struct junit *j, const char *name, const char *value)
{
	start(j, "property");
	attr(j, "name", name);
	attr(j, "value", value);
	end(j);
}

/* What its marker said of a test (@pytest.mark.vgtriage), as properties:
 * the test's own verdict is in its failure or skipped element. */
static void write_test_marks(struct junit *j, const struct vgt_test *t)
{
	if (!t->allowed && !t->known)
		return;
	start(j, "properties");
	if (t->allowed)
		property(j, "vgtriage.allowed_bytes",
			 strpool_printf(j->r->pool, "%" PRIu64, t->allowed_bytes));
	if (t->known)
		property(j, "vgtriage.known", t->known_reason);
	end(j);
}

/* A known leak that would have failed: skipped, with its reason and what
 * it leaked (CI systems list skipped tests and show their message; a
 * passing testcase's property is shown by few). */
static void write_test_known(struct junit *j, const struct vgt_test *t)
{
	char b[32];
	snprintf(b, sizeof(b), "%" PRIu64, t->lost[VGT_GROUP_DEFINITE].bytes);
	start(j, "skipped");
	attr(j, "message", strpool_printf(j->r->pool, "known leak%s%s (%s definitely lost byte%s)",
					  t->known_reason[0] != '\0' ? ": " : "", t->known_reason,
					  b, t->lost[VGT_GROUP_DEFINITE].bytes == 1 ? "" : "s"));
	end(j);
}

static void write_tests_suite(struct junit *j, struct counts *total)
{
	const struct vgt_report *r = j->r;
	unsigned char *fails = xcalloc(r->n_tests + 1, 1);
	size_t failing = policy_test_verdicts(&j->policy, r, fails);
	struct counts c = {0, failing, 0};
	for (size_t i = 0; i < r->n_tests; i++) {
		c.tests += !r->tests[i].session || fails[i] == POLICY_TEST_FAILS;
		c.skipped += fails[i] == POLICY_TEST_KNOWN;
	}
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		if (!in->complete || !in->finished) {
			c.tests++;
			c.failures += input_fails_incomplete(j, in);
		}
	}
	if (total != NULL) {
		*total = c;
		free(fails);
		return;
	}
	start(j, "testsuite");
	attr(j, "name", r->n_inputs > 0 && r->inputs[0]->command != NULL ? r->inputs[0]->command
									 : "vgtriage per-test");
	attr_count(j, "tests", c.tests);
	attr_count(j, "failures", c.failures);
	attr(j, "errors", "0");
	attr_count(j, "skipped", c.skipped);
	attr(j, "time", "0");
	for (size_t i = 0; i < r->n_tests; i++) {
		const struct vgt_test *t = &r->tests[i];
		if (t->session && fails[i] != POLICY_TEST_FAILS)
			continue; /* the session is a testcase only when it fails */
		const char *classname, *name;
		test_names(r, t->name, &classname, &name);
		start(j, "testcase");
		attr(j, "classname", classname);
		attr(j, "name", name);
		attr(j, "time", "0");
		write_test_marks(j, t);
		if (fails[i] == POLICY_TEST_FAILS)
			write_test_failure(j, i);
		else if (fails[i] == POLICY_TEST_KNOWN)
			write_test_known(j, t);
		end(j);
	}
	for (size_t i = 0; i < r->n_inputs; i++)
		if (!r->inputs[i]->complete || !r->inputs[i]->finished)
			write_incomplete(j, r->inputs[i]);
	end(j);
	free(fails);
}

int render_junit(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	struct junit j = {0};
	j.r = r;
	j.opts = opts;
	if (opts->policy != NULL)
		j.policy = *opts->policy;
	else
		policy_default(&j.policy);
	xmlBufferPtr buf = xmlBufferCreate();
	j.w = xmlNewTextWriterMemory(buf, 0);
	if (j.w == NULL) {
		xmlBufferFree(buf);
		return -1;
	}
	xmlTextWriterSetIndent(j.w, 1);
	xmlTextWriterSetIndentString(j.w, X("  "));
	size_t n = render_ci_listed(r, opts);
	size_t suites = r->n_inputs > 0 ? r->n_inputs : 1;
	struct counts total = {0, 0, 0};
	if (r->n_tests > 0)
		write_tests_suite(&j, &total);
	for (size_t i = 0; i < suites && r->n_tests == 0; i++) {
		struct counts c = count_input(&j, i, n);
		total.tests += c.tests;
		total.failures += c.failures;
		total.skipped += c.skipped;
	}
	if (xmlTextWriterStartDocument(j.w, NULL, "UTF-8", NULL) < 0)
		j.rc = -1;
	start(&j, "testsuites");
	attr(&j, "name", "vgtriage");
	attr_count(&j, "tests", total.tests);
	attr_count(&j, "failures", total.failures);
	attr(&j, "errors", "0");
	if (total.skipped > 0)
		attr_count(&j, "skipped", total.skipped);
	attr(&j, "time", "0");
	if (r->n_tests > 0)
		write_tests_suite(&j, NULL);
	for (size_t i = 0; i < suites && r->n_tests == 0; i++)
		write_suite(&j, i, n);
	if (xmlTextWriterEndDocument(j.w) < 0)
		j.rc = -1;
	xmlFreeTextWriter(j.w);
	if (j.rc == 0)
		fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out);
	xmlBufferFree(buf);
	return j.rc == 0 && !ferror(out) ? 0 : -1;
}
