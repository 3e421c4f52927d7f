/* Small filesystem helpers shared by the verbs that write. */
#ifndef LIFEBOAT_FS_H
#define LIFEBOAT_FS_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* mkdir -p: creates dir and its missing parents with `mode`. */
int lb_mkdir_p(const char *dir, mode_t mode, struct lb_err *err);

/* Reads len bytes at byte offset off, through short reads and EINTR. Returns
 * 0 when all were read, an errno when a read failed, -1 when the file ended
 * first; *done is how many bytes were read. Callers word their own errors. */
int lb_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *done);

/* The size of an open regular file or block device; anything else is
 * LB_EUSAGE. `name` names it in messages. */
int lb_fd_size_bytes(int fd, const char *name, uint64_t *out, struct lb_err *err);

/* Seconds on the monotonic clock, for durations. */
double lb_now_seconds(void);

#endif
