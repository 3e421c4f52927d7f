#include "layer/tarsplit.h"

#include "layer/tarsplit_entry.h"
#include "util/crc64.h"
#include "layer/gunzip.h"
#include "util/nofollow.h"
#include "util/printable.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How much of a member's name a message shows (escaped). */
#define NAME_SHOWN 256

struct rebuild {
	int root_fd;
	const struct lb_layer_sink *sink;
	struct lb_tarsplit_stats *stats;
	EVP_MD_CTX *sha;
	uint64_t line_nr; /* of the line being read or handled, 1-based */
	char *line;       /* the line being gathered, up to its newline */
	size_t line_len, line_cap;
	struct lb_crc64_table crc;
	char in[64 * 1024];            /* decompressed lines */
	unsigned char copy[128 * 1024]; /* a member's content */
};

static void show_name(char out[LB_PRINTABLE_CAP(NAME_SHOWN)], const struct lb_tarsplit_entry *e)
{
	lb_printable_n(out, LB_PRINTABLE_CAP(NAME_SHOWN), e->name,
		       e->name_len < NAME_SHOWN ? e->name_len : NAME_SHOWN);
}

static int emit(struct rebuild *rb, const void *buf, size_t len, struct lb_err *err)
{
	if (len == 0)
		return LB_OK;
	if (EVP_DigestUpdate(rb->sha, buf, len) != 1)
		return lb_fail(err, LB_EFAIL, "tar-split: sha256 failed");
	int rc = rb->sink->write(rb->sink->ctx, buf, len, err);
	if (rc)
		return rc;
	rb->stats->tar_bytes += len;
	return LB_OK;
}

/* A member's file beneath the root. Whatever keeps it from being opened
 * as a regular file without following a link means the layer is not the
 * one the tar-split describes: LB_EINTEGRITY, unless the system failed. */
static int open_member(struct rebuild *rb, const struct lb_tarsplit_entry *e, int *fd,
		       struct lb_err *err)
{
	char shown[LB_PRINTABLE_CAP(NAME_SHOWN)];
	show_name(shown, e);
	struct lb_err why = { 0 };
	int rc = lb_open_file_nofollow_at(rb->root_fd, e->name, fd, &why);
	if (rc == LB_OK)
		return LB_OK;
	if (rc == LB_ENOTFOUND)
		return lb_fail(err, LB_EINTEGRITY,
			       "tar-split: %s: missing from the layer (line %llu)", shown,
			       (unsigned long long)rb->line_nr);
	char reason[LB_PRINTABLE_CAP(200)];
	lb_printable_n(reason, sizeof(reason), why.msg, strnlen(why.msg, 200));
	return lb_fail(err, rc == LB_EFAIL ? LB_EFAIL : LB_EINTEGRITY,
		       "tar-split: %s: cannot be read from the layer (line %llu): %s", shown,
		       (unsigned long long)rb->line_nr, reason);
}

/* Exactly size_bytes of the member's content, checked against its CRC-64
 * as it goes. A file with more bytes than that is not the file the tar
 * held either. */
static int stream_member(struct rebuild *rb, const struct lb_tarsplit_entry *e, int fd,
			 struct lb_err *err)
{
	char shown[LB_PRINTABLE_CAP(NAME_SHOWN)];
	uint64_t left = e->size_bytes, crc = 0;
	while (left > 0) {
		size_t want = left < sizeof(rb->copy) ? (size_t)left : sizeof(rb->copy);
		ssize_t n = read(fd, rb->copy, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			show_name(shown, e);
			if (n < 0)
				return lb_fail_errno(err, LB_EFAIL, errno, "tar-split: %s: cannot read",
						     shown);
			return lb_fail(err, LB_EINTEGRITY,
				       "tar-split: %s: shorter than recorded (%llu of %llu bytes; line %llu)",
				       shown, (unsigned long long)(e->size_bytes - left),
				       (unsigned long long)e->size_bytes, (unsigned long long)rb->line_nr);
		}
		crc = lb_crc64_update(&rb->crc, crc, rb->copy, (size_t)n);
		int rc = emit(rb, rb->copy, (size_t)n, err);
		if (rc)
			return rc;
		left -= (uint64_t)n;
	}
	rb->stats->files++;
	rb->stats->file_bytes += e->size_bytes;
	show_name(shown, e);
	if (crc != e->crc64)
		return lb_fail(err, LB_EINTEGRITY,
			       "tar-split: %s: CRC-64 mismatch (expected %016llx, got %016llx; line %llu)",
			       shown, (unsigned long long)e->crc64, (unsigned long long)crc,
			       (unsigned long long)rb->line_nr);
	unsigned char extra;
	ssize_t n;
	do
		n = read(fd, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return lb_fail(err, LB_EINTEGRITY,
			       "tar-split: %s: longer than the %llu bytes recorded (line %llu)", shown,
			       (unsigned long long)e->size_bytes, (unsigned long long)rb->line_nr);
	return LB_OK;
}

static int handle_line(struct rebuild *rb, struct lb_err *err)
{
	struct lb_tarsplit_entry e;
	int rc = lb_tarsplit_entry_parse(rb->line, rb->line_len, rb->line_nr, rb->line_nr - 1, &e,
					 err);
	if (rc)
		return rc;
	rb->stats->lines++;
	if (e.type == LB_TARSPLIT_SEGMENT) {
		rc = emit(rb, e.payload, e.payload_len, err);
	} else if (e.size_bytes > 0) {
		/* Only content is read: an empty member (a directory, a link,
		 * an empty file) is all header, already in a segment. */
		int fd;
		rc = open_member(rb, &e, &fd, err);
		if (!rc) {
			rc = stream_member(rb, &e, fd, err);
			close(fd);
		}
	}
	lb_tarsplit_entry_clear(&e);
	return rc;
}

/* Appends len bytes to the line being gathered, within the cap. */
static int gather(struct rebuild *rb, const char *p, size_t len, struct lb_err *err)
{
	if (len == 0)
		return LB_OK;
	if (rb->line_len + len > LB_TARSPLIT_LINE_CAP)
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: longer than %zu bytes",
			       (unsigned long long)rb->line_nr, LB_TARSPLIT_LINE_CAP);
	if (rb->line_len + len > rb->line_cap) {
		size_t cap = rb->line_cap;
		while (cap < rb->line_len + len)
			cap *= 2;
		char *grown = realloc(rb->line, cap);
		if (!grown)
			return lb_fail(err, LB_EFAIL, "tar-split line %llu: out of memory",
				       (unsigned long long)rb->line_nr);
		rb->line = grown;
		rb->line_cap = cap;
	}
	memcpy(rb->line + rb->line_len, p, len);
	rb->line_len += len;
	return LB_OK;
}

