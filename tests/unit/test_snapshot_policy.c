/* lib/snapshot/policy: the policy file of `snapshot run --policy FILE`,
 * parsed strictly, every error naming the file and the field's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot/policy.h"

static int parse(const char *text, struct lb_snap_policy *p, struct lb_err *err)
{
	return lb_snap_policy_parse(text, strlen(text), "policy.json", p, err);
}

/* The example of docs/snapshot-policy.md. */
static void the_documented_example_parses(void **state)
{
	(void)state;
	struct lb_snap_policy p;
	struct lb_err err = {0};
	assert_int_equal(parse("{\"version\": 1,\n"
			       " \"containers\": [\"web\", \"db\"],\n"
			       " \"keep\": {\"last\": 24, \"hourly\": 48, \"daily\": 14, \"weekly\": 8,\n"
			       "          \"monthly\": 12, \"yearly\": 3},\n"
			       " \"export\": {\"dir\": \"/backup/lifeboat\", \"full_every\": 7,\n"
			       "            \"compress_level\": 3}}\n",
			       &p, &err),
			 0);
	assert_false(p.all_containers);
	assert_int_equal(p.n_containers, 2);
	assert_string_equal(p.containers[0], "web");
	assert_string_equal(p.containers[1], "db");
	assert_true(p.has_keep);
	assert_int_equal(p.keep.last, 24);
	assert_int_equal(p.keep.hourly, 48);
	assert_int_equal(p.keep.daily, 14);
	assert_int_equal(p.keep.weekly, 8);
	assert_int_equal(p.keep.monthly, 12);
	assert_int_equal(p.keep.yearly, 3);
	assert_true(p.has_export);
	assert_string_equal(p.export_dir, "/backup/lifeboat");
	assert_int_equal(p.full_every, 7);
	assert_int_equal(p.compress_level, 3);
	lb_snap_policy_free(&p);
}

static void all_containers_and_defaults(void **state)
{
	(void)state;
	struct lb_snap_policy p;
	struct lb_err err = {0};
	assert_int_equal(parse("{\"version\":1,\"containers\":\"all\"}", &p, &err), 0);
	assert_true(p.all_containers);
	assert_int_equal(p.n_containers, 0);
	assert_false(p.has_keep);
	assert_false(p.has_export);
	lb_snap_policy_free(&p);
	assert_int_equal(parse("{\"version\":1,\"containers\":\"all\",\"keep\":{\"daily\":7},"
			       "\"export\":{\"dir\":\"/b\"}}",
			       &p, &err),
			 0);
	assert_int_equal(p.keep.daily, 7);
	assert_int_equal(p.keep.last, 0);
	assert_int_equal(p.full_every, LB_SNAP_POLICY_DEFAULT_FULL_EVERY);
	assert_int_equal(p.compress_level, LB_SNAP_POLICY_DEFAULT_LEVEL);
	lb_snap_policy_free(&p);
}

static void expect_bad(const char *text, const char *needle)
{
	struct lb_snap_policy p;
	struct lb_err err = {0};
	int rc = parse(text, &p, &err);
	if (rc != LB_EUSAGE || !strstr(err.msg, needle) || strncmp(err.msg, "policy.json: ", 13))
		fail_msg("want LB_EUSAGE with \"%s\", got %d: %s\n  for %s", needle, rc, err.msg,
			 text);
	assert_null(p.containers);
}

#define V "{\"version\":1,"

static void errors_name_the_field(void **state)
{
	(void)state;
	expect_bad("{\"containers\":\"all\"}", "version: missing");
	expect_bad("{\"version\":2,\"containers\":\"all\"}", "version: 2 is newer than this lifeboat");
	expect_bad("{\"version\":\"1\",\"containers\":\"all\"}", "version:");
	expect_bad(V "\"containers\":\"all\",\"kep\":{}}", "kep: unknown field");
	expect_bad(V "\"containers\":\"all\",\"containers\":\"all\"}", "duplicate");
	expect_bad(V "\"containers\":\"all\"", "bad JSON");
	expect_bad("[]", "expected a JSON object");
	expect_bad(V "\"keep\":{\"daily\":1}}", "containers: missing");
	expect_bad(V "\"containers\":\"some\"}", "containers: expected \"all\"");
	expect_bad(V "\"containers\":[]}", "containers: expected 1..1000 names, got 0");
	expect_bad(V "\"containers\":7}", "containers: expected \"all\" or a list of container names, got an integer");
	expect_bad(V "\"containers\":[\"web\",3]}", "containers[1]: expected a container name, got an integer");
	expect_bad(V "\"containers\":[\"web\",\"/db\"]}", "containers[1]: '/db' is not a container name");
	expect_bad(V "\"containers\":[\"w\"]}", "containers[0]: 'w' is not");
	expect_bad(V "\"containers\":[\"a b\"]}", "containers[0]");
	expect_bad(V "\"containers\":[\"web\",\"db\",\"web\"]}", "containers[2]: 'web' is named twice");
	expect_bad(V "\"containers\":\"all\",\"keep\":[]}", "keep: expected an object, got an array");
	expect_bad(V "\"containers\":\"all\",\"keep\":{\"daily\":-1}}", "keep.daily: -1 is out of range (0..1000000)");
	expect_bad(V "\"containers\":\"all\",\"keep\":{\"daily\":1.5}}", "keep.daily: expected an integer, got a number with a fraction");
	expect_bad(V "\"containers\":\"all\",\"keep\":{\"dayly\":1}}", "keep.dayly: unknown field");
	expect_bad(V "\"containers\":\"all\",\"keep\":{\"daily\":0}}", "keep: every rule is 0");
	expect_bad(V "\"containers\":\"all\",\"export\":{}}", "export.dir: missing");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"backup\"}}", "export.dir: 'backup' is not an absolute path");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"/a/../etc\"}}", "export.dir");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"/a/./b\"}}", "export.dir");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"/a\",\"full_every\":0}}", "export.full_every: 0 is out of range (1..1000)");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"/a\",\"compress_level\":20}}", "export.compress_level: 20 is out of range (1..19)");
	expect_bad(V "\"containers\":\"all\",\"export\":{\"dir\":\"/a\",\"level\":3}}", "export.level: unknown field");
}

static void an_oversized_file_is_refused(void **state)
{
	(void)state;
	size_t len = LB_SNAP_POLICY_MAX_BYTES + 1;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, ' ', len);
	struct lb_snap_policy p;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_policy_parse(big, len, "big.json", &p, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "over the policy file's limit of"));
	free(big);
}

static void load_reads_the_file_and_names_a_missing_one(void **state)
{
	(void)state;
	char path[] = "/tmp/lb-policy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "{\"version\":1,\"containers\":[\"db\"]}";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct lb_snap_policy p;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_policy_load(path, &p, &err), 0);
	assert_string_equal(p.containers[0], "db");
	lb_snap_policy_free(&p);
	unlink(path);
	assert_int_equal(lb_snap_policy_load(path, &p, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_documented_example_parses),
		cmocka_unit_test(all_containers_and_defaults),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(an_oversized_file_is_refused),
		cmocka_unit_test(load_reads_the_file_and_names_a_missing_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
