/* libFuzzer target: lib/image's range handling, where block numbers from the
 * pool's metadata become byte offsets in the image and the data. The input
 * is a header (the device's size, which output format, which thin device)
 * and then thin-pool metadata, checksums fixed up as fuzz_thinmeta does so
 * mutations reach the mappings. The data is a sparse file as large as the
 * metadata says (bounded); the image goes to a sparse memfd. Promises:
 * success or an error with a message, never a crash; a raw image is exactly
 * the device's size (nothing written past its end, which is what a wrapped
 * offset would do) and counts no more mapped bytes than the device has; the
 * userspace reader (lb_thin_read) stays inside the device too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/thin_image.h"
#include "image/thin_read.h"
#include "thinmeta/btree.h"
#include "thinmeta/crc32c.h"

#define SUPERBLOCK_CSUM_XOR 160774u
#define HEADER_BYTES 10
#define MAX_DATA_BYTES (UINT64_C(1) << 40) /* sparse: costs nothing unless written */
#define MAX_ZSTD_BYTES (UINT64_C(4) << 20) /* zstd feeds every byte, zeros too */

static void fix_checksums(uint8_t *b, size_t size)
{
	if (size % LB_THINMETA_BLOCK_BYTES)
		return;
	for (size_t off = 0; off < size; off += LB_THINMETA_BLOCK_BYTES) {
		uint8_t *blk = b + off;
		bool super = off == 0 || lb_le64(blk + 32) == LB_THIN_SUPERBLOCK_MAGIC;
		uint32_t csum = lb_crc32c(~0u, blk + 4, LB_THINMETA_BLOCK_BYTES - 4) ^
				(super ? SUPERBLOCK_CSUM_XOR : LB_BTREE_CSUM_XOR);
		for (int i = 0; i < 4; i++)
			blk[i] = (uint8_t)(csum >> (8 * i));
	}
}

static int memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("fuzz_image", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_BYTES)
		return 0;
	uint64_t dev_size = lb_le64(data);
	const bool zstd = data[8] & 1;
	const uint64_t dev_id = data[9] % 4;
	if (zstd)
		dev_size %= MAX_ZSTD_BYTES + 1;
	else
		dev_size &= (UINT64_C(1) << 62) - 1; /* what a memfd can be sized to */
	uint8_t *meta = malloc(size - HEADER_BYTES + 1);
	if (!meta)
		return 0;
	memcpy(meta, data + HEADER_BYTES, size - HEADER_BYTES);
	fix_checksums(meta, size - HEADER_BYTES);
	int meta_fd = memfd_with(meta, size - HEADER_BYTES);
	free(meta);
	struct lb_thinmeta *m = NULL;
	struct lb_err err = {0};
	int rc = lb_thinmeta_open_fd(meta_fd, "fuzz", &m, &err);
	close(meta_fd);
	if (rc)
		return 0;

	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	uint64_t data_bytes = sb->data_sm.nr_blocks * sb->data_block_size_sectors * 512;
	int data_fd = memfd_with(NULL, 0), out_fd = memfd_with(NULL, 0);
	if (ftruncate(data_fd, (off_t)(data_bytes < MAX_DATA_BYTES ? data_bytes : MAX_DATA_BYTES)))
		abort();
	/* A little data where the device's first blocks may map. */
	if (pwrite(data_fd, "lifeboat", 8, 0) != 8)
		abort();
	const struct lb_image_source src = {.meta = m,
					    .dev_id = dev_id,
					    .size_bytes = dev_size,
					    .data_fd = data_fd,
					    .data_name = "data"};
	const struct lb_image_opts opts = {.format = zstd ? LB_IMAGE_ZSTD : LB_IMAGE_RAW,
					   .zstd_level = 1,
					   .buffer_bytes = 65536};
	struct lb_image_stats st;
	rc = lb_image_write(&src, out_fd, "out", &opts, &st, &err);
	if (rc && (!err.msg[0] || (rc != LB_EINTEGRITY && rc != LB_ENOTFOUND && rc != LB_EFAIL)))
		abort();
	struct stat out_st;
	if (fstat(out_fd, &out_st))
		abort();
	if (!zstd && ((uint64_t)out_st.st_size > dev_size ||
		      (!rc && (uint64_t)out_st.st_size != dev_size)))
		abort(); /* written past the device's end */
	if (!rc && (st.mapped_bytes > dev_size || st.size_bytes != dev_size))
		abort();

	/* The reader fslog uses, at the device's first and last bytes. */
	struct lb_thin_reader r = {.meta = m, .dev_id = dev_id, .size_bytes = dev_size,
				   .data_fd = data_fd, .data_name = "data"};
	uint8_t buf[64];
	(void)lb_thin_read(&r, 0, buf, sizeof(buf), &err);
	if (dev_size >= sizeof(buf))
		(void)lb_thin_read(&r, dev_size - sizeof(buf), buf, sizeof(buf), &err);
	if (lb_thin_read(&r, dev_size, buf, 1, &err) == 0)
		abort(); /* past the end */

	close(data_fd);
	close(out_fd);
	lb_thinmeta_close(m);
	return 0;
}
