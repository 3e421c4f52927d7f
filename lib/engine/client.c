#include "engine/engine.h"
#include "engine/negotiate.h"
#include "engine/transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lb_engine {
	CURL *curl;
	struct lb_engine_host where;
	char host[320];
	char api[16];
	struct lb_engine_identity id;
};

/* A plain JSON answer (inspect) is small; the cap keeps a misbehaving peer
 * from growing us without bound. Error bodies of a stream are capped lower. */
#define ANSWER_MAX_BYTES (16u << 20)
#define STREAM_ERROR_MAX_BYTES (64u << 10)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *lb_engine_host(const struct lb_engine *e) { return e->host; }
const char *lb_engine_product(const struct lb_engine *e) { return e->id.product; }
const char *lb_engine_api_version(const struct lb_engine *e) { return e->api; }
bool lb_engine_is_podman(const struct lb_engine *e) { return e->id.is_podman; }

struct exchange {
	CURL *curl;
	const struct lb_engine_req *req;
	char *body;
	size_t len, cap, max;
	bool overflow;
	int stream_rc;
	struct lb_err *err;
	int read_errno;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct exchange *x = userdata;
	size_t n = size * nmemb;
	long status = 0;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (x->req->stream && status >= 200 && status < 300) {
		x->stream_rc = lb_jsonlines_feed(x->req->stream, data, n, x->err);
		return x->stream_rc ? 0 : n;
	}
	if (x->len + n > x->max) {
		x->overflow = true;
		return 0;
	}
	if (x->len + n > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		while (cap < x->len + n)
			cap *= 2;
		char *b = realloc(x->body, cap);
		if (!b)
			return 0;
		x->body = b;
		x->cap = cap;
	}
	memcpy(x->body + x->len, data, n);
	x->len += n;
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct exchange *x = userdata;
	for (;;) {
		ssize_t r = read(x->req->upload_fd, buf, size * nitems);
		if (r >= 0)
			return (size_t)r;
		if (errno != EINTR) {
			x->read_errno = errno;
			return CURL_READFUNC_ABORT;
		}
	}
}

/* The engine's {"message": "..."} for an error answer, else the raw text. */
static int http_failure(struct lb_engine *e, const struct lb_engine_req *req, long status,
			const char *body, size_t len, struct lb_err *err)
{
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));
	char raw[300];
	if (!msg) {
		size_t n = len < sizeof(raw) - 1 ? len : sizeof(raw) - 1;
		for (size_t i = 0; i < n; i++)
			raw[i] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
		raw[n] = '\0';
		msg = n ? raw : "(no message)";
	}
	int rc = lb_fail(err, lb_engine_status_code(status), "engine %.200s: %s %.300s: HTTP %ld: %.400s",
			 e->host, req->method, req->path, status, msg);
	json_decref(j);
	return rc;
}

