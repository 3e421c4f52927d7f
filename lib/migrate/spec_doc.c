/* The spec document as a file: strict check, parse, canonical text, and the
 * edits the caller makes after translating (image, volume digests). */
#include "migrate/spec.h"

#include "migrate/spec_internal.h"
#include "docker/jsonfile.h"
#include "oci/digest.h"
#include "snapshot/json_strict.h"
#include "util/printable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<origin>: <where>: expected <want>" */
static int bad(const char *origin, const char *where, const char *want, struct lb_err *err)
{
	return lb_fail(err, LB_EINTEGRITY, "%s: %s: expected %s", origin, where, want);
}

/* A field and its type: s string, b boolean, o object, a array, d null or
 * a digest, '*' any value. */
struct field {
	const char *key;
	char type;
};

static bool type_ok(const json_t *v, char type)
{
	switch (type) {
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'o': return json_is_object(v);
	case 'a': return json_is_array(v);
	case 'd': return json_is_null(v) || lb_digest_valid(json_string_value(v) ?: "");
	default: return v != NULL;
	}
}

static const char *type_name(char type)
{
	switch (type) {
	case 's': return "a string";
	case 'b': return "a boolean";
	case 'o': return "an object";
	case 'a': return "an array";
	case 'd': return "null or a sha256: digest";
	default: return "a value";
	}
}

/* obj has exactly the listed fields (all required), each of its type. */
static int object_fields(const json_t *obj, const struct field *fields, size_t n,
			 const char *origin, const char *where, struct lb_err *err)
{
	if (!json_is_object(obj))
		return bad(origin, where, "an object", err);
	const char *keys[16];
	for (size_t i = 0; i < n; i++)
		keys[i] = fields[i].key;
	keys[n] = NULL;
	int rc = lb_snap_json_only_keys(obj, keys, origin, where, LB_EINTEGRITY, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (!type_ok(json_object_get(obj, fields[i].key), fields[i].type)) {
			char at[300];
			snprintf(at, sizeof(at), "%s.%s", where, fields[i].key);
			rc = bad(origin, at, type_name(fields[i].type), err);
		}
	}
	return rc;
}

static int strings_object(const json_t *obj, const char *origin, const char *where,
			  struct lb_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		(void)k;
		if (!json_is_string(v))
			return bad(origin, where, "an object of strings", err);
	}
	return LB_OK;
}

typedef int (*item_fn)(const json_t *item, const char *origin, const char *where,
		       struct lb_err *err);

static int each_item(const json_t *arr, item_fn fn, const char *origin, const char *name,
		     struct lb_err *err)
{
	size_t i;
	json_t *item;
	json_array_foreach(arr, i, item) {
		char where[64];
		snprintf(where, sizeof(where), "%s[%zu]", name, i);
		int rc = fn(item, origin, where, err);
		if (rc)
			return rc;
	}
	return LB_OK;
}

static int check_volume(const json_t *v, const char *origin, const char *where,
			struct lb_err *err)
{
	static const struct field f[] = {{"name", 's'},        {"destination", 's'},
					 {"driver", 's'},      {"driver_opts", 'o'},
					 {"labels", 'o'},      {"rw", 'b'},
					 {"digest", 'd'}};
	int rc = object_fields(v, f, sizeof(f) / sizeof(f[0]), origin, where, err);
	if (!rc && !lb_spec_volume_name_valid(json_string_value(json_object_get(v, "name"))))
		rc = bad(origin, where, "a volume name Docker allows as name", err);
	if (!rc && json_string_value(json_object_get(v, "destination"))[0] != '/')
		rc = bad(origin, where, "an absolute destination", err);
	if (!rc)
		rc = strings_object(json_object_get(v, "driver_opts"), origin, where, err);
	if (!rc)
		rc = strings_object(json_object_get(v, "labels"), origin, where, err);
	return rc;
}

static int check_bind(const json_t *v, const char *origin, const char *where, struct lb_err *err)
{
	static const struct field f[] = {
		{"source", 's'}, {"destination", 's'}, {"options", 's'}, {"rw", 'b'}};
	return object_fields(v, f, sizeof(f) / sizeof(f[0]), origin, where, err);
}

static int check_device(const json_t *v, const char *origin, const char *where,
			struct lb_err *err)
{
	static const struct field f[] = {
		{"path_on_host", 's'}, {"path_in_container", 's'}, {"cgroup_permissions", 's'}};
	return object_fields(v, f, sizeof(f) / sizeof(f[0]), origin, where, err);
}

static int check_network(const json_t *v, const char *origin, const char *where,
			 struct lb_err *err)
{
	static const struct field f[] = {{"name", 's'}, {"aliases", 'a'}, {"primary", 'b'}};
	int rc = object_fields(v, f, sizeof(f) / sizeof(f[0]), origin, where, err);
	size_t i;
	json_t *a;
	if (!rc)
		json_array_foreach(json_object_get(v, "aliases"), i, a)
			if (!json_is_string(a))
				return bad(origin, where, "aliases as strings", err);
	return rc;
}

static int check_change(const json_t *v, const char *origin, const char *where,
			struct lb_err *err)
{
	static const struct field with_to[] = {
		{"field", 's'}, {"action", 's'}, {"from", '*'}, {"why", 's'}, {"to", '*'}};
	const char *action = json_string_value(json_object_get(v, "action"));
	bool has_to = json_is_object(v) && json_object_get(v, "to");
	int rc = object_fields(v, with_to, has_to ? 5 : 4, origin, where, err);
	if (!rc && strcmp(action, "dropped") && strcmp(action, "changed"))
		rc = bad(origin, where, "action \"dropped\" or \"changed\"", err);
	if (!rc && !strcmp(action, "changed") && !has_to)
		rc = bad(origin, where, "a \"to\" for a changed setting", err);
	return rc;
}

