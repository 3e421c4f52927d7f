/* A docker-archive (the tar `docker save` writes and `docker load` reads)
 * from an image in an OCI layout: manifest.json naming the config and the
 * layer files, the config as <hex>.json and each layer blob as
 * <hex>/layer.tar (compressed blobs as they are: `docker load` decompresses,
 * then checks each layer against the config's diff ids). Entry names come
 * only from checked sha256 digests, so no name in a pulled image reaches a
 * path. Written to a temporary name beside PATH and renamed when complete. */
#ifndef LIFEBOAT_MIGRATE_ARCHIVE_H
#define LIFEBOAT_MIGRATE_ARCHIVE_H

#include "util/error.h"

#include <stdbool.h>

/* ref_name: the layout's image (NULL: its only one); repo_tag: RepoTags[0]
 * ("name:tag"), or NULL for none. with_carry: the layout's container spec
 * (migrate/carry.h, ref lifeboat-spec) goes in too, as an OCI layout under
 * lifeboat/ (docker load ignores it; migrate restore ARCHIVE reads it). */
int lb_docker_archive_from_layout(const char *layout_dir, const char *ref_name,
				  const char *out_path, const char *repo_tag, bool with_carry,
				  struct lb_err *err);

#endif
