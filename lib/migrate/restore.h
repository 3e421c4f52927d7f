/* lifeboat migrate restore: the container a push carried (migrate/carry.h),
 * rebuilt on a host through its Docker Engine API (engine/engine.h; Docker
 * Engine >= 20.10 or podman's Docker-compatible service):
 *   1. the engine pulls the image (our credentials passed on in
 *      X-Registry-Auth) and its digest is checked;
 *   2. the named volumes are created;
 *   3. the container is created from the carried spec, adapted to the
 *      engine (every setting dropped or changed is reported, with why);
 *   4. each carried volume's tar is put at its mount point before the first
 *      start, so the engine never copies the image's files over it;
 *   5. it is started when asked.
 * Whatever this run created is removed again when a later step fails, so
 * nothing half-created is left. An existing container of that name is
 * LB_EUNSAFE unless replace; with replace the new container is made under a
 * temporary name and only then takes the old one's place. */
#ifndef LIFEBOAT_MIGRATE_RESTORE_H
#define LIFEBOAT_MIGRATE_RESTORE_H

#include "registry/connect.h"
#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>

#define LB_RESTORE_STAGE_ROOT "/var/lib/lifeboat/restore"

typedef void (*lb_restore_say_fn)(void *ctx, const char *line);

struct lb_restore_opts {
	const char *source;     /* [host/]repo[:tag][@digest], or an OCI layout dir
				 * holding the image and its spec (commit --with-spec) */
	const char *name;       /* NULL: the source container's name */
	const char *host;       /* engine: NULL for $DOCKER_HOST or the default socket */
	const char *want_digest; /* land: the plan's image digest, checked; or NULL */
	bool start;             /* start it after creating */
	bool start_if_running;  /* start it if the source was running */
	bool replace;           /* an existing container of that name is replaced */
	bool skip_same;         /* land: same name and same image digest: done already */
	struct lb_connect_opts conn; /* the registry: creds, TLS, as push */
	const char *stage_root; /* NULL: LB_RESTORE_STAGE_ROOT */
	lb_restore_say_fn say;
	void *say_ctx;
};

struct lb_restore_result {
	char name[256];
	char container_id[65];
	char image_ref[1024];
	char image_digest[80];
	char engine[128];     /* "Docker Engine 20.10.24", "Podman Engine 4.3.1" */
	bool skipped;         /* skip_same: there already */
	bool replaced, started;
	unsigned volumes_created, volumes_filled;
	json_t *changes;      /* [{field, action, from, to, why}]: caller decrefs */
	json_t *warnings;     /* engine and spec warnings: strings */
};

int lb_migrate_restore(const struct lb_restore_opts *o, struct lb_restore_result *res,
		       struct lb_err *err);
void lb_restore_result_free(struct lb_restore_result *res);

/* The result as the verbs' --json shows it (new reference). */
json_t *lb_restore_result_json(const struct lb_restore_result *r);

#endif
