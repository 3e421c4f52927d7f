/* libFuzzer target: the input is a thin-pool metadata file. Opens it through
 * a memfd, lists the devices and walks every device's mappings in every
 * coalescing mode, then the same in its metadata snapshot if it has one, and
 * checks the walk's promises: ranges non-empty, strictly ascending, inside
 * the data device and inside what a device can address (no block number
 * whose byte offset wraps), device ids of 24 bits, a block size the kernel
 * makes. Any crash, sanitizer report, hang or broken promise is a
 * finding.
 * Checksums are fixed up first (thinmeta_input.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thinmeta_input.h"

struct check {
	struct lb_thinmeta *m;
	uint64_t data_nr_blocks;
	uint64_t max_vblocks; /* what a device of the pool's block size can address */
	uint64_t next_vblock; /* the lowest vblock the next range may start at */
	bool started;
};

static int on_range(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	struct check *c = ctx;
	(void)err;
	if (r->len_blocks == 0 || (c->started && r->vblock < c->next_vblock) ||
	    r->dblock >= c->data_nr_blocks || r->len_blocks > c->data_nr_blocks - r->dblock)
		abort();
	if (r->vblock + r->len_blocks < r->vblock) /* a range that wraps */
		abort();
	/* Every block's byte offset fits an off_t: no virtual block past what a
	 * device can address, no data device larger than one can be. */
	if (r->vblock + r->len_blocks > c->max_vblocks || c->data_nr_blocks > c->max_vblocks)
		abort();
	c->next_vblock = r->vblock + r->len_blocks;
	c->started = true;
	return 0;
}

static int on_node(void *ctx, uint64_t block_nr, unsigned depth, bool leaf, struct lb_err *err)
{
	(void)ctx;
	(void)leaf;
	(void)err;
	if (block_nr == 0 || depth >= LB_THIN_MAX_DEPTH)
		abort();
	return 0;
}

static void walk_every_mode(struct check *c, uint64_t dev_id, struct lb_err *err)
{
	for (unsigned mode = LB_THIN_PER_BLOCK; mode <= LB_THIN_RANGES; mode++) {
		struct check walk_state = {.m = c->m,
					   .data_nr_blocks = c->data_nr_blocks,
					   .max_vblocks = c->max_vblocks};
		struct lb_thin_walk w = {.coalesce = (enum lb_thin_coalesce)mode,
					 .on_range = on_range,
					 .on_node = on_node,
					 .ctx = &walk_state};
		int rc = lb_thinmeta_walk_mappings(c->m, dev_id, &w, err);
		if (rc != 0 && rc != LB_EINTEGRITY && rc != LB_ENOTFOUND)
			abort();
		if (rc)
			return;
	}
}

static int on_device(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct check *c = ctx;
	struct lb_thin_device found;
	if (dev->dev_id > LB_THIN_MAX_DEV_ID)
		abort();
	/* The walk has validated the path to this entry; a lookup takes the same one. */
	if (lb_thinmeta_find_device(c->m, dev->dev_id, &found, err) != 0 ||
	    memcmp(&found, dev, sizeof(found)) != 0)
		abort();
	walk_every_mode(c, dev->dev_id, err);
	return 0; /* keep listing: later devices may walk differently */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_thinmeta *m = NULL;
	struct lb_err err = {0};
	int rc = fuzz_open_thinmeta(data, size, "fuzz", &m, &err);
	if (rc) {
		if (rc != LB_EINTEGRITY || !err.msg[0])
			abort();
		return 0;
	}
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	if (sb->data_block_size_sectors % LB_THIN_MIN_DATA_BLOCK_SECTORS ||
	    sb->data_block_size_sectors > LB_THIN_MAX_DATA_BLOCK_SECTORS)
		abort();
	struct check c = {.m = m,
			  .data_nr_blocks = sb->data_sm.nr_blocks,
			  .max_vblocks = lb_thin_max_blocks(sb->data_block_size_sectors)};
	rc = lb_thinmeta_for_each_device(m, on_device, &c, &err);
	if (rc != 0 && rc != LB_EINTEGRITY)
		abort();
	/* Devices the details tree may not list. */
	for (uint64_t dev = 0; dev < 4; dev++)
		walk_every_mode(&c, dev, &err);
	/* And the metadata snapshot, when the superblock names one. */
	rc = lb_thinmeta_use_metadata_snap(m, &err);
	if (rc == 0)
		rc = lb_thinmeta_for_each_device(m, on_device, &c, &err);
	if (rc != 0 && rc != LB_EINTEGRITY && rc != LB_ENOTFOUND)
		abort();
	lb_thinmeta_close(m);
	return 0;
}
