/* The export stream of a thin device: a self-describing, versioned byte
 * stream (docs/export-format.md) of a header, records for increasing,
 * non-overlapping runs of blocks (DATA zstd-compressed, ZERO, UNMAPPED),
 * and a trailer with counts and a sha256 over every byte before it.
 *
 * Pure format code: knows nothing about devices, pools or Docker. The writer
 * compresses on N threads through a bounded ring of in-flight records and
 * writes them in order; the reader checks everything before it trusts it.
 * Memory is fixed on both sides: a record holds at most
 * LB_STREAM_MAX_RECORD_BYTES uncompressed. */
#ifndef LIFEBOAT_STREAM_STREAM_H
#define LIFEBOAT_STREAM_STREAM_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_STREAM_MAGIC "LBTHINX\n"
#define LB_STREAM_VERSION 1u
#define LB_STREAM_HEADER_BYTES 288u
#define LB_STREAM_RECORD_HEADER_BYTES 32u
#define LB_STREAM_TRAILER_BYTES 80u
#define LB_STREAM_NAME_BYTES 64u /* name fields, NUL-padded, not NUL-terminated when full */

/* A record's payload, uncompressed, is at most this: the reader's buffers. */
#define LB_STREAM_MAX_RECORD_BYTES (4u << 20)
/* The block size a stream may have: sectors, and no bigger than a record. */
#define LB_STREAM_MIN_BLOCK_BYTES 512u
#define LB_STREAM_MAX_BLOCK_BYTES LB_STREAM_MAX_RECORD_BYTES

enum lb_stream_kind {
	LB_STREAM_DATA = 1,     /* zstd frame of the blocks' bytes */
	LB_STREAM_ZERO = 2,     /* the blocks read as zeros */
	LB_STREAM_UNMAPPED = 3, /* the blocks are not mapped (read as zeros) */
	LB_STREAM_END = 0x454e4421u, /* the trailer's tag ("!DNE" little-endian) */
};

struct lb_stream_header {
	uint32_t version;
	uint32_t block_bytes;  /* data block size */
	uint64_t size_bytes;   /* the device's virtual size */
	int64_t created_unix;  /* the snapshot's creation time */
	uint8_t uuid[16];      /* the snapshot's identity: random bytes */
	uint8_t base_uuid[16]; /* the base of an incremental; all zero: a full export */
	char name[LB_STREAM_NAME_BYTES + 1];
	char base_name[LB_STREAM_NAME_BYTES + 1];
	char container_id[LB_STREAM_NAME_BYTES + 1];
};

struct lb_stream_record {
	enum lb_stream_kind kind;
	uint64_t vblock;
	uint32_t nblocks;
	uint32_t raw_bytes;  /* DATA: the bytes the blocks hold (the last block may be short) */
	uint32_t comp_bytes; /* DATA: the zstd frame's size */
	uint32_t payload_crc;
};

struct lb_stream_totals {
	uint64_t records;
	uint64_t data_blocks, zero_blocks, unmapped_blocks;
	uint64_t data_raw_bytes;   /* uncompressed bytes of DATA records */
	uint64_t stream_bytes;     /* the whole stream, trailer included */
	uint8_t sha256[32];        /* over every byte before the trailer */
};

/* ---- pure: encoding and checking the fixed parts (format.c) ---- */

bool lb_stream_is_full(const struct lb_stream_header *h);

/* Blocks a device of h's size has (the last one maybe short). */
uint64_t lb_stream_total_blocks(const struct lb_stream_header *h);

/* Bytes blocks vblock..+nblocks hold: the last block of the device may be
 * short. The caller has checked the run lies within the device. */
uint64_t lb_stream_run_bytes(const struct lb_stream_header *h, uint64_t vblock, uint64_t nblocks);

/* Checks h's fields (version, block size, names) before it is written. */
int lb_stream_header_check(const struct lb_stream_header *h, struct lb_err *err);

void lb_stream_header_encode(const struct lb_stream_header *h, uint8_t out[LB_STREAM_HEADER_BYTES]);

/* Checks magic, version, checksum, bounds; `name` names the stream. */
int lb_stream_header_decode(const uint8_t in[LB_STREAM_HEADER_BYTES], const char *name,
			    struct lb_stream_header *h, struct lb_err *err);

