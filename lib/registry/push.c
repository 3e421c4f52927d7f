#include "registry/push.h"
#include "registry/journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lb_blob_action_name(enum lb_blob_action a)
{
	static const char *const names[] = {"exists", "mounted", "uploaded", "resumed", "restarted"};
	return names[a];
}

/* "0-1023" (or "bytes=0-1023") -> 1024 bytes held; "" -> 0. -1 if malformed. */
static int64_t range_held(const char *range)
{
	if (!range[0])
		return 0;
	if (!strncmp(range, "bytes=", 6))
		range += 6;
	char *end;
	unsigned long long first = strtoull(range, &end, 10);
	if (end == range || *end != '-' || first != 0)
		return -1;
	const char *last_s = end + 1;
	unsigned long long last = strtoull(last_s, &end, 10);
	if (end == last_s || *end)
		return -1;
	return (int64_t)last + 1;
}

/* The session URL with digest=<d> added to its query. */
static char *with_digest(const char *location, const char *digest)
{
	char *url = NULL;
	if (asprintf(&url, "%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", digest) < 0)
		return NULL;
	return url;
}

struct session {
	char location[4096];
	uint64_t offset;     /* bytes the registry holds */
	uint64_t high_water; /* bytes it ever acknowledged, this run or before */
	uint64_t chunk;
};

static int set_location(struct session *s, const struct lb_http_resp *resp, const char *what,
			struct lb_err *err)
{
	if (!resp->location[0])
		return lb_fail(err, LB_EINTEGRITY, "%s: HTTP %ld without a Location", what, resp->status);
	snprintf(s->location, sizeof(s->location), "%s", resp->location);
	return LB_OK;
}

static int start_session(const struct lb_push_ctx *c, struct lb_push_blob *b, struct session *s,
			 struct lb_err *err)
{
	char path[600];
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->repo);
	struct lb_http_req q = {.method = "POST", .url = path};
	struct lb_http_resp resp;
	int rc = lb_registry_do(c->reg, &q, &resp, err);
	if (!rc && resp.status != 202)
		rc = lb_fail(err, LB_EFAIL, "%s: blob %s: starting an upload: HTTP %ld",
			     lb_registry_domain(c->reg), b->digest, resp.status);
	if (!rc)
		rc = set_location(s, &resp, "POST blobs/uploads", err);
	if (!rc && resp.chunk_min > s->chunk)
		s->chunk = resp.chunk_min;
	s->offset = 0;
	lb_http_resp_free(&resp);
	return rc;
}

/* Asks the registry how much of the session it holds. *gone when the
 * session is unknown to it. */
static int query_session(const struct lb_push_ctx *c, struct session *s, bool *gone,
			 struct lb_err *err)
{
	struct lb_http_req q = {.method = "GET", .url = s->location};
	struct lb_http_resp resp;
	*gone = false;
	int rc = lb_registry_do(c->reg, &q, &resp, err);
	if (!rc) {
		if (resp.status == 404 || resp.status == 400 || resp.status == 416) {
			*gone = true;
		} else if (resp.status != 204 && resp.status != 200) {
			rc = lb_fail(err, LB_EFAIL, "%s: upload status: HTTP %ld", lb_registry_domain(c->reg),
				     resp.status);
		} else {
			int64_t held = range_held(resp.range);
			if (held < 0)
				rc = lb_fail(err, LB_EINTEGRITY, "%s: upload status: bad Range '%s'",
					     lb_registry_domain(c->reg), resp.range);
			else
				s->offset = (uint64_t)held;
			if (!rc && resp.location[0])
				snprintf(s->location, sizeof(s->location), "%s", resp.location);
		}
	}
	lb_http_resp_free(&resp);
	return rc;
}

static void journal(const struct lb_push_ctx *c, const struct lb_push_blob *b,
		    const struct session *s, struct lb_err *err, int *rc)
{
	if (c->journal_fd < 0 || *rc)
		return;
	struct lb_upload_journal j = {.size = b->size, .offset = s->offset};
	snprintf(j.digest, sizeof(j.digest), "%s", b->digest);
	snprintf(j.location, sizeof(j.location), "%s", s->location);
	*rc = lb_upload_journal_save(c->journal_fd, &j, err);
}

static void count_sent(struct lb_push_blob *b, struct session *s, uint64_t from, uint64_t len)
{
	b->bytes_sent += len;
	if (from < s->high_water)
		b->bytes_resent += (s->high_water - from < len ? s->high_water - from : len);
	if (from + len > s->high_water)
		s->high_water = from + len;
}

/* A session is lost: start over with a new one. */
static int restart(const struct lb_push_ctx *c, struct lb_push_blob *b, struct session *s,
		   struct lb_err *err)
{
	b->restarts++;
	b->action = LB_BLOB_RESTARTED;
	if (b->restarts > lb_registry_max_attempts(c->reg))
		return lb_fail(err, LB_EFAIL, "%s: blob %s: upload session lost %u times; giving up",
			       lb_registry_domain(c->reg), b->digest, b->restarts);
	return start_session(c, b, s, err);
}

