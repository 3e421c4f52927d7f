#include "snapshot/prune_plan.h"

#include <stdlib.h>
#include <string.h>

static bool selected(const struct lb_snap_record *r, const char *container)
{
	return !container || !strcmp(r->container, container) || !strcmp(r->container_id, container);
}

int lb_prune_plan_make(const struct lb_snap_catalog *cat, const struct lb_retain_policy *p,
		       const char *container, struct lb_prune_plan *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = lb_retain_policy_check(p, err);
	if (rc)
		return rc;
	if (lb_retain_policy_empty(p))
		return lb_fail(err, LB_EUSAGE,
			       "no --keep-* rule: give at least one (--keep-last, --keep-hourly, "
			       "--keep-daily, --keep-weekly, --keep-monthly, --keep-yearly)");
	size_t n = cat->n_records;
	struct lb_retain_item *items = calloc(n ? n : 1, sizeof(*items));
	out->keep = calloc(n ? n : 1, sizeof(*out->keep));
	out->remove = calloc(n ? n : 1, sizeof(*out->remove));
	if (!items || !out->keep || !out->remove) {
		rc = lb_fail(err, LB_EFAIL, "%s: prune plan: out of memory", cat->pool);
		goto out;
	}
	/* Only ready records take part: a pending one is its device side's.
	 * Newest first: retention keeps input order among equal times, and of
	 * two snapshots taken in one second the catalog puts the later one
	 * (its name has the "-2") after the earlier. */
	size_t n_items = 0;
	for (size_t i = n; i-- > 0;) {
		const struct lb_snap_record *r = &cat->records[i];
		if (!selected(r, container) || r->state != LB_SNAP_READY)
			continue;
		items[n_items++] = (struct lb_retain_item){
			.name = r->name, .group = r->container, .created_unix = r->created_unix};
	}
	if ((rc = lb_retain_apply(p, items, n_items, err)))
		goto out;
	/* Walk the catalog again so both lists come out in its order. */
	size_t it = 0;
	for (size_t i = 0; i < n; i++) {
		const struct lb_snap_record *r = &cat->records[i];
		if (!selected(r, container))
			continue;
		if (r->state != LB_SNAP_READY) {
			out->keep[out->n_keep++] = (struct lb_prune_entry){.rec = r, .pending = true};
			continue;
		}
		const struct lb_retain_item *item = &items[n_items - 1 - it++];
		if (item->keep)
			out->keep[out->n_keep++] =
				(struct lb_prune_entry){.rec = r, .reasons = item->reasons};
		else
			out->remove[out->n_remove++] = (struct lb_prune_entry){.rec = r};
	}
out:
	free(items);
	if (rc)
		lb_prune_plan_free(out);
	return rc;
}

void lb_prune_plan_free(struct lb_prune_plan *plan)
{
	free(plan->keep);
	free(plan->remove);
	memset(plan, 0, sizeof(*plan));
}
