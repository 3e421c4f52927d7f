/* lifeboat migrate evacuate: every chosen container of a host committed and
 * pushed (migrate/push.h) with its spec and, when asked, its named volumes'
 * data, up to --jobs at a time (a pipeline: commits one at a time, pushes
 * one at a time, a commit beside a push); the plan (migrate/plan.h)
 * rewritten atomically after each step, so a rerun after kill -9 or a reboot goes on where it
 * stopped: a pushed container is skipped, a half-pushed one reuses its
 * staged image and its upload journal (no blob sent twice). One evacuation
 * per plan at a time (a lock beside it). */
#ifndef LIFEBOAT_MIGRATE_EVACUATE_H
#define LIFEBOAT_MIGRATE_EVACUATE_H

#include "migrate/commit.h"
#include "migrate/plan.h"
#include "registry/connect.h"
#include "util/error.h"

#include <stdbool.h>

#define LB_EVACUATE_TAG "evacuated"

struct lb_evacuate_opts {
	const char *data_root, *daemon_json;
	const char *const *names; /* containers by name or id; with all, ignored */
	size_t n_names;
	bool all;
	const char *to;        /* REGISTRY/PREFIX: images go to TO/<name>:evacuated */
	const char *plan_path;
	bool with_volumes;
	unsigned jobs;         /* containers at once (default 1); commits never overlap */
	struct lb_connect_opts conn;
	struct lb_commit_opts commit; /* compress, manifest, no_replay, threads, say */
	const char *staging_root;     /* NULL: the push's default */
	/* One line per container as it ends (status, and what happened). */
	void (*report)(void *ctx, const struct lb_plan_entry *e, const char *what);
	void *report_ctx;
};

struct lb_evacuate_summary {
	unsigned pushed, skipped, failed;
};

/* LB_OK when every chosen container is pushed; LB_EFAIL if any failed (the
 * others are done, the plan says which and why); LB_EINTEGRITY for a plan
 * that is corrupt or newer; LB_EUNSAFE when another evacuation holds it. */
int lb_migrate_evacuate(const struct lb_evacuate_opts *o, struct lb_evacuate_summary *sum,
			struct lb_err *err);

/* Reads and parses a plan file (LB_ENOTFOUND when there is none). */
int lb_plan_load(const char *path, struct lb_plan *plan, struct lb_err *err);

#endif
