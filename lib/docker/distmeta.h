/* Docker's distribution metadata (moby distribution/metadata/v2_metadata_service.go):
 *
 *   <data-root>/image/<driver>/distribution/v2metadata-by-diffid/sha256/<diff hex>
 *       [{"Digest":"sha256:<blob>","SourceRepository":"127.0.0.1:5000/lifeboat/base",
 *         "HMAC":""}, ...]
 *
 * Written on every pull and push: which compressed blob holds a layer, and in
 * which repository Docker saw it. A push can then skip a blob the target has,
 * or mount it from a repository on the same registry, instead of rebuilding
 * and uploading the layer. HMAC entries are tied to credentials Docker held;
 * lifeboat uses only the digest and the repository, and a registry answering
 * HEAD is what proves a candidate. */
#ifndef LIFEBOAT_DOCKER_DISTMETA_H
#define LIFEBOAT_DOCKER_DISTMETA_H

#include "util/error.h"

#include <stddef.h>

#define LB_DISTMETA_MAX 32

struct lb_distmeta_source {
	char digest[80];      /* "sha256:<hex>" of the compressed blob */
	char repository[512]; /* "host[:port]/path", as Docker wrote it */
};

struct lb_distmeta {
	struct lb_distmeta_source v[LB_DISTMETA_MAX]; /* distinct (digest, repository) pairs */
	size_t n;
};

/* Pure: the file's text. Entries with a malformed digest or repository are
 * skipped (they are hints, not facts); a text that is no JSON array is
 * LB_EINTEGRITY naming origin. */
int lb_distmeta_parse(const char *text, size_t len, const char *origin, struct lb_distmeta *out,
		      struct lb_err *err);

/* Reads the entry of diff_id ("sha256:<hex>") under data_root for the
 * devicemapper driver. No file: LB_ENOTFOUND (an imported or built layer). */
int lb_distmeta_load(const char *data_root, const char *diff_id, struct lb_distmeta *out,
		     struct lb_err *err);

#endif
