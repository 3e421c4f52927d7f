/* persistent-data btree nodes (the kernel's dm-btree-internal.h): validation
 * of one node, an ordered walk over a tree's leaves with an explicit stack,
 * and a point lookup. Internal to lib/thinmeta. */
#ifndef LIFEBOAT_THINMETA_BTREE_H
#define LIFEBOAT_THINMETA_BTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "thinmeta/block_reader.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#define LB_BTREE_CSUM_XOR 121107u
#define LB_BTREE_HEADER_BYTES 32u
#define LB_BTREE_INTERNAL_FLAG 1u
#define LB_BTREE_LEAF_FLAG 2u

static inline uint32_t lb_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t lb_le64(const uint8_t *p)
{
	return (uint64_t)lb_le32(p) | (uint64_t)lb_le32(p + 4) << 32;
}

/* The keys a node may hold: lo <= key, and key < hi when has_hi. */
struct lb_key_range {
	uint64_t lo;
	uint64_t hi;
	bool has_hi;
};

/* A validated node; keys and values point into the block buffer. */
struct lb_btree_node {
	const uint8_t *keys;   /* nr_entries little-endian u64 */
	const uint8_t *values; /* nr_entries values of value_size bytes */
	uint32_t nr_entries;
	uint32_t max_entries;
	uint32_t value_size;
	bool leaf;
};

static inline uint64_t lb_btree_key(const struct lb_btree_node *n, uint32_t i)
{
	return lb_le64(n->keys + (uint64_t)i * 8);
}

static inline const uint8_t *lb_btree_value(const struct lb_btree_node *n, uint32_t i)
{
	return n->values + (uint64_t)i * n->value_size;
}

/* What a tree is, for validation and messages. */
struct lb_btree_desc {
	const char *name;         /* the metadata's name: file or device path */
	const char *what;         /* "device details tree", "mapping tree of device 3" */
	uint32_t leaf_value_size; /* internal nodes always hold 8-byte block numbers */
	/* Keys are below key_limit (0: any u64): what the tree's keys number
	 * (device ids, virtual blocks) cannot reach it, so a key there is damage,
	 * never a value to compute with. key_name names them in messages. */
	uint64_t key_limit;
	const char *key_name;
};

/* Validates the node image in block (LB_THINMETA_BLOCK_BYTES) read from
 * block_nr: checksum, self block number, flags, entry counts against the
 * block size and value size, keys strictly ascending, below desc->key_limit
 * and inside range (NULL: any), and non-empty unless is_root. LB_EINTEGRITY naming the
 * block otherwise. Pure. */
int lb_btree_node_check(const uint8_t *block, uint64_t block_nr, const struct lb_btree_desc *desc,
			const struct lb_key_range *range, bool is_root, struct lb_btree_node *out,
			struct lb_err *err);

/* Reads and validates the node at block_nr into block as a node at `depth`
 * below the root whose ancestors are path[0..depth-1] (a cycle if block_nr
 * is among them), its keys inside range. */
int lb_btree_read_node(const struct lb_block_reader *r, const struct lb_btree_desc *desc,
		       const uint64_t *path, unsigned depth, uint64_t block_nr,
		       const struct lb_key_range *range, uint8_t *block, struct lb_btree_node *out,
		       struct lb_err *err);

/* The keys child i of internal node n may hold, n holding the keys of parent. */
struct lb_key_range lb_btree_child_range(const struct lb_btree_node *n,
					 const struct lb_key_range *parent, uint32_t i);

/* Called with each leaf, in key order. */
typedef int (*lb_btree_leaf_fn)(void *ctx, const struct lb_btree_node *leaf, uint64_t block_nr,
				struct lb_err *err);

/* Buffers for one walk: one block per level. */
struct lb_btree_bufs {
	uint8_t block[LB_THIN_MAX_DEPTH][LB_THINMETA_BLOCK_BYTES];
};

/* Walks the tree at root in key order, depth first, with an explicit stack of
 * at most LB_THIN_MAX_DEPTH levels: rejects a deeper tree, a node that is its
 * own ancestor, a child whose keys leave the range its parent gives it, and
 * leaves at differing depths. on_node may be NULL. */
int lb_btree_walk(const struct lb_block_reader *r, const struct lb_btree_desc *desc,
		  uint64_t root, struct lb_btree_bufs *bufs, lb_btree_leaf_fn on_leaf,
		  lb_thin_node_fn on_node, void *ctx, struct lb_err *err);

/* Finds key; on success copies its value (desc->leaf_value_size bytes) to
 * value and sets *found. block is scratch space for one block. */
int lb_btree_lookup(const struct lb_block_reader *r, const struct lb_btree_desc *desc,
		    uint64_t root, uint64_t key, uint8_t *block, void *value, bool *found,
		    struct lb_err *err);

#endif
