/* snapshot create: see create.h. */
#include "snapshot/create.h"
#include "docker/dataroot.h"
#include "docker/dockerd.h"
#include "snapshot/catalog_store.h"
#include "snapshot/poolview.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t elapsed_us(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
	return ns > 0 ? (uint64_t)ns / 1000 : 0;
}

struct create_ctx {
	const struct lb_snapshot_target *t;
	struct lb_docker_root *root;
	struct lb_docker_view v;
	char dir[PATH_MAX];
	struct lb_snap_lock lock;
	struct lb_snap_catalog cat;
	bool cat_loaded;
	struct lb_livepool pool;
	bool pool_open;
	struct lb_poolview pv;
};

/* The kernel part: pending record stored, then create_snap with the origin
 * suspended if it is active, then the ready record. */
static int snap(struct create_ctx *x, struct lb_snap_record *rec, bool *origin_active,
		struct lb_err *err)
{
	struct lb_dm_info info;
	int rc = lb_dm_info(x->v.device_name, &info, err);
	if (rc)
		return rc;
	*origin_active = info.exists;
	if (info.exists && info.suspended)
		return lb_fail(err, LB_EUNSAFE, "%s: its device %s is suspended by someone else",
			       rec->container, x->v.device_name);
	if ((rc = lb_snap_catalog_add(&x->cat, rec, err)) ||
	    (rc = lb_snap_catalog_store(x->dir, &x->cat, err)))
		return rc;
	char msg[64];
	snprintf(msg, sizeof(msg), "create_snap %" PRIu32 " %" PRIu32, rec->device_id,
		 rec->origin_device_id);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Suspending with the filesystem frozen flushes it: the snapshot holds
	 * what a clean unmount would. */
	if (info.exists && (rc = lb_dm_suspend(x->v.device_name, false, err)))
		goto undo;
	rc = lb_livepool_message(&x->pool, msg, err);
	if (info.exists) {
		struct lb_err e2 = {0};
		int rc2 = lb_dm_resume(x->v.device_name, rc ? &e2 : err);
		if (!rc && rc2)
			/* The snapshot exists; the origin is left suspended, say it. */
			return lb_err_wrap(err, "%s: snapshot %s made, but resuming %s failed",
					   rec->container, rec->name, x->v.device_name);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		goto undo;
	uint64_t freeze = info.exists ? elapsed_us(&t0, &t1) : 0;
	rec->state = LB_SNAP_READY;
	rec->freeze_us = freeze;
	if ((rc = lb_snap_catalog_mark_ready(&x->cat, rec->name, freeze, err)) ||
	    (rc = lb_snap_catalog_store(x->dir, &x->cat, err)))
		return lb_err_wrap(err, "snapshot %s (device %" PRIu32 ") made; its record stays "
					"pending until the next snapshot command",
				   rec->name, rec->device_id);
	return LB_OK;
undo:;
	/* The kernel refused: the id was not taken, the record goes. */
	struct lb_err e3 = {0};
	if (!lb_snap_catalog_remove(&x->cat, rec->name, &e3))
		lb_snap_catalog_store(x->dir, &x->cat, &e3);
	return rc;
}

static int fill_record(struct create_ctx *x, const char *name, struct lb_snap_record *rec,
		       struct lb_err *err)
{
	memset(rec, 0, sizeof(*rec));
	const char *cname = x->v.name + (x->v.name[0] == '/');
	int64_t now = (int64_t)time(NULL);
	int rc;
	if (name) {
		if (!lb_snap_name_valid(name))
			return lb_fail(err, LB_EUSAGE,
				       "'%s': a snapshot name is 1-64 of [A-Za-z0-9_.-], not "
				       "starting with '.' or '-'",
				       name);
		if (lb_snap_catalog_find_name(&x->cat, name))
			return lb_fail(err, LB_EUSAGE, "a snapshot named %s exists already", name);
		snprintf(rec->name, sizeof(rec->name), "%s", name);
	} else if ((rc = lb_snap_default_name(&x->cat, cname, now, rec->name, err))) {
		return rc;
	}
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return lb_fail_errno(err, LB_EFAIL, errno, "getrandom");
	lb_snap_uuid_from_bytes(rnd, rec->uuid);
	snprintf(rec->container, sizeof(rec->container), "%s", cname);
	snprintf(rec->container_id, sizeof(rec->container_id), "%s", x->v.id);
	snprintf(rec->origin_hash, sizeof(rec->origin_hash), "%s", x->v.device_hash);
	rec->origin_device_id = x->v.device_id;
	rec->size_bytes = x->v.size_bytes;
	rec->created_unix = now;
	rec->state = LB_SNAP_PENDING;
	if ((rc = lb_poolview_pick_id(x->root, &x->pv, &x->cat, &rec->device_id, err)))
		return rc;
	return LB_OK;
}

int lb_snapshot_create(const struct lb_snapshot_target *t, const char *container, const char *name,
		       struct lb_snapshot_create_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	struct create_ctx x = {.t = t, .lock = {.fd = -1}};
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	sigset_t old;
	int rc = lb_docker_root_load(&ropts, &x.root, err);
	if (rc)
		return rc;
	const struct lb_docker_container *ct;
	if ((rc = lb_docker_resolve(x.root, container, &ct, err)))
		goto out_root;
	lb_docker_view_of(x.root, ct, &x.v);
	if ((rc = lb_docker_view_require_device(&x.v, "no snapshot", err)))
		goto out_root;
	if (x.v.deleted) {
		rc = lb_fail(err, LB_EUNSAFE, "%s: Docker marked its device deleted", x.v.id);
		goto out_root;
	}
	res->dockerd_live = lb_docker_dockerd_on(x.root) > 0;
	if ((rc = lb_snap_catalog_dir(x.root->driver_home, x.dir, err)) ||
	    (rc = lb_snap_catalog_lock(x.dir, &x.lock, err)))
		goto out_root;
	if ((rc = lb_snap_catalog_load(x.dir, x.root->pool_name, &x.cat, err)))
		goto out_lock;
	x.cat_loaded = true;
	/* From the pool's activation to its release, nothing may stop halfway. */
	lb_livepool_block_signals(&old);
	if ((rc = lb_livepool_open(x.root, !res->dockerd_live, t->say, t->say_ctx, &x.pool, err)))
		goto out_sig;
	x.pool_open = true;
	res->pool_activated = x.pool.activated;
	if ((rc = lb_poolview_read_live(&x.pool, &x.pv, err)))
		goto out_pool;
	if (!lb_poolview_has(&x.pv, x.v.device_id)) {
		rc = lb_fail(err, LB_ENOTFOUND, "%s: its device %" PRIu32 " is not in pool %s",
			     x.v.id, x.v.device_id, x.pool.name);
		goto out_pool;
	}
	if (lb_poolview_resolve_pending(&x.pv, &x.cat) &&
	    (rc = lb_snap_catalog_store(x.dir, &x.cat, err)))
		goto out_pool;
	if ((rc = fill_record(&x, name, &res->rec, err)))
		goto out_pool;
	rc = snap(&x, &res->rec, &res->origin_active, err);
out_pool:;
	struct lb_err e2 = {0};
	int rc2 = lb_livepool_close(&x.pool, rc ? &e2 : err);
	if (!rc)
		rc = rc2;
out_sig:
	lb_livepool_restore_signals(&old);
	snprintf(res->pool, sizeof(res->pool), "%.127s", x.root->pool_name);
	lb_poolview_free(&x.pv);
	if (x.cat_loaded)
		lb_snap_catalog_free(&x.cat);
out_lock:
	lb_snap_catalog_unlock(&x.lock);
out_root:
	lb_docker_root_free(x.root);
	return rc;
}
