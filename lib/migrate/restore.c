/* lifeboat migrate restore (see restore.h). */
#include "migrate/restore.h"
#include "util/say.h"
#include "engine/engine.h"
#include "migrate/archive.h"
#include "migrate/carry.h"
#include "migrate/plan.h"
#include "migrate/spec.h"
#include "migrate/spec_warn.h"
#include "migrate/staging.h"
#include "oci/layout.h"
#include "registry/image.h"
#include "registry/pull.h"
#include "registry/ref.h"
#include "util/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct created {
	char container_id[65];
	char volumes[64][256];
	size_t n_volumes;
};

/* say(o, ...): an operator line through the caller's callback (util/say.h). */
#define say(o, ...) lb_sayf((o)->say, (o)->say_ctx, __VA_ARGS__)

/* Undoes this run's creations, newest first; the error that made us undo is
 * the one reported, so failures here only add a warning. */
static void undo(struct lb_engine *e, struct created *c, struct lb_restore_result *res)
{
	struct lb_err e2 = {0};
	if (c->container_id[0] && lb_engine_container_remove(e, c->container_id, true, false, &e2))
		json_array_append_new(res->warnings, json_sprintf("not removed: %s", e2.msg));
	for (size_t i = c->n_volumes; i-- > 0;)
		if (lb_engine_volume_remove(e, c->volumes[i], true, &e2))
			json_array_append_new(res->warnings, json_sprintf("not removed: %s", e2.msg));
}

/* The artifact the push left beside the image, pulled into a stage of our
 * own; the image's digest is REF's as the registry serves it now. */
static int fetch_carry(const struct lb_restore_opts *o, const struct lb_image_ref *ref,
		       struct lb_registry **reg, char stage[PATH_MAX], struct lb_carry *carry,
		       struct lb_restore_result *res, struct lb_err *err)
{
	int rc = lb_registry_connect(ref, &o->conn, reg, err);
	struct lb_manifest m = {0};
	if (!rc)
		rc = lb_pull_manifest(*reg, ref->path, lb_image_ref_reference(ref), NULL, &m, err);
	if (rc)
		return rc;
	snprintf(res->image_digest, sizeof(res->image_digest), "%s", m.digest);
	lb_manifest_free(&m);
	if (o->want_digest && strcmp(o->want_digest, res->image_digest))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s/%s:%s is %s now, the plan recorded %s: the tag was moved",
			       ref->domain, ref->path, lb_image_ref_reference(ref), res->image_digest,
			       o->want_digest);
	struct lb_image_ref cref = *ref;
	if ((rc = lb_carry_tag(res->image_digest, cref.tag, err)))
		return rc;
	cref.digest[0] = '\0';
	const char *root = o->stage_root ? o->stage_root : LB_RESTORE_STAGE_ROOT;
	snprintf(stage, PATH_MAX, "%s/%s", root, res->image_digest + 7);
	struct lb_oci_layout *l = NULL;
	if ((rc = lb_mkdir_p(root, 0700, err)) || (rc = lb_oci_layout_create(stage, &l, err)))
		return rc;
	struct lb_image_xfer_opts xo = {.jobs = 3, .state_fd = -1};
	struct lb_image_xfer x;
	rc = lb_image_pull(*reg, &cref, l, &xo, &x, err);
	lb_image_xfer_free(&x);
	if (rc == LB_ENOTFOUND)
		lb_err_wrap(err, "%s/%s: no container spec beside image %s (tag %s): was it "
				 "pushed by 'lifeboat migrate push <container>'?",
			    ref->domain, ref->path, res->image_digest, cref.tag);
	if (!rc)
		rc = lb_carry_read(l, cref.tag, carry, err);
	if (!rc && strcmp(carry->image_digest, res->image_digest))
		rc = lb_fail(err, LB_EINTEGRITY, "%s/%s:%s: the spec names image %s, not %s",
			     ref->domain, ref->path, cref.tag, carry->image_digest,
			     res->image_digest);
	lb_oci_layout_close(l);
	return rc;
}

