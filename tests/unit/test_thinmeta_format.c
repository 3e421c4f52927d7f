/* lib/thinmeta's pure parts: CRC-32C, the superblock, and btree node checks,
 * each corruption giving LB_EINTEGRITY with a message naming the block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_thinmeta_image.h"

#define S(text) text, sizeof(text) - 1
#define NR(a) (sizeof(a) / sizeof((a)[0]))

static void crc32c_known_vectors(void **state)
{
	(void)state;
	uint8_t zeros[32] = {0}, ones[32], ascending[32], descending[32];
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++) {
		ascending[i] = (uint8_t)i;
		descending[i] = (uint8_t)(31 - i);
	}
	/* Standard CRC-32C: inverted in and out. RFC 3720 B.4 and the check value. */
	const struct {
		const void *buf;
		size_t len;
		uint32_t crc;
	} v[] = {
		{S("123456789"), 0xe3069283},
		{zeros, 32, 0x8a9136aa},
		{ones, 32, 0x62a8ab43},
		{ascending, 32, 0x46dd794e},
		{descending, 32, 0x113fdb5c},
		{"", 0, 0},
	};
	for (size_t i = 0; i < NR(v); i++) {
		assert_int_equal(lb_crc32c(~0u, v[i].buf, v[i].len) ^ ~0u, v[i].crc);
		assert_int_equal(lb_crc32c_sw(~0u, v[i].buf, v[i].len) ^ ~0u, v[i].crc);
	}
}

static void crc32c_paths_agree_at_any_offset_and_length(void **state)
{
	(void)state;
	uint8_t buf[256];
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 7)
			assert_int_equal(lb_crc32c(0x12345678, buf + off, len),
					 lb_crc32c_sw(0x12345678, buf + off, len));
	/* Chaining: the raw register carries over. */
	assert_int_equal(lb_crc32c(lb_crc32c(~0u, buf, 100), buf + 100, 156),
			 lb_crc32c(~0u, buf, 256));
}

static void superblock_parses_every_field(void **state)
{
	(void)state;
	static struct img im;
	uint8_t *b = img_superblock(&im, 5, 6, 1000);
	put_le32(b + 4, LB_THIN_NEEDS_CHECK_FLAG);
	memcpy(b + 16, "0123456789abcdef", 16);
	put_le64(b + 56, 17);  /* held root */
	put_le64(b + 80, 3);   /* data sm bitmap root */
	put_le64(b + 88, 4);   /* data sm ref count root */
	put_le32(b + 352, 1);  /* compat */
	put_le32(b + 356, 2);  /* compat ro */
	img_seal(b, IMG_SB_CSUM_XOR);

	struct lb_thin_superblock sb;
	struct lb_err err = {0};
	assert_int_equal(lb_thin_superblock_parse(b, "img", &sb, &err), 0);
	assert_int_equal(sb.flags, LB_THIN_NEEDS_CHECK_FLAG);
	assert_true(sb.needs_check);
	assert_memory_equal(sb.uuid, "0123456789abcdef", 16);
	assert_int_equal(sb.version, 2);
	assert_int_equal(sb.time, 9);
	assert_int_equal(sb.trans_id, 42);
	assert_int_equal(sb.held_root, 17);
	assert_int_equal(sb.data_sm.nr_blocks, 1000);
	assert_int_equal(sb.data_sm.nr_allocated, 7);
	assert_int_equal(sb.data_sm.bitmap_root, 3);
	assert_int_equal(sb.data_sm.ref_count_root, 4);
	assert_int_equal(sb.metadata_sm.nr_blocks, IMG_BLOCKS);
	assert_int_equal(sb.metadata_sm.nr_allocated, 9);
	assert_int_equal(sb.data_mapping_root, 5);
	assert_int_equal(sb.device_details_root, 6);
	assert_int_equal(sb.data_block_size_sectors, 128);
	assert_int_equal(sb.metadata_block_size_sectors, 8);
	assert_int_equal(sb.metadata_nr_blocks, IMG_BLOCKS);
	assert_int_equal(sb.compat_flags, 1);
	assert_int_equal(sb.compat_ro_flags, 2);
	assert_int_equal(sb.incompat_flags, 0);
}

