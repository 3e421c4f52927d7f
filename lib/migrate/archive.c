/* lifeboat: docker-archive from an OCI layout (see archive.h). */
#include "migrate/archive.h"
#include "migrate/carry.h"

#include "oci/digest.h"
#include "oci/layout.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int entry_header(struct archive *a, const char *name, uint64_t size, struct lb_err *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return lb_fail(err, LB_EFAIL, "%s: %s", name, archive_error_string(a));
	return LB_OK;
}

static int add_mem(struct archive *a, const char *name, const void *buf, size_t len,
		   struct lb_err *err)
{
	int rc = entry_header(a, name, len, err);
	if (rc)
		return rc;
	if (len && archive_write_data(a, buf, len) != (la_ssize_t)len)
		return lb_fail(err, LB_EFAIL, "%s: %s", name, archive_error_string(a));
	return LB_OK;
}

/* A layer blob streamed from the layout, never whole in memory. */
static int add_blob(struct archive *a, const struct lb_oci_layout *l, const char *name,
		    const char *digest, struct lb_err *err)
{
	int fd;
	uint64_t size;
	int rc = lb_oci_layout_blob_open(l, digest, &fd, &size, err);
	if (rc)
		return rc;
	if ((rc = entry_header(a, name, size, err))) {
		close(fd);
		return rc;
	}
	static const size_t bufsize = 1u << 20;
	char *buf = malloc(bufsize);
	uint64_t left = size;
	while (buf && left) {
		ssize_t n = read(fd, buf, left < bufsize ? left : bufsize);
		if (n <= 0) {
			rc = lb_fail(err, LB_EINTEGRITY, "%s: blob shorter than its %llu bytes", digest,
				     (unsigned long long)size);
			break;
		}
		if (archive_write_data(a, buf, (size_t)n) != n) {
			rc = lb_fail(err, LB_EFAIL, "%s: %s", name, archive_error_string(a));
			break;
		}
		left -= (uint64_t)n;
	}
	if (!buf)
		rc = lb_fail(err, LB_EFAIL, "out of memory");
	free(buf);
	close(fd);
	return rc;
}

static int write_archive(struct archive *a, const struct lb_oci_layout *l, json_t *manifest,
			 const char *repo_tag, struct lb_err *err)
{
	const char *cfg = json_string_value(
		json_object_get(json_object_get(manifest, "config"), "digest"));
	json_t *layers = json_object_get(manifest, "layers");
	if (!lb_digest_valid(cfg) || !json_is_array(layers))
		return lb_fail(err, LB_EINTEGRITY, "manifest: no config digest or layers");
	char name[96];
	json_t *paths = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(layers, i, d)
	{
		const char *ld = json_string_value(json_object_get(d, "digest"));
		if (!lb_digest_valid(ld)) {
			json_decref(paths);
			return lb_fail(err, LB_EINTEGRITY, "manifest: layer %zu: no sha256 digest", i);
		}
		snprintf(name, sizeof(name), "%s/layer.tar", ld + 7);
		json_array_append_new(paths, json_string(name));
	}
	snprintf(name, sizeof(name), "%s.json", cfg + 7);
	json_t *m = json_pack("[{s:s, s:o, s:o}]", "Config", name, "RepoTags",
			      repo_tag ? json_pack("[s]", repo_tag) : json_array(), "Layers", paths);
	char *mtext = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	char *ctext = NULL;
	size_t clen = 0;
	int rc = mtext ? lb_oci_layout_read_blob(l, cfg, LB_OCI_SMALL_MAX, &ctext, &clen, err)
		       : lb_fail(err, LB_EFAIL, "out of memory");
	if (!rc)
		rc = add_mem(a, name, ctext, clen, err);
	json_array_foreach(layers, i, d)
	{
		if (rc)
			break;
		const char *ld = json_string_value(json_object_get(d, "digest"));
		snprintf(name, sizeof(name), "%s/layer.tar", ld + 7);
		rc = add_blob(a, l, name, ld, err);
	}
	if (!rc)
		rc = add_mem(a, "manifest.json", mtext, strlen(mtext), err);
	free(ctext);
	free(mtext);
	return rc;
}

/* The carry artifact (migrate/carry.h) as an OCI layout of its own under
 * lifeboat/ in the archive: docker load reads manifest.json and ignores it;
 * migrate restore ARCHIVE reads it. */
