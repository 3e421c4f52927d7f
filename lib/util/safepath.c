#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool lb_path_is_component(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len <= NAME_MAX && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/') && !has_control_char(name);
}

bool lb_path_is_canonical(const char *path)
{
	size_t len = strlen(path);
	if (path[0] != '/' || len >= PATH_MAX || has_control_char(path))
		return false;
	if (len == 1)
		return true;
	for (const char *p = path + 1;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false; /* "//", a trailing '/', "." or ".." */
		if (!p[n])
			return true;
		p += n + 1;
	}
}

bool lb_path_is_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);
	if (!lb_path_is_canonical(path) || !lb_path_is_canonical(dir))
		return false;
	if (len == 1) /* everything but "/" is under "/" */
		return path[1] != '\0';
	return !strncmp(path, dir, len) && path[len] == '/';
}

/* Appends "/name" to out (holding a canonical path). */
static int append(char *out, size_t cap, const char *name, size_t n)
{
	size_t used = strlen(out);
	if (used == 1) /* "/" */
		used = 0;
	if (used + 1 + n >= cap)
		return -1;
	out[used] = '/';
	memcpy(out + used + 1, name, n);
	out[used + 1 + n] = '\0';
	return 0;
}

int lb_path_canonical(const char *in, char *out, size_t cap, struct lb_err *err)
{
	char abs[PATH_MAX * 2];
	if (!in[0])
		return lb_fail(err, LB_EUSAGE, "\"\": not a path");
	if (in[0] == '/') {
		if (snprintf(abs, sizeof(abs), "%s", in) >= (int)sizeof(abs))
			return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", in);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot get the current directory",
					     in);
		if (snprintf(abs, sizeof(abs), "%s/%s", cwd, in) >= (int)sizeof(abs))
			return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", in);
	}
	/* The longest prefix that exists: cut components off the end. */
	size_t end = strlen(abs);
	char resolved[PATH_MAX];
	for (;;) {
		char saved = abs[end];
		abs[end] = '\0';
		const char *prefix = end ? abs : "/";
		char *r = realpath(prefix, resolved);
		abs[end] = saved;
		if (r)
			break;
		if (errno != ENOENT)
			return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot resolve",
					     in);
		while (end > 0 && abs[end - 1] == '/')
			end--;
		while (end > 0 && abs[end - 1] != '/')
			end--;
	}
	if (snprintf(out, cap, "%s", resolved) >= (int)cap)
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", in);
	/* The part that does not exist yet: plain names only. */
	for (const char *p = abs + end; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return lb_fail(err, LB_EUSAGE,
				       "%s: '..' below a directory that does not exist cannot be "
				       "resolved", in);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			char name[NAME_MAX + 1];
			if (n > NAME_MAX)
				return lb_fail(err, LB_EUSAGE, "%s: a name in it is too long", in);
			memcpy(name, p, n);
			name[n] = '\0';
			if (!lb_path_is_component(name) || append(out, cap, p, n))
				return lb_fail(err, LB_EUSAGE, "%s: not a usable path", in);
		}
		p += n + (p[n] == '/');
	}
	if (!lb_path_is_canonical(out))
		return lb_fail(err, LB_EUSAGE, "%s: not a usable path", in);
	return LB_OK;
}

/* Calls fn with an fd of each directory on canonical path dir, from "/" to
 * dir itself, opened with O_NOFOLLOW; returns the last fd (the caller closes
 * it) or -1 with err set. */
typedef int (*dir_fn)(void *ctx, int fd, const char *path, bool last, struct lb_err *err);
static int walk_dirs(const char *dir, dir_fn fn, void *ctx, struct lb_err *err)
{
	if (!lb_path_is_canonical(dir)) {
		lb_fail(err, LB_EUSAGE, "%s: not a canonical path", dir);
		return -1;
	}
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		lb_fail_errno(err, LB_EFAIL, errno, "/: cannot open");
		return -1;
	}
	char sofar[PATH_MAX] = "/";
	const char *p = dir + 1;
	for (;;) {
		bool last = *p == '\0';
		if (fn && fn(ctx, fd, sofar, last, err)) {
			close(fd);
			return -1;
		}
		if (last)
			return fd;
		size_t n = strcspn(p, "/");
		char name[NAME_MAX + 1];
		memcpy(name, p, n);
		name[n] = '\0';
		append(sofar, sizeof(sofar), p, n);
		p += n + (p[n] == '/');
		int next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		struct stat st;
		/* O_PATH with O_NOFOLLOW takes a symlink as itself: ENOTDIR. */
		bool link = next < 0 && (e == ELOOP || (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
							 S_ISLNK(st.st_mode)));
		close(fd);
		if (next < 0) {
			if (link)
				lb_fail(err, LB_EUNSAFE, "%s: a symlink, not followed", sofar);
			else
				lb_fail_errno(err, lb_exit_for_errno(e), e, "%s: cannot open", sofar);
			return -1;
		}
		fd = next;
	}
}

int lb_open_own_dir_nofollow(const char *dir, struct lb_err *err)
{
	int fd = walk_dirs(dir, NULL, NULL, err);
	if (fd < 0)
		return -1;
	/* A real descriptor (O_PATH ones cannot be fsynced). */
	int rd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd < 0)
		lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", dir);
	close(fd);
	return rd;
}

bool lb_path_resolves_to_itself(const char *path)
{
	char real[PATH_MAX];
	return realpath(path, real) && !strcmp(real, path);
}

static int check_private(void *ctx, int fd, const char *path, bool last, struct lb_err *err)
{
	const char *what = ctx;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot stat", path);
	uid_t me = geteuid();
	if (last) {
		if (st.st_uid != me || (st.st_mode & 022))
			return lb_fail(err, LB_EUNSAFE,
				       "%s (%s): others can write there (owner %u, mode %04o); use a "
				       "directory only you can write",
				       path, what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if ((st.st_uid != 0 && st.st_uid != me) || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
		return lb_fail(err, LB_EUNSAFE,
			       "%s (%s): %s could replace what is below it (owner %u, mode %04o)", path,
			       what, "someone else", (unsigned)st.st_uid,
			       (unsigned)(st.st_mode & 07777));
	return 0;
}

int lb_path_check_private_dir(const char *dir, const char *what, struct lb_err *err)
{
	int fd = walk_dirs(dir, check_private, (void *)what, err);
	if (fd < 0)
		return err ? err->code : LB_EUNSAFE;
	close(fd);
	return LB_OK;
}
