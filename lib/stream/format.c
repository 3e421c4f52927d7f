/* The stream's fixed parts, encoded and checked: pure, no I/O. Offsets are
 * the tables of docs/export-format.md; all integers little-endian. */
#include "stream/stream.h"
#include "thinmeta/crc32c.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

/* Header offsets. */
enum {
	H_MAGIC = 0, H_VERSION = 8, H_HEADER_BYTES = 12, H_BLOCK_BYTES = 16, H_FLAGS = 20,
	H_SIZE = 24, H_CREATED = 32, H_UUID = 40, H_BASE_UUID = 56, H_NAME = 72,
	H_BASE_NAME = 136, H_CONTAINER = 200, H_RESERVED = 264, H_CRC = 284,
};
/* Record header offsets. */
enum { R_KIND = 0, R_NBLOCKS = 4, R_VBLOCK = 8, R_RAW = 16, R_COMP = 20, R_PCRC = 24, R_CRC = 28 };
/* Trailer offsets. */
enum {
	T_TAG = 0, T_RESERVED = 4, T_RECORDS = 8, T_DATA = 16, T_ZERO = 24, T_UNMAPPED = 32,
	T_SHA256 = 40, T_RESERVED2 = 72, T_CRC = 76,
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t crc32c(const void *p, size_t n)
{
	return lb_crc32c(~0u, p, n) ^ ~0u;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

bool lb_stream_is_full(const struct lb_stream_header *h)
{
	return all_zero(h->base_uuid, sizeof(h->base_uuid));
}

uint64_t lb_stream_total_blocks(const struct lb_stream_header *h)
{
	return h->size_bytes / h->block_bytes + (h->size_bytes % h->block_bytes != 0);
}

uint64_t lb_stream_run_bytes(const struct lb_stream_header *h, uint64_t vblock, uint64_t nblocks)
{
	uint64_t start = vblock * h->block_bytes, end = (vblock + nblocks) * h->block_bytes;
	return (end > h->size_bytes ? h->size_bytes : end) - start;
}

/* A name field: printable ASCII or UTF-8 bytes, no control characters, so
 * it can be printed and stored as it is. */
static bool name_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int check_fields(const struct lb_stream_header *h, const char *name, struct lb_err *err)
{
	if (h->version != LB_STREAM_VERSION)
		return lb_fail(err, LB_EINTEGRITY, "%s: stream version %u; this lifeboat reads %u",
			       name, h->version, LB_STREAM_VERSION);
	if (h->block_bytes < LB_STREAM_MIN_BLOCK_BYTES || h->block_bytes > LB_STREAM_MAX_BLOCK_BYTES ||
	    h->block_bytes % 512)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: block size %u bytes: not a multiple of 512 from %u to %u", name,
			       h->block_bytes, LB_STREAM_MIN_BLOCK_BYTES, LB_STREAM_MAX_BLOCK_BYTES);
	if (h->size_bytes == 0 || h->size_bytes > INT64_MAX)
		return lb_fail(err, LB_EINTEGRITY, "%s: virtual size %llu bytes: out of range", name,
			       (unsigned long long)h->size_bytes);
	if (!name_ok(h->name) || !name_ok(h->base_name) || !name_ok(h->container_id))
		return lb_fail(err, LB_EINTEGRITY, "%s: a name holds control characters", name);
	if (all_zero(h->uuid, sizeof(h->uuid)))
		return lb_fail(err, LB_EINTEGRITY, "%s: the snapshot's uuid is all zeros", name);
	if (lb_stream_is_full(h) && h->base_name[0])
		return lb_fail(err, LB_EINTEGRITY, "%s: a base name (%s) without a base uuid", name,
			       h->base_name);
	if (!memcmp(h->uuid, h->base_uuid, sizeof(h->uuid)))
		return lb_fail(err, LB_EINTEGRITY, "%s: the snapshot is its own base", name);
	return 0;
}

int lb_stream_header_check(const struct lb_stream_header *h, struct lb_err *err)
{
	size_t n = strnlen(h->name, sizeof(h->name)), b = strnlen(h->base_name, sizeof(h->base_name)),
	       c = strnlen(h->container_id, sizeof(h->container_id));
	if (n > LB_STREAM_NAME_BYTES || b > LB_STREAM_NAME_BYTES || c > LB_STREAM_NAME_BYTES)
		return lb_fail(err, LB_EUSAGE, "stream header: a name is longer than %u bytes",
			       LB_STREAM_NAME_BYTES);
	/* The caller's values, not damage: a usage error. */
	struct lb_err why = {0};
	if (check_fields(h, "stream header", &why))
		return lb_fail(err, LB_EUSAGE, "%s", why.msg);
	return 0;
}

void lb_stream_header_encode(const struct lb_stream_header *h, uint8_t out[LB_STREAM_HEADER_BYTES])
{
	memset(out, 0, LB_STREAM_HEADER_BYTES);
	memcpy(out + H_MAGIC, LB_STREAM_MAGIC, 8);
	put32(out + H_VERSION, h->version);
	put32(out + H_HEADER_BYTES, LB_STREAM_HEADER_BYTES);
	put32(out + H_BLOCK_BYTES, h->block_bytes);
	put64(out + H_SIZE, h->size_bytes);
	put64(out + H_CREATED, (uint64_t)h->created_unix);
	memcpy(out + H_UUID, h->uuid, 16);
	memcpy(out + H_BASE_UUID, h->base_uuid, 16);
	/* NUL-padded, no terminator when full: the buffer is zeroed above. */
	memcpy(out + H_NAME, h->name, strnlen(h->name, LB_STREAM_NAME_BYTES));
	memcpy(out + H_BASE_NAME, h->base_name, strnlen(h->base_name, LB_STREAM_NAME_BYTES));
	memcpy(out + H_CONTAINER, h->container_id, strnlen(h->container_id, LB_STREAM_NAME_BYTES));
	put32(out + H_CRC, crc32c(out, H_CRC));
}

/* A NUL-padded field: whatever follows the first NUL must be NUL too, so
 * one name has one encoding. */
static bool get_name(const uint8_t *field, char out[LB_STREAM_NAME_BYTES + 1])
{
	size_t n = strnlen((const char *)field, LB_STREAM_NAME_BYTES);
	memcpy(out, field, n);
	out[n] = '\0';
	return all_zero(field + n, LB_STREAM_NAME_BYTES - n);
}

int lb_stream_header_decode(const uint8_t in[LB_STREAM_HEADER_BYTES], const char *name,
			    struct lb_stream_header *h, struct lb_err *err)
{
	memset(h, 0, sizeof(*h));
	if (memcmp(in + H_MAGIC, LB_STREAM_MAGIC, 8))
		return lb_fail(err, LB_EINTEGRITY, "%s: byte 0: not a lifeboat export stream (bad magic)",
			       name);
	uint32_t want = get32(in + H_CRC), got = crc32c(in, H_CRC);
	if (want != got)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: byte 0: header checksum mismatch (stored %08x, computed %08x)",
			       name, want, got);
	h->version = get32(in + H_VERSION);
	h->block_bytes = get32(in + H_BLOCK_BYTES);
	h->size_bytes = get64(in + H_SIZE);
	h->created_unix = (int64_t)get64(in + H_CREATED);
	memcpy(h->uuid, in + H_UUID, 16);
	memcpy(h->base_uuid, in + H_BASE_UUID, 16);
	if (get32(in + H_HEADER_BYTES) != LB_STREAM_HEADER_BYTES || get32(in + H_FLAGS) ||
	    !all_zero(in + H_RESERVED, H_CRC - H_RESERVED) || !get_name(in + H_NAME, h->name) ||
	    !get_name(in + H_BASE_NAME, h->base_name) || !get_name(in + H_CONTAINER, h->container_id))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: byte 0: header: unknown flags, length or reserved bytes", name);
	return check_fields(h, name, err);
}

