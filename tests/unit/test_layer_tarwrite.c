/* lib/layer/tarwrite: the layer tar of real changes, read back by GNU tar,
 * bsdtar and Python's tarfile as independent witnesses, and extracted by
 * both tars to compare with the upper tree field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "layer/changes.h"
#include "layer/tarwrite.h"
#include "test_layer_fixture.h"

struct fx {
	char root[PATH_MAX], tar[PATH_MAX];
	struct lb_layer_tar_stats stats;
	uint64_t bytes_read; /* by the tar writer, from /proc/self/io */
};

static int fd_sink_write(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	int fd = *(int *)ctx;
	if (write(fd, buf, len) != (ssize_t)len)
		return lb_fail(err, LB_EFAIL, "test tar: short write");
	return LB_OK;
}

static uint64_t read_bytes_so_far(void)
{
	char line[128];
	unsigned long long rchar = 0;
	FILE *f = fopen("/proc/self/io", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %llu", &rchar) == 1)
			break;
	if (f)
		fclose(f);
	return rchar;
}

static int setup(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_layer_tarwrite: needs root (mknod, chown)\n");
		return -1;
	}
	struct fx *f = calloc(1, sizeof(*f));
	lx_build(f->root);
	fx_fmt(f->tar, "%s/layer.tar", f->root);
	int upper = lx_open_dir(f->root, "upper"), lower = lx_open_dir(f->root, "lower");
	struct lb_changes c;
	struct lb_err err = {0};
	if (lb_layer_changes(upper, lower, &c, &err))
		abort();
	int out = open(f->tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct lb_layer_sink sink = {.write = fd_sink_write, .ctx = &out};
	uint64_t before = read_bytes_so_far();
	if (lb_layer_write_tar(upper, &c, &sink, &f->stats, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	f->bytes_read = read_bytes_so_far() - before;
	/* The stats' socket path points into the changes: keep it past them. */
	static char first_socket[PATH_MAX];
	snprintf(first_socket, sizeof(first_socket), "%s",
		 f->stats.first_skipped_socket ? f->stats.first_skipped_socket : "");
	f->stats.first_skipped_socket = first_socket;
	lb_changes_free(&c);
	close(out);
	close(upper);
	close(lower);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fx_rm_rf(f->root);
	free(f);
	return 0;
}

/* What every tar reader must list, in order: the changes, whiteouts for
 * the deletions, no socket. */
static const char *const expected_names[] = {
	"data/", "data/capped.txt", "data/.wh.deleted.txt", "data/mode.txt", "data/owner.txt",
	"data/same.txt", "etc/", "etc/motd", ".wh.gone", "new/", "new/cap-file", "new/chardev",
	"new/fifo", "new/hl1", "new/hl2", "new/link", "new/" LX_LONG_DIR "/",
	"new/" LX_LONG_DIR "/" LX_LONG_NAME, "new/sparse", "new/" LX_UTF8_NAME, "replaced",
};
#define N_NAMES (sizeof(expected_names) / sizeof(expected_names[0]))

static void listing_is(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[PATH_MAX];
	size_t i = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		assert_true(i < N_NAMES);
		assert_string_equal(line, expected_names[i]);
		i++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(i, N_NAMES);
}

static void gnu_tar_and_bsdtar_list_the_changes(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX + 128];
	snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 tar --quoting-style=literal -tf '%s'", f->tar);
	listing_is(cmd);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 bsdtar -tf '%s'", f->tar);
	listing_is(cmd);
}

/* USTAR headers where they fit; PAX records only for the long name, the
 * UTF-8 name and the capabilities, and only the SCHILY form Docker reads. */
static void pax_headers_only_where_ustar_cannot_say_it(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX + 512];
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, tarfile\n"
		 "for m in tarfile.open(sys.argv[1]):\n"
		 "    if m.pax_headers: print(m.name, sorted(m.pax_headers))' '%s'",
		 f->tar);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	const char *want[] = {
		"data/capped.txt ['SCHILY.xattr.security.capability']",
		"new/cap-file ['SCHILY.xattr.security.capability']",
		"new/" LX_LONG_DIR "/" LX_LONG_NAME " ['path']",
		"new/" LX_UTF8_NAME " ['path']",
	};
	char line[PATH_MAX];
	size_t i = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_string_equal(line, want[i]);
		i++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
}

