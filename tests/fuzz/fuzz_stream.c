/* libFuzzer target: lib/stream's reader fed hostile export streams (through
 * a memfd, as a file or pipe would give them). Beyond no crash, leak or
 * hang, its promises: records handed out are in increasing, non-overlapping
 * order inside the device, DATA comes with exactly its run's bytes, a
 * stream accepted has trailer counts equal to what was handed out, and a
 * refused one is LB_EINTEGRITY (damage or "incomplete") with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream/stream.h"

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
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		abort();
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
