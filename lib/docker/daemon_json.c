#include "docker/daemon_json.h"

#include "docker/jsonfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_docker_ram_in_bytes(const char *text, uint64_t *out_bytes, struct lb_err *err)
{
	const char *p = text;
	int dots = 0;
	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p))
		p++;
	/* The regex admits "1.2.3"; Go's ParseFloat then rejects it. */
	while (*p == '.' && isdigit((unsigned char)p[1])) {
		dots++;
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (dots > 1)
		goto bad;
	size_t number_len = (size_t)(p - text);
	if (*p == ' ')
		p++;
	uint64_t mul = 1;
	switch (tolower((unsigned char)*p)) {
	case 'k':
		mul = 1ull << 10;
		break;
	case 'm':
		mul = 1ull << 20;
		break;
	case 'g':
		mul = 1ull << 30;
		break;
	case 't':
		mul = 1ull << 40;
		break;
	case 'p':
		mul = 1ull << 50;
		break;
	}
	if (mul != 1)
		p++;
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0')
		goto bad;

	char number[64];
	if (number_len >= sizeof(number))
		goto bad;
	memcpy(number, text, number_len);
	number[number_len] = '\0';
	/* Go computes float64(number) * multiplier and truncates; so do we. */
	errno = 0;
	double value = strtod(number, NULL) * (double)mul;
	if (errno == ERANGE || !isfinite(value) || value >= 9223372036854775808.0)
		return lb_fail(err, LB_EINTEGRITY, "size '%s': too large", text);
	*out_bytes = (uint64_t)value;
	return 0;
bad:
	return lb_fail(err, LB_EINTEGRITY, "size '%s': invalid size", text);
}

bool lb_docker_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static void trim(char *s)
{
	size_t n = strlen(s), start = 0;
	while (start < n && isspace((unsigned char)s[start]))
		start++;
	while (n > start && isspace((unsigned char)s[n - 1]))
		n--;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

static int set_str(char *dst, size_t cap, const char *value, const char *origin, const char *opt,
		   struct lb_err *err)
{
	size_t n = strlen(value);
	if (n >= cap)
		return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': value too long (limit %zu bytes)",
			       origin, opt, cap - 1);
	memcpy(dst, value, n + 1);
	return 0;
}

static int set_bool(bool *dst, bool *set, const char *value, const char *origin, const char *opt,
		    struct lb_err *err)
{
	if (!lb_docker_parse_bool(value, dst))
		return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': '%s' is not a boolean", origin,
			       opt, value);
	if (set)
		*set = true;
	return 0;
}

/* Applies one trimmed, lower-cased key and its trimmed value. */
static int apply_opt(struct lb_docker_storage_opts *o, const char *key, const char *value,
		     const char *origin, const char *opt, struct lb_err *err)
{
	if (strcmp(key, "dm.thinpooldev") == 0) {
		static const char dev_mapper[] = "/dev/mapper/";
		if (strncmp(value, dev_mapper, sizeof(dev_mapper) - 1) == 0)
			value += sizeof(dev_mapper) - 1;
		return set_str(o->thinpooldev, sizeof(o->thinpooldev), value, origin, opt, err);
	}
	if (strcmp(key, "dm.directlvm_device") == 0)
		return set_str(o->directlvm_device, sizeof(o->directlvm_device), value, origin, opt, err);
	if (strcmp(key, "dm.datadev") == 0)
		return set_str(o->datadev, sizeof(o->datadev), value, origin, opt, err);
	if (strcmp(key, "dm.metadatadev") == 0)
		return set_str(o->metadatadev, sizeof(o->metadatadev), value, origin, opt, err);
	if (strcmp(key, "dm.basesize") == 0) {
		int rc = lb_docker_ram_in_bytes(value, &o->basesize_bytes, err);
		if (rc)
			return lb_err_wrap(err, "%s: storage option '%s'", origin, opt);
		o->basesize_set = true;
		return 0;
	}
	if (strcmp(key, "dm.fs") == 0) {
		if (strcmp(value, "ext4") != 0 && strcmp(value, "xfs") != 0)
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': unsupported filesystem '%s'",
				       origin, opt, value);
		return set_str(o->fs, sizeof(o->fs), value, origin, opt, err);
	}
	if (strcmp(key, "dm.blkdiscard") == 0)
		return set_bool(&o->blkdiscard, &o->blkdiscard_set, value, origin, opt, err);
	if (strcmp(key, "dm.override_udev_sync_check") == 0)
		return set_bool(&o->override_udev_sync_check, NULL, value, origin, opt, err);
	if (strcmp(key, "dm.use_deferred_removal") == 0)
		return set_bool(&o->use_deferred_removal, &o->use_deferred_removal_set, value, origin, opt, err);
	if (strcmp(key, "dm.use_deferred_deletion") == 0)
		return set_bool(&o->use_deferred_deletion, &o->use_deferred_deletion_set, value, origin,
				opt, err);
	if (strcmp(key, "dm.mountopt") == 0) {
		/* joinMountOptions: skip empty pieces, join the rest with ",". */
		if (!value[0])
			return 0;
		size_t used = strlen(o->mountopt), add = strlen(value) + (used ? 1 : 0);
		if (used + add >= sizeof(o->mountopt))
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': mount options too long",
				       origin, opt);
		if (used)
			o->mountopt[used++] = ',';
		memcpy(o->mountopt + used, value, strlen(value) + 1);
		return 0;
	}
	o->unknown_count++;
	return 0;
}

