#include "engine/engine.h"

#include <stdio.h>

int lb_engine_volume_create(struct lb_engine *e, const char *name, const char *driver,
			    const json_t *labels, json_t **out, struct lb_err *err)
{
	json_t *body = json_pack("{s:s, s:s}", "Name", name, "Driver", driver ? driver : "local");
	if (!body)
		return lb_fail(err, LB_EUSAGE, "volume %.300s: name is not UTF-8", name);
	if (labels)
		json_object_set(body, "Labels", (json_t *)labels);
	int rc = lb_engine_call(e, "POST", "/volumes/create", body, NULL, out, err);
	json_decref(body);
	return rc;
}

static int volume_path(const char *name, const char *query, char *path, size_t cap, struct lb_err *err)
{
	char ename[800];
	int rc = lb_engine_escape(name, false, ename, sizeof(ename), err);
	if (!rc)
		snprintf(path, cap, "/volumes/%s%s", ename, query);
	return rc;
}

int lb_engine_volume_inspect(struct lb_engine *e, const char *name, json_t **out, struct lb_err *err)
{
	char path[900];
	int rc = volume_path(name, "", path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "GET", path, NULL, NULL, out, err);
}

int lb_engine_volume_remove(struct lb_engine *e, const char *name, bool force, struct lb_err *err)
{
	char path[900];
	int rc = volume_path(name, force ? "?force=1" : "", path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "DELETE", path, NULL, NULL, NULL, err);
}
