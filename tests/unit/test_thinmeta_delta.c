/* lb_thinmeta_delta over metadata images built in memory: the runs it gives
 * against the mappings the test itself put in the two trees (not against our
 * own walk), that shared subtrees are skipped unread (counted), random pairs
 * of trees whose node boundaries and heights differ, and damaged nodes that
 * must end in LB_EINTEGRITY naming the block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_thinmeta_image.h"
#include "thinmeta/delta.h"

#define DATA_BLOCKS 100000
#define MAX_RUNS 512
enum { SB = 0, DETAILS = 1, TOP = 2, FIRST_NODE = 3 };

struct runs {
	struct lb_thin_delta_run r[MAX_RUNS];
	unsigned n;
	unsigned stop_after; /* 0: never */
};

static int on_run(void *ctx, const struct lb_thin_delta_run *run, struct lb_err *err)
{
	struct runs *c = ctx;
	assert_true(c->n < MAX_RUNS);
	c->r[c->n++] = *run;
	if (c->stop_after && c->n == c->stop_after)
		return lb_fail(err, LB_EUSAGE, "stopped");
	return 0;
}

static int delta(const struct img *im, uint64_t from, uint64_t to, bool split_data,
		 struct runs *out, struct lb_thin_delta_stats *stats, struct lb_err *err)
{
	struct lb_thinmeta *m = NULL;
	assert_int_equal(img_open(im, IMG_BLOCKS, &m, err), 0);
	struct lb_thin_delta d = {.on_run = on_run, .split_data = split_data, .ctx = out};
	int rc = lb_thinmeta_delta(m, from, to, &d, stats, err);
	lb_thinmeta_close(m);
	return rc;
}

static void top_tree(struct img *im, uint64_t root1, uint64_t root2)
{
	const uint64_t dev_ids[] = {1, 2}, roots[] = {root1, root2};
	img_node64(im, TOP, LB_BTREE_LEAF_FLAG, 2, dev_ids, roots);
	img_superblock(im, TOP, DETAILS, DATA_BLOCKS);
}

/* --- a hand-built pair ------------------------------------------------- */

enum { R1 = 3, R2 = 4, LEAF_A = 5, LEAF_B = 6, LEAF_B2 = 7, LEAF_C = 8 };

/* Device 2 is device 1 after writes under leaf B only: roots R1 and R2 over
 * A, B / B2, C, where A and C are shared. */
static void pair_image(struct img *im)
{
	memset(im, 0, sizeof(*im));
	const uint64_t a_keys[] = {0, 1, 2}, a_vals[] = {img_map(100, 1), img_map(101, 1),
							   img_map(102, 1)};
	img_node64(im, LEAF_A, LB_BTREE_LEAF_FLAG, 3, a_keys, a_vals);
	const uint64_t b_keys[] = {10, 11, 12, 13};
	const uint64_t b_vals[] = {img_map(110, 1), img_map(111, 1), img_map(112, 1),
				   img_map(113, 1)};
	img_node64(im, LEAF_B, LB_BTREE_LEAF_FLAG, 4, b_keys, b_vals);
	/* 10 kept (another time, the same block), 11 moved, 12 gone, 13 moved,
	 * 14 new, right after 13's new block. */
	const uint64_t b2_keys[] = {10, 11, 13, 14};
	const uint64_t b2_vals[] = {img_map(110, 2), img_map(999, 2), img_map(1000, 2),
				    img_map(1001, 2)};
	img_node64(im, LEAF_B2, LB_BTREE_LEAF_FLAG, 4, b2_keys, b2_vals);
	const uint64_t c_keys[] = {20, 21}, c_vals[] = {img_map(120, 1), img_map(121, 1)};
	img_node64(im, LEAF_C, LB_BTREE_LEAF_FLAG, 2, c_keys, c_vals);
	const uint64_t root_keys[] = {0, 10, 20};
	const uint64_t r1_children[] = {LEAF_A, LEAF_B, LEAF_C};
	const uint64_t r2_children[] = {LEAF_A, LEAF_B2, LEAF_C};
	img_node64(im, R1, LB_BTREE_INTERNAL_FLAG, 3, root_keys, r1_children);
	img_node64(im, R2, LB_BTREE_INTERNAL_FLAG, 3, root_keys, r2_children);
	top_tree(im, R1, R2);
}

static int setup_pair(void **state)
{
	struct img *im = malloc(sizeof(*im));
	if (!im)
		return -1;
	pair_image(im);
	*state = im;
	return 0;
}

static int teardown_image(void **state)
{
	free(*state);
	return 0;
}

