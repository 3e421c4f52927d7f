/* The blobs an image manifest names (OCI image manifest or Docker schema2):
 * its config first, then its layers in order. Every descriptor must have a
 * sha256 digest and a size; the config at most LB_OCI_SMALL_MAX bytes. Pure
 * code. */
#ifndef LIFEBOAT_OCI_MANIFEST_H
#define LIFEBOAT_OCI_MANIFEST_H

#include "oci/digest.h"
#include "util/error.h"

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

#endif
