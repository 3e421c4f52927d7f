/* Two mapping trees walked together, in key order, as a merge of two sorted
 * streams of leaf entries. Each tree has a cursor whose head is either a leaf
 * entry or a child not read yet (its block number and the key range its
 * parent gives it). A child is read only when its keys may interleave with
 * the other tree's head; two heads that are the same block are the same
 * subtree, so both cursors step past it unread. The trees' node boundaries
 * differ in general (splits happen at different places once the devices
 * diverge), which is why heads are compared by key range, not by position. */
#include "thinmeta/delta.h"

#include <stdio.h>

#include "thinmeta/internal.h"

enum head_kind { HEAD_END, HEAD_CHILD, HEAD_ENTRY };

struct frame {
	struct lb_btree_node node;
	struct lb_key_range range;
	uint32_t next; /* the entry the head is at, or the next child */
};

struct cursor {
	const struct lb_block_reader *reader;
	struct lb_btree_desc desc;
	uint64_t data_nr_blocks;
	struct lb_btree_bufs *bufs; /* block[d] holds frames[d]'s node */
	struct frame frames[LB_THIN_MAX_DEPTH];
	uint64_t path[LB_THIN_MAX_DEPTH]; /* frames' block numbers, to catch cycles */
	unsigned depth;                   /* frames in use */
	int leaf_depth;                   /* -1 until a leaf has been read */
	enum head_kind head;
	uint64_t child_block; /* HEAD_CHILD: the unread child ... */
	struct lb_key_range child_range; /* ... and the keys its parent allows it */
	char what[64];
};

struct emitter {
	const struct lb_thin_delta *delta;
	struct lb_thin_delta_run pending; /* len_blocks 0: none */
};

/* Moves the head to the next entry or unread child, climbing out of
 * finished nodes. */
static void settle(struct cursor *c)
{
	while (c->depth > 0) {
		struct frame *f = &c->frames[c->depth - 1];
		if (f->next < f->node.nr_entries) {
			if (f->node.leaf) {
				c->head = HEAD_ENTRY;
				return;
			}
			c->child_block = lb_le64(lb_btree_value(&f->node, f->next));
			c->child_range = lb_btree_child_range(&f->node, &f->range, f->next);
			f->next++;
			c->head = HEAD_CHILD;
			return;
		}
		c->depth--;
	}
	c->head = HEAD_END;
}

static void advance(struct cursor *c)
{
	if (c->head == HEAD_ENTRY)
		c->frames[c->depth - 1].next++;
	settle(c);
}

static uint64_t head_key(const struct cursor *c)
{
	const struct frame *f = &c->frames[c->depth - 1];
	return lb_btree_key(&f->node, f->next);
}

static uint64_t head_dblock(const struct cursor *c)
{
	const struct frame *f = &c->frames[c->depth - 1];
	return lb_le64(lb_btree_value(&f->node, f->next)) >> LB_THIN_TIME_BITS;
}

static int check_leaf(struct cursor *c, const struct lb_btree_node *leaf, uint64_t block_nr,
		      struct lb_err *err)
{
	if (c->leaf_depth < 0)
		c->leaf_depth = (int)c->depth;
	if ((int)c->depth != c->leaf_depth)
		return lb_block_fail(err, c->desc.name, block_nr, c->desc.what,
				     "leaf at depth %u, but other leaves are at depth %d", c->depth,
				     c->leaf_depth);
	for (uint32_t i = 0; i < leaf->nr_entries; i++) {
		uint64_t dblock = lb_le64(lb_btree_value(leaf, i)) >> LB_THIN_TIME_BITS;
		if (dblock >= c->data_nr_blocks)
			return lb_block_fail(err, c->desc.name, block_nr, c->desc.what,
					     "virtual block %llu maps to data block %llu, beyond "
					     "the data device (%llu blocks)",
					     (unsigned long long)lb_btree_key(leaf, i),
					     (unsigned long long)dblock,
					     (unsigned long long)c->data_nr_blocks);
	}
	return 0;
}

/* Reads the head child and moves the head to its first entry or child. */
static int expand(struct cursor *c, struct lb_thin_delta_stats *stats, struct lb_err *err)
{
	struct lb_btree_node node;
	const uint64_t block_nr = c->child_block;
	/* read_node refuses depth LB_THIN_MAX_DEPTH before touching the buffer. */
	uint8_t *block = c->bufs->block[c->depth < LB_THIN_MAX_DEPTH ? c->depth : 0];
	int rc = lb_btree_read_node(c->reader, &c->desc, c->path, c->depth, block_nr,
				    &c->child_range, block, &node, err);
	if (rc)
		return rc;
	stats->nodes_read++;
	if (node.leaf && (rc = check_leaf(c, &node, block_nr, err)))
		return rc;
	c->frames[c->depth] = (struct frame){.node = node, .range = c->child_range, .next = 0};
	c->path[c->depth] = block_nr;
	c->depth++;
	settle(c);
	return 0;
}

