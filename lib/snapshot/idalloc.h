/* Thin device ids for lifeboat's snapshots, chosen so dockerd never meets
 * them. dockerd allocates upward from deviceset-metadata's next_device_id and
 * wraps only at 2^24 (moby deviceset.go); on a collision it logs "Device ID N
 * exists in pool but it is supposed to be unused". So lifeboat takes ids
 * from the top of the 24-bit space downward: the highest id that is free
 * everywhere it could be used. Pure: the caller gathers the sets. */
#ifndef LIFEBOAT_SNAPSHOT_IDALLOC_H
#define LIFEBOAT_SNAPSHOT_IDALLOC_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* The first id tried: 2^24 - 1 (devmeta.h's LB_DM_MAX_DEVICE_ID). */
#define LB_SNAP_ID_TOP 0xffffffu
/* Room left above dockerd's next id, so a busy dockerd does not reach us. */
#define LB_SNAP_ID_MARGIN 1024u

struct lb_snap_id_inputs {
	/* Ids of the thin devices in the pool's metadata (thinmeta.h). */
	const uint32_t *pool_ids;
	size_t n_pool_ids;
	/* Ids named by Docker's device files (lb_docker_root's devices whose
	 * err.code == 0), plus transaction-metadata's device_id: a creation
	 * dockerd may have in flight. */
	const uint32_t *docker_ids;
	size_t n_docker_ids;
	/* Ids in the catalog, pending records included. */
	const uint32_t *catalog_ids;
	size_t n_catalog_ids;
	/* deviceset-metadata's next_device_id; 0 if unknown (absent file). */
	uint32_t docker_next_id;
	/* 0: LB_SNAP_ID_MARGIN. */
	uint32_t margin;
};

/* The highest id <= LB_SNAP_ID_TOP in none of the three sets. dockerd's
 * floor is max(docker_next_id, highest docker id + 1); a chosen id at or
 * below floor + margin is LB_EUNSAFE, saying which ids it found and why.
 * Ids above LB_SNAP_ID_TOP in the inputs cannot collide and are ignored. */
int lb_snap_id_pick(const struct lb_snap_id_inputs *in, uint32_t *out, struct lb_err *err);

#endif
