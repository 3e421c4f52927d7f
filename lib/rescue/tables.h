/* Pure: the device-mapper tables a rescue activates. Devices are named by
 * major:minor, so the tables work without /dev/mapper nodes or udev. */
#ifndef LIFEBOAT_RESCUE_TABLES_H
#define LIFEBOAT_RESCUE_TABLES_H

#include "dm/dm.h"

#include <stdbool.h>
#include <stdint.h>

/* thin-pool over metadata and data devices. Pools lifeboat activates never
 * pass discards down (the dm-thin discard crash), and are read_only unless
 * the operator asked for a journal replay. */
int lb_pool_table(uint32_t meta_major, uint32_t meta_minor, uint32_t data_major,
		  uint32_t data_minor, uint64_t data_size_bytes, uint32_t block_size_sectors,
		  bool read_only, struct lb_dm_target *out, struct lb_err *err);

/* A thin device of the pool. */
int lb_thin_table(uint32_t pool_major, uint32_t pool_minor, uint32_t device_id,
		  uint64_t size_bytes, struct lb_dm_target *out, struct lb_err *err);

/* A transient dm-snapshot over `origin` (the read-only thin device) that keeps
 * every write in `cow` instead: what a journal replay writes lands there and
 * the pool is never written. 4 KiB chunks, the filesystems' block size, so a
 * replayed block costs one chunk. */
#define LB_COW_CHUNK_SECTORS 8
int lb_cow_table(uint32_t origin_major, uint32_t origin_minor, uint32_t cow_major,
		 uint32_t cow_minor, uint64_t size_bytes, struct lb_dm_target *out,
		 struct lb_err *err);

#endif
