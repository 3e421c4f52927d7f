#include "doctor/repair.h"

#include "dm/dm.h"
#include "docker/jsonfile.h"
#include "loop/loop.h"
#include "rescue/session.h"
#include "util/atomic_file.h"
#include "util/fs.h"
#include "util/nofollow.h"
#include "util/printable.h"
#include "util/say.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fsync_path(const char *path, struct lb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot open to sync", path);
	int rc = 0;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync", path);
	close(fd);
	return rc;
}

static int copy_file(const char *from, const char *to, struct lb_err *err)
{
	/* A regular file of the data root only, reached without following a
	 * link: a link swapped in after the listing is not copied through. */
	int in;
	int rc = lb_open_file_nofollow(from, &in, err);
	if (rc)
		return rc;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		int saved = errno;
		close(in);
		return lb_fail_errno(err, LB_EFAIL, saved, "%s: cannot create", to);
	}
	static const uint8_t zeros[65536];
	uint8_t buf[65536];
	off_t pos = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot read", from);
			break;
		}
		if (n == 0)
			break;
		if (!memcmp(buf, zeros, (size_t)n)) {
			pos += n;
			continue;
		}
		if (pwrite(out, buf, (size_t)n, pos) != n) {
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", to);
			break;
		}
		pos += n;
	}
	if (!rc && ftruncate(out, pos) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot set its size", to);
	if (!rc && fsync(out) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync", to);
	close(in);
	close(out);
	return rc;
}

/* Copies the regular files of `from` (one level) into `to`, recursing into
 * subdirectories when `depth` allows. */
static int copy_tree(const char *from, const char *to, int depth, struct lb_err *err)
{
	DIR *d = opendir(from);
	if (!d)
		return errno == ENOENT ? LB_OK
				       : lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot list", from);
	int rc = lb_mkdir_p(to, 0700, err);
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char a[PATH_MAX], b[PATH_MAX];
		if (snprintf(a, sizeof(a), "%s/%s", from, e->d_name) >= (int)sizeof(a) ||
		    snprintf(b, sizeof(b), "%s/%s", to, e->d_name) >= (int)sizeof(b)) {
			rc = lb_fail(err, LB_EFAIL, "%s/%s: path too long", from, e->d_name);
			break;
		}
		struct stat st;
		if (lstat(a, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			rc = copy_file(a, b, err);
		else if (S_ISDIR(st.st_mode) && depth > 0)
			rc = copy_tree(a, b, depth - 1, err);
	}
	closedir(d);
	if (!rc)
		rc = fsync_path(to, err);
	return rc;
}

static const char *action_text(const struct lb_doctor_action *a, char *buf, size_t cap)
{
	switch (a->kind) {
	case LB_ACT_POOL_DELETE:
		snprintf(buf, cap, "pool message: delete %llu", (unsigned long long)a->dev_id);
		break;
	case LB_ACT_POOL_SET_TRANSACTION:
		snprintf(buf, cap, "pool message: set_transaction_id %llu %llu",
			 (unsigned long long)a->old_id, (unsigned long long)a->new_id);
		break;
	case LB_ACT_REMOVE_FILE: snprintf(buf, cap, "remove metadata/%s (copy kept)", a->file); break;
	case LB_ACT_CLEAR_DELETED:
		snprintf(buf, cap, "rewrite metadata/%s: \"deleted\":false", a->file);
		break;
	case LB_ACT_SET_OPEN_TRANSACTION:
		snprintf(buf, cap, "rewrite metadata/%s: \"open_transaction_id\":%llu",
			 LB_DM_TRANSACTION_FILE, (unsigned long long)a->new_id);
		break;
	case LB_ACT_SET_BASE_FS:
		snprintf(buf, cap, "rewrite metadata/%s: \"BaseDeviceUUID\":\"%s\", "
			 "\"BaseDeviceFilesystem\":\"%s\"",
			 LB_DM_DEVICESET_FILE, a->uuid, a->fs);
		break;
	case LB_ACT_WRITE_DEVICE_FILE:
		snprintf(buf, cap, "write metadata/%s: \"device_id\":%llu, \"size\":%llu, "
			 "\"transaction_id\":%llu",
			 a->file, (unsigned long long)a->dev_id, (unsigned long long)a->size_bytes,
			 (unsigned long long)a->new_id);
		break;
	}
	return buf;
}

static int write_plan(const char *dir, const struct lb_doctor_inputs *in,
		      const struct lb_doctor_report *rep, struct lb_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	FILE *f = fopen(path, "wxe");
	if (!f)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot create", path);
	fprintf(f, "lifeboat recover doctor --fix on %s\n"
		   "To undo: stop dockerd; copy metadata/* back into %s/;\n"
		   "with the pool inactive, copy pool-metadata over %s.\n\n",
		in->root->data_root, in->root->metadata_dir, in->root->metadata_file.path);
	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct lb_doctor_finding *fd = &rep->findings[i];
		if (!fd->n_actions)
			continue;
		fprintf(f, "%s: %s\n", lb_doctor_code_name(fd->code), fd->objects[0]);
		char buf[512];
		for (size_t k = 0; k < fd->n_actions; k++)
			fprintf(f, "  %s\n", action_text(&fd->actions[k], buf, sizeof(buf)));
	}
	int rc = 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", path);
	fclose(f);
	return rc;
}

int lb_doctor_backup(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
		     const char *backup_dir, char *out, size_t out_cap, struct lb_err *err)
{
	const struct lb_docker_root *r = in->root;
	if (backup_dir) {
		snprintf(out, out_cap, "%s", backup_dir);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(out, out_cap, "%s/lifeboat-backup-%s", r->driver_home, stamp);
	}
	/* A new directory, never one that has a backup in it already. */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", out);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int rc = lb_mkdir_p(parent, 0700, err);
		if (rc)
			return rc;
	}
	if (mkdir(out, 0700) != 0)
		return lb_fail_errno(err, errno == EEXIST ? LB_EUNSAFE : LB_EFAIL, errno,
				     "%s: cannot create the backup directory", out);
	char to[PATH_MAX + 32];
	snprintf(to, sizeof(to), "%s/metadata", out);
	int rc = copy_tree(r->metadata_dir, to, 0, err);
	if (!rc) {
		char from[PATH_MAX + 16];
		snprintf(from, sizeof(from), "%s/mounts", r->layerdb_dir);
		snprintf(to, sizeof(to), "%s/layerdb-mounts", out);
		rc = copy_tree(from, to, 1, err);
	}
	if (!rc) {
		snprintf(to, sizeof(to), "%s/pool-metadata", out);
		rc = copy_file(r->metadata_file.path, to, err);
	}
	if (!rc)
		rc = write_plan(out, in, rep, err);
	if (!rc)
		rc = fsync_path(out, err);
	return rc;
}