/* {"username","password","serveraddress"} as the engine wants it (it does
 * the registry's token dance itself); NULL when anonymous. */
static json_t *registry_auth(struct lb_registry *reg)
{
	const struct lb_creds *c = lb_registry_creds(reg);
	if (!c->have)
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "username", c->user, "password", c->pass,
			 "serveraddress", lb_registry_domain(reg));
}

/* Whether the engine's image `image_id` is `repo@digest`. */
static bool image_has_digest(struct lb_engine *e, const char *image_id, const char *repo_at_digest)
{
	json_t *img = NULL;
	struct lb_err e2;
	if (lb_engine_image_inspect(e, image_id, &img, &e2))
		return false;
	bool found = false;
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(img, "RepoDigests"), i, d)
		if (json_is_string(d) && !strcmp(json_string_value(d), repo_at_digest))
			found = true;
	json_decref(img);
	return found;
}

/* The engine pulls by the name the operator gave, then must hold exactly
 * the digest we read from the registry (a tag moved in between is caught). */
static int engine_pull(struct lb_engine *e, struct lb_registry *reg, const char *repo_at_digest, struct lb_restore_result *res, struct lb_err *err)
{
	json_t *auth = registry_auth(reg);
	int rc = lb_engine_image_pull(e, res->image_ref, auth, NULL, NULL, err);
	json_decref(auth);
	if (rc)
		return rc;
	if (!image_has_digest(e, res->image_ref, repo_at_digest))
		return lb_fail(err, LB_EINTEGRITY, "%s: the engine's image is not %s", res->image_ref,
			       repo_at_digest);
	return LB_OK;
}

static int make_volumes(const struct lb_restore_opts *o, struct lb_engine *e, json_t *spec,
			struct created *c, bool *fill, struct lb_restore_result *res,
			struct lb_err *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *driver = json_string_value(json_object_get(v, "driver"));
		json_t *have = NULL;
		fill[i] = false;
		int rc = lb_engine_volume_inspect(e, name, &have, err);
		json_decref(have);
		if (rc == LB_OK) {
			if (!o->replace)
				return lb_fail(err, LB_EUNSAFE,
					       "volume %s exists on the target; remove it, or use "
					       "--replace to keep it as it is (not filled)",
					       name);
			json_array_append_new(
				res->changes,
				json_pack("{s:s, s:s, s:s, s:s}", "field", "volume", "action", "kept",
					  "to", name, "why",
					  "--replace: the target's volume is used as it is, not filled"));
			continue;
		}
		if (rc != LB_ENOTFOUND)
			return rc;
		if (c->n_volumes >= sizeof(c->volumes) / sizeof(c->volumes[0]))
			return lb_fail(err, LB_EUSAGE, "more than %zu volumes",
				       sizeof(c->volumes) / sizeof(c->volumes[0]));
		json_t *made = NULL;
		if ((rc = lb_engine_volume_create(e, name, driver ? driver : "local",
						  json_object_get(v, "labels"), &made, err)))
			return rc;
		json_decref(made);
		snprintf(c->volumes[c->n_volumes++], sizeof(c->volumes[0]), "%s", name);
		res->volumes_created++;
		fill[i] = true;
		say(o, "volume %s created", name);
	}
	return LB_OK;
}

static int fill_volumes(const struct lb_restore_opts *o, struct lb_engine *e, const char *stage,
			const struct lb_carry *carry, json_t *spec, const bool *fill,
			struct lb_restore_result *res, struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	int rc = lb_oci_layout_open(stage, &l, err);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		if (rc)
			break;
		const char *name = json_string_value(json_object_get(v, "name"));
		const struct lb_carry_volume *cv = NULL;
		for (size_t k = 0; k < carry->n_volumes; k++)
			if (!strcmp(carry->volumes[k].name, name))
				cv = &carry->volumes[k];
		if (!cv) {
			json_array_append_new(res->warnings,
					      json_sprintf("volume %s: its data was not carried "
							   "(pushed without --with-volumes): "
							   "created empty",
							   name));
			continue;
		}
		if (!fill[i])
			continue;
		int fd;
		uint64_t size;
		if ((rc = lb_oci_layout_blob_open(l, cv->digest, &fd, &size, err)))
			break;
		rc = lb_engine_container_put_archive(e, res->container_id, cv->destination, fd, err);
		close(fd);
		if (rc)
			lb_err_wrap(err, "volume %s at %s", name, cv->destination);
		else {
			res->volumes_filled++;
			say(o, "volume %s filled at %s (%llu bytes compressed)", name,
			    cv->destination, (unsigned long long)size);
		}
	}
	lb_oci_layout_close(l);
	return rc;
}

