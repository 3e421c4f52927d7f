/* The devicemapper graph driver's own metadata, in <root>/devicemapper/metadata/
 * (moby daemon/graphdriver/devmapper/deviceset.go, Docker 20.10):
 *
 *   <hash>                 one per thin device, written by json.Marshal(devInfo):
 *                          {"device_id":5,"size":10737418240,"transaction_id":5,
 *                           "initialized":true,"deleted":false}
 *                          The base device's hash is "" and its file is "base".
 *   deviceset-metadata     json.Marshal(DeviceSet): {"next_device_id":5,
 *                          "BaseDeviceUUID":"...","BaseDeviceFilesystem":"xfs"}
 *                          (absent before Docker 1.9; Docker tolerates that)
 *   transaction-metadata   {"open_transaction_id":5,"device_hash":"...","device_id":5};
 *                          written on every open, left in place after a commit,
 *                          so it names the last transaction, not only a pending one
 *   .tmp*, *.migrated      atomic-write leftovers and the pre-1.7 migrated file:
 *                          Docker skips them, so do we.
 *
 * Missing keys read as zero/false, as Go's decoder leaves them; device_id and
 * size are required here because a device without them cannot be activated. */
#ifndef LIFEBOAT_DOCKER_DEVMETA_H
#define LIFEBOAT_DOCKER_DEVMETA_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Thin device ids are 24 bits (deviceset.go maxDeviceID). */
#define LB_DM_MAX_DEVICE_ID 0xffffffu
/* A hash is a 64-hex layer id, optionally with "-init". A device entry whose
 * file name is not a hash holds the name's printable form, cut to fit. */
#define LB_DM_HASH_MAX 128
/* The file name that holds the base device (hash ""). */
#define LB_DM_BASE_FILE "base"
#define LB_DM_DEVICESET_FILE "deviceset-metadata"
#define LB_DM_TRANSACTION_FILE "transaction-metadata"

struct lb_dm_device {
	char hash[LB_DM_HASH_MAX]; /* Docker's hash: the layer's cache/mount id; "" = base */
	uint32_t device_id;        /* thin device id inside the pool */
	uint64_t size_bytes;       /* virtual size of the thin device */
	uint64_t transaction_id;   /* pool transaction that created it */
	bool initialized;          /* only meaningful for the base device */
	bool deleted;              /* marked for deferred deletion: Docker will not mount it */
};

struct lb_dm_deviceset {
	uint32_t next_device_id;
	char base_device_uuid[64];      /* filesystem UUID of the base device; "" if unknown */
	char base_device_filesystem[16]; /* "xfs" or "ext4"; "" if unknown */
};

struct lb_dm_transaction {
	uint64_t open_transaction_id;
	char device_hash[LB_DM_HASH_MAX]; /* "" = base device */
	uint32_t device_id;
};

/* Parsers of the file text; `origin` names the file in messages. `hash` is the
 * device's hash ("" for base), stored in out->hash. */
int lb_dm_device_parse(const char *text, size_t len, const char *origin, const char *hash,
		       struct lb_dm_device *out, struct lb_err *err);
int lb_dm_deviceset_parse(const char *text, size_t len, const char *origin,
			  struct lb_dm_deviceset *out, struct lb_err *err);
int lb_dm_transaction_parse(const char *text, size_t len, const char *origin,
			    struct lb_dm_transaction *out, struct lb_err *err);

/* Readers of <metadata_dir>/<file>. A missing file is LB_ENOTFOUND naming it. */
int lb_dm_device_load(const char *metadata_dir, const char *hash, struct lb_dm_device *out,
		      struct lb_err *err);
int lb_dm_deviceset_load(const char *metadata_dir, struct lb_dm_deviceset *out, struct lb_err *err);
int lb_dm_transaction_load(const char *metadata_dir, struct lb_dm_transaction *out,
			   struct lb_err *err);

/* The file name holding a device's metadata: "base" for hash "", else the hash. */
const char *lb_dm_device_file(const char *hash);

/* Whether a file name in the metadata directory is a device file, by the same
 * rules Docker's loadDeviceFilesOnStart uses; maps "base" to hash "". Docker
 * takes any other name for a device file; whether it is one Docker writes is
 * lb_dm_is_hash's question. */
bool lb_dm_is_device_file(const char *file_name, const char **hash_out);

/* True for a hash Docker gives a device: "" (base) or a layer id (64
 * lowercase hex, optionally "-init"). transaction-metadata's device_hash is
 * checked with it when parsed; the names of device files where the data
 * root is read (lb_docker_root_load). */
bool lb_dm_is_hash(const char *hash);

#endif
