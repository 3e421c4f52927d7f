#include "registry/pull.h"
#include "util/atomic_at.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEPT_MANIFESTS                                                                    \
	LB_MT_OCI_MANIFEST ", " LB_MT_DOCKER_MANIFEST ", " LB_MT_OCI_INDEX ", " LB_MT_DOCKER_LIST

int lb_platform_parse(const char *s, struct lb_platform *p, struct lb_err *err)
{
	memset(p, 0, sizeof(*p));
	char buf[100];
	if (strlen(s) >= sizeof(buf))
		return lb_fail(err, LB_EUSAGE, "--platform: too long");
	strcpy(buf, s);
	char *save = NULL, *os = strtok_r(buf, "/", &save), *arch = strtok_r(NULL, "/", &save),
	     *variant = strtok_r(NULL, "/", &save);
	if (!os || !arch || strtok_r(NULL, "/", &save) || strlen(os) >= sizeof(p->os) ||
	    strlen(arch) >= sizeof(p->arch) || (variant && strlen(variant) >= sizeof(p->variant)))
		return lb_fail(err, LB_EUSAGE, "--platform: want OS/ARCH[/VARIANT], e.g. linux/amd64");
	strcpy(p->os, os);
	strcpy(p->arch, arch);
	if (variant)
		strcpy(p->variant, variant);
	return LB_OK;
}

void lb_manifest_free(struct lb_manifest *m)
{
	free(m->buf);
	m->buf = NULL;
}

static int get_manifest(struct lb_registry *reg, const char *repo, const char *reference,
			struct lb_manifest *m, struct lb_err *err)
{
	char path[700];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, reference);
	struct lb_http_req q = {.method = "GET", .url = path, .accept = ACCEPT_MANIFESTS,
				.body_max = LB_OCI_SMALL_MAX};
	struct lb_http_resp resp;
	int rc = lb_registry_do(reg, &q, &resp, err);
	if (rc == LB_EINTEGRITY)
		lb_err_wrap(err, "manifest %s:%s", repo, reference);
	if (!rc && resp.status == 404)
		rc = lb_fail(err, LB_ENOTFOUND, "%s: manifest %s:%s: not found", lb_registry_domain(reg),
			     repo, reference);
	else if (!rc && resp.status != 200)
		rc = lb_fail(err, LB_EFAIL, "%s: manifest %s:%s: HTTP %ld", lb_registry_domain(reg),
			     repo, reference, resp.status);
	if (rc) {
		lb_http_resp_free(&resp);
		return rc;
	}
	memset(m, 0, sizeof(*m));
	m->buf = resp.body ? resp.body : strdup("");
	m->len = resp.body_len;
	lb_digest_of(m->buf, m->len, m->digest);
	/* Content-Type may carry parameters; the media type is before ';'. */
	size_t mt_len = strcspn(resp.content_type, "; ");
	snprintf(m->media_type, sizeof(m->media_type), "%.*s",
		 (int)(mt_len < sizeof(m->media_type) ? mt_len : sizeof(m->media_type) - 1),
		 resp.content_type);
	json_t *o = json_loadb(m->buf, m->len, 0, NULL);
	const char *mt = json_string_value(json_object_get(o, "mediaType"));
	if (mt && strlen(mt) < sizeof(m->media_type))
		strcpy(m->media_type, mt);
	else if (!mt && json_is_array(json_object_get(o, "manifests")) &&
		 strcmp(m->media_type, LB_MT_DOCKER_LIST))
		strcpy(m->media_type, LB_MT_OCI_INDEX);
	json_decref(o);
	if (lb_digest_valid(reference) && strcmp(reference, m->digest)) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest %s@%s: the registry sent bytes hashing to %s",
			     lb_registry_domain(reg), repo, reference, m->digest);
		lb_manifest_free(m);
	}
	return rc;
}

static bool is_index(const char *mt)
{
	return !strcmp(mt, LB_MT_OCI_INDEX) || !strcmp(mt, LB_MT_DOCKER_LIST);
}

/* The digest of the entry for platform p in an index. */
static int pick_platform(const struct lb_manifest *idx, const struct lb_platform *p, const char *what,
			 char digest[LB_DIGEST_CAP], struct lb_err *err)
{
	json_t *o = json_loadb(idx->buf, idx->len, 0, NULL);
	json_t *list = json_object_get(o, "manifests");
	int rc = lb_fail(err, LB_ENOTFOUND, "%s: no image for platform %s/%s%s%s", what, p->os, p->arch,
			 p->variant[0] ? "/" : "", p->variant);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *d = json_array_get(list, i), *plat = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(plat, "os"));
		const char *arch = json_string_value(json_object_get(plat, "architecture"));
		const char *variant = json_string_value(json_object_get(plat, "variant"));
		const char *dg = json_string_value(json_object_get(d, "digest"));
		if (!os || !arch || strcmp(os, p->os) || strcmp(arch, p->arch))
			continue;
		if (p->variant[0] && (!variant || strcmp(variant, p->variant)))
			continue;
		if (!dg || !lb_digest_valid(dg)) {
			rc = lb_fail(err, LB_EINTEGRITY, "%s: entry for %s/%s has no sha256 digest", what, os,
				     arch);
			break;
		}
		memcpy(digest, dg, LB_DIGEST_LEN + 1);
		rc = LB_OK;
		break;
	}
	json_decref(o);
	return rc;
}

