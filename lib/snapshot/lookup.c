/* A snapshot by name: see lookup.h. */
#include "snapshot/lookup.h"
#include "snapshot/catalog_store.h"

#include <string.h>

int lb_snapshot_lookup(const struct lb_docker_root *root, const char *name,
		       struct lb_snap_record *out, struct lb_err *err)
{
	char dir[PATH_MAX];
	struct lb_snap_catalog cat;
	int rc = lb_snap_catalog_dir(root->driver_home, dir, err);
	if (rc || (rc = lb_snap_catalog_load(dir, root->pool_name, &cat, err)))
		return rc;
	const struct lb_snap_record *r = lb_snap_catalog_find_name(&cat, name);
	if (!r)
		rc = lb_fail(err, LB_ENOTFOUND, "no snapshot named %s in pool %s (lifeboat snapshot ls)",
			     name, root->pool_name);
	else if (r->state == LB_SNAP_IMPORTING)
		rc = lb_fail(err, LB_EUNSAFE,
			     "snapshot %s is an import that did not finish; lifeboat snapshot rm %s "
			     "removes it",
			     name, name);
	else if (r->state != LB_SNAP_READY)
		rc = lb_fail(err, LB_EUNSAFE,
			     "snapshot %s is pending (a create that did not finish); lifeboat "
			     "snapshot ls resolves it",
			     name);
	else
		*out = *r;
	lb_snap_catalog_free(&cat);
	return rc;
}
