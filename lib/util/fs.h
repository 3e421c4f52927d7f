/* Small filesystem helpers shared by the verbs that write. */
#ifndef LIFEBOAT_FS_H
#define LIFEBOAT_FS_H

#include "util/error.h"

#include <sys/types.h>

/* mkdir -p: creates dir and its missing parents with `mode`. */
int lb_mkdir_p(const char *dir, mode_t mode, struct lb_err *err);

#endif
