#include "mount/mount.h"

#include <blkid.h>
#include "util/safepath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int lb_fs_probe(const char *dev_path, struct lb_fs_probe *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	blkid_probe pr = blkid_new_probe_from_filename(dev_path);
	if (!pr)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno,
				     "%s: cannot open to probe the filesystem", dev_path);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
	/* Only the types we can mount without writing (see options.c): probing
	 * every known signature costs many reads of a cold thin device. Other
	 * signatures then read as "no filesystem", which is reported. */
	char *known[] = {"xfs", "ext4", "ext3", "ext2", NULL};
	blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, known);
	int r = blkid_do_safeprobe(pr);
	const char *v = NULL;
	int rc = LB_OK;
	if (r == 1)
		rc = lb_fail(err, LB_ENOTFOUND, "%s: no filesystem found on the device", dev_path);
	else if (r == -2)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: ambivalent probe: more than one filesystem signature",
			     dev_path);
	else if (r < 0)
		rc = lb_fail(err, LB_EFAIL, "%s: filesystem probe failed", dev_path);
	else {
		if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
			snprintf(out->type, sizeof(out->type), "%s", v);
		if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
			snprintf(out->uuid, sizeof(out->uuid), "%s", v);
	}
	blkid_free_probe(pr);
	return rc;
}

int lb_mount_fs(const char *dev_path, const char *dir, const char *fstype, bool replay_log,
		bool writable, struct lb_err *err)
{
	char opts[128];
	int rc = lb_mount_options(fstype, replay_log, opts, sizeof(opts), err);
	if (rc)
		return rc;
	/* mount(2) follows symlinks anywhere in its target: mount on the
	 * directory opened without following any (a component swapped for a
	 * symlink after the caller's checks fails here, it does not redirect
	 * the mount). The kernel records the directory's real path. */
	int dir_fd = lb_open_own_dir_nofollow(dir, err);
	if (dir_fd < 0)
		return err ? err->code : LB_EFAIL;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", dir_fd);
	unsigned long flags = MS_NODEV | MS_NOSUID | (writable ? 0 : MS_RDONLY);
	if (mount(dev_path, target, fstype, flags, opts[0] ? opts : NULL) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot mount %s (%s, %s)", dir, dev_path,
				   fstype, opts[0] ? opts : "defaults");
	close(dir_fd);
	return rc;
}

int lb_umount(const char *dir, struct lb_err *err)
{
	if (!lb_is_mounted(dir, NULL, 0))
		return LB_OK;
	/* The last component is not followed: a symlink there is not a mount. */
	if (umount2(dir, UMOUNT_NOFOLLOW) != 0)
		return lb_fail_errno(err, errno == EBUSY ? LB_EUNSAFE : LB_EFAIL, errno,
				     "%s: cannot unmount", dir);
	return LB_OK;
}

struct top_mount {
	const char *dir;
	bool found;
	unsigned major, minor;
};

static int note_mount(void *ctx, const struct lb_mountinfo *m)
{
	struct top_mount *t = ctx;
	if (strcmp(m->dir, t->dir))
		return 0;
	/* mountinfo lists mounts in the order they were made: the last one at
	 * a directory is the one on top, the one a path reaches. */
	t->found = true;
	t->major = m->major;
	t->minor = m->minor;
	return 0;
}

bool lb_is_mounted(const char *dir, char *majmin, size_t len)
{
	struct top_mount t = {.dir = dir};
	if (lb_mountinfo_each(note_mount, &t, NULL) || !t.found)
		return false;
	if (majmin)
		snprintf(majmin, len, "%u:%u", t.major, t.minor);
	return true;
}
