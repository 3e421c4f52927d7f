/* The device-details tree: dev id -> struct disk_device_details. */
#include <stddef.h>

#include "thinmeta/internal.h"

static struct lb_thin_device decode_details(uint64_t dev_id, const uint8_t *v)
{
	return (struct lb_thin_device){
		.dev_id = dev_id,
		.mapped_blocks = lb_le64(v),
		.transaction_id = lb_le64(v + 8),
		.creation_time = lb_le32(v + 16),
		.snapshotted_time = lb_le32(v + 20),
	};
}

static struct lb_btree_desc details_desc(const struct lb_thinmeta *m)
{
	return (struct lb_btree_desc){
		.name = m->reader.path,
		.what = "device details tree",
		.leaf_value_size = LB_THIN_DETAILS_VALUE_BYTES,
		.key_limit = (uint64_t)LB_THIN_MAX_DEV_ID + 1,
		.key_name = "device id",
	};
}

struct device_walk {
	lb_thin_device_fn fn;
	void *ctx;
};

static int on_details_leaf(void *ctx, const struct lb_btree_node *leaf, uint64_t block_nr,
			   struct lb_err *err)
{
	const struct device_walk *w = ctx;
	(void)block_nr;
	for (uint32_t i = 0; i < leaf->nr_entries; i++) {
		struct lb_thin_device dev = decode_details(lb_btree_key(leaf, i), lb_btree_value(leaf, i));
		int rc = w->fn(w->ctx, &dev, err);
		if (rc)
			return rc;
	}
	return 0;
}

int lb_thinmeta_for_each_device(struct lb_thinmeta *m, lb_thin_device_fn fn, void *ctx,
				struct lb_err *err)
{
	struct lb_btree_bufs *bufs = lb_thinmeta_take_bufs(m);
	if (!bufs)
		return lb_fail(err, LB_EFAIL, "%s: list devices: out of memory", m->reader.path);
	struct device_walk w = {fn, ctx};
	struct lb_btree_desc d = details_desc(m);
	int rc = lb_btree_walk(&m->reader, &d, m->sb.device_details_root, bufs, on_details_leaf,
			       NULL, &w, err);
	lb_thinmeta_give_bufs(m, bufs);
	return rc;
}

int lb_thinmeta_find_device(struct lb_thinmeta *m, uint64_t dev_id, struct lb_thin_device *out,
			    struct lb_err *err)
{
	uint8_t block[LB_THINMETA_BLOCK_BYTES];
	uint8_t value[LB_THIN_DETAILS_VALUE_BYTES];
	struct lb_btree_desc d = details_desc(m);
	bool found;
	int rc = lb_btree_lookup(&m->reader, &d, m->sb.device_details_root, dev_id, block, value,
				 &found, err);
	if (rc)
		return rc;
	if (!found)
		return lb_fail(err, LB_ENOTFOUND, "%s: device %llu: no such thin device",
			       m->reader.path, (unsigned long long)dev_id);
	*out = decode_details(dev_id, value);
	return 0;
}
