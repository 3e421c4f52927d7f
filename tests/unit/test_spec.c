/* lib/migrate/spec: the translation of Docker 20.10's container files for
 * everything the fixtures lack (named volumes via Binds and Mounts,
 * anonymous volumes, bind mounts, devices, container:<id> modes, custom
 * networks with aliases, hostnames, ports, healthcheck, ulimits, MAC
 * addresses), the target adaptation, and the strict parser. The fixture
 * containers themselves are held against docker inspect in
 * tests/host/t1985-spec-vs-inspect.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/spec.h"

#define ID_A "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define HEX_B "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
#define HEX_C "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define OTHER_ID "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"

/* A container with one of everything, in the shapes dockerd 20.10 writes. */
static const char *const rich_config =
	"{\"ID\":\"" ID_A "\",\"Name\":\"/app\",\"Created\":\"2026-11-30T03:44:12.9Z\","
	"\"State\":{\"Running\":true},"
	"\"Config\":{\"Hostname\":\"myhost\",\"Domainname\":\"\",\"User\":\"1000:1000\","
	"\"Env\":[\"A=1\",\"PATH=/usr/bin\"],\"Cmd\":[\"run\",\"--fast\"],\"Image\":\"app:1\","
	"\"WorkingDir\":\"/srv\",\"Labels\":{\"team\":\"ops\"},\"ExposedPorts\":{\"80/tcp\":{}},"
	"\"StopSignal\":\"SIGQUIT\",\"StopTimeout\":30,"
	"\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":3},"
	"\"Volumes\":{\"/anon\":{}},\"MacAddress\":\"02:42:ac:11:00:02\",\"Tty\":true,"
	"\"OpenStdin\":true,\"OnBuild\":null,\"Entrypoint\":[\"/init\"]},"
	"\"MountPoints\":{"
	"\"/data\":{\"Name\":\"appdata\",\"Driver\":\"local\",\"Type\":\"volume\",\"RW\":true,"
	"\"Destination\":\"/data\"},"
	"\"/anon\":{\"Name\":\"" HEX_B "\",\"Driver\":\"local\",\"Type\":\"volume\",\"RW\":true},"
	"\"/anon2\":{\"Name\":\"" HEX_C "\",\"Driver\":\"local\",\"Type\":\"volume\",\"RW\":true},"
	"\"/cfg\":{\"Source\":\"/etc/app\",\"Type\":\"bind\",\"RW\":false}},"
	"\"NetworkSettings\":{\"Networks\":{"
	"\"appnet\":{\"Aliases\":[\"a0a1a2a3a4a5\",\"api\"],\"NetworkID\":\"n1\","
	"\"EndpointID\":\"e1\",\"IPAddress\":\"172.18.0.2\",\"MacAddress\":\"02:42:ac:12:00:02\","
	"\"IPAMConfig\":{\"IPv4Address\":\"172.18.0.50\"}},"
	"\"other\":{\"Aliases\":[\"o\"],\"NetworkID\":\"n2\"}}}}";

static const char *const rich_host =
	"{\"Binds\":[\"appdata:/data:rw\",\"/etc/app:/cfg:ro,z\",\"" HEX_C ":/anon2\"],"
	"\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"mountvol\",\"Target\":\"/m\","
	"\"VolumeOptions\":{\"Labels\":{\"k\":\"v\"},"
	"\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"tmpfs\"}}}},"
	"{\"Type\":\"bind\",\"Source\":\"/srv/x\",\"Target\":\"/x\",\"ReadOnly\":true},"
	"{\"Type\":\"tmpfs\",\"Target\":\"/t\"}],"
	"\"Devices\":[{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/fuse\","
	"\"CgroupPermissions\":\"rwm\"}],"
	"\"NetworkMode\":\"appnet\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]},"
	"\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":0},"
	"\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048}],"
	"\"LogConfig\":{\"Type\":\"journald\",\"Config\":{}},\"ContainerIDFile\":\"/tmp/cid\","
	"\"PidMode\":\"container:" OTHER_ID "\",\"IpcMode\":\"shareable\",\"Memory\":268435456,"
	"\"NanoCpus\":1500000000,\"CapAdd\":[\"NET_ADMIN\"],\"Init\":true,"
	"\"Tmpfs\":{\"/run\":\"rw\"},\"Sysctls\":{\"net.core.somaxconn\":\"1024\"},"
	"\"Links\":[\"/db:/app/db\"],\"SomethingNew\":5,\"KernelMemory\":0,"
	"\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","
	"\"/proc/scsi\",\"/sys/firmware\"],\"ReadonlyPaths\":[\"/proc/bus\"]}";

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!v)
		fail_msg("test JSON: line %d: %s", jerr.line, jerr.text);
	return v;
}

