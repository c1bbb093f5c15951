/*
 * vgargs.c — what valgrind's own command line (XML <vargv>) says about the
 * leak search: --leak-check, --show-leak-kinds and the rest, into the
 * input's fields that analyze/figures.c reads.
 */
#include "read/vgargs.h"

#include <string.h>

/* "definite,possible" / "all" / "none" into group bits. */
static unsigned parse_kind_set(const char *s)
{
	static const struct {
		const char *name;
		unsigned bits;
	} names[] = {
		{"definite", 1u << VGT_GROUP_DEFINITE}, {"indirect", 1u << VGT_GROUP_INDIRECT},
		{"possible", 1u << VGT_GROUP_POSSIBLE}, {"reachable", 1u << VGT_GROUP_REACHABLE},
		{"all", (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_INDIRECT) |
			(1u << VGT_GROUP_POSSIBLE) | (1u << VGT_GROUP_REACHABLE)},
		{"none", 0},
	};
	unsigned bits = 0;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncmp(s, names[i].name, len) == 0)
				bits |= names[i].bits;
		s += len + (s[len] == ',');
	}
	return bits;
}

static const char *option_value(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

void vgargs_apply(struct vgt_input *in, const char *arg)
{
	const char *v;
	if (arg == NULL)
		return;
	if (!in->has_leak_options) {
		/* valgrind's defaults; <vargv> is XML's, and memcheck's XML
		 * mode turns --leak-check=summary into full */
		in->has_leak_options = 1;
		in->leak_check = VGT_LEAK_CHECK_FULL;
		in->show_leak_kinds = (1u << VGT_GROUP_DEFINITE) | (1u << VGT_GROUP_POSSIBLE);
		in->errors_for_leak_kinds = in->show_leak_kinds;
	}
	if ((v = option_value(arg, "--leak-check")) != NULL) {
		if (strcmp(v, "full") == 0 || strcmp(v, "yes") == 0)
			in->leak_check = VGT_LEAK_CHECK_FULL;
		else if (strcmp(v, "no") == 0)
			in->leak_check = VGT_LEAK_CHECK_NO;
		else if (in->format == NULL || strcmp(in->format, "xml") != 0)
			in->leak_check = VGT_LEAK_CHECK_SUMMARY;
	} else if ((v = option_value(arg, "--show-leak-kinds")) != NULL) {
		in->show_leak_kinds = parse_kind_set(v);
		in->reachable_for_blame = strcmp(v, VGARGS_BLAME_KINDS) == 0;
	} else if ((v = option_value(arg, "--errors-for-leak-kinds")) != NULL) {
		in->errors_for_leak_kinds = parse_kind_set(v);
	} else if ((v = option_value(arg, "--show-reachable")) != NULL) {
		in->reachable_for_blame = 0;
		if (strcmp(v, "yes") == 0)
			in->show_leak_kinds = parse_kind_set("all");
		else
			in->show_leak_kinds &= ~((1u << VGT_GROUP_REACHABLE) | (1u << VGT_GROUP_INDIRECT));
	} else if ((v = option_value(arg, "--show-possibly-lost")) != NULL) {
		if (strcmp(v, "no") == 0)
			in->show_leak_kinds &= ~(1u << VGT_GROUP_POSSIBLE);
		else
			in->show_leak_kinds |= 1u << VGT_GROUP_POSSIBLE;
	}
}
