/* lib/oci: the committed image's config, manifests and --change, checked
 * against what `docker commit` writes (moby image.NewChildImage,
 * dockerfile.BuildFromConfig). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "oci/change.h"
#include "oci/image_config.h"
#include "oci/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
/* A config as Docker 20.10 stored it for an imported image. */
static const char base[] =
	"{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"sh\"]},\"created\":\"2026-01-01T00:00:00Z\","
	"\"docker_version\":\"20.10.24\",\"history\":[{\"created\":\"2026-01-01T00:00:00Z\","
	"\"created_by\":\"import\"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";

static json_t *commit(const char *diff_id, json_t *config)
{
	struct lb_commit_meta m = {.diff_id = diff_id, .created = "2026-11-30T03:00:00.5Z",
				   .author = "ops", .comment = "moved", .container_id = "abc"};
	char *out = NULL;
	size_t len = 0;
	struct lb_err err = {0};
	assert_int_equal(lb_image_config_commit(base, strlen(base), "base", config, &m, &out, &len, &err), 0);
	json_t *doc = json_loadb(out, len, 0, NULL);
	free(out);
	assert_non_null(doc);
	return doc;
}

static void a_new_layer_extends_diff_ids_and_history(void **state)
{
	(void)state;
	json_t *cfg = json_pack("{s:[s,s,s], s:s}", "Cmd", "sh", "-c", "sleep 1", "WorkingDir", "/srv");
	json_t *doc = commit(D2, cfg);
	json_t *ids = json_object_get(json_object_get(doc, "rootfs"), "diff_ids");
	assert_int_equal(json_array_size(ids), 2);
	assert_string_equal(json_string_value(json_array_get(ids, 1)), D2);
	json_t *h = json_array_get(json_object_get(doc, "history"), 1);
	assert_string_equal(json_string_value(json_object_get(h, "created_by")), "sh -c sleep 1");
	assert_string_equal(json_string_value(json_object_get(h, "author")), "ops");
	assert_string_equal(json_string_value(json_object_get(h, "comment")), "moved");
	assert_null(json_object_get(h, "empty_layer"));
	assert_true(json_equal(json_object_get(doc, "config"), cfg));
	assert_true(json_equal(json_object_get(doc, "container_config"), cfg));
	assert_string_equal(json_string_value(json_object_get(doc, "container")), "abc");
	assert_null(json_object_get(doc, "docker_version"));
	json_decref(doc);
	json_decref(cfg);
}

static void no_changes_mean_an_empty_layer_entry(void **state)
{
	(void)state;
	json_t *cfg = json_object();
	json_t *doc = commit(NULL, cfg);
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "rootfs"), "diff_ids")), 1);
	json_t *h = json_array_get(json_object_get(doc, "history"), 1);
	assert_true(json_is_true(json_object_get(h, "empty_layer")));
	json_decref(doc);
	json_decref(cfg);
}

static void configs_that_are_no_image_config_are_refused(void **state)
{
	(void)state;
	const char *bad[] = {"[]", "{\"rootfs\":{\"type\":\"layers\"}}",
			     "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:xyz\"]}}",
			     "{\"rootfs\":{\"type\":\"x\",\"diff_ids\":[]}}", "{"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *doc, *ids;
		struct lb_err err = {0};
		assert_int_equal(lb_image_config_parse(bad[i], strlen(bad[i]), "x", &doc, &ids, &err),
				 LB_EINTEGRITY);
		assert_non_null(strstr(err.msg, "x:"));
	}
}

