/* lib/thinmeta over whole metadata images: devices, mapping walks with each
 * coalescing mode, snapshots sharing a subtree, and damaged trees (cycles,
 * too deep, unbalanced, out-of-range data blocks) that must end in
 * LB_EINTEGRITY naming the block, never a hang or a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_thinmeta_image.h"

enum { SB = 0, DETAILS = 1, TOP = 2, DEV_ROOT = 3, LEAF_A = 4, LEAF_B = 5, SPARE = 6 };
#define DATA_BLOCKS 1000

/* Details of dev 1 and 2, 24 bytes each. */
static void put_details(uint8_t *v, uint64_t mapped, uint64_t trans, uint32_t ctime,
			uint32_t stime)
{
	put_le64(v, mapped);
	put_le64(v + 8, trans);
	put_le32(v + 16, ctime);
	put_le32(v + 20, stime);
}

/* Two devices; device 2 is a snapshot of 1 and shares its whole subtree:
 * an internal root (block 3) over two leaves (4, 5). Leaf A ends with a run
 * that leaf B continues. */
static void std_image(struct img *im)
{
	img_superblock(im, TOP, DETAILS, DATA_BLOCKS);

	const uint64_t dev_ids[] = {1, 2};
	uint8_t details[2 * 24];
	put_details(details, 7, 3, 1, 2);
	put_details(details + 24, 7, 4, 2, 2);
	img_node(im, DETAILS, LB_BTREE_LEAF_FLAG, 24, 2, dev_ids, details);

	const uint64_t roots[] = {DEV_ROOT, DEV_ROOT};
	img_node64(im, TOP, LB_BTREE_LEAF_FLAG, 2, dev_ids, roots);

	const uint64_t root_keys[] = {0, 6}, children[] = {LEAF_A, LEAF_B};
	img_node64(im, DEV_ROOT, LB_BTREE_INTERNAL_FLAG, 2, root_keys, children);

	const uint64_t a_keys[] = {0, 1, 2, 5};
	const uint64_t a_vals[] = {img_map(10, 1), img_map(11, 1), img_map(12, 2), img_map(20, 1)};
	img_node64(im, LEAF_A, LB_BTREE_LEAF_FLAG, 4, a_keys, a_vals);
	const uint64_t b_keys[] = {6, 7, 100};
	const uint64_t b_vals[] = {img_map(21, 1), img_map(22, 1), img_map(50, 3)};
	img_node64(im, LEAF_B, LB_BTREE_LEAF_FLAG, 3, b_keys, b_vals);
}

/* Rewrites device 1's subtree root as internal over {0 -> child0, key1 -> child1}. */
static void set_dev_root(struct img *im, uint64_t key1, uint64_t child0, uint64_t child1)
{
	const uint64_t keys[] = {0, key1}, children[] = {child0, child1};
	img_node64(im, DEV_ROOT, LB_BTREE_INTERNAL_FLAG, 2, keys, children);
}

static int setup_std_image(void **state)
{
	struct img *im = malloc(sizeof(*im));
	if (!im)
		return -1;
	std_image(im);
	*state = im;
	return 0;
}

static int teardown_image(void **state)
{
	free(*state);
	return 0;
}

struct collect {
	struct lb_thin_range r[64];
	unsigned n;
	unsigned stop_after; /* 0: never */
	uint64_t nodes[64];
	unsigned nr_nodes;
};

static int on_range(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	struct collect *c = ctx;
	if (c->n < 64)
		c->r[c->n] = *r;
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return lb_fail(err, LB_EUSAGE, "stopped");
	return 0;
}

static int on_node(void *ctx, uint64_t block_nr, unsigned depth, bool leaf, struct lb_err *err)
{
	struct collect *c = ctx;
	(void)err;
	if (c->nr_nodes < 64)
		c->nodes[c->nr_nodes++] = block_nr * 100 + depth * 10 + leaf;
	return 0;
}

static int walk(struct lb_thinmeta *m, uint64_t dev, enum lb_thin_coalesce mode,
		struct collect *c, struct lb_err *err)
{
	struct lb_thin_walk w = {.coalesce = mode, .on_range = on_range, .on_node = on_node,
				 .ctx = c};
	return lb_thinmeta_walk_mappings(m, dev, &w, err);
}

static void assert_range(const struct lb_thin_range *r, uint64_t v, uint64_t d, uint64_t len,
			 uint32_t time)
{
	assert_int_equal(r->vblock, v);
	assert_int_equal(r->dblock, d);
	assert_int_equal(r->len_blocks, len);
	assert_int_equal(r->time, time);
}

