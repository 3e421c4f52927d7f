/* A layer blob on disk: the uncompressed tar goes in through a sink, a
 * compressed file comes out in a directory, named by its sha256 once it is
 * complete (never before: it is written as a temporary file, fsynced and
 * renamed). Both digests are computed on the way: the diff id over the tar,
 * the digest over the file.
 *
 *   struct lb_blob_writer *w;
 *   if ((rc = lb_blob_writer_open(dir_fd, LB_COMPRESS_GZIP, 0, &w, &err))) return rc;
 *   struct lb_layer_sink sink = lb_blob_writer_sink(w);
 *   rc = lb_layer_write_tar(upper_fd, &changes, &sink, &stats, &err);
 *   if (rc == LB_OK) rc = lb_blob_writer_finish(w, &info, &err);
 *   lb_blob_writer_abort(w); // frees; removes the temporary file unless finished
 *
 * gzip uses every core: the stream is cut into 1 MiB chunks, each
 * compressed as an independent, complete gzip member by a small pool of
 * threads and written in order (pigz --independent's layout, which every
 * gzip reader, Go's included, reads as one stream). zstd uses libzstd's own
 * workers. Memory is bounded by the threads, never by the blob's size. */
#ifndef LIFEBOAT_LAYER_BLOB_H
#define LIFEBOAT_LAYER_BLOB_H

#include "layer/sink.h"
#include "oci/digest.h"
#include "util/error.h"

#include <stdint.h>

enum lb_compress { LB_COMPRESS_GZIP, LB_COMPRESS_ZSTD, LB_COMPRESS_NONE };


struct lb_blob_info {
	char diff_id[LB_DIGEST_LEN + 1]; /* sha256 of the uncompressed tar */
	char digest[LB_DIGEST_LEN + 1];  /* sha256 of the file, its name's hex */
	uint64_t uncompressed_bytes;
	uint64_t size_bytes; /* of the file */
};

struct lb_blob_writer;

/* threads: compression threads; 0 means one per online CPU (capped, so
 * memory stays bounded on big machines). */
int lb_blob_writer_open(int dir_fd, enum lb_compress compress, int threads,
			struct lb_blob_writer **out, struct lb_err *err);

/* The sink the tar writer writes to; valid until lb_blob_writer_abort. */
struct lb_layer_sink lb_blob_writer_sink(struct lb_blob_writer *w);

/* Ends the stream, fsyncs the file, renames it to "<hex digest>" in the
 * directory (replacing a file of that name: same name, same bytes) and
 * fsyncs the directory. */
int lb_blob_writer_finish(struct lb_blob_writer *w, struct lb_blob_info *out, struct lb_err *err);

/* Stops the threads, removes the temporary file unless finished, frees.
 * NULL is fine. */
void lb_blob_writer_abort(struct lb_blob_writer *w);

#endif
