#include "snapshot/export.h"
#include "thinmeta/delta.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

/* The one buffer: a record's worth, so each read becomes at most one record. */
#define READ_BYTES LB_STREAM_MAX_RECORD_BYTES

struct lb_export {
	struct lb_export_source src;
	struct lb_stream_writer *w;
	struct lb_stream_header h;
	uint64_t pool_bs, data_size_bytes;
	uint8_t *buf;
	struct lb_export_stats st;
};

uint32_t lb_export_stream_block_bytes(uint64_t pool_block_bytes)
{
	return pool_block_bytes <= LB_STREAM_MAX_BLOCK_BYTES ? (uint32_t)pool_block_bytes : 65536u;
}

/* Clips pool blocks vblock..+nblocks to the device's size: the byte range
 * [*start, *start + *len). False if nothing of it is inside. */
static bool clip(struct lb_export *x, uint64_t vblock, uint64_t nblocks, uint64_t *start,
		 uint64_t *len)
{
	uint64_t size = x->h.size_bytes, end;
	if (__builtin_mul_overflow(vblock, x->pool_bs, start) || *start >= size) {
		x->st.beyond_size_bytes += nblocks * x->pool_bs; /* a count only */
		return false;
	}
	if (__builtin_mul_overflow(vblock + nblocks, x->pool_bs, &end) || end > size) {
		x->st.beyond_size_bytes += (vblock + nblocks) * x->pool_bs - size;
		end = size;
	}
	*len = end - *start;
	return true;
}

int lb_export_mapped(struct lb_export *x, uint64_t vblock, uint64_t dblock, uint64_t nblocks,
		     struct lb_err *err)
{
	uint64_t image_off, len, data_off;
	x->st.ranges++;
	if (!clip(x, vblock, nblocks, &image_off, &len))
		return 0;
	if (__builtin_mul_overflow(dblock, x->pool_bs, &data_off) || data_off > x->data_size_bytes ||
	    len > x->data_size_bytes - data_off)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: data block %llu: beyond the end of the data (%llu bytes), mapped "
			       "by virtual block %llu of thin device %llu",
			       x->src.data_name, (unsigned long long)dblock,
			       (unsigned long long)x->data_size_bytes, (unsigned long long)vblock,
			       (unsigned long long)x->src.dev_id);
	const uint64_t sbs = x->h.block_bytes;
	while (len > 0) {
		size_t n = len < READ_BYTES ? (size_t)len : READ_BYTES, done;
		int e = lb_pread_full(x->src.data_fd, x->buf, n, data_off, &done);
		if (e > 0)
			return lb_fail_errno(err, LB_EFAIL, e, "%s: byte %llu: cannot read",
					     x->src.data_name, (unsigned long long)(data_off + done));
		if (e < 0)
			return lb_fail(err, LB_EINTEGRITY, "%s: ends at byte %llu (it shrank?)",
				       x->src.data_name, (unsigned long long)(data_off + done));
		/* Whole stream blocks, but for the device's short last one. */
		int rc = lb_stream_put_data(x->w, image_off / sbs, (n + sbs - 1) / sbs, x->buf, err);
		if (rc)
			return rc;
		x->st.mapped_bytes += n;
		image_off += n;
		data_off += n;
		len -= n;
	}
	return 0;
}

int lb_export_unmapped(struct lb_export *x, uint64_t vblock, uint64_t nblocks, struct lb_err *err)
{
	uint64_t start, len;
	x->st.ranges++;
	if (!clip(x, vblock, nblocks, &start, &len))
		return 0;
	const uint64_t sbs = x->h.block_bytes;
	return lb_stream_put_unmapped(x->w, start / sbs, (len + sbs - 1) / sbs, err);
}

int lb_export_changed(struct lb_export *x, uint64_t vblock, uint64_t nblocks, struct lb_err *err)
{
	/* Looked up block by block, and handed on as runs of the same kind
	 * with consecutive data blocks. */
	uint64_t run_v = vblock, run_d = 0, run_n = 0;
	bool run_mapped = false;
	for (uint64_t v = vblock; v <= vblock + nblocks; v++) {
		uint64_t d = 0;
		bool mapped = false, last = v == vblock + nblocks;
		if (!last) {
			int rc = lb_thinmeta_map_block(x->src.meta, x->src.dev_id, v, &d, &mapped, err);
			if (rc)
				return rc;
			if (run_n && mapped == run_mapped && (!mapped || d == run_d + run_n)) {
				run_n++;
				continue;
			}
		}
		if (run_n) {
			int rc = run_mapped ? lb_export_mapped(x, run_v, run_d, run_n, err)
					    : lb_export_unmapped(x, run_v, run_n, err);
			if (rc)
				return rc;
		}
		run_v = v;
		run_d = d;
		run_n = 1;
		run_mapped = mapped;
	}
	return 0;
}

