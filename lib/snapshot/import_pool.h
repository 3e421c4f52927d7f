/* snapshot import --into: export streams (a full one and its incrementals)
 * become a new thin device in this host's Docker pool, recorded in the
 * catalog as a snapshot of a container there, so `snapshot rollback` can
 * put it in the container's place and `recover mount --snapshot` opens it.
 * Beside a live dockerd as `snapshot create` is (create_thin and delete
 * only, never set_transaction_id, an id from the top of the 24-bit space);
 * with dockerd stopped a loop-lvm pool is activated for the command.
 *
 *   1. every stream's header is read and the chain checked, and the device
 *      size compared with the container's, before anything is made;
 *   2. the record is stored "importing" (its id taken) and the catalog's
 *      lock let go, so scheduled snapshots are not held up by a long import;
 *   3. create_thin, a device LIFEBOAT-IMPORT-... activated on it, the
 *      streams written (lb_import_streams_to_device), flushed, the device
 *      removed;
 *   4. the record made "ready". A failure deletes the device and the record
 *      (nothing half-written stays); a kill leaves the "importing" record,
 *      which `snapshot rm` removes with its device. */
#ifndef LIFEBOAT_SNAPSHOT_IMPORT_POOL_H
#define LIFEBOAT_SNAPSHOT_IMPORT_POOL_H

#include "snapshot/create.h"
#include "stream/stream.h"

#include <stddef.h>

/* The dm name the import writes through (lifeboat's; `snapshot rm` of an
 * importing record removes it): "lifeboat-import-<device id>". */
#define LB_SNAP_IMPORT_DM_PREFIX "lifeboat-import-"

struct lb_snapshot_import_result {
	struct lb_snap_record rec;
	char pool[LB_SNAP_POOL_MAX + 1];
	bool dockerd_live;
	bool pool_activated;
};

/* name NULL: <container>-<the last stream's creation time>. results: n
 * entries, each stream's header and totals. */
int lb_snapshot_import_into(const struct lb_snapshot_target *t, const char *container,
			    const char *name, const char *const *files, size_t n,
			    struct lb_stream_result *results, struct lb_snapshot_import_result *res,
			    struct lb_err *err);

#endif