static int rename_container(struct lb_engine *e, const char *id, const char *name,
			    struct lb_err *err)
{
	char esc[800], path[1000];
	int rc = lb_engine_escape(name, false, esc, sizeof(esc), err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/containers/%s/rename?name=%s", id, esc);
	return lb_engine_call(e, "POST", path, NULL, NULL, NULL, err);
}

/* The create call takes one network; the others the source was on are
 * joined by name before the first start, with the user's aliases. */
static int connect_networks(struct lb_engine *e, const json_t *spec, const char *id,
			    struct lb_err *err)
{
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(spec, "networks"), i, n) {
		if (json_is_true(json_object_get(n, "primary")))
			continue;
		char esc[800], path[1000];
		int rc = lb_engine_escape(json_string_value(json_object_get(n, "name")), false, esc,
					  sizeof(esc), err);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "/networks/%s/connect", esc);
		json_t *body = json_pack("{s:s, s:{s:O}}", "Container", id, "EndpointConfig", "Aliases",
					 json_object_get(n, "aliases"));
		rc = body ? lb_engine_call(e, "POST", path, body, NULL, NULL, err)
			  : lb_fail(err, LB_EFAIL, "out of memory");
		json_decref(body);
		if (rc)
			return lb_err_wrap(err, "network %s", json_string_value(json_object_get(n, "name")));
	}
	return LB_OK;
}

static int verify_volumes(const char *dir, const struct lb_carry *carry, struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	int rc = lb_oci_layout_open(dir, &l, err);
	for (size_t i = 0; !rc && i < carry->n_volumes; i++)
		if ((rc = lb_oci_layout_blob_verify(l, carry->volumes[i].digest, err)))
			lb_err_wrap(err, "volume %s", carry->volumes[i].name);
	lb_oci_layout_close(l);
	return rc;
}

static bool is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The names of the lifeboat/ layout an archive may hold, and nothing else:
 * no name from the archive reaches a path otherwise. */
static bool carry_entry_name(const char *rest)
{
	if (!strcmp(rest, "oci-layout") || !strcmp(rest, "index.json"))
		return true;
	if (strncmp(rest, "blobs/sha256/", 13) || strlen(rest + 13) != 64)
		return false;
	for (const char *p = rest + 13; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int unpack_entry(struct archive *a, int stage_fd, const char *rest, const char *what,
			struct lb_err *err)
{
	int fd = openat(stage_fd, rest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return lb_fail_errno(err, errno == EEXIST ? LB_EINTEGRITY : LB_EFAIL, errno,
				     "%s: lifeboat/%s%s", what, rest,
				     errno == EEXIST ? ": twice in the archive" : "");
	char buf[1 << 16];
	la_ssize_t n;
	int rc = LB_OK;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: unpacking lifeboat/%s", what,
					   rest);
			break;
		}
	if (!rc && n < 0)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: lifeboat/%s: %s", what, rest,
			     archive_error_string(a));
	close(fd);
	return rc;
}

/* A docker-archive 'migrate commit --format docker-archive --with-spec'
 * wrote: manifest.json names the image (RepoTags[0]); lifeboat/ holds the
 * spec and volumes as an OCI layout, unpacked into a stage of our own and
 * read from there (every digest checked before use). */
