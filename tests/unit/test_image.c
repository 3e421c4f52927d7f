/* lib/image over a small pool built in memory: the raw image has the mapped
 * blocks where the device has them and zeros (holes) elsewhere, the zstd
 * stream decompresses to the same bytes, mappings past the device's size are
 * left out, and a short data file, an unknown device or a stop request fail
 * with their codes. Also the pure helpers beside it (zero runs, sizes, column
 * selection, the atomic output file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zstd.h>

#include "image/thin_image.h"
#include "table/table.h"
#include "test_thinmeta_image.h"
#include "util/atomic_file.h"
#include "util/size.h"

enum { SB = 0, DETAILS = 1, TOP = 2, LEAF = 3 };
#define DATA_BLOCKS 64
#define BLOCK (64u * 1024) /* img_superblock's 128 sectors */
#define DEV 1
#define DEV_BLOCKS 8 /* the device's size in the tests, unless they say */

/* Device 1 maps vblocks 0,1,2 -> data 10,11,12 (one run), 4 -> 30 (a data
 * block of zeros), 5 -> 3, and 9 -> 40 (past an 8-block device). */
static const uint64_t vblocks[] = {0, 1, 2, 4, 5, 9};
static const uint64_t dblocks[] = {10, 11, 12, 30, 3, 40};
#define N_MAPPINGS (sizeof(vblocks) / sizeof(vblocks[0]))

struct pool {
	struct lb_thinmeta *meta;
	int data_fd;
	int out_fd;
};

static uint8_t block_byte(uint64_t dblock)
{
	return (uint8_t)(dblock * 7 + 1);
}

static int setup_with(void **state, const uint64_t *mapped_vblocks)
{
	struct img *im = calloc(1, sizeof(*im));
	struct pool *p = calloc(1, sizeof(*p));
	assert_non_null(im);
	assert_non_null(p);
	img_superblock(im, TOP, DETAILS, DATA_BLOCKS);
	const uint64_t dev_ids[] = {DEV};
	uint8_t details[24] = {0};
	put_le64(details, N_MAPPINGS);
	img_node(im, DETAILS, LB_BTREE_LEAF_FLAG, 24, 1, dev_ids, details);
	const uint64_t roots[] = {LEAF};
	img_node64(im, TOP, LB_BTREE_LEAF_FLAG, 1, dev_ids, roots);
	uint64_t maps[N_MAPPINGS];
	for (size_t i = 0; i < N_MAPPINGS; i++)
		maps[i] = img_map(dblocks[i], 1);
	img_node64(im, LEAF, LB_BTREE_LEAF_FLAG, N_MAPPINGS, mapped_vblocks, maps);
	/* As img_open does, with the whole struct as the source (gcc -O2 sees
	 * img_open's im->b as one 4 KiB row). */
	int meta_fd = memfd_create("meta", MFD_CLOEXEC);
	assert_true(meta_fd >= 0);
	assert_int_equal(write(meta_fd, (const void *)im, sizeof(*im)), (ssize_t)sizeof(*im));
	struct lb_err err = {0};
	assert_int_equal(lb_thinmeta_open_fd(meta_fd, "img", &p->meta, &err), 0);
	close(meta_fd);
	free(im);

	/* The data: every mapped block but 30 filled with its own byte. */
	p->data_fd = memfd_create("data", MFD_CLOEXEC);
	assert_true(p->data_fd >= 0);
	assert_int_equal(ftruncate(p->data_fd, (off_t)DATA_BLOCKS * BLOCK), 0);
	uint8_t *buf = malloc(BLOCK);
	assert_non_null(buf);
	for (size_t i = 0; i < N_MAPPINGS; i++) {
		if (dblocks[i] == 30)
			continue;
		memset(buf, block_byte(dblocks[i]), BLOCK);
		assert_int_equal(pwrite(p->data_fd, buf, BLOCK, (off_t)(dblocks[i] * BLOCK)), BLOCK);
	}
	free(buf);
	p->out_fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(p->out_fd >= 0);
	*state = p;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, vblocks);
}

/* The last mapping (data block 40) at virtual block 2^48: times 64 KiB that
 * is byte 2^64, which wraps to byte 0, the image's first block. */
static const uint64_t wrapping_vblocks[] = {0, 1, 2, 4, 5, UINT64_C(1) << 48};
static int setup_wrapping(void **state)
{
	return setup_with(state, wrapping_vblocks);
}

