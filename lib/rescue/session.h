/* A rescue session: activate a container's thin device over its pool and
 * mount its filesystem, journalling every step first (session/journal.h),
 * and tear exactly that down again. The only code that strings lib/loop,
 * lib/dm and lib/mount together. */
#ifndef LIFEBOAT_RESCUE_SESSION_H
#define LIFEBOAT_RESCUE_SESSION_H

#include "dm/dm.h"
#include "fslog/fslog.h"
#include "util/error.h"
#include "util/say.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define LB_SESSIONS_DIR "/run/lifeboat/sessions"
#define LB_POOLS_DIR "/run/lifeboat/pools"
#define LB_MNT_DIR "/run/lifeboat/mnt"
#define LB_COW_DIR "/run/lifeboat/cow"

struct lb_rescue_plan {
	const char *container_id;
	const char *container_name; /* without '/' */
	const char *pool_name;
	const char *data_path;      /* loop-lvm files; NULL when the pool is a device */
	const char *metadata_path;
	uint32_t data_block_size_sectors;
	const char *thin_name;
	uint32_t device_id;
	uint64_t size_bytes;
	const char *mount_dir; /* canonical (util/safepath.h); NULL: LB_MNT_DIR/<name> */
	bool replay_log;       /* writable activation, the filesystem replays its journal */
	/* The journal is replayed into a copy-on-write layer over the read-only
	 * thin device (a sparse file in cow_dir, NULL: LB_COW_DIR); the mount
	 * stays read-only and the pool is not written. */
	bool replay_cow;
	const char *cow_dir; /* canonical, and private to this user */
};

/* Called after each step ("loop", "pool", "thin", "cow", "mount"); tests use it to
 * kill lifeboat midway. May be NULL. */
typedef void (*lb_rescue_step_fn)(const char *step);

/* A pool over loop-lvm files, as the rescue and the doctor's repairs need it. */
struct lb_rescue_pool_spec {
	const char *name; /* Docker's pool name */
	const char *metadata_path, *data_path;
	uint32_t block_size_sectors;
	bool read_only; /* read_only pool over read-only loops; false only for writers */
};

struct lb_rescue_pool {
	struct lb_dm_info info;
	bool created; /* false: it was active already and is reused */
	char metadata_loop[64], data_loop[64];
};

/* Makes the pool active: reuses it if it is, else finds or attaches loop
 * devices over the files (auto-clearing) and creates it, journalled under
 * LB_POOLS_DIR/<name>. Never a second pool or loop device over the files. */
int lb_rescue_pool_activate(const struct lb_rescue_pool_spec *spec, lb_rescue_step_fn on_step,
			    struct lb_rescue_pool *out, struct lb_err *err);

struct lb_rescue_result {
	char mount_dir[PATH_MAX];
	char rootfs[PATH_MAX + 16]; /* mount_dir/rootfs, or mount_dir if there is none */
	char device[128];      /* the node the filesystem was mounted from */
	char fstype[32];
	bool pool_created, thin_created, already_mounted;
	bool cow_created;
	/* The filesystem's journal before the mount (what a mount without replay
	 * leaves out); unknown when it was mounted already or could not be read. */
	enum lb_fslog_state log_state;
	char cow_file[PATH_MAX]; /* the copy-on-write layer's file, with replay_cow */
	char data_loop[64], metadata_loop[64];
};

int lb_rescue_mount(const struct lb_rescue_plan *plan, lb_rescue_step_fn on_step,
		    struct lb_rescue_result *res, struct lb_err *err);

/* Lines for the operator (util/say.h): LB_SAY_INFO says what was removed,
 * LB_SAY_WARN what was refused. `say` may be NULL. */

/* Teardown of one session journal (path under LB_SESSIONS_DIR, named after
 * the container id). Only what carries lifeboat's mark is touched: dm
 * devices whose LIFEBOAT- uuid matches the line, mounts at the canonical
 * path recorded with the device recorded (outside /run/lifeboat only a
 * device lifeboat created), directories lifeboat made to mount on, and the
 * session's own copy-on-write file. A line that fails is reported (WARN,
 * "<journal>:<line>: ...; skipped") and skipped; the rest goes on, and the
 * journal is then kept and LB_EUNSAFE returned. */
int lb_rescue_teardown_session(const char *journal_path, const struct lb_say *say,
			       struct lb_err *err);

/* Then any pool lifeboat created that nothing uses any more; the same rules
 * for the pool journals under LB_POOLS_DIR. */
int lb_rescue_teardown_idle_pools(const struct lb_say *say, struct lb_err *err);

/* Removes pool `name` if lifeboat activated it (its journal says so) and
 * nothing holds it open, and waits for its loop devices to go. */
int lb_rescue_pool_release(const char *name, const struct lb_say *say, struct lb_err *err);

#endif
