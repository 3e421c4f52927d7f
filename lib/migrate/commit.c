/* lifeboat migrate commit (see commit.h). */
#include "migrate/commit.h"
#include "util/say.h"

#include "docker/dockerd.h"
#include "snapshot/create.h"
#include "docker/dataroot.h"
#include "docker/jsonfile.h"
#include "doctor/repair.h"
#include "layer/changes.h"
#include "layer/tarsplit.h"
#include "layer/tarwrite.h"
#include "oci/change.h"
#include "oci/image_config.h"
#include "oci/layout.h"
#include "rescue/session.h"
#include "thinmeta/thinmeta.h"
#include "util/nofollow.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct commit_ctx {
	const struct lb_commit_opts *o;
	struct lb_docker_root *root;
	/* --live: the container's device is read from this snapshot instead. */
	uint32_t live_id;
	char live_name[LB_SNAP_NAME_MAX + 1];
	uint32_t block_size_sectors; /* loop-lvm pools: from the pool's metadata */
	struct lb_oci_layout *layout;
};

/* say(x, ...): an operator line through the caller's callback (util/say.h). */
#define say(x, ...) lb_sayf((x)->o->say, (x)->o->say_ctx, __VA_ARGS__)

/* A path under the data root; one longer than PATH_MAX is no path Docker
 * wrote. */
