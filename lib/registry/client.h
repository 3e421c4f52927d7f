/* One registry, spoken to over HTTP(S) with libcurl (OCI distribution spec).
 * Each request gets its own curl easy handle, so worker threads may share a
 * client; the auth state (challenge, bearer token) is under the client's
 * lock.
 *
 * Transport policy:
 *  - https with the system CAs, --cacert, or Docker's
 *    /etc/docker/certs.d/<host:port>/ca.crt; plain http only when TLS
 *    verification is off or the host is in 127.0.0.0/8 (as Docker does),
 *    and then only if the https handshake fails.
 *  - retries with exponential backoff and jitter on connection errors,
 *    timeouts, 5xx and 429 (honouring Retry-After), a bounded number of
 *    times; a transfer that moves no byte for stall_seconds is cut.
 *  - a 401 answers with the challenge: Basic credentials, or a bearer token
 *    fetched from the realm for the client's scopes; a token is fetched
 *    anew when two thirds of its expires_in (default 60 s) have passed,
 *    and whenever the registry refuses it (401). A 401/403 that stays is LB_EUNSAFE
 *    naming the registry and the scope. */
#ifndef LIFEBOAT_REGISTRY_CLIENT_H
#define LIFEBOAT_REGISTRY_CLIENT_H

#include "registry/authfile.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lb_registry_opts {
	struct lb_creds creds;
	bool tls_verify;         /* false: no certificate check, and http allowed */
	const char *cacert;      /* --cacert, else certs_d/<domain>/ca.crt if present */
	const char *certs_d;     /* "/etc/docker/certs.d"; NULL: not looked at */
	unsigned max_attempts;   /* per request, at least 1 */
	unsigned backoff_ms;     /* first delay; doubles, with jitter */
	unsigned backoff_max_ms; /* ceiling of one delay (and of Retry-After) */
	unsigned stall_seconds;  /* no byte moved for this long: cut, retry */
};

/* Defaults: tls_verify, /etc/docker/certs.d, 6 attempts, 500 ms .. 10 s,
 * 30 s stall. */
void lb_registry_opts_default(struct lb_registry_opts *o);

struct lb_registry;

/* domain as in the reference ("127.0.0.1:5000", "docker.io"); api_host is
 * the host answering (registry-1.docker.io for docker.io). No I/O. */
int lb_registry_open(const char *domain, const char *api_host, const struct lb_registry_opts *o,
		     struct lb_registry **out, struct lb_err *err);
void lb_registry_close(struct lb_registry *r);

/* A scope tokens must cover: "repository:team/app:pull,push". */
int lb_registry_add_scope(struct lb_registry *r, const char *scope, struct lb_err *err);

/* GET /v2/: picks https or http and learns the auth challenge. */
int lb_registry_ping(struct lb_registry *r, struct lb_err *err);

const char *lb_registry_domain(const struct lb_registry *r);

/* The credentials the client uses (have == false: anonymous), for handing
 * on to an engine that pulls from the same registry (X-Registry-Auth). */
const struct lb_creds *lb_registry_creds(const struct lb_registry *r);

struct lb_http_req {
	const char *method; /* GET HEAD POST PUT PATCH DELETE */
	const char *url;    /* "/v2/..." against the registry, or absolute */
	const char *accept;
	const char *content_type;
	const char *range;         /* request header Range: value */
	const char *content_range; /* request header Content-Range: value */
	/* The request body: buf, or body_len bytes of body_fd from body_off. */
	const void *body_buf;
	int body_fd;
	uint64_t body_off, body_len;
	bool has_body;
	/* A 2xx answer's body goes here if set (0 to go on, else stop);
	 * status tells a 206 from a 200. */
	int (*sink)(void *ctx, long status, const void *buf, size_t len);
	void *sink_ctx;
	size_t body_max; /* bodies kept in memory: at most this (0: 4 MiB) */
	bool once;       /* no retries: the caller recovers (PATCH) */
};

struct lb_http_resp {
	long status;   /* 0 if no answer came */
	int curl_code; /* CURLcode of the last attempt */
	char *body;    /* in-memory body (NUL-terminated), or NULL */
	size_t body_len;
	bool body_too_large;
	uint64_t sink_bytes; /* bytes given to the sink */
	char location[4096];
	char range[64];
	char digest[128];
	char content_type[256];
	uint64_t chunk_min; /* OCI-Chunk-Min-Length, 0 if absent */
	int64_t content_length; /* the answer's Content-Length (HEAD too), -1 if absent */
	long retry_after;   /* seconds, -1 if absent */
	char www_auth[2048];
};

/* Sends req (retrying as above unless req->once) and fills resp (free it
 * with lb_http_resp_free). LB_OK when an answer came that is not 5xx/429
 * (after the retries) nor 401/403: the caller judges the status. A 2xx
 * answer that was streamed to the sink and cut midway is LB_EFAIL with
 * resp->sink_bytes telling how far it got (it is not retried here). */
int lb_registry_do(struct lb_registry *r, const struct lb_http_req *req, struct lb_http_resp *resp,
		   struct lb_err *err);

void lb_http_resp_free(struct lb_http_resp *resp);

/* The first error code in a distribution error body ("BLOB_UPLOAD_UNKNOWN"),
 * or "" when there is none. */
void lb_http_error_code(const struct lb_http_resp *resp, char *out, size_t cap);

/* Sleeps before attempt number `attempt` (1 = the first retry). */
void lb_registry_backoff(const struct lb_registry *r, unsigned attempt, long retry_after);

/* The retry budget the client was given. */
unsigned lb_registry_max_attempts(const struct lb_registry *r);

/* Absolute URL for a path or a Location (relative ones resolved against
 * the registry); malloc'd, NULL if out of memory. */
char *lb_registry_url(const struct lb_registry *r, const char *path_or_url);

#endif
