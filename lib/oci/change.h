/* `docker commit --change` instructions applied to a container's Config, as
 * Docker's BuildFromConfig does for the Dockerfile instructions commit
 * allows: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME, WORKDIR. Pure. */
#ifndef LIFEBOAT_OCI_CHANGE_H
#define LIFEBOAT_OCI_CHANGE_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>

/* Applies each instruction in order to config (a JSON object, modified in
 * place). An unknown or malformed instruction is LB_EUSAGE naming it, and
 * config is then left as the instructions before it made it. */
int lb_oci_apply_changes(json_t *config, const char *const *changes, size_t n,
			 struct lb_err *err);

#endif
