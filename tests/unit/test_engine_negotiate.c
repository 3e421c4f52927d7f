/* lib/engine's decisions without a socket: the API version (a too-old
 * engine is refused: tested here as pure code, not with a mock engine),
 * what /version says the engine is, HTTP statuses as exit codes, host
 * strings, X-Registry-Auth's base64url (expected values from Python's
 * base64.urlsafe_b64encode), escaping and image references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "engine/engine.h"
#include "engine/negotiate.h"

static void api(const char *server, int want_rc, const char *want)
{
	char out[16] = "";
	struct lb_err err;
	assert_int_equal(lb_engine_api_choose(server, out, &err), want_rc);
	if (!want_rc)
		assert_string_equal(out, want);
}

static void api_version_is_min_of_server_and_141_and_old_ones_are_refused(void **state)
{
	(void)state;
	api("1.41", 0, "1.41"); /* Docker 20.10, podman 4.3 */
	api("1.40", 0, "1.40"); /* Docker 19.03 */
	api("1.43", 0, "1.41"); /* Docker 24 */
	api("1.100", 0, "1.41");
	api("2.0", 0, "1.41");
	api("1.39", LB_EUNSAFE, NULL); /* Docker 18.09 */
	api("1.4", LB_EUNSAFE, NULL);  /* minor 4, not 40 */
	api("0.99", LB_EUNSAFE, NULL);
	api("", LB_EINTEGRITY, NULL);
	api("1.", LB_EINTEGRITY, NULL);
	api("1.41.0", LB_EINTEGRITY, NULL);
	api("v1.41", LB_EINTEGRITY, NULL);
	api("1.-1", LB_EINTEGRITY, NULL);
	char out[16];
	struct lb_err err;
	lb_engine_api_choose("1.39", out, &err);
	assert_non_null(strstr(err.msg, "1.39"));
	assert_non_null(strstr(err.msg, "1.40 or newer"));
}

static void version_answers_name_docker_or_podman(void **state)
{
	(void)state;
	struct lb_engine_identity id;
	struct lb_err err;
	json_t *docker = json_loads(
		"{\"Platform\":{\"Name\":\"\"},\"Components\":[{\"Name\":\"Engine\",\"Version\":\"20.10.24+dfsg1\"},"
		"{\"Name\":\"containerd\",\"Version\":\"1.6.20\"}],\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\"}",
		0, NULL);
	json_t *podman = json_loads(
		"{\"Platform\":{\"Name\":\"linux/amd64/debian-12\"},\"Components\":[{\"Name\":\"Podman Engine\","
		"\"Version\":\"4.3.1\"},{\"Name\":\"Conmon\",\"Version\":\"conmon version 2.1.6\"}],"
		"\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\"}",
		0, NULL);
	json_t *bare = json_loads("{\"Version\":\"18.09.1\",\"ApiVersion\":\"1.39\"}", 0, NULL);
	json_t *none = json_loads("{\"Version\":\"1\"}", 0, NULL);
	assert_int_equal(lb_engine_identify(docker, &id, &err), 0);
	assert_string_equal(id.product, "Docker Engine 20.10.24+dfsg1");
	assert_false(id.is_podman);
	assert_string_equal(id.server_api, "1.41");
	assert_int_equal(lb_engine_identify(podman, &id, &err), 0);
	assert_string_equal(id.product, "Podman Engine 4.3.1");
	assert_true(id.is_podman);
	assert_int_equal(lb_engine_identify(bare, &id, &err), 0);
	assert_string_equal(id.product, "Docker Engine 18.09.1");
	assert_int_equal(lb_engine_identify(none, &id, &err), LB_EINTEGRITY);
	json_decref(docker);
	json_decref(podman);
	json_decref(bare);
	json_decref(none);
}

static void statuses_map_to_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(lb_engine_status_code(200), LB_OK);
	assert_int_equal(lb_engine_status_code(201), LB_OK);
	assert_int_equal(lb_engine_status_code(204), LB_OK);
	assert_int_equal(lb_engine_status_code(304), LB_OK);
	assert_int_equal(lb_engine_status_code(400), LB_EUSAGE);
	assert_int_equal(lb_engine_status_code(401), LB_EUNSAFE);
	assert_int_equal(lb_engine_status_code(403), LB_EUNSAFE);
	assert_int_equal(lb_engine_status_code(404), LB_ENOTFOUND);
	assert_int_equal(lb_engine_status_code(409), LB_EUNSAFE);
	assert_int_equal(lb_engine_status_code(500), LB_EFAIL);
	assert_int_equal(lb_engine_status_code(503), LB_EFAIL);
	assert_int_equal(lb_engine_status_code(0), LB_EFAIL);
	assert_int_equal(lb_engine_status_code(101), LB_EFAIL);
}

