/* Pure choice of mount options, kept apart from mount(2) so it is unit-tested. */
#include "mount/mount.h"

#include <stdio.h>
#include <string.h>

int lb_mount_options(const char *fstype, bool replay_log, char *out, size_t len,
		     struct lb_err *err)
{
	const char *opts;
	if (!strcmp(fstype, "xfs"))
		opts = replay_log ? "nouuid" : "norecovery,nouuid";
	else if (!strcmp(fstype, "ext4") || !strcmp(fstype, "ext3"))
		opts = replay_log ? "" : "noload";
	else if (!strcmp(fstype, "ext2"))
		opts = "";
	else
		return lb_fail(err, LB_EUSAGE,
			       "filesystem type '%s': lifeboat does not know how to mount it "
			       "without writing (xfs, ext2, ext3, ext4 are supported)",
			       fstype);
	if ((size_t)snprintf(out, len, "%s", opts) >= len)
		return lb_fail(err, LB_EFAIL, "mount options too long");
	return LB_OK;
}
