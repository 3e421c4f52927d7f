/* lifeboat migrate land (see land.h). */
#include "migrate/land.h"
#include "engine/engine.h"
#include "migrate/evacuate.h"
#include "migrate/plan.h"

#include <stdio.h>
#include <string.h>

int lb_migrate_land(const struct lb_land_opts *o, struct lb_land_summary *sum, struct lb_err *err)
{
	memset(sum, 0, sizeof(*sum));
	struct lb_plan plan = {0};
	int rc = lb_plan_load(o->plan_path, &plan, err);
	if (rc)
		return rc;
	/* The engine once, before anything: unreachable or too old stops it all. */
	struct lb_engine *probe = NULL;
	if ((rc = lb_engine_open(o->host, &probe, err))) {
		lb_plan_free(&plan);
		return rc;
	}
	lb_engine_close(probe);
	for (size_t i = 0; i < plan.n_entries; i++) {
		const struct lb_plan_entry *e = &plan.entries[i];
		struct lb_err one = {0};
		struct lb_restore_result r = {0};
		if (e->status != LB_PLAN_PUSHED) {
			lb_fail(&one, LB_EFAIL, "%s: not evacuated (status %s%s%s): run the evacuation "
						"again first",
				e->name, lb_plan_status_name(e->status), e->error[0] ? ": " : "",
				e->error);
			sum->failed++;
			if (o->report)
				o->report(o->report_ctx, e->name, NULL, &one);
			continue;
		}
		struct lb_restore_opts ro = {.source = e->ref, .name = e->name, .host = o->host,
					     .want_digest = e->digest,
					     .start_if_running = o->start_running,
					     .replace = o->replace, .skip_same = true,
					     .conn = o->conn, .say = o->say, .say_ctx = o->say_ctx};
		int rrc = lb_migrate_restore(&ro, &r, &one);
		if (rrc == LB_EUNSAFE)
			sum->clashes++;
		if (rrc)
			sum->failed++;
		else if (r.skipped)
			sum->skipped++;
		else
			sum->created++;
		if (o->report)
			o->report(o->report_ctx, e->name, rrc ? NULL : &r, rrc ? &one : NULL);
		lb_restore_result_free(&r);
	}
	lb_plan_free(&plan);
	if (sum->failed)
		return lb_fail(err, sum->failed == sum->clashes ? LB_EUNSAFE : LB_EFAIL,
			       "%u of %u container(s) not landed", sum->failed,
			       sum->failed + sum->created + sum->skipped);
	return LB_OK;
}
