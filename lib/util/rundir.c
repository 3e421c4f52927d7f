#include "util/rundir.h"
#include "util/safepath.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int lb_run_dir_ensure(const char *dir, bool create, struct lb_err *err)
{
	if (strcmp(dir, LB_RUN_DIR) && !lb_path_is_under(dir, LB_RUN_DIR))
		return lb_fail(err, LB_EUSAGE, "%s: not under %s", dir, LB_RUN_DIR);
	const char *dirs[] = {LB_RUN_DIR, dir};
	for (size_t i = 0; i < 2; i++) {
		if (create && mkdir(dirs[i], 0700) != 0 && errno != EEXIST)
			return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot create",
					     dirs[i]);
		struct stat st;
		if (!create && lstat(dirs[i], &st) != 0 && errno == ENOENT)
			return lb_fail(err, LB_ENOTFOUND, "%s: does not exist", dirs[i]);
		int rc = lb_path_check_private_dir(dirs[i], "lifeboat's own directory", err);
		if (rc)
			return rc;
	}
	return LB_OK;
}
