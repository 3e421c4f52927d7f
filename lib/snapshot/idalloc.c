#include "snapshot/idalloc.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void collect(uint32_t *used, size_t *n, const uint32_t *ids, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (ids[i] <= LB_SNAP_ID_TOP)
			used[(*n)++] = ids[i];
}

int lb_snap_id_pick(const struct lb_snap_id_inputs *in, uint32_t *out, struct lb_err *err)
{
	*out = 0;
	uint32_t margin = in->margin ? in->margin : LB_SNAP_ID_MARGIN;
	/* dockerd's floor: where its next allocation starts. deviceset-metadata
	 * may be missing or behind its device files (it is saved lazily), so the
	 * highest id a device file names counts too. */
	uint64_t floor = in->docker_next_id;
	for (size_t i = 0; i < in->n_docker_ids; i++)
		if (in->docker_ids[i] <= LB_SNAP_ID_TOP && (uint64_t)in->docker_ids[i] + 1 > floor)
			floor = (uint64_t)in->docker_ids[i] + 1;
	uint64_t lowest_safe = floor + margin + 1;

	size_t total = in->n_pool_ids + in->n_docker_ids + in->n_catalog_ids, n = 0;
	uint32_t *used = malloc((total ? total : 1) * sizeof(*used));
	if (!used)
		return lb_fail(err, LB_EFAIL, "device id allocation: out of memory");
	collect(used, &n, in->pool_ids, in->n_pool_ids);
	collect(used, &n, in->docker_ids, in->n_docker_ids);
	collect(used, &n, in->catalog_ids, in->n_catalog_ids);
	qsort(used, n, sizeof(*used), cmp_desc);

	/* Walk down from the top: the first id the sorted list skips is free. */
	/* Signed: with every id taken the walk goes below 0, not round to 2^64. */
	int64_t candidate = LB_SNAP_ID_TOP;
	for (size_t i = 0; i < n && (int64_t)used[i] >= candidate; i++)
		if (used[i] == candidate)
			candidate--;
	free(used);

	if (candidate < 1 || (uint64_t)candidate < lowest_safe)
		return lb_fail(err, LB_EUNSAFE,
			       "no thin device id is free above dockerd's range: the highest free id "
			       "is %" PRId64 ", and dockerd allocates upward from %" PRIu64
			       " (next_device_id %" PRIu32 ", highest id in its device files "
			       "included), with %" PRIu32 " ids kept between us; remove snapshots "
			       "(lifeboat snapshot prune) to free ids",
			       candidate, floor, in->docker_next_id, margin);
	*out = (uint32_t)candidate;
	return LB_OK;
}
