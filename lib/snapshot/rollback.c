/* snapshot rollback: see rollback.h. */
#include "snapshot/rollback.h"
#include "docker/dataroot.h"
#include "docker/dockerd.h"
#include "snapshot/catalog_store.h"
#include "snapshot/poolview.h"
#include "util/atomic_file.h"
#include "util/nofollow.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL "rollback.json"
#define MAX_DEVICE_FILE 4096

struct journal {
	char container_id[LB_SNAP_CONTAINER_ID_HEX + 1];
	char hash[LB_SNAP_HASH_MAX + 1];
	char snapshot[LB_SNAP_NAME_MAX + 1];
	uint32_t old_id, new_id;
	char backup[PATH_MAX];
	bool discard_current;
};

static int write_json_file(const char *path, json_t *obj, struct lb_err *err)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!text)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", path);
	int rc = lb_atomic_file_write(path, text, strlen(text), true, 0600, err);
	free(text);
	return rc;
}

/* A small JSON file read without following links. */
static int read_json_file(const char *path, json_t **out, struct lb_err *err)
{
	int fd;
	int rc = lb_open_file_nofollow(path, &fd, err);
	if (rc)
		return rc;
	char buf[MAX_DEVICE_FILE + 1];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: read", path);
	if (n > MAX_DEVICE_FILE)
		return lb_fail(err, LB_EINTEGRITY, "%s: larger than %d bytes", path, MAX_DEVICE_FILE);
	json_error_t je;
	*out = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return lb_fail(err, LB_EINTEGRITY, "%s: not a JSON object (%s)", path, je.text);
	}
	return LB_OK;
}

static int journal_store(const char *path, const struct journal *j, struct lb_err *err)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:s, s:b}", "version", 1,
			      "container_id", j->container_id, "hash", j->hash, "snapshot",
			      j->snapshot, "old_id", (json_int_t)j->old_id, "new_id",
			      (json_int_t)j->new_id, "backup", j->backup, "discard_current",
			      j->discard_current);
	int rc = write_json_file(path, o, err);
	json_decref(o);
	return rc;
}

/* LB_ENOTFOUND when there is no journal. */
static int journal_load(const char *path, struct journal *j, struct lb_err *err)
{
	memset(j, 0, sizeof(*j));
	if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return LB_ENOTFOUND;
	json_t *o;
	int rc = read_json_file(path, &o, err);
	if (rc)
		return rc;
	const char *cid, *hash, *snap, *backup;
	json_int_t ver, old_id, new_id;
	int discard;
	if (json_unpack(o, "{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:b}", "version", &ver,
			"container_id", &cid, "hash", &hash, "snapshot", &snap, "old_id", &old_id,
			"new_id", &new_id, "backup", &backup, "discard_current", &discard) ||
	    ver != 1 || old_id <= 0 || new_id <= 0 || old_id > 0xffffff || new_id > 0xffffff ||
	    strlen(cid) > LB_SNAP_CONTAINER_ID_HEX || strlen(hash) > LB_SNAP_HASH_MAX ||
	    strlen(snap) > LB_SNAP_NAME_MAX || strlen(backup) >= PATH_MAX) {
		json_decref(o);
		return lb_fail(err, LB_EINTEGRITY, "%s: not a rollback journal of this lifeboat", path);
	}
	snprintf(j->container_id, sizeof(j->container_id), "%s", cid);
	snprintf(j->hash, sizeof(j->hash), "%s", hash);
	snprintf(j->snapshot, sizeof(j->snapshot), "%s", snap);
	snprintf(j->backup, sizeof(j->backup), "%s", backup);
	j->old_id = (uint32_t)old_id;
	j->new_id = (uint32_t)new_id;
	j->discard_current = discard;
	json_decref(o);
	return LB_OK;
}

/* Docker's device file <metadata>/<hash>: backed up once (the copy is the
 * journal's `backup`), then its device_id set to new_id unless it is already. */
