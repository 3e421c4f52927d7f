/* lifeboat recover doctor --fix: carries out a doctor report's actions.
 *
 *   1. a backup of everything a repair may touch, in a new directory
 *      (default <data-root>/devicemapper/lifeboat-backup-<UTC timestamp>/):
 *      metadata/ (every file of Docker's metadata directory), layerdb-mounts/
 *      (the layer store's container entries), pool-metadata (a sparse copy of
 *      the pool's metadata file) and plan.txt (what is about to be done);
 *   2. the pool actions, as messages to the pool, which lifeboat activates
 *      read-write over its loop files for the purpose (journalled under
 *      /run/lifeboat/pools like 'recover mount', so 'recover umount --all'
 *      removes it if lifeboat dies) and removes again; refused if the pool is
 *      active already or its files are attached to loop devices;
 *   3. the file actions: JSON rewritten atomically (temporary file, fsync,
 *      rename, fsync of the directory) in Docker's compact format with its
 *      keys and their order kept; files "moved into the backup" are removed
 *      from the metadata directory (their copy is in metadata/ of the backup).
 *
 * The metadata blocks are never edited by hand: the kernel's dm-thin does
 * every change to the pool. */
#ifndef LIFEBOAT_DOCTOR_REPAIR_H
#define LIFEBOAT_DOCTOR_REPAIR_H

#include "doctor/gather.h"
#include "util/say.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* Makes the backup directory (backup_dir, or the default when NULL) and
 * fills it; *out receives its path. */
int lb_doctor_backup(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
		     const char *backup_dir, char *out, size_t out_cap, struct lb_err *err);

/* Carries out every action of the report, pool actions first, saying each
 * (LB_SAY_NOTE) as it is done. */
int lb_doctor_apply(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
		    const struct lb_say *say, struct lb_err *err);

/* Before anything is written: if the report has pool actions, device-mapper
 * must be there, the pool inactive and its files on no loop device
 * (LB_EUNSAFE naming what is in the way). */
int lb_doctor_preflight(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
			struct lb_err *err);

/* True if the report has actions that need the pool activated. */
bool lb_doctor_needs_pool(const struct lb_doctor_report *rep);


#endif