/* The last mapping at the last virtual block a device of 64 KiB blocks can
 * have: far past this device's size. */
static const uint64_t farthest_vblocks[] = {0, 1, 2, 4, 5, (UINT64_C(1) << 47) - 2};
static int setup_farthest(void **state)
{
	return setup_with(state, farthest_vblocks);
}

static int teardown(void **state)
{
	struct pool *p = *state;
	lb_thinmeta_close(p->meta);
	close(p->data_fd);
	close(p->out_fd);
	free(p);
	return 0;
}

static struct lb_image_source source(const struct pool *p, uint64_t dev_blocks)
{
	return (struct lb_image_source){.meta = p->meta,
					.dev_id = DEV,
					.size_bytes = dev_blocks * BLOCK,
					.data_fd = p->data_fd,
					.data_name = "data"};
}

/* The whole output, as written (raw) or decompressed (zstd). */
static uint8_t *read_all(int fd, size_t *len)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	uint8_t *b = malloc(*len ? *len : 1);
	assert_non_null(b);
	assert_int_equal(pread(fd, b, *len, 0), (ssize_t)*len);
	return b;
}

/* What the device reads at vblock v: its data block's byte, or 0. */
static uint8_t expected_byte(uint64_t v)
{
	for (size_t i = 0; i < N_MAPPINGS; i++)
		if (vblocks[i] == v)
			return dblocks[i] == 30 ? 0 : block_byte(dblocks[i]);
	return 0;
}

static void assert_device_bytes(const uint8_t *img, size_t len, uint64_t dev_blocks)
{
	assert_int_equal(len, dev_blocks * BLOCK);
	for (uint64_t v = 0; v < dev_blocks; v++) {
		const uint8_t want = expected_byte(v);
		for (size_t i = 0; i < BLOCK; i += 4096)
			if (img[v * BLOCK + i] != want)
				fail_msg("vblock %llu byte %zu: %u, want %u", (unsigned long long)v, i,
					 img[v * BLOCK + i], want);
	}
}

static void a_raw_image_holds_the_mapped_blocks_and_zeros(void **state)
{
	for (int method = LB_IMAGE_READ_WRITE; method <= LB_IMAGE_COPY_RANGE; method++) {
		struct pool *p = *state;
		assert_int_equal(ftruncate(p->out_fd, 0), 0);
		const struct lb_image_source src = source(p, DEV_BLOCKS);
		const struct lb_image_opts opts = {.format = LB_IMAGE_RAW,
						   .method = (enum lb_image_method)method};
		struct lb_image_stats st;
		struct lb_err err = {0};
		assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), 0);
		size_t len;
		uint8_t *img = read_all(p->out_fd, &len);
		assert_device_bytes(img, len, DEV_BLOCKS);
		free(img);
		assert_int_equal(st.size_bytes, DEV_BLOCKS * BLOCK);
		assert_int_equal(st.block_bytes, BLOCK);
		assert_int_equal(st.mapped_bytes, 5 * BLOCK); /* vblock 9 is past the end */
		assert_int_equal(st.beyond_size_bytes, BLOCK);
		assert_int_equal(st.ranges, 3);
		if (method == LB_IMAGE_READ_WRITE) /* the zero block is not written */
			assert_int_equal(st.written_bytes, 4 * BLOCK);
	}
}

static void a_bigger_device_gets_the_mapping_past_eight_blocks(void **state)
{
	struct pool *p = *state;
	const struct lb_image_source src = source(p, 12);
	const struct lb_image_opts opts = {.format = LB_IMAGE_RAW, .buffer_bytes = 4096};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), 0);
	size_t len;
	uint8_t *img = read_all(p->out_fd, &len);
	assert_device_bytes(img, len, 12);
	free(img);
	assert_int_equal(st.mapped_bytes, 6 * BLOCK);
	assert_int_equal(st.beyond_size_bytes, 0);
}

