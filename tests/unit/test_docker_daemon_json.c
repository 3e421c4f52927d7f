/* daemon.json "storage-opts" with NewDeviceSet's parsing rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "docker/daemon_json.h"
#include "test_docker_fixture.h"

#define S(text) text, sizeof(text) - 1
#define GiB (1024ull * 1024 * 1024)

static void ram_in_bytes_like_go_units(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{"10737418240", 10737418240ull},
		{"20G", 20 * GiB},
		{"20g", 20 * GiB},
		{"20GB", 20 * GiB},
		{"20GiB", 20 * GiB},
		{"20 gb", 20 * GiB},
		{"512M", 512ull << 20},
		{"64k", 64ull << 10},
		{"1.5G", 3 * GiB / 2},
		{"1T", 1ull << 40},
		{"100b", 100},
		{"100", 100},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t got = 0;
		assert_int_equal(lb_docker_ram_in_bytes(ok[i].text, &got, NULL), 0);
		assert_true(got == ok[i].bytes);
	}
	static const char *const bad[] = {"", "G", "20X", "-1G", "1.2.3G", "20  G", " 20G", "20Gx"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t got = 0;
		struct lb_err err = {0};
		assert_int_equal(lb_docker_ram_in_bytes(bad[i], &got, &err), LB_EINTEGRITY);
	}
}

static void parse_bool_like_go(void **state)
{
	(void)state;
	bool v = false;
	assert_true(lb_docker_parse_bool("True", &v) && v);
	assert_true(lb_docker_parse_bool("1", &v) && v);
	assert_true(lb_docker_parse_bool("f", &v) && !v);
	assert_true(lb_docker_parse_bool("FALSE", &v) && !v);
	assert_false(lb_docker_parse_bool("yes", &v));
	assert_false(lb_docker_parse_bool("tRUE", &v));
}

static void defaults_without_options(void **state)
{
	(void)state;
	struct lb_docker_storage_opts o;
	assert_int_equal(lb_docker_storage_opts_parse(NULL, 0, "x", &o, NULL), 0);
	assert_string_equal(o.thinpooldev, "");
	assert_true(o.basesize_bytes == 10 * GiB);
	assert_false(o.basesize_set);
	assert_true(o.blkdiscard); /* loop-lvm: Docker discards by default */
	assert_string_equal(o.fs, "");
}

static void storage_opts_are_trimmed_and_case_folded(void **state)
{
	(void)state;
	const char *opts[] = {
		" DM.ThinPoolDev = /dev/mapper/docker-thinpool ",
		"dm.basesize=20G",
		"dm.fs=xfs",
		"dm.mountopt=nodiscard",
		"dm.mountopt=",
		"dm.mountopt=noatime",
		"dm.override_udev_sync_check=true",
		"dm.use_deferred_removal=true",
		"dm.min_free_space=5%",
	};
	struct lb_docker_storage_opts o;
	assert_int_equal(lb_docker_storage_opts_parse(opts, sizeof(opts) / sizeof(opts[0]), "x", &o, NULL),
			 0);
	assert_string_equal(o.thinpooldev, "docker-thinpool");
	assert_true(o.basesize_set);
	assert_true(o.basesize_bytes == 20 * GiB);
	assert_string_equal(o.fs, "xfs");
	assert_string_equal(o.mountopt, "nodiscard,noatime");
	assert_true(o.override_udev_sync_check);
	assert_true(o.use_deferred_removal_set && o.use_deferred_removal);
	assert_int_equal(o.unknown_count, 1);
	/* With a thin pool device, blkdiscard defaults to off unless asked for. */
	assert_false(o.blkdiscard);
	assert_false(o.blkdiscard_set);

	const char *with_discard[] = {"dm.thinpooldev=pool", "dm.blkdiscard=true"};
	assert_int_equal(lb_docker_storage_opts_parse(with_discard, 2, "x", &o, NULL), 0);
	assert_true(o.blkdiscard);
	assert_string_equal(o.thinpooldev, "pool");
}

