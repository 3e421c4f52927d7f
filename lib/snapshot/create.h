/* Taking, listing and removing lifeboat's thin snapshots of containers, in
 * Docker's own pool, beside a live dockerd or with dockerd stopped.
 *
 * create: the container's thin device is suspended (which freezes its
 * filesystem) only if it is active, the pool is sent create_snap, and the
 * device is resumed; the freeze is measured. The new id comes from the top
 * of the 24-bit space (idalloc.h), free in the pool (read through a held
 * metadata snapshot), in Docker's device files and in the catalog. The
 * catalog record is written "pending" before create_snap and "ready" after,
 * under the catalog's lock; a record left pending by a killed lifeboat is
 * resolved by the next create, ls or rm against the pool (its device exists:
 * ready; it does not: dropped). SIGINT, SIGTERM, SIGHUP wait until the pool
 * and the device are as they were before (blocked for that short time).
 *
 * Never set_transaction_id; never an id dockerd may allocate. */
#ifndef LIFEBOAT_SNAPSHOT_CREATE_H
#define LIFEBOAT_SNAPSHOT_CREATE_H

#include "snapshot/catalog.h"
#include "snapshot/livepool.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct lb_snapshot_target {
	const char *data_root;   /* NULL: /var/lib/docker */
	const char *daemon_json; /* NULL: /etc/docker/daemon.json */
	lb_livepool_say_fn say;  /* operator lines; may be NULL */
	void *say_ctx;
};

struct lb_snapshot_create_result {
	struct lb_snap_record rec;
	char pool[LB_SNAP_POOL_MAX + 1];
	bool dockerd_live;
	bool origin_active; /* the container's device was active: suspended for the snapshot */
	bool pool_activated;
};

/* name NULL: <container>-<UTC time>. */
int lb_snapshot_create(const struct lb_snapshot_target *t, const char *container, const char *name,
		       struct lb_snapshot_create_result *res, struct lb_err *err);

/* One row of `snapshot ls`: the record, and what the pool maps for it now. */
struct lb_snapshot_row {
	struct lb_snap_record rec;
	bool in_pool;          /* the device exists (pending records: unknown if false) */
	uint64_t mapped_bytes; /* valid if in_pool */
};

struct lb_snapshot_list {
	char pool[LB_SNAP_POOL_MAX + 1];
	uint32_t block_size_sectors;
	struct lb_snapshot_row *rows;
	size_t n_rows;
	bool pool_read; /* the pool's metadata could be read for in_pool/mapped */
	struct lb_err pool_err;
};

/* container NULL: all. Reads the catalog, and the pool's metadata: through
 * a held metadata snapshot when the pool is active, else from the metadata
 * file. Resolves pending records only when it can take the catalog's lock
 * and the pool is active. */
int lb_snapshot_list(const struct lb_snapshot_target *t, const char *container,
		     struct lb_snapshot_list *out, struct lb_err *err);
void lb_snapshot_list_free(struct lb_snapshot_list *l);

/* Deletes the snapshot's thin device from the pool, then its record.
 * An active device (mounted by a rescue) is LB_EUNSAFE. A record whose
 * device is gone already is just dropped. */
int lb_snapshot_remove(const struct lb_snapshot_target *t, const char *name,
		       struct lb_snap_record *removed, struct lb_err *err);

#endif
