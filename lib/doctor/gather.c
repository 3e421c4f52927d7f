#include "doctor/gather.h"
#include "snapshot/catalog_store.h"
#include "docker/jsonfile.h"
#include "fslog/identify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_layers(const void *a, const void *b)
{
	return strcmp(((const struct lb_docker_layer *)a)->chain_id,
		      ((const struct lb_docker_layer *)b)->chain_id);
}

/* Every readable layer of layerdb/sha256/; damaged ones are left out (the
 * doctor judges devices, not the layer store's own files). */
static int load_layers(const char *layerdb_dir, struct lb_doctor_inputs *in, struct lb_err *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/sha256", layerdb_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? LB_OK
				       : lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot list", dir);
	size_t cap = 0;
	struct dirent *e;
	int rc = LB_OK;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != LB_DOCKER_ID_LEN || !lb_dj_is_hex(e->d_name, LB_DOCKER_ID_LEN))
			continue;
		if (in->n_layers == cap) {
			cap = cap ? cap * 2 : 16;
			struct lb_docker_layer *bigger = realloc(in->layers, cap * sizeof(*bigger));
			if (!bigger) {
				rc = lb_fail(err, LB_EFAIL, "%s: out of memory", dir);
				break;
			}
			in->layers = bigger;
		}
		if (lb_docker_layer_load(layerdb_dir, e->d_name, &in->layers[in->n_layers], NULL) == 0)
			in->n_layers++;
	}
	closedir(d);
	if (in->n_layers)
		qsort(in->layers, in->n_layers, sizeof(*in->layers), cmp_layers);
	return rc;
}

static int on_device(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct lb_doctor_inputs *in = ctx;
	const struct lb_snap_record *snap =
		in->catalog_loaded ? lb_snap_catalog_find_device(&in->catalog, (uint32_t)dev->dev_id)
				   : NULL;
	if (snap) {
		struct lb_doctor_snapshot *sn = &in->snapshots[in->n_snapshots++];
		sn->dev_id = dev->dev_id;
		snprintf(sn->name, sizeof(sn->name), "%s", snap->name);
		snprintf(sn->container, sizeof(sn->container), "%s", snap->container);
		sn->pending = snap->state != LB_SNAP_READY; /* pending or importing */
		return 0;
	}
	if ((in->n_devices & (in->n_devices - 1)) == 0) { /* 0, 1, 2, 4...: grow */
		size_t cap = in->n_devices ? in->n_devices * 2 : 8;
		struct lb_thin_device *bigger = realloc(in->devices, cap * sizeof(*bigger));
		if (!bigger)
			return lb_fail(err, LB_EFAIL, "pool devices: out of memory");
		in->devices = bigger;
	}
	in->devices[in->n_devices++] = *dev;
	return 0;
}

struct first_block {
	bool found;
	uint64_t dblock;
};

static int on_range(void *ctx, const struct lb_thin_range *range, struct lb_err *err)
{
	(void)err;
	struct first_block *fb = ctx;
	if (range->vblock == 0) {
		fb->found = true;
		fb->dblock = range->dblock;
	}
	return 1; /* the first range is all we need */
}

/* The filesystem on the base device: its first data block, read from the
 * pool's data file. Leaves the type empty if that cannot be done. */
