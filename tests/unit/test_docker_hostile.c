/* A data root shaped to mislead: every string is checked where it is read,
 * and the tree is walked without following links. Each test plants one
 * hostile thing in a sound fake root and loads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "docker/dataroot.h"
#include "test_docker_fixture.h"

struct fx {
	char root[PATH_MAX];
	char outside[PATH_MAX]; /* where planted links point */
	char daemon_json[PATH_MAX];
	char web[65], web_mount[65];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	fx_tmpdir(f->root);
	fx_tmpdir(f->outside);
	fx_fmt(f->daemon_json, "%s/daemon.json", f->outside);
	fx_skeleton(f->root);
	fx_write(f->root, "devicemapper/devicemapper/data", "");
	fx_write(f->root, "devicemapper/devicemapper/metadata", "");
	fx_id(f->web, "abc1", '7');
	fx_id(f->web_mount, "10", 'a');
	fx_container(f->root, f->web, f->web_mount, "/web", 4, false);
	/* A device file elsewhere, that a link could make look like ours. */
	fx_write(f->outside, "metadata/base", "{\"device_id\":1,\"size\":1}");
	fx_write(f->outside, "victim", "keep me");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fx_rm_rf(f->root);
	fx_rm_rf(f->outside);
	free(f);
	return 0;
}

static int load(struct fx *f, struct lb_docker_root **r, struct lb_err *err)
{
	struct lb_docker_root_opts opts = {.data_root = f->root, .daemon_json = f->daemon_json};
	return lb_docker_root_load(&opts, r, err);
}

static const struct lb_docker_container *container(const struct lb_docker_root *r, const char *id)
{
	for (size_t i = 0; i < r->n_containers; i++)
		if (!strcmp(r->containers[i].id, id))
			return &r->containers[i];
	fail_msg("no container %s", id);
	return NULL;
}

static void path_at(char out[PATH_MAX], const char *root, const char *rel)
{
	fx_fmt(out, "%s/%s", root, rel);
}

static void a_name_outside_dockers_rule_is_rejected_and_kept(void **state)
{
	struct fx *f = *state;
	fx_config(f->root, f->web, "/../../../../etc", "busybox", false);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	assert_int_equal(load(f, &r, &err), 0);
	const struct lb_docker_container *c = container(r, f->web);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "key \"Name\": '/../../../../etc' is not a container name"));
	struct lb_docker_view v;
	lb_docker_view_of(r, c, &v);
	assert_true(v.name_rejected);
	assert_int_equal(v.code, LB_EINTEGRITY);
	assert_string_equal(v.name, "");
	/* Not found by the name either. */
	const struct lb_docker_container *found;
	assert_int_equal(lb_docker_resolve(r, "/../../../../etc", &found, NULL), LB_ENOTFOUND);
	lb_docker_root_free(r);

	/* A corrupt file is damage, not a rejected name: a rescue by id goes on. */
	char rel[PATH_MAX];
	fx_fmt(rel, "containers/%s/config.v2.json", f->web);
	fx_write(f->root, rel, "{\"ID\":");
	assert_int_equal(load(f, &r, &err), 0);
	lb_docker_view_of(r, container(r, f->web), &v);
	assert_false(v.name_rejected);
	assert_int_equal(v.code, LB_EINTEGRITY);
	lb_docker_root_free(r);
}

static void control_characters_in_a_name_are_quoted_escaped(void **state)
{
	struct fx *f = *state;
	fx_config(f->root, f->web, "/x\\u001b[2J\\u0007", "busybox", false);
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	const struct lb_docker_container *c = container(r, f->web);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "'/x\\x1b[2J\\x07' is not a container name"));
	assert_null(strchr(c->config_err.msg, '\x1b'));
	lb_docker_root_free(r);

	/* Text that is only shown is kept printable. */
	fx_config(f->root, f->web, "/web", "busy\\u001bbox", false);
	assert_int_equal(load(f, &r, NULL), 0);
	c = container(r, f->web);
	assert_int_equal(c->config_err.code, 0);
	assert_string_equal(c->config.image_ref, "busy\\x1bbox");
	lb_docker_root_free(r);
}

static void a_container_directory_that_is_no_id_is_listed_not_read(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	fx_fmt(path, "%s/containers/evil\xff\n", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	fx_write(f->root, "containers/evil\xff\n/config.v2.json", "{}");
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	assert_int_equal(r->n_containers, 2);
	const struct lb_docker_container *c = container(r, "evil\\xff\\x0a");
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_int_equal(c->mount_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "/containers/evil\\xff\\x0a: not a container id"));
	struct lb_docker_view v;
	lb_docker_view_of(r, c, &v);
	assert_string_equal(v.device_hash, "");
	assert_int_equal(container(r, f->web)->config_err.code, 0);
	lb_docker_root_free(r);
}