int lb_export_begin(const struct lb_export_source *src, int out_fd, const char *out_name,
		    const struct lb_stream_header *h, unsigned threads, int level,
		    struct lb_export **out, struct lb_err *err)
{
	*out = NULL;
	struct lb_export *x = calloc(1, sizeof(*x));
	if (!x || !(x->buf = malloc(READ_BYTES))) {
		free(x);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", out_name);
	}
	x->src = *src;
	x->h = *h;
	x->pool_bs = (uint64_t)lb_thinmeta_superblock(src->meta)->data_block_size_sectors * 512;
	x->h.block_bytes = lb_export_stream_block_bytes(x->pool_bs);
	x->st.pool_block_bytes = x->pool_bs;
	struct lb_thin_device dev;
	int rc = lb_thinmeta_find_device(src->meta, src->dev_id, &dev, err);
	if (!rc)
		rc = lb_fd_size_bytes(src->data_fd, src->data_name, &x->data_size_bytes, err);
	if (!rc)
		rc = lb_stream_writer_open(out_fd, out_name, &x->h, threads, level, &x->w, err);
	if (rc) {
		lb_export_abort(x);
		return rc;
	}
	*out = x;
	return 0;
}

void lb_export_abort(struct lb_export *x)
{
	if (!x)
		return;
	lb_stream_writer_abort(x->w);
	free(x->buf);
	free(x);
}

int lb_export_finish(struct lb_export *x, struct lb_export_stats *stats, struct lb_err *err)
{
	int rc = lb_stream_writer_finish(x->w, &x->st.totals, err);
	x->w = NULL;
	if (!rc && stats)
		*stats = x->st;
	lb_export_abort(x);
	return rc;
}

static int on_range(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	return lb_export_mapped(ctx, r->vblock, r->dblock, r->len_blocks, err);
}

int lb_export_full(const struct lb_export_source *src, int out_fd, const char *out_name,
		   const struct lb_stream_header *h, unsigned threads, int level,
		   struct lb_export_stats *stats, struct lb_err *err)
{
	struct lb_export *x;
	int rc = lb_export_begin(src, out_fd, out_name, h, threads, level, &x, err);
	if (rc)
		return rc;
	const struct lb_thin_walk walk = {.coalesce = LB_THIN_RANGES, .on_range = on_range, .ctx = x};
	rc = lb_thinmeta_walk_mappings(src->meta, src->dev_id, &walk, err);
	if (rc) {
		lb_export_abort(x);
		return rc;
	}
	return lb_export_finish(x, stats, err);
}

static int on_delta_run(void *ctx, const struct lb_thin_delta_run *run, struct lb_err *err)
{
	struct lb_export *x = ctx;
	if (run->kind == LB_THIN_DELTA_UNMAPPED)
		return lb_export_unmapped(x, run->vblock, run->len_blocks, err);
	return lb_export_mapped(x, run->vblock, run->dblock, run->len_blocks, err);
}

int lb_export_incremental(const struct lb_export_source *src, uint64_t base_dev_id, int out_fd,
			  const char *out_name, const struct lb_stream_header *h, unsigned threads,
			  int level, struct lb_export_stats *stats,
			  struct lb_thin_delta_stats *dstats, struct lb_err *err)
{
	if (lb_stream_is_full(h))
		return lb_fail(err, LB_EUSAGE, "%s: an incremental needs its base's identity",
			       out_name);
	struct lb_export *x;
	int rc = lb_export_begin(src, out_fd, out_name, h, threads, level, &x, err);
	if (rc)
		return rc;
	struct lb_thin_delta d = {.on_run = on_delta_run, .split_data = true, .ctx = x};
	rc = lb_thinmeta_delta(src->meta, base_dev_id, src->dev_id, &d, dstats, err);
	if (rc) {
		lb_export_abort(x);
		return rc;
	}
	return lb_export_finish(x, stats, err);
}
