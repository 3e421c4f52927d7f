#include "snapshot/catalog.h"

#include "docker/container.h"
#include "docker/devmeta.h"
#include "docker/jsonfile.h"
#include "snapshot/json_strict.h"
#include "util/printable.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 9999-12-31T23:59:59Z: four-digit years only, so the text is fixed-width. */
#define LB_SNAP_MAX_UNIX 253402300799LL

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool lb_snap_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len < 1 || len > LB_SNAP_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

bool lb_snap_container_name_valid(const char *name)
{
	return name[0] != '/' && strlen(name) <= LB_SNAP_CONTAINER_MAX &&
	       lb_docker_is_container_name(name);
}

/* A dm name as the kernel takes it: printable ASCII without '/'. */
static bool pool_name_valid(const char *pool)
{
	size_t len = strlen(pool);
	if (len < 1 || len > LB_SNAP_POOL_MAX)
		return false;
	for (const char *p = pool; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/')
			return false;
	return true;
}

bool lb_snap_rfc3339(int64_t t, char out[LB_SNAP_RFC3339_LEN + 1])
{
	out[0] = '\0';
	if (t < 0 || t > LB_SNAP_MAX_UNIX)
		return false;
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return false;
	return strftime(out, LB_SNAP_RFC3339_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) ==
	       LB_SNAP_RFC3339_LEN;
}

void lb_snap_uuid_from_bytes(const uint8_t bytes[16], char out[LB_SNAP_UUID_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < 16; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[LB_SNAP_UUID_HEX] = '\0';
}

static int bad_field(struct lb_err *err, int code, const char *origin, const char *field,
		     const char *value, const char *rule)
{
	char shown[LB_PRINTABLE_CAP(80)];
	lb_printable(shown, sizeof(shown), value);
	return lb_fail(err, code, "%s%s%s: '%s' is not %s", origin ? origin : "", origin ? ": " : "",
		       field, shown, rule);
}

static int check_record(const struct lb_snap_record *r, const char *origin, int code,
			struct lb_err *err)
{
	char num[32];
	if (!lb_snap_name_valid(r->name))
		return bad_field(err, code, origin, "name", r->name,
				 "a snapshot name ([A-Za-z0-9_.-], 1..64, not starting with '.' or '-')");
	if (!lb_dj_is_hex(r->uuid, LB_SNAP_UUID_HEX))
		return bad_field(err, code, origin, "uuid", r->uuid, "32 lowercase hex digits");
	if (!lb_snap_container_name_valid(r->container))
		return bad_field(err, code, origin, "container", r->container,
				 "a container name Docker allows ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
	if (!lb_dj_is_hex(r->container_id, LB_SNAP_CONTAINER_ID_HEX))
		return bad_field(err, code, origin, "container_id", r->container_id,
				 "a 64-digit lowercase hex id");
	if (!r->origin_hash[0] || !lb_dm_is_hash(r->origin_hash))
		return bad_field(err, code, origin, "origin_hash", r->origin_hash,
				 "a device hash (64 lowercase hex, optionally -init)");
	const struct {
		const char *field;
		uint32_t id;
	} ids[] = {{"device_id", r->device_id}, {"origin_device_id", r->origin_device_id}};
	for (size_t i = 0; i < 2; i++)
		if (ids[i].id < 1 || ids[i].id > LB_DM_MAX_DEVICE_ID) {
			snprintf(num, sizeof(num), "%" PRIu32, ids[i].id);
			return bad_field(err, code, origin, ids[i].field, num,
					 "a thin device id (1..16777215)");
		}
	if (r->device_id == r->origin_device_id) {
		snprintf(num, sizeof(num), "%" PRIu32, r->device_id);
		return bad_field(err, code, origin, "device_id", num,
				 "a device of its own (it is the origin's id)");
	}
	if (r->created_unix < 0 || r->created_unix > LB_SNAP_MAX_UNIX) {
		snprintf(num, sizeof(num), "%" PRId64, r->created_unix);
		return bad_field(err, code, origin, "created_unix", num,
				 "a time in 1970..9999 (seconds since the epoch)");
	}
	if (r->state != LB_SNAP_PENDING && r->state != LB_SNAP_READY &&
	    r->state != LB_SNAP_IMPORTING) {
		snprintf(num, sizeof(num), "%d", (int)r->state);
		return bad_field(err, code, origin, "state", num, "pending, ready or importing");
	}
	return LB_OK;
}

int lb_snap_record_check(const struct lb_snap_record *rec, const char *origin, struct lb_err *err)
{
	return check_record(rec, origin, LB_EUSAGE, err);
}

int lb_snap_catalog_init(struct lb_snap_catalog *cat, const char *pool, struct lb_err *err)
{
	memset(cat, 0, sizeof(*cat));
	if (!pool_name_valid(pool))
		return bad_field(err, LB_EUSAGE, NULL, "pool", pool,
				 "a device-mapper name (printable, no '/', 1..127 bytes)");
	memcpy(cat->pool, pool, strlen(pool) + 1);
	return LB_OK;
}

void lb_snap_catalog_free(struct lb_snap_catalog *cat)
{
	free(cat->records);
	cat->records = NULL;
	cat->n_records = cat->cap_records = 0;
}

static int record_cmp(const struct lb_snap_record *a, const struct lb_snap_record *b)
{
	if (a->created_unix != b->created_unix)
		return a->created_unix < b->created_unix ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int record_qsort_cmp(const void *a, const void *b)
{
	return record_cmp(a, b);
}

const struct lb_snap_record *lb_snap_catalog_find_name(const struct lb_snap_catalog *cat,
						       const char *name)
{
	for (size_t i = 0; i < cat->n_records; i++)
		if (!strcmp(cat->records[i].name, name))
			return &cat->records[i];
	return NULL;
}

const struct lb_snap_record *lb_snap_catalog_find_uuid(const struct lb_snap_catalog *cat,
						       const char *uuid)
{
	for (size_t i = 0; i < cat->n_records; i++)
		if (!strcmp(cat->records[i].uuid, uuid))
			return &cat->records[i];
	return NULL;
}

const struct lb_snap_record *lb_snap_catalog_find_device(const struct lb_snap_catalog *cat,
							 uint32_t device_id)
{
	for (size_t i = 0; i < cat->n_records; i++)
		if (cat->records[i].device_id == device_id)
			return &cat->records[i];
	return NULL;
}

size_t lb_snap_catalog_count_container(const struct lb_snap_catalog *cat, const char *container_id)
{
	size_t n = 0;
	for (size_t i = 0; i < cat->n_records; i++)
		n += !strcmp(cat->records[i].container_id, container_id);
	return n;
}

/* The clash a new record would make with the catalog: a name is the
 * operator's to change (usage); a uuid or device id twice would make two
 * records for one device (unsafe). */
static int check_unique(const struct lb_snap_catalog *cat, const struct lb_snap_record *rec,
			const char *origin, int dup_code, struct lb_err *err)
{
	const char *o = origin ? origin : cat->pool;
	if (lb_snap_catalog_find_name(cat, rec->name))
		return lb_fail(err, dup_code == LB_EINTEGRITY ? LB_EINTEGRITY : LB_EUSAGE,
			       "%s: a snapshot named '%s' is already in the catalog", o, rec->name);
	const struct lb_snap_record *other = lb_snap_catalog_find_uuid(cat, rec->uuid);
	if (other)
		return lb_fail(err, dup_code, "%s: snapshot '%s' has the uuid %s of snapshot '%s'", o,
			       rec->name, rec->uuid, other->name);
	other = lb_snap_catalog_find_device(cat, rec->device_id);
	if (other)
		return lb_fail(err, dup_code,
			       "%s: snapshot '%s' has device id %" PRIu32 " of snapshot '%s'", o,
			       rec->name, rec->device_id, other->name);
	return LB_OK;
}

static int append(struct lb_snap_catalog *cat, const struct lb_snap_record *rec, struct lb_err *err)
{
	if (cat->n_records >= LB_SNAP_CATALOG_MAX_RECORDS)
		return lb_fail(err, LB_EUNSAFE, "%s: the catalog holds the most records it can (%u)",
			       cat->pool, LB_SNAP_CATALOG_MAX_RECORDS);
	if (cat->n_records == cat->cap_records) {
		size_t cap = cat->cap_records ? cat->cap_records * 2 : 16;
		struct lb_snap_record *bigger = realloc(cat->records, cap * sizeof(*bigger));
		if (!bigger)
			return lb_fail(err, LB_EFAIL, "%s: catalog: out of memory", cat->pool);
		cat->records = bigger;
		cat->cap_records = cap;
	}
	cat->records[cat->n_records++] = *rec;
	return LB_OK;
}

int lb_snap_catalog_add(struct lb_snap_catalog *cat, const struct lb_snap_record *rec,
			struct lb_err *err)
{
	int rc = lb_snap_record_check(rec, cat->pool, err);
	if (!rc)
		rc = check_unique(cat, rec, NULL, LB_EUNSAFE, err);
	if (!rc)
		rc = append(cat, rec, err);
	if (rc)
		return rc;
	/* Move the new last record back to its sorted place. */
	size_t i = cat->n_records - 1;
	struct lb_snap_record added = cat->records[i];
	while (i > 0 && record_cmp(&cat->records[i - 1], &added) > 0) {
		cat->records[i] = cat->records[i - 1];
		i--;
	}
	cat->records[i] = added;
	return LB_OK;
}

int lb_snap_catalog_remove(struct lb_snap_catalog *cat, const char *name, struct lb_err *err)
{
	const struct lb_snap_record *r = lb_snap_catalog_find_name(cat, name);
	if (!r) {
		char shown[LB_PRINTABLE_CAP(LB_SNAP_NAME_MAX)];
		lb_printable(shown, sizeof(shown), name);
		return lb_fail(err, LB_ENOTFOUND, "%s: no snapshot named '%s'", cat->pool, shown);
	}
	size_t i = (size_t)(r - cat->records);
	memmove(&cat->records[i], &cat->records[i + 1],
		(cat->n_records - i - 1) * sizeof(cat->records[0]));
	cat->n_records--;
	return LB_OK;
}

int lb_snap_catalog_mark_ready(struct lb_snap_catalog *cat, const char *name, uint64_t freeze_us,
			       struct lb_err *err)
{
	const struct lb_snap_record *found = lb_snap_catalog_find_name(cat, name);
	if (!found) {
		char shown[LB_PRINTABLE_CAP(LB_SNAP_NAME_MAX)];
		lb_printable(shown, sizeof(shown), name);
		return lb_fail(err, LB_ENOTFOUND, "%s: no snapshot named '%s'", cat->pool, shown);
	}
	struct lb_snap_record *r = &cat->records[found - cat->records];
	if (r->state == LB_SNAP_READY)
		return lb_fail(err, LB_EUSAGE, "%s: snapshot '%s' is already ready", cat->pool, name);
	r->state = LB_SNAP_READY;
	r->freeze_us = freeze_us;
	return LB_OK;
}

int lb_snap_default_name(const struct lb_snap_catalog *cat, const char *container,
			 int64_t created_unix, char out[LB_SNAP_NAME_MAX + 1], struct lb_err *err)
{
	out[0] = '\0';
	if (container[0] == '/')
		container++;
	if (!lb_snap_container_name_valid(container))
		return bad_field(err, LB_EUSAGE, NULL, "container", container,
				 "a container name Docker allows ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
	time_t tt = (time_t)created_unix;
	struct tm tm;
	char stamp[32];
	if (created_unix < 0 || created_unix > LB_SNAP_MAX_UNIX || !gmtime_r(&tt, &tm) ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return lb_fail(err, LB_EUSAGE, "%s: time %" PRId64 " is out of range", container,
			       created_unix);
	/* Room for "-<stamp>" and a suffix up to "-100000" (more records than
	 * the catalog holds), so every candidate fits without cutting again. */
	size_t room = LB_SNAP_NAME_MAX - 1 - strlen(stamp) - 7;
	int base_len = (int)(strlen(container) < room ? strlen(container) : room);
	for (unsigned n = 1; n <= LB_SNAP_CATALOG_MAX_RECORDS + 1; n++) {
		if (n == 1)
			snprintf(out, LB_SNAP_NAME_MAX + 1, "%.*s-%s", base_len, container, stamp);
		else
			snprintf(out, LB_SNAP_NAME_MAX + 1, "%.*s-%s-%u", base_len, container, stamp, n);
		if (!lb_snap_catalog_find_name(cat, out))
			return LB_OK;
	}
	out[0] = '\0';
	return lb_fail(err, LB_EUNSAFE, "%s: no free snapshot name for %s", cat->pool, container);
}

/* ---- the file's JSON ---- */

static const char *state_name(enum lb_snap_state s)
{
	return s == LB_SNAP_READY ? "ready" : s == LB_SNAP_IMPORTING ? "importing" : "pending";
}

void *lb_snap_record_json(const struct lb_snap_record *r)
{
	char created[LB_SNAP_RFC3339_LEN + 1];
	lb_snap_rfc3339(r->created_unix, created);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:I}", "name",
			 r->name, "uuid", r->uuid, "container", r->container, "container_id",
			 r->container_id, "device_id", (json_int_t)r->device_id, "origin_device_id",
			 (json_int_t)r->origin_device_id, "origin_hash", r->origin_hash, "created",
			 created, "created_unix", (json_int_t)r->created_unix, "size_bytes",
			 (json_int_t)r->size_bytes, "state", state_name(r->state), "freeze_us",
			 (json_int_t)r->freeze_us);
}

int lb_snap_catalog_format(const struct lb_snap_catalog *cat, char **out, size_t *len_out,
			   struct lb_err *err)
{
	*out = NULL;
	*len_out = 0;
	/* Built by hand around jansson's compact dumps of each record, so the
	 * file has one record per line (diffable) and a fixed key order. */
	json_t *head = json_pack("{s:i, s:s}", "version", LB_SNAP_CATALOG_VERSION, "pool", cat->pool);
	char *head_text = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(head);
	size_t cap = 64 + (head_text ? strlen(head_text) : 0), len = 0;
	char *buf = head_text ? malloc(cap) : NULL;
	int rc = LB_OK;
	if (!buf) {
		rc = lb_fail(err, LB_EFAIL, "%s: catalog: out of memory", cat->pool);
		goto out;
	}
	/* head_text is "{...}": drop its closing brace to add "snapshots". */
	len = (size_t)snprintf(buf, cap, "%.*s,\"snapshots\":[", (int)strlen(head_text) - 1,
			       head_text);
	for (size_t i = 0; i < cat->n_records && !rc; i++) {
		json_t *rec = lb_snap_record_json(&cat->records[i]);
		char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(rec);
		size_t need = len + (text ? strlen(text) : 0) + 8;
		if (text && need > cap) {
			size_t bigger_cap = need * 2;
			char *bigger = realloc(buf, bigger_cap);
			if (bigger) {
				buf = bigger;
				cap = bigger_cap;
			} else {
				free(text);
				text = NULL;
			}
		}
		if (!text) {
			rc = lb_fail(err, LB_EFAIL, "%s: catalog: out of memory", cat->pool);
			break;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s\n%s", i ? "," : "", text);
		free(text);
	}
	if (!rc) {
		len += (size_t)snprintf(buf + len, cap - len, "%s]}\n", cat->n_records ? "\n" : "");
		*out = buf;
		*len_out = len;
		buf = NULL;
	}
out:
	free(buf);
	free(head_text);
	return rc;
}

static int get_id(const struct lb_dj_ctx *c, const json_t *obj, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	int rc = lb_dj_get_u64(c, obj, key, LB_DJ_REQUIRED, &v, NULL);
	if (!rc && (v < 1 || v > LB_DM_MAX_DEVICE_ID))
		return lb_fail(c->err, LB_EINTEGRITY,
			       "%s: key \"%s.%s\": %" PRIu64 " is not a thin device id (1..16777215)",
			       c->origin, c->parent, key, v);
	*out = (uint32_t)v;
	return rc;
}

static int parse_record(const char *origin, size_t index, const json_t *obj,
			struct lb_snap_record *r, struct lb_err *err)
{
	static const char *const keys[] = {"name",	  "uuid",	"container",  "container_id",
					   "device_id",	  "origin_device_id", "origin_hash",
					   "created",	  "created_unix", "size_bytes", "state",
					   "freeze_us",	  NULL};
	char where[48];
	snprintf(where, sizeof(where), "snapshots[%zu]", index);
	if (!json_is_object(obj))
		return lb_fail(err, LB_EINTEGRITY, "%s: %s: expected an object", origin, where);
	int rc = lb_snap_json_only_keys(obj, keys, origin, where, LB_EINTEGRITY, err);
	if (rc)
		return rc;
	const struct lb_dj_ctx c = {.origin = origin, .parent = where, .err = err};
	memset(r, 0, sizeof(*r));
	char created[LB_SNAP_RFC3339_LEN + 1], state[16], want[LB_SNAP_RFC3339_LEN + 1];
	uint64_t created_unix = 0;
	if ((rc = lb_dj_get_str(&c, obj, "name", LB_DJ_REQUIRED, r->name, sizeof(r->name), NULL)) ||
	    (rc = lb_dj_get_str(&c, obj, "uuid", LB_DJ_REQUIRED, r->uuid, sizeof(r->uuid), NULL)) ||
	    (rc = lb_dj_get_str(&c, obj, "container", LB_DJ_REQUIRED, r->container,
				sizeof(r->container), NULL)) ||
	    (rc = lb_dj_get_str(&c, obj, "container_id", LB_DJ_REQUIRED, r->container_id,
				sizeof(r->container_id), NULL)) ||
	    (rc = get_id(&c, obj, "device_id", &r->device_id)) ||
	    (rc = get_id(&c, obj, "origin_device_id", &r->origin_device_id)) ||
	    (rc = lb_dj_get_str(&c, obj, "origin_hash", LB_DJ_REQUIRED, r->origin_hash,
				sizeof(r->origin_hash), NULL)) ||
	    (rc = lb_dj_get_str(&c, obj, "created", LB_DJ_REQUIRED, created, sizeof(created),
				NULL)) ||
	    (rc = lb_dj_get_u64(&c, obj, "created_unix", LB_DJ_REQUIRED, &created_unix, NULL)) ||
	    (rc = lb_dj_get_u64(&c, obj, "size_bytes", LB_DJ_REQUIRED, &r->size_bytes, NULL)) ||
	    (rc = lb_dj_get_str(&c, obj, "state", LB_DJ_REQUIRED, state, sizeof(state), NULL)) ||
	    (rc = lb_dj_get_u64(&c, obj, "freeze_us", LB_DJ_REQUIRED, &r->freeze_us, NULL)))
		return rc;
	if (!strcmp(state, "ready"))
		r->state = LB_SNAP_READY;
	else if (!strcmp(state, "pending"))
		r->state = LB_SNAP_PENDING;
	else if (!strcmp(state, "importing"))
		r->state = LB_SNAP_IMPORTING;
	else
		return bad_field(err, LB_EINTEGRITY, origin, "state", state,
				 "pending, ready or importing");
	/* Out of range becomes -1, which check_record refuses by name. */
	r->created_unix = created_unix > (uint64_t)LB_SNAP_MAX_UNIX ? -1 : (int64_t)created_unix;
	char rec_origin[256];
	snprintf(rec_origin, sizeof(rec_origin), "%s: %s", origin, where);
	if ((rc = check_record(r, rec_origin, LB_EINTEGRITY, err)))
		return rc;
	lb_snap_rfc3339(r->created_unix, want);
	if (strcmp(created, want))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: created: '%s' is not created_unix %" PRId64 " (%s)", rec_origin,
			       created, r->created_unix, want);
	return LB_OK;
}

static int parse_root(const char *origin, const json_t *root, struct lb_snap_catalog *out,
		      struct lb_err *err)
{
	static const char *const keys[] = {"version", "pool", "snapshots", NULL};
	const struct lb_dj_ctx c = {.origin = origin, .parent = NULL, .err = err};
	int64_t version = 0;
	/* The version first: a newer file may differ in any other way. */
	int rc = lb_dj_get_i64(&c, root, "version", LB_DJ_REQUIRED, &version, NULL);
	if (rc)
		return rc;
	if (version != LB_SNAP_CATALOG_VERSION)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: catalog version %lld is %s this lifeboat (which reads version %d)",
			       origin, (long long)version,
			       version > LB_SNAP_CATALOG_VERSION ? "newer than" : "unknown to",
			       LB_SNAP_CATALOG_VERSION);
	if ((rc = lb_snap_json_only_keys(root, keys, origin, NULL, LB_EINTEGRITY, err)))
		return rc;
	char pool[LB_SNAP_POOL_MAX + 1];
	if ((rc = lb_dj_get_str(&c, root, "pool", LB_DJ_REQUIRED, pool, sizeof(pool), NULL)))
		return rc;
	if (!pool_name_valid(pool))
		return bad_field(err, LB_EINTEGRITY, origin, "pool", pool,
				 "a device-mapper name (printable, no '/', 1..127 bytes)");
	memcpy(out->pool, pool, sizeof(pool));
	const json_t *list = json_object_get(root, "snapshots");
	if (!json_is_array(list))
		return lb_fail(err, LB_EINTEGRITY, "%s: key \"snapshots\": expected an array", origin);
	if (json_array_size(list) > LB_SNAP_CATALOG_MAX_RECORDS)
		return lb_fail(err, LB_EINTEGRITY, "%s: %zu snapshots is over the limit of %u", origin,
			       json_array_size(list), LB_SNAP_CATALOG_MAX_RECORDS);
	for (size_t i = 0; i < json_array_size(list); i++) {
		struct lb_snap_record r;
		if ((rc = parse_record(origin, i, json_array_get(list, i), &r, err)))
			return rc;
		char where[300];
		snprintf(where, sizeof(where), "%s: snapshots[%zu]", origin, i);
		if ((rc = check_unique(out, &r, where, LB_EINTEGRITY, err)) ||
		    (rc = append(out, &r, err)))
			return rc;
	}
	if (out->n_records)
		qsort(out->records, out->n_records, sizeof(out->records[0]), record_qsort_cmp);
	return LB_OK;
}

int lb_snap_catalog_parse(const char *text, size_t len, const char *origin,
			  struct lb_snap_catalog *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *root;
	int rc = lb_snap_json_load(text, len, LB_SNAP_CATALOG_MAX_BYTES, "the catalog's", origin,
				   LB_EINTEGRITY, &root, err);
	if (rc)
		return rc;
	rc = parse_root(origin, root, out, err);
	json_decref(root);
	if (rc)
		lb_snap_catalog_free(out);
	return rc;
}
