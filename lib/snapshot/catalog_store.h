/* The catalog on disk, beside the pool in Docker's driver home:
 *
 *   <data-root>/devicemapper/lifeboat/             (mode 0700, made on first store/lock)
 *   <data-root>/devicemapper/lifeboat/snapshots.json      the catalog (catalog.h)
 *   <data-root>/devicemapper/lifeboat/snapshots.json.bak  the one before the last store
 *   <data-root>/devicemapper/lifeboat/lock                flock(2) target
 *
 * `dir` below is that lifeboat directory: lb_snap_catalog_dir() makes it from
 * the driver home (struct lb_docker_root's driver_home, docker/dataroot.h).
 *
 * Read-modify-write is done under the lock, which the device side takes
 * around the whole of create (pending record, create_snap, ready record) and
 * rm:
 *
 *   struct lb_snap_lock lk;
 *   if ((rc = lb_snap_catalog_lock(dir, &lk, &err))) return rc;
 *   rc = lb_snap_catalog_load(dir, pool, &cat, &err);
 *   ... lb_snap_catalog_add / _remove / _mark_ready ...
 *   rc = rc ? rc : lb_snap_catalog_store(dir, &cat, &err);
 *   lb_snap_catalog_free(&cat);
 *   lb_snap_catalog_unlock(&lk);
 *
 * No symbolic link is followed below `dir`'s parent, and only a regular file
 * is read: a link or FIFO planted there is LB_EINTEGRITY. */
#ifndef LIFEBOAT_SNAPSHOT_CATALOG_STORE_H
#define LIFEBOAT_SNAPSHOT_CATALOG_STORE_H

#include "snapshot/catalog.h"
#include "util/error.h"

#include <limits.h>

#define LB_SNAP_CATALOG_DIRNAME "lifeboat"
#define LB_SNAP_CATALOG_FILE "snapshots.json"
#define LB_SNAP_CATALOG_BACKUP "snapshots.json.bak"
#define LB_SNAP_CATALOG_LOCKFILE "lock"

/* "<driver_home>/lifeboat"; too long: LB_EUSAGE. */
int lb_snap_catalog_dir(const char *driver_home, char out[PATH_MAX], struct lb_err *err);

/* Reads <dir>/snapshots.json into *out (release with lb_snap_catalog_free).
 * No directory or no file yet: an empty catalog for `pool`, LB_OK. A catalog
 * of another pool: LB_EINTEGRITY naming both (it belongs to another pool
 * and must not be written over). Damage: LB_EINTEGRITY as the parser says. */
int lb_snap_catalog_load(const char *dir, const char *pool, struct lb_snap_catalog *out,
			 struct lb_err *err);

/* Writes the catalog atomically: the current snapshots.json (if any) is
 * hard-linked to snapshots.json.bak first (through a temporary name, so the
 * .bak is always whole), then the new text goes to a temporary file in
 * `dir`, fsynced, renamed over snapshots.json, and `dir` fsynced. There is
 * no moment without a snapshots.json. Makes `dir` (0700) if missing. */
int lb_snap_catalog_store(const char *dir, const struct lb_snap_catalog *cat, struct lb_err *err);

struct lb_snap_lock {
	int fd; /* -1 when not held */
};

/* Takes the exclusive flock on <dir>/lock (made 0600 if missing, `dir` too),
 * waiting for another lifeboat that holds it. */
int lb_snap_catalog_lock(const char *dir, struct lb_snap_lock *lk, struct lb_err *err);
/* The same without waiting: held elsewhere is LB_EUNSAFE. */
int lb_snap_catalog_trylock(const char *dir, struct lb_snap_lock *lk, struct lb_err *err);
/* Releases it (closing the descriptor drops the flock). Idempotent. */
void lb_snap_catalog_unlock(struct lb_snap_lock *lk);

#endif
