#include "image/thin_image.h"
#include "util/fs.h"


#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* Raw images skip all-zero pieces of this size: a filesystem block, so the
 * holes left are ones the output filesystem can keep. */
#define ZERO_PIECE_BYTES 4096u

struct copier {
	const struct lb_image_source *src;
	const struct lb_image_opts *opts;
	struct lb_image_stats *st;
	int out_fd;
	const char *out_name;
	uint64_t data_size_bytes;
	uint64_t total_bytes; /* mapped, as the pool's device details say */
	uint64_t done_bytes;
	uint8_t *buf;
	size_t buf_bytes;
	bool use_copy_range;
	bool seek_holes; /* the data file answers SEEK_DATA/SEEK_HOLE */
	/* zstd only */
	ZSTD_CCtx *zc;
	uint8_t *zeros; /* buf_bytes of zeros to feed for unmapped space */
	uint8_t *zout;
	size_t zout_bytes;
	uint64_t emitted_bytes; /* of the image, fed to the compressor so far */
};

static bool is_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

int lb_image_nonzero_runs(const uint8_t *buf, size_t len, size_t piece, lb_nonzero_run_fn fn,
			  void *ctx)
{
	if (piece == 0)
		piece = len ? len : 1;
	size_t run_start = 0;
	bool in_run = false;
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		bool zero = is_zero(buf + off, n);
		if (!zero && !in_run) {
			run_start = off;
			in_run = true;
		} else if (zero && in_run) {
			int rc = fn(ctx, run_start, off - run_start);
			if (rc)
				return rc;
			in_run = false;
		}
	}
	return in_run ? fn(ctx, run_start, len - run_start) : 0;
}

static int progress(struct copier *c, uint64_t bytes, struct lb_err *err)
{
	c->done_bytes += bytes;
	if (c->opts->progress &&
	    c->opts->progress(c->opts->progress_ctx, c->done_bytes, c->total_bytes))
		return lb_fail(err, LB_EFAIL, "%s: interrupted", c->out_name);
	return 0;
}

static int write_all(struct copier *c, const uint8_t *p, size_t n, uint64_t offset,
		     bool positioned, struct lb_err *err)
{
	while (n > 0) {
		ssize_t w = positioned ? pwrite(c->out_fd, p, n, (off_t)offset)
				       : write(c->out_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", c->out_name);
		/* Start writing back now rather than at the final fsync: the disk
		 * works while we copy, and dirty pages do not pile up. */
		if (positioned)
			sync_file_range(c->out_fd, (off_t)offset, w, SYNC_FILE_RANGE_WRITE);
		p += w;
		n -= (size_t)w;
		offset += (uint64_t)w;
		c->st->written_bytes += (uint64_t)w;
	}
	return 0;
}

static int data_truncated(struct copier *c, uint64_t offset, struct lb_err *err)
{
	return lb_fail(err, LB_EINTEGRITY,
		       "%s: data block %llu: cannot read: the data ends at byte %llu (it shrank "
		       "while being read?)",
		       c->src->data_name, (unsigned long long)(offset / c->st->block_bytes),
		       (unsigned long long)offset);
}

static int read_data(struct copier *c, uint64_t offset, size_t n, struct lb_err *err)
{
	size_t done;
	int e = lb_pread_full(c->src->data_fd, c->buf, n, offset, &done);
	if (e > 0)
		return lb_fail_errno(err, LB_EFAIL, e, "%s: data block %llu: cannot read",
				     c->src->data_name,
				     (unsigned long long)((offset + done) / c->st->block_bytes));
	if (e < 0)
		return data_truncated(c, offset + done, err);
	return 0;
}

/* zstd: feeds n bytes of the image to the compressor, writing what comes out. */
static int zstd_feed(struct copier *c, const uint8_t *p, size_t n, ZSTD_EndDirective mode,
		     struct lb_err *err)
{
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer out = {c->zout, c->zout_bytes, 0};
		size_t left = ZSTD_compressStream2(c->zc, &out, &in, mode);
		if (ZSTD_isError(left))
			return lb_fail(err, LB_EFAIL, "%s: zstd: %s", c->out_name,
				       ZSTD_getErrorName(left));
		int rc = write_all(c, c->zout, out.pos, 0, false, err);
		if (rc)
			return rc;
		bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
		if (done)
			break;
	}
	c->emitted_bytes += n;
	return 0;
}

