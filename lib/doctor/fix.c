/* recover doctor's policy: see fix.h. */
#include "doctor/fix.h"

#include "docker/dockerd.h"
#include "doctor/repair.h"

#include <string.h>

size_t lb_doctor_count_actions(const struct lb_doctor_report *rep)
{
	size_t n = 0;
	for (size_t i = 0; i < rep->n_findings; i++)
		n += rep->findings[i].n_actions;
	return n;
}

enum lb_doctor_step lb_doctor_next_step(const struct lb_doctor_report *rep, bool fix, bool dry_run,
					pid_t dockerd_pid)
{
	if (!fix)
		return LB_DOCTOR_REPORT_ONLY;
	if (!lb_doctor_count_actions(rep))
		return LB_DOCTOR_NOTHING_TO_DO;
	if (dry_run)
		return LB_DOCTOR_DRY_RUN;
	/* dockerd rewrites the same files and holds the pool: a repair under
	 * it would be undone, or worse, half undone. */
	return dockerd_pid ? LB_DOCTOR_REFUSED : LB_DOCTOR_REPAIRED;
}

int lb_doctor_examine(const struct lb_doctor_run_opts *o, struct lb_doctor_run *run,
		      struct lb_err *err)
{
	memset(run, 0, sizeof(*run));
	int rc = lb_doctor_gather(&o->root, &run->in, err);
	if (!rc)
		rc = lb_doctor_check(run->in.root, run->in.layers, run->in.n_layers, &run->in.pool,
				     &run->before, err);
	if (!rc && o->fix)
		rc = lb_doctor_reclaim(&run->before, &o->reclaim, err);
	return rc;
}

/* Backup, repairs, and the second pass from the files as they are now. */
static int repair(const struct lb_doctor_run_opts *o, struct lb_doctor_run *run,
		  struct lb_err *err)
{
	int rc = lb_doctor_preflight(&run->in, &run->before, err);
	if (!rc)
		rc = lb_doctor_backup(&run->in, &run->before, o->backup_dir, run->backup,
				      sizeof(run->backup), err);
	if (rc)
		return rc;
	lb_say(o->say, LB_SAY_NOTE,
	       "backup of Docker's metadata, the layer store's mounts and the pool metadata:");
	lb_say(o->say, LB_SAY_NOTE, "%s", run->backup);
	if ((rc = lb_doctor_apply(&run->in, &run->before, o->say, err))) {
		lb_err_wrap(err, "repair stopped (backup in %s)", run->backup);
		return rc;
	}

	lb_doctor_inputs_free(&run->in);
	rc = lb_doctor_gather(&o->root, &run->in, err);
	if (!rc)
		rc = lb_doctor_check(run->in.root, run->in.layers, run->in.n_layers, &run->in.pool,
				     &run->after, err);
	return rc;
}

int lb_doctor_fix(const struct lb_doctor_run_opts *o, struct lb_doctor_run *run,
		  struct lb_err *err)
{
	/* dockerd is looked for only when there is something to fix. */
	run->step = lb_doctor_next_step(&run->before, o->fix, o->dry_run, 0);
	if (run->step != LB_DOCTOR_DRY_RUN && run->step != LB_DOCTOR_REPAIRED)
		return LB_OK;
	run->dockerd_pid = lb_docker_dockerd_on(run->in.root);
	run->step = lb_doctor_next_step(&run->before, o->fix, o->dry_run, run->dockerd_pid);
	switch (run->step) {
	case LB_DOCTOR_REFUSED:
		return lb_fail(err, LB_EUNSAFE,
			       "%s: dockerd (pid %d) is running on this data root; stop it before "
			       "--fix",
			       run->in.root->data_root, (int)run->dockerd_pid);
	case LB_DOCTOR_REPAIRED: return repair(o, run, err);
	default: return LB_OK;
	}
}

void lb_doctor_run_free(struct lb_doctor_run *run)
{
	lb_doctor_report_free(&run->before);
	lb_doctor_report_free(&run->after);
	lb_doctor_inputs_free(&run->in);
}