bool lb_doctor_needs_pool(const struct lb_doctor_report *rep)
{
	for (size_t i = 0; i < rep->n_findings; i++)
		for (size_t k = 0; k < rep->findings[i].n_actions; k++)
			if (rep->findings[i].actions[k].kind == LB_ACT_POOL_DELETE ||
			    rep->findings[i].actions[k].kind == LB_ACT_POOL_SET_TRANSACTION)
				return true;
	return false;
}

/* ---- the pool, activated read-write for the messages ---- */

int lb_doctor_preflight(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
			struct lb_err *err)
{
	if (!lb_doctor_needs_pool(rep))
		return LB_OK;
	const struct lb_docker_root *r = in->root;
	if (!lb_dm_available(err))
		return err && err->code ? err->code : LB_EFAIL;
	struct lb_dm_info info;
	int rc = lb_dm_info(r->pool_name, &info, err);
	if (rc)
		return rc;
	if (info.exists)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: the pool is active; the pool repairs need it inactive (stop what "
			       "uses it, 'lifeboat recover umount --all', or dmsetup remove it)",
			       r->pool_name);
	const char *paths[2] = {r->metadata_file.path, r->data_file.path};
	for (int i = 0; i < 2; i++) {
		struct lb_loop l;
		bool found = false;
		if ((rc = lb_loop_find(paths[i], &l, &found, err)))
			return rc;
		if (found)
			return lb_fail(err, LB_EUNSAFE,
				       "%s: attached to %s already; detach it (losetup -d) first",
				       paths[i], l.dev_path);
	}
	return LB_OK;
}

/* The pool repairs run on a pool lifeboat activates read-write for them and
 * removes again (lib/rescue: journalled, so 'recover umount --all' cleans up
 * after a crash midway). The preflight has made sure nothing else has it. */
