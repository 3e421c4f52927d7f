#include "layer/capability.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>

int lb_capability_read(int dir_fd, const char *name, struct lb_capability *cap)
{
	/* Through /proc/self/fd: the directory is the one already open and only
	 * the last component is looked up, by lgetxattr, which does not follow. */
	char path[64 + NAME_MAX];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, name);
	cap->data = cap->small;
	cap->len = 0;
	ssize_t n = lgetxattr(path, LB_CAPABILITY_XATTR, cap->small, sizeof(cap->small));
	if (n >= 0) {
		cap->len = (size_t)n;
		return 0;
	}
	if (errno == ENODATA || errno == ENOTSUP)
		return 0;
	if (errno != ERANGE)
		return errno;
	/* Larger than any capability format the kernel writes, but still legal. */
	n = lgetxattr(path, LB_CAPABILITY_XATTR, NULL, 0);
	if (n < 0)
		return errno;
	if (!(cap->data = malloc((size_t)n + 1)))
		return ENOMEM;
	n = lgetxattr(path, LB_CAPABILITY_XATTR, cap->data, (size_t)n);
	if (n < 0) {
		int saved = errno;
		lb_capability_free(cap);
		return saved;
	}
	cap->len = (size_t)n;
	return 0;
}

void lb_capability_free(struct lb_capability *cap)
{
	if (cap->data && cap->data != cap->small)
		free(cap->data);
	cap->data = NULL;
	cap->len = 0;
}
