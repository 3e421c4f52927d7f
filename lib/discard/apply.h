/* The device side of `recover discard`: find the active thin pools, their
 * thin devices and the filesystems mounted on those, then change a pool's
 * discard handling: a table reload to no_discard_passdown on a live pool, or
 * (ignore_discard, which the kernel only takes at pool creation) removing the
 * pool and its unused thin devices and creating them again, at the same
 * major:minor and with the same tables. A failed step is undone: a pool is
 * never left suspended, nor a device missing, by lifeboat. */
#ifndef LIFEBOAT_DISCARD_APPLY_H
#define LIFEBOAT_DISCARD_APPLY_H

#include "discard/discard.h"
#include "dm/dm.h"
#include "mount/mount.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lb_discard_thin {
	char name[128];
	struct lb_dm_info info;
	struct lb_dm_target table; /* a thin device has one target */
};

struct lb_discard_mount {
	struct lb_mountinfo m;
	bool discard;           /* "discard" among the filesystem's options */
	const char *thin_name;  /* the thin device it is on */
};

struct lb_discard_pool {
	char name[128];
	struct lb_dm_info info;
	struct lb_dm_target table;
	struct lb_pool_params params;
	enum lb_discard_mode table_mode;
	bool status_ok;
	enum lb_discard_mode status_mode;
	char pool_mode[32];     /* rw, ro, out_of_data_space */
	char error[1200];       /* set if the table or status could not be read */
	char lvm_lv[256];       /* "vg/pool" for an LVM pool, else "" */
	struct lb_discard_thin *thins;
	size_t n_thins;
	struct lb_discard_mount *mounts; /* every mount of a thin device of the pool */
	size_t n_mounts;
};

struct lb_discard_scan {
	struct lb_discard_pool *pools;
	size_t n_pools;
};

int lb_discard_scan(struct lb_discard_scan *out, struct lb_err *err);
void lb_discard_scan_free(struct lb_discard_scan *s);

/* The pool named `name` in the scan, or NULL. */
const struct lb_discard_pool *lb_discard_find(const struct lb_discard_scan *s, const char *name);

/* Every step is announced before it is taken ("suspend NAME", ...), with its
 * kind ("suspend", "reload", "resume", "remove", "create", "remount"). With
 * dry_run nothing is taken. A non-zero return makes the step fail as if the
 * kernel had refused it (the tests use this to prove the undo paths). */
typedef int (*lb_discard_step_fn)(void *ctx, const char *kind, const char *what);

struct lb_discard_act {
	bool dry_run;
	lb_discard_step_fn step;
	void *ctx;
};

/* Reloads the pool's table with no_discard_passdown added, every other
 * argument unchanged: suspend, load, resume. Already so: nothing to do. */
int lb_discard_pool_nopassdown(const struct lb_discard_pool *p, const struct lb_discard_act *a,
			       struct lb_err *err);

/* Re-creates the pool with ignore_discard. LB_EUNSAFE, naming them, while a
 * thin device of the pool is open (mounted, or in use), and while the pool is
 * held by anything else. */
int lb_discard_pool_ignore(const struct lb_discard_pool *p, const struct lb_discard_act *a,
			   struct lb_err *err);

/* Remounts a filesystem without discard; *kept says the filesystem kept
 * discard anyway (xfs ignores "nodiscard" on a remount). */
int lb_discard_remount(const struct lb_discard_mount *m, const struct lb_discard_act *a,
		       bool *kept, struct lb_err *err);

/* --persist: daemon.json read, checked and edited before anything changes,
 * written (after a backup copy) only when asked. */
struct lb_persist_plan {
	char path[4096];
	bool present;    /* the file exists */
	bool changed;    /* the edit changes its meaning */
	mode_t mode;
	char *old_text, *new_text;
	size_t old_len;
};

/* Reads daemon.json at `path`; a file Docker would not parse (or a storage
 * option it would reject) is LB_EINTEGRITY and nothing is planned. dm.*
 * options are only for the devicemapper driver: LB_EUNSAFE unless
 * "storage-driver" is "devicemapper", or unset with a devicemapper/ directory
 * in the data root (`data_root` unless the file names another). */
int lb_persist_plan(const char *path, const char *data_root, struct lb_persist_plan *out,
		    struct lb_err *err);

/* Locks the file (flock, waiting up to LB_PERSIST_LOCK_TRIES tenths of a
 * second for another holder) and checks it still holds what the plan read;
 * copies it to `<path>.lifeboat-<UTC time>.bak` (if there was one), then
 * replaces it atomically with the new text, same mode, checking again just
 * before the rename that it was neither edited nor replaced. A concurrent
 * edit is never lost: LB_EUNSAFE naming the file, and it is left as the
 * other edit made it. */
#define LB_PERSIST_LOCK_TRIES 50
int lb_persist_write(const struct lb_persist_plan *plan, char *backup, size_t cap,
		     struct lb_err *err);

void lb_persist_free(struct lb_persist_plan *plan);

#endif
