/* What create, ls and rm need from a held metadata snapshot: the pool's
 * device ids, and the catalog's pending records resolved against them. */
#ifndef LIFEBOAT_SNAPSHOT_POOLVIEW_H
#define LIFEBOAT_SNAPSHOT_POOLVIEW_H

#include "snapshot/catalog.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lb_poolview {
	uint32_t *ids; /* ascending */
	size_t n_ids;
};

int lb_poolview_load(struct lb_thinmeta *meta, struct lb_poolview *out, struct lb_err *err);

/* The same from a live pool: its metadata snapshot held, read, released
 * (on every path). */
struct lb_livepool;
int lb_poolview_read_live(struct lb_livepool *pool, struct lb_poolview *out, struct lb_err *err);
void lb_poolview_free(struct lb_poolview *v);
bool lb_poolview_has(const struct lb_poolview *v, uint32_t id);

/* Pending records: ready if their device exists, else removed. Returns how
 * many records changed (the caller stores the catalog if any did). */
size_t lb_poolview_resolve_pending(const struct lb_poolview *v, struct lb_snap_catalog *cat);

/* A new thin id (idalloc.h): free in the pool, in Docker's device files
 * (and its transaction in flight) and in the catalog. */
struct lb_docker_root;
int lb_poolview_pick_id(const struct lb_docker_root *root, const struct lb_poolview *v,
			const struct lb_snap_catalog *cat, uint32_t *out, struct lb_err *err);

#endif
