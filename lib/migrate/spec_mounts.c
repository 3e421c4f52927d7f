/* The spec's mounts: named volumes stay in the create body and are listed
 * for their data; anonymous volumes stay (the target makes new empty ones)
 * with a change entry saying their data is not carried; bind mounts and
 * host devices leave the body and are listed with a warning each, because
 * Docker would create a missing bind source as an empty root-owned
 * directory and start the container on it without a word. */
#include "migrate/spec_internal.h"

#include "docker/jsonfile.h"

#include <stdio.h>
#include <string.h>

static json_t *volume_named(json_t *volumes, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(volumes, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), name))
			return v;
	return NULL;
}

/* The driver Docker recorded for this destination, "local" if none. */
static const char *mountpoint_driver(const json_t *config_v2, const char *dest)
{
	const json_t *mp = json_object_get(json_object_get(config_v2, "MountPoints"), dest);
	const char *driver = json_string_value(json_object_get(mp, "Driver"));
	return driver && driver[0] ? driver : "local";
}

static void add_volume(struct lb_spec_tr *t, const char *name, const char *dest,
		       const char *driver, const json_t *opts, const json_t *labels, bool rw)
{
	if (volume_named(t->volumes, name))
		return; /* one volume's data travels once, whatever mounts it twice */
	json_t *v = json_object();
	lb_spec_put(t, v, "name", json_string(name));
	lb_spec_put(t, v, "destination", lb_dj_string(dest));
	lb_spec_put(t, v, "driver", lb_dj_string(driver));
	lb_spec_put(t, v, "driver_opts", json_is_object(opts) ? json_deep_copy(opts) : json_object());
	lb_spec_put(t, v, "labels", json_is_object(labels) ? json_deep_copy(labels) : json_object());
	lb_spec_put(t, v, "rw", json_boolean(rw));
	lb_spec_put(t, v, "digest", json_null());
	lb_spec_append(t, t->volumes, v);
}

static void add_bind(struct lb_spec_tr *t, const char *field, const json_t *from,
		     const char *source, const char *dest, const char *options, bool rw)
{
	json_t *b = json_object();
	lb_spec_put(t, b, "source", lb_dj_string(source));
	lb_spec_put(t, b, "destination", lb_dj_string(dest));
	lb_spec_put(t, b, "options", lb_dj_string(options));
	lb_spec_put(t, b, "rw", json_boolean(rw));
	lb_spec_append(t, t->binds, b);
	lb_spec_change(t, field, "dropped", from, NULL,
		       "bind mount of a source host path: not copied, and left out so the target "
		       "does not start the container on an empty directory; recreate the path "
		       "and add the mount");
}

static void anonymous(struct lb_spec_tr *t, const char *field, const json_t *from)
{
	lb_spec_change(t, field, "dropped", from, NULL,
		       "anonymous volume: its data is not carried; the target creates a new "
		       "empty one");
}

