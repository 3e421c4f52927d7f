/* devicemapper/metadata/ files: per-device JSON, deviceset-metadata,
 * transaction-metadata, as Docker 20.10 writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "docker/devmeta.h"
#include "test_docker_fixture.h"

#define S(text) text, sizeof(text) - 1

static void device_json_as_docker_writes_it(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":5,\"size\":10737418240,"
					      "\"transaction_id\":7,\"initialized\":false,"
					      "\"deleted\":false}"),
					    "meta/abc", "abc", &d, &err),
			 0);
	assert_string_equal(d.hash, "abc");
	assert_int_equal(d.device_id, 5);
	assert_true(d.size_bytes == 10737418240ull);
	assert_int_equal(d.transaction_id, 7);
	assert_false(d.initialized);
	assert_false(d.deleted);
}

static void base_device_has_empty_hash(void **state)
{
	(void)state;
	struct lb_dm_device d;
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":1,\"size\":21474836480,"
					      "\"transaction_id\":1,\"initialized\":true,"
					      "\"deleted\":false}"),
					    "meta/base", "", &d, NULL),
			 0);
	assert_string_equal(d.hash, "");
	assert_true(d.initialized);
	assert_true(d.size_bytes == 21474836480ull);
	assert_string_equal(lb_dm_device_file(""), "base");
	assert_string_equal(lb_dm_device_file("abc"), "abc");
}

static void deleted_device_is_reported(void **state)
{
	(void)state;
	struct lb_dm_device d;
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":8,\"size\":10737418240,"
					      "\"transaction_id\":12,\"initialized\":false,"
					      "\"deleted\":true}"),
					    "meta/x", "x", &d, NULL),
			 0);
	assert_true(d.deleted);
}

/* Docker before 1.10 had no "deleted" key; Go leaves it false. */
static void missing_optional_keys_read_as_false(void **state)
{
	(void)state;
	struct lb_dm_device d;
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":3,\"size\":100}"), "m", "h", &d, NULL),
			 0);
	assert_false(d.deleted);
	assert_false(d.initialized);
	assert_int_equal(d.transaction_id, 0);
}

static void corrupt_json_names_file_line_and_column(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	int rc = lb_dm_device_parse(S("{\"device_id\":5,\n\"size\":}"), "/r/metadata/abc", "abc", &d,
				    &err);
	assert_int_equal(rc, LB_EINTEGRITY);
	assert_int_equal(err.code, LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/r/metadata/abc: invalid JSON at line 2 column"));
}

static void truncated_file_is_integrity_error(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_parse(S(""), "/r/metadata/abc", "abc", &d, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/r/metadata/abc: invalid JSON"));
}

static void wrong_type_names_the_key(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":\"5\",\"size\":1}"), "/m/h", "h", &d, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "/m/h: key \"device_id\": expected integer, got string");

	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":5,\"size\":1,\"deleted\":1}"), "/m/h",
					    "h", &d, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "/m/h: key \"deleted\": expected boolean, got integer");

	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":5,\"size\":-1}"), "/m/h", "h", &d, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key \"size\""));

	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":5,\"size\":1.5}"), "/m/h", "h", &d, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key \"size\""));

	assert_int_equal(lb_dm_device_parse(S("[1,2]"), "/m/h", "h", &d, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/m/h: invalid JSON: top level is not an object"));
}

static void required_keys_are_required(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_parse(S("{\"size\":1}"), "/m/h", "h", &d, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "/m/h: key \"device_id\": missing");
}

static void device_id_over_24_bits_is_rejected(void **state)
{
	(void)state;
	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":16777215,\"size\":1}"), "m", "h", &d, &err),
			 0);
	assert_int_equal(d.device_id, 0xffffff);
	assert_int_equal(lb_dm_device_parse(S("{\"device_id\":16777216,\"size\":1}"), "m", "h", &d, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "24-bit"));
}

/* deviceset-metadata: next_device_id is snake_case, the other two are Go
 * field names (no json tags) - as json.Marshal(DeviceSet) writes them. */
static void deviceset_metadata(void **state)
{
	(void)state;
	struct lb_dm_deviceset s;
	assert_int_equal(lb_dm_deviceset_parse(S("{\"next_device_id\":42,\"BaseDeviceUUID\":"
						 "\"4c0c5d29-95d4-4d1a-9a5f-3f2b1c0e8a11\","
						 "\"BaseDeviceFilesystem\":\"ext4\"}"),
					       "m", &s, NULL),
			 0);
	assert_int_equal(s.next_device_id, 42);
	assert_string_equal(s.base_device_uuid, "4c0c5d29-95d4-4d1a-9a5f-3f2b1c0e8a11");
	assert_string_equal(s.base_device_filesystem, "ext4");

	/* Docker 1.8 wrote only next_device_id. */
	assert_int_equal(lb_dm_deviceset_parse(S("{\"next_device_id\":3}"), "m", &s, NULL), 0);
	assert_string_equal(s.base_device_uuid, "");
}

