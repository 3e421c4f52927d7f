/* libFuzzer target: the input is a thin-pool metadata file (checksums fixed
 * up, thinmeta_input.h). For every ordered pair of a few devices (the first
 * the details tree lists, and ids 0..3), live and in the metadata snapshot,
 * runs lb_thinmeta_delta with and without split_data and checks its
 * promises: it ends (ok, damage or no such device, damage with a message),
 * runs are non-empty, ascending, never overlapping, inside what a device can
 * address, changed data inside the data device. When both devices' full
 * walks succeed, the delta must too, and give exactly the blocks that differ
 * between the two walks' mappings (the oracle). Any crash, sanitizer report,
 * hang or broken promise is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thinmeta/delta.h"
#include "thinmeta_input.h"

#define MAX_DEVS 5

struct mapping {
	uint64_t vblock, dblock;
};

struct mappings {
	struct mapping *m;
	size_t n, cap;
	bool overflow;
	int rc; /* of the walk: 0, its error, or -1 when the mappings overflowed */
};

/* One expected block of the delta. */
struct expected {
	uint64_t vblock, dblock;
	enum lb_thin_delta_kind kind;
};

struct check {
	uint64_t data_nr_blocks;
	uint64_t max_vblocks;
	bool split_data;
	uint64_t next_vblock; /* the lowest vblock the next run may start at */
	const struct expected *want; /* NULL: no oracle */
	size_t nr_want, at;
};

static int collect(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	struct mappings *ms = ctx;
	(void)err;
	if (ms->n == ms->cap) {
		ms->overflow = true;
		return 0;
	}
	ms->m[ms->n++] = (struct mapping){r->vblock, r->dblock};
	return 0;
}

static void walk(struct lb_thinmeta *m, uint64_t dev, struct mappings *ms)
{
	struct lb_err err = {0};
	struct lb_thin_walk w = {.coalesce = LB_THIN_PER_BLOCK, .on_range = collect, .ctx = ms};
	ms->n = 0;
	ms->overflow = false;
	ms->rc = lb_thinmeta_walk_mappings(m, dev, &w, &err);
	if (!ms->rc && ms->overflow)
		ms->rc = -1;
}

/* The blocks that differ from a to b, merged from the two walks. */
static size_t diff(const struct mappings *a, const struct mappings *b, struct expected *out)
{
	size_t i = 0, j = 0, n = 0;
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->m[i].vblock < b->m[j].vblock)) {
			out[n++] = (struct expected){a->m[i++].vblock, 0, LB_THIN_DELTA_UNMAPPED};
		} else if (i == a->n || b->m[j].vblock < a->m[i].vblock) {
			out[n++] = (struct expected){b->m[j].vblock, b->m[j].dblock,
						     LB_THIN_DELTA_CHANGED};
			j++;
		} else {
			if (a->m[i].dblock != b->m[j].dblock)
				out[n++] = (struct expected){b->m[j].vblock, b->m[j].dblock,
							     LB_THIN_DELTA_CHANGED};
			i++;
			j++;
		}
	}
	return n;
}

static int on_run(void *ctx, const struct lb_thin_delta_run *r, struct lb_err *err)
{
	struct check *c = ctx;
	(void)err;
	if (r->len_blocks == 0 || r->vblock < c->next_vblock ||
	    r->vblock + r->len_blocks < r->vblock || r->vblock + r->len_blocks > c->max_vblocks)
		abort();
	if (r->kind != LB_THIN_DELTA_CHANGED && r->kind != LB_THIN_DELTA_UNMAPPED)
		abort();
	if (r->kind == LB_THIN_DELTA_CHANGED && r->dblock >= c->data_nr_blocks)
		abort();
	if (r->kind == LB_THIN_DELTA_CHANGED && c->split_data &&
	    r->len_blocks > c->data_nr_blocks - r->dblock)
		abort();
	c->next_vblock = r->vblock + r->len_blocks;
	if (!c->want)
		return 0;
	for (uint64_t i = 0; i < r->len_blocks; i++) {
		if (c->at == c->nr_want)
			abort();
		const struct expected *w = &c->want[c->at++];
		if (w->vblock != r->vblock + i || w->kind != r->kind)
			abort();
		if (r->kind == LB_THIN_DELTA_CHANGED && (c->split_data || i == 0) &&
		    w->dblock != r->dblock + i)
			abort();
	}
	return 0;
}

