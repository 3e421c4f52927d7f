/* containers/<id>/config.v2.json as Docker 20.10 writes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "docker/container.h"
#include "test_docker_fixture.h"

#define S(text) text, sizeof(text) - 1

static void config_as_docker_writes_it(void **state)
{
	(void)state;
	char root[PATH_MAX], containers[PATH_MAX], id[65];
	fx_tmpdir(root);
	fx_fmt(containers, "%s/containers", root);
	fx_id(id, "4d1e", '2');
	fx_config(root, id, "/web", "nginx:1.25", true);

	struct lb_docker_config c;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_config_load(containers, id, &c, &err), 0);
	assert_string_equal(c.id, id);
	assert_string_equal(c.name, "/web");
	assert_string_equal(c.image_ref, "nginx:1.25");
	assert_string_equal(c.image_id,
			    "sha256:7a80323521ccd4c2b4b423fa6e38e5cea156600f40cd855e464cc52a321a24dd");
	assert_string_equal(c.driver, "devicemapper");
	assert_string_equal(c.os, "linux");
	assert_string_equal(c.created, "2024-03-01T10:00:00.987654321Z");
	assert_true(c.state.running);
	assert_int_equal(c.state.pid, 4242);
	assert_string_equal(lb_docker_state_string(&c.state), "running");

	fx_config(root, id, "/web", "nginx:1.25", false);
	assert_int_equal(lb_docker_config_load(containers, id, &c, &err), 0);
	assert_false(c.state.running);
	assert_int_equal(c.state.exit_code, 137);
	assert_string_equal(c.state.finished_at, "2024-03-01T11:00:00.5Z");
	assert_string_equal(lb_docker_state_string(&c.state), "exited");

	fx_id(id, "ffff", '0');
	assert_int_equal(lb_docker_config_load(containers, id, &c, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/config.v2.json: cannot open: No such file or directory"));
	fx_rm_rf(root);
}

static void state_strings(void **state)
{
	(void)state;
	struct lb_docker_state s = {0};
	assert_string_equal(lb_docker_state_string(&s), "created");
	snprintf(s.started_at, sizeof(s.started_at), "0001-01-01T00:00:00Z");
	assert_string_equal(lb_docker_state_string(&s), "created");
	snprintf(s.started_at, sizeof(s.started_at), "2024-03-01T10:00:01Z");
	assert_string_equal(lb_docker_state_string(&s), "exited");
	s.dead = true;
	assert_string_equal(lb_docker_state_string(&s), "dead");
	s.removal_in_progress = true;
	assert_string_equal(lb_docker_state_string(&s), "removing");
	s.running = true;
	s.paused = true;
	assert_string_equal(lb_docker_state_string(&s), "paused");
}

/* json.Decoder stops after the first value, so Docker ignores trailing bytes. */
static void trailing_bytes_after_the_object_are_ignored(void **state)
{
	(void)state;
	struct lb_docker_config c;
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"Name\":\"/xy\"}\n\0\0garbage"),
						"f", &c, NULL),
			 0);
	assert_string_equal(c.name, "/xy");
}

static void corrupt_config_names_file_and_position(void **state)
{
	(void)state;
	struct lb_docker_config c;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_config_parse(S("{\"StreamConfig\":{},\"State\":{\"Running\":tru"),
						"/d/containers/x/config.v2.json", &c, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/d/containers/x/config.v2.json: invalid JSON at line 1 column"));
}

static void wrong_types_name_the_key(void **state)
{
	(void)state;
	struct lb_docker_config c;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"State\":{\"Running\":\"yes\"}}"),
						"cfg", &c, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "cfg: key \"State.Running\": expected boolean, got string");

	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"Config\":{\"Image\":5}}"),
						"cfg", &c, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "cfg: key \"Config.Image\": expected string, got integer");

	assert_int_equal(lb_docker_config_parse(S("{\"ID\":12}"), "cfg", &c, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "cfg: key \"ID\": expected string, got integer");

	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"abc\"}"), "cfg", &c, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "not a 64-digit hex id"));

	assert_int_equal(lb_docker_config_parse(S("{\"Name\":\"/x\"}"), "cfg", &c, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "cfg: key \"ID\": missing");
}

/* Go leaves fields alone on JSON null: "Health":null, "Config":null. */
static void nulls_read_as_absent(void **state)
{
	(void)state;
	struct lb_docker_config c;
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"Config\":null,\"State\":null,\"Name\":null}"),
						"cfg", &c, NULL),
			 0);
	assert_string_equal(c.name, "");
	assert_string_equal(c.image_ref, "");
}

/* Docker's own rule: /?[a-zA-Z0-9][a-zA-Z0-9_.-]+ (so at least two characters). */
static void container_names_follow_dockers_rule(void **state)
{
	(void)state;
	const char *const good[] = {"/web", "web", "/a1", "/My_app.v2-x", "/0db"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(lb_docker_is_container_name(good[i]));
	const char *const bad[] = {"", "/", "/a", "//web", "/-web", "/.web", "/../../etc",
				   "/we/b", "/we b", "/web\n", "/w\xc3\xa9\x62" /* "/wéb" */, "/web\x1b[0m", "web/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lb_docker_is_container_name(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
}

static void a_name_against_the_rule_is_an_integrity_error(void **state)
{
	(void)state;
	struct lb_docker_config c;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"Name\":\"/../../../../etc\"}"),
						"/r/c/config.v2.json", &c, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "/r/c/config.v2.json: key \"Name\": '/../../../../etc' is not a "
				     "container name Docker allows (/?[a-zA-Z0-9][a-zA-Z0-9_.-]+)");
	assert_true(c.name_rejected);
	assert_string_equal(c.id, ""); /* nothing of a rejected file is kept */

	/* A JSON escape cannot smuggle a control character into the message. */
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000000\","
						  "\"Name\":\"/a\\u001b]0;owned\\u0007\"}"),
						"f", &c, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "'/a\\x1b]0;owned\\x07'"));

	/* Other damage is not a rejected name. */
	assert_int_equal(lb_docker_config_parse(S("{\"ID\":\"xyz\",\"Name\":\"/web\"}"), "f", &c, &err),
			 LB_EINTEGRITY);
	assert_false(c.name_rejected);
	assert_non_null(strstr(err.msg, "key \"ID\": 'xyz' is not a 64-digit hex id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_as_docker_writes_it),
		cmocka_unit_test(state_strings),
		cmocka_unit_test(trailing_bytes_after_the_object_are_ignored),
		cmocka_unit_test(corrupt_config_names_file_and_position),
		cmocka_unit_test(wrong_types_name_the_key),
		cmocka_unit_test(nulls_read_as_absent),
		cmocka_unit_test(container_names_follow_dockers_rule),
		cmocka_unit_test(a_name_against_the_rule_is_an_integrity_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
