/* lifeboat recover doctor: where Docker's devicemapper metadata and the pool
 * disagree, and (--fix) the repairs. Options here; the checks are pure code
 * in lib/doctor/doctor.c, the inputs come from lib/doctor/gather.c, the
 * repairs from lib/doctor/repair.c. */
#include "doctor/doctor.h"
#include "doctor/gather.h"
#include "doctor/repair.h"
#include "recover/verbs.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("Usage: lifeboat recover doctor [--fix [--dry-run] [--backup-dir DIR]] [options]\n"
	      "\n"
	      "Cross-check Docker's devicemapper metadata (the device files, deviceset-metadata,\n"
	      "transaction-metadata), the layer store (containers' mount-id/init-id, layers'\n"
	      "cache-id) and the containers against the pool's own metadata, read from its\n"
	      "files (no root, no device-mapper, nothing written). Each finding has a stable\n"
	      "code, the objects involved, what it does to dockerd, and the fix --fix applies:\n"
	      "\n"
	      "  orphan-thin-device     pool device no file names (leaked space)\n"
	      "                         fix: pool message \"delete <id>\"\n"
	      "  missing-thin-device    device file whose thin device is not in the pool\n"
	      "                         fix: move the file into the backup\n"
	      "  open-transaction       transaction-metadata ahead of the pool: dockerd would roll\n"
	      "                         back (delete the device). fix: the same rollback if nothing\n"
	      "                         uses the device, else commit (\"set_transaction_id\")\n"
	      "  transaction-mismatch   transaction-metadata behind the pool (or unreadable)\n"
	      "                         fix: rewrite it with the pool's transaction id\n"
	      "  device-marked-deleted  \"deleted\":true. fix: unused, finish the deletion;\n"
	      "                         used, clear the flag\n"
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
	      "Options:\n"
	      "  --fix              apply the fixes (needs root and device-mapper for pool fixes)\n"
	      "  --dry-run          with --fix: show the plan, change nothing\n"
	      "  --backup-dir DIR   with --fix: where the backup goes (must not exist)\n"
	      "  --daemon-json FILE Docker's daemon config (default /etc/docker/daemon.json)\n"
	      "  --root DIR         Docker data root (default /var/lib/docker)\n"
	      "  --json             {\"findings\":[{\"code\",\"objects\",\"consequence\",\"fix\"}],\"clean\"}\n"
	      "  -q, -v             quieter, more verbose\n"
	      "\n"
	      "Exit codes: 0 clean (after --fix: clean again); 1 failed; 2 usage; 3 data root\n"
	      "not found; 4 refused (dockerd running, pool active); 5 the metadata cannot be read\n"
	      "at all; 6 findings (after --fix: findings that remain, e.g. report-only ones).\n"
	      "\n"
	      "See runbooks/doctor.md for the procedure.\n",
	      out);
}

static int quiet_level;

static void say_line(const char *line)
{
	if (quiet_level >= 0)
		fprintf(stderr, "lifeboat: %s\n", line);
}

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

static size_t count_actions(const struct lb_doctor_report *rep)
{
	size_t n = 0;
	for (size_t i = 0; i < rep->n_findings; i++)
		n += rep->findings[i].n_actions;
	return n;
}

int cmd_recover_doctor(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_FIX = 1, OPT_DRY_RUN, OPT_BACKUP_DIR, OPT_DAEMON_JSON };
	static const struct option opts[] = {{"fix", no_argument, NULL, OPT_FIX},
					     {"dry-run", no_argument, NULL, OPT_DRY_RUN},
					     {"backup-dir", required_argument, NULL, OPT_BACKUP_DIR},
					     {"daemon-json", required_argument, NULL, OPT_DAEMON_JSON},
					     LB_GLOBAL_LONGOPTS,
					     {0}};
	const char *backup_dir = NULL, *daemon_json = NULL;
	bool fix = false, dry_run = false;
	int c;
	while ((c = getopt_long(argc, argv, LB_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		if (lb_global_opt(c, optarg, g))
			continue;
		switch (c) {
		case OPT_FIX: fix = true; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_BACKUP_DIR: backup_dir = optarg; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		case 'h': usage(stdout); return LB_OK;
		default: return lb_usage_error("recover doctor", "unknown option");
		}
	}
	if (optind < argc)
		return lb_usage_error("recover doctor", "unexpected argument '%s'", argv[optind]);
	if ((dry_run || backup_dir) && !fix)
		return lb_usage_error("recover doctor", "--dry-run and --backup-dir go with --fix");
	quiet_level = g->verbosity;

	struct lb_err err = {0};
	struct lb_docker_root_opts ropts = {.data_root = g->docker_root, .daemon_json = daemon_json};
	struct lb_doctor_inputs in;
	struct lb_doctor_report rep = {0}, after = {0};
	json_t *out = NULL;
	int rc = lb_doctor_gather(&ropts, &in, &err);
	if (!rc)
		rc = lb_doctor_check(in.root, in.layers, in.n_layers, &in.pool, &rep, &err);
	if (rc)
		goto fail;

	out = report_json(&rep);
	if (!g->json && (g->verbosity >= 0 || rep.n_problems))
		print_human(stdout, &rep, in.root->data_root);
	rc = rep.n_problems ? LB_EFINDINGS : LB_OK;
	if (!fix || !count_actions(&rep)) {
		if (fix && rep.n_problems && !g->json)
			printf("nothing --fix can do: the findings above are report-only\n");
		goto done;
	}

	pid_t pid = lb_doctor_find_dockerd(in.root->data_root, in.root->daemon.data_root);
	if (pid && !dry_run) {
		rc = lb_fail(&err, LB_EUNSAFE,
			     "%s: dockerd (pid %d) is running on this data root; stop it before "
			     "--fix",
			     in.root->data_root, (int)pid);
		goto fail;
	}
	if (dry_run) {
		if (!g->json)
			printf("dry run: nothing changed%s\n",
			       pid ? " (and dockerd is running: --fix would refuse)" : "");
		json_object_set_new(out, "dry_run", json_true());
		goto done;
	}

	if ((rc = lb_doctor_preflight(&in, &rep, &err)))
		goto fail;
	char backup[PATH_MAX];
	if ((rc = lb_doctor_backup(&in, &rep, backup_dir, backup, sizeof(backup), &err)))
		goto fail;
	say_line("backup of Docker's metadata, the layer store's mounts and the pool metadata:");
	say_line(backup);
	json_object_set_new(out, "backup", json_string(backup));
	if ((rc = lb_doctor_apply(&in, &rep, say_line, &err))) {
		lb_err_wrap(&err, "repair stopped (backup in %s)", backup);
		goto fail;
	}

	/* The second pass, from the files as they are now. */
	lb_doctor_inputs_free(&in);
	rc = lb_doctor_gather(&ropts, &in, &err);
	if (!rc)
		rc = lb_doctor_check(in.root, in.layers, in.n_layers, &in.pool, &after, &err);
	if (rc)
		goto fail;
	json_object_set_new(out, "after", report_json(&after));
	if (!g->json) {
		printf("after the repairs:\n");
		print_human(stdout, &after, in.root->data_root);
	}
	rc = after.n_problems ? LB_EFINDINGS : LB_OK;
done:
	if (g->json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(out);
	lb_doctor_report_free(&rep);
	lb_doctor_report_free(&after);
	lb_doctor_inputs_free(&in);
	return rc;
fail:
	lb_print_error("%s", err.msg);
	json_decref(out);
	lb_doctor_report_free(&rep);
	lb_doctor_report_free(&after);
	lb_doctor_inputs_free(&in);
	return rc;
}
