/* Inside lib/engine: one HTTP exchange with the engine. Not for callers
 * outside lib/engine (they use engine.h). */
#ifndef LIFEBOAT_ENGINE_TRANSPORT_H
#define LIFEBOAT_ENGINE_TRANSPORT_H

#include "engine/engine.h"
#include "engine/jsonlines.h"

struct lb_engine_req {
	const char *method;
	const char *path;         /* after the version prefix, escaped */
	bool unversioned;         /* /_ping and /version: before the version is known */
	const json_t *json_body;  /* or NULL */
	int upload_fd;            /* >= 0: the body is read from it, chunked */
	const char *content_type; /* for upload_fd */
	const char *extra_header; /* "X-Registry-Auth: ..." or NULL */
	struct lb_jsonlines *stream; /* 2xx answers go here instead of *resp */
	long timeout_s;           /* 0: none (a pull or a wait may take long) */
};

/* Runs req: *status (if not NULL) the HTTP status; *resp (if not NULL and
 * not streaming) the parsed JSON answer or NULL when empty. */
int lb_engine_exchange(struct lb_engine *e, const struct lb_engine_req *req, long *status,
		       json_t **resp, struct lb_err *err);

#endif
