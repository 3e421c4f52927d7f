#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

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
