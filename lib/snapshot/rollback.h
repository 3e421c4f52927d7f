/* snapshot rollback: the container's device comes to hold a snapshot's
 * content, with dockerd stopped, and never a moment without a device:
 *
 *   1. a journal (<lifeboat dir>/rollback.json) names the container, the
 *      snapshot, the device's old id and a new id (idalloc.h);
 *   2. the pool makes the new id a snapshot of the snapshot (create_snap), so
 *      the snapshot itself stays as it was;
 *   3. Docker's device file is backed up, then rewritten atomically with the
 *      new id: from here Docker's container is on the snapshot's content;
 *   4. the old device, the container's state before the rollback, is kept
 *      as a snapshot of its own in the catalog (nothing reachable before is
 *      lost), or deleted from the pool with discard_current;
 *   5. the journal goes.
 *
 * A rollback that was killed is finished by running the same command again
 * (each step checks what is done already); another rollback is refused
 * until then. */
#ifndef LIFEBOAT_SNAPSHOT_ROLLBACK_H
#define LIFEBOAT_SNAPSHOT_ROLLBACK_H

#include "snapshot/catalog.h"
#include "snapshot/create.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct lb_snapshot_rollback_result {
	char container[LB_SNAP_CONTAINER_MAX + 1];
	uint32_t old_id, new_id;
	char kept_as[LB_SNAP_NAME_MAX + 1]; /* the old device's snapshot name; "" if deleted */
	char backup[PATH_MAX];              /* the device file's copy */
	bool resumed;                       /* an interrupted rollback was finished */
};

int lb_snapshot_rollback(const struct lb_snapshot_target *t, const char *container,
			 const char *name, bool discard_current,
			 struct lb_snapshot_rollback_result *res, struct lb_err *err);

#endif
