/* A read-only model of a Docker data root that uses the devicemapper driver:
 * what the daemon would know at start-up, read from files alone (no ioctls,
 * no dockerd). Layout (Docker 20.10):
 *
 *   <data-root>/devicemapper/                driver home; stat() gives the name prefix
 *   <data-root>/devicemapper/devicemapper/{data,metadata}   loop-lvm backing files
 *   <data-root>/devicemapper/metadata/       per-device JSON, deviceset-metadata,
 *                                            transaction-metadata (see devmeta.h)
 *   <data-root>/containers/<id>/config.v2.json               (see container.h)
 *   <data-root>/image/devicemapper/layerdb/  mounts/<id>/mount-id etc. (layerdb.h)
 *   /etc/docker/daemon.json                  storage-opts (daemon_json.h)
 *
 * Damage to one device or container file does not hide the others: it is kept
 * as a per-entry error. Only a missing data root, driver home or metadata
 * directory, or an unreadable daemon.json, fails the whole load.
 *
 * The tree is read as untrusted input. The data root's own path is resolved
 * (realpath) once; below it no symbolic link is followed and only regular
 * files are read (lib/util/nofollow.h), so a link planted in the tree never
 * leads out of it and a FIFO never blocks: such a file is its entry's
 * LB_EINTEGRITY. Where a link would take the whole root elsewhere (the driver
 * home, the metadata or containers directory, a loop-lvm pool file) the load
 * fails with LB_EINTEGRITY. Every name is checked against Docker's rules
 * here, once: a container directory that is not a 64-hex id, or a device file
 * whose name is not a hash, is kept as damage under its printable name
 * (lib/util/printable.h) and none of its files are read; the values inside
 * the files are checked by their parsers (container.h, devmeta.h, layerdb.h,
 * daemon_json.h). */
#ifndef LIFEBOAT_DOCKER_DATAROOT_H
#define LIFEBOAT_DOCKER_DATAROOT_H

#include "docker/container.h"
#include "docker/daemon_json.h"
#include "docker/devmeta.h"
#include "docker/layerdb.h"
#include "docker/poolname.h"
#include "util/error.h"
#include "util/printable.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_DOCKER_DEFAULT_ROOT "/var/lib/docker"

struct lb_docker_root_opts {
	const char *data_root;   /* NULL: /var/lib/docker */
	const char *daemon_json; /* NULL: /etc/docker/daemon.json; a missing file is fine */
};

enum lb_dm_pool_kind {
	LB_DM_POOL_LOOPBACK,    /* "<prefix>-pool" on the loop files (or dm.datadev/metadatadev) */
	LB_DM_POOL_THINPOOLDEV, /* dm.thinpooldev, or dm.directlvm_device's "docker-thinpool" */
};

struct lb_docker_loopfile {
	char path[PATH_MAX];
	bool exists;
	uint64_t size_bytes;      /* apparent size (sparse) */
	uint64_t allocated_bytes; /* blocks actually allocated */
};

/* One file of devicemapper/metadata/. */
struct lb_docker_device {
	struct lb_dm_device dm; /* dm.hash is always set; the rest only if err.code == 0 */
	struct lb_err err;      /* why the file could not be read; code 0 if it was */
};

/* One directory of containers/. */
struct lb_docker_container {
	/* The directory name (Docker's container id); the printable form of
	 * a name that is no id (then config_err and mount_err say so). */
	char id[LB_PRINTABLE_CAP(NAME_MAX)];
	struct lb_docker_config config; /* valid if config_err.code == 0 */
	struct lb_err config_err;
	struct lb_docker_mount mount;   /* valid if mount_err.code == 0 */
	struct lb_err mount_err;
};

struct lb_docker_root {
	char data_root[PATH_MAX];
	char driver_home[PATH_MAX];    /* <data-root>/devicemapper */
	char metadata_dir[PATH_MAX];   /* <driver_home>/metadata */
	char containers_dir[PATH_MAX];
	char layerdb_dir[PATH_MAX];    /* <data-root>/image/devicemapper/layerdb */
	struct lb_docker_daemon_config daemon;

