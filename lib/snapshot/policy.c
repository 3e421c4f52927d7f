#include "snapshot/policy.h"

#include "docker/jsonfile.h"
#include "snapshot/json_strict.h"
#include "util/printable.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every problem in the operator's file is a usage error naming the field. */
static int bad(struct lb_err *err, const char *origin, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(struct lb_err *err, const char *origin, const char *path, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lb_fail(err, LB_EUSAGE, "%s: %s: %s", origin, path, what);
}

/* An integer in lo..hi at obj[key]; absent leaves *out as it is. */
static int get_int(const char *origin, const char *where, const json_t *obj, const char *key,
		   long long lo, long long hi, bool required, long long *out, struct lb_err *err)
{
	char path[128];
	snprintf(path, sizeof(path), "%s%s%s", where ? where : "", where ? "." : "", key);
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return required ? bad(err, origin, path, "missing") : LB_OK;
	if (!json_is_integer(v))
		return bad(err, origin, path, "expected an integer, got %s", lb_snap_json_type(v));
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return bad(err, origin, path, "%lld is out of range (%lld..%lld)", (long long)n, lo,
			   hi);
	*out = n;
	return LB_OK;
}

static int parse_containers(const char *origin, const json_t *v, struct lb_snap_policy *p,
			    struct lb_err *err)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "all"))
			return bad(err, origin, "containers",
				   "expected \"all\" or a list of container names");
		p->all_containers = true;
		return LB_OK;
	}
	if (!json_is_array(v))
		return bad(err, origin, "containers",
			   "expected \"all\" or a list of container names, got %s", lb_snap_json_type(v));
	size_t n = json_array_size(v);
	if (n < 1 || n > LB_SNAP_POLICY_MAX_CONTAINERS)
		return bad(err, origin, "containers", "expected 1..%u names, got %zu",
			   LB_SNAP_POLICY_MAX_CONTAINERS, n);
	p->containers = calloc(n, sizeof(*p->containers));
	if (!p->containers)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", origin);
	for (size_t i = 0; i < n; i++) {
		char path[48];
		snprintf(path, sizeof(path), "containers[%zu]", i);
		const json_t *name = json_array_get(v, i);
		if (!json_is_string(name))
			return bad(err, origin, path, "expected a container name, got %s",
				   lb_snap_json_type(name));
		const char *s = json_string_value(name);
		char shown[LB_PRINTABLE_CAP(80)];
		lb_printable(shown, sizeof(shown), s);
		if (strlen(s) != json_string_length(name) || !lb_snap_container_name_valid(s))
			return bad(err, origin, path,
				   "'%s' is not a container name or id Docker allows "
				   "([a-zA-Z0-9][a-zA-Z0-9_.-]+, no leading '/')",
				   shown);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->containers[j], s))
				return bad(err, origin, path, "'%s' is named twice", shown);
		memcpy(p->containers[i], s, strlen(s) + 1);
		p->n_containers++;
	}
	return LB_OK;
}

static int parse_keep(const char *origin, const json_t *v, struct lb_snap_policy *p,
		      struct lb_err *err)
{
	static const char *const keys[] = {"last",    "hourly", "daily", "weekly",
					   "monthly", "yearly", NULL};
	if (!json_is_object(v))
		return bad(err, origin, "keep", "expected an object, got %s", lb_snap_json_type(v));
	int rc = lb_snap_json_only_keys(v, keys, origin, "keep", LB_EUSAGE, err);
	int *fields[] = {&p->keep.last,    &p->keep.hourly,  &p->keep.daily,
			 &p->keep.weekly,  &p->keep.monthly, &p->keep.yearly};
	for (size_t i = 0; !rc && keys[i]; i++) {
		long long n = 0;
		rc = get_int(origin, "keep", v, keys[i], 0, LB_RETAIN_MAX_COUNT, false, &n, err);
		*fields[i] = (int)n;
	}
	if (!rc && lb_retain_policy_empty(&p->keep))
		return bad(err, origin, "keep",
			   "every rule is 0, which would keep everything; leave \"keep\" out to "
			   "never prune");
	p->has_keep = !rc;
	return rc;
}

