/* The thin pool under a Docker data root, as the snapshot writers use it:
 * beside a live dockerd (the pool is dockerd's: lifeboat sends create_snap,
 * delete and the metadata-snapshot messages, never set_transaction_id), or
 * with dockerd stopped (a loop-lvm pool that is not active is activated
 * read-write for the one command, journalled, and released after, as the
 * doctor's repairs do).
 *
 * Reading a live pool's metadata is only consistent through its metadata
 * snapshot: reserve_metadata_snap makes the kernel commit and keep a frozen
 * copy of the superblock (the "held root"); lifeboat reads devices and
 * mappings from that copy and sends release_metadata_snap. A pool holds one
 * such root at a time, so the hold is marked first in
 * LB_METASNAP_DIR/<pool>: a lifeboat killed with -9 leaves the mark and the
 * held root, and the next command that holds finds both and releases the
 * root. A held root without lifeboat's mark is somebody else's (thin_delta,
 * a backup tool) and is left alone: the command is refused and says so. */
#ifndef LIFEBOAT_SNAPSHOT_LIVEPOOL_H
#define LIFEBOAT_SNAPSHOT_LIVEPOOL_H

#include "docker/dataroot.h"
#include "dm/dm.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"
#include "util/say.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define LB_METASNAP_DIR "/run/lifeboat/metasnap"

/* Lines for the operator (util/say.h), e.g. a stale hold released. May be NULL. */
typedef lb_say_fn lb_livepool_say_fn;

struct lb_livepool {
	char name[LB_DM_NAME_MAX];
	struct lb_dm_info info;
	bool activated;  /* this command activated it: lb_livepool_close releases it */
	bool held;       /* this command holds the metadata snapshot */
	uint32_t block_size_sectors;
	/* What the metadata and data are read from: Docker's loop files (the
	 * loop devices write through their page cache, so the files read
	 * coherently), or nodes of the pool's devices. */
	char metadata_path[PATH_MAX];
	char data_path[PATH_MAX];
	bool metadata_is_device;
	lb_livepool_say_fn say;
	void *say_ctx;
};

/* The status of a thin-pool target (`dmsetup status`'s fields). */
struct lb_livepool_status {
	uint64_t transaction_id;
	uint64_t held_root; /* 0: none */
	bool read_only;     /* "ro" or out of space modes that refuse writes */
	bool needs_check;
};

/* Pure: parses "<tid> <used>/<total> <used>/<total> <held|-> rw|ro|out_of_data_space ...". */
int lb_livepool_status_parse(const char *params, struct lb_livepool_status *out,
			     struct lb_err *err);

/* Finds the pool of `root`. Active: used as it is (dockerd's). Not active
 * and `may_activate` (dockerd is stopped): a loop-lvm pool is activated
 * read-write. Else LB_ENOTFOUND saying how to activate it. */
int lb_livepool_open(const struct lb_docker_root *root, bool may_activate, lb_livepool_say_fn say,
		     void *say_ctx, struct lb_livepool *p, struct lb_err *err);

int lb_livepool_status(const struct lb_livepool *p, struct lb_livepool_status *out,
		       struct lb_err *err);

/* Releases a held root lifeboat left behind (its mark exists), saying so.
 * A held root without the mark: LB_EUNSAFE naming it. No held root: LB_OK. */
int lb_livepool_clear_stale_hold(struct lb_livepool *p, struct lb_err *err);

/* Reserves the metadata snapshot (after clearing a stale one of ours). */
int lb_livepool_hold(struct lb_livepool *p, struct lb_err *err);

/* Releases it, if this command holds it. Safe to call twice. */
int lb_livepool_unhold(struct lb_livepool *p, struct lb_err *err);

/* The held metadata snapshot, opened: devices and mappings as they were at
 * lb_livepool_hold. Requires p->held. */
int lb_livepool_open_meta(const struct lb_livepool *p, struct lb_thinmeta **out,
			  struct lb_err *err);

/* Sends a message to the pool ("create_snap 16777215 7", "delete 16777215"). */
int lb_livepool_message(const struct lb_livepool *p, const char *msg, struct lb_err *err);

/* Unholds, and releases the pool if this command activated it. The first
 * error wins; the rest is still done. */
int lb_livepool_close(struct lb_livepool *p, struct lb_err *err);

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT wait while a command changes the
 * pool (a suspended device, a held root, half a rollback): they are
 * delivered when the mask is restored. */
void lb_livepool_block_signals(sigset_t *old);
void lb_livepool_restore_signals(const sigset_t *old);

#endif
