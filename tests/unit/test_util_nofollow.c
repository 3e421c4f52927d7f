/* lib/util/nofollow: paths inside a data root are walked without following
 * links, and only regular files are opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_docker_fixture.h"
#include "util/nofollow.h"

struct fx {
	char root[PATH_MAX];    /* the tree */
	char outside[PATH_MAX]; /* what its links point at */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	fx_tmpdir(f->root);
	fx_tmpdir(f->outside);
	fx_write(f->root, "dir/file", "inside");
	fx_write(f->outside, "dir/file", "outside");
	char path[PATH_MAX], target[PATH_MAX];
	fx_fmt(path, "%s/linkdir", f->root);
	fx_fmt(target, "%s/dir", f->outside);
	assert_int_equal(symlink(target, path), 0);
	fx_fmt(path, "%s/dir/linkfile", f->root);
	fx_fmt(target, "%s/dir/file", f->outside);
	assert_int_equal(symlink(target, path), 0);
	fx_fmt(path, "%s/dir/fifo", f->root);
	assert_int_equal(mkfifo(path, 0600), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fx_rm_rf(f->root);
	fx_rm_rf(f->outside);
	free(f);
	return 0;
}

static void a_regular_file_inside_is_read(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], buf[16] = {0};
	fx_fmt(path, "%s/dir/file", f->root);
	int fd;
	struct lb_err err = {0};
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inside");
	close(fd);
	/* Trailing and doubled slashes are only separators. */
	fx_fmt(path, "%s//dir/", f->root);
	assert_int_equal(lb_open_dir_nofollow(path, &fd, &err), 0);
	close(fd);
}

static void a_link_to_a_directory_is_refused_and_named(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], want[PATH_MAX];
	int fd;
	struct lb_err err = {0};
	fx_fmt(path, "%s/linkdir/file", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_int_equal(fd, -1);
	fx_fmt(want, "%s/linkdir: is a symbolic link", f->root);
	assert_non_null(strstr(err.msg, want));
	fx_fmt(path, "%s/linkdir", f->root);
	assert_int_equal(lb_open_dir_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, want));
	struct stat st;
	assert_int_equal(lb_lstat_nofollow(path, &st, &err), 0);
	assert_true(S_ISLNK(st.st_mode));
	fx_fmt(path, "%s/linkdir/file", f->root);
	assert_int_equal(lb_lstat_nofollow(path, &st, &err), LB_EINTEGRITY);
}

static void a_link_to_a_file_is_refused(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	int fd;
	struct lb_err err = {0};
	fx_fmt(path, "%s/dir/linkfile", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/dir/linkfile: is a symbolic link"));
}

static void a_fifo_is_refused_without_blocking(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	int fd;
	struct lb_err err = {0};
	/* Opening it for reading would wait for a writer: the test would hang. */
	fx_fmt(path, "%s/dir/fifo", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/dir/fifo: is a FIFO, not a regular file"));
	fx_fmt(path, "%s/dir", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "a directory, not a regular file"));
}

static void missing_is_not_found_naming_the_whole_path(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], want[PATH_MAX];
	int fd;
	struct lb_err err = {0};
	fx_fmt(path, "%s/nodir/file", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_ENOTFOUND);
	fx_fmt(want, "%s: cannot open: No such file or directory", path);
	assert_string_equal(err.msg, want);
	fx_fmt(path, "%s/dir/nofile", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_ENOTFOUND);
	/* A file where a directory should be is damage, not absence. */
	fx_fmt(path, "%s/dir/file/x", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/dir/file: not a directory"));
}

static void dot_dot_is_refused(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	int fd;
	struct lb_err err = {0};
	fx_fmt(path, "%s/dir/../dir/file", f->root);
	assert_int_equal(lb_open_file_nofollow(path, &fd, &err), LB_EUSAGE);
	fx_fmt(path, "%s/dir/..", f->root);
	assert_int_equal(lb_open_dir_nofollow(path, &fd, &err), LB_EUSAGE);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_regular_file_inside_is_read),
		T(a_link_to_a_directory_is_refused_and_named),
		T(a_link_to_a_file_is_refused),
		T(a_fifo_is_refused_without_blocking),
		T(missing_is_not_found_naming_the_whole_path),
		T(dot_dot_is_refused),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
