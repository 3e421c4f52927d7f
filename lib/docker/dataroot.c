#include "docker/dataroot.h"

#include "docker/jsonfile.h"
#include "util/nofollow.h"
#include "util/printable.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int path_join(char *buf, size_t cap, const char *a, const char *b, struct lb_err *err)
{
	int n = snprintf(buf, cap, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= cap)
		return lb_fail(err, LB_EUSAGE, "%s/%s: path too long", a, b);
	return 0;
}

/* The entries of a directory inside the data root, opened without following
 * links (lib/util/nofollow.h), with their types as lstat() sees them, sorted
 * by name; "." and ".." left out. Released with free_entries. */
struct entry {
	char *name;
	unsigned char type; /* DT_DIR, DT_REG, DT_LNK, ... */
};

static void free_entries(struct entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static unsigned char type_of(mode_t mode)
{
	return S_ISDIR(mode)	? DT_DIR
	       : S_ISREG(mode)	? DT_REG
	       : S_ISLNK(mode)	? DT_LNK
	       : S_ISFIFO(mode) ? DT_FIFO
	       : S_ISBLK(mode)	? DT_BLK
	       : S_ISCHR(mode)	? DT_CHR
	       : S_ISSOCK(mode) ? DT_SOCK
				: DT_UNKNOWN;
}

static int list_dir(const char *dir, struct entry **out, size_t *n_out, struct lb_err *err)
{
	*out = NULL;
	*n_out = 0;
	int fd;
	struct lb_err open_err = {0};
	int rc = lb_open_dir_nofollow(dir, &fd, &open_err);
	if (rc == LB_ENOTFOUND)
		return lb_fail(err, rc, "%s: cannot list: No such file or directory", dir);
	if (rc) {
		if (err)
			*err = open_err;
		return rc;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot list", dir);
		close(fd);
		return rc;
	}
	struct entry *entries = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		unsigned char type = e->d_type;
		struct stat st;
		if (type == DT_UNKNOWN && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			type = type_of(st.st_mode);
		if (n == cap) {
			size_t new_cap = cap ? cap * 2 : 16;
			struct entry *bigger = realloc(entries, new_cap * sizeof(*entries));
			if (!bigger) {
				rc = lb_fail(err, LB_EFAIL, "%s: cannot list: out of memory", dir);
				break;
			}
			entries = bigger;
			cap = new_cap;
		}
		entries[n].name = strdup(e->d_name);
		entries[n].type = type;
		if (!entries[n].name) {
			rc = lb_fail(err, LB_EFAIL, "%s: cannot list: out of memory", dir);
			break;
		}
		n++;
		errno = 0;
	}
	if (!rc && errno != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot list", dir);
	closedir(d);
	if (rc) {
		free_entries(entries, n);
		return rc;
	}
	if (n)
		qsort(entries, n, sizeof(*entries), cmp_entries);
	*out = entries;
	*n_out = n;
	return 0;
}

/* A loop file of the pool: in loop-lvm (`in_use`) it must be a regular file
 * of the data root, never a link or a device lifeboat would attach and,
 * for repairs, write; a block device is only ever named by dm.datadev and
 * dm.metadatadev. A missing file is not an error here. */
static int stat_loopfile(struct lb_docker_loopfile *f, bool in_use, struct lb_err *err)
{
	struct stat st;
	struct lb_err stat_err = {0};
	int rc = lb_lstat_nofollow(f->path, &st, &stat_err);
	f->exists = rc == 0 && S_ISREG(st.st_mode);
	if (f->exists) {
		f->size_bytes = (uint64_t)st.st_size;
		f->allocated_bytes = (uint64_t)st.st_blocks * 512;
		return 0;
	}
	if (!in_use || rc == LB_ENOTFOUND)
		return 0;
	if (rc) {
		if (err)
			*err = stat_err;
		return rc;
	}
	return lb_fail(err, LB_EINTEGRITY,
		       "%s: is %s; a loop-lvm pool's file must be a regular file in the data root "
		       "(a block device is named by dm.datadev and dm.metadatadev)",
		       f->path,
		       S_ISLNK(st.st_mode)   ? "a symbolic link"
		       : S_ISBLK(st.st_mode) ? "a block device"
		       : S_ISDIR(st.st_mode) ? "a directory"
					     : "not a regular file");
}

/* dm.datadev and dm.metadatadev are opened as the pool's data and metadata:
 * the parser made sure they are paths under /dev; here, that they still are
 * once links are resolved (/dev/disk/by-id/... are links), and block devices.
 * One that does not exist yet is left for whoever opens it to report. */
static int check_pool_device(const struct lb_docker_root *r, const char *option,
			     const char *path, struct lb_err *err)
{
	char real[PATH_MAX];
	if (!path[0] || !realpath(path, real))
		return 0;
	struct stat st;
	if (strncmp(real, "/dev/", 5) != 0 || stat(real, &st) != 0 || !S_ISBLK(st.st_mode))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: storage option '%s=%s': leads to %s, not a block device under /dev",
			       r->daemon.path, option, path, real);
	return 0;
}

static int set_paths(struct lb_docker_root *r, const char *data_root, struct lb_err *err)
{
	/* The operator's path is trusted, links and all; resolved once here,
	 * every path below it is then walked without following any link. */
	size_t n = strlen(data_root);
	while (n > 1 && data_root[n - 1] == '/')
		n--;
	if (n >= sizeof(r->data_root))
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", data_root);
	memcpy(r->data_root, data_root, n);
	r->data_root[n] = '\0';
	char real[PATH_MAX];
	if (!realpath(r->data_root, real))
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open data root",
				     r->data_root);
	memcpy(r->data_root, real, strlen(real) + 1);

	int rc = path_join(r->driver_home, sizeof(r->driver_home), r->data_root, "devicemapper", err);
	if (!rc)
		rc = path_join(r->metadata_dir, sizeof(r->metadata_dir), r->driver_home, "metadata", err);
	if (!rc)
		rc = path_join(r->containers_dir, sizeof(r->containers_dir), r->data_root, "containers", err);
	if (!rc)
		rc = path_join(r->layerdb_dir, sizeof(r->layerdb_dir), r->data_root,
			       "image/devicemapper/layerdb", err);
	if (!rc)
		rc = path_join(r->data_file.path, sizeof(r->data_file.path), r->driver_home,
			       "devicemapper/data", err);
	if (!rc)
		rc = path_join(r->metadata_file.path, sizeof(r->metadata_file.path), r->driver_home,
			       "devicemapper/metadata", err);
	return rc;
}

