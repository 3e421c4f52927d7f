#include "registry/client.h"
#include "registry/www_authenticate.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX_DEFAULT (4u << 20)
#define AUTH_RETRIES 2

struct lb_registry {
	char domain[256];
	char api_host[256];
	char base[300]; /* "https://host" or "http://host" */
	bool insecure_ok; /* http allowed */
	struct lb_registry_opts o;
	char cacert[PATH_MAX];
	char scopes[2048]; /* space-separated */

	pthread_mutex_t lock;
	struct lb_www_auth challenge; /* from the last 401 */
	char *token;                  /* bearer token, malloc'd */
	double token_renew_at;        /* monotonic seconds: fetch anew from then on */
	unsigned auth_gen;            /* bumped when the auth state changes */
};

void lb_registry_opts_default(struct lb_registry_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tls_verify = true;
	o->certs_d = "/etc/docker/certs.d";
	o->max_attempts = 6;
	o->backoff_ms = 500;
	o->backoff_max_ms = 10000;
	o->stall_seconds = 30;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool host_is_loopback(const char *host)
{
	/* 127.0.0.0/8 as a dotted quad, with an optional :port */
	unsigned a, b, c, d;
	char tail;
	int n = sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail);
	return (n == 4 || (n == 5 && tail == ':')) && a == 127 && b < 256 && c < 256 && d < 256;
}

int lb_registry_open(const char *domain, const char *api_host, const struct lb_registry_opts *o,
		     struct lb_registry **out, struct lb_err *err)
{
	static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
	pthread_once(&curl_once, curl_init_once);
	struct lb_registry *r = calloc(1, sizeof(*r));
	if (!r)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", domain);
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	snprintf(r->api_host, sizeof(r->api_host), "%s", api_host);
	snprintf(r->base, sizeof(r->base), "https://%s", api_host);
	r->o = *o;
	if (r->o.max_attempts == 0)
		r->o.max_attempts = 1;
	r->insecure_ok = !o->tls_verify || host_is_loopback(api_host);
	if (o->cacert) {
		if (access(o->cacert, R_OK))
			return free(r), lb_fail_errno(err, lb_exit_for_errno(errno), errno, "--cacert %s",
						      o->cacert);
		snprintf(r->cacert, sizeof(r->cacert), "%s", o->cacert);
	} else if (o->certs_d) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s/ca.crt", o->certs_d, domain);
		if (access(p, R_OK) == 0)
			snprintf(r->cacert, sizeof(r->cacert), "%s", p);
	}
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return LB_OK;
}

void lb_registry_close(struct lb_registry *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->token);
	free(r);
}

const struct lb_creds *lb_registry_creds(const struct lb_registry *r)
{
	return &r->o.creds;
}

const char *lb_registry_domain(const struct lb_registry *r)
{
	return r->domain;
}

unsigned lb_registry_max_attempts(const struct lb_registry *r)
{
	return r->o.max_attempts;
}

int lb_registry_add_scope(struct lb_registry *r, const char *scope, struct lb_err *err)
{
	size_t have = strlen(r->scopes);
	if (have + 1 + strlen(scope) + 1 > sizeof(r->scopes))
		return lb_fail(err, LB_EUSAGE, "%s: too many token scopes", r->domain);
	snprintf(r->scopes + have, sizeof(r->scopes) - have, "%s%s", have ? " " : "", scope);
	return LB_OK;
}

char *lb_registry_url(const struct lb_registry *r, const char *path_or_url)
{
	char *url = NULL;
	if (!strncmp(path_or_url, "http://", 7) || !strncmp(path_or_url, "https://", 8))
		url = strdup(path_or_url);
	else if (asprintf(&url, "%s%s%s", r->base, path_or_url[0] == '/' ? "" : "/", path_or_url) < 0)
		url = NULL;
	return url;
}

void lb_registry_backoff(const struct lb_registry *r, unsigned attempt, long retry_after)
{
	uint64_t ms = r->o.backoff_ms;
	for (unsigned i = 1; i < attempt && ms < r->o.backoff_max_ms; i++)
		ms *= 2;
	if (ms > r->o.backoff_max_ms)
		ms = r->o.backoff_max_ms;
	/* Full jitter on the upper half: many clients do not retry in step. */
	unsigned int rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (unsigned int)getpid();
	ms = ms / 2 + (ms / 2 ? rnd % (ms / 2 + 1) : 0);
	if (retry_after >= 0) {
		uint64_t ra = (uint64_t)retry_after * 1000;
		if (ra > r->o.backoff_max_ms)
			ra = r->o.backoff_max_ms;
		if (ra > ms)
			ms = ra;
	}
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR) {
	}
}

