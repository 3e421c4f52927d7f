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

/* Mounts dev at dir, read-only unless `writable`. With replay_log the
 * filesystem replays its journal, which xfs and ext4 do even on a read-only
 * mount as long as the device itself is writable (the copy-on-write layer). */
int lb_mount_fs(const char *dev_path, const char *dir, const char *fstype, bool replay_log,
		bool writable, struct lb_err *err);

/* Unmounts dir; not mounted is fine. */
int lb_umount(const char *dir, struct lb_err *err);

/* Whether dir is a mount point now (from /proc/self/mountinfo); if so and
 * majmin is not NULL, the device "maj:min" mounted there. */
bool lb_is_mounted(const char *dir, char *majmin, size_t len);

/* One line of /proc/self/mountinfo, the fields lifeboat uses; the mount
 * point with mountinfo's octal escapes (\040 ...) undone. */
struct lb_mountinfo {
	unsigned major, minor;
	char dir[4096];
	char mount_opts[512]; /* per mount: rw,nosuid,relatime */
	char fstype[64];
	char super_opts[1024]; /* the filesystem's own: rw,discard,... */
};

/* Pure: parses one mountinfo line; false if it does not have the shape. */
bool lb_mountinfo_parse(const char *line, struct lb_mountinfo *out);

/* Calls fn for every line of /proc/self/mountinfo; fn returning non-zero stops. */
int lb_mountinfo_each(int (*fn)(void *ctx, const struct lb_mountinfo *m), void *ctx,
		      struct lb_err *err);

/* Pure: the MS_* flags a remount must pass to keep a mount as it is
 * (a remount resets the per-mount flags it is not given). */
unsigned long lb_mount_keep_flags(const struct lb_mountinfo *m);

/* Remounts m->dir with its flags kept and `data` (e.g. "nodiscard"). */
int lb_remount(const struct lb_mountinfo *m, const char *data, struct lb_err *err);

#endif
