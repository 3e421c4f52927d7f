/* Uploading blobs and manifests to one repository (OCI distribution spec):
 *  - HEAD first: a blob the repository has is not sent (exists);
 *  - a cross-repository mount when the caller names a source repository on
 *    the same registry (mounted; a 202 falls back to an upload);
 *  - a monolithic PUT for a blob no larger than one chunk; otherwise
 *    PATCH chunks with Content-Range (at least OCI-Chunk-Min-Length), then
 *    PUT ?digest=. After every acknowledged chunk the journal records the
 *    session's Location and offset, so a later run continues there
 *    (resumed): GET the session, read its Range, PATCH onward.
 *  - a session the registry lost (Docker Distribution 2.8 answers 404
 *    BLOB_UPLOAD_UNKNOWN/INVALID after a PATCH cut mid-body) starts that
 *    blob again with a new POST (restarted); bytes sent again are counted.
 * The manifest goes last, by lb_push_manifest. */
#ifndef LIFEBOAT_REGISTRY_PUSH_H
#define LIFEBOAT_REGISTRY_PUSH_H

#include "oci/digest.h"
#include "registry/client.h"

#include <stdbool.h>
#include <stdint.h>

enum lb_blob_action { LB_BLOB_EXISTS, LB_BLOB_MOUNTED, LB_BLOB_UPLOADED, LB_BLOB_RESUMED,
		      LB_BLOB_RESTARTED };

const char *lb_blob_action_name(enum lb_blob_action a);

struct lb_push_blob {
	char digest[LB_DIGEST_CAP];
	uint64_t size;
	int fd;                 /* the blob's content, read with pread; -1: none here,
				 * the registry must have it or mount it */
	const char *mount_from; /* a repository on the same registry, or NULL */
	/* results */
	enum lb_blob_action action;
	uint64_t bytes_sent;   /* all body bytes that went out for it */
	uint64_t bytes_resent; /* of those, bytes the registry had acknowledged before */
	unsigned restarts;
};

struct lb_push_ctx {
	struct lb_registry *reg;
	const char *repo;
	uint64_t chunk_size;
	int journal_fd; /* lb_upload_journal_dir, or -1 for no journal */
	/* Called after each acknowledged chunk but the last, then once with
	 * done == size when the blob is in place, whatever its action (from
	 * worker threads). */
	void (*progress)(void *ctx, const struct lb_push_blob *b, uint64_t done);
	void *progress_ctx;
};

int lb_push_blob(const struct lb_push_ctx *ctx, struct lb_push_blob *b, struct lb_err *err);

/* HEAD of a blob in repo: *exists, and its size from Content-Length. */
int lb_registry_blob_stat(struct lb_registry *reg, const char *repo, const char *digest,
			  bool *exists, uint64_t *size, struct lb_err *err);

/* PUTs the manifest under `reference` (tag or digest); checks the digest
 * the registry answers with. */
int lb_push_manifest(struct lb_registry *reg, const char *repo, const char *reference,
		     const char *media_type, const char *buf, size_t len, struct lb_err *err);

#endif