int lb_engine_exchange(struct lb_engine *e, const struct lb_engine_req *req, long *status,
		       json_t **resp, struct lb_err *err)
{
	if (resp)
		*resp = NULL;
	if (status)
		*status = 0;
	char url[4500];
	int n = req->unversioned
			? snprintf(url, sizeof(url), "%s%s", e->where.base_url, req->path)
			: snprintf(url, sizeof(url), "%s/v%s%s", e->where.base_url, e->api, req->path);
	if (n < 0 || (size_t)n >= sizeof(url))
		return lb_fail(err, LB_EUSAGE, "engine %s: request path too long", e->host);
	char *json_text = NULL;
	if (req->json_body && !(json_text = json_dumps(req->json_body, JSON_COMPACT)))
		return lb_fail(err, LB_EFAIL, "engine %s: %s %s: cannot encode the body", e->host,
			       req->method, req->path);

	CURL *c = e->curl;
	curl_easy_reset(c);
	struct exchange x = {.curl = c, .req = req, .max = req->stream ? STREAM_ERROR_MAX_BYTES : ANSWER_MAX_BYTES, .err = err};
	struct curl_slist *h = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	/* Expect: 100-continue would stall each upload for a second. */
	h = curl_slist_append(h, "Expect:");
	if (req->json_body)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (req->upload_fd >= 0) {
		char ct[100];
		snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type ? req->content_type : "application/x-tar");
		h = curl_slist_append(h, ct);
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
	}
	if (req->extra_header)
		h = curl_slist_append(h, req->extra_header);
	if (e->where.is_unix)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, e->where.socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	if (req->timeout_s)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->upload_fd >= 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &x);
	} else if (json_text) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_text);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json_text));
	} else if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		/* A body-less POST still says Content-Length: 0. */
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	CURLcode cc = curl_easy_perform(c);
	long http = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
	curl_slist_free_all(h);
	free(json_text);
	if (status)
		*status = http;

	int rc = LB_OK;
	if (x.stream_rc)
		rc = x.stream_rc; /* err already says what the stream said */
	else if (x.read_errno)
		rc = lb_fail_errno(err, LB_EFAIL, x.read_errno, "engine %s: %s %s: reading the upload",
				   e->host, req->method, req->path);
	else if (x.overflow)
		rc = lb_fail(err, LB_EINTEGRITY, "engine %s: %s %s: answer longer than %zu bytes",
			     e->host, req->method, req->path, x.max);
	else if (cc == CURLE_COULDNT_CONNECT && e->where.is_unix) {
		/* curl's own text names "localhost port 80", which is not where
		 * we went: say the socket and the system's reason. */
		long os_errno = 0;
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		rc = lb_fail(err, LB_EFAIL, "engine %s: cannot connect to the socket: %s", e->host,
			     os_errno ? strerror((int)os_errno) : curl_easy_strerror(cc));
	} else if (cc != CURLE_OK)
		rc = lb_fail(err, LB_EFAIL, "engine %s: %s %s: %s", e->host, req->method, req->path,
			     errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (lb_engine_status_code(http))
		rc = http_failure(e, req, http, x.body, x.len, err);
	else if (req->stream)
		rc = lb_jsonlines_finish(req->stream, err);
	else if (resp && x.len) {
		json_error_t jerr;
		*resp = json_loadb(x.body, x.len, 0, &jerr);
		if (!*resp)
			rc = lb_fail(err, LB_EINTEGRITY, "engine %s: %s %s: answer is not JSON: %s",
				     e->host, req->method, req->path, jerr.text);
	}
	free(x.body);
	return rc;
}

int lb_engine_call(struct lb_engine *e, const char *method, const char *path, const json_t *body,
		   long *status, json_t **resp, struct lb_err *err)
{
	struct lb_engine_req req = {.method = method, .path = path, .json_body = body, .upload_fd = -1};
	return lb_engine_exchange(e, &req, status, resp, err);
}

int lb_engine_open(const char *host, struct lb_engine **out, struct lb_err *err)
{
	*out = NULL;
	if (!host || !*host) {
		const char *env = getenv("DOCKER_HOST");
		host = env && *env ? env : LB_ENGINE_DEFAULT_HOST;
	}
	struct lb_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return lb_fail(err, LB_EFAIL, "engine %.300s: out of memory", host);
	snprintf(e->host, sizeof(e->host), "%s", host);
	int rc = lb_engine_parse_host(host, &e->where, err);
	if (rc) {
		free(e);
		return rc;
	}
	pthread_once(&curl_once, curl_init_once);
	if (!(e->curl = curl_easy_init())) {
		rc = lb_fail(err, LB_EFAIL, "engine %s: curl_easy_init failed", e->host);
		free(e);
		return rc;
	}
	struct lb_engine_req ping = {.method = "GET", .path = "/_ping", .unversioned = true, .upload_fd = -1,
				     .timeout_s = 120};
	struct lb_engine_req version = {.method = "GET", .path = "/version", .unversioned = true, .upload_fd = -1,
					.timeout_s = 120};
	json_t *v = NULL;
	rc = lb_engine_exchange(e, &ping, NULL, NULL, err);
	if (!rc)
		rc = lb_engine_exchange(e, &version, NULL, &v, err);
	if (!rc)
		rc = lb_engine_identify(v, &e->id, err);
	if (!rc && (rc = lb_engine_api_choose(e->id.server_api, e->api, err)))
		lb_err_wrap(err, "%s (%s)", e->host, e->id.product);
	json_decref(v);
	if (rc) {
		lb_engine_close(e);
		return rc;
	}
	*out = e;
	return LB_OK;
}

void lb_engine_close(struct lb_engine *e)
{
	if (!e)
		return;
	curl_easy_cleanup(e->curl);
	free(e);
}