static int set_pool(struct lb_docker_root *r, struct lb_err *err)
{
	int rc = lb_dm_prefix_for_home(r->driver_home, r->prefix, sizeof(r->prefix), err);
	if (rc)
		return lb_err_wrap(err, "%s: not a devicemapper data root", r->data_root);
	const struct lb_docker_storage_opts *o = &r->daemon.storage;
	const char *pool = NULL;
	if (o->thinpooldev[0])
		pool = o->thinpooldev;
	else if (o->directlvm_device[0])
		pool = LB_DM_DIRECTLVM_POOL;
	if (pool) {
		r->pool_kind = LB_DM_POOL_THINPOOLDEV;
		snprintf(r->pool_name, sizeof(r->pool_name), "%s", pool);
		return 0;
	}
	r->pool_kind = LB_DM_POOL_LOOPBACK;
	if (snprintf(r->pool_name, sizeof(r->pool_name), "%s-pool", r->prefix) >= (int)sizeof(r->pool_name))
		return lb_fail(err, LB_EFAIL, "%s-pool: name too long", r->prefix);
	return 0;
}

static int cmp_devices(const void *a, const void *b)
{
	return strcmp(((const struct lb_docker_device *)a)->dm.hash,
		      ((const struct lb_docker_device *)b)->dm.hash);
}

