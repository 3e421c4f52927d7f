#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int lb_mkdir_p(const char *dir, mode_t mode, struct lb_err *err)
{
	char buf[PATH_MAX];
	if ((size_t)snprintf(buf, sizeof(buf), "%s", dir) >= sizeof(buf))
		return lb_fail(err, LB_EUSAGE, "%s: path too long", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot create", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot create", buf);
	return LB_OK;
}

int lb_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = pread(fd, (char *)buf + *done, len - *done, (off_t)(off + *done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return -1;
		*done += (size_t)n;
	}
	return 0;
}

int lb_fd_size_bytes(int fd, const char *name, uint64_t *out, struct lb_err *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot stat", name);
	if (S_ISREG(st.st_mode)) {
		*out = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, out) != 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot get the size", name);
		return 0;
	}
	return lb_fail(err, LB_EUSAGE, "%s: not a file or block device", name);
}

double lb_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
