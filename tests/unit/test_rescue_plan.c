/* lib/rescue/plan: recover mount's checks and plan, without device-mapper:
 * what is refused (and with which exit code) before anything is
 * activated, and what the plan asks lb_rescue_mount for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rescue/plan.h"

/* A loop-lvm root with both pool files, like the fixtures. */
static struct lb_docker_root *loop_root(void)
{
	struct lb_docker_root *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->pool_kind = LB_DM_POOL_LOOPBACK;
	snprintf(r->pool_name, sizeof(r->pool_name), "docker-8:1-1234-pool");
	snprintf(r->data_file.path, sizeof(r->data_file.path), "/var/lib/docker/devicemapper/devicemapper/data");
	snprintf(r->metadata_file.path, sizeof(r->metadata_file.path),
		 "/var/lib/docker/devicemapper/devicemapper/metadata");
	r->data_file.exists = r->metadata_file.exists = true;
	return r;
}

/* A container "/web" whose device record parsed. */
static struct lb_docker_view web_view(void)
{
	struct lb_docker_view v = {.id = "0123abcd", .name = "/web", .device_hash = "feed",
				   .device_ok = true, .has_device_json = true, .device_id = 4,
				   .size_bytes = 10ull << 30};
	snprintf(v.device_name, sizeof(v.device_name), "docker-8:1-1234-feed");
	return v;
}

static void a_usable_view_passes(void **state)
{
	(void)state;
	struct lb_docker_view v = web_view();
	struct lb_err err = {0};
	assert_int_equal(lb_rescue_view_check(&v, false, &err), LB_OK);
}

static void a_name_docker_never_gives_is_an_integrity_error(void **state)
{
	(void)state;
	struct lb_docker_view v = web_view();
	v.name_rejected = true;
	struct lb_err err = {0};
	assert_int_equal(lb_rescue_view_check(&v, true, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "0123abcd: refused, nothing activated"));
}

static void no_device_record_is_not_found_or_the_views_own_error(void **state)
{
	(void)state;
	struct lb_docker_view v = web_view();
	v.device_ok = false;
	struct lb_err err = {0};
	assert_int_equal(lb_rescue_view_check(&v, false, &err), LB_ENOTFOUND);
	assert_string_equal(err.msg, "0123abcd: no usable device record");
	/* A damaged record: its own code and message. */
	struct lb_err damage = {.code = LB_EINTEGRITY};
	snprintf(damage.msg, sizeof(damage.msg), "metadata/feed: not JSON");
	v.error = &damage;
	v.code = LB_EINTEGRITY;
	assert_int_equal(lb_rescue_view_check(&v, false, &err), LB_EINTEGRITY);
	assert_string_equal(err.msg, "0123abcd: no usable device record: metadata/feed: not JSON");
	/* A record without a hash names no device at all. */
	struct lb_docker_view nohash = web_view();
	nohash.device_hash = "";
	assert_int_equal(lb_rescue_view_check(&nohash, false, &err), LB_ENOTFOUND);
}

static void a_deleted_device_takes_force(void **state)
{
	(void)state;
	struct lb_docker_view v = web_view();
	v.deleted = true;
	struct lb_err err = {0};
	assert_int_equal(lb_rescue_view_check(&v, false, &err), LB_EUNSAFE);
	assert_string_equal(err.msg, "web (feed): Docker marked device 4 deleted; --force mounts it "
				     "anyway");
	assert_int_equal(lb_rescue_view_check(&v, true, &err), LB_OK);
}

