/* libFuzzer target: lib/fslog's journal readers. The input is read twice:
 * as a whole device image (xfs and ext superblocks as they come, so their
 * geometry checks are exercised), and as the contents of an xfs log placed
 * behind a valid superblock (its first byte picks the log's length), so
 * mutations reach the head search and the record parsing. Any crash,
 * sanitizer report or hang is a finding; so is a verdict that is not one of
 * the three states, or an error without a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fslog/fslog.h"

struct mem {
	const uint8_t *b;
	size_t len;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, struct lb_err *err)
{
	const struct mem *m = ctx;
	if (off > m->len || len > m->len - off)
		return lb_fail(err, LB_EINTEGRITY, "read past the end at %llu", (unsigned long long)off);
	memcpy(buf, m->b + off, len);
	return LB_OK;
}

static void check(const char *type, const struct mem *m)
{
	struct lb_err err = {0};
	enum lb_fslog_state s;
	int rc = lb_fslog_state(type, mem_read, (void *)m, &s, &err);
	if (s != LB_FSLOG_UNKNOWN && s != LB_FSLOG_CLEAN && s != LB_FSLOG_DIRTY)
		abort();
	if (rc && (err.msg[0] == '\0' || s != LB_FSLOG_UNKNOWN))
		abort();
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem whole = {data, size};
	check("xfs", &whole);
	check("ext4", &whole);
	if (size < 2)
		return 0;
	/* An xfs of 4 KiB blocks whose log starts at block 1 and is 1-16
	 * blocks long; the rest of the input is the log, zero-padded. */
	uint32_t logblocks = 1 + data[0] % 16;
	size_t log_bytes = (size_t)logblocks * 4096, img_len = 4096 + log_bytes;
	uint8_t *img = calloc(1, img_len);
	if (!img)
		return 0;
	put_be32(img, 0x58465342);
	put_be32(img + 4, 4096);
	put_be32(img + 52, 1); /* logstart, low word */
	put_be32(img + 84, 1024);
	put_be32(img + 96, logblocks);
	img[124] = 10;
	memcpy(img + 4096, data + 1, size - 1 < log_bytes ? size - 1 : log_bytes);
	struct mem m = {img, img_len};
	check("xfs", &m);
	free(img);
	return 0;
}
