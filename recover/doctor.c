/* lifeboat recover doctor: where Docker's devicemapper metadata and the pool
 * disagree, and (--fix) the repairs. Options and printing here; the policy
 * (examine, then fix) is lib/doctor/fix.c. */
#include "doctor/fix.h"
#include "recover/verbs.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char help_head[] =
	"Usage: lifeboat recover doctor [--fix [--dry-run] [--backup-dir DIR]] [options]\n"
	"\n"
	"Cross-check Docker's devicemapper metadata (the device files, deviceset-metadata,\n"
	"transaction-metadata), the layer store (containers' mount-id/init-id, layers'\n"
	"cache-id) and the containers against the pool's own metadata, read from its\n"
	"files (no root, no device-mapper, nothing written). Each finding has a stable\n"
	"code, the objects involved, what it does to dockerd, and the fix --fix applies:\n"
	"\n"
	"  lost-device-file       a container's or layer's device file is gone but its\n"
	"                         thin device is in the pool, matched by the data blocks\n"
	"                         it shares with its origin or snapshots, its creation\n"
	"                         transaction and time, its filesystem and size.\n"
	"                         fix: write the device file again\n"
	"  ambiguous-device-match orphans that may be a lost file's device, not one to\n"
	"                         one or not confirmed: the candidates; nothing written\n"
	"  orphan-thin-device     pool device no file names and nothing matches: kept\n"
	"                         as evidence. fix: none unless --reclaim-orphans\n"
	"  missing-thin-device    device file whose thin device is not in the pool\n"
	"                         fix: move the file into the backup (no data there)\n"
	"  open-transaction       transaction-metadata ahead of the pool: dockerd would roll\n"
	"                         back (delete the device). fix: commit\n"
	"                         (\"set_transaction_id\") when the device is in the pool;\n"
	"                         the rollback's delete only with --reclaim-orphans\n"
	"  transaction-mismatch   transaction-metadata behind the pool (or unreadable)\n"
	"                         fix: rewrite it with the pool's transaction id\n"
	"  device-marked-deleted  \"deleted\":true. fix: used, clear the flag; unused,\n"
	"                         nothing unless --reclaim-deleted finishes the deletion\n"
	"  dangling-mount-id      container whose mount-id/init-id has no device: report\n"
	"                         only (nothing to recover; docker rm removes it)\n"
	"  dangling-cache-id      image layer whose cache-id has no device: report only\n"
	"  base-device-mismatch   BaseDeviceUUID/Filesystem differ from the base device's\n"
	"                         filesystem. fix: rewrite them from the filesystem\n"
	"  unreadable-device-file device file that does not parse (dockerd will not start)\n"
	"                         fix: move it into the backup\n"
	"  next-device-id-too-low a note only: dockerd keeps next_device_id low itself\n"
	"\n"
	"--fix first backs up everything it may touch into DIR (default\n"
	"<root>/devicemapper/lifeboat-backup-<UTC time>/: metadata/, layerdb-mounts/,\n"
	"pool-metadata, plan.txt), then repairs: pool changes as dm-thin messages to the\n"
	"pool, which lifeboat activates read-write over its loop files and removes again;\n"
	"file changes written atomically in Docker's format. Then it checks again.\n"
	"It refuses while dockerd runs on the data root, or while the pool is active.\n"
	"\n"
	"No fix deletes a thin device that holds data unless you name what goes:\n"
	"  --reclaim-orphans      delete every orphan thin device that is no candidate\n"
	"                         for a lost device file (and roll back an open\n"
	"                         transaction like dockerd, deleting its device)\n"
	"  --reclaim-orphans=ID,... delete exactly these orphans (candidates too)\n"
	"  --reclaim-deleted      finish deleting devices Docker marked deleted that\n"
	"                         nothing uses\n"
	"Look inside an orphan first: lifeboat recover mount --device-id ID DIR.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 clean (after --fix: clean again); 1 failed; 2 usage; 3 data root\n"
	"not found; 4 refused (dockerd running, pool active); 5 the metadata cannot be read\n"
	"at all; 6 findings (after --fix: findings that remain, e.g. report-only ones).\n"
	"\n"
	"See runbooks/doctor.md for the procedure.\n";

static void print_human(FILE *out, const struct lb_doctor_report *rep, const char *root)
{
	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct lb_doctor_finding *f = &rep->findings[i];
		fprintf(out, "%s%s\n", f->note ? "note: " : "", lb_doctor_code_name(f->code));
		for (size_t k = 0; k < f->n_objects; k++)
			fprintf(out, "  %-12s %s\n", k ? "" : "objects:", f->objects[k]);
		fprintf(out, "  %-12s %s\n", "consequence:", f->consequence);
		fprintf(out, "  %-12s %s\n\n", "fix:", f->fix);
	}
	if (rep->n_problems)
		fprintf(out, "%zu problem(s) in %s\n", rep->n_problems, root);
	else
		fprintf(out, "clean: Docker's metadata and the pool agree (%s)\n", root);
}

