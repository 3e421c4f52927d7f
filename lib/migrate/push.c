/* lifeboat: pushing a container (see push.h). */
#include "migrate/push.h"

#include "docker/dataroot.h"
#include "docker/distmeta.h"
#include "migrate/staging.h"
#include "oci/digest.h"
#include "registry/push.h"
#include "util/atomic_at.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HINTS_FILE "lifeboat-hints.json"

/* Blobs the stage leaves out, and where the registry gets them. */
struct hints {
	json_t *map; /* digest -> "" (the target has it) or a source repository */
	const struct lb_push_container_opts *o;
	const char *data_root;
};

/* "host[:port]/path" as Docker wrote SourceRepository: the domain is the
 * first component when it looks like a host (Docker's rule); else docker.io. */
static void split_repository(const char *repo, char *domain, size_t dcap, const char **path)
{
	const char *slash = strchr(repo, '/');
	size_t n = slash ? (size_t)(slash - repo) : 0;
	bool hostlike = slash && (memchr(repo, '.', n) || memchr(repo, ':', n) ||
				  (n == 9 && !strncmp(repo, "localhost", 9)));
	if (hostlike) {
		snprintf(domain, dcap, "%.*s", (int)n, repo);
		*path = slash + 1;
	} else {
		snprintf(domain, dcap, "docker.io");
		*path = repo;
	}
}

static int base_layer(void *ctx, const struct lb_docker_layer *l, struct lb_commit_layer *out,
		      bool *provided, struct lb_err *err)
{
	struct hints *h = ctx;
	*provided = false;
	struct lb_distmeta dm;
	struct lb_err e2 = {0};
	if (lb_distmeta_load(h->data_root, l->diff_id, &dm, &e2))
		return LB_OK; /* built or imported here: no registry knows it */
	const struct lb_image_ref *ref = h->o->ref;
	for (size_t i = 0; i < dm.n; i++) {
		char domain[256];
		const char *path;
		split_repository(dm.v[i].repository, domain, sizeof(domain), &path);
		if (strcmp(domain, ref->domain))
			continue; /* mounts work only within one registry */
		bool exists;
		uint64_t size = 0;
		int rc = lb_registry_blob_stat(h->o->reg, ref->path, dm.v[i].digest, &exists, &size,
					       err);
		const char *from = "";
		if (!rc && !exists && strcmp(path, ref->path)) {
			char scope[700];
			snprintf(scope, sizeof(scope), "repository:%s:pull", path);
			if (lb_registry_add_scope(h->o->reg, scope, &e2) == LB_OK)
				rc = lb_registry_blob_stat(h->o->reg, path, dm.v[i].digest, &exists,
							   &size, err);
			from = path;
		}
		if (rc)
			return rc;
		if (!exists || size == 0)
			continue;
		snprintf(out->digest, sizeof(out->digest), "%s", dm.v[i].digest);
		out->size = size;
		json_object_set_new(h->map, dm.v[i].digest, json_string(from));
		*provided = true;
		return LB_OK;
	}
	return LB_OK;
}

static const char *mount_hint(void *ctx, const char *digest)
{
	struct hints *h = ctx;
	return json_string_value(json_object_get(h->map, digest));
}

static int write_hints(const char *dir, json_t *map, struct lb_err *err)
{
	char *text = json_dumps(map, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return lb_fail(err, LB_EFAIL, "out of memory");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = dfd < 0 ? lb_fail_errno(err, LB_EFAIL, errno, "%s: open", dir)
			 : lb_write_atomic_at(dfd, HINTS_FILE, text, strlen(text), "the push's hints", err);
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}

/* A stage a failed run left: its image and hints, pushed as they are. */
static int load_stage(const char *dir, json_t **map, bool *found, struct lb_err *err)
{
	char path[PATH_MAX + 32];
	*found = false;
	snprintf(path, sizeof(path), "%.*s/index.json", PATH_MAX - 1, dir);
	if (access(path, F_OK) != 0)
		return LB_OK;
	snprintf(path, sizeof(path), "%.*s/" HINTS_FILE, PATH_MAX - 1, dir);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		/* The hints are written when the commit has ended: without them
		 * the commit was cut (kill -9) and its layout is not to be
		 * trusted. Lifeboat's own files go; the commit runs again. */
		return lb_staged_layout_remove(dir, err);
	}
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	if (!json_is_object(m)) {
		json_decref(m);
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: a staged image without readable hints (%s); remove %s to commit "
			       "again",
			       dir, je.text, dir);
	}
	json_decref(*map);
	*map = m;
	*found = true;
	return LB_OK;
}

/* The spec (and volumes) after the image, under the tag its digest names;
 * staged again on a rerun (the same files, the same digests). */
static int push_carry(struct lb_push_container_opts *o, struct lb_oci_layout *l,
		      const char *data_root, const char *image_digest,
		      struct lb_push_container_result *res, struct lb_err *err)
{
	int rc = lb_carry_stage_container(lb_oci_layout_path(l), data_root, res->container_id,
					  image_digest, o->with_volumes, o->commit.threads,
					  &res->spec, &res->carry, err);
	if (!rc)
		rc = lb_carry_tag(image_digest, res->carry_tag, err);
	if (rc)
		return rc;
	struct lb_image_ref ref = *o->ref;
	snprintf(ref.tag, sizeof(ref.tag), "%s", res->carry_tag);
	ref.digest[0] = '\0';
	struct lb_image_xfer_opts x = o->xfer;
	x.layout_ref = LB_CARRY_LAYOUT_REF;
	x.mount_hint = NULL;
	x.mount_from = NULL;
	struct lb_image_xfer cx;
	rc = lb_image_push(o->reg, &ref, l, &x, &cx, err);
	res->carry_bytes_uploaded = cx.bytes_uploaded;
	lb_image_xfer_free(&cx);
	if (rc)
		lb_err_wrap(err, "the container's spec (%s)", res->carry_tag);
	return rc;
}

