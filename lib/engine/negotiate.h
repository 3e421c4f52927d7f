/* The Engine API decisions that need no socket: where the engine is, which
 * API version to speak, what the engine is, and what an HTTP status or a
 * progress line means as a lifeboat exit code. Pure code, unit-tested. */
#ifndef LIFEBOAT_ENGINE_NEGOTIATE_H
#define LIFEBOAT_ENGINE_NEGOTIATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* The newest API version lifeboat speaks (Engine 20.10), and the oldest it
 * accepts. */
#define LB_ENGINE_API_MAX "1.41"
#define LB_ENGINE_API_MIN "1.40"
#define LB_ENGINE_DEFAULT_HOST "unix:///var/run/docker.sock"

struct lb_engine_host {
	bool is_unix;
	char socket_path[108]; /* unix: sun_path's size */
	char base_url[300];    /* what curl is given: "http://localhost" or "http://h:p" */
};

/* "unix:///path" or "tcp://host:port" (DOCKER_HOST's forms). */
int lb_engine_parse_host(const char *host, struct lb_engine_host *out, struct lb_err *err);

/* From the server's ApiVersion ("1.43"), the version to put in paths:
 * min(server, LB_ENGINE_API_MAX). A server below LB_ENGINE_API_MIN is
 * refused (LB_EUNSAFE); a value that is no "MAJOR.MINOR" is LB_EINTEGRITY. */
int lb_engine_api_choose(const char *server_api, char out[16], struct lb_err *err);

/* From GET /version: "Docker Engine 20.10.24" or "Podman Engine 4.3.1",
 * whether it is podman, and the server's ApiVersion. */
struct lb_engine_identity {
	char product[128];
	char server_api[16];
	bool is_podman;
};
int lb_engine_identify(const json_t *version, struct lb_engine_identity *out, struct lb_err *err);

/* An HTTP status as an exit code: 2xx/3xx LB_OK, 404 LB_ENOTFOUND, 409 and
 * 401/403 LB_EUNSAFE (a conflict or a refusal), 400 LB_EUSAGE (the request
 * we built was refused as malformed: a bad name, a bad spec), 5xx and the
 * rest LB_EFAIL. */
int lb_engine_status_code(long http_status);

/* A line of a pull/load progress stream: LB_OK unless it carries "error" or
 * "errorDetail", then the code its message means (manifest unknown / not
 * found: LB_ENOTFOUND; unauthorized / denied / authentication required:
 * LB_EUNSAFE; else LB_EFAIL) with err naming what (the message). */
int lb_engine_progress_error(const json_t *line, const char *what, struct lb_err *err);

/* base64url (RFC 4648 section 5, with padding as Docker's client writes
 * it) of n bytes into out (cap bytes); LB_EUSAGE if it does not fit. */
int lb_engine_base64url(const unsigned char *in, size_t n, char *out, size_t cap,
			struct lb_err *err);



/* An image reference as /images/create wants it: fromImage and tag, where
 * the tag is the digest for NAME@sha256:... and "latest" when none is given. */
int lb_engine_split_ref(const char *ref, char *name, size_t name_cap, char *tag, size_t tag_cap,
			struct lb_err *err);
#endif
