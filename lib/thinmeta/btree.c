#include "thinmeta/btree.h"

#include <stdio.h>
#include <string.h>

#include "thinmeta/crc32c.h"

#define node_fail(d, block_nr, err, ...) \
	lb_block_fail(err, (d)->name, block_nr, (d)->what, __VA_ARGS__)

static int check_keys(const struct lb_btree_node *n, uint64_t block_nr,
		      const struct lb_btree_desc *d, const struct lb_key_range *range,
		      struct lb_err *err)
{
	uint64_t prev = 0;
	for (uint32_t i = 0; i < n->nr_entries; i++) {
		uint64_t k = lb_btree_key(n, i);
		if (i > 0 && k <= prev)
			return node_fail(d, block_nr, err,
					 "keys not ascending: entry %u has key %llu after %llu", i,
					 (unsigned long long)k, (unsigned long long)prev);
		prev = k;
	}
	if (n->nr_entries == 0)
		return 0;
	/* Ascending, so the first and last key bound the rest. */
	uint64_t first = lb_btree_key(n, 0), last = prev;
	if (d->key_limit && last >= d->key_limit)
		return node_fail(d, block_nr, err, "%s %llu is not below %llu, the most there can be",
				 d->key_name ? d->key_name : "key", (unsigned long long)last,
				 (unsigned long long)d->key_limit);
	if (!range)
		return 0;
	if (first < range->lo)
		return node_fail(d, block_nr, err,
				 "key %llu is below %llu, the parent's key for this child",
				 (unsigned long long)first, (unsigned long long)range->lo);
	if (range->has_hi && last >= range->hi)
		return node_fail(d, block_nr, err,
				 "key %llu is not below %llu, the parent's next key",
				 (unsigned long long)last, (unsigned long long)range->hi);
	return 0;
}

int lb_btree_node_check(const uint8_t *block, uint64_t block_nr, const struct lb_btree_desc *d,
			const struct lb_key_range *range, bool is_root, struct lb_btree_node *out,
			struct lb_err *err)
{
	uint32_t stored = lb_le32(block);
	uint32_t computed = lb_crc32c(~0u, block + 4, LB_THINMETA_BLOCK_BYTES - 4) ^ LB_BTREE_CSUM_XOR;
	if (stored != computed)
		return node_fail(d, block_nr, err, "checksum mismatch: stored 0x%08x, computed 0x%08x",
				 stored, computed);
	uint64_t self = lb_le64(block + 8);
	if (self != block_nr)
		return node_fail(d, block_nr, err, "block claims to be block %llu",
				 (unsigned long long)self);

	uint32_t flags = lb_le32(block + 4);
	if (flags != LB_BTREE_INTERNAL_FLAG && flags != LB_BTREE_LEAF_FLAG)
		return node_fail(d, block_nr, err, "flags 0x%x are neither internal (1) nor leaf (2)",
				 flags);
	struct lb_btree_node n = {
		.leaf = flags == LB_BTREE_LEAF_FLAG,
		.nr_entries = lb_le32(block + 16),
		.max_entries = lb_le32(block + 20),
		.value_size = lb_le32(block + 24),
	};
	uint32_t want_value_size = n.leaf ? d->leaf_value_size : 8;
	if (n.value_size != want_value_size)
		return node_fail(d, block_nr, err, "value size %u, expected %u for a%s node",
				 n.value_size, want_value_size, n.leaf ? " leaf" : "n internal");
	uint64_t room = (LB_THINMETA_BLOCK_BYTES - LB_BTREE_HEADER_BYTES) / (8u + n.value_size);
	if (n.max_entries == 0 || n.max_entries > room)
		return node_fail(d, block_nr, err,
				 "max_entries %u does not fit a block (at most %llu of %u-byte values)",
				 n.max_entries, (unsigned long long)room, n.value_size);
	if (n.nr_entries > n.max_entries)
		return node_fail(d, block_nr, err, "nr_entries %u exceeds max_entries %u",
				 n.nr_entries, n.max_entries);
	if (n.nr_entries == 0 && !(is_root && n.leaf))
		return node_fail(d, block_nr, err, "%s node has no entries",
				 n.leaf ? "non-root leaf" : "internal");
	n.keys = block + LB_BTREE_HEADER_BYTES;
	n.values = n.keys + (uint64_t)n.max_entries * 8;
	int rc = check_keys(&n, block_nr, d, range, err);
	if (rc)
		return rc;
	*out = n;
	return 0;
}

struct walk_frame {
	struct lb_btree_node node;
	struct lb_key_range range;
	uint32_t next; /* the next child to descend into */
};

