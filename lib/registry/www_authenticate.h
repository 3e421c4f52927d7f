/* The WWW-Authenticate header of a registry's 401 (RFC 7235):
 *   Basic realm="Registry Realm"
 *   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
 * Only the first challenge is read. Quoted strings take backslash escapes;
 * a value too long for its field is refused rather than cut. Pure code,
 * fuzzed. */
#ifndef LIFEBOAT_REGISTRY_WWW_AUTHENTICATE_H
#define LIFEBOAT_REGISTRY_WWW_AUTHENTICATE_H

#include "util/error.h"

#include <stddef.h>

enum lb_auth_scheme { LB_AUTH_NONE, LB_AUTH_BASIC, LB_AUTH_BEARER, LB_AUTH_OTHER };

struct lb_www_auth {
	enum lb_auth_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[1024];
	char error[64]; /* "invalid_token", "insufficient_scope" */
};

/* Parses the header's value (without "WWW-Authenticate:"). LB_EINTEGRITY
 * for a malformed one. */
int lb_www_auth_parse(const char *value, size_t len, struct lb_www_auth *out, struct lb_err *err);

#endif
