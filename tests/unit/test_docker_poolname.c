/* Docker's device-mapper names: "docker-<maj>:<min>-<ino>[-pool|-<hash>|-base]". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/sysmacros.h>

#include "docker/poolname.h"
#include "test_docker_fixture.h"

static void pool_name_from_major_minor_inode(void **state)
{
	(void)state;
	char buf[LB_DM_NAME_MAX];
	assert_int_equal(lb_dm_pool_name_format(buf, sizeof(buf), 253, 0, 1048578, NULL), 0);
	assert_string_equal(buf, "docker-253:0-1048578-pool");
	assert_int_equal(lb_dm_prefix_format(buf, sizeof(buf), 8, 1, 262146, NULL), 0);
	assert_string_equal(buf, "docker-8:1-262146");
}

static void name_that_does_not_fit_fails(void **state)
{
	(void)state;
	char small[12];
	struct lb_err err = {0};
	assert_int_equal(lb_dm_pool_name_format(small, sizeof(small), 253, 0, 1048578, &err), LB_EFAIL);
	assert_int_equal(err.code, LB_EFAIL);
}

/* Docker splits st_dev itself: 12-bit major in bits 8..19, minor in bits
 * 0..7 and 20..31 - the same as glibc for every major below 4096. */
static void docker_major_minor_split(void **state)
{
	(void)state;
	uint64_t dev = makedev(8, 1);
	assert_int_equal(lb_dm_docker_major(dev), 8);
	assert_int_equal(lb_dm_docker_minor(dev), 1);
	dev = makedev(259, 3); /* nvme partition */
	assert_int_equal(lb_dm_docker_major(dev), 259);
	assert_int_equal(lb_dm_docker_minor(dev), 3);
	dev = makedev(0, 300); /* anonymous device (overlayfs, btrfs subvolume) */
	assert_int_equal(lb_dm_docker_major(dev), 0);
	assert_int_equal(lb_dm_docker_minor(dev), 300);
	dev = makedev(253, 0xfffff);
	assert_int_equal(lb_dm_docker_minor(dev), 0xfffff);
	/* Above 12 bits Docker keeps only the low 12 bits of the major. */
	dev = makedev(4096 + 7, 1);
	assert_int_equal(lb_dm_docker_major(dev), 7);
}

static void thin_device_names(void **state)
{
	(void)state;
	char buf[LB_DM_NAME_MAX], hash[65];
	fx_id(hash, "8f", '1');
	assert_int_equal(lb_dm_thin_name_format(buf, sizeof(buf), "docker-253:0-1048578", hash, NULL), 0);
	assert_string_equal(buf, "docker-253:0-1048578-8f11111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(lb_dm_thin_name_format(buf, sizeof(buf), "docker-253:0-1048578", "", NULL), 0);
	assert_string_equal(buf, "docker-253:0-1048578-base");

	char init[80];
	fx_fmt(init, "%s-init", hash);
	assert_int_equal(lb_dm_thin_name_format(buf, sizeof(buf), "docker-253:0-1048578", init, NULL), 0);
	assert_string_equal(buf + strlen(buf) - 5, "-init");

	char longer[200];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	struct lb_err err = {0};
	assert_int_equal(lb_dm_thin_name_format(buf, sizeof(buf), "docker-253:0-1", longer, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "device-mapper name"));
}

static void prefix_comes_from_stat_of_driver_home(void **state)
{
	(void)state;
	char root[PATH_MAX], home[PATH_MAX], buf[LB_DM_NAME_MAX], want[LB_DM_NAME_MAX];
	fx_tmpdir(root);
	fx_fmt(home, "%s/devicemapper", root);
	fx_mkdirs(home);
	struct stat st;
	assert_int_equal(stat(home, &st), 0);
	fx_fmt(want, "docker-%u:%u-%llu", major(st.st_dev), minor(st.st_dev),
	       (unsigned long long)st.st_ino);

	struct lb_err err = {0};
	assert_int_equal(lb_dm_prefix_for_home(home, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, want);

	fx_fmt(home, "%s/nosuch", root);
	assert_int_equal(lb_dm_prefix_for_home(home, buf, sizeof(buf), &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nosuch: cannot stat"));
	fx_rm_rf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_name_from_major_minor_inode),
		cmocka_unit_test(name_that_does_not_fit_fails),
		cmocka_unit_test(docker_major_minor_split),
		cmocka_unit_test(thin_device_names),
		cmocka_unit_test(prefix_comes_from_stat_of_driver_home),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
