#include "docker/devmeta.h"

#include "docker/jsonfile.h"
#include "docker/layerdb.h"
#include "util/printable.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lb_dm_device_file(const char *hash)
{
	return hash[0] ? hash : LB_DM_BASE_FILE;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool lb_dm_is_device_file(const char *file_name, const char **hash_out)
{
	if (file_name[0] == '.' || has_suffix(file_name, ".migrated") ||
	    strcmp(file_name, LB_DM_DEVICESET_FILE) == 0 ||
	    strcmp(file_name, LB_DM_TRANSACTION_FILE) == 0)
		return false;
	if (hash_out)
		*hash_out = strcmp(file_name, LB_DM_BASE_FILE) == 0 ? "" : file_name;
	return true;
}

bool lb_dm_is_hash(const char *hash)
{
	return !hash[0] || lb_docker_is_layer_id(hash);
}

/* A thin device id must fit the pool's 24 bits; Docker refuses bigger ones. */
static int get_device_id(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
			 enum lb_dj_need need, uint32_t *out)
{
	uint64_t id = 0;
	bool found = false;
	int rc = lb_dj_get_u64(c, obj, key, need, &id, &found);
	if (rc || !found)
		return rc;
	if (id > LB_DM_MAX_DEVICE_ID)
		return lb_fail(c->err, LB_EINTEGRITY,
			       "%s: key \"%s\": device id %llu is over the 24-bit limit %u", c->origin,
			       key, (unsigned long long)id, LB_DM_MAX_DEVICE_ID);
	*out = (uint32_t)id;
	return 0;
}

static int copy_hash(char *dst, const char *hash, const char *origin, struct lb_err *err)
{
	size_t n = strlen(hash);
	if (n >= LB_DM_HASH_MAX)
		return lb_fail(err, LB_EINTEGRITY, "%s: device hash of %zu bytes is too long", origin, n);
	memcpy(dst, hash, n + 1);
	return 0;
}

static int device_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_dm_device *d = out;
	int rc = get_device_id(c, root, "device_id", LB_DJ_REQUIRED, &d->device_id);
	if (!rc)
		rc = lb_dj_get_u64(c, root, "size", LB_DJ_REQUIRED, &d->size_bytes, NULL);
	if (!rc)
		rc = lb_dj_get_u64(c, root, "transaction_id", LB_DJ_OPTIONAL, &d->transaction_id, NULL);
	if (!rc)
		rc = lb_dj_get_bool(c, root, "initialized", LB_DJ_OPTIONAL, &d->initialized, NULL);
	if (!rc)
		rc = lb_dj_get_bool(c, root, "deleted", LB_DJ_OPTIONAL, &d->deleted, NULL);
	return rc;
}

static int deviceset_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_dm_deviceset *s = out;
	int rc = get_device_id(c, root, "next_device_id", LB_DJ_OPTIONAL, &s->next_device_id);
	if (!rc)
		rc = lb_dj_get_text(c, root, "BaseDeviceUUID", LB_DJ_OPTIONAL, s->base_device_uuid,
				    sizeof(s->base_device_uuid), NULL);
	if (!rc)
		rc = lb_dj_get_text(c, root, "BaseDeviceFilesystem", LB_DJ_OPTIONAL,
				    s->base_device_filesystem, sizeof(s->base_device_filesystem), NULL);
	return rc;
}

static int transaction_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_dm_transaction *t = out;
	int rc = lb_dj_get_u64(c, root, "open_transaction_id", LB_DJ_OPTIONAL,
			       &t->open_transaction_id, NULL);
	if (!rc)
		rc = lb_dj_get_str(c, root, "device_hash", LB_DJ_OPTIONAL, t->device_hash,
				   sizeof(t->device_hash), NULL);
	/* The doctor names the device's file by it. */
	if (!rc && !lb_dm_is_hash(t->device_hash)) {
		char shown[LB_PRINTABLE_CAP(80)];
		lb_printable(shown, sizeof(shown), t->device_hash);
		rc = lb_fail(c->err, LB_EINTEGRITY,
			     "%s: key \"device_hash\": '%s' is not a device hash (64 hex digits, "
			     "optionally -init, or \"\" for the base device)",
			     c->origin, shown);
	}
	if (!rc)
		rc = get_device_id(c, root, "device_id", LB_DJ_OPTIONAL, &t->device_id);
	return rc;
}

int lb_dm_device_parse(const char *text, size_t len, const char *origin, const char *hash,
		       struct lb_dm_device *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = copy_hash(out->hash, hash, origin, err);
	if (rc)
		return rc;
	return lb_dj_parse_doc(text, len, origin, LB_DJ_STRICT, device_fields, out, err);
}

int lb_dm_deviceset_parse(const char *text, size_t len, const char *origin,
			  struct lb_dm_deviceset *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return lb_dj_parse_doc(text, len, origin, LB_DJ_STRICT, deviceset_fields, out, err);
}

int lb_dm_transaction_parse(const char *text, size_t len, const char *origin,
			    struct lb_dm_transaction *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return lb_dj_parse_doc(text, len, origin, LB_DJ_STRICT, transaction_fields, out, err);
}

/* Reads <metadata_dir>/<file> into a zeroed `out` through `fields`. */
static int load_file(const char *metadata_dir, const char *file, lb_dj_fields_fn fields,
		     void *out, struct lb_err *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", metadata_dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return lb_fail(err, LB_EUSAGE, "%s/%s: path too long", metadata_dir, file);
	return lb_dj_load_doc(path, LB_DJ_STRICT, fields, out, err);
}

int lb_dm_device_load(const char *metadata_dir, const char *hash, struct lb_dm_device *out,
		      struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (strchr(hash, '/') || strcmp(hash, ".") == 0 || strcmp(hash, "..") == 0)
		return lb_fail(err, LB_EUSAGE, "%s: not a device hash", hash);
	int rc = copy_hash(out->hash, hash, metadata_dir, err);
	if (rc)
		return rc;
	return load_file(metadata_dir, lb_dm_device_file(hash), device_fields, out, err);
}

int lb_dm_deviceset_load(const char *metadata_dir, struct lb_dm_deviceset *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return load_file(metadata_dir, LB_DM_DEVICESET_FILE, deviceset_fields, out, err);
}

int lb_dm_transaction_load(const char *metadata_dir, struct lb_dm_transaction *out,
			   struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return load_file(metadata_dir, LB_DM_TRANSACTION_FILE, transaction_fields, out, err);
}
