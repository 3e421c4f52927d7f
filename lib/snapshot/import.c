#include "snapshot/import.h"
#include "image/thin_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Zeros for filesystems that cannot punch holes; also the piece size. */
#define ZERO_BYTES (64u << 10)
/* DATA is written in pieces of this size that are not all zeros, so what
 * reads as zeros stays a hole (a filesystem block). */
#define ZERO_PIECE_BYTES 4096u

int lb_import_check_chain(const struct lb_stream_header *prev, const char *prev_name,
			  const struct lb_stream_header *next, const char *name,
			  struct lb_err *err)
{
	char want[33], got[33];
	if (!prev) {
		if (lb_stream_is_full(next))
			return 0;
		lb_stream_uuid_format(next->base_uuid, got);
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: an incremental (on base %s '%s'); the first stream must be a full "
			       "export",
			       name, got, next->base_name);
	}
	if (lb_stream_is_full(next))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: a full export where an incremental on %s was expected", name,
			       prev_name);
	if (memcmp(prev->uuid, next->base_uuid, sizeof(prev->uuid))) {
		lb_stream_uuid_format(prev->uuid, want);
		lb_stream_uuid_format(next->base_uuid, got);
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: wrong base: it applies to %s '%s', but the stream before (%s) is "
			       "%s '%s'",
			       name, got, next->base_name, prev_name, want, prev->name);
	}
	if (prev->block_bytes != next->block_bytes || prev->size_bytes != next->size_bytes)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: block size %u / virtual size %llu differ from %s's %u / %llu", name,
			       next->block_bytes, (unsigned long long)next->size_bytes, prev_name,
			       prev->block_bytes, (unsigned long long)prev->size_bytes);
	return 0;
}

struct applying {
	int fd;
	const char *out_name;
	const struct lb_stream_header *prev; /* the stream before, NULL for the first */
	const char *prev_name, *name;
	struct lb_stream_header h;
	bool fresh; /* the image is all holes: nothing to punch */
	uint8_t *zeros;
	bool can_punch;
	bool device;          /* a block device of device_bytes: not sized, DATA written whole */
	uint64_t device_bytes;
};

static int write_at(struct applying *a, const void *p, size_t n, uint64_t off, struct lb_err *err)
{
	while (n > 0) {
		ssize_t w = pwrite(a->fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", a->out_name);
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Makes [off, off+len) read as zeros: a hole, or zeros written. */
static int zero_range(struct applying *a, uint64_t off, uint64_t len, struct lb_err *err)
{
	if (a->fresh || len == 0)
		return 0;
	if (a->can_punch &&
	    fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	if (a->can_punch && errno != EOPNOTSUPP && errno != ENOSYS)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot punch a hole", a->out_name);
	a->can_punch = false;
	while (len > 0) {
		size_t n = len < ZERO_BYTES ? (size_t)len : ZERO_BYTES;
		int rc = write_at(a, a->zeros, n, off, err);
		if (rc)
			return rc;
		off += n;
		len -= n;
	}
	return 0;
}

struct piece_writer {
	struct applying *a;
	const uint8_t *data;
	uint64_t off;
	struct lb_err *err;
};

static int write_piece(void *ctx, size_t offset, size_t len)
{
	struct piece_writer *p = ctx;
	return write_at(p->a, p->data + offset, len, p->off + offset, p->err);
}

static int on_header(void *ctx, const struct lb_stream_header *h, struct lb_err *err)
{
	struct applying *a = ctx;
	int rc = lb_import_check_chain(a->prev, a->prev_name, h, a->name, err);
	if (rc)
		return rc;
	a->h = *h;
	if (a->device) {
		if (h->size_bytes != a->device_bytes)
			return lb_fail(err, LB_EINTEGRITY,
				       "%s: a device of %llu bytes, but %s is %llu bytes", a->name,
				       (unsigned long long)h->size_bytes, a->out_name,
				       (unsigned long long)a->device_bytes);
		return 0;
	}
	if (!a->prev && ftruncate(a->fd, (off_t)h->size_bytes) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot size to %llu bytes",
				     a->out_name, (unsigned long long)h->size_bytes);
	return 0;
}

static int on_record(void *ctx, const struct lb_stream_record *r, const uint8_t *data,
		     struct lb_err *err)
{
	struct applying *a = ctx;
	const uint64_t off = r->vblock * a->h.block_bytes;
	const uint64_t len = lb_stream_run_bytes(&a->h, r->vblock, r->nblocks);
	if (a->device && r->kind == LB_STREAM_DATA) /* written whole: nothing to clear first */
		return write_at(a, data, r->raw_bytes, off, err);
	int rc = zero_range(a, off, len, err);
	if (rc || r->kind != LB_STREAM_DATA)
		return rc;
	struct piece_writer p = {a, data, off, err};
	return lb_image_nonzero_runs(data, r->raw_bytes, ZERO_PIECE_BYTES, write_piece, &p);
}

static int apply_all(struct applying a, const char *const *files, size_t n,
		     struct lb_stream_result *results, struct lb_err *err)
{
	const char *out_name = a.out_name;
	if (!(a.zeros = calloc(1, ZERO_BYTES)))
		return lb_fail(err, LB_EFAIL, "%s: out of memory", out_name);
	const struct lb_stream_reader_ops ops = {.on_header = on_header, .on_record = on_record,
						 .ctx = &a};
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open",
					   files[i]);
			break;
		}
		a.name = files[i];
		rc = lb_stream_read(fd, files[i], &ops, &results[i], err);
		close(fd);
		a.prev = &results[i].header;
		a.prev_name = files[i];
		a.fresh = false;
	}
	free(a.zeros);
	return rc;
}

int lb_import_streams(const char *const *files, size_t n, int out_fd, const char *out_name,
		      struct lb_stream_result *results, struct lb_err *err)
{
	struct applying a = {.fd = out_fd, .out_name = out_name, .fresh = true, .can_punch = true};
	return apply_all(a, files, n, results, err);
}

int lb_import_streams_to_device(const char *const *files, size_t n, int dev_fd,
				const char *dev_name, uint64_t dev_bytes,
				struct lb_stream_result *results, struct lb_err *err)
{
	/* A thin device cannot punch a hole that reads zeros for certain (a
	 * discard of part of a block is dropped): zeros are written. */
	struct applying a = {.fd = dev_fd,
			     .out_name = dev_name,
			     .fresh = true,
			     .can_punch = false,
			     .device = true,
			     .device_bytes = dev_bytes};
	return apply_all(a, files, n, results, err);
}

int lb_import_read_headers(const char *const *files, size_t n, struct lb_stream_header *headers,
			   struct lb_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open",
					     files[i]);
		uint8_t buf[LB_STREAM_HEADER_BYTES];
		size_t got = 0;
		while (got < sizeof(buf)) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
		if (got < sizeof(buf))
			return lb_fail(err, LB_EINTEGRITY,
				       "%s: %zu bytes, shorter than an export stream's header", files[i],
				       got);
		int rc = lb_stream_header_decode(buf, files[i], &headers[i], err);
		if (!rc)
			rc = lb_import_check_chain(i ? &headers[i - 1] : NULL, i ? files[i - 1] : NULL,
						   &headers[i], files[i], err);
		if (rc)
			return rc;
	}
	return 0;
}
