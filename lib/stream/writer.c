/* The stream writer: runs of blocks are gathered into a staging buffer of
 * one record; a full or finished record goes into a ring of in-flight
 * records, where worker threads compress DATA records in any order while
 * the caller writes them out in ring order. The ring has a fixed number of
 * slots, so memory is fixed: (slots + 1) records of raw bytes and slots
 * compressed buffers, whatever the device's size. */
#include "stream/stream.h"
#include "thinmeta/crc32c.h"
#include "util/atomic_at.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_WORKING, SLOT_READY };

struct slot {
	enum slot_state state;
	struct lb_stream_record rec;
	uint8_t *raw;  /* LB_STREAM_MAX_RECORD_BYTES */
	uint8_t *comp; /* ZSTD_COMPRESSBOUND of that */
	struct lb_err err; /* a compression failure, reported when written */
};

struct lb_stream_writer {
	int fd;
	char name[256];
	struct lb_stream_header h;
	uint64_t total_blocks, max_record_blocks;
	int level;

	/* The record being gathered: DATA bytes in fill, or a marker run. */
	uint8_t *fill;
	uint64_t fill_vblock, fill_nblocks, fill_bytes;
	enum lb_stream_kind marker_kind; /* 0: no marker pending */
	uint64_t marker_vblock, marker_nblocks;
	uint64_t next_vblock; /* runs must start here or later */

	/* The ring: [head, tail) are in flight, head is written next. */
	struct slot *slots;
	unsigned nslots;
	uint64_t head, tail;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	bool stop;
	pthread_t *threads;
	unsigned nthreads, started;
	ZSTD_CCtx *inline_cctx; /* no threads: the caller compresses */

	EVP_MD_CTX *sha;
	struct lb_stream_totals totals;
	int failed; /* sticky: after an error only abort is allowed */
};

static int compress_slot(ZSTD_CCtx *cctx, int level, struct slot *s)
{
	size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_compress2(cctx, s->comp, ZSTD_COMPRESSBOUND(LB_STREAM_MAX_RECORD_BYTES), s->raw,
				   s->rec.raw_bytes);
	if (ZSTD_isError(r))
		return lb_fail(&s->err, LB_EFAIL, "zstd: %s", ZSTD_getErrorName(r));
	s->rec.comp_bytes = (uint32_t)r;
	s->rec.payload_crc = lb_crc32c(~0u, s->comp, r) ^ ~0u;
	return 0;
}

static void *worker(void *arg)
{
	struct lb_stream_writer *w = arg;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct slot *s = NULL;
		for (uint64_t i = w->head; i < w->tail && !s; i++)
			if (w->slots[i % w->nslots].state == SLOT_QUEUED)
				s = &w->slots[i % w->nslots];
		if (!s) {
			if (w->stop)
				break;
			pthread_cond_wait(&w->work, &w->lock);
			continue;
		}
		s->state = SLOT_WORKING;
		pthread_mutex_unlock(&w->lock);
		if (!cctx)
			lb_fail(&s->err, LB_EFAIL, "zstd: out of memory");
		else
			compress_slot(cctx, w->level, s);
		pthread_mutex_lock(&w->lock);
		s->state = SLOT_READY;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	ZSTD_freeCCtx(cctx);
	return NULL;
}

static int emit_bytes(struct lb_stream_writer *w, const void *p, size_t n, struct lb_err *err)
{
	if (lb_write_all(w->fd, p, n))
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", w->name);
	if (!EVP_DigestUpdate(w->sha, p, n))
		return lb_fail(err, LB_EFAIL, "%s: sha256 failed", w->name);
	w->totals.stream_bytes += n;
	return 0;
}

