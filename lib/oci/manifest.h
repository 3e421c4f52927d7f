/* Image manifests, the two kinds a registry of the devicemapper era and a
 * current one take: Docker's schema 2 (what `docker push` sends; every engine
 * reads it) and OCI's image manifest (needed for zstd layers). Pure. */
#ifndef LIFEBOAT_OCI_MANIFEST_H
#define LIFEBOAT_OCI_MANIFEST_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define LB_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define LB_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define LB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define LB_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define LB_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define LB_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

enum lb_manifest_kind { LB_MANIFEST_DOCKER, LB_MANIFEST_OCI };
enum lb_layer_compression { LB_LAYER_GZIP, LB_LAYER_ZSTD };

struct lb_descriptor {
	char digest[80]; /* "sha256:<hex>" */
	uint64_t size;
};

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
