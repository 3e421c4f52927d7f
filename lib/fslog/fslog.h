/* Pure: whether a filesystem's journal holds changes that are not yet written
 * in place, read from its own on-disk structures (never by mounting it). A
 * rescue mount does not replay the journal, so a dirty one means the files
 * seen are older than what the filesystem had committed: the operator must
 * be told, and pointed at a replay that does not write to the pool.
 *
 *   ext2/3/4  the superblock's needs_recovery feature (what e2fsck and the
 *             kernel go by).
 *   xfs       the internal log: its head is found from the cycle numbers
 *             every 512-byte log block carries, then the last record header
 *             before the head; the log is clean only if that record is an
 *             unmount record ending exactly at the head (the kernel's own
 *             test, xlog_check_unmount_rec). An external log is "unknown".
 */
#ifndef LIFEBOAT_FSLOG_H
#define LIFEBOAT_FSLOG_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

enum lb_fslog_state {
	LB_FSLOG_UNKNOWN = 0, /* not a type we read, an external log, or unreadable */
	LB_FSLOG_CLEAN,       /* nothing to replay (also: no journal at all) */
	LB_FSLOG_DIRTY,       /* committed changes are only in the journal */
};

/* Reads len bytes at byte offset `off` of the device into buf; a read past
 * the end is an error. Returns 0 or an exit code with err filled. */
typedef int (*lb_fslog_read_fn)(void *ctx, uint64_t off, void *buf, size_t len,
				struct lb_err *err);

/* The journal state of the filesystem of type `fstype` ("xfs", "ext4", ...).
 * Returns 0 with *out set; LB_EINTEGRITY (and *out UNKNOWN) if the structures
 * it must trust are inconsistent, naming what and where; a read error as the
 * reader returned it. Types it does not know are 0 with UNKNOWN. Reads a few
 * KiB for ext*, and for xfs O(log) blocks of the log plus its last record. */
int lb_fslog_state(const char *fstype, lb_fslog_read_fn read, void *ctx,
		   enum lb_fslog_state *out, struct lb_err *err);

/* Pure: the filesystem type by its superblock's magic ("xfs", "ext4" for any
 * ext2/3/4), or NULL when it is neither or cannot be read. */
const char *lb_fslog_detect(lb_fslog_read_fn read, void *ctx);

/* "clean", "dirty", "unknown". */
const char *lb_fslog_state_name(enum lb_fslog_state s);

/* lb_fslog_state on a block device or image file, read with pread. */
int lb_fslog_state_of_path(const char *path, const char *fstype, enum lb_fslog_state *out,
			   struct lb_err *err);

#endif