/* One file of the metadata directory that Docker would take for a device. */
static void load_device(const struct lb_docker_root *r, const char *file_name, const char *hash,
			struct lb_docker_device *d)
{
	if (!lb_dm_is_hash(hash)) {
		/* Kept, under its printable name, so the damage is seen. */
		lb_printable(d->dm.hash, sizeof(d->dm.hash), file_name);
		lb_fail(&d->err, LB_EINTEGRITY,
			"%s/%s: not a device file name Docker writes (64 hex digits, optionally -init, "
			"or base)",
			r->metadata_dir, d->dm.hash);
		return;
	}
	if (lb_dm_device_load(r->metadata_dir, hash, &d->dm, &d->err) != 0) {
		memset(&d->dm, 0, sizeof(d->dm));
		snprintf(d->dm.hash, sizeof(d->dm.hash), "%s", hash);
	}
}

static int load_devices(struct lb_docker_root *r, struct lb_err *err)
{
	struct entry *entries;
	size_t n;
	int rc = list_dir(r->metadata_dir, &entries, &n, err);
	if (rc)
		return lb_err_wrap(err, "%s: not a devicemapper data root", r->data_root);
	r->devices = calloc(n ? n : 1, sizeof(*r->devices));
	if (!r->devices) {
		free_entries(entries, n);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", r->metadata_dir);
	}
	for (size_t i = 0; i < n; i++) {
		const char *hash;
		/* Docker's walk skips directories; any other kind of file is a
		 * device file to it, so a link or a FIFO is kept as damage. */
		if (entries[i].type == DT_DIR || !lb_dm_is_device_file(entries[i].name, &hash))
			continue;
		load_device(r, entries[i].name, hash, &r->devices[r->n_devices++]);
	}
	free_entries(entries, n);
	/* Hash order, base ("") first: printable names do not sort as the
	 * file names did. */
	if (r->n_devices)
		qsort(r->devices, r->n_devices, sizeof(*r->devices), cmp_devices);
	return 0;
}

static void load_container(struct lb_docker_root *r, struct lb_docker_container *c,
			   const char *dir_name)
{
	if (!lb_dj_is_hex(dir_name, LB_DOCKER_ID_LEN)) {
		/* Not an id Docker gives: its files are not read, and it is listed
		 * under its printable name. */
		lb_printable(c->id, sizeof(c->id), dir_name);
		lb_fail(&c->config_err, LB_EINTEGRITY,
			"%s/%s: not a container id (64 lowercase hex digits)", r->containers_dir, c->id);
		c->mount_err = c->config_err;
		return;
	}
	snprintf(c->id, sizeof(c->id), "%s", dir_name);
	if (lb_docker_config_load(r->containers_dir, dir_name, &c->config, &c->config_err) == 0 &&
	    strcmp(c->config.id, dir_name) != 0)
		lb_fail(&c->config_err, LB_EINTEGRITY, "%s/%s/%s: ID %s does not match its directory",
			r->containers_dir, dir_name, LB_DOCKER_CONFIG_FILE, c->config.id);
	lb_docker_mount_load(r->layerdb_dir, dir_name, &c->mount, &c->mount_err);
}

static int cmp_containers(const void *a, const void *b)
{
	return strcmp(((const struct lb_docker_container *)a)->id,
		      ((const struct lb_docker_container *)b)->id);
}

static int load_containers(struct lb_docker_root *r, struct lb_err *err)
{
	struct entry *entries;
	size_t n;
	struct lb_err list_err = {0};
	int rc = list_dir(r->containers_dir, &entries, &n, &list_err);
	if (rc == LB_ENOTFOUND)
		return 0; /* no containers directory: no containers */
	if (rc) {
		if (err)
			*err = list_err;
		return rc;
	}
	r->containers = calloc(n ? n : 1, sizeof(*r->containers));
	if (!r->containers) {
		free_entries(entries, n);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", r->containers_dir);
	}
	/* Directories are containers; a link in their place is kept, and its
	 * files are then refused as links. Plain files are not containers. */
	for (size_t i = 0; i < n; i++)
		if (entries[i].type == DT_DIR || entries[i].type == DT_LNK)
			load_container(r, &r->containers[r->n_containers++], entries[i].name);
	free_entries(entries, n);
	if (r->n_containers)
		qsort(r->containers, r->n_containers, sizeof(*r->containers), cmp_containers);
	return 0;
}

