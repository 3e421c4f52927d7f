/* lib/layer/blob: compressed blobs checked by gzip, zcat, Python's gzip and
 * zlib, zstd and sha256sum, never by our own reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>

#include "layer/blob.h"
#include "layer/changes.h"
#include "layer/tarwrite.h"
#include "test_layer_fixture.h"

/* Several 1 MiB gzip members, and a tail that is not a whole chunk. */
#define RANDOM_BYTES ((5u << 20) + 12345u)

struct fx {
	char dir[PATH_MAX], input[PATH_MAX];
	int dir_fd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	fx_tmpdir(f->dir);
	fx_fmt(f->input, "%s.input", f->dir);
	/* Random bytes then text: incompressible and compressible chunks. */
	if (lx_sh("head -c %u /dev/urandom > '%s' && seq 1 300000 >> '%s'", RANDOM_BYTES, f->input,
		  f->input))
		return -1;
	f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	close(f->dir_fd);
	fx_rm_rf(f->dir);
	unlink(f->input);
	free(f);
	return 0;
}

/* The input through the sink in uneven pieces, then finished. */
static void write_blob(struct fx *f, enum lb_compress compress, int threads,
		       struct lb_blob_info *info)
{
	struct lb_blob_writer *w;
	struct lb_err err = {0};
	assert_int_equal(lb_blob_writer_open(f->dir_fd, compress, threads, &w, &err), LB_OK);
	struct lb_layer_sink sink = lb_blob_writer_sink(w);
	FILE *in = fopen(f->input, "rb");
	assert_non_null(in);
	static char buf[300007];
	size_t piece = 1;
	for (;;) {
		size_t n = fread(buf, 1, piece, in);
		if (n == 0)
			break;
		assert_int_equal(sink.write(sink.ctx, buf, n, &err), LB_OK);
		piece = piece * 7 % sizeof(buf) + 1;
	}
	fclose(in);
	assert_int_equal(lb_blob_writer_finish(w, info, &err), LB_OK);
	lb_blob_writer_abort(w);
}

static void sha256_of(const char *cmd, char out[LB_DIGEST_LEN + 1])
{
	char line[256];
	lx_first_line(line, sizeof(line), cmd);
	assert_true(strlen(line) >= 64);
	snprintf(out, LB_DIGEST_LEN + 1, "sha256:%.64s", line);
}

/* The file is named by its digest; sha256sum of it is the digest, and of
 * `decompress` of it the diff id; nothing else is left in the directory. */
static void blob_checks_out(struct fx *f, const struct lb_blob_info *info, const char *decompress)
{
	char path[PATH_MAX], cmd[PATH_MAX * 2], sum[LB_DIGEST_LEN + 1];
	fx_fmt(path, "%s/%s", f->dir, info->digest + 7);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, info->size_bytes);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	sha256_of(cmd, sum);
	assert_string_equal(sum, info->digest);
	snprintf(cmd, sizeof(cmd), "%s '%s' | sha256sum", decompress, path);
	sha256_of(cmd, sum);
	assert_string_equal(sum, info->diff_id);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", f->input);
	sha256_of(cmd, sum);
	assert_string_equal(sum, info->diff_id);
	struct stat in;
	assert_int_equal(stat(f->input, &in), 0);
	assert_int_equal(info->uncompressed_bytes, (uint64_t)in.st_size);
	int entries = 0;
	DIR *d = opendir(f->dir);
	for (struct dirent *e; (e = readdir(d));)
		entries += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 1);
	unlink(path);
}

static void gzip_on_every_core_is_one_stream_to_every_reader(void **state)
{
	struct fx *f = *state;
	const int threads[] = {0, 1, 3};
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		struct lb_blob_info info;
		write_blob(f, LB_COMPRESS_GZIP, threads[t], &info);
		char path[PATH_MAX];
		fx_fmt(path, "%s/%s", f->dir, info.digest + 7);
		assert_int_equal(lx_sh("gzip -t '%s'", path), 0);
		/* Python's gzip as another reader, and zlib counting the members:
		 * one per 1 MiB chunk, each a complete gzip stream. */
		char line[256];
		char cmd[PATH_MAX * 2];
		snprintf(cmd, sizeof(cmd),
			 "python3 -c 'import sys, gzip, hashlib, zlib\n"
			 "data = open(sys.argv[1], \"rb\").read()\n"
			 "members = 0\n"
			 "while data:\n"
			 "    d = zlib.decompressobj(31); d.decompress(data)\n"
			 "    assert d.eof; data = d.unused_data; members += 1\n"
			 "print(members, hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())' '%s'",
			 path);
		lx_first_line(line, sizeof(line), cmd);
		char want[256];
		uint64_t members = (info.uncompressed_bytes + (1u << 20) - 1) >> 20;
		assert_true(members >= 6);
		snprintf(want, sizeof(want), "%llu %s", (unsigned long long)members, info.diff_id + 7);
		assert_string_equal(line, want);
		blob_checks_out(f, &info, "zcat");
	}
}

