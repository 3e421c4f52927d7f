/* From a verb's options to a client that has answered GET /v2/: the
 * credentials (--creds, else --authfile / Docker's config.json, running
 * the credential helper it names, bounded by stall_seconds), the TLS
 * choice, and the token scopes the transfer needs. */
#ifndef LIFEBOAT_REGISTRY_CONNECT_H
#define LIFEBOAT_REGISTRY_CONNECT_H

#include "registry/client.h"
#include "registry/ref.h"

#include <stdbool.h>

struct lb_connect_opts {
	const char *creds;    /* "USER:PASS" or NULL */
	const char *authfile; /* or NULL for Docker's default */
	bool tls_verify;
	const char *cacert;
	unsigned stall_seconds; /* 0: the default */
	bool push;              /* scope pull,push rather than pull */
	const char *mount_from; /* a source repository: pull scope on it too */
};

int lb_registry_connect(const struct lb_image_ref *ref, const struct lb_connect_opts *o,
			struct lb_registry **out, struct lb_err *err);

#endif