static void probe_base(struct lb_thinmeta *m, const struct lb_docker_root *root,
		       struct lb_doctor_inputs *in)
{
	const struct lb_docker_device *base = lb_docker_root_device(root, "");
	if (!base || base->err.code || !root->data_file.exists)
		return;
	struct first_block fb = {0};
	struct lb_thin_walk walk = {.coalesce = LB_THIN_PER_BLOCK, .on_range = on_range, .ctx = &fb};
	struct lb_err ignored;
	lb_thinmeta_walk_mappings(m, base->dm.device_id, &walk, &ignored);
	if (!fb.found)
		return;
	uint8_t buf[4096];
	int fd = open(root->data_file.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t off = (off_t)(fb.dblock * in->data_block_size_sectors * 512);
	ssize_t n = pread(fd, buf, sizeof(buf), off);
	close(fd);
	if (n == (ssize_t)sizeof(buf))
	{
		uint64_t size;
		lb_fs_identify(buf, sizeof(buf), in->pool.base_fs_type, sizeof(in->pool.base_fs_type),
			       in->pool.base_fs_uuid, sizeof(in->pool.base_fs_uuid), &size);
	}
}

/* The filesystem on a device's virtual block 0, read from the pool's data
 * file; leaves the facts empty if that cannot be done. */
static void probe_fs(struct lb_thinmeta *m, int data_fd, uint32_t block_sectors, uint64_t dev_id,
		     struct lb_doctor_devfacts *df)
{
	uint64_t dblock;
	bool mapped;
	struct lb_err ignored;
	if (data_fd < 0 || lb_thinmeta_map_block(m, dev_id, 0, &dblock, &mapped, &ignored) ||
	    !mapped || dblock > (uint64_t)INT64_MAX / ((uint64_t)block_sectors * 512))
		return;
	uint8_t buf[4096];
	if (pread(data_fd, buf, sizeof(buf), (off_t)(dblock * block_sectors * 512)) !=
	    (ssize_t)sizeof(buf))
		return;
	lb_fs_identify(buf, sizeof(buf), df->fs_type, sizeof(df->fs_type), df->fs_uuid,
		       sizeof(df->fs_uuid), &df->fs_size_bytes);
}

struct block_walk {
	struct lb_doctor_devfacts *df;
	size_t cap;
};

static int on_block_range(void *ctx, const struct lb_thin_range *range, struct lb_err *err)
{
	struct block_walk *w = ctx;
	if (lb_block_set_add(&w->df->blocks, &w->cap, range->dblock, range->len_blocks))
		return lb_fail(err, LB_EFAIL, "pool device blocks: out of memory");
	w->df->mapped_end_blocks = range->vblock + range->len_blocks;
	return 0;
}

/* What matching lost device files needs (match.h): the filesystem on every
 * orphan, and the data blocks of the orphans and of the devices around each
 * lost reference; nothing at all when nothing is lost. */
static int gather_facts(struct lb_thinmeta *m, struct lb_doctor_inputs *in, struct lb_err *err)
{
	struct lb_match_pool mp = {.devices = in->devices, .n_devices = in->n_devices,
				   .data_block_size_sectors = in->data_block_size_sectors};
	bool *want = calloc(in->n_devices + 1, sizeof(bool));
	struct lb_lost_match lost;
	if (!want || lb_lost_refs(in->root, in->layers, in->n_layers, &mp, &lost, want)) {
		free(want);
		return lb_fail(err, LB_EFAIL, "doctor: out of memory");
	}
	lb_lost_match_free(&lost);
	in->facts = calloc(in->n_devices + 1, sizeof(*in->facts));
	int rc = in->facts ? LB_OK : lb_fail(err, LB_EFAIL, "doctor: out of memory");
	int data_fd = in->root->data_file.exists
			      ? open(in->root->data_file.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
			      : -1;
	for (size_t i = 0; i < in->n_devices && !rc; i++) {
		struct lb_doctor_devfacts *df = &in->facts[i];
		if (lb_pool_device_is_orphan(in->root, in->devices[i].dev_id))
			probe_fs(m, data_fd, in->data_block_size_sectors, in->devices[i].dev_id, df);
		if (!want[i])
			continue;
		struct block_walk w = {.df = df};
		struct lb_thin_walk walk = {.coalesce = LB_THIN_RANGES, .on_range = on_block_range,
					    .ctx = &w};
		rc = lb_thinmeta_walk_mappings(m, in->devices[i].dev_id, &walk, err);
		if (rc == LB_ENOTFOUND) /* a device with no mappings at all */
			rc = LB_OK;
		lb_block_set_finish(&df->blocks);
		df->have_blocks = !rc;
	}
	if (data_fd >= 0)
		close(data_fd);
	free(want);
	return rc;
}

/* lifeboat's snapshot catalog, if there is one: its devices are snapshots. */
static void load_catalog(struct lb_doctor_inputs *in)
{
	char dir[PATH_MAX];
	struct lb_err e = {0};
	if (lb_snap_catalog_dir(in->root->driver_home, dir, &e) ||
	    lb_snap_catalog_load(dir, in->root->pool_name, &in->catalog, &e)) {
		snprintf(in->pool.catalog_err, sizeof(in->pool.catalog_err), "%.300s", e.msg);
		return;
	}
	in->catalog_loaded = true;
	in->snapshots = calloc(in->catalog.n_records + 1, sizeof(*in->snapshots));
	if (!in->snapshots) {
		lb_snap_catalog_free(&in->catalog);
		in->catalog_loaded = false;
		snprintf(in->pool.catalog_err, sizeof(in->pool.catalog_err), "%.280s: out of memory", dir);
	}
}

int lb_doctor_gather(const struct lb_docker_root_opts *opts, struct lb_doctor_inputs *in,
		     struct lb_err *err)
{
	memset(in, 0, sizeof(*in));
	int rc = lb_docker_root_load(opts, &in->root, err);
	if (rc)
		return rc;
	const struct lb_docker_root *r = in->root;
	if (r->pool_kind != LB_DM_POOL_LOOPBACK || r->daemon.storage.metadatadev[0])
		return lb_fail(err, LB_EUSAGE,
			       "%s: the pool is a block device (%s); doctor reads loop-lvm pools only",
			       r->data_root, r->pool_name);
	if (!r->metadata_file.exists)
		return lb_fail(err, LB_EINTEGRITY, "%s: missing (the pool's metadata file)",
			       r->metadata_file.path);
	if ((rc = load_layers(r->layerdb_dir, in, err)))
		return rc;
	load_catalog(in);
	struct lb_thinmeta *m;
	if ((rc = lb_thinmeta_open(r->metadata_file.path, &m, err)))
		return rc == LB_ENOTFOUND ? rc : LB_EINTEGRITY;
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	in->pool.trans_id = sb->trans_id;
	in->data_block_size_sectors = sb->data_block_size_sectors;
	rc = lb_thinmeta_for_each_device(m, on_device, in, err);
	if (!rc)
		probe_base(m, r, in);
	if (!rc)
		rc = gather_facts(m, in, err);
	lb_thinmeta_close(m);
	if (rc)
		return rc == LB_EFAIL ? rc : LB_EINTEGRITY;
	in->pool.devices = in->devices;
	in->pool.n_devices = in->n_devices;
	in->pool.facts = in->facts;
	in->pool.data_block_size_sectors = in->data_block_size_sectors;
	in->pool.snapshots = in->snapshots;
	in->pool.n_snapshots = in->n_snapshots;
	return LB_OK;
}

void lb_doctor_inputs_free(struct lb_doctor_inputs *in)
{
	lb_docker_root_free(in->root);
	for (size_t i = 0; in->facts && i < in->n_devices; i++)
		lb_block_set_free(&in->facts[i].blocks);
	free(in->facts);
	free(in->layers);
	free(in->devices);
	free(in->snapshots);
	if (in->catalog_loaded)
		lb_snap_catalog_free(&in->catalog);
	memset(in, 0, sizeof(*in));
}
