#include <string.h>

#include "thinmeta/crc32c.h"
#include "thinmeta/internal.h"

#define SUPERBLOCK_CSUM_XOR 160774u
#define METADATA_BLOCK_SECTORS 8u          /* 4096 bytes */
#define SPACE_MAP_ROOT_BYTES 128u

/* Superblock field offsets (struct thin_disk_superblock). */
enum {
	SB_CSUM = 0,
	SB_FLAGS = 4,
	SB_BLOCKNR = 8,
	SB_UUID = 16,
	SB_MAGIC = 32,
	SB_VERSION = 40,
	SB_TIME = 44,
	SB_TRANS_ID = 48,
	SB_HELD_ROOT = 56,
	SB_DATA_SM_ROOT = 64,
	SB_METADATA_SM_ROOT = SB_DATA_SM_ROOT + SPACE_MAP_ROOT_BYTES,
	SB_DATA_MAPPING_ROOT = SB_METADATA_SM_ROOT + SPACE_MAP_ROOT_BYTES,
	SB_DEVICE_DETAILS_ROOT = SB_DATA_MAPPING_ROOT + 8,
	SB_DATA_BLOCK_SIZE = SB_DEVICE_DETAILS_ROOT + 8,
	SB_METADATA_BLOCK_SIZE = SB_DATA_BLOCK_SIZE + 4,
	SB_METADATA_NR_BLOCKS = SB_METADATA_BLOCK_SIZE + 4,
	SB_COMPAT_FLAGS = SB_METADATA_NR_BLOCKS + 8,
	SB_COMPAT_RO_FLAGS = SB_COMPAT_FLAGS + 4,
	SB_INCOMPAT_FLAGS = SB_COMPAT_RO_FLAGS + 4,
};

#define sb_fail(...) lb_block_fail(err, name, block_nr, what, __VA_ARGS__)

static struct lb_thin_sm_root parse_sm_root(const uint8_t *p)
{
	return (struct lb_thin_sm_root){
		.nr_blocks = lb_le64(p),
		.nr_allocated = lb_le64(p + 8),
		.bitmap_root = lb_le64(p + 16),
		.ref_count_root = lb_le64(p + 24),
	};
}

