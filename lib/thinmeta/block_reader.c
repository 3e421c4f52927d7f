#include "thinmeta/block_reader.h"
#include "util/fs.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int size_blocks(struct lb_block_reader *r, struct lb_err *err)
{
	struct stat st;
	uint64_t size_bytes;

	if (fstat(r->fd, &st) < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: stat", r->path);
	if (S_ISREG(st.st_mode)) {
		size_bytes = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(r->fd, BLKGETSIZE64, &size_bytes) < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: get device size", r->path);
	} else {
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: open metadata: not a regular file or block device", r->path);
	}
	r->file_blocks = size_bytes / LB_THINMETA_BLOCK_BYTES;
	r->limit_blocks = r->file_blocks;
	return 0;
}

static void set_path(struct lb_block_reader *r, const char *path)
{
	snprintf(r->path, sizeof(r->path), "%s", path);
}

int lb_block_reader_open(struct lb_block_reader *r, const char *path, struct lb_err *err)
{
	int rc;

	set_path(r, path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open metadata",
				     path);
	rc = size_blocks(r, err);
	if (rc)
		lb_block_reader_close(r);
	return rc;
}

int lb_block_reader_open_fd(struct lb_block_reader *r, int fd, const char *name,
			    struct lb_err *err)
{
	int rc;

	set_path(r, name);
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: duplicate descriptor", name);
	rc = size_blocks(r, err);
	if (rc)
		lb_block_reader_close(r);
	return rc;
}

void lb_block_reader_close(struct lb_block_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void lb_block_reader_limit(struct lb_block_reader *r, uint64_t nr_blocks)
{
	r->limit_blocks = nr_blocks < r->file_blocks ? nr_blocks : r->file_blocks;
}

int lb_block_reader_read(const struct lb_block_reader *r, uint64_t block_nr, void *buf,
			 struct lb_err *err)
{
	uint8_t *p = buf;
	size_t done = 0;

	if (block_nr >= r->limit_blocks)
		return lb_block_fail(err, r->path, block_nr, "read",
				     "beyond the end of the metadata (%llu blocks)",
				     (unsigned long long)r->limit_blocks);
	int e = lb_pread_full(r->fd, p, LB_THINMETA_BLOCK_BYTES, block_nr * LB_THINMETA_BLOCK_BYTES,
			      &done);
	if (e > 0)
		return lb_fail_errno(err, LB_EFAIL, e, "%s: block %llu: read", r->path,
				     (unsigned long long)block_nr);
	if (e < 0)
		return lb_block_fail(err, r->path, block_nr, "read", "file truncated");
	return 0;
}

int lb_block_fail(struct lb_err *err, const char *name, uint64_t block_nr, const char *what,
		  const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return lb_fail(err, LB_EINTEGRITY, "%s: block %llu: %s: %s", name,
		       (unsigned long long)block_nr, what, reason);
}
