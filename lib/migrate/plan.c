/* The plan file: strict parse and canonical text (docs/container-spec.md). */
#include "migrate/plan.h"

#include "docker/container.h"
#include "docker/jsonfile.h"
#include "migrate/spec.h"
#include "snapshot/json_strict.h"
#include "util/printable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"pending", "committed", "pushed", "failed"};

const char *lb_plan_status_name(enum lb_plan_status status)
{
	return (unsigned)status < 4 ? status_names[status] : "?";
}

static void entry_free(struct lb_plan_entry *e)
{
	json_decref(e->spec);
	free(e->volumes);
}

void lb_plan_free(struct lb_plan *plan)
{
	for (size_t i = 0; i < plan->n_entries; i++)
		entry_free(&plan->entries[i]);
	free(plan->entries);
	memset(plan, 0, sizeof(*plan));
}

/* Where a field sits, for messages: "containers[3].digest". */
struct at {
	const char *origin;
	char where[96];
	struct lb_err *err;
};

static int bad(const struct at *a, const char *key, const char *want)
{
	return lb_fail(a->err, LB_EINTEGRITY, "%s: %s%s%s: expected %s", a->origin, a->where,
		       a->where[0] ? "." : "", key, want);
}

static int get_str(const struct at *a, const json_t *obj, const char *key, char *buf, size_t cap)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s)
		return bad(a, key, "a string");
	if (strlen(s) >= cap) {
		char want[64];
		snprintf(want, sizeof(want), "at most %zu bytes", cap - 1);
		return bad(a, key, want);
	}
	strcpy(buf, s);
	return LB_OK;
}

/* "" or a sha256 digest. */
static int get_digest(const struct at *a, const json_t *obj, const char *key, char *buf)
{
	int rc = get_str(a, obj, key, buf, LB_DIGEST_CAP);
	if (!rc && buf[0] && !lb_digest_valid(buf))
		rc = bad(a, key, "\"\" or a sha256: digest");
	return rc;
}

static int parse_volumes(const struct at *a, const json_t *arr, struct lb_plan_entry *e)
{
	if (!json_is_array(arr))
		return bad(a, "volumes", "an array");
	e->volumes = calloc(json_array_size(arr) + 1, sizeof(*e->volumes));
	if (!e->volumes)
		return lb_fail(a->err, LB_EFAIL, "%s: out of memory", a->origin);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		struct at va = {.origin = a->origin, .err = a->err};
		snprintf(va.where, sizeof(va.where), "%.60s.volumes[%zu]", a->where, i);
		static const char *const keys[] = {"name", "digest", NULL};
		struct lb_plan_volume *vol = &e->volumes[i];
		if (!json_is_object(v))
			return bad(a, "volumes", "an array of objects");
		int rc = lb_snap_json_only_keys(v, keys, a->origin, va.where, LB_EINTEGRITY, a->err);
		if (!rc)
			rc = get_str(&va, v, "name", vol->name, sizeof(vol->name));
		if (!rc && (vol->name[0] == '/' || !lb_docker_is_container_name(vol->name)))
			rc = bad(&va, "name", "a volume name Docker allows");
		if (!rc)
			rc = get_digest(&va, v, "digest", vol->digest);
		for (size_t j = 0; !rc && j < i; j++)
			if (!strcmp(e->volumes[j].name, vol->name))
				rc = bad(&va, "name", "each volume once");
		if (rc)
			return rc;
		e->n_volumes++;
	}
	return LB_OK;
}

static int parse_status(const struct at *a, const json_t *obj, enum lb_plan_status *out)
{
	const char *s = json_string_value(json_object_get(obj, "status"));
	for (unsigned i = 0; s && i < 4; i++)
		if (!strcmp(s, status_names[i]))
			return *out = (enum lb_plan_status)i, LB_OK;
	return bad(a, "status", "\"pending\", \"committed\", \"pushed\" or \"failed\"");
}

