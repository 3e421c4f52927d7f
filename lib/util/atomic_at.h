/* Files that appear under their name only when complete, inside a directory
 * held open by descriptor (no path is looked up again): a temporary file
 * ".<name>.tmp-XXXXXX" is created with O_EXCL|O_NOFOLLOW, written, fsynced,
 * renamed over `name`, and the directory fsynced. */
#ifndef LIFEBOAT_ATOMIC_AT_H
#define LIFEBOAT_ATOMIC_AT_H

#include "util/error.h"

#include <limits.h>
#include <stddef.h>

/* Creates the temporary file for `name` in dirfd; its name goes to tmp. */
int lb_tmp_create_at(int dirfd, const char *name, char tmp[NAME_MAX + 1], int *fd_out,
		     struct lb_err *err);

/* fsyncs and closes fd, renames tmp to name (replacing it), fsyncs dirfd.
 * On failure the temporary file is removed. `what` names the file in
 * messages. */
int lb_tmp_commit_at(int dirfd, int fd, const char *tmp, const char *name, const char *what,
		     struct lb_err *err);

/* Both, around one write of buf. */
int lb_write_atomic_at(int dirfd, const char *name, const void *buf, size_t len,
		       const char *what, struct lb_err *err);

/* write() all of buf, retrying on EINTR and short writes; 0 or -1/errno. */
int lb_write_all(int fd, const void *buf, size_t len);

#endif
