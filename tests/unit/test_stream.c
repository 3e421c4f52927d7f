/* lib/stream: what the writer writes, the reader reads back exactly (with
 * and without worker threads); all-zero data becomes ZERO records; every
 * byte of a stream is covered (a flipped byte anywhere is LB_EINTEGRITY,
 * never "incomplete"); a stream cut at any byte is "incomplete"; records out
 * of order, past the device, or with lengths over the bounds are refused
 * before their payload is read; bytes after the trailer are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream/stream.h"

#define BS 4096u
#define DEV_BLOCKS 3000u /* more than one record's worth of blocks */
#define DEV_BYTES ((uint64_t)DEV_BLOCKS * BS - 100) /* a short last block */

static struct lb_stream_header header(void)
{
	struct lb_stream_header h = {.block_bytes = BS, .size_bytes = DEV_BYTES,
				     .created_unix = 1700000000};
	for (int i = 0; i < 16; i++)
		h.uuid[i] = (uint8_t)(i + 1);
	strcpy(h.name, "web-2026-01-01");
	memset(h.container_id, 'a', 64); /* a full field: no NUL inside */
	return h;
}

static int memfile(void)
{
	int fd = memfd_create("stream", 0);
	assert_true(fd >= 0);
	return fd;
}

/* The device the tests write: pseudo-random blocks, zeros between. */
static void fill_block(uint64_t vblock, uint8_t *p)
{
	uint32_t x = (uint32_t)vblock * 2654435761u + 1;
	for (unsigned i = 0; i < BS; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 24) & (vblock % 7 ? 0xff : 0x0f);
	}
}

/* Writes: data 0..1499 (blocks 200..299 zeros), unmapped 1600..1699,
 * zero 1700..1709, data 2000..2999 (the last block short). */
static void write_stream(int fd, unsigned threads, struct lb_stream_totals *t)
{
	struct lb_stream_header h = header();
	struct lb_stream_writer *w;
	struct lb_err err = {0};
	assert_int_equal(lb_stream_writer_open(fd, "mem", &h, threads, 1, &w, &err), 0);
	uint8_t *buf = calloc(100, BS);
	for (uint64_t v = 0; v < 1500; v += 100) {
		memset(buf, 0, 100 * BS);
		for (unsigned i = 0; i < 100 && (v < 200 || v >= 300); i++)
			fill_block(v + i, buf + i * BS);
		assert_int_equal(lb_stream_put_data(w, v, 100, buf, &err), 0);
	}
	assert_int_equal(lb_stream_put_unmapped(w, 1600, 100, &err), 0);
	assert_int_equal(lb_stream_put_zero(w, 1700, 10, &err), 0);
	for (uint64_t v = 2000; v < DEV_BLOCKS; v++) {
		fill_block(v, buf);
		assert_int_equal(lb_stream_put_data(w, v, 1, buf, &err), 0);
	}
	assert_int_equal(lb_stream_writer_finish(w, t, &err), 0);
	free(buf);
}

struct image {
	uint8_t *bytes;
	uint8_t kind[DEV_BLOCKS]; /* what each block was last said to be */
	unsigned records;
};

static int on_record(void *ctx, const struct lb_stream_record *r, const uint8_t *data,
		     struct lb_err *err)
{
	(void)err;
	struct image *im = ctx;
	for (uint64_t b = r->vblock; b < r->vblock + r->nblocks; b++)
		im->kind[b] = (uint8_t)r->kind;
	if (r->kind == LB_STREAM_DATA)
		memcpy(im->bytes + r->vblock * BS, data, r->raw_bytes);
	im->records++;
	return 0;
}

static int read_fd(int fd, struct image *im, struct lb_stream_result *res, struct lb_err *err)
{
	lseek(fd, 0, SEEK_SET);
	const struct lb_stream_reader_ops ops = {.on_record = on_record, .ctx = im};
	return lb_stream_read(fd, "mem", im ? &ops : NULL, res, err);
}

