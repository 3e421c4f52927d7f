/* libFuzzer target: lib/stream's reader fed hostile export streams (through
 * a memfd, as a file or pipe would give them). Inputs whose first byte is
 * odd have their checksums and digest recomputed first (layout of
 * docs/export-format.md), so mutations reach the checks behind them: order,
 * bounds, zstd frames, trailer counts. Beyond no crash, leak or
 * hang, its promises: records handed out are in increasing, non-overlapping
 * order inside the device, DATA comes with exactly its run's bytes, a
 * stream accepted has trailer counts equal to what was handed out, and a
 * refused one is LB_EINTEGRITY (damage or "incomplete") with a message. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream/stream.h"
#include "thinmeta/crc32c.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_crc(uint8_t *at, const uint8_t *from, size_t n)
{
	uint32_t c = lb_crc32c(~0u, from, n) ^ ~0u;
	for (int i = 0; i < 4; i++)
		at[i] = (uint8_t)(c >> (8 * i));
}

/* Makes every checksum and the trailer's sha256 right for the bytes there. */
static void fix_checksums(uint8_t *s, size_t len)
{
	if (len < LB_STREAM_HEADER_BYTES)
		return;
	put_crc(s + 284, s, 284);
	size_t off = LB_STREAM_HEADER_BYTES;
	while (off + LB_STREAM_RECORD_HEADER_BYTES <= len) {
		uint8_t *r = s + off;
		if (get32(r) == LB_STREAM_END) {
			if (off + LB_STREAM_TRAILER_BYTES <= len) {
				unsigned md_len;
				EVP_Digest(s, off, r + 40, &md_len, EVP_sha256(), NULL);
				put_crc(r + 76, r, 76);
			}
			return;
		}
		size_t payload = get32(r) == LB_STREAM_DATA ? get32(r + 20) : 0;
		size_t have = len - off - LB_STREAM_RECORD_HEADER_BYTES;
		if (payload)
			put_crc(r + 24, r + 32, payload < have ? payload : have);
		put_crc(r + 28, r, 28);
		if (payload > have)
			return;
		off += LB_STREAM_RECORD_HEADER_BYTES + payload;
	}
}

struct seen {
	const struct lb_stream_header *h;
	uint64_t next_vblock, records, data_blocks, zero_blocks, unmapped_blocks;
	int header_calls;
};

static int on_header(void *ctx, const struct lb_stream_header *h, struct lb_err *err)
{
	(void)err;
	struct seen *s = ctx;
	s->header_calls++;
	if (h->block_bytes < LB_STREAM_MIN_BLOCK_BYTES || h->block_bytes > LB_STREAM_MAX_BLOCK_BYTES ||
	    h->size_bytes == 0)
		abort();
	return 0;
}

static int on_record(void *ctx, const struct lb_stream_record *r, const uint8_t *data,
		     struct lb_err *err)
{
	(void)err;
	struct seen *s = ctx;
	const uint64_t total = s->h->size_bytes / s->h->block_bytes +
			       (s->h->size_bytes % s->h->block_bytes != 0);
	if (s->header_calls != 1 || r->nblocks == 0 || r->vblock < s->next_vblock ||
	    r->vblock + r->nblocks > total)
		abort();
	if (r->kind == LB_STREAM_DATA) {
		if (!data || r->raw_bytes != lb_stream_run_bytes(s->h, r->vblock, r->nblocks) ||
		    r->raw_bytes > LB_STREAM_MAX_RECORD_BYTES)
			abort();
		volatile uint8_t sink = data[r->raw_bytes - 1]; /* ASan: the bytes are there */
		(void)sink;
		s->data_blocks += r->nblocks;
	} else if (data) {
		abort();
	} else if (r->kind == LB_STREAM_ZERO) {
		s->zero_blocks += r->nblocks;
	} else {
		s->unmapped_blocks += r->nblocks;
	}
	s->next_vblock = r->vblock + r->nblocks;
	s->records++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const bool fix = data[0] & 1;
	data++;
	size--;
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (fix)
		fix_checksums(copy, size);
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, copy, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		abort();
	free(copy);
	struct lb_stream_result res;
	struct seen s = {.h = &res.header};
	const struct lb_stream_reader_ops ops = {.on_header = on_header, .on_record = on_record,
						 .ctx = &s};
	struct lb_err err = {0};
	int rc = lb_stream_read(fd, "fuzz", &ops, &res, &err);
	close(fd);
	if (rc == 0) {
		if (res.totals.records != s.records || res.totals.data_blocks != s.data_blocks ||
		    res.totals.zero_blocks != s.zero_blocks ||
		    res.totals.unmapped_blocks != s.unmapped_blocks || res.totals.stream_bytes != size)
			abort();
	} else if (rc != LB_EINTEGRITY || !err.msg[0] ||
		   (res.incomplete && !strstr(err.msg, "incomplete"))) {
		abort();
	}
	return 0;
}
