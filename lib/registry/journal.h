/* The upload journal: for each blob being uploaded in chunks, the upload
 * session's Location and the offset the registry acknowledged, rewritten
 * atomically (fsync'd) after every acknowledged chunk, so a later run of the
 * same push continues from there. One file per blob:
 *   <base>/.lifeboat-push/<registry host[:port]>/<repository path>/<hex>.json
 * where base is the layout directory or --state-dir. The names come from a
 * parsed reference (no '.', '..' or '/' tricks) and every directory is
 * opened with O_NOFOLLOW. */
#ifndef LIFEBOAT_REGISTRY_JOURNAL_H
#define LIFEBOAT_REGISTRY_JOURNAL_H

#include "oci/digest.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

struct lb_upload_journal {
	char digest[LB_DIGEST_CAP];
	uint64_t size;
	uint64_t offset; /* bytes the registry acknowledged */
	char location[4096];
};

/* Opens (creating) the journal directory for domain/repo under base_fd. */
int lb_upload_journal_dir(int base_fd, const char *domain, const char *repo, int *fd_out,
			  struct lb_err *err);

/* *found false when there is no journal for digest; a damaged one is
 * ignored (found false) rather than trusted. */
int lb_upload_journal_load(int dir_fd, const char *digest, struct lb_upload_journal *j,
			   bool *found, struct lb_err *err);

int lb_upload_journal_save(int dir_fd, const struct lb_upload_journal *j, struct lb_err *err);

void lb_upload_journal_remove(int dir_fd, const char *digest);

#endif
