/* lib/snapshot/export over a pool built in memory: a full export holds
 * exactly the mapped blocks' bytes (a data block of zeros as ZERO, no
 * record for unmapped blocks, nothing past the device's size); the
 * incremental hook (lb_export_changed) looks blocks up and writes DATA
 * where mapped and UNMAPPED where not; a mapping past the data's end is
 * LB_EINTEGRITY and leaves the stream without its trailer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "snapshot/export.h"
#include "test_thinmeta_image.h"

enum { SB = 0, DETAILS = 1, TOP = 2, LEAF = 3 };
#define BLOCK 65536u
#define DEV 1
#define DEV_BYTES (6u * BLOCK + 4096) /* 7 blocks, the last one short */

/* Device 1: vblocks 0,1 -> data 10,11; 3 -> 30 (zeros); 6 -> 12 (the short
 * last block); 9 -> 13 (past the device). Data has 20 blocks but for the
 * test that wants it to be short. */
static const uint64_t vblocks[] = {0, 1, 3, 6, 9};
static const uint64_t dblocks[] = {10, 11, 30, 12, 13};
#define N (sizeof(vblocks) / sizeof(vblocks[0]))

struct fixture {
	struct lb_thinmeta *meta;
	int data_fd, out_fd;
};

static int setup(void **state)
{
	struct img *im = calloc(1, sizeof(*im));
	struct fixture *f = calloc(1, sizeof(*f));
	img_superblock(im, TOP, DETAILS, 64);
	const uint64_t dev_ids[] = {DEV}, roots[] = {LEAF};
	uint8_t details[24] = {0};
	put_le64(details, N);
	img_node(im, DETAILS, LB_BTREE_LEAF_FLAG, 24, 1, dev_ids, details);
	img_node64(im, TOP, LB_BTREE_LEAF_FLAG, 1, dev_ids, roots);
	uint64_t maps[N];
	for (size_t i = 0; i < N; i++)
		maps[i] = img_map(dblocks[i], 1);
	img_node64(im, LEAF, LB_BTREE_LEAF_FLAG, N, vblocks, maps);
	/* The whole struct as the source, as test_image.c does (gcc -O2 sees
	 * img_open's im->b as one 4 KiB row). */
	int meta_fd = memfd_create("meta", MFD_CLOEXEC);
	assert_int_equal(write(meta_fd, (const void *)im, sizeof(*im)), (ssize_t)sizeof(*im));
	struct lb_err err = {0};
	assert_int_equal(lb_thinmeta_open_fd(meta_fd, "img", &f->meta, &err), 0);
	close(meta_fd);
	free(im);
	f->data_fd = memfd_create("data", MFD_CLOEXEC);
	assert_int_equal(ftruncate(f->data_fd, 64 * BLOCK), 0);
	uint8_t *buf = malloc(BLOCK);
	for (size_t i = 0; i < N; i++) {
		if (dblocks[i] == 30)
			continue;
		memset(buf, (int)(dblocks[i] + 1), BLOCK);
		assert_int_equal(pwrite(f->data_fd, buf, BLOCK, (off_t)(dblocks[i] * BLOCK)), BLOCK);
	}
	free(buf);
	f->out_fd = memfd_create("out", MFD_CLOEXEC);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lb_thinmeta_close(f->meta);
	close(f->data_fd);
	close(f->out_fd);
	free(f);
	return 0;
}

static struct lb_stream_header header(void)
{
	struct lb_stream_header h = {.size_bytes = DEV_BYTES};
	memset(h.uuid, 7, sizeof(h.uuid));
	strcpy(h.name, "t");
	return h;
}

/* What the stream says, block by block: kind, and the first byte of DATA. */
struct seen {
	uint8_t kind[16], first[16];
	uint32_t last_raw;
};

