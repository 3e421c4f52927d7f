/* A whole image between an OCI layout and a repository: the blobs the
 * manifest names, up to `jobs` at once, then the manifest (push), or the
 * manifest, its blobs, then the layout's ref (pull). The per-blob outcome
 * and byte counts are the verbs' --json summary. */
#ifndef LIFEBOAT_REGISTRY_IMAGE_H
#define LIFEBOAT_REGISTRY_IMAGE_H

#include "oci/layout.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "registry/ref.h"

struct lb_image_xfer_opts {
	unsigned jobs;
	uint64_t chunk_size;        /* push */
	const char *mount_from;     /* push: a repository on the same registry */
	/* push: for a blob the layout lacks, the repository on the same
	 * registry to mount it from ("" if the target has it already), or NULL
	 * (then the blob is missing: LB_ENOTFOUND). */
	const char *(*mount_hint)(void *ctx, const char *digest);
	void *hint_ctx;
	/* push: repositories of the same registry this run pushed before (an
	 * evacuation's earlier containers): a staged blob one of them holds is
	 * mounted from it, not uploaded again. */
	const char *const *mount_candidates;
	size_t n_mount_candidates;
	int state_fd;               /* push: where .lifeboat-push/ goes; -1: the layout */
	const char *layout_ref;     /* push: the layout's image name, NULL: its only one */
	struct lb_platform platform; /* pull */
	void (*progress)(void *ctx, const struct lb_push_blob *b, uint64_t done);
	void *progress_ctx;
};

struct lb_image_xfer {
	char manifest_digest[LB_DIGEST_CAP];
	char media_type[128];
	size_t n_blobs;
	struct lb_push_blob *blobs; /* pull fills digest, size, action (exists|uploaded) */
	uint64_t bytes_uploaded, bytes_skipped, bytes_mounted, bytes_resent, bytes_fetched;
	double seconds;
};

int lb_image_push(struct lb_registry *reg, const struct lb_image_ref *ref, struct lb_oci_layout *l,
		  const struct lb_image_xfer_opts *o, struct lb_image_xfer *res, struct lb_err *err);

int lb_image_pull(struct lb_registry *reg, const struct lb_image_ref *ref, struct lb_oci_layout *l,
		  const struct lb_image_xfer_opts *o, struct lb_image_xfer *res, struct lb_err *err);

void lb_image_xfer_free(struct lb_image_xfer *res);

#endif
