/* Fetching from one repository: manifests (Docker schema2, OCI manifest;
 * a manifest list or OCI index resolves to one platform) and blobs,
 * streamed into an OCI layout's blobs/sha256 through a partial file that a
 * later run resumes with Range. A blob whose sha256 or size differs is
 * LB_EINTEGRITY and its partial file is removed: nothing that is not the
 * blob ever has the blob's name. */
#ifndef LIFEBOAT_REGISTRY_PULL_H
#define LIFEBOAT_REGISTRY_PULL_H

#include "oci/digest.h"
#include "oci/layout.h"
#include "registry/client.h"

#include <stdbool.h>
#include <stdint.h>

#define LB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define LB_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define LB_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define LB_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

struct lb_platform {
	char os[32], arch[32], variant[32]; /* variant "" matches any */
};

/* "linux/amd64", "linux/arm64/v8"; LB_EUSAGE if malformed. */
int lb_platform_parse(const char *s, struct lb_platform *p, struct lb_err *err);

struct lb_manifest {
	char *buf; /* the manifest's bytes as served, malloc'd */
	size_t len;
	char media_type[128];
	char digest[LB_DIGEST_CAP];
};

/* GETs repo's manifest `reference`, following a list/index to `platform`.
 * A reference that is a digest is checked against the bytes. */
int lb_pull_manifest(struct lb_registry *reg, const char *repo, const char *reference,
		     const struct lb_platform *platform, struct lb_manifest *m, struct lb_err *err);

void lb_manifest_free(struct lb_manifest *m);

/* Reports how many bytes of a blob are in its partial file. */
struct lb_pull_progress {
	void (*fn)(void *ctx, uint64_t have);
	void *ctx;
};

/* Downloads blob digest (of `size` bytes) into the layout unless it is there
 * already with that content; *fetched_bytes counts what came over the wire.
 * progress (or NULL) hears about every LB_PULL_PROGRESS_STEP bytes. */
#define LB_PULL_PROGRESS_STEP (8u << 20)
int lb_pull_blob(struct lb_registry *reg, const char *repo, struct lb_oci_layout *l,
		 const char *digest, uint64_t size, const struct lb_pull_progress *progress,
		 uint64_t *fetched_bytes, bool *had_it, struct lb_err *err);

#endif