static int read_archive(const struct lb_restore_opts *o, char stage[PATH_MAX],
			struct lb_carry *carry, struct lb_restore_result *res, struct lb_err *err)
{
	const char *root = o->stage_root ? o->stage_root : LB_RESTORE_STAGE_ROOT;
	int rc = lb_mkdir_p(root, 0700, err);
	if (rc)
		return rc;
	snprintf(stage, PATH_MAX, "%s/archive-XXXXXX", root);
	if (!mkdtemp(stage)) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: mkdtemp", stage);
		stage[0] = '\0';
		return rc;
	}
	int sfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || mkdirat(sfd, "blobs", 0700) || mkdirat(sfd, "blobs/sha256", 0700)) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: mkdir", stage);
		if (sfd >= 0)
			close(sfd);
		return rc;
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a); /* docker save | gzip, too */
	archive_read_support_format_tar(a);
	char *manifest = NULL;
	size_t mlen = 0;
	if (archive_read_open_filename(a, o->source, 1 << 16) != ARCHIVE_OK)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: not a tar: %s", o->source,
			     archive_error_string(a));
	struct archive_entry *ent;
	int r = ARCHIVE_EOF;
	while (!rc && (r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		if (!name || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		if (!strncmp(name, "./", 2))
			name += 2;
		if (!strcmp(name, "manifest.json") && !manifest) {
			la_int64_t sz = archive_entry_size(ent);
			if (sz < 0 || sz > (la_int64_t)LB_OCI_SMALL_MAX || !(manifest = malloc((size_t)sz + 1)))
				rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest.json of %lld bytes",
					     o->source, (long long)sz);
			else if (archive_read_data(a, manifest, (size_t)sz) != sz)
				rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest.json: %s", o->source,
					     archive_error_string(a));
			mlen = (size_t)(sz < 0 ? 0 : sz);
		} else if (!strncmp(name, LB_CARRY_ARCHIVE_DIR, strlen(LB_CARRY_ARCHIVE_DIR)) &&
			   carry_entry_name(name + strlen(LB_CARRY_ARCHIVE_DIR)))
			rc = unpack_entry(a, sfd, name + strlen(LB_CARRY_ARCHIVE_DIR), o->source, err);
	}
	if (!rc && r != ARCHIVE_EOF)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: %s", o->source, archive_error_string(a));
	archive_read_free(a);
	close(sfd);
	json_t *m = !rc && manifest ? json_loadb(manifest, mlen, 0, NULL) : NULL;
	const char *tag = json_string_value(
		json_array_get(json_object_get(json_array_get(m, 0), "RepoTags"), 0));
	if (!rc && !manifest)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: no manifest.json: not a docker-archive",
			     o->source);
	else if (!rc && !tag)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest.json names no image tag (RepoTags)",
			     o->source);
	if (!rc)
		snprintf(res->image_ref, sizeof(res->image_ref), "%s", tag);
	json_decref(m);
	free(manifest);
	struct lb_oci_layout *l = NULL;
	if (!rc)
		rc = lb_oci_layout_open(stage, &l, err);
	if (rc == LB_ENOTFOUND || (!rc && (rc = lb_carry_read(l, LB_CARRY_LAYOUT_REF, carry, err)) ==
						  LB_ENOTFOUND))
		lb_err_wrap(err, "%s: no container spec in the archive (commit it with --with-spec)",
			    o->source);
	lb_oci_layout_close(l);
	if (!rc)
		snprintf(res->image_digest, sizeof(res->image_digest), "%s", carry->image_digest);
	return rc;
}

/* The operator's archive itself to POST /images/load (docker load ignores
 * lifeboat/); the engine checks every layer's diff id. */
static int engine_load_file(struct lb_engine *e, const char *path, struct lb_restore_result *res,
			    struct lb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", path);
	int rc = lb_engine_image_load(e, fd, NULL, NULL, err);
	close(fd);
	json_t *img = NULL;
	if (!rc && (rc = lb_engine_image_inspect(e, res->image_ref, &img, err)))
		lb_err_wrap(err, "the engine loaded %s but has no %s", path, res->image_ref);
	json_decref(img);
	return rc;
}