int lb_migrate_push_container(struct lb_push_container_opts *o, struct lb_image_xfer *xres,
			      struct lb_push_container_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	const char *root_dir = o->staging_root ? o->staging_root : LB_STAGING_ROOT;
	struct lb_docker_root *root = NULL;
	struct lb_docker_root_opts ropts = {.data_root = o->commit.data_root,
					    .daemon_json = o->commit.daemon_json};
	int rc = lb_docker_root_load(&ropts, &root, err);
	const struct lb_docker_container *ct = NULL;
	if (!rc)
		rc = lb_docker_resolve(root, o->commit.container, &ct, err);
	if (!rc) {
		snprintf(res->stage_dir, sizeof(res->stage_dir), "%s/%s", root_dir, ct->id);
		snprintf(res->container_id, sizeof(res->container_id), "%.64s", ct->id);
	}
	struct hints h = {.map = json_object(), .o = o,
			  .data_root = root ? root->data_root : NULL};
	char data_root[PATH_MAX] = "";
	if (root)
		snprintf(data_root, sizeof(data_root), "%s", root->data_root);
	h.data_root = data_root;
	lb_docker_root_free(root);
	if (!rc)
		rc = lb_mkdir_p(root_dir, 0700, err);
	if (!rc)
		rc = load_stage(res->stage_dir, &h.map, &res->reused_stage, err);
	if (!rc && !res->reused_stage) {
		o->commit.layout_dir = res->stage_dir;
		o->commit.base_layer = base_layer;
		o->commit.base_ctx = &h;
		if (o->commit_lock)
			pthread_mutex_lock(o->commit_lock);
		rc = lb_migrate_commit(&o->commit, &res->commit, err);
		if (o->commit_lock)
			pthread_mutex_unlock(o->commit_lock);
		if (!rc)
			rc = write_hints(res->stage_dir, h.map, err);
	}
	struct lb_oci_layout *l = NULL;
	if (o->push_lock)
		pthread_mutex_lock(o->push_lock);
	if (!rc)
		rc = lb_oci_layout_open(res->stage_dir, &l, err);
	if (!rc && o->push_hook)
		o->push_hook(o->hook_ctx, true, &o->xfer, false);
	if (!rc) {
		/* The stage may hold the carried artifact too: name the image. */
		o->xfer.layout_ref = o->commit.ref_name ? o->commit.ref_name : "latest";
		o->xfer.mount_hint = mount_hint;
		o->xfer.hint_ctx = &h;
		rc = lb_image_push(o->reg, o->ref, l, &o->xfer, xres, err);
	}
	if (!rc && o->with_spec)
		rc = push_carry(o, l, data_root, xres->manifest_digest, res, err);
	if (o->push_hook)
		o->push_hook(o->hook_ctx, false, &o->xfer, rc == LB_OK);
	if (o->push_lock)
		pthread_mutex_unlock(o->push_lock);
	lb_oci_layout_close(l);
	/* Pushed: a stage that cannot be removed is said, not a failure (the
	 * image is in the registry; a rerun would only push it again). */
	struct lb_err left = {0};
	if (!rc && lb_staged_layout_remove(res->stage_dir, &left))
		snprintf(res->stage_left, sizeof(res->stage_left), "%s", left.msg);
	json_decref(h.map);
	return rc;
}

int lb_migrate_push_layout(struct lb_registry *reg, const struct lb_image_ref *ref,
			   struct lb_oci_layout *l, const char *layout_name,
			   const struct lb_image_xfer_opts *xo, struct lb_image_xfer *xres,
			   char carry_tag_out[LB_CARRY_TAG_CAP], struct lb_err *err)
{
	carry_tag_out[0] = '\0';
	struct lb_image_xfer_opts o = *xo;
	o.layout_ref = layout_name;
	struct lb_carry carry = {0};
	char name[256];
	struct lb_err e2;
	bool carried = !layout_name && lb_carry_read(l, LB_CARRY_LAYOUT_REF, &carry, &e2) == LB_OK;
	int rc = LB_OK;
	if (carried) {
		rc = lb_oci_layout_name_of(l, carry.image_digest, name, sizeof(name), err);
		o.layout_ref = name;
	}
	if (!rc)
		rc = lb_image_push(reg, ref, l, &o, xres, err);
	if (!rc && carried) {
		struct lb_image_ref cref = *ref;
		cref.digest[0] = '\0';
		struct lb_image_xfer cx;
		o.layout_ref = LB_CARRY_LAYOUT_REF;
		if (!(rc = lb_carry_tag(carry.image_digest, cref.tag, err)))
			rc = lb_image_push(reg, &cref, l, &o, &cx, err);
		if (!rc)
			snprintf(carry_tag_out, LB_CARRY_TAG_CAP, "%.95s", cref.tag);
		else
			lb_err_wrap(err, "the container's spec (%s)", cref.tag);
		lb_image_xfer_free(&cx);
	}
	lb_carry_free(&carry);
	return rc;
}
