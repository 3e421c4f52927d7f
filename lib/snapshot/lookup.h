/* A snapshot by name, for the verbs that open one (recover mount and
 * image --snapshot, snapshot export): the catalog beside the root's pool. */
#ifndef LIFEBOAT_SNAPSHOT_LOOKUP_H
#define LIFEBOAT_SNAPSHOT_LOOKUP_H

#include "docker/dataroot.h"
#include "snapshot/catalog.h"
#include "util/error.h"

/* LB_ENOTFOUND naming the pool if there is no such snapshot; a pending
 * record is LB_EUNSAFE (its device may not exist). */
int lb_snapshot_lookup(const struct lb_docker_root *root, const char *name,
		       struct lb_snap_record *out, struct lb_err *err);

#endif