static void assert_run(const struct lb_thin_delta_run *r, uint64_t vblock, uint64_t len,
		       enum lb_thin_delta_kind kind, uint64_t dblock)
{
	assert_int_equal(r->vblock, vblock);
	assert_int_equal(r->len_blocks, len);
	assert_int_equal(r->kind, kind);
	assert_int_equal(r->dblock, dblock);
}

static void changes_under_one_leaf_read_only_that_leaf_and_the_roots(void **state)
{
	struct runs runs = {0};
	struct lb_thin_delta_stats stats;
	struct lb_err err = {0};
	assert_int_equal(delta(*state, 1, 2, false, &runs, &stats, &err), 0);
	assert_int_equal(runs.n, 3);
	assert_run(&runs.r[0], 11, 1, LB_THIN_DELTA_CHANGED, 999);
	assert_run(&runs.r[1], 12, 1, LB_THIN_DELTA_UNMAPPED, 0);
	assert_run(&runs.r[2], 13, 2, LB_THIN_DELTA_CHANGED, 1000);
	assert_int_equal(stats.nodes_read, 4); /* R1, R2, B, B2: never A or C */
	assert_int_equal(stats.shared_skipped, 2);
}

static void the_other_way_round_blocks_come_back_and_go(void **state)
{
	struct runs runs = {0};
	struct lb_err err = {0};
	assert_int_equal(delta(*state, 2, 1, false, &runs, NULL, &err), 0);
	assert_int_equal(runs.n, 2);
	assert_run(&runs.r[0], 11, 3, LB_THIN_DELTA_CHANGED, 111); /* 11, 12, 13 */
	assert_run(&runs.r[1], 14, 1, LB_THIN_DELTA_UNMAPPED, 0);
}

static void split_data_breaks_where_the_data_is_not_consecutive(void **state)
{
	struct img *im = *state;
	/* 13 -> 1000 and 14 -> 1001 join; make 14 -> 5000 and they must not. */
	const uint64_t keys[] = {10, 11, 13, 14};
	const uint64_t vals[] = {img_map(110, 2), img_map(999, 2), img_map(1000, 2),
				 img_map(5000, 2)};
	img_node64(im, LEAF_B2, LB_BTREE_LEAF_FLAG, 4, keys, vals);
	struct runs joined = {0}, split = {0};
	struct lb_err err = {0};
	assert_int_equal(delta(im, 1, 2, false, &joined, NULL, &err), 0);
	assert_int_equal(joined.n, 3);
	assert_run(&joined.r[2], 13, 2, LB_THIN_DELTA_CHANGED, 1000);
	assert_int_equal(delta(im, 1, 2, true, &split, NULL, &err), 0);
	assert_int_equal(split.n, 4);
	assert_run(&split.r[2], 13, 1, LB_THIN_DELTA_CHANGED, 1000);
	assert_run(&split.r[3], 14, 1, LB_THIN_DELTA_CHANGED, 5000);
}

static void a_device_against_itself_reads_no_node(void **state)
{
	struct runs runs = {0};
	struct lb_thin_delta_stats stats;
	struct lb_err err = {0};
	assert_int_equal(delta(*state, 2, 2, false, &runs, &stats, &err), 0);
	assert_int_equal(runs.n, 0);
	assert_int_equal(stats.nodes_read, 0);
	assert_int_equal(stats.shared_skipped, 1);
}

static void damage_in_a_shared_subtree_is_not_read(void **state)
{
	struct img *im = *state;
	im->b[LEAF_A][100] ^= 1;
	struct runs runs = {0};
	struct lb_err err = {0};
	assert_int_equal(delta(im, 1, 2, false, &runs, NULL, &err), 0);
	assert_int_equal(runs.n, 3);
}

static void expect_damage(const struct img *im, uint64_t block_nr, const char *reason)
{
	struct runs runs = {0};
	struct lb_err err = {0};
	char want[64];
	assert_int_equal(delta(im, 1, 2, false, &runs, NULL, &err), LB_EINTEGRITY);
	snprintf(want, sizeof(want), "img: block %llu: ", (unsigned long long)block_nr);
	if (!strstr(err.msg, want) || !strstr(err.msg, reason))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, want, reason);
}

static void a_bad_checksum_names_the_block(void **state)
{
	struct img *im = *state;
	im->b[LEAF_B2][100] ^= 1;
	expect_damage(im, LEAF_B2, "checksum mismatch");
}

static void a_node_of_the_wrong_type_names_the_block(void **state)
{
	struct img *im = *state;
	put_le32(im->b[LEAF_B] + 4, 3);
	img_seal(im->b[LEAF_B], LB_BTREE_CSUM_XOR);
	expect_damage(im, LEAF_B, "neither internal");
}

