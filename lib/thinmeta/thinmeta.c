#include <stdlib.h>

#include "thinmeta/internal.h"

static int open_common(struct lb_thinmeta *m, struct lb_thinmeta **out, struct lb_err *err)
{
	uint8_t *block = malloc(LB_THINMETA_BLOCK_BYTES);
	int rc;

	if (!block) {
		rc = lb_fail(err, LB_EFAIL, "%s: read superblock: out of memory", m->reader.path);
		goto fail;
	}
	rc = lb_block_reader_read(&m->reader, 0, block, err);
	if (!rc)
		rc = lb_thin_superblock_parse(block, m->reader.path, &m->sb, err);
	free(block);
	if (rc)
		goto fail;
	/* Not metadata_nr_blocks: the kernel writes that once, at format time,
	 * while the space map grows with the metadata device. */
	lb_block_reader_limit(&m->reader, m->sb.metadata_sm.nr_blocks);
	*out = m;
	return 0;
fail:
	lb_thinmeta_close(m);
	return rc;
}

static struct lb_thinmeta *alloc_handle(const char *name, struct lb_err *err)
{
	struct lb_thinmeta *m = calloc(1, sizeof(*m));
	if (!m)
		lb_fail(err, LB_EFAIL, "%s: open metadata: out of memory", name);
	else
		m->reader.fd = -1;
	return m;
}

int lb_thinmeta_open(const char *path, struct lb_thinmeta **out, struct lb_err *err)
{
	struct lb_thinmeta *m = alloc_handle(path, err);
	if (!m)
		return LB_EFAIL;
	int rc = lb_block_reader_open(&m->reader, path, err);
	if (rc) {
		lb_thinmeta_close(m);
		return rc;
	}
	return open_common(m, out, err);
}

int lb_thinmeta_open_fd(int fd, const char *name, struct lb_thinmeta **out, struct lb_err *err)
{
	struct lb_thinmeta *m = alloc_handle(name, err);
	if (!m)
		return LB_EFAIL;
	int rc = lb_block_reader_open_fd(&m->reader, fd, name, err);
	if (rc) {
		lb_thinmeta_close(m);
		return rc;
	}
	return open_common(m, out, err);
}

void lb_thinmeta_close(struct lb_thinmeta *m)
{
	if (!m)
		return;
	lb_block_reader_close(&m->reader);
	free(m->spare);
	free(m);
}

const struct lb_thin_superblock *lb_thinmeta_superblock(const struct lb_thinmeta *m)
{
	return &m->sb;
}

int lb_thinmeta_use_metadata_snap(struct lb_thinmeta *m, struct lb_err *err)
{
	const uint64_t held_root = m->sb.held_root;
	struct lb_thin_superblock snap;
	int rc;

	if (held_root == 0)
		return lb_fail(err, LB_ENOTFOUND, "%s: use metadata snapshot: the pool has none",
			       m->reader.path);
	uint8_t *block = malloc(LB_THINMETA_BLOCK_BYTES);
	if (!block)
		return lb_fail(err, LB_EFAIL, "%s: use metadata snapshot: out of memory",
			       m->reader.path);
	rc = lb_block_reader_read(&m->reader, held_root, block, err);
	if (!rc)
		rc = lb_thin_superblock_parse_at(block, held_root, true, m->reader.path, &snap, err);
	free(block);
	if (rc)
		return rc;
	/* The live data space map was bounded with the live block size. */
	if (snap.data_block_size_sectors != m->sb.data_block_size_sectors)
		return lb_block_fail(err, m->reader.path, held_root, "metadata snapshot superblock",
				     "data block size %u sectors, but the pool's is %u",
				     snap.data_block_size_sectors, m->sb.data_block_size_sectors);
	snap.data_sm = m->sb.data_sm;
	snap.metadata_sm = m->sb.metadata_sm;
	snap.held_root = held_root;
	m->sb = snap;
	return 0;
}

struct lb_btree_bufs *lb_thinmeta_take_bufs(struct lb_thinmeta *m)
{
	struct lb_btree_bufs *b = m->spare;
	if (b) {
		m->spare = NULL;
		return b;
	}
	return malloc(sizeof(*b));
}

void lb_thinmeta_give_bufs(struct lb_thinmeta *m, struct lb_btree_bufs *bufs)
{
	if (!m->spare)
		m->spare = bufs;
	else
		free(bufs);
}