static int tree_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tree_path(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* ---- one thin device, mounted read-only for the commit ---- */

struct mounted {
	char journal[PATH_MAX];
	struct lb_rescue_result res;
	int rootfs_fd;
};

/* A commit's own mount goes quietly: only what teardown refused is said
 * (LB_SAY_WARN), whatever -v asks. */
static struct lb_say teardown_warnings(void)
{
	return (struct lb_say){.verbosity = -1, .out = stderr};
}

/* Undoes exactly what the session's journal says this commit did. */
static int unmount_device(struct mounted *m, struct lb_err *err)
{
	if (m->rootfs_fd >= 0)
		close(m->rootfs_fd);
	m->rootfs_fd = -1;
	if (!m->journal[0] || access(m->journal, F_OK) != 0)
		return LB_OK;
	const struct lb_say say = teardown_warnings();
	int rc = lb_rescue_teardown_session(m->journal, &say, err);
	m->journal[0] = 0;
	return rc;
}

/* session: a name of this commit's own (journal and mount directory), so a
 * `recover mount` of the same container is neither reused nor undone. */
static int mount_device(const struct commit_ctx *x, const char *session, const char *hash,
			uint32_t id_override, bool replay_cow, struct mounted *m, struct lb_err *err)
{
	memset(m, 0, sizeof(*m));
	m->rootfs_fd = -1;
	const struct lb_docker_device *d = lb_docker_root_device(x->root, hash);
	if (!d)
		return lb_fail(err, LB_ENOTFOUND, "device %s: no file in %s", hash[0] ? hash : "base",
			       x->root->metadata_dir);
	if (d->err.code)
		return lb_fail(err, d->err.code, "%s", d->err.msg);
	if (d->dm.deleted)
		return lb_fail(err, LB_EUNSAFE, "device %s (%u): Docker marked it deleted", hash,
			       d->dm.device_id);
	char thin_name[LB_DM_NAME_MAX];
	/* A snapshot gets a name of its own: the container's name is its live
	 * device, dockerd's, which must not be reused. */
	int n = id_override ? snprintf(thin_name, sizeof(thin_name), "%s-lifeboat-%u",
				       x->root->prefix, id_override)
			    : snprintf(thin_name, sizeof(thin_name), "%s-%s", x->root->prefix,
				       hash[0] ? hash : "base");
	if (n < 0 || (size_t)n >= sizeof(thin_name))
		return lb_fail(err, LB_EINTEGRITY, "device %s: dm name too long", hash);
	struct lb_rescue_plan plan = {
		.container_id = session,
		.container_name = session,
		.pool_name = x->root->pool_name,
		.thin_name = thin_name,
		.device_id = id_override ? id_override : d->dm.device_id,
		.size_bytes = d->dm.size_bytes,
		.replay_cow = replay_cow,
	};
	if (x->root->pool_kind == LB_DM_POOL_LOOPBACK) {
		plan.data_path = x->root->data_file.path;
		plan.metadata_path = x->root->metadata_file.path;
		plan.data_block_size_sectors = x->block_size_sectors;
	}
	snprintf(m->journal, sizeof(m->journal), LB_SESSIONS_DIR "/%s", session);
	int rc = lb_rescue_mount(&plan, NULL, &m->res, err);
	if (!rc) {
		m->rootfs_fd = open(m->res.rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (m->rootfs_fd < 0)
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: open", m->res.rootfs);
	}
	if (rc) {
		struct lb_err e2 = {0};
		unmount_device(m, &e2);
	}
	return rc;
}

/* ---- Docker's records of the image ---- */

static int sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -1;
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	return 0;
}

/* The image's config as Docker stored it, checked against its id. */
static int read_image_config(const struct commit_ctx *x, const char *image_id, char **text,
			     size_t *len, struct lb_err *err)
{
	if (!lb_docker_is_digest(image_id))
		return lb_fail(err, LB_EINTEGRITY, "image id '%s' is no sha256 digest", image_id);
	char path[PATH_MAX];
	if (tree_path(path, "%s/image/devicemapper/imagedb/content/sha256/%s", x->root->data_root,
		      image_id + 7))
		return lb_fail(err, LB_EUSAGE, "%s: data root path too long", x->root->data_root);
	int rc = lb_dj_read_tree_file(path, text, len, err);
	if (rc)
		return rc;
	char hex[65];
	if (sha256_hex(*text, *len, hex) || strcmp(hex, image_id + 7)) {
		free(*text);
		*text = NULL;
		return lb_fail(err, LB_EINTEGRITY, "%s: content does not hash to the image id", path);
	}
	return LB_OK;
}

/* config.v2.json's "Config": what `docker commit` puts in the image. */
static int read_container_config(const struct commit_ctx *x, const char *id, json_t **config,
				 struct lb_err *err)
{
	char path[PATH_MAX], *text;
	size_t len;
	if (tree_path(path, "%s/%s/%s", x->root->containers_dir, id, LB_DOCKER_CONFIG_FILE))
		return lb_fail(err, LB_EUSAGE, "%s: data root path too long", x->root->data_root);
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (rc)
		return rc;
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_DISABLE_EOF_CHECK, &je);
	free(text);
	json_t *c = json_object_get(doc, "Config");
	if (!json_is_object(c)) {
		json_decref(doc);
		return lb_fail(err, LB_EINTEGRITY, "%s: no Config object", path);
	}
	*config = json_deep_copy(c);
	json_decref(doc);
	return *config ? LB_OK : lb_fail(err, LB_EFAIL, "out of memory");
}

/* The image's layers, base first, from the layer store's parent chain,
 * checked against the config's diff ids. */