static void keys_out_of_order_name_the_block(void **state)
{
	struct img *im = *state;
	const uint64_t keys[] = {10, 13, 11}, vals[] = {1 << 24, 2 << 24, 3 << 24};
	img_node64(im, LEAF_B2, LB_BTREE_LEAF_FLAG, 3, keys, vals);
	expect_damage(im, LEAF_B2, "not ascending");
}

static void a_loop_names_the_block(void **state)
{
	struct img *im = *state;
	const uint64_t keys[] = {0, 10, 20}, children[] = {LEAF_A, R2, LEAF_C};
	img_node64(im, R2, LB_BTREE_INTERNAL_FLAG, 3, keys, children);
	expect_damage(im, R2, "own ancestor");
}

static void a_child_outside_its_range_names_the_block(void **state)
{
	struct img *im = *state;
	/* Under key 10, a leaf whose keys start at 0. */
	const uint64_t keys[] = {0, 10, 20}, children[] = {LEAF_A, LEAF_A, LEAF_C};
	img_node64(im, R1, LB_BTREE_INTERNAL_FLAG, 3, keys, children);
	expect_damage(im, LEAF_A, "parent");
}

static void a_data_block_past_the_data_device_names_the_block(void **state)
{
	struct img *im = *state;
	const uint64_t keys[] = {10}, vals[] = {img_map(DATA_BLOCKS, 1)};
	img_node64(im, LEAF_B2, LB_BTREE_LEAF_FLAG, 1, keys, vals);
	expect_damage(im, LEAF_B2, "beyond the data device");
}

static void a_missing_device_is_not_found_and_a_callback_stops(void **state)
{
	struct runs runs = {.stop_after = 1};
	struct lb_err err = {0};
	assert_int_equal(delta(*state, 1, 7, false, &runs, NULL, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "device 7"));
	assert_int_equal(delta(*state, 1, 2, false, &runs, NULL, &err), LB_EUSAGE);
	assert_int_equal(runs.n, 1);
}

/* --- random pairs of trees --------------------------------------------- */

#define NR_VBLOCKS 220
#define NO_MAP UINT64_MAX

static uint64_t rnd_state;
static uint64_t rnd(uint64_t below)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % below;
}

struct node_ref {
	uint64_t block;
	uint64_t first_key;
};

struct builder {
	struct img *im;
	uint64_t next_block;
};

static uint64_t new_block(struct builder *b)
{
	assert_true(b->next_block < IMG_BLOCKS);
	return b->next_block++;
}

/* Leaves of lo_size..hi_size entries over the mapped blocks of map in
 * [from, to); appended to out. */
static unsigned make_leaves(struct builder *b, const uint64_t *map, uint64_t from, uint64_t to,
			    unsigned lo_size, unsigned hi_size, struct node_ref *out)
{
	uint64_t keys[32], vals[32];
	unsigned n = 0, nr_out = 0, want = lo_size + (unsigned)rnd(hi_size - lo_size + 1);
	for (uint64_t v = from; v <= to; v++) {
		if (n && (n == want || v == to)) {
			uint64_t blk = new_block(b);
			img_node64(b->im, blk, LB_BTREE_LEAF_FLAG, n, keys, vals);
			out[nr_out++] = (struct node_ref){blk, keys[0]};
			n = 0;
			want = lo_size + (unsigned)rnd(hi_size - lo_size + 1);
		}
		if (v < to && map[v] != NO_MAP) {
			keys[n] = v;
			vals[n++] = img_map(map[v], 1);
		}
	}
	return nr_out;
}

/* One node over in[0..n): internal, or with no children an empty leaf (a
 * root that maps nothing). */
static struct node_ref make_node(struct builder *b, const struct node_ref *in, unsigned n)
{
	uint64_t keys[64] = {0}, children[64] = {0};
	uint64_t blk = new_block(b);
	assert_true(n <= 64);
	for (unsigned i = 0; i < n; i++) {
		keys[i] = in[i].first_key;
		children[i] = in[i].block;
	}
	img_node64(b->im, blk, n ? LB_BTREE_INTERNAL_FLAG : LB_BTREE_LEAF_FLAG, n, keys, children);
	return (struct node_ref){blk, n ? keys[0] : 0};
}

/* Internal nodes of 1..fanout children over in[0..n); appended to out. */
static unsigned make_level(struct builder *b, const struct node_ref *in, unsigned n,
			   unsigned fanout, struct node_ref *out)
{
	unsigned nr_out = 0;
	for (unsigned i = 0; i < n;) {
		unsigned take = 1 + (unsigned)rnd(fanout);
		if (take > n - i)
			take = n - i;
		out[nr_out++] = make_node(b, in + i, take);
		i += take;
	}
	return nr_out;
}

