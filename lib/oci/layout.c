#include "oci/layout.h"
#include "util/atomic_at.h"

#include <dirent.h>
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

struct lb_oci_layout {
	int dirfd;
	int blobs_fd; /* blobs/sha256 */
	char path[PATH_MAX];
};

static const char LAYOUT_FILE[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
static const char EMPTY_INDEX[] = "{\"schemaVersion\":2,\"manifests\":[]}";

const char *lb_oci_layout_path(const struct lb_oci_layout *l)
{
	return l->path;
}

int lb_oci_layout_dirfd(const struct lb_oci_layout *l)
{
	return l->dirfd;
}

int lb_oci_layout_blobs_dirfd(const struct lb_oci_layout *l)
{
	return l->blobs_fd;
}

void lb_oci_layout_close(struct lb_oci_layout *l)
{
	if (!l)
		return;
	if (l->blobs_fd >= 0)
		close(l->blobs_fd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	free(l);
}

/* A small regular file in dirfd, read whole (at most max bytes). */
static int read_small_at(int dirfd, const char *name, size_t max, const char *what, char **buf_out,
			 size_t *len_out, struct lb_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return lb_fail_errno(err, errno == ELOOP ? LB_EINTEGRITY : lb_exit_for_errno(errno),
				     errno, "%s: open", what);
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: not a regular file", what);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: %lld bytes, more than the %zu allowed", what,
			       (long long)st.st_size, max);
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t len = 0;
	ssize_t n = 1;
	while (buf && len <= max && (n = read(fd, buf + len, (size_t)st.st_size + 1 - len)) > 0)
		len += (size_t)n;
	int saved = errno;
	close(fd);
	if (!buf || n < 0 || len != (size_t)st.st_size) {
		free(buf);
		return lb_fail_errno(err, LB_EFAIL, buf ? (n < 0 ? saved : EIO) : ENOMEM,
				     "%s: read (changed while read?)", what);
	}
	buf[len] = '\0';
	*buf_out = buf;
	*len_out = len;
	return LB_OK;
}

static int open_subdir(int dirfd, const char *name, bool create, const char *what, int *fd_out,
		       struct lb_err *err)
{
	if (create && mkdirat(dirfd, name, 0755) && errno != EEXIST)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: mkdir", what);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, errno == ENOENT ? LB_ENOTFOUND : LB_EINTEGRITY, errno,
				     "%s: open directory", what);
	*fd_out = fd;
	return LB_OK;
}

static int finish_open(struct lb_oci_layout *l, struct lb_err *err)
{
	char what[PATH_MAX + 32];
	char *text = NULL;
	size_t len = 0;
	snprintf(what, sizeof(what), "%s/oci-layout", l->path);
	int rc = read_small_at(l->dirfd, "oci-layout", 4096, what, &text, &len, err);
	if (rc)
		return rc;
	json_t *o = json_loadb(text, len, 0, NULL);
	const char *version = json_string_value(json_object_get(o, "imageLayoutVersion"));
	bool ok = version && !strncmp(version, "1.", 2);
	json_decref(o);
	free(text);
	if (!ok)
		return lb_fail(err, LB_EINTEGRITY, "%s: not an OCI image layout 1.x", what);
	int blobs;
	snprintf(what, sizeof(what), "%s/blobs", l->path);
	rc = open_subdir(l->dirfd, "blobs", false, what, &blobs, err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "%s/blobs/sha256", l->path);
	rc = open_subdir(blobs, "sha256", false, what, &l->blobs_fd, err);
	close(blobs);
	return rc;
}

static int layout_new(const char *dir, struct lb_oci_layout **out, struct lb_err *err)
{
	struct lb_oci_layout *l = calloc(1, sizeof(*l));
	if (!l)
		return lb_fail(err, LB_EFAIL, "%s: out of memory", dir);
	l->dirfd = l->blobs_fd = -1;
	snprintf(l->path, sizeof(l->path), "%s", dir);
	*out = l;
	return LB_OK;
}

int lb_oci_layout_open(const char *dir, struct lb_oci_layout **out, struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	int rc = layout_new(dir, &l, err);
	if (rc)
		return rc;
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0)
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open layout", dir);
	else
		rc = finish_open(l, err);
	if (rc) {
		lb_oci_layout_close(l);
		return rc;
	}
	*out = l;
	return LB_OK;
}

