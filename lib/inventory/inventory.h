/* What a Docker devicemapper data root holds, joined with what its pool says:
 * the rows of `lifeboat recover ls`. lib/docker gives the containers and
 * their device records; the pool's metadata file (lib/thinmeta) says whether
 * each thin device is really there and how much it maps; device-mapper, if
 * the kernel has it and we may ask, whether the pool is active.
 *
 * Loading reads files only, and never fails for lack of device-mapper or
 * because one entry is damaged: each entry keeps its own error. A pool whose
 * metadata is not a file (dm.thinpooldev) leaves "in pool" unknown. */
#ifndef LIFEBOAT_INVENTORY_H
#define LIFEBOAT_INVENTORY_H

#include "docker/dataroot.h"
#include "fslog/fslog.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lb_tri { LB_TRI_UNKNOWN = 0, LB_TRI_NO, LB_TRI_YES };

struct lb_inv_pool {
	const char *name;          /* dm name; points into the root */
	const char *kind;          /* "loop" or "thinpooldev" */
	const char *data_path;     /* NULL if the pool is a device we cannot name */
	const char *metadata_path;
	bool data_exists, metadata_exists;
	uint64_t data_size_bytes, metadata_size_bytes; /* if they exist */
	bool meta_ok;              /* sb and thin_devices are valid */
	struct lb_thin_superblock sb;
	uint64_t thin_devices;     /* devices in the pool's details tree */
	enum lb_tri active;        /* UNKNOWN when device-mapper could not be asked */
	struct lb_err err;         /* why the metadata could not be read; code 0 if it was */
	bool docker_transaction_ok;
	uint64_t docker_transaction_id; /* transaction-metadata's open_transaction_id */
};

struct lb_inv_container {
	struct lb_docker_view view;
	enum lb_tri in_pool;   /* UNKNOWN if the device or the pool could not be read */
	uint64_t mapped_bytes; /* valid if in_pool is YES */
	/* Its filesystem's journal, read in userspace through the pool (lib/fslog,
	 * lib/image/thin_read); UNKNOWN when not in the pool or unreadable. */
	enum lb_fslog_state log;
	struct lb_err err;     /* the first damage to this entry (view's, or the pool's
				* disagreement); code 0 if none */
	/* lifeboat snapshots of it in the pool's catalog (lib/snapshot); -1 when
	 * the catalog cannot be read. */
	long snapshots;
};

struct lb_inventory {
	const struct lb_docker_root *root;
	struct lb_inv_pool pool;
	struct lb_inv_container *containers; /* in the root's order (by id) */
	size_t n_containers;
};

/* Where the pool's data and metadata are read from: Docker's loop files, or
 * the dm.datadev/dm.metadatadev devices; both NULL for a dm.thinpooldev pool
 * (its devices are the kernel's business). Point into root. */
void lb_inventory_pool_files(const struct lb_docker_root *root, const char **data,
			     const char **metadata);

/* Builds the inventory of a loaded root. ask_dm: ask device-mapper whether
 * the pool is active (if it is there and usable). Fails only when out of
 * memory; damage is kept per entry. Free with lb_inventory_free. */
int lb_inventory_load(const struct lb_docker_root *root, bool ask_dm, struct lb_inventory *out,
		      struct lb_err *err);
void lb_inventory_free(struct lb_inventory *inv);

/* How many entries (the pool and each container) carry an error. */
size_t lb_inventory_damaged(const struct lb_inventory *inv);

/* Pure: {"pool": {...}, "containers": [{...}, ...]} with every field; unknown
 * values are null. NULL when out of memory. */
json_t *lb_inventory_json(const struct lb_inventory *inv);

/* The container's name without Docker's leading '/'; "" if unknown. */
const char *lb_inv_name(const struct lb_inv_container *c);

#endif
