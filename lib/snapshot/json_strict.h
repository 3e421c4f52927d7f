/* The strict JSON reading lifeboat's own snapshot files share (the catalog
 * and the policy file): a size limit, no key given twice in one object (which
 * one a reader takes is not ours to guess), an object at the top, and no
 * key but the ones a format knows. Each caller passes the exit code its damage
 * means: LB_EINTEGRITY for the catalog lifeboat wrote, LB_EUSAGE for the
 * operator's policy. */
#ifndef LIFEBOAT_SNAPSHOT_JSON_STRICT_H
#define LIFEBOAT_SNAPSHOT_JSON_STRICT_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>

/* Parses text (len bytes, at most max_bytes) into an object (*out,
 * json_decref). `what` names the file's kind in the size message ("the
 * catalog's"). Errors use `code` and name origin, line and column. */
int lb_snap_json_load(const char *text, size_t len, size_t max_bytes, const char *what,
		      const char *origin, int code, json_t **out, struct lb_err *err);

/* Refuses a key of obj not in the NULL-ended `keys`:
 * "<origin>: <where>.<key>: unknown field" (no "<where>." when where is NULL). */
int lb_snap_json_only_keys(const json_t *obj, const char *const *keys, const char *origin,
			   const char *where, int code, struct lb_err *err);

/* "an object", "an integer", ...: a value's type for messages. */
const char *lb_snap_json_type(const json_t *v);

#endif
