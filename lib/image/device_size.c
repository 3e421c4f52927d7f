#include "image/device_size.h"

#include "fslog/identify.h"
#include "image/thin_read.h"

#include <string.h>

static int on_range(void *ctx, const struct lb_thin_range *range, struct lb_err *err)
{
	(void)err;
	uint64_t *end_blocks = ctx;
	*end_blocks = range->vblock + range->len_blocks; /* ranges come in ascending order */
	return 0;
}

int lb_device_size_guess(struct lb_thinmeta *meta, int data_fd, const char *data_name,
			 uint64_t dev_id, struct lb_device_size *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct lb_thin_device td;
	int rc = lb_thinmeta_find_device(meta, dev_id, &td, err);
	if (rc)
		return rc;
	uint64_t end_blocks = 0;
	struct lb_thin_walk walk = {.coalesce = LB_THIN_RANGES, .on_range = on_range,
				    .ctx = &end_blocks};
	rc = lb_thinmeta_walk_mappings(meta, dev_id, &walk, err);
	if (rc && rc != LB_ENOTFOUND)
		return rc;
	uint64_t block_bytes = (uint64_t)lb_thinmeta_superblock(meta)->data_block_size_sectors * 512;
	if (end_blocks > UINT64_MAX / block_bytes)
		return lb_fail(err, LB_EINTEGRITY, "thin device %llu: mapped beyond 2^64 bytes",
			       (unsigned long long)dev_id);
	out->mapped_end_bytes = end_blocks * block_bytes;
	uint8_t buf[4096];
	struct lb_thin_reader r = {.meta = meta, .dev_id = dev_id,
				   .size_bytes = out->mapped_end_bytes, .data_fd = data_fd,
				   .data_name = data_name};
	struct lb_err ignored = {0};
	uint64_t fs_size = 0;
	if (out->mapped_end_bytes >= sizeof(buf) && !lb_thin_read(&r, 0, buf, sizeof(buf), &ignored))
		lb_fs_identify(buf, sizeof(buf), out->fs_type, sizeof(out->fs_type), NULL, 0,
			       &fs_size);
	/* A filesystem larger than what is mapped is normal (thin); one that
	 * ends before a mapped block is not what the device was made for. */
	if (fs_size && fs_size >= out->mapped_end_bytes) {
		out->size_bytes = fs_size;
		out->source = "filesystem";
	} else if (out->mapped_end_bytes) {
		out->size_bytes = out->mapped_end_bytes;
		out->source = "mappings";
	} else {
		return lb_fail(err, LB_ENOTFOUND, "thin device %llu maps nothing: no size to give it",
			       (unsigned long long)dev_id);
	}
	return LB_OK;
}