static void device_file_names_that_are_no_hash_are_kept_as_damage(void **state)
{
	struct fx *f = *state;
	char bad[80];
	fx_id(bad, "ee", 'e');
	bad[63] = '\xff';
	char rel[PATH_MAX];
	fx_fmt(rel, "devicemapper/metadata/%s", bad);
	fx_write(f->root, rel, "{\"device_id\":30,\"size\":1}");
	fx_write(f->root, "devicemapper/metadata/..\xff", "{}"); /* dot-file: skipped like .tmp */
	fx_write(f->root, "devicemapper/metadata/UPPER", "{\"device_id\":31,\"size\":1}");
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	/* base, web's device, and the two bad names */
	assert_int_equal(r->n_devices, 4);
	char shown[128];
	fx_id(shown, "ee", 'e');
	strcpy(shown + 63, "\\xff");
	const struct lb_docker_device *d = lb_docker_root_device(r, shown);
	assert_non_null(d);
	assert_int_equal(d->err.code, LB_EINTEGRITY);
	assert_non_null(strstr(d->err.msg, "not a device file name Docker writes"));
	assert_int_equal(d->dm.device_id, 0); /* its file was not read */
	d = lb_docker_root_device(r, "UPPER");
	assert_non_null(d);
	assert_int_equal(d->err.code, LB_EINTEGRITY);
	/* Sorted by what the model holds, so every entry is found. */
	assert_non_null(lb_docker_root_device(r, ""));
	assert_non_null(lb_docker_root_device(r, f->web_mount));
	for (size_t i = 1; i < r->n_devices; i++)
		assert_true(strcmp(r->devices[i - 1].dm.hash, r->devices[i].dm.hash) < 0);
	lb_docker_root_free(r);
}

static void an_invalid_mount_id_is_quoted_printable(void **state)
{
	struct fx *f = *state;
	char rel[PATH_MAX];
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/mount-id", f->web);
	fx_write(f->root, rel, "abc\xff\x1b");
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	const struct lb_docker_container *c = container(r, f->web);
	assert_int_equal(c->mount_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->mount_err.msg, "invalid mount id 'abc\\xff\\x1b'"));
	lb_docker_root_free(r);
}

static void fifos_in_place_of_files_are_per_entry_damage(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	fx_fmt(path, "%s/containers/%s/config.v2.json", f->root, f->web);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	fx_fmt(path, "%s/image/devicemapper/layerdb/mounts/%s/mount-id", f->root, f->web);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	char other[65];
	fx_id(other, "20", 'b');
	fx_fmt(path, "%s/devicemapper/metadata/%s", f->root, other);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* Reading any of them would block for ever: the test would hang. */
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	const struct lb_docker_container *c = container(r, f->web);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "config.v2.json: is a FIFO"));
	assert_int_equal(c->mount_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->mount_err.msg, "mount-id: is a FIFO"));
	const struct lb_docker_device *d = lb_docker_root_device(r, other);
	assert_non_null(d);
	assert_int_equal(d->err.code, LB_EINTEGRITY);
	lb_docker_root_free(r);
}

static void a_linked_metadata_directory_fails_the_load(void **state)
{
	struct fx *f = *state;
	char meta[PATH_MAX], target[PATH_MAX];
	path_at(meta, f->root, "devicemapper/metadata");
	fx_rm_rf(meta);
	path_at(target, f->outside, "metadata");
	assert_int_equal(symlink(target, meta), 0);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_null(r);
	assert_non_null(strstr(err.msg, "/devicemapper/metadata: is a symbolic link"));
}

static void a_linked_driver_home_fails_the_load(void **state)
{
	struct fx *f = *state;
	char home[PATH_MAX], moved[PATH_MAX];
	path_at(home, f->root, "devicemapper");
	path_at(moved, f->outside, "devicemapper");
	assert_int_equal(rename(home, moved), 0);
	assert_int_equal(symlink(moved, home), 0);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/devicemapper is a symbolic link"));
}

