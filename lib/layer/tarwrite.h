/* The layer tar of a container's changes, as Docker's export writes it
 * (moby pkg/archive ExportChanges): a deletion is an empty regular file
 * "<dir>/.wh.<name>"; an addition or modification is the entry itself, whole.
 * USTAR headers where they fit, PAX where they do not (long or non-ASCII
 * names, large ids or sizes), through libarchive; no compression here. */
#ifndef LIFEBOAT_LAYER_TARWRITE_H
#define LIFEBOAT_LAYER_TARWRITE_H

#include "layer/changes.h"
#include "layer/sink.h"
#include "util/error.h"

#include <stdint.h>

struct lb_layer_tar_stats {
	uint64_t entries;         /* tar entries written, whiteouts included */
	uint64_t whiteouts;       /* of which .wh. files */
	uint64_t file_bytes;      /* regular file data, holes included */
	uint64_t sockets_skipped; /* a tar cannot hold a socket; Docker skips them too */
	const char *first_skipped_socket; /* points into the changes; NULL if none */
};

/* Writes the tar of `c` (sorted, from lb_layer_changes against this upper)
 * to the sink. Files are read from upper_dirfd without following any link.
 * Entries: regular files whole (holes found with SEEK_DATA/SEEK_HOLE and
 * written as zeros without reading them), directories, symlinks, FIFOs,
 * character and block devices, hard links to the first path of the same
 * inode in this layer, security.capability as SCHILY.xattr; mtime in whole
 * seconds, numeric owners only. A whiteout takes the mtime of the directory
 * it lies in, so the same changes make the same tar. stats may be NULL. */
int lb_layer_write_tar(int upper_dirfd, const struct lb_changes *c, const struct lb_layer_sink *sink,
		       struct lb_layer_tar_stats *stats, struct lb_err *err);

#endif
