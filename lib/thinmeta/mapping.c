/* The two-level mapping tree: dev id -> subtree root, then virtual block ->
 * data block << 24 | time. Snapshots share subtrees; a walk reads one
 * device's subtree in key order and hands out coalesced ranges. */
#include <stdio.h>

#include "thinmeta/internal.h"

#define TIME_MASK ((1u << LB_THIN_TIME_BITS) - 1)

struct mapping_walk {
	const struct lb_thin_walk *walk;
	const char *name;
	const char *what;
	uint64_t data_nr_blocks;
	struct lb_thin_range pending; /* len_blocks 0: none */
};

static struct lb_btree_desc top_desc(const struct lb_thinmeta *m)
{
	return (struct lb_btree_desc){
		.name = m->reader.path,
		.what = "top-level mapping tree",
		.leaf_value_size = LB_THIN_MAPPING_VALUE_BYTES,
		.key_limit = (uint64_t)LB_THIN_MAX_DEV_ID + 1,
		.key_name = "device id",
	};
}

/* No virtual block at or past what a device can address, so vblock * block
 * size never wraps. */
struct lb_btree_desc lb_thinmeta_device_desc(const struct lb_thinmeta *m, const char *what)
{
	return (struct lb_btree_desc){
		.name = m->reader.path,
		.what = what,
		.leaf_value_size = LB_THIN_MAPPING_VALUE_BYTES,
		.key_limit = lb_thin_max_blocks(m->sb.data_block_size_sectors),
		.key_name = "virtual block",
	};
}

int lb_thinmeta_device_root(struct lb_thinmeta *m, uint64_t dev_id, uint8_t *block,
			    uint64_t *root, struct lb_err *err)
{
	uint8_t value[LB_THIN_MAPPING_VALUE_BYTES];
	bool found;
	struct lb_btree_desc top = top_desc(m);
	int rc = lb_btree_lookup(&m->reader, &top, m->sb.data_mapping_root, dev_id, block, value,
				 &found, err);
	if (rc)
		return rc;
	if (!found)
		return lb_fail(err, LB_ENOTFOUND, "%s: device %llu: not in the mapping tree",
			       m->reader.path, (unsigned long long)dev_id);
	*root = lb_le64(value);
	return 0;
}

static int flush(struct mapping_walk *w, struct lb_err *err)
{
	if (w->pending.len_blocks == 0)
		return 0;
	int rc = w->walk->on_range(w->walk->ctx, &w->pending, err);
	w->pending.len_blocks = 0;
	return rc;
}

static int on_mapping_leaf(void *ctx, const struct lb_btree_node *leaf, uint64_t block_nr,
			   struct lb_err *err)
{
	struct mapping_walk *w = ctx;
	const enum lb_thin_coalesce mode = w->walk->coalesce;
	struct lb_thin_range *p = &w->pending;
	int rc;

	for (uint32_t i = 0; i < leaf->nr_entries; i++) {
		uint64_t vblock = lb_btree_key(leaf, i);
		uint64_t v = lb_le64(lb_btree_value(leaf, i));
		uint64_t dblock = v >> LB_THIN_TIME_BITS;
		uint32_t time = (uint32_t)(v & TIME_MASK);

		if (dblock >= w->data_nr_blocks)
			return lb_block_fail(err, w->name, block_nr, w->what,
					     "virtual block %llu maps to data block %llu, beyond "
					     "the data device (%llu blocks)",
					     (unsigned long long)vblock, (unsigned long long)dblock,
					     (unsigned long long)w->data_nr_blocks);
		if (p->len_blocks && mode != LB_THIN_PER_BLOCK && vblock == p->vblock + p->len_blocks &&
		    dblock == p->dblock + p->len_blocks &&
		    (mode == LB_THIN_RANGES || time == p->time)) {
			p->len_blocks++;
			continue;
		}
		if ((rc = flush(w, err)))
			return rc;
		*p = (struct lb_thin_range){vblock, dblock, 1, time};
	}
	return 0;
}

static int forward_node(void *ctx, uint64_t block_nr, unsigned depth, bool leaf,
			struct lb_err *err)
{
	const struct mapping_walk *w = ctx;
	return w->walk->on_node(w->walk->ctx, block_nr, depth, leaf, err);
}

int lb_thinmeta_walk_mappings(struct lb_thinmeta *m, uint64_t dev_id,
			      const struct lb_thin_walk *walk, struct lb_err *err)
{
	char what[64];
	uint64_t root;
	if (!walk->on_range)
		return lb_fail(err, LB_EFAIL, "%s: device %llu: walk mappings: no range callback",
			       m->reader.path, (unsigned long long)dev_id);
	struct lb_btree_bufs *bufs = lb_thinmeta_take_bufs(m);
	if (!bufs)
		return lb_fail(err, LB_EFAIL, "%s: device %llu: walk mappings: out of memory",
			       m->reader.path, (unsigned long long)dev_id);

	int rc = lb_thinmeta_device_root(m, dev_id, bufs->block[0], &root, err);
	if (!rc) {
		snprintf(what, sizeof(what), "device %llu mapping tree", (unsigned long long)dev_id);
		struct lb_btree_desc sub = lb_thinmeta_device_desc(m, what);
		struct mapping_walk w = {
			.walk = walk,
			.name = m->reader.path,
			.what = what,
			.data_nr_blocks = m->sb.data_sm.nr_blocks,
		};
		rc = lb_btree_walk(&m->reader, &sub, root, bufs, on_mapping_leaf,
				   walk->on_node ? forward_node : NULL, &w, err);
		if (!rc)
			rc = flush(&w, err);
	}
	lb_thinmeta_give_bufs(m, bufs);
	return rc;
}

int lb_thinmeta_map_block(struct lb_thinmeta *m, uint64_t dev_id, uint64_t vblock,
			  uint64_t *dblock, bool *mapped, struct lb_err *err)
{
	char what[64];
	uint8_t block[LB_THINMETA_BLOCK_BYTES];
	uint8_t value[LB_THIN_MAPPING_VALUE_BYTES];
	uint64_t root;
	bool found;
	*mapped = false;
	int rc = lb_thinmeta_device_root(m, dev_id, block, &root, err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "device %llu mapping tree", (unsigned long long)dev_id);
	struct lb_btree_desc desc = lb_thinmeta_device_desc(m, what);
	if ((rc = lb_btree_lookup(&m->reader, &desc, root, vblock, block, value, &found, err)))
		return rc;
	if (!found)
		return 0;
	*dblock = lb_le64(value) >> LB_THIN_TIME_BITS;
	if (*dblock >= m->sb.data_sm.nr_blocks)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: %s: virtual block %llu maps to data block %llu, beyond the data "
			       "device (%llu blocks)",
			       m->reader.path, what, (unsigned long long)vblock,
			       (unsigned long long)*dblock, (unsigned long long)m->sb.data_sm.nr_blocks);
	*mapped = true;
	return 0;
}
