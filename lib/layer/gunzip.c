#include "layer/gunzip.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* 15 bits of window, +32: a gzip (or zlib) header is detected and checked. */
#define GUNZIP_WINDOW_BITS (15 + 32)

int lb_gunzip_begin(struct lb_gunzip *gz, int fd, struct lb_err *err)
{
	memset(&gz->zs, 0, sizeof(gz->zs));
	gz->fd = fd;
	gz->finished = 0;
	if (inflateInit2(&gz->zs, GUNZIP_WINDOW_BITS) != Z_OK)
		return lb_fail(err, LB_EFAIL, "gzip: cannot start zlib");
	return LB_OK;
}

static int refill(struct lb_gunzip *gz, struct lb_err *err)
{
	ssize_t n;
	do
		n = read(gz->fd, gz->in, sizeof(gz->in));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "gzip: cannot read");
	gz->zs.next_in = gz->in;
	gz->zs.avail_in = (uInt)n;
	return LB_OK;
}

int lb_gunzip_read(struct lb_gunzip *gz, void *buf, size_t cap, size_t *got, struct lb_err *err)
{
	*got = 0;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	gz->zs.next_out = buf;
	gz->zs.avail_out = (uInt)cap;
	while (!gz->finished && gz->zs.avail_out == cap) {
		int rc;
		if (gz->zs.avail_in == 0 && (rc = refill(gz, err)))
			return rc;
		int eof = gz->zs.avail_in == 0;
		int zrc = inflate(&gz->zs, Z_NO_FLUSH);
		if (zrc == Z_STREAM_END) {
			/* Another member may follow: what is left must be one. */
			if (gz->zs.avail_in == 0 && (rc = refill(gz, err)))
				return rc;
			if (gz->zs.avail_in == 0)
				gz->finished = 1;
			else if (inflateReset(&gz->zs) != Z_OK)
				return lb_fail(err, LB_EFAIL, "gzip: cannot restart zlib");
		} else if (zrc == Z_BUF_ERROR && eof) {
			return lb_fail(err, LB_EINTEGRITY, "gzip: truncated: the file ends inside a member");
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			return lb_fail(err, zrc == Z_MEM_ERROR ? LB_EFAIL : LB_EINTEGRITY,
				       "gzip: corrupt data: %s", gz->zs.msg ? gz->zs.msg : zError(zrc));
		}
	}
	*got = cap - gz->zs.avail_out;
	return LB_OK;
}

void lb_gunzip_end(struct lb_gunzip *gz)
{
	inflateEnd(&gz->zs);
}
