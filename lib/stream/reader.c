/* The stream reader: every length is checked against its bound before a
 * byte of the payload is read, and every checksum before the bytes are
 * used. Memory is one record's compressed and raw buffers (grown to the
 * largest record met, never past the bounds) and a small read buffer,
 * whatever the stream's size. */
#include "stream/stream.h"
#include "thinmeta/crc32c.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define READ_BUF_BYTES (64u << 10)

struct source {
	int fd;
	const char *name;
	uint8_t *buf;
	size_t pos, len;
	uint64_t offset; /* of the next byte handed out */
};

/* n bytes, or fewer where the stream ends: *got says how many. */
static int read_bytes(struct source *s, uint8_t *dst, size_t n, size_t *got, struct lb_err *err)
{
	*got = 0;
	while (*got < n) {
		if (s->pos == s->len) {
			ssize_t r = read(s->fd, s->buf, READ_BUF_BYTES);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return lb_fail_errno(err, LB_EFAIL, errno, "%s: byte %llu: cannot read",
						     s->name, (unsigned long long)s->offset);
			if (r == 0)
				return 0;
			s->pos = 0;
			s->len = (size_t)r;
		}
		size_t k = s->len - s->pos < n - *got ? s->len - s->pos : n - *got;
		memcpy(dst + *got, s->buf + s->pos, k);
		s->pos += k;
		*got += k;
		s->offset += k;
	}
	return 0;
}

struct reading {
	struct source src;
	const struct lb_stream_reader_ops *ops;
	struct lb_stream_result *res;
	EVP_MD_CTX *sha;
	uint8_t *comp, *raw;
	size_t comp_cap, raw_cap;
	ZSTD_DCtx *dctx;
	uint64_t record_nr, next_vblock;
};

static int incomplete(struct reading *r, const char *what, struct lb_err *err)
{
	r->res->incomplete = true;
	return lb_fail(err, LB_EINTEGRITY,
		       "%s: incomplete: the stream ends at byte %llu, in %s, without its trailer "
		       "(a cut transfer or an export that did not finish)",
		       r->src.name, (unsigned long long)r->src.offset, what);
}

/* Reads exactly n bytes or says the stream is incomplete. */
static int need(struct reading *r, uint8_t *dst, size_t n, const char *what, struct lb_err *err)
{
	size_t got;
	int rc = read_bytes(&r->src, dst, n, &got, err);
	if (!rc && got < n)
		rc = incomplete(r, what, err);
	return rc;
}

static int hash(struct reading *r, const void *p, size_t n, struct lb_err *err)
{
	if (!EVP_DigestUpdate(r->sha, p, n))
		return lb_fail(err, LB_EFAIL, "%s: sha256 failed", r->src.name);
	return 0;
}

#define AT "%s: byte %llu: record %llu: "

static bool grow(uint8_t **buf, size_t *cap, size_t need_bytes)
{
	if (need_bytes <= *cap)
		return true;
	uint8_t *p = realloc(*buf, need_bytes);
	if (!p)
		return false;
	*buf = p;
	*cap = need_bytes;
	return true;
}

