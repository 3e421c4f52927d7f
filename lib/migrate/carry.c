/* lifeboat: the container's spec and volumes as an artifact beside its image
 * (see carry.h). */
#include "migrate/carry.h"
#include "layer/blob.h"
#include "layer/changes.h"
#include "layer/tarwrite.h"
#include "migrate/spec.h"
#include "migrate/spec_load.h"
#include "util/nofollow.h"
#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMPTY_DIR ".lifeboat-empty"

int lb_carry_tag(const char *image_digest, char out[LB_CARRY_TAG_CAP], struct lb_err *err)
{
	if (!image_digest || !lb_digest_valid(image_digest))
		return lb_fail(err, LB_EUSAGE, "%s: not an image manifest digest",
			       image_digest ? image_digest : "(none)");
	snprintf(out, LB_CARRY_TAG_CAP, "sha256-%s.lifeboat", image_digest + 7);
	return LB_OK;
}

/* data_root/volumes/<name>/_data, each step without following a link: a
 * volume name that is a path, or a link planted in the data root, must not
 * make lifeboat read (and ship) a file outside the volume. */
static int open_volume_data(const char *data_root, const char *name, int *fd_out,
			    struct lb_err *err)
{
	if (!lb_path_is_component(name))
		return lb_fail(err, LB_EINTEGRITY, "volume name \"%s\" is not a plain name", name);
	int root_fd, rc = lb_open_dir_nofollow(data_root, &root_fd, err);
	if (rc)
		return rc;
	int vols = openat(root_fd, "volumes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int vol = vols < 0 ? -1 : openat(vols, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int data = vol < 0 ? -1 : openat(vol, "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int saved = errno;
	close(root_fd);
	if (vols >= 0)
		close(vols);
	if (vol >= 0)
		close(vol);
	if (data < 0)
		return lb_fail_errno(err, lb_exit_for_errno(saved), saved,
				     "%s/volumes/%s/_data: open (a local volume's data)", data_root, name);
	*fd_out = data;
	return LB_OK;
}

/* An empty directory to diff a volume against: every file is then an
 * addition, and the tar is the whole volume in Docker's export format. */
static int empty_dir(struct lb_oci_layout *l, int *fd_out, struct lb_err *err)
{
	int dfd = lb_oci_layout_dirfd(l);
	if (mkdirat(dfd, EMPTY_DIR, 0700) != 0 && errno != EEXIST)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s/" EMPTY_DIR ": mkdir",
				     lb_oci_layout_path(l));
	int fd = openat(dfd, EMPTY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s/" EMPTY_DIR ": open",
				     lb_oci_layout_path(l));
	*fd_out = fd;
	return LB_OK;
}

static int volume_blob(struct lb_oci_layout *l, const char *data_root, const char *name,
		       int empty_fd, int threads, struct lb_blob_info *info, struct lb_err *err)
{
	int data_fd = -1, rc = open_volume_data(data_root, name, &data_fd, err);
	if (rc)
		return rc;
	struct lb_changes ch = {0};
	struct lb_blob_writer *w = NULL;
	rc = lb_layer_changes(data_fd, empty_fd, &ch, err);
	if (!rc)
		rc = lb_blob_writer_open(lb_oci_layout_blobs_dirfd(l), LB_COMPRESS_GZIP, threads, &w,
					 err);
	if (!rc) {
		struct lb_layer_sink sink = lb_blob_writer_sink(w);
		rc = lb_layer_write_tar(data_fd, &ch, &sink, NULL, err);
		if (!rc)
			rc = lb_blob_writer_finish(w, info, err);
	}
	lb_blob_writer_abort(w);
	lb_changes_free(&ch);
	close(data_fd);
	if (rc)
		lb_err_wrap(err, "volume %s", name);
	return rc;
}

static json_t *descriptor(const char *media_type, const char *digest, uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
			 (json_int_t)size);
}

