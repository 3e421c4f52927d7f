/* lifeboat recover doctor as one policy, in two calls with the showing
 * between them (plan, show, act):
 *
 *   lb_doctor_examine  gather the inputs, check them, and (with --fix) mark
 *                      the reclaims the operator named;
 *   lb_doctor_fix      with --fix and something to do: refuse while dockerd
 *                      runs on the data root, else (unless --dry-run) the
 *                      preflight, the backup, the repairs, and a second
 *                      gather and check from the files as they are now.
 *
 * The verb parses options, calls both, and prints the reports. */
#ifndef LIFEBOAT_DOCTOR_FIX_H
#define LIFEBOAT_DOCTOR_FIX_H

#include "doctor/doctor.h"
#include "doctor/gather.h"
#include "util/say.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct lb_doctor_run_opts {
	struct lb_docker_root_opts root;
	bool fix;                   /* --fix */
	bool dry_run;               /* --dry-run: decide, change nothing */
	const char *backup_dir;     /* --backup-dir, or NULL for the default */
	struct lb_doctor_reclaim_opts reclaim;
	const struct lb_say *say;   /* the backup's path, each repair as it is done */
};

/* What --fix does with a report: lb_doctor_next_step's answer. */
enum lb_doctor_step {
	LB_DOCTOR_REPORT_ONLY,   /* no --fix */
	LB_DOCTOR_NOTHING_TO_DO, /* --fix, and no finding has an action */
	LB_DOCTOR_REFUSED,       /* --fix under a running dockerd: LB_EUNSAFE */
	LB_DOCTOR_DRY_RUN,       /* --fix --dry-run: nothing changed */
	LB_DOCTOR_REPAIRED,      /* backed up, repaired, checked again */
};

struct lb_doctor_run {
	struct lb_doctor_inputs in;     /* as gathered last */
	struct lb_doctor_report before; /* lb_doctor_examine's */
	struct lb_doctor_report after;  /* the second check, when REPAIRED */
	enum lb_doctor_step step;       /* what lb_doctor_fix did */
	pid_t dockerd_pid;              /* the dockerd on the data root, when looked for */
	char backup[PATH_MAX];          /* the backup directory, when made */
};

/* Pure: the actions the report's findings carry. */
size_t lb_doctor_count_actions(const struct lb_doctor_report *rep);

/* Pure: what --fix does, given the report, the options and the pid of the
 * dockerd running on the data root (0: none). A dry run is never refused:
 * it only says that the fix would be. */
enum lb_doctor_step lb_doctor_next_step(const struct lb_doctor_report *rep, bool fix, bool dry_run,
					pid_t dockerd_pid);

/* Gathers and checks into run->before (run is initialized here). */
int lb_doctor_examine(const struct lb_doctor_run_opts *o, struct lb_doctor_run *run,
		      struct lb_err *err);

/* Carries out run->step (see above). A repair that stops names the backup. */
int lb_doctor_fix(const struct lb_doctor_run_opts *o, struct lb_doctor_run *run,
		  struct lb_err *err);

void lb_doctor_run_free(struct lb_doctor_run *run);

#endif
