/* Fitting a spec to the engine it lands on, from facts the caller learned
 * from that engine (GET /info): each edit is a change entry. */
#include "migrate/spec.h"

#include "migrate/spec_internal.h"

#include <string.h>

static bool has_driver(const struct lb_spec_target *target, const char *driver)
{
	/* "none" is no plugin: Docker's /info does not list it, every engine has it. */
	if (!strcmp(driver, "none"))
		return true;
	for (size_t i = 0; i < target->n_log_drivers; i++)
		if (!strcmp(target->log_drivers[i], driver))
			return true;
	return false;
}

int lb_spec_adapt(json_t *spec, const struct lb_spec_target *target, struct lb_err *err)
{
	struct lb_spec_tr t = {.origin = "spec", .err = err};
	t.create = json_object_get(spec, "create");
	t.host = json_object_get(t.create, "HostConfig");
	t.changes = json_object_get(spec, "changes");
	if (!json_is_object(t.create) || !json_is_array(t.changes))
		return lb_fail(err, LB_EUSAGE, "spec: no create body or changes list to adapt");
	if (!t.host)
		return LB_OK;
	const json_t *log = json_object_get(t.host, "LogConfig");
	const char *driver = json_string_value(json_object_get(log, "Type"));
	if (driver && driver[0] && !has_driver(target, driver)) {
		lb_spec_change(&t, "HostConfig.LogConfig", "dropped", log, NULL,
			       "the target engine has no such log driver; its default applies");
		if (!t.rc)
			json_object_del(t.host, "LogConfig");
	}
	const char *mode = json_string_value(json_object_get(t.host, "NetworkMode"));
	if (target->is_podman && mode && !strcmp(mode, "default")) {
		json_t *to = json_string("bridge");
		lb_spec_change(&t, "HostConfig.NetworkMode", "changed",
			       json_object_get(t.host, "NetworkMode"), to,
			       "podman's service reads \"default\" as its own default "
			       "(slirp4netns or pasta when rootless), Docker meant its bridge");
		json_decref(to);
		if (!t.rc)
			lb_spec_put(&t, t.host, "NetworkMode", json_string("bridge"));
	}
	return t.rc;
}