static struct lb_thinmeta *open_ok(const struct img *im)
{
	struct lb_thinmeta *m = NULL;
	struct lb_err err = {0};
	if (img_open(im, IMG_BLOCKS, &m, &err))
		fail_msg("open: %s", err.msg);
	return m;
}

static void ranges_join_equal_times_across_leaves(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct collect c = {0};
	struct lb_err err = {0};
	assert_int_equal(walk(m, 1, LB_THIN_RANGES_SAME_TIME, &c, &err), 0);
	assert_int_equal(c.n, 4);
	assert_range(&c.r[0], 0, 10, 2, 1);
	assert_range(&c.r[1], 2, 12, 1, 2);
	assert_range(&c.r[2], 5, 20, 3, 1); /* 5 in leaf A, 6 and 7 in leaf B */
	assert_range(&c.r[3], 100, 50, 1, 3);
	/* Root first, then its leaves in order. */
	assert_int_equal(c.nr_nodes, 3);
	assert_int_equal(c.nodes[0], DEV_ROOT * 100 + 0);
	assert_int_equal(c.nodes[1], LEAF_A * 100 + 10 + 1);
	assert_int_equal(c.nodes[2], LEAF_B * 100 + 10 + 1);
	lb_thinmeta_close(m);
}

static void ranges_ignoring_time_and_per_block(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};

	struct collect c = {0};
	assert_int_equal(walk(m, 1, LB_THIN_RANGES, &c, &err), 0);
	assert_int_equal(c.n, 3);
	assert_range(&c.r[0], 0, 10, 3, 1);
	assert_range(&c.r[1], 5, 20, 3, 1);
	assert_range(&c.r[2], 100, 50, 1, 3);

	struct collect p = {0};
	assert_int_equal(walk(m, 1, LB_THIN_PER_BLOCK, &p, &err), 0);
	assert_int_equal(p.n, 7);
	assert_range(&p.r[0], 0, 10, 1, 1);
	assert_range(&p.r[5], 7, 22, 1, 1);
	assert_range(&p.r[6], 100, 50, 1, 3);
	lb_thinmeta_close(m);
}

static void point_lookup_agrees_with_the_walk(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct collect p = {0};
	assert_int_equal(walk(m, 1, LB_THIN_PER_BLOCK, &p, &err), 0);
	/* Every block the walk lists maps to its data block, across both leaves. */
	for (size_t i = 0; i < p.n; i++) {
		uint64_t d = 0;
		bool mapped = false;
		assert_int_equal(lb_thinmeta_map_block(m, 1, p.r[i].vblock, &d, &mapped, &err), 0);
		assert_true(mapped);
		assert_int_equal(d, p.r[i].dblock);
	}
	/* Blocks between and past the mappings read as never written. */
	const uint64_t holes[] = {3, 4, 8, 99, 101, 1u << 30};
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		uint64_t d = 7;
		bool mapped = true;
		assert_int_equal(lb_thinmeta_map_block(m, 1, holes[i], &d, &mapped, &err), 0);
		assert_false(mapped);
	}
	uint64_t d;
	bool mapped;
	assert_int_equal(lb_thinmeta_map_block(m, 9, 0, &d, &mapped, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "device 9"));
	lb_thinmeta_close(m);
}

static void snapshot_shares_the_subtree(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct collect one = {0}, two = {0};
	assert_int_equal(walk(m, 1, LB_THIN_RANGES_SAME_TIME, &one, &err), 0);
	assert_int_equal(walk(m, 2, LB_THIN_RANGES_SAME_TIME, &two, &err), 0);
	assert_int_equal(one.n, two.n);
	assert_memory_equal(one.r, two.r, one.n * sizeof(one.r[0]));
	lb_thinmeta_close(m);
}

struct devs {
	struct lb_thinmeta *m;
	struct lb_thin_device d[4];
	unsigned n;
	unsigned ranges; /* from walks nested in the device callback */
};

static int on_device(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct devs *ds = ctx;
	ds->d[ds->n++] = *dev;
	struct collect c = {0};
	int rc = walk(ds->m, dev->dev_id, LB_THIN_RANGES_SAME_TIME, &c, err);
	ds->ranges += c.n;
	return rc;
}

