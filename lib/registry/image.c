#include "registry/image.h"
#include "oci/manifest.h"
#include "registry/jobs.h"
#include "registry/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lb_image_xfer_free(struct lb_image_xfer *res)
{
	for (size_t i = 0; res->blobs && i < res->n_blobs; i++)
		if (res->blobs[i].fd >= 0)
			close(res->blobs[i].fd);
	free(res->blobs);
	res->blobs = NULL;
}

static int alloc_blobs(struct lb_image_xfer *res, const struct lb_descriptor *d, size_t n,
		       struct lb_err *err)
{
	res->blobs = calloc(n, sizeof(*res->blobs));
	if (!res->blobs)
		return lb_fail(err, LB_EFAIL, "out of memory");
	res->n_blobs = n;
	for (size_t i = 0; i < n; i++) {
		memcpy(res->blobs[i].digest, d[i].digest, sizeof(d[i].digest));
		res->blobs[i].size = d[i].size;
		res->blobs[i].fd = -1;
	}
	return LB_OK;
}

struct push_job {
	struct lb_push_ctx ctx;
	struct lb_image_xfer *res;
};

static int push_one(void *arg, size_t i, struct lb_err *err)
{
	struct push_job *j = arg;
	return lb_push_blob(&j->ctx, &j->res->blobs[i], err);
}

/* A staged blob the target lacks but an earlier repository of this run
 * has: mount it from there (HEAD on each, with a pull scope for it). A
 * repository the token may not read is skipped, not an error. */
static int pick_mount_source(struct lb_registry *reg, const struct lb_image_ref *ref,
			     const struct lb_image_xfer_opts *o, struct lb_push_blob *b,
			     struct lb_err *err)
{
	if (b->fd < 0 || b->mount_from || !o->n_mount_candidates)
		return LB_OK;
	bool exists;
	uint64_t size;
	int rc = lb_registry_blob_stat(reg, ref->path, b->digest, &exists, &size, err);
	if (rc || exists)
		return rc;
	for (size_t k = 0; k < o->n_mount_candidates; k++) {
		const char *repo = o->mount_candidates[k];
		char scope[700];
		struct lb_err e2;
		if (!strcmp(repo, ref->path))
			continue;
		snprintf(scope, sizeof(scope), "repository:%s:pull", repo);
		if (lb_registry_add_scope(reg, scope, &e2) ||
		    lb_registry_blob_stat(reg, repo, b->digest, &exists, &size, &e2))
			continue;
		if (exists && size == b->size) {
			b->mount_from = repo;
			break;
		}
	}
	return LB_OK;
}