static int translate(const char *config, const char *host, json_t **spec, struct lb_err *err)
{
	json_t *c = load(config), *h = host ? load(host) : NULL;
	int rc = lb_spec_from_docker(c, h, "/var/lib/docker/containers/x", spec, err);
	json_decref(c);
	json_decref(h);
	return rc;
}

static json_t *rich(void)
{
	json_t *spec;
	struct lb_err err = {0};
	int rc = translate(rich_config, rich_host, &spec, &err);
	if (rc)
		fail_msg("translate: %s", err.msg);
	return spec;
}

/* The change entry for a field, or NULL. */
static json_t *change_for(const json_t *spec, const char *field)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "changes"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "field")), field))
			return c;
	return NULL;
}

static void expect_json(const json_t *got, const char *want_text)
{
	json_t *want = load(want_text);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
		fail_msg("got %s, want %s", g ? g : "(null)", want_text);
	}
	json_decref(want);
}

static const json_t *at(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);
	return b ? json_object_get(v, b) : v;
}

static void kept_settings_are_in_the_create_body(void **state)
{
	(void)state;
	json_t *spec = rich();
	const json_t *create = at(spec, "create", NULL);
	expect_json(at(create, "Cmd", NULL), "[\"run\",\"--fast\"]");
	expect_json(at(create, "Entrypoint", NULL), "[\"/init\"]");
	expect_json(at(create, "Env", NULL), "[\"A=1\",\"PATH=/usr/bin\"]");
	expect_json(at(create, "User", NULL), "\"1000:1000\"");
	expect_json(at(create, "WorkingDir", NULL), "\"/srv\"");
	expect_json(at(create, "Labels", NULL), "{\"team\":\"ops\"}");
	expect_json(at(create, "ExposedPorts", NULL), "{\"80/tcp\":{}}");
	expect_json(at(create, "StopSignal", NULL), "\"SIGQUIT\"");
	expect_json(at(create, "StopTimeout", NULL), "30");
	expect_json(at(create, "Healthcheck", NULL),
		    "{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":3}");
	expect_json(at(create, "Volumes", NULL), "{\"/anon\":{}}");
	expect_json(at(create, "Tty", NULL), "true");
	expect_json(at(create, "OpenStdin", NULL), "true");
	expect_json(at(create, "Hostname", NULL), "\"myhost\""); /* the user's: kept */
	const json_t *host = at(create, "HostConfig", NULL);
	expect_json(at(host, "PortBindings", NULL),
		    "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}");
	expect_json(at(host, "RestartPolicy", NULL), "{\"Name\":\"always\",\"MaximumRetryCount\":0}");
	expect_json(at(host, "Ulimits", NULL), "[{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048}]");
	expect_json(at(host, "Memory", NULL), "268435456");
	expect_json(at(host, "NanoCpus", NULL), "1500000000");
	expect_json(at(host, "CapAdd", NULL), "[\"NET_ADMIN\"]");
	expect_json(at(host, "Init", NULL), "true");
	expect_json(at(host, "Tmpfs", NULL), "{\"/run\":\"rw\"}");
	expect_json(at(host, "Sysctls", NULL), "{\"net.core.somaxconn\":\"1024\"}");
	expect_json(at(host, "LogConfig", NULL), "{\"Type\":\"journald\",\"Config\":{}}");
	expect_json(at(host, "IpcMode", NULL), "\"shareable\"");
	expect_json(at(host, "NetworkMode", NULL), "\"appnet\"");
	expect_json(at(host, "ReadonlyPaths", NULL), "[\"/proc/bus\"]"); /* not the default */
	assert_null(at(host, "MaskedPaths", NULL)); /* Docker's default: the target's own */
	expect_json(at(spec, "source", NULL),
		    "{\"id\":\"" ID_A "\",\"name\":\"app\",\"image\":\"app:1\","
		    "\"created\":\"2026-11-30T03:44:12.9Z\",\"running\":true}");
	json_decref(spec);
}

