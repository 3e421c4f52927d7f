/* The plan of `lifeboat snapshot prune`: which of the catalog's snapshots go
 * and which stay, and why, by the retention rules (retention.h) applied to
 * each container's snapshots on its own (grouped by container name: a
 * container recreated under its name keeps one history). Pure: the device
 * side removes what the plan says, under the catalog lock.
 *
 * Pending records are never removed and never take a count: their device may
 * or may not exist, and the device side resolves them first. They are listed
 * as kept with `pending` set. */
#ifndef LIFEBOAT_SNAPSHOT_PRUNE_PLAN_H
#define LIFEBOAT_SNAPSHOT_PRUNE_PLAN_H

#include "snapshot/catalog.h"
#include "snapshot/retention.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct lb_prune_entry {
	const struct lb_snap_record *rec; /* points into the catalog */
	unsigned reasons;                 /* enum lb_retain_reason bits; 0 in `remove` */
	bool pending;                     /* kept because it is pending */
};

struct lb_prune_plan {
	struct lb_prune_entry *keep;      /* catalog order (oldest first) */
	size_t n_keep;
	struct lb_prune_entry *remove;    /* catalog order (oldest first) */
	size_t n_remove;
};

/* `container` (NULL: all) keeps the plan to the records whose container name
 * or full container id equals it; the others are in neither list. A policy
 * with every rule off is LB_EUSAGE ("no --keep-* rule"): a prune that
 * removes nothing by design is a mistake. Release with lb_prune_plan_free;
 * the plan's pointers live as long as the catalog is not edited. */
int lb_prune_plan_make(const struct lb_snap_catalog *cat, const struct lb_retain_policy *p,
		       const char *container, struct lb_prune_plan *out, struct lb_err *err);

void lb_prune_plan_free(struct lb_prune_plan *plan);

#endif
