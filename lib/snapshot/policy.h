/* The policy file of `lifeboat snapshot run --policy FILE`: which containers
 * to snapshot, what to keep, where to export. JSON, documented with an
 * example in docs/snapshot-policy.md:
 *
 *   {"version": 1,
 *    "containers": ["web", "db"],            or "all" (every container with a device)
 *    "keep": {"last": 24, "hourly": 48, "daily": 14, "weekly": 8,
 *             "monthly": 12, "yearly": 3},    optional; absent: never prune
 *    "export": {"dir": "/backup/lifeboat",   optional; absent: no export
 *               "full_every": 7,             a full export every Nth, else incremental
 *               "compress_level": 3}}        zstd level 1..19
 *
 * Strict: unknown keys, wrong types, values out of range are LB_EUSAGE with
 * the file and the field path ("policy.json: keep.daily: ..."). A file over
 * LB_SNAP_POLICY_MAX_BYTES or of another version is refused too. */
#ifndef LIFEBOAT_SNAPSHOT_POLICY_H
#define LIFEBOAT_SNAPSHOT_POLICY_H

#include "snapshot/catalog.h"
#include "snapshot/retention.h"
#include "util/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define LB_SNAP_POLICY_VERSION 1
#define LB_SNAP_POLICY_MAX_BYTES (64u * 1024)
#define LB_SNAP_POLICY_MAX_CONTAINERS 1000u
#define LB_SNAP_POLICY_DEFAULT_FULL_EVERY 7u
#define LB_SNAP_POLICY_MAX_FULL_EVERY 1000u
#define LB_SNAP_POLICY_DEFAULT_LEVEL 3
#define LB_SNAP_POLICY_MAX_LEVEL 19

struct lb_snap_policy {
	bool all_containers; /* "containers": "all" */
	/* Else the names (or full ids) as written, each unique and a name
	 * Docker allows (no leading '/'): 1..LB_SNAP_POLICY_MAX_CONTAINERS. */
	char (*containers)[LB_SNAP_CONTAINER_MAX + 1];
	size_t n_containers;

	bool has_keep;       /* false: `run` does not prune */
	struct lb_retain_policy keep; /* counts >= 0 (no "all" in a file), at least one > 0 */

	bool has_export;     /* false: `run` does not export */
	char export_dir[PATH_MAX];    /* absolute, no "." or ".." component */
	unsigned full_every;          /* 1..LB_SNAP_POLICY_MAX_FULL_EVERY; 1 = always full */
	int compress_level;           /* 1..LB_SNAP_POLICY_MAX_LEVEL */
};

/* Parses the file's text; `origin` names it. Release with lb_snap_policy_free. */
int lb_snap_policy_parse(const char *text, size_t len, const char *origin,
			 struct lb_snap_policy *out, struct lb_err *err);

/* Reads and parses `path` (an operator's file: links are followed). Missing:
 * LB_ENOTFOUND. */
int lb_snap_policy_load(const char *path, struct lb_snap_policy *out, struct lb_err *err);

void lb_snap_policy_free(struct lb_snap_policy *p);

#endif