static void named_volumes_via_binds_and_mounts_are_listed_and_kept(void **state)
{
	(void)state;
	json_t *spec = rich();
	const json_t *host = at(spec, "create", "HostConfig");
	expect_json(at(host, "Binds", NULL), "[\"appdata:/data:rw\",\"" HEX_C ":/anon2\"]");
	expect_json(at(host, "Mounts", NULL),
		    "[{\"Type\":\"volume\",\"Source\":\"mountvol\",\"Target\":\"/m\","
		    "\"VolumeOptions\":{\"Labels\":{\"k\":\"v\"},"
		    "\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"tmpfs\"}}}},"
		    "{\"Type\":\"tmpfs\",\"Target\":\"/t\"}]");
	expect_json(at(spec, "volumes", NULL),
		    "[{\"name\":\"appdata\",\"destination\":\"/data\",\"driver\":\"local\","
		    "\"driver_opts\":{},\"labels\":{},\"rw\":true,\"digest\":null},"
		    "{\"name\":\"mountvol\",\"destination\":\"/m\",\"driver\":\"local\","
		    "\"driver_opts\":{\"type\":\"tmpfs\"},\"labels\":{\"k\":\"v\"},\"rw\":true,"
		    "\"digest\":null}]");
	json_decref(spec);
}

static void anonymous_volumes_are_reported_once_each(void **state)
{
	(void)state;
	json_t *spec = rich();
	/* the image's VOLUME, known only by its mount point */
	json_t *c = change_for(spec, "MountPoints[/anon]");
	assert_non_null(c);
	assert_non_null(strstr(json_string_value(json_object_get(c, "why")), "not carried"));
	/* named by its generated name in Binds: reported there, not twice */
	assert_non_null(change_for(spec, "HostConfig.Binds[2]"));
	assert_null(change_for(spec, "MountPoints[/anon2]"));
	json_decref(spec);
}

static void bind_mounts_and_devices_are_listed_never_kept(void **state)
{
	(void)state;
	json_t *spec = rich();
	expect_json(at(spec, "binds", NULL),
		    "[{\"source\":\"/etc/app\",\"destination\":\"/cfg\",\"options\":\"ro,z\","
		    "\"rw\":false},"
		    "{\"source\":\"/srv/x\",\"destination\":\"/x\",\"options\":\"\",\"rw\":false}]");
	expect_json(at(spec, "devices", NULL),
		    "[{\"path_on_host\":\"/dev/fuse\",\"path_in_container\":\"/dev/fuse\","
		    "\"cgroup_permissions\":\"rwm\"}]");
	assert_null(at(spec, "create", "HostConfig") ? json_object_get(at(spec, "create", "HostConfig"), "Devices") : NULL);
	assert_non_null(change_for(spec, "HostConfig.Binds[1]"));
	assert_non_null(change_for(spec, "HostConfig.Mounts[1]"));
	assert_non_null(change_for(spec, "HostConfig.Devices[0]"));
	json_decref(spec);
}

