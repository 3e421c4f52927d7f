/* util/safepath: plain names and canonical paths (pure), the canonical form
 * of a path that may not exist yet, directories opened without following a
 * symlink, and the "only I can write here" check, on a temporary tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safepath.h"

static void components_are_one_plain_name(void **state)
{
	(void)state;
	assert_true(lb_path_is_component("web"));
	assert_true(lb_path_is_component("a.b-c_d"));
	assert_true(lb_path_is_component("..."));
	assert_false(lb_path_is_component(""));
	assert_false(lb_path_is_component("."));
	assert_false(lb_path_is_component(".."));
	assert_false(lb_path_is_component("../../../../../../etc"));
	assert_false(lb_path_is_component("a/b"));
	assert_false(lb_path_is_component("tab\there"));
	assert_false(lb_path_is_component("nl\n"));
	char longest[NAME_MAX + 2];
	memset(longest, 'x', sizeof(longest));
	longest[NAME_MAX] = '\0';
	assert_true(lb_path_is_component(longest));
	longest[NAME_MAX] = 'x';
	longest[NAME_MAX + 1] = '\0';
	assert_false(lb_path_is_component(longest));
}

static void canonical_paths_and_what_is_under_what(void **state)
{
	(void)state;
	assert_true(lb_path_is_canonical("/"));
	assert_true(lb_path_is_canonical("/run/lifeboat/mnt/web"));
	assert_false(lb_path_is_canonical("run/lifeboat"));
	assert_false(lb_path_is_canonical("/run//lifeboat"));
	assert_false(lb_path_is_canonical("/run/lifeboat/"));
	assert_false(lb_path_is_canonical("/run/./lifeboat"));
	assert_false(lb_path_is_canonical("/run/lifeboat/mnt/../../../etc"));
	assert_false(lb_path_is_canonical("/run/lifeboat/.."));
	assert_false(lb_path_is_canonical(""));
	assert_true(lb_path_is_under("/run/lifeboat/mnt/web", "/run/lifeboat"));
	assert_true(lb_path_is_under("/run/lifeboat/mnt/web", "/run/lifeboat/mnt"));
	assert_true(lb_path_is_under("/etc", "/"));
	assert_false(lb_path_is_under("/run/lifeboat", "/run/lifeboat"));
	assert_false(lb_path_is_under("/run/lifeboatx/a", "/run/lifeboat"));
	assert_false(lb_path_is_under("/run/lifeboat/mnt/../../etc", "/run/lifeboat"));
	assert_false(lb_path_is_under("/", "/"));
}

struct tree {
	char top[64]; /* canonical: /tmp is not a symlink on the test hosts */
	char cwd[PATH_MAX];
};

static int make_tree(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	snprintf(t->top, sizeof(t->top), "/tmp/lb-safepath-XXXXXX");
	if (!t || !mkdtemp(t->top) || !getcwd(t->cwd, sizeof(t->cwd)))
		return -1;
	char p[128];
	snprintf(p, sizeof(p), "%s/x", t->top);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/link", t->top);
	if (symlink("/etc", p) || chdir(t->top))
		return -1;
	*state = t;
	return 0;
}

static int remove_tree(void **state)
{
	struct tree *t = *state;
	char p[128];
	if (chdir(t->cwd))
		return -1;
	snprintf(p, sizeof(p), "%s/link", t->top);
	unlink(p);
	snprintf(p, sizeof(p), "%s/x", t->top);
	rmdir(p);
	rmdir(t->top);
	free(t);
	return 0;
}

static void canonical_of_relative_unnormalized_and_missing_paths(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX], want[PATH_MAX];
	struct lb_err err = {0};
	snprintf(want, sizeof(want), "%s/x", t->top);
	assert_int_equal(lb_path_canonical("./x/../x/", out, sizeof(out), &err), 0);
	assert_string_equal(out, want);
	assert_int_equal(lb_path_canonical("x", out, sizeof(out), &err), 0);
	assert_string_equal(out, want);
	/* Not there yet: the existing part resolved, the rest plain names. */
	snprintf(want, sizeof(want), "%s/x/new/deeper", t->top);
	assert_int_equal(lb_path_canonical("x//./new/deeper/", out, sizeof(out), &err), 0);
	assert_string_equal(out, want);
	/* A symlink resolves to where it points. */
	assert_int_equal(lb_path_canonical("x/../link", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/etc");
	/* ".." below something missing has no meaning yet. */
	assert_int_equal(lb_path_canonical("missing/../x", out, sizeof(out), &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "'..'"));
	assert_int_equal(lb_path_canonical("", out, sizeof(out), &err), LB_EUSAGE);
	/* Below a file there is nothing. */
	assert_int_equal(lb_path_canonical("/etc/passwd/x", out, sizeof(out), &err), LB_ENOTFOUND);
}

static void directories_open_without_following_symlinks(void **state)
{
	struct tree *t = *state;
	char p[128];
	struct lb_err err = {0};
	snprintf(p, sizeof(p), "%s/x", t->top);
	int fd = lb_open_own_dir_nofollow(p, &err);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/link", t->top);
	assert_int_equal(lb_open_own_dir_nofollow(p, &err), -1);
	assert_int_equal(err.code, LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "a symlink, not followed"));
	assert_int_equal(lb_open_own_dir_nofollow("relative", &err), -1);
	assert_true(lb_path_resolves_to_itself(t->top));
	assert_false(lb_path_resolves_to_itself(p));
}

static void a_private_directory_is_one_nobody_else_can_write(void **state)
{
	struct tree *t = *state;
	char p[128];
	struct lb_err err = {0};
	snprintf(p, sizeof(p), "%s/x", t->top);
	assert_int_equal(lb_path_check_private_dir(p, "--cow-dir", &err), 0);
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(lb_path_check_private_dir(p, "--cow-dir", &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "others can write there"));
	/* A parent others can write to (and not sticky) could swap x. */
	assert_int_equal(chmod(p, 0700), 0);
	assert_int_equal(chmod(t->top, 0777), 0);
	assert_int_equal(lb_path_check_private_dir(p, "--cow-dir", &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "could replace what is below it"));
	/* Sticky like /tmp: others cannot rename what is ours. */
	assert_int_equal(chmod(t->top, 01777), 0);
	assert_int_equal(lb_path_check_private_dir(p, "--cow-dir", &err), 0);
	assert_int_equal(chmod(t->top, 0700), 0);
	/* /tmp itself is writable by all. */
	assert_int_equal(lb_path_check_private_dir("/tmp", "--cow-dir", &err), LB_EUNSAFE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(components_are_one_plain_name),
		cmocka_unit_test(canonical_paths_and_what_is_under_what),
		cmocka_unit_test_setup_teardown(canonical_of_relative_unnormalized_and_missing_paths,
						make_tree, remove_tree),
		cmocka_unit_test_setup_teardown(directories_open_without_following_symlinks, make_tree,
						remove_tree),
		cmocka_unit_test_setup_teardown(a_private_directory_is_one_nobody_else_can_write,
						make_tree, remove_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
