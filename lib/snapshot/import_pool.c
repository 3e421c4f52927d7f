/* snapshot import --into: see import_pool.h. */
#include "snapshot/import_pool.h"
#include "docker/dataroot.h"
#include "docker/dockerd.h"
#include "rescue/tables.h"
#include "snapshot/catalog_store.h"
#include "snapshot/import.h"
#include "snapshot/poolview.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct import_ctx {
	const struct lb_snapshot_target *t;
	struct lb_docker_root *root;
	struct lb_docker_view v;
	char dir[PATH_MAX];
	struct lb_livepool pool;
	bool pool_open;
	char dm_name[64];
	bool dm_made, thin_made;
};

/* Under the catalog's lock: the record checked against the catalog, given
 * a free id, and stored "importing". */
static int take_record(struct import_ctx *x, const char *name, const struct lb_stream_header *last,
		       struct lb_snap_record *rec, struct lb_err *err)
{
	struct lb_snap_lock lock = {.fd = -1};
	struct lb_snap_catalog cat;
	struct lb_poolview pv = {0};
	int rc = lb_snap_catalog_lock(x->dir, &lock, err);
	if (rc)
		return rc;
	if ((rc = lb_snap_catalog_load(x->dir, x->root->pool_name, &cat, err))) {
		lb_snap_catalog_unlock(&lock);
		return rc;
	}
	memset(rec, 0, sizeof(*rec));
	const char *cname = x->v.name + (x->v.name[0] == '/');
	const struct lb_snap_record *same;
	lb_stream_uuid_format(last->uuid, rec->uuid);
	if ((same = lb_snap_catalog_find_uuid(&cat, rec->uuid))) {
		rc = lb_fail(err, LB_EUSAGE,
			     "%s's snapshot (uuid %s) is in this pool already, as %s", last->name,
			     rec->uuid, same->name);
		goto out;
	}
	if (name) {
		if (!lb_snap_name_valid(name)) {
			rc = lb_fail(err, LB_EUSAGE,
				     "'%s': a snapshot name is 1-64 of [A-Za-z0-9_.-], not starting "
				     "with '.' or '-'",
				     name);
			goto out;
		}
		if ((same = lb_snap_catalog_find_name(&cat, name))) {
			rc = lb_fail(err, LB_EUSAGE, "a snapshot named %s exists already%s", name,
				     same->state == LB_SNAP_IMPORTING
					     ? " (an import that did not finish: lifeboat snapshot rm "
					       "removes it)"
					     : "");
			goto out;
		}
		snprintf(rec->name, sizeof(rec->name), "%s", name);
	} else if ((rc = lb_snap_default_name(&cat, cname, last->created_unix, rec->name, err))) {
		goto out;
	}
	snprintf(rec->container, sizeof(rec->container), "%s", cname);
	snprintf(rec->container_id, sizeof(rec->container_id), "%s", x->v.id);
	snprintf(rec->origin_hash, sizeof(rec->origin_hash), "%s", x->v.device_hash);
	rec->origin_device_id = x->v.device_id;
	rec->size_bytes = last->size_bytes;
	rec->created_unix = last->created_unix;
	rec->state = LB_SNAP_IMPORTING;
	if ((rc = lb_poolview_read_live(&x->pool, &pv, err)))
		goto out;
	if (lb_poolview_resolve_pending(&pv, &cat) && (rc = lb_snap_catalog_store(x->dir, &cat, err)))
		goto out;
	if ((rc = lb_poolview_pick_id(x->root, &pv, &cat, &rec->device_id, err)) ||
	    (rc = lb_snap_catalog_add(&cat, rec, err)))
		goto out;
	rc = lb_snap_catalog_store(x->dir, &cat, err);
out:
	lb_poolview_free(&pv);
	lb_snap_catalog_free(&cat);
	lb_snap_catalog_unlock(&lock);
	return rc;
}

/* Under the catalog's lock again: the record made ready, or dropped. */
static int settle_record(struct import_ctx *x, const char *name, bool ready, struct lb_err *err)
{
	struct lb_snap_lock lock = {.fd = -1};
	struct lb_snap_catalog cat;
	int rc = lb_snap_catalog_lock(x->dir, &lock, err);
	if (rc)
		return rc;
	if (!(rc = lb_snap_catalog_load(x->dir, x->root->pool_name, &cat, err))) {
		rc = ready ? lb_snap_catalog_mark_ready(&cat, name, 0, err)
			   : lb_snap_catalog_remove(&cat, name, err);
		if (!rc)
			rc = lb_snap_catalog_store(x->dir, &cat, err);
		lb_snap_catalog_free(&cat);
	}
	lb_snap_catalog_unlock(&lock);
	return rc;
}

/* create_thin, and a device on it to write through. Signals wait meanwhile,
 * so a Ctrl-C cannot leave a thin device without the record naming it. */
static int make_device(struct import_ctx *x, const struct lb_snap_record *rec, struct lb_err *err)
{
	char msg[48], uuid[96];
	struct lb_dm_target table;
	struct lb_dm_info info;
	snprintf(msg, sizeof(msg), "create_thin %" PRIu32, rec->device_id);
	snprintf(x->dm_name, sizeof(x->dm_name), LB_SNAP_IMPORT_DM_PREFIX "%" PRIu32,
		 rec->device_id);
	snprintf(uuid, sizeof(uuid), LB_DM_UUID_PREFIX "IMPORT-%" PRIu32 ":%" PRIu32 "-%" PRIu32,
		 x->pool.info.major, x->pool.info.minor, rec->device_id);
	int rc = lb_thin_table(x->pool.info.major, x->pool.info.minor, rec->device_id,
			       rec->size_bytes, &table, err);
	if (rc || (rc = lb_livepool_message(&x->pool, msg, err)))
		return rc;
	x->thin_made = true;
	if ((rc = lb_dm_create(x->dm_name, uuid, false, &table, 1, &info, err)))
		return rc;
	x->dm_made = true;
	return LB_OK;
}