static void manifests_carry_the_media_types_of_their_kind(void **state)
{
	(void)state;
	struct lb_descriptor c = {.digest = D1, .size = 10}, l[1] = {{.digest = D2, .size = 20}};
	char *out;
	size_t len;
	struct lb_err err = {0};
	assert_int_equal(lb_manifest_build(LB_MANIFEST_DOCKER, LB_LAYER_GZIP, &c, l, 1, &out, &len, &err), 0);
	json_t *m = json_loads(out, 0, NULL);
	free(out);
	assert_string_equal(json_string_value(json_object_get(m, "mediaType")), LB_MT_DOCKER_MANIFEST);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "config"), "mediaType")),
			    LB_MT_DOCKER_CONFIG);
	json_t *l0 = json_array_get(json_object_get(m, "layers"), 0);
	assert_string_equal(json_string_value(json_object_get(l0, "mediaType")), LB_MT_DOCKER_LAYER_GZIP);
	assert_int_equal(json_integer_value(json_object_get(l0, "size")), 20);
	json_decref(m);
	assert_int_equal(lb_manifest_build(LB_MANIFEST_DOCKER, LB_LAYER_ZSTD, &c, l, 1, &out, &len, &err),
			 LB_EUSAGE);
	assert_int_equal(lb_manifest_build(LB_MANIFEST_OCI, LB_LAYER_ZSTD, &c, l, 1, &out, &len, &err), 0);
	assert_non_null(strstr(out, LB_MT_OCI_LAYER_ZSTD));
	free(out);
}

static json_t *changed(const char *const *instr, size_t n, int want_rc)
{
	json_t *cfg = json_pack("{s:[s], s:s}", "Env", "PATH=/bin", "WorkingDir", "/srv");
	struct lb_err err = {0};
	assert_int_equal(lb_oci_apply_changes(cfg, instr, n, &err), want_rc);
	return cfg;
}

static void changes_follow_dockerfile_forms(void **state)
{
	(void)state;
	const char *in[] = {"CMD [\"nginx\", \"-g\", \"daemon off;\"]", "ENTRYPOINT exec run.sh",
			    "ENV PATH=/usr/bin:/bin MODE=\"a b\"", "ENV OLD style value",
			    "LABEL a=1 'b c'=2", "EXPOSE 80 53/udp", "VOLUME [\"/data\"]",
			    "USER 1000:1000", "WORKDIR app", "STOPSIGNAL SIGINT", "ONBUILD RUN x",
			    "HEALTHCHECK --interval=1m30s --retries=3 CMD curl -f http://x/"};
	json_t *c = changed(in, sizeof(in) / sizeof(*in), 0);
	json_t *want = json_loads(
		"{\"Env\":[\"PATH=/usr/bin:/bin\",\"MODE=a b\",\"OLD=style value\"],"
		"\"WorkingDir\":\"/srv/app\",\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
		"\"Entrypoint\":[\"/bin/sh\",\"-c\",\"exec run.sh\"],\"Labels\":{\"a\":\"1\",\"b c\":\"2\"},"
		"\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Volumes\":{\"/data\":{}},"
		"\"User\":\"1000:1000\",\"StopSignal\":\"SIGINT\",\"OnBuild\":[\"RUN x\"],"
		"\"Healthcheck\":{\"Interval\":90000000000,\"Retries\":3,"
		"\"Test\":[\"CMD-SHELL\",\"curl -f http://x/\"]}}",
		0, NULL);
	assert_non_null(want);
	char *got = json_dumps(c, JSON_SORT_KEYS);
	assert_true(json_equal(c, want) || (fprintf(stderr, "got %s\n", got), 0));
	free(got);
	json_decref(c);
	json_decref(want);
}

static void bad_changes_are_usage_errors(void **state)
{
	(void)state;
	const char *bad[] = {"RUN rm -rf /", "CMD", "EXPOSE 99999", "EXPOSE 80/xyz", "LABEL novalue",
			     "ENV A=\"unterminated", "HEALTHCHECK --interval=abc CMD x",
			     "HEALTHCHECK curl", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		json_decref(changed(&bad[i], 1, LB_EUSAGE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_layer_extends_diff_ids_and_history),
		cmocka_unit_test(no_changes_mean_an_empty_layer_entry),
		cmocka_unit_test(configs_that_are_no_image_config_are_refused),
		cmocka_unit_test(manifests_carry_the_media_types_of_their_kind),
		cmocka_unit_test(changes_follow_dockerfile_forms),
		cmocka_unit_test(bad_changes_are_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
