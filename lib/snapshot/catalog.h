/* The catalog: lifeboat's list of its snapshots of one thin pool, in
 * <data-root>/devicemapper/lifeboat/snapshots.json (catalog_store.h reads
 * and writes it). This file is the pure part: the record, the rules a
 * record keeps, parsing, deterministic formatting, and edits in memory.
 *
 *   {"version":1,"pool":"docker-8:1-1234-pool","snapshots":[
 *     {"name":"web-20261130T060324Z","uuid":"<32 lowercase hex>",
 *      "container":"web","container_id":"<64 hex>",
 *      "device_id":16777215,"origin_device_id":7,"origin_hash":"<64 hex>",
 *      "created":"2026-11-30T06:03:24Z","created_unix":1796018604,
 *      "size_bytes":10737418240,"state":"ready","freeze_us":1840}]}
 *
 * A record is written "pending" BEFORE the kernel is sent create_snap (its
 * device id is taken from then on) and "ready" after. A pending record is a
 * device that may or may not exist: readers keep it, count its id as used,
 * and leave it to the device side to resolve; it is never garbage. An
 * imported snapshot is "importing" from before create_thin until its last
 * byte is written; one a killed import left stays so until `snapshot rm`.
 *
 * Parsing is strict: a version other than 1 is LB_EINTEGRITY ("newer than
 * this lifeboat"), unknown keys, wrong types, duplicate names, uuids or device
 * ids, a "created" that does not match "created_unix", a file over
 * LB_SNAP_CATALOG_MAX_BYTES or with over LB_SNAP_CATALOG_MAX_RECORDS records
 * are LB_EINTEGRITY naming the file, the record and the key.
 *
 * Records are kept sorted by (created_unix, name), whatever the file's order,
 * so lb_snap_catalog_format(lb_snap_catalog_parse(x)) is canonical. */
#ifndef LIFEBOAT_SNAPSHOT_CATALOG_H
#define LIFEBOAT_SNAPSHOT_CATALOG_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_SNAP_CATALOG_VERSION 1
#define LB_SNAP_CATALOG_MAX_BYTES (8u * 1024 * 1024)
#define LB_SNAP_CATALOG_MAX_RECORDS 100000u
/* A snapshot name: [A-Za-z0-9_.-], 1..64 bytes, not starting with '.' or '-'. */
#define LB_SNAP_NAME_MAX 64
#define LB_SNAP_UUID_HEX 32
/* A container name as Docker allows it, without the leading '/'. */
#define LB_SNAP_CONTAINER_MAX 255
#define LB_SNAP_CONTAINER_ID_HEX 64
/* Docker's device hash: 64 hex, optionally "-init" (devmeta.h). */
#define LB_SNAP_HASH_MAX 127
/* dm names are at most 127 bytes (DM_NAME_LEN - 1). */
#define LB_SNAP_POOL_MAX 127
/* "2026-11-30T06:03:24Z" */
#define LB_SNAP_RFC3339_LEN 20

enum lb_snap_state {
	LB_SNAP_PENDING,   /* id taken; the device may or may not exist */
	LB_SNAP_READY,     /* the kernel made the device */
	LB_SNAP_IMPORTING, /* `snapshot import --into` is writing it (or was killed while
			    * it did): the device may exist, its content is not whole.
			    * Never made ready by a reader; `snapshot rm` removes it. */
};

struct lb_snap_record {
	char name[LB_SNAP_NAME_MAX + 1];
	char uuid[LB_SNAP_UUID_HEX + 1];               /* 32 lowercase hex, unique */
	char container[LB_SNAP_CONTAINER_MAX + 1];     /* "web", no leading '/' */
	char container_id[LB_SNAP_CONTAINER_ID_HEX + 1];
	uint32_t device_id;        /* the snapshot's thin id, 1..2^24-1, unique */
	uint32_t origin_device_id; /* the container's thin id when snapshotted */
	char origin_hash[LB_SNAP_HASH_MAX + 1]; /* the container's device hash (mount-id) */
	int64_t created_unix;      /* seconds, >= 0; the file's "created" is its RFC 3339 UTC form */
	uint64_t size_bytes;       /* virtual size of the device */
	enum lb_snap_state state;
	uint64_t freeze_us;        /* how long the origin was suspended; 0 if it was not */
};