static int flush(struct emitter *e, struct lb_err *err)
{
	if (e->pending.len_blocks == 0)
		return 0;
	int rc = e->delta->on_run(e->delta->ctx, &e->pending, err);
	e->pending.len_blocks = 0;
	return rc;
}

static int emit(struct emitter *e, uint64_t vblock, enum lb_thin_delta_kind kind, uint64_t dblock,
		struct lb_err *err)
{
	struct lb_thin_delta_run *p = &e->pending;
	const bool data_follows = kind != LB_THIN_DELTA_CHANGED || !e->delta->split_data ||
				  dblock == p->dblock + p->len_blocks;
	if (p->len_blocks && p->kind == kind && vblock == p->vblock + p->len_blocks && data_follows) {
		p->len_blocks++;
		return 0;
	}
	int rc = flush(e, err);
	if (rc)
		return rc;
	*p = (struct lb_thin_delta_run){.vblock = vblock, .len_blocks = 1, .kind = kind,
					.dblock = kind == LB_THIN_DELTA_CHANGED ? dblock : 0};
	return 0;
}

/* Whether range a reaches past range b's end. */
static bool reaches_past(const struct lb_key_range *a, const struct lb_key_range *b)
{
	if (!a->has_hi)
		return b->has_hi;
	return b->has_hi && a->hi > b->hi;
}

/* The merge of the two trees: `from`'s entries against `to`'s. */
struct merge {
	struct cursor from, to;
	struct emitter emitter;
	struct lb_thin_delta_stats *stats;
	/* to's leaf depth minus from's, once known: both trees have shown a
	 * leaf, or one node at two depths. */
	bool offset_known;
	int leaf_depth_offset;
};

/* How many levels more from's head child has below it than to's. Until the
 * trees have shown their heights, guess they are equal, as two devices of
 * one pool mostly have trees of one height. */
static int height_lead(const struct merge *mg)
{
	int offset = mg->offset_known ? mg->leaf_depth_offset : 0;
	if (mg->from.leaf_depth >= 0 && mg->to.leaf_depth >= 0)
		offset = mg->to.leaf_depth - mg->from.leaf_depth;
	return (int)mg->to.depth - (int)mg->from.depth - offset;
}

static void learn_offset(struct merge *mg, unsigned from_depth, unsigned to_depth)
{
	mg->offset_known = true;
	mg->leaf_depth_offset = (int)to_depth - (int)from_depth;
}

/* Both heads are unread children in different blocks: which to read. One
 * wholly before the other goes first (the other may yet turn out to be
 * shared with what follows). Of two that overlap, the taller, which may hold
 * the other as a descendant: reading the shorter first would read a shared
 * node from one side, then again from the other. Then the one that may
 * start first, then the wider, whose children are then likely to line up
 * with the other's. */
static struct cursor *child_to_read(struct merge *mg)
{
	struct cursor *a = &mg->from, *b = &mg->to;
	const struct lb_key_range *ra = &a->child_range, *rb = &b->child_range;
	if (ra->has_hi && ra->hi <= rb->lo)
		return a;
	if (rb->has_hi && rb->hi <= ra->lo)
		return b;
	const int lead = height_lead(mg);
	if (lead != 0)
		return lead > 0 ? a : b;
	if (ra->lo != rb->lo)
		return ra->lo < rb->lo ? a : b;
	return reaches_past(rb, ra) ? b : a;
}

/* Whether node block_nr is one c has read and is inside; *depth: where. */
static bool inside(const struct cursor *c, uint64_t block_nr, unsigned *depth)
{
	for (unsigned d = 0; d < c->depth; d++)
		if (c->path[d] == block_nr) {
			*depth = d;
			return true;
		}
	return false;
}

/* c's head child is a node the other cursor has read and is inside: a node
 * shared by both, met first at another depth in the other tree (one taller
 * than guessed). The other has consumed nothing of it yet, since nothing
 * of it comes before c's head: both step past it, the other leaving what it
 * read inside. */
static bool skip_shared_inside(struct merge *mg, struct cursor *c, struct cursor *other)
{
	unsigned depth;
	if (c->head != HEAD_CHILD || !inside(other, c->child_block, &depth))
		return false;
	if (c == &mg->from)
		learn_offset(mg, c->depth, depth);
	else
		learn_offset(mg, depth, c->depth);
	mg->stats->shared_skipped++;
	other->depth = depth;
	settle(other);
	advance(c);
	return true;
}