static void host_bound_settings_are_dropped_with_a_reason(void **state)
{
	(void)state;
	json_t *spec = rich();
	const json_t *host = at(spec, "create", "HostConfig");
	const char *const dropped[] = {
		"Config.MacAddress", "HostConfig.ContainerIDFile", "HostConfig.Links",
		"HostConfig.SomethingNew", "NetworkSettings.Networks[appnet].IPAddress",
		"NetworkSettings.Networks[appnet].MacAddress",
		"NetworkSettings.Networks[appnet].IPAMConfig",
		"NetworkSettings.Networks[appnet].NetworkID",
		"NetworkSettings.Networks[appnet].EndpointID",
	};
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		json_t *c = change_for(spec, dropped[i]);
		if (!c)
			fail_msg("no change entry for %s", dropped[i]);
		expect_json(json_object_get(c, "action"), "\"dropped\"");
		assert_true(json_string_length(json_object_get(c, "why")) > 10);
	}
	assert_null(json_object_get(host, "ContainerIDFile"));
	assert_null(json_object_get(host, "Links"));
	assert_null(json_object_get(host, "SomethingNew"));
	assert_null(change_for(spec, "HostConfig.KernelMemory")); /* 0: nothing was set */
	json_t *pid = change_for(spec, "HostConfig.PidMode");
	assert_non_null(pid);
	expect_json(json_object_get(pid, "action"), "\"changed\"");
	expect_json(json_object_get(pid, "from"), "\"container:" OTHER_ID "\"");
	expect_json(json_object_get(pid, "to"), "\"\"");
	expect_json(json_object_get(host, "PidMode"), "\"\"");
	json_decref(spec);
}

static void networks_by_name_with_user_aliases_only(void **state)
{
	(void)state;
	json_t *spec = rich();
	expect_json(at(spec, "create", "NetworkingConfig"),
		    "{\"EndpointsConfig\":{\"appnet\":{\"Aliases\":[\"api\"]}}}");
	expect_json(at(spec, "networks", NULL),
		    "[{\"name\":\"appnet\",\"aliases\":[\"api\"],\"primary\":true},"
		    "{\"name\":\"other\",\"aliases\":[\"o\"],\"primary\":false}]");
	json_decref(spec);
}

static void generated_hostname_and_container_network_mode(void **state)
{
	(void)state;
	json_t *spec;
	struct lb_err err = {0};
	assert_int_equal(translate("{\"ID\":\"" ID_A "\",\"Name\":\"/n\",\"Config\":"
				   "{\"Hostname\":\"a0a1a2a3a4a5\",\"Image\":\"i\"},"
				   "\"NetworkSettings\":{\"Networks\":{}}}",
				   "{\"NetworkMode\":\"container:" OTHER_ID "\",\"IpcMode\":"
				   "\"container:" OTHER_ID "\"}",
				   &spec, &err),
			 0);
	assert_null(at(spec, "create", "Hostname"));
	json_t *h = change_for(spec, "Config.Hostname");
	assert_non_null(h);
	expect_json(json_object_get(h, "from"), "\"a0a1a2a3a4a5\"");
	expect_json(json_object_get(at(spec, "create", "HostConfig"), "NetworkMode"),
		    "\"default\"");
	expect_json(json_object_get(change_for(spec, "HostConfig.NetworkMode"), "to"),
		    "\"default\"");
	expect_json(json_object_get(at(spec, "create", "HostConfig"), "IpcMode"), "\"\"");
	assert_null(at(spec, "create", "NetworkingConfig"));
	json_decref(spec);
}

