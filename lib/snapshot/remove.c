/* snapshot rm: the thin device out of the pool, then the record. */
#include "snapshot/catalog_store.h"
#include "snapshot/import_pool.h"
#include "snapshot/create.h"
#include "docker/dataroot.h"
#include "docker/dockerd.h"
#include "snapshot/poolview.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is a dm device with a table on this thin id of the pool active? Only
 * lifeboat's own rescue of a snapshot would make one; deleting under it
 * would pull its blocks away. */
struct active_ctx {
	uint32_t pool_major, pool_minor, id;
	char name[128];
};

static int check_active(void *ctx, const char *name, uint32_t major, uint32_t minor)
{
	(void)major;
	(void)minor;
	struct active_ctx *a = ctx;
	struct lb_dm_target *t = NULL;
	size_t n = 0;
	struct lb_err e = {0};
	if (lb_dm_get_table(name, false, &t, &n, &e))
		return 0;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		unsigned pmaj, pmin, id;
		if (!strcmp(t[i].type, "thin") &&
		    sscanf(t[i].params, "%u:%u %u", &pmaj, &pmin, &id) == 3 && pmaj == a->pool_major &&
		    pmin == a->pool_minor && id == a->id) {
			snprintf(a->name, sizeof(a->name), "%s", name);
			found = 1;
		}
	}
	free(t);
	return found;
}

int lb_snapshot_remove(const struct lb_snapshot_target *t, const char *name,
		       struct lb_snap_record *removed, struct lb_err *err)
{
	memset(removed, 0, sizeof(*removed));
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	char dir[PATH_MAX];
	struct lb_snap_lock lk = {.fd = -1};
	struct lb_snap_catalog cat;
	bool cat_loaded = false;
	struct lb_livepool pool;
	struct lb_poolview pv = {0};
	sigset_t old;
	int rc = lb_docker_root_load(&ropts, &root, err);
	if (rc)
		return rc;
	bool live = lb_docker_dockerd_on(root) > 0;
	if ((rc = lb_snap_catalog_dir(root->driver_home, dir, err)) ||
	    (rc = lb_snap_catalog_lock(dir, &lk, err)))
		goto out_root;
	if ((rc = lb_snap_catalog_load(dir, root->pool_name, &cat, err)))
		goto out_lock;
	cat_loaded = true;
	const struct lb_snap_record *r = lb_snap_catalog_find_name(&cat, name);
	if (!r) {
		rc = lb_fail(err, LB_ENOTFOUND, "no snapshot named %s in pool %s", name,
			     root->pool_name);
		goto out_lock;
	}
	*removed = *r;
	lb_livepool_block_signals(&old);
	if ((rc = lb_livepool_open(root, !live, t->say, t->say_ctx, &pool, err)))
		goto out_sig;
	if ((rc = lb_poolview_read_live(&pool, &pv, err)))
		goto out_pool;
	if (lb_poolview_has(&pv, removed->device_id)) {
		struct active_ctx a = {.pool_major = pool.info.major,
				       .pool_minor = pool.info.minor,
				       .id = removed->device_id};
		/* check_active's 1 (found) stops the listing: not an error. */
		if ((rc = lb_dm_list(check_active, &a, err)) && !a.name[0])
			goto out_pool;
		rc = LB_OK;
		/* An import killed while it wrote leaves its own device active:
		 * lifeboat's, by name and by the record's state, so it goes. */
		if (a.name[0] && removed->state == LB_SNAP_IMPORTING &&
		    !strncmp(a.name, LB_SNAP_IMPORT_DM_PREFIX, strlen(LB_SNAP_IMPORT_DM_PREFIX))) {
			if ((rc = lb_dm_remove(a.name, err)))
				goto out_pool;
			a.name[0] = '\0';
		}
		if (a.name[0]) {
			rc = lb_fail(err, LB_EUNSAFE,
				     "snapshot %s: its device is active as %s; unmount it first "
				     "(lifeboat recover umount)",
				     name, a.name);
			goto out_pool;
		}
		char msg[48];
		snprintf(msg, sizeof(msg), "delete %" PRIu32, removed->device_id);
		if ((rc = lb_livepool_message(&pool, msg, err)))
			goto out_pool;
	}
	if (!(rc = lb_snap_catalog_remove(&cat, name, err)))
		rc = lb_snap_catalog_store(dir, &cat, err);
	if (rc)
		lb_err_wrap(err, "snapshot %s: device %" PRIu32 " deleted, record not removed", name,
			    removed->device_id);
out_pool:;
	struct lb_err e2 = {0};
	int rc2 = lb_livepool_close(&pool, rc ? &e2 : err);
	if (!rc)
		rc = rc2;
out_sig:
	lb_livepool_restore_signals(&old);
out_lock:
	lb_poolview_free(&pv);
	if (cat_loaded)
		lb_snap_catalog_free(&cat);
	lb_snap_catalog_unlock(&lk);
out_root:
	lb_docker_root_free(root);
	return rc;
}
