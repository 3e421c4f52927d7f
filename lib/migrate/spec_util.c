#include "migrate/spec_internal.h"

#include "docker/container.h"

#include <string.h>

void lb_spec_put(struct lb_spec_tr *t, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v))
		if (!t->rc)
			t->rc = lb_fail(t->err, LB_EFAIL, "%s: spec: out of memory", t->origin);
}

void lb_spec_append(struct lb_spec_tr *t, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v))
		if (!t->rc)
			t->rc = lb_fail(t->err, LB_EFAIL, "%s: spec: out of memory", t->origin);
}

void lb_spec_change(struct lb_spec_tr *t, const char *field, const char *action,
		    const json_t *from, const json_t *to, const char *why)
{
	json_t *c = json_object();
	lb_spec_put(t, c, "field", json_string(field));
	lb_spec_put(t, c, "action", json_string(action));
	lb_spec_put(t, c, "from", from ? json_deep_copy(from) : json_null());
	if (to)
		lb_spec_put(t, c, "to", json_deep_copy(to));
	lb_spec_put(t, c, "why", json_string(why));
	lb_spec_append(t, t->changes, c);
}

bool lb_spec_is_zero(const json_t *v)
{
	if (!v) /* absent */
		return true;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE: return true;
	case JSON_INTEGER: return json_integer_value(v) == 0;
	case JSON_REAL: return json_real_value(v) == 0;
	case JSON_STRING: return json_string_length(v) == 0;
	case JSON_ARRAY: return json_array_size(v) == 0;
	case JSON_OBJECT: return json_object_size(v) == 0;
	default: return false;
	}
}

int lb_spec_bad(struct lb_spec_tr *t, const char *file, const char *key, const char *want)
{
	return t->rc = lb_fail(t->err, LB_EINTEGRITY, "%s/%s: %s: expected %s", t->origin, file,
			       key, want);
}

bool lb_spec_volume_name_valid(const char *name)
{
	/* Volume names follow the container name rule, without the leading '/'. */
	return name && name[0] != '/' && strlen(name) <= 255 && lb_docker_is_container_name(name);
}
