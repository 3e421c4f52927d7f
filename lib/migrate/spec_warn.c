/* lifeboat: warnings for what a spec does not carry (see spec_warn.h). */
#include "migrate/spec_warn.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "?";
}

void lb_spec_host_warnings(const json_t *spec, json_t *out)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "binds"), i, v)
		json_array_append_new(out, json_sprintf("bind mount %s -> %s: the host path is not "
							"copied; it must exist on the target "
							"(Docker creates an empty directory)",
							str(v, "source"), str(v, "destination")));
	json_array_foreach(json_object_get(spec, "devices"), i, v)
		json_array_append_new(out, json_sprintf("host device %s -> %s: not copied; the "
							"target must have it or the start fails",
							str(v, "path_on_host"),
							str(v, "path_in_container")));
}
