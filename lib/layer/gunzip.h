/* A gzip file read in pieces through zlib: one or more members back to back
 * (as gzip and Go's gzip reader accept), decompressed into the caller's
 * buffer, with a fixed input buffer, so memory does not depend on the
 * file's size. */
#ifndef LIFEBOAT_LAYER_GUNZIP_H
#define LIFEBOAT_LAYER_GUNZIP_H

#include "util/error.h"

#include <stddef.h>
#include <zlib.h>

struct lb_gunzip {
	int fd;
	z_stream zs;
	int finished; /* the last member's trailer was read and nothing follows */
	unsigned char in[64 * 1024];
};

/* Starts reading fd (not closed by lb_gunzip_end). */
int lb_gunzip_begin(struct lb_gunzip *gz, int fd, struct lb_err *err);

/* Fills buf with up to cap decompressed bytes; *got 0 means the end of the
 * last member was reached. Corrupt data, a bad CRC or length in a trailer,
 * a file that ends inside a member, or garbage after the last member:
 * LB_EINTEGRITY with zlib's reason (the caller adds which file). */
int lb_gunzip_read(struct lb_gunzip *gz, void *buf, size_t cap, size_t *got, struct lb_err *err);

void lb_gunzip_end(struct lb_gunzip *gz);

#endif
