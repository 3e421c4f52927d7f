/* Shared by the files of the spec's translation (spec.c, spec_mounts.c,
 * spec_net.c): the document being built and the helpers that record an
 * out-of-memory once instead of at every call. Not for other callers. */
#ifndef LIFEBOAT_MIGRATE_SPEC_INTERNAL_H
#define LIFEBOAT_MIGRATE_SPEC_INTERNAL_H

#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>

struct lb_spec_tr {
	const char *origin;
	struct lb_err *err;
	int rc;              /* the first failure; later steps do nothing */
	char short_id[13];   /* what Docker derives the hostname and alias from */
	json_t *create, *host, *changes, *volumes, *binds, *devices, *networks; /* borrowed */
};

/* json_object_set_new / json_array_append_new: steal v; NULL or a failure
 * sets rc (out of memory). */
void lb_spec_put(struct lb_spec_tr *t, json_t *obj, const char *key, json_t *v);
void lb_spec_append(struct lb_spec_tr *t, json_t *arr, json_t *v);

/* Appends {"field","action","from","to"?,"why"}; from/to are copied (to may
 * be NULL: no "to" key). */
void lb_spec_change(struct lb_spec_tr *t, const char *field, const char *action,
		    const json_t *from, const json_t *to, const char *why);

/* absent (NULL), null, false, 0, "", [] or {}: what Docker means by "not set". */
bool lb_spec_is_zero(const json_t *v);

/* Records a value of the wrong type: "<origin>/<file>: <key>: expected <want>". */
int lb_spec_bad(struct lb_spec_tr *t, const char *file, const char *key, const char *want);

int lb_spec_mounts(struct lb_spec_tr *t, const json_t *config_v2, const json_t *hostconfig);
int lb_spec_networks(struct lb_spec_tr *t, const json_t *config_v2);

/* Docker's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool lb_spec_volume_name_valid(const char *name);

#endif
