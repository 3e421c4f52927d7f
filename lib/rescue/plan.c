/* recover mount's policy: see plan.h. */
#include "rescue/plan.h"

#include "image/device_size.h"
#include "snapshot/lookup.h"
#include "thinmeta/thinmeta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lb_rescue_by_id_name(const struct lb_rescue_request *req, char *out, size_t cap)
{
	if (req->snapshot)
		snprintf(out, cap, "snap-%s", req->snapshot);
	else
		snprintf(out, cap, "device-%llu", (unsigned long long)req->device_id);
}

int lb_rescue_view_check(const struct lb_docker_view *v, bool force, struct lb_err *err)
{
	/* A corrupt config.v2.json does not stop a rescue by id; one that
	 * parses with a name Docker never gives is no file of Docker's, and
	 * nothing is activated for it. */
	if (v->name_rejected)
		return lb_fail(err, LB_EINTEGRITY, "%s: refused, nothing activated: %s", v->id,
			       v->error ? v->error->msg : "invalid name");
	if (!lb_docker_view_has_device(v))
		return lb_fail(err, v->code ? v->code : LB_ENOTFOUND,
			       "%s: no usable device record%s%s", v->id, v->error ? ": " : "",
			       v->error ? v->error->msg : "");
	if (v->deleted && !force)
		return lb_fail(err, LB_EUNSAFE,
			       "%s (%s): Docker marked device %u deleted; --force mounts it anyway",
			       v->name + (v->name[0] == '/'), v->device_hash, v->device_id);
	return LB_OK;
}

int lb_rescue_plan_fill(const struct lb_docker_root *root, const struct lb_docker_view *v,
			const struct lb_rescue_request *req, struct lb_rescue_plan *plan,
			struct lb_err *err)
{
	*plan = (struct lb_rescue_plan){
		.container_id = v->id,
		.container_name = v->name + (v->name[0] == '/'),
		.pool_name = req->pool_dev ? req->pool_dev : root->pool_name,
		.thin_name = v->device_name,
		.device_id = v->device_id,
		.size_bytes = v->size_bytes,
		.mount_dir = req->mount_dir,
		.replay_log = req->replay_log,
		.replay_cow = req->replay_cow,
		.cow_dir = req->cow_dir,
	};
	if (req->pool_dev || root->pool_kind != LB_DM_POOL_LOOPBACK)
		return LB_OK;
	if (!root->data_file.exists || !root->metadata_file.exists)
		return lb_fail(err, LB_ENOTFOUND, "%s: missing (the pool's %s file)",
			       root->data_file.exists ? root->metadata_file.path : root->data_file.path,
			       root->data_file.exists ? "metadata" : "data");
	plan->data_path = root->data_file.path;
	plan->metadata_path = root->metadata_file.path;
	return LB_OK;
}

/* The view --device-id mounts: the pool's device `id`, its size read from
 * the pool files in userspace (lib/image/device_size), the dm name
 * "<pool prefix>-device-<id>". Loop-lvm pools only: their metadata is a file
 * lifeboat can read before activating anything. */
