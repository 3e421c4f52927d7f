/* A read-only reader of dm-thin pool metadata (the format of the Linux
 * kernel's drivers/md/dm-thin-metadata.c and persistent-data/dm-btree*.c).
 *
 * Knows nothing about Docker. Every block is validated before it is trusted
 * (checksum, its own block number, node header, key order and key range,
 * bounds, depth, cycles), and damage is reported as LB_EINTEGRITY with a
 * message naming the metadata file and the block number:
 *   "/dev/vg/pool_tmeta: block 1234: btree node: checksum mismatch: ..."
 *
 * Usage:
 *   struct lb_thinmeta *m;
 *   if ((rc = lb_thinmeta_open(path, &m, &err))) return rc;
 *   const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
 *   lb_thinmeta_for_each_device(m, on_device, ctx, &err);
 *   lb_thinmeta_walk_mappings(m, dev_id, &walk, &err);
 *   lb_thinmeta_close(m);
 *
 * A running pool changes its metadata under a reader; read a stopped pool's,
 * or the metadata snapshot of a running one (lb_thinmeta_use_metadata_snap).
 *
 * Memory does not grow with the number of mappings: a walk reads nodes with
 * pread into one fixed set of block buffers (one per tree level). A handle is
 * not thread-safe, but walks may nest (a device callback may walk mappings). */
#ifndef LIFEBOAT_THINMETA_H
#define LIFEBOAT_THINMETA_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define LB_THIN_SUPERBLOCK_MAGIC 27022010ull
#define LB_THIN_NEEDS_CHECK_FLAG 0x1u /* superblock flags: run thin_check */
#define LB_THIN_MAX_DEPTH 16          /* btree levels we accept */

/* The kernel's limits (drivers/md/dm-thin.c): a data block is 64 KiB to
 * 1 GiB, a multiple of 64 KiB; thin device ids are 24 bits. */
#define LB_THIN_MIN_DATA_BLOCK_SECTORS 128u
#define LB_THIN_MAX_DATA_BLOCK_SECTORS 2097152u
#define LB_THIN_MAX_DEV_ID ((1u << 24) - 1)
/* A block device holds at most 2^63 - 1 bytes (its size is a signed 64-bit
 * byte count): the most sectors a data or thin device can have. Any block
 * that ends within it has a byte offset and end that fit an off_t. */
#define LB_THIN_MAX_DEVICE_SECTORS ((uint64_t)INT64_MAX / 512)

/* How many whole blocks of block_size_sectors any device can have: virtual
 * block numbers (mapping keys) are below it, and so is the data device's
 * size in blocks. */
static inline uint64_t lb_thin_max_blocks(uint32_t block_size_sectors)
{
	return block_size_sectors ? LB_THIN_MAX_DEVICE_SECTORS / block_size_sectors : 0;
}

/* A space map root as kept in the superblock (dm-space-map-common.h). */
struct lb_thin_sm_root {
	uint64_t nr_blocks;    /* blocks the space map covers */
	uint64_t nr_allocated; /* of which have a reference count above 0 */
	uint64_t bitmap_root;
	uint64_t ref_count_root;
};

struct lb_thin_superblock {
	uint32_t flags;
	bool needs_check; /* flags & LB_THIN_NEEDS_CHECK_FLAG */
	uint8_t uuid[16];
	uint32_t version;
	uint32_t time;     /* current snapshot time; mapping times are <= this */
	uint64_t trans_id; /* the pool's transaction id */
	uint64_t held_root; /* metadata snapshot root, 0 if none */
	struct lb_thin_sm_root data_sm;     /* data_sm.nr_blocks = data device size in blocks */
	struct lb_thin_sm_root metadata_sm; /* metadata_sm.nr_blocks = metadata size now */
	uint64_t data_mapping_root;   /* two-level tree: dev id -> vblock -> dblock+time */
	uint64_t device_details_root; /* dev id -> struct lb_thin_device */
	uint32_t data_block_size_sectors;
	uint32_t metadata_block_size_sectors;
	uint64_t metadata_nr_blocks; /* as written when the pool was formatted */
	uint32_t compat_flags;
	uint32_t compat_ro_flags;
	uint32_t incompat_flags;
};

struct lb_thin_device {
	uint64_t dev_id;
	uint64_t mapped_blocks;
	uint64_t transaction_id; /* the pool transaction that created it */
	uint32_t creation_time;
	uint32_t snapshotted_time;
};

