/* /etc/docker/daemon.json, as far as it decides where a devicemapper pool is:
 * "data-root", "storage-driver" and the "storage-opts" list of "key=value"
 * strings (moby daemon/config; the dm.* keys are parsed by NewDeviceSet in
 * daemon/graphdriver/devmapper/deviceset.go: key and value are trimmed, the key
 * lower-cased, sizes go through go-units RAMInBytes, booleans through Go's
 * strconv.ParseBool, dm.mountopt values are joined with ",").
 *
 * Options given on dockerd's command line (--storage-opt) are not in this file;
 * a caller that knows them can feed them to lb_docker_storage_opts_parse. */
#ifndef LIFEBOAT_DOCKER_DAEMON_JSON_H
#define LIFEBOAT_DOCKER_DAEMON_JSON_H

#include "util/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_DOCKER_DAEMON_JSON "/etc/docker/daemon.json"

struct lb_docker_storage_opts {
	char thinpooldev[256];     /* dm.thinpooldev without "/dev/mapper/"; "" = loop-lvm */
	char directlvm_device[256]; /* dm.directlvm_device: Docker built "docker-thinpool" on it */
	char datadev[256];         /* dm.datadev / dm.metadatadev (deprecated): block devices */
	char metadatadev[256];     /*   used instead of the loop files */
	uint64_t basesize_bytes;   /* dm.basesize, or Docker's default 10 GiB */
	bool basesize_set;
	char fs[8];                /* dm.fs: "ext4", "xfs", or "" (Docker picks xfs if it can) */
	bool blkdiscard;           /* dm.blkdiscard, with Docker's default (see .c) */
	bool blkdiscard_set;
	char mountopt[512];        /* dm.mountopt values joined with "," */
	bool override_udev_sync_check;
	bool use_deferred_removal, use_deferred_removal_set;
	bool use_deferred_deletion, use_deferred_deletion_set;
	size_t unknown_count;      /* keys we do not model (not an error here) */
};

struct lb_docker_daemon_config {
	bool present;              /* false: the file does not exist (Docker's defaults apply) */
	char path[PATH_MAX];
	char data_root[PATH_MAX];  /* "data-root" (or 20.10's deprecated "graph"); "" if unset */
	char storage_driver[64];   /* "storage-driver"; "" if unset */
	struct lb_docker_storage_opts storage;
};

#define LB_DOCKER_DEFAULT_BASESIZE_BYTES (10ull * 1024 * 1024 * 1024)

/* go-units RAMInBytes: "<number>[ ][kmgtp][i][b]", case-insensitive, binary
 * multipliers, fractional numbers truncated after scaling. LB_EINTEGRITY if
 * it does not parse. */
int lb_docker_ram_in_bytes(const char *text, uint64_t *out_bytes, struct lb_err *err);

/* Longest device-mapper name, with its NUL (DM_NAME_LEN). */
#define LB_DOCKER_DM_NAME_MAX 128

/* The pool's device options are what lifeboat activates or opens, so the
 * parser accepts only values that cannot lead elsewhere (LB_EINTEGRITY
 * naming the option otherwise):
 *   dm.thinpooldev   a bare dm name, or /dev/mapper/<name> (stripped, as
 *                    Docker does): lb_docker_is_dm_name;
 *   dm.datadev, dm.metadatadev, dm.directlvm_device
 *                    a path under /dev/: lb_docker_is_dev_path. Where it
 *                    leads once links are resolved is checked where the
 *                    device is looked at (lb_docker_root_load).
 *   dm.mountopt      printable, no spaces. */
bool lb_docker_is_dm_name(const char *name);
bool lb_docker_is_dev_path(const char *path);

/* Go's strconv.ParseBool. Returns false if `text` is not one of its spellings. */
bool lb_docker_parse_bool(const char *text, bool *out);

/* One "key=value" storage option as Docker reads it (ParseKeyValueOpt, then
 * NewDeviceSet): split at the first '=', the key trimmed and lower-cased
 * into `key` (cut at key_cap - 1 bytes), the value trimmed: *value points
 * into `entry` and *value_len is its length. False when there is no '='
 * (dockerd refuses to start with such an entry): then `key` is the whole
 * entry, trimmed and lower-cased, and the value empty. The one place
 * both the parser below and recover discard's daemon.json edit take keys
 * and values from. */
bool lb_docker_storage_opt_split(const char *entry, char *key, size_t key_cap, const char **value,
				 size_t *value_len);

/* Parses "key=value" storage options into out (which starts from Docker's
 * defaults). `origin` names where they came from, for messages. A malformed
 * entry or value of a key we model is LB_EINTEGRITY naming the option. */
int lb_docker_storage_opts_parse(const char *const *opts, size_t n, const char *origin,
				 struct lb_docker_storage_opts *out, struct lb_err *err);

/* Parses daemon.json text. */
int lb_docker_daemon_config_parse(const char *text, size_t len, const char *origin,
				  struct lb_docker_daemon_config *out, struct lb_err *err);

/* Reads daemon.json at `path` (NULL: /etc/docker/daemon.json). A missing file
 * is not an error: out->present is false and the defaults apply. */
int lb_docker_daemon_config_load(const char *path, struct lb_docker_daemon_config *out,
				 struct lb_err *err);

#endif
