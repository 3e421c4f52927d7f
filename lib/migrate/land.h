/* lifeboat migrate land: every container of an evacuation plan restored on
 * a target engine (migrate/restore.h). Idempotent: a container that exists
 * with the plan's image digest is skipped, so landing twice gives the same
 * containers; one of that name with another image is a clash, refused for
 * that container and never overwritten (unless replace). */
#ifndef LIFEBOAT_MIGRATE_LAND_H
#define LIFEBOAT_MIGRATE_LAND_H

#include "migrate/restore.h"

struct lb_land_opts {
	const char *plan_path;
	const char *host;
	struct lb_connect_opts conn;
	bool start_running; /* start those that were running on the source */
	bool replace;
	lb_restore_say_fn say;
	void *say_ctx;
	/* One call per container: its result, or the error that stopped it. */
	void (*report)(void *ctx, const char *name, const struct lb_restore_result *r,
		       const struct lb_err *failed);
	void *report_ctx;
};

struct lb_land_summary {
	unsigned created, skipped, failed, clashes;
};

/* LB_OK when every container is there; LB_EUNSAFE when the only failures
 * are name clashes; LB_EFAIL otherwise; LB_EINTEGRITY for a corrupt or newer
 * plan (nothing is landed then); the engine's own error when it cannot be
 * reached or is too old (checked once, before anything is created). */
int lb_migrate_land(const struct lb_land_opts *o, struct lb_land_summary *sum, struct lb_err *err);

#endif
