/* A rescue session: activate a container's thin device over its pool and
 * mount its filesystem, journalling every step first (session/journal.h),
 * and tear exactly that down again. The only code that strings lib/loop,
 * lib/dm and lib/mount together. */
#ifndef LIFEBOAT_RESCUE_SESSION_H
#define LIFEBOAT_RESCUE_SESSION_H

#include "util/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define LB_SESSIONS_DIR "/run/lifeboat/sessions"
#define LB_POOLS_DIR "/run/lifeboat/pools"
#define LB_MNT_DIR "/run/lifeboat/mnt"

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
	const char *mount_dir; /* NULL: LB_MNT_DIR/<name> */
	bool replay_log;       /* writable activation, the filesystem replays its journal */
};

/* Called after each step ("loop", "pool", "thin", "mount"); tests use it to
 * kill lifeboat midway. May be NULL. */
typedef void (*lb_rescue_step_fn)(const char *step);

struct lb_rescue_result {
	char mount_dir[PATH_MAX];
	char rootfs[PATH_MAX + 16]; /* mount_dir/rootfs, or mount_dir if there is none */
	char device[128];      /* the node the filesystem was mounted from */
	char fstype[32];
	bool pool_created, thin_created, already_mounted;
	char data_loop[64], metadata_loop[64];
};

int lb_rescue_mount(const struct lb_rescue_plan *plan, lb_rescue_step_fn on_step,
		    struct lb_rescue_result *res, struct lb_err *err);

/* Teardown of one session journal (path under LB_SESSIONS_DIR); then any
 * pool lifeboat created that nothing uses any more. `said` receives a line
 * per thing removed (for the operator), may be NULL. */
typedef void (*lb_rescue_say_fn)(const char *line);
int lb_rescue_teardown_session(const char *journal_path, lb_rescue_say_fn say,
			       struct lb_err *err);
int lb_rescue_teardown_idle_pools(lb_rescue_say_fn say, struct lb_err *err);

#endif
