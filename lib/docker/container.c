#include "docker/container.h"

#include "docker/jsonfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_state(const struct lb_dj_ctx *top, const json_t *root, struct lb_docker_state *s)
{
	const json_t *obj;
	int rc = lb_dj_get_obj(top, root, "State", LB_DJ_OPTIONAL, &obj);
	if (rc || !obj)
		return rc;
	const struct lb_dj_ctx c = {.origin = top->origin, .parent = "State", .err = top->err};
	const struct {
		const char *key;
		bool *dst;
	} flags[] = {
		{"Running", &s->running},
		{"Paused", &s->paused},
		{"Restarting", &s->restarting},
		{"OOMKilled", &s->oom_killed},
		{"RemovalInProgress", &s->removal_in_progress},
		{"Dead", &s->dead},
	};
	for (size_t i = 0; !rc && i < sizeof(flags) / sizeof(flags[0]); i++)
		rc = lb_dj_get_bool(&c, obj, flags[i].key, LB_DJ_OPTIONAL, flags[i].dst, NULL);
	if (!rc)
		rc = lb_dj_get_i64(&c, obj, "Pid", LB_DJ_OPTIONAL, &s->pid, NULL);
	if (!rc)
		rc = lb_dj_get_i64(&c, obj, "ExitCode", LB_DJ_OPTIONAL, &s->exit_code, NULL);
	if (!rc)
		rc = lb_dj_get_str(&c, obj, "StartedAt", LB_DJ_OPTIONAL, s->started_at,
				   sizeof(s->started_at), NULL);
	if (!rc)
		rc = lb_dj_get_str(&c, obj, "FinishedAt", LB_DJ_OPTIONAL, s->finished_at,
				   sizeof(s->finished_at), NULL);
	return rc;
}

static int config_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_docker_config *cfg = out;
	int rc = lb_dj_get_str(c, root, "ID", LB_DJ_REQUIRED, cfg->id, sizeof(cfg->id), NULL);
	if (!rc && !lb_dj_is_hex(cfg->id, LB_DOCKER_ID_LEN))
		rc = lb_fail(c->err, LB_EINTEGRITY, "%s: key \"ID\": '%s' is not a 64-digit hex id",
			     c->origin, cfg->id);
	const struct {
		const char *key;
		char *buf;
		size_t cap;
	} strs[] = {
		{"Name", cfg->name, sizeof(cfg->name)},
		{"Image", cfg->image_id, sizeof(cfg->image_id)},
		{"Driver", cfg->driver, sizeof(cfg->driver)},
		{"OS", cfg->os, sizeof(cfg->os)},
		{"Created", cfg->created, sizeof(cfg->created)},
	};
	for (size_t i = 0; !rc && i < sizeof(strs) / sizeof(strs[0]); i++)
		rc = lb_dj_get_str(c, root, strs[i].key, LB_DJ_OPTIONAL, strs[i].buf, strs[i].cap, NULL);
	if (!rc)
		rc = parse_state(c, root, &cfg->state);
	const json_t *config = NULL;
	if (!rc)
		rc = lb_dj_get_obj(c, root, "Config", LB_DJ_OPTIONAL, &config);
	if (!rc && config) {
		const struct lb_dj_ctx cc = {.origin = c->origin, .parent = "Config", .err = c->err};
		rc = lb_dj_get_str(&cc, config, "Image", LB_DJ_OPTIONAL, cfg->image_ref,
				   sizeof(cfg->image_ref), NULL);
	}
	return rc;
}

int lb_docker_config_parse(const char *text, size_t len, const char *origin,
			   struct lb_docker_config *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return lb_dj_parse_doc(text, len, origin, LB_DJ_FIRST_VALUE, config_fields, out, err);
}

int lb_docker_config_load(const char *containers_dir, const char *id,
			  struct lb_docker_config *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!id[0] || strchr(id, '/') || id[0] == '.')
		return lb_fail(err, LB_EUSAGE, "%.80s: not a container id", id);
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s/%s", containers_dir, id, LB_DOCKER_CONFIG_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return lb_fail(err, LB_EUSAGE, "%s/%s: path too long", containers_dir, id);
	return lb_dj_load_doc(path, LB_DJ_FIRST_VALUE, config_fields, out, err);
}

static bool time_is_zero(const char *t)
{
	return !t[0] || strcmp(t, "0001-01-01T00:00:00Z") == 0;
}

const char *lb_docker_state_string(const struct lb_docker_state *s)
{
	if (s->running) {
		if (s->paused)
			return "paused";
		if (s->restarting)
			return "restarting";
		return "running";
	}
	if (s->removal_in_progress)
		return "removing";
	if (s->dead)
		return "dead";
	if (time_is_zero(s->started_at))
		return "created";
	return "exited";
}
