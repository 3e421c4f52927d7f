/* Opening what lies inside a tree lifeboat does not trust (a Docker data
 * root) without following a symbolic link anywhere in the path: every
 * directory is opened with O_NOFOLLOW from its parent's descriptor, so a link
 * planted in the tree cannot lead lifeboat out of it. The caller passes a
 * canonical path (realpath'd: no links in the part it trusts), so any link
 * met is one inside the tree: LB_EINTEGRITY naming it. Files are opened only
 * if they are regular files (checked before the open, so a FIFO or a device
 * node is never opened, and again after it), non-blocking. */
#ifndef LIFEBOAT_NOFOLLOW_H
#define LIFEBOAT_NOFOLLOW_H

#include "util/error.h"

#include <sys/stat.h>

/* Opens the directory `path` (O_RDONLY, usable with fdopendir, fsync and the
 * *at calls). Missing: LB_ENOTFOUND; a link or a non-directory on the way:
 * LB_EINTEGRITY. */
int lb_open_dir_nofollow(const char *path, int *fd_out, struct lb_err *err);

/* Opens the regular file `path` for reading. Missing: LB_ENOTFOUND; a link
 * on the way, or not a regular file: LB_EINTEGRITY. */
int lb_open_file_nofollow(const char *path, int *fd_out, struct lb_err *err);

/* The same for a relative `path` beneath the directory base_fd, which it
 * never leaves (an absolute path: LB_EUSAGE); AT_FDCWD: lb_open_file_nofollow. */
int lb_open_file_nofollow_at(int base_fd, const char *path, int *fd_out, struct lb_err *err);

/* lstat() of `path` whose directories are reached without following links:
 * st describes the last component itself, which may be a link. Missing:
 * LB_ENOTFOUND. */
int lb_lstat_nofollow(const char *path, struct stat *st, struct lb_err *err);

#endif
