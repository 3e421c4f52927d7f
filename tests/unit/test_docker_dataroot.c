/* The whole data root: loading, the per-container joined view, the resolver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/sysmacros.h>

#include "docker/dataroot.h"
#include "test_docker_fixture.h"

/* Containers of the fake root, by role. */
enum { WEB, DB, WORKER, BROKEN, NOMOUNT, BADDEV, NODEV, N_CT };

struct fx {
	char root[PATH_MAX];
	char daemon_json[PATH_MAX];
	char id[N_CT][65];
	char mount[N_CT][65];
	struct lb_docker_root *model;
};

static void build(struct fx *f)
{
	fx_tmpdir(f->root);
	fx_fmt(f->daemon_json, "%s/etc-docker/daemon.json", f->root);
	fx_skeleton(f->root);

	static const char *const heads[N_CT] = {"abc1", "abc2", "def0", "bad0", "e0e0", "f0f0", "0d0d"};
	for (int i = 0; i < N_CT; i++) {
		fx_id(f->id[i], heads[i], '7');
		char mhead[8];
		snprintf(mhead, sizeof(mhead), "%02x", 0x10 + i);
		fx_id(f->mount[i], mhead, 'a');
	}
	/* Image layer devices, as `docker pull` leaves them. */
	char layer[65];
	fx_id(layer, "1a", '5');
	fx_device(f->root, layer, 2, 10737418240ull, 2, false, false);
	fx_id(layer, "1b", '5');
	fx_device(f->root, layer, 3, 10737418240ull, 3, false, false);

	fx_container(f->root, f->id[WEB], f->mount[WEB], "/web", 4, false);
	fx_container(f->root, f->id[DB], f->mount[DB], "/db", 5, false);
	fx_container(f->root, f->id[WORKER], f->mount[WORKER], "/worker", 6, true);
	fx_container(f->root, f->id[BROKEN], f->mount[BROKEN], "/broken", 7, false);
	fx_container(f->root, f->id[NOMOUNT], f->mount[NOMOUNT], "/nomount", 8, false);
	fx_container(f->root, f->id[BADDEV], f->mount[BADDEV], "/baddev", 9, false);
	fx_config(f->root, f->id[NODEV], "/nodev", "alpine", false);
	fx_mount(f->root, f->id[NODEV], f->mount[NODEV], NULL);

	char rel[PATH_MAX];
	fx_fmt(rel, "containers/%s/config.v2.json", f->id[BROKEN]);
	fx_write(f->root, rel, "{\"StreamConfig\":{},\"State\":{\"Running\":true,");
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s", f->id[NOMOUNT]);
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s/mount-id", f->root, rel);
	unlink(path);
	fx_fmt(path, "%s/%s/init-id", f->root, rel);
	unlink(path);
	fx_fmt(path, "%s/%s", f->root, rel);
	rmdir(path);
	fx_fmt(rel, "devicemapper/metadata/%s", f->mount[BADDEV]);
	fx_write(f->root, rel, "{\"device_id\":9,\"size\":\"big\"}");

	/* Things Docker leaves around that are not containers or devices. */
	fx_write(f->root, "devicemapper/metadata/.tmp381023", "{");
	fx_write(f->root, "devicemapper/devicemapper/json.migrated", "{}");
	fx_write(f->root, "containers/stray-file", "x");
	fx_write(f->root, "devicemapper/devicemapper/data", "");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	build(f);
	struct lb_docker_root_opts opts = {.data_root = f->root, .daemon_json = f->daemon_json};
	struct lb_err err = {0};
	int rc = lb_docker_root_load(&opts, &f->model, &err);
	if (rc) {
		fprintf(stderr, "load failed: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lb_docker_root_free(f->model);
	fx_rm_rf(f->root);
	free(f);
	return 0;
}

static const struct lb_docker_container *find(const struct fx *f, int role)
{
	for (size_t i = 0; i < f->model->n_containers; i++)
		if (strcmp(f->model->containers[i].id, f->id[role]) == 0)
			return &f->model->containers[i];
	fail_msg("container %s not loaded", f->id[role]);
	return NULL;
}

static void loads_every_device_and_container(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_root *r = f->model;
	/* base + 2 image layers + 6 containers' devices (one corrupt) */
	assert_int_equal(r->n_devices, 9);
	assert_string_equal(r->devices[0].dm.hash, "");
	assert_int_equal(r->devices[0].dm.device_id, 1);
	assert_true(r->devices[0].dm.initialized);
	for (size_t i = 1; i < r->n_devices; i++)
		assert_true(strcmp(r->devices[i - 1].dm.hash, r->devices[i].dm.hash) < 0);
	assert_int_equal(r->n_containers, N_CT);

	assert_int_equal(r->deviceset_err.code, 0);
	assert_int_equal(r->deviceset.next_device_id, 9);
	assert_string_equal(r->deviceset.base_device_filesystem, "xfs");
	assert_int_equal(r->transaction_err.code, 0);
	assert_int_equal(r->transaction.open_transaction_id, 9);
	assert_false(r->daemon.present);
}

static void loop_lvm_pool_name_and_files(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_root *r = f->model;
	struct stat st;
	char home[PATH_MAX], want[LB_DM_NAME_MAX];
	fx_fmt(home, "%s/devicemapper", f->root);
	assert_int_equal(stat(home, &st), 0);
	fx_fmt(want, "docker-%u:%u-%llu", major(st.st_dev), minor(st.st_dev),
	       (unsigned long long)st.st_ino);
	assert_string_equal(r->prefix, want);
	fx_fmt(want, "%s-pool", r->prefix);
	assert_string_equal(r->pool_name, want);
	assert_int_equal(r->pool_kind, LB_DM_POOL_LOOPBACK);
	assert_true(r->data_file.exists);
	assert_false(r->metadata_file.exists);
	assert_string_equal(r->driver_home, home);
}

static void joined_view_of_a_healthy_container(void **state)
{
	struct fx *f = *state;
	struct lb_docker_view v;
	lb_docker_view_of(f->model, find(f, WEB), &v);
	assert_int_equal(v.code, 0);
	assert_null(v.error);
	assert_string_equal(v.id, f->id[WEB]);
	assert_string_equal(v.name, "/web");
	assert_string_equal(v.image_ref, "busybox");
	assert_string_equal(v.state, "running");
	assert_string_equal(v.device_hash, f->mount[WEB]);
	char want[LB_DM_NAME_MAX + 80];
	fx_fmt(want, "%s-init", f->mount[WEB]);
	assert_string_equal(v.init_hash, want);
	fx_fmt(want, "%s-%s", f->model->prefix, f->mount[WEB]);
	assert_string_equal(v.device_name, want);
	assert_true(v.has_device_json);
	assert_true(v.device_ok);
	assert_int_equal(v.device_id, 4);
	assert_true(v.size_bytes == 10737418240ull);
	assert_false(v.deleted);
}

static void deleted_device_is_reported_as_such(void **state)
{
	struct fx *f = *state;
	struct lb_docker_view v;
	lb_docker_view_of(f->model, find(f, WORKER), &v);
	assert_int_equal(v.code, 0);
	assert_true(v.device_ok);
	assert_true(v.deleted);
	assert_int_equal(v.device_id, 6);
}

static void corrupt_config_does_not_hide_the_others(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_container *c = find(f, BROKEN);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	char want[PATH_MAX];
	fx_fmt(want, "%s/containers/%s/config.v2.json: invalid JSON at line 1 column", f->root,
	       f->id[BROKEN]);
	assert_non_null(strstr(c->config_err.msg, want));

	struct lb_docker_view v;
	lb_docker_view_of(f->model, c, &v);
	assert_int_equal(v.code, LB_EINTEGRITY);
	assert_ptr_equal(v.error, &c->config_err);
	assert_string_equal(v.name, "");
	assert_string_equal(v.state, "unknown");
	/* Its layer and device are still known: a rescue needs exactly those. */
	assert_string_equal(v.device_hash, f->mount[BROKEN]);
	assert_true(v.device_ok);
	assert_int_equal(v.device_id, 7);

	lb_docker_view_of(f->model, find(f, DB), &v);
	assert_int_equal(v.code, 0);
	assert_string_equal(v.name, "/db");
}

static void missing_mount_id_is_a_per_container_error(void **state)
{
	struct fx *f = *state;
	struct lb_docker_view v;
	lb_docker_view_of(f->model, find(f, NOMOUNT), &v);
	assert_int_equal(v.code, LB_ENOTFOUND);
	assert_non_null(strstr(v.error->msg, "/mount-id: cannot open"));
	assert_string_equal(v.name, "/nomount");
	assert_string_equal(v.device_hash, "");
	assert_false(v.has_device_json);
	assert_string_equal(v.device_name, "");
}

static void corrupt_device_json_and_missing_device_json(void **state)
{
	struct fx *f = *state;
	struct lb_docker_view v;
	lb_docker_view_of(f->model, find(f, BADDEV), &v);
	assert_int_equal(v.code, LB_EINTEGRITY);
	assert_true(v.has_device_json);
	assert_false(v.device_ok);
	assert_non_null(strstr(v.error->msg, "key \"size\": expected integer, got string"));
	assert_non_null(strstr(v.error->msg, f->mount[BADDEV]));

	lb_docker_view_of(f->model, find(f, NODEV), &v);
	assert_int_equal(v.code, 0);
	assert_false(v.has_device_json);
	assert_false(v.device_ok);
	assert_string_equal(v.state, "exited");

	assert_null(lb_docker_root_device(f->model, "nosuch"));
	assert_non_null(lb_docker_root_device(f->model, ""));
	assert_non_null(lb_docker_root_device(f->model, f->mount[DB]));
}

/* Two questions about a container's device: has_device (recover mount,
 * rollback: a damaged config.v2.json does not matter) and require_device
 * (commit, snapshot create: every file of Docker's must parse). */
static void device_questions_differ_only_on_damage_beside_the_device(void **state)
{
	struct fx *f = *state;
	struct lb_docker_view v;
	struct lb_err err = {0};
	lb_docker_view_of(f->model, find(f, WEB), &v);
	assert_true(lb_docker_view_has_device(&v));
	assert_int_equal(lb_docker_view_require_device(&v, "cannot commit", &err), LB_OK);

	lb_docker_view_of(f->model, find(f, BROKEN), &v);
	assert_true(lb_docker_view_has_device(&v));
	assert_int_equal(lb_docker_view_require_device(&v, "no snapshot", &err), LB_EINTEGRITY);
	char want[PATH_MAX + 64];
	fx_fmt(want, "%s: no snapshot: %s/containers/%s/config.v2.json: invalid JSON", f->id[BROKEN],
	       f->root, f->id[BROKEN]);
	assert_non_null(strstr(err.msg, want));

	lb_docker_view_of(f->model, find(f, NODEV), &v);
	assert_false(lb_docker_view_has_device(&v));
	assert_int_equal(lb_docker_view_require_device(&v, "cannot commit", &err), LB_ENOTFOUND);
	fx_fmt(want, "%s: cannot commit: no usable device record", f->id[NODEV]);
	assert_string_equal(err.msg, want);

	lb_docker_view_of(f->model, find(f, BADDEV), &v);
	assert_false(lb_docker_view_has_device(&v));
	assert_int_equal(lb_docker_view_require_device(&v, "cannot commit", &err), LB_EINTEGRITY);

	lb_docker_view_of(f->model, find(f, NOMOUNT), &v);
	assert_false(lb_docker_view_has_device(&v));
	assert_int_equal(lb_docker_view_require_device(&v, "cannot commit", &err), LB_ENOTFOUND);
}

static void resolve(const struct fx *f, const char *query, int want_rc,
		    const struct lb_docker_container **out, struct lb_err *err)
{
	memset(err, 0, sizeof(*err));
	assert_int_equal(lb_docker_resolve(f->model, query, out, err), want_rc);
}

static void resolver_by_name_id_and_prefix(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_container *c;
	struct lb_err err;

	resolve(f, "web", 0, &c, &err);
	assert_string_equal(c->id, f->id[WEB]);
	resolve(f, "/web", 0, &c, &err);
	assert_string_equal(c->id, f->id[WEB]);
	resolve(f, f->id[DB], 0, &c, &err);
	assert_string_equal(c->id, f->id[DB]);
	resolve(f, "abc1", 0, &c, &err);
	assert_string_equal(c->id, f->id[WEB]);
	/* A container whose config is corrupt is still reachable by id. */
	resolve(f, "bad0", 0, &c, &err);
	assert_string_equal(c->id, f->id[BROKEN]);
}

static void resolver_ambiguous_prefix_lists_candidates(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_container *c;
	struct lb_err err;
	resolve(f, "abc", LB_EUSAGE, &c, &err);
	assert_null(c);
	assert_int_equal(err.code, LB_EUSAGE);
	assert_non_null(strstr(err.msg, "abc: ambiguous container id prefix, 2 candidates:"));
	assert_non_null(strstr(err.msg, "abc177777777 (/web)"));
	assert_non_null(strstr(err.msg, "abc277777777 (/db)"));
}

static void resolver_no_match_and_empty(void **state)
{
	struct fx *f = *state;
	const struct lb_docker_container *c;
	struct lb_err err;
	resolve(f, "nope", LB_ENOTFOUND, &c, &err);
	assert_non_null(strstr(err.msg, "nope: no such container in "));
	resolve(f, "/abc1", LB_ENOTFOUND, &c, &err); /* a '/' means a name, never a prefix */
	resolve(f, "", LB_EUSAGE, &c, &err);
	resolve(f, "web2", LB_ENOTFOUND, &c, &err);
}

/* dockerd looks up names before id prefixes: a name wins. */
static void resolver_prefers_name_over_prefix(void **state)
{
	struct fx *f = *state;
	char id[65], mount[65];
	fx_id(id, "9999", '1');
	fx_id(mount, "99", '2');
	fx_container(f->root, id, mount, "/abc1", 10, false);
	char dup[65];
	fx_id(dup, "8888", '1');
	fx_container(f->root, dup, mount, "/db", 10, false);

	struct lb_docker_root *r;
	struct lb_docker_root_opts opts = {.data_root = f->root, .daemon_json = f->daemon_json};
	assert_int_equal(lb_docker_root_load(&opts, &r, NULL), 0);
	const struct lb_docker_container *c;
	struct lb_err err = {0};
	assert_int_equal(lb_docker_resolve(r, "abc1", &c, &err), 0);
	assert_string_equal(c->id, id);
	/* Two containers claiming one name is damage; say so rather than pick. */
	assert_int_equal(lb_docker_resolve(r, "db", &c, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "db: name used by more than one container"));
	lb_docker_root_free(r);
}

static void thinpooldev_from_daemon_json(void **state)
{
	struct fx *f = *state;
	fx_write(f->root, "etc-docker/daemon.json",
		 "{\"storage-driver\":\"devicemapper\",\"storage-opts\":"
		 "[\"dm.thinpooldev=/dev/mapper/docker-thinpool\"]}");
	struct lb_docker_root *r;
	struct lb_docker_root_opts opts = {.data_root = f->root, .daemon_json = f->daemon_json};
	struct lb_err err = {0};
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), 0);
	assert_true(r->daemon.present);
	assert_int_equal(r->pool_kind, LB_DM_POOL_THINPOOLDEV);
	assert_string_equal(r->pool_name, "docker-thinpool");
	/* Thin devices keep the stat-derived prefix. */
	assert_string_equal(r->prefix, f->model->prefix);
	lb_docker_root_free(r);

	fx_write(f->root, "etc-docker/daemon.json",
		 "{\"storage-opts\":[\"dm.directlvm_device=/dev/xvdf\"]}");
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), 0);
	assert_string_equal(r->pool_name, "docker-thinpool");
	lb_docker_root_free(r);

	fx_write(f->root, "etc-docker/daemon.json", "{\"storage-opts\":[\"dm.basesize\"]}");
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), LB_EINTEGRITY);
	assert_null(r);
	assert_non_null(strstr(err.msg, "daemon.json: storage option 'dm.basesize': not key=value"));
}