static int pool_activate(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
			 struct lb_rescue_pool *pool, struct lb_err *err)
{
	const struct lb_docker_root *r = in->root;
	memset(pool, 0, sizeof(*pool));
	int rc = lb_doctor_preflight(in, rep, err);
	if (rc)
		return rc;
	struct lb_rescue_pool_spec spec = {
		.name = r->pool_name,
		.metadata_path = r->metadata_file.path,
		.data_path = r->data_file.path,
		.block_size_sectors = in->data_block_size_sectors,
		.read_only = false,
	};
	if ((rc = lb_rescue_pool_activate(&spec, NULL, pool, err)))
		return rc;
	if (!pool->created)
		return lb_fail(err, LB_EUNSAFE, "%s: became active meanwhile; left alone", r->pool_name);
	return LB_OK;
}

/* ---- Docker's JSON files ---- */

static int meta_path(const struct lb_docker_root *r, const char *file, char *out, size_t cap,
		     struct lb_err *err)
{
	if (!file[0] || strchr(file, '/') || !strcmp(file, ".") || !strcmp(file, ".."))
		return lb_fail(err, LB_EUSAGE, "%s: not a metadata file name", file);
	if (snprintf(out, cap, "%s/%s", r->metadata_dir, file) >= (int)cap)
		return lb_fail(err, LB_EFAIL, "%s/%s: path too long", r->metadata_dir, file);
	return LB_OK;
}

/* Loads a metadata file's object; a file that does not parse gives NULL
 * when `fresh_if_bad` (the caller writes a new one), else an error. */
static int load_json(const char *path, bool fresh_if_bad, json_t **out, struct lb_err *err)
{
	char *text;
	size_t len;
	*out = NULL;
	int rc = lb_dj_read_file(path, &text, &len, err);
	if (rc == LB_ENOTFOUND && fresh_if_bad)
		return LB_OK;
	if (rc)
		return rc;
	rc = lb_dj_parse(text, len, path, LB_DJ_STRICT, out, err);
	free(text);
	if (rc && fresh_if_bad) {
		*out = NULL;
		return LB_OK;
	}
	return rc;
}

/* Writes obj as Go's json.Marshal does (compact, keys in their order, no
 * newline), atomically over `path`. */
static int write_json(const char *path, json_t *obj, struct lb_err *err)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return lb_fail(err, LB_EFAIL, "%s: cannot encode", path);
	struct lb_atomic_file f;
	int rc = lb_atomic_file_open(&f, path, true, 0600, err);
	if (!rc) {
		size_t len = strlen(text);
		if (write(f.fd, text, len) != (ssize_t)len)
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", f.tmp_path);
		if (!rc)
			rc = lb_atomic_file_commit(&f, err);
		lb_atomic_file_abort(&f);
	}
	free(text);
	return rc;
}

/* Removes a file of the metadata directory by unlinkat() in the directory
 * opened without following links, so nothing outside it can be reached. The
 * name is the printable form the model shows (lib/util/printable.h),
 * decoded back to the file's own bytes; one long enough to have been cut to
 * fit LB_DM_HASH_MAX no longer names its file and is refused. */
