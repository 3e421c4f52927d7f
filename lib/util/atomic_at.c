#include "util/atomic_at.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int lb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int lb_tmp_create_at(int dirfd, const char *name, char tmp[NAME_MAX + 1], int *fd_out,
		     struct lb_err *err)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned int r = 0;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + (unsigned int)attempt;
		int n = snprintf(tmp, NAME_MAX + 1, ".%.200s.tmp-%08x", name, r);
		if (n < 0 || n > NAME_MAX)
			return lb_fail(err, LB_EFAIL, "%s: name too long", name);
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			*fd_out = fd;
			return LB_OK;
		}
		if (errno != EEXIST)
			return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: create", tmp);
	}
	return lb_fail(err, LB_EFAIL, "%s: no free temporary name", name);
}

int lb_tmp_commit_at(int dirfd, int fd, const char *tmp, const char *name, const char *what,
		     struct lb_err *err)
{
	int rc = LB_OK;
	if (fsync(fd))
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: fsync", what);
	if (close(fd) && !rc)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: close", what);
	if (!rc && renameat(dirfd, tmp, dirfd, name))
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: rename into place", what);
	if (rc) {
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	if (fsync(dirfd))
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: fsync directory", what);
	return LB_OK;
}

int lb_write_atomic_at(int dirfd, const char *name, const void *buf, size_t len,
		       const char *what, struct lb_err *err)
{
	char tmp[NAME_MAX + 1];
	int fd;
	int rc = lb_tmp_create_at(dirfd, name, tmp, &fd, err);
	if (rc)
		return rc;
	if (lb_write_all(fd, buf, len)) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: write", what);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	return lb_tmp_commit_at(dirfd, fd, tmp, name, what, err);
}
