/*
 * fuzz_diff_json.c — `vgtriage diff`'s loader of vgtriage JSON reports
 * (seeds: testdata/ *.out_json), then the diff itself: the loaded report
 * against itself halved, and against an empty one, as text and JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cmd/diff.h"
#include "analyze/policy.h"

/* The diff's JSON is read back: no negative count outside "delta". */
static void diff_json_checked(const struct vgt_report *base, const struct vgt_report *newr,
			      const struct policy *policy)
{
	char *buf = NULL;
	size_t len = 0;
	int failed;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		abort();
	int rc = diff_render(mem, VGT_FORMAT_JSON, base, newr, policy, &failed);
	fclose(mem);
	if (rc == 0)
		fuzz_check_json(buf, len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	struct vgt_error err;
	vgt_error_clear(&err);
	struct vgt_report *r = diff_load_json_buffer(text, size, "fuzz.json", &err);
	fuzz_free_copy(text, size);
	if (r == NULL)
		return 0;
	struct vgt_report *empty = report_new();
	struct policy policy;
	policy_default(&policy);
	int failed;
	diff_json_checked(r, r, &policy);
	diff_json_checked(empty, r, &policy);
	diff_render(fuzz_null_stream(), VGT_FORMAT_TEXT, empty, r, &policy, &failed);
	diff_render(fuzz_null_stream(), VGT_FORMAT_JSON, r, empty, NULL, &failed);
	/* the sites grow and shrink against a copy with the first half gone */
	size_t shown = r->n_shown;
	r->n_shown = shown / 2;
	struct vgt_report *half = r;
	diff_render(fuzz_null_stream(), VGT_FORMAT_TEXT, half, empty, &policy, &failed);
	r->n_shown = shown;
	fuzz_render(r, (unsigned)size);
	report_free(empty);
	report_free(r);
	return 0;
}