void lb_stream_record_encode(const struct lb_stream_record *r,
			     uint8_t out[LB_STREAM_RECORD_HEADER_BYTES]);

/* Decodes the fixed part of a record or the trailer's first 32 bytes:
 * *is_trailer says which. For a record: header checksum, kind, and every
 * length against the bounds and the header (before anything is allocated or
 * read), and its order after `next_vblock` (the end of the record before).
 * Messages name the stream, the byte offset and the record number. */
int lb_stream_record_decode(const uint8_t in[LB_STREAM_RECORD_HEADER_BYTES],
			    const struct lb_stream_header *h, uint64_t next_vblock,
			    const char *name, uint64_t offset, uint64_t record_nr,
			    struct lb_stream_record *r, bool *is_trailer, struct lb_err *err);

void lb_stream_trailer_encode(const struct lb_stream_totals *t,
			      uint8_t out[LB_STREAM_TRAILER_BYTES]);

/* Checks the trailer's checksum and that its counts and digest are `seen`. */
int lb_stream_trailer_check(const uint8_t in[LB_STREAM_TRAILER_BYTES],
			    const struct lb_stream_totals *seen, const char *name, uint64_t offset,
			    struct lb_err *err);

/* "0123...": 32 hex digits and a NUL. */
void lb_stream_uuid_format(const uint8_t uuid[16], char out[33]);

/* ---- the writer (writer.c) ---- */

struct lb_stream_writer;

/* Writes h to fd and starts `threads` compressing workers (0: compress in
 * the caller's thread) at zstd `level`. `name` names the output. */
int lb_stream_writer_open(int fd, const char *name, const struct lb_stream_header *h,
			  unsigned threads, int level, struct lb_stream_writer **out,
			  struct lb_err *err);

/* Blocks vblock..+nblocks hold buf (lb_stream_run_bytes of them). Runs go in
 * increasing order, never overlapping; adjacent ones are joined into records
 * of up to LB_STREAM_MAX_RECORD_BYTES; a record's worth of zeros becomes a
 * ZERO record. buf is copied: the caller may reuse it at once. */
int lb_stream_put_data(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
		       const void *buf, struct lb_err *err);
int lb_stream_put_zero(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
		       struct lb_err *err);
int lb_stream_put_unmapped(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
			   struct lb_err *err);

/* Writes every record still in flight and the trailer, stops the workers
 * and frees w; totals (may be NULL) gets what was written. The caller syncs
 * and names the output. */
int lb_stream_writer_finish(struct lb_stream_writer *w, struct lb_stream_totals *totals,
			    struct lb_err *err);

/* Stops the workers and frees w without a trailer: the output is incomplete. */
void lb_stream_writer_abort(struct lb_stream_writer *w);

/* ---- the reader (reader.c) ---- */

struct lb_stream_reader_ops {
	/* After the header checked out, before any record; may refuse it. */
	int (*on_header)(void *ctx, const struct lb_stream_header *h, struct lb_err *err);
	/* Per record, after its checksum and decompression checked out; data is
	 * r->raw_bytes bytes for DATA, NULL otherwise. */
	int (*on_record)(void *ctx, const struct lb_stream_record *r, const uint8_t *data,
			 struct lb_err *err);
	void *ctx;
};

struct lb_stream_result {
	struct lb_stream_header header;
	struct lb_stream_totals totals;
	bool header_ok;  /* the header was read and checked */
	bool incomplete; /* the stream ended before its trailer (LB_EINTEGRITY) */
};

/* Reads the stream on fd to its end, checking magic, version, the header's
 * checksum, each record's checksum, order and bounds against the virtual
 * size, zstd frame sizes, and the trailer's counts and digest, and that
 * nothing follows the trailer. Damage is LB_EINTEGRITY naming the stream,
 * the byte offset and the record number; a stream that stops short is
 * LB_EINTEGRITY with res->incomplete set and a message saying "incomplete".
 * Callback errors are returned as they are. */
int lb_stream_read(int fd, const char *name, const struct lb_stream_reader_ops *ops,
		   struct lb_stream_result *res, struct lb_err *err);

#endif