int lb_carry_stage(struct lb_oci_layout *l, const char *data_root, json_t *spec,
		   const char *image_digest, bool with_volumes, int threads,
		   struct lb_carry_stats *stats, struct lb_err *err)
{
	memset(stats, 0, sizeof(*stats));
	char tag[LB_CARRY_TAG_CAP];
	int rc = lb_carry_tag(image_digest, tag, err);
	if (rc)
		return rc;
	json_t *vols = json_object_get(spec, "volumes");
	json_t *layers = json_array();
	int empty_fd = -1;
	size_t i;
	json_t *v;
	json_array_foreach(vols, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *dest = json_string_value(json_object_get(v, "destination"));
		if (!name || !dest) {
			rc = lb_fail(err, LB_EINTEGRITY, "container spec: volume %zu without a name "
							 "or destination", i);
			break;
		}
		if (!with_volumes) {
			stats->volumes_listed++;
			continue;
		}
		struct lb_blob_info info;
		if (empty_fd < 0 && (rc = empty_dir(l, &empty_fd, err)))
			break;
		if ((rc = volume_blob(l, data_root, name, empty_fd, threads, &info, err)))
			break;
		if ((rc = lb_spec_set_volume_digest(spec, name, info.digest, err)))
			break;
		json_t *d = descriptor(LB_CARRY_VOLUME_TYPE, info.digest, info.size_bytes);
		json_object_set_new(d, "annotations",
				    json_pack("{s:s, s:s}", LB_CARRY_ANN_VOLUME, name,
					      LB_CARRY_ANN_DEST, dest));
		json_array_append_new(layers, d);
		stats->volumes_carried++;
		stats->volume_bytes += info.uncompressed_bytes;
	}
	if (empty_fd >= 0) {
		close(empty_fd);
		unlinkat(lb_oci_layout_dirfd(l), EMPTY_DIR, AT_REMOVEDIR);
	}
	char *spec_text = NULL, *mtext = NULL;
	char *spec_digest = stats->spec_digest;
	size_t spec_len = 0;
	if (!rc)
		rc = lb_spec_format(spec, &spec_text, &spec_len, err);
	if (!rc)
		rc = lb_oci_layout_put_blob(l, spec_text, spec_len, spec_digest, err);
	if (!rc) {
		json_t *m = json_pack("{s:i, s:s, s:o, s:O, s:{s:s}}", "schemaVersion", 2,
				      "mediaType", LB_CARRY_MANIFEST_TYPE, "config",
				      descriptor(LB_CARRY_CONFIG_TYPE, spec_digest, spec_len),
				      "layers", layers, "annotations", LB_CARRY_ANN_IMAGE,
				      image_digest);
		mtext = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(m);
		if (!mtext)
			rc = lb_fail(err, LB_EFAIL, "out of memory");
	}
	if (!rc)
		rc = lb_oci_layout_put_blob(l, mtext, strlen(mtext), stats->manifest_digest, err);
	if (!rc) {
		stats->manifest_size = strlen(mtext);
		rc = lb_oci_layout_set_ref(l, LB_CARRY_LAYOUT_REF, LB_CARRY_MANIFEST_TYPE,
					   stats->manifest_digest, stats->manifest_size, err);
	}
	free(spec_text);
	free(mtext);
	json_decref(layers);
	return rc;
}

int lb_carry_stage_container(const char *layout_dir, const char *data_root,
			     const char *container_id, const char *image_digest, bool with_volumes,
			     int threads, json_t **spec_out, struct lb_carry_stats *stats,
			     struct lb_err *err)
{
	json_t *spec = NULL;
	struct lb_oci_layout *l = NULL;
	int rc = lb_spec_load_container(data_root, container_id, &spec, err);
	if (!rc)
		rc = lb_oci_layout_open(layout_dir, &l, err);
	if (!rc)
		rc = lb_carry_stage(l, data_root, spec, image_digest, with_volumes, threads, stats,
				    err);
	lb_oci_layout_close(l);
	if (!rc && spec_out)
		*spec_out = json_incref(spec);
	json_decref(spec);
	return rc;
}

void lb_carry_free(struct lb_carry *c)
{
	json_decref(c->spec);
	free(c->volumes);
	memset(c, 0, sizeof(*c));
}

