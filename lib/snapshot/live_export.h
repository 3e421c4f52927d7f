/* A snapshot of the catalog exported as a stream (lib/stream), full or
 * incremental against an older snapshot of the same container, from the
 * pool as it is: dockerd's live pool through a held metadata snapshot
 * (livepool.h), or, with dockerd stopped, a pool activated for the command.
 *
 * An incremental walks the two mapping trees together and skips every
 * shared subtree unread (lib/thinmeta/delta.h): its cost grows with the
 * change. The output file appears under its name only when complete (a
 * temporary name in its directory, renamed after the trailer and fsync);
 * "-" writes to the given descriptor (stdout), where a stream cut short has
 * no trailer and reads as incomplete.
 *
 * SIGINT, SIGTERM and SIGHUP stop the export at once: a thread of its own
 * waits for them, releases the held root, removes the temporary file and
 * exits 128+signal. After kill -9 the next snapshot command releases the
 * root (livepool.h) and the temporary file is a dot-file no reader takes for
 * an export. */
#ifndef LIFEBOAT_SNAPSHOT_LIVE_EXPORT_H
#define LIFEBOAT_SNAPSHOT_LIVE_EXPORT_H

#include "snapshot/create.h"
#include "stream/stream.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct lb_snapshot_export_opts {
	const char *name;      /* the snapshot */
	const char *base;      /* NULL: a full export */
	const char *output;    /* a file, or "-" */
	int out_fd;            /* with "-": where to write */
	unsigned threads;      /* 0: every core */
	int level;             /* zstd level; 0: 3 */
};

struct lb_snapshot_export_result {
	struct lb_stream_totals totals;
	uint64_t mapped_bytes;   /* read from the pool's data */
	uint64_t nodes_read;     /* incremental: mapping-tree nodes read */
	uint64_t shared_skipped; /* incremental: shared subtrees skipped unread */
	double seconds;
	bool incremental;
};

int lb_snapshot_export(const struct lb_snapshot_target *t, const struct lb_snapshot_export_opts *o,
		       struct lb_snapshot_export_result *res, struct lb_err *err);

#endif
