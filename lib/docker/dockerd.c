/* Is a dockerd running on this data root? Read from /proc alone. */
#include "docker/dockerd.h"
#include "docker/dataroot.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !strcmp(a, b);
}

static bool read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*len = (size_t)n;
	return true;
}

/* The data root of a dockerd from its command line. */
static void dockerd_root(pid_t pid, const char *fallback, char *out, size_t cap)
{
	char path[64], args[8192];
	size_t len;
	snprintf(out, cap, "%s", fallback);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!read_small(path, args, sizeof(args), &len))
		return;
	for (size_t i = 0; i < len;) {
		const char *arg = args + i;
		size_t alen = strlen(arg);
		const char *next = i + alen + 1 < len ? args + i + alen + 1 : NULL;
		if ((!strcmp(arg, "--data-root") || !strcmp(arg, "-g") || !strcmp(arg, "--graph")) &&
		    next)
			snprintf(out, cap, "%s", next);
		else if (!strncmp(arg, "--data-root=", 12))
			snprintf(out, cap, "%s", arg + 12);
		else if (!strncmp(arg, "--graph=", 8))
			snprintf(out, cap, "%s", arg + 8);
		i += alen + 1;
	}
}

/* A process named dockerd (its comm, which a renamed binary changes: the
 * same test Docker's own init scripts make). */
static bool is_dockerd(pid_t pid)
{
	char path[64], comm[64];
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!read_small(path, comm, sizeof(comm), &len))
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "dockerd");
}

static bool is_dockerd_on(pid_t pid, const char *data_root, const char *fallback)
{
	if (!is_dockerd(pid))
		return false;
	char root[PATH_MAX];
	dockerd_root(pid, fallback, root, sizeof(root));
	return same_dir(root, data_root);
}

/* The first process in /proc that `match` accepts, or 0. */
static pid_t scan_proc(bool (*match)(pid_t pid, const char *data_root, const char *fallback),
		       const char *data_root, const char *fallback)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	pid_t found = 0;
	while (!found && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		if (match((pid_t)pid, data_root, fallback))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

pid_t lb_docker_find_dockerd(const char *data_root, const char *daemon_json_root)
{
	const char *fallback = daemon_json_root && daemon_json_root[0] ? daemon_json_root
								       : LB_DOCKER_DEFAULT_ROOT;
	char buf[32];
	size_t len;
	if (read_small("/var/run/docker.pid", buf, sizeof(buf), &len)) {
		pid_t pid = (pid_t)atoi(buf);
		if (pid > 0 && is_dockerd_on(pid, data_root, fallback))
			return pid;
	}
	return scan_proc(is_dockerd_on, data_root, fallback);
}

pid_t lb_docker_dockerd_on(const struct lb_docker_root *root)
{
	return lb_docker_find_dockerd(root->data_root, root->daemon.data_root);
}

static bool is_any_dockerd(pid_t pid, const char *data_root, const char *fallback)
{
	(void)data_root;
	(void)fallback;
	return is_dockerd(pid);
}

pid_t lb_docker_find_any_dockerd(void)
{
	return scan_proc(is_any_dockerd, NULL, NULL);
}
