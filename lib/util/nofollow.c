#include "util/nofollow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* Why openat() of `name` in `dir_fd` failed: a link or a non-directory on
 * the way is named as far as `name` (name_end: its end in path); anything
 * else (a missing file) names the whole path, as open() would. */
static int open_failed(int dir_fd, const char *name, int errnum, const char *path,
		       const char *name_end, struct lb_err *err)
{
	struct stat st;
	int upto = (int)(name_end - path);
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return lb_fail(err, LB_EINTEGRITY,
			       "%.*s: is a symbolic link, which lifeboat does not follow in a data root",
			       upto, path);
	if (errnum == ENOTDIR)
		return lb_fail(err, LB_EINTEGRITY, "%.*s: not a directory", upto, path);
	return lb_fail_errno(err, lb_exit_for_errno(errnum), errnum, "%s: cannot open", path);
}

/* Copies the component of n bytes at p (in path) into name. A name longer
 * than NAME_MAX, or "..", which would climb out of the tree, is refused. */
static int take_component(const char *path, const char *p, size_t n, char name[NAME_MAX + 1],
			  struct lb_err *err)
{
	if (n > NAME_MAX)
		return lb_fail(err, LB_EUSAGE, "%.80s: name too long", p);
	if (n == 2 && p[0] == '.' && p[1] == '.')
		return lb_fail(err, LB_EUSAGE, "%s: '..' in a path inside a data root", path);
	memcpy(name, p, n);
	name[n] = '\0';
	return LB_OK;
}

/* Opens every directory of `path` but the last component, without following
 * links: *dir_fd is the parent's descriptor (close it), *last the last
 * component (a pointer into path). */
static int walk_parents(int base_fd, const char *path, int *dir_fd, const char **last,
			struct lb_err *err)
{
	*dir_fd = -1;
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0 || len >= PATH_MAX)
		return lb_fail(err, LB_EUSAGE, "%.80s: not a usable path", path);
	/* An absolute path would leave base_fd: openat ignores it then. */
	if (base_fd != AT_FDCWD && path[0] == '/')
		return lb_fail(err, LB_EUSAGE, "%.80s: absolute path beneath a directory", path);
	const char *start = path[0] == '/' ? "/" : ".";
	int fd = openat(base_fd, start, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot open", start);
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		const char *next = p + n;
		while (*next == '/')
			next++;
		if (*next == '\0' || (size_t)(next - path) >= len) {
			*last = p;
			break;
		}
		char name[NAME_MAX + 1];
		int rc = take_component(path, p, n, name, err);
		int sub = rc ? -1 : openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (!rc && sub < 0)
			rc = open_failed(fd, name, errno, path, p + n, err);
		if (rc) {
			close(fd);
			return rc;
		}
		close(fd);
		fd = sub;
		p = next;
	}
	*dir_fd = fd;
	return LB_OK;
}

/* Walks to the directory holding the last component of `path`: *dir_fd is
 * that directory (close it), name the last component without trailing
 * slashes ("" for the root itself), *name_end its end in path. */
static int walk_to_last(int base_fd, const char *path, int *dir_fd, char name[NAME_MAX + 1],
			const char **name_end, struct lb_err *err)
{
	const char *last;
	int rc = walk_parents(base_fd, path, dir_fd, &last, err);
	if (rc)
		return rc;
	size_t n = strcspn(last, "/");
	if ((rc = take_component(path, last, n, name, err))) {
		close(*dir_fd);
		*dir_fd = -1;
		return rc;
	}
	*name_end = last + n;
	return LB_OK;
}

int lb_open_dir_nofollow(const char *path, int *fd_out, struct lb_err *err)
{
	*fd_out = -1;
	int dir_fd;
	char name[NAME_MAX + 1];
	const char *name_end;
	int rc = walk_to_last(AT_FDCWD, path, &dir_fd, name, &name_end, err);
	if (rc)
		return rc;
	int fd = openat(dir_fd, name[0] ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		rc = open_failed(dir_fd, name, errno, path, name_end, err);
	close(dir_fd);
	*fd_out = fd;
	return rc;
}

static const char *kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link, which lifeboat does not follow in a data root";
	if (S_ISDIR(mode))
		return "a directory, not a regular file";
	if (S_ISFIFO(mode))
		return "a FIFO, not a regular file";
	if (S_ISSOCK(mode))
		return "a socket, not a regular file";
	if (S_ISBLK(mode))
		return "a block device, not a regular file";
	if (S_ISCHR(mode))
		return "a character device, not a regular file";
	return "not a regular file";
}

int lb_open_file_nofollow(const char *path, int *fd_out, struct lb_err *err)
{
	return lb_open_file_nofollow_at(AT_FDCWD, path, fd_out, err);
}

int lb_open_file_nofollow_at(int base_fd, const char *path, int *fd_out, struct lb_err *err)
{
	*fd_out = -1;
	int dir_fd;
	char name[NAME_MAX + 1];
	const char *name_end;
	int rc = walk_to_last(base_fd, path, &dir_fd, name, &name_end, err);
	if (rc)
		return rc;
	/* Looked at before it is opened: opening a FIFO or a device can block
	 * or do something. */
	struct stat before, after;
	if (fstatat(dir_fd, name, &before, AT_SYMLINK_NOFOLLOW) != 0) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", path);
		close(dir_fd);
		return rc;
	}
	if (!S_ISREG(before.st_mode)) {
		close(dir_fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: is %s", path, kind_of(before.st_mode));
	}
	int fd = openat(dir_fd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	int saved = errno;
	close(dir_fd);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(saved), saved, "%s: cannot open", path);
	if (fstat(fd, &after) != 0 || !S_ISREG(after.st_mode) || after.st_ino != before.st_ino ||
	    after.st_dev != before.st_dev) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: changed while it was opened", path);
	}
	*fd_out = fd;
	return LB_OK;
}

int lb_lstat_nofollow(const char *path, struct stat *st, struct lb_err *err)
{
	int dir_fd;
	char name[NAME_MAX + 1];
	const char *name_end;
	int rc = walk_to_last(AT_FDCWD, path, &dir_fd, name, &name_end, err);
	if (rc)
		return rc;
	if (fstatat(dir_fd, name[0] ? name : ".", st, AT_SYMLINK_NOFOLLOW) != 0)
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot stat", path);
	close(dir_fd);
	return rc;
}