struct devs {
	uint64_t id[MAX_DEVS];
	unsigned n;
};

static int add_dev(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct devs *d = ctx;
	(void)err;
	for (unsigned i = 0; i < d->n; i++)
		if (d->id[i] == dev->dev_id)
			return 0;
	if (d->n < MAX_DEVS)
		d->id[d->n++] = dev->dev_id;
	return 0;
}

/* Every ordered pair of up to MAX_DEVS devices; maps[i] holds room for
 * cap mappings each, want for 2 * cap. */
static void delta_pairs(struct lb_thinmeta *m, struct mappings *maps, struct expected *want)
{
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	struct devs devs = {.n = 0};
	struct lb_err err = {0};
	lb_thinmeta_for_each_device(m, add_dev, &devs, &err);
	if (devs.n > MAX_DEVS - 2)
		devs.n = MAX_DEVS - 2;
	for (uint64_t id = 0; id < 2; id++) {
		struct lb_thin_device dev = {.dev_id = id};
		add_dev(&devs, &dev, &err);
	}
	for (unsigned i = 0; i < devs.n; i++)
		walk(m, devs.id[i], &maps[i]);
	for (unsigned i = 0; i < devs.n; i++) {
		for (unsigned j = 0; j < devs.n; j++) {
			const struct mappings *a = &maps[i], *b = &maps[j];
			const bool oracle = a->rc == 0 && b->rc == 0;
			const size_t nr_want = oracle ? diff(a, b, want) : 0;
			for (int split = 0; split < 2; split++) {
				struct check c = {.data_nr_blocks = sb->data_sm.nr_blocks,
						  .max_vblocks = lb_thin_max_blocks(sb->data_block_size_sectors),
						  .split_data = split,
						  .want = oracle ? want : NULL,
						  .nr_want = nr_want};
				struct lb_thin_delta d = {.on_run = on_run, .split_data = split, .ctx = &c};
				struct lb_thin_delta_stats stats;
				err.msg[0] = 0;
				int rc = lb_thinmeta_delta(m, devs.id[i], devs.id[j], &d, &stats, &err);
				if (rc != 0 && rc != LB_EINTEGRITY && rc != LB_ENOTFOUND)
					abort();
				if (rc && !err.msg[0])
					abort();
				/* Walks that succeed read all a delta could read. */
				if (oracle && (rc != 0 || c.at != nr_want))
					abort();
				if ((a->rc == LB_ENOTFOUND || b->rc == LB_ENOTFOUND) && rc == 0)
					abort();
				if (i == j && rc == 0 && (stats.nodes_read != 0 || c.next_vblock != 0))
					abort();
			}
		}
	}
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
	/* Room for every entry of every block as a leaf; a tree that holds more
	 * (a node reached twice) gets no oracle. */
	const size_t cap = (size / LB_THINMETA_BLOCK_BYTES + 1) * 256;
	struct mappings maps[MAX_DEVS];
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		maps[i] = (struct mappings){.m = malloc(cap * sizeof(struct mapping)), .cap = cap};
		if (!maps[i].m)
			abort();
	}
	struct expected *want = malloc(2 * cap * sizeof(*want));
	if (!want)
		abort();
	delta_pairs(m, maps, want);
	if (lb_thinmeta_use_metadata_snap(m, &err) == 0)
		delta_pairs(m, maps, want);
	free(want);
	for (unsigned i = 0; i < MAX_DEVS; i++)
		free(maps[i].m);
	lb_thinmeta_close(m);
	return 0;
}