static void bad_storage_opts_name_the_option(void **state)
{
	(void)state;
	struct lb_docker_storage_opts o;
	struct lb_err err = {0};
	const char *no_eq[] = {"dm.basesize"};
	assert_int_equal(lb_docker_storage_opts_parse(no_eq, 1, "/etc/docker/daemon.json", &o, &err),
			 LB_EINTEGRITY);
	assert_string_equal(err.msg, "/etc/docker/daemon.json: storage option 'dm.basesize': not key=value");

	const char *bad_size[] = {"dm.basesize=lots"};
	assert_int_equal(lb_docker_storage_opts_parse(bad_size, 1, "d.json", &o, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "d.json: storage option 'dm.basesize=lots'"));

	const char *bad_fs[] = {"dm.fs=btrfs"};
	assert_int_equal(lb_docker_storage_opts_parse(bad_fs, 1, "d.json", &o, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "storage option 'dm.fs=btrfs': unsupported filesystem"));

	const char *bad_bool[] = {"dm.blkdiscard=yes"};
	assert_int_equal(lb_docker_storage_opts_parse(bad_bool, 1, "d.json", &o, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "storage option 'dm.blkdiscard=yes': not a boolean"));
}

static void daemon_json_file(void **state)
{
	(void)state;
	char root[PATH_MAX], path[PATH_MAX];
	fx_tmpdir(root);
	fx_fmt(path, "%s/daemon.json", root);
	struct lb_docker_daemon_config cfg;
	struct lb_err err = {0};

	/* Missing: Docker's defaults. */
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), 0);
	assert_false(cfg.present);
	assert_true(cfg.storage.blkdiscard);
	assert_true(cfg.storage.basesize_bytes == 10 * GiB);

	fx_write(root, "daemon.json",
		 "{\n"
		 "  \"data-root\": \"/srv/docker\",\n"
		 "  \"storage-driver\": \"devicemapper\",\n"
		 "  \"storage-opts\": [\n"
		 "    \"dm.thinpooldev=/dev/mapper/docker-thinpool\",\n"
		 "    \"dm.use_deferred_removal=true\",\n"
		 "    \"dm.use_deferred_deletion=true\"\n"
		 "  ],\n"
		 "  \"log-driver\": \"json-file\"\n"
		 "}\n");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), 0);
	assert_true(cfg.present);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.data_root, "/srv/docker");
	assert_string_equal(cfg.storage_driver, "devicemapper");
	assert_string_equal(cfg.storage.thinpooldev, "docker-thinpool");
	assert_true(cfg.storage.use_deferred_deletion);

	/* An empty daemon.json is accepted by dockerd. */
	fx_write(root, "daemon.json", "  \n");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), 0);
	assert_true(cfg.present);
	assert_string_equal(cfg.storage.thinpooldev, "");

	fx_write(root, "daemon.json", "{\n  \"storage-opts\": [\"dm.basesize=20G\",]\n}\n");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "daemon.json: invalid JSON at line 2 column"));

	fx_write(root, "daemon.json", "{\"storage-opts\": \"dm.basesize=20G\"}");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key \"storage-opts\": expected array"));

	fx_write(root, "daemon.json", "{\"storage-opts\": [\"dm.fs=xfs\", 3]}");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "element 1 is not a string"));

	fx_write(root, "daemon.json", "{\"graph\": \"/data/docker\"}");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg.data_root, "/data/docker");

	fx_write(root, "daemon.json", "{\"data-root\": 7}");
	assert_int_equal(lb_docker_daemon_config_load(path, &cfg, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "key \"data-root\": expected string, got integer"));
	fx_rm_rf(root);
}

