/* lifeboat migrate evacuate: a host's containers to a registry, by a plan
 * that survives a kill. */
#include "migrate/evacuate.h"
#include "migrate/evacuate_metrics.h"
#include "migrate/verbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help_head[] =
	"Usage: lifeboat migrate evacuate [options] --to REGISTRY/PREFIX --plan FILE\n"
	"                                 (--all | <container>...)\n"
	"\n"
	"Commit and push every chosen container of this host (dockerd may be dead),\n"
	"as 'migrate push <container> REF' does, one after the other: its image to\n"
	"REGISTRY/PREFIX/<name>:evacuated, and beside it its spec and, with\n"
	"--with-volumes, its named volumes' data, for 'migrate land' (or 'migrate\n"
	"restore') on the new host. Bind mounts and host devices are listed with a\n"
	"warning, never copied.\n"
	"\n"
	"The plan FILE (JSON, docs/container-spec.md) is written first and rewritten\n"
	"atomically after every step: per container its name, image ref and digest,\n"
	"spec, volumes, whether it was running, and its status (pending, pushed,\n"
	"failed with why). Run the same command again after a failure, a kill -9 or\n"
	"a reboot: pushed containers are skipped, a container whose push was cut\n"
	"pushes the image it had staged (not committed again) and each blob goes on\n"
	"from its upload journal, so no blob is sent twice. Containers named again\n"
	"are added to the plan; a plan is for one --to.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"With --jobs N, N containers are evacuated as a pipeline: one is committed\n"
	"(a commit mounts the pool's devices read-only; two never overlap) while\n"
	"another uploads (one push at a time, up to 3 blobs at once, so a layer\n"
	"containers share is sent once and mounted into the other repositories).\n"
	"\n"
	"Output: one line per container, \"NAME STATUS REF\" (or the JSON plan\n"
	"entries with --json), then a summary on stderr.\n"
	"\n"
	"Files: FILE and FILE.lock (one evacuation per plan at a time);\n"
	"/var/lib/lifeboat/staging/<container id>/, an image staged until pushed.\n"
	"See also: runbooks/evacuate-host.md.\n"
	"\n"
	"Exit codes: 0 every container pushed; 1 any failed (the others are done;\n"
	"run again); 2 usage (or a plan for another --to); 3 a container not found;\n"
	"4 refused (another evacuation holds the plan, credentials); 5 the plan is\n"
	"corrupt or from a newer lifeboat.\n";

struct report_ctx {
	const struct lb_globals *g;
	json_t *entries;
};

static void report(void *ctx, const struct lb_plan_entry *e, const char *what)
{
	struct report_ctx *r = ctx;
	if (r->g->json) {
		json_array_append_new(r->entries,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", e->name, "status",
						lb_plan_status_name(e->status), "ref", e->ref,
						"digest", e->digest, "result", what));
		return;
	}
	printf("%s %s %s%s%s\n", e->name, lb_plan_status_name(e->status), e->ref,
	       e->status == LB_PLAN_FAILED ? ": " : "", e->status == LB_PLAN_FAILED ? what : "");
	fflush(stdout);
}

