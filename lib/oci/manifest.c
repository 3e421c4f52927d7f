/* lifeboat: image manifests (see manifest.h). */
#include "oci/manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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

static json_t *descriptor(const char *media_type, const struct lb_descriptor *d)
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
		if (json_array_append_new(ls, descriptor(mt_layer, &layers[i]))) {
			json_decref(ls);
			ls = NULL;
		}
	json_t *m = ls ? json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
				   mt_manifest, "config", descriptor(mt_config, config), "layers", ls)
		       : NULL;
	if (m)
		*out = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (!*out)
		return lb_fail(err, LB_EFAIL, "cannot build the manifest (out of memory?)");
	*out_len = strlen(*out);
	return LB_OK;
}