static int load_chain(const struct commit_ctx *x, const char *top, json_t *diff_ids,
		      struct lb_docker_layer *chain, size_t *n, struct lb_err *err)
{
	size_t want = json_array_size(diff_ids), got = 0;
	char next[LB_DOCKER_DIGEST_MAX];
	snprintf(next, sizeof(next), "%s", top);
	while (next[0]) {
		if (got >= want || got >= LB_COMMIT_MAX_LAYERS)
			return lb_fail(err, LB_EINTEGRITY,
				       "layer store: the chain from %s is longer than the image's %zu "
				       "layers",
				       top, want);
		int rc = lb_docker_layer_load(x->root->layerdb_dir, next, &chain[got], err);
		if (rc) {
			lb_err_wrap(err, "a layer of the container's image is missing from the layer store");
			return rc;
		}
		snprintf(next, sizeof(next), "%s", chain[got].parent);
		got++;
	}
	if (got != want)
		return lb_fail(err, LB_EINTEGRITY,
			       "layer store: %zu layers under %s, the image config lists %zu", got,
			       top[0] ? top : "(none)", want);
	for (size_t i = 0; i < got / 2; i++) {
		struct lb_docker_layer t = chain[i];
		chain[i] = chain[got - 1 - i];
		chain[got - 1 - i] = t;
	}
	for (size_t i = 0; i < got; i++) {
		const char *want_id = json_string_value(json_array_get(diff_ids, i));
		if (strcmp(chain[i].diff_id, want_id))
			return lb_fail(err, LB_EINTEGRITY,
				       "layer %s: diff id %s, the image config says %s",
				       chain[i].chain_id, chain[i].diff_id, want_id);
	}
	*n = got;
	return LB_OK;
}

/* ---- the layers ---- */

static void record_blob(struct lb_commit_layer *l, const struct lb_blob_info *b,
			enum lb_layer_origin origin, const char *chain_id)
{
	snprintf(l->digest, sizeof(l->digest), "%s", b->digest);
	snprintf(l->diff_id, sizeof(l->diff_id), "%s", b->diff_id);
	l->size = b->size_bytes;
	l->tar_bytes = b->uncompressed_bytes;
	l->origin = origin;
	snprintf(l->chain_id, sizeof(l->chain_id), "%s", chain_id ? chain_id : "");
}

/* A base layer's exact tar: Docker's tar-split over the layer's own device. */
static int rebuild_layer(const struct commit_ctx *x, const struct lb_docker_layer *l,
			 struct lb_commit_layer *out, struct lb_err *err)
{
	char session[96], path[PATH_MAX];
	snprintf(session, sizeof(session), "commit-layer-%.12s", l->cache_id);
	if (tree_path(path, "%s/sha256/%s/tar-split.json.gz", x->root->layerdb_dir, l->chain_id + 7))
		return lb_fail(err, LB_EUSAGE, "%s: data root path too long", x->root->data_root);
	int ts_fd = -1;
	int rc = lb_open_file_nofollow(path, &ts_fd, err);
	if (rc)
		return rc;
	struct mounted m;
	if ((rc = mount_device(x, session, l->cache_id, 0, false, &m, err))) {
		close(ts_fd);
		lb_err_wrap(err, "layer %s", l->chain_id);
		return rc;
	}
	struct lb_blob_writer *w = NULL;
	struct lb_blob_info info;
	struct lb_tarsplit_stats st;
	rc = lb_blob_writer_open(lb_oci_layout_blobs_dirfd(x->layout), x->o->compress,
				 x->o->threads, &w, err);
	if (!rc) {
		struct lb_layer_sink sink = lb_blob_writer_sink(w);
		rc = lb_tarsplit_rebuild(ts_fd, m.rootfs_fd, l->diff_id, &sink, &st, err);
		if (!rc)
			rc = lb_blob_writer_finish(w, &info, err);
	}
	lb_blob_writer_abort(w); /* frees; the file stays only if finished */
	close(ts_fd);
	struct lb_err e2 = {0};
	int urc = unmount_device(&m, &e2);
	if (rc) {
		lb_err_wrap(err, "layer %s (device %s)", l->chain_id, l->cache_id);
		return rc;
	}
	if (urc) {
		*err = e2;
		return urc;
	}
	record_blob(out, &info, LB_LAYER_FROM_TARSPLIT, l->chain_id);
	say(x, "layer %s: rebuilt from tar-split, %llu bytes, diff id checked", out->digest,
	    (unsigned long long)out->size);
	return LB_OK;
}