static int view_of_device_id(const struct lb_docker_root *root, uint64_t id, const char *name,
			     struct lb_docker_view *v, struct lb_err *err)
{
	memset(v, 0, sizeof(*v));
	if (root->pool_kind != LB_DM_POOL_LOOPBACK || !root->data_file.exists ||
	    !root->metadata_file.exists)
		return lb_fail(err, LB_EUSAGE,
			       "--device-id: %s is not a loop-lvm pool with its files under %s "
			       "(use recover image --device-id with --data and --metadata)",
			       root->pool_name, root->driver_home);
	struct lb_thinmeta *meta;
	int rc = lb_thinmeta_open(root->metadata_file.path, &meta, err);
	if (rc)
		return rc;
	int data_fd = open(root->data_file.path, O_RDONLY | O_CLOEXEC);
	if (data_fd < 0) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open pool data",
				   root->data_file.path);
	} else {
		struct lb_device_size ds;
		rc = lb_device_size_guess(meta, data_fd, root->data_file.path, id, &ds, err);
		close(data_fd);
		v->size_bytes = ds.size_bytes;
	}
	lb_thinmeta_close(meta);
	if (rc)
		return rc;
	v->id = name;
	v->name = name;
	v->device_hash = name;
	v->device_ok = true;
	v->device_id = (uint32_t)id;
	int n = snprintf(v->device_name, sizeof(v->device_name), "%.64s-%.24s", root->prefix, name);
	if (n < 0 || (size_t)n >= sizeof(v->device_name))
		return lb_fail(err, LB_EUSAGE, "%s: pool name prefix too long", root->prefix);
	return LB_OK;
}

/* The view of what the operator named. */
static int find_view(const struct lb_rescue_request *req, struct lb_rescue_target *t,
		     struct lb_err *err)
{
	if (!req->by_device_id && !req->snapshot) {
		const struct lb_docker_container *ct;
		int rc = lb_docker_resolve(t->root, req->container, &ct, err);
		if (!rc)
			lb_docker_view_of(t->root, ct, &t->view);
		return rc;
	}
	/* No Docker record: the device alone, named after its id (or the
	 * snapshot's name, its id from lifeboat's catalog). */
	uint64_t device_id = req->device_id;
	if (req->snapshot) {
		struct lb_snap_record snap;
		int rc = lb_snapshot_lookup(t->root, req->snapshot, &snap, err);
		if (rc)
			return rc;
		device_id = snap.device_id;
	}
	return view_of_device_id(t->root, device_id, t->by_id_name, &t->view, err);
}

/* The block size, and the device's presence, from the pool's own metadata:
 * a device the pool lacks is not worth activating. */
static int read_pool_metadata(struct lb_rescue_target *t, struct lb_err *err)
{
	struct lb_thinmeta *meta;
	int rc = lb_thinmeta_open(t->plan.metadata_path, &meta, err);
	if (rc)
		return rc;
	t->plan.data_block_size_sectors = lb_thinmeta_superblock(meta)->data_block_size_sectors;
	struct lb_thin_device td;
	if ((rc = lb_thinmeta_find_device(meta, t->view.device_id, &td, err)))
		lb_err_wrap(err, "%s: device %u", t->plan.container_name, t->view.device_id);
	lb_thinmeta_close(meta);
	return rc;
}

int lb_rescue_plan_for(const struct lb_rescue_request *req, struct lb_rescue_target *t,
		       struct lb_err *err)
{
	memset(t, 0, sizeof(*t));
	bool by_id = req->by_device_id || req->snapshot;
	lb_rescue_by_id_name(req, t->by_id_name, sizeof(t->by_id_name));
	t->query = by_id ? t->by_id_name : req->container;
	struct lb_docker_root_opts ropts = {.data_root = req->data_root,
					    .daemon_json = req->daemon_json};
	int rc = lb_docker_root_load(&ropts, &t->root, err);
	if (!rc)
		rc = find_view(req, t, err);
	if (!rc)
		rc = lb_rescue_view_check(&t->view, req->force, err);
	if (!rc && !lb_dm_available(err)) {
		rc = err ? err->code : LB_EFAIL;
		lb_err_wrap(err, "cannot activate devices (try 'lifeboat recover image %s -o FILE')",
			    t->query);
	}
	if (!rc)
		rc = lb_rescue_plan_fill(t->root, &t->view, req, &t->plan, err);
	if (!rc && t->plan.metadata_path)
		rc = read_pool_metadata(t, err);
	if (rc)
		lb_rescue_target_free(t);
	return rc;
}

void lb_rescue_target_free(struct lb_rescue_target *t)
{
	lb_docker_root_free(t->root);
	t->root = NULL;
}