static int zstd_zeros(struct copier *c, uint64_t n, struct lb_err *err)
{
	while (n > 0) {
		size_t piece = n < c->buf_bytes ? (size_t)n : c->buf_bytes;
		int rc = zstd_feed(c, c->zeros, piece, ZSTD_e_continue, err);
		if (rc)
			return rc;
		n -= piece;
	}
	return 0;
}

struct run_writer {
	struct copier *c;
	uint64_t image_offset; /* of the buffer's first byte */
	struct lb_err *err;
};

static int write_run(void *ctx, size_t offset, size_t len)
{
	struct run_writer *w = ctx;
	return write_all(w->c, w->c->buf + offset, len, w->image_offset + offset, true, w->err);
}

/* One piece (at most buf_bytes) by read and write. */
static int copy_piece_rw(struct copier *c, uint64_t data_off, uint64_t image_off, size_t n,
			 struct lb_err *err)
{
	int rc = read_data(c, data_off, n, err);
	if (rc)
		return rc;
	if (c->opts->format == LB_IMAGE_ZSTD)
		return zstd_feed(c, c->buf, n, ZSTD_e_continue, err);
	struct run_writer w = {c, image_off, err};
	return lb_image_nonzero_runs(c->buf, n, ZERO_PIECE_BYTES, write_run, &w);
}

/* One piece by copy_file_range. Returns 1 (and leaves nothing half done that
 * the caller would redo wrongly) if the kernel cannot copy between these
 * files, so the caller falls back to read and write. */