void lb_stream_record_encode(const struct lb_stream_record *r,
			     uint8_t out[LB_STREAM_RECORD_HEADER_BYTES])
{
	put32(out + R_KIND, (uint32_t)r->kind);
	put32(out + R_NBLOCKS, r->nblocks);
	put64(out + R_VBLOCK, r->vblock);
	put32(out + R_RAW, r->raw_bytes);
	put32(out + R_COMP, r->comp_bytes);
	put32(out + R_PCRC, r->payload_crc);
	put32(out + R_CRC, crc32c(out, R_CRC));
}

#define AT "%s: byte %llu: record %llu: "
#define AT_ARGS name, (unsigned long long)offset, (unsigned long long)record_nr

int lb_stream_record_decode(const uint8_t in[LB_STREAM_RECORD_HEADER_BYTES],
			    const struct lb_stream_header *h, uint64_t next_vblock,
			    const char *name, uint64_t offset, uint64_t record_nr,
			    struct lb_stream_record *r, bool *is_trailer, struct lb_err *err)
{
	memset(r, 0, sizeof(*r));
	*is_trailer = get32(in + R_KIND) == LB_STREAM_END;
	if (*is_trailer)
		return 0; /* its checksum covers all of it: lb_stream_trailer_check */
	uint32_t want = get32(in + R_CRC), got = crc32c(in, R_CRC);
	if (want != got)
		return lb_fail(err, LB_EINTEGRITY,
			       AT "header checksum mismatch (stored %08x, computed %08x)", AT_ARGS,
			       want, got);
	uint32_t kind = get32(in + R_KIND);
	r->nblocks = get32(in + R_NBLOCKS);
	r->vblock = get64(in + R_VBLOCK);
	r->raw_bytes = get32(in + R_RAW);
	r->comp_bytes = get32(in + R_COMP);
	r->payload_crc = get32(in + R_PCRC);
	if (kind != LB_STREAM_DATA && kind != LB_STREAM_ZERO && kind != LB_STREAM_UNMAPPED)
		return lb_fail(err, LB_EINTEGRITY, AT "unknown kind %u", AT_ARGS, kind);
	r->kind = (enum lb_stream_kind)kind;
	const uint64_t total = lb_stream_total_blocks(h);
	if (r->nblocks == 0 || r->vblock >= total || r->nblocks > total - r->vblock)
		return lb_fail(err, LB_EINTEGRITY,
			       AT "blocks %llu+%u: outside the device's %llu blocks", AT_ARGS,
			       (unsigned long long)r->vblock, r->nblocks, (unsigned long long)total);
	if (r->vblock < next_vblock)
		return lb_fail(err, LB_EINTEGRITY,
			       AT "block %llu: out of order or overlapping (the record before ended "
				  "at block %llu)",
			       AT_ARGS, (unsigned long long)r->vblock, (unsigned long long)next_vblock);
	if (r->kind != LB_STREAM_DATA) {
		if (r->raw_bytes || r->comp_bytes || r->payload_crc)
			return lb_fail(err, LB_EINTEGRITY, AT "a marker with a payload", AT_ARGS);
		return 0;
	}
	/* The run's bytes, bounded before the product is formed: the
	 * largest a record may hold is LB_STREAM_MAX_RECORD_BYTES. */
	if (r->nblocks > LB_STREAM_MAX_RECORD_BYTES / h->block_bytes ||
	    r->raw_bytes != lb_stream_run_bytes(h, r->vblock, r->nblocks))
		return lb_fail(err, LB_EINTEGRITY,
			       AT "DATA of %u blocks with %u bytes: over the bound of %u or not the "
				  "run's size",
			       AT_ARGS, r->nblocks, r->raw_bytes, LB_STREAM_MAX_RECORD_BYTES);
	if (r->comp_bytes == 0 || r->comp_bytes > ZSTD_COMPRESSBOUND(r->raw_bytes))
		return lb_fail(err, LB_EINTEGRITY,
			       AT "compressed length %u: out of range for %u bytes", AT_ARGS,
			       r->comp_bytes, r->raw_bytes);
	return 0;
}

