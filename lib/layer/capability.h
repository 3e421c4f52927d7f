/* Reading a file's security.capability without opening the file (a device
 * node or a FIFO must not be opened) and without following it: shared by
 * the change walker (which compares it) and the tar writer (which stores it
 * as SCHILY.xattr.security.capability, as Docker does). */
#ifndef LIFEBOAT_LAYER_CAPABILITY_H
#define LIFEBOAT_LAYER_CAPABILITY_H

#include <stddef.h>

#define LB_CAPABILITY_XATTR "security.capability"

struct lb_capability {
	unsigned char small[256];
	unsigned char *data; /* small, or allocated when it did not fit */
	size_t len;          /* 0: none (absent and empty are the same to Docker) */
};

/* Reads it for `name` in the directory dir_fd. 0, or an errno. */
int lb_capability_read(int dir_fd, const char *name, struct lb_capability *cap);

void lb_capability_free(struct lb_capability *cap);

#endif
