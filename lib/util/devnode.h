/* Opening a block device by major:minor without relying on udev: use the
 * usual /dev path if it is that device, else make a private node under
 * /run/lifeboat/nodes/. */
#ifndef LIFEBOAT_DEVNODE_H
#define LIFEBOAT_DEVNODE_H

#include "util/error.h"
#include "util/rundir.h"

#include <stddef.h>
#include <stdint.h>

/* Writes a usable node path for maj:min into out (hint tried first). */
int lb_devnode_path(uint32_t major, uint32_t minor, const char *hint, char *out, size_t len,
		    struct lb_err *err);

/* Opens it; returns the fd or -1 with err filled. */
int lb_devnode_open(uint32_t major, uint32_t minor, const char *hint, int flags,
		    struct lb_err *err);

#endif
