/* lifeboat: removing a staged layout (see staging.h). */
#include "migrate/staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int is_blob_name(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Unlinks the names in dfd that `ours` accepts; counts the others in *left. */
static int clear_dir(int dfd, int (*ours)(const char *), int *left)
{
	int dup_fd = dup(dfd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (ours(e->d_name) && unlinkat(dfd, e->d_name, 0) == 0)
			continue;
		(*left)++;
	}
	closedir(d);
	return 0;
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* What a lifeboat killed mid-write leaves: the blob writer's ".tmp-<16 hex>"
 * (where O_TMPFILE is not supported: overlayfs before Linux 6.6) and an
 * atomic write's ".<name>.tmp-<8 hex>" (lib/util/atomic_at.c). Another
 * program's file never has these shapes by chance. */
static int is_our_tmp(const char *s)
{
	if (!strncmp(s, ".tmp-", 5))
		return all_hex(s + 5, 16);
	size_t n = strlen(s);
	return s[0] == '.' && n > 14 && !strncmp(s + n - 13, ".tmp-", 5) && all_hex(s + n - 8, 8);
}

static int is_blob_or_tmp(const char *s)
{
	return is_blob_name(s) || is_our_tmp(s);
}

static int is_layout_file(const char *s)
{
	return !strcmp(s, "oci-layout") || !strcmp(s, "index.json") ||
	       !strcmp(s, "lifeboat-hints.json") || is_our_tmp(s);
}

/* The push's upload journals (.lifeboat-push/<host>/<repo...>/): after a
 * complete push only directories are left; remove those, keep any file. */
static void remove_empty_dirs(int dfd, const char *name, int depth)
{
	if (depth > 64)
		return;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d && dup_fd >= 0)
		close(dup_fd);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_empty_dirs(fd, e->d_name, depth + 1);
	if (d)
		closedir(d);
	close(fd);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

int lb_staged_layout_remove(const char *dir, struct lb_err *err)
{
	int left = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? LB_OK
				       : lb_fail_errno(err, LB_EFAIL, errno, "%s: open", dir);
	int bfd = openat(dfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd >= 0) {
		clear_dir(bfd, is_blob_or_tmp, &left);
		close(bfd);
		unlinkat(dfd, "blobs/sha256", AT_REMOVEDIR);
		unlinkat(dfd, "blobs", AT_REMOVEDIR);
	}
	remove_empty_dirs(dfd, ".lifeboat-push", 0);
	unlinkat(dfd, ".lifeboat-empty", AT_REMOVEDIR); /* migrate/carry.c's, if a run died there */
	clear_dir(dfd, is_layout_file, &left);
	close(dfd);
	if (rmdir(dir) != 0)
		return lb_fail_errno(err, LB_EUNSAFE, errno,
				     "%s: staged layout not removed: it holds files lifeboat did "
				     "not write; left in place",
				     dir);
	return LB_OK;
}
