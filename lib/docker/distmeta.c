/* lifeboat: Docker's distribution metadata (see distmeta.h). */
#include "docker/distmeta.h"

#include "docker/jsonfile.h"
#include "docker/layerdb.h"

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A repository as Docker writes it: printable, no spaces, no "..". */
static bool plausible_repository(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 512 || strstr(s, ".."))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

int lb_distmeta_parse(const char *text, size_t len, const char *origin, struct lb_distmeta *out,
		      struct lb_err *err)
{
	out->n = 0;
	json_error_t je;
	json_t *a = json_loadb(text, len, 0, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return lb_fail(err, LB_EINTEGRITY, "%s: not a JSON array of v2 metadata", origin);
	}
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		const char *d = json_string_value(json_object_get(e, "Digest"));
		const char *r = json_string_value(json_object_get(e, "SourceRepository"));
		if (!d || !r || !lb_docker_is_digest(d) || !plausible_repository(r))
			continue;
		bool dup = false;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = !strcmp(out->v[k].digest, d) && !strcmp(out->v[k].repository, r);
		if (dup || out->n == LB_DISTMETA_MAX)
			continue;
		snprintf(out->v[out->n].digest, sizeof(out->v[0].digest), "%s", d);
		snprintf(out->v[out->n].repository, sizeof(out->v[0].repository), "%s", r);
		out->n++;
	}
	json_decref(a);
	return LB_OK;
}

int lb_distmeta_load(const char *data_root, const char *diff_id, struct lb_distmeta *out,
		     struct lb_err *err)
{
	out->n = 0;
	if (!lb_docker_is_digest(diff_id))
		return lb_fail(err, LB_EINTEGRITY, "%s: no sha256 diff id", diff_id);
	char path[PATH_MAX];
	snprintf(path, sizeof(path),
		 "%s/image/devicemapper/distribution/v2metadata-by-diffid/sha256/%s", data_root,
		 diff_id + 7);
	char *text;
	size_t len;
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = lb_distmeta_parse(text, len, path, out, err);
	free(text);
	return rc;
}