int lb_image_push(struct lb_registry *reg, const struct lb_image_ref *ref, struct lb_oci_layout *l,
		  const struct lb_image_xfer_opts *o, struct lb_image_xfer *res, struct lb_err *err)
{
	double t0 = now_seconds();
	memset(res, 0, sizeof(*res));
	char mdigest[LB_DIGEST_CAP], mt[128], what[600];
	uint64_t msize;
	int rc = lb_oci_layout_resolve(l, o->layout_ref, mdigest, mt, &msize, err);
	if (rc)
		return rc;
	char *mbuf = NULL;
	size_t mlen;
	struct lb_descriptor *desc = NULL;
	size_t n = 0;
	int journal_fd = -1;
	snprintf(what, sizeof(what), "%s: manifest %s", lb_oci_layout_path(l), mdigest);
	if ((rc = lb_oci_layout_read_blob(l, mdigest, LB_OCI_SMALL_MAX, &mbuf, &mlen, err)))
		goto out;
	if ((rc = lb_manifest_blobs(mbuf, mlen, what, &desc, &n, res->media_type, err)))
		goto out;
	if ((rc = alloc_blobs(res, desc, n, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		uint64_t have;
		struct lb_push_blob *b = &res->blobs[i];
		const char *hint = o->mount_hint ? o->mount_hint(o->hint_ctx, b->digest) : NULL;
		b->mount_from = o->mount_from;
		if (hint) { /* not staged: the registry has it or mounts it */
			b->fd = -1;
			b->mount_from = hint[0] ? hint : NULL;
			continue;
		}
		if ((rc = lb_oci_layout_blob_open(l, b->digest, &b->fd, &have, err)))
			goto out;
		if (have != b->size) {
			rc = lb_fail(err, LB_EINTEGRITY, "%s: blob %s is %llu bytes, the manifest says %llu",
				     lb_oci_layout_path(l), b->digest, (unsigned long long)have,
				     (unsigned long long)b->size);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = pick_mount_source(reg, ref, o, &res->blobs[i], err)))
			goto out;
	if ((rc = lb_upload_journal_dir(o->state_fd >= 0 ? o->state_fd : lb_oci_layout_dirfd(l),
					ref->domain, ref->path, &journal_fd, err)))
		goto out;
	struct push_job job = {.ctx = {.reg = reg, .repo = ref->path, .chunk_size = o->chunk_size,
				       .journal_fd = journal_fd, .progress = o->progress,
				       .progress_ctx = o->progress_ctx},
			       .res = res};
	if ((rc = lb_run_jobs(n, o->jobs, push_one, &job, err)))
		goto out;
	/* Every blob is in place: now the manifest. */
	if ((rc = lb_push_manifest(reg, ref->path, lb_image_ref_reference(ref), res->media_type, mbuf,
				   mlen, err)))
		goto out;
	memcpy(res->manifest_digest, mdigest, sizeof(mdigest));
	for (size_t i = 0; i < n; i++) {
		const struct lb_push_blob *b = &res->blobs[i];
		res->bytes_uploaded += b->bytes_sent;
		res->bytes_resent += b->bytes_resent;
		if (b->action == LB_BLOB_EXISTS)
			res->bytes_skipped += b->size;
		if (b->action == LB_BLOB_MOUNTED)
			res->bytes_mounted += b->size;
	}
out:
	if (journal_fd >= 0)
		close(journal_fd);
	free(desc);
	free(mbuf);
	res->seconds = now_seconds() - t0;
	return rc;
}

struct pull_job {
	struct lb_registry *reg;
	const char *repo;
	struct lb_oci_layout *l;
	struct lb_image_xfer *res;
	const struct lb_image_xfer_opts *o;
};

struct pull_progress {
	const struct lb_image_xfer_opts *o;
	const struct lb_push_blob *b;
};

static void pull_progress(void *ctx, uint64_t have)
{
	const struct pull_progress *p = ctx;
	if (have < p->b->size) /* the last word comes with the blob's action */
		p->o->progress(p->o->progress_ctx, p->b, have);
}

static int pull_one(void *arg, size_t i, struct lb_err *err)
{
	struct pull_job *j = arg;
	struct lb_push_blob *b = &j->res->blobs[i];
	bool had;
	struct pull_progress pp = {.o = j->o, .b = b};
	struct lb_pull_progress progress = {.fn = pull_progress, .ctx = &pp};
	int rc = lb_pull_blob(j->reg, j->repo, j->l, b->digest, b->size,
			      j->o->progress ? &progress : NULL, &b->bytes_sent, &had, err);
	b->action = had ? LB_BLOB_EXISTS : LB_BLOB_UPLOADED;
	if (!rc && j->o->progress)
		j->o->progress(j->o->progress_ctx, b, b->size);
	return rc;
}

int lb_image_pull(struct lb_registry *reg, const struct lb_image_ref *ref, struct lb_oci_layout *l,
		  const struct lb_image_xfer_opts *o, struct lb_image_xfer *res, struct lb_err *err)
{
	double t0 = now_seconds();
	memset(res, 0, sizeof(*res));
	struct lb_manifest m;
	int rc = lb_pull_manifest(reg, ref->path, lb_image_ref_reference(ref), &o->platform, &m, err);
	if (rc)
		return rc;
	struct lb_descriptor *desc = NULL;
	size_t n = 0;
	char what[600], stored[LB_DIGEST_CAP];
	snprintf(what, sizeof(what), "%s: %s:%s (manifest %s)", lb_registry_domain(reg), ref->path,
		 lb_image_ref_reference(ref), m.digest);
	if ((rc = lb_manifest_blobs(m.buf, m.len, what, &desc, &n, res->media_type, err)))
		goto out;
	if ((rc = alloc_blobs(res, desc, n, err)))
		goto out;
	struct pull_job job = {.reg = reg, .repo = ref->path, .l = l, .res = res, .o = o};
	if ((rc = lb_run_jobs(n, o->jobs, pull_one, &job, err)))
		goto out;
	if ((rc = lb_oci_layout_put_blob(l, m.buf, m.len, stored, err)))
		goto out;
	const char *name = ref->tag[0] ? ref->tag : ref->digest[0] ? ref->digest : "latest";
	if ((rc = lb_oci_layout_set_ref(l, name, res->media_type, m.digest, m.len, err)))
		goto out;
	memcpy(res->manifest_digest, m.digest, sizeof(m.digest));
	for (size_t i = 0; i < n; i++) {
		res->bytes_fetched += res->blobs[i].bytes_sent;
		if (res->blobs[i].action == LB_BLOB_EXISTS)
			res->bytes_skipped += res->blobs[i].size;
	}
out:
	free(desc);
	lb_manifest_free(&m);
	res->seconds = now_seconds() - t0;
	return rc;
}
