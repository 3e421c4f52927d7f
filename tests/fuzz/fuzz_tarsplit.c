/* libFuzzer target: lib/layer/tarsplit's rebuild of a layer tar, from
 * tar-split lines the input makes, over a tiny layer root made once (the
 * same tree tests/fuzz/seeds.sh records with the real tar-split for the
 * seeds). The first input byte picks how the rest is given:
 *   bit 0: the rest is the .gz file itself (lib/layer/gunzip), else the
 *          decompressed lines;
 *   bits 1-3: lines arrive in pieces of 1, 2, 3, 7, 64, 512, 4096 bytes
 *          or whole, so a line cut anywhere is joined up;
 *   bit 4: an expected diff id (that of the seeds' tar) is given.
 * Promises, beyond no crash, leak, overflow or hang:
 *   - the result is success or LB_EINTEGRITY, with a one-line printable
 *     message (names and jansson's quotes of the input are escaped);
 *   - on success, the sink got exactly tar_bytes bytes, their sha256 is the
 *     diff_id reported, and it equals the expected one when one was given;
 *   - no byte of a file outside the root reaches the sink: a symlink in the
 *     root points at one, and "..", absolute names and links are refused. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer/tarsplit.h"

/* The sha256 of the tar of the fuzz root (./a, ./d/b) as GNU tar 1.34
 * writes it in tests/fuzz/seeds.sh seed_tarsplit: with it, seeds can
 * succeed with an expected diff id. */
#define SEED_DIFF_ID "sha256:ce36b08e9de6c35590633157a4fff0011bda8a63522c9e5002e850e36a5067bd"

#define OUTSIDE_MARK "lifeboat-fuzz: a file outside the layer root"

static int write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(text, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

static char top_dir[] = "/tmp/lb-fuzz-tarsplit.XXXXXX";

/* What layer_root made, removed when the fuzzer exits. */
static void remove_root(void)
{
	static const char *const made[] = { "root/a", "root/d/b", "root/l", "root/ld",
					     "outside/secret", "root/d", "root", "outside" };
	char path[512];
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", top_dir, made[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(top_dir);
}

/* The root, made on the first call and kept for the process: "a" (hello),
 * "d/b" (1000 bytes of 'x'), links to a file and a directory outside. */
static int layer_root(void)
{
	static int root_fd = -1;
	if (root_fd >= 0)
		return root_fd;
	const char *top = mkdtemp(top_dir);
	if (!top)
		abort();
	atexit(remove_root);
	char root[256], path[512];
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(path, sizeof(path), "%s/outside", top);
	if (mkdir(root, 0755) || mkdir(path, 0755))
		abort();
	char xs[1000];
	memset(xs, 'x', sizeof(xs));
	snprintf(path, sizeof(path), "%s/d", root);
	if (write_file(root, "a", "hello\n", 6) || mkdir(path, 0755) ||
	    write_file(root, "d/b", xs, sizeof(xs)) ||
	    write_file(top, "outside/secret", OUTSIDE_MARK, strlen(OUTSIDE_MARK)))
		abort();
	snprintf(path, sizeof(path), "%s/l", root);
	if (symlink("../outside/secret", path))
		abort();
	snprintf(path, sizeof(path), "%s/ld", root);
	if (symlink("../outside", path))
		abort();
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		abort();
	return root_fd;
}

struct mem_source {
	const uint8_t *p;
	size_t n, piece;
};

static int mem_read(void *ctx, void *buf, size_t cap, size_t *got, struct lb_err *err)
{
	(void)err;
	struct mem_source *m = ctx;
	size_t n = m->n < cap ? m->n : cap;
	if (n > m->piece)
		n = m->piece;
	memcpy(buf, m->p, n);
	m->p += n;
	m->n -= n;
	*got = n;
	return LB_OK;
}

struct checking_sink {
	EVP_MD_CTX *sha;
	uint64_t bytes;
	/* the tail of what came before, to find the mark across writes */
	char tail[sizeof(OUTSIDE_MARK)];
	size_t tail_len;
};

static int sink_write(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	(void)err;
	struct checking_sink *s = ctx;
	if (EVP_DigestUpdate(s->sha, buf, len) != 1)
		abort();
	s->bytes += len;
	size_t mark = strlen(OUTSIDE_MARK);
	char *joined = malloc(s->tail_len + len);
	if (!joined)
		abort();
	memcpy(joined, s->tail, s->tail_len);
	memcpy(joined + s->tail_len, buf, len);
	size_t joined_len = s->tail_len + len;
	if (memmem(joined, joined_len, OUTSIDE_MARK, mark))
		abort();
	s->tail_len = joined_len < mark - 1 ? joined_len : mark - 1;
	memcpy(s->tail, joined + joined_len - s->tail_len, s->tail_len);
	free(joined);
	return LB_OK;
}

static void printable_one_line(const char *msg)
{
	if (!memchr(msg, '\0', sizeof(((struct lb_err *)0)->msg)) || !msg[0])
		abort();
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || (unsigned char)*msg >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t pieces[8] = { 1, 2, 3, 7, 64, 512, 4096, SIZE_MAX };
	if (size < 1)
		return 0;
	int root_fd = layer_root();
	uint8_t mode = data[0];
	const char *expected = (mode & 0x10) ? SEED_DIFF_ID : NULL;
	struct checking_sink s = { .sha = EVP_MD_CTX_new() };
	if (!s.sha || EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL) != 1)
		abort();
	struct lb_layer_sink sink = { .write = sink_write, .ctx = &s };
	struct lb_tarsplit_stats stats;
	struct lb_err err = { 0 };
	int rc;
	if (mode & 1) {
		int fd = memfd_create("tar-split.json.gz", MFD_CLOEXEC);
		if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
		    lseek(fd, 0, SEEK_SET) != 0)
			abort();
		rc = lb_tarsplit_rebuild(fd, root_fd, expected, &sink, &stats, &err);
		close(fd);
	} else {
		struct mem_source m = { data + 1, size - 1, pieces[(mode >> 1) & 7] };
		struct lb_tarsplit_source source = { .read = mem_read, .ctx = &m };
		rc = lb_tarsplit_rebuild_from(&source, root_fd, expected, &sink, &stats, &err);
	}
	if (rc != LB_OK && rc != LB_EINTEGRITY)
		abort();
	if (rc)
		printable_one_line(err.msg);
	if (stats.tar_bytes != s.bytes)
		abort();
	unsigned char md[32];
	unsigned md_len;
	if (EVP_DigestFinal_ex(s.sha, md, &md_len) != 1)
		abort();
	EVP_MD_CTX_free(s.sha);
	if (rc == LB_OK) {
		char hex[LB_TARSPLIT_DIGEST_CAP] = "sha256:";
		for (unsigned i = 0; i < md_len; i++)
			snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
		if (strcmp(hex, stats.diff_id) != 0 || (expected && strcmp(expected, hex) != 0))
			abort();
	}
	return 0;
}