static void transaction_metadata(void **state)
{
	(void)state;
	struct lb_dm_transaction t;
	char hash[65];
	fx_id(hash, "5e", '7');
	char json[256];
	snprintf(json, sizeof(json),
		 "{\"open_transaction_id\":17,\"device_hash\":\"%s\",\"device_id\":12}", hash);
	assert_int_equal(lb_dm_transaction_parse(json, strlen(json), "m", &t, NULL), 0);
	assert_int_equal(t.open_transaction_id, 17);
	assert_string_equal(t.device_hash, hash);
	assert_int_equal(t.device_id, 12);

	struct lb_err err = {0};
	assert_int_equal(lb_dm_transaction_parse(S("{\"open_transaction_id\":true}"), "/m/t", &t, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key \"open_transaction_id\""));
}

static void which_files_are_devices(void **state)
{
	(void)state;
	const char *hash = NULL;
	assert_true(lb_dm_is_device_file("base", &hash));
	assert_string_equal(hash, "");
	assert_true(lb_dm_is_device_file("abc-init", &hash));
	assert_string_equal(hash, "abc-init");
	assert_false(lb_dm_is_device_file("deviceset-metadata", NULL));
	assert_false(lb_dm_is_device_file("transaction-metadata", NULL));
	assert_false(lb_dm_is_device_file(".tmp123456", NULL));
	assert_false(lb_dm_is_device_file("json.migrated", NULL));
}

static void loading_from_files(void **state)
{
	(void)state;
	char root[PATH_MAX];
	fx_tmpdir(root);
	fx_skeleton(root);
	char meta[PATH_MAX];
	fx_fmt(meta, "%s/devicemapper/metadata", root);

	struct lb_dm_device d;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_device_load(meta, "", &d, &err), 0);
	assert_int_equal(d.device_id, 1);
	assert_true(d.initialized);

	struct lb_dm_deviceset s;
	assert_int_equal(lb_dm_deviceset_load(meta, &s, &err), 0);
	assert_int_equal(s.next_device_id, 9);
	assert_string_equal(s.base_device_filesystem, "xfs");

	struct lb_dm_transaction t;
	assert_int_equal(lb_dm_transaction_load(meta, &t, &err), 0);
	assert_int_equal(t.open_transaction_id, 9);
	assert_string_equal(t.device_hash, "");

	assert_int_equal(lb_dm_device_load(meta, "nosuch", &d, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/devicemapper/metadata/nosuch: cannot open"));

	fx_write(root, "devicemapper/metadata/bad", "{\"device_id\":1,");
	assert_int_equal(lb_dm_device_load(meta, "bad", &d, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/devicemapper/metadata/bad: invalid JSON at line 1"));

	assert_int_equal(lb_dm_device_load(meta, "../x", &d, &err), LB_EUSAGE);
	fx_rm_rf(root);
}

static void hashes_docker_gives_devices(void **state)
{
	(void)state;
	char hash[80];
	fx_id(hash, "5e", '7');
	assert_true(lb_dm_is_hash(""));
	assert_true(lb_dm_is_hash(hash));
	strcat(hash, "-init");
	assert_true(lb_dm_is_hash(hash));
	const char *const bad[] = {"base", "abc", "../../etc/shadow", "/", ".."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(lb_dm_is_hash(bad[i]));
	fx_id(hash, "5E", '7'); /* upper case: not Docker's */
	assert_false(lb_dm_is_hash(hash));

	/* transaction-metadata names a device file by it: checked on parsing. */
	struct lb_dm_transaction t;
	struct lb_err err = {0};
	assert_int_equal(lb_dm_transaction_parse(S("{\"open_transaction_id\":3,\"device_hash\":"
						   "\"../../etc/shadow\",\"device_id\":2}"),
						 "/m/transaction-metadata", &t, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/m/transaction-metadata: key \"device_hash\": "
					"'../../etc/shadow' is not a device hash"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_json_as_docker_writes_it),
		cmocka_unit_test(base_device_has_empty_hash),
		cmocka_unit_test(deleted_device_is_reported),
		cmocka_unit_test(missing_optional_keys_read_as_false),
		cmocka_unit_test(corrupt_json_names_file_line_and_column),
		cmocka_unit_test(truncated_file_is_integrity_error),
		cmocka_unit_test(wrong_type_names_the_key),
		cmocka_unit_test(required_keys_are_required),
		cmocka_unit_test(device_id_over_24_bits_is_rejected),
		cmocka_unit_test(deviceset_metadata),
		cmocka_unit_test(transaction_metadata),
		cmocka_unit_test(which_files_are_devices),
		cmocka_unit_test(loading_from_files),
		cmocka_unit_test(hashes_docker_gives_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
