/* A container's spec (migrate/spec.h) from a Docker data root: its
 * config.v2.json and hostconfig.json, read without following a link. */
#ifndef LIFEBOAT_MIGRATE_SPEC_LOAD_H
#define LIFEBOAT_MIGRATE_SPEC_LOAD_H

#include "util/error.h"

#include <jansson.h>

int lb_spec_load_container(const char *data_root, const char *container_id, json_t **spec_out,
			   struct lb_err *err);

#endif
