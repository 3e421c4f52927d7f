#include "docker/layerdb.h"

#include "docker/jsonfile.h"
#include "util/printable.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool lb_docker_is_layer_id(const char *s)
{
	size_t n = strlen(s);
	if (n < LB_DOCKER_ID_LEN || !hex_run(s, LB_DOCKER_ID_LEN))
		return false;
	return n == LB_DOCKER_ID_LEN || strcmp(s + LB_DOCKER_ID_LEN, "-init") == 0;
}

static const char sha256_prefix[] = "sha256:";
#define SHA256_PREFIX_LEN (sizeof(sha256_prefix) - 1)

bool lb_docker_is_digest(const char *s)
{
	return strncmp(s, sha256_prefix, SHA256_PREFIX_LEN) == 0 &&
	       strlen(s) == SHA256_PREFIX_LEN + LB_DOCKER_ID_LEN &&
	       hex_run(s + SHA256_PREFIX_LEN, LB_DOCKER_ID_LEN);
}

static int join(char *buf, size_t cap, const char *a, const char *b, const char *c,
		struct lb_err *err)
{
	int n = snprintf(buf, cap, "%s/%s/%s", a, b, c);
	if (n < 0 || (size_t)n >= cap)
		return lb_fail(err, LB_EUSAGE, "%s/%s/%s: path too long", a, b, c);
	return 0;
}

/* Reads one of a directory's one-line files. Optional files that are missing
 * leave buf empty and return 0. */
static int read_field(const char *dir, const char *file, bool required, char *buf, size_t cap,
		      struct lb_err *err)
{
	char path[PATH_MAX];
	int rc = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (rc < 0 || (size_t)rc >= sizeof(path))
		return lb_fail(err, LB_EUSAGE, "%s/%s: path too long", dir, file);
	struct lb_err local = {0};
	rc = lb_dj_read_line_file(path, buf, cap, &local);
	if (rc == LB_ENOTFOUND && !required) {
		buf[0] = '\0';
		return 0;
	}
	if (rc && err)
		*err = local;
	return rc;
}

static int check(bool ok, const char *dir, const char *file, const char *what, const char *value,
		 struct lb_err *err)
{
	if (ok)
		return 0;
	char shown[LB_PRINTABLE_CAP(80)];
	lb_printable(shown, sizeof(shown), value);
	return lb_fail(err, LB_EINTEGRITY, "%s/%s: invalid %s '%s'", dir, file, what, shown);
}

int lb_docker_mount_load(const char *layerdb_dir, const char *container_id,
			 struct lb_docker_mount *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (strlen(container_id) > LB_DOCKER_ID_LEN || strchr(container_id, '/') ||
	    !container_id[0] || container_id[0] == '.')
		return lb_fail(err, LB_EUSAGE, "%.80s: not a container id", container_id);
	strcpy(out->container_id, container_id);

	char dir[PATH_MAX];
	int rc = join(dir, sizeof(dir), layerdb_dir, "mounts", container_id, err);
	if (rc)
		return rc;
	rc = read_field(dir, "mount-id", true, out->mount_id, sizeof(out->mount_id), err);
	if (!rc)
		rc = check(lb_docker_is_layer_id(out->mount_id), dir, "mount-id", "mount id", out->mount_id,
			   err);
	if (!rc)
		rc = read_field(dir, "init-id", false, out->init_id, sizeof(out->init_id), err);
	if (!rc && out->init_id[0])
		rc = check(lb_docker_is_layer_id(out->init_id), dir, "init-id", "init id", out->init_id, err);
	if (!rc)
		rc = read_field(dir, "parent", false, out->parent, sizeof(out->parent), err);
	if (!rc && out->parent[0])
		rc = check(lb_docker_is_digest(out->parent), dir, "parent", "chain id", out->parent, err);
	return rc;
}

int lb_docker_layer_load(const char *layerdb_dir, const char *chain_id,
			 struct lb_docker_layer *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *hex = chain_id;
	if (strncmp(hex, sha256_prefix, SHA256_PREFIX_LEN) == 0)
		hex += SHA256_PREFIX_LEN;
	if (strlen(hex) != LB_DOCKER_ID_LEN || !hex_run(hex, LB_DOCKER_ID_LEN))
		return lb_fail(err, LB_EUSAGE, "%.80s: not a sha256 chain id", chain_id);
	snprintf(out->chain_id, sizeof(out->chain_id), "%s%s", sha256_prefix, hex);

	char dir[PATH_MAX];
	int rc = join(dir, sizeof(dir), layerdb_dir, "sha256", hex, err);
	if (rc)
		return rc;
	rc = read_field(dir, "cache-id", true, out->cache_id, sizeof(out->cache_id), err);
	/* The graph driver's id: for devicemapper, the device's hash. */
	if (!rc)
		rc = check(lb_docker_is_layer_id(out->cache_id), dir, "cache-id", "cache id",
			   out->cache_id, err);
	if (!rc)
		rc = read_field(dir, "diff", true, out->diff_id, sizeof(out->diff_id), err);
	if (!rc)
		rc = check(lb_docker_is_digest(out->diff_id), dir, "diff", "diff id", out->diff_id, err);

	char size_text[32];
	if (!rc)
		rc = read_field(dir, "size", true, size_text, sizeof(size_text), err);
	if (!rc) {
		char *end;
		errno = 0;
		unsigned long long size = strtoull(size_text, &end, 10);
		bool ok = size_text[0] >= '0' && size_text[0] <= '9' && *end == '\0' && errno == 0 &&
			  size <= (unsigned long long)INT64_MAX;
		rc = check(ok, dir, "size", "size", size_text, err);
		out->size_bytes = size;
	}
	if (!rc)
		rc = read_field(dir, "parent", false, out->parent, sizeof(out->parent), err);
	if (!rc && out->parent[0])
		rc = check(lb_docker_is_digest(out->parent), dir, "parent", "chain id", out->parent, err);
	return rc;
}
