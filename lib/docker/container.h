/* <data-root>/containers/<id>/config.v2.json, as Docker 20.10 writes it with
 * json.NewEncoder(...).Encode(container) (moby container/container.go, state.go):
 *
 *   {"StreamConfig":{},"State":{"Running":true,"Paused":false,"Restarting":false,
 *    "OOMKilled":false,"RemovalInProgress":false,"Dead":false,"Pid":1234,
 *    "ExitCode":0,"Error":"","StartedAt":"...","FinishedAt":"...","Health":null},
 *    "ID":"<64 hex>","Created":"...","Path":"sh","Args":[...],
 *    "Config":{...,"Image":"busybox",...},"Image":"sha256:<hex>",
 *    "Name":"/web","Driver":"devicemapper","OS":"linux",...}\n
 *
 * "Image" at the top level is the image ID; the name the user typed is
 * Config.Image. Name keeps its leading '/'. Only the fields a rescue needs are
 * modelled; the rest is ignored, as is anything after the first JSON value
 * (Docker reads the file with json.Decoder). hostconfig.json is not read. */
#ifndef LIFEBOAT_DOCKER_CONTAINER_H
#define LIFEBOAT_DOCKER_CONTAINER_H

#include "docker/layerdb.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_DOCKER_CONFIG_FILE "config.v2.json"

struct lb_docker_state {
	bool running;
	bool paused;
	bool restarting;
	bool oom_killed;
	bool removal_in_progress;
	bool dead;
	int64_t pid;
	int64_t exit_code;
	char started_at[48];  /* RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" = never */
	char finished_at[48];
};

struct lb_docker_config {
	char id[LB_DOCKER_ID_LEN + 1];
	char name[256];        /* "/web": with Docker's leading '/' */
	char image_id[LB_DOCKER_DIGEST_MAX + 48]; /* "sha256:<hex>" */
	char image_ref[512];   /* Config.Image, e.g. "nginx:1.25"; "" if absent */
	char driver[32];       /* graph driver that owns the rootfs: "devicemapper" */
	char os[16];
	char created[48];
	struct lb_docker_state state;
	/* Set with LB_EINTEGRITY when the file parsed but its Name breaks
	 * Docker's rule: not a file Docker wrote, and a name that must not
	 * reach a path. Every other field is then cleared. */
	bool name_rejected;
};

/* Docker's rule for container names (daemon/names validNamePattern):
 * /?[a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool lb_docker_is_container_name(const char *name);

/* Parses config.v2.json text; `origin` names the file. ID must be 64 hex and
 * Name, if there, a name Docker allows; the text fields that are only shown
 * (Image, Config.Image, Driver, OS, the dates) are kept in printable form
 * (lib/util/printable.h). */
int lb_docker_config_parse(const char *text, size_t len, const char *origin,
			   struct lb_docker_config *out, struct lb_err *err);

/* Reads <containers_dir>/<id>/config.v2.json. */
int lb_docker_config_load(const char *containers_dir, const char *id,
			  struct lb_docker_config *out, struct lb_err *err);

/* "running", "paused", "restarting", "removing", "dead", "created" or
 * "exited", by the rules of Docker's State.StateString(). */
const char *lb_docker_state_string(const struct lb_docker_state *s);

#endif
