/* An output file that appears under its name only when it is complete: it is
 * written as a temporary file in the same directory, then fsynced and
 * renamed into place (and the directory fsynced), so a crash or an error
 * never leaves a half-written file under the final name. An existing file is
 * refused unless the caller asks to replace it.
 *
 *   struct lb_atomic_file f;
 *   if ((rc = lb_atomic_file_open(&f, path, replace, 0600, &err))) return rc;
 *   ...write to f.fd...
 *   rc = rc ? rc : lb_atomic_file_commit(&f, &err);
 *   lb_atomic_file_abort(&f); // removes the temporary file unless committed */
#ifndef LIFEBOAT_ATOMIC_FILE_H
#define LIFEBOAT_ATOMIC_FILE_H

#include "util/error.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct lb_atomic_file {
	int fd; /* the temporary file, open for writing; -1 when closed */
	char path[PATH_MAX];     /* as the caller named it, for messages */
	char tmp_path[PATH_MAX]; /* <canonical dir>/.<name>.XXXXXX, for messages */
	bool replace;
	bool committed;
	/* The directory, canonicalized and opened once without following any
	 * symlink: the temporary file, the check for an existing file and the
	 * rename all happen in it, whatever is swapped in under its path. */
	int dir_fd;
	bool have_dir;
	char base[NAME_MAX + 1], tmp_base[NAME_MAX + 1];
};

/* Creates the temporary file ("<dir>/.<name>.XXXXXX", mode `mode`, with
 * O_EXCL and O_NOFOLLOW). An existing `path` is LB_EUNSAFE unless `replace`;
 * with `replace`, a path that is there but not a regular file is LB_EUNSAFE
 * too. The directory must exist. */
int lb_atomic_file_open(struct lb_atomic_file *f, const char *path, bool replace, mode_t mode,
			struct lb_err *err);

/* fsyncs and closes the file, renames it to its name (never over a file that
 * appeared meanwhile, unless `replace`), fsyncs the directory. */
int lb_atomic_file_commit(struct lb_atomic_file *f, struct lb_err *err);

/* The whole of buf as `path`, through the steps above (a small file:
 * a journal, a state file, a JSON document). */
int lb_atomic_file_write(const char *path, const void *buf, size_t len, bool replace, mode_t mode,
			 struct lb_err *err);

/* Closes and removes the temporary file if it was not committed. Idempotent. */
void lb_atomic_file_abort(struct lb_atomic_file *f);

#endif
