#include "rescue/tables.h"

#include <stdio.h>
#include <string.h>

/* dm-thin's low water mark, in data blocks; irrelevant to a read-only pool
 * but required by the table syntax. Docker uses the same value. */
#define LB_POOL_LOW_WATER_BLOCKS 32768

int lb_pool_table(uint32_t meta_major, uint32_t meta_minor, uint32_t data_major,
		  uint32_t data_minor, uint64_t data_size_bytes, uint32_t block_size_sectors,
		  bool read_only, struct lb_dm_target *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	/* dm-thin accepts 64 KiB .. 1 GiB blocks, multiples of 64 KiB. */
	if (block_size_sectors < 128 || block_size_sectors > 2097152 || block_size_sectors % 128)
		return lb_fail(err, LB_EINTEGRITY, "pool data block size %u sectors is not one dm-thin accepts",
			       block_size_sectors);
	uint64_t len_sectors = data_size_bytes / 512;
	len_sectors -= len_sectors % block_size_sectors;
	if (len_sectors == 0)
		return lb_fail(err, LB_EINTEGRITY, "pool data device is smaller than one data block");
	out->start_sector = 0;
	out->len_sectors = len_sectors;
	snprintf(out->type, sizeof(out->type), "thin-pool");
	snprintf(out->params, sizeof(out->params), "%u:%u %u:%u %u %u %s", meta_major, meta_minor,
		 data_major, data_minor, block_size_sectors, LB_POOL_LOW_WATER_BLOCKS,
		 read_only ? "2 read_only no_discard_passdown" : "1 no_discard_passdown");
	return LB_OK;
}

int lb_thin_table(uint32_t pool_major, uint32_t pool_minor, uint32_t device_id,
		  uint64_t size_bytes, struct lb_dm_target *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (size_bytes < 512 || size_bytes % 512)
		return lb_fail(err, LB_EINTEGRITY, "thin device %u: size %llu bytes is not whole sectors",
			       device_id, (unsigned long long)size_bytes);
	if (device_id >= (1u << 24))
		return lb_fail(err, LB_EINTEGRITY, "thin device id %u is beyond dm-thin's 24 bits",
			       device_id);
	out->len_sectors = size_bytes / 512;
	snprintf(out->type, sizeof(out->type), "thin");
	snprintf(out->params, sizeof(out->params), "%u:%u %u", pool_major, pool_minor, device_id);
	return LB_OK;
}

int lb_cow_table(uint32_t origin_major, uint32_t origin_minor, uint32_t cow_major,
		 uint32_t cow_minor, uint64_t size_bytes, struct lb_dm_target *out,
		 struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (size_bytes < 512 || size_bytes % 512)
		return lb_fail(err, LB_EINTEGRITY, "copy-on-write layer: size %llu bytes is not whole sectors",
			       (unsigned long long)size_bytes);
	out->len_sectors = size_bytes / 512;
	snprintf(out->type, sizeof(out->type), "snapshot");
	/* N: transient, the exception store lives only in the kernel's memory
	 * and the cow device; nothing of it needs to survive. */
	snprintf(out->params, sizeof(out->params), "%u:%u %u:%u N %u", origin_major, origin_minor,
		 cow_major, cow_minor, LB_COW_CHUNK_SECTORS);
	return LB_OK;
}
