/* Pure journal-state readers; see fslog.h. Every field taken from the device
 * is bounds-checked before it is used as a size or an offset. */
#include "fslog/fslog.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BB 512u /* xfs "basic block": the log's unit */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

const char *lb_fslog_state_name(enum lb_fslog_state s)
{
	switch (s) {
	case LB_FSLOG_CLEAN: return "clean";
	case LB_FSLOG_DIRTY: return "dirty";
	default: return "unknown";
	}
}

/* ext2/3/4: the superblock, 1024 bytes in. */
#define EXT_SB_OFF 1024
#define EXT_MAGIC 0xEF53
#define EXT_COMPAT_HAS_JOURNAL 0x0004
#define EXT_INCOMPAT_RECOVER 0x0004

static int ext_state(lb_fslog_read_fn read, void *ctx, enum lb_fslog_state *out,
		     struct lb_err *err)
{
	uint8_t sb[1024];
	int rc = read(ctx, EXT_SB_OFF, sb, sizeof(sb), err);
	if (rc)
		return rc;
	if (le16(sb + 0x38) != EXT_MAGIC)
		return lb_fail(err, LB_EINTEGRITY, "ext superblock: bad magic 0x%04x", le16(sb + 0x38));
	uint32_t compat = le32(sb + 0x5C), incompat = le32(sb + 0x60);
	/* needs_recovery is set while the journal holds transactions not yet
	 * checkpointed, and cleared by a clean unmount or a replay. */
	*out = (compat & EXT_COMPAT_HAS_JOURNAL) && (incompat & EXT_INCOMPAT_RECOVER)
		       ? LB_FSLOG_DIRTY
		       : LB_FSLOG_CLEAN;
	return LB_OK;
}

/* xfs: the superblock fields that place the log (xfs_format.h, xfs_dsb). */
#define XFS_SB_MAGIC 0x58465342 /* "XFSB" */
#define XLOG_HEADER_MAGIC 0xFEEDBABEu
#define XLOG_UNMOUNT_TRANS 0x20
#define XLOG_HEADER_CYCLE_SIZE (32u * 1024)
#define XLOG_MAX_RECORD_BYTES (256u * 1024)
/* How far before the head the kernel looks for blocks of the previous pass
 * left by writes that were in flight at the crash: 8 iclogs of 256 KiB. */
#define XLOG_SCAN_BBS (8u * XLOG_MAX_RECORD_BYTES / BB)
#define CHUNK_BBS 128u /* blocks read at once while scanning */

struct xlog {
	lb_fslog_read_fn read;
	void *ctx;
	uint64_t off;   /* byte offset of the log on the device */
	uint64_t n_bbs; /* its length in basic blocks */
};

/* The cycle number of log block bb: a record header keeps it after its
 * magic; every other block has it stamped over its first word. */
static int cycle_of(const uint8_t *blk, uint32_t *cycle)
{
	*cycle = be32(blk) == XLOG_HEADER_MAGIC ? be32(blk + 4) : be32(blk);
	return 0;
}

static int read_bbs(const struct xlog *l, uint64_t bb, uint64_t count, uint8_t *buf,
		    struct lb_err *err)
{
	int rc = l->read(l->ctx, l->off + bb * BB, buf, (size_t)(count * BB), err);
	if (rc)
		lb_err_wrap(err, "xfs log blocks %llu-%llu", (unsigned long long)bb,
			    (unsigned long long)(bb + count - 1));
	return rc;
}

static int cycle_at(const struct xlog *l, uint64_t bb, uint32_t *cycle, struct lb_err *err)
{
	uint8_t blk[BB];
	int rc = read_bbs(l, bb, 1, blk, err);
	return rc ? rc : cycle_of(blk, cycle);
}

/* The first block in [from, to) whose cycle is `want`, or `to`. */
static int first_with_cycle(const struct xlog *l, uint64_t from, uint64_t to, uint32_t want,
			    uint64_t *found, struct lb_err *err)
{
	uint8_t *buf = malloc(CHUNK_BBS * BB);
	if (!buf)
		return lb_fail(err, LB_EFAIL, "xfs log: out of memory");
	int rc = LB_OK;
	*found = to;
	for (uint64_t bb = from; bb < to && *found == to;) {
		uint64_t n = to - bb < CHUNK_BBS ? to - bb : CHUNK_BBS;
		if ((rc = read_bbs(l, bb, n, buf, err)))
			break;
		for (uint64_t i = 0; i < n; i++) {
			uint32_t c;
			cycle_of(buf + i * BB, &c);
			if (c == want) {
				*found = bb + i;
				break;
			}
		}
		bb += n;
	}
	free(buf);
	return rc;
}

