#include "util/devnode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int lb_devnode_path(uint32_t major, uint32_t minor, const char *hint, char *out, size_t len,
		    struct lb_err *err)
{
	struct stat st;
	dev_t want = makedev(major, minor);
	if (hint && stat(hint, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == want) {
		snprintf(out, len, "%s", hint);
		return LB_OK;
	}
	snprintf(out, len, "/dev/dm-%u", minor);
	if (stat(out, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == want)
		return LB_OK;
	/* A private node: in a directory nobody else can plant one in. */
	int rc = lb_run_dir_ensure(LB_RUN_DIR "/nodes", true, err);
	if (rc)
		return rc;
	snprintf(out, len, LB_RUN_DIR "/nodes/%u:%u", major, minor);
	if (stat(out, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == want)
		return LB_OK;
	unlink(out);
	if (mknod(out, S_IFBLK | 0600, want) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot make a node for %u:%u", out,
				     major, minor);
	return LB_OK;
}

int lb_devnode_open(uint32_t major, uint32_t minor, const char *hint, int flags,
		    struct lb_err *err)
{
	char path[128];
	if (lb_devnode_path(major, minor, hint, path, sizeof(path), err))
		return -1;
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", path);
	return fd;
}
