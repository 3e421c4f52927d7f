/* libdevmapper's own version, for `lifeboat --version` (lib/dm is the only
 * place that calls libdevmapper). */
#ifndef LIFEBOAT_DM_LIBVERSION_H
#define LIFEBOAT_DM_LIBVERSION_H

#include <stdbool.h>
#include <stddef.h>

/* Writes libdevmapper's version ("1.02.185 (2022-05-18)") into buf; returns
 * false (buf "unknown") when the library does not say. */
bool lb_dm_library_version(char *buf, size_t buf_size);

#endif
