/* snapshot run: see run.h. */
#include "snapshot/run.h"
#include "docker/dataroot.h"
#include "snapshot/catalog_store.h"
#include "snapshot/live_export.h"
#include "snapshot/lookup.h"
#include "snapshot/policy.h"
#include "snapshot/prune.h"
#include "util/atomic_file.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct chain {
	char last[LB_SNAP_NAME_MAX + 1]; /* "" if nothing was exported yet */
	unsigned since_full;             /* incrementals after the last full export */
};

static void chain_load(const char *path, struct chain *c)
{
	memset(c, 0, sizeof(*c));
	json_error_t je;
	json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	const char *last = NULL;
	json_int_t n = 0;
	/* A damaged file only costs a full export. */
	if (o && !json_unpack(o, "{s:s, s:I}", "last", &last, "since_full", &n) &&
	    lb_snap_name_valid(last) && n >= 0 && n < 1000000) {
		snprintf(c->last, sizeof(c->last), "%s", last);
		c->since_full = (unsigned)n;
	}
	json_decref(o);
}

static int chain_store(const char *path, const struct chain *c, struct lb_err *err)
{
	json_t *o = json_pack("{s:s, s:I}", "last", c->last, "since_full", (json_int_t)c->since_full);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", path);
	int rc = lb_atomic_file_write(path, text, strlen(text), true, 0644, err);
	free(text);
	return rc;
}

/* The export of one fresh snapshot; fills the container's "export". */
static int export_one(const struct lb_snapshot_target *t, const struct lb_snap_policy *p,
		      const struct lb_snap_record *rec, json_t *entry, struct lb_err *err)
{
	char dir[PATH_MAX], chain_path[PATH_MAX], out[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/%s", p->export_dir, rec->container) >= (int)sizeof(dir) ||
	    snprintf(chain_path, sizeof(chain_path), "%s/chain.json", dir) >= (int)sizeof(chain_path))
		return lb_fail(err, LB_EUSAGE, "%s: export path too long", rec->container);
	int rc = lb_mkdir_p(dir, 0700, err);
	if (rc)
		return rc;
	struct chain c;
	chain_load(chain_path, &c);
	/* An incremental needs its base still in the pool. */
	bool incr = c.last[0] && c.since_full + 1 < p->full_every;
	if (incr) {
		struct lb_docker_root_opts ro = {.data_root = t->data_root, .daemon_json = t->daemon_json};
		struct lb_docker_root *root;
		struct lb_snap_record base;
		struct lb_err e = {0};
		incr = !lb_docker_root_load(&ro, &root, &e);
		if (incr) {
			incr = !lb_snapshot_lookup(root, c.last, &base, &e) &&
			       !strcmp(base.container_id, rec->container_id);
			lb_docker_root_free(root);
		}
	}
	if (snprintf(out, sizeof(out), "%s/%s%s", dir, rec->name,
		     incr ? LB_SNAP_EXPORT_SUFFIX_INCR : LB_SNAP_EXPORT_SUFFIX_FULL) >= (int)sizeof(out))
		return lb_fail(err, LB_EUSAGE, "%s: export path too long", rec->name);
	struct lb_snapshot_export_opts eo = {.name = rec->name, .base = incr ? c.last : NULL,
					     .output = out, .level = p->compress_level};
	struct lb_snapshot_export_result er;
	if ((rc = lb_snapshot_export(t, &eo, &er, err)))
		return rc;
	json_object_set_new(entry, "export",
			    json_pack("{s:s, s:s, s:s?, s:I, s:f}", "file", out, "kind",
				      incr ? "incremental" : "full", "base", incr ? c.last : NULL,
				      "bytes", (json_int_t)er.totals.stream_bytes, "seconds",
				      er.seconds));
	snprintf(c.last, sizeof(c.last), "%s", rec->name);
	c.since_full = incr ? c.since_full + 1 : 0;
	return chain_store(chain_path, &c, err);
}