void lb_http_resp_free(struct lb_http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
}

void lb_http_error_code(const struct lb_http_resp *resp, char *out, size_t cap)
{
	out[0] = '\0';
	if (!resp->body)
		return;
	json_t *o = json_loadb(resp->body, resp->body_len, 0, NULL);
	const char *code = json_string_value(
		json_object_get(json_array_get(json_object_get(o, "errors"), 0), "code"));
	if (code)
		snprintf(out, cap, "%s", code);
	json_decref(o);
}

/* ---- one transfer ---- */

struct xfer {
	const struct lb_http_req *req;
	struct lb_http_resp *resp;
	CURL *curl;
	uint64_t body_pos; /* bytes of the request body sent */
	size_t body_max;
	int sink_failed;
};

static size_t read_body(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	const struct lb_http_req *q = x->req;
	uint64_t left = q->body_len - x->body_pos;
	size_t want = size * nmemb;
	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (q->body_buf) {
		memcpy(buf, (const char *)q->body_buf + x->body_pos, want);
	} else {
		ssize_t n;
		do
			n = pread(q->body_fd, buf, want, (off_t)(q->body_off + x->body_pos));
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return CURL_READFUNC_ABORT;
		want = (size_t)n;
	}
	x->body_pos += want;
	return want;
}

static void header_value(const char *line, size_t len, char *out, size_t cap)
{
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return;
	const char *v = colon + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t n = (size_t)(end - v);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static bool header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && !strncasecmp(line, name, n);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct lb_http_resp *r = x->resp;
	size_t len = size * nmemb;
	char num[32];
	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* A new answer (after a redirect or a 100): forget the last one's. */
		r->location[0] = r->range[0] = r->digest[0] = r->content_type[0] = '\0';
		r->www_auth[0] = '\0';
		r->chunk_min = 0;
		r->retry_after = -1;
	} else if (header_is(line, len, "Location")) {
		header_value(line, len, r->location, sizeof(r->location));
	} else if (header_is(line, len, "Range")) {
		header_value(line, len, r->range, sizeof(r->range));
	} else if (header_is(line, len, "Docker-Content-Digest")) {
		header_value(line, len, r->digest, sizeof(r->digest));
	} else if (header_is(line, len, "Content-Type")) {
		header_value(line, len, r->content_type, sizeof(r->content_type));
	} else if (header_is(line, len, "WWW-Authenticate")) {
		header_value(line, len, r->www_auth, sizeof(r->www_auth));
	} else if (header_is(line, len, "OCI-Chunk-Min-Length")) {
		header_value(line, len, num, sizeof(num));
		r->chunk_min = strtoull(num, NULL, 10);
	} else if (header_is(line, len, "Retry-After")) {
		header_value(line, len, num, sizeof(num));
		char *end;
		long v = strtol(num, &end, 10);
		r->retry_after = (end != num && *end == '\0' && v >= 0) ? v : -1;
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct lb_http_resp *r = x->resp;
	size_t len = size * nmemb;
	long status = 0;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (x->req->sink && status >= 200 && status < 300) {
		if (x->req->sink(x->req->sink_ctx, status, buf, len)) {
			x->sink_failed = 1;
			return 0;
		}
		r->sink_bytes += len;
		return len;
	}
	if (r->body_len + len > x->body_max) {
		r->body_too_large = true;
		return 0;
	}
	char *nb = realloc(r->body, r->body_len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->body_len, buf, len);
	r->body = nb;
	r->body_len += len;
	nb[r->body_len] = '\0';
	return len;
}