/* The container's own layer: its device against its init device. */
static int container_layer(const struct commit_ctx *x, const struct lb_docker_view *v,
			   struct lb_commit_result *res, bool *has_layer, struct lb_err *err)
{
	char s_upper[96], s_lower[96];
	snprintf(s_upper, sizeof(s_upper), "commit-%.12s", v->id);
	snprintf(s_lower, sizeof(s_lower), "commit-%.12s-init", v->id);
	struct mounted up, low;
	int rc = mount_device(x, s_upper, v->device_hash, x->live_id, !x->o->no_replay, &up, err);
	if (rc)
		return rc;
	res->log_state = up.res.log_state;
	res->replayed = !x->o->no_replay && up.res.log_state == LB_FSLOG_DIRTY;
	if (v->init_hash[0]) {
		rc = mount_device(x, s_lower, v->init_hash, 0, false, &low, err);
	} else {
		/* A container without an init layer diffs against its image's
		 * top layer; lifeboat does not build that path yet. */
		rc = lb_fail(err, LB_ENOTFOUND, "%s: no init layer in the layer store", v->id);
		low.rootfs_fd = -1;
		low.journal[0] = 0;
	}
	struct lb_changes ch = {0};
	struct lb_blob_writer *w = NULL;
	struct lb_blob_info info;
	struct lb_layer_tar_stats ts = {0};
	if (!rc)
		rc = lb_layer_changes(up.rootfs_fd, low.rootfs_fd, &ch, err);
	*has_layer = !rc && ch.n > 0;
	res->n_changes = ch.n;
	if (*has_layer && !(rc = lb_blob_writer_open(lb_oci_layout_blobs_dirfd(x->layout),
						     x->o->compress, x->o->threads, &w, err))) {
		struct lb_layer_sink sink = lb_blob_writer_sink(w);
		rc = lb_layer_write_tar(up.rootfs_fd, &ch, &sink, &ts, err);
		if (!rc)
			rc = lb_blob_writer_finish(w, &info, err);
	}
	lb_blob_writer_abort(w);
	char socket_path[256] = "";
	if (ts.first_skipped_socket) /* points into ch */
		snprintf(socket_path, sizeof(socket_path), "%s", ts.first_skipped_socket);
	lb_changes_free(&ch);
	struct lb_err e2 = {0};
	int urc = unmount_device(&low, &e2);
	int urc2 = unmount_device(&up, urc ? &(struct lb_err){0} : &e2);
	if (rc)
		return rc;
	if (urc || urc2) {
		*err = e2;
		return urc ? urc : urc2;
	}
	if (*has_layer) {
		record_blob(&res->layers[res->n_layers++], &info, LB_LAYER_FROM_CONTAINER, NULL);
		res->sockets_skipped = ts.sockets_skipped;
		if (ts.sockets_skipped)
			say(x, "%llu socket(s) left out (a tar cannot hold them), e.g. %s",
			    (unsigned long long)ts.sockets_skipped,
			    socket_path);
	}
	return LB_OK;
}

/* ---- the whole commit ---- */

static void now_rfc3339(char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", s, ts.tv_nsec);
}