static int finish(const struct lb_push_ctx *c, struct lb_push_blob *b, struct session *s,
		  bool with_body, bool *lost, struct lb_err *err)
{
	char *url = with_digest(s->location, b->digest);
	if (!url)
		return lb_fail(err, LB_EFAIL, "out of memory");
	struct lb_http_req q = {.method = "PUT", .url = url, .content_type = "application/octet-stream"};
	if (with_body) {
		q.has_body = true;
		q.body_fd = b->fd;
		q.body_len = b->size;
	}
	struct lb_http_resp resp;
	*lost = false;
	int rc = lb_registry_do(c->reg, &q, &resp, err);
	free(url);
	if (with_body && (rc == LB_OK || rc == LB_EFAIL))
		count_sent(b, s, 0, b->size);
	char code[64];
	lb_http_error_code(&resp, code, sizeof(code));
	if (!rc && (resp.status == 404 || !strcmp(code, "BLOB_UPLOAD_INVALID") ||
		    !strcmp(code, "BLOB_UPLOAD_UNKNOWN"))) {
		*lost = true;
	} else if (!rc && resp.status == 400 && !strcmp(code, "DIGEST_INVALID")) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: blob %s: the registry computed another digest for "
						 "what was sent (the layout's file is not that blob)",
			     lb_registry_domain(c->reg), b->digest);
	} else if (!rc && resp.status != 201) {
		rc = lb_fail(err, LB_EFAIL, "%s: blob %s: completing the upload: HTTP %ld %s",
			     lb_registry_domain(c->reg), b->digest, resp.status, code);
	} else if (!rc && resp.digest[0] && strcmp(resp.digest, b->digest)) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: blob %s: the registry stored it as %.80s",
			     lb_registry_domain(c->reg), b->digest, resp.digest);
	}
	lb_http_resp_free(&resp);
	return rc;
}

int lb_registry_blob_stat(struct lb_registry *reg, const char *repo, const char *digest,
			  bool *exists, uint64_t *size, struct lb_err *err)
{
	char path[700];
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	struct lb_http_req q = {.method = "HEAD", .url = path};
	struct lb_http_resp resp;
	int rc = lb_registry_do(reg, &q, &resp, err);
	*exists = !rc && resp.status == 200;
	*size = *exists && resp.content_length >= 0 ? (uint64_t)resp.content_length : 0;
	if (!rc && resp.status != 200 && resp.status != 404)
		rc = lb_fail(err, LB_EFAIL, "%s: HEAD %s blob %s: HTTP %ld", lb_registry_domain(reg),
			     repo, digest, resp.status);
	lb_http_resp_free(&resp);
	return rc;
}

static int blob_exists(const struct lb_push_ctx *c, const struct lb_push_blob *b, bool *exists,
		       struct lb_err *err)
{
	uint64_t size;
	return lb_registry_blob_stat(c->reg, c->repo, b->digest, exists, &size, err);
}

/* 201: mounted. 202: the registry opened an upload instead (kept in s). */
static int try_mount(const struct lb_push_ctx *c, struct lb_push_blob *b, struct session *s,
		     bool *mounted, struct lb_err *err)
{
	char path[1200];
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s", c->repo, b->digest,
		 b->mount_from);
	struct lb_http_req q = {.method = "POST", .url = path};
	struct lb_http_resp resp;
	int rc = lb_registry_do(c->reg, &q, &resp, err);
	*mounted = !rc && resp.status == 201;
	if (!rc && resp.status == 202) {
		rc = set_location(s, &resp, "POST ?mount", err);
		if (!rc && resp.chunk_min > s->chunk)
			s->chunk = resp.chunk_min;
	} else if (!rc && !*mounted) {
		rc = lb_fail(err, LB_EFAIL, "%s: mounting blob %s from %s: HTTP %ld",
			     lb_registry_domain(c->reg), b->digest, b->mount_from, resp.status);
	}
	lb_http_resp_free(&resp);
	return rc;
}

/* One PATCH of [s->offset, +len). *ok when the registry acknowledged it. */
static int patch_chunk(const struct lb_push_ctx *c, struct lb_push_blob *b, struct session *s,
		       bool *ok, struct lb_err *err)
{
	uint64_t len = b->size - s->offset < s->chunk ? b->size - s->offset : s->chunk;
	char crange[64];
	snprintf(crange, sizeof(crange), "%" PRIu64 "-%" PRIu64, s->offset, s->offset + len - 1);
	struct lb_http_req q = {.method = "PATCH",
				.url = s->location,
				.content_type = "application/octet-stream",
				.content_range = crange,
				.has_body = true,
				.body_fd = b->fd,
				.body_off = s->offset,
				.body_len = len,
				.once = true};
	struct lb_http_resp resp;
	struct lb_err quiet;
	int rc = lb_registry_do(c->reg, &q, &resp, &quiet);
	*ok = false;
	if (rc == LB_EUNSAFE) {
		*err = quiet;
		lb_http_resp_free(&resp);
		return rc;
	}
	count_sent(b, s, s->offset, len);
	if (!rc && resp.status == 202 && resp.location[0]) {
		int64_t held = range_held(resp.range);
		if (held >= 0 && (uint64_t)held == s->offset + len) {
			snprintf(s->location, sizeof(s->location), "%s", resp.location);
			s->offset += len;
			*ok = true;
		}
	}
	lb_http_resp_free(&resp);
	return LB_OK;
}

