/* Builds small dm-thin metadata images in memory for the thinmeta tests:
 * nodes and superblocks laid out as the kernel writes them, checksummed, and
 * opened through a memfd. */
#ifndef TEST_THINMETA_IMAGE_H
#define TEST_THINMETA_IMAGE_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "thinmeta/btree.h"
#include "thinmeta/crc32c.h"
#include "thinmeta/thinmeta.h"

#define IMG_BLOCKS 64
#define IMG_SB_CSUM_XOR 160774u

struct img {
	uint8_t b[IMG_BLOCKS][LB_THINMETA_BLOCK_BYTES];
};

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline void img_seal(uint8_t *block, uint32_t xor_salt)
{
	put_le32(block, lb_crc32c(~0u, block + 4, LB_THINMETA_BLOCK_BYTES - 4) ^ xor_salt);
}

/* The kernel's max_entries: what fits, rounded down to a multiple of 3. */
static inline uint32_t img_max_entries(uint32_t value_size)
{
	return (LB_THINMETA_BLOCK_BYTES - LB_BTREE_HEADER_BYTES) / (8 + value_size) / 3 * 3;
}

/* A node at block nr; values are value_size bytes each. Sealed. */
static inline uint8_t *img_node(struct img *im, uint64_t nr, uint32_t flags, uint32_t value_size,
				uint32_t nr_entries, const uint64_t *keys, const void *values)
{
	uint8_t *b = im->b[nr];
	uint32_t max = img_max_entries(value_size);
	memset(b, 0, LB_THINMETA_BLOCK_BYTES);
	put_le32(b + 4, flags);
	put_le64(b + 8, nr);
	put_le32(b + 16, nr_entries);
	put_le32(b + 20, max);
	put_le32(b + 24, value_size);
	for (uint32_t i = 0; i < nr_entries; i++)
		put_le64(b + LB_BTREE_HEADER_BYTES + 8 * i, keys[i]);
	memcpy(b + LB_BTREE_HEADER_BYTES + 8 * max, values, (size_t)nr_entries * value_size);
	img_seal(b, LB_BTREE_CSUM_XOR);
	return b;
}

/* A node whose values are le64 (child block numbers, subtree roots, or
 * mappings). */
static inline uint8_t *img_node64(struct img *im, uint64_t nr, uint32_t flags, uint32_t nr_entries,
				  const uint64_t *keys, const uint64_t *values)
{
	uint8_t raw[256 * 8];
	for (uint32_t i = 0; i < nr_entries; i++)
		put_le64(raw + 8 * i, values[i]);
	return img_node(im, nr, flags, 8, nr_entries, keys, raw);
}

static inline uint64_t img_map(uint64_t dblock, uint32_t time)
{
	return dblock << 24 | time;
}

/* A superblock as thin_restore writes it: version 2, 4 KiB metadata blocks,
 * the metadata space map covering IMG_BLOCKS. Sealed. */
static inline uint8_t *img_superblock(struct img *im, uint64_t mapping_root, uint64_t details_root,
				      uint64_t data_nr_blocks)
{
	uint8_t *b = im->b[0];
	memset(b, 0, LB_THINMETA_BLOCK_BYTES);
	put_le32(b + 4, 0);                 /* flags */
	put_le64(b + 32, LB_THIN_SUPERBLOCK_MAGIC);
	put_le32(b + 40, 2);                /* version */
	put_le32(b + 44, 9);                /* time */
	put_le64(b + 48, 42);               /* trans_id */
	put_le64(b + 64, data_nr_blocks);   /* data space map: nr_blocks */
	put_le64(b + 72, 7);                /* nr_allocated */
	put_le64(b + 192, IMG_BLOCKS);      /* metadata space map: nr_blocks */
	put_le64(b + 200, 9);
	put_le64(b + 320, mapping_root);
	put_le64(b + 328, details_root);
	put_le32(b + 336, 128);             /* data block size, sectors */
	put_le32(b + 340, 8);               /* metadata block size, sectors */
	put_le64(b + 344, IMG_BLOCKS);
	img_seal(b, IMG_SB_CSUM_XOR);
	return b;
}

/* Opens the first nr_blocks blocks of the image as metadata named "img". */
static inline int img_open(const struct img *im, unsigned nr_blocks, struct lb_thinmeta **m,
			   struct lb_err *err)
{
	int fd = memfd_create("thinmeta-test", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = (size_t)nr_blocks * LB_THINMETA_BLOCK_BYTES;
	if (write(fd, im->b, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	int rc = lb_thinmeta_open_fd(fd, "img", m, err);
	close(fd);
	return rc;
}

#endif