static bool is_layout_dir(const char *path)
{
	char marker[PATH_MAX + 16];
	struct stat st;
	snprintf(marker, sizeof(marker), "%s/oci-layout", path);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(marker, F_OK) == 0;
}

/* A layout 'migrate commit --with-spec' wrote: the artifact under its ref,
 * and the image it names, which the engine is given as a docker-archive
 * tagged with the layout's name for it ("web:moved" as it is; "latest"
 * becomes "<container>:latest"). */
static int read_layout(const struct lb_restore_opts *o, char stage[PATH_MAX],
		       struct lb_carry *carry, struct lb_restore_result *res, struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	char name[256];
	snprintf(stage, PATH_MAX, "%s", o->source);
	int rc = lb_oci_layout_open(o->source, &l, err);
	if (!rc && (rc = lb_carry_read(l, LB_CARRY_LAYOUT_REF, carry, err)) == LB_ENOTFOUND)
		lb_err_wrap(err, "no container spec in the layout (commit it with --with-spec)");
	if (!rc)
		rc = lb_oci_layout_name_of(l, carry->image_digest, name, sizeof(name), err);
	lb_oci_layout_close(l);
	if (rc)
		return rc;
	snprintf(res->image_digest, sizeof(res->image_digest), "%s", carry->image_digest);
	const char *src = json_string_value(json_object_get(json_object_get(carry->spec, "source"), "name"));
	if (strchr(name, ':') || !src || !src[0])
		snprintf(res->image_ref, sizeof(res->image_ref), "%s", name);
	else
		snprintf(res->image_ref, sizeof(res->image_ref), "%.200s:%.200s", src[0] == '/' ? src + 1 : src,
			 name);
	return LB_OK;
}

/* docker-archive from the layout into a temporary file, streamed to
 * POST /images/load, removed; the engine checks every layer's diff id. */
static int engine_load(const struct lb_restore_opts *o, struct lb_engine *e, const char *layout,
		       struct lb_restore_result *res, struct lb_err *err)
{
	const char *root = o->stage_root ? o->stage_root : LB_RESTORE_STAGE_ROOT;
	char tmp[PATH_MAX], ref_name[256];
	struct lb_oci_layout *l = NULL;
	int rc = lb_mkdir_p(root, 0700, err);
	if (!rc)
		rc = lb_oci_layout_open(layout, &l, err);
	if (!rc)
		rc = lb_oci_layout_name_of(l, res->image_digest, ref_name, sizeof(ref_name), err);
	lb_oci_layout_close(l);
	snprintf(tmp, sizeof(tmp), "%s/%.64s.docker-archive.tar", root, res->image_digest + 7);
	if (!rc)
		rc = lb_docker_archive_from_layout(layout, ref_name, tmp, res->image_ref, false, err);
	int fd = rc ? -1 : open(tmp, O_RDONLY | O_CLOEXEC);
	if (!rc && fd < 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: open", tmp);
	if (!rc)
		rc = lb_engine_image_load(e, fd, NULL, NULL, err);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	json_t *img = NULL;
	if (!rc && (rc = lb_engine_image_inspect(e, res->image_ref, &img, err)))
		lb_err_wrap(err, "the engine loaded the archive but has no %s", res->image_ref);
	json_decref(img);
	return rc;
}

static const char *source_name(const json_t *spec)
{
	const char *n = json_string_value(json_object_get(json_object_get(spec, "source"), "name"));
	return n && n[0] == '/' ? n + 1 : n ? n : "";
}

/* The spec fitted to what this engine has (its log drivers; podman), with
 * the image it pulled; every edit, the push's and ours, is a change. */
static int adapt(struct lb_engine *e, json_t *spec, const char *image_ref, json_t **body,
		 struct lb_restore_result *res, struct lb_err *err)
{
	json_t *info = NULL;
	const char *drivers[64];
	size_t n = 0, i;
	json_t *d;
	int rc = lb_engine_call(e, "GET", "/info", NULL, NULL, &info, err);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(json_object_get(info, "Plugins"), "Log"), i, d)
		if (json_is_string(d) && n < sizeof(drivers) / sizeof(drivers[0]))
			drivers[n++] = json_string_value(d);
	struct lb_spec_target t = {.log_drivers = drivers, .n_log_drivers = n,
				   .is_podman = lb_engine_is_podman(e)};
	rc = lb_spec_adapt(spec, &t, err);
	json_decref(info);
	if (!rc)
		rc = lb_spec_set_image(spec, image_ref, err);
	if (rc)
		return rc;
	json_array_extend(res->changes, json_object_get(spec, "changes"));
	lb_spec_host_warnings(spec, res->warnings);
	json_t *create = json_object_get(spec, "create");
	*body = json_deep_copy(create);
	return *body ? LB_OK : lb_fail(err, LB_EFAIL, "out of memory");
}