struct lb_key_range lb_btree_child_range(const struct lb_btree_node *n,
					 const struct lb_key_range *parent, uint32_t i)
{
	struct lb_key_range r = {.lo = lb_btree_key(n, i), .hi = parent->hi,
				 .has_hi = parent->has_hi};
	if (i + 1 < n->nr_entries) {
		r.hi = lb_btree_key(n, i + 1);
		r.has_hi = true;
	}
	return r;
}

int lb_btree_read_node(const struct lb_block_reader *r, const struct lb_btree_desc *d,
		       const uint64_t *path, unsigned depth, uint64_t block_nr,
		       const struct lb_key_range *range, uint8_t *block, struct lb_btree_node *out,
		       struct lb_err *err)
{
	if (depth >= LB_THIN_MAX_DEPTH)
		return node_fail(d, block_nr, err, "tree deeper than %d levels", LB_THIN_MAX_DEPTH);
	for (unsigned i = 0; i < depth; i++)
		if (path[i] == block_nr)
			return node_fail(d, block_nr, err,
					 "node is its own ancestor (at depth %u and %u): cycle", i,
					 depth);
	if (block_nr == 0)
		return node_fail(d, block_nr, err, "block 0 is the superblock, not a btree node");
	if (block_nr >= r->limit_blocks)
		return node_fail(d, block_nr, err, "beyond the end of the metadata (%llu blocks)",
				 (unsigned long long)r->limit_blocks);
	int rc = lb_block_reader_read(r, block_nr, block, err);
	if (rc)
		return rc;
	return lb_btree_node_check(block, block_nr, d, range, depth == 0, out, err);
}

int lb_btree_walk(const struct lb_block_reader *r, const struct lb_btree_desc *d, uint64_t root,
		  struct lb_btree_bufs *bufs, lb_btree_leaf_fn on_leaf, lb_thin_node_fn on_node,
		  void *ctx, struct lb_err *err)
{
	struct walk_frame frames[LB_THIN_MAX_DEPTH];
	uint64_t path[LB_THIN_MAX_DEPTH];
	const struct lb_key_range whole = {0, 0, false};
	int leaf_depth = -1;
	unsigned depth = 0; /* frames in use */
	uint64_t block_nr = root;
	struct lb_key_range range = whole;
	int rc;

	for (;;) {
		/* Descend into block_nr as a node at `depth`. */
		struct walk_frame *f = &frames[depth];
		rc = lb_btree_read_node(r, d, path, depth, block_nr, &range, bufs->block[depth], &f->node,
			       err);
		if (rc)
			return rc;
		if (on_node && (rc = on_node(ctx, block_nr, depth, f->node.leaf, err)))
			return rc;
		if (f->node.leaf) {
			if (leaf_depth < 0)
				leaf_depth = (int)depth;
			if ((int)depth != leaf_depth)
				return node_fail(d, block_nr, err,
						 "leaf at depth %u, but other leaves are at depth %d",
						 depth, leaf_depth);
			if ((rc = on_leaf(ctx, &f->node, block_nr, err)))
				return rc;
		} else {
			f->range = range;
			f->next = 0;
			path[depth] = block_nr;
			depth++;
		}
		/* Climb to the nearest ancestor with a child left to visit. */
		while (depth > 0 && frames[depth - 1].next == frames[depth - 1].node.nr_entries)
			depth--;
		if (depth == 0)
			return 0;
		struct walk_frame *up = &frames[depth - 1];
		block_nr = lb_le64(lb_btree_value(&up->node, up->next));
		range = lb_btree_child_range(&up->node, &up->range, up->next);
		up->next++;
	}
}

int lb_btree_lookup(const struct lb_block_reader *r, const struct lb_btree_desc *d, uint64_t root,
		    uint64_t key, uint8_t *block, void *value, bool *found, struct lb_err *err)
{
	uint64_t path[LB_THIN_MAX_DEPTH];
	struct lb_key_range range = {0, 0, false};
	uint64_t block_nr = root;
	struct lb_btree_node n;

	*found = false;
	for (unsigned depth = 0;; depth++) {
		int rc = lb_btree_read_node(r, d, path, depth, block_nr, &range, block, &n, err);
		if (rc)
			return rc;
		path[depth] = block_nr;
		/* The last entry whose key is <= key. */
		uint32_t lo = 0, hi = n.nr_entries;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (lb_btree_key(&n, mid) <= key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			return 0;
		uint32_t i = lo - 1;
		if (n.leaf) {
			if (lb_btree_key(&n, i) == key) {
				memcpy(value, lb_btree_value(&n, i), d->leaf_value_size);
				*found = true;
			}
			return 0;
		}
		range = lb_btree_child_range(&n, &range, i);
		block_nr = lb_le64(lb_btree_value(&n, i));
	}
}
