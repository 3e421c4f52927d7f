/* The decisions of evacuate's rerun and of land, apart from their I/O. */
#include "migrate/plan.h"

#include <string.h>

enum lb_evacuate_step lb_plan_evacuate_step(const struct lb_plan_entry *entry)
{
	switch (entry->status) {
	case LB_PLAN_PUSHED: return LB_EVACUATE_SKIP;
	case LB_PLAN_COMMITTED: return LB_EVACUATE_PUSH;
	default: return LB_EVACUATE_COMMIT_AND_PUSH;
	}
}

enum lb_land_step lb_plan_land_step(const struct lb_plan_entry *entry,
				    const struct lb_land_existing *existing, bool replace)
{
	if (entry->status != LB_PLAN_PUSHED)
		return LB_LAND_NOT_PUSHED;
	if (!existing->exists)
		return LB_LAND_CREATE;
	/* An unknown digest is not "the same": only a match proves a landing. */
	if (existing->image_digest && !strcmp(existing->image_digest, entry->digest))
		return LB_LAND_SKIP_SAME;
	return replace ? LB_LAND_REPLACE : LB_LAND_REFUSE_CLASH;
}