static bool dir_empty(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int lb_oci_layout_create(const char *dir, struct lb_oci_layout **out, struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	int rc = layout_new(dir, &l, err);
	if (rc)
		return rc;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: mkdir", dir);
		goto fail;
	}
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", dir);
		goto fail;
	}
	if (faccessat(l->dirfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		rc = finish_open(l, err);
		if (rc)
			goto fail;
		*out = l;
		return LB_OK;
	}
	if (!dir_empty(l->dirfd)) {
		rc = lb_fail(err, LB_EUNSAFE, "%s: not empty and not an OCI image layout; not writing there",
			     dir);
		goto fail;
	}
	char what[PATH_MAX + 32];
	int blobs;
	snprintf(what, sizeof(what), "%s/blobs", dir);
	if ((rc = open_subdir(l->dirfd, "blobs", true, what, &blobs, err)))
		goto fail;
	snprintf(what, sizeof(what), "%s/blobs/sha256", dir);
	rc = open_subdir(blobs, "sha256", true, what, &l->blobs_fd, err);
	close(blobs);
	if (rc)
		goto fail;
	snprintf(what, sizeof(what), "%s/index.json", dir);
	if ((rc = lb_write_atomic_at(l->dirfd, "index.json", EMPTY_INDEX, strlen(EMPTY_INDEX), what,
				     err)))
		goto fail;
	/* oci-layout last: a directory that has it is complete. */
	snprintf(what, sizeof(what), "%s/oci-layout", dir);
	if ((rc = lb_write_atomic_at(l->dirfd, "oci-layout", LAYOUT_FILE, strlen(LAYOUT_FILE), what,
				     err)))
		goto fail;
	*out = l;
	return LB_OK;
fail:
	lb_oci_layout_close(l);
	return rc;
}

int lb_oci_layout_blob_open(const struct lb_oci_layout *l, const char *digest, int *fd_out,
			    uint64_t *size_out, struct lb_err *err)
{
	if (!lb_digest_valid(digest))
		return lb_fail(err, LB_EUSAGE, "%s: blob digest '%.80s' is not sha256:<64 hex>", l->path,
			       digest);
	int fd = openat(l->blobs_fd, lb_digest_hex(digest),
			O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return lb_fail_errno(err, errno == ELOOP ? LB_EINTEGRITY : lb_exit_for_errno(errno),
				     errno, "%s: blob %s", l->path, digest);
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: blob %s is not a regular file", l->path, digest);
	}
	*fd_out = fd;
	*size_out = (uint64_t)st.st_size;
	return LB_OK;
}

int lb_oci_layout_read_blob(const struct lb_oci_layout *l, const char *digest, size_t max,
			    char **buf_out, size_t *len_out, struct lb_err *err)
{
	if (!lb_digest_valid(digest))
		return lb_fail(err, LB_EUSAGE, "%s: blob digest '%.80s' is not sha256:<64 hex>", l->path,
			       digest);
	char what[PATH_MAX + 100];
	snprintf(what, sizeof(what), "%s: blob %s", l->path, digest);
	int rc = read_small_at(l->blobs_fd, lb_digest_hex(digest), max, what, buf_out, len_out, err);
	if (rc)
		return rc;
	char got[LB_DIGEST_CAP];
	lb_digest_of(*buf_out, *len_out, got);
	if (strcmp(got, digest)) {
		free(*buf_out);
		*buf_out = NULL;
		return lb_fail(err, LB_EINTEGRITY, "%s: content hashes to %s", what, got);
	}
	return LB_OK;
}

int lb_oci_layout_put_blob(struct lb_oci_layout *l, const void *buf, size_t len,
			   char digest_out[LB_DIGEST_CAP], struct lb_err *err)
{
	lb_digest_of(buf, len, digest_out);
	const char *hex = lb_digest_hex(digest_out);
	struct stat st;
	if (fstatat(l->blobs_fd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == len)
		return LB_OK; /* content-addressed: same name, same bytes */
	char what[PATH_MAX + 100];
	snprintf(what, sizeof(what), "%s: blob %s", l->path, digest_out);
	return lb_write_atomic_at(l->blobs_fd, hex, buf, len, what, err);
}

static int load_index(const struct lb_oci_layout *l, json_t **out, struct lb_err *err)
{
	char what[PATH_MAX + 32];
	char *text = NULL;
	size_t len = 0;
	snprintf(what, sizeof(what), "%s/index.json", l->path);
	int rc = read_small_at(l->dirfd, "index.json", LB_OCI_SMALL_MAX, what, &text, &len, err);
	if (rc)
		return rc;
	json_error_t jerr;
	json_t *idx = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!json_is_object(idx) || !json_is_array(json_object_get(idx, "manifests"))) {
		json_decref(idx);
		return lb_fail(err, LB_EINTEGRITY, "%s: not an image index (line %d: %s)", what,
			       jerr.line, jerr.text);
	}
	*out = idx;
	return LB_OK;
}

static const char *ref_name_of(json_t *desc)
{
	return json_string_value(
		json_object_get(json_object_get(desc, "annotations"), LB_OCI_REF_ANNOTATION));
}