static void devices_listed_with_details_and_walks_nest(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct devs ds = {.m = m};
	assert_int_equal(lb_thinmeta_for_each_device(m, on_device, &ds, &err), 0);
	assert_int_equal(ds.n, 2);
	assert_int_equal(ds.d[0].dev_id, 1);
	assert_int_equal(ds.d[0].mapped_blocks, 7);
	assert_int_equal(ds.d[0].transaction_id, 3);
	assert_int_equal(ds.d[0].creation_time, 1);
	assert_int_equal(ds.d[0].snapshotted_time, 2);
	assert_int_equal(ds.d[1].dev_id, 2);
	assert_int_equal(ds.d[1].transaction_id, 4);
	assert_int_equal(ds.ranges, 8);

	struct lb_thin_device d;
	assert_int_equal(lb_thinmeta_find_device(m, 2, &d, &err), 0);
	assert_int_equal(d.creation_time, 2);
	assert_int_equal(lb_thinmeta_find_device(m, 3, &d, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "device 3"));
	assert_int_equal(lb_thinmeta_find_device(m, 0, &d, &err), LB_ENOTFOUND);

	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	assert_int_equal(sb->trans_id, 42);
	assert_int_equal(sb->data_sm.nr_blocks, DATA_BLOCKS);
	lb_thinmeta_close(m);
}

static void a_callback_stops_the_walk(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct collect c = {.stop_after = 2};
	assert_int_equal(walk(m, 1, LB_THIN_PER_BLOCK, &c, &err), LB_EUSAGE);
	assert_int_equal(c.n, 2);
	assert_string_equal(err.msg, "stopped");
	lb_thinmeta_close(m);
}

static void a_missing_device_is_not_found(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct collect c = {0};
	assert_int_equal(walk(m, 9, LB_THIN_RANGES, &c, &err), LB_ENOTFOUND);
	assert_string_equal(err.msg, "img: device 9: not in the mapping tree");
	lb_thinmeta_close(m);
}

/* Opens the damaged image, walks device 1, and expects LB_EINTEGRITY whose
 * message names block_nr and says `says`. */
static void expect_walk_damage(const struct img *im, uint64_t block_nr, const char *says)
{
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct collect c = {0};
	char where[64];
	assert_int_equal(walk(m, 1, LB_THIN_RANGES, &c, &err), LB_EINTEGRITY);
	snprintf(where, sizeof(where), "img: block %llu: ", (unsigned long long)block_nr);
	if (!strstr(err.msg, where) || !strstr(err.msg, says))
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where, says);
	lb_thinmeta_close(m);
}

static void a_node_pointing_to_itself_ends_the_walk(void **state)
{
	struct img *im = *state;
	set_dev_root(im, 6, DEV_ROOT, LEAF_B);
	expect_walk_damage(im, DEV_ROOT, "own ancestor");
}

static void a_chain_deeper_than_the_limit_ends_the_walk(void **state)
{
	struct img *im = *state;
	/* Root 3 -> 10 -> 11 -> ... each an internal node with one child. */
	const uint64_t key[] = {0};
	uint64_t child[] = {10};
	img_node64(im, DEV_ROOT, LB_BTREE_INTERNAL_FLAG, 1, key, child);
	for (uint64_t nr = 10; nr < 10 + LB_THIN_MAX_DEPTH + 2; nr++) {
		child[0] = nr + 1;
		img_node64(im, nr, LB_BTREE_INTERNAL_FLAG, 1, key, child);
	}
	expect_walk_damage(im, 10 + LB_THIN_MAX_DEPTH - 1, "deeper than 16 levels");
}

static void leaves_at_different_depths_are_damage(void **state)
{
	struct img *im = *state;
	/* Leaf B's place now holds an internal node over a leaf one level lower. */
	set_dev_root(im, 6, LEAF_A, SPARE);
	const uint64_t k[] = {6}, c[] = {LEAF_B};
	img_node64(im, SPARE, LB_BTREE_INTERNAL_FLAG, 1, k, c);
	expect_walk_damage(im, LEAF_B, "leaf at depth 2, but other leaves are at depth 1");
}

static void a_child_outside_its_key_range_is_damage(void **state)
{
	struct img *im = *state;
	/* The parent says child 0 holds keys below 3, but leaf A goes on to 5. */
	set_dev_root(im, 3, LEAF_A, LEAF_B);
	expect_walk_damage(im, LEAF_A, "key 5 is not below 3");
}

