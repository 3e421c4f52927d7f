#include "docker/container.h"

#include "docker/jsonfile.h"
#include "util/printable.h"

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
		rc = lb_dj_get_text(&c, obj, "StartedAt", LB_DJ_OPTIONAL, s->started_at,
				    sizeof(s->started_at), NULL);
	if (!rc)
		rc = lb_dj_get_text(&c, obj, "FinishedAt", LB_DJ_OPTIONAL, s->finished_at,
				    sizeof(s->finished_at), NULL);
	return rc;
}

/* ASCII only, whatever the locale. */
static bool is_alnum(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool lb_docker_is_container_name(const char *name)
{
	if (name[0] == '/')
		name++;
	if (!is_alnum(name[0]) || !name[1])
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/* A value that breaks Docker's rule, quoted printable. */
static int invalid_value(const struct lb_dj_ctx *c, const char *key, const char *value,
			 const char *rule)
{
	char shown[LB_PRINTABLE_CAP(80)];
	lb_printable(shown, sizeof(shown), value);
	return lb_fail(c->err, LB_EINTEGRITY, "%s: key \"%s\": '%s' is not %s", c->origin, key, shown,
		       rule);
}

static int config_fields(const struct lb_dj_ctx *c, const json_t *root, void *out)
{
	struct lb_docker_config *cfg = out;
	int rc = lb_dj_get_str(c, root, "ID", LB_DJ_REQUIRED, cfg->id, sizeof(cfg->id), NULL);
	if (!rc && !lb_dj_is_hex(cfg->id, LB_DOCKER_ID_LEN))
		rc = invalid_value(c, "ID", cfg->id, "a 64-digit hex id");
	if (!rc)
		rc = lb_dj_get_str(c, root, "Name", LB_DJ_OPTIONAL, cfg->name, sizeof(cfg->name), NULL);
	/* The name becomes a directory under /run/lifeboat/mnt: only the names
	 * Docker itself allows get there. */
	if (!rc && cfg->name[0] && !lb_docker_is_container_name(cfg->name)) {
		rc = invalid_value(c, "Name", cfg->name,
				   "a container name Docker allows (/?[a-zA-Z0-9][a-zA-Z0-9_.-]+)");
		cfg->name_rejected = true;
	}
	const struct {
		const char *key;
		char *buf;
		size_t cap;
	} strs[] = {
		{"Image", cfg->image_id, sizeof(cfg->image_id)},
		{"Driver", cfg->driver, sizeof(cfg->driver)},
		{"OS", cfg->os, sizeof(cfg->os)},
		{"Created", cfg->created, sizeof(cfg->created)},
	};
	for (size_t i = 0; !rc && i < sizeof(strs) / sizeof(strs[0]); i++)
		rc = lb_dj_get_text(c, root, strs[i].key, LB_DJ_OPTIONAL, strs[i].buf, strs[i].cap, NULL);
	if (!rc)
		rc = parse_state(c, root, &cfg->state);
	const json_t *config = NULL;
	if (!rc)
		rc = lb_dj_get_obj(c, root, "Config", LB_DJ_OPTIONAL, &config);
	if (!rc && config) {
		const struct lb_dj_ctx cc = {.origin = c->origin, .parent = "Config", .err = c->err};
		rc = lb_dj_get_text(&cc, config, "Image", LB_DJ_OPTIONAL, cfg->image_ref,
				    sizeof(cfg->image_ref), NULL);
	}
	return rc;
}

/* On failure the model is not valid; only name_rejected says why. */
static int config_failed(int rc, struct lb_docker_config *out)
{
	if (rc) {
		bool name_rejected = out->name_rejected;
		memset(out, 0, sizeof(*out));
		out->name_rejected = name_rejected;
	}
	return rc;
}

int lb_docker_config_parse(const char *text, size_t len, const char *origin,
			   struct lb_docker_config *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	return config_failed(
		lb_dj_parse_doc(text, len, origin, LB_DJ_FIRST_VALUE, config_fields, out, err), out);
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
	return config_failed(lb_dj_load_doc(path, LB_DJ_FIRST_VALUE, config_fields, out, err), out);
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
