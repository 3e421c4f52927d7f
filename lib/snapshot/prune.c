/* snapshot prune: see prune.h. */
#include "snapshot/prune.h"
#include "docker/dataroot.h"
#include "snapshot/catalog_store.h"

#include <string.h>

int lb_snapshot_prune(const struct lb_snapshot_target *t, const struct lb_retain_policy *p,
		      const char *container, bool dry_run, lb_prune_report_fn report, void *ctx,
		      struct lb_prune_totals *totals, struct lb_err *err)
{
	memset(totals, 0, sizeof(*totals));
	/* ls resolves records a killed create left pending, so the plan sees
	 * the pool as it is. */
	struct lb_snapshot_list l;
	int rc = lb_snapshot_list(t, NULL, &l, err);
	if (rc)
		return rc;
	lb_snapshot_list_free(&l);
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	char dir[PATH_MAX];
	struct lb_snap_catalog cat;
	struct lb_prune_plan plan;
	if ((rc = lb_docker_root_load(&ropts, &root, err)))
		return rc;
	rc = lb_snap_catalog_dir(root->driver_home, dir, err);
	if (!rc)
		rc = lb_snap_catalog_load(dir, root->pool_name, &cat, err);
	lb_docker_root_free(root);
	if (rc)
		return rc;
	if ((rc = lb_prune_plan_make(&cat, p, container, &plan, err))) {
		lb_snap_catalog_free(&cat);
		return rc;
	}
	for (size_t i = 0; i < plan.n_keep; i++) {
		totals->kept++;
		if (report)
			report(ctx, plan.keep[i].rec, true, plan.keep[i].reasons, plan.keep[i].pending,
			       0, NULL);
	}
	int first = LB_OK;
	for (size_t i = 0; i < plan.n_remove; i++) {
		const struct lb_snap_record *r = plan.remove[i].rec;
		struct lb_err e = {0};
		struct lb_snap_record gone;
		int rrc = dry_run ? LB_OK : lb_snapshot_remove(t, r->name, &gone, &e);
		if (rrc) {
			totals->failed++;
			if (!first) {
				first = rrc;
				*err = e;
			}
		} else {
			totals->removed++;
		}
		if (report)
			report(ctx, r, false, 0, false, rrc, &e);
	}
	lb_prune_plan_free(&plan);
	lb_snap_catalog_free(&cat);
	return first;
}