int cmd_migrate_evacuate(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_TO = LB_OPT_LONG_ONLY, OPT_PLAN, OPT_ALL, OPT_WITH_VOLUMES, OPT_COMPRESS, OPT_MANIFEST,
	       OPT_NO_REPLAY, OPT_METRICS };
	static const struct lb_opt opts[] = {
		{OPT_TO, "to", LB_ARG_REQUIRED, "REGISTRY/PREFIX", "where the images go (required)"},
		{OPT_PLAN, "plan", LB_ARG_REQUIRED, "FILE", "the plan to write, or to continue (required)"},
		{OPT_ALL, "all", LB_ARG_NONE, NULL, "every container of the data root"},
		{OPT_WITH_VOLUMES, "with-volumes", LB_ARG_NONE, NULL, "carry the named volumes' data too"},
		{OPT_COMPRESS, "compress", LB_ARG_REQUIRED, "gzip|zstd", NULL, LB_OPT_JOIN},
		{OPT_MANIFEST, "manifest", LB_ARG_REQUIRED, "docker|oci", NULL, LB_OPT_JOIN},
		{OPT_NO_REPLAY, "no-replay", LB_ARG_NONE, NULL,
		 "as in 'migrate commit' (defaults gzip, docker)"},
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		{OPT_METRICS, "metrics-file", LB_ARG_REQUIRED, "F",
		 "also write the run's numbers for node_exporter's textfile\n"
		 "collector (replaced atomically): last run and last\n"
		 "success times, exit code, duration, containers pushed,\n"
		 "skipped, failed, and per container failed"},
		LB_XFER_OPTS_CONN,
		LB_XFER_OPT_JOBS("containers at once, up to 16 (default 1): one is\n"
				 "committed while another uploads"),
		LB_XFER_OPTS_TAIL,
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate evacuate", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	struct lb_xfer_cli x;
	lb_xfer_cli_init(&x);
	struct lb_evacuate_opts o = {.commit = {.compress = LB_COMPRESS_GZIP,
						.manifest = LB_MANIFEST_DOCKER}};
	const char *metrics = NULL;
	bool jobs_given = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c, r;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		jobs_given |= c == LB_XOPT_JOBS;
		if ((r = lb_xfer_cli_opt(&x, "migrate evacuate", c, optarg)))
			if (r != 1)
				return r;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_TO: o.to = optarg; break;
		case OPT_PLAN: o.plan_path = optarg; break;
		case OPT_ALL: o.all = true; break;
		case OPT_WITH_VOLUMES: o.with_volumes = true; break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "gzip") && strcmp(optarg, "zstd"))
				return lb_usage_error("migrate evacuate", "--compress %s: gzip or zstd",
						      optarg);
			o.commit.compress = optarg[0] == 'z' ? LB_COMPRESS_ZSTD : LB_COMPRESS_GZIP;
			break;
		case OPT_MANIFEST:
			if (strcmp(optarg, "docker") && strcmp(optarg, "oci"))
				return lb_usage_error("migrate evacuate",
						      "--manifest %s: docker or oci", optarg);
			o.commit.manifest = optarg[0] == 'o' ? LB_MANIFEST_OCI : LB_MANIFEST_DOCKER;
			break;
		case OPT_NO_REPLAY: o.commit.no_replay = true; break;
		case OPT_METRICS: metrics = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (!o.to || !o.plan_path)
		return lb_usage_error("migrate evacuate", "--to and --plan are required");
	if (o.all == (argc - optind > 0))
		return lb_usage_error("migrate evacuate", "want --all or container names, not both");
	if (o.commit.compress == LB_COMPRESS_ZSTD && o.commit.manifest != LB_MANIFEST_OCI)
		return lb_usage_error("migrate evacuate", "--compress zstd needs --manifest oci");
	o.names = (const char *const *)&argv[optind];
	o.n_names = (size_t)(argc - optind);
	o.data_root = g->docker_root;
	o.conn = x.conn;
	o.jobs = jobs_given ? x.jobs : 1;
	if (o.jobs > 16)
		return lb_usage_error("migrate evacuate", "--jobs: containers at once, 1 to 16");
	o.commit.say = lb_migrate_say;
	o.commit.say_ctx = g;
	struct report_ctx rc_ctx = {.g = g, .entries = json_array()};
	o.report = report;
	o.report_ctx = &rc_ctx;
	struct lb_evacuate_summary sum;
	struct lb_err err = {0};
	time_t t0 = time(NULL);
	int rc = lb_migrate_evacuate(&o, &sum, &err);
	if (metrics) {
		struct lb_plan plan = {0};
		struct lb_err perr, merr = {0};
		bool have = lb_plan_load(o.plan_path, &plan, &perr) == LB_OK;
		struct lb_metrics m = {0};
		time_t t1 = time(NULL);
		lb_evacuate_metrics(have ? &plan : NULL, &sum, rc, (double)t1, difftime(t1, t0),
				    lb_metrics_previous(metrics, LB_EVAC_METRIC_LAST_SUCCESS, 0), &m);
		if (lb_metrics_write(&m, metrics, &merr)) {
			lb_print_error("%s (--metrics-file)", merr.msg);
			if (!rc)
				rc = merr.code;
		}
		lb_metrics_free(&m);
		if (have)
			lb_plan_free(&plan);
	}
	if (g->json) {
		json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:O}", "plan", o.plan_path, "pushed",
				      (int)sum.pushed, "skipped", (int)sum.skipped, "failed",
				      (int)sum.failed, "containers", rc_ctx.entries);
		char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(j);
	}
	json_decref(rc_ctx.entries);
	if (g->verbosity >= 0 && (sum.pushed || sum.skipped || sum.failed))
		fprintf(stderr, "lifeboat: evacuate: %u pushed, %u skipped (pushed before), %u failed; "
				"plan %s\n",
			sum.pushed, sum.skipped, sum.failed, o.plan_path);
	if (rc)
		lb_print_error("%s", err.msg);
	return rc;
}