static void a_zstd_image_decompresses_to_the_device(void **state)
{
	struct pool *p = *state;
	const struct lb_image_source src = source(p, DEV_BLOCKS);
	const struct lb_image_opts opts = {.format = LB_IMAGE_ZSTD, .zstd_level = 1};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), 0);
	size_t zlen;
	uint8_t *z = read_all(p->out_fd, &zlen);
	assert_int_equal(st.written_bytes, zlen);
	assert_true(zlen < DEV_BLOCKS * BLOCK / 10);
	assert_int_equal(ZSTD_getFrameContentSize(z, zlen), DEV_BLOCKS * BLOCK);
	uint8_t *img = malloc(DEV_BLOCKS * BLOCK);
	assert_non_null(img);
	size_t n = ZSTD_decompress(img, DEV_BLOCKS * BLOCK, z, zlen);
	assert_false(ZSTD_isError(n));
	assert_device_bytes(img, n, DEV_BLOCKS);
	free(img);
	free(z);
}

static void a_data_file_too_short_is_an_integrity_error_naming_it(void **state)
{
	struct pool *p = *state;
	assert_int_equal(ftruncate(p->data_fd, 12 * BLOCK), 0); /* block 12 is mapped */
	const struct lb_image_source src = source(p, DEV_BLOCKS);
	const struct lb_image_opts opts = {.format = LB_IMAGE_RAW};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "data: data block 12: beyond the end of the data"));
	assert_non_null(strstr(err.msg, "virtual block 2 of thin device 1"));
}

static void an_unknown_device_is_not_found(void **state)
{
	struct pool *p = *state;
	struct lb_image_source src = source(p, DEV_BLOCKS);
	src.dev_id = 7;
	const struct lb_image_opts opts = {.format = LB_IMAGE_RAW};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), LB_ENOTFOUND);
}

static void a_mapping_whose_offset_would_wrap_is_an_integrity_error(void **state)
{
	struct pool *p = *state;
	for (int format = LB_IMAGE_RAW; format <= LB_IMAGE_ZSTD; format++) {
		assert_int_equal(ftruncate(p->out_fd, 0), 0);
		const struct lb_image_source src = source(p, DEV_BLOCKS);
		const struct lb_image_opts opts = {.format = (enum lb_image_format)format};
		struct lb_image_stats st;
		struct lb_err err = {0};
		assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err),
				 LB_EINTEGRITY);
		if (!strstr(err.msg, "img: block 3: device 1 mapping tree: virtual block "
				     "281474976710656 is not below"))
			fail_msg("message: %s", err.msg);
		/* Nothing of data block 40 reached the image's first block. */
		uint8_t first = 0;
		if (pread(p->out_fd, &first, 1, 0) == 1)
			assert_int_not_equal(first, block_byte(40));
	}
}

static void a_mapping_far_past_the_device_is_left_out(void **state)
{
	struct pool *p = *state;
	const struct lb_image_source src = source(p, DEV_BLOCKS);
	const struct lb_image_opts opts = {.format = LB_IMAGE_RAW};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), 0);
	size_t len;
	uint8_t *img = read_all(p->out_fd, &len);
	assert_device_bytes(img, len, DEV_BLOCKS); /* vblock 0 is data block 10's, not 40's */
	free(img);
	assert_int_equal(st.beyond_size_bytes, BLOCK);
	assert_int_equal(st.mapped_bytes, 5 * BLOCK);
}

static void a_size_no_device_can_have_is_an_integrity_error(void **state)
{
	struct pool *p = *state;
	struct lb_image_source src = source(p, DEV_BLOCKS);
	src.size_bytes = (uint64_t)INT64_MAX + 1;
	const struct lb_image_opts opts = {.format = LB_IMAGE_RAW};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "size of 9223372036854775808 bytes"));
}

static int stop_at_once(void *ctx, uint64_t done, uint64_t total)
{
	(void)done;
	*(uint64_t *)ctx = total;
	return 1;
}

static void a_progress_callback_can_stop_the_copy(void **state)
{
	struct pool *p = *state;
	uint64_t total = 0;
	const struct lb_image_source src = source(p, DEV_BLOCKS);
	const struct lb_image_opts opts = {
		.format = LB_IMAGE_RAW, .progress = stop_at_once, .progress_ctx = &total};
	struct lb_image_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_image_write(&src, p->out_fd, "out", &opts, &st, &err), LB_EFAIL);
	assert_string_equal(err.msg, "out: interrupted");
	assert_int_equal(total, N_MAPPINGS * BLOCK); /* what the device details say */
}

struct runs {
	size_t off[8], len[8], n;
};

