/* snapshot prune: the retention plan (prune_plan.h) carried out, each
 * removal as `snapshot rm` does it (device from the pool, then record). */
#ifndef LIFEBOAT_SNAPSHOT_PRUNE_H
#define LIFEBOAT_SNAPSHOT_PRUNE_H

#include "snapshot/create.h"
#include "snapshot/prune_plan.h"

/* Called for every record of the plan: keep (with reasons) or remove (with
 * the removal's result: 0, or its error). */
typedef void (*lb_prune_report_fn)(void *ctx, const struct lb_snap_record *rec, bool keep,
				   unsigned reasons, bool pending, int rc, const struct lb_err *err);

struct lb_prune_totals {
	size_t kept, removed, failed;
};

/* dry_run: the plan only. The first removal error is returned after every
 * removal was tried. */
int lb_snapshot_prune(const struct lb_snapshot_target *t, const struct lb_retain_policy *p,
		      const char *container, bool dry_run, lb_prune_report_fn report, void *ctx,
		      struct lb_prune_totals *totals, struct lb_err *err);

#endif
