#include "inventory/inventory.h"
#include "snapshot/catalog_store.h"

#include "dm/dm.h"
#include "docker/jsonfile.h"
#include "image/thin_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *lb_inv_name(const struct lb_inv_container *c)
{
	const char *name = c->view.name;
	return name[0] == '/' ? name + 1 : name;
}

static void stat_path(const char *path, bool *exists, uint64_t *size_bytes)
{
	struct stat st;
	*exists = path && stat(path, &st) == 0;
	*size_bytes = *exists ? (uint64_t)st.st_size : 0;
}

static int count_device(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	(void)dev;
	(void)err;
	(*(uint64_t *)ctx)++;
	return 0;
}

void lb_inventory_pool_files(const struct lb_docker_root *root, const char **data,
			     const char **metadata)
{
	const struct lb_docker_storage_opts *o = &root->daemon.storage;
	*data = *metadata = NULL;
	if (root->pool_kind == LB_DM_POOL_THINPOOLDEV)
		return;
	if (o->datadev[0] && o->metadatadev[0]) { /* dm.datadev: devices, not loop files */
		*data = o->datadev;
		*metadata = o->metadatadev;
	} else {
		*data = root->data_file.path;
		*metadata = root->metadata_file.path;
	}
}

/* Where the pool's data and metadata are, and whether it is active. */
static void load_pool(const struct lb_docker_root *root, bool ask_dm, struct lb_inv_pool *p)
{
	p->name = root->pool_name;
	p->kind = root->pool_kind == LB_DM_POOL_THINPOOLDEV ? "thinpooldev" : "loop";
	lb_inventory_pool_files(root, &p->data_path, &p->metadata_path);
	stat_path(p->data_path, &p->data_exists, &p->data_size_bytes);
	stat_path(p->metadata_path, &p->metadata_exists, &p->metadata_size_bytes);
	p->docker_transaction_ok = root->transaction_err.code == 0;
	p->docker_transaction_id = root->transaction.open_transaction_id;

	p->active = LB_TRI_UNKNOWN;
	struct lb_dm_info info;
	if (ask_dm && lb_dm_available(NULL) && lb_dm_info(p->name, &info, NULL) == 0)
		p->active = info.exists ? LB_TRI_YES : LB_TRI_NO;
}

/* Reads the superblock and counts the devices; NULL (and p->err) if the
 * metadata cannot be read. */
static struct lb_thinmeta *open_metadata(struct lb_inv_pool *p)
{
	if (!p->metadata_path)
		return NULL;
	struct lb_thinmeta *m = NULL;
	if (lb_thinmeta_open(p->metadata_path, &m, &p->err))
		return NULL;
	p->sb = *lb_thinmeta_superblock(m);
	if (lb_thinmeta_for_each_device(m, count_device, &p->thin_devices, &p->err)) {
		lb_thinmeta_close(m);
		return NULL;
	}
	p->meta_ok = true;
	if (!p->data_exists)
		lb_fail(&p->err, LB_ENOTFOUND, "%s: missing (the pool's data)", p->data_path);
	return m;
}

/* The journal state of a device the pool has, read through the pool's
 * metadata and data file; it only informs, so any failure leaves UNKNOWN. */
static enum lb_fslog_state device_log(const struct lb_inv_pool *p, struct lb_thinmeta *m,
				      int data_fd, const struct lb_docker_view *v)
{
	if (data_fd < 0)
		return LB_FSLOG_UNKNOWN;
	struct lb_thin_reader r = {.meta = m,
				   .dev_id = v->device_id,
				   .size_bytes = v->size_bytes,
				   .data_fd = data_fd,
				   .data_name = p->data_path};
	const char *type;
	return lb_thin_log_state(&r, &type);
}

static void load_container(const struct lb_docker_root *root, const struct lb_inv_pool *p,
			   struct lb_thinmeta *m, int data_fd, const struct lb_docker_container *dc,
			   struct lb_inv_container *c)
{
	lb_docker_view_of(root, dc, &c->view);
	const struct lb_docker_view *v = &c->view;
	if (v->error)
		c->err = *v->error;
	else if (v->device_hash[0] && !v->has_device_json)
		lb_fail(&c->err, LB_ENOTFOUND, "%s/%s: missing (the device record of %s)",
			root->metadata_dir, v->device_hash, v->id);
	if (!m || !v->device_ok)
		return;
	struct lb_thin_device dev;
	struct lb_err find_err = {0};
	int rc = lb_thinmeta_find_device(m, v->device_id, &dev, &find_err);
	if (rc == 0) {
		c->in_pool = LB_TRI_YES;
		c->mapped_bytes = dev.mapped_blocks * p->sb.data_block_size_sectors * 512;
		c->log = device_log(p, m, data_fd, v);
		return;
	}
	if (rc == LB_ENOTFOUND) {
		c->in_pool = LB_TRI_NO;
		find_err.code = LB_EINTEGRITY;
		snprintf(find_err.msg, sizeof(find_err.msg),
			 "%s: thin device %u (%s): not in the pool's metadata %s", v->id,
			 v->device_id, v->device_hash, p->metadata_path);
	}
	if (!c->err.code)
		c->err = find_err;
}

/* Each container's snapshots, from lifeboat's catalog (none: 0 each). */
static void count_snapshots(const struct lb_docker_root *root, struct lb_inventory *inv)
{
	char dir[PATH_MAX];
	struct lb_snap_catalog cat;
	struct lb_err e = {0};
	bool ok = !lb_snap_catalog_dir(root->driver_home, dir, &e) &&
		  !lb_snap_catalog_load(dir, root->pool_name, &cat, &e);
	for (size_t i = 0; i < inv->n_containers; i++)
		inv->containers[i].snapshots =
			ok ? (long)lb_snap_catalog_count_container(&cat, inv->containers[i].view.id)
			   : -1;
	if (ok)
		lb_snap_catalog_free(&cat);
}