void lb_stream_trailer_encode(const struct lb_stream_totals *t,
			      uint8_t out[LB_STREAM_TRAILER_BYTES])
{
	memset(out, 0, LB_STREAM_TRAILER_BYTES);
	put32(out + T_TAG, LB_STREAM_END);
	put64(out + T_RECORDS, t->records);
	put64(out + T_DATA, t->data_blocks);
	put64(out + T_ZERO, t->zero_blocks);
	put64(out + T_UNMAPPED, t->unmapped_blocks);
	memcpy(out + T_SHA256, t->sha256, 32);
	put32(out + T_CRC, crc32c(out, T_CRC));
}

int lb_stream_trailer_check(const uint8_t in[LB_STREAM_TRAILER_BYTES],
			    const struct lb_stream_totals *seen, const char *name, uint64_t offset,
			    struct lb_err *err)
{
	const unsigned long long at = (unsigned long long)offset;
	uint32_t want = get32(in + T_CRC), got = crc32c(in, T_CRC);
	if (want != got)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: byte %llu: trailer checksum mismatch (stored %08x, computed %08x)",
			       name, at, want, got);
	if (get32(in + T_RESERVED) || get32(in + T_RESERVED2))
		return lb_fail(err, LB_EINTEGRITY, "%s: byte %llu: trailer: reserved bytes set", name,
			       at);
	if (get64(in + T_RECORDS) != seen->records || get64(in + T_DATA) != seen->data_blocks ||
	    get64(in + T_ZERO) != seen->zero_blocks || get64(in + T_UNMAPPED) != seen->unmapped_blocks)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: byte %llu: trailer counts %llu records, %llu/%llu/%llu "
			       "data/zero/unmapped blocks; the stream has %llu, %llu/%llu/%llu",
			       name, at, (unsigned long long)get64(in + T_RECORDS),
			       (unsigned long long)get64(in + T_DATA),
			       (unsigned long long)get64(in + T_ZERO),
			       (unsigned long long)get64(in + T_UNMAPPED),
			       (unsigned long long)seen->records, (unsigned long long)seen->data_blocks,
			       (unsigned long long)seen->zero_blocks,
			       (unsigned long long)seen->unmapped_blocks);
	if (memcmp(in + T_SHA256, seen->sha256, 32))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: byte %llu: the stream's sha256 is not the trailer's", name, at);
	return 0;
}

void lb_stream_uuid_format(const uint8_t uuid[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", uuid[i]);
}
