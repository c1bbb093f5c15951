/* check_gitrev.c — HEAD's commit read from .git files: a branch (loose
 * and packed), a detached HEAD, a worktree's .git file and commondir,
 * from a subdirectory; nothing for what is not a checkout. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/gitrev.h"

#include "tmpdir.h"

Suite *gitrev_suite(void);

#define A40 "0123456789abcdef0123456789abcdef01234567"
#define B40 "89abcdef0123456789abcdef0123456789abcdef"

static void dir(const char *base, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", base, name);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

START_TEST(test_checkouts)
{
	char tmpl[] = "/tmp/vgt-gitrev.XXXXXX";
	char *root = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(root);
	char out[65], sub[512];
	dir(root, "repo");
	dir(root, "repo/.git");
	dir(root, "repo/.git/refs");
	dir(root, "repo/.git/refs/heads");
	dir(root, "repo/src");
	tmpdir_put(root, "repo/.git/HEAD", "ref: refs/heads/main\n");
	snprintf(sub, sizeof(sub), "%s/repo/src", root);
	/* unborn branch: no ref yet */
	ck_assert_int_eq(gitrev_head(sub, out), -1);
	/* packed */
	tmpdir_put(root, "repo/.git/packed-refs", "# pack-refs with: peeled\n" B40 " refs/heads/main\n");
	ck_assert_int_eq(gitrev_head(sub, out), 0);
	ck_assert_str_eq(out, B40);
	/* loose wins */
	tmpdir_put(root, "repo/.git/refs/heads/main", A40 "\n");
	ck_assert_int_eq(gitrev_head(sub, out), 0);
	ck_assert_str_eq(out, A40);
	/* detached */
	tmpdir_put(root, "repo/.git/HEAD", B40 "\n");
	ck_assert_int_eq(gitrev_head(sub, out), 0);
	ck_assert_str_eq(out, B40);
	/* a ref leaving refs/ is not followed; garbage is not a commit */
	tmpdir_put(root, "repo/.git/HEAD", "ref: refs/../../../etc/passwd\n");
	ck_assert_int_eq(gitrev_head(sub, out), -1);
	tmpdir_put(root, "repo/.git/HEAD", "not a commit\n");
	ck_assert_int_eq(gitrev_head(sub, out), -1);
	/* a worktree: .git file -> gitdir with HEAD and commondir */
	tmpdir_put(root, "repo/.git/HEAD", "ref: refs/heads/main\n");
	dir(root, "repo/.git/worktrees");
	dir(root, "repo/.git/worktrees/wt");
	tmpdir_put(root, "repo/.git/worktrees/wt/HEAD", "ref: refs/heads/main\n");
	tmpdir_put(root, "repo/.git/worktrees/wt/commondir", "../..\n");
	dir(root, "wt");
	char gitfile[600];
	snprintf(gitfile, sizeof(gitfile), "gitdir: %s/repo/.git/worktrees/wt\n", root);
	tmpdir_put(root, "wt/.git", gitfile);
	snprintf(sub, sizeof(sub), "%s/wt", root);
	ck_assert_int_eq(gitrev_head(sub, out), 0);
	ck_assert_str_eq(out, A40);
	tmpdir_remove(root);
}
END_TEST

Suite *gitrev_suite(void)
{
	Suite *s = suite_create("gitrev");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_checkouts);
	suite_add_tcase(s, tc);
	return s;
}
