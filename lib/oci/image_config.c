/* lifeboat: the committed image's config (see image_config.h). */
#include "oci/image_config.h"

#include "oci/digest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int lb_image_config_parse(const char *text, size_t len, const char *origin, json_t **doc,
			  json_t **diff_ids, struct lb_err *err)
{
	*doc = NULL;
	*diff_ids = NULL;
	if (len > LB_IMAGE_CONFIG_MAX)
		return lb_fail(err, LB_EINTEGRITY, "%s: image config of %zu bytes (limit %u)",
			       origin, len, LB_IMAGE_CONFIG_MAX);
	json_error_t je;
	json_t *d = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!d)
		return lb_fail(err, LB_EINTEGRITY, "%s: line %d column %d: %s", origin, je.line,
			       je.column, je.text);
	json_t *rootfs = json_object_get(d, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	const char *type = json_string_value(json_object_get(rootfs, "type"));
	if (!json_is_object(d) || !type || strcmp(type, "layers") || !json_is_array(ids)) {
		json_decref(d);
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: not an image config (no rootfs of type \"layers\" with diff_ids)",
			       origin);
	}
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		if (!json_is_string(id) || !lb_digest_valid(json_string_value(id))) {
			json_decref(d);
			return lb_fail(err, LB_EINTEGRITY, "%s: rootfs.diff_ids[%zu] is no sha256 digest",
				       origin, i);
		}
	}
	*doc = d;
	*diff_ids = ids;
	return LB_OK;
}

/* Docker's created_by for a commit: the container's Cmd joined by spaces. */
static json_t *created_by(const json_t *config)
{
	const json_t *cmd = json_object_get(config, "Cmd");
	size_t cap = 1, i;
	json_t *a;
	json_array_foreach(cmd, i, a) cap += json_string_length(a) + 1;
	char *s = calloc(1, cap);
	if (!s)
		return NULL;
	json_array_foreach(cmd, i, a)
	{
		if (i)
			strcat(s, " ");
		if (json_is_string(a))
			strcat(s, json_string_value(a));
	}
	json_t *out = json_string(s);
	free(s);
	return out;
}

static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

int lb_image_config_commit(const char *base, size_t base_len, const char *origin,
			   const json_t *config, const struct lb_commit_meta *meta, char **out,
			   size_t *out_len, struct lb_err *err)
{
	*out = NULL;
	json_t *doc, *ids;
	int rc = lb_image_config_parse(base, base_len, origin, &doc, &ids, err);
	if (rc)
		return rc;
	if (meta->diff_id && !lb_digest_valid(meta->diff_id)) {
		json_decref(doc);
		return lb_fail(err, LB_EUSAGE, "%s: not a sha256 diff id", meta->diff_id);
	}
	bool has_author = meta->author && *meta->author;
	bool has_comment = meta->comment && *meta->comment;
	json_t *hist = json_object_get(doc, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(doc, "history", hist);
	}
	json_t *entry = json_object();
	int bad = !entry || set(entry, "created", json_string(meta->created)) ||
		  (has_author && set(entry, "author", json_string(meta->author))) ||
		  set(entry, "created_by", created_by(config)) ||
		  (has_comment && set(entry, "comment", json_string(meta->comment))) ||
		  (!meta->diff_id && set(entry, "empty_layer", json_true())) ||
		  json_array_append_new(hist, entry);
	if (meta->diff_id)
		bad = bad || json_array_append_new(ids, json_string(meta->diff_id));
	/* v1 fields of the base image's own build describe that build, not
	 * this one; Docker replaces them the same way. */
	json_object_del(doc, "id");
	json_object_del(doc, "parent");
	json_object_del(doc, "docker_version");
	json_object_del(doc, "author");
	bad = bad || set(doc, "config", json_deep_copy(config)) ||
	      set(doc, "container_config", json_deep_copy(config)) ||
	      set(doc, "container", json_string(meta->container_id ? meta->container_id : "")) ||
	      set(doc, "created", json_string(meta->created)) ||
	      (has_author && set(doc, "author", json_string(meta->author)));
	if (!bad)
		*out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!*out)
		return lb_fail(err, LB_EFAIL, "%s: cannot build the committed config (out of memory?)",
			       origin);
	*out_len = strlen(*out);
	return LB_OK;
}
