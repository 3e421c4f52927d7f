/* lib/registry/credhelper.c's pure part: what a docker-credential-<name>
 * helper answered, and which helper names may reach posix_spawnp; and
 * authfile's Docker order (credHelpers, then credsStore, then auths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/authfile.h"
#include "registry/credhelper.h"

static int answer(int status, const char *text, struct lb_creds *c, struct lb_err *err)
{
	return lb_credhelper_answer("lbtest", "127.0.0.1:5000", status, text, strlen(text), false, c,
				    err);
}

static void a_good_answer_gives_user_and_secret(void **state)
{
	(void)state;
	struct lb_creds c;
	struct lb_err err;
	assert_int_equal(answer(0, "{\"ServerURL\":\"127.0.0.1:5000\",\"Username\":\"bob\","
				   "\"Secret\":\"s:e cret\"}\n", &c, &err), 0);
	assert_true(c.have);
	assert_string_equal(c.user, "bob");
	assert_string_equal(c.pass, "s:e cret");
	assert_string_equal(c.helper, "lbtest");
}

static void not_found_is_no_credentials(void **state)
{
	(void)state;
	struct lb_creds c;
	struct lb_err err;
	assert_int_equal(answer(1, "credentials not found in native keychain\n", &c, &err), 0);
	assert_false(c.have);
}

static void failures_and_bad_answers_are_errors(void **state)
{
	(void)state;
	struct lb_creds c;
	struct lb_err err;
	assert_int_equal(answer(3, "keychain locked\n", &c, &err), LB_EFAIL);
	assert_non_null(strstr(err.msg, "docker-credential-lbtest"));
	assert_non_null(strstr(err.msg, "exit 3: keychain locked"));
	assert_non_null(strstr(err.msg, "127.0.0.1:5000"));
	assert_int_equal(answer(-1, "", &c, &err), LB_EFAIL);
	assert_int_equal(answer(0, "not json", &c, &err), LB_EINTEGRITY);
	assert_int_equal(answer(0, "{\"Username\":\"bob\"}", &c, &err), LB_EINTEGRITY);
	assert_int_equal(answer(0, "{\"Username\":\"\",\"Secret\":\"x\"}", &c, &err), LB_EINTEGRITY);
	assert_int_equal(answer(0, "{\"Username\":\"a:b\",\"Secret\":\"x\"}", &c, &err), LB_EINTEGRITY);
	assert_int_equal(answer(0, "{\"Username\":\"a\",\"Secret\":\"x\",\"Secret\":\"y\"}", &c, &err),
			 LB_EINTEGRITY);
	assert_int_equal(answer(0, "{\"Username\":\"<token>\",\"Secret\":\"refresh\"}", &c, &err),
			 LB_EUNSAFE);
	assert_false(c.have);
	char big[2000];
	memset(big, 'x', sizeof(big));
	big[0] = '\0';
	snprintf(big, sizeof(big), "{\"Username\":\"u\",\"Secret\":\"%01500d\"}", 0);
	assert_int_equal(answer(0, big, &c, &err), LB_EINTEGRITY);
	assert_int_equal(lb_credhelper_answer("lbtest", "h", 0, "{}", 2, true, &c, &err),
			 LB_EINTEGRITY);
}

static void helper_names_are_never_paths(void **state)
{
	(void)state;
	assert_true(lb_credhelper_name_valid("ecr-login"));
	assert_true(lb_credhelper_name_valid("pass"));
	assert_true(lb_credhelper_name_valid("lb_test.2"));
	assert_false(lb_credhelper_name_valid(""));
	assert_false(lb_credhelper_name_valid(".."));
	assert_false(lb_credhelper_name_valid("../../bin/sh"));
	assert_false(lb_credhelper_name_valid("/bin/sh"));
	assert_false(lb_credhelper_name_valid("a b"));
	assert_false(lb_credhelper_name_valid("a;b"));
	char server[100];
	lb_credhelper_server("docker.io", server, sizeof(server));
	assert_string_equal(server, "https://index.docker.io/v1/");
	lb_credhelper_server("127.0.0.1:5000", server, sizeof(server));
	assert_string_equal(server, "127.0.0.1:5000");
}

static void config_json_helpers_come_first_as_in_docker(void **state)
{
	(void)state;
	struct lb_creds c;
	struct lb_err err;
	/* aHViOnB3 is base64("hub:pw") */
	const char *cfg = "{\"auths\":{\"a.example\":{\"auth\":\"aHViOnB3\"},\"b.example\":{\"auth\":\"aHViOnB3\"}},"
			  "\"credHelpers\":{\"a.example\":\"one\"},\"credsStore\":\"store\"}";
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "a.example", &c, &err), 0);
	assert_false(c.have);
	assert_string_equal(c.helper, "one");
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "b.example", &c, &err), 0);
	assert_false(c.have);
	assert_string_equal(c.helper, "store");
	const char *plain = "{\"auths\":{\"b.example\":{\"auth\":\"aHViOnB3\"}},\"credsStore\":\"\"}";
	assert_int_equal(lb_authfile_lookup_text(plain, strlen(plain), "cfg", "b.example", &c, &err), 0);
	assert_true(c.have);
	assert_string_equal(c.user, "hub");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_good_answer_gives_user_and_secret),
		cmocka_unit_test(not_found_is_no_credentials),
		cmocka_unit_test(failures_and_bad_answers_are_errors),
		cmocka_unit_test(helper_names_are_never_paths),
		cmocka_unit_test(config_json_helpers_come_first_as_in_docker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
