/* lifeboat's own directories under /run/lifeboat: journals, mount points,
 * copy-on-write files, device nodes. Whatever lifeboat finds there it may
 * act on as root, so they are trusted only while nobody else can write to
 * them: real directories (no symlink), owned by this user, writable by
 * nobody else. */
#ifndef LIFEBOAT_RUNDIR_H
#define LIFEBOAT_RUNDIR_H

#include "util/error.h"

#include <stdbool.h>

#define LB_RUN_DIR "/run/lifeboat"

/* Checks LB_RUN_DIR and dir (LB_RUN_DIR itself or a directory right below
 * it), creating them (mode 0700) when `create`. LB_ENOTFOUND when one is
 * missing and not created, LB_EUNSAFE naming the one that is not private. */
int lb_run_dir_ensure(const char *dir, bool create, struct lb_err *err);

#endif