static void wrong_types_in_docker_files_are_integrity_errors(void **state)
{
	(void)state;
	struct {
		const char *config, *host, *needle;
	} cases[] = {
		{"{\"ID\":\"xyz\",\"Config\":{}}", "{}", "ID"},
		{"{\"ID\":\"" ID_A "\"}", "{}", "Config"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{}}", "{\"Binds\":\"a:/b\"}", "HostConfig.Binds"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{}}", "{\"Binds\":[\"a:rel\"]}", "Binds[0]"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{}}", "{\"Binds\":[\"-bad:/x\"]}", "Binds[0]"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{}}", "{\"Mounts\":[{\"Type\":\"volume\"}]}",
		 "Mounts[0]"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{}}", "{\"Devices\":[{}]}", "Devices[0]"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{},\"NetworkSettings\":{\"Networks\":[]}}", "{}",
		 "Networks"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{},\"MountPoints\":[]}", "{}", "MountPoints"},
		{"{\"ID\":\"" ID_A "\",\"Config\":{},\"State\":{\"Running\":1}}", "{}", "Running"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *spec = NULL;
		struct lb_err err = {0};
		assert_int_equal(translate(cases[i].config, cases[i].host, &spec, &err),
				 LB_EINTEGRITY);
		assert_null(spec);
		if (!strstr(err.msg, cases[i].needle) || !strstr(err.msg, "/var/lib/docker"))
			fail_msg("case %zu: %s", i, err.msg);
	}
}

static void image_and_volume_digest_are_set_by_the_caller(void **state)
{
	(void)state;
	json_t *spec = rich();
	struct lb_err err = {0};
	assert_int_equal(lb_spec_set_image(spec, "reg.example/evac/app@sha256:" HEX_B, &err), 0);
	expect_json(at(spec, "create", "Image"), "\"reg.example/evac/app@sha256:" HEX_B "\"");
	expect_json(at(spec, "source", "image"), "\"app:1\"");
	assert_int_equal(lb_spec_set_volume_digest(spec, "mountvol", "sha256:" HEX_C, &err), 0);
	expect_json(json_object_get(json_array_get(at(spec, "volumes", NULL), 1), "digest"),
		    "\"sha256:" HEX_C "\"");
	assert_int_equal(lb_spec_set_volume_digest(spec, "nope", "sha256:" HEX_C, &err),
			 LB_ENOTFOUND);
	assert_int_equal(lb_spec_set_volume_digest(spec, "appdata", "md5:00", &err), LB_EUSAGE);
	assert_int_equal(lb_spec_check(spec, "x", &err), 0);
	json_decref(spec);
}

static void adapt_drops_a_missing_log_driver_and_fits_podman(void **state)
{
	(void)state;
	json_t *spec = rich();
	struct lb_err err = {0};
	const char *const has_journald[] = {"json-file", "journald"};
	struct lb_spec_target docker = {.log_drivers = has_journald, .n_log_drivers = 2};
	assert_int_equal(lb_spec_adapt(spec, &docker, &err), 0);
	assert_non_null(json_object_get(at(spec, "create", "HostConfig"), "LogConfig"));
	assert_null(change_for(spec, "HostConfig.LogConfig"));
	const char *const only_json[] = {"json-file", "k8s-file"};
	struct lb_spec_target podman = {.log_drivers = only_json, .n_log_drivers = 2,
					.is_podman = true};
	assert_int_equal(lb_spec_adapt(spec, &podman, &err), 0);
	assert_null(json_object_get(at(spec, "create", "HostConfig"), "LogConfig"));
	json_t *c = change_for(spec, "HostConfig.LogConfig");
	assert_non_null(c);
	expect_json(json_object_get(c, "from"), "{\"Type\":\"journald\",\"Config\":{}}");
	/* appnet is not "default": podman keeps it */
	expect_json(json_object_get(at(spec, "create", "HostConfig"), "NetworkMode"), "\"appnet\"");
	json_object_set_new((json_t *)at(spec, "create", "HostConfig"), "NetworkMode",
			    json_string("default"));
	assert_int_equal(lb_spec_adapt(spec, &podman, &err), 0);
	expect_json(json_object_get(at(spec, "create", "HostConfig"), "NetworkMode"), "\"bridge\"");
	assert_int_equal(lb_spec_check(spec, "x", &err), 0);
	json_decref(spec);
}

static void canonical_text_reads_back_to_the_same_bytes(void **state)
{
	(void)state;
	json_t *spec = rich(), *again;
	struct lb_err err = {0};
	char *text, *text2;
	size_t len, len2;
	assert_int_equal(lb_spec_format(spec, &text, &len, &err), 0);
	assert_int_equal(text[len - 1], '\n');
	assert_int_equal(lb_spec_parse(text, len, "spec.json", &again, &err), 0);
	assert_int_equal(lb_spec_format(again, &text2, &len2, &err), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);
	assert_true(json_equal(spec, again));
	free(text);
	free(text2);
	json_decref(again);
	json_decref(spec);
}

/* Replaces the first `from` in the rich spec's canonical text by `to`. */
static char *edited(const char *from, const char *to)
{
	json_t *spec = rich();
	char *text;
	size_t len;
	struct lb_err err;
	assert_int_equal(lb_spec_format(spec, &text, &len, &err), 0);
	json_decref(spec);
	char *p = strstr(text, from);
	if (!p)
		fail_msg("no %s in the spec", from);
	char *out = malloc(len + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	free(text);
	return out;
}

static void malformed_specs_are_integrity_errors_naming_the_field(void **state)
{
	(void)state;
	struct {
		const char *from, *to, *needle;
	} cases[] = {
		{"\"lifeboat_container_spec\":1", "\"lifeboat_container_spec\":2",
		 "written by a newer lifeboat (version 2)"},
		{"\"lifeboat_container_spec\":1", "\"lifeboat_container_spec\":0",
		 "lifeboat_container_spec"},
		{"\"lifeboat_container_spec\":1", "\"lifeboat_container_spec\":\"1\"",
		 "lifeboat_container_spec"},
		{"\"binds\":[", "\"extra\":1,\"binds\":[", "extra: unknown field"},
		{"\"digest\":null", "\"digest\":\"sha256:00\"", "volumes[0].digest"},
		{"\"name\":\"mountvol\"", "\"name\":\"appdata\"", "each volume name once"},
		{"\"name\":\"appdata\"", "\"name\":\"../etc\"", "volumes[0]"},
		{"\"destination\":\"/data\"", "\"destination\":\"data\"", "volumes[0]"},
		{"\"action\":\"dropped\"", "\"action\":\"lost\"", "changes[0]"},
		{"\"action\":\"dropped\"", "\"action\":\"changed\"", "changes[0]"},
		{"\"running\":true", "\"running\":\"yes\"", "source.running"},
		{"\"id\":\"" ID_A "\"", "\"id\":\"a0\"", "source.id"},
		{"\"Image\":\"app:1\"", "\"Image\":7", "create.Image"},
		{"\"aliases\":[\"api\"]", "\"aliases\":[1]", "networks[0]"},
		{"\"source\":{", "\"source\":{\"id\":\"x\",", "duplicate"},
		{"{\"binds\"", "[{\"binds\"", "bad JSON"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = edited(cases[i].from, cases[i].to);
		json_t *spec = NULL;
		struct lb_err err = {0};
		assert_int_equal(lb_spec_parse(text, strlen(text), "blob sha256:1234", &spec, &err),
				 LB_EINTEGRITY);
		assert_null(spec);
		if (!strstr(err.msg, cases[i].needle) || !strstr(err.msg, "blob sha256:1234"))
			fail_msg("case %zu: %s", i, err.msg);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_settings_are_in_the_create_body),
		cmocka_unit_test(named_volumes_via_binds_and_mounts_are_listed_and_kept),
		cmocka_unit_test(anonymous_volumes_are_reported_once_each),
		cmocka_unit_test(bind_mounts_and_devices_are_listed_never_kept),
		cmocka_unit_test(host_bound_settings_are_dropped_with_a_reason),
		cmocka_unit_test(networks_by_name_with_user_aliases_only),
		cmocka_unit_test(generated_hostname_and_container_network_mode),
		cmocka_unit_test(wrong_types_in_docker_files_are_integrity_errors),
		cmocka_unit_test(image_and_volume_digest_are_set_by_the_caller),
		cmocka_unit_test(adapt_drops_a_missing_log_driver_and_fits_podman),
		cmocka_unit_test(canonical_text_reads_back_to_the_same_bytes),
		cmocka_unit_test(malformed_specs_are_integrity_errors_naming_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
