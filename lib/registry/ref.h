/* Image references with Docker's rules (distribution/reference):
 *   [host[:port]/]path[:tag][@sha256:<hex>]
 * A first component with a '.' or ':' or that is "localhost" is a registry
 * host; otherwise the registry is docker.io, and a one-component path there
 * gets "library/". "index.docker.io" is docker.io. Path components are
 * [a-z0-9]+ joined by '.', '_', "__" or dashes; tags [A-Za-z0-9_][A-Za-z0-9_.-]{0,127};
 * the whole name at most 255 bytes. Everything else is refused, so a
 * parsed reference is safe to put in a URL path. Pure code, fuzzed. */
#ifndef LIFEBOAT_REGISTRY_REF_H
#define LIFEBOAT_REGISTRY_REF_H

#include "oci/digest.h"
#include "util/error.h"

#include <stdbool.h>

struct lb_image_ref {
	char domain[256]; /* "docker.io", "127.0.0.1:5000", "registry.example:443" */
	char path[256];   /* "library/busybox", "team/app" */
	char tag[129];    /* "" when none was given */
	char digest[LB_DIGEST_CAP]; /* "" when none was given */
};

/* Parses s; LB_EUSAGE with a message naming what is wrong. */
int lb_image_ref_parse(const char *s, struct lb_image_ref *ref, struct lb_err *err);

/* The host to talk to: registry-1.docker.io for docker.io, else domain. */
const char *lb_image_ref_api_host(const struct lb_image_ref *ref);

/* What a manifest GET/PUT names: the digest if given, else the tag, else
 * "latest". */
const char *lb_image_ref_reference(const struct lb_image_ref *ref);

/* The full normalised form "domain/path[:tag][@digest]" into out. */
void lb_image_ref_format(const struct lb_image_ref *ref, char *out, size_t cap);

/* True if s is a valid repository path (the part after the host). */
bool lb_repo_path_valid(const char *s);

#endif
