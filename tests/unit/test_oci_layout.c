/* lib/oci/layout: creating, refusing, storing blobs and refs; and
 * lib/oci/manifest: the blobs a manifest names. The layout skopeo reads is
 * proven in tests/host/t1910; here the refusals and edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/layout.h"
#include "oci/manifest.h"

static char base[] = "/tmp/lb-test-layout.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd);
}

static void create_put_resolve_reopen(void **state)
{
	(void)state;
	char dir[200];
	snprintf(dir, sizeof(dir), "%s/new", base);
	struct lb_oci_layout *l;
	struct lb_err err;
	assert_int_equal(lb_oci_layout_create(dir, &l, &err), 0);
	char digest[LB_DIGEST_CAP];
	assert_int_equal(lb_oci_layout_put_blob(l, "hello", 5, digest, &err), 0);
	assert_string_equal(digest,
			    "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(lb_oci_layout_set_ref(l, "v1", "application/x", digest, 5, &err), 0);
	assert_int_equal(lb_oci_layout_set_ref(l, "v1", "application/x", digest, 5, &err), 0);
	lb_oci_layout_close(l);

	assert_int_equal(lb_oci_layout_open(dir, &l, &err), 0);
	char got[LB_DIGEST_CAP], mt[128];
	uint64_t size;
	assert_int_equal(lb_oci_layout_resolve(l, NULL, got, mt, &size, &err), 0); /* one entry, not two */
	assert_string_equal(got, digest);
	assert_int_equal(size, 5);
	assert_int_equal(lb_oci_layout_resolve(l, "v2", got, mt, &size, &err), LB_ENOTFOUND);
	int fd;
	assert_int_equal(lb_oci_layout_blob_open(l, digest, &fd, &size, &err), 0);
	close(fd);
	assert_int_equal(lb_oci_layout_blob_open(l, "sha256:../../oci-layout", &fd, &size, &err), LB_EUSAGE);
	assert_int_equal(lb_oci_layout_blob_open(l, "sha256:" "0000000000000000000000000000000000000000000000000000000000000000",
						 &fd, &size, &err), LB_ENOTFOUND);
	/* A blob whose bytes are not its name is caught on read. */
	int bfd = openat(lb_oci_layout_blobs_dirfd(l), digest + 7, O_WRONLY | O_TRUNC);
	assert_true(bfd >= 0);
	assert_int_equal(write(bfd, "HELLO", 5), 5);
	close(bfd);
	char *buf;
	size_t len;
	assert_int_equal(lb_oci_layout_read_blob(l, digest, 100, &buf, &len, &err), LB_EINTEGRITY);
	lb_oci_layout_close(l);
}

static void a_foreign_directory_is_refused(void **state)
{
	(void)state;
	char dir[200], file[250];
	snprintf(dir, sizeof(dir), "%s/foreign", base);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/precious", dir);
	FILE *f = fopen(file, "w");
	fputs("x", f);
	fclose(f);
	struct lb_oci_layout *l;
	struct lb_err err;
	assert_int_equal(lb_oci_layout_create(dir, &l, &err), LB_EUNSAFE);
	assert_int_equal(lb_oci_layout_open(dir, &l, &err), LB_ENOTFOUND);
	/* blobs/sha256 as a symlink is not followed */
	snprintf(dir, sizeof(dir), "%s/linked", base);
	assert_int_equal(lb_oci_layout_create(dir, &l, &err), 0);
	lb_oci_layout_close(l);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/blobs/sha256' && ln -s /tmp '%s/blobs/sha256'", dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(lb_oci_layout_open(dir, &l, &err), LB_EINTEGRITY);
}

static void manifests_name_config_then_layers(void **state)
{
	(void)state;
	const char *m = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			"\"config\":{\"digest\":\"sha256:" "1111111111111111111111111111111111111111111111111111111111111111"
			"\",\"size\":10},\"layers\":[{\"digest\":\"sha256:"
			"2222222222222222222222222222222222222222222222222222222222222222\",\"size\":20}]}";
	struct lb_descriptor *d;
	size_t n;
	char mt[128];
	struct lb_err err;
	assert_int_equal(lb_manifest_blobs(m, strlen(m), "m", &d, &n, mt, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].size, 10);
	assert_int_equal(d[1].size, 20);
	assert_string_equal(mt, "application/vnd.oci.image.manifest.v1+json");
	free(d);
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[]}";
	assert_int_equal(lb_manifest_blobs(idx, strlen(idx), "m", &d, &n, mt, &err), LB_EINTEGRITY);
	const char *big = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:"
			  "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":99999999},\"layers\":[]}";
	assert_int_equal(lb_manifest_blobs(big, strlen(big), "m", &d, &n, mt, &err), LB_EINTEGRITY);
	const char *evil = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../x\",\"size\":1},\"layers\":[]}";
	assert_int_equal(lb_manifest_blobs(evil, strlen(evil), "m", &d, &n, mt, &err), LB_EINTEGRITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_put_resolve_reopen),
		cmocka_unit_test(a_foreign_directory_is_refused),
		cmocka_unit_test(manifests_name_config_then_layers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
