/* lifeboat: a container's spec from Docker's files (see spec_load.h). */
#include "migrate/spec_load.h"
#include "docker/jsonfile.h"
#include "migrate/spec.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static int load(const char *dir, const char *file, enum lb_dj_trailing trailing, json_t **out,
		struct lb_err *err)
{
	char path[PATH_MAX + 64], *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (!rc)
		rc = lb_dj_parse(text, len, path, trailing, out, err);
	free(text);
	return rc;
}

int lb_spec_load_container(const char *data_root, const char *container_id, json_t **spec_out,
			   struct lb_err *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/containers/%s", data_root, container_id);
	json_t *config = NULL, *host = NULL;
	/* Docker reads config.v2.json with a json.Decoder (trailing bytes
	 * ignored) and hostconfig.json with json.Unmarshal. */
	int rc = load(dir, "config.v2.json", LB_DJ_FIRST_VALUE, &config, err);
	if (!rc && (rc = load(dir, "hostconfig.json", LB_DJ_STRICT, &host, err)) == LB_ENOTFOUND)
		rc = LB_OK; /* older layouts keep it in config.v2.json: the spec reads it there */
	if (!rc)
		rc = lb_spec_from_docker(config, host, dir, spec_out, err);
	json_decref(config);
	json_decref(host);
	return rc;
}
