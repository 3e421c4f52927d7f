/* The versions of the libraries lifeboat runs with, asked of the libraries
 * themselves at run time (what is loaded, not what it was built against), so
 * a bug report names them. */
#ifndef LIFEBOAT_BUILDINFO_LIBVERSIONS_H
#define LIFEBOAT_BUILDINFO_LIBVERSIONS_H

#include <stddef.h>

struct lb_libversion {
	const char *library; /* "libdevmapper", "zstd", ... */
	char version[96];    /* as the library reports it */
};

enum { LB_LIBVERSION_COUNT = 9 };

/* Fills out[0..LB_LIBVERSION_COUNT) in a fixed order. */
void lb_library_versions(struct lb_libversion out[LB_LIBVERSION_COUNT]);

#endif
