/* Fake Docker 20.10 devicemapper data roots for the lib/docker/ unit tests.
 * The JSON is written byte for byte the way dockerd writes it: json.Marshal
 * (no spaces, no newline) for the devicemapper metadata, json.Encoder (one
 * trailing newline) for config.v2.json, and no newline in layerdb files. */
#ifndef LIFEBOAT_TEST_DOCKER_FIXTURE_H
#define LIFEBOAT_TEST_DOCKER_FIXTURE_H

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* snprintf into a PATH_MAX buffer that aborts rather than truncate. */
static inline __attribute__((format(printf, 2, 3))) void fx_fmt(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		abort();
}

/* A 64-hex id: `head`, then `fill` repeated. */
static inline void fx_id(char out[65], const char *head, char fill)
{
	size_t n = strlen(head);
	memcpy(out, head, n);
	memset(out + n, fill, 64 - n);
	out[64] = '\0';
}

static inline void fx_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	fx_fmt(buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

/* Writes `text` to <root>/<rel>, creating parent directories. */
static inline void fx_write(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	fx_fmt(path, "%s/%s", root, rel);
	fx_fmt(dir, "%s", path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	fx_mkdirs(dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fixture: cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
	fputs(text, f);
	fclose(f);
}

static inline void fx_unlink(const char *root, const char *rel)
{
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s", root, rel);
	unlink(path);
}

static inline void fx_tmpdir(char out[PATH_MAX])
{
	const char *tmp = getenv("TMPDIR");
	fx_fmt(out, "%s/lb-docker-test.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(out))
		abort();
}

static inline int fx_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void fx_rm_rf(const char *root)
{
	nftw(root, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* devicemapper/metadata/<hash> as json.Marshal(devInfo) writes it. */
static inline void fx_device(const char *root, const char *hash, unsigned device_id,
			     unsigned long long size, unsigned long long transaction_id,
			     bool initialized, bool deleted)
{
	char rel[PATH_MAX], json[256];
	fx_fmt(rel, "devicemapper/metadata/%s", hash[0] ? hash : "base");
	snprintf(json, sizeof(json),
		 "{\"device_id\":%u,\"size\":%llu,\"transaction_id\":%llu,\"initialized\":%s,"
		 "\"deleted\":%s}",
		 device_id, size, transaction_id, initialized ? "true" : "false",
		 deleted ? "true" : "false");
	fx_write(root, rel, json);
}

/* containers/<id>/config.v2.json as Docker 20.10's json.Encoder writes it. */
static inline void fx_config(const char *root, const char *id, const char *name,
			     const char *image_ref, bool running)
{
	char rel[PATH_MAX];
	static char json[8192];
	fx_fmt(rel, "containers/%s/config.v2.json", id);
	snprintf(json, sizeof(json),
		 "{\"StreamConfig\":{},\"State\":{\"Running\":%s,\"Paused\":false,\"Restarting\":false,"
		 "\"OOMKilled\":false,\"RemovalInProgress\":false,\"Dead\":false,\"Pid\":%d,"
		 "\"ExitCode\":%d,\"Error\":\"\",\"StartedAt\":\"2024-03-01T10:00:01.123456789Z\","
		 "\"FinishedAt\":\"%s\",\"Health\":null},"
		 "\"ID\":\"%s\",\"Created\":\"2024-03-01T10:00:00.987654321Z\",\"Managed\":false,"
		 "\"Path\":\"sh\",\"Args\":[\"-c\",\"sleep 1000\"],"
		 "\"Config\":{\"Hostname\":\"%.12s\",\"Domainname\":\"\",\"User\":\"\","
		 "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,"
		 "\"OpenStdin\":false,\"StdinOnce\":false,"
		 "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
		 "\"Cmd\":[\"sh\",\"-c\",\"sleep 1000\"],\"Image\":\"%s\",\"Volumes\":null,"
		 "\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{}},"
		 "\"Image\":\"sha256:7a80323521ccd4c2b4b423fa6e38e5cea156600f40cd855e464cc52a321a24dd\","
		 "\"NetworkSettings\":{\"Bridge\":\"\",\"SandboxID\":\"\",\"HairpinMode\":false,"
		 "\"LinkLocalIPv6Address\":\"\",\"LinkLocalIPv6PrefixLen\":0,\"Networks\":{\"bridge\":"
		 "{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"NetworkID\":\"\","
		 "\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,"
		 "\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,"
		 "\"MacAddress\":\"\",\"DriverOpts\":null,\"IPAMOperational\":false}},"
		 "\"Service\":null,\"Ports\":null,\"SandboxKey\":\"\",\"SecondaryIPAddresses\":null,"
		 "\"SecondaryIPv6Addresses\":null,\"IsAnonymousEndpoint\":false,"
		 "\"HasSwarmEndpoint\":false},"
		 "\"LogPath\":\"/var/lib/docker/containers/%s/%s-json.log\",\"Name\":\"%s\","
		 "\"Driver\":\"devicemapper\",\"OS\":\"linux\",\"MountLabel\":\"\",\"ProcessLabel\":\"\","
		 "\"RestartCount\":0,\"HasBeenStartedBefore\":true,\"HasBeenManuallyStopped\":false,"
		 "\"MountPoints\":{},\"SecretReferences\":null,\"ConfigReferences\":null,"
		 "\"AppArmorProfile\":\"docker-default\","
		 "\"HostnamePath\":\"/var/lib/docker/containers/%s/hostname\","
		 "\"HostsPath\":\"/var/lib/docker/containers/%s/hosts\","
		 "\"ShmPath\":\"/var/lib/docker/containers/%s/mounts/shm\","
		 "\"ResolvConfPath\":\"/var/lib/docker/containers/%s/resolv.conf\","
		 "\"SeccompProfile\":\"\",\"NoNewPrivileges\":false,"
		 "\"LocalLogCacheMeta\":{\"HaveNotifyEnabled\":false}}\n",
		 running ? "true" : "false", running ? 4242 : 0, running ? 0 : 137,
		 running ? "0001-01-01T00:00:00Z" : "2024-03-01T11:00:00.5Z", id, id, image_ref, id, id,
		 name, id, id, id, id);
	fx_write(root, rel, json);
}

/* image/devicemapper/layerdb/mounts/<id>/{mount-id,init-id,parent}. */
static inline void fx_mount(const char *root, const char *id, const char *mount_id,
			    const char *parent_chain)
{
	char rel[PATH_MAX], init[PATH_MAX];
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/mount-id", id);
	fx_write(root, rel, mount_id);
	fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/init-id", id);
	fx_fmt(init, "%s-init", mount_id);
	fx_write(root, rel, init);
	if (parent_chain) {
		fx_fmt(rel, "image/devicemapper/layerdb/mounts/%s/parent", id);
		fx_write(root, rel, parent_chain);
	}
}

/* A container with its config, layer-store mount and thin device. */
static inline void fx_container(const char *root, const char *id, const char *mount_id,
				const char *name, unsigned device_id, bool deleted)
{
	fx_config(root, id, name, "busybox", true);
	fx_mount(root, id, mount_id, NULL);
	fx_device(root, mount_id, device_id, 10737418240ull, device_id, false, deleted);
}

/* The skeleton every devicemapper data root has: base device, set metadata. */
static inline void fx_skeleton(const char *root)
{
	fx_device(root, "", 1, 10737418240ull, 1, true, false);
	fx_write(root, "devicemapper/metadata/deviceset-metadata",
		 "{\"next_device_id\":9,\"BaseDeviceUUID\":\"4c0c5d29-95d4-4d1a-9a5f-3f2b1c0e8a11\","
		 "\"BaseDeviceFilesystem\":\"xfs\"}");
	fx_write(root, "devicemapper/metadata/transaction-metadata",
		 "{\"open_transaction_id\":9,\"device_hash\":\"\",\"device_id\":9}");
	fx_mkdirs(root);
	char dir[PATH_MAX];
	fx_fmt(dir, "%s/devicemapper/devicemapper", root);
	fx_mkdirs(dir);
	fx_fmt(dir, "%s/containers", root);
	fx_mkdirs(dir);
}

#endif