int lb_inventory_load(const struct lb_docker_root *root, bool ask_dm, struct lb_inventory *out,
		      struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	out->root = root;
	out->containers = calloc(root->n_containers ? root->n_containers : 1,
				 sizeof(*out->containers));
	if (!out->containers)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", root->data_root);
	load_pool(root, ask_dm, &out->pool);
	struct lb_thinmeta *m = open_metadata(&out->pool);
	/* The data file is only read; unreadable (not root) leaves LOG unknown. */
	int data_fd = m && out->pool.data_exists ? open(out->pool.data_path, O_RDONLY | O_CLOEXEC)
						 : -1;
	for (size_t i = 0; i < root->n_containers; i++)
		load_container(root, &out->pool, m, data_fd, &root->containers[i],
			       &out->containers[out->n_containers++]);
	if (data_fd >= 0)
		close(data_fd);
	lb_thinmeta_close(m);
	count_snapshots(root, out);
	return 0;
}

void lb_inventory_free(struct lb_inventory *inv)
{
	free(inv->containers);
	inv->containers = NULL;
	inv->n_containers = 0;
}

size_t lb_inventory_damaged(const struct lb_inventory *inv)
{
	size_t n = inv->pool.err.code != 0;
	for (size_t i = 0; i < inv->n_containers; i++)
		n += inv->containers[i].err.code != 0;
	return n;
}

static json_t *uint_or_null(bool known, uint64_t v)
{
	return known ? json_integer((json_int_t)v) : json_null();
}

/* Every string below may hold text from the data root: lb_dj_string keeps a
 * byte JSON cannot carry from dropping the value or the whole output. */
static json_t *str_or_null(const char *s)
{
	return s && s[0] ? lb_dj_string(s) : json_null();
}

static json_t *tri(enum lb_tri t)
{
	return t == LB_TRI_UNKNOWN ? json_null() : json_boolean(t == LB_TRI_YES);
}

static json_t *err_or_null(const struct lb_err *e)
{
	return e->code ? lb_dj_string(e->msg) : json_null();
}

/* An object of key/value pairs, taking the values; NULL if any is NULL or
 * out of memory. */
static json_t *object_of(const char *const *keys, json_t **values, size_t n)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	for (size_t i = 0; i < n; i++) /* set_new consumes the value, even on failure */
		if (json_object_set_new(o, keys[i], values[i]) != 0)
			ok = false;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *pool_json(const struct lb_inv_pool *p)
{
	const bool sb = p->meta_ok;
	const uint64_t bs = (uint64_t)p->sb.data_block_size_sectors * 512;
	static const char *const keys[] = {
		"name", "kind", "data", "metadata", "data_size_bytes", "metadata_size_bytes",
		"data_block_size_bytes", "data_blocks", "data_blocks_used", "transaction_id",
		"docker_transaction_id", "thin_devices", "needs_check", "active", "error"};
	json_t *values[] = {
		lb_dj_string(p->name),
		lb_dj_string(p->kind),
		str_or_null(p->data_path),
		str_or_null(p->metadata_path),
		uint_or_null(p->data_exists, p->data_size_bytes),
		uint_or_null(p->metadata_exists, p->metadata_size_bytes),
		uint_or_null(sb, bs),
		uint_or_null(sb, p->sb.data_sm.nr_blocks),
		uint_or_null(sb, p->sb.data_sm.nr_allocated),
		uint_or_null(sb, p->sb.trans_id),
		uint_or_null(p->docker_transaction_ok, p->docker_transaction_id),
		uint_or_null(sb, p->thin_devices),
		sb ? json_boolean(p->sb.needs_check) : json_null(),
		tri(p->active),
		err_or_null(&p->err),
	};
	return object_of(keys, values, sizeof(values) / sizeof(values[0]));
}

static json_t *container_json(const struct lb_inventory *inv, const struct lb_inv_container *c)
{
	const struct lb_docker_view *v = &c->view;
	static const char *const keys[] = {
		"name", "id", "image", "image_ref", "state", "device_hash", "device_name",
		"device_id", "size_bytes", "mapped_bytes", "pool", "in_pool", "log", "deleted",
		"snapshots", "error"};
	json_t *values[] = {
		str_or_null(lb_inv_name(c)),
		lb_dj_string(v->id),
		str_or_null(v->image_id),
		str_or_null(v->image_ref),
		lb_dj_string(v->state),
		str_or_null(v->device_hash),
		str_or_null(v->device_name),
		uint_or_null(v->device_ok, v->device_id),
		uint_or_null(v->device_ok, v->size_bytes),
		uint_or_null(c->in_pool == LB_TRI_YES, c->mapped_bytes),
		lb_dj_string(inv->pool.name),
		tri(c->in_pool),
		c->log == LB_FSLOG_UNKNOWN ? json_null() : json_string(lb_fslog_state_name(c->log)),
		v->device_ok ? json_boolean(v->deleted) : json_null(),
		c->snapshots < 0 ? json_null() : json_integer(c->snapshots),
		err_or_null(&c->err),
	};
	return object_of(keys, values, sizeof(values) / sizeof(values[0]));
}

json_t *lb_inventory_json(const struct lb_inventory *inv)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < inv->n_containers; i++) {
		if (json_array_append_new(list, container_json(inv, &inv->containers[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	static const char *const keys[] = {"pool", "containers"};
	json_t *values[] = {pool_json(&inv->pool), list};
	return object_of(keys, values, 2);
}
