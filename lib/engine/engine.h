/* A small Docker Engine API client (libcurl): the calls `migrate restore`
 * and `migrate land` make against Docker Engine >= 20.10 or podman's
 * Docker-compatible service. Errors are values (lb_err), nothing printed.
 *
 * HTTP statuses as exit codes (lb_engine_status_code): 404 LB_ENOTFOUND,
 * 409 (a name in use) and 401/403 LB_EUNSAFE, 400 LB_EUSAGE (the engine
 * refused the request as malformed), 5xx and anything else LB_EFAIL; the
 * message carries the engine's own "message". An unreachable engine is
 * LB_EFAIL naming the host and curl's reason. */
#ifndef LIFEBOAT_ENGINE_H
#define LIFEBOAT_ENGINE_H

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

struct lb_engine;

/* host: NULL ($DOCKER_HOST, else unix:///var/run/docker.sock),
 * "unix:///path" or "tcp://host:port". Pings, reads /version and settles the
 * API version: min(server, 1.41); a server below 1.40 is LB_EUNSAFE. */
int lb_engine_open(const char *host, struct lb_engine **out, struct lb_err *err);
void lb_engine_close(struct lb_engine *e);

const char *lb_engine_host(const struct lb_engine *e);        /* as given or defaulted */
const char *lb_engine_product(const struct lb_engine *e);     /* "Docker Engine 20.10.24" */
const char *lb_engine_api_version(const struct lb_engine *e); /* "1.41": the paths' prefix */
bool lb_engine_is_podman(const struct lb_engine *e);

/* One request with a JSON body (or none) and a JSON answer (or none):
 * METHOD /v<api><path>. path is sent as given: escape names and query
 * values with lb_engine_escape. *status (if not NULL) gets the HTTP status
 * even when the call fails; *resp (if not NULL) the parsed answer, or NULL
 * for an empty one. Returns the status's code (see above). */
int lb_engine_call(struct lb_engine *e, const char *method, const char *path, const json_t *body,
		   long *status, json_t **resp, struct lb_err *err);

/* Percent-encodes s into out (cap bytes): every byte but A-Z a-z 0-9
 * - . _ ~, and with in_path also '/' ':' '@' (an image reference as a path,
 * as Docker's own client sends it; a query value escapes them). LB_EUSAGE
 * if it does not fit. */
int lb_engine_escape(const char *s, bool in_path, char *out, size_t cap, struct lb_err *err);

/* Each progress line of a pull or load stream that is not an error. */
typedef void (*lb_engine_progress_fn)(void *ctx, const json_t *line);

/* POST /images/create?fromImage=NAME&tag=TAG|DIGEST. registry_auth: NULL,
 * or {username,password,serveraddress} / {identitytoken}, sent base64url
 * in X-Registry-Auth. An error line in the stream fails the pull: manifest
 * unknown / not found LB_ENOTFOUND, unauthorized / denied LB_EUNSAFE. */
int lb_engine_image_pull(struct lb_engine *e, const char *ref, const json_t *registry_auth,
			 lb_engine_progress_fn progress, void *ctx, struct lb_err *err);
/* POST /images/load with a docker-archive tar read from fd, chunked. */
int lb_engine_image_load(struct lb_engine *e, int fd, lb_engine_progress_fn progress, void *ctx,
			 struct lb_err *err);
int lb_engine_image_inspect(struct lb_engine *e, const char *ref, json_t **out, struct lb_err *err);

/* driver NULL: "local". labels NULL or an object of strings. */
int lb_engine_volume_create(struct lb_engine *e, const char *name, const char *driver,
			    const json_t *labels, json_t **out, struct lb_err *err);
int lb_engine_volume_inspect(struct lb_engine *e, const char *name, json_t **out, struct lb_err *err);
int lb_engine_volume_remove(struct lb_engine *e, const char *name, bool force, struct lb_err *err);

/* POST /containers/create?name=NAME with body (the create spec). id gets
 * the new container's id; *warnings (if not NULL) the Warnings array or
 * NULL. A name in use is LB_EUNSAFE (Docker's 409, and podman 4.3's 500
 * "... is already in use"). */
int lb_engine_container_create(struct lb_engine *e, const char *name, const json_t *body,
			       char id[65], json_t **warnings, struct lb_err *err);
int lb_engine_container_inspect(struct lb_engine *e, const char *id, json_t **out, struct lb_err *err);
/* Already running (304) counts as started. */
int lb_engine_container_start(struct lb_engine *e, const char *id, struct lb_err *err);
/* Already stopped (304) counts as stopped. timeout_s < 0: the engine's default. */
int lb_engine_container_stop(struct lb_engine *e, const char *id, int timeout_s, struct lb_err *err);
/* Blocks until the container is not running; *exit_status its StatusCode. */
int lb_engine_container_wait(struct lb_engine *e, const char *id, long *exit_status,
			     struct lb_err *err);
int lb_engine_container_remove(struct lb_engine *e, const char *id, bool force,
			       bool remove_anon_volumes, struct lb_err *err);
/* PUT /containers/ID/archive?path=PATH, the tar read from fd and streamed
 * (chunked). path must be a directory in the container; the engine
 * resolves it through the container's volume mounts. */
int lb_engine_container_put_archive(struct lb_engine *e, const char *id, const char *path, int fd,
				    struct lb_err *err);

#endif