	char prefix[LB_DM_NAME_MAX];   /* "docker-<maj>:<min>-<ino>" */
	enum lb_dm_pool_kind pool_kind;
	char pool_name[256];           /* dm name of the pool, no /dev/mapper/ */
	struct lb_docker_loopfile data_file;     /* <driver_home>/devicemapper/data */
	struct lb_docker_loopfile metadata_file; /* <driver_home>/devicemapper/metadata */

	struct lb_dm_deviceset deviceset; /* valid if deviceset_err.code == 0 */
	struct lb_err deviceset_err;      /* LB_ENOTFOUND: absent (pre-1.9 roots) */
	struct lb_dm_transaction transaction; /* valid if transaction_err.code == 0 */
	struct lb_err transaction_err;

	struct lb_docker_device *devices; /* sorted by hash; the base device's hash is "" */
	size_t n_devices;
	struct lb_docker_container *containers; /* sorted by id */
	size_t n_containers;
};

/* Loads the model. *out is released with lb_docker_root_free. */
int lb_docker_root_load(const struct lb_docker_root_opts *opts, struct lb_docker_root **out,
			struct lb_err *err);
void lb_docker_root_free(struct lb_docker_root *root);

/* The device entry with this hash ("" for base), or NULL. */
const struct lb_docker_device *lb_docker_root_device(const struct lb_docker_root *root,
						     const char *hash);

/* The joined view of one container: its files, its layer and its device.
 * Pointers point into root and live as long as it. */
struct lb_docker_view {
	const char *id;
	const char *name;        /* "/web"; "" if config.v2.json was unreadable */
	const char *image_ref;   /* Config.Image */
	const char *image_id;    /* "sha256:<hex>" */
	const char *state;       /* lb_docker_state_string, "unknown" without a config */
	const char *device_hash; /* mount-id; "" if unknown */
	const char *init_hash;   /* init-id; "" if none */
	char device_name[LB_DM_NAME_MAX]; /* "<prefix>-<mount-id>"; "" if unknown */
	bool has_device_json;    /* devicemapper/metadata/<mount-id> exists */
	bool device_ok;          /* ...and parsed: the fields below are valid */
	uint32_t device_id;
	uint64_t size_bytes;
	uint64_t transaction_id;
	bool deleted;            /* marked for deferred deletion */
	/* config.v2.json's Name breaks Docker's rule: not Docker's file, and
	 * nothing is to be activated or mounted for the container. */
	bool name_rejected;
	int code;                /* 0, or the first error below */
	const struct lb_err *error; /* first of config, mount and device errors; NULL if none */
};

void lb_docker_view_of(const struct lb_docker_root *root, const struct lb_docker_container *c,
		       struct lb_docker_view *out);

/* The view names a device record that is there and parses: enough to find
 * the thin device, even when config.v2.json is damaged (recover mount,
 * snapshot rollback). */
bool lb_docker_view_has_device(const struct lb_docker_view *v);

/* Stricter, for making something new of the container (commit, snapshot
 * create): its name is Docker's, its config.v2.json and mount ids parse,
 * and it has a device record (lb_docker_view_has_device). Else the view's
 * error code, LB_ENOTFOUND for a missing record, with "<id>: <doing>: why". */
int lb_docker_view_require_device(const struct lb_docker_view *v, const char *doing,
				  struct lb_err *err);

/* Finds a container the way dockerd does: full id, then exact name (with or
 * without the leading '/'), then unique id prefix. No match: LB_ENOTFOUND; an
 * ambiguous prefix or a name two containers share: LB_EUSAGE listing the
 * candidates. */
int lb_docker_resolve(const struct lb_docker_root *root, const char *query,
		      const struct lb_docker_container **out, struct lb_err *err);

#endif