int lb_push_blob(const struct lb_push_ctx *c, struct lb_push_blob *b, struct lb_err *err)
{
	struct session s = {.chunk = c->chunk_size ? c->chunk_size : (16u << 20)};
	bool exists, found = false, lost;
	b->action = LB_BLOB_UPLOADED;
	int rc = blob_exists(c, b, &exists, err);
	if (rc)
		return rc;
	if (exists) {
		b->action = LB_BLOB_EXISTS;
		if (c->journal_fd >= 0)
			lb_upload_journal_remove(c->journal_fd, b->digest);
		if (c->progress)
			c->progress(c->progress_ctx, b, b->size);
		return LB_OK;
	}
	struct lb_upload_journal j;
	if (c->journal_fd >= 0 &&
	    (rc = lb_upload_journal_load(c->journal_fd, b->digest, &j, &found, err)))
		return rc;
	if (found && j.size == b->size) {
		snprintf(s.location, sizeof(s.location), "%s", j.location);
		s.high_water = j.offset;
		if ((rc = query_session(c, &s, &lost, err)))
			return rc;
		if (lost) {
			if ((rc = restart(c, b, &s, err)))
				return rc;
		} else {
			b->action = LB_BLOB_RESUMED;
		}
	} else if (b->mount_from) {
		bool mounted;
		if ((rc = try_mount(c, b, &s, &mounted, err)))
			return rc;
		if (mounted) {
			b->action = LB_BLOB_MOUNTED;
			if (c->progress)
				c->progress(c->progress_ctx, b, b->size);
			return LB_OK;
		}
	} else if ((rc = start_session(c, b, &s, err))) {
		return rc;
	}

	if (b->fd < 0)
		return lb_fail(err, LB_ENOTFOUND,
			       "%s: blob %s is not here to upload, %s lacks it, and it could not be "
			       "mounted from %s",
			       lb_registry_domain(c->reg), b->digest, c->repo,
			       b->mount_from ? b->mount_from : "another repository");
	unsigned failures = 0;
	for (;;) {
		if (s.offset == 0 && b->size <= s.chunk) {
			if ((rc = finish(c, b, &s, true, &lost, err)))
				return rc;
		} else {
			while (s.offset < b->size) {
				bool ok;
				if ((rc = patch_chunk(c, b, &s, &ok, err)))
					return rc;
				if (ok) {
					failures = 0;
					journal(c, b, &s, err, &rc);
					if (rc)
						return rc;
					/* The blob's last line comes once, with its action. */
					if (c->progress && s.offset < b->size)
						c->progress(c->progress_ctx, b, s.offset);
					continue;
				}
				if (++failures > lb_registry_max_attempts(c->reg))
					return lb_fail(err, LB_EFAIL,
						       "%s: blob %s: chunk at %" PRIu64 " failed %u times",
						       lb_registry_domain(c->reg), b->digest, s.offset,
						       failures);
				lb_registry_backoff(c->reg, failures, -1);
				if ((rc = query_session(c, &s, &lost, err)))
					return rc;
				if (lost && (rc = restart(c, b, &s, err)))
					return rc;
			}
			if ((rc = finish(c, b, &s, false, &lost, err)))
				return rc;
		}
		if (!lost)
			break;
		/* The session went away at the end: the blob may be complete. */
		if ((rc = blob_exists(c, b, &exists, err)))
			return rc;
		if (exists)
			break;
		if ((rc = restart(c, b, &s, err)))
			return rc;
	}
	if (c->journal_fd >= 0)
		lb_upload_journal_remove(c->journal_fd, b->digest);
	if (c->progress)
		c->progress(c->progress_ctx, b, b->size);
	return LB_OK;
}

int lb_push_manifest(struct lb_registry *reg, const char *repo, const char *reference,
		     const char *media_type, const char *buf, size_t len, struct lb_err *err)
{
	char path[700], want[LB_DIGEST_CAP];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, reference);
	lb_digest_of(buf, len, want);
	struct lb_http_req q = {.method = "PUT", .url = path, .content_type = media_type,
				.body_buf = buf, .body_len = len, .has_body = true};
	struct lb_http_resp resp;
	int rc = lb_registry_do(reg, &q, &resp, err);
	char code[64];
	lb_http_error_code(&resp, code, sizeof(code));
	if (!rc && resp.status != 201)
		rc = lb_fail(err, resp.status == 400 ? LB_EINTEGRITY : LB_EFAIL,
			     "%s: PUT manifest %s:%s: HTTP %ld %s", lb_registry_domain(reg), repo,
			     reference, resp.status, code);
	else if (!rc && resp.digest[0] && strcmp(resp.digest, want))
		rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest %s:%s stored as %.80s, sent %s",
			     lb_registry_domain(reg), repo, reference, resp.digest, want);
	lb_http_resp_free(&resp);
	return rc;
}
