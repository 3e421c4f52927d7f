/* Pure: which filesystem a device holds, from its first bytes: xfs or
 * ext2/3/4, its UUID as blkid prints it, and its size from the superblock.
 * One home for what the doctor and --device-id need to know of a device
 * without mounting it. */
#ifndef LIFEBOAT_FSLOG_IDENTIFY_H
#define LIFEBOAT_FSLOG_IDENTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Identifies xfs or ext2/3/4 from the first `len` bytes of a device (at
 * least 2048): its type, UUID and size in bytes (0 if the superblock's
 * numbers do not make one). False if neither is there. */
bool lb_fs_identify(const uint8_t *buf, size_t len, char *type, size_t type_cap, char *uuid,
		    size_t uuid_cap, uint64_t *size_bytes);

#endif