static int parse_entry(const char *origin, size_t idx, const json_t *obj, struct lb_plan_entry *e,
		       struct lb_err *err)
{
	struct at a = {.origin = origin, .err = err};
	snprintf(a.where, sizeof(a.where), "containers[%zu]", idx);
	static const char *const keys[] = {"name",   "id",      "ref",     "digest",
					   "spec_digest", "spec", "layout", "volumes",
					   "running", "status", "error",   "attempts", NULL};
	if (!json_is_object(obj))
		return lb_fail(err, LB_EINTEGRITY, "%s: %s: expected an object", origin, a.where);
	int rc = lb_snap_json_only_keys(obj, keys, origin, a.where, LB_EINTEGRITY, err);
	if (!rc)
		rc = get_str(&a, obj, "name", e->name, sizeof(e->name));
	if (!rc && (e->name[0] == '/' || !lb_docker_is_container_name(e->name)))
		rc = bad(&a, "name", "a container name Docker allows");
	if (!rc)
		rc = get_str(&a, obj, "id", e->id, sizeof(e->id));
	if (!rc && !lb_dj_is_hex(e->id, 64))
		rc = bad(&a, "id", "a 64-digit hex container id");
	if (!rc)
		rc = get_str(&a, obj, "ref", e->ref, sizeof(e->ref));
	if (!rc && !e->ref[0])
		rc = bad(&a, "ref", "an image reference");
	if (!rc)
		rc = get_digest(&a, obj, "digest", e->digest);
	if (!rc)
		rc = get_digest(&a, obj, "spec_digest", e->spec_digest);
	if (!rc)
		rc = get_str(&a, obj, "layout", e->layout, sizeof(e->layout));
	if (!rc)
		rc = get_str(&a, obj, "error", e->error, sizeof(e->error));
	const json_t *spec = json_object_get(obj, "spec");
	if (!rc && !json_is_null(spec)) {
		char spec_origin[1200];
		snprintf(spec_origin, sizeof(spec_origin), "%s: %s.spec", origin, a.where);
		if (!spec)
			rc = bad(&a, "spec", "null or a spec object");
		else if (!(rc = lb_spec_check(spec, spec_origin, err)))
			e->spec = json_incref((json_t *)spec);
	}
	if (!rc)
		rc = parse_volumes(&a, json_object_get(obj, "volumes"), e);
	const json_t *running = json_object_get(obj, "running");
	if (!rc && !json_is_boolean(running))
		rc = bad(&a, "running", "a boolean");
	e->running = json_is_true(running);
	if (!rc)
		rc = parse_status(&a, obj, &e->status);
	const json_t *attempts = json_object_get(obj, "attempts");
	if (!rc && (!json_is_integer(attempts) || json_integer_value(attempts) < 0 ||
		    json_integer_value(attempts) > LB_PLAN_MAX_ATTEMPTS))
		rc = bad(&a, "attempts", "an integer from 0 to 1000000");
	if (!rc)
		e->attempts = (unsigned)json_integer_value(attempts);
	/* What evacuate's rerun trusts must be there. */
	if (!rc && e->status == LB_PLAN_PUSHED && !e->digest[0])
		rc = bad(&a, "digest", "the manifest digest of a pushed container");
	if (!rc && e->status == LB_PLAN_COMMITTED && !e->layout[0])
		rc = bad(&a, "layout", "the staged layout of a committed container");
	return rc;
}

