/* The pool's device ids, and pending records resolved: see poolview.h. */
#include "snapshot/poolview.h"
#include "docker/dataroot.h"
#include "snapshot/idalloc.h"
#include "snapshot/livepool.h"

#include <stdlib.h>
#include <string.h>

struct collect {
	struct lb_poolview *v;
	size_t cap;
};

static int add_id(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct collect *c = ctx;
	if (c->v->n_ids == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *n = realloc(c->v->ids, cap * sizeof(*n));
		if (!n)
			return lb_fail(err, LB_EFAIL, "out of memory");
		c->v->ids = n;
		c->cap = cap;
	}
	c->v->ids[c->v->n_ids++] = (uint32_t)dev->dev_id;
	return 0;
}

int lb_poolview_load(struct lb_thinmeta *meta, struct lb_poolview *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct collect c = {.v = out};
	int rc = lb_thinmeta_for_each_device(meta, add_id, &c, err);
	if (rc)
		lb_poolview_free(out);
	return rc;
}

void lb_poolview_free(struct lb_poolview *v)
{
	free(v->ids);
	memset(v, 0, sizeof(*v));
}

bool lb_poolview_has(const struct lb_poolview *v, uint32_t id)
{
	size_t lo = 0, hi = v->n_ids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->ids[mid] == id)
			return true;
		if (v->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

size_t lb_poolview_resolve_pending(const struct lb_poolview *v, struct lb_snap_catalog *cat)
{
	size_t changed = 0;
	for (size_t i = 0; i < cat->n_records;) {
		struct lb_snap_record *r = &cat->records[i];
		if (r->state != LB_SNAP_PENDING) {
			i++;
			continue;
		}
		struct lb_err e = {0};
		if (lb_poolview_has(v, r->device_id)) {
			lb_snap_catalog_mark_ready(cat, r->name, 0, &e);
			i++;
		} else {
			char name[LB_SNAP_NAME_MAX + 1];
			memcpy(name, r->name, sizeof(name));
			lb_snap_catalog_remove(cat, name, &e);
		}
		changed++;
	}
	return changed;
}

/* Every id Docker's files name, plus the one a creation may have in flight. */
static uint32_t *docker_ids(const struct lb_docker_root *root, size_t *n)
{
	uint32_t *ids = calloc(root->n_devices + 1, sizeof(*ids));
	*n = 0;
	if (!ids)
		return NULL;
	for (size_t i = 0; i < root->n_devices; i++)
		if (!root->devices[i].err.code)
			ids[(*n)++] = root->devices[i].dm.device_id;
	if (!root->transaction_err.code)
		ids[(*n)++] = root->transaction.device_id;
	return ids;
}

int lb_poolview_pick_id(const struct lb_docker_root *root, const struct lb_poolview *pv,
		   const struct lb_snap_catalog *cat, uint32_t *out, struct lb_err *err)
{
	size_t nd = 0;
	uint32_t *dids = docker_ids(root, &nd);
	uint32_t *cids = calloc(cat->n_records + 1, sizeof(*cids));
	int rc;
	if (!dids || !cids) {
		rc = lb_fail(err, LB_EFAIL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cat->n_records; i++)
		cids[i] = cat->records[i].device_id;
	struct lb_snap_id_inputs in = {
		.pool_ids = pv->ids,
		.n_pool_ids = pv->n_ids,
		.docker_ids = dids,
		.n_docker_ids = nd,
		.catalog_ids = cids,
		.n_catalog_ids = cat->n_records,
		.docker_next_id = root->deviceset_err.code ? 0 : root->deviceset.next_device_id,
	};
	rc = lb_snap_id_pick(&in, out, err);
out:
	free(dids);
	free(cids);
	return rc;
}

int lb_poolview_read_live(struct lb_livepool *pool, struct lb_poolview *out, struct lb_err *err)
{
	struct lb_thinmeta *meta = NULL;
	int rc = lb_livepool_hold(pool, err);
	if (!rc)
		rc = lb_livepool_open_meta(pool, &meta, err);
	if (!rc)
		rc = lb_poolview_load(meta, out, err);
	if (meta)
		lb_thinmeta_close(meta);
	struct lb_err e2 = {0};
	int rc2 = lb_livepool_unhold(pool, rc ? &e2 : err);
	return rc ? rc : rc2;
}