static int write_image(struct commit_ctx *x, const char *base_cfg, size_t base_len,
		       const char *origin, const json_t *config, const struct lb_docker_view *v,
		       struct lb_commit_result *res, bool has_layer, struct lb_err *err)
{
	char created[48];
	now_rfc3339(created, sizeof(created));
	struct lb_commit_meta meta = {
		.diff_id = has_layer ? res->layers[res->n_layers - 1].diff_id : NULL,
		.created = created,
		.author = x->o->author,
		.comment = x->o->message,
		.container_id = v->id,
	};
	char *cfg = NULL, *man = NULL;
	size_t cfg_len = 0, man_len = 0;
	int rc = lb_image_config_commit(base_cfg, base_len, origin, config, &meta, &cfg, &cfg_len,
					err);
	struct lb_descriptor cd = {0}, lds[LB_COMMIT_MAX_LAYERS + 1];
	if (!rc)
		rc = lb_oci_layout_put_blob(x->layout, cfg, cfg_len, cd.digest, err);
	cd.size = cfg_len;
	for (size_t i = 0; i < res->n_layers; i++) {
		snprintf(lds[i].digest, sizeof(lds[i].digest), "%s", res->layers[i].digest);
		lds[i].size = res->layers[i].size;
	}
	enum lb_layer_compression comp =
		x->o->compress == LB_COMPRESS_ZSTD ? LB_LAYER_ZSTD : LB_LAYER_GZIP;
	if (!rc)
		rc = lb_manifest_build(x->o->manifest, comp, &cd, lds, res->n_layers, &man, &man_len,
				       err);
	if (!rc)
		rc = lb_oci_layout_put_blob(x->layout, man, man_len, res->manifest_digest, err);
	const char *mt = x->o->manifest == LB_MANIFEST_OCI ? LB_MT_OCI_MANIFEST
							   : LB_MT_DOCKER_MANIFEST;
	if (!rc)
		rc = lb_oci_layout_set_ref(x->layout, x->o->ref_name ? x->o->ref_name : "latest", mt,
					   res->manifest_digest, man_len, err);
	snprintf(res->config_digest, sizeof(res->config_digest), "%s", cd.digest);
	res->manifest_size = man_len;
	res->manifest_media_type = mt;
	free(cfg);
	free(man);
	return rc;
}

/* --live: a snapshot of the running container's device, read instead of it. */
static int take_live_snapshot(struct commit_ctx *x, const char *container_id,
			      struct lb_commit_result *res, struct lb_err *err)
{
	struct lb_snapshot_target t = {.data_root = x->o->data_root,
				       .daemon_json = x->o->daemon_json};
	struct lb_snapshot_create_result cr;
	char name[LB_SNAP_NAME_MAX + 1];
	snprintf(name, sizeof(name), "commit-%.12s-%lld", container_id, (long long)time(NULL));
	int rc = lb_snapshot_create(&t, container_id, name, &cr, err);
	if (rc)
		return lb_err_wrap(err, "%s: --live", res->container_name);
	x->live_id = cr.rec.device_id;
	snprintf(x->live_name, sizeof(x->live_name), "%s", cr.rec.name);
	res->live = true;
	res->freeze_us = cr.rec.freeze_us;
	say(x, "%s: read from snapshot %s (device %u), the container frozen for %llu us",
	    res->container_name, x->live_name, x->live_id, (unsigned long long)cr.rec.freeze_us);
	return LB_OK;
}

/* The snapshot goes after the commit, on every path. A failure to remove it
 * fails a commit that had succeeded (err NULL: the commit failed already;
 * the snapshot's name is said so the operator can remove it). */
static void drop_live_snapshot(struct commit_ctx *x, struct lb_err *err, int *rc)
{
	if (!x->live_id)
		return;
	struct lb_snapshot_target t = {.data_root = x->o->data_root,
				       .daemon_json = x->o->daemon_json};
	struct lb_snap_record gone;
	struct lb_err e = {0};
	if (lb_snapshot_remove(&t, x->live_name, &gone, &e)) {
		say(x, "snapshot %s stays: %s (lifeboat snapshot rm %s)", x->live_name, e.msg,
		    x->live_name);
		if (err) {
			*err = e;
			*rc = e.code;
		}
	}
	x->live_id = 0;
}

