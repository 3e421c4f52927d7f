/* lib/snapshot/import: a full stream then an incremental rebuild exactly
 * the device the test wrote (DATA written, ZERO and UNMAPPED read as zeros,
 * holes in the image); an incremental on the wrong base, a full export
 * where an incremental belongs, an incremental first, or a different block
 * or virtual size are LB_EINTEGRITY naming the file; a damaged second
 * stream fails the whole import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/import.h"

#define BS 65536u
#define BLOCKS 64u

static char dir[] = "/tmp/test_stream_import.XXXXXX";

static struct lb_stream_header header(uint8_t id, uint8_t base)
{
	struct lb_stream_header h = {.block_bytes = BS, .size_bytes = BLOCKS * BS};
	memset(h.uuid, id, sizeof(h.uuid));
	memset(h.base_uuid, base, sizeof(h.base_uuid));
	snprintf(h.name, sizeof(h.name), "snap-%u", id);
	if (base)
		snprintf(h.base_name, sizeof(h.base_name), "snap-%u", base);
	return h;
}

static void block_of(uint8_t seed, uint8_t *p)
{
	for (unsigned i = 0; i < BS; i++)
		p[i] = (uint8_t)(seed * 31 + i / 512);
}

/* A stream file: DATA blocks `data` (seeded with `seed`), UNMAPPED `gone`,
 * ZERO `zero`; each a list ended by UINT64_MAX, in increasing order
 * together. */
static char *write_stream(const char *file, const struct lb_stream_header *h, uint8_t seed,
			  const uint64_t *data, const uint64_t *gone, const uint64_t *zero)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	struct lb_stream_writer *w;
	struct lb_err err = {0};
	assert_int_equal(lb_stream_writer_open(fd, path, h, 1, 1, &w, &err), 0);
	uint8_t *buf = malloc(BS);
	for (uint64_t v = 0; v < BLOCKS; v++) {
		if (*data == v) {
			block_of((uint8_t)(seed + v), buf);
			assert_int_equal(lb_stream_put_data(w, v, 1, buf, &err), 0);
			data++;
		} else if (*gone == v) {
			assert_int_equal(lb_stream_put_unmapped(w, v, 1, &err), 0);
			gone++;
		} else if (*zero == v) {
			assert_int_equal(lb_stream_put_zero(w, v, 1, &err), 0);
			zero++;
		}
	}
	assert_int_equal(lb_stream_writer_finish(w, NULL, &err), 0);
	close(fd);
	free(buf);
	return strdup(path);
}

static const uint64_t none[] = {UINT64_MAX};

static int import(const char *a, const char *b, struct lb_err *err, int *out_fd)
{
	char img[256];
	snprintf(img, sizeof(img), "%s/image", dir);
	int fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	const char *files[] = {a, b};
	struct lb_stream_result res[2];
	int rc = lb_import_streams(files, b ? 2 : 1, fd, img, res, err);
	if (out_fd)
		*out_fd = fd;
	else
		close(fd);
	return rc;
}

static void test_full_then_incremental(void **state)
{
	(void)state;
	const uint64_t full_data[] = {1, 2, 3, 10, 40, UINT64_MAX};
	struct lb_stream_header h1 = header(1, 0), h2 = header(2, 1);
	char *full = write_stream("full", &h1, 0, full_data, none, none);
	/* The incremental: 2 rewritten, 3 unmapped, 10 zeroed, 50 new. */
	const uint64_t inc_data[] = {2, 50, UINT64_MAX}, inc_gone[] = {3, UINT64_MAX},
		       inc_zero[] = {10, UINT64_MAX};
	char *inc = write_stream("inc", &h2, 100, inc_data, inc_gone, inc_zero);
	struct lb_err err = {0};
	int fd;
	assert_int_equal(import(full, inc, &err, &fd), 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, BLOCKS * BS);
	/* Only blocks 1, 2, 40 and 50 hold data: 3 and 10 were punched. */
	if (st.st_blocks * 512 > 5 * BS)
		fail_msg("the image allocates %lld bytes", (long long)st.st_blocks * 512);
	uint8_t *got = malloc(BS), *want = malloc(BS);
	for (uint64_t v = 0; v < BLOCKS; v++) {
		memset(want, 0, BS);
		if (v == 1 || v == 40)
			block_of((uint8_t)v, want);
		if (v == 2 || v == 50)
			block_of((uint8_t)(100 + v), want);
		assert_int_equal(pread(fd, got, BS, (off_t)(v * BS)), BS);
		if (memcmp(got, want, BS))
			fail_msg("block %llu differs", (unsigned long long)v);
	}
	close(fd);
	free(got);
	free(want);
	free(full);
	free(inc);
}

static void expect_chain_refused(const char *a, const char *b, const char *names,
				 const char *why)
{
	struct lb_err err = {0};
	assert_int_equal(import(a, b, &err, NULL), LB_EINTEGRITY);
	if (!strstr(err.msg, why) || !strstr(err.msg, names))
		fail_msg("expected '%s' naming %s in: %s", why, names, err.msg);
}

static void test_chain_refusals(void **state)
{
	(void)state;
	const uint64_t d[] = {0, UINT64_MAX};
	struct lb_stream_header h1 = header(1, 0), h2 = header(2, 1), h3 = header(3, 9);
	char *full = write_stream("full", &h1, 0, d, none, none);
	char *inc = write_stream("inc", &h2, 0, d, none, none);
	char *stranger = write_stream("stranger", &h3, 0, d, none, none);
	expect_chain_refused(full, stranger, "stranger", "wrong base");
	expect_chain_refused(inc, NULL, "inc", "first stream must be a full export");
	expect_chain_refused(full, full, "full", "a full export where an incremental");
	struct lb_stream_header small = header(2, 1);
	small.size_bytes -= BS;
	char *resized = write_stream("resized", &small, 0, d, none, none);
	expect_chain_refused(full, resized, "resized", "virtual size");
	/* A damaged incremental fails the import, naming it. */
	int fd = open(inc, O_RDWR);
	uint8_t byte;
	assert_int_equal(pread(fd, &byte, 1, 400), 1);
	byte ^= 0x40;
	assert_int_equal(pwrite(fd, &byte, 1, 400), 1);
	close(fd);
	expect_chain_refused(full, inc, "inc", "checksum");
	free(full);
	free(inc);
	free(stranger);
	free(resized);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_then_incremental),
		cmocka_unit_test(test_chain_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
