/*
 * policy.c — --fail-on: which findings make the exit status 1.
 */
#include <stdlib.h>
#include <string.h>


#include "analyze/policy.h"
#include "analyze/figures.h"
#include "analyze/pertest.h"

static const struct {
	const char *name;
	enum vgt_kind_group group;
} group_names[] = {
	{"errors", VGT_GROUP_ERROR},     {"error", VGT_GROUP_ERROR},
	{"definite", VGT_GROUP_DEFINITE}, {"indirect", VGT_GROUP_INDIRECT},
	{"possible", VGT_GROUP_POSSIBLE}, {"reachable", VGT_GROUP_REACHABLE},
};

void policy_default(struct policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->fail_group[VGT_GROUP_ERROR] = 1;
	policy->fail_group[VGT_GROUP_DEFINITE] = 1;
	policy->fail_group[VGT_GROUP_INDIRECT] = 1;
	policy->fail_incomplete = 1;
}

static int parse_item(struct policy *policy, const char *item, size_t len, struct vgt_error *err)
{
	const char *gt = memchr(item, '>', len);
	size_t name_len = gt != NULL ? (size_t)(gt - item) : len;
	if (name_len == 10 && strncmp(item, "incomplete", 10) == 0 && gt == NULL) {
		policy->fail_incomplete = 1;
		return 0;
	}
	if (name_len == 3 && strncmp(item, "new", 3) == 0 && gt == NULL) {
		policy->only_new = 1;
		return 0;
	}
	if (name_len == 3 && strncmp(item, "all", 3) == 0 && gt == NULL) {
		for (int g = 0; g < VGT_GROUP_COUNT; g++)
			policy->fail_group[g] = 1;
		policy->fail_incomplete = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++) {
		if (strlen(group_names[i].name) != name_len ||
		    strncmp(item, group_names[i].name, name_len) != 0)
			continue;
		enum vgt_kind_group g = group_names[i].group;
		policy->fail_group[g] = 1;
		if (gt != NULL) {
			int64_t n;
			if (vgt_parse_count(gt + 1, len - name_len - 1, &n) != 0 || n < 0)
				return vgt_error_set(err, NULL, 0, 0,
						     "--fail-on: '%.*s': expected a byte count after '>'",
						     (int)len, item);
			policy->threshold[g] = (uint64_t)n;
		}
		return 0;
	}
	return vgt_error_set(err, NULL, 0, 0,
			     "--fail-on: unknown item '%.*s' (expected definite, indirect, possible, "
			     "reachable, errors, incomplete, new, all or none)", (int)len, item);
}

int policy_parse(struct policy *policy, const char *spec, struct vgt_error *err)
{
	memset(policy, 0, sizeof(*policy));
	if (strcmp(spec, "none") == 0)
		return 0;
	const char *p = spec;
	int kinds = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		if (len == 4 && strncmp(p, "none", 4) == 0)
			return vgt_error_set(err, NULL, 0, 0,
					     "--fail-on: 'none' cannot be combined with other items "
					     "(it means: never fail)");
		if (len > 0 && parse_item(policy, p, len, err) != 0)
			return -1;
		if (len > 0 && !(len == 3 && strncmp(p, "new", 3) == 0))
			kinds = 1;
		p += len;
		if (*p == ',')
			p++;
	}
	/* "new" alone: the default kinds, but only sites the baseline does
	 * not know. */
	if (policy->only_new && !kinds) {
		policy_default(policy);
		policy->only_new = 1;
	}
	return 0;
}

int policy_site_fails(const struct policy *policy, const struct vgt_site *site)
{
	const struct vgt_site_detail *d = site_detail(site);
	if (site->hidden)
		return 0;
	if (policy->only_new && d->baseline != NULL && strcmp(d->baseline, "new") != 0)
		return 0;
	enum vgt_kind_group g = kind_group(site->kind);
	return policy_amount_fails(policy, g, site->bytes, g == VGT_GROUP_ERROR ? 1 : site->blocks);
}

int policy_amount_fails(const struct policy *policy, enum vgt_kind_group g, uint64_t bytes,
			uint64_t blocks)
{
	if (!policy->fail_group[g])
		return 0;
	if (g == VGT_GROUP_ERROR)
		return blocks > 0;
	return bytes > policy->threshold[g] || (policy->threshold[g] == 0 && blocks > 0);
}

/* Leaks valgrind's own summary counts but no record shows (a run without
 * --leak-check=full, kinds not shown): the gate decides on the summary,
 * so that it never passes while valgrind reports a leak it fails on. */
int policy_summary_fails(const struct policy *policy, const struct vgt_report *report)
{
	for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++) {
		if (!policy->fail_group[g])
			continue;
		if (figures_hidden_unknown(report, (enum vgt_kind_group)g))
			return 1; /* valgrind hid that kind: the gate cannot pass on it */
		uint64_t unshown = figures_unshown_bytes(&report->totals.figures, (enum vgt_kind_group)g);
		if (unshown > policy->threshold[g] || (policy->threshold[g] == 0 && unshown > 0))
			return 1;
	}
	return 0;
}

size_t policy_test_verdicts(const struct policy *policy, const struct vgt_report *r,
			    unsigned char *fails)
{
	struct vgt_amount *sum = xcalloc(r->n_tests * VGT_GROUP_COUNT + 1, sizeof(*sum));
	for (size_t i = 0; i < r->n_sites; i++) {
		const struct vgt_site *s = r->sites[i];
		if (!pertest_blames(r, s))
			continue;
		const struct vgt_site_detail *d = site_detail(s);
		if (policy->only_new && d->baseline != NULL && strcmp(d->baseline, "new") != 0)
			continue;
		for (size_t k = 0; k < d->n_tests; k++)
			pertest_add_share(sum + d->tests[k].test * VGT_GROUP_COUNT, s, &d->tests[k]);
	}
	size_t failing = 0;
	for (size_t t = 0; t < r->n_tests; t++) {
		const struct vgt_test *test = &r->tests[t];
		int fail = 0;
		uint64_t limited = 0; /* the bytes an allowed test's limit applies to */
		for (int g = 0; g < VGT_GROUP_COUNT; g++) {
			const struct vgt_amount *a = &sum[t * VGT_GROUP_COUNT + g];
			if (test->allowed && g != VGT_GROUP_ERROR) {
				if (policy->fail_group[g])
					limited = vgt_count_add(limited, a->bytes);
				continue;
			}
			fail |= policy_amount_fails(policy, (enum vgt_kind_group)g, a->bytes, a->blocks);
		}
		if (test->allowed && limited > test->allowed_bytes)
			fail = 1;
		unsigned char verdict = !fail ? POLICY_TEST_PASSES
				       : test->known ? POLICY_TEST_KNOWN : POLICY_TEST_FAILS;
		if (fails != NULL)
			fails[t] = verdict;
		failing += verdict == POLICY_TEST_FAILS;
	}
	free(sum);
	return failing;
}

int policy_evaluate(const struct policy *policy, const struct vgt_report *report)
{
	if (policy->fail_incomplete && !report_is_complete(report))
		return 1;
	if (policy_summary_fails(policy, report))
		return 1;
	if (report->n_tests > 0) /* per test: thresholds apply to each test's own bytes */
		return policy_test_verdicts(policy, report, NULL) > 0;
	for (size_t i = 0; i < report->n_shown; i++)
		if (policy_site_fails(policy, report->sites[i]))
			return 1;
	return 0;
}