/* One field overwritten in a block image: at off, a le32 or le64 value,
 * then the block resealed (or not, to test the checksum), and the words the
 * error message must then hold. */
struct damage {
	unsigned off;
	unsigned width;
	uint64_t value;
	int reseal;
	const char *says;
};

static void apply_damage(uint8_t *b, const struct damage *d, uint32_t xor_salt)
{
	if (d->width == 8)
		put_le64(b + d->off, d->value);
	else
		put_le32(b + d->off, (uint32_t)d->value);
	if (d->reseal)
		img_seal(b, xor_salt);
}

static void expect_message(size_t i, const struct lb_err *err, const char *where,
			   const char *says)
{
	if (!strstr(err->msg, where) || !strstr(err->msg, says))
		fail_msg("case %zu: message '%s' lacks '%s' or '%s'", i, err->msg, where, says);
}

static void superblock_damage_is_reported_on_block_0(void **state)
{
	(void)state;
	const struct damage cases[] = {
		{32, 8, 12345, 1, "bad magic"},
		{100, 4, 0xdead, 0, "checksum mismatch"},
		{8, 8, 3, 1, "claims to be block 3"},
		{40, 4, 7, 1, "version 7"},
		{360, 4, 1, 1, "incompatible features"},
		{340, 4, 16, 1, "metadata block size 16"},
		{336, 4, 0, 1, "data block size 0 sectors is not a multiple of 128 from 128 to 2097152"},
		/* The kernel's rule: a multiple of 64 KiB from 64 KiB to 1 GiB. */
		{336, 4, 8, 1, "data block size 8 sectors"},
		{336, 4, 127, 1, "data block size 127 sectors"},
		{336, 4, 129, 1, "data block size 129 sectors"},
		{336, 4, 200, 1, "data block size 200 sectors"},
		{336, 4, 2097152 + 128, 1, "data block size 2097280 sectors"},
		{336, 4, 0xffffff80u, 1, "data block size 4294967168 sectors"},
		/* 2^47 blocks of 64 KiB are 2^63 bytes, one more than a device holds. */
		{64, 8, UINT64_C(1) << 47, 1,
		 "data space map has 140737488355328 blocks of 128 sectors, more than a block device "
		 "can hold (140737488355327)"},
		{64, 8, UINT64_MAX, 1, "more than a block device can hold"},
		{320, 8, 0, 1, "a btree root is block 0, the superblock (mapping 0, details 6)"},
		{328, 8, IMG_BLOCKS, 1, "btree root 64 is outside the metadata (64 blocks)"},
		{192, 8, 0, 1, "no blocks"},
		{72, 8, 1001, 1, "data space map has 1001 of 1000"},
	};
	for (size_t i = 0; i < NR(cases); i++) {
		static struct img im;
		uint8_t *b = img_superblock(&im, 5, 6, 1000);
		apply_damage(b, &cases[i], IMG_SB_CSUM_XOR);
		struct lb_thin_superblock sb;
		struct lb_err err = {0};
		assert_int_equal(lb_thin_superblock_parse(b, "img", &sb, &err), LB_EINTEGRITY);
		expect_message(i, &err, "img: block 0: superblock: ", cases[i].says);
	}
}

static const struct lb_btree_desc leaf64 = {"img", "test tree", 8};

static void superblock_data_block_sizes_the_kernel_makes_are_accepted(void **state)
{
	(void)state;
	const uint32_t sizes[] = {128, 256, 384, 1024, 2048, 2097152 - 128, 2097152};
	for (size_t i = 0; i < NR(sizes); i++) {
		static struct img im;
		/* The largest data device a block device can be, at that block size. */
		uint8_t *b = img_superblock(&im, 5, 6, lb_thin_max_blocks(sizes[i]));
		put_le64(b + 72, 0);
		put_le32(b + 336, sizes[i]);
		img_seal(b, IMG_SB_CSUM_XOR);
		struct lb_thin_superblock sb;
		struct lb_err err = {0};
		if (lb_thin_superblock_parse(b, "img", &sb, &err))
			fail_msg("%u sectors: %s", sizes[i], err.msg);
		assert_int_equal(sb.data_block_size_sectors, sizes[i]);
		/* Every data block's byte offset fits an off_t. */
		assert_true((sb.data_sm.nr_blocks - 1) * sizes[i] * 512 <= (uint64_t)INT64_MAX);
	}
}