int lb_docker_root_load(const struct lb_docker_root_opts *opts, struct lb_docker_root **out,
			struct lb_err *err)
{
	*out = NULL;
	const char *data_root = opts && opts->data_root ? opts->data_root : LB_DOCKER_DEFAULT_ROOT;
	struct lb_docker_root *r = calloc(1, sizeof(*r));
	if (!r)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", data_root);

	int rc = set_paths(r, data_root, err);
	struct stat st;
	if (!rc && stat(r->data_root, &st) != 0)
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open data root",
				   r->data_root);
	if (!rc && !S_ISDIR(st.st_mode))
		rc = lb_fail(err, LB_ENOTFOUND, "%s: cannot open data root: not a directory", r->data_root);
	if (!rc)
		rc = lb_docker_daemon_config_load(opts ? opts->daemon_json : NULL, &r->daemon, err);
	/* The driver home gives the pool its name and holds everything else:
	 * a link there would take the whole walk elsewhere. */
	if (!rc && lb_lstat_nofollow(r->driver_home, &st, NULL) == 0 && S_ISLNK(st.st_mode))
		rc = lb_fail(err, LB_EINTEGRITY,
			     "%s: not a devicemapper data root: %s is a symbolic link, which lifeboat "
			     "does not follow in a data root",
			     r->data_root, r->driver_home);
	if (!rc)
		rc = set_pool(r, err);
	if (!rc) {
		const struct lb_docker_storage_opts *o = &r->daemon.storage;
		bool devices = o->datadev[0] && o->metadatadev[0];
		bool loop_files = r->pool_kind == LB_DM_POOL_LOOPBACK && !devices;
		rc = stat_loopfile(&r->data_file, loop_files, err);
		if (!rc)
			rc = stat_loopfile(&r->metadata_file, loop_files, err);
		if (!rc && r->pool_kind == LB_DM_POOL_LOOPBACK && devices)
			rc = check_pool_device(r, "dm.datadev", o->datadev, err);
		if (!rc && r->pool_kind == LB_DM_POOL_LOOPBACK && devices)
			rc = check_pool_device(r, "dm.metadatadev", o->metadatadev, err);
	}
	if (!rc) {
		lb_dm_deviceset_load(r->metadata_dir, &r->deviceset, &r->deviceset_err);
		lb_dm_transaction_load(r->metadata_dir, &r->transaction, &r->transaction_err);
		rc = load_devices(r, err);
	}
	if (!rc)
		rc = load_containers(r, err);
	if (rc) {
		lb_docker_root_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void lb_docker_root_free(struct lb_docker_root *root)
{
	if (!root)
		return;
	free(root->devices);
	free(root->containers);
	free(root);
}

const struct lb_docker_device *lb_docker_root_device(const struct lb_docker_root *root,
						     const char *hash)
{
	/* Devices are sorted by hash (base, "", first), so a binary search works. */
	size_t lo = 0, hi = root->n_devices;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(root->devices[mid].dm.hash, hash);
		if (c == 0)
			return &root->devices[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void lb_docker_view_of(const struct lb_docker_root *root, const struct lb_docker_container *c,
		       struct lb_docker_view *out)
{
	memset(out, 0, sizeof(*out));
	bool config_ok = c->config_err.code == 0, mount_ok = c->mount_err.code == 0;
	out->id = c->id;
	out->name = config_ok ? c->config.name : "";
	out->image_ref = config_ok ? c->config.image_ref : "";
	out->image_id = config_ok ? c->config.image_id : "";
	out->state = config_ok ? lb_docker_state_string(&c->config.state) : "unknown";
	out->device_hash = mount_ok ? c->mount.mount_id : "";
	out->init_hash = mount_ok ? c->mount.init_id : "";
	out->name_rejected = c->config.name_rejected;

	const struct lb_docker_device *d = NULL;
	if (mount_ok) {
		d = lb_docker_root_device(root, c->mount.mount_id);
		if (lb_dm_thin_name_format(out->device_name, sizeof(out->device_name), root->prefix,
					   c->mount.mount_id, NULL) != 0)
			out->device_name[0] = '\0';
	}
	if (d) {
		out->has_device_json = true;
		out->device_ok = d->err.code == 0;
	}
	if (out->device_ok) {
		out->device_id = d->dm.device_id;
		out->size_bytes = d->dm.size_bytes;
		out->transaction_id = d->dm.transaction_id;
		out->deleted = d->dm.deleted;
	}

	if (!config_ok)
		out->error = &c->config_err;
	else if (!mount_ok)
		out->error = &c->mount_err;
	else if (d && !out->device_ok)
		out->error = &d->err;
	out->code = out->error ? out->error->code : 0;
}

bool lb_docker_view_has_device(const struct lb_docker_view *v)
{
	return v->device_hash[0] && v->device_ok;
}

int lb_docker_view_require_device(const struct lb_docker_view *v, const char *doing,
				  struct lb_err *err)
{
	/* v->error is set exactly when config.v2.json, the mount ids or the
	 * device record did not parse. */
	if (!v->name_rejected && !v->error && lb_docker_view_has_device(v))
		return LB_OK;
	return lb_fail(err, v->code ? v->code : LB_ENOTFOUND, "%s: %s: %s", v->id, doing,
		       v->error ? v->error->msg : "no usable device record");
}

/* Appends "<id> (<name>)" candidates to the message, as many as fit. */
static int fail_ambiguous(struct lb_err *err, const char *query, const char *why,
			  const struct lb_docker_container *const *cands, size_t n)
{
	if (!err)
		return LB_EUSAGE;
	lb_fail(err, LB_EUSAGE, "%s: %s, %zu candidates:", query, why, n);
	/* A short id is enough unless the query is already that long. */
	size_t id_len = strlen(query) >= 12 ? LB_DOCKER_ID_LEN : 12;
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(err->msg);
		const struct lb_docker_container *c = cands[i];
		const char *name = c->config_err.code == 0 && c->config.name[0] ? c->config.name : "?";
		char item[400];
		int len = snprintf(item, sizeof(item), "%s %.*s (%s)", i ? "," : "", (int)id_len, c->id,
				   name);
		if (len < 0 || used + (size_t)len + 6 >= sizeof(err->msg)) {
			snprintf(err->msg + used, sizeof(err->msg) - used, ", ...");
			break;
		}
		memcpy(err->msg + used, item, (size_t)len + 1);
	}
	return LB_EUSAGE;
}

static bool name_matches(const struct lb_docker_container *c, const char *query)
{
	if (c->config_err.code != 0 || !c->config.name[0])
		return false;
	const char *name = c->config.name;
	if (query[0] != '/' && name[0] == '/')
		name++;
	return strcmp(name, query) == 0;
}

int lb_docker_resolve(const struct lb_docker_root *root, const char *query,
		      const struct lb_docker_container **out, struct lb_err *err)
{
	*out = NULL;
	if (!query[0] || strcmp(query, "/") == 0)
		return lb_fail(err, LB_EUSAGE, "container name or id: empty");

	for (size_t i = 0; i < root->n_containers; i++) {
		if (strcmp(root->containers[i].id, query) == 0) {
			*out = &root->containers[i];
			return 0;
		}
	}

	const struct lb_docker_container **cands = calloc(root->n_containers + 1, sizeof(*cands));
	if (!cands)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", query);
	size_t n = 0;
	for (size_t i = 0; i < root->n_containers; i++)
		if (name_matches(&root->containers[i], query))
			cands[n++] = &root->containers[i];
	int rc = 0;
	if (n > 1) {
		rc = fail_ambiguous(err, query, "name used by more than one container", cands, n);
	} else if (n == 0 && query[0] != '/') {
		size_t len = strlen(query);
		for (size_t i = 0; i < root->n_containers; i++)
			if (strncmp(root->containers[i].id, query, len) == 0)
				cands[n++] = &root->containers[i];
		if (n > 1)
			rc = fail_ambiguous(err, query, "ambiguous container id prefix", cands, n);
	}
	if (!rc && n == 0)
		rc = lb_fail(err, LB_ENOTFOUND, "%s: no such container in %s", query, root->containers_dir);
	if (!rc)
		*out = cands[0];
	free(cands);
	return rc;
}