static int remove_metadata_file(const struct lb_docker_root *r, const char *shown,
				struct lb_err *err)
{
	char name[NAME_MAX + 1];
	if (strlen(shown) + 4 >= LB_DM_HASH_MAX || !lb_unprintable(name, sizeof(name), shown) ||
	    !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return lb_fail(err, LB_EUSAGE, "%s/%s: not a metadata file name", r->metadata_dir, shown);
	int dir_fd;
	int rc = lb_open_dir_nofollow(r->metadata_dir, &dir_fd, err);
	if (rc)
		return rc;
	if (unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s/%s: cannot remove", r->metadata_dir, shown);
	if (!rc && fsync(dir_fd) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot sync", r->metadata_dir);
	close(dir_fd);
	return rc;
}

static int apply_file_action(const struct lb_docker_root *r, const struct lb_doctor_action *a,
			     struct lb_err *err)
{
	char path[PATH_MAX];
	json_t *obj = NULL;
	int rc = LB_OK;
	switch (a->kind) {
	case LB_ACT_REMOVE_FILE:
		return remove_metadata_file(r, a->file, err);
	case LB_ACT_CLEAR_DELETED:
		if ((rc = meta_path(r, a->file, path, sizeof(path), err)) ||
		    (rc = load_json(path, false, &obj, err)))
			return rc;
		json_object_set_new(obj, "deleted", json_false());
		break;
	case LB_ACT_SET_OPEN_TRANSACTION:
		if ((rc = meta_path(r, LB_DM_TRANSACTION_FILE, path, sizeof(path), err)) ||
		    (rc = load_json(path, true, &obj, err)))
			return rc;
		if (!obj) /* damaged: a fresh one, as dockerd would write it */
			obj = json_pack("{s:I, s:s, s:i}", "open_transaction_id", (json_int_t)0,
					"device_hash", "", "device_id", 0);
		json_object_set_new(obj, "open_transaction_id", json_integer((json_int_t)a->new_id));
		break;
	case LB_ACT_SET_BASE_FS:
		if ((rc = meta_path(r, LB_DM_DEVICESET_FILE, path, sizeof(path), err)) ||
		    (rc = load_json(path, false, &obj, err)))
			return rc;
		json_object_set_new(obj, "BaseDeviceUUID", json_string(a->uuid));
		json_object_set_new(obj, "BaseDeviceFilesystem", json_string(a->fs));
		break;
	case LB_ACT_WRITE_DEVICE_FILE:
		if ((rc = meta_path(r, a->file, path, sizeof(path), err)))
			return rc;
		/* Never over a file that appeared since the check. */
		if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return lb_fail(err, LB_EUNSAFE, "%s: exists now; run doctor again", path);
		/* Docker's own layout and key order (deviceset.go devInfo). */
		obj = json_pack("{s:I, s:I, s:I, s:b, s:b}", "device_id", (json_int_t)a->dev_id,
				"size", (json_int_t)a->size_bytes, "transaction_id",
				(json_int_t)a->new_id, "initialized", 0, "deleted", 0);
		break;
	default: return LB_OK;
	}
	if (!obj)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", path);
	rc = write_json(path, obj, err);
	json_decref(obj);
	return rc;
}

int lb_doctor_apply(const struct lb_doctor_inputs *in, const struct lb_doctor_report *rep,
		    const struct lb_say *say, struct lb_err *err)
{
	int rc = LB_OK;
	char buf[512];
	if (lb_doctor_needs_pool(rep)) {
		struct lb_rescue_pool pool;
		const char *pool_name = in->root->pool_name;
		if ((rc = pool_activate(in, rep, &pool, err))) {
			struct lb_err ignored;
			if (pool.created)
				lb_rescue_pool_release(pool_name, NULL, &ignored);
			return rc;
		}
		lb_say(say, LB_SAY_NOTE, "activated pool %s read-write over %s and %s", pool_name,
			pool.metadata_loop, pool.data_loop);
		for (size_t i = 0; i < rep->n_findings && !rc; i++) {
			const struct lb_doctor_finding *f = &rep->findings[i];
			for (size_t k = 0; k < f->n_actions && !rc; k++) {
				const struct lb_doctor_action *a = &f->actions[k];
				char msg[128];
				if (a->kind == LB_ACT_POOL_DELETE)
					snprintf(msg, sizeof(msg), "delete %llu",
						 (unsigned long long)a->dev_id);
				else if (a->kind == LB_ACT_POOL_SET_TRANSACTION)
					snprintf(msg, sizeof(msg), "set_transaction_id %llu %llu",
						 (unsigned long long)a->old_id,
						 (unsigned long long)a->new_id);
				else
					continue;
				rc = lb_dm_message(pool_name, 0, msg, err);
				if (!rc)
					lb_say(say, LB_SAY_NOTE, "%s: %s", lb_doctor_code_name(f->code),
						action_text(a, buf, sizeof(buf)));
			}
		}
		struct lb_err derr = {0};
		int drc = lb_rescue_pool_release(pool_name, NULL, &derr);
		if (!rc && drc) {
			if (err)
				*err = derr;
			rc = drc;
		}
		if (rc)
			return rc;
		lb_say(say, LB_SAY_NOTE, "removed pool %s again", pool_name);
	}
	for (size_t i = 0; i < rep->n_findings && !rc; i++) {
		const struct lb_doctor_finding *f = &rep->findings[i];
		for (size_t k = 0; k < f->n_actions && !rc; k++) {
			const struct lb_doctor_action *a = &f->actions[k];
			if (a->kind == LB_ACT_POOL_DELETE || a->kind == LB_ACT_POOL_SET_TRANSACTION)
				continue;
			rc = apply_file_action(in->root, a, err);
			if (!rc)
				lb_say(say, LB_SAY_NOTE, "%s: %s", lb_doctor_code_name(f->code),
					action_text(a, buf, sizeof(buf)));
		}
	}
	return rc;
}

