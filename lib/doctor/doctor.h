/* lifeboat recover doctor, the pure part: cross-checks Docker's devicemapper
 * metadata (per-device JSON, deviceset-metadata, transaction-metadata), the
 * layer store and the containers against the pool's own metadata, and says
 * for each disagreement what it is (a stable code), what it involves, what it
 * does to dockerd, and the repair that would end it. No I/O: the inputs are
 * the lb_docker_root model, the layer list and the pool facts (gather.h).
 *
 * The repairs follow what dockerd 20.10 itself does (moby deviceset.go),
 * except where that would destroy a device something still references:
 *
 *   lost-device-file        a container's or image layer's device file is gone
 *                           but its thin device is in the pool as an orphan,
 *                           matched by shared data blocks, creation order,
 *                           filesystem and size (match.h). Fix: write the file
 *                           again (device_id, size, transaction_id).
 *   ambiguous-device-match  orphans that could be the device of a lost file,
 *                           but not one to one, or not confirmed: the
 *                           candidates and their evidence; nothing is written.
 *   orphan-thin-device      a pool device no device file names and nothing
 *                           matches: evidence, not garbage. Kept; deleting it
 *                           ("delete <id>") takes --reclaim-orphans.
 *   missing-thin-device     a device file whose device is not in the pool:
 *                           mounting it fails, and so does `docker rm` (the
 *                           driver's delete of the absent device errors). Fix:
 *                           move the file into the backup; a container or
 *                           layer that used it is reported lost.
 *   open-transaction        transaction-metadata's open_transaction_id is above
 *                           the pool's transaction id. dockerd rolls back at
 *                           start: deletes that device and its file. Fix: when
 *                           the device is in the pool, commit instead: pool
 *                           message "set_transaction_id <pool> <open>", nothing
 *                           deleted (the rollback's delete takes
 *                           --reclaim-orphans); when it is not, the rollback
 *                           only removes files (copies kept).
 *   transaction-mismatch    open_transaction_id below the pool's: dockerd only
 *                           logs it, but Docker's files are older than the pool
 *                           (restored from backup). Fix: rewrite
 *                           transaction-metadata with the pool's id.
 *   device-marked-deleted   "deleted":true: dockerd refuses to activate it, and
 *                           without deferred deletion never finishes it. Fix:
 *                           referenced, clear the flag (the data is still
 *                           there); unreferenced, nothing by default, and
 *                           --reclaim-deleted finishes the deletion (pool
 *                           "delete", file into the backup).
 *   dangling-mount-id       a container's mount-id or init-id names a device no
 *                           file describes: "Unknown device <hash>" on start,
 *                           cp, export. Report only: there is nothing to bring
 *                           back; `docker rm` removes the container cleanly.
 *   dangling-cache-id       an image layer's cache-id names no device file:
 *                           new containers of that image fail. Report only
 *                           (`docker rmi` and pull again).
 *   base-device-mismatch    deviceset-metadata's BaseDeviceUUID or
 *                           BaseDeviceFilesystem is not the base device's real
 *                           filesystem: dockerd refuses to start ("Base Device
 *                           UUID and Filesystem verification failed"). Fix:
 *                           rewrite them from the filesystem found on the base
 *                           device's first block (read from the pool files).
 *   unreadable-device-file  a device file that does not parse (a crash left it
 *                           empty): dockerd refuses to start ("Failed to load
 *                           device files"). Fix: move it into the backup.
 *   next-device-id-too-low  a note, not a problem: dockerd 20.10 writes
 *                           next_device_id only when it creates the base
 *                           device and allocates ids from a bitmap of the
 *                           device files, so a low value is its normal state.
 *                           Never counted, never "fixed".
 */
#ifndef LIFEBOAT_DOCTOR_H
#define LIFEBOAT_DOCTOR_H

#include "docker/dataroot.h"
#include "docker/layerdb.h"
#include "doctor/match.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lb_doctor_code {
	LB_DOC_ORPHAN_THIN_DEVICE,
	LB_DOC_MISSING_THIN_DEVICE,
	LB_DOC_OPEN_TRANSACTION,
	LB_DOC_TRANSACTION_MISMATCH,
	LB_DOC_DEVICE_MARKED_DELETED,
	LB_DOC_DANGLING_MOUNT_ID,
	LB_DOC_DANGLING_CACHE_ID,
	LB_DOC_BASE_DEVICE_MISMATCH,
	LB_DOC_UNREADABLE_DEVICE_FILE,
	LB_DOC_NEXT_DEVICE_ID_TOO_LOW,
	LB_DOC_LOST_DEVICE_FILE,
	LB_DOC_AMBIGUOUS_DEVICE_MATCH,
	LB_DOC_LIFEBOAT_SNAPSHOT,       /* note: a thin device lifeboat's catalog names */
	LB_DOC_SNAPSHOT_CATALOG_DAMAGED, /* note: the catalog cannot be read */
};

/* The stable name of a code ("orphan-thin-device"). */
const char *lb_doctor_code_name(enum lb_doctor_code code);

/* One step of a repair. Pool steps go to the activated pool as messages;
 * file steps name a file of the metadata directory. */
