#include "util/atomic_file.h"
#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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

/* A temporary name nobody can guess in advance, created new: O_EXCL, and
 * O_NOFOLLOW so a symlink planted under that name is not followed. */
static int create_tmp(struct lb_atomic_file *f, mode_t mode)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[6];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		char suffix[7];
		for (size_t i = 0; i < 6; i++)
			suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		suffix[6] = '\0';
		if (snprintf(f->tmp_base, sizeof(f->tmp_base), ".%.200s.%s", f->base, suffix) < 0)
			return -1;
		int fd = openat(f->dir_fd, f->tmp_base,
				O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int lb_atomic_file_open(struct lb_atomic_file *f, const char *path, bool replace, mode_t mode,
			struct lb_err *err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->dir_fd = -1;
	f->replace = replace;
	char dir[PATH_MAX], canonical[PATH_MAX];
	const char *base = NULL;
	int rc = split_path(path, dir, sizeof(dir), &base, err);
	if (rc)
		return rc;
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s", path) >= sizeof(f->path) ||
	    (size_t)snprintf(f->base, sizeof(f->base), "%s", base) >= sizeof(f->base))
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", path);
	if (!realpath(dir, canonical))
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot use %s", path,
				     dir);
	f->dir_fd = lb_open_own_dir_nofollow(canonical, err);
	if (f->dir_fd < 0)
		return err ? err->code : LB_EFAIL;
	f->have_dir = true;

	struct stat st;
	if (fstatat(f->dir_fd, f->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!replace)
			rc = lb_fail(err, LB_EUNSAFE, "%s: already exists; not overwriting it", path);
		else if (!S_ISREG(st.st_mode))
			rc = lb_fail(err, LB_EUNSAFE, "%s: exists and is not a regular file; not "
				     "replacing it", path);
	} else if (errno != ENOENT) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot stat", path);
	}
	if (!rc && (f->fd = create_tmp(f, mode)) < 0)
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno,
				   "%s: cannot create a file in %s", path, canonical);
	if (rc) {
		lb_atomic_file_abort(f);
		return rc;
	}
	if (snprintf(f->tmp_path, sizeof(f->tmp_path), "%s/%s", strcmp(canonical, "/") ? canonical : "",
		     f->tmp_base) < 0)
		f->tmp_path[0] = '\0';
	/* The mode asked for, whatever the umask. */
	if (fchmod(f->fd, mode) != 0) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot set its mode", f->tmp_path);
		lb_atomic_file_abort(f);
		return rc;
	}
	return 0;
}

/* rename without replacing; link+unlink where the filesystem lacks
 * RENAME_NOREPLACE. */
static int rename_noreplace(int dir_fd, const char *from, const char *to)
{
	if (renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dir_fd, from, dir_fd, to, 0) != 0)
		return -1;
	unlinkat(dir_fd, from, 0);
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
	int r = f->replace ? renameat(f->dir_fd, f->tmp_base, f->dir_fd, f->base)
			   : rename_noreplace(f->dir_fd, f->tmp_base, f->base);
	if (r != 0) {
		if (errno == EEXIST)
			return lb_fail(err, LB_EUNSAFE,
				       "%s: appeared while it was being written; not overwriting it",
				       f->path);
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot rename %s to it", f->path,
				     f->tmp_path);
	}
	f->committed = true;
	if (fsync(f->dir_fd) != 0 && errno != EINVAL)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync its directory", f->path);
	return 0;
}

void lb_atomic_file_abort(struct lb_atomic_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->have_dir) {
		if (!f->committed && f->tmp_base[0])
			unlinkat(f->dir_fd, f->tmp_base, 0);
		close(f->dir_fd);
		f->have_dir = false;
		f->dir_fd = -1;
	}
	f->tmp_base[0] = '\0';
	f->tmp_path[0] = '\0';
}

int lb_atomic_file_write(const char *path, const void *buf, size_t len, bool replace, mode_t mode,
			 struct lb_err *err)
{
	struct lb_atomic_file f;
	int rc = lb_atomic_file_open(&f, path, replace, mode, err);
	if (rc)
		return rc;
	const char *p = buf;
	for (size_t done = 0; done < len && !rc;) {
		ssize_t n = write(f.fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = lb_fail_errno(err, LB_EFAIL, n < 0 ? errno : EIO, "%s: write", f.tmp_path);
		else
			done += (size_t)n;
	}
	if (!rc)
		rc = lb_atomic_file_commit(&f, err);
	lb_atomic_file_abort(&f);
	return rc;
}
