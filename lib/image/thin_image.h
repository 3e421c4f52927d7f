/* A thin device's contents written as a file, without the kernel: its
 * mappings come from the pool's metadata (lib/thinmeta), its blocks from the
 * pool's data device or file, read-only. What a thin device reads where
 * nothing is mapped is zeros, so:
 *
 *   raw    a sparse file of the device's full size: only mapped blocks are
 *          written, unmapped ones stay holes (holes in the data file, and
 *          with the read/write copy all-zero 4 KiB pieces, stay holes too)
 *   zstd   one zstd frame of the full device (zeros and all, which compress
 *          to almost nothing), with its content size and a checksum, so
 *          `zstd -d` restores the raw image
 *
 * Knows nothing about Docker. Memory is one fixed buffer, whatever the
 * device's size: a mapping walk hands out coalesced ranges, each copied in
 * buffer-sized pieces before the walk goes on. */
#ifndef LIFEBOAT_IMAGE_THIN_IMAGE_H
#define LIFEBOAT_IMAGE_THIN_IMAGE_H

#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define LB_IMAGE_BUFFER_BYTES (4u << 20)
#define LB_IMAGE_ZSTD_LEVEL 3

enum lb_image_format { LB_IMAGE_RAW, LB_IMAGE_ZSTD };

/* How raw images are copied. READ_WRITE reads into the buffer and writes
 * the non-zero pieces; COPY_RANGE asks the kernel (copy_file_range: a copy
 * without the trip through user space, or a reflink on xfs/btrfs, which
 * changes the source filesystem's block sharing, never its bytes) and falls
 * back to READ_WRITE where the kernel cannot (another filesystem). */
enum lb_image_method { LB_IMAGE_READ_WRITE, LB_IMAGE_COPY_RANGE };

struct lb_image_source {
	struct lb_thinmeta *meta; /* the pool's metadata, open */
	uint64_t dev_id;          /* thin device id in the pool */
	uint64_t size_bytes;      /* the device's virtual size (the image's size) */
	int data_fd;              /* the pool's data device or file, opened O_RDONLY */
	const char *data_name;    /* what messages call it */
};

/* Called after each piece; total_bytes is what the pool says the device
 * maps. A non-zero return stops the copy (LB_EFAIL, "interrupted"). */
typedef int (*lb_image_progress_fn)(void *ctx, uint64_t done_bytes, uint64_t total_bytes);

struct lb_image_opts {
	enum lb_image_format format;
	enum lb_image_method method; /* raw only */
	int zstd_level;              /* 0: LB_IMAGE_ZSTD_LEVEL */
	size_t buffer_bytes;         /* 0: LB_IMAGE_BUFFER_BYTES */
	lb_image_progress_fn progress; /* may be NULL */
	void *progress_ctx;
};

struct lb_image_stats {
	uint64_t size_bytes;        /* the image's (uncompressed) size */
	uint64_t block_bytes;       /* the pool's data block size */
	uint64_t mapped_bytes;      /* mapped blocks inside the device's size */
	uint64_t ranges;            /* runs of adjacent mappings copied */
	uint64_t data_bytes;        /* of mapped_bytes, what the data file holds (not holes) */
	uint64_t beyond_size_bytes; /* mapped past the device's size: not in the image */
	uint64_t written_bytes;     /* written to the output (compressed, for zstd) */
	const char *method;         /* "copy_file_range", "read/write" or "zstd" */
};

/* Writes the image of src to out_fd (a new, empty file; the caller syncs and
 * names it). out_name names the output in messages. A device the pool does
 * not have is LB_ENOTFOUND; a mapping to a block past the end of the data is
 * LB_EINTEGRITY naming the data file and the block; damaged metadata is
 * lib/thinmeta's LB_EINTEGRITY naming the metadata block. */
int lb_image_write(const struct lb_image_source *src, int out_fd, const char *out_name,
		   const struct lb_image_opts *opts, struct lb_image_stats *stats,
		   struct lb_err *err);

/* Pure: the pieces of `len` bytes at `buf` that are not all zeros, in
 * `piece`-byte steps (the last piece may be shorter), as runs handed to fn
 * (offset from buf, length). Returns fn's first non-zero result. */
typedef int (*lb_nonzero_run_fn)(void *ctx, size_t offset, size_t len);
int lb_image_nonzero_runs(const uint8_t *buf, size_t len, size_t piece, lb_nonzero_run_fn fn,
			  void *ctx);

#endif