int lb_migrate_restore(const struct lb_restore_opts *o, struct lb_restore_result *res,
		       struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	res->changes = json_array();
	res->warnings = json_array();
	struct lb_image_ref ref = {0};
	struct lb_registry *reg = NULL;
	struct lb_carry carry = {0};
	struct lb_engine *e = NULL;
	struct created c = {0};
	char stage[PATH_MAX] = "", repo_at_digest[1024], tmp_name[300];
	json_t *spec = NULL, *existing = NULL, *body = NULL, *warn = NULL;
	bool *fill = NULL, from_archive = is_regular_file(o->source);
	bool from_layout = from_archive || is_layout_dir(o->source), ours = !from_layout;
	int rc = from_archive  ? read_archive(o, stage, &carry, res, err)
		 : from_layout ? read_layout(o, stage, &carry, res, err)
			       : lb_image_ref_parse(o->source, &ref, err);
	if (!rc && !from_layout)
		rc = fetch_carry(o, &ref, &reg, stage, &carry, res, err);
	if (!rc && !(rc = lb_spec_check(carry.spec, "the carried spec", err)))
		spec = json_incref(carry.spec);
	/* A pull checked every digest; a layout's or an archive's blobs are
	 * checked here, before anything is created on the engine. */
	if (!rc && from_layout)
		rc = verify_volumes(stage, &carry, err);
	if (!rc)
		rc = lb_engine_open(o->host, &e, err);
	if (rc)
		goto out;
	snprintf(res->engine, sizeof(res->engine), "%s", lb_engine_product(e));
	snprintf(res->name, sizeof(res->name), "%s", o->name ? o->name : source_name(spec));
	snprintf(repo_at_digest, sizeof(repo_at_digest), "%.300s/%.500s@%.80s", ref.domain,
		 ref.path, res->image_digest);
	if (from_layout)
		repo_at_digest[0] = '\0'; /* a loaded image has no registry digest */
	else if (ref.tag[0])
		snprintf(res->image_ref, sizeof(res->image_ref), "%.300s/%.500s:%.128s", ref.domain,
			 ref.path, ref.tag);
	else
		snprintf(res->image_ref, sizeof(res->image_ref), "%s", repo_at_digest);

	rc = lb_engine_container_inspect(e, res->name, &existing, err);
	if (rc == LB_OK) {
		/* The decision is the plan's (migrate/plan.h), for land and restore alike. */
		const char *img = json_string_value(json_object_get(existing, "Image"));
		bool same = img && repo_at_digest[0] && image_has_digest(e, img, repo_at_digest);
		struct lb_plan_entry want = {.status = LB_PLAN_PUSHED};
		snprintf(want.digest, sizeof(want.digest), "%s", res->image_digest);
		struct lb_land_existing ex = {.exists = true, .image_digest = same ? res->image_digest : ""};
		enum lb_land_step step = lb_plan_land_step(&want, &ex, o->replace);
		if (step == LB_LAND_SKIP_SAME && o->skip_same) {
			res->skipped = true;
			snprintf(res->container_id, sizeof(res->container_id), "%s",
				 json_string_value(json_object_get(existing, "Id")));
			goto out;
		}
		if (step != LB_LAND_REPLACE && !o->replace) {
			rc = lb_fail(err, LB_EUNSAFE,
				     "%s: a container of that name exists on %s (%.12s); --replace "
				     "replaces it",
				     res->name, res->engine,
				     json_string_value(json_object_get(existing, "Id")));
			goto out;
		}
	} else if (rc != LB_ENOTFOUND)
		goto out;
	rc = LB_OK;

	say(o, "%s: %s %s on %s", res->name, from_layout ? "loading" : "pulling", res->image_ref,
	    res->engine);
	if ((rc = from_archive  ? engine_load_file(e, o->source, res, err)
		  : from_layout ? engine_load(o, e, stage, res, err)
				: engine_pull(e, reg, repo_at_digest, res, err)))
		goto out;
	if ((rc = adapt(e, spec, res->image_ref, &body, res, err)))
		goto out;
	fill = calloc(json_array_size(json_object_get(spec, "volumes")) + 1, sizeof(*fill));
	if (!fill) {
		rc = lb_fail(err, LB_EFAIL, "out of memory");
		goto out;
	}
	if ((rc = make_volumes(o, e, spec, &c, fill, res, err)))
		goto undo;
	snprintf(tmp_name, sizeof(tmp_name), "%s%s", res->name, existing ? ".lifeboat-new" : "");
	if ((rc = lb_engine_container_create(e, tmp_name, body, c.container_id, &warn, err)))
		goto undo;
	memcpy(res->container_id, c.container_id, sizeof(res->container_id));
	size_t i;
	json_t *w;
	json_array_foreach(warn, i, w)
		json_array_append(res->warnings, w);
	if ((rc = fill_volumes(o, e, stage, &carry, spec, fill, res, err)) ||
	    (rc = connect_networks(e, spec, c.container_id, err)))
		goto undo;
	if (existing) {
		const char *old = json_string_value(json_object_get(existing, "Id"));
		if ((rc = lb_engine_container_remove(e, old, true, false, err)) ||
		    (rc = rename_container(e, c.container_id, res->name, err)))
			goto undo;
		res->replaced = true;
		say(o, "%s: replaced container %.12s", res->name, old);
	}
	c.container_id[0] = '\0'; /* it is the operator's now */
	c.n_volumes = 0;
	if (o->start || (o->start_if_running && json_is_true(json_object_get(json_object_get(spec, "source"), "running")))) {
		if ((rc = lb_engine_container_start(e, res->container_id, err)))
			goto out; /* created and filled: kept, so the operator can look */
		res->started = true;
	}
	goto out;
undo:
	undo(e, &c, res);
out:
	/* A registry's stage stays after a failure (the rerun resumes its
	 * pulls); an archive's is only what was unpacked from it. */
	if (stage[0] && ((!rc && ours) || from_archive)) {
		struct lb_err e2;
		if (lb_staged_layout_remove(stage, &e2))
			json_array_append_new(res->warnings, json_string(e2.msg));
	}
	free(fill);
	json_decref(warn);
	json_decref(body);
	json_decref(existing);
	json_decref(spec);
	lb_carry_free(&carry);
	lb_engine_close(e);
	lb_registry_close(reg);
	return rc;
}

json_t *lb_restore_result_json(const struct lb_restore_result *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:i, s:O, s:O}", "name",
			 r->name, "id", r->container_id, "image", r->image_ref, "digest",
			 r->image_digest, "engine", r->engine, "skipped", r->skipped, "replaced",
			 r->replaced, "started", r->started, "volumes_created",
			 (int)r->volumes_created, "volumes_filled", (int)r->volumes_filled,
			 "changes", r->changes ? r->changes : json_null(), "warnings",
			 r->warnings ? r->warnings : json_null());
}

void lb_restore_result_free(struct lb_restore_result *res)
{
	json_decref(res->changes);
	json_decref(res->warnings);
	res->changes = res->warnings = NULL;
}