static int check_source(const json_t *v, const char *origin, struct lb_err *err)
{
	static const struct field f[] = {{"id", 's'},      {"name", 's'}, {"image", 's'},
					 {"created", 's'}, {"running", 'b'}};
	int rc = object_fields(v, f, sizeof(f) / sizeof(f[0]), origin, "source", err);
	if (!rc && !lb_dj_is_hex(json_string_value(json_object_get(v, "id")), 64))
		rc = bad(origin, "source.id", "a 64-digit hex container id", err);
	return rc;
}

static int check_create(const json_t *v, const char *origin, struct lb_err *err)
{
	if (!json_is_object(v))
		return bad(origin, "create", "an object", err);
	const json_t *image = json_object_get(v, "Image");
	if (image && !json_is_string(image))
		return bad(origin, "create.Image", "a string", err);
	const json_t *host = json_object_get(v, "HostConfig");
	if (host && !json_is_object(host))
		return bad(origin, "create.HostConfig", "an object", err);
	const json_t *nc = json_object_get(v, "NetworkingConfig");
	if (nc && (!json_is_object(nc) ||
		   !json_is_object(json_object_get(nc, "EndpointsConfig"))))
		return bad(origin, "create.NetworkingConfig", "an object with EndpointsConfig", err);
	return LB_OK;
}

int lb_spec_check(const json_t *spec, const char *origin, struct lb_err *err)
{
	if (!json_is_object(spec))
		return bad(origin, "the spec", "an object", err);
	const json_t *version = json_object_get(spec, "lifeboat_container_spec");
	if (!json_is_integer(version) || json_integer_value(version) < 1)
		return bad(origin, "lifeboat_container_spec", "a version number from 1", err);
	if (json_integer_value(version) > LB_SPEC_VERSION)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: written by a newer lifeboat (version %lld); this one reads "
			       "version %d",
			       origin, (long long)json_integer_value(version), LB_SPEC_VERSION);
	static const struct field f[] = {
		{"lifeboat_container_spec", '*'}, {"source", 'o'}, {"create", 'o'},
		{"volumes", 'a'}, {"binds", 'a'}, {"devices", 'a'}, {"networks", 'a'},
		{"changes", 'a'}};
	int rc = object_fields(spec, f, sizeof(f) / sizeof(f[0]), origin, "spec", err);
	if (!rc)
		rc = check_source(json_object_get(spec, "source"), origin, err);
	if (!rc)
		rc = check_create(json_object_get(spec, "create"), origin, err);
	if (!rc)
		rc = each_item(json_object_get(spec, "volumes"), check_volume, origin, "volumes", err);
	if (!rc)
		rc = each_item(json_object_get(spec, "binds"), check_bind, origin, "binds", err);
	if (!rc)
		rc = each_item(json_object_get(spec, "devices"), check_device, origin, "devices", err);
	if (!rc)
		rc = each_item(json_object_get(spec, "networks"), check_network, origin, "networks",
			       err);
	if (!rc)
		rc = each_item(json_object_get(spec, "changes"), check_change, origin, "changes", err);
	/* One volume's data travels once: a name given twice is damage. */
	const json_t *vols = json_object_get(spec, "volumes");
	for (size_t i = 0; !rc && i < json_array_size(vols); i++)
		for (size_t j = 0; !rc && j < i; j++)
			if (json_equal(json_object_get(json_array_get(vols, i), "name"),
				       json_object_get(json_array_get(vols, j), "name")))
				rc = bad(origin, "volumes", "each volume name once", err);
	return rc;
}

int lb_spec_parse(const char *text, size_t len, const char *origin, json_t **spec_out,
		  struct lb_err *err)
{
	json_t *root;
	int rc = lb_snap_json_load(text, len, LB_SPEC_MAX_BYTES, "the spec's", origin,
				   LB_EINTEGRITY, &root, err);
	if (!rc && (rc = lb_spec_check(root, origin, err))) {
		json_decref(root);
		root = NULL;
	}
	*spec_out = root;
	return rc;
}

int lb_spec_format(const json_t *spec, char **text_out, size_t *len_out, struct lb_err *err)
{
	*text_out = NULL;
	*len_out = 0;
	char *body = json_dumps(spec, JSON_SORT_KEYS | JSON_COMPACT);
	size_t n = body ? strlen(body) : 0;
	char *text = body ? realloc(body, n + 2) : NULL;
	if (!text) {
		free(body);
		return lb_fail(err, LB_EFAIL, "spec: out of memory");
	}
	text[n] = '\n';
	text[n + 1] = '\0';
	*text_out = text;
	*len_out = n + 1;
	return LB_OK;
}

int lb_spec_set_image(json_t *spec, const char *image_ref, struct lb_err *err)
{
	json_t *create = json_object_get(spec, "create");
	if (!json_is_object(create) || !image_ref[0])
		return lb_fail(err, LB_EUSAGE, "spec: no create body, or an empty image ref");
	if (json_object_set_new(create, "Image", json_string(image_ref)))
		return lb_fail(err, LB_EUSAGE, "%.200s: not a UTF-8 image ref", image_ref);
	return LB_OK;
}

int lb_spec_set_volume_digest(json_t *spec, const char *volume_name, const char *digest,
			      struct lb_err *err)
{
	if (!lb_digest_valid(digest))
		return lb_fail(err, LB_EUSAGE, "%.100s: not a sha256: digest", digest);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (name && !strcmp(name, volume_name))
			return json_object_set_new(v, "digest", json_string(digest))
				       ? lb_fail(err, LB_EFAIL, "spec: out of memory")
				       : LB_OK;
	}
	return lb_fail(err, LB_ENOTFOUND, "spec: no named volume %.200s", volume_name);
}