struct lb_snap_catalog {
	char pool[LB_SNAP_POOL_MAX + 1];  /* dm name of the pool, no /dev/mapper/ */
	struct lb_snap_record *records;   /* sorted by (created_unix, name) */
	size_t n_records;
	size_t cap_records;
};

/* An empty catalog for `pool` (a dm name: printable, no '/', 1..127 bytes).
 * Release with lb_snap_catalog_free. */
int lb_snap_catalog_init(struct lb_snap_catalog *cat, const char *pool, struct lb_err *err);
void lb_snap_catalog_free(struct lb_snap_catalog *cat);

/* Parses the file's text; `origin` names it in messages. On success *out is
 * a catalog to release with lb_snap_catalog_free; on failure it is empty. */
int lb_snap_catalog_parse(const char *text, size_t len, const char *origin,
			  struct lb_snap_catalog *out, struct lb_err *err);

/* The file's text, deterministic (records in catalog order, keys in a fixed
 * order, one record per line, a final newline): *out is NUL-terminated, free(). */
int lb_snap_catalog_format(const struct lb_snap_catalog *cat, char **out, size_t *len_out,
			   struct lb_err *err);

/* One record as the JSON object the file holds (jansson's json_t *, cast to
 * void * so this header needs no jansson): for `snapshot create --json` and
 * `ls --json`. NULL only when out of memory. Release with json_decref. */
void *lb_snap_record_json(const struct lb_snap_record *rec);

/* The rules every record keeps, alone (uniqueness is the catalog's): valid
 * name, uuid, container name and id, origin hash, ids in 1..2^24-1 and
 * device_id != origin_device_id, created_unix in 0..253402300799 (year 9999).
 * LB_EUSAGE naming the field; `origin` prefixes the message (may be NULL). */
int lb_snap_record_check(const struct lb_snap_record *rec, const char *origin,
			 struct lb_err *err);

bool lb_snap_name_valid(const char *name);
/* A container name Docker allows, without the '/': [a-zA-Z0-9][a-zA-Z0-9_.-]*, <= 255. */
bool lb_snap_container_name_valid(const char *name);

/* Adds a copy of rec (checked with lb_snap_record_check), in sorted place. A
 * name already there is LB_EUSAGE; a uuid or device id already there is
 * LB_EUNSAFE (two records for one device would let rm delete the wrong one). */
int lb_snap_catalog_add(struct lb_snap_catalog *cat, const struct lb_snap_record *rec,
			struct lb_err *err);

/* Removes the record named `name`; none: LB_ENOTFOUND. */
int lb_snap_catalog_remove(struct lb_snap_catalog *cat, const char *name, struct lb_err *err);

/* Marks a pending record ready once the kernel made its device, with the
 * freeze measured. Not found: LB_ENOTFOUND; already ready: LB_EUSAGE. */
int lb_snap_catalog_mark_ready(struct lb_snap_catalog *cat, const char *name, uint64_t freeze_us,
			       struct lb_err *err);

/* Lookups; NULL when there is none. Pointers live until the next edit. */
const struct lb_snap_record *lb_snap_catalog_find_name(const struct lb_snap_catalog *cat,
						       const char *name);
const struct lb_snap_record *lb_snap_catalog_find_uuid(const struct lb_snap_catalog *cat,
						       const char *uuid);
const struct lb_snap_record *lb_snap_catalog_find_device(const struct lb_snap_catalog *cat,
							 uint32_t device_id);

/* How many records (pending included) belong to the container with this
 * full id: for `recover ls`'s snapshot count. */
size_t lb_snap_catalog_count_container(const struct lb_snap_catalog *cat, const char *container_id);

/* "<container>-<yyyymmddThhmmssZ>" for created_unix (UTC), with "-2", "-3"...
 * when the catalog already has that name; the container part is cut so the
 * whole fits LB_SNAP_NAME_MAX. LB_EUSAGE for an invalid container name. */
int lb_snap_default_name(const struct lb_snap_catalog *cat, const char *container,
			 int64_t created_unix, char out[LB_SNAP_NAME_MAX + 1], struct lb_err *err);

/* "2026-11-30T06:03:24Z" for t (0..253402300799); false out of range. */
bool lb_snap_rfc3339(int64_t t, char out[LB_SNAP_RFC3339_LEN + 1]);

/* The uuid's text for 16 random bytes (the caller reads them, e.g. getrandom). */
void lb_snap_uuid_from_bytes(const uint8_t bytes[16], char out[LB_SNAP_UUID_HEX + 1]);

#endif