static void directory_must_match_config_id(void **state)
{
	struct fx *f = *state;
	char other[65], rel[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	fx_id(other, "7777", '3');
	fx_fmt(rel, "containers/%s", other);
	fx_fmt(from, "%s/containers/%s", f->root, f->id[DB]);
	fx_fmt(to, "%s/%s", f->root, rel);
	assert_int_equal(rename(from, to), 0);

	struct lb_docker_root *r;
	struct lb_docker_root_opts opts = {.data_root = f->root, .daemon_json = f->daemon_json};
	assert_int_equal(lb_docker_root_load(&opts, &r, NULL), 0);
	const struct lb_docker_container *c;
	assert_int_equal(lb_docker_resolve(r, other, &c, NULL), 0);
	assert_int_equal(c->config_err.code, LB_EINTEGRITY);
	assert_non_null(strstr(c->config_err.msg, "does not match its directory"));
	lb_docker_root_free(r);
}

static void not_a_devicemapper_data_root(void **state)
{
	(void)state;
	char root[PATH_MAX], missing[PATH_MAX], json[PATH_MAX];
	fx_tmpdir(root);
	fx_fmt(missing, "%s/nosuch", root);
	fx_fmt(json, "%s/daemon.json", root);
	struct lb_docker_root *r;
	struct lb_err err = {0};
	struct lb_docker_root_opts opts = {.data_root = missing, .daemon_json = json};
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nosuch: cannot open data root"));

	/* An overlay2 data root: no devicemapper/ at all. */
	opts.data_root = root;
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, ": not a devicemapper data root: "));
	assert_non_null(strstr(err.msg, "/devicemapper: cannot stat"));

	/* Driver home without metadata/: same. */
	char dir[PATH_MAX];
	fx_fmt(dir, "%s/devicemapper", root);
	fx_mkdirs(dir);
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/devicemapper/metadata: cannot list"));

	/* A fresh root with only metadata/: no containers, no error. */
	fx_device(root, "", 1, 10737418240ull, 1, true, false);
	assert_int_equal(lb_docker_root_load(&opts, &r, &err), 0);
	assert_int_equal(r->n_containers, 0);
	assert_int_equal(r->n_devices, 1);
	assert_int_equal(r->deviceset_err.code, LB_ENOTFOUND);
	lb_docker_root_free(r);
	fx_rm_rf(root);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(loads_every_device_and_container),
		T(loop_lvm_pool_name_and_files),
		T(joined_view_of_a_healthy_container),
		T(deleted_device_is_reported_as_such),
		T(corrupt_config_does_not_hide_the_others),
		T(missing_mount_id_is_a_per_container_error),
		T(corrupt_device_json_and_missing_device_json),
		T(device_questions_differ_only_on_damage_beside_the_device),
		T(resolver_by_name_id_and_prefix),
		T(resolver_ambiguous_prefix_lists_candidates),
		T(resolver_no_match_and_empty),
		T(resolver_prefers_name_over_prefix),
		T(thinpooldev_from_daemon_json),
		T(directory_must_match_config_id),
		cmocka_unit_test(not_a_devicemapper_data_root),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