/* Splits what the source gives into lines and handles each. The file ends
 * with a newline; a last line without one is taken too, as tar-split's own
 * reader does. */
static int read_lines(struct rebuild *rb, const struct lb_tarsplit_source *source,
		      struct lb_err *err)
{
	rb->line_nr = 1;
	for (;;) {
		size_t got;
		int rc = source->read(source->ctx, rb->in, sizeof(rb->in), &got, err);
		if (rc) {
			lb_err_wrap(err, "tar-split line %llu", (unsigned long long)rb->line_nr);
			return rc;
		}
		if (got == 0)
			break;
		const char *p = rb->in, *end = p + got;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if ((rc = gather(rb, p, (size_t)((nl ? nl : end) - p), err)))
				return rc;
			if (!nl)
				break;
			if ((rc = handle_line(rb, err)))
				return rc;
			rb->line_len = 0;
			rb->line_nr++;
			p = nl + 1;
		}
	}
	return rb->line_len > 0 ? handle_line(rb, err) : LB_OK;
}

static bool is_sha256_digest(const char *d)
{
	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return false;
	for (d += 7; *d; d++)
		if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'f')))
			return false;
	return true;
}

static int finish_digest(struct rebuild *rb, const char *expected, struct lb_err *err)
{
	unsigned char md[32];
	unsigned int md_len = 0;
	if (EVP_DigestFinal_ex(rb->sha, md, &md_len) != 1 || md_len != sizeof(md))
		return lb_fail(err, LB_EFAIL, "tar-split: sha256 failed");
	char *out = rb->stats->diff_id;
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < md_len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	if (expected && strcmp(expected, out) != 0)
		return lb_fail(err, LB_EINTEGRITY,
			       "tar-split: the rebuilt tar is %s, not the layer's diff id %s", out,
			       expected);
	return LB_OK;
}

int lb_tarsplit_rebuild_from(const struct lb_tarsplit_source *source, int root_dirfd,
			     const char *expected_diff_id, const struct lb_layer_sink *sink,
			     struct lb_tarsplit_stats *stats, struct lb_err *err)
{
	struct lb_tarsplit_stats own;
	if (!stats)
		stats = &own;
	memset(stats, 0, sizeof(*stats));
	if (expected_diff_id && !is_sha256_digest(expected_diff_id))
		return lb_fail(err, LB_EUSAGE, "tar-split: expected diff id %.80s is not sha256:<hex>",
			       expected_diff_id);
	/* Not calloc: the buffers need no zeroing, and a layer store rebuilds
	 * many layers. */
	struct rebuild *rb = malloc(sizeof(*rb));
	char *line = malloc(4096);
	if (!rb || !line) {
		free(rb);
		free(line);
		return lb_fail(err, LB_EFAIL, "tar-split: out of memory");
	}
	rb->root_fd = root_dirfd;
	rb->sink = sink;
	rb->stats = stats;
	rb->line_nr = 0;
	rb->line = line;
	rb->line_len = 0;
	rb->line_cap = 4096;
	lb_crc64_table_init(&rb->crc);
	int rc;
	rb->sha = EVP_MD_CTX_new();
	if (!rb->sha || EVP_DigestInit_ex(rb->sha, EVP_sha256(), NULL) != 1)
		rc = lb_fail(err, LB_EFAIL, "tar-split: cannot start sha256");
	else if (!(rc = read_lines(rb, source, err)))
		rc = finish_digest(rb, expected_diff_id, err);
	EVP_MD_CTX_free(rb->sha);
	free(rb->line);
	free(rb);
	return rc;
}

static int gunzip_read(void *ctx, void *buf, size_t cap, size_t *got, struct lb_err *err)
{
	return lb_gunzip_read(ctx, buf, cap, got, err);
}

int lb_tarsplit_rebuild(int tarsplit_gz_fd, int root_dirfd, const char *expected_diff_id,
			const struct lb_layer_sink *sink, struct lb_tarsplit_stats *stats,
			struct lb_err *err)
{
	struct lb_gunzip *gz = malloc(sizeof(*gz));
	if (!gz)
		return lb_fail(err, LB_EFAIL, "tar-split: out of memory");
	int rc = lb_gunzip_begin(gz, tarsplit_gz_fd, err);
	if (!rc) {
		struct lb_tarsplit_source source = { .read = gunzip_read, .ctx = gz };
		rc = lb_tarsplit_rebuild_from(&source, root_dirfd, expected_diff_id, sink, stats,
					      err);
		lb_gunzip_end(gz);
	}
	free(gz);
	return rc;
}
