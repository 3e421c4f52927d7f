/* Paths lifeboat acts on as root, when any of them may come from a damaged
 * or hostile tree (a container's name, a journal line, an operator's
 * "./x/../x/"): the pure checks that a name is one plain component and a
 * path is canonical, and the few calls that resolve a path without letting
 * a symlink swapped in by someone else take it elsewhere. */
#ifndef LIFEBOAT_SAFEPATH_H
#define LIFEBOAT_SAFEPATH_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Pure: one plain directory entry name: not empty, not "." or "..", no '/',
 * no control character, at most NAME_MAX bytes. */
bool lb_path_is_component(const char *name);

/* Pure: absolute, no empty, "." or ".." component, no trailing '/' (but "/"
 * itself), no control character, shorter than PATH_MAX. What realpath
 * returns has this shape. */
bool lb_path_is_canonical(const char *path);

/* Pure: canonical path strictly below canonical dir ("/run/lifeboat/mnt/x"
 * is under "/run/lifeboat", "/run/lifeboatx" and "/run/lifeboat" are not). */
bool lb_path_is_under(const char *path, const char *dir);

/* The canonical path of `in`, which need not exist yet: realpath of its
 * longest existing ancestor, then the rest of its components, each one a
 * plain name ("./x/../x/" -> "/cwd/x"; "a/../missing" is refused where "a"
 * does not exist, as ".." cannot be resolved there). LB_EUSAGE for what has
 * no canonical form, LB_ENOTFOUND when an ancestor is not a directory. */
int lb_path_canonical(const char *in, char *out, size_t cap, struct lb_err *err);

/* Opens the directory at canonical path `dir` one component at a time with
 * O_NOFOLLOW, so no symlink anywhere in it is followed, even one that
 * appears between a check and the use. Returns the fd or -1 with err set.
 * For lifeboat's own directories and the operator's output paths, where a
 * link met is a refusal (LB_EUNSAFE); inside a Docker data root, where it is
 * damage, util/nofollow.h's lb_open_dir_nofollow says LB_EINTEGRITY. */
int lb_open_own_dir_nofollow(const char *dir, struct lb_err *err);

/* Whether realpath(path) is path itself: it exists and nothing in it is a
 * symlink now. */
bool lb_path_resolves_to_itself(const char *path);

/* A directory only this user (and root) can change: every ancestor owned by
 * root or us and not writable by others unless sticky, the directory itself
 * owned by us and writable by nobody else. Then nobody else can swap a
 * component for a symlink or plant a file there. `what` names it in the
 * message ("--cow-dir"). LB_EUNSAFE otherwise. */
int lb_path_check_private_dir(const char *dir, const char *what, struct lb_err *err);

#endif
