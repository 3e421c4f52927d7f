#include "snapshot/json_strict.h"

#include "util/printable.h"

#include <string.h>

const char *lb_snap_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

int lb_snap_json_load(const char *text, size_t len, size_t max_bytes, const char *what,
		      const char *origin, int code, json_t **out, struct lb_err *err)
{
	*out = NULL;
	if (len > max_bytes)
		return lb_fail(err, code, "%s: %zu bytes is over %s limit of %zu", origin, len, what,
			       max_bytes);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char shown[LB_PRINTABLE_CAP(80)];
		lb_printable(shown, sizeof(shown), jerr.text);
		return lb_fail(err, code, "%s: line %d, column %d: bad JSON: %s", origin, jerr.line,
			       jerr.column, shown);
	}
	if (!json_is_object(root)) {
		int rc = lb_fail(err, code, "%s: expected a JSON object, got %s", origin,
				 lb_snap_json_type(root));
		json_decref(root);
		return rc;
	}
	*out = root;
	return LB_OK;
}

int lb_snap_json_only_keys(const json_t *obj, const char *const *keys, const char *origin,
			   const char *where, int code, struct lb_err *err)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value) {
		(void)value;
		bool known = false;
		for (size_t i = 0; keys[i] && !known; i++)
			known = !strcmp(keys[i], key);
		if (!known) {
			char shown[LB_PRINTABLE_CAP(64)];
			lb_printable(shown, sizeof(shown), key);
			return lb_fail(err, code, "%s: %s%s%s: unknown field", origin,
				       where ? where : "", where ? "." : "", shown);
		}
	}
	return LB_OK;
}
