/* lib/docker/distmeta: Docker 20.10's v2metadata-by-diffid, as the fixture
 * generator's real dockerd wrote it after a push and a pull. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "docker/distmeta.h"

#define BLOB "sha256:39b729c8e23af8f5560d2db84ca1ba5a157a986852473dcc16f554aa81eaff5f"

static void a_pushed_and_pulled_layer_names_one_source(void **state)
{
	(void)state;
	/* Copied from a fixture's data root: the push's entry (with an HMAC)
	 * and the pull's (without) name the same blob and repository. */
	const char *t = "[{\"Digest\":\"" BLOB "\",\"SourceRepository\":\"127.0.0.1:5000/lifeboat/base\","
			"\"HMAC\":\"2e8a84a6574538f4cece33fe466890f1b7664ef146af369e3891cf821e254825\"},"
			"{\"Digest\":\"" BLOB "\",\"SourceRepository\":\"127.0.0.1:5000/lifeboat/base\",\"HMAC\":\"\"}]";
	struct lb_distmeta d;
	struct lb_err err = {0};
	assert_int_equal(lb_distmeta_parse(t, strlen(t), "x", &d, &err), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].digest, BLOB);
	assert_string_equal(d.v[0].repository, "127.0.0.1:5000/lifeboat/base");
}

static void hostile_entries_are_skipped_and_non_arrays_refused(void **state)
{
	(void)state;
	const char *t = "[{\"Digest\":\"sha256:xyz\",\"SourceRepository\":\"a/b\"},"
			"{\"Digest\":\"" BLOB "\",\"SourceRepository\":\"../../etc\"},"
			"{\"Digest\":\"" BLOB "\",\"SourceRepository\":\"a b\"}, 7, null]";
	struct lb_distmeta d;
	struct lb_err err = {0};
	assert_int_equal(lb_distmeta_parse(t, strlen(t), "x", &d, &err), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(lb_distmeta_parse("{}", 2, "file-x", &d, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "file-x"));
	assert_int_equal(lb_distmeta_load("/nonexistent", BLOB, &d, &err), LB_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pushed_and_pulled_layer_names_one_source),
		cmocka_unit_test(hostile_entries_are_skipped_and_non_arrays_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