static void the_plan_carries_the_request_and_the_pool_files(void **state)
{
	(void)state;
	struct lb_docker_root *root = loop_root();
	struct lb_docker_view v = web_view();
	const struct lb_rescue_request req = {.mount_dir = "/mnt/web", .replay_cow = true,
					      .cow_dir = "/var/cow"};
	struct lb_rescue_plan plan;
	struct lb_err err = {0};
	assert_int_equal(lb_rescue_plan_fill(root, &v, &req, &plan, &err), LB_OK);
	assert_string_equal(plan.container_name, "web");
	assert_string_equal(plan.container_id, "0123abcd");
	assert_string_equal(plan.pool_name, "docker-8:1-1234-pool");
	assert_string_equal(plan.thin_name, "docker-8:1-1234-feed");
	assert_int_equal(plan.device_id, 4);
	assert_int_equal(plan.size_bytes, 10ull << 30);
	assert_string_equal(plan.mount_dir, "/mnt/web");
	assert_true(plan.replay_cow);
	assert_false(plan.replay_log);
	assert_string_equal(plan.cow_dir, "/var/cow");
	assert_string_equal(plan.data_path, root->data_file.path);
	assert_string_equal(plan.metadata_path, root->metadata_file.path);
	/* The block size is the pool metadata's to say, not the plan's. */
	assert_int_equal(plan.data_block_size_sectors, 0);
	free(root);
}

static void a_missing_pool_file_is_named(void **state)
{
	(void)state;
	struct lb_docker_root *root = loop_root();
	struct lb_docker_view v = web_view();
	const struct lb_rescue_request req = {0};
	struct lb_rescue_plan plan;
	struct lb_err err = {0};
	root->metadata_file.exists = false;
	assert_int_equal(lb_rescue_plan_fill(root, &v, &req, &plan, &err), LB_ENOTFOUND);
	assert_string_equal(err.msg, "/var/lib/docker/devicemapper/devicemapper/metadata: missing "
				     "(the pool's metadata file)");
	root->data_file.exists = false;
	assert_int_equal(lb_rescue_plan_fill(root, &v, &req, &plan, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "devicemapper/data: missing (the pool's data file)"));
	free(root);
}

static void an_active_pool_device_needs_no_files(void **state)
{
	(void)state;
	struct lb_docker_root *root = loop_root();
	root->data_file.exists = root->metadata_file.exists = false;
	struct lb_docker_view v = web_view();
	struct lb_rescue_plan plan;
	struct lb_err err = {0};
	/* --pool-dev: the pool is a device already, named by the operator. */
	const struct lb_rescue_request req = {.pool_dev = "docker-thinpool"};
	assert_int_equal(lb_rescue_plan_fill(root, &v, &req, &plan, &err), LB_OK);
	assert_string_equal(plan.pool_name, "docker-thinpool");
	assert_null(plan.data_path);
	assert_null(plan.metadata_path);
	/* dm.thinpooldev: Docker's own pool device. */
	root->pool_kind = LB_DM_POOL_THINPOOLDEV;
	const struct lb_rescue_request plain = {0};
	assert_int_equal(lb_rescue_plan_fill(root, &v, &plain, &plan, &err), LB_OK);
	assert_string_equal(plan.pool_name, "docker-8:1-1234-pool");
	assert_null(plan.metadata_path);
	free(root);
}

static void by_id_names_say_what_was_named(void **state)
{
	(void)state;
	char name[96];
	const struct lb_rescue_request by_id = {.by_device_id = true, .device_id = 16777215};
	lb_rescue_by_id_name(&by_id, name, sizeof(name));
	assert_string_equal(name, "device-16777215");
	const struct lb_rescue_request by_snap = {.snapshot = "web-nightly"};
	lb_rescue_by_id_name(&by_snap, name, sizeof(name));
	assert_string_equal(name, "snap-web-nightly");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_usable_view_passes),
		cmocka_unit_test(a_name_docker_never_gives_is_an_integrity_error),
		cmocka_unit_test(no_device_record_is_not_found_or_the_views_own_error),
		cmocka_unit_test(a_deleted_device_takes_force),
		cmocka_unit_test(the_plan_carries_the_request_and_the_pool_files),
		cmocka_unit_test(a_missing_pool_file_is_named),
		cmocka_unit_test(an_active_pool_device_needs_no_files),
		cmocka_unit_test(by_id_names_say_what_was_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
