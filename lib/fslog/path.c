/* lb_fslog_state on a device node or an image file: the reader is pread. */
#include "fslog/fslog.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct path_reader {
	int fd;
	const char *path;
};

static int pread_all(void *ctx, uint64_t off, void *buf, size_t len, struct lb_err *err)
{
	const struct path_reader *r = ctx;
	size_t done;
	int e = lb_pread_full(r->fd, buf, len, off, &done);
	if (e > 0)
		return lb_fail_errno(err, LB_EFAIL, e, "%s: cannot read at byte %llu", r->path,
				     (unsigned long long)(off + done));
	if (e < 0)
		return lb_fail(err, LB_EINTEGRITY, "%s: ends before byte %llu", r->path,
			       (unsigned long long)(off + len));
	return LB_OK;
}

int lb_fslog_state_of_path(const char *path, const char *fstype, enum lb_fslog_state *out,
			   struct lb_err *err)
{
	*out = LB_FSLOG_UNKNOWN;
	struct path_reader r = {.fd = open(path, O_RDONLY | O_CLOEXEC), .path = path};
	if (r.fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", path);
	int rc = lb_fslog_state(fstype, pread_all, &r, out, err);
	close(r.fd);
	return rc;
}