static void same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	static char ba[65536], bb[65536];
	for (;;) {
		size_t na = fread(ba, 1, sizeof(ba), fa), nb = fread(bb, 1, sizeof(bb), fb);
		assert_int_equal(na, nb);
		if (na == 0)
			break;
		assert_memory_equal(ba, bb, na);
	}
	fclose(fa);
	fclose(fb);
}

static void same_capability(const char *a, const char *b)
{
	char va[256], vb[256];
	ssize_t na = lgetxattr(a, "security.capability", va, sizeof(va));
	ssize_t nb = lgetxattr(b, "security.capability", vb, sizeof(vb));
	assert_int_equal(na, nb);
	if (na > 0)
		assert_memory_equal(va, vb, (size_t)na);
}

/* Every entry extracted by `cmd` into <root>/<dir> equals the upper's. */
static void extracted_equals_upper(const struct fx *f, const char *dir, const char *cmd)
{
	char out[PATH_MAX];
	fx_fmt(out, "%s/%s", f->root, dir);
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(lx_sh("cd '%s' && %s '%s'", out, cmd, f->tar), 0);
	for (size_t i = 0; i < LX_N_EXPECTED; i++) {
		const char *rel = lx_expected[i].path;
		char got[PATH_MAX], want[PATH_MAX];
		fx_fmt(got, "%s%s", out, rel);
		fx_fmt(want, "%s/upper%s", f->root, rel);
		struct stat g, w;
		if (lx_expected[i].kind == 'D' || !strcmp(rel, "/new/sock")) {
			assert_int_equal(lstat(got, &g), -1);
			continue;
		}
		assert_int_equal(lstat(got, &g), 0);
		assert_int_equal(lstat(want, &w), 0);
		assert_int_equal(g.st_mode, w.st_mode);
		assert_int_equal(g.st_uid, w.st_uid);
		assert_int_equal(g.st_gid, w.st_gid);
		if (!S_ISDIR(w.st_mode))
			assert_int_equal(g.st_mtim.tv_sec, w.st_mtim.tv_sec);
		if (S_ISREG(w.st_mode)) {
			assert_int_equal(g.st_size, w.st_size);
			same_bytes(got, want);
		}
		if (S_ISLNK(w.st_mode)) {
			char tg[PATH_MAX] = {0}, tw[PATH_MAX] = {0};
			assert_true(readlink(got, tg, sizeof(tg)) > 0);
			assert_true(readlink(want, tw, sizeof(tw)) > 0);
			assert_string_equal(tg, tw);
		}
		if (S_ISCHR(w.st_mode) || S_ISBLK(w.st_mode))
			assert_int_equal(g.st_rdev, w.st_rdev);
		same_capability(got, want);
	}
	struct stat a, b;
	char p[PATH_MAX];
	fx_fmt(p, "%s/new/hl1", out);
	assert_int_equal(lstat(p, &a), 0);
	fx_fmt(p, "%s/new/hl2", out);
	assert_int_equal(lstat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	const char *whiteouts[] = {"data/.wh.deleted.txt", ".wh.gone"};
	for (size_t i = 0; i < 2; i++) {
		fx_fmt(p, "%s/%s", out, whiteouts[i]);
		assert_int_equal(lstat(p, &a), 0);
		assert_true(S_ISREG(a.st_mode));
		assert_int_equal(a.st_size, 0);
	}
	/* The capability really made it through (not two absent values). */
	fx_fmt(p, "%s/new/cap-file", out);
	char cap[64];
	assert_int_equal(lgetxattr(p, "security.capability", cap, sizeof(cap)),
			 (ssize_t)sizeof(lx_capability));
}

static void gnu_tar_extracts_the_upper_exactly(void **state)
{
	extracted_equals_upper(*state, "out-gnu",
			       "tar --xattrs --xattrs-include='*' --numeric-owner -xpf");
}

static void bsdtar_extracts_the_upper_exactly(void **state)
{
	extracted_equals_upper(*state, "out-bsd", "bsdtar --xattrs --numeric-owner -xpf");
}

static void stats_count_entries_whiteouts_bytes_and_the_socket(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->stats.entries, N_NAMES);
	assert_int_equal(f->stats.whiteouts, 2);
	assert_int_equal(f->stats.sockets_skipped, 1);
	assert_string_equal(f->stats.first_skipped_socket, "/new/sock");
	/* Regular files' sizes: hl2 is a link, so hl1's 3 bytes count once. */
	uint64_t want = 2 + 2 + 2 + 5 + 8 + 4 + 3 + 5 + LX_SPARSE_BYTES + 5 + 11;
	assert_int_equal(f->stats.file_bytes, want);
}

