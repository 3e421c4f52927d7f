/* An OCI image layout directory (image-spec image-layout.md):
 *   oci-layout        {"imageLayoutVersion":"1.0.0"}
 *   index.json        the refs: manifests with org.opencontainers.image.ref.name
 *   blobs/sha256/<hex>
 * Everything happens through the descriptors of the directory and of
 * blobs/sha256 (openat, O_NOFOLLOW), so nothing swapped in under the path
 * afterwards is followed. Digests are checked (sha256:<64 hex>) before they
 * become file names. Blobs and index.json are written atomically. */
#ifndef LIFEBOAT_OCI_LAYOUT_H
#define LIFEBOAT_OCI_LAYOUT_H

#include "oci/digest.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define LB_OCI_REF_ANNOTATION "org.opencontainers.image.ref.name"
#define LB_OCI_SMALL_MAX (4u << 20) /* manifests, configs, index.json */

struct lb_oci_layout;

/* Makes `dir` a layout (created if missing). An existing layout is opened
 * as it is; a non-empty directory that is not one is LB_EUNSAFE. */
int lb_oci_layout_create(const char *dir, struct lb_oci_layout **out, struct lb_err *err);

/* Opens an existing layout: LB_ENOTFOUND if dir or oci-layout is missing,
 * LB_EINTEGRITY if oci-layout is not a 1.x layout. */
int lb_oci_layout_open(const char *dir, struct lb_oci_layout **out, struct lb_err *err);

/* The directory path as given, for messages. */
const char *lb_oci_layout_path(const struct lb_oci_layout *l);

/* The layout directory's own descriptor (for state kept beside it). */
int lb_oci_layout_dirfd(const struct lb_oci_layout *l);

/* blobs/sha256, for writers that create their blob files themselves. */
int lb_oci_layout_blobs_dirfd(const struct lb_oci_layout *l);

/* Stores buf as a blob; its digest goes to digest_out. */
int lb_oci_layout_put_blob(struct lb_oci_layout *l, const void *buf, size_t len,
			   char digest_out[LB_DIGEST_CAP], struct lb_err *err);

/* Opens blob `digest` for reading: LB_EUSAGE for a malformed digest,
 * LB_ENOTFOUND if absent, LB_EINTEGRITY if not a regular file. */
int lb_oci_layout_blob_open(const struct lb_oci_layout *l, const char *digest, int *fd_out,
			    uint64_t *size_out, struct lb_err *err);

/* Reads a blob of at most `max` bytes into a malloc'd buffer and checks
 * its sha256 (LB_EINTEGRITY if it differs, or if it is larger). */
int lb_oci_layout_read_blob(const struct lb_oci_layout *l, const char *digest, size_t max,
			    char **buf_out, size_t *len_out, struct lb_err *err);

/* Points ref_name at the manifest (replacing an entry of that name) in
 * index.json. */
int lb_oci_layout_set_ref(struct lb_oci_layout *l, const char *ref_name, const char *media_type,
			  const char *manifest_digest, uint64_t size, struct lb_err *err);

/* The manifest index.json names `ref_name`, or with NULL its only one
 * (LB_EUSAGE if there are several, LB_ENOTFOUND if none). */
int lb_oci_layout_resolve(const struct lb_oci_layout *l, const char *ref_name,
			  char digest_out[LB_DIGEST_CAP], char media_type_out[128],
			  uint64_t *size_out, struct lb_err *err);

/* Reads blob `digest` whole and checks its sha256 (LB_EINTEGRITY if it
 * differs), for a blob about to be used that no pull has checked. */
int lb_oci_layout_blob_verify(const struct lb_oci_layout *l, const char *digest,
			      struct lb_err *err);

/* The ref name index.json gives the manifest `digest` (its first, if
 * several): LB_ENOTFOUND when no named entry has it. */
int lb_oci_layout_name_of(const struct lb_oci_layout *l, const char *digest, char *name_out,
			  size_t cap, struct lb_err *err);

void lb_oci_layout_close(struct lb_oci_layout *l);

#endif