static void btree_keys_at_or_past_the_key_limit_are_damage(void **state)
{
	(void)state;
	static struct img im;
	/* 64 KiB blocks: a device of 2^63 - 1 bytes has 2^47 - 1 whole ones. */
	const struct lb_btree_desc vblocks = {"img", "mapping", 8, lb_thin_max_blocks(128),
					      "virtual block"};
	assert_int_equal(lb_thin_max_blocks(128), (UINT64_C(1) << 47) - 1);
	const uint64_t keys[] = {3, (UINT64_C(1) << 47) - 2}, vals[] = {30, 90};
	struct lb_btree_node n;
	struct lb_err err = {0};
	uint8_t *b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 2, keys, vals);
	assert_int_equal(lb_btree_node_check(b, 7, &vblocks, NULL, false, &n, &err), 0);
	/* 2^48 with 64 KiB blocks would be byte 2^64: offset 0 once wrapped. */
	const uint64_t past[] = {3, UINT64_C(1) << 48}, last[] = {(UINT64_C(1) << 47) - 1},
		       top[] = {3, UINT64_MAX};
	const struct {
		uint32_t flags, n;
		const uint64_t *keys;
		const char *says;
	} cases[] = {
		{LB_BTREE_LEAF_FLAG, 2, past, "virtual block 281474976710656 is not below 140737488355327"},
		{LB_BTREE_LEAF_FLAG, 1, last, "virtual block 140737488355327 is not below"},
		{LB_BTREE_LEAF_FLAG, 2, top, "virtual block 18446744073709551615 is not below"},
		/* Internal nodes' keys bound their children's. */
		{LB_BTREE_INTERNAL_FLAG, 2, past, "virtual block 281474976710656 is not below"},
	};
	for (size_t i = 0; i < NR(cases); i++) {
		b = img_node64(&im, 7, cases[i].flags, cases[i].n, cases[i].keys, vals);
		memset(&err, 0, sizeof(err));
		assert_int_equal(lb_btree_node_check(b, 7, &vblocks, NULL, true, &n, &err),
				 LB_EINTEGRITY);
		expect_message(i, &err, "img: block 7: mapping: ", cases[i].says);
	}
	/* Without a limit every u64 is a key. */
	b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 2, top, vals);
	assert_int_equal(lb_btree_node_check(b, 7, &leaf64, NULL, true, &n, &err), 0);
}

static int check_node(const uint8_t *b, uint64_t nr, const struct lb_key_range *range,
		      struct lb_err *err)
{
	struct lb_btree_node n;
	return lb_btree_node_check(b, nr, &leaf64, range, false, &n, err);
}

static void btree_node_valid(void **state)
{
	(void)state;
	static struct img im;
	const uint64_t keys[] = {3, 9, 27}, vals[] = {30, 90, 270};
	uint8_t *b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 3, keys, vals);
	struct lb_btree_node n;
	struct lb_err err = {0};
	const struct lb_key_range r = {3, 28, true};
	assert_int_equal(lb_btree_node_check(b, 7, &leaf64, &r, false, &n, &err), 0);
	assert_true(n.leaf);
	assert_int_equal(n.nr_entries, 3);
	assert_int_equal(n.max_entries, 252);
	assert_int_equal(lb_btree_key(&n, 2), 27);
	assert_int_equal(lb_le64(lb_btree_value(&n, 1)), 90);
}