/* Device 1: leaves under mid-level nodes under a root. Device 2: device 1
 * after writes in some leaves. Untouched mid-level nodes and leaves are
 * shared; the leaves of a touched stretch are cut anew at other boundaries
 * and get new mid-level nodes; sometimes device 2 has one level more, so
 * shared nodes sit at other depths in the two trees. */
struct pair_facts {
	uint64_t nr_nodes;  /* in the two trees */
	uint64_t nr_shared; /* of which are in both */
	bool taller;        /* device 2's tree has a level more */
};

static void random_pair(struct img *im, uint64_t *map1, uint64_t *map2, struct pair_facts *facts)
{
	struct builder b = {im, FIRST_NODE};
	struct node_ref leaves1[64], mids1[16], leaves2[64], mids2[32], tops2[16];
	unsigned leaf_of_mid[17]; /* mids1[i] covers leaves1[leaf_of_mid[i] .. leaf_of_mid[i+1]) */

	memset(im, 0, sizeof(*im));
	*facts = (struct pair_facts){0};
	for (unsigned v = 0; v < NR_VBLOCKS; v++)
		map1[v] = rnd(3) ? NO_MAP : 1 + rnd(DATA_BLOCKS - 1);
	map1[0] = 7; /* the first leaf's key is 0, so every region has a start */
	unsigned nr_leaves1 = make_leaves(&b, map1, 0, NR_VBLOCKS, 6, 14, leaves1);
	unsigned nr_mids1 = 0;
	for (unsigned i = 0; i < nr_leaves1; nr_mids1++) {
		unsigned take = 2 + (unsigned)rnd(3);
		if (take > nr_leaves1 - i)
			take = nr_leaves1 - i;
		leaf_of_mid[nr_mids1] = i;
		mids1[nr_mids1] = make_node(&b, leaves1 + i, take);
		i += take;
	}
	leaf_of_mid[nr_mids1] = nr_leaves1;
	uint64_t root1 = make_node(&b, mids1, nr_mids1).block;

	/* Writes: each leaf touched or not; a touched leaf's region (up to the
	 * next leaf's first key) gets blocks moved, unmapped and added. */
	bool touched[64] = {0};
	memcpy(map2, map1, NR_VBLOCKS * sizeof(*map2));
	const uint64_t touch_one_in = 1 + rnd(6);
	for (unsigned i = 0; i < nr_leaves1; i++) {
		if (rnd(touch_one_in))
			continue;
		touched[i] = true;
		uint64_t end = i + 1 < nr_leaves1 ? leaves1[i + 1].first_key : NR_VBLOCKS;
		for (uint64_t v = leaves1[i].first_key; v < end; v++) {
			switch (rnd(6)) {
			case 0: map2[v] = NO_MAP; break;
			case 1: map2[v] = 1 + rnd(DATA_BLOCKS - 1); break;
			case 2: map2[v] = map2[v == 0 ? 0 : v - 1] + 1; break; /* consecutive data */
			default: break;
			}
			if (map2[v] >= DATA_BLOCKS)
				map2[v] = 1;
		}
	}

	unsigned nr_mids2 = 0;
	for (unsigned mid = 0; mid < nr_mids1; mid++) {
		unsigned first = leaf_of_mid[mid], end = leaf_of_mid[mid + 1], nr_leaves2 = 0;
		bool any = false;
		for (unsigned i = first; i < end; i++)
			any |= touched[i];
		if (!any) {
			mids2[nr_mids2++] = mids1[mid];
			facts->nr_shared += 1 + end - first;
			continue;
		}
		for (unsigned i = first; i < end;) {
			if (!touched[i]) {
				facts->nr_shared++;
				leaves2[nr_leaves2++] = leaves1[i++];
				continue;
			}
			unsigned j = i;
			while (j < end && touched[j])
				j++;
			uint64_t to = j < nr_leaves1 ? leaves1[j].first_key : NR_VBLOCKS;
			nr_leaves2 += make_leaves(&b, map2, leaves1[i].first_key, to, 4, 20,
						  leaves2 + nr_leaves2);
			i = j;
		}
		nr_mids2 += make_level(&b, leaves2, nr_leaves2, 3, mids2 + nr_mids2);
	}
	uint64_t root2;
	facts->taller = rnd(3) == 0 && nr_mids2 > 1;
	if (facts->taller) {
		unsigned nr_tops = make_level(&b, mids2, nr_mids2, 3, tops2);
		root2 = make_node(&b, tops2, nr_tops).block;
	} else {
		root2 = make_node(&b, mids2, nr_mids2).block;
	}
	top_tree(im, root1, root2);
	facts->nr_nodes = b.next_block - FIRST_NODE;
}

