/* Loop devices over the pool's backing files. Attaches are read-only and
 * auto-clearing: the kernel detaches the loop device when its last user (our
 * descriptor, then the pool that opens it) goes away, so a lifeboat killed
 * midway cannot leak one. Files that are attached already are found and
 * reused, never attached twice. */
#ifndef LIFEBOAT_LOOP_H
#define LIFEBOAT_LOOP_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

struct lb_loop {
	char dev_path[64]; /* /dev/loopN (or a private node) */
	uint32_t major, minor;
	uint64_t size_bytes;
	bool read_only;
	bool attached_by_us;
	int fd; /* held until the device has another user; -1 when closed */
};

/* Looks for a loop device whose backing file is `path` (same device and inode).
 * *found says whether one was; out is filled if so (fd -1). */
int lb_loop_find(const char *path, struct lb_loop *out, bool *found, struct lb_err *err);

/* Attaches `path` with autoclear (read-only unless asked otherwise); out->fd
 * stays open until lb_loop_release, so the device lives at least that long. */
int lb_loop_attach(const char *path, bool read_only, struct lb_loop *out, struct lb_err *err);

/* Whether loop device dev_path (/dev/loopN) is bound to the file `backing`
 * (as sysfs names it). */
bool lb_loop_bound_to(const char *dev_path, const char *backing);

/* Auto-clearing loop devices go with their last user, a moment after it:
 * waits up to timeout_ms for dev_path to let go of backing; true if it did. */
bool lb_loop_wait_detached(const char *dev_path, const char *backing, unsigned timeout_ms);

/* Closes our descriptor (the device then lives as long as its other users). */
void lb_loop_release(struct lb_loop *loop);

#endif
