#include "docker/poolname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

uint64_t lb_dm_docker_major(uint64_t dev)
{
	return (dev >> 8) & 0xfff;
}

uint64_t lb_dm_docker_minor(uint64_t dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

static int fit(int n, size_t cap, struct lb_err *err, const char *what)
{
	if (n < 0 || (size_t)n >= cap)
		return lb_fail(err, LB_EFAIL, "%s: name does not fit in %zu bytes", what, cap);
	return 0;
}

int lb_dm_prefix_format(char *buf, size_t cap, uint64_t major, uint64_t minor, uint64_t inode,
			struct lb_err *err)
{
	int n = snprintf(buf, cap, "docker-%llu:%llu-%llu", (unsigned long long)major,
			 (unsigned long long)minor, (unsigned long long)inode);
	return fit(n, cap, err, "docker pool prefix");
}

int lb_dm_pool_name_format(char *buf, size_t cap, uint64_t major, uint64_t minor,
			   uint64_t inode, struct lb_err *err)
{
	char prefix[LB_DM_NAME_MAX];
	int rc = lb_dm_prefix_format(prefix, sizeof(prefix), major, minor, inode, err);
	if (rc)
		return rc;
	return fit(snprintf(buf, cap, "%s-pool", prefix), cap, err, prefix);
}

int lb_dm_thin_name_format(char *buf, size_t cap, const char *prefix, const char *hash,
			   struct lb_err *err)
{
	const char *suffix = hash[0] ? hash : "base";
	size_t need = strlen(prefix) + 1 + strlen(suffix);
	if (need >= LB_DM_NAME_MAX)
		return lb_fail(err, LB_EINTEGRITY, "%s-%s: longer than a device-mapper name allows (%d bytes)",
			       prefix, suffix, LB_DM_NAME_MAX - 1);
	return fit(snprintf(buf, cap, "%s-%s", prefix, suffix), cap, err, prefix);
}

int lb_dm_prefix_for_home(const char *driver_home, char *buf, size_t cap, struct lb_err *err)
{
	struct stat st;
	if (stat(driver_home, &st) != 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot stat", driver_home);
	uint64_t dev = (uint64_t)st.st_dev;
	return lb_dm_prefix_format(buf, cap, lb_dm_docker_major(dev), lb_dm_docker_minor(dev),
				   (uint64_t)st.st_ino, err);
}