/* The head: the block the next log write would go to (xlog_find_head,
 * without its special handling of a log never written since mkfs, which
 * this search covers as "cycle 1 then cycle 0"). */
static int find_head(const struct xlog *l, uint64_t *head, struct lb_err *err)
{
	uint32_t first, last;
	int rc;
	if ((rc = cycle_at(l, 0, &first, err)) || (rc = cycle_at(l, l->n_bbs - 1, &last, err)))
		return rc;
	uint32_t stop;
	uint64_t h;
	if (first == last) {
		/* One pass covers the whole log: the head is at its end, unless
		 * writes of the pass before are still found near it. */
		h = l->n_bbs;
		stop = last - 1;
	} else {
		/* x+1 ... | x ... : the head is the first block of pass x. */
		uint64_t lo = 0, hi = l->n_bbs - 1;
		while (hi - lo > 1) {
			uint64_t mid = lo + (hi - lo) / 2;
			uint32_t c;
			if ((rc = cycle_at(l, mid, &c, err)))
				return rc;
			if (c == last)
				hi = mid;
			else
				lo = mid;
		}
		h = hi;
		stop = last;
	}
	/* Writes in flight at the crash complete out of order: the earliest
	 * block of the old pass within reach of them is the real head. */
	uint64_t from = h > XLOG_SCAN_BBS ? h - XLOG_SCAN_BBS : 0, found = h;
	if ((rc = first_with_cycle(l, from, h, stop, &found, err)))
		return rc;
	*head = found % l->n_bbs;
	return LB_OK;
}

struct xrec {
	uint64_t bb;        /* where its header is */
	uint64_t hblks;     /* header blocks */
	uint64_t len_bbs;   /* data blocks */
	uint32_t num_logops;
};

/* How far back from the head the last record header can be: the window of
 * in-flight writes plus one record. Bounds the search on a damaged log. */
#define XLOG_SEARCH_BBS (XLOG_SCAN_BBS + 2u * XLOG_MAX_RECORD_BYTES / BB)

/* The last record header before `head`, searching backwards (wrapping) at
 * most XLOG_SEARCH_BBS blocks. *found false if there is none. */
