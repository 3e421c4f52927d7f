/* The only place that mounts. Filesystems are probed with libblkid, and the
 * options that keep a read-only mount truly read-only are chosen per type. */
#ifndef LIFEBOAT_MOUNT_H
#define LIFEBOAT_MOUNT_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct lb_fs_probe {
	char type[32]; /* "xfs", "ext4", ... */
	char uuid[64];
};

int lb_fs_probe(const char *dev_path, struct lb_fs_probe *out, struct lb_err *err);

/* Pure: the mount data string for a rescue mount of fstype. Without
 * replay_log the journal is never replayed (xfs: norecovery; ext3/4: noload)
 * and xfs gets nouuid, because every Docker device is a snapshot of one base
 * filesystem and so shares its UUID. Returns LB_EUSAGE for a type we do not
 * know how to keep read-only. */
int lb_mount_options(const char *fstype, bool replay_log, char *out, size_t len,
		     struct lb_err *err);

/* Mounts dev at dir (read-only unless replay_log). */
int lb_mount_fs(const char *dev_path, const char *dir, const char *fstype, bool replay_log,
		struct lb_err *err);

/* Unmounts dir; not mounted is fine. */
int lb_umount(const char *dir, struct lb_err *err);

/* Whether dir is a mount point now (from /proc/self/mountinfo); if so and
 * majmin is not NULL, the device "maj:min" mounted there. */
bool lb_is_mounted(const char *dir, char *majmin, size_t len);

#endif
