/* The input of the thinmeta fuzz targets: a thin-pool metadata file, opened
 * through a memfd. Inputs a whole number of blocks long get every block's
 * checksum fixed up first (block 0 and blocks with the superblock magic as
 * superblocks, the rest as btree nodes), so mutations get past the checksums
 * to the structure checks; other lengths are read as they are, which
 * exercises the checksum checks and short files. */
#ifndef FUZZ_THINMETA_INPUT_H
#define FUZZ_THINMETA_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "thinmeta/btree.h"
#include "thinmeta/crc32c.h"
#include "thinmeta/thinmeta.h"

#define FUZZ_SUPERBLOCK_CSUM_XOR 160774u

/* Opens the input as metadata named `name`: 0, or what lb_thinmeta_open_fd
 * returned (err filled). Aborts when out of memory or memfd fails. */
static inline int fuzz_open_thinmeta(const uint8_t *data, size_t size, const char *name,
				     struct lb_thinmeta **m, struct lb_err *err)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (size % LB_THINMETA_BLOCK_BYTES == 0) {
		for (size_t off = 0; off < size; off += LB_THINMETA_BLOCK_BYTES) {
			uint8_t *b = copy + off;
			bool super = off == 0 || lb_le64(b + 32) == LB_THIN_SUPERBLOCK_MAGIC;
			uint32_t salt = super ? FUZZ_SUPERBLOCK_CSUM_XOR : LB_BTREE_CSUM_XOR;
			uint32_t csum = lb_crc32c(~0u, b + 4, LB_THINMETA_BLOCK_BYTES - 4) ^ salt;
			for (int i = 0; i < 4; i++)
				b[i] = (uint8_t)(csum >> (8 * i));
		}
	}
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || write(fd, copy, size) != (ssize_t)size)
		abort();
	free(copy);
	int rc = lb_thinmeta_open_fd(fd, name, m, err);
	close(fd);
	return rc;
}

#endif
