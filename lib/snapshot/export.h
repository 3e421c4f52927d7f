/* A thin device's blocks as an export stream (lib/stream), read from the
 * pool's metadata (lib/thinmeta) and data file with one fixed buffer.
 *
 * The record-emitting core takes runs in the pool's block units, in
 * increasing order, so a full export (every mapping of the device) and an
 * incremental (the runs a mapping-tree delta names: changed or unmapped)
 * are two small drivers around it:
 *
 *   struct lb_export *x;
 *   lb_export_begin(&src, fd, name, &header, threads, level, &x, &err);
 *   lb_export_changed(x, vblock, nblocks, &err);   // looks the blocks up
 *   lb_export_unmapped(x, vblock, nblocks, &err);
 *   lb_export_finish(x, &stats, &err);             // or lb_export_abort(x)
 *
 * The source's metadata handle may be switched to the pool's metadata
 * snapshot (lb_thinmeta_use_metadata_snap) before: the export then reads the
 * held root of a live pool. Knows nothing about Docker. */
#ifndef LIFEBOAT_SNAPSHOT_EXPORT_H
#define LIFEBOAT_SNAPSHOT_EXPORT_H

#include "stream/stream.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stdint.h>

struct lb_export_source {
	struct lb_thinmeta *meta; /* open; the caller's */
	uint64_t dev_id;
	int data_fd;           /* the pool's data file or device, read-only */
	const char *data_name; /* for messages */
};

struct lb_export_stats {
	uint64_t pool_block_bytes;
	uint64_t mapped_bytes;      /* read from the data file, inside the device's size */
	uint64_t ranges;            /* runs handed to the core */
	uint64_t beyond_size_bytes; /* mapped past the device's size: not exported */
	struct lb_stream_totals totals;
};

struct lb_export;

/* The stream's block size for a pool's: the pool's, or 64 KiB (which divides
 * every dm-thin block size) where the pool's is over a record's bound. */
uint32_t lb_export_stream_block_bytes(uint64_t pool_block_bytes);

/* Starts the stream on out_fd. h gives the identity and the virtual size;
 * its block size is set here from the pool's. */
int lb_export_begin(const struct lb_export_source *src, int out_fd, const char *out_name,
		    const struct lb_stream_header *h, unsigned threads, int level,
		    struct lb_export **out, struct lb_err *err);

/* Virtual blocks vblock..+nblocks (pool blocks) live at dblock..: DATA. */
int lb_export_mapped(struct lb_export *x, uint64_t vblock, uint64_t dblock, uint64_t nblocks,
		     struct lb_err *err);

/* Blocks whose content changed: each is looked up in the source's mapping
 * tree, exported as DATA where mapped and UNMAPPED where not. */
int lb_export_changed(struct lb_export *x, uint64_t vblock, uint64_t nblocks, struct lb_err *err);

/* Blocks the device no longer maps. */
int lb_export_unmapped(struct lb_export *x, uint64_t vblock, uint64_t nblocks, struct lb_err *err);

/* Writes the trailer and frees x; stats (may be NULL) gets the totals. */
int lb_export_finish(struct lb_export *x, struct lb_export_stats *stats, struct lb_err *err);

/* Frees x without a trailer (the output is then incomplete). */
void lb_export_abort(struct lb_export *x);

/* A full export: every mapping of src's device, in order. Unmapped blocks
 * get no record (an import starts from an all-hole image). */
int lb_export_full(const struct lb_export_source *src, int out_fd, const char *out_name,
		   const struct lb_stream_header *h, unsigned threads, int level,
		   struct lb_export_stats *stats, struct lb_err *err);

/* An incremental: the runs that turn base_dev_id's mappings into src's
 * device's (lib/thinmeta/delta.h: shared subtrees skipped unread), as DATA
 * and UNMAPPED records. h must name the base (base_uuid). dstats may be NULL. */
struct lb_thin_delta_stats;
int lb_export_incremental(const struct lb_export_source *src, uint64_t base_dev_id, int out_fd,
			  const char *out_name, const struct lb_stream_header *h, unsigned threads,
			  int level, struct lb_export_stats *stats,
			  struct lb_thin_delta_stats *dstats, struct lb_err *err);

#endif