static void zstd_is_read_by_zstd(void **state)
{
	struct fx *f = *state;
	struct lb_blob_info info;
	write_blob(f, LB_COMPRESS_ZSTD, 0, &info);
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s", f->dir, info.digest + 7);
	assert_int_equal(lx_sh("zstd -q -t '%s'", path), 0);
	assert_true(info.size_bytes < info.uncompressed_bytes);
	blob_checks_out(f, &info, "zstd -q -dc");
}

static void uncompressed_digest_is_the_diff_id(void **state)
{
	struct fx *f = *state;
	struct lb_blob_info info;
	write_blob(f, LB_COMPRESS_NONE, 1, &info);
	assert_string_equal(info.digest, info.diff_id);
	blob_checks_out(f, &info, "cat");
}

/* An empty stream is still a valid gzip file (one empty member). */
static void an_empty_stream_is_valid_gzip(void **state)
{
	struct fx *f = *state;
	struct lb_blob_writer *w;
	struct lb_err err = {0};
	struct lb_blob_info info;
	assert_int_equal(lb_blob_writer_open(f->dir_fd, LB_COMPRESS_GZIP, 2, &w, &err), LB_OK);
	assert_int_equal(lb_blob_writer_finish(w, &info, &err), LB_OK);
	lb_blob_writer_abort(w);
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s", f->dir, info.digest + 7);
	assert_int_equal(lx_sh("gzip -t '%s' && test -z \"$(zcat '%s')\"", path, path), 0);
	assert_string_equal(info.diff_id, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	unlink(path);
}

/* Aborting leaves the directory as it was: no temporary file behind. */
static void abort_leaves_nothing(void **state)
{
	struct fx *f = *state;
	const enum lb_compress kinds[] = {LB_COMPRESS_GZIP, LB_COMPRESS_ZSTD, LB_COMPRESS_NONE};
	for (size_t k = 0; k < 3; k++) {
		struct lb_blob_writer *w;
		struct lb_err err = {0};
		assert_int_equal(lb_blob_writer_open(f->dir_fd, kinds[k], 2, &w, &err), LB_OK);
		struct lb_layer_sink sink = lb_blob_writer_sink(w);
		static char zeros[3 << 20];
		assert_int_equal(sink.write(sink.ctx, zeros, sizeof(zeros), &err), LB_OK);
		lb_blob_writer_abort(w);
	}
	DIR *d = opendir(f->dir);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(entries, 0);
}

/* The whole path: changes, tar, gzip blob; GNU tar reads the blob and the
 * diff id is the tar's sha256 as tar and zcat see it. */
static void a_layer_of_real_changes_is_a_valid_gzip_tar(void **state)
{
	struct fx *f = *state;
	if (geteuid() != 0)
		skip();
	char root[PATH_MAX];
	lx_build(root);
	int upper = lx_open_dir(root, "upper"), lower = lx_open_dir(root, "lower");
	struct lb_changes c;
	struct lb_err err = {0};
	assert_int_equal(lb_layer_changes(upper, lower, &c, &err), LB_OK);
	struct lb_blob_writer *w;
	assert_int_equal(lb_blob_writer_open(f->dir_fd, LB_COMPRESS_GZIP, 0, &w, &err), LB_OK);
	struct lb_layer_sink sink = lb_blob_writer_sink(w);
	struct lb_blob_info info;
	assert_int_equal(lb_layer_write_tar(upper, &c, &sink, NULL, &err), LB_OK);
	assert_int_equal(lb_blob_writer_finish(w, &info, &err), LB_OK);
	lb_blob_writer_abort(w);
	char path[PATH_MAX], cmd[PATH_MAX * 2], sum[LB_DIGEST_LEN + 1];
	fx_fmt(path, "%s/%s", f->dir, info.digest + 7);
	assert_int_equal(lx_sh("tar -tzf '%s' | grep -qx new/sparse", path), 0);
	snprintf(cmd, sizeof(cmd), "zcat '%s' | sha256sum", path);
	sha256_of(cmd, sum);
	assert_string_equal(sum, info.diff_id);
	unlink(path);
	lb_changes_free(&c);
	close(upper);
	close(lower);
	fx_rm_rf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gzip_on_every_core_is_one_stream_to_every_reader),
		cmocka_unit_test(zstd_is_read_by_zstd),
		cmocka_unit_test(uncompressed_digest_is_the_diff_id),
		cmocka_unit_test(an_empty_stream_is_valid_gzip),
		cmocka_unit_test(abort_leaves_nothing),
		cmocka_unit_test(a_layer_of_real_changes_is_a_valid_gzip_tar),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