static void hosts_parse_like_docker_host(void **state)
{
	(void)state;
	struct lb_engine_host h;
	struct lb_err err;
	assert_int_equal(lb_engine_parse_host("unix:///var/run/docker.sock", &h, &err), 0);
	assert_true(h.is_unix);
	assert_string_equal(h.socket_path, "/var/run/docker.sock");
	assert_int_equal(lb_engine_parse_host("tcp://10.0.0.5:2375", &h, &err), 0);
	assert_false(h.is_unix);
	assert_string_equal(h.base_url, "http://10.0.0.5:2375");
	assert_int_equal(lb_engine_parse_host("tcp://[::1]:2375/", &h, &err), 0);
	assert_string_equal(h.base_url, "http://[::1]:2375");
	assert_int_equal(lb_engine_parse_host("unix://relative.sock", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://host", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://host:", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://:2375", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://a@b:2375", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://b:23x5", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("tcp://b:2375/path", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("ssh://me@host", &h, &err), LB_EUSAGE);
	assert_int_equal(lb_engine_parse_host("/var/run/docker.sock", &h, &err), LB_EUSAGE);
	char longpath[200] = "unix:///";
	memset(longpath + 8, 'a', 150);
	assert_int_equal(lb_engine_parse_host(longpath, &h, &err), LB_EUSAGE);
}

static void b64(const char *in, size_t n, const char *want)
{
	char out[200];
	struct lb_err err;
	assert_int_equal(lb_engine_base64url((const unsigned char *)in, n, out, sizeof(out), &err), 0);
	assert_string_equal(out, want);
}

static void registry_auth_is_base64url(void **state)
{
	(void)state;
	b64("\xfb\xff", 2, "-_8=");
	b64("?>>", 3, "Pz4-");
	b64("", 0, "");
	const char *auth = "{\"username\":\"u\",\"password\":\"p?>>~\",\"serveraddress\":\"127.0.0.1:5000\"}";
	b64(auth, strlen(auth),
	    "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA_Pj5-Iiwic2VydmVyYWRkcmVzcyI6IjEyNy4wLjAuMTo1MDAwIn0=");
	char small[5];
	struct lb_err err;
	assert_int_equal(lb_engine_base64url((const unsigned char *)"abcd", 4, small, sizeof(small), &err),
			 LB_EUSAGE);
	assert_int_equal(lb_engine_base64url((const unsigned char *)"abc", 3, small, sizeof(small), &err), 0);
	assert_string_equal(small, "YWJj");
}

static void names_and_paths_are_escaped(void **state)
{
	(void)state;
	char out[64];
	struct lb_err err;
	assert_int_equal(lb_engine_escape("/data/my dir?&#", false, out, sizeof(out), &err), 0);
	assert_string_equal(out, "%2Fdata%2Fmy%20dir%3F%26%23");
	assert_int_equal(lb_engine_escape("r:5000/a/b@sha256:0a #", true, out, sizeof(out), &err), 0);
	assert_string_equal(out, "r:5000/a/b@sha256:0a%20%23");
	assert_int_equal(lb_engine_escape("r:5000/a@x", false, out, sizeof(out), &err), 0);
	assert_string_equal(out, "r%3A5000%2Fa%40x");
	assert_int_equal(lb_engine_escape("a-b.c_d~e", false, out, sizeof(out), &err), 0);
	assert_string_equal(out, "a-b.c_d~e");
	char tiny[4];
	assert_int_equal(lb_engine_escape("abc", false, tiny, sizeof(tiny), &err), 0);
	assert_int_equal(lb_engine_escape("abcd", false, tiny, sizeof(tiny), &err), LB_EUSAGE);
	assert_int_equal(lb_engine_escape("a/", false, tiny, sizeof(tiny), &err), LB_EUSAGE);
}

static void split(const char *ref, const char *name, const char *tag)
{
	char n[100], t[100];
	struct lb_err err;
	assert_int_equal(lb_engine_split_ref(ref, n, sizeof(n), t, sizeof(t), &err), 0);
	assert_string_equal(n, name);
	assert_string_equal(t, tag);
}

static void references_split_into_from_image_and_tag(void **state)
{
	(void)state;
	split("127.0.0.1:5000/lifeboat/base:2", "127.0.0.1:5000/lifeboat/base", "2");
	split("127.0.0.1:5000/lifeboat/base", "127.0.0.1:5000/lifeboat/base", "latest");
	split("busybox", "busybox", "latest");
	split("r:5000/x@sha256:abc", "r:5000/x", "sha256:abc");
	split("r:5000/x:1@sha256:abc", "r:5000/x:1", "sha256:abc");
	char n[100], t[100];
	struct lb_err err;
	assert_int_equal(lb_engine_split_ref(":1", n, sizeof(n), t, sizeof(t), &err), LB_EUSAGE);
	assert_int_equal(lb_engine_split_ref("x:", n, sizeof(n), t, sizeof(t), &err), LB_EUSAGE);
	assert_int_equal(lb_engine_split_ref("x@", n, sizeof(n), t, sizeof(t), &err), LB_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_version_is_min_of_server_and_141_and_old_ones_are_refused),
		cmocka_unit_test(version_answers_name_docker_or_podman),
		cmocka_unit_test(statuses_map_to_exit_codes),
		cmocka_unit_test(hosts_parse_like_docker_host),
		cmocka_unit_test(registry_auth_is_base64url),
		cmocka_unit_test(names_and_paths_are_escaped),
		cmocka_unit_test(references_split_into_from_image_and_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