static void btree_node_damage_names_the_block(void **state)
{
	(void)state;
	const uint64_t keys[] = {3, 9, 27}, vals[] = {30, 90, 270};
	const struct damage cases[] = {
		{200, 4, 0x1234, 0, "checksum mismatch"},
		{8, 8, 8, 1, "claims to be block 8"},
		{16, 4, 253, 1, "nr_entries 253 exceeds max_entries 252"},
		{LB_BTREE_HEADER_BYTES + 8, 8, 2, 1, "keys not ascending: entry 1 has key 2 after 3"},
		{LB_BTREE_HEADER_BYTES + 8, 8, 3, 1, "keys not ascending"},
		{4, 4, 3, 1, "flags 0x3"},
		{4, 4, 0, 1, "flags 0x0"},
		{20, 4, 255, 1, "max_entries 255 does not fit"},
		{20, 4, 0, 1, "max_entries 0"},
		{24, 4, 24, 1, "value size 24, expected 8"},
		{16, 4, 0, 1, "non-root leaf node has no entries"},
	};
	for (size_t i = 0; i < NR(cases); i++) {
		static struct img im;
		uint8_t *b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 3, keys, vals);
		apply_damage(b, &cases[i], LB_BTREE_CSUM_XOR);
		struct lb_err err = {0};
		assert_int_equal(check_node(b, 7, NULL, &err), LB_EINTEGRITY);
		expect_message(i, &err, "img: block 7: test tree: ", cases[i].says);
	}
}

static void btree_node_keys_must_stay_in_parent_range(void **state)
{
	(void)state;
	static struct img im;
	const uint64_t keys[] = {3, 9, 27}, vals[] = {30, 90, 270};
	uint8_t *b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 3, keys, vals);
	struct lb_err err = {0};

	const struct lb_key_range below = {4, 0, false};
	assert_int_equal(check_node(b, 7, &below, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key 3 is below 4"));
	const struct lb_key_range above = {0, 27, true};
	assert_int_equal(check_node(b, 7, &above, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key 27 is not below 27"));
	const struct lb_key_range exact = {3, 28, true};
	assert_int_equal(check_node(b, 7, &exact, &err), 0);
}

static void btree_empty_nodes(void **state)
{
	(void)state;
	static struct img im;
	struct lb_btree_node n;
	struct lb_err err = {0};
	/* An empty tree is one empty root leaf; an empty internal node never is. */
	uint8_t *b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 0, NULL, NULL);
	assert_int_equal(lb_btree_node_check(b, 7, &leaf64, NULL, true, &n, &err), 0);
	b = img_node64(&im, 7, LB_BTREE_INTERNAL_FLAG, 0, NULL, NULL);
	assert_int_equal(lb_btree_node_check(b, 7, &leaf64, NULL, true, &n, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "internal node has no entries"));
}

static void btree_internal_nodes_hold_block_numbers(void **state)
{
	(void)state;
	static struct img im;
	const struct lb_btree_desc details = {"img", "details", 24};
	const uint64_t keys[] = {1}, vals[] = {2};
	struct lb_btree_node n;
	struct lb_err err = {0};
	uint8_t *b = img_node64(&im, 7, LB_BTREE_INTERNAL_FLAG, 1, keys, vals);
	assert_int_equal(lb_btree_node_check(b, 7, &details, NULL, true, &n, &err), 0);
	assert_false(n.leaf);
	b = img_node64(&im, 7, LB_BTREE_LEAF_FLAG, 1, keys, vals);
	assert_int_equal(lb_btree_node_check(b, 7, &details, NULL, true, &n, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "value size 8, expected 24 for a leaf node"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_known_vectors),
		cmocka_unit_test(crc32c_paths_agree_at_any_offset_and_length),
		cmocka_unit_test(superblock_parses_every_field),
		cmocka_unit_test(superblock_damage_is_reported_on_block_0),
		cmocka_unit_test(superblock_data_block_sizes_the_kernel_makes_are_accepted),
		cmocka_unit_test(btree_keys_at_or_past_the_key_limit_are_damage),
		cmocka_unit_test(btree_node_valid),
		cmocka_unit_test(btree_node_damage_names_the_block),
		cmocka_unit_test(btree_node_keys_must_stay_in_parent_range),
		cmocka_unit_test(btree_empty_nodes),
		cmocka_unit_test(btree_internal_nodes_hold_block_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