static void a_data_block_past_the_data_device_is_damage(void **state)
{
	struct img *im = *state;
	const uint64_t b_keys[] = {6, 7, 100};
	const uint64_t b_vals[] = {img_map(21, 1), img_map(DATA_BLOCKS, 1), img_map(50, 3)};
	img_node64(im, LEAF_B, LB_BTREE_LEAF_FLAG, 3, b_keys, b_vals);
	expect_walk_damage(im, LEAF_B, "virtual block 7 maps to data block 1000");
}

/* 2^48 blocks of 64 KiB is byte 2^64: a reader that multiplied would land
 * on byte 0. The format cannot hold such a key (no device reaches it). */
static void a_virtual_block_no_device_can_address_is_damage(void **state)
{
	struct img *im = *state;
	const uint64_t b_keys[] = {6, 7, UINT64_C(1) << 48};
	const uint64_t b_vals[] = {img_map(21, 1), img_map(22, 1), img_map(50, 3)};
	img_node64(im, LEAF_B, LB_BTREE_LEAF_FLAG, 3, b_keys, b_vals);
	expect_walk_damage(im, LEAF_B, "virtual block 281474976710656 is not below 140737488355327");

	/* The point lookup takes the same path and refuses the same node. */
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	uint64_t dblock;
	bool mapped;
	assert_int_equal(lb_thinmeta_map_block(m, 1, UINT64_C(1) << 48, &dblock, &mapped, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "img: block 5: device 1 mapping tree: virtual block"));
	assert_false(mapped);
	lb_thinmeta_close(m);

	/* The largest key a device of 64 KiB blocks can have is a mapping. */
	const uint64_t ok_keys[] = {6, 7, (UINT64_C(1) << 47) - 2};
	img_node64(im, LEAF_B, LB_BTREE_LEAF_FLAG, 3, ok_keys, b_vals);
	m = open_ok(im);
	struct collect c = {0};
	assert_int_equal(walk(m, 1, LB_THIN_RANGES, &c, &err), 0);
	assert_range(&c.r[c.n - 1], (UINT64_C(1) << 47) - 2, 50, 1, 3);
	lb_thinmeta_close(m);
}

/* Thin device ids are 24 bits; a larger one in either tree is damage. */
static void a_device_id_past_24_bits_is_damage(void **state)
{
	struct img *im = *state;
	const uint64_t dev_ids[] = {1, 1u << 24};
	const uint64_t roots[] = {DEV_ROOT, DEV_ROOT};
	img_node64(im, TOP, LB_BTREE_LEAF_FLAG, 2, dev_ids, roots);
	expect_walk_damage(im, TOP, "top-level mapping tree: device id 16777216 is not below 16777216");

	uint8_t details[2 * 24] = {0};
	img_node(im, DETAILS, LB_BTREE_LEAF_FLAG, 24, 2, dev_ids, details);
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct lb_thin_device d;
	assert_int_equal(lb_thinmeta_find_device(m, 1, &d, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "img: block 1: device details tree: device id 16777216"));
	lb_thinmeta_close(m);
}

static void child_pointers_to_the_superblock_or_past_the_end_are_damage(void **state)
{
	struct img *im = *state;
	set_dev_root(im, 6, LEAF_A, 0);
	expect_walk_damage(im, 0, "block 0 is the superblock");
	set_dev_root(im, 6, LEAF_A, IMG_BLOCKS);
	expect_walk_damage(im, IMG_BLOCKS, "beyond the end of the metadata (64 blocks)");
}

static void a_short_file_limits_reads(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = NULL;
	struct lb_err err = {0};
	assert_int_equal(img_open(im, LEAF_B, &m, &err), 0); /* leaf B lies past the end */
	struct collect c = {0};
	assert_int_equal(walk(m, 1, LB_THIN_RANGES, &c, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "img: block 5: "));
	assert_non_null(strstr(err.msg, "beyond the end of the metadata (5 blocks)"));
	lb_thinmeta_close(m);

	assert_int_equal(img_open(im, 0, &m, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "img: block 0: "));
}

static void a_damaged_details_tree_fails_the_listing(void **state)
{
	struct img *im = *state;
	im->b[DETAILS][300] ^= 1;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	struct devs ds = {.m = m};
	assert_int_equal(lb_thinmeta_for_each_device(m, on_device, &ds, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "img: block 1: device details tree: checksum mismatch"));
	lb_thinmeta_close(m);
}

/* A metadata snapshot (block 7) that still holds only device 2, mapped by
 * leaf A alone (blocks 8 and 9 are its trees). */
