#include "oci/manifest.h"
#include "oci/layout.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 1024

static int descriptor(json_t *d, const char *what, const char *role, struct lb_descriptor *out,
		      struct lb_err *err)
{
	const char *digest = json_string_value(json_object_get(d, "digest"));
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	json_t *size = json_object_get(d, "size");
	if (!digest || !lb_digest_valid(digest))
		return lb_fail(err, LB_EINTEGRITY, "%s: %s: digest is not sha256:<64 hex>", what, role);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return lb_fail(err, LB_EINTEGRITY, "%s: %s %s: no valid size", what, role, digest);
	memset(out, 0, sizeof(*out));
	memcpy(out->digest, digest, LB_DIGEST_LEN + 1);
	out->size = (uint64_t)json_integer_value(size);
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt ? mt : "");
	return LB_OK;
}

int lb_manifest_blobs(const char *buf, size_t len, const char *what, struct lb_descriptor **out,
		      size_t *n_out, char media_type_out[128], struct lb_err *err)
{
	json_error_t jerr;
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc = LB_OK;
	struct lb_descriptor *list = NULL;
	if (!json_is_object(m)) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: not a JSON object (line %d: %s)", what, jerr.line,
			     jerr.text);
		goto out;
	}
	json_t *version = json_object_get(m, "schemaVersion");
	const char *mt = json_string_value(json_object_get(m, "mediaType"));
	json_t *layers = json_object_get(m, "layers");
	if (!json_is_integer(version) || json_integer_value(version) != 2 || !json_is_array(layers) ||
	    !json_is_object(json_object_get(m, "config"))) {
		rc = lb_fail(err, LB_EINTEGRITY,
			     "%s: not an image manifest (schemaVersion 2 with config and layers)%s", what,
			     json_object_get(m, "manifests") ? "; an index of several images" : "");
		goto out;
	}
	size_t n = json_array_size(layers);
	if (n > MAX_LAYERS) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: %zu layers, more than %d", what, n, MAX_LAYERS);
		goto out;
	}
	list = calloc(n + 1, sizeof(*list));
	if (!list) {
		rc = lb_fail(err, LB_EFAIL, "%s: out of memory", what);
		goto out;
	}
	if ((rc = descriptor(json_object_get(m, "config"), what, "config", &list[0], err)))
		goto out;
	if (list[0].size > LB_OCI_SMALL_MAX) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: config of %llu bytes, more than %u allowed", what,
			     (unsigned long long)list[0].size, LB_OCI_SMALL_MAX);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char role[32];
		snprintf(role, sizeof(role), "layer %zu", i);
		if ((rc = descriptor(json_array_get(layers, i), what, role, &list[i + 1], err)))
			goto out;
	}
	snprintf(media_type_out, 128, "%s", mt ? mt : "application/vnd.oci.image.manifest.v1+json");
	*out = list;
	*n_out = n + 1;
	list = NULL;
out:
	free(list);
	json_decref(m);
	return rc;
}

int lb_manifest_media_types(enum lb_manifest_kind kind, enum lb_layer_compression comp,
			    const char **manifest, const char **config, const char **layer,
			    struct lb_err *err)
{
	if (kind == LB_MANIFEST_DOCKER) {
		if (comp == LB_LAYER_ZSTD)
			return lb_fail(err, LB_EUSAGE,
				       "zstd layers need an OCI manifest (--manifest oci): Docker's "
				       "schema 2 has no media type for them");
		*manifest = LB_MT_DOCKER_MANIFEST;
		*config = LB_MT_DOCKER_CONFIG;
		*layer = LB_MT_DOCKER_LAYER_GZIP;
		return LB_OK;
	}
	*manifest = LB_MT_OCI_MANIFEST;
	*config = LB_MT_OCI_CONFIG;
	*layer = comp == LB_LAYER_ZSTD ? LB_MT_OCI_LAYER_ZSTD : LB_MT_OCI_LAYER_GZIP;
	return LB_OK;
}

static json_t *descriptor_json(const char *media_type, const struct lb_descriptor *d)
{
	return json_pack("{s:s, s:I, s:s}", "mediaType", media_type, "size", (json_int_t)d->size,
			 "digest", d->digest);
}

int lb_manifest_build(enum lb_manifest_kind kind, enum lb_layer_compression comp,
		      const struct lb_descriptor *config, const struct lb_descriptor *layers,
		      size_t n_layers, char **out, size_t *out_len, struct lb_err *err)
{
	*out = NULL;
	const char *mt_manifest = NULL, *mt_config = NULL, *mt_layer = NULL;
	int rc = lb_manifest_media_types(kind, comp, &mt_manifest, &mt_config, &mt_layer, err);
	if (rc)
		return rc;
	json_t *ls = json_array();
	for (size_t i = 0; ls && i < n_layers; i++)
		if (json_array_append_new(ls, descriptor_json(mt_layer, &layers[i]))) {
			json_decref(ls);
			ls = NULL;
		}
	json_t *m = ls ? json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
				   mt_manifest, "config", descriptor_json(mt_config, config), "layers", ls)
		       : NULL;
	if (m)
		*out = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (!*out)
		return lb_fail(err, LB_EFAIL, "cannot build the manifest (out of memory?)");
	*out_len = strlen(*out);
	return LB_OK;
}
