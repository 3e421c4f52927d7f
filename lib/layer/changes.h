/* The container's changes: its mounted rootfs (upper) against its init
 * layer's rootfs (lower), computed the way Docker's naive walker does
 * (moby pkg/archive/changes.go), so the list equals `docker diff` and the
 * layer equals what `docker commit` would have written. Both trees are
 * walked with the *at calls from the two descriptors, never following a
 * symbolic link and never crossing into another mount. Memory grows with
 * the number of changes and the widest directory, not with file sizes. */
#ifndef LIFEBOAT_LAYER_CHANGES_H
#define LIFEBOAT_LAYER_CHANGES_H

#include "util/error.h"

#include <stddef.h>

enum lb_change_kind { LB_CHANGE_ADD, LB_CHANGE_MODIFY, LB_CHANGE_DELETE };

struct lb_change {
	char *path; /* "/etc/motd", absolute in the layer */
	enum lb_change_kind kind;
};

struct lb_changes {
	struct lb_change *v; /* sorted by path, byte order, as Docker's export sorts */
	size_t n;
};

/* Fills *out (freed with lb_changes_free, also after a failure). A file
 * that cannot be read in either tree fails the whole walk, naming it:
 * a diff that silently lost a file would be a wrong image. */
int lb_layer_changes(int upper_dirfd, int lower_dirfd, struct lb_changes *out, struct lb_err *err);

void lb_changes_free(struct lb_changes *changes);

/* "A", "C" or "D", as `docker diff` prints the kind. */
const char *lb_change_kind_letter(enum lb_change_kind kind);

#endif