static json_t *report_json(const struct lb_doctor_report *rep)
{
	json_t *list = json_array();
	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct lb_doctor_finding *f = &rep->findings[i];
		json_t *objs = json_array();
		for (size_t k = 0; k < f->n_objects; k++)
			json_array_append_new(objs, json_string(f->objects[k]));
		json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s, s:b}", "code",
						      lb_doctor_code_name(f->code), "objects", objs,
						      "consequence", f->consequence, "fix", f->fix,
						      "note", f->note));
	}
	return json_pack("{s:o, s:b}", "findings", list, "clean", rep->n_problems == 0);
}

int cmd_recover_doctor(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_FIX = LB_OPT_LONG_ONLY, OPT_DRY_RUN, OPT_BACKUP_DIR, OPT_DAEMON_JSON,
	       OPT_RECLAIM_ORPHANS, OPT_RECLAIM_DELETED };
	static const struct lb_opt opts[] = {
		{OPT_FIX, "fix", LB_ARG_NONE, NULL,
		 "apply the fixes (needs root and device-mapper for pool fixes)"},
		{OPT_DRY_RUN, "dry-run", LB_ARG_NONE, NULL, "with --fix: show the plan, change nothing"},
		{OPT_BACKUP_DIR, "backup-dir", LB_ARG_REQUIRED, "DIR",
		 "with --fix: where the backup goes (must not exist)"},
		{OPT_RECLAIM_ORPHANS, "reclaim-orphans", LB_ARG_OPTIONAL, "[=ID,...]", NULL, LB_OPT_JOIN},
		{OPT_RECLAIM_DELETED, "reclaim-deleted", LB_ARG_NONE, NULL, "see above (with --fix)"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON,
			       "{\"findings\":[{\"code\",\"objects\",\"consequence\",\"fix\"}],\"clean\"}"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "recover doctor", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	const char *backup_dir = NULL, *daemon_json = NULL;
	bool fix = false, dry_run = false;
	struct lb_doctor_reclaim_opts reclaim = {0};
	uint64_t reclaim_ids[64];
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_FIX: fix = true; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_BACKUP_DIR: backup_dir = optarg; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		case OPT_RECLAIM_DELETED: reclaim.deleted = true; break;
		case OPT_RECLAIM_ORPHANS:
			if (!optarg) {
				reclaim.orphans_all = true;
				break;
			}
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				char *end;
				errno = 0;
				unsigned long long id = strtoull(tok, &end, 10);
				if (errno || *end || end == tok || tok[0] == '-' ||
				    reclaim.n_orphan_ids == sizeof(reclaim_ids) / sizeof(reclaim_ids[0]))
					return lb_usage_error("recover doctor",
							      "--reclaim-orphans: '%s' is not a thin "
							      "device id (or too many ids)",
							      tok);
				reclaim_ids[reclaim.n_orphan_ids++] = id;
			}
			reclaim.orphan_ids = reclaim_ids;
			break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (optind < argc)
		return lb_usage_error("recover doctor", "unexpected argument '%s'", argv[optind]);
	if ((dry_run || backup_dir || reclaim.orphans_all || reclaim.n_orphan_ids ||
	     reclaim.deleted) &&
	    !fix)
		return lb_usage_error("recover doctor",
				      "--dry-run, --backup-dir and --reclaim-* go with --fix");
	const struct lb_say say = {g->verbosity, stderr};
	const struct lb_doctor_run_opts o = {
		.root = {.data_root = g->docker_root, .daemon_json = daemon_json},
		.fix = fix, .dry_run = dry_run, .backup_dir = backup_dir, .reclaim = reclaim,
		.say = &say};
	struct lb_err err = {0};
	struct lb_doctor_run run;
	json_t *out = NULL;
	int rc = lb_doctor_examine(&o, &run, &err);
	if (rc)
		goto fail;
	out = report_json(&run.before);
	if (!g->json && (g->verbosity >= 0 || run.before.n_problems))
		print_human(stdout, &run.before, run.in.root->data_root);
	int found = run.before.n_problems ? LB_EFINDINGS : LB_OK;
	if ((rc = lb_doctor_fix(&o, &run, &err)))
		goto fail;
	rc = found;
	switch (run.step) {
	case LB_DOCTOR_NOTHING_TO_DO:
		if (run.before.n_problems && !g->json)
			printf("nothing --fix can do: the findings above are report-only\n");
		break;
	case LB_DOCTOR_DRY_RUN:
		if (!g->json)
			printf("dry run: nothing changed%s\n",
			       run.dockerd_pid ? " (and dockerd is running: --fix would refuse)" : "");
		json_object_set_new(out, "dry_run", json_true());
		break;
	case LB_DOCTOR_REPAIRED:
		json_object_set_new(out, "backup", json_string(run.backup));
		json_object_set_new(out, "after", report_json(&run.after));
		if (!g->json) {
			printf("after the repairs:\n");
			print_human(stdout, &run.after, run.in.root->data_root);
		}
		rc = run.after.n_problems ? LB_EFINDINGS : LB_OK;
		break;
	default: break;
	}
	if (g->json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(out);
	lb_doctor_run_free(&run);
	return rc;
fail:
	lb_print_error("%s", err.msg);
	json_decref(out);
	lb_doctor_run_free(&run);
	return rc;
}
