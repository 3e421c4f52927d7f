#include "snapshot/catalog_store.h"

#include "docker/jsonfile.h"
#include "util/atomic_at.h"
#include "util/nofollow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the .bak is built before it is renamed into place, so a crash never
 * leaves a half-made .bak. */
#define BACKUP_TMP ".snapshots.json.bak.tmp"

int lb_snap_catalog_dir(const char *driver_home, char out[PATH_MAX], struct lb_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", driver_home, LB_SNAP_CATALOG_DIRNAME);
	if (n < 0 || n >= PATH_MAX) {
		out[0] = '\0';
		return lb_fail(err, LB_EUSAGE, "%s: path too long", driver_home);
	}
	return LB_OK;
}

/* Opens `dir` (the lifeboat directory) without following a link in it or on
 * the way; with `create`, makes it (0700) first when missing. */
static int open_dir(const char *dir, bool create, int *fd_out, struct lb_err *err)
{
	*fd_out = -1;
	char parent[PATH_MAX];
	const char *slash = strrchr(dir, '/');
	if (!slash || !slash[1] || (size_t)(slash - dir) >= sizeof(parent))
		return lb_fail(err, LB_EUSAGE, "%s: not a path to a catalog directory", dir);
	size_t parent_len = slash == dir ? 1 : (size_t)(slash - dir);
	memcpy(parent, dir, parent_len);
	parent[parent_len] = '\0';
	int pfd, rc = lb_open_dir_nofollow(parent, &pfd, err);
	if (rc)
		return rc;
	if (create && mkdirat(pfd, slash + 1, 0700) != 0 && errno != EEXIST) {
		int saved = errno;
		close(pfd);
		return lb_fail_errno(err, lb_exit_for_errno(saved), saved, "%s: cannot create", dir);
	}
	int fd = openat(pfd, slash + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int saved = errno;
	close(pfd);
	if (fd < 0) {
		if (saved == ELOOP || saved == ENOTDIR)
			return lb_fail(err, LB_EINTEGRITY, "%s: not a directory (a link or a file)",
				       dir);
		return lb_fail_errno(err, lb_exit_for_errno(saved), saved, "%s: cannot open", dir);
	}
	*fd_out = fd;
	return LB_OK;
}

int lb_snap_catalog_load(const char *dir, const char *pool, struct lb_snap_catalog *out,
			 struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, LB_SNAP_CATALOG_FILE) >= (int)sizeof(path))
		return lb_fail(err, LB_EUSAGE, "%s: path too long", dir);
	char *text = NULL;
	size_t len = 0;
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (rc == LB_ENOTFOUND)
		return lb_snap_catalog_init(out, pool, err);
	if (rc)
		return rc;
	rc = lb_snap_catalog_parse(text, len, path, out, err);
	free(text);
	if (!rc && strcmp(out->pool, pool)) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: the catalog of pool %s, not of pool %s", path,
			     out->pool, pool);
		lb_snap_catalog_free(out);
	}
	return rc;
}

/* snapshots.json -> snapshots.json.bak, keeping snapshots.json in place. */
static int keep_backup(int dfd, const char *dir, struct lb_err *err)
{
	if (unlinkat(dfd, BACKUP_TMP, 0) != 0 && errno != ENOENT)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s/%s: cannot remove", dir, BACKUP_TMP);
	if (linkat(dfd, LB_SNAP_CATALOG_FILE, dfd, BACKUP_TMP, 0) != 0) {
		if (errno == ENOENT)
			return LB_OK; /* the first store: nothing to keep */
		return lb_fail_errno(err, LB_EFAIL, errno, "%s/%s: cannot link to %s", dir,
				     LB_SNAP_CATALOG_FILE, BACKUP_TMP);
	}
	if (renameat(dfd, BACKUP_TMP, dfd, LB_SNAP_CATALOG_BACKUP) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s/%s: cannot rename to %s", dir,
				     BACKUP_TMP, LB_SNAP_CATALOG_BACKUP);
	return LB_OK;
}

int lb_snap_catalog_store(const char *dir, const struct lb_snap_catalog *cat, struct lb_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int dfd = -1;
	int rc = lb_snap_catalog_format(cat, &text, &len, err);
	if (!rc)
		rc = open_dir(dir, true, &dfd, err);
	if (!rc)
		rc = keep_backup(dfd, dir, err);
	if (!rc) {
		char what[PATH_MAX + 32];
		snprintf(what, sizeof(what), "%s/%s", dir, LB_SNAP_CATALOG_FILE);
		rc = lb_write_atomic_at(dfd, LB_SNAP_CATALOG_FILE, text, len, what, err);
	}
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}

static int take_lock(const char *dir, bool wait, struct lb_snap_lock *lk, struct lb_err *err)
{
	lk->fd = -1;
	int dfd, rc = open_dir(dir, true, &dfd, err);
	if (rc)
		return rc;
	int fd = openat(dfd, LB_SNAP_CATALOG_LOCKFILE,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	int saved = errno;
	close(dfd);
	if (fd < 0)
		return lb_fail_errno(err, saved == ELOOP ? LB_EINTEGRITY : lb_exit_for_errno(saved),
				     saved, "%s/%s: cannot open", dir, LB_SNAP_CATALOG_LOCKFILE);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s/%s: not a regular file", dir,
			       LB_SNAP_CATALOG_LOCKFILE);
	}
	int r;
	while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
		;
	if (r != 0) {
		saved = errno;
		close(fd);
		if (saved == EWOULDBLOCK)
			return lb_fail(err, LB_EUNSAFE,
				       "%s/%s: another lifeboat holds the snapshot catalog's lock",
				       dir, LB_SNAP_CATALOG_LOCKFILE);
		return lb_fail_errno(err, LB_EFAIL, saved, "%s/%s: cannot lock", dir,
				     LB_SNAP_CATALOG_LOCKFILE);
	}
	lk->fd = fd;
	return LB_OK;
}

int lb_snap_catalog_lock(const char *dir, struct lb_snap_lock *lk, struct lb_err *err)
{
	return take_lock(dir, true, lk, err);
}

int lb_snap_catalog_trylock(const char *dir, struct lb_snap_lock *lk, struct lb_err *err)
{
	return take_lock(dir, false, lk, err);
}

void lb_snap_catalog_unlock(struct lb_snap_lock *lk)
{
	if (lk->fd >= 0)
		close(lk->fd);
	lk->fd = -1;
}
