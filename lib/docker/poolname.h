/* Device-mapper names Docker gives its pool and thin devices
 * (moby daemon/graphdriver/devmapper/deviceset.go, initDevmapper):
 *
 *   prefix   "docker-<major>:<minor>-<inode>", from stat() (following symlinks)
 *            of the driver home <data-root>/devicemapper, with Docker's own
 *            major()/minor() split of st_dev (12-bit major, 20-bit minor)
 *   pool     "<prefix>-pool", unless dm.thinpooldev names one
 *            (then that name, "/dev/mapper/" stripped), or dm.directlvm_device
 *            is set (then "docker-thinpool")
 *   thin     "<prefix>-<hash>", and "<prefix>-base" for the base device;
 *            the prefix is used even when the pool is dm.thinpooldev
 *
 * dm names are limited to 128 bytes (DM_NAME_LEN) including the NUL. */
#ifndef LIFEBOAT_DOCKER_POOLNAME_H
#define LIFEBOAT_DOCKER_POOLNAME_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define LB_DM_NAME_MAX 128
#define LB_DM_DIRECTLVM_POOL "docker-thinpool"

/* Docker's major()/minor() of an st_dev value (not glibc's: majors above 4095
 * are truncated to 12 bits, as Docker does). */
uint64_t lb_dm_docker_major(uint64_t dev);
uint64_t lb_dm_docker_minor(uint64_t dev);

/* "docker-<major>:<minor>-<inode>". LB_EFAIL if it does not fit. */
int lb_dm_prefix_format(char *buf, size_t cap, uint64_t major, uint64_t minor, uint64_t inode,
			struct lb_err *err);

/* "<prefix>-pool" for the loop-lvm (or dm.datadev) pool. */
int lb_dm_pool_name_format(char *buf, size_t cap, uint64_t major, uint64_t minor,
			   uint64_t inode, struct lb_err *err);

/* "<prefix>-<hash>", "<prefix>-base" for hash "". Longer than a dm name allows:
 * LB_EINTEGRITY. */
int lb_dm_thin_name_format(char *buf, size_t cap, const char *prefix, const char *hash,
			   struct lb_err *err);

/* stat()s the driver home (<data-root>/devicemapper) and formats the prefix. */
int lb_dm_prefix_for_home(const char *driver_home, char *buf, size_t cap, struct lb_err *err);

#endif