enum lb_doctor_action_kind {
	LB_ACT_POOL_DELETE,          /* "delete <dev_id>" */
	LB_ACT_POOL_SET_TRANSACTION, /* "set_transaction_id <old> <new>" */
	LB_ACT_REMOVE_FILE,          /* file leaves the metadata dir (a copy is in the backup) */
	LB_ACT_CLEAR_DELETED,        /* device file: "deleted" becomes false */
	LB_ACT_SET_OPEN_TRANSACTION, /* transaction-metadata: open_transaction_id = new_id */
	LB_ACT_SET_BASE_FS,          /* deviceset-metadata: BaseDeviceUUID/Filesystem */
	LB_ACT_WRITE_DEVICE_FILE,    /* a new device file: dev_id, size_bytes, new_id (transaction) */
};

struct lb_doctor_action {
	enum lb_doctor_action_kind kind;
	uint64_t dev_id;             /* POOL_DELETE */
	uint64_t old_id, new_id;     /* POOL_SET_TRANSACTION; SET_OPEN_TRANSACTION uses new_id */
	uint64_t size_bytes;         /* WRITE_DEVICE_FILE */
	char file[LB_DM_HASH_MAX];   /* REMOVE_FILE, CLEAR_DELETED: file name in metadata/ */
	char uuid[64];               /* SET_BASE_FS */
	char fs[16];
};

#define LB_DOCTOR_MAX_OBJECTS 12
#define LB_DOCTOR_MAX_ACTIONS 3
#define LB_DOCTOR_OBJECT_MAX 640

struct lb_doctor_finding {
	enum lb_doctor_code code;
	bool note; /* informational: not a problem, not counted, nothing to fix */
	char objects[LB_DOCTOR_MAX_OBJECTS][LB_DOCTOR_OBJECT_MAX];
	size_t n_objects;
	char consequence[512];
	char fix[512]; /* what --fix does, in words; "none: ..." if nothing */
	struct lb_doctor_action actions[LB_DOCTOR_MAX_ACTIONS];
	size_t n_actions;
	/* A fix that throws data away is never the default: it waits here
	 * until the operator names it (lb_doctor_reclaim). */
	enum lb_doctor_reclaim_kind { LB_RECLAIM_NONE, LB_RECLAIM_ORPHAN, LB_RECLAIM_DELETED } reclaim;
	uint64_t reclaim_dev_id; /* the thin device it would delete */
	bool reclaim_in_all;     /* taken by a plain --reclaim-orphans (not a match candidate) */
	struct lb_doctor_action reclaim_actions[LB_DOCTOR_MAX_ACTIONS];
	size_t n_reclaim_actions;
};

struct lb_doctor_report {
	struct lb_doctor_finding *findings;
	size_t n_findings;
	size_t n_problems; /* findings that are not notes */
};

/* A thin device lifeboat's snapshot catalog (lib/snapshot/catalog.h) names:
 * a snapshot, never an orphan, and never counted as an id dockerd uses. */
struct lb_doctor_snapshot {
	uint64_t dev_id;
	char name[65];
	char container[256];
	bool pending; /* taken by a create that may not have finished */
};

/* The pool's side, read with lib/thinmeta (gather.h fills it). */
struct lb_doctor_pool {
	/* lifeboat's snapshots, left out of devices; catalog_err names a
	 * catalog that could not be read ("" if it could, or there is none):
	 * then any orphan may be a snapshot and none is reclaimed by a plain
	 * --reclaim-orphans. */
	const struct lb_doctor_snapshot *snapshots;
	size_t n_snapshots;
	char catalog_err[320];
	uint64_t trans_id;
	const struct lb_thin_device *devices; /* ascending dev_id */
	size_t n_devices;
	/* The filesystem on the base device's first data block; fs_type ""
	 * if it could not be read (then base-device-mismatch is not checked). */
	char base_fs_type[16];
	char base_fs_uuid[64];
	/* Parallel to devices: blocks and filesystem facts gather read for
	 * matching lost device files (match.h); NULL if none. */
	const struct lb_doctor_devfacts *facts;
	uint32_t data_block_size_sectors;
};

/* Cross-checks; fills *out (release with lb_doctor_report_free). Only an
 * allocation failure is an error. */
int lb_doctor_check(const struct lb_docker_root *root, const struct lb_docker_layer *layers,
		    size_t n_layers, const struct lb_doctor_pool *pool,
		    struct lb_doctor_report *out, struct lb_err *err);

void lb_doctor_report_free(struct lb_doctor_report *r);

/* What the operator agreed to throw away. */
struct lb_doctor_reclaim_opts {
	bool orphans_all;             /* --reclaim-orphans */
	const uint64_t *orphan_ids;   /* --reclaim-orphans=ID,... */
	size_t n_orphan_ids;
	bool deleted;                 /* --reclaim-deleted */
};

/* Puts the reclaim actions of the findings the options name in place of
 * their default ones. An id that names no reclaimable finding is
 * LB_ENOTFOUND, naming it. */
int lb_doctor_reclaim(struct lb_doctor_report *r, const struct lb_doctor_reclaim_opts *o,
		      struct lb_err *err);

#endif
