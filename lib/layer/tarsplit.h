/* A Docker layer's exact tar stream, rebuilt from what the layer store
 * keeps: layerdb/sha256/<chain-id>/tar-split.json.gz (the tar's headers and
 * padding, and each member's size and CRC-64; layer/tarsplit_entry.h) and
 * the layer's own files. Every member's content is checked against its
 * CRC-64 as it streams, and the whole stream's sha256 against the layer's
 * diff id, so what reaches the sink is the tar Docker would have produced,
 * or the call fails. Memory is fixed: one line of the file (at most
 * LB_TARSPLIT_LINE_CAP) and a copy buffer, whatever the layer's size. */
#ifndef LIFEBOAT_LAYER_TARSPLIT_H
#define LIFEBOAT_LAYER_TARSPLIT_H

#include "layer/sink.h"
#include "util/error.h"

#include <stdint.h>

/* "sha256:" and 64 hex digits, with the NUL. */
#define LB_TARSPLIT_DIGEST_CAP 72

struct lb_tarsplit_stats {
	uint64_t lines;      /* entries read */
	uint64_t files;      /* members whose content was read from the layer */
	uint64_t file_bytes; /* their content */
	uint64_t tar_bytes;  /* everything sent to the sink */
	char diff_id[LB_TARSPLIT_DIGEST_CAP]; /* sha256 of the stream sent */
};

/* Where the decompressed lines come from: *got 0 at the end. */
struct lb_tarsplit_source {
	int (*read)(void *ctx, void *buf, size_t cap, size_t *got, struct lb_err *err);
	void *ctx;
};

/* Rebuilds the tar described by the gzip'd tar-split file tarsplit_gz_fd,
 * reading members' content beneath root_dirfd (each path opened one
 * component at a time without following a link, so nothing outside the
 * root is ever read), and sends it to sink. expected_diff_id
 * ("sha256:<hex>") or NULL. stats (or NULL) is filled as far as it got.
 *
 * LB_EINTEGRITY for: a member missing from the layer, not a regular file,
 * shorter or longer than recorded, or whose CRC-64 differs (the message
 * names the member: "tar-split: etc/motd: CRC-64 mismatch (expected X, got
 * Y)"); a malformed line (named by its number), a corrupt or truncated gzip
 * file; a stream whose sha256 is not expected_diff_id (both named). The
 * caller adds which layer. The sink may have received part of a stream
 * that then failed: it must throw away what it got. LB_EUSAGE for an
 * expected_diff_id that is not a sha256 digest; a failing sink's code. */
int lb_tarsplit_rebuild(int tarsplit_gz_fd, int root_dirfd, const char *expected_diff_id,
			const struct lb_layer_sink *sink, struct lb_tarsplit_stats *stats,
			struct lb_err *err);

/* The same, from the decompressed lines (the tests' and the fuzzer's way
 * in). */
int lb_tarsplit_rebuild_from(const struct lb_tarsplit_source *source, int root_dirfd,
			     const char *expected_diff_id, const struct lb_layer_sink *sink,
			     struct lb_tarsplit_stats *stats, struct lb_err *err);

#endif