/* A DATA record's payload: read, checksummed, decompressed to its size. */
static int read_payload(struct reading *r, const struct lb_stream_record *rec, uint64_t at,
			struct lb_err *err)
{
	const char *name = r->src.name;
	const unsigned long long nr = (unsigned long long)r->record_nr, off = (unsigned long long)at;
	/* Lengths were bounded by lb_stream_record_decode. */
	if (!grow(&r->comp, &r->comp_cap, rec->comp_bytes) ||
	    !grow(&r->raw, &r->raw_cap, rec->raw_bytes))
		return lb_fail(err, LB_EFAIL, "%s: out of memory", name);
	int rc = need(r, r->comp, rec->comp_bytes, "a record's data", err);
	if (rc)
		return rc;
	uint32_t crc = lb_crc32c(~0u, r->comp, rec->comp_bytes) ^ ~0u;
	if (crc != rec->payload_crc)
		return lb_fail(err, LB_EINTEGRITY,
			       AT "data checksum mismatch (stored %08x, computed %08x)", name, off, nr,
			       rec->payload_crc, crc);
	unsigned long long content = ZSTD_getFrameContentSize(r->comp, rec->comp_bytes);
	size_t frame = ZSTD_findFrameCompressedSize(r->comp, rec->comp_bytes);
	if (content != rec->raw_bytes || ZSTD_isError(frame) || frame != rec->comp_bytes)
		return lb_fail(err, LB_EINTEGRITY,
			       AT "the zstd frame's sizes are not the record's (%u bytes from %u)", name,
			       off, nr, rec->raw_bytes, rec->comp_bytes);
	size_t n = ZSTD_decompressDCtx(r->dctx, r->raw, rec->raw_bytes, r->comp, rec->comp_bytes);
	if (ZSTD_isError(n) || n != rec->raw_bytes)
		return lb_fail(err, LB_EINTEGRITY, AT "zstd: %s", name, off, nr,
			       ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
	return hash(r, r->comp, rec->comp_bytes, err);
}

static void count(struct lb_stream_totals *t, const struct lb_stream_record *rec)
{
	t->records++;
	if (rec->kind == LB_STREAM_DATA) {
		t->data_blocks += rec->nblocks;
		t->data_raw_bytes += rec->raw_bytes;
	} else if (rec->kind == LB_STREAM_ZERO) {
		t->zero_blocks += rec->nblocks;
	} else {
		t->unmapped_blocks += rec->nblocks;
	}
}

static int read_trailer(struct reading *r, const uint8_t first[LB_STREAM_RECORD_HEADER_BYTES],
			uint64_t at, struct lb_err *err)
{
	uint8_t trailer[LB_STREAM_TRAILER_BYTES];
	memcpy(trailer, first, LB_STREAM_RECORD_HEADER_BYTES);
	int rc = need(r, trailer + LB_STREAM_RECORD_HEADER_BYTES,
		      LB_STREAM_TRAILER_BYTES - LB_STREAM_RECORD_HEADER_BYTES, "the trailer", err);
	if (rc)
		return rc;
	unsigned md_len = 0;
	if (!EVP_DigestFinal_ex(r->sha, r->res->totals.sha256, &md_len))
		return lb_fail(err, LB_EFAIL, "%s: sha256 failed", r->src.name);
	if ((rc = lb_stream_trailer_check(trailer, &r->res->totals, r->src.name, at, err)))
		return rc;
	uint8_t extra;
	size_t got;
	if ((rc = read_bytes(&r->src, &extra, 1, &got, err)))
		return rc;
	if (got)
		return lb_fail(err, LB_EINTEGRITY, "%s: byte %llu: bytes follow the trailer",
			       r->src.name, (unsigned long long)(at + LB_STREAM_TRAILER_BYTES));
	r->res->totals.stream_bytes = at + LB_STREAM_TRAILER_BYTES;
	return 0;
}

static int read_records(struct reading *r, struct lb_err *err)
{
	const struct lb_stream_header *h = &r->res->header;
	for (;;) {
		uint8_t hdr[LB_STREAM_RECORD_HEADER_BYTES];
		const uint64_t at = r->src.offset;
		int rc = need(r, hdr, sizeof(hdr), "a record's header", err);
		if (rc)
			return rc;
		struct lb_stream_record rec;
		bool is_trailer;
		if ((rc = lb_stream_record_decode(hdr, h, r->next_vblock, r->src.name, at, r->record_nr,
						  &rec, &is_trailer, err)))
			return rc;
		if (is_trailer)
			return read_trailer(r, hdr, at, err);
		if ((rc = hash(r, hdr, sizeof(hdr), err)))
			return rc;
		if (rec.kind == LB_STREAM_DATA && (rc = read_payload(r, &rec, at, err)))
			return rc;
		count(&r->res->totals, &rec);
		if (r->ops && r->ops->on_record &&
		    (rc = r->ops->on_record(r->ops->ctx, &rec,
					    rec.kind == LB_STREAM_DATA ? r->raw : NULL, err)))
			return rc;
		r->next_vblock = rec.vblock + rec.nblocks;
		r->record_nr++;
	}
}

int lb_stream_read(int fd, const char *name, const struct lb_stream_reader_ops *ops,
		   struct lb_stream_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	struct reading r = {.src = {.fd = fd, .name = name}, .ops = ops, .res = res};
	r.src.buf = malloc(READ_BUF_BYTES);
	r.dctx = ZSTD_createDCtx();
	r.sha = EVP_MD_CTX_new();
	int rc = 0;
	if (!r.src.buf || !r.dctx || !r.sha ||
	    !EVP_DigestInit_ex(r.sha, EVP_sha256(), NULL))
		rc = lb_fail(err, LB_EFAIL, "%s: out of memory", name);
	uint8_t hdr[LB_STREAM_HEADER_BYTES];
	if (!rc)
		rc = need(&r, hdr, sizeof(hdr), "the header", err);
	if (!rc)
		rc = lb_stream_header_decode(hdr, name, &res->header, err);
	if (!rc) {
		res->header_ok = true;
		rc = hash(&r, hdr, sizeof(hdr), err);
	}
	if (!rc && ops && ops->on_header)
		rc = ops->on_header(ops->ctx, &res->header, err);
	if (!rc)
		rc = read_records(&r, err);
	EVP_MD_CTX_free(r.sha);
	ZSTD_freeDCtx(r.dctx);
	free(r.raw);
	free(r.comp);
	free(r.src.buf);
	return rc;
}
