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

static int is_layout_file(const char *s)
{
	return !strcmp(s, "oci-layout") || !strcmp(s, "index.json") ||
	       !strcmp(s, "lifeboat-hints.json");
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
		clear_dir(bfd, is_blob_name, &left);
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