static int copy_piece_range(struct copier *c, uint64_t data_off, uint64_t image_off, size_t n,
			    struct lb_err *err)
{
	loff_t in = (loff_t)data_off, out = (loff_t)image_off;
	size_t left = n;
	while (left > 0) {
		ssize_t r = copy_file_range(c->src->data_fd, &in, c->out_fd, &out, left, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && left == n &&
		    (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS ||
		     errno == EBADF))
			return 1;
		if (r < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot copy from %s",
					     c->out_name, c->src->data_name);
		if (r == 0)
			return data_truncated(c, (uint64_t)in, err);
		left -= (size_t)r;
		c->st->written_bytes += (uint64_t)r;
	}
	sync_file_range(c->out_fd, (off_t)image_off, (off_t)n, SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* Copies bytes the data file holds (no hole in between) to the image. */
static int copy_data(struct copier *c, uint64_t data_off, uint64_t image_off, uint64_t len,
		     struct lb_err *err)
{
	while (len > 0) {
		size_t n = len < c->buf_bytes ? (size_t)len : c->buf_bytes;
		int rc = 1;
		if (c->use_copy_range) {
			rc = copy_piece_range(c, data_off, image_off, n, err);
			if (rc == 1) {
				c->use_copy_range = false;
				c->st->method = "read/write";
			}
		}
		if (rc == 1)
			rc = copy_piece_rw(c, data_off, image_off, n, err);
		if (rc || (rc = progress(c, n, err)))
			return rc;
		c->st->data_bytes += n;
		data_off += n;
		image_off += n;
		len -= n;
	}
	return 0;
}

/* The next stretch of [pos, end) of the data file: [*data, *hole) holds data,
 * [pos, *data) is a hole. Without SEEK_DATA it is all data. */
static void next_data(struct copier *c, uint64_t pos, uint64_t end, uint64_t *data,
		      uint64_t *hole)
{
	*data = pos;
	*hole = end;
	if (!c->seek_holes)
		return;
	off_t d = lseek(c->src->data_fd, (off_t)pos, SEEK_DATA);
	if (d < 0) {
		if (errno == ENXIO) /* nothing but hole up to the end of the file */
			*data = end;
		else
			c->seek_holes = false;
		return;
	}
	*data = (uint64_t)d < end ? (uint64_t)d : end;
	if (*data == end)
		return;
	off_t h = lseek(c->src->data_fd, d, SEEK_HOLE);
	if (h > d && (uint64_t)h < end)
		*hole = (uint64_t)h;
}

/* A run of mapped bytes, image_off..+len from data_off..+len. */
static int copy_mapped(struct copier *c, uint64_t data_off, uint64_t image_off, uint64_t len,
		       struct lb_err *err)
{
	const uint64_t end = data_off + len;
	uint64_t pos = data_off;
	while (pos < end) {
		uint64_t data, hole;
		next_data(c, pos, end, &data, &hole);
		int rc = 0;
		if (data > pos) { /* a hole in the data file reads as zeros */
			if (c->opts->format == LB_IMAGE_ZSTD)
				rc = zstd_zeros(c, data - pos, err);
			if (!rc)
				rc = progress(c, data - pos, err);
		}
		if (!rc && hole > data)
			rc = copy_data(c, data, image_off + (data - data_off), hole - data, err);
		if (rc)
			return rc;
		pos = hole > data ? hole : data;
	}
	return 0;
}

/* A range's place in the image and the data, in bytes. lib/thinmeta bounds
 * every block number below what a device can address (no product of it and
 * the block size wraps); checked here again, and against the device's own
 * size, before any byte offset is formed from it. */
static int range_bytes(const struct copier *c, const struct lb_thin_range *r, uint64_t *image_off,
		       uint64_t *data_off, uint64_t *len, struct lb_err *err)
{
	const uint64_t bs = c->st->block_bytes;
	if (__builtin_mul_overflow(r->vblock, bs, image_off) ||
	    __builtin_mul_overflow(r->dblock, bs, data_off) ||
	    __builtin_mul_overflow(r->len_blocks, bs, len) || *image_off > INT64_MAX ||
	    *len > INT64_MAX - *image_off || *data_off > INT64_MAX || *len > INT64_MAX - *data_off)
		return lb_fail(err, LB_EINTEGRITY,
			       "thin device %llu: virtual block %llu (data block %llu, %llu blocks of "
			       "%llu bytes) is past what a device can address",
			       (unsigned long long)c->src->dev_id, (unsigned long long)r->vblock,
			       (unsigned long long)r->dblock, (unsigned long long)r->len_blocks,
			       (unsigned long long)bs);
	return 0;
}

static int on_range(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	struct copier *c = ctx;
	const uint64_t bs = c->st->block_bytes, size = c->st->size_bytes;
	/* Blocks the device's size reaches into (the last one maybe in part);
	 * compared before anything is multiplied. */
	const uint64_t size_blocks = size / bs + (size % bs != 0);
	if (r->vblock >= size_blocks) {
		c->st->beyond_size_bytes += r->len_blocks * bs; /* a count only: bounded by the walk */
		return 0;
	}
	uint64_t image_off = 0, data_off = 0, len = 0;
	int rc = range_bytes(c, r, &image_off, &data_off, &len, err);
	if (rc)
		return rc;
	if (len > size - image_off) {
		c->st->beyond_size_bytes += len - (size - image_off);
		len = size - image_off;
	}
	if (data_off + len > c->data_size_bytes) {
		uint64_t first_bad = data_off > c->data_size_bytes ? data_off : c->data_size_bytes;
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: data block %llu: beyond the end of the data (%llu bytes, %llu "
			       "blocks), mapped by virtual block %llu of thin device %llu",
			       c->src->data_name, (unsigned long long)(first_bad / bs),
			       (unsigned long long)c->data_size_bytes,
			       (unsigned long long)(c->data_size_bytes / bs),
			       (unsigned long long)(r->vblock + (first_bad - data_off) / bs),
			       (unsigned long long)c->src->dev_id);
	}
	c->st->mapped_bytes += len;
	c->st->ranges++;
	if (c->opts->format == LB_IMAGE_ZSTD)
		rc = zstd_zeros(c, image_off - c->emitted_bytes, err);
	return rc ? rc : copy_mapped(c, data_off, image_off, len, err);
}

static int zstd_setup(struct copier *c, struct lb_err *err)
{
	c->zc = ZSTD_createCCtx();
	c->zeros = calloc(1, c->buf_bytes);
	c->zout_bytes = ZSTD_CStreamOutSize();
	c->zout = malloc(c->zout_bytes);
	if (!c->zc || !c->zeros || !c->zout)
		return lb_fail(err, LB_EFAIL, "%s: zstd: out of memory", c->out_name);
	int level = c->opts->zstd_level ? c->opts->zstd_level : LB_IMAGE_ZSTD_LEVEL;
	size_t r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setPledgedSrcSize(c->zc, c->st->size_bytes);
	if (ZSTD_isError(r))
		return lb_fail(err, LB_EUSAGE, "%s: zstd level %d: %s", c->out_name, level,
			       ZSTD_getErrorName(r));
	/* Worker threads if this libzstd has them; memory stays bounded by the
	 * level's window, not the device. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	ZSTD_CCtx_setParameter(c->zc, ZSTD_c_nbWorkers, cpus > 4 ? 4 : cpus > 1 ? (int)cpus : 0);
	c->st->method = "zstd";
	return 0;
}

int lb_image_write(const struct lb_image_source *src, int out_fd, const char *out_name,
		   const struct lb_image_opts *opts, struct lb_image_stats *stats,
		   struct lb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(src->meta);
	struct copier c = {
		.src = src,
		.opts = opts,
		.st = stats,
		.out_fd = out_fd,
		.out_name = out_name,
		.buf_bytes = opts->buffer_bytes ? opts->buffer_bytes : LB_IMAGE_BUFFER_BYTES,
		.use_copy_range = opts->format == LB_IMAGE_RAW && opts->method == LB_IMAGE_COPY_RANGE,
		.seek_holes = true,
	};
	stats->size_bytes = src->size_bytes;
	stats->block_bytes = (uint64_t)sb->data_block_size_sectors * 512;
	stats->method = c.use_copy_range ? "copy_file_range" : "read/write";

	/* The image's size becomes an off_t (ftruncate, the zstd frame). */
	if (src->size_bytes > INT64_MAX)
		return lb_fail(err, LB_EINTEGRITY, "%s: thin device %llu: size of %llu bytes is more "
			       "than a device can have", out_name, (unsigned long long)src->dev_id,
			       (unsigned long long)src->size_bytes);
	struct lb_thin_device dev;
	int rc = lb_thinmeta_find_device(src->meta, src->dev_id, &dev, err);
	if (rc)
		return rc;
	/* For progress only; a count the metadata gives saturates rather than wraps. */
	if (__builtin_mul_overflow(dev.mapped_blocks, stats->block_bytes, &c.total_bytes))
		c.total_bytes = UINT64_MAX;
	if ((rc = lb_fd_size_bytes(src->data_fd, src->data_name, &c.data_size_bytes, err)))
		return rc;
	c.buf = malloc(c.buf_bytes);
	if (!c.buf)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", out_name);

	if (opts->format == LB_IMAGE_ZSTD)
		rc = zstd_setup(&c, err);
	else if (ftruncate(out_fd, (off_t)src->size_bytes) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot size to %llu bytes", out_name,
				   (unsigned long long)src->size_bytes);
	if (!rc) {
		const struct lb_thin_walk walk = {
			.coalesce = LB_THIN_RANGES, .on_range = on_range, .ctx = &c};
		rc = lb_thinmeta_walk_mappings(src->meta, src->dev_id, &walk, err);
	}
	if (!rc && opts->format == LB_IMAGE_ZSTD) {
		rc = zstd_zeros(&c, stats->size_bytes - c.emitted_bytes, err);
		if (!rc)
			rc = zstd_feed(&c, NULL, 0, ZSTD_e_end, err);
	}
	ZSTD_freeCCtx(c.zc);
	free(c.zeros);
	free(c.zout);
	free(c.buf);
	return rc;
}
