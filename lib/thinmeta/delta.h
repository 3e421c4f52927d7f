/* The mapping difference between two thin devices of one pool, from the
 * metadata alone, at a cost that grows with the change rather than with the
 * devices: both mapping trees are walked together in key order, and a
 * subtree whose node block is the same in both (a snapshot shares it with
 * its origin until either writes under it) is skipped without being read.
 *
 *   struct lb_thin_delta d = {.on_run = on_run, .ctx = ctx};
 *   struct lb_thin_delta_stats stats;
 *   rc = lb_thinmeta_delta(m, base_dev, snap_dev, &d, &stats, &err);
 *
 * Runs come in increasing virtual-block order, never overlapping, adjacent
 * blocks of one kind joined. Equal mappings (the same data block; the time
 * is ignored, as thin_delta does) give nothing. In thin_delta's words, with
 * --snap1 the first device and --snap2 the second: "different" and
 * "right_only" are CHANGED, "left_only" is UNMAPPED, "same" is nothing.
 *
 * Memory is fixed: one stack of block buffers per tree, depth-bounded.
 * Every node read is validated as lb_thinmeta_walk_mappings validates it;
 * damage is LB_EINTEGRITY naming the block. Shared subtrees are not read, so
 * damage inside them is not seen (thin_check's job, not an incremental's). */
#ifndef LIFEBOAT_THINMETA_DELTA_H
#define LIFEBOAT_THINMETA_DELTA_H

#include <stdbool.h>
#include <stdint.h>

#include "thinmeta/thinmeta.h"
#include "util/error.h"

enum lb_thin_delta_kind {
	/* The second device maps the block to another data block than the
	 * first, or the first does not map it: its data is to be copied. */
	LB_THIN_DELTA_CHANGED = 1,
	/* The first device maps the block and the second does not: it reads
	 * as zeros now. */
	LB_THIN_DELTA_UNMAPPED = 2,
};

struct lb_thin_delta_run {
	uint64_t vblock;     /* the first virtual block */
	uint64_t len_blocks; /* > 0 */
	enum lb_thin_delta_kind kind;
	/* CHANGED only: the second device's data block for vblock; with
	 * split_data, the run's blocks live at dblock..dblock+len_blocks-1. */
	uint64_t dblock;
};

/* Returning non-zero stops the delta, which returns that value (the
 * callback should have filled err). */
typedef int (*lb_thin_delta_fn)(void *ctx, const struct lb_thin_delta_run *run,
				struct lb_err *err);

struct lb_thin_delta {
	lb_thin_delta_fn on_run; /* required */
	/* Break CHANGED runs where the second device's data blocks stop being
	 * consecutive (what a reader of the data needs); else runs break only
	 * where the kind changes or a block is equal. */
	bool split_data;
	void *ctx;
};

struct lb_thin_delta_stats {
	uint64_t nodes_read;      /* mapping-tree nodes read, both trees */
	uint64_t shared_skipped;  /* subtrees found shared and skipped unread */
};

/* Streams the runs that turn device from_dev's mappings into to_dev's.
 * stats may be NULL. LB_ENOTFOUND if the mapping tree lacks either device;
 * a data block beyond the data space map is LB_EINTEGRITY. The two top-level
 * lookups are not counted in stats. */
int lb_thinmeta_delta(struct lb_thinmeta *m, uint64_t from_dev, uint64_t to_dev,
		      const struct lb_thin_delta *delta, struct lb_thin_delta_stats *stats,
		      struct lb_err *err);

#endif