static int retarget_device_file(const struct lb_docker_root *root, const struct journal *j,
				bool *changed, struct lb_err *err)
{
	char path[PATH_MAX];
	*changed = false;
	if (snprintf(path, sizeof(path), "%s/%s", root->metadata_dir, j->hash) >= (int)sizeof(path))
		return lb_fail(err, LB_EUSAGE, "%s: path too long", j->hash);
	json_t *o;
	int rc = read_json_file(path, &o, err);
	if (rc)
		return rc;
	json_int_t id = json_integer_value(json_object_get(o, "device_id"));
	if (id == (json_int_t)j->new_id) {
		json_decref(o);
		return LB_OK;
	}
	if (id != (json_int_t)j->old_id) {
		json_decref(o);
		return lb_fail(err, LB_EUNSAFE,
			       "%s: device_id is %lld, neither the old %" PRIu32 " nor the new %" PRIu32
			       "; left alone",
			       path, (long long)id, j->old_id, j->new_id);
	}
	if (faccessat(AT_FDCWD, j->backup, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		rc = write_json_file(j->backup, o, err);
	if (!rc) {
		/* Only the id changes; Docker's key order and other fields stay. */
		json_object_set_new(o, "device_id", json_integer((json_int_t)j->new_id));
		rc = write_json_file(path, o, err);
	}
	json_decref(o);
	*changed = !rc;
	return rc;
}

static int message_id(struct lb_livepool *p, const char *verb, uint32_t a, uint32_t b,
		      struct lb_err *err)
{
	char msg[64];
	if (b)
		snprintf(msg, sizeof(msg), "%s %" PRIu32 " %" PRIu32, verb, a, b);
	else
		snprintf(msg, sizeof(msg), "%s %" PRIu32, verb, a);
	return lb_livepool_message(p, msg, err);
}

/* The old device, kept as a snapshot of the container's. */
static int keep_old(struct lb_snap_catalog *cat, const struct journal *j,
		    const struct lb_snap_record *snap, char kept[LB_SNAP_NAME_MAX + 1],
		    struct lb_err *err)
{
	struct lb_snap_record r = {0};
	if (lb_snap_catalog_find_device(cat, j->old_id)) {
		snprintf(kept, LB_SNAP_NAME_MAX + 1, "%s",
			 lb_snap_catalog_find_device(cat, j->old_id)->name);
		return LB_OK;
	}
	int64_t now = (int64_t)time(NULL);
	int rc = lb_snap_default_name(cat, snap->container, now, r.name, err);
	if (rc)
		return rc;
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return lb_fail_errno(err, LB_EFAIL, errno, "getrandom");
	lb_snap_uuid_from_bytes(rnd, r.uuid);
	snprintf(r.container, sizeof(r.container), "%s", snap->container);
	snprintf(r.container_id, sizeof(r.container_id), "%s", j->container_id);
	snprintf(r.origin_hash, sizeof(r.origin_hash), "%s", j->hash);
	r.device_id = j->old_id;
	r.origin_device_id = j->new_id;
	r.size_bytes = snap->size_bytes;
	r.created_unix = now;
	r.state = LB_SNAP_READY;
	if ((rc = lb_snap_catalog_add(cat, &r, err)))
		return rc;
	snprintf(kept, LB_SNAP_NAME_MAX + 1, "%s", r.name);
	return LB_OK;
}

struct rb_ctx {
	const struct lb_snapshot_target *t;
	struct lb_docker_root *root;
	char dir[PATH_MAX], journal[PATH_MAX];
	struct lb_snap_catalog cat;
	struct lb_livepool pool;
	struct lb_poolview pv;
};

static int run_steps(struct rb_ctx *x, struct journal *j, const struct lb_snap_record *snap,
		     struct lb_snapshot_rollback_result *res, struct lb_err *err)
{
	int rc;
	/* 2: the snapshot of the snapshot, unless the pool has it already. */
	if (!lb_poolview_has(&x->pv, j->new_id) &&
	    (rc = message_id(&x->pool, "create_snap", j->new_id, snap->device_id, err)))
		return rc;
	/* 3: Docker's device file onto it. */
	bool changed;
	if ((rc = retarget_device_file(x->root, j, &changed, err)))
		return lb_err_wrap(err, "rollback of %s: device %" PRIu32 " made, file not changed",
				   snap->container, j->new_id);
	/* 4: the state before, kept or (asked for) deleted. */
	if (j->discard_current) {
		if (lb_poolview_has(&x->pv, j->old_id) &&
		    (rc = message_id(&x->pool, "delete", j->old_id, 0, err)))
			return rc;
	} else if ((rc = keep_old(&x->cat, j, snap, res->kept_as, err)) ||
		   (rc = lb_snap_catalog_store(x->dir, &x->cat, err))) {
		return rc;
	}
	/* 5 */
	if (unlink(x->journal) != 0 && errno != ENOENT)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: remove", x->journal);
	return LB_OK;
}

int lb_snapshot_rollback(const struct lb_snapshot_target *t, const char *container,
			 const char *name, bool discard_current,
			 struct lb_snapshot_rollback_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	struct rb_ctx x = {.t = t};
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_snap_lock lk = {.fd = -1};
	bool cat_loaded = false, pool_open = false;
	sigset_t old;
	int rc = lb_docker_root_load(&ropts, &x.root, err);
	if (rc)
		return rc;
	if (lb_docker_dockerd_on(x.root) > 0) {
		rc = lb_fail(err, LB_EUNSAFE,
			     "dockerd runs on %s: stop it first (its cached device ids would "
			     "go stale)",
			     x.root->data_root);
		goto out;
	}
	const struct lb_docker_container *ct;
	struct lb_docker_view v;
	if ((rc = lb_docker_resolve(x.root, container, &ct, err)))
		goto out;
	lb_docker_view_of(x.root, ct, &v);
	if (!lb_docker_view_has_device(&v)) {
		rc = lb_fail(err, v.code ? v.code : LB_ENOTFOUND, "%s: no usable device record",
			     v.id);
		goto out;
	}
	snprintf(res->container, sizeof(res->container), "%s", v.name + (v.name[0] == '/'));
	if ((rc = lb_snap_catalog_dir(x.root->driver_home, x.dir, err)) ||
	    (rc = lb_snap_catalog_lock(x.dir, &lk, err)))
		goto out;
	snprintf(x.journal, sizeof(x.journal), "%.*s/" JOURNAL, PATH_MAX - 16, x.dir);
	if ((rc = lb_snap_catalog_load(x.dir, x.root->pool_name, &x.cat, err)))
		goto out;
	cat_loaded = true;
	const struct lb_snap_record *found = lb_snap_catalog_find_name(&x.cat, name);
	if (!found) {
		rc = lb_fail(err, LB_ENOTFOUND, "no snapshot named %s", name);
		goto out;
	}
	struct lb_snap_record snap = *found;
	struct journal j;
	int jrc = journal_load(x.journal, &j, err);
	if (jrc && jrc != LB_ENOTFOUND) {
		rc = jrc;
		goto out;
	}
	if (!jrc && (strcmp(j.container_id, v.id) || strcmp(j.snapshot, name))) {
		rc = lb_fail(err, LB_EUNSAFE,
			     "%s: an interrupted rollback of container %.12s to %s; finish it first "
			     "by running that rollback again",
			     x.journal, j.container_id, j.snapshot);
		goto out;
	}
	res->resumed = !jrc;
	if (strcmp(snap.container_id, v.id)) {
		rc = lb_fail(err, LB_EUSAGE, "snapshot %s is of container %.12s, not %s", name,
			     snap.container_id, container);
		goto out;
	}
	if (!res->resumed && strcmp(snap.origin_hash, v.device_hash)) {
		rc = lb_fail(err, LB_EUNSAFE,
			     "%s: its device is %s now, the snapshot was of %s; not rolled back",
			     container, v.device_hash, snap.origin_hash);
		goto out;
	}
	if (snap.state != LB_SNAP_READY) {
		rc = lb_fail(err, LB_EUNSAFE, "snapshot %s is %s; run snapshot ls first", name,
			     snap.state == LB_SNAP_IMPORTING ? "an import that did not finish"
							     : "pending");
		goto out;
	}
	lb_livepool_block_signals(&old);
	if ((rc = lb_livepool_open(x.root, true, t->say, t->say_ctx, &x.pool, err)))
		goto out_sig;
	pool_open = true;
	struct lb_dm_info info;
	if ((rc = lb_dm_info(v.device_name, &info, err)))
		goto out_pool;
	if (info.exists) {
		rc = lb_fail(err, LB_EUNSAFE, "%s: its device %s is active; unmount it first",
			     container, v.device_name);
		goto out_pool;
	}
	if ((rc = lb_poolview_read_live(&x.pool, &x.pv, err)))
		goto out_pool;
	if (!lb_poolview_has(&x.pv, snap.device_id)) {
		rc = lb_fail(err, LB_ENOTFOUND, "snapshot %s: device %" PRIu32 " is not in the pool",
			     name, snap.device_id);
		goto out_pool;
	}
	if (!res->resumed) {
		memset(&j, 0, sizeof(j));
		snprintf(j.container_id, sizeof(j.container_id), "%s", v.id);
		snprintf(j.hash, sizeof(j.hash), "%s", v.device_hash);
		snprintf(j.snapshot, sizeof(j.snapshot), "%s", name);
		j.old_id = v.device_id;
		j.discard_current = discard_current;
		if ((rc = lb_poolview_pick_id(x.root, &x.pv, &x.cat, &j.new_id, err)))
			goto out_pool;
		char stamp[32];
		time_t now = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
		snprintf(j.backup, sizeof(j.backup), "%.*s/rollback-%.20s-%.12s.device.json",
			 PATH_MAX - 80, x.dir, stamp, v.device_hash);
		if ((rc = journal_store(x.journal, &j, err)))
			goto out_pool;
	}
	res->old_id = j.old_id;
	res->new_id = j.new_id;
	snprintf(res->backup, sizeof(res->backup), "%s", j.backup);
	rc = run_steps(&x, &j, &snap, res, err);
out_pool:
	if (pool_open) {
		struct lb_err e2 = {0};
		int rc2 = lb_livepool_close(&x.pool, rc ? &e2 : err);
		if (!rc)
			rc = rc2;
	}
out_sig:
	lb_livepool_restore_signals(&old);
out:
	lb_poolview_free(&x.pv);
	if (cat_loaded)
		lb_snap_catalog_free(&x.cat);
	lb_snap_catalog_unlock(&lk);
	lb_docker_root_free(x.root);
	return rc;
}