int lb_pull_manifest(struct lb_registry *reg, const char *repo, const char *reference,
		     const struct lb_platform *platform, struct lb_manifest *m, struct lb_err *err)
{
	int rc = get_manifest(reg, repo, reference, m, err);
	if (rc || !is_index(m->media_type))
		return rc;
	char what[700], digest[LB_DIGEST_CAP];
	snprintf(what, sizeof(what), "%s: %s:%s (%s)", lb_registry_domain(reg), repo, reference,
		 m->media_type);
	rc = pick_platform(m, platform, what, digest, err);
	lb_manifest_free(m);
	if (rc)
		return rc;
	rc = get_manifest(reg, repo, digest, m, err);
	if (!rc && is_index(m->media_type)) {
		lb_manifest_free(m);
		rc = lb_fail(err, LB_EINTEGRITY, "%s: an index inside an index", what);
	}
	return rc;
}

/* ---- blobs ---- */

struct download {
	int fd;
	EVP_MD_CTX *md;
	uint64_t have, limit;
	int write_errno;
	bool too_long;
	bool answer_started; /* false until this request's first byte */
	const struct lb_pull_progress *progress;
	uint64_t next_report;
};

static int dl_sink(void *ctx, long status, const void *buf, size_t len)
{
	struct download *d = ctx;
	bool first = !d->answer_started;
	d->answer_started = true;
	if (first && status == 200 && d->have) {
		/* The registry ignored our Range: start the file over. */
		if (ftruncate(d->fd, 0)) {
			d->write_errno = errno;
			return -1;
		}
		EVP_DigestInit_ex(d->md, EVP_sha256(), NULL);
		d->have = 0;
	}
	if (d->have + len > d->limit) {
		d->too_long = true;
		return -1;
	}
	if (pwrite(d->fd, buf, len, (off_t)d->have) != (ssize_t)len) {
		d->write_errno = errno ? errno : EIO;
		return -1;
	}
	EVP_DigestUpdate(d->md, buf, len);
	d->have += len;
	if (d->progress && d->have >= d->next_report) {
		d->progress->fn(d->progress->ctx, d->have);
		d->next_report = d->have + LB_PULL_PROGRESS_STEP;
	}
	return 0;
}

/* Hashes what the partial file already holds (up to limit). */
static int hash_existing(struct download *d, struct lb_err *err, const char *what)
{
	struct stat st;
	if (fstat(d->fd, &st))
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: stat", what);
	if ((uint64_t)st.st_size > d->limit && ftruncate(d->fd, 0))
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: truncate", what);
	uint64_t size = (uint64_t)st.st_size > d->limit ? 0 : (uint64_t)st.st_size;
	char buf[1 << 16];
	while (d->have < size) {
		ssize_t n = pread(d->fd, buf, sizeof(buf), (off_t)d->have);
		if (n <= 0)
			return lb_fail_errno(err, LB_EFAIL, n ? errno : EIO, "%s: read", what);
		EVP_DigestUpdate(d->md, buf, (size_t)n);
		d->have += (uint64_t)n;
	}
	return LB_OK;
}

/* An existing blob file is kept only if it hashes right. */
static int check_existing(struct lb_oci_layout *l, const char *digest, uint64_t size, bool *ok,
			  struct lb_err *err)
{
	int fd;
	uint64_t have;
	*ok = false;
	struct lb_err e;
	if (lb_oci_layout_blob_open(l, digest, &fd, &have, &e))
		return LB_OK;
	struct download d = {.fd = fd, .md = EVP_MD_CTX_new(), .limit = UINT64_MAX};
	EVP_DigestInit_ex(d.md, EVP_sha256(), NULL);
	int rc = hash_existing(&d, err, digest);
	unsigned char md[32];
	char got[LB_DIGEST_CAP];
	EVP_DigestFinal_ex(d.md, md, NULL);
	EVP_MD_CTX_free(d.md);
	close(fd);
	if (rc)
		return rc;
	lb_digest_format(md, got);
	if (have != size || strcmp(got, digest))
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: blob %s is already there but hashes to %s (%llu bytes): tampered or "
			       "damaged; remove it to fetch it again",
			       lb_oci_layout_path(l), digest, got, (unsigned long long)have);
	*ok = true;
	return LB_OK;
}

