/* The blob file: compression dispatch, both digests, the temporary file and
 * its atomic rename to the digest's name. */
#include "layer/blob.h"
#include "layer/gzip_members.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* pigz's and gzip's default level; zstd's default level. */
#define GZIP_LEVEL 6
#define ZSTD_LEVEL 3
/* More threads than this buy little and cost a chunk pair each. */
#define MAX_THREADS 8
#define ZSTD_JOB_BYTES (1 << 20)

struct lb_blob_writer {
	int dir_fd;
	int fd;
	bool anonymous; /* O_TMPFILE: no name until finish links it */
	bool finished;
	char tmp_name[32];
	enum lb_compress compress;
	EVP_MD_CTX *tar_md, *file_md;
	uint64_t tar_bytes, file_bytes;
	struct lb_gzip_members *gzip;
	ZSTD_CCtx *zstd;
	unsigned char *zstd_out;
	size_t zstd_out_cap;
	int failed_rc; /* sticky: a stream that lost bytes must never finish */
};

/* Appends to the file and the file's digest: the one place bytes land. */
static int write_file(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	struct lb_blob_writer *w = ctx;
	if (EVP_DigestUpdate(w->file_md, buf, len) != 1)
		return lb_fail(err, LB_EFAIL, "blob: sha256 failed");
	const unsigned char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "blob %s: write",
					     w->anonymous ? "(temporary file)" : w->tmp_name);
		p += n;
		left -= (size_t)n;
	}
	w->file_bytes += len;
	return LB_OK;
}

static int zstd_step(struct lb_blob_writer *w, ZSTD_inBuffer *in, ZSTD_EndDirective mode,
		     struct lb_err *err)
{
	for (;;) {
		ZSTD_outBuffer out = {w->zstd_out, w->zstd_out_cap, 0};
		size_t left = ZSTD_compressStream2(w->zstd, &out, in, mode);
		if (ZSTD_isError(left))
			return lb_fail(err, LB_EFAIL, "blob: zstd: %s", ZSTD_getErrorName(left));
		int rc = out.pos ? write_file(w, w->zstd_out, out.pos, err) : LB_OK;
		if (rc)
			return rc;
		/* continue: until the input is taken; end: until zstd says 0 left. */
		if (mode == ZSTD_e_end ? left == 0 : in->pos == in->size)
			return LB_OK;
	}
}

static int write_tar(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	struct lb_blob_writer *w = ctx;
	if (w->failed_rc)
		return lb_fail(err, w->failed_rc, "blob: an earlier write failed");
	int rc = LB_OK;
	if (EVP_DigestUpdate(w->tar_md, buf, len) != 1)
		rc = lb_fail(err, LB_EFAIL, "blob: sha256 failed");
	w->tar_bytes += len;
	if (rc == LB_OK && w->compress == LB_COMPRESS_GZIP)
		rc = lb_gzip_members_write(w->gzip, buf, len, err);
	else if (rc == LB_OK && w->compress == LB_COMPRESS_ZSTD) {
		ZSTD_inBuffer in = {buf, len, 0};
		rc = zstd_step(w, &in, ZSTD_e_continue, err);
	} else if (rc == LB_OK)
		rc = write_file(w, buf, len, err);
	w->failed_rc = rc;
	return rc;
}

struct lb_layer_sink lb_blob_writer_sink(struct lb_blob_writer *w)
{
	return (struct lb_layer_sink){.write = write_tar, .ctx = w};
}

