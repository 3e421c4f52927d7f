/* lib/fslog on filesystems built in memory: ext superblock flags, and xfs
 * logs laid out record by record the way the kernel writes them (cycle
 * stamps, record headers, unmount records), including wrapped logs, records
 * cut short by a crash and blocks of the previous pass left near the head.
 * The real filesystems are the witness in tests/vm/t1030 (xfs_logprint,
 * dumpe2fs); these pin the cases a crash rarely produces on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fslog/fslog.h"

#define BB 512
#define FSB 4096
#define LOG_FSB 8   /* the log starts at filesystem block 8 (AG 0) */
#define LOG_BBS 128 /* 16 filesystem blocks */
#define IMG_BYTES (LOG_FSB * FSB + LOG_BBS * BB)

struct mem {
	uint8_t *b;
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

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static struct mem xfs_new(void)
{
	struct mem m = {calloc(1, IMG_BYTES), IMG_BYTES};
	assert_non_null(m.b);
	put_be32(m.b, 0x58465342);
	put_be32(m.b + 4, FSB);
	put_be64(m.b + 48, LOG_FSB); /* AG 0, block 8 */
	put_be32(m.b + 84, 1024);   /* agblocks */
	put_be32(m.b + 96, LOG_BBS * BB / FSB);
	m.b[124] = 10; /* agblklog */
	return m;
}

static uint8_t *log_bb(struct mem *m, unsigned bb)
{
	return m->b + LOG_FSB * FSB + (size_t)(bb % LOG_BBS) * BB;
}

/* Blocks [from, to) as left by pass `cycle` (data blocks' stamps). */
static void stamp(struct mem *m, unsigned from, unsigned to, uint32_t cycle)
{
	for (unsigned bb = from; bb < to; bb++)
		put_be32(log_bb(m, bb), cycle);
}

/* A record at bb of `data_bbs` data blocks; returns the block after it. */
static unsigned record(struct mem *m, unsigned bb, uint32_t cycle, unsigned data_bbs,
		       uint32_t logops, int unmount)
{
	uint8_t *h = log_bb(m, bb);
	memset(h, 0, BB);
	put_be32(h, 0xFEEDBABE);
	put_be32(h + 4, cycle);
	put_be32(h + 8, 2);
	put_be32(h + 12, data_bbs * BB);
	put_be64(h + 16, (uint64_t)cycle << 32 | bb);
	put_be32(h + 40, logops);
	put_be32(h + 320, 32768);
	stamp(m, bb + 1, bb + 1 + data_bbs, cycle);
	log_bb(m, bb + 1)[9] = unmount ? 0x20 : 0x01;
	return bb + 1 + data_bbs;
}

static enum lb_fslog_state state_of(struct mem *m, const char *type)
{
	enum lb_fslog_state s;
	struct lb_err err = {0};
	assert_int_equal(lb_fslog_state(type, mem_read, m, &s, &err), 0);
	return s;
}

static void xfs_clean_unmount_is_clean(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	unsigned at = record(&m, 0, 1, 2, 5, 0);
	record(&m, at, 1, 1, 1, 1);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	free(m.b);
}

static void xfs_last_record_not_unmount_is_dirty(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	unsigned at = record(&m, 0, 1, 2, 5, 0);
	record(&m, at, 1, 3, 4, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_DIRTY);
	free(m.b);
	/* One op, but not the unmount kind: a transaction. */
	m = xfs_new();
	record(&m, 0, 1, 1, 1, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_DIRTY);
	free(m.b);
}

static void xfs_writes_after_an_unmount_record_are_dirty(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	unsigned at = record(&m, 0, 1, 2, 5, 0);
	at = record(&m, at, 1, 1, 1, 1);
	record(&m, at, 1, 2, 3, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_DIRTY);
	free(m.b);
}

static void xfs_wrapped_log_finds_the_head_in_the_middle(void **state)
{
	(void)state;
	/* Pass 1 filled the log; pass 2 wrote two records from block 0. */
	struct mem m = xfs_new();
	for (unsigned at = 0; at < LOG_BBS;)
		at = record(&m, at, 1, 7, 3, 0);
	unsigned at = record(&m, 0, 2, 3, 4, 0);
	record(&m, at, 2, 1, 1, 1);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	record(&m, at, 2, 1, 1, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_DIRTY);
	free(m.b);
}

static void xfs_unmount_record_ending_at_the_log_end_is_clean(void **state)
{
	(void)state;
	/* One pass exactly fills the log, ending with a 1-block unmount
	 * record: the head is block 0 again. */
	struct mem m = xfs_new();
	unsigned at = 0;
	while (at + 8 <= LOG_BBS - 2)
		at = record(&m, at, 1, 7, 3, 0);
	at = record(&m, at, 1, LOG_BBS - 2 - at - 1, 3, 0);
	at = record(&m, at, 1, 1, 1, 1);
	assert_int_equal(at, LOG_BBS);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	free(m.b);
}

static void xfs_record_cut_short_by_the_crash_counts_the_one_before(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	unsigned at = record(&m, 0, 1, 2, 5, 0);
	at = record(&m, at, 1, 1, 1, 1);
	/* A record claiming 10 data blocks of which 2 reached the disk. */
	record(&m, at, 1, 10, 7, 0);
	stamp(&m, at + 3, LOG_BBS, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	/* The same before an ordinary record: dirty. */
	struct mem n = xfs_new();
	at = record(&n, 0, 1, 2, 5, 0);
	record(&n, at, 1, 10, 7, 0);
	stamp(&n, at + 3, LOG_BBS, 0);
	assert_int_equal(state_of(&n, "xfs"), LB_FSLOG_DIRTY);
	free(m.b);
	free(n.b);
}

static void xfs_old_pass_block_near_the_head_moves_it_back(void **state)
{
	(void)state;
	/* Pass 2: records to block 20, but block 10 kept pass 1's stamp (a
	 * write in flight at the crash). The kernel's head is block 10: the
	 * unmount record ending there makes the log clean, whatever follows. */
	struct mem m = xfs_new();
	for (unsigned at = 0; at < LOG_BBS;)
		at = record(&m, at, 1, 7, 3, 0);
	unsigned at = record(&m, 0, 2, 4, 4, 0);
	at = record(&m, at, 2, 4, 1, 1);
	assert_int_equal(at, 10);
	record(&m, 10, 2, 9, 6, 0);
	put_be32(log_bb(&m, 10), 1); /* the header never landed */
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	free(m.b);
}

static void xfs_never_written_log_is_clean(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_CLEAN);
	free(m.b);
}

static void xfs_external_log_is_unknown(void **state)
{
	(void)state;
	struct mem m = xfs_new();
	put_be64(m.b + 48, 0);
	assert_int_equal(state_of(&m, "xfs"), LB_FSLOG_UNKNOWN);
	free(m.b);
}

static void xfs_bad_geometry_and_records_are_integrity_errors(void **state)
{
	(void)state;
	struct lb_err err = {0};
	enum lb_fslog_state s;
	struct mem m = xfs_new();
	put_be32(m.b + 4, 3000);
	assert_int_equal(lb_fslog_state("xfs", mem_read, &m, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "blocksize 3000"));
	assert_int_equal(s, LB_FSLOG_UNKNOWN);
	free(m.b);
	/* A log that runs past the end of the device: the read error, named. */
	m = xfs_new();
	put_be32(m.b + 96, 1000);
	record(&m, 0, 1, 1, 1, 1);
	assert_int_equal(lb_fslog_state("xfs", mem_read, &m, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "xfs log blocks"));
	free(m.b);
	/* A record header with an impossible length. */
	m = xfs_new();
	record(&m, 0, 1, 1, 1, 1);
	put_be32(log_bb(&m, 0) + 12, 1u << 30);
	assert_int_equal(lb_fslog_state("xfs", mem_read, &m, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "xfs log block 0"));
	free(m.b);
	/* Blocks of a pass but no record header anywhere: damage, said. */
	m = xfs_new();
	stamp(&m, 0, 40, 1);
	assert_int_equal(lb_fslog_state("xfs", mem_read, &m, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "no record header"));
	free(m.b);
	/* Not xfs at all. */
	m = xfs_new();
	m.b[0] = 0;
	assert_int_equal(lb_fslog_state("xfs", mem_read, &m, &s, &err), LB_EINTEGRITY);
	free(m.b);
}

static void ext_needs_recovery_flag_decides(void **state)
{
	(void)state;
	uint8_t img[4096] = {0};
	struct mem m = {img, sizeof(img)};
	uint8_t *sb = img + 1024;
	sb[0x38] = 0x53, sb[0x39] = 0xEF;
	sb[0x5C] = 0x04; /* has_journal */
	assert_int_equal(state_of(&m, "ext4"), LB_FSLOG_CLEAN);
	sb[0x60] = 0x04 | 0x40; /* needs_recovery, extents */
	assert_int_equal(state_of(&m, "ext4"), LB_FSLOG_DIRTY);
	assert_int_equal(state_of(&m, "ext3"), LB_FSLOG_DIRTY);
	sb[0x5C] = 0; /* no journal: nothing to replay */
	assert_int_equal(state_of(&m, "ext2"), LB_FSLOG_CLEAN);
	sb[0x38] = 0;
	enum lb_fslog_state s;
	struct lb_err err = {0};
	assert_int_equal(lb_fslog_state("ext4", mem_read, &m, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "magic"));
	struct mem tiny = {img, 1500};
	assert_int_equal(lb_fslog_state("ext4", mem_read, &tiny, &s, &err), LB_EINTEGRITY);
}

static void other_types_are_unknown(void **state)
{
	(void)state;
	uint8_t img[4096] = {0};
	struct mem m = {img, sizeof(img)};
	assert_int_equal(state_of(&m, "btrfs"), LB_FSLOG_UNKNOWN);
	assert_string_equal(lb_fslog_state_name(LB_FSLOG_UNKNOWN), "unknown");
	assert_string_equal(lb_fslog_state_name(LB_FSLOG_DIRTY), "dirty");
	assert_string_equal(lb_fslog_state_name(LB_FSLOG_CLEAN), "clean");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xfs_clean_unmount_is_clean),
		cmocka_unit_test(xfs_last_record_not_unmount_is_dirty),
		cmocka_unit_test(xfs_writes_after_an_unmount_record_are_dirty),
		cmocka_unit_test(xfs_wrapped_log_finds_the_head_in_the_middle),
		cmocka_unit_test(xfs_unmount_record_ending_at_the_log_end_is_clean),
		cmocka_unit_test(xfs_record_cut_short_by_the_crash_counts_the_one_before),
		cmocka_unit_test(xfs_old_pass_block_near_the_head_moves_it_back),
		cmocka_unit_test(xfs_never_written_log_is_clean),
		cmocka_unit_test(xfs_external_log_is_unknown),
		cmocka_unit_test(xfs_bad_geometry_and_records_are_integrity_errors),
		cmocka_unit_test(ext_needs_recovery_flag_decides),
		cmocka_unit_test(other_types_are_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
