#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
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
