#include "docker/daemon_json.h"

#include "docker/jsonfile.h"
#include "util/printable.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_docker_ram_in_bytes(const char *text, uint64_t *out_bytes, struct lb_err *err)
{
	char shown[LB_PRINTABLE_CAP(64)]; /* the text, for messages */
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
		return lb_fail(err, LB_EINTEGRITY, "size '%s': too large",
			       lb_printable(shown, sizeof(shown), text));
	*out_bytes = (uint64_t)value;
	return 0;
bad:
	return lb_fail(err, LB_EINTEGRITY, "size '%s': invalid size",
		       lb_printable(shown, sizeof(shown), text));
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

/* [*start, *start + *len) without the spaces Go's strings.TrimSpace takes
 * off (the ASCII ones: Docker's files are ASCII where it matters). */
static void trim_span(const char **start, size_t *len)
{
	while (*len && isspace((unsigned char)**start)) {
		(*start)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*start)[*len - 1]))
		(*len)--;
}

bool lb_docker_storage_opt_split(const char *entry, char *key, size_t key_cap, const char **value,
				 size_t *value_len)
{
	const char *eq = strchr(entry, '=');
	const char *k = entry;
	size_t k_len = eq ? (size_t)(eq - entry) : strlen(entry);
	trim_span(&k, &k_len);
	if (k_len >= key_cap)
		k_len = key_cap - 1;
	for (size_t i = 0; i < k_len; i++)
		key[i] = (char)tolower((unsigned char)k[i]);
	key[k_len] = '\0';
	*value = eq ? eq + 1 : entry + strlen(entry);
	*value_len = strlen(*value);
	trim_span(value, value_len);
	return eq != NULL;
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
		return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': not a boolean", origin, opt);
	if (set)
		*set = true;
	return 0;
}

static bool is_graphic_ascii(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

bool lb_docker_is_dm_name(const char *name)
{
	return name[0] && strlen(name) < LB_DOCKER_DM_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && is_graphic_ascii(name);
}

bool lb_docker_is_dev_path(const char *path)
{
	static const char dev[] = "/dev/";
	if (strncmp(path, dev, sizeof(dev) - 1) != 0 || !is_graphic_ascii(path))
		return false;
	/* Every component a real name: no "", "." or "..", so the path names
	 * what it seems to, under /dev, before any link is resolved. */
	for (const char *p = path + sizeof(dev) - 1;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* The options that name the pool's devices: what lifeboat will open or
 * activate, so a value that could lead elsewhere is refused here, once. */
static int set_device(char *dst, size_t cap, const char *value, bool bare_name,
		      const char *origin, const char *opt, struct lb_err *err)
{
	if (bare_name && !lb_docker_is_dm_name(value))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: storage option '%s': not a device-mapper pool name (a bare name, or "
			       "/dev/mapper/<name>, without '/', '..' or spaces)",
			       origin, opt);
	if (!bare_name && !lb_docker_is_dev_path(value))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: storage option '%s': not a device path under /dev (no '.', '..', "
			       "'//' or spaces)",
			       origin, opt);
	return set_str(dst, cap, value, origin, opt, err);
}

/* Applies one trimmed, lower-cased key and its trimmed value. */
static int apply_opt(struct lb_docker_storage_opts *o, const char *key, const char *value,
		     const char *origin, const char *opt, struct lb_err *err)
{
	if (strcmp(key, "dm.thinpooldev") == 0) {
		static const char dev_mapper[] = "/dev/mapper/";
		if (strncmp(value, dev_mapper, sizeof(dev_mapper) - 1) == 0)
			value += sizeof(dev_mapper) - 1;
		return set_device(o->thinpooldev, sizeof(o->thinpooldev), value, true, origin, opt, err);
	}
	if (strcmp(key, "dm.directlvm_device") == 0)
		return set_device(o->directlvm_device, sizeof(o->directlvm_device), value, false, origin,
				  opt, err);
	if (strcmp(key, "dm.datadev") == 0)
		return set_device(o->datadev, sizeof(o->datadev), value, false, origin, opt, err);
	if (strcmp(key, "dm.metadatadev") == 0)
		return set_device(o->metadatadev, sizeof(o->metadatadev), value, false, origin, opt, err);
	if (strcmp(key, "dm.basesize") == 0) {
		int rc = lb_docker_ram_in_bytes(value, &o->basesize_bytes, err);
		if (rc)
			return lb_err_wrap(err, "%s: storage option '%s'", origin, opt);
		o->basesize_set = true;
		return 0;
	}
	if (strcmp(key, "dm.fs") == 0) {
		if (strcmp(value, "ext4") != 0 && strcmp(value, "xfs") != 0)
			return lb_fail(err, LB_EINTEGRITY,
				       "%s: storage option '%s': unsupported filesystem (ext4 or xfs)", origin,
				       opt);
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
		if (!is_graphic_ascii(value))
			return lb_fail(err, LB_EINTEGRITY,
				       "%s: storage option '%s': mount options with spaces or control "
				       "characters",
				       origin, opt);
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
		/* Messages quote the option as it is in the file, made printable. */
		char shown[LB_PRINTABLE_CAP(160)];
		lb_printable(shown, sizeof(shown), opts[i]);
		const char *eq = strchr(opts[i], '=');
		if (!eq)
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%s': not key=value", origin,
				       shown);
		char key[128], value[1024];
		if ((size_t)(eq - opts[i]) >= sizeof(key) || strlen(eq + 1) >= sizeof(value))
			return lb_fail(err, LB_EINTEGRITY, "%s: storage option '%.64s...': too long", origin,
				       shown);
		const char *value_at;
		size_t value_len;
		lb_docker_storage_opt_split(opts[i], key, sizeof(key), &value_at, &value_len);
		memcpy(value, value_at, value_len);
		value[value_len] = '\0';
		int rc = apply_opt(out, key, value, origin, shown, err);
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
