/* lib/discard pure parts: thin-pool params kept byte for byte but for the
 * features, the status line's discard field as dm-thin prints it, the kernel
 * range, mount options, LVM names, mountinfo lines and remount flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/mount.h>

#include "discard/discard.h"
#include "mount/mount.h"

static void params_round_trip_with_only_the_features_changed(void **state)
{
	(void)state;
	struct lb_pool_params p;
	struct lb_err err = {0};
	char out[1024];
	assert_int_equal(lb_pool_params_parse("7:1 7:0 128 32768 1 skip_block_zeroing", &p, &err), 0);
	assert_string_equal(p.metadata_dev, "7:1");
	assert_string_equal(p.data_dev, "7:0");
	assert_int_equal(p.block_size_sectors, 128);
	assert_int_equal(p.low_water_blocks, 32768);
	assert_int_equal(p.n_features, 1);
	assert_int_equal(lb_pool_params_discard(&p), LB_DISCARD_PASSDOWN);
	assert_int_equal(lb_pool_params_add(&p, "no_discard_passdown", &err), 0);
	assert_int_equal(lb_pool_params_add(&p, "no_discard_passdown", &err), 0);
	assert_int_equal(lb_pool_params_format(&p, out, sizeof(out), &err), 0);
	assert_string_equal(out, "7:1 7:0 128 32768 2 skip_block_zeroing no_discard_passdown");
	assert_int_equal(lb_pool_params_discard(&p), LB_DISCARD_NOPASSDOWN);

	/* No feature count at all, and the kernel's trailing space after "0". */
	assert_int_equal(lb_pool_params_parse("253:3 253:4 1024 80", &p, &err), 0);
	assert_int_equal(p.n_features, 0);
	assert_int_equal(lb_pool_params_add(&p, "ignore_discard", &err), 0);
	assert_int_equal(lb_pool_params_format(&p, out, sizeof(out), &err), 0);
	assert_string_equal(out, "253:3 253:4 1024 80 1 ignore_discard");
	assert_int_equal(lb_pool_params_parse("8:16 8:17 128 0 0 ", &p, &err), 0);
	assert_int_equal(lb_pool_params_format(&p, out, sizeof(out), &err), 0);
	assert_string_equal(out, "8:16 8:17 128 0 0");

	/* Unknown features are kept, in order. */
	assert_int_equal(lb_pool_params_parse("1:2 3:4 128 10 3 read_only future_flag error_if_no_space",
					      &p, &err), 0);
	assert_int_equal(lb_pool_params_add(&p, "ignore_discard", &err), 0);
	assert_int_equal(lb_pool_params_format(&p, out, sizeof(out), &err), 0);
	assert_string_equal(out, "1:2 3:4 128 10 4 read_only future_flag error_if_no_space ignore_discard");
	assert_int_equal(lb_pool_params_discard(&p), LB_DISCARD_IGNORE);
}

static void bad_params_are_integrity_errors(void **state)
{
	(void)state;
	struct lb_pool_params p;
	struct lb_err err = {0};
	static const char *const bad[] = {
		"", "7:1", "7:1 7:0", "7:1 7:0 x 32768", "7:1 7:0 128 -1",
		"7:1 7:0 128 32768 2 skip_block_zeroing", "7:1 7:0 128 32768 1 a b",
		"7:1 7:0 128 32768 99",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(lb_pool_params_parse(bad[i], &p, &err), LB_EINTEGRITY);
		assert_non_null(strstr(err.msg, "thin-pool table"));
	}
}

static void status_discard_field_as_the_kernel_prints_it(void **state)
{
	(void)state;
	enum lb_discard_mode m;
	char mode[32];
	struct lb_err err = {0};
	/* 6.1 */
	assert_int_equal(lb_pool_status_discard("0 420/4096 77/4096 - rw ignore_discard queue_if_no_space - 1024 ",
						&m, mode, &err), 0);
	assert_int_equal(m, LB_DISCARD_IGNORE);
	assert_string_equal(mode, "rw");
	assert_int_equal(lb_pool_status_discard("5 10/20 30/40 7 out_of_data_space no_discard_passdown error_if_no_space needs_check",
						&m, mode, &err), 0);
	assert_int_equal(m, LB_DISCARD_NOPASSDOWN);
	assert_string_equal(mode, "out_of_data_space");
	/* 3.10-era line: no space policy, no needs_check */
	assert_int_equal(lb_pool_status_discard("1 1/2 3/4 - ro discard_passdown", &m, NULL, &err), 0);
	assert_int_equal(m, LB_DISCARD_PASSDOWN);
	assert_int_equal(lb_pool_status_discard("Fail", &m, NULL, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "failed"));
	assert_int_equal(lb_pool_status_discard("1 1/2 3/4 -", &m, NULL, &err), LB_EINTEGRITY);
	/* A word in an earlier position is never taken for the field. */
	assert_int_equal(lb_pool_status_discard("ignore_discard 1/2 3/4 - rw", &m, NULL, &err),
			 LB_EINTEGRITY);
}