static int parse_root(const json_t *root, const char *origin, struct lb_plan *out,
		      struct lb_err *err)
{
	struct at a = {.origin = origin, .err = err};
	const json_t *version = json_object_get(root, "lifeboat_plan");
	if (!json_is_integer(version) || json_integer_value(version) < 1)
		return bad(&a, "lifeboat_plan", "a version number from 1");
	if (json_integer_value(version) > LB_PLAN_VERSION)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: written by a newer lifeboat (plan version %lld); this one reads "
			       "version %d",
			       origin, (long long)json_integer_value(version), LB_PLAN_VERSION);
	static const char *const keys[] = {"lifeboat_plan", "created", "registry_prefix",
					   "containers", NULL};
	int rc = lb_snap_json_only_keys(root, keys, origin, NULL, LB_EINTEGRITY, err);
	if (!rc)
		rc = get_str(&a, root, "created", out->created, sizeof(out->created));
	if (!rc)
		rc = get_str(&a, root, "registry_prefix", out->registry_prefix,
			     sizeof(out->registry_prefix));
	if (!rc && !out->registry_prefix[0])
		rc = bad(&a, "registry_prefix", "REGISTRY/PREFIX");
	const json_t *containers = json_object_get(root, "containers");
	if (!rc && !json_is_array(containers))
		rc = bad(&a, "containers", "an array");
	if (rc)
		return rc;
	out->entries = calloc(json_array_size(containers) + 1, sizeof(*out->entries));
	if (!out->entries)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", origin);
	size_t i;
	json_t *c;
	json_array_foreach(containers, i, c) {
		struct lb_plan_entry *e = &out->entries[i];
		out->n_entries++; /* counted first, so lb_plan_free releases a half-read entry */
		if ((rc = parse_entry(origin, i, c, e, err)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out->entries[j].name, e->name))
				return lb_fail(err, LB_EINTEGRITY,
					       "%s: containers[%zu].name: %s is in the plan twice",
					       origin, i, e->name);
	}
	return LB_OK;
}

int lb_plan_parse(const char *text, size_t len, const char *origin, struct lb_plan *out,
		  struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *root;
	int rc = lb_snap_json_load(text, len, LB_PLAN_MAX_BYTES, "the plan's", origin,
				   LB_EINTEGRITY, &root, err);
	if (rc)
		return rc;
	rc = parse_root(root, origin, out, err);
	json_decref(root);
	if (rc)
		lb_plan_free(out);
	return rc;
}

static json_t *entry_json(const struct lb_plan_entry *e)
{
	json_t *vols = json_array();
	for (size_t i = 0; vols && i < e->n_volumes; i++)
		if (json_array_append_new(vols,
					  json_pack("{s:s, s:s}", "name", e->volumes[i].name,
						    "digest", e->volumes[i].digest))) {
			json_decref(vols);
			vols = NULL;
		}
	if (!vols)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:O?, s:s, s:o, s:b, s:s, s:s, s:I}", "name",
			 e->name, "id", e->id, "ref", e->ref, "digest", e->digest, "spec_digest",
			 e->spec_digest, "spec", e->spec, "layout", e->layout, "volumes", vols,
			 "running", e->running, "status", lb_plan_status_name(e->status), "error",
			 e->error, "attempts", (json_int_t)e->attempts);
}

int lb_plan_format(const struct lb_plan *plan, char **text_out, size_t *len_out,
		   struct lb_err *err)
{
	*text_out = NULL;
	*len_out = 0;
	json_t *containers = json_array();
	for (size_t i = 0; containers && i < plan->n_entries; i++)
		if (json_array_append_new(containers, entry_json(&plan->entries[i]))) {
			json_decref(containers);
			containers = NULL;
		}
	json_t *root = containers ? json_pack("{s:i, s:s, s:s, s:o}", "lifeboat_plan",
					      LB_PLAN_VERSION, "created", plan->created,
					      "registry_prefix", plan->registry_prefix,
					      "containers", containers)
				  : NULL;
	char *body = root ? json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
	json_decref(root);
	size_t n = body ? strlen(body) : 0;
	char *text = body ? realloc(body, n + 2) : NULL;
	if (!text) {
		free(body);
		return lb_fail(err, LB_EFAIL, "plan: out of memory (or text that is not UTF-8)");
	}
	text[n] = '\n';
	text[n + 1] = '\0';
	*text_out = text;
	*len_out = n + 1;
	return LB_OK;
}