static int last_record(const struct xlog *l, uint64_t head, struct xrec *rec, bool *found,
		       struct lb_err *err)
{
	*found = false;
	uint8_t *buf = malloc(CHUNK_BBS * BB);
	if (!buf)
		return lb_fail(err, LB_EFAIL, "xfs log: out of memory");
	int rc = LB_OK;
	/* Walk blocks head-1, head-2, ... (mod n) in chunks. */
	const uint64_t reach = l->n_bbs < XLOG_SEARCH_BBS ? l->n_bbs : XLOG_SEARCH_BBS;
	for (uint64_t done = 0; done < reach && !*found && !rc;) {
		uint64_t end = (head + l->n_bbs - done) % l->n_bbs; /* exclusive */
		if (end == 0)
			end = l->n_bbs;
		uint64_t n = end < CHUNK_BBS ? end : CHUNK_BBS;
		if (n > reach - done)
			n = reach - done;
		uint64_t start = end - n;
		if ((rc = read_bbs(l, start, n, buf, err)))
			break;
		for (uint64_t i = n; i-- > 0;) {
			const uint8_t *h = buf + i * BB;
			uint32_t version = be32(h + 8);
			if (be32(h) != XLOG_HEADER_MAGIC || (version != 1 && version != 2))
				continue;
			uint32_t len = be32(h + 12), size = be32(h + 320);
			if (len > XLOG_MAX_RECORD_BYTES || (version == 2 && size > XLOG_MAX_RECORD_BYTES)) {
				rc = lb_fail(err, LB_EINTEGRITY,
					     "xfs log block %llu: record header with length %u, size %u",
					     (unsigned long long)(start + i), len, size);
				break;
			}
			rec->bb = start + i;
			rec->hblks = version == 2 && size > XLOG_HEADER_CYCLE_SIZE
					     ? (size + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE
					     : 1;
			rec->len_bbs = (len + BB - 1) / BB;
			rec->num_logops = be32(h + 40);
			*found = true;
			break;
		}
		done += n;
	}
	free(buf);
	return rc;
}

static int xfs_log_state(const struct xlog *l, enum lb_fslog_state *out, struct lb_err *err)
{
	uint64_t head;
	int rc = find_head(l, &head, err);
	if (rc)
		return rc;
	uint32_t c0;
	if ((rc = cycle_at(l, 0, &c0, err)))
		return rc;
	if (c0 == 0 && head == 0) {
		*out = LB_FSLOG_CLEAN; /* a log never written */
		return LB_OK;
	}
	struct xrec rec;
	bool found;
	if ((rc = last_record(l, head, &rec, &found, err)))
		return rc;
	if (!found) {
		*out = LB_FSLOG_UNKNOWN;
		return lb_fail(err, LB_EINTEGRITY,
			       "xfs log: no record header within %u blocks before the head (block %llu)",
			       XLOG_SEARCH_BBS, (unsigned long long)head);
	}
	uint64_t end = rec.bb + rec.hblks + rec.len_bbs; /* not wrapped */
	if (end % l->n_bbs != head) {
		/* The head as a block after rec.bb, counting on past the wrap. */
		uint64_t head_after = head > rec.bb ? head : head + l->n_bbs;
		if (end < head_after) {
			*out = LB_FSLOG_DIRTY; /* blocks were written after it */
			return LB_OK;
		}
		/* The record runs past the head: the crash cut it short, and
		 * the kernel takes the head back to it, replaying nothing of
		 * it. What counts is then the record before. */
		head = rec.bb;
		if ((rc = last_record(l, head, &rec, &found, err)))
			return rc;
		if (!found || (rec.bb + rec.hblks + rec.len_bbs) % l->n_bbs != head) {
			*out = LB_FSLOG_DIRTY;
			return LB_OK;
		}
	}
	if (rec.num_logops != 1) {
		*out = LB_FSLOG_DIRTY;
		return LB_OK;
	}
	/* The one operation's header opens the first data block; its first
	 * word carries the cycle stamp, the flags byte is intact. */
	uint8_t blk[BB];
	if ((rc = read_bbs(l, (rec.bb + rec.hblks) % l->n_bbs, 1, blk, err)))
		return rc;
	*out = blk[9] & XLOG_UNMOUNT_TRANS ? LB_FSLOG_CLEAN : LB_FSLOG_DIRTY;
	return LB_OK;
}

static int xfs_state(lb_fslog_read_fn read, void *ctx, enum lb_fslog_state *out,
		     struct lb_err *err)
{
	uint8_t sb[BB];
	int rc = read(ctx, 0, sb, sizeof(sb), err);
	if (rc)
		return rc;
	if (be32(sb) != XFS_SB_MAGIC)
		return lb_fail(err, LB_EINTEGRITY, "xfs superblock: bad magic 0x%08x", be32(sb));
	uint32_t blocksize = be32(sb + 4), agblocks = be32(sb + 84), logblocks = be32(sb + 96);
	uint64_t logstart = be64(sb + 48);
	unsigned agblklog = sb[124];
	if (logstart == 0)
		return LB_OK; /* an external log: not on this device */
	if (blocksize < 512 || blocksize > 65536 || (blocksize & (blocksize - 1)) || agblklog == 0 ||
	    agblklog > 31 || agblocks == 0 || agblocks > (1u << agblklog) || logblocks == 0)
		return lb_fail(err, LB_EINTEGRITY,
			       "xfs superblock: blocksize %u, agblocks %u, agblklog %u, logblocks %u "
			       "do not fit together",
			       blocksize, agblocks, agblklog, logblocks);
	/* Filesystem block numbers are (AG << agblklog | block in AG). */
	uint64_t agno = logstart >> agblklog, agbno = logstart & ((1ull << agblklog) - 1);
	if (agbno >= agblocks || agno > UINT32_MAX)
		return lb_fail(err, LB_EINTEGRITY, "xfs superblock: log start %llu is not a block of the filesystem",
			       (unsigned long long)logstart);
	struct xlog l = {
		.read = read,
		.ctx = ctx,
		.off = (agno * agblocks + agbno) * blocksize,
		.n_bbs = (uint64_t)logblocks * (blocksize / BB),
	};
	return xfs_log_state(&l, out, err);
}

const char *lb_fslog_detect(lb_fslog_read_fn read, void *ctx)
{
	uint8_t head[2048];
	struct lb_err ignored = {0};
	if (read(ctx, 0, head, sizeof(head), &ignored))
		return NULL;
	if (be32(head) == XFS_SB_MAGIC)
		return "xfs";
	if (le16(head + EXT_SB_OFF + 0x38) == EXT_MAGIC)
		return "ext4";
	return NULL;
}

int lb_fslog_state(const char *fstype, lb_fslog_read_fn read, void *ctx,
		   enum lb_fslog_state *out, struct lb_err *err)
{
	*out = LB_FSLOG_UNKNOWN;
	enum lb_fslog_state s = LB_FSLOG_UNKNOWN;
	int rc;
	if (!strcmp(fstype, "xfs"))
		rc = xfs_state(read, ctx, &s, err);
	else if (!strcmp(fstype, "ext4") || !strcmp(fstype, "ext3") || !strcmp(fstype, "ext2"))
		rc = ext_state(read, ctx, &s, err);
	else
		return LB_OK;
	if (!rc)
		*out = s;
	return rc;
}
