/* The size of a thin device no Docker record describes (an orphan doctor
 * found, a device picked with --device-id): the pool keeps no virtual size,
 * so it comes from the filesystem's superblock on the device, read in
 * userspace, or else from the highest block the pool maps. */
#ifndef LIFEBOAT_IMAGE_DEVICE_SIZE_H
#define LIFEBOAT_IMAGE_DEVICE_SIZE_H

#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stdint.h>

struct lb_device_size {
	uint64_t size_bytes;
	uint64_t mapped_end_bytes; /* end of the highest mapped block */
	char fs_type[16];          /* "" if none was found */
	const char *source;        /* "filesystem" or "mappings" */
};

/* LB_ENOTFOUND if the pool has no such device; a device that maps nothing
 * and holds no filesystem has no size to give (LB_ENOTFOUND too). */
int lb_device_size_guess(struct lb_thinmeta *meta, int data_fd, const char *data_name,
			 uint64_t dev_id, struct lb_device_size *out, struct lb_err *err);

#endif
