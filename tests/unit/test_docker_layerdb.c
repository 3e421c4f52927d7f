/* image/devicemapper/layerdb: mounts/<container>/ and sha256/<chain>/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "docker/layerdb.h"
#include "test_docker_fixture.h"

#define CHAIN "sha256:2f4b0e7c4d21a33e5b8a7d1f0c9e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a"
#define DIFF "sha256:8d3ac3489996423f53d6087c81180006263b79f206d3fdec9e66f0e27ceb8759"

struct fx {
	char root[PATH_MAX];
	char layerdb[PATH_MAX];
	char cid[65];
	char mount_id[65];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	fx_tmpdir(f->root);
	fx_fmt(f->layerdb, "%s/image/devicemapper/layerdb", f->root);
	fx_id(f->cid, "c0ffee", '1');
	fx_id(f->mount_id, "9a0b", 'e');
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fx_rm_rf(f->root);
	free(f);
	return 0;
}

static void id_and_digest_shapes(void **state)
{
	(void)state;
	char id[65], init[80];
	fx_id(id, "ab", '0');
	fx_fmt(init, "%s-init", id);
	assert_true(lb_docker_is_layer_id(id));
	assert_true(lb_docker_is_layer_id(init));
	assert_false(lb_docker_is_layer_id("abc"));
	id[3] = 'G';
	assert_false(lb_docker_is_layer_id(id));
	assert_true(lb_docker_is_digest(CHAIN));
	assert_false(lb_docker_is_digest(&CHAIN[7]));
	assert_false(lb_docker_is_digest("sha512:00"));
}

static void mount_with_init_and_parent(void **state)
{
	struct fx *f = *state;
	fx_mount(f->root, f->cid, f->mount_id, CHAIN);
	struct lb_docker_mount m;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_mount_load(f->layerdb, f->cid, &m, &err), 0);
	assert_string_equal(m.container_id, f->cid);
	assert_string_equal(m.mount_id, f->mount_id);
	char want_init[80];
	fx_fmt(want_init, "%s-init", f->mount_id);
	assert_string_equal(m.init_id, want_init);
	assert_string_equal(m.parent, CHAIN);
}

/* Docker writes no newline, but trims whitespace when reading; so do we. */
static void mount_id_with_newline_and_no_optional_files(void **state)
{
	struct fx *f = *state;
	char rel[PATH_MAX], text[80];
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/mount-id", f->cid);
	fx_fmt(text, "%s\n", f->mount_id);
	fx_write(f->root, rel, text);
	struct lb_docker_mount m;
	assert_int_equal(lb_docker_mount_load(f->layerdb, f->cid, &m, NULL), 0);
	assert_string_equal(m.mount_id, f->mount_id);
	assert_string_equal(m.init_id, "");
	assert_string_equal(m.parent, "");
}

static void missing_mount_id_is_not_found(void **state)
{
	struct fx *f = *state;
	char rel[PATH_MAX];
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/init-id", f->cid);
	fx_write(f->root, rel, "x");
	struct lb_docker_mount m;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_mount_load(f->layerdb, f->cid, &m, &err), LB_ENOTFOUND);
	char want[PATH_MAX];
	fx_fmt(want, "%s/mounts/%s/mount-id: cannot open: No such file or directory", f->layerdb, f->cid);
	assert_string_equal(err.msg, want);
}

static void malformed_ids_are_integrity_errors(void **state)
{
	struct fx *f = *state;
	char rel[PATH_MAX];
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/mount-id", f->cid);
	fx_write(f->root, rel, "not-a-layer-id");
	struct lb_docker_mount m;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_mount_load(f->layerdb, f->cid, &m, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/mount-id: invalid mount id 'not-a-layer-id'"));

	fx_mount(f->root, f->cid, f->mount_id, "sha256:short");
	assert_int_equal(lb_docker_mount_load(f->layerdb, f->cid, &m, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/parent: invalid chain id 'sha256:short'"));

	assert_int_equal(lb_docker_mount_load(f->layerdb, "../etc", &m, &err), LB_EUSAGE);
}

static void image_layer(void **state)
{
	struct fx *f = *state;
	const char *dir = "image/devicemapper/layerdb/sha256/"
			  "2f4b0e7c4d21a33e5b8a7d1f0c9e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a";
	char rel[PATH_MAX], cache[65];
	fx_id(cache, "5d", '3');
	fx_fmt(rel, "%s/cache-id", dir);
	fx_write(f->root, rel, cache);
	fx_fmt(rel, "%s/diff", dir);
	fx_write(f->root, rel, DIFF);
	fx_fmt(rel, "%s/size", dir);
	fx_write(f->root, rel, "1231733");
	fx_fmt(rel, "%s/tar-split.json.gz", dir);
	fx_write(f->root, rel, "");

	struct lb_docker_layer l;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_layer_load(f->layerdb, CHAIN, &l, &err), 0);
	assert_string_equal(l.chain_id, CHAIN);
	assert_string_equal(l.cache_id, cache);
	assert_string_equal(l.diff_id, DIFF);
	assert_int_equal(l.size_bytes, 1231733);
	assert_string_equal(l.parent, ""); /* base layer: no parent file */

	/* A bare hex chain id works too. */
	assert_int_equal(lb_docker_layer_load(f->layerdb, &CHAIN[7], &l, &err), 0);

	fx_fmt(rel, "%s/size", dir);
	fx_write(f->root, rel, "-5");
	assert_int_equal(lb_docker_layer_load(f->layerdb, CHAIN, &l, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/size: invalid size '-5'"));

	fx_fmt(rel, "%s/cache-id", dir);
	fx_unlink(f->root, rel);
	assert_int_equal(lb_docker_layer_load(f->layerdb, CHAIN, &l, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/cache-id: cannot open"));

	assert_int_equal(lb_docker_layer_load(f->layerdb, "sha256:xyz", &l, &err), LB_EUSAGE);
}

/* cache-id names the device of an image layer: a hash, as mount-id. */
static void cache_id_must_be_a_layer_id(void **state)
{
	struct fx *f = *state;
	const char *dir = "image/devicemapper/layerdb/sha256/"
			  "2f4b0e7c4d21a33e5b8a7d1f0c9e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a";
	char rel[PATH_MAX];
	fx_fmt(rel, "%s/diff", dir);
	fx_write(f->root, rel, DIFF);
	fx_fmt(rel, "%s/size", dir);
	fx_write(f->root, rel, "1");
	fx_fmt(rel, "%s/cache-id", dir);
	fx_write(f->root, rel, "../../../etc\x1b");
	struct lb_docker_layer l;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_layer_load(f->layerdb, CHAIN, &l, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/cache-id: invalid cache id '../../../etc\\x1b'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(id_and_digest_shapes),
		cmocka_unit_test_setup_teardown(cache_id_must_be_a_layer_id, setup, teardown),
		cmocka_unit_test_setup_teardown(mount_with_init_and_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(mount_id_with_newline_and_no_optional_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(missing_mount_id_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_ids_are_integrity_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(image_layer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
