/* The handle behind struct lb_thinmeta, shared by the files of lib/thinmeta. */
#ifndef LIFEBOAT_THINMETA_INTERNAL_H
#define LIFEBOAT_THINMETA_INTERNAL_H

#include "thinmeta/block_reader.h"
#include "thinmeta/btree.h"
#include "thinmeta/thinmeta.h"

#define LB_THIN_DETAILS_VALUE_BYTES 24u /* struct disk_device_details */
#define LB_THIN_MAPPING_VALUE_BYTES 8u  /* block << 24 | time, or a subtree root */

struct lb_thinmeta {
	struct lb_block_reader reader;
	struct lb_thin_superblock sb;
	struct lb_btree_bufs *spare; /* one walk's buffers, kept between walks */
};

/* lb_thin_superblock_parse for the superblock image read from block_nr; a
 * metadata snapshot's copy (snapshot true) has no space map roots. */
int lb_thin_superblock_parse_at(const uint8_t *block, uint64_t block_nr, bool snapshot,
				const char *name, struct lb_thin_superblock *sb, struct lb_err *err);

/* Buffers for a walk: the spare set if free (the usual case), else a new one
 * (a walk nested inside another's callback). NULL when out of memory. */
struct lb_btree_bufs *lb_thinmeta_take_bufs(struct lb_thinmeta *m);
void lb_thinmeta_give_bufs(struct lb_thinmeta *m, struct lb_btree_bufs *bufs);

#endif