int lb_thin_superblock_parse_at(const uint8_t *block, uint64_t block_nr, bool snapshot,
				const char *name, struct lb_thin_superblock *sb, struct lb_err *err)
{
	const char *what = snapshot ? "metadata snapshot superblock" : "superblock";
	uint64_t magic = lb_le64(block + SB_MAGIC);
	if (magic != LB_THIN_SUPERBLOCK_MAGIC)
		return sb_fail("bad magic %llu (want %llu): not thin-pool metadata",
			       (unsigned long long)magic, LB_THIN_SUPERBLOCK_MAGIC);
	uint32_t stored = lb_le32(block + SB_CSUM);
	uint32_t computed =
		lb_crc32c(~0u, block + 4, LB_THINMETA_BLOCK_BYTES - 4) ^ SUPERBLOCK_CSUM_XOR;
	if (stored != computed)
		return sb_fail("checksum mismatch: stored 0x%08x, computed 0x%08x", stored,
			       computed);
	uint64_t self = lb_le64(block + SB_BLOCKNR);
	if (self != block_nr)
		return sb_fail("block claims to be block %llu", (unsigned long long)self);

	struct lb_thin_superblock s = {
		.flags = lb_le32(block + SB_FLAGS),
		.version = lb_le32(block + SB_VERSION),
		.time = lb_le32(block + SB_TIME),
		.trans_id = lb_le64(block + SB_TRANS_ID),
		.held_root = lb_le64(block + SB_HELD_ROOT),
		.data_sm = parse_sm_root(block + SB_DATA_SM_ROOT),
		.metadata_sm = parse_sm_root(block + SB_METADATA_SM_ROOT),
		.data_mapping_root = lb_le64(block + SB_DATA_MAPPING_ROOT),
		.device_details_root = lb_le64(block + SB_DEVICE_DETAILS_ROOT),
		.data_block_size_sectors = lb_le32(block + SB_DATA_BLOCK_SIZE),
		.metadata_block_size_sectors = lb_le32(block + SB_METADATA_BLOCK_SIZE),
		.metadata_nr_blocks = lb_le64(block + SB_METADATA_NR_BLOCKS),
		.compat_flags = lb_le32(block + SB_COMPAT_FLAGS),
		.compat_ro_flags = lb_le32(block + SB_COMPAT_RO_FLAGS),
		.incompat_flags = lb_le32(block + SB_INCOMPAT_FLAGS),
	};
	s.needs_check = (s.flags & LB_THIN_NEEDS_CHECK_FLAG) != 0;
	memcpy(s.uuid, block + SB_UUID, sizeof(s.uuid));

	if (s.version < 1 || s.version > 2)
		return sb_fail("unsupported metadata version %u", s.version);
	if (s.incompat_flags)
		return sb_fail("unsupported incompatible features 0x%x",
			       s.incompat_flags);
	if (s.metadata_block_size_sectors != METADATA_BLOCK_SECTORS)
		return sb_fail("metadata block size %u sectors, expected %u",
			       s.metadata_block_size_sectors, METADATA_BLOCK_SECTORS);
	/* The kernel creates no other size; every product of a block number
	 * and the block size below relies on this bound. */
	if (s.data_block_size_sectors < LB_THIN_MIN_DATA_BLOCK_SECTORS ||
	    s.data_block_size_sectors > LB_THIN_MAX_DATA_BLOCK_SECTORS ||
	    s.data_block_size_sectors % LB_THIN_MIN_DATA_BLOCK_SECTORS)
		return sb_fail("data block size %u sectors is not a multiple of %u from %u to %u",
			       s.data_block_size_sectors, LB_THIN_MIN_DATA_BLOCK_SECTORS,
			       LB_THIN_MIN_DATA_BLOCK_SECTORS, LB_THIN_MAX_DATA_BLOCK_SECTORS);
	if (s.data_mapping_root == 0 || s.device_details_root == 0)
		return sb_fail("a btree root is block 0, the superblock (mapping %llu, details %llu)",
			       (unsigned long long)s.data_mapping_root,
			       (unsigned long long)s.device_details_root);
	if (snapshot) /* its space map roots are zeroed; the live ones count */
		goto done;
	if (s.metadata_nr_blocks == 0 || s.metadata_sm.nr_blocks == 0)
		return sb_fail("metadata has no blocks (%llu by the superblock, %llu by its space map)",
			       (unsigned long long)s.metadata_nr_blocks,
			       (unsigned long long)s.metadata_sm.nr_blocks);
	if (s.metadata_sm.nr_allocated > s.metadata_sm.nr_blocks)
		return sb_fail("metadata space map has %llu of %llu blocks allocated",
			       (unsigned long long)s.metadata_sm.nr_allocated,
			       (unsigned long long)s.metadata_sm.nr_blocks);
	if (s.data_sm.nr_blocks > lb_thin_max_blocks(s.data_block_size_sectors))
		return sb_fail("data space map has %llu blocks of %u sectors, more than a block device "
			       "can hold (%llu)",
			       (unsigned long long)s.data_sm.nr_blocks, s.data_block_size_sectors,
			       (unsigned long long)lb_thin_max_blocks(s.data_block_size_sectors));
	if (s.data_sm.nr_allocated > s.data_sm.nr_blocks)
		return sb_fail("data space map has %llu of %llu blocks allocated",
			       (unsigned long long)s.data_sm.nr_allocated,
			       (unsigned long long)s.data_sm.nr_blocks);
	uint64_t highest = s.data_mapping_root > s.device_details_root ? s.data_mapping_root
								       : s.device_details_root;
	if (highest >= s.metadata_sm.nr_blocks)
		return sb_fail("btree root %llu is outside the metadata (%llu blocks)",
			       (unsigned long long)highest,
			       (unsigned long long)s.metadata_sm.nr_blocks);
done:
	*sb = s;
	return 0;
}

int lb_thin_superblock_parse(const uint8_t *block, const char *name,
			     struct lb_thin_superblock *sb, struct lb_err *err)
{
	return lb_thin_superblock_parse_at(block, 0, false, name, sb, err);
}