static void the_metadata_snapshot_is_read_instead(void **state)
{
	struct img *im = *state;
	struct lb_thinmeta *m = open_ok(im);
	struct lb_err err = {0};
	assert_int_equal(lb_thinmeta_use_metadata_snap(m, &err), LB_ENOTFOUND);
	assert_string_equal(err.msg, "img: use metadata snapshot: the pool has none");
	lb_thinmeta_close(m);

	enum { SNAP_SB = 7, SNAP_DETAILS = 8, SNAP_TOP = 9 };
	memcpy(im->b[SNAP_SB], im->b[SB], LB_THINMETA_BLOCK_BYTES);
	put_le64(im->b[SNAP_SB] + 8, SNAP_SB);
	memset(im->b[SNAP_SB] + 64, 0, 256); /* space map roots */
	put_le64(im->b[SNAP_SB] + 48, 41);   /* trans_id */
	put_le64(im->b[SNAP_SB] + 320, SNAP_TOP);
	put_le64(im->b[SNAP_SB] + 328, SNAP_DETAILS);
	img_seal(im->b[SNAP_SB], IMG_SB_CSUM_XOR);
	put_le64(im->b[SB] + 56, SNAP_SB); /* held root */
	img_seal(im->b[SB], IMG_SB_CSUM_XOR);
	const uint64_t dev[] = {2}, root[] = {LEAF_A};
	uint8_t details[24];
	put_details(details, 4, 4, 2, 2);
	img_node(im, SNAP_DETAILS, LB_BTREE_LEAF_FLAG, 24, 1, dev, details);
	img_node64(im, SNAP_TOP, LB_BTREE_LEAF_FLAG, 1, dev, root);

	m = open_ok(im);
	assert_int_equal(lb_thinmeta_use_metadata_snap(m, &err), 0);
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	assert_int_equal(sb->trans_id, 41);
	assert_int_equal(sb->held_root, SNAP_SB);
	assert_int_equal(sb->data_sm.nr_blocks, DATA_BLOCKS); /* the live space map */
	struct devs ds = {.m = m};
	assert_int_equal(lb_thinmeta_for_each_device(m, on_device, &ds, &err), 0);
	assert_int_equal(ds.n, 1);
	assert_int_equal(ds.d[0].dev_id, 2);
	assert_int_equal(ds.ranges, 3); /* leaf A: 0-1, 2, 5 */
	lb_thinmeta_close(m);

	put_le32(im->b[SNAP_SB] + 336, 256); /* bounds checked with the live size would not hold */
	img_seal(im->b[SNAP_SB], IMG_SB_CSUM_XOR);
	m = open_ok(im);
	assert_int_equal(lb_thinmeta_use_metadata_snap(m, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "img: block 7: metadata snapshot superblock: data block size "
				     "256 sectors, but the pool's is 128");
	lb_thinmeta_close(m);
	put_le32(im->b[SNAP_SB] + 336, 128);

	put_le64(im->b[SNAP_SB] + 8, 0); /* a stale copy of the live superblock */
	img_seal(im->b[SNAP_SB], IMG_SB_CSUM_XOR);
	m = open_ok(im);
	assert_int_equal(lb_thinmeta_use_metadata_snap(m, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "img: block 7: metadata snapshot superblock: block claims to be block 0");
	lb_thinmeta_close(m);
}

static void open_reports_a_missing_file(void **state)
{
	(void)state;
	struct lb_thinmeta *m = NULL;
	struct lb_err err = {0};
	assert_int_equal(lb_thinmeta_open("/nonexistent/tmeta", &m, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/tmeta: open metadata"));
	assert_int_equal(lb_thinmeta_open("/dev/null", &m, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "not a regular file or block device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ranges_join_equal_times_across_leaves, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(ranges_ignoring_time_and_per_block, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(point_lookup_agrees_with_the_walk, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(snapshot_shares_the_subtree, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(devices_listed_with_details_and_walks_nest, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_callback_stops_the_walk, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_missing_device_is_not_found, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_node_pointing_to_itself_ends_the_walk, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_chain_deeper_than_the_limit_ends_the_walk, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(leaves_at_different_depths_are_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_child_outside_its_key_range_is_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_data_block_past_the_data_device_is_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_virtual_block_no_device_can_address_is_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_device_id_past_24_bits_is_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(child_pointers_to_the_superblock_or_past_the_end_are_damage, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_short_file_limits_reads, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(a_damaged_details_tree_fails_the_listing, setup_std_image, teardown_image),
		cmocka_unit_test_setup_teardown(the_metadata_snapshot_is_read_instead, setup_std_image,
						teardown_image),
		cmocka_unit_test(open_reports_a_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