int lb_oci_layout_set_ref(struct lb_oci_layout *l, const char *ref_name, const char *media_type,
			  const char *manifest_digest, uint64_t size, struct lb_err *err)
{
	if (!lb_digest_valid(manifest_digest))
		return lb_fail(err, LB_EUSAGE, "%s: manifest digest is not sha256:<64 hex>", l->path);
	json_t *idx;
	int rc = load_index(l, &idx, err);
	if (rc)
		return rc;
	json_t *list = json_object_get(idx, "manifests");
	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *name = ref_name_of(json_array_get(list, i));
		if (name && !strcmp(name, ref_name))
			json_array_remove(list, i);
	}
	json_t *desc = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", media_type, "digest",
				 manifest_digest, "size", (json_int_t)size, "annotations",
				 LB_OCI_REF_ANNOTATION, ref_name);
	json_array_append_new(list, desc);
	char *text = desc ? json_dumps(idx, JSON_COMPACT) : NULL;
	json_decref(idx);
	if (!text)
		return lb_fail(err, LB_EFAIL, "%s/index.json: out of memory", l->path);
	char what[PATH_MAX + 32];
	snprintf(what, sizeof(what), "%s/index.json", l->path);
	rc = lb_write_atomic_at(l->dirfd, "index.json", text, strlen(text), what, err);
	free(text);
	return rc;
}

int lb_oci_layout_blob_verify(const struct lb_oci_layout *l, const char *digest,
			      struct lb_err *err)
{
	int fd;
	uint64_t size;
	int rc = lb_oci_layout_blob_open(l, digest, &fd, &size, err);
	if (rc)
		return rc;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], h[32];
	ssize_t n = 0;
	if (!md) {
		close(fd);
		return lb_fail(err, LB_EFAIL, "out of memory");
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	int saved = errno;
	EVP_DigestFinal_ex(md, h, NULL);
	EVP_MD_CTX_free(md);
	close(fd);
	if (n < 0)
		return lb_fail_errno(err, LB_EFAIL, saved, "%s: blob %s: read", l->path, digest);
	char got[LB_DIGEST_CAP];
	lb_digest_format(h, got);
	if (strcmp(got, digest))
		return lb_fail(err, LB_EINTEGRITY, "%s: blob %s holds %s: corrupt", l->path, digest,
			       got);
	return LB_OK;
}

int lb_oci_layout_name_of(const struct lb_oci_layout *l, const char *digest, char *name_out,
			  size_t cap, struct lb_err *err)
{
	json_t *idx;
	int rc = load_index(l, &idx, err);
	if (rc)
		return rc;
	json_t *list = json_object_get(idx, "manifests");
	rc = lb_fail(err, LB_ENOTFOUND, "%s: no image with manifest %s", l->path, digest);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *d = json_array_get(list, i);
		const char *name = ref_name_of((json_t *)d);
		const char *dg = json_string_value(json_object_get(d, "digest"));
		if (name && dg && !strcmp(dg, digest) && strlen(name) < cap) {
			snprintf(name_out, cap, "%s", name);
			rc = LB_OK;
			break;
		}
	}
	json_decref(idx);
	return rc;
}

int lb_oci_layout_resolve(const struct lb_oci_layout *l, const char *ref_name,
			  char digest_out[LB_DIGEST_CAP], char media_type_out[128],
			  uint64_t *size_out, struct lb_err *err)
{
	json_t *idx;
	int rc = load_index(l, &idx, err);
	if (rc)
		return rc;
	json_t *list = json_object_get(idx, "manifests"), *found = NULL;
	size_t n = json_array_size(list);
	if (!ref_name) {
		if (n > 1)
			rc = lb_fail(err, LB_EUSAGE, "%s: holds %zu images; name one (%s:NAME)", l->path, n,
				     l->path);
		else if (n == 1)
			found = json_array_get(list, 0);
	} else {
		for (size_t i = 0; i < n && !found; i++) {
			const char *name = ref_name_of(json_array_get(list, i));
			if (name && !strcmp(name, ref_name))
				found = json_array_get(list, i);
		}
	}
	if (!rc && !found)
		rc = lb_fail(err, LB_ENOTFOUND, "%s: no image named '%s'", l->path,
			     ref_name ? ref_name : "(any)");
	if (!rc) {
		const char *digest = json_string_value(json_object_get(found, "digest"));
		const char *mt = json_string_value(json_object_get(found, "mediaType"));
		json_t *size = json_object_get(found, "size");
		if (!digest || !lb_digest_valid(digest) || !mt || strlen(mt) >= 128 ||
		    !json_is_integer(size) || json_integer_value(size) < 0)
			rc = lb_fail(err, LB_EINTEGRITY,
				     "%s/index.json: descriptor without a sha256 digest, media type or size",
				     l->path);
		else {
			memcpy(digest_out, digest, LB_DIGEST_LEN + 1);
			snprintf(media_type_out, 128, "%s", mt);
			*size_out = (uint64_t)json_integer_value(size);
		}
	}
	json_decref(idx);
	return rc;
}
