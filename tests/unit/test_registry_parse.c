/* lib/registry's pure parsers: image references (Docker's rules),
 * WWW-Authenticate challenges, config.json auths, and --chunk-size sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "registry/authfile.h"
#include "registry/ref.h"
#include "registry/www_authenticate.h"
#include "util/size.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void ref_ok(const char *in, const char *domain, const char *path, const char *tag,
		   const char *digest)
{
	struct lb_image_ref r;
	struct lb_err err;
	assert_int_equal(lb_image_ref_parse(in, &r, &err), 0);
	assert_string_equal(r.domain, domain);
	assert_string_equal(r.path, path);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
}

static void references_normalise_like_docker(void **state)
{
	(void)state;
	ref_ok("busybox", "docker.io", "library/busybox", "", "");
	ref_ok("busybox:1.36", "docker.io", "library/busybox", "1.36", "");
	ref_ok("index.docker.io/team/app", "docker.io", "team/app", "", "");
	ref_ok("team/app:v1", "docker.io", "team/app", "v1", "");
	ref_ok("localhost/app", "localhost", "app", "", "");
	ref_ok("127.0.0.1:5000/a__b/c-d/e.f:latest", "127.0.0.1:5000", "a__b/c-d/e.f", "latest", "");
	ref_ok("reg.example:443/x@sha256:" D64, "reg.example:443", "x", "", "sha256:" D64);
	ref_ok("x:t@sha256:" D64, "docker.io", "library/x", "t", "sha256:" D64);
	struct lb_image_ref r;
	struct lb_err err;
	assert_int_equal(lb_image_ref_parse("busybox", &r, &err), 0);
	assert_string_equal(lb_image_ref_api_host(&r), "registry-1.docker.io");
	assert_string_equal(lb_image_ref_reference(&r), "latest");
}

static void hostile_references_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "UPPER/x", "a//b", "../x", "a/../b", "x/./y", "-x",
					  "x-", "x:", "x:-t", "h:99999/x", "h:0/x", "a..b/c", "x@sha256:abc",
					  ("x@md5:" D64), "a b", "a/b/", "/a", D64, "x:t:u",
					  "h-.x/y", "[::1]:5000/x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lb_image_ref r;
		struct lb_err err;
		if (lb_image_ref_parse(bad[i], &r, &err) != LB_EUSAGE)
			fail_msg("accepted '%s'", bad[i]);
	}
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct lb_image_ref r;
	struct lb_err err;
	assert_int_equal(lb_image_ref_parse(longname, &r, &err), LB_EUSAGE);
}

static void challenges_give_realm_service_scope(void **state)
{
	(void)state;
	struct lb_www_auth a;
	struct lb_err err;
	const char *h = "Bearer realm=\"https://auth.example/token\",service=\"reg.example\","
			"scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"";
	assert_int_equal(lb_www_auth_parse(h, strlen(h), &a, &err), 0);
	assert_int_equal(a.scheme, LB_AUTH_BEARER);
	assert_string_equal(a.realm, "https://auth.example/token");
	assert_string_equal(a.service, "reg.example");
	assert_string_equal(a.scope, "repository:a/b:pull,push");
	assert_string_equal(a.error, "insufficient_scope");
	h = "Basic realm=\"Reg \\\"x\\\"\"";
	assert_int_equal(lb_www_auth_parse(h, strlen(h), &a, &err), 0);
	assert_int_equal(a.scheme, LB_AUTH_BASIC);
	assert_string_equal(a.realm, "Reg \"x\"");
	h = "bearer  realm = https://x/t , service=s, Basic realm=\"y\"";
	assert_int_equal(lb_www_auth_parse(h, strlen(h), &a, &err), 0);
	assert_string_equal(a.realm, "https://x/t");
	assert_string_equal(a.service, "s");
}

static void malformed_challenges_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "Bearer service=\"x\"", "Bearer realm=\"open",
					  "Bearer realm=\"a\nb\"", "Bearer realm=", "=x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lb_www_auth a;
		struct lb_err err;
		if (lb_www_auth_parse(bad[i], strlen(bad[i]), &a, &err) != LB_EINTEGRITY)
			fail_msg("accepted '%s'", bad[i]);
	}
	char big[2000] = "Bearer realm=\"";
	memset(big + strlen(big), 'x', 1500);
	strcat(big, "\"");
	struct lb_www_auth a;
	struct lb_err err;
	assert_int_equal(lb_www_auth_parse(big, strlen(big), &a, &err), LB_EINTEGRITY);
}

static void config_json_auths_match_by_host(void **state)
{
	(void)state;
	/* dXNlcjpwYTpzcw== is base64("user:pa:ss") */
	const char *cfg = "{\"auths\":{\"https://reg.example:5000/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
			  "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnB3\"}},"
			  "\"credHelpers\":{\"ecr.example\":\"ecr-login\"}}";
	struct lb_creds c;
	struct lb_err err;
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "reg.example:5000", &c, &err), 0);
	assert_true(c.have);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.pass, "pa:ss");
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "docker.io", &c, &err), 0);
	assert_string_equal(c.user, "hub");
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "reg.example", &c, &err), 0);
	assert_false(c.have);
	assert_int_equal(lb_authfile_lookup_text(cfg, strlen(cfg), "cfg", "ecr.example", &c, &err), 0);
	assert_false(c.have);
	assert_string_equal(c.helper, "ecr-login");
	const char *bad = "{\"auths\":{\"h\":{\"auth\":\"!!!!\"}}}";
	assert_int_equal(lb_authfile_lookup_text(bad, strlen(bad), "cfg", "h", &c, &err), LB_EINTEGRITY);
	assert_int_equal(lb_creds_parse("nocolon", &c, &err), LB_EUSAGE);
	assert_int_equal(lb_creds_parse("u:p:q", &c, &err), 0);
	assert_string_equal(c.pass, "p:q");
}

static void sizes_take_binary_units(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(lb_parse_size("8M", &v), 0);
	assert_int_equal(v, 8u << 20);
	assert_int_equal(lb_parse_size("512K", &v), 0);
	assert_int_equal(v, 512u << 10);
	assert_int_equal(lb_parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(lb_parse_size("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(lb_parse_size("1MB", &v), 0);
	assert_int_equal(v, 1u << 20);
	assert_int_equal(lb_parse_size("", &v), -1);
	assert_int_equal(lb_parse_size("M", &v), -1);
	assert_int_equal(lb_parse_size("1X", &v), -1);
	assert_int_equal(lb_parse_size("1Mx", &v), -1);
	assert_int_equal(lb_parse_size("99999999999T", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(references_normalise_like_docker),
		cmocka_unit_test(hostile_references_are_refused),
		cmocka_unit_test(challenges_give_realm_service_scope),
		cmocka_unit_test(malformed_challenges_are_refused),
		cmocka_unit_test(config_json_auths_match_by_host),
		cmocka_unit_test(sizes_take_binary_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