int lb_docker_storage_opts_parse(const char *const *opts, size_t n, const char *origin,
				 struct lb_docker_storage_opts *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	out->basesize_bytes = LB_DOCKER_DEFAULT_BASESIZE_BYTES;
	out->blkdiscard = true;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(opts[i], '=');
		if (!eq)
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': not key=value", origin,
				       opts[i]);
		char key[128], value[1024];
		size_t key_len = (size_t)(eq - opts[i]);
		if (key_len >= sizeof(key) || strlen(eq + 1) >= sizeof(value))
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%.64s...': too long", origin,
				       opts[i]);
		memcpy(key, opts[i], key_len);
		key[key_len] = '\0';
		strcpy(value, eq + 1);
		trim(key);
		trim(value);
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		int rc = apply_opt(out, key, value, origin, opts[i], err);
		if (rc)
			return rc;
	}
	/* NewDeviceSet: "don't do blk discard hack on raw devices" unless asked.
	 * dm.directlvm_device does not count: it sets the pool name only later. */
	if (!out->blkdiscard_set && (out->datadev[0] || out->thinpooldev[0]))
		out->blkdiscard = false;
	return 0;
}

static int daemon_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_docker_daemon_config *cfg = out;
	int rc = lb_dj_get_str(c, root, "data-root", LB_DJ_OPTIONAL, cfg->data_root,
			       sizeof(cfg->data_root), NULL);
	/* Docker 20.10 still honours the deprecated "graph" (removed in 23.0). */
	if (!rc && !cfg->data_root[0])
		rc = lb_dj_get_str(c, root, "graph", LB_DJ_OPTIONAL, cfg->data_root,
				   sizeof(cfg->data_root), NULL);
	if (!rc)
		rc = lb_dj_get_str(c, root, "storage-driver", LB_DJ_OPTIONAL, cfg->storage_driver,
				   sizeof(cfg->storage_driver), NULL);
	if (rc)
		return rc;

	const json_t *list = json_object_get(root, "storage-opts");
	size_t n = 0;
	if (list && !json_is_null(list)) {
		if (!json_is_array(list))
			return lb_fail(c->err, LB_EINTEGRITY, "%s: key \"storage-opts\": expected array",
				       c->origin);
		n = json_array_size(list);
	}
	const char **opts = calloc(n ? n : 1, sizeof(*opts));
	if (!opts)
		return lb_fail(c->err, LB_EFAIL, "%s: out of memory", c->origin);
	for (size_t k = 0; !rc && k < n; k++) {
		const json_t *v = json_array_get(list, k);
		if (!json_is_string(v))
			rc = lb_fail(c->err, LB_EINTEGRITY,
				     "%s: key \"storage-opts\": element %zu is not a string", c->origin, k);
		else
			opts[k] = json_string_value(v);
	}
	if (!rc)
		rc = lb_docker_storage_opts_parse(opts, n, c->origin, &cfg->storage, c->err);
	free(opts);
	return rc;
}

int lb_docker_daemon_config_parse(const char *text, size_t len, const char *origin,
				  struct lb_docker_daemon_config *out, struct lb_err *err)
{
	out->present = true;
	out->data_root[0] = '\0';
	out->storage_driver[0] = '\0';
	/* An empty (or all-blank) daemon.json is accepted by dockerd. */
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len)
		return lb_docker_storage_opts_parse(NULL, 0, origin, &out->storage, err);
	return lb_dj_parse_doc(text, len, origin, LB_DJ_STRICT, daemon_fields, out, err);
}

int lb_docker_daemon_config_load(const char *path, struct lb_docker_daemon_config *out,
				 struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!path)
		path = LB_DOCKER_DAEMON_JSON;
	if (strlen(path) >= sizeof(out->path))
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", path);
	strcpy(out->path, path);

	char *text;
	size_t len;
	struct lb_err read_err = {0};
	int rc = lb_dj_read_file(path, &text, &len, &read_err);
	if (rc == LB_ENOTFOUND) {
		/* No daemon.json: Docker runs on its defaults. */
		return lb_docker_storage_opts_parse(NULL, 0, path, &out->storage, err);
	}
	if (rc) {
		if (err)
			*err = read_err;
		return rc;
	}
	rc = lb_docker_daemon_config_parse(text, len, path, out, err);
	free(text);
	return rc;
}
