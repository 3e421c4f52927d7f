/* snapshot ls: the catalog, with what the pool maps for each snapshot now. */
#include "snapshot/catalog_store.h"
#include "snapshot/create.h"
#include "docker/dataroot.h"
#include "snapshot/poolview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fill_mapped(struct lb_snapshot_list *l, struct lb_thinmeta *meta, struct lb_err *err)
{
	l->block_size_sectors = lb_thinmeta_superblock(meta)->data_block_size_sectors;
	for (size_t i = 0; i < l->n_rows; i++) {
		struct lb_thin_device d;
		struct lb_err e = {0};
		int rc = lb_thinmeta_find_device(meta, l->rows[i].rec.device_id, &d, &e);
		if (rc == LB_ENOTFOUND)
			continue;
		if (rc)
			return lb_fail(err, rc, "%s", e.msg);
		l->rows[i].in_pool = true;
		l->rows[i].mapped_bytes = d.mapped_blocks * l->block_size_sectors * 512u;
	}
	return LB_OK;
}

/* Reads the pool: held snapshot if it is active (resolving pending records
 * when the lock is ours), else the metadata file as it is. */
static int read_pool(const struct lb_docker_root *root, const struct lb_snapshot_target *t,
		     const char *dir, struct lb_snap_catalog *cat, struct lb_snapshot_list *l,
		     struct lb_err *err)
{
	struct lb_dm_info info = {0};
	struct lb_err e = {0};
	bool active = lb_dm_available(&e) && !lb_dm_info(root->pool_name, &info, &e) && info.exists;
	struct lb_thinmeta *meta = NULL;
	int rc;
	if (!active) {
		if (root->pool_kind != LB_DM_POOL_LOOPBACK)
			return lb_fail(err, LB_ENOTFOUND, "%s: not active, and its metadata is a device",
				       root->pool_name);
		if ((rc = lb_thinmeta_open(root->metadata_file.path, &meta, err)))
			return rc;
		rc = fill_mapped(l, meta, err);
		lb_thinmeta_close(meta);
		return rc;
	}
	struct lb_livepool pool;
	if ((rc = lb_livepool_open(root, false, t->say, t->say_ctx, &pool, err)))
		return rc;
	struct lb_snap_lock lk = {.fd = -1};
	bool locked = !lb_snap_catalog_trylock(dir, &lk, &e);
	if (!(rc = lb_livepool_hold(&pool, err)) && !(rc = lb_livepool_open_meta(&pool, &meta, err))) {
		struct lb_poolview pv;
		if (locked && !lb_poolview_load(meta, &pv, &e)) {
			/* Reload under the lock: another command may have stored since. */
			struct lb_snap_catalog fresh;
			if (!lb_snap_catalog_load(dir, root->pool_name, &fresh, &e)) {
				if (lb_poolview_resolve_pending(&pv, &fresh))
					lb_snap_catalog_store(dir, &fresh, &e);
				lb_snap_catalog_free(cat);
				*cat = fresh;
			}
			lb_poolview_free(&pv);
		}
	}
	lb_snap_catalog_unlock(&lk);
	/* Rows come from the catalog as it is now. */
	if (!rc) {
		free(l->rows);
		l->rows = calloc(cat->n_records + 1, sizeof(*l->rows));
		l->n_rows = 0;
		if (!l->rows)
			rc = lb_fail(err, LB_EFAIL, "out of memory");
	}
	if (!rc)
		for (size_t i = 0; i < cat->n_records; i++)
			l->rows[l->n_rows++].rec = cat->records[i];
	if (!rc)
		rc = fill_mapped(l, meta, err);
	if (meta)
		lb_thinmeta_close(meta);
	struct lb_err e2 = {0};
	int rc2 = lb_livepool_close(&pool, rc ? &e2 : err);
	return rc ? rc : rc2;
}

int lb_snapshot_list(const struct lb_snapshot_target *t, const char *container,
		     struct lb_snapshot_list *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	char dir[PATH_MAX];
	struct lb_snap_catalog cat;
	int rc = lb_docker_root_load(&ropts, &root, err);
	if (rc)
		return rc;
	snprintf(out->pool, sizeof(out->pool), "%.127s", root->pool_name);
	if ((rc = lb_snap_catalog_dir(root->driver_home, dir, err)) ||
	    (rc = lb_snap_catalog_load(dir, root->pool_name, &cat, err)))
		goto out;
	out->rows = calloc(cat.n_records + 1, sizeof(*out->rows));
	if (!out->rows) {
		rc = lb_fail(err, LB_EFAIL, "out of memory");
		goto out_cat;
	}
	for (size_t i = 0; i < cat.n_records; i++)
		out->rows[out->n_rows++].rec = cat.records[i];
	out->pool_read = !read_pool(root, t, dir, &cat, out, &out->pool_err);
	if (container) {
		size_t k = 0;
		for (size_t i = 0; i < out->n_rows; i++) {
			const struct lb_snap_record *r = &out->rows[i].rec;
			if (!strcmp(r->container, container) || !strcmp(r->container_id, container) ||
			    (strlen(container) >= 4 && !strncmp(r->container_id, container,
								 strlen(container))))
				out->rows[k++] = out->rows[i];
		}
		out->n_rows = k;
	}
out_cat:
	lb_snap_catalog_free(&cat);
out:
	lb_docker_root_free(root);
	if (rc)
		lb_snapshot_list_free(out);
	return rc;
}

void lb_snapshot_list_free(struct lb_snapshot_list *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n_rows = 0;
}