/* The sparse file's holes were written as zeros without being read: the
 * writer read far less than the 8 MiB it wrote for it. */
static void holes_are_not_read(void **state)
{
	struct fx *f = *state;
	assert_true(f->bytes_read < LX_SPARSE_BYTES / 8);
}

struct failing_sink {
	size_t left;
};

static int failing_write(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	(void)buf;
	struct failing_sink *s = ctx;
	if (len > s->left)
		return lb_fail(err, LB_EUNSAFE, "staging: no space left (test)");
	s->left -= len;
	return LB_OK;
}

/* A sink that fails stops the tar with the sink's own code and message. */
static void a_failing_sink_stops_the_tar_with_its_error(void **state)
{
	struct fx *f = *state;
	int upper = lx_open_dir(f->root, "upper"), lower = lx_open_dir(f->root, "lower");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(upper, lower, &c, &err), LB_OK);
	struct failing_sink fs = {.left = 4096};
	struct lb_layer_sink sink = {.write = failing_write, .ctx = &fs};
	assert_int_equal(lb_layer_write_tar(upper, &c, &sink, NULL, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "no space left (test)"));
	lb_changes_free(&c);
	close(upper);
	close(lower);
}

/* Owners beyond USTAR's 7 octal digits go into PAX uid/gid records. */
static void large_owners_are_written_as_pax(void **state)
{
	struct fx *f = *state;
	char work[PATH_MAX], tar[PATH_MAX];
	fx_fmt(work, "%s/big-ids", f->root);
	fx_fmt(tar, "%s/big-ids.tar", f->root);
	assert_int_equal(lx_sh("set -e; mkdir -p '%s/l' '%s/u'; echo x > '%s/u/f';"
			       "chown 4000000:4000001 '%s/u/f'",
			       work, work, work, work),
			 0);
	int upper = lx_open_dir(work, "u"), lower = lx_open_dir(work, "l");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(upper, lower, &c, &err), LB_OK);
	int out = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct lb_layer_sink sink = {.write = fd_sink_write, .ctx = &out};
	assert_int_equal(lb_layer_write_tar(upper, &c, &sink, NULL, &err), LB_OK);
	close(out);
	char line[256], cmd[PATH_MAX + 256];
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, tarfile\n"
		 "m = tarfile.open(sys.argv[1]).next()\n"
		 "print(m.name, m.uid, m.gid, sorted(m.pax_headers))' '%s'",
		 tar);
	lx_first_line(line, sizeof(line), cmd);
	assert_string_equal(line, "f 4000000 4000001 ['gid', 'uid']");
	snprintf(cmd, sizeof(cmd), "tar --numeric-owner -tvf '%s' | awk '{print $2}'", tar);
	lx_first_line(line, sizeof(line), cmd);
	assert_string_equal(line, "4000000/4000001");
	lb_changes_free(&c);
	close(upper);
	close(lower);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gnu_tar_and_bsdtar_list_the_changes),
		cmocka_unit_test(pax_headers_only_where_ustar_cannot_say_it),
		cmocka_unit_test(gnu_tar_extracts_the_upper_exactly),
		cmocka_unit_test(bsdtar_extracts_the_upper_exactly),
		cmocka_unit_test(stats_count_entries_whiteouts_bytes_and_the_socket),
		cmocka_unit_test(holes_are_not_read),
		cmocka_unit_test(a_failing_sink_stops_the_tar_with_its_error),
		cmocka_unit_test(large_owners_are_written_as_pax),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
