/* lib/layer/changes: the container's changes are Docker's (pkg/archive
 * changes.go), on trees made by real tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "layer/changes.h"
#include "test_layer_fixture.h"

static int setup(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_layer_changes: needs root (mknod, chown)\n");
		return -1;
	}
	char *root = calloc(1, PATH_MAX);
	lx_build(root);
	*state = root;
	return 0;
}

static int teardown(void **state)
{
	fx_rm_rf(*state);
	free(*state);
	return 0;
}

static void every_kind_of_change_is_found_as_docker_finds_it(void **state)
{
	const char *root = *state;
	int upper = lx_open_dir(root, "upper"), lower = lx_open_dir(root, "lower");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(upper, lower, &c, &err), LB_OK);
	for (size_t i = 0; i < c.n && i < LX_N_EXPECTED; i++) {
		char got[PATH_MAX + 4], want[PATH_MAX + 4];
		snprintf(got, sizeof(got), "%s %s", lb_change_kind_letter(c.v[i].kind), c.v[i].path);
		snprintf(want, sizeof(want), "%c %s", lx_expected[i].kind, lx_expected[i].path);
		assert_string_equal(got, want);
	}
	assert_int_equal(c.n, LX_N_EXPECTED);
	lb_changes_free(&c);
	close(upper);
	close(lower);
}

/* The same inodes with the same ctimes on both sides: the fast proof of
 * "untouched" holds everywhere, and nothing is reported. */
static void a_tree_against_itself_has_no_changes(void **state)
{
	const char *root = *state;
	int a = lx_open_dir(root, "upper"), b = lx_open_dir(root, "upper");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(a, b, &c, &err), LB_OK);
	assert_int_equal(c.n, 0);
	lb_changes_free(&c);
	close(a);
	close(b);
}

/* A change deep inside makes every directory above it a modification;
 * an added directory's children are additions. */
static void parents_of_a_deep_change_are_modified(void **state)
{
	const char *root = *state;
	char work[PATH_MAX];
	fx_fmt(work, "%s/deep", root);
	assert_int_equal(lx_sh("set -e; mkdir -p '%s/l/a/b/c'; echo 1 > '%s/l/a/b/c/f';"
			       "cp -a '%s/l' '%s/u'; echo 2 > '%s/u/a/b/c/f';"
			       "mkdir -p '%s/u/n/m'; touch '%s/u/n/m/g'",
			       work, work, work, work, work, work, work),
			 0);
	int upper = lx_open_dir(work, "u"), lower = lx_open_dir(work, "l");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(upper, lower, &c, &err), LB_OK);
	const char *want[] = {"C /a", "C /a/b", "C /a/b/c", "C /a/b/c/f", "A /n", "A /n/m", "A /n/m/g"};
	assert_int_equal(c.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < c.n; i++) {
		char got[PATH_MAX];
		snprintf(got, sizeof(got), "%s %s", lb_change_kind_letter(c.v[i].kind), c.v[i].path);
		assert_string_equal(got, want[i]);
	}
	lb_changes_free(&c);
	close(upper);
	close(lower);
}

/* A file where the upper's root should be is a usage error, named. */
static void a_file_for_a_tree_is_refused(void **state)
{
	const char *root = *state;
	char path[PATH_MAX];
	fx_fmt(path, "%s/upper/etc/motd", root);
	int file = open(path, O_RDONLY), lower = lx_open_dir(root, "lower");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(file, lower, &c, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "container rootfs"));
	lb_changes_free(&c);
	close(file);
	close(lower);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_of_change_is_found_as_docker_finds_it),
		cmocka_unit_test(a_tree_against_itself_has_no_changes),
		cmocka_unit_test(parents_of_a_deep_change_are_modified),
		cmocka_unit_test(a_file_for_a_tree_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
