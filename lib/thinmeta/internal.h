/* The handle behind struct lb_thinmeta, shared by the files of lib/thinmeta. */
#ifndef LIFEBOAT_THINMETA_INTERNAL_H
#define LIFEBOAT_THINMETA_INTERNAL_H

#include "thinmeta/block_reader.h"
#include "thinmeta/btree.h"
#include "thinmeta/thinmeta.h"

#define LB_THIN_DETAILS_VALUE_BYTES 24u /* struct disk_device_details */
#define LB_THIN_MAPPING_VALUE_BYTES 8u  /* block << 24 | time, or a subtree root */
#define LB_THIN_TIME_BITS 24u           /* the low bits of a mapping value */

struct lb_thinmeta {
	struct lb_block_reader reader;
	struct lb_thin_superblock sb;
	struct lb_btree_bufs *spare; /* one walk's buffers, kept between walks */
};

/* lb_thin_superblock_parse for the superblock image read from block_nr; a
 * metadata snapshot's copy (snapshot true) has no space map roots. */
int lb_thin_superblock_parse_at(const uint8_t *block, uint64_t block_nr, bool snapshot,
				const char *name, struct lb_thin_superblock *sb, struct lb_err *err);

/* The root of device dev_id's mapping tree, from the top-level tree (dev id ->
 * subtree root). block is scratch space for one block. LB_ENOTFOUND if the
 * tree has no such device. */
int lb_thinmeta_device_root(struct lb_thinmeta *m, uint64_t dev_id, uint8_t *block,
			    uint64_t *root, struct lb_err *err);

/* What one device's mapping tree is (vblock -> dblock << 24 | time), for
 * validation; `what` names it in messages. */
struct lb_btree_desc lb_thinmeta_device_desc(const struct lb_thinmeta *m, const char *what);

/* Buffers for a walk: the spare set if free (the usual case), else a new one
 * (a walk nested inside another's callback). NULL when out of memory. */
struct lb_btree_bufs *lb_thinmeta_take_bufs(struct lb_thinmeta *m);
void lb_thinmeta_give_bufs(struct lb_thinmeta *m, struct lb_btree_bufs *bufs);

#endif
