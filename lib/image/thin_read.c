#include "image/thin_read.h"
#include "util/fs.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int lb_thin_read(void *ctx, uint64_t off, void *buf, size_t len, struct lb_err *err)
{
	const struct lb_thin_reader *r = ctx;
	const uint64_t block_bytes =
		(uint64_t)lb_thinmeta_superblock(r->meta)->data_block_size_sectors * 512;
	if (off > r->size_bytes || len > r->size_bytes - off)
		return lb_fail(err, LB_EINTEGRITY, "thin device %llu: read of %zu bytes at %llu is "
			       "past its end (%llu bytes)",
			       (unsigned long long)r->dev_id, len, (unsigned long long)off,
			       (unsigned long long)r->size_bytes);
	uint8_t *out = buf;
	while (len > 0) {
		uint64_t vblock = off / block_bytes, in_block = off % block_bytes;
		size_t n = block_bytes - in_block < len ? (size_t)(block_bytes - in_block) : len;
		uint64_t dblock;
		bool mapped;
		int rc = lb_thinmeta_map_block(r->meta, r->dev_id, vblock, &dblock, &mapped, err);
		if (rc)
			return rc;
		if (!mapped) {
			memset(out, 0, n);
		} else {
			uint64_t at = dblock * block_bytes + in_block;
			size_t done;
			int e = lb_pread_full(r->data_fd, out, n, at, &done);
			if (e > 0)
				return lb_fail_errno(err, LB_EFAIL, e, "%s: read at byte %llu",
						     r->data_name, (unsigned long long)(at + done));
			if (e < 0)
				return lb_fail(err, LB_EINTEGRITY,
					       "%s: ends before byte %llu, which data block %llu needs",
					       r->data_name, (unsigned long long)(at + n),
					       (unsigned long long)dblock);
		}
		out += n, off += n, len -= n;
	}
	return LB_OK;
}

enum lb_fslog_state lb_thin_log_state(struct lb_thin_reader *r, const char **fstype)
{
	enum lb_fslog_state s = LB_FSLOG_UNKNOWN;
	struct lb_err ignored = {0};
	*fstype = lb_fslog_detect(lb_thin_read, r);
	if (*fstype)
		(void)lb_fslog_state(*fstype, lb_thin_read, r, &s, &ignored);
	return s;
}
