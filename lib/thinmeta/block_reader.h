/* Reads 4096-byte metadata blocks from a file or block device, read-only,
 * refusing any block number outside the device or outside the limit the
 * superblock sets. Every read is a pread into a caller-owned buffer. */
#ifndef LIFEBOAT_THINMETA_BLOCK_READER_H
#define LIFEBOAT_THINMETA_BLOCK_READER_H

#include <stdint.h>

#include "util/error.h"

#define LB_THINMETA_BLOCK_BYTES 4096u

struct lb_block_reader {
	int fd;
	uint64_t file_blocks; /* whole 4096-byte blocks the file or device holds */
	uint64_t limit_blocks; /* reads must stay below this; starts at file_blocks */
	char path[512];        /* for messages */
};

/* Opens `path` O_RDONLY. Fails with LB_ENOTFOUND/LB_EFAIL from errno, or
 * LB_EINTEGRITY if it is not a regular file or block device. */
int lb_block_reader_open(struct lb_block_reader *r, const char *path, struct lb_err *err);

/* Uses an already open descriptor (dup'ed; the caller keeps its own).
 * `name` is what messages call it. */
int lb_block_reader_open_fd(struct lb_block_reader *r, int fd, const char *name,
			    struct lb_err *err);

void lb_block_reader_close(struct lb_block_reader *r);

/* Lowers the read limit (never raises it past the file's end). */
void lb_block_reader_limit(struct lb_block_reader *r, uint64_t nr_blocks);

/* Reads block `block_nr` into buf (LB_THINMETA_BLOCK_BYTES bytes). A block
 * past the limit or a short read is LB_EINTEGRITY, an I/O error LB_EFAIL. */
int lb_block_reader_read(const struct lb_block_reader *r, uint64_t block_nr, void *buf,
			 struct lb_err *err);

/* Fails with LB_EINTEGRITY and "name: block N: what: reason", the shape of
 * every report of a damaged metadata block. */
int lb_block_fail(struct lb_err *err, const char *name, uint64_t block_nr, const char *what,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
