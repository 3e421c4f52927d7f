/* Registry credentials: --creds USER:PASS, or the `auths` of a Docker
 * config.json (--authfile FILE, else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json), whose "auth" is base64("user:pass"). Keys are
 * matched by host, with or without a scheme and path ("https://host/v1/");
 * docker.io also answers to index.docker.io and registry-1.docker.io.
 * As in Docker, credHelpers[host] comes first, then credsStore, then
 * "auths"; a helper is only named here (out->helper), and run by
 * lb_credhelper_get (registry/credhelper.h). */
#ifndef LIFEBOAT_REGISTRY_AUTHFILE_H
#define LIFEBOAT_REGISTRY_AUTHFILE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct lb_creds {
	bool have;
	char user[256];
	char pass[1024];
	char helper[64]; /* the credential helper configured for it, if any */
};

/* "USER:PASS" (the password may hold ':'); LB_EUSAGE if malformed. */
int lb_creds_parse(const char *userpass, struct lb_creds *out, struct lb_err *err);

/* Pure: looks `domain` up in a config.json's text. No entry: LB_OK with
 * out->have false. A credential helper for it: LB_OK, out->have false and
 * out->helper its name. LB_EINTEGRITY for bad JSON or base64. `what` names
 * the file in messages. */
int lb_authfile_lookup_text(const char *text, size_t len, const char *what, const char *domain,
			    struct lb_creds *out, struct lb_err *err);

/* Reads `path` (or the default files when NULL; a missing default file is
 * no credentials) and looks `domain` up. */
int lb_authfile_lookup(const char *path, const char *domain, struct lb_creds *out,
		       struct lb_err *err);

#endif
