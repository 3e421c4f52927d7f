/* lifeboat snapshot run: one scheduled job of a policy file. Parses options
 * and calls lb_snapshot_run (lib/snapshot/run.h). */
#include "snapshot/run.h"
#include "snapshot/run_metrics.h"
#include "snapshot/verbs.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

static const char help_head[] =
	"Usage: lifeboat snapshot run --policy FILE [options]\n"
	"\n"
	"One scheduled snapshot job: for each container the policy names, a snapshot\n"
	"(beside a live dockerd), then an export to the policy's directory (a full\n"
	"one every 'full_every' runs, else an incremental against the last export),\n"
	"then retention ('keep', restic's rules). A container that fails is reported\n"
	"and the others are still done. Two runs never overlap: a second one is\n"
	"refused (exit 4) while the first holds the lock.\n"
	"\n"
	"Prints one JSON line (journald keeps it): {policy, started, seconds,\n"
	"containers: [{container, snapshot, freeze_us, export: {file, kind, base,\n"
	"bytes, seconds}, pruned, kept, error}], failed}.\n"
	"\n"
	"The policy file is documented in docs/snapshot-policy.md. The systemd units\n"
	"lifeboat-snapshot.service and .timer (installed, not enabled, by 'make\n"
	"install') run it hourly with /etc/lifeboat/snapshot-policy.json.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 every container done; 1 a container failed (the summary says\n"
	"which and why); 2 a bad policy; 3 policy or data root not found; 4 another\n"
	"run holds the lock.\n"
	"\n"
	"Example:\n"
	"  lifeboat snapshot run --policy /etc/lifeboat/snapshot-policy.json\n";

int cmd_snapshot_run(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_POLICY = LB_OPT_LONG_ONLY, OPT_DAEMON_JSON, OPT_METRICS };
	static const struct lb_opt opts[] = {
		{OPT_POLICY, "policy", LB_ARG_REQUIRED, "FILE", "the policy (required)"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		{OPT_METRICS, "metrics-file", LB_ARG_REQUIRED, "FILE",
		 "also write the run's numbers for node_exporter's\n"
		 "textfile collector (replaced atomically; e.g.\n"
		 "/var/lib/prometheus/node-exporter/lifeboat-snapshot.prom):\n"
		 "last run and last success times, duration, exit code,\n"
		 "and per container failed, kept, exported bytes, freeze"},
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot run", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 23};
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	const char *policy = NULL, *metrics = NULL;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_POLICY: policy = optarg; break;
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		case OPT_METRICS: metrics = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (!policy)
		return lb_usage_error("snapshot run", "--policy FILE is required");
	if (optind < argc)
		return lb_usage_error("snapshot run", "unexpected argument '%s'", argv[optind]);
	t.data_root = g->docker_root;
	json_t *summary = NULL;
	struct lb_err err = {0};
	int rc = lb_snapshot_run(&t, policy, &summary, &err);
	if (metrics) {
		struct lb_metrics m = {0};
		struct lb_err merr = {0};
		lb_snapshot_run_metrics(summary, rc, (double)time(NULL),
					lb_metrics_previous(metrics, LB_SNAP_METRIC_LAST_SUCCESS, 0),
					&m);
		if (lb_metrics_write(&m, metrics, &merr)) {
			lb_print_error("%s (--metrics-file)", merr.msg);
			if (!rc)
				rc = merr.code;
		}
		lb_metrics_free(&m);
	}
	if (summary) {
		json_dumpf(summary, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(summary);
	}
	if (rc)
		lb_print_error("%s", err.msg);
	return rc;
}