static int write_carry(struct archive *a, const struct lb_oci_layout *l, struct lb_err *err)
{
	char mdigest[LB_DIGEST_CAP], mtype[128], name[128];
	uint64_t msize;
	char *mtext = NULL;
	size_t mlen;
	int rc = lb_oci_layout_resolve(l, LB_CARRY_LAYOUT_REF, mdigest, mtype, &msize, err);
	if (!rc)
		rc = lb_oci_layout_read_blob(l, mdigest, LB_OCI_SMALL_MAX, &mtext, &mlen, err);
	json_t *m = rc ? NULL : json_loadb(mtext, mlen, 0, NULL);
	if (!rc && !json_is_object(m))
		rc = lb_fail(err, LB_EINTEGRITY, "%s: the spec's manifest is no JSON object",
			     lb_oci_layout_path(l));
	json_t *idx = rc ? NULL
			 : json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2,
				     "manifests", "mediaType", mtype, "digest", mdigest, "size",
				     (json_int_t)msize, "annotations", LB_OCI_REF_ANNOTATION,
				     LB_CARRY_LAYOUT_REF);
	char *itext = idx ? json_dumps(idx, JSON_COMPACT) : NULL;
	static const char layout_file[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (!rc && !itext)
		rc = lb_fail(err, LB_EFAIL, "out of memory");
	if (!rc)
		rc = add_mem(a, "lifeboat/oci-layout", layout_file, strlen(layout_file), err);
	if (!rc)
		rc = add_mem(a, "lifeboat/index.json", itext, strlen(itext), err);
	if (!rc) {
		snprintf(name, sizeof(name), "lifeboat/blobs/sha256/%s", mdigest + 7);
		rc = add_mem(a, name, mtext, mlen, err);
	}
	const char *cfg = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
	if (!rc && lb_digest_valid(cfg)) {
		snprintf(name, sizeof(name), "lifeboat/blobs/sha256/%s", cfg + 7);
		rc = add_blob(a, l, name, cfg, err);
	}
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(m, "layers"), i, d) {
		const char *ld = json_string_value(json_object_get(d, "digest"));
		if (rc || !lb_digest_valid(ld))
			break;
		snprintf(name, sizeof(name), "lifeboat/blobs/sha256/%s", ld + 7);
		rc = add_blob(a, l, name, ld, err);
	}
	free(itext);
	json_decref(idx);
	json_decref(m);
	free(mtext);
	return rc;
}

int lb_docker_archive_from_layout(const char *layout_dir, const char *ref_name,
				  const char *out_path, const char *repo_tag, bool with_carry,
				  struct lb_err *err)
{
	struct lb_oci_layout *l = NULL;
	int rc = lb_oci_layout_open(layout_dir, &l, err);
	if (rc)
		return rc;
	char mdigest[LB_DIGEST_CAP], mtype[128];
	uint64_t msize = 0;
	char *mtext = NULL;
	size_t mlen = 0;
	json_t *manifest = NULL;
	if (!(rc = lb_oci_layout_resolve(l, ref_name, mdigest, mtype, &msize, err)) &&
	    !(rc = lb_oci_layout_read_blob(l, mdigest, LB_OCI_SMALL_MAX, &mtext, &mlen, err))) {
		manifest = json_loadb(mtext, mlen, 0, NULL);
		if (!json_is_object(manifest))
			rc = lb_fail(err, LB_EINTEGRITY, "%s: manifest %s is no JSON object",
				     layout_dir, mdigest);
	}
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp-lifeboat", out_path);
	if (!rc && (n < 0 || (size_t)n >= sizeof(tmp)))
		rc = lb_fail(err, LB_EUSAGE, "%s: path too long", out_path);
	struct archive *a = NULL;
	if (!rc) {
		a = archive_write_new();
		archive_write_set_format_pax_restricted(a);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			rc = lb_fail_errno(err, errno == EEXIST ? LB_EUNSAFE : LB_EFAIL, errno,
					   "%s: create%s", tmp,
					   errno == EEXIST ? " (left by an interrupted run? remove it)"
							   : "");
		else if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
			rc = lb_fail(err, LB_EFAIL, "%s: %s", tmp, archive_error_string(a));
		if (!rc)
			rc = write_archive(a, l, manifest, repo_tag, err);
		if (!rc && with_carry)
			rc = write_carry(a, l, err);
		if (a && archive_write_close(a) != ARCHIVE_OK && !rc)
			rc = lb_fail(err, LB_EFAIL, "%s: %s", tmp, archive_error_string(a));
		if (fd >= 0) {
			if (!rc && fsync(fd) != 0)
				rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: fsync", tmp);
			close(fd);
		}
		if (!rc && rename(tmp, out_path) != 0)
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: rename to %s", tmp, out_path);
		if (rc && fd >= 0)
			unlink(tmp);
	}
	if (a)
		archive_write_free(a);
	json_decref(manifest);
	free(mtext);
	lb_oci_layout_close(l);
	return rc;
}