static int on_record(void *ctx, const struct lb_stream_record *r, const uint8_t *data,
		     struct lb_err *err)
{
	(void)err;
	struct seen *s = ctx;
	for (uint64_t b = r->vblock; b < r->vblock + r->nblocks; b++) {
		s->kind[b] = (uint8_t)r->kind;
		if (data)
			s->first[b] = data[(b - r->vblock) * BLOCK];
	}
	if (data)
		s->last_raw = r->raw_bytes;
	return 0;
}

static void read_back(int fd, struct seen *s)
{
	lseek(fd, 0, SEEK_SET);
	const struct lb_stream_reader_ops ops = {.on_record = on_record, .ctx = s};
	struct lb_stream_result res;
	struct lb_err err = {0};
	if (lb_stream_read(fd, "out", &ops, &res, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(res.header.block_bytes, BLOCK);
}

static void test_full(void **state)
{
	struct fixture *f = *state;
	const struct lb_export_source src = {f->meta, DEV, f->data_fd, "data"};
	struct lb_stream_header h = header();
	struct lb_export_stats st;
	struct lb_err err = {0};
	assert_int_equal(lb_export_full(&src, f->out_fd, "out", &h, 2, 1, &st, &err), 0);
	assert_int_equal(st.mapped_bytes, 3 * BLOCK + 4096);
	assert_int_equal(st.beyond_size_bytes, BLOCK + (BLOCK - 4096));
	assert_int_equal(st.totals.data_blocks, 3);
	assert_int_equal(st.totals.zero_blocks, 1);
	struct seen s = {0};
	read_back(f->out_fd, &s);
	const uint8_t kinds[7] = {LB_STREAM_DATA, LB_STREAM_DATA, 0, LB_STREAM_ZERO, 0, 0,
				  LB_STREAM_DATA};
	assert_memory_equal(s.kind, kinds, 7);
	assert_int_equal(s.first[0], 11);
	assert_int_equal(s.first[1], 12);
	assert_int_equal(s.first[6], 13);
	assert_int_equal(s.last_raw, 4096); /* the short last block */
}

static void test_changed_and_unmapped(void **state)
{
	struct fixture *f = *state;
	const struct lb_export_source src = {f->meta, DEV, f->data_fd, "data"};
	struct lb_stream_header h = header();
	memset(h.base_uuid, 9, sizeof(h.base_uuid));
	struct lb_export *x;
	struct lb_err err = {0};
	assert_int_equal(lb_export_begin(&src, f->out_fd, "out", &h, 0, 1, &x, &err), 0);
	/* Blocks 1..4 changed: 1 mapped, 2 not, 3 mapped (zeros), 4 not; 5 gone. */
	assert_int_equal(lb_export_changed(x, 1, 4, &err), 0);
	assert_int_equal(lb_export_unmapped(x, 5, 1, &err), 0);
	assert_int_equal(lb_export_finish(x, NULL, &err), 0);
	struct seen s = {0};
	read_back(f->out_fd, &s);
	const uint8_t kinds[7] = {0, LB_STREAM_DATA, LB_STREAM_UNMAPPED, LB_STREAM_ZERO,
				  LB_STREAM_UNMAPPED, LB_STREAM_UNMAPPED, 0};
	assert_memory_equal(s.kind, kinds, 7);
	assert_int_equal(s.first[1], 12);
}

static void test_data_too_short(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(ftruncate(f->data_fd, 12 * BLOCK), 0); /* data blocks 12, 13, 30 gone */
	const struct lb_export_source src = {f->meta, DEV, f->data_fd, "data"};
	struct lb_stream_header h = header();
	struct lb_err err = {0};
	assert_int_equal(lb_export_full(&src, f->out_fd, "out", &h, 1, 1, NULL, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "data: data block 30: beyond the end"));
	lseek(f->out_fd, 0, SEEK_SET);
	struct lb_stream_result res;
	assert_int_equal(lb_stream_read(f->out_fd, "out", NULL, &res, &err), LB_EINTEGRITY);
	assert_true(res.incomplete);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_and_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_too_short, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