static bool opts_have(const char *opts, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = opts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* "src:dst[:opts]" or "dst" (Docker's Linux form). */
static int one_bind(struct lb_spec_tr *t, const json_t *config_v2, size_t idx, json_t *value,
		    json_t *kept)
{
	char field[64], text[4096];
	snprintf(field, sizeof(field), "HostConfig.Binds[%zu]", idx);
	const char *s = json_string_value(value);
	if (!s || strlen(s) >= sizeof(text))
		return lb_spec_bad(t, "hostconfig.json", field, "a string of at most 4095 bytes");
	strcpy(text, s);
	char *dest = strchr(text, ':'), *opts = NULL;
	if (!dest) { /* reported by its mount point, under the name Docker gave it */
		lb_spec_append(t, kept, json_deep_copy(value));
		return t->rc;
	}
	*dest++ = '\0';
	if ((opts = strchr(dest, ':')))
		*opts++ = '\0';
	bool rw = !opts_have(opts, "ro");
	if (dest[0] != '/')
		return lb_spec_bad(t, "hostconfig.json", field, "an absolute destination");
	if (text[0] == '/') {
		add_bind(t, field, value, text, dest, opts ? opts : "", rw);
		return t->rc;
	}
	if (!lb_spec_volume_name_valid(text))
		return lb_spec_bad(t, "hostconfig.json", field, "a host path or a volume name");
	lb_spec_append(t, kept, json_deep_copy(value));
	if (lb_dj_is_hex(text, 64))
		anonymous(t, field, value);
	else
		add_volume(t, text, dest, mountpoint_driver(config_v2, dest), NULL, NULL, rw);
	return t->rc;
}

static int one_mount(struct lb_spec_tr *t, size_t idx, json_t *m, json_t *kept)
{
	char field[64];
	snprintf(field, sizeof(field), "HostConfig.Mounts[%zu]", idx);
	const char *type = json_string_value(json_object_get(m, "Type"));
	const char *source = json_string_value(json_object_get(m, "Source"));
	const char *target = json_string_value(json_object_get(m, "Target"));
	if (!json_is_object(m) || !type || !target || target[0] != '/')
		return lb_spec_bad(t, "hostconfig.json", field,
				   "an object with a Type and an absolute Target");
	bool rw = !json_is_true(json_object_get(m, "ReadOnly"));
	if (!strcmp(type, "bind")) {
		add_bind(t, field, m, source ? source : "", target, "", rw);
	} else if (!strcmp(type, "volume")) {
		lb_spec_append(t, kept, json_deep_copy(m));
		if (!source || !source[0]) {
			/* reported by its mount point, under the name Docker gave it */
		} else if (lb_dj_is_hex(source, 64)) {
			anonymous(t, field, m);
		} else if (!lb_spec_volume_name_valid(source)) {
			return lb_spec_bad(t, "hostconfig.json", field, "a volume name as Source");
		} else {
			const json_t *vo = json_object_get(m, "VolumeOptions");
			const json_t *dc = json_object_get(vo, "DriverConfig");
			const char *driver = json_string_value(json_object_get(dc, "Name"));
			add_volume(t, source, target, driver && driver[0] ? driver : "local",
				   json_object_get(dc, "Options"), json_object_get(vo, "Labels"), rw);
		}
	} else if (!strcmp(type, "tmpfs")) {
		lb_spec_append(t, kept, json_deep_copy(m));
	} else {
		lb_spec_change(t, field, "dropped", m, NULL,
			       "a mount type lifeboat does not carry (not bind, volume or tmpfs)");
	}
	return t->rc;
}

static int one_device(struct lb_spec_tr *t, size_t idx, json_t *d)
{
	char field[64];
	snprintf(field, sizeof(field), "HostConfig.Devices[%zu]", idx);
	const char *host = json_string_value(json_object_get(d, "PathOnHost"));
	const char *inside = json_string_value(json_object_get(d, "PathInContainer"));
	const char *perms = json_string_value(json_object_get(d, "CgroupPermissions"));
	if (!host)
		return lb_spec_bad(t, "hostconfig.json", field, "an object with a PathOnHost");
	json_t *dev = json_object();
	lb_spec_put(t, dev, "path_on_host", lb_dj_string(host));
	lb_spec_put(t, dev, "path_in_container", lb_dj_string(inside ? inside : host));
	lb_spec_put(t, dev, "cgroup_permissions", lb_dj_string(perms ? perms : "rwm"));
	lb_spec_append(t, t->devices, dev);
	lb_spec_change(t, field, "dropped", d, NULL,
		       "a host device of the source host: the target may not have it; add it "
		       "after checking");
	return t->rc;
}

typedef int (*each_fn)(struct lb_spec_tr *t, const json_t *config_v2, size_t idx, json_t *v,
		       json_t *kept);

static int mount_adapter(struct lb_spec_tr *t, const json_t *config_v2, size_t idx, json_t *v,
			 json_t *kept)
{
	(void)config_v2;
	return one_mount(t, idx, v, kept);
}

static int device_adapter(struct lb_spec_tr *t, const json_t *config_v2, size_t idx, json_t *v,
			  json_t *kept)
{
	(void)config_v2;
	(void)kept;
	return one_device(t, idx, v);
}

/* Runs fn over HostConfig[key] (null or an array) and, when anything was
 * kept, stores what was kept under the same key in the create body. */
static int each(struct lb_spec_tr *t, const json_t *config_v2, const json_t *hostconfig,
		const char *key, each_fn fn, bool store)
{
	const json_t *arr = json_object_get(hostconfig, key);
	if (!arr || json_is_null(arr))
		return t->rc;
	char field[64];
	snprintf(field, sizeof(field), "HostConfig.%s", key);
	if (!json_is_array(arr))
		return lb_spec_bad(t, "hostconfig.json", field, "an array");
	json_t *kept = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (fn(t, config_v2, i, v, kept))
			break;
	if (store && json_array_size(kept))
		lb_spec_put(t, t->host, key, kept);
	else
		json_decref(kept);
	return t->rc;
}

/* Whether a Binds or Mounts entry kept in the body names the volume. */
static bool named_in_create(const struct lb_spec_tr *t, const char *name)
{
	size_t len = strlen(name), i;
	json_t *v;
	json_array_foreach(json_object_get(t->host, "Binds"), i, v) {
		const char *s = json_string_value(v);
		if (s && !strncmp(s, name, len) && s[len] == ':')
			return true;
	}
	json_array_foreach(json_object_get(t->host, "Mounts"), i, v) {
		const char *s = json_string_value(json_object_get(v, "Source"));
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Volumes no Binds or Mounts entry names: the image's VOLUMEs and `-v
 * /dest`, which Docker recorded as mount points with generated names. */
static int unnamed_mountpoints(struct lb_spec_tr *t, const json_t *config_v2)
{
	const json_t *mps = json_object_get(config_v2, "MountPoints");
	if (!mps || json_is_null(mps))
		return t->rc;
	if (!json_is_object(mps))
		return lb_spec_bad(t, "config.v2.json", "MountPoints", "an object");
	const char *dest;
	json_t *mp;
	json_object_foreach((json_t *)mps, dest, mp) {
		const char *name = json_string_value(json_object_get(mp, "Name"));
		if (name && lb_dj_is_hex(name, 64) && !named_in_create(t, name)) {
			char field[300];
			snprintf(field, sizeof(field), "MountPoints[%.256s]", dest);
			anonymous(t, field, json_object_get(mp, "Name"));
		}
	}
	return t->rc;
}

int lb_spec_mounts(struct lb_spec_tr *t, const json_t *config_v2, const json_t *hostconfig)
{
	if (!each(t, config_v2, hostconfig, "Binds", one_bind, true) &&
	    !each(t, config_v2, hostconfig, "Mounts", mount_adapter, true) &&
	    !each(t, config_v2, hostconfig, "Devices", device_adapter, false))
		unnamed_mountpoints(t, config_v2);
	return t->rc;
}
