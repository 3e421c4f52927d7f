/* Export streams applied to a raw image: a full stream, then incrementals in
 * order, each checked against the one before it (its base uuid is that
 * stream's uuid; the block size and virtual size agree). DATA is written,
 * ZERO and UNMAPPED are punched as holes, so the image is sparse where the
 * device reads zeros. The caller creates the image (a temporary name that
 * appears only when lb_import_streams succeeded). */
#ifndef LIFEBOAT_SNAPSHOT_IMPORT_H
#define LIFEBOAT_SNAPSHOT_IMPORT_H

#include "stream/stream.h"
#include "util/error.h"

#include <stddef.h>

/* Applies files[0..n) to out_fd (an empty regular file, sized here). The
 * first must be a full export. results (n entries) gets each stream's header
 * and totals. A damaged, incomplete or out-of-chain stream is LB_EINTEGRITY
 * naming its file; a missing one LB_ENOTFOUND. */
int lb_import_streams(const char *const *files, size_t n, int out_fd, const char *out_name,
		      struct lb_stream_result *results, struct lb_err *err);

/* The same onto a block device of exactly the streams' virtual size that
 * reads zeros everywhere (a thin device just made by create_thin). DATA
 * records are written whole, zeros included: a pool that skips block
 * zeroing would otherwise show stale bytes in the unwritten part of a newly
 * provisioned block. Nothing is written for what a full stream says is zero
 * or unmapped (it reads zeros already); an incremental's zero or unmapped
 * runs are written as zeros. */
int lb_import_streams_to_device(const char *const *files, size_t n, int dev_fd,
				const char *dev_name, uint64_t dev_bytes,
				struct lb_stream_result *results, struct lb_err *err);

/* Reads only the header of each of files[0..n) and checks the chain as
 * lb_import_streams will (headers[] gets them), so a wrong order, a missing
 * file or a stream that is not one is refused before anything is made. */
int lb_import_read_headers(const char *const *files, size_t n, struct lb_stream_header *headers,
			   struct lb_err *err);

/* Pure: may `next` follow `prev` (NULL: next is the first)? `name` names
 * next's file in the message. */
int lb_import_check_chain(const struct lb_stream_header *prev, const char *prev_name,
			  const struct lb_stream_header *next, const char *name,
			  struct lb_err *err);

#endif
