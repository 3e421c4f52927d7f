/* Layouts lifeboat stages for itself (an archive's source, a push's commit):
 * removed again with exactly the files a layout holds. */
#ifndef LIFEBOAT_MIGRATE_STAGING_H
#define LIFEBOAT_MIGRATE_STAGING_H

#include "util/error.h"

/* Removes an OCI layout directory: oci-layout, index.json, blobs/sha256/<hex>
 * and lifeboat's own bookkeeping (the push's hints, its emptied upload
 * journal directories); anything else there is left, and the
 * directory with it (LB_EUNSAFE names it). */
int lb_staged_layout_remove(const char *dir, struct lb_err *err);

#endif