static void round_trip(unsigned threads)
{
	int fd = memfile();
	struct lb_stream_totals t;
	write_stream(fd, threads, &t);
	struct image im = {.bytes = calloc(1, DEV_BLOCKS * BS)};
	struct lb_stream_result res;
	struct lb_err err = {0};
	assert_int_equal(read_fd(fd, &im, &res, &err), 0);
	assert_false(res.incomplete);
	assert_int_equal(res.totals.records, t.records);
	assert_memory_equal(res.totals.sha256, t.sha256, 32);
	assert_int_equal(res.totals.stream_bytes, lseek(fd, 0, SEEK_END));
	assert_int_equal(t.data_blocks, 1400 + 1000);
	assert_int_equal(t.zero_blocks, 100 + 10);
	assert_int_equal(t.unmapped_blocks, 100);
	assert_string_equal(res.header.name, "web-2026-01-01");
	assert_int_equal(strlen(res.header.container_id), 64);
	assert_true(lb_stream_is_full(&res.header));
	uint8_t *want = malloc(BS);
	for (uint64_t v = 0; v < DEV_BLOCKS; v++) {
		uint8_t expect_kind = v < 200 || (v >= 300 && v < 1500) || v >= 2000 ? LB_STREAM_DATA
				      : v < 300 || (v >= 1700 && v < 1710)  ? LB_STREAM_ZERO
				      : v >= 1600 && v < 1700		    ? LB_STREAM_UNMAPPED
									    : 0;
		assert_int_equal(im.kind[v], expect_kind);
		if (expect_kind != LB_STREAM_DATA)
			continue;
		fill_block(v, want);
		size_t n = v == DEV_BLOCKS - 1 ? BS - 100 : BS;
		assert_memory_equal(im.bytes + v * BS, want, n);
	}
	/* Records hold up to 4 MiB (1024 blocks of 4 KiB): the joined runs. */
	assert_true(im.records < 12);
	free(want);
	free(im.bytes);
	close(fd);
}

static void test_round_trip_inline(void **state)
{
	(void)state;
	round_trip(0);
}

static void test_round_trip_threads(void **state)
{
	(void)state;
	round_trip(3);
}

/* The same input gives the same bytes however many threads compress it. */
static void test_threads_same_bytes(void **state)
{
	(void)state;
	int a = memfile(), b = memfile();
	struct lb_stream_totals ta, tb;
	write_stream(a, 0, &ta);
	write_stream(b, 4, &tb);
	assert_memory_equal(ta.sha256, tb.sha256, 32);
	close(a);
	close(b);
}

/* A small stream held in memory, for the damage tests. */
static size_t small_stream(uint8_t **out)
{
	struct lb_stream_header h = header();
	h.size_bytes = 8 * BS;
	int fd = memfile();
	struct lb_stream_writer *w;
	struct lb_err err = {0};
	assert_int_equal(lb_stream_writer_open(fd, "mem", &h, 1, 3, &w, &err), 0);
	uint8_t buf[2 * BS];
	fill_block(1, buf);
	fill_block(2, buf + BS);
	assert_int_equal(lb_stream_put_data(w, 1, 2, buf, &err), 0);
	assert_int_equal(lb_stream_put_unmapped(w, 4, 1, &err), 0);
	memset(buf, 0, BS);
	assert_int_equal(lb_stream_put_data(w, 5, 1, buf, &err), 0);
	fill_block(7, buf);
	assert_int_equal(lb_stream_put_data(w, 7, 1, buf, &err), 0);
	assert_int_equal(lb_stream_writer_finish(w, NULL, &err), 0);
	off_t len = lseek(fd, 0, SEEK_END);
	*out = malloc((size_t)len);
	assert_int_equal(pread(fd, *out, (size_t)len, 0), len);
	close(fd);
	return (size_t)len;
}

static int read_bytes(const uint8_t *p, size_t n, struct lb_stream_result *res, struct lb_err *err)
{
	int fd = memfile();
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	int rc = read_fd(fd, NULL, res, err);
	close(fd);
	return rc;
}