static int record_run(void *ctx, size_t offset, size_t len)
{
	struct runs *r = ctx;
	r->off[r->n] = offset;
	r->len[r->n++] = len;
	return 0;
}

static void nonzero_runs_skip_zero_pieces(void **state)
{
	(void)state;
	uint8_t buf[10 * 4] = {0};
	buf[4] = 1;  /* piece 1 */
	buf[11] = 1; /* piece 2 */
	buf[39] = 1; /* piece 9, the last */
	struct runs r = {0};
	assert_int_equal(lb_image_nonzero_runs(buf, sizeof(buf), 4, record_run, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.off[0], 4);
	assert_int_equal(r.len[0], 8);
	assert_int_equal(r.off[1], 36);
	assert_int_equal(r.len[1], 4);
	/* A short last piece, and all zeros. */
	r.n = 0;
	assert_int_equal(lb_image_nonzero_runs(buf, 38, 4, record_run, &r), 0);
	assert_int_equal(r.n, 1);
	memset(buf, 0, sizeof(buf));
	r.n = 0;
	assert_int_equal(lb_image_nonzero_runs(buf, sizeof(buf), 4, record_run, &r), 0);
	assert_int_equal(r.n, 0);
}

static void sizes_read_like_lsblk(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(lb_size_human(b, sizeof(b), 0), "0B");
	assert_string_equal(lb_size_human(b, sizeof(b), 1023), "1023B");
	assert_string_equal(lb_size_human(b, sizeof(b), 1024), "1K");
	assert_string_equal(lb_size_human(b, sizeof(b), 65536), "64K");
	assert_string_equal(lb_size_human(b, sizeof(b), 536870912), "512M");
	assert_string_equal(lb_size_human(b, sizeof(b), 30538752), "29.1M");
	assert_string_equal(lb_size_human(b, sizeof(b), 1610612736), "1.5G");
	assert_string_equal(lb_size_human(b, sizeof(b), 1073741823), "1G"); /* rounds up */
	assert_string_equal(lb_size_human(b, sizeof(b), UINT64_MAX), "16E");
}

static void columns_are_selected_like_lsblk(void **state)
{
	(void)state;
	static const struct lb_table_column cols[] = {
		{"NAME", "", 0, 0}, {"SIZE", "", 0, 0}, {"DEVICE-ID", "", 0, 0}, {"ERROR", "", 0, 0}};
	struct lb_table_select sel;
	struct lb_err err = {0};
	assert_int_equal(lb_table_select(cols, 4, "NAME,SIZE", NULL, &sel, &err), 0);
	assert_int_equal(sel.n, 2);
	assert_int_equal(lb_table_select(cols, 4, "NAME,SIZE", "+device-id", &sel, &err), 0);
	assert_int_equal(sel.n, 3);
	assert_int_equal(sel.col[2], 2);
	assert_int_equal(lb_table_select(cols, 4, "NAME,SIZE", "ERROR,NAME", &sel, &err), 0);
	assert_int_equal(sel.n, 2);
	assert_int_equal(sel.col[0], 3);
	assert_int_equal(lb_table_select_add(cols, 4, "NAME", &sel, &err), 0);
	assert_int_equal(sel.n, 2);
	assert_int_equal(lb_table_select(cols, 4, "NAME", "NAME,BOGUS", &sel, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "'BOGUS'"));
	assert_int_equal(lb_table_select(cols, 4, "NAME", "NAME,,SIZE", &sel, &err), LB_EUSAGE);
}

static void an_atomic_file_appears_only_when_committed(void **state)
{
	(void)state;
	char dir[] = "/tmp/lb-test-atomic.XXXXXX", path[64], listing[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.img", dir);
	struct lb_atomic_file f;
	struct lb_err err = {0};

	assert_int_equal(lb_atomic_file_open(&f, path, false, 0600, &err), 0);
	assert_int_equal(write(f.fd, "new", 3), 3);
	assert_int_equal(access(path, F_OK), -1); /* not there before the commit */
	assert_int_equal(lb_atomic_file_commit(&f, &err), 0);
	lb_atomic_file_abort(&f);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* An existing file is refused and kept, unless replacing. */
	assert_int_equal(lb_atomic_file_open(&f, path, false, 0600, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "out.img: already exists"));
	lb_atomic_file_abort(&f);
	assert_int_equal(lb_atomic_file_open(&f, path, true, 0600, &err), 0);
	assert_int_equal(write(f.fd, "newer", 5), 5);
	assert_int_equal(lb_atomic_file_commit(&f, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5);

	/* An abandoned one leaves nothing behind. */
	snprintf(path, sizeof(path), "%s/gone.img", dir);
	assert_int_equal(lb_atomic_file_open(&f, path, false, 0600, &err), 0);
	lb_atomic_file_abort(&f);
	snprintf(listing, sizeof(listing), "test $(ls -A %s | wc -l) = 1", dir);
	assert_int_equal(system(listing), 0);
	assert_int_equal(lb_atomic_file_open(&f, dir, true, 0600, &err), LB_EUNSAFE); /* a dir */
	assert_int_equal(lb_atomic_file_open(&f, "nodir/x/", false, 0600, &err), LB_EUSAGE);

	snprintf(listing, sizeof(listing), "rm -rf %s", dir);
	assert_int_equal(system(listing), 0);
}

/* The output's directory is resolved and opened once: a symlink planted
 * at the final name is neither followed nor replaced, and a directory
 * swapped for a symlink while the image is written does not move it. */
static void an_atomic_file_stays_in_the_directory_it_was_opened_in(void **state)
{
	(void)state;
	char top[] = "/tmp/lb-test-atomic2.XXXXXX", p[128], q[128], out[160];
	assert_non_null(mkdtemp(top));
	struct lb_atomic_file f;
	struct lb_err err = {0};
	snprintf(p, sizeof(p), "%s/victim", top);
	FILE *v = fopen(p, "w");
	assert_non_null(v);
	fputs("victim", v);
	fclose(v);
	snprintf(out, sizeof(out), "%s/out.img", top);
	assert_int_equal(symlink(p, out), 0);
	assert_int_equal(lb_atomic_file_open(&f, out, false, 0600, &err), LB_EUNSAFE);
	assert_int_equal(lb_atomic_file_open(&f, out, true, 0600, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "not a regular file"));
	unlink(out);

	/* Opened in top/a (reached as top/./a/../a), then a is moved away and
	 * a symlink to top/b stands in its place. */
	snprintf(p, sizeof(p), "%s/a", top);
	snprintf(q, sizeof(q), "%s/b", top);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(mkdir(q, 0700), 0);
	snprintf(out, sizeof(out), "%s/./a/../a/out.img", top);
	assert_int_equal(lb_atomic_file_open(&f, out, false, 0600, &err), 0);
	assert_non_null(strstr(f.tmp_path, "/a/.out.img."));
	assert_int_equal(write(f.fd, "img", 3), 3);
	snprintf(out, sizeof(out), "%s/moved", top);
	assert_int_equal(rename(p, out), 0);
	assert_int_equal(symlink(q, p), 0);
	assert_int_equal(lb_atomic_file_commit(&f, &err), 0);
	lb_atomic_file_abort(&f);
	snprintf(out, sizeof(out), "%s/moved/out.img", top);
	assert_int_equal(access(out, F_OK), 0);
	snprintf(out, sizeof(out), "%s/b/out.img", top);
	assert_int_equal(access(out, F_OK), -1);

	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_raw_image_holds_the_mapped_blocks_and_zeros, setup, teardown),
		cmocka_unit_test_setup_teardown(a_bigger_device_gets_the_mapping_past_eight_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(a_zstd_image_decompresses_to_the_device, setup, teardown),
		cmocka_unit_test_setup_teardown(a_data_file_too_short_is_an_integrity_error_naming_it, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unknown_device_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(a_mapping_whose_offset_would_wrap_is_an_integrity_error, setup_wrapping, teardown),
		cmocka_unit_test_setup_teardown(a_mapping_far_past_the_device_is_left_out, setup_farthest, teardown),
		cmocka_unit_test_setup_teardown(a_size_no_device_can_have_is_an_integrity_error, setup, teardown),
		cmocka_unit_test_setup_teardown(a_progress_callback_can_stop_the_copy, setup, teardown),
		cmocka_unit_test(nonzero_runs_skip_zero_pieces),
		cmocka_unit_test(sizes_read_like_lsblk),
		cmocka_unit_test(columns_are_selected_like_lsblk),
		cmocka_unit_test(an_atomic_file_appears_only_when_committed),
		cmocka_unit_test(an_atomic_file_stays_in_the_directory_it_was_opened_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
