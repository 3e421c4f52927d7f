#include "loop/loop.h"
#include "util/devnode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int read_sysfs_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int fill_from_sysfs(const char *name, struct lb_loop *out)
{
	char path[128], line[64];
	unsigned maj, min;
	snprintf(path, sizeof(path), "/sys/block/%s/dev", name);
	if (read_sysfs_line(path, line, sizeof(line)) || sscanf(line, "%u:%u", &maj, &min) != 2)
		return -1;
	out->major = maj;
	out->minor = min;
	snprintf(path, sizeof(path), "/sys/block/%s/ro", name);
	out->read_only = read_sysfs_line(path, line, sizeof(line)) == 0 && line[0] == '1';
	snprintf(path, sizeof(path), "/sys/block/%s/size", name);
	unsigned long long sectors = 0;
	if (read_sysfs_line(path, line, sizeof(line)) == 0)
		sectors = strtoull(line, NULL, 10);
	out->size_bytes = (uint64_t)sectors * 512;
	snprintf(out->dev_path, sizeof(out->dev_path), "/dev/%s", name);
	out->fd = -1;
	out->attached_by_us = false;
	return 0;
}

int lb_loop_find(const char *path, struct lb_loop *out, bool *found, struct lb_err *err)
{
	*found = false;
	struct stat want;
	if (stat(path, &want) != 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot stat", path);
	DIR *d = opendir("/sys/block");
	if (!d)
		return lb_fail_errno(err, LB_EFAIL, errno, "/sys/block: cannot list loop devices");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		char bf[PATH_MAX + 64], backing[PATH_MAX];
		snprintf(bf, sizeof(bf), "/sys/block/%s/loop/backing_file", de->d_name);
		if (read_sysfs_line(bf, backing, sizeof(backing)))
			continue; /* not bound */
		/* sysfs gives a path; the same file may have been reached by
		 * another path, so compare device and inode through the loop
		 * device itself when we can open it, else through the path. */
		struct stat st;
		bool same = false;
		struct lb_loop cand;
		if (fill_from_sysfs(de->d_name, &cand))
			continue;
		int fd = lb_devnode_open(cand.major, cand.minor, cand.dev_path, O_RDONLY, NULL);
		if (fd >= 0) {
			struct loop_info64 li;
			if (ioctl(fd, LOOP_GET_STATUS64, &li) == 0)
				same = li.lo_device == want.st_dev && li.lo_inode == want.st_ino;
			close(fd);
		} else if (stat(backing, &st) == 0) {
			same = st.st_dev == want.st_dev && st.st_ino == want.st_ino;
		}
		if (same) {
			*out = cand;
			*found = true;
			break;
		}
	}
	closedir(d);
	return LB_OK;
}

int lb_loop_attach(const char *path, bool read_only, struct lb_loop *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	int file_fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (file_fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", path);
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		int e = errno;
		close(file_fd);
		return lb_fail_errno(err, LB_EFAIL, e, "/dev/loop-control: cannot open (loop module?)");
	}
	int rc = LB_EFAIL;
	/* Another process may take the free device between GET_FREE and
	 * CONFIGURE; then ask again, a bounded number of times. */
	for (int attempt = 0; attempt < 16; attempt++) {
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0) {
			rc = lb_fail_errno(err, LB_EFAIL, errno, "/dev/loop-control: no free loop device");
			break;
		}
		char name[32];
		snprintf(name, sizeof(name), "loop%d", nr);
		struct lb_loop cand = {.fd = -1};
		snprintf(cand.dev_path, sizeof(cand.dev_path), "/dev/%s", name);
		if (fill_from_sysfs(name, &cand)) {
			rc = lb_fail(err, LB_EFAIL, "/sys/block/%s: loop device vanished", name);
			continue;
		}
		int fd = lb_devnode_open(cand.major, cand.minor, cand.dev_path,
					 read_only ? O_RDONLY : O_RDWR, err);
		if (fd < 0) {
			rc = err ? err->code : LB_EFAIL;
			break;
		}
		struct loop_config cfg = {.fd = (uint32_t)file_fd};
		cfg.info.lo_flags = (read_only ? LO_FLAGS_READ_ONLY : 0) | LO_FLAGS_AUTOCLEAR;
		snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", path);
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) != 0) {
			int e = errno;
			if (e == EINVAL || e == ENOTTY) { /* kernels before 5.8 */
				if (ioctl(fd, LOOP_SET_FD, file_fd) == 0 &&
				    ioctl(fd, LOOP_SET_STATUS64, &cfg.info) == 0)
					e = 0;
				else
					e = errno;
			}
			if (e) {
				close(fd);
				if (e == EBUSY)
					continue;
				rc = lb_fail_errno(err, LB_EFAIL, e, "%s: cannot attach %s", cand.dev_path,
						   path);
				break;
			}
		}
		fill_from_sysfs(name, &cand);
		cand.fd = fd;
		cand.attached_by_us = true;
		cand.read_only = read_only;
		*out = cand;
		rc = LB_OK;
		break;
	}
	close(ctl);
	close(file_fd);
	return rc;
}

void lb_loop_release(struct lb_loop *loop)
{
	if (loop->fd >= 0)
		close(loop->fd);
	loop->fd = -1;
}

bool lb_loop_bound_to(const char *dev_path, const char *backing)
{
	char p[128], line[PATH_MAX];
	const char *name = strrchr(dev_path, '/');
	snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", name ? name + 1 : dev_path);
	return read_sysfs_line(p, line, sizeof(line)) == 0 && !strcmp(line, backing);
}

bool lb_loop_wait_detached(const char *dev_path, const char *backing, unsigned timeout_ms)
{
	for (unsigned waited = 0; lb_loop_bound_to(dev_path, backing); waited += 20) {
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	return true;
}