/* A run of mappings: virtual blocks vblock..vblock+len_blocks-1 of a thin
 * device live at data blocks dblock..dblock+len_blocks-1. Blocks are in units
 * of the pool's data_block_size_sectors. */
struct lb_thin_range {
	uint64_t vblock;
	uint64_t dblock;
	uint64_t len_blocks;
	uint32_t time; /* of the first block (all blocks under LB_THIN_RANGES_SAME_TIME) */
};

enum lb_thin_coalesce {
	LB_THIN_PER_BLOCK = 0,        /* one range per mapped block, len_blocks 1 */
	LB_THIN_RANGES_SAME_TIME = 1, /* join adjacent blocks of equal time (thin_dump's rule) */
	LB_THIN_RANGES = 2,           /* join adjacent blocks whatever their time (for copying) */
};

struct lb_thinmeta;

/* A callback returning non-zero stops the walk; the walk returns that value
 * (the callback should have filled err). */
typedef int (*lb_thin_device_fn)(void *ctx, const struct lb_thin_device *dev,
				 struct lb_err *err);
typedef int (*lb_thin_range_fn)(void *ctx, const struct lb_thin_range *range,
				struct lb_err *err);
/* Called for each btree node of the walk once it has been validated:
 * depth 0 is the subtree root. For diagnostics. */
typedef int (*lb_thin_node_fn)(void *ctx, uint64_t block_nr, unsigned depth, bool leaf,
			       struct lb_err *err);

struct lb_thin_walk {
	enum lb_thin_coalesce coalesce;
	lb_thin_range_fn on_range; /* required */
	lb_thin_node_fn on_node;   /* optional */
	void *ctx;
};

/* Opens a pool's metadata (file or block device) read-only and reads and
 * validates its superblock. The read limit becomes the smaller of the file's
 * size and the metadata space map's block count (which, unlike
 * metadata_nr_blocks, follows a metadata resize). */
int lb_thinmeta_open(const char *path, struct lb_thinmeta **out, struct lb_err *err);

/* The same from an open descriptor (duplicated; the caller keeps its own).
 * `name` is what messages call the metadata. */
int lb_thinmeta_open_fd(int fd, const char *name, struct lb_thinmeta **out, struct lb_err *err);

void lb_thinmeta_close(struct lb_thinmeta *m);

const struct lb_thin_superblock *lb_thinmeta_superblock(const struct lb_thinmeta *m);

/* Switches the handle to the pool's metadata snapshot, the copy of the
 * superblock at held_root that `dmsetup message POOL 0 reserve_metadata_snap`
 * made: devices and mappings then come from that frozen copy, which a running
 * pool leaves alone. lb_thinmeta_superblock then shows the copy's fields but
 * the live space maps and held_root. LB_ENOTFOUND if the pool has none. */
int lb_thinmeta_use_metadata_snap(struct lb_thinmeta *m, struct lb_err *err);

/* Validates a superblock image (LB_THINMETA_BLOCK_BYTES bytes) and fills sb.
 * `name` is the metadata's name for messages. Pure: no I/O. */
int lb_thin_superblock_parse(const uint8_t *block, const char *name,
			     struct lb_thin_superblock *sb, struct lb_err *err);

/* Calls fn for every device in the device-details tree, ascending dev id. */
int lb_thinmeta_for_each_device(struct lb_thinmeta *m, lb_thin_device_fn fn, void *ctx,
				struct lb_err *err);

/* Looks one device up; LB_ENOTFOUND if the pool has no such device. */
int lb_thinmeta_find_device(struct lb_thinmeta *m, uint64_t dev_id, struct lb_thin_device *out,
			    struct lb_err *err);

/* Streams the mappings of device dev_id in ascending virtual-block order,
 * coalesced as walk->coalesce says. LB_ENOTFOUND if the mapping tree has no
 * such device. A data block beyond the data space map is LB_EINTEGRITY. */
int lb_thinmeta_walk_mappings(struct lb_thinmeta *m, uint64_t dev_id,
			      const struct lb_thin_walk *walk, struct lb_err *err);

/* Where virtual block vblock of device dev_id lives: *mapped false for a
 * block the pool never wrote (it reads as zeros), else *dblock. Two btree
 * lookups, for readers that need a few blocks rather than all of them.
 * LB_ENOTFOUND if the mapping tree has no such device; a data block beyond
 * the data space map is LB_EINTEGRITY. */
int lb_thinmeta_map_block(struct lb_thinmeta *m, uint64_t dev_id, uint64_t vblock,
			  uint64_t *dblock, bool *mapped, struct lb_err *err);

#endif
