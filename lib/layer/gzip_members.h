/* Parallel gzip the way pigz --independent writes it: the stream is cut into
 * fixed chunks, each compressed by a pool of threads into a complete gzip
 * member of its own (header, deflate data, CRC-32 and size), and the members
 * are handed on in order. Concatenated members are one gzip stream to every
 * reader (RFC 1952 2.2; gzip, zcat, Go's compress/gzip, Python's gzip).
 * Memory: (threads + 2) chunks in and out, whatever the stream's length.
 * The caller's thread does all the output (the callback), so it can hash. */
#ifndef LIFEBOAT_LAYER_GZIP_MEMBERS_H
#define LIFEBOAT_LAYER_GZIP_MEMBERS_H

#include "layer/sink.h"
#include "util/error.h"

#include <stddef.h>

#define LB_GZIP_CHUNK_BYTES ((size_t)1 << 20)

struct lb_gzip_members;

/* threads >= 1; level is zlib's (1..9). Members go to `out` in order. */
int lb_gzip_members_open(int threads, int level, struct lb_layer_sink out,
			 struct lb_gzip_members **pool, struct lb_err *err);

/* Takes len bytes of the uncompressed stream. */
int lb_gzip_members_write(struct lb_gzip_members *pool, const void *buf, size_t len,
			  struct lb_err *err);

/* Compresses what is left (one empty member if the stream was empty, since
 * an empty file is not a gzip stream) and hands on every member. */
int lb_gzip_members_finish(struct lb_gzip_members *pool, struct lb_err *err);

/* Stops and joins the threads, frees. NULL is fine. */
void lb_gzip_members_free(struct lb_gzip_members *pool);

#endif
