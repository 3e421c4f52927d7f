#include "mount/mount.h"

#include <blkid.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

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
	unsigned long flags = MS_NODEV | MS_NOSUID | (writable ? 0 : MS_RDONLY);
	if (mount(dev_path, dir, fstype, flags, opts[0] ? opts : NULL) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot mount %s (%s, %s)", dir,
				     dev_path, fstype, opts[0] ? opts : "defaults");
	return LB_OK;
}

int lb_umount(const char *dir, struct lb_err *err)
{
	if (!lb_is_mounted(dir, NULL, 0))
		return LB_OK;
	if (umount2(dir, 0) != 0)
		return lb_fail_errno(err, errno == EBUSY ? LB_EUNSAFE : LB_EFAIL, errno,
				     "%s: cannot unmount", dir);
	return LB_OK;
}

bool lb_is_mounted(const char *dir, char *majmin, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint ... */
		char mm[32], root[PATH_MAX], mp[PATH_MAX];
		if (sscanf(line, "%*d %*d %31s %4095s %4095s", mm, root, mp) != 3)
			continue;
		if (strcmp(mp, dir))
			continue;
		found = true;
		if (majmin)
			snprintf(majmin, len, "%s", mm);
	}
	fclose(f);
	return found;
}