static int name_temp(struct lb_blob_writer *w, struct lb_err *err)
{
	unsigned char rnd[8];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return lb_fail_errno(err, LB_EFAIL, errno, "blob: getrandom");
	snprintf(w->tmp_name, sizeof(w->tmp_name), ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	return LB_OK;
}

static int create_temp(struct lb_blob_writer *w, struct lb_err *err)
{
	/* Anonymous first: a crash then leaves nothing behind to clean up. */
	w->fd = openat(w->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (w->fd >= 0) {
		w->anonymous = true;
		return LB_OK;
	}
	int rc = name_temp(w, err);
	if (rc)
		return rc;
	w->fd = openat(w->dir_fd, w->tmp_name,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "blob %s: create",
				     w->tmp_name);
	return LB_OK;
}

static int start_compressor(struct lb_blob_writer *w, int threads, struct lb_err *err)
{
	if (threads <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (int)cpus : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (w->compress == LB_COMPRESS_GZIP) {
		struct lb_layer_sink out = {.write = write_file, .ctx = w};
		return lb_gzip_members_open(threads, GZIP_LEVEL, out, &w->gzip, err);
	}
	if (w->compress != LB_COMPRESS_ZSTD)
		return LB_OK;
	w->zstd_out_cap = ZSTD_CStreamOutSize();
	if (!(w->zstd = ZSTD_createCCtx()) || !(w->zstd_out = malloc(w->zstd_out_cap)))
		return lb_fail(err, LB_EFAIL, "blob: zstd: out of memory");
	size_t r = ZSTD_CCtx_setParameter(w->zstd, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(w->zstd, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(r))
		return lb_fail(err, LB_EFAIL, "blob: zstd: %s", ZSTD_getErrorName(r));
	/* A libzstd built without threads refuses workers: then it runs in ours.
	 * Its default job (4 windows, 8 MiB at level 3) costs ~30 MiB a worker;
	 * 1 MiB jobs keep a push's RSS flat for a small loss of ratio. */
	if (threads > 1 && !ZSTD_isError(ZSTD_CCtx_setParameter(w->zstd, ZSTD_c_nbWorkers, threads)))
		(void)ZSTD_CCtx_setParameter(w->zstd, ZSTD_c_jobSize, ZSTD_JOB_BYTES);
	return LB_OK;
}

int lb_blob_writer_open(int dir_fd, enum lb_compress compress, int threads,
			struct lb_blob_writer **out, struct lb_err *err)
{
	*out = NULL;
	if (compress != LB_COMPRESS_GZIP && compress != LB_COMPRESS_ZSTD &&
	    compress != LB_COMPRESS_NONE)
		return lb_fail(err, LB_EUSAGE, "blob: unknown compression %d", (int)compress);
	struct lb_blob_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return lb_fail(err, LB_EFAIL, "blob: out of memory");
	w->dir_fd = dir_fd;
	w->fd = -1;
	w->compress = compress;
	int rc = LB_OK;
	if (!(w->tar_md = EVP_MD_CTX_new()) || !(w->file_md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(w->tar_md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(w->file_md, EVP_sha256(), NULL) != 1)
		rc = lb_fail(err, LB_EFAIL, "blob: sha256 unavailable");
	if (rc == LB_OK)
		rc = create_temp(w, err);
	if (rc == LB_OK)
		rc = start_compressor(w, threads, err);
	if (rc) {
		lb_blob_writer_abort(w);
		return rc;
	}
	*out = w;
	return LB_OK;
}

static int digest_hex(EVP_MD_CTX *md, char out[LB_DIGEST_LEN + 1], struct lb_err *err)
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (EVP_DigestFinal_ex(md, sum, &len) != 1 || len != 32)
		return lb_fail(err, LB_EFAIL, "blob: sha256 failed");
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", sum[i]);
	return LB_OK;
}

/* The file under its final name, replacing any file of that name: the name
 * is the content's digest, so it can only hold these same bytes. */
static int publish(struct lb_blob_writer *w, const char *final, struct lb_err *err)
{
	if (w->anonymous) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
		int rc = name_temp(w, err);
		if (rc)
			return rc;
		if (linkat(AT_FDCWD, proc, w->dir_fd, w->tmp_name, AT_SYMLINK_FOLLOW))
			return lb_fail_errno(err, LB_EFAIL, errno, "blob %s: link", w->tmp_name);
		w->anonymous = false; /* named now: abort must remove it */
	}
	if (renameat(w->dir_fd, w->tmp_name, w->dir_fd, final))
		return lb_fail_errno(err, LB_EFAIL, errno, "blob %s: rename to %s", w->tmp_name,
				     final);
	w->finished = true;
	if (fsync(w->dir_fd))
		return lb_fail_errno(err, LB_EFAIL, errno, "blob %s: fsync its directory", final);
	return LB_OK;
}

int lb_blob_writer_finish(struct lb_blob_writer *w, struct lb_blob_info *out, struct lb_err *err)
{
	if (w->failed_rc)
		return lb_fail(err, w->failed_rc, "blob: an earlier write failed");
	if (w->finished)
		return lb_fail(err, LB_EUSAGE, "blob: already finished");
	int rc = LB_OK;
	if (w->compress == LB_COMPRESS_GZIP)
		rc = lb_gzip_members_finish(w->gzip, err);
	else if (w->compress == LB_COMPRESS_ZSTD) {
		ZSTD_inBuffer none = {NULL, 0, 0};
		rc = zstd_step(w, &none, ZSTD_e_end, err);
	}
	struct lb_blob_info info = {.uncompressed_bytes = w->tar_bytes};
	if (rc == LB_OK)
		rc = digest_hex(w->tar_md, info.diff_id, err);
	if (rc == LB_OK)
		rc = digest_hex(w->file_md, info.digest, err);
	info.size_bytes = w->file_bytes;
	if (rc == LB_OK && fsync(w->fd))
		rc = lb_fail_errno(err, LB_EFAIL, errno, "blob %s: fsync", info.digest);
	if (rc == LB_OK)
		rc = publish(w, info.digest + 7, err);
	w->failed_rc = rc;
	if (rc == LB_OK)
		*out = info;
	return rc;
}

void lb_blob_writer_abort(struct lb_blob_writer *w)
{
	if (!w)
		return;
	lb_gzip_members_free(w->gzip);
	ZSTD_freeCCtx(w->zstd);
	free(w->zstd_out);
	if (w->fd >= 0)
		close(w->fd);
	if (!w->finished && !w->anonymous && w->tmp_name[0])
		unlinkat(w->dir_fd, w->tmp_name, 0);
	EVP_MD_CTX_free(w->tar_md);
	EVP_MD_CTX_free(w->file_md);
	free(w);
}
