/* recover mount's policy: from what the operator named (a container, a
 * thin device id or a snapshot) to a rescue plan lb_rescue_mount carries
 * out. Docker's files (lib/docker), lifeboat's snapshot catalog and the
 * pool's metadata (lib/thinmeta) are read; nothing is activated.
 *
 * The checks and the plan itself are pure (lb_rescue_view_check,
 * lb_rescue_plan_fill); lb_rescue_plan_for strings them with the reads. */
#ifndef LIFEBOAT_RESCUE_PLAN_H
#define LIFEBOAT_RESCUE_PLAN_H

#include "docker/dataroot.h"
#include "rescue/session.h"

#include <stdbool.h>
#include <stdint.h>

struct lb_rescue_request {
	const char *data_root;   /* --root; NULL: Docker's default */
	const char *daemon_json; /* NULL: /etc/docker/daemon.json */
	const char *container;   /* name, id or unique prefix; unused by id */
	bool by_device_id;       /* --device-id: device_id, no Docker record */
	uint64_t device_id;
	const char *snapshot;    /* --snapshot NAME (a valid name), or NULL */
	const char *pool_dev;    /* --pool-dev, or NULL: Docker's pool name */
	const char *mount_dir;   /* canonical, or NULL: LB_MNT_DIR/<name> */
	bool replay_log, replay_cow, force;
	const char *cow_dir;     /* canonical, or NULL */
};

/* The plan and what it points into; released with lb_rescue_target_free. */
struct lb_rescue_target {
	struct lb_docker_root *root;
	struct lb_docker_view view;
	char by_id_name[96];     /* "device-<id>" or "snap-<name>" when not a container */
	const char *query;       /* what the operator named, for messages */
	struct lb_rescue_plan plan;
};

/* Pure: the name a device mounted by id goes by ("snap-<name>" for a
 * snapshot, else "device-<id>"). */
void lb_rescue_by_id_name(const struct lb_rescue_request *req, char *out, size_t cap);

/* Pure: whether the view may be activated and mounted: a name Docker gives
 * (else LB_EINTEGRITY, nothing activated), a usable device record
 * (lb_docker_view_has_device; else the view's code or LB_ENOTFOUND), and
 * not marked deleted unless `force` (LB_EUNSAFE). */
int lb_rescue_view_check(const struct lb_docker_view *v, bool force, struct lb_err *err);

/* Pure: the plan for a checked view. A loop-lvm pool (and no --pool-dev)
 * needs both its files (LB_ENOTFOUND naming the missing one); the block
 * size is left for the pool's metadata to give. Points into root, v, req. */
int lb_rescue_plan_fill(const struct lb_docker_root *root, const struct lb_docker_view *v,
			const struct lb_rescue_request *req, struct lb_rescue_plan *plan,
			struct lb_err *err);

/* Loads the data root, finds the view (by container, device id or
 * snapshot), checks it, asks for device-mapper, and fills the plan; for a
 * loop-lvm pool the block size comes from its metadata, which must have the
 * device. On failure *out holds nothing to free. */
int lb_rescue_plan_for(const struct lb_rescue_request *req, struct lb_rescue_target *out,
		       struct lb_err *err);

void lb_rescue_target_free(struct lb_rescue_target *t);

#endif
