/* Docker's layer store, <data-root>/image/<driver>/layerdb (moby layer/filestore.go):
 *
 *   mounts/<container-id>/mount-id   the container's read-write layer id: for
 *                                    devicemapper, the thin device hash
 *   mounts/<container-id>/init-id    "<mount-id>-init", the init layer (optional)
 *   mounts/<container-id>/parent     chain id of the image's top layer (optional)
 *   sha256/<chain-id>/cache-id       the graph driver id (device hash) of a layer
 *   sha256/<chain-id>/diff           "sha256:<hex>" diff id
 *   sha256/<chain-id>/size           decimal byte count
 *   sha256/<chain-id>/parent         "sha256:<hex>" chain id (absent for a base layer)
 *
 * Files are written without a newline; Docker trims whitespace on reading and
 * checks ids against ^[a-f0-9]{64}(-init)?$. Directories "<hex>-<n>-removing"
 * are layers being deleted. */
#ifndef LIFEBOAT_DOCKER_LAYERDB_H
#define LIFEBOAT_DOCKER_LAYERDB_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

#define LB_DOCKER_ID_LEN 64
/* "sha256:" + 64 hex + NUL, rounded up. */
#define LB_DOCKER_DIGEST_MAX 80
/* Room for "<64 hex>-init" and for odd cache ids of migrated layers. */
#define LB_DOCKER_LAYER_ID_MAX 128

struct lb_docker_mount {
	char container_id[LB_DOCKER_ID_LEN + 1];
	char mount_id[LB_DOCKER_LAYER_ID_MAX]; /* device hash of the container's rootfs */
	char init_id[LB_DOCKER_LAYER_ID_MAX];  /* "" if there is no init layer */
	char parent[LB_DOCKER_DIGEST_MAX];     /* "sha256:<hex>", "" if none */
};

struct lb_docker_layer {
	char chain_id[LB_DOCKER_DIGEST_MAX];   /* "sha256:<hex>" */
	char cache_id[LB_DOCKER_LAYER_ID_MAX]; /* device hash of the image layer */
	char diff_id[LB_DOCKER_DIGEST_MAX];
	uint64_t size_bytes;
	char parent[LB_DOCKER_DIGEST_MAX];     /* "" for a base layer */
};

/* True for a layer-store id: 64 lowercase hex, optionally "-init". */
bool lb_docker_is_layer_id(const char *s);
/* True for "sha256:<64 lowercase hex>". */
bool lb_docker_is_digest(const char *s);

/* Reads mounts/<container_id>/. A missing mount-id is LB_ENOTFOUND naming the
 * file; a malformed one LB_EINTEGRITY. init-id and parent are optional. */
int lb_docker_mount_load(const char *layerdb_dir, const char *container_id,
			 struct lb_docker_mount *out, struct lb_err *err);

/* Reads sha256/<hex>/ for chain_id "sha256:<hex>" (or bare "<hex>"). cache-id,
 * diff and size are required; parent is optional. */
int lb_docker_layer_load(const char *layerdb_dir, const char *chain_id,
			 struct lb_docker_layer *out, struct lb_err *err);

#endif
