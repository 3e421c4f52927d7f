/* The operator's warnings for what a container spec names on the source
 * host but never carries: bind mounts' host paths and host devices. */
#ifndef LIFEBOAT_MIGRATE_SPEC_WARN_H
#define LIFEBOAT_MIGRATE_SPEC_WARN_H

#include <jansson.h>

/* Appends one string per bind mount and device of spec to the array out. */
void lb_spec_host_warnings(const json_t *spec, json_t *out);

#endif