/* Absolute, normalised enough that the operator sees where exports go. */
static bool export_dir_ok(const char *dir)
{
	if (dir[0] != '/')
		return false;
	for (const char *c = dir; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			return false;
	for (const char *seg = dir; seg; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		size_t len = strcspn(s, "/");
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
	}
	return true;
}

static int parse_export(const char *origin, const json_t *v, struct lb_snap_policy *p,
			struct lb_err *err)
{
	static const char *const keys[] = {"dir", "full_every", "compress_level", NULL};
	if (!json_is_object(v))
		return bad(err, origin, "export", "expected an object, got %s", lb_snap_json_type(v));
	int rc = lb_snap_json_only_keys(v, keys, origin, "export", LB_EUSAGE, err);
	if (rc)
		return rc;
	const json_t *dir = json_object_get(v, "dir");
	if (!dir)
		return bad(err, origin, "export.dir", "missing");
	if (!json_is_string(dir))
		return bad(err, origin, "export.dir", "expected a path, got %s", lb_snap_json_type(dir));
	const char *s = json_string_value(dir);
	char shown[LB_PRINTABLE_CAP(80)];
	lb_printable(shown, sizeof(shown), s);
	if (strlen(s) != json_string_length(dir) || strlen(s) >= sizeof(p->export_dir) ||
	    !export_dir_ok(s))
		return bad(err, origin, "export.dir",
			   "'%s' is not an absolute path without '.' or '..' components", shown);
	memcpy(p->export_dir, s, strlen(s) + 1);
	long long full_every = LB_SNAP_POLICY_DEFAULT_FULL_EVERY, level = LB_SNAP_POLICY_DEFAULT_LEVEL;
	if ((rc = get_int(origin, "export", v, "full_every", 1, LB_SNAP_POLICY_MAX_FULL_EVERY, false,
			  &full_every, err)) ||
	    (rc = get_int(origin, "export", v, "compress_level", 1, LB_SNAP_POLICY_MAX_LEVEL, false,
			  &level, err)))
		return rc;
	p->full_every = (unsigned)full_every;
	p->compress_level = (int)level;
	p->has_export = true;
	return LB_OK;
}

static int parse_root(const char *origin, const json_t *root, struct lb_snap_policy *p,
		      struct lb_err *err)
{
	static const char *const keys[] = {"version", "containers", "keep", "export", NULL};
	long long version = 0;
	const json_t *v = json_object_get(root, "version");
	if (!v)
		return bad(err, origin, "version", "missing (this lifeboat reads version %d)",
			   LB_SNAP_POLICY_VERSION);
	if (!json_is_integer(v) || json_integer_value(v) != LB_SNAP_POLICY_VERSION) {
		version = json_is_integer(v) ? json_integer_value(v) : 0;
		return bad(err, origin, "version",
			   json_is_integer(v) && version > LB_SNAP_POLICY_VERSION
				   ? "%lld is newer than this lifeboat (which reads version %d)"
				   : "%lld is not a version this lifeboat reads (version %d)",
			   version, LB_SNAP_POLICY_VERSION);
	}
	int rc = lb_snap_json_only_keys(root, keys, origin, NULL, LB_EUSAGE, err);
	if (rc)
		return rc;
	const json_t *containers = json_object_get(root, "containers");
	if (!containers)
		return bad(err, origin, "containers", "missing (\"all\" or a list of names)");
	if ((rc = parse_containers(origin, containers, p, err)))
		return rc;
	const json_t *keep = json_object_get(root, "keep");
	if (keep && (rc = parse_keep(origin, keep, p, err)))
		return rc;
	const json_t *export = json_object_get(root, "export");
	if (export && (rc = parse_export(origin, export, p, err)))
		return rc;
	return LB_OK;
}

int lb_snap_policy_parse(const char *text, size_t len, const char *origin,
			 struct lb_snap_policy *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *root;
	int rc = lb_snap_json_load(text, len, LB_SNAP_POLICY_MAX_BYTES, "the policy file's", origin,
				   LB_EUSAGE, &root, err);
	if (rc)
		return rc;
	rc = parse_root(origin, root, out, err);
	json_decref(root);
	if (rc)
		lb_snap_policy_free(out);
	return rc;
}

int lb_snap_policy_load(const char *path, struct lb_snap_policy *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	char *text = NULL;
	size_t len = 0;
	int rc = lb_dj_read_file(path, &text, &len, err);
	if (!rc)
		rc = lb_snap_policy_parse(text, len, path, out, err);
	free(text);
	return rc;
}

void lb_snap_policy_free(struct lb_snap_policy *p)
{
	free(p->containers);
	memset(p, 0, sizeof(*p));
}
