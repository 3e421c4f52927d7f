#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Splits path into its directory ("." if none) and its last component. */
static int split_path(const char *path, char *dir, size_t dir_cap, const char **base,
		      struct lb_err *err)
{
	size_t len = strlen(path);
	if (len == 0 || path[len - 1] == '/')
		return lb_fail(err, LB_EUSAGE, "%s: not a file name", path[0] ? path : "\"\"");
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!strcmp(*base, ".") || !strcmp(*base, ".."))
		return lb_fail(err, LB_EUSAGE, "%s: not a file name", path);
	size_t dir_len = slash ? (size_t)(slash - path) : 0;
	const char *d = slash ? path : ".";
	if (slash && dir_len == 0) { /* "/name" */
		d = "/";
		dir_len = 1;
	} else if (!slash) {
		dir_len = 1;
	}
	if (dir_len >= dir_cap)
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", path);
	memcpy(dir, d, dir_len);
	dir[dir_len] = '\0';
	return 0;
}

int lb_atomic_file_open(struct lb_atomic_file *f, const char *path, bool replace, mode_t mode,
			struct lb_err *err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->replace = replace;
	char dir[PATH_MAX];
	const char *base;
	int rc = split_path(path, dir, sizeof(dir), &base, err);
	if (rc)
		return rc;
	int n = snprintf(f->path, sizeof(f->path), "%s", path);
	char tmp[PATH_MAX];
	int m = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	if (n < 0 || (size_t)n >= sizeof(f->path) || m < 0 || (size_t)m >= sizeof(tmp))
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", path);

	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!replace)
			return lb_fail(err, LB_EUNSAFE, "%s: already exists; not overwriting it", path);
		if (!S_ISREG(st.st_mode))
			return lb_fail(err, LB_EUNSAFE, "%s: exists and is not a regular file; not "
					"replacing it", path);
	} else if (errno != ENOENT) {
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot stat", path);
	}

	f->fd = mkostemp(tmp, O_CLOEXEC);
	if (f->fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno,
				     "%s: cannot create a file in %s", path, dir);
	memcpy(f->tmp_path, tmp, sizeof(tmp)); /* from now on abort removes it */
	if (fchmod(f->fd, mode) != 0) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot set its mode", f->tmp_path);
		lb_atomic_file_abort(f);
		return rc;
	}
	return 0;
}

static int fsync_dir(const char *path, struct lb_err *err)
{
	char dir[PATH_MAX];
	const char *base;
	if (split_path(path, dir, sizeof(dir), &base, err))
		return LB_EFAIL;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot open to sync", dir);
	int rc = 0;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync", dir);
	close(fd);
	return rc;
}

/* rename without replacing; link+unlink where the filesystem lacks
 * RENAME_NOREPLACE. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	unlink(from);
	return 0;
}

int lb_atomic_file_commit(struct lb_atomic_file *f, struct lb_err *err)
{
	if (fsync(f->fd) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync", f->tmp_path);
	int fd = f->fd;
	f->fd = -1;
	if (close(fd) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot close", f->tmp_path);
	int r = f->replace ? rename(f->tmp_path, f->path) : rename_noreplace(f->tmp_path, f->path);
	if (r != 0) {
		if (errno == EEXIST)
			return lb_fail(err, LB_EUNSAFE,
				       "%s: appeared while it was being written; not overwriting it",
				       f->path);
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot rename %s to it", f->path,
				     f->tmp_path);
	}
	f->committed = true;
	return fsync_dir(f->path, err);
}

void lb_atomic_file_abort(struct lb_atomic_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (!f->committed && f->tmp_path[0])
		unlink(f->tmp_path);
	f->tmp_path[0] = '\0';
}