static void check_runs(const struct runs *runs, const uint64_t *from_map, const uint64_t *to_map,
		       bool split_data)
{
	uint8_t want[NR_VBLOCKS] = {0}, got[NR_VBLOCKS] = {0};
	for (unsigned v = 0; v < NR_VBLOCKS; v++) {
		if (to_map[v] != NO_MAP && to_map[v] != from_map[v])
			want[v] = LB_THIN_DELTA_CHANGED;
		else if (to_map[v] == NO_MAP && from_map[v] != NO_MAP)
			want[v] = LB_THIN_DELTA_UNMAPPED;
	}
	uint64_t next = 0;
	for (unsigned i = 0; i < runs->n; i++) {
		const struct lb_thin_delta_run *r = &runs->r[i];
		assert_true(r->len_blocks > 0);
		assert_true(r->vblock >= next);
		assert_true(r->vblock + r->len_blocks <= NR_VBLOCKS);
		/* Joined as far as they go: a run never just continues the last. */
		if (i > 0 && !split_data)
			assert_false(r->vblock == next && r->kind == runs->r[i - 1].kind);
		for (uint64_t v = r->vblock; v < r->vblock + r->len_blocks; v++) {
			got[v] = (uint8_t)r->kind;
			if (r->kind == LB_THIN_DELTA_CHANGED && (split_data || v == r->vblock))
				assert_int_equal(r->dblock + (v - r->vblock), to_map[v]);
		}
		next = r->vblock + r->len_blocks;
	}
	for (unsigned v = 0; v < NR_VBLOCKS; v++)
		if (want[v] != got[v])
			fail_msg("vblock %u: want %u, got %u", v, want[v], got[v]);
}

static void random_pairs_give_exactly_the_changed_blocks(void **state)
{
	(void)state;
	struct img *im = malloc(sizeof(*im));
	uint64_t *map1 = malloc(NR_VBLOCKS * sizeof(*map1));
	uint64_t *map2 = malloc(NR_VBLOCKS * sizeof(*map2));
	struct runs *runs = malloc(sizeof(*runs));
	assert_non_null(im);
	assert_non_null(map1);
	assert_non_null(map2);
	assert_non_null(runs);
	rnd_state = 88172645463325252ull;
	unsigned fewer = 0;
	for (unsigned iter = 0; iter < 400; iter++) {
		struct pair_facts facts;
		random_pair(im, map1, map2, &facts);
		const uint64_t unshared = facts.nr_nodes - facts.nr_shared;
		for (unsigned split = 0; split < 2; split++) {
			struct lb_thin_delta_stats forth, back;
			struct lb_err err = {0};
			memset(runs, 0, sizeof(*runs));
			if (delta(im, 1, 2, split, runs, &forth, &err))
				fail_msg("iteration %u: %s", iter, err.msg);
			check_runs(runs, map1, map2, split);
			memset(runs, 0, sizeof(*runs));
			if (delta(im, 2, 1, split, runs, &back, &err))
				fail_msg("iteration %u: %s", iter, err.msg);
			check_runs(runs, map2, map1, split);
			/* Exactly the nodes that are not in both trees, each once.
			 * With trees of different heights, the first shared node met
			 * may be read from one side before the other shows it holds
			 * it: one node more, then the heights are known. */
			const uint64_t slack = facts.taller ? 1 : 0;
			assert_in_range(forth.nodes_read, unshared, unshared + slack);
			assert_in_range(back.nodes_read, unshared, unshared + slack);
			if (facts.nr_shared)
				fewer++;
		}
	}
	assert_true(fewer > 400); /* of 800 */
	free(runs);
	free(map2);
	free(map1);
	free(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(changes_under_one_leaf_read_only_that_leaf_and_the_roots, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(the_other_way_round_blocks_come_back_and_go, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(split_data_breaks_where_the_data_is_not_consecutive, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_device_against_itself_reads_no_node, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(damage_in_a_shared_subtree_is_not_read, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_bad_checksum_names_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_node_of_the_wrong_type_names_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(keys_out_of_order_name_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_loop_names_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_child_outside_its_range_names_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_data_block_past_the_data_device_names_the_block, setup_pair, teardown_image),
		cmocka_unit_test_setup_teardown(a_missing_device_is_not_found_and_a_callback_stops, setup_pair, teardown_image),
		cmocka_unit_test(random_pairs_give_exactly_the_changed_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