int lb_migrate_commit(const struct lb_commit_opts *o, struct lb_commit_result *res,
		      struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct commit_ctx x = {.o = o};
	struct lb_docker_root_opts ropts = {.data_root = o->data_root, .daemon_json = o->daemon_json};
	char *base_cfg = NULL;
	size_t base_len = 0;
	json_t *config = NULL, *img = NULL, *diff_ids = NULL;
	struct lb_docker_layer *chain = NULL;
	int rc = lb_docker_root_load(&ropts, &x.root, err);
	if (rc)
		return rc;
	const struct lb_docker_container *ct;
	struct lb_docker_view v;
	if ((rc = lb_docker_resolve(x.root, o->container, &ct, err)))
		goto out;
	lb_docker_view_of(x.root, ct, &v);
	snprintf(res->container_id, sizeof(res->container_id), "%s", v.id);
	snprintf(res->container_name, sizeof(res->container_name), "%s",
		 v.name + (v.name[0] == '/'));
	if ((rc = lb_docker_view_require_device(&v, "cannot commit", err)))
		goto out;
	if (ct->config.state.running &&
	    lb_docker_dockerd_on(x.root) > 0) {
		if (!o->live) {
			rc = lb_fail(err, LB_EUNSAFE,
				     "%s: running under a live dockerd; its filesystem changes while "
				     "it is read (stop the container, or --live: from a snapshot)",
				     res->container_name);
			goto out;
		}
		if ((rc = take_live_snapshot(&x, v.id, res, err)))
			goto out;
	}
	if (x.root->pool_kind == LB_DM_POOL_LOOPBACK) {
		struct lb_thinmeta *meta;
		if ((rc = lb_thinmeta_open(x.root->metadata_file.path, &meta, err)))
			goto out;
		x.block_size_sectors = lb_thinmeta_superblock(meta)->data_block_size_sectors;
		lb_thinmeta_close(meta);
	}
	if ((rc = read_image_config(&x, v.image_id, &base_cfg, &base_len, err)) ||
	    (rc = read_container_config(&x, v.id, &config, err)) ||
	    (rc = lb_oci_apply_changes(config, o->changes, o->n_changes, err)) ||
	    (rc = lb_image_config_parse(base_cfg, base_len, v.image_id, &img, &diff_ids, err)))
		goto out;
	chain = calloc(LB_COMMIT_MAX_LAYERS, sizeof(*chain));
	size_t n_chain = 0;
	if (!chain) {
		rc = lb_fail(err, LB_EFAIL, "out of memory");
		goto out;
	}
	if ((rc = load_chain(&x, ct->mount.parent, diff_ids, chain, &n_chain, err)))
		goto out;
	if ((rc = lb_oci_layout_create(o->layout_dir, &x.layout, err)))
		goto out;
	for (size_t i = 0; i < n_chain; i++) {
		struct lb_commit_layer *cl = &res->layers[res->n_layers];
		bool provided = false;
		if (o->base_layer && (rc = o->base_layer(o->base_ctx, &chain[i], cl, &provided, err)))
			goto out;
		if (provided) {
			cl->origin = LB_LAYER_FROM_REGISTRY;
			snprintf(cl->diff_id, sizeof(cl->diff_id), "%s", chain[i].diff_id);
			snprintf(cl->chain_id, sizeof(cl->chain_id), "%s", chain[i].chain_id);
		} else if ((rc = rebuild_layer(&x, &chain[i], cl, err))) {
			goto out;
		}
		res->n_layers++;
	}
	bool has_layer = false;
	if ((rc = container_layer(&x, &v, res, &has_layer, err)))
		goto out;
	res->empty_layer = !has_layer;
	if (res->replayed)
		say(&x, "%s: the journal was dirty: read through a copy-on-write replay (the pool "
			"was not written)", res->container_name);
	else if (res->log_state == LB_FSLOG_DIRTY)
		say(&x, "%s: the journal was dirty and --no-replay took the on-disk state, without "
			"what was committed only to the journal", res->container_name);
	rc = write_image(&x, base_cfg, base_len, v.image_id, config, &v, res, has_layer, err);
out:
	lb_oci_layout_close(x.layout);
	/* A pool this commit activated goes with it; one in use stays. */
	struct lb_err e2 = {0};
	const struct lb_say quiet = teardown_warnings();
	lb_rescue_teardown_idle_pools(&quiet, &e2);
	drop_live_snapshot(&x, rc ? NULL : err, &rc);
	free(chain);
	json_decref(img);
	json_decref(config);
	free(base_cfg);
	lb_docker_root_free(x.root);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}