/* One step of the merge: skip, read, or resolve at least one head. */
static int step(struct merge *mg, struct lb_err *err)
{
	struct cursor *from = &mg->from, *to = &mg->to;
	struct emitter *e = &mg->emitter;
	if (from->head == HEAD_CHILD && to->head == HEAD_CHILD &&
	    from->child_block == to->child_block) {
		learn_offset(mg, from->depth, to->depth);
		mg->stats->shared_skipped++;
		advance(from);
		advance(to);
		return 0;
	}
	if (skip_shared_inside(mg, from, to) || skip_shared_inside(mg, to, from))
		return 0;
	if (from->head == HEAD_CHILD && to->head == HEAD_CHILD)
		return expand(child_to_read(mg), mg->stats, err);
	/* An entry that comes before the other's unread child is resolved
	 * without reading it: the child's keys are at least its range's lo. */
	if (from->head == HEAD_CHILD) {
		if (to->head != HEAD_ENTRY || head_key(to) >= from->child_range.lo)
			return expand(from, mg->stats, err);
		int rc = emit(e, head_key(to), LB_THIN_DELTA_CHANGED, head_dblock(to), err);
		advance(to);
		return rc;
	}
	if (to->head == HEAD_CHILD) {
		if (from->head != HEAD_ENTRY || head_key(from) >= to->child_range.lo)
			return expand(to, mg->stats, err);
		int rc = emit(e, head_key(from), LB_THIN_DELTA_UNMAPPED, 0, err);
		advance(from);
		return rc;
	}
	/* Two entries, or an entry and an end. */
	int rc = 0;
	if (to->head == HEAD_END || (from->head == HEAD_ENTRY && head_key(from) < head_key(to))) {
		rc = emit(e, head_key(from), LB_THIN_DELTA_UNMAPPED, 0, err);
		advance(from);
	} else if (from->head == HEAD_END || head_key(to) < head_key(from)) {
		rc = emit(e, head_key(to), LB_THIN_DELTA_CHANGED, head_dblock(to), err);
		advance(to);
	} else {
		if (head_dblock(from) != head_dblock(to))
			rc = emit(e, head_key(to), LB_THIN_DELTA_CHANGED, head_dblock(to), err);
		advance(from);
		advance(to);
	}
	return rc;
}

static int cursor_init(struct cursor *c, struct lb_thinmeta *m, uint64_t dev_id,
		       struct lb_btree_bufs *bufs, struct lb_err *err)
{
	snprintf(c->what, sizeof(c->what), "device %llu mapping tree", (unsigned long long)dev_id);
	c->reader = &m->reader;
	c->desc = lb_thinmeta_device_desc(m, c->what);
	c->data_nr_blocks = m->sb.data_sm.nr_blocks;
	c->bufs = bufs;
	c->depth = 0;
	c->leaf_depth = -1;
	c->head = HEAD_CHILD;
	c->child_range = (struct lb_key_range){0, 0, false};
	return lb_thinmeta_device_root(m, dev_id, bufs->block[0], &c->child_block, err);
}

int lb_thinmeta_delta(struct lb_thinmeta *m, uint64_t from_dev, uint64_t to_dev,
		      const struct lb_thin_delta *delta, struct lb_thin_delta_stats *stats,
		      struct lb_err *err)
{
	struct lb_thin_delta_stats unused;
	struct merge mg = {.emitter = {.delta = delta}, .stats = stats ? stats : &unused};
	int rc;

	*mg.stats = (struct lb_thin_delta_stats){0};
	if (!delta->on_run)
		return lb_fail(err, LB_EFAIL, "%s: delta of devices %llu and %llu: no run callback",
			       m->reader.path, (unsigned long long)from_dev,
			       (unsigned long long)to_dev);
	struct lb_btree_bufs *from_bufs = lb_thinmeta_take_bufs(m);
	struct lb_btree_bufs *to_bufs = lb_thinmeta_take_bufs(m);
	if (!from_bufs || !to_bufs) {
		rc = lb_fail(err, LB_EFAIL, "%s: delta of devices %llu and %llu: out of memory",
			     m->reader.path, (unsigned long long)from_dev,
			     (unsigned long long)to_dev);
		goto out;
	}
	if ((rc = cursor_init(&mg.from, m, from_dev, from_bufs, err)) ||
	    (rc = cursor_init(&mg.to, m, to_dev, to_bufs, err)))
		goto out;
	while (mg.from.head != HEAD_END || mg.to.head != HEAD_END)
		if ((rc = step(&mg, err)))
			goto out;
	rc = flush(&mg.emitter, err);
out:
	if (to_bufs)
		lb_thinmeta_give_bufs(m, to_bufs);
	if (from_bufs)
		lb_thinmeta_give_bufs(m, from_bufs);
	return rc;
}