static void tls_setup(const struct lb_registry *r, CURL *c)
{
	if (!r->o.tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (r->cacert[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
	}
}

/* The Authorization header for the current auth state, into out. */
static void auth_header(struct lb_registry *r, char *out, size_t cap, unsigned *gen)
{
	out[0] = '\0';
	pthread_mutex_lock(&r->lock);
	*gen = r->auth_gen;
	if (r->challenge.scheme == LB_AUTH_BEARER && r->token) {
		snprintf(out, cap, "Authorization: Bearer %s", r->token);
	} else if (r->challenge.scheme == LB_AUTH_BASIC && r->o.creds.have) {
		char plain[1300];
		unsigned char b64[1800];
		int n = snprintf(plain, sizeof(plain), "%s:%s", r->o.creds.user, r->o.creds.pass);
		if (n > 0 && (size_t)n < sizeof(plain)) {
			EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
			snprintf(out, cap, "Authorization: Basic %s", b64);
		}
		OPENSSL_cleanse(plain, sizeof(plain));
	}
	pthread_mutex_unlock(&r->lock);
}

/* One attempt; returns the CURLcode. */
static CURLcode perform(struct lb_registry *r, const struct lb_http_req *q, const char *url,
			struct lb_http_resp *resp, unsigned *gen)
{
	struct xfer x = {.req = q, .resp = resp, .body_max = q->body_max ? q->body_max : BODY_MAX_DEFAULT};
	CURL *c = curl_easy_init();
	if (!c)
		return CURLE_OUT_OF_MEMORY;
	x.curl = c;
	struct curl_slist *h = NULL;
	char line[8192];
	auth_header(r, line, sizeof(line), gen);
	if (line[0])
		h = curl_slist_append(h, line);
	if (q->accept) {
		snprintf(line, sizeof(line), "Accept: %s", q->accept);
		h = curl_slist_append(h, line);
	}
	if (q->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", q->content_type);
		h = curl_slist_append(h, line);
	}
	if (q->range) {
		snprintf(line, sizeof(line), "Range: %s", q->range);
		h = curl_slist_append(h, line);
	}
	if (q->content_range) {
		snprintf(line, sizeof(line), "Content-Range: %s", q->content_range);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "User-Agent: lifeboat");

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)r->o.stall_seconds);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	/* Blob GETs may be redirected to storage; curl does not carry our
	 * Authorization header to another host. */
	bool is_get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, is_get ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	tls_setup(r, c);
	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(q->method, "POST") && !q->has_body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else if (q->has_body || !strcmp(q->method, "PUT") || !strcmp(q->method, "PATCH")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(c, CURLOPT_READDATA, &x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(q->has_body ? q->body_len : 0));
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	} else if (strcmp(q->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	}
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	resp->body_too_large = false;
	resp->retry_after = -1;
	resp->status = 0;
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_off_t clen = -1;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) != CURLE_OK)
		clen = -1;
	resp->content_length = (int64_t)clen;
	resp->curl_code = (int)rc;
	if (x.sink_failed)
		rc = CURLE_WRITE_ERROR;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

static bool curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_COULDNT_RESOLVE_HOST:
		return true;
	default:
		return false;
	}
}

static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* When to fetch a token anew: a third of its life before it ends, so a
 * request (a chunk's PATCH, read by a slow proxy before the registry sees
 * its header) never goes out with a token about to die. The token spec
 * says a token without expires_in lives 60 s; a lying expires_in is caught
 * by the registry's 401, answered as any other. */
static double token_renew_time(const json_t *answer)
{
	json_int_t life = 60;
	const json_t *v = json_object_get(answer, "expires_in");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		life = json_integer_value(v);
	if (life > 86400)
		life = 86400;
	return mono_seconds() + (double)life * 2.0 / 3.0;
}

/* Fetches a bearer token for the client's scopes from the challenge's
 * realm (with Basic credentials if there are some). */
