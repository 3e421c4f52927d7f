/* The blobs an image manifest names (OCI image manifest or Docker schema2):
 * its config first, then its layers in order. Every descriptor must have a
 * sha256 digest and a size; the config at most LB_OCI_SMALL_MAX bytes. Pure
 * code. */
#ifndef LIFEBOAT_OCI_MANIFEST_H
#define LIFEBOAT_OCI_MANIFEST_H

#include "oci/digest.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lb_descriptor {
	char digest[LB_DIGEST_CAP];
	uint64_t size;
	char media_type[128];
};

/* *out is malloc'd (free it); `what` names the manifest in messages.
 * LB_EINTEGRITY for anything malformed, or a manifest list/index. */
int lb_manifest_blobs(const char *buf, size_t len, const char *what, struct lb_descriptor **out,
		      size_t *n_out, char media_type_out[128], struct lb_err *err);

/* Building one: Docker schema 2 (what `docker push` sends; every engine of
 * the devicemapper era reads it) or OCI (needed for zstd layers). */
#define LB_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define LB_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define LB_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define LB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define LB_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define LB_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define LB_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

enum lb_manifest_kind { LB_MANIFEST_DOCKER, LB_MANIFEST_OCI };
enum lb_layer_compression { LB_LAYER_GZIP, LB_LAYER_ZSTD };

/* The media types of one manifest kind. Docker's schema 2 has no zstd layer
 * type: that pair is LB_EUSAGE (the verbs say to use --manifest oci). */
int lb_manifest_media_types(enum lb_manifest_kind kind, enum lb_layer_compression comp,
			    const char **manifest, const char **config, const char **layer,
			    struct lb_err *err);

/* The manifest's JSON text (*out, free()). */
int lb_manifest_build(enum lb_manifest_kind kind, enum lb_layer_compression comp,
		      const struct lb_descriptor *config, const struct lb_descriptor *layers,
		      size_t n_layers, char **out, size_t *out_len, struct lb_err *err);

#endif