int lb_pull_blob(struct lb_registry *reg, const char *repo, struct lb_oci_layout *l,
		 const char *digest, uint64_t size, const struct lb_pull_progress *progress,
		 uint64_t *fetched_bytes, bool *had_it, struct lb_err *err)
{
	*fetched_bytes = 0;
	int rc = check_existing(l, digest, size, had_it, err);
	if (rc || *had_it)
		return rc;
	int dirfd = lb_oci_layout_blobs_dirfd(l);
	char partial[NAME_MAX + 1], what[200];
	snprintf(partial, sizeof(partial), ".partial-%s", lb_digest_hex(digest));
	snprintf(what, sizeof(what), "blob %s", digest);
	int fd = openat(dirfd, partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: %s", lb_oci_layout_path(l), partial);
	struct download d = {.fd = fd, .md = EVP_MD_CTX_new(), .limit = size, .progress = progress};
	EVP_DigestInit_ex(d.md, EVP_sha256(), NULL);
	rc = hash_existing(&d, err, what);
	d.next_report = d.have + LB_PULL_PROGRESS_STEP;
	char path[700], range[64];
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	for (unsigned cuts = 0; !rc;) {
		snprintf(range, sizeof(range), "bytes=%llu-", (unsigned long long)d.have);
		if (d.have == size)
			break;
		struct lb_http_req q = {.method = "GET", .url = path, .range = d.have ? range : NULL,
					.sink = dl_sink, .sink_ctx = &d, .body_max = 1u << 16};
		struct lb_http_resp resp;
		uint64_t before = d.have;
		d.answer_started = false;
		rc = lb_registry_do(reg, &q, &resp, err);
		*fetched_bytes += resp.sink_bytes;
		if (d.too_long)
			rc = lb_fail(err, LB_EINTEGRITY, "%s: %s: the registry sent more than its %llu bytes",
				     lb_registry_domain(reg), what, (unsigned long long)size);
		else if (d.write_errno)
			rc = lb_fail_errno(err, LB_EFAIL, d.write_errno, "%s: %s",
					   lb_oci_layout_path(l), partial);
		else if (rc == LB_EFAIL && d.have > before && ++cuts <= lb_registry_max_attempts(reg))
			rc = LB_OK; /* cut midway: go on from where it stopped */
		else if (rc == LB_EFAIL && d.have > before)
			rc = lb_fail(err, LB_EFAIL,
				     "%s: %s of %s: the connection was cut %u times; %llu of %llu bytes "
				     "kept in %s/blobs/sha256/%s for the next run to resume",
				     lb_registry_domain(reg), what, repo, cuts, (unsigned long long)d.have,
				     (unsigned long long)size, lb_oci_layout_path(l), partial);
		else if (!rc && resp.status == 404)
			rc = lb_fail(err, LB_ENOTFOUND, "%s: %s: not in %s", lb_registry_domain(reg), what,
				     repo);
		else if (!rc && resp.status == 416)
			rc = lb_fail(err, LB_EINTEGRITY, "%s: %s: shorter than its %llu bytes",
				     lb_registry_domain(reg), what, (unsigned long long)size);
		else if (!rc && resp.status != 200 && resp.status != 206)
			rc = lb_fail(err, LB_EFAIL, "%s: %s: HTTP %ld", lb_registry_domain(reg), what,
				     resp.status);
		else if (!rc && d.have < size && d.have == before)
			rc = lb_fail(err, LB_EINTEGRITY, "%s: %s: ended at %llu of %llu bytes",
				     lb_registry_domain(reg), what, (unsigned long long)d.have,
				     (unsigned long long)size);
		lb_http_resp_free(&resp);
	}
	unsigned char md[32];
	char got[LB_DIGEST_CAP];
	EVP_DigestFinal_ex(d.md, md, NULL);
	EVP_MD_CTX_free(d.md);
	lb_digest_format(md, got);
	if (!rc && strcmp(got, digest)) {
		rc = lb_fail(err, LB_EINTEGRITY, "%s: %s: content hashes to %s", lb_registry_domain(reg),
			     what, got);
		close(fd);
		unlinkat(dirfd, partial, 0); /* a bad partial is never resumed nor named */
		return rc;
	}
	if (rc) {
		close(fd);
		/* Kept for the next run to resume, unless it is known bad. */
		if (rc == LB_EINTEGRITY)
			unlinkat(dirfd, partial, 0);
		return rc;
	}
	return lb_tmp_commit_at(dirfd, fd, partial, lb_digest_hex(digest), what, err);
}