/* Waits for the oldest record in flight and writes it. */
static int write_head(struct lb_stream_writer *w, struct lb_err *err)
{
	struct slot *s = &w->slots[w->head % w->nslots];
	pthread_mutex_lock(&w->lock);
	while (s->state != SLOT_READY)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
	int rc = s->err.code ? lb_fail(err, s->err.code, "%s: %s", w->name, s->err.msg) : 0;
	uint8_t hdr[LB_STREAM_RECORD_HEADER_BYTES];
	lb_stream_record_encode(&s->rec, hdr);
	if (!rc)
		rc = emit_bytes(w, hdr, sizeof(hdr), err);
	if (!rc && s->rec.kind == LB_STREAM_DATA)
		rc = emit_bytes(w, s->comp, s->rec.comp_bytes, err);
	if (!rc) {
		struct lb_stream_totals *t = &w->totals;
		t->records++;
		if (s->rec.kind == LB_STREAM_DATA) {
			t->data_blocks += s->rec.nblocks;
			t->data_raw_bytes += s->rec.raw_bytes;
		} else if (s->rec.kind == LB_STREAM_ZERO) {
			t->zero_blocks += s->rec.nblocks;
		} else {
			t->unmapped_blocks += s->rec.nblocks;
		}
	}
	pthread_mutex_lock(&w->lock);
	s->state = SLOT_FREE;
	w->head++;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* Writes what is finished at the head without waiting. */
static int write_ready(struct lb_stream_writer *w, struct lb_err *err)
{
	for (;;) {
		pthread_mutex_lock(&w->lock);
		bool ready = w->head < w->tail && w->slots[w->head % w->nslots].state == SLOT_READY;
		pthread_mutex_unlock(&w->lock);
		if (!ready)
			return 0;
		int rc = write_head(w, err);
		if (rc)
			return rc;
	}
}

/* A free slot at the tail, writing the head first while the ring is full. */
static int acquire(struct lb_stream_writer *w, struct slot **s, struct lb_err *err)
{
	while (w->tail - w->head == w->nslots) {
		int rc = write_head(w, err);
		if (rc)
			return rc;
	}
	*s = &w->slots[w->tail % w->nslots];
	memset(&(*s)->rec, 0, sizeof((*s)->rec));
	memset(&(*s)->err, 0, sizeof((*s)->err));
	return 0;
}

static int enqueue(struct lb_stream_writer *w, struct slot *s, struct lb_err *err)
{
	pthread_mutex_lock(&w->lock);
	s->state = s->rec.kind == LB_STREAM_DATA && w->nthreads ? SLOT_QUEUED : SLOT_READY;
	w->tail++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return write_ready(w, err);
}

static int flush_marker(struct lb_stream_writer *w, struct lb_err *err)
{
	if (!w->marker_kind)
		return 0;
	struct slot *s;
	int rc = acquire(w, &s, err);
	if (rc)
		return rc;
	s->rec.kind = w->marker_kind;
	s->rec.vblock = w->marker_vblock;
	s->rec.nblocks = (uint32_t)w->marker_nblocks;
	w->marker_kind = 0;
	return enqueue(w, s, err);
}

/* Joins a marker run to the pending one, or writes that first. */
static int add_marker(struct lb_stream_writer *w, enum lb_stream_kind kind, uint64_t vblock,
		      uint64_t nblocks, struct lb_err *err)
{
	while (nblocks > 0) {
		if (w->marker_kind && (w->marker_kind != kind ||
				       w->marker_vblock + w->marker_nblocks != vblock ||
				       w->marker_nblocks == UINT32_MAX)) {
			int rc = flush_marker(w, err);
			if (rc)
				return rc;
		}
		if (!w->marker_kind) {
			w->marker_kind = kind;
			w->marker_vblock = vblock;
			w->marker_nblocks = 0;
		}
		uint64_t room = UINT32_MAX - w->marker_nblocks, n = nblocks < room ? nblocks : room;
		w->marker_nblocks += n;
		vblock += n;
		nblocks -= n;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Ends the record being gathered (never all zeros: put_data made those
 * ZERO markers) as a DATA record in the ring, its buffer swapped with the
 * slot's. */
static int submit_fill(struct lb_stream_writer *w, struct lb_err *err)
{
	if (!w->fill_nblocks)
		return 0;
	uint64_t vblock = w->fill_vblock, nblocks = w->fill_nblocks;
	w->fill_nblocks = 0;
	int rc = flush_marker(w, err);
	struct slot *s;
	if (rc || (rc = acquire(w, &s, err)))
		return rc;
	uint8_t *swap = s->raw;
	s->raw = w->fill;
	w->fill = swap;
	s->rec.kind = LB_STREAM_DATA;
	s->rec.vblock = vblock;
	s->rec.nblocks = (uint32_t)nblocks;
	s->rec.raw_bytes = (uint32_t)w->fill_bytes;
	if (!w->nthreads && (rc = compress_slot(w->inline_cctx, w->level, s)))
		return lb_fail(err, rc, "%s: %s", w->name, s->err.msg);
	return enqueue(w, s, err);
}

static int check_run(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
		     struct lb_err *err)
{
	if (w->failed)
		return lb_fail(err, LB_EFAIL, "%s: the stream failed before", w->name);
	if (nblocks == 0 || vblock < w->next_vblock || vblock >= w->total_blocks ||
	    nblocks > w->total_blocks - vblock)
		return lb_fail(err, LB_EUSAGE,
			       "%s: blocks %llu+%llu: out of order or outside the device's %llu "
			       "blocks",
			       w->name, (unsigned long long)vblock, (unsigned long long)nblocks,
			       (unsigned long long)w->total_blocks);
	w->next_vblock = vblock + nblocks;
	return 0;
}

static int fail(struct lb_stream_writer *w, int rc)
{
	if (rc)
		w->failed = rc;
	return rc;
}

/* Adds n blocks of bytes to the record being gathered. */
static int gather(struct lb_stream_writer *w, uint64_t vblock, uint64_t n, const uint8_t *p,
		  struct lb_err *err)
{
	while (n > 0) {
		int rc;
		if (w->fill_nblocks && (w->fill_vblock + w->fill_nblocks != vblock ||
					w->fill_nblocks == w->max_record_blocks) &&
		    (rc = submit_fill(w, err)))
			return rc;
		if (!w->fill_nblocks) {
			w->fill_vblock = vblock;
			w->fill_bytes = 0;
		}
		uint64_t room = w->max_record_blocks - w->fill_nblocks;
		uint64_t k = n < room ? n : room;
		uint64_t bytes = lb_stream_run_bytes(&w->h, vblock, k);
		memcpy(w->fill + w->fill_bytes, p, bytes);
		w->fill_bytes += bytes;
		w->fill_nblocks += k;
		p += bytes;
		vblock += k;
		n -= k;
	}
	return 0;
}

int lb_stream_put_data(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
		       const void *buf, struct lb_err *err)
{
	int rc = check_run(w, vblock, nblocks, err);
	if (rc)
		return rc;
	/* Runs of all-zero blocks become ZERO markers, the rest DATA. */
	const uint8_t *p = buf;
	while (nblocks > 0) {
		uint64_t n = 1, bytes = lb_stream_run_bytes(&w->h, vblock, 1);
		const bool zero = all_zero(p, bytes);
		while (n < nblocks) {
			uint64_t b = lb_stream_run_bytes(&w->h, vblock + n, 1);
			if (all_zero(p + bytes, b) != zero)
				break;
			bytes += b;
			n++;
		}
		if (zero) {
			rc = submit_fill(w, err);
			if (!rc)
				rc = add_marker(w, LB_STREAM_ZERO, vblock, n, err);
		} else
			rc = gather(w, vblock, n, p, err);
		if (rc)
			return fail(w, rc);
		p += bytes;
		vblock += n;
		nblocks -= n;
	}
	return 0;
}

static int put_marker(struct lb_stream_writer *w, enum lb_stream_kind kind, uint64_t vblock,
		      uint64_t nblocks, struct lb_err *err)
{
	int rc = check_run(w, vblock, nblocks, err);
	if (rc)
		return rc; /* the caller's mistake: the stream is still whole */
	rc = submit_fill(w, err);
	if (!rc)
		rc = add_marker(w, kind, vblock, nblocks, err);
	return fail(w, rc);
}

int lb_stream_put_zero(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
		       struct lb_err *err)
{
	return put_marker(w, LB_STREAM_ZERO, vblock, nblocks, err);
}

int lb_stream_put_unmapped(struct lb_stream_writer *w, uint64_t vblock, uint64_t nblocks,
			   struct lb_err *err)
{
	return put_marker(w, LB_STREAM_UNMAPPED, vblock, nblocks, err);
}

static void stop_workers(struct lb_stream_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->started; i++)
		pthread_join(w->threads[i], NULL);
	w->started = 0;
}

void lb_stream_writer_abort(struct lb_stream_writer *w)
{
	if (!w)
		return;
	stop_workers(w);
	for (unsigned i = 0; i < w->nslots; i++) {
		free(w->slots[i].raw);
		free(w->slots[i].comp);
	}
	free(w->slots);
	free(w->threads);
	free(w->fill);
	ZSTD_freeCCtx(w->inline_cctx);
	EVP_MD_CTX_free(w->sha);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	free(w);
}

int lb_stream_writer_finish(struct lb_stream_writer *w, struct lb_stream_totals *totals,
			    struct lb_err *err)
{
	int rc = w->failed ? lb_fail(err, LB_EFAIL, "%s: the stream failed before", w->name) : 0;
	if (!rc)
		rc = submit_fill(w, err);
	if (!rc)
		rc = flush_marker(w, err);
	while (!rc && w->head < w->tail)
		rc = write_head(w, err);
	unsigned md_len = 0;
	if (!rc && !EVP_DigestFinal_ex(w->sha, w->totals.sha256, &md_len))
		rc = lb_fail(err, LB_EFAIL, "%s: sha256 failed", w->name);
	if (!rc) {
		uint8_t trailer[LB_STREAM_TRAILER_BYTES];
		lb_stream_trailer_encode(&w->totals, trailer);
		if (lb_write_all(w->fd, trailer, sizeof(trailer)))
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", w->name);
		w->totals.stream_bytes += sizeof(trailer);
	}
	if (!rc && totals)
		*totals = w->totals;
	lb_stream_writer_abort(w);
	return rc;
}

int lb_stream_writer_open(int fd, const char *name, const struct lb_stream_header *h,
			  unsigned threads, int level, struct lb_stream_writer **out,
			  struct lb_err *err)
{
	*out = NULL;
	struct lb_stream_header hv = *h;
	hv.version = LB_STREAM_VERSION; /* the writer writes its own */
	h = &hv;
	int rc = lb_stream_header_check(h, err);
	if (rc)
		return rc;
	if (threads > 64)
		threads = 64;
	struct lb_stream_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", name);
	w->fd = fd;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->h = *h;
	w->total_blocks = lb_stream_total_blocks(h);
	w->max_record_blocks = LB_STREAM_MAX_RECORD_BYTES / h->block_bytes;
	w->level = level;
	w->nthreads = threads;
	/* Two records per worker keep every worker busy while the caller
	 * writes; one more lets the caller gather the next. */
	w->nslots = threads ? 2 * threads + 1 : 1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	w->threads = calloc(threads ? threads : 1, sizeof(*w->threads));
	w->fill = malloc(LB_STREAM_MAX_RECORD_BYTES);
	w->sha = EVP_MD_CTX_new();
	bool ok = w->slots && w->threads && w->fill && w->sha &&
		  EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL);
	for (unsigned i = 0; ok && i < w->nslots; i++) {
		w->slots[i].raw = malloc(LB_STREAM_MAX_RECORD_BYTES);
		w->slots[i].comp = malloc(ZSTD_COMPRESSBOUND(LB_STREAM_MAX_RECORD_BYTES));
		ok = w->slots[i].raw && w->slots[i].comp;
	}
	if (ok && !threads)
		ok = (w->inline_cctx = ZSTD_createCCtx()) != NULL;
	if (!ok) {
		lb_stream_writer_abort(w);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", name);
	}
	for (unsigned i = 0; i < threads; i++) {
		int e = pthread_create(&w->threads[i], NULL, worker, w);
		if (e) {
			lb_stream_writer_abort(w);
			return lb_fail_errno(err, LB_EFAIL, e, "%s: cannot start a thread", name);
		}
		w->started++;
	}
	uint8_t hdr[LB_STREAM_HEADER_BYTES];
	lb_stream_header_encode(h, hdr);
	if ((rc = emit_bytes(w, hdr, sizeof(hdr), err))) {
		lb_stream_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}