static int read_volume(const json_t *d, size_t i, const char *what, struct lb_carry_volume *out,
		       struct lb_err *err)
{
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	const char *digest = json_string_value(json_object_get(d, "digest"));
	json_t *ann = json_object_get(d, "annotations");
	const char *name = json_string_value(json_object_get(ann, LB_CARRY_ANN_VOLUME));
	const char *dest = json_string_value(json_object_get(ann, LB_CARRY_ANN_DEST));
	json_t *size = json_object_get(d, "size");
	if (!mt || strcmp(mt, LB_CARRY_VOLUME_TYPE) || !digest || !lb_digest_valid(digest) ||
	    !name || !lb_path_is_component(name) || strlen(name) >= sizeof(out->name) || !dest ||
	    dest[0] != '/' || strlen(dest) >= sizeof(out->destination) || !json_is_integer(size) ||
	    json_integer_value(size) < 0)
		return lb_fail(err, LB_EINTEGRITY, "%s: layer %zu is not a lifeboat volume", what, i);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->destination, sizeof(out->destination), "%s", dest);
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	out->size = (uint64_t)json_integer_value(size);
	return LB_OK;
}

int lb_carry_parse_manifest(const char *buf, size_t len, const char *what, struct lb_carry *out,
			    char spec_digest[LB_DIGEST_CAP], struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	int rc = m ? LB_OK : lb_fail(err, LB_EINTEGRITY, "%s: manifest is not JSON", what);
	json_t *cfg = json_object_get(m, "config");
	const char *ctype = json_string_value(json_object_get(cfg, "mediaType"));
	const char *cdigest = json_string_value(json_object_get(cfg, "digest"));
	const char *img = json_string_value(
		json_object_get(json_object_get(m, "annotations"), LB_CARRY_ANN_IMAGE));
	json_t *layers = json_object_get(m, "layers");
	if (!rc && (!ctype || strcmp(ctype, LB_CARRY_CONFIG_TYPE) || !cdigest ||
		    !lb_digest_valid(cdigest) || !img || !lb_digest_valid(img) ||
		    !json_is_array(layers) || json_array_size(layers) > LB_CARRY_MAX_VOLUMES))
		rc = lb_fail(err, LB_EINTEGRITY,
			     "%s: not a lifeboat container artifact (config %s)", what,
			     ctype ? ctype : "missing");
	if (!rc) {
		snprintf(spec_digest, LB_DIGEST_CAP, "%s", cdigest);
		snprintf(out->image_digest, sizeof(out->image_digest), "%s", img);
		out->n_volumes = json_array_size(layers);
		out->volumes = calloc(out->n_volumes ? out->n_volumes : 1, sizeof(*out->volumes));
		if (!out->volumes)
			rc = lb_fail(err, LB_EFAIL, "out of memory");
	}
	for (size_t i = 0; !rc && i < out->n_volumes; i++)
		rc = read_volume(json_array_get(layers, i), i, what, &out->volumes[i], err);
	json_decref(m);
	if (rc)
		lb_carry_free(out);
	return rc;
}

int lb_carry_read(const struct lb_oci_layout *l, const char *ref_name, struct lb_carry *out,
		  struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	char mdigest[LB_DIGEST_CAP], mt[128], what[600], cdigest[LB_DIGEST_CAP];
	uint64_t msize;
	char *mbuf = NULL, *sbuf = NULL;
	size_t mlen, slen;
	int rc = lb_oci_layout_resolve(l, ref_name, mdigest, mt, &msize, err);
	snprintf(what, sizeof(what), "%s: %s (%s)", lb_oci_layout_path(l),
		 ref_name ? ref_name : "its image", mdigest);
	if (!rc)
		rc = lb_oci_layout_read_blob(l, mdigest, LB_OCI_SMALL_MAX, &mbuf, &mlen, err);
	if (!rc)
		rc = lb_carry_parse_manifest(mbuf, mlen, what, out, cdigest, err);
	if (!rc)
		rc = lb_oci_layout_read_blob(l, cdigest, LB_OCI_SMALL_MAX, &sbuf, &slen, err);
	/* The spec's own checks are the caller's (lb_spec_check); a blob that
	 * is not even JSON stops here. */
	if (!rc && !(out->spec = json_loadb(sbuf, slen, JSON_REJECT_DUPLICATES, NULL)))
		rc = lb_fail(err, LB_EINTEGRITY, "%s: the container spec is not JSON", what);
	free(mbuf);
	free(sbuf);
	if (rc)
		lb_carry_free(out);
	return rc;
}