static void test_every_flipped_byte_is_corrupt(void **state)
{
	(void)state;
	uint8_t *s;
	size_t n = small_stream(&s);
	struct lb_stream_result res;
	struct lb_err err = {0};
	assert_int_equal(read_bytes(s, n, &res, &err), 0);
	assert_int_equal(res.totals.records, 4); /* data 1-2, unmapped 4, zero 5, data 7 */
	assert_int_equal(res.totals.zero_blocks, 1);
	for (size_t i = 0; i < n; i++) {
		const unsigned bit = i % 8;
		s[i] ^= (uint8_t)(1u << bit);
		memset(&err, 0, sizeof(err));
		int rc = read_bytes(s, n, &res, &err);
		if (rc != LB_EINTEGRITY || res.incomplete || !strstr(err.msg, "byte "))
			fail_msg("flip at byte %zu bit %u: rc %d incomplete %d: %s", i, bit, rc,
				 res.incomplete, err.msg);
		s[i] ^= (uint8_t)(1u << bit);
	}
	free(s);
}

static void test_every_cut_is_incomplete(void **state)
{
	(void)state;
	uint8_t *s;
	size_t n = small_stream(&s);
	struct lb_stream_result res;
	for (size_t cut = 0; cut < n; cut++) {
		struct lb_err err = {0};
		int rc = read_bytes(s, cut, &res, &err);
		if (rc != LB_EINTEGRITY || !res.incomplete || !strstr(err.msg, "incomplete"))
			fail_msg("cut at %zu: rc %d incomplete %d: %s", cut, rc, res.incomplete, err.msg);
	}
	free(s);
}

static void test_bytes_after_trailer(void **state)
{
	(void)state;
	uint8_t *s;
	size_t n = small_stream(&s);
	s = realloc(s, n + 1);
	s[n] = 0;
	struct lb_stream_result res;
	struct lb_err err = {0};
	assert_int_equal(read_bytes(s, n + 1, &res, &err), LB_EINTEGRITY);
	assert_false(res.incomplete);
	assert_non_null(strstr(err.msg, "follow the trailer"));
	free(s);
}

/* A hand-made stream: header and record headers (valid checksums), no
 * payloads, so a reader that read a payload would say "incomplete". */
static size_t hand_stream(uint8_t *out, const struct lb_stream_record *recs, size_t n)
{
	struct lb_stream_header h = header();
	h.version = LB_STREAM_VERSION;
	lb_stream_header_encode(&h, out);
	size_t len = LB_STREAM_HEADER_BYTES;
	for (size_t i = 0; i < n; i++, len += LB_STREAM_RECORD_HEADER_BYTES)
		lb_stream_record_encode(&recs[i], out + len);
	return len;
}

static void expect_refused(const struct lb_stream_record *recs, size_t n, const char *why)
{
	uint8_t buf[LB_STREAM_HEADER_BYTES + 8 * LB_STREAM_RECORD_HEADER_BYTES];
	size_t len = hand_stream(buf, recs, n);
	struct lb_stream_result res;
	struct lb_err err = {0};
	assert_int_equal(read_bytes(buf, len, &res, &err), LB_EINTEGRITY);
	assert_false(res.incomplete);
	if (!strstr(err.msg, why))
		fail_msg("expected '%s' in: %s", why, err.msg);
	assert_non_null(strstr(err.msg, "record "));
}

static void test_out_of_order_and_overlap(void **state)
{
	(void)state;
	const struct lb_stream_record order[] = {{.kind = LB_STREAM_ZERO, .vblock = 5, .nblocks = 1},
						 {.kind = LB_STREAM_ZERO, .vblock = 3, .nblocks = 1}};
	expect_refused(order, 2, "out of order");
	const struct lb_stream_record overlap[] = {
		{.kind = LB_STREAM_UNMAPPED, .vblock = 5, .nblocks = 4},
		{.kind = LB_STREAM_ZERO, .vblock = 8, .nblocks = 1}};
	expect_refused(overlap, 2, "overlapping");
	const struct lb_stream_record past[] = {
		{.kind = LB_STREAM_ZERO, .vblock = DEV_BLOCKS - 1, .nblocks = 2}};
	expect_refused(past, 1, "outside the device");
	const struct lb_stream_record none[] = {{.kind = LB_STREAM_ZERO, .vblock = 1}};
	expect_refused(none, 1, "outside the device");
	const struct lb_stream_record kind[] = {{.kind = 9, .vblock = 1, .nblocks = 1}};
	expect_refused(kind, 1, "unknown kind");
}