/* The options that name the pool's devices lead nowhere but to devices. */
static void pool_device_options_are_checked(void **state)
{
	(void)state;
	struct lb_docker_storage_opts o;
	struct lb_err err = {0};
	const char *ok[] = {"dm.thinpooldev=/dev/mapper/vg-docker--pool", "dm.datadev=/dev/sdb1",
			    "dm.metadatadev=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4-part2",
			    "dm.directlvm_device=/dev/xvdf"};
	assert_int_equal(lb_docker_storage_opts_parse(ok, 4, "d.json", &o, &err), 0);
	assert_string_equal(o.thinpooldev, "vg-docker--pool");
	assert_string_equal(o.metadatadev, "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4-part2");

	const char *const bad[] = {
		"dm.thinpooldev=/dev/mapper/../../../../etc/shadow",
		"dm.thinpooldev=../pool",
		"dm.thinpooldev=/dev/vg/pool",
		"dm.thinpooldev=..",
		"dm.thinpooldev=/dev/mapper/",
		"dm.thinpooldev=po ol",
		"dm.thinpooldev=pool\x1b",
		"dm.datadev=sdb",
		"dm.datadev=/dev/../etc/shadow",
		"dm.datadev=/dev/./sdb",
		"dm.datadev=/dev//sdb",
		"dm.datadev=/dev/",
		"dm.metadatadev=/etc/shadow",
		"dm.directlvm_device=/dev/sd\xff",
		"dm.mountopt=nouuid\nx",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (lb_docker_storage_opts_parse(&bad[i], 1, "/etc/docker/daemon.json", &o, &err) !=
		    LB_EINTEGRITY)
			fail_msg("accepted '%s'", bad[i]);
		/* The message names the file and the option; never a raw control byte. */
		assert_non_null(strstr(err.msg, "/etc/docker/daemon.json: storage option 'dm."));
		for (const char *p = err.msg; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	}
	const char *traversal[] = {"dm.thinpooldev=/dev/mapper/../../../../etc/shadow"};
	assert_int_equal(lb_docker_storage_opts_parse(traversal, 1, "d.json", &o, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "d.json: storage option 'dm.thinpooldev=/dev/mapper/../../../../"
				     "etc/shadow': not a device-mapper pool name (a bare name, or "
				     "/dev/mapper/<name>, without '/', '..' or spaces)");
	const char *escaped[] = {"dm.directlvm_device=/dev/sd\xff"};
	assert_int_equal(lb_docker_storage_opts_parse(escaped, 1, "d.json", &o, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "'dm.directlvm_device=/dev/sd\\xff': not a device path under /dev"));
}

/* One reading of "key=value" for lib/docker's parser and the discard edit:
 * Docker's ParseKeyValueOpt (split at the first '=', both sides trimmed)
 * and NewDeviceSet's lower-casing of the key. */
static void storage_opt_split_reads_like_docker(void **state)
{
	(void)state;
	char key[32];
	const char *value;
	size_t len;
	assert_true(lb_docker_storage_opt_split("  DM.BlkDiscard = FALSE \t", key, sizeof(key),
						&value, &len));
	assert_string_equal(key, "dm.blkdiscard");
	assert_int_equal(len, 5);
	assert_memory_equal(value, "FALSE", 5);
	/* Only the first '=' splits: a value may hold more. */
	assert_true(lb_docker_storage_opt_split("dm.mountopt=a=b,c", key, sizeof(key), &value, &len));
	assert_string_equal(key, "dm.mountopt");
	assert_int_equal(len, 5);
	assert_memory_equal(value, "a=b,c", 5);
	/* An empty value is still key=value. */
	assert_true(lb_docker_storage_opt_split("dm.fs=", key, sizeof(key), &value, &len));
	assert_int_equal(len, 0);
	/* No '=': not an option dockerd starts with; the key is the entry. */
	assert_false(lb_docker_storage_opt_split(" Dm.Fs ", key, sizeof(key), &value, &len));
	assert_string_equal(key, "dm.fs");
	assert_int_equal(len, 0);
	/* A key longer than the buffer is cut, never overrun. */
	char small[4];
	assert_true(lb_docker_storage_opt_split("dm.basesize=1G", small, sizeof(small), &value, &len));
	assert_string_equal(small, "dm.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ram_in_bytes_like_go_units),
		cmocka_unit_test(parse_bool_like_go),
		cmocka_unit_test(defaults_without_options),
		cmocka_unit_test(storage_opts_are_trimmed_and_case_folded),
		cmocka_unit_test(bad_storage_opts_name_the_option),
		cmocka_unit_test(daemon_json_file),
		cmocka_unit_test(pool_device_options_are_checked),
		cmocka_unit_test(storage_opt_split_reads_like_docker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
