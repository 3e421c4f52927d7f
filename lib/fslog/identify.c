#include "fslog/identify.h"

#include <stdio.h>
#include <string.h>

static void uuid_text(const uint8_t *u, char *out, size_t cap)
{
	snprintf(out, cap,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

static bool identify_type(const uint8_t *buf, size_t len, char *type, size_t type_cap,
			   char *uuid, size_t uuid_cap)
{
	if (len < 2048)
		return false;
	/* xfs: "XFSB" at 0, sb_uuid at offset 32. */
	if (!memcmp(buf, "XFSB", 4)) {
		snprintf(type, type_cap, "xfs");
		uuid_text(buf + 32, uuid, uuid_cap);
		return true;
	}
	/* ext2/3/4: superblock at 1024, magic 0xEF53 at +56, s_uuid at +104;
	 * Docker's mkfs.ext4 (and blkid) call it ext4 when it has extents. */
	const uint8_t *sb = buf + 1024;
	if (sb[56] == 0x53 && sb[57] == 0xef) {
		uint32_t incompat = (uint32_t)sb[96] | (uint32_t)sb[97] << 8 | (uint32_t)sb[98] << 16 |
				    (uint32_t)sb[99] << 24;
		uint32_t compat = (uint32_t)sb[92] | (uint32_t)sb[93] << 8;
		const char *t = (incompat & 0x40) ? "ext4" : (compat & 0x4) ? "ext3" : "ext2";
		snprintf(type, type_cap, "%s", t);
		uuid_text(sb + 104, uuid, uuid_cap);
		return true;
	}
	return false;
}

static uint64_t be_u(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t le_u(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

bool lb_fs_identify(const uint8_t *buf, size_t len, char *type, size_t type_cap,
				char *uuid, size_t uuid_cap, uint64_t *size_bytes)
{
	*size_bytes = 0;
	if (!identify_type(buf, len, type, type_cap, uuid, uuid_cap))
		return false;
	if (!memcmp(buf, "XFSB", 4)) {
		/* sb_blocksize (be32) at 4, sb_dblocks (be64) at 8 */
		uint64_t bs = be_u(buf + 4, 4), blocks = be_u(buf + 8, 8);
		if (bs >= 512 && bs <= 65536 && blocks <= UINT64_MAX / bs)
			*size_bytes = bs * blocks;
		return true;
	}
	const uint8_t *sb = buf + 1024;
	/* s_blocks_count_lo at 4, s_log_block_size at 24, s_blocks_count_hi at
	 * 0x150 when INCOMPAT_64BIT (0x80) is set. */
	uint64_t blocks = le_u(sb + 4, 4), log = le_u(sb + 24, 4);
	if (le_u(sb + 96, 4) & 0x80)
		blocks |= le_u(sb + 0x150, 4) << 32;
	if (log <= 6 && blocks <= UINT64_MAX / (1024ull << log))
		*size_bytes = blocks * (1024ull << log);
	return true;
}