static void test_lengths_over_bounds(void **state)
{
	(void)state;
	const uint32_t max_blocks = LB_STREAM_MAX_RECORD_BYTES / BS;
	const struct lb_stream_record big[] = {{.kind = LB_STREAM_DATA, .nblocks = max_blocks + 1,
						 .raw_bytes = (max_blocks + 1) * BS, .comp_bytes = 10}};
	expect_refused(big, 1, "over the bound");
	const struct lb_stream_record raw[] = {
		{.kind = LB_STREAM_DATA, .nblocks = 1, .raw_bytes = 0xffffffffu, .comp_bytes = 10}};
	expect_refused(raw, 1, "over the bound");
	const struct lb_stream_record comp[] = {
		{.kind = LB_STREAM_DATA, .nblocks = 1, .raw_bytes = BS, .comp_bytes = 0xfffffff0u}};
	expect_refused(comp, 1, "compressed length");
	const struct lb_stream_record marker[] = {
		{.kind = LB_STREAM_ZERO, .nblocks = 1, .comp_bytes = 100}};
	expect_refused(marker, 1, "marker with a payload");
}

static void test_header_refusals(void **state)
{
	(void)state;
	uint8_t buf[LB_STREAM_HEADER_BYTES];
	struct lb_stream_header h = header(), back;
	struct lb_err err = {0};
	h.version = 2;
	lb_stream_header_encode(&h, buf);
	assert_int_equal(lb_stream_header_decode(buf, "x", &back, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "version 2"));
	h = header();
	h.version = LB_STREAM_VERSION;
	h.block_bytes = 8u << 20;
	lb_stream_header_encode(&h, buf);
	assert_int_equal(lb_stream_header_decode(buf, "x", &back, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "block size"));
	memcpy(buf, "NOTASTRM", 8);
	assert_int_equal(lb_stream_header_decode(buf, "x", &back, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "magic"));
	/* The writer refuses what the reader would. */
	struct lb_stream_writer *w;
	assert_int_equal(lb_stream_writer_open(-1, "x", &h, 0, 1, &w, &err), LB_EUSAGE);
}

static void test_writer_refuses_disorder(void **state)
{
	(void)state;
	int fd = memfile();
	struct lb_stream_header h = header();
	struct lb_stream_writer *w;
	struct lb_err err = {0};
	assert_int_equal(lb_stream_writer_open(fd, "mem", &h, 2, 1, &w, &err), 0);
	assert_int_equal(lb_stream_put_zero(w, 10, 5, &err), 0);
	assert_int_equal(lb_stream_put_zero(w, 12, 1, &err), LB_EUSAGE);
	assert_int_equal(lb_stream_put_unmapped(w, DEV_BLOCKS, 1, &err), LB_EUSAGE);
	lb_stream_writer_abort(w);
	/* Aborted: no trailer, so the reader says incomplete. */
	struct lb_stream_result res;
	assert_int_equal(read_fd(fd, NULL, &res, &err), LB_EINTEGRITY);
	assert_true(res.incomplete);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_inline),
		cmocka_unit_test(test_round_trip_threads),
		cmocka_unit_test(test_threads_same_bytes),
		cmocka_unit_test(test_every_flipped_byte_is_corrupt),
		cmocka_unit_test(test_every_cut_is_incomplete),
		cmocka_unit_test(test_bytes_after_trailer),
		cmocka_unit_test(test_out_of_order_and_overlap),
		cmocka_unit_test(test_lengths_over_bounds),
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_writer_refuses_disorder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