static int write_streams(struct import_ctx *x, const struct lb_snap_record *rec,
			 const char *const *files, size_t n, struct lb_stream_result *results,
			 struct lb_err *err)
{
	char path[96];
	snprintf(path, sizeof(path), "/dev/mapper/%s", x->dm_name);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot open", path);
	int rc = lb_import_streams_to_device(files, n, fd, path, rec->size_bytes, results, err);
	if (!rc && fsync(fd) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot flush", path);
	close(fd);
	return rc;
}

/* Takes the device and the thin id away again after a failure. */
static void undo_device(struct import_ctx *x, const struct lb_snap_record *rec)
{
	struct lb_err e = {0};
	if (x->dm_made && !lb_dm_remove(x->dm_name, &e))
		x->dm_made = false;
	if (x->thin_made && !x->dm_made) {
		char msg[48];
		snprintf(msg, sizeof(msg), "delete %" PRIu32, rec->device_id);
		if (!lb_livepool_message(&x->pool, msg, &e))
			x->thin_made = false;
	}
}

static int check_target(struct import_ctx *x, const struct lb_docker_container *ct,
			const struct lb_stream_header *last, const char *last_file,
			struct lb_err *err)
{
	lb_docker_view_of(x->root, ct, &x->v);
	int rc = lb_docker_view_require_device(&x->v, "no import", err);
	if (rc)
		return rc;
	if (x->v.deleted)
		return lb_fail(err, LB_EUNSAFE, "%s: Docker marked its device deleted", x->v.id);
	if (last->size_bytes != x->v.size_bytes)
		return lb_fail(err, LB_EUNSAFE,
			       "%s is a device of %" PRIu64 " bytes, but %s's device is %" PRIu64
			       " bytes: a rollback could not use it",
			       last_file, last->size_bytes, x->v.name + (x->v.name[0] == '/'),
			       x->v.size_bytes);
	return LB_OK;
}

int lb_snapshot_import_into(const struct lb_snapshot_target *t, const char *container,
			    const char *name, const char *const *files, size_t n,
			    struct lb_stream_result *results, struct lb_snapshot_import_result *res,
			    struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	if (n == 0)
		return lb_fail(err, LB_EUSAGE, "no export stream to import");
	struct import_ctx x = {.t = t};
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_stream_header *headers = calloc(n, sizeof(*headers));
	if (!headers)
		return lb_fail(err, LB_EFAIL, "out of memory");
	int rc = lb_import_read_headers(files, n, headers, err);
	if (rc || (rc = lb_docker_root_load(&ropts, &x.root, err))) {
		free(headers);
		return rc;
	}
	const struct lb_stream_header *last = &headers[n - 1];
	const struct lb_docker_container *ct;
	sigset_t old;
	if ((rc = lb_docker_resolve(x.root, container, &ct, err)) ||
	    (rc = check_target(&x, ct, last, files[n - 1], err)))
		goto out_root;
	res->dockerd_live = lb_docker_dockerd_on(x.root) > 0;
	if ((rc = lb_snap_catalog_dir(x.root->driver_home, x.dir, err)))
		goto out_root;
	lb_livepool_block_signals(&old);
	rc = lb_livepool_open(x.root, !res->dockerd_live, t->say, t->say_ctx, &x.pool, err);
	lb_livepool_restore_signals(&old);
	if (rc)
		goto out_root;
	x.pool_open = true;
	res->pool_activated = x.pool.activated;
	const uint64_t pool_block = (uint64_t)x.pool.block_size_sectors * 512;
	if (!pool_block || last->block_bytes % pool_block) {
		/* A stream block that covers part of a pool block would leave the
		 * rest of that block as the pool found it (no zeroing). */
		rc = lb_fail(err, LB_EUNSAFE,
			     "%s has %u-byte blocks, not a multiple of pool %s's %" PRIu64
			     "-byte blocks",
			     files[n - 1], last->block_bytes, x.pool.name, pool_block);
		goto out_pool;
	}
	if ((rc = take_record(&x, name, last, &res->rec, err)))
		goto out_pool;
	lb_livepool_block_signals(&old);
	rc = make_device(&x, &res->rec, err);
	lb_livepool_restore_signals(&old);
	if (!rc)
		rc = write_streams(&x, &res->rec, files, n, results, err);
	lb_livepool_block_signals(&old);
	if (!rc) {
		if (!(rc = lb_dm_remove(x.dm_name, err)))
			x.dm_made = false;
	}
	if (!rc) {
		if ((rc = settle_record(&x, res->rec.name, true, err)))
			lb_err_wrap(err, "snapshot %s imported (device %" PRIu32 "); its record "
					 "stays importing",
				    res->rec.name, res->rec.device_id);
		else
			res->rec.state = LB_SNAP_READY;
	} else {
		undo_device(&x, &res->rec);
		struct lb_err e2 = {0};
		if (x.dm_made || x.thin_made || settle_record(&x, res->rec.name, false, &e2))
			lb_err_wrap(err, "the import is left as snapshot %s (state importing); "
					 "lifeboat snapshot rm %s removes it",
				    res->rec.name, res->rec.name);
	}
	lb_livepool_restore_signals(&old);
out_pool:;
	struct lb_err e3 = {0};
	int rc3 = lb_livepool_close(&x.pool, rc ? &e3 : err);
	if (!rc)
		rc = rc3;
out_root:
	snprintf(res->pool, sizeof(res->pool), "%.127s", x.root->pool_name);
	lb_docker_root_free(x.root);
	free(headers);
	return rc;
}