static void kernel_range(void **state)
{
	(void)state;
	struct lb_kernel_risk r;
	lb_kernel_discard_risk("3.10.0-123.13.1.el7.x86_64", &r);
	assert_true(r.affected);
	assert_non_null(strstr(r.basis, "9862"));
	lb_kernel_discard_risk("3.10.0-1160.119.1.el7.x86_64", &r);
	assert_true(r.affected);
	lb_kernel_discard_risk("2.6.32-431.el6.x86_64", &r);
	assert_true(r.affected);
	lb_kernel_discard_risk("3.8.13-generic", &r);
	assert_true(r.affected);
	lb_kernel_discard_risk("3.10.0-generic", &r);
	assert_false(r.affected);
	lb_kernel_discard_risk("6.1.0-56-amd64", &r);
	assert_false(r.affected);
	assert_non_null(strstr(r.basis, "reports lifeboat knows of"));
	lb_kernel_discard_risk("4.18.0-513.el8.x86_64", &r);
	assert_false(r.affected);
	lb_kernel_discard_risk("garbage", &r);
	assert_false(r.affected);
}

static void discard_among_mount_options(void **state)
{
	(void)state;
	assert_true(lb_mount_opts_have_discard("rw,attr2,discard,inode64"));
	assert_true(lb_mount_opts_have_discard("discard"));
	assert_true(lb_mount_opts_have_discard("rw,discard=async"));
	assert_false(lb_mount_opts_have_discard("rw,nodiscard"));
	assert_false(lb_mount_opts_have_discard("rw,discard_max=1,stripe=64"));
	assert_false(lb_mount_opts_have_discard(""));
}

static void lvm_names(void **state)
{
	(void)state;
	char lv[64];
	assert_true(lb_lvm_lv_of_dm_name("vg0-pool-tpool", lv, sizeof(lv)));
	assert_string_equal(lv, "vg0/pool");
	assert_true(lb_lvm_lv_of_dm_name("docker-thinpool-tpool", lv, sizeof(lv)));
	assert_string_equal(lv, "docker/thinpool");
	assert_true(lb_lvm_lv_of_dm_name("my--vg-thin--pool-tpool", lv, sizeof(lv)));
	assert_string_equal(lv, "my-vg/thin-pool");
	assert_true(lb_lvm_lv_of_dm_name("vg-pool", lv, sizeof(lv)));
	assert_string_equal(lv, "vg/pool");
	assert_false(lb_lvm_lv_of_dm_name("pool", lv, sizeof(lv)));
	assert_false(lb_lvm_lv_of_dm_name("a-b-c-d", lv, sizeof(lv)));
	assert_false(lb_lvm_lv_of_dm_name("vg--", lv, sizeof(lv)));
}

static void mountinfo_lines_and_remount_flags(void **state)
{
	(void)state;
	struct lb_mountinfo m;
	assert_true(lb_mountinfo_parse("42 39 253:1 / /mnt/a\\040b rw,nosuid,nodev,relatime shared:5 - "
				       "xfs /dev/mapper/t1 rw,attr2,discard,inode64\n", &m));
	assert_int_equal(m.major, 253);
	assert_int_equal(m.minor, 1);
	assert_string_equal(m.dir, "/mnt/a b");
	assert_string_equal(m.fstype, "xfs");
	assert_string_equal(m.super_opts, "rw,attr2,discard,inode64");
	assert_true(lb_mount_keep_flags(&m) == (MS_NOSUID | MS_NODEV | MS_RELATIME));
	assert_true(lb_mountinfo_parse("1 2 8:3 / / ro,noatime - ext4 /dev/sda3 ro,sync", &m));
	assert_true(lb_mount_keep_flags(&m) == (MS_RDONLY | MS_NOATIME | MS_SYNCHRONOUS));
	assert_false(lb_mountinfo_parse("1 2 8:3 / / ro - ext4", &m));
	assert_false(lb_mountinfo_parse("garbage", &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(params_round_trip_with_only_the_features_changed),
		cmocka_unit_test(bad_params_are_integrity_errors),
		cmocka_unit_test(status_discard_field_as_the_kernel_prints_it),
		cmocka_unit_test(kernel_range),
		cmocka_unit_test(discard_among_mount_options),
		cmocka_unit_test(lvm_names),
		cmocka_unit_test(mountinfo_lines_and_remount_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