static void one_container(const struct lb_snapshot_target *t, const struct lb_snap_policy *p,
			  const char *container, json_t *list, size_t *failed)
{
	json_t *entry = json_pack("{s:s}", "container", container);
	struct lb_snapshot_create_result cr;
	struct lb_err err = {0};
	int rc = lb_snapshot_create(t, container, NULL, &cr, &err);
	if (!rc) {
		json_object_set_new(entry, "snapshot", json_string(cr.rec.name));
		json_object_set_new(entry, "freeze_us", json_integer((json_int_t)cr.rec.freeze_us));
		if (p->has_export)
			rc = export_one(t, p, &cr.rec, entry, &err);
	}
	if (!rc && p->has_keep) {
		struct lb_prune_totals tot;
		rc = lb_snapshot_prune(t, &p->keep, container, false, NULL, NULL, &tot, &err);
		json_object_set_new(entry, "pruned", json_integer((json_int_t)tot.removed));
		json_object_set_new(entry, "kept", json_integer((json_int_t)tot.kept));
	}
	if (rc) {
		json_object_set_new(entry, "error", json_string(err.msg));
		json_object_set_new(entry, "exit", json_integer(rc));
		(*failed)++;
	}
	json_array_append_new(list, entry);
}

/* The containers a policy names: its list, or every container with a
 * usable device. */
static int container_names(const struct lb_snapshot_target *t, const struct lb_snap_policy *p,
			   json_t *names, struct lb_err *err)
{
	if (!p->all_containers) {
		for (size_t i = 0; i < p->n_containers; i++)
			json_array_append_new(names, json_string(p->containers[i]));
		return LB_OK;
	}
	struct lb_docker_root_opts ro = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	int rc = lb_docker_root_load(&ro, &root, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < root->n_containers; i++) {
		struct lb_docker_view v;
		lb_docker_view_of(root, &root->containers[i], &v);
		if (v.device_ok && !v.deleted && !v.name_rejected && v.name[0])
			json_array_append_new(names, json_string(v.name + (v.name[0] == '/')));
	}
	lb_docker_root_free(root);
	return LB_OK;
}

static int take_run_lock(const struct lb_snapshot_target *t, int *fd_out, struct lb_err *err)
{
	struct lb_docker_root_opts ro = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	char dir[PATH_MAX], path[PATH_MAX];
	int rc = lb_docker_root_load(&ro, &root, err);
	if (rc)
		return rc;
	rc = lb_snap_catalog_dir(root->driver_home, dir, err);
	lb_docker_root_free(root);
	if (rc || (rc = lb_mkdir_p(dir, 0700, err)))
		return rc;
	snprintf(path, sizeof(path), "%.*s/run.lock", PATH_MAX - 16, dir);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: open", path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return lb_fail(err, LB_EUNSAFE, "another snapshot run holds %s", path);
		return lb_fail_errno(err, LB_EFAIL, e, "%s: flock", path);
	}
	*fd_out = fd;
	return LB_OK;
}

int lb_snapshot_run(const struct lb_snapshot_target *t, const char *policy_path,
		    json_t **summary, struct lb_err *err)
{
	*summary = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	time_t started = time(NULL);
	struct lb_snap_policy p;
	int rc = lb_snap_policy_load(policy_path, &p, err);
	if (rc)
		return rc;
	int lock_fd = -1;
	json_t *names = json_array(), *list = json_array();
	if ((rc = take_run_lock(t, &lock_fd, err)) || (rc = container_names(t, &p, names, err)))
		goto out;
	size_t failed = 0, i;
	json_t *name;
	json_array_foreach(names, i, name)
		one_container(t, &p, json_string_value(name), list, &failed);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	*summary = json_pack("{s:s, s:s, s:f, s:O, s:I}", "policy", policy_path, "started", when,
			     "seconds",
			     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			     "containers", list, "failed", (json_int_t)failed);
	if (failed)
		rc = lb_fail(err, LB_EFAIL, "%zu of %zu containers failed", failed,
			     json_array_size(names));
out:
	if (lock_fd >= 0)
		close(lock_fd);
	json_decref(names);
	json_decref(list);
	lb_snap_policy_free(&p);
	return rc;
}
