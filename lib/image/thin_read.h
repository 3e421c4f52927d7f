/* Reads a thin device's bytes in userspace, from the pool's metadata and data
 * file, without device-mapper: a block the pool maps is read from the data
 * file, any other reads as zeros (as the kernel's thin target returns it).
 * For readers that need a few KiB at chosen offsets (a filesystem's
 * superblock and journal); lb_image_write is the way to copy all of it. */
#ifndef LIFEBOAT_THIN_READ_H
#define LIFEBOAT_THIN_READ_H

#include "fslog/fslog.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

struct lb_thin_reader {
	struct lb_thinmeta *meta; /* the pool's metadata, open */
	uint64_t dev_id;
	uint64_t size_bytes;      /* the device's size: reads past it fail */
	int data_fd;              /* the pool's data, O_RDONLY */
	const char *data_name;    /* for messages */
};

/* Fills buf with len bytes at byte offset off of the device. The signature
 * is lib/fslog's reader's: ctx is a struct lb_thin_reader. */
int lb_thin_read(void *ctx, uint64_t off, void *buf, size_t len, struct lb_err *err);

/* The journal state of the filesystem on the device (lib/fslog), read
 * through the pool: what recover ls and recover image tell the operator.
 * *fstype gets the type found ("xfs", "ext4"), NULL for neither. It only
 * informs, so a read error or damage is LB_FSLOG_UNKNOWN, not a failure. */
enum lb_fslog_state lb_thin_log_state(struct lb_thin_reader *r, const char **fstype);

#endif