static int fetch_token(struct lb_registry *r, const struct lb_www_auth *ch, struct lb_err *err)
{
	CURL *esc = curl_easy_init();
	if (!esc)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", r->domain);
	size_t cap = strlen(ch->realm) + 4 * (strlen(ch->service) + strlen(r->scopes) + strlen(ch->scope)) + 64;
	char *url = malloc(cap);
	if (!url) {
		curl_easy_cleanup(esc);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", r->domain);
	}
	char *svc = curl_easy_escape(esc, ch->service, 0);
	size_t n = (size_t)snprintf(url, cap, "%s%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
				    ch->service[0] ? "service=" : "", ch->service[0] ? svc : "");
	curl_free(svc);
	/* Our scopes, plus what the registry asked for if it is not among them. */
	char scopes[sizeof(r->scopes) + sizeof(ch->scope) + 2];
	snprintf(scopes, sizeof(scopes), "%s%s%s", r->scopes,
		 ch->scope[0] && !strstr(r->scopes, ch->scope) ? " " : "",
		 ch->scope[0] && !strstr(r->scopes, ch->scope) ? ch->scope : "");
	for (char *save = NULL, *s = strtok_r(scopes, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
		char *e = curl_easy_escape(esc, s, 0);
		n += (size_t)snprintf(url + n, n < cap ? cap - n : 0, "&scope=%s", e ? e : "");
		curl_free(e);
	}
	curl_easy_cleanup(esc);
	/* The token endpoint answers with our Basic credentials, if any. */
	struct lb_registry basic_view = *r;
	basic_view.challenge.scheme = LB_AUTH_BASIC;
	pthread_mutex_init(&basic_view.lock, NULL);
	basic_view.token = NULL;
	struct lb_http_req q = {.method = "GET", .url = url, .body_max = 1u << 20};
	struct lb_http_resp resp = {0};
	unsigned gen;
	CURLcode rc = CURLE_OK;
	for (unsigned attempt = 1; attempt <= r->o.max_attempts; attempt++) {
		rc = perform(&basic_view, &q, url, &resp, &gen);
		if (!(rc != CURLE_OK ? curl_retryable(rc) : (resp.status >= 500 || resp.status == 429)))
			break;
		if (attempt < r->o.max_attempts)
			lb_registry_backoff(r, attempt, resp.retry_after);
	}
	pthread_mutex_destroy(&basic_view.lock);
	int ret = LB_OK;
	if (rc != CURLE_OK) {
		ret = lb_fail(err, LB_EFAIL, "%s: token from %.200s: %s", r->domain, ch->realm,
			      curl_easy_strerror(rc));
	} else if (resp.status == 401 || resp.status == 403) {
		ret = lb_fail(err, LB_EUNSAFE, "%s: token for scope '%s' refused by %.200s (HTTP %ld): check --creds/--authfile",
			      r->domain, r->scopes, ch->realm, resp.status);
	} else if (resp.status != 200) {
		ret = lb_fail(err, LB_EFAIL, "%s: token from %.200s: HTTP %ld", r->domain, ch->realm,
			      resp.status);
	} else {
		json_t *o = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
		const char *tok = json_string_value(json_object_get(o, "token"));
		if (!tok)
			tok = json_string_value(json_object_get(o, "access_token"));
		if (!tok || !*tok || strlen(tok) > 6000 || strpbrk(tok, "\r\n")) {
			ret = lb_fail(err, LB_EINTEGRITY, "%s: token answer from %.200s has no usable token",
				      r->domain, ch->realm);
		} else {
			pthread_mutex_lock(&r->lock);
			free(r->token);
			r->token = strdup(tok);
			r->token_renew_at = token_renew_time(o);
			r->auth_gen++;
			pthread_mutex_unlock(&r->lock);
		}
		json_decref(o);
	}
	lb_http_resp_free(&resp);
	free(url);
	return ret;
}

/* After a 401 to a request sent with auth state `gen`: learn the challenge
 * and get what it asks for. LB_OK means "send again". */
static int answer_challenge(struct lb_registry *r, const struct lb_http_resp *resp, unsigned gen,
			    struct lb_err *err)
{
	struct lb_www_auth ch;
	if (!resp->www_auth[0] ||
	    lb_www_auth_parse(resp->www_auth, strlen(resp->www_auth), &ch, err))
		return lb_fail(err, LB_EUNSAFE, "%s: 401 unauthorized without a usable challenge",
			       r->domain);
	pthread_mutex_lock(&r->lock);
	bool changed = r->auth_gen != gen; /* another thread already answered it */
	if (!changed) {
		r->challenge = ch;
		if (ch.scheme == LB_AUTH_BASIC)
			r->auth_gen++;
	}
	pthread_mutex_unlock(&r->lock);
	if (changed)
		return LB_OK;
	if (ch.scheme == LB_AUTH_BASIC)
		return r->o.creds.have ? LB_OK
				       : lb_fail(err, LB_EUNSAFE,
						 "%s: wants a user and password (Basic realm \"%.100s\")%s%s; "
						 "use --creds or --authfile",
						 r->domain, ch.realm,
						 r->o.creds.helper[0] ? ": config.json names docker-credential-" : "",
						 r->o.creds.helper);
	if (ch.scheme == LB_AUTH_BEARER)
		return fetch_token(r, &ch, err);
	return lb_fail(err, LB_EUNSAFE, "%s: unsupported auth scheme in '%.100s'", r->domain,
		       resp->www_auth);
}

/* A bearer token near its end is fetched anew before the request, rather
 * than after the registry refused it (and a chunk's body went for nothing).
 * One thread renews; the others go on with the token that is still valid. */
static int renew_token_if_due(struct lb_registry *r, struct lb_err *err)
{
	pthread_mutex_lock(&r->lock);
	bool due = r->challenge.scheme == LB_AUTH_BEARER && r->token &&
		   mono_seconds() >= r->token_renew_at;
	struct lb_www_auth ch = r->challenge;
	if (due)
		r->token_renew_at = mono_seconds() + 3600; /* claimed by this thread */
	pthread_mutex_unlock(&r->lock);
	return due ? fetch_token(r, &ch, err) : LB_OK;
}

int lb_registry_do(struct lb_registry *r, const struct lb_http_req *q, struct lb_http_resp *resp,
		   struct lb_err *err)
{
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	char *url = lb_registry_url(r, q->url);
	if (!url)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", r->domain);
	/* Messages name the path, not the query (upload states are long). */
	char what[300];
	snprintf(what, sizeof(what), "%s: %s %.*s", r->domain, q->method,
		 (int)strcspn(q->url, "?") > 200 ? 200 : (int)strcspn(q->url, "?"), q->url);
	unsigned attempt = 0, auth_tries = 0, gen = 0;
	int ret = LB_OK;
	for (;;) {
		attempt++;
		if ((ret = renew_token_if_due(r, err)))
			break;
		CURLcode rc = perform(r, q, url, resp, &gen);
		bool last = q->once || attempt >= r->o.max_attempts;
		if (rc != CURLE_OK) {
			if (resp->sink_bytes || rc == CURLE_WRITE_ERROR || !curl_retryable(rc) || last) {
				ret = lb_fail(err, LB_EFAIL, "%s: %s%s", what, curl_easy_strerror(rc),
					      attempt > 1 ? " (after retries)" : "");
				if (resp->body_too_large)
					ret = lb_fail(err, LB_EINTEGRITY, "%s: answer larger than %zu bytes",
						      what, q->body_max ? q->body_max : BODY_MAX_DEFAULT);
				break;
			}
			lb_registry_backoff(r, attempt, -1);
			continue;
		}
		if (resp->status == 401 && auth_tries < AUTH_RETRIES) {
			auth_tries++;
			attempt--;
			if ((ret = answer_challenge(r, resp, gen, err)))
				break;
			continue;
		}
		if (resp->status == 401 || resp->status == 403) {
			char code[64];
			lb_http_error_code(resp, code, sizeof(code));
			ret = lb_fail(err, LB_EUNSAFE,
				      "%s: %s (HTTP %ld%s%s) for scope '%s': check --creds/--authfile",
				      what, resp->status == 401 ? "unauthorized" : "denied", resp->status,
				      code[0] ? ", " : "", code, r->scopes);
			break;
		}
		if (resp->status >= 500 || resp->status == 429) {
			if (last) {
				ret = lb_fail(err, LB_EFAIL, "%s: HTTP %ld%s", what, resp->status,
					      attempt > 1 ? " (after retries)" : "");
				break;
			}
			lb_registry_backoff(r, attempt, resp->retry_after);
			continue;
		}
		break;
	}
	free(url);
	return ret;
}

int lb_registry_ping(struct lb_registry *r, struct lb_err *err)
{
	struct lb_http_req q = {.method = "GET", .url = "/v2/", .body_max = 1u << 16};
	struct lb_http_resp resp;
	int rc = lb_registry_do(r, &q, &resp, err);
	if (rc == LB_EFAIL && r->insecure_ok && !strncmp(r->base, "https:", 6) &&
	    (resp.curl_code == CURLE_SSL_CONNECT_ERROR || resp.curl_code == CURLE_GOT_NOTHING ||
	     resp.curl_code == CURLE_RECV_ERROR)) {
		/* Not TLS at all: the plain-http fallback Docker allows here. */
		lb_http_resp_free(&resp);
		snprintf(r->base, sizeof(r->base), "http://%s", r->api_host);
		rc = lb_registry_do(r, &q, &resp, err);
	}
	if (!rc && resp.status != 200)
		rc = lb_fail(err, LB_EFAIL, "%s: GET /v2/: HTTP %ld, not an OCI registry", r->domain,
			     resp.status);
	lb_http_resp_free(&resp);
	if (rc == LB_EFAIL && !strncmp(r->base, "https:", 6) && !r->insecure_ok)
		lb_err_wrap(err, "%s (plain http needs --tls-verify=false)", r->domain);
	return rc;
}