static void linked_files_of_a_container_are_refused(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], target[PATH_MAX];
	fx_fmt(path, "%s/image/devicemapper/layerdb/mounts/%s/mount-id", f->root, f->web);
	unlink(path);
	path_at(target, f->outside, "victim");
	assert_int_equal(symlink(target, path), 0);
	/* A link in place of a container's directory. */
	char other[65], dir[PATH_MAX];
	fx_id(other, "30", 'c');
	fx_fmt(path, "%s/containers/%s", f->root, other);
	path_at(dir, f->outside, "fakecontainer");
	fx_write(f->outside, "fakecontainer/config.v2.json", "{}");
	assert_int_equal(symlink(dir, path), 0);
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	const struct lb_docker_container *c = container(r, f->web);
	assert_int_equal(c->mount_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->mount_err.msg, "mount-id: is a symbolic link"));
	c = container(r, other);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "is a symbolic link"));
	lb_docker_root_free(r);
}

static void loop_lvm_pool_files_must_be_regular_files(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], target[PATH_MAX];
	path_at(path, f->root, "devicemapper/devicemapper/data");
	unlink(path);
	path_at(target, f->outside, "victim");
	assert_int_equal(symlink(target, path), 0);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "/devicemapper/devicemapper/data: is a symbolic link; a "
					"loop-lvm pool's file must be a regular file"));
	/* A dm.thinpooldev pool does not use them: no reason to refuse. */
	fx_write(f->outside, "daemon.json", "{\"storage-opts\":[\"dm.thinpooldev=docker-thinpool\"]}");
	assert_int_equal(load(f, &r, &err), 0);
	assert_false(r->data_file.exists);
	lb_docker_root_free(r);

	fx_write(f->outside, "daemon.json", "{}");
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "data: is not a regular file"));
}

static void pool_devices_from_daemon_json_are_checked(void **state)
{
	struct fx *f = *state;
	struct lb_docker_root *r;
	struct lb_err err = {0};
	fx_write(f->outside, "daemon.json",
		 "{\"storage-opts\":[\"dm.thinpooldev=/dev/mapper/../../../../etc/shadow\"]}");
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "storage option 'dm.thinpooldev=/dev/mapper/../../../../etc/shadow': "
					"not a device-mapper pool name"));
	/* A device path that leads out of /dev once links are resolved. */
	char link[PATH_MAX], json[PATH_MAX * 2 + 128];
	path_at(link, f->outside, "victim");
	fx_fmt(json, "{\"storage-opts\":[\"dm.datadev=/dev/../%s\",\"dm.metadatadev=/dev/null\"]}", link);
	fx_write(f->outside, "daemon.json", json);
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "not a device path under /dev"));
	/* /dev/null is under /dev, but no block device: never the pool's data. */
	fx_write(f->outside, "daemon.json",
		 "{\"storage-opts\":[\"dm.datadev=/dev/null\",\"dm.metadatadev=/dev/null\"]}");
	assert_int_equal(load(f, &r, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "'dm.datadev=/dev/null': leads to /dev/null, not a block device"));
}

static void a_transaction_naming_no_hash_is_damage(void **state)
{
	struct fx *f = *state;
	fx_write(f->root, "devicemapper/metadata/transaction-metadata",
		 "{\"open_transaction_id\":9,\"device_hash\":\"../../victim\",\"device_id\":9}");
	struct lb_docker_root *r;
	assert_int_equal(load(f, &r, NULL), 0);
	assert_int_equal(r->transaction_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(r->transaction_err.msg, "'../../victim' is not a device hash"));
	lb_docker_root_free(r);
}

static void the_data_root_itself_may_be_a_link(void **state)
{
	/* The operator's path is trusted: /var/lib/docker -> /data/docker. */
	struct fx *f = *state;
	char link[PATH_MAX];
	path_at(link, f->outside, "root-link");
	assert_int_equal(symlink(f->root, link), 0);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	struct lb_docker_root_opts opts = {.data_root = link, .daemon_json = f->daemon_json};
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), 0);
	assert_string_equal(r->data_root, f->root);
	assert_int_equal(container(r, f->web)->config_err.code, 0);
	lb_docker_root_free(r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_name_outside_dockers_rule_is_rejected_and_kept),
		T(control_characters_in_a_name_are_quoted_escaped),
		T(a_container_directory_that_is_no_id_is_listed_not_read),
		T(device_file_names_that_are_no_hash_are_kept_as_damage),
		T(an_invalid_mount_id_is_quoted_printable),
		T(fifos_in_place_of_files_are_per_entry_damage),
		T(a_linked_metadata_directory_fails_the_load),
		T(a_linked_driver_home_fails_the_load),
		T(linked_files_of_a_container_are_refused),
		T(loop_lvm_pool_files_must_be_regular_files),
		T(pool_devices_from_daemon_json_are_checked),
		T(a_transaction_naming_no_hash_is_damage),
		T(the_data_root_itself_may_be_a_link),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
