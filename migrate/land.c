/* lifeboat migrate land: an evacuation plan's containers on a target host. */
#include "migrate/land.h"
#include "migrate/verbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_head[] =
	"Usage: lifeboat migrate land [options] <PLAN>\n"
	"\n"
	"Restore every container of an evacuation plan ('migrate evacuate --plan')\n"
	"on a host, through its Docker Engine API, as 'migrate restore' does: the\n"
	"engine pulls each image (its digest checked against the plan), the named\n"
	"volumes are created and filled, the container is created with the\n"
	"source's settings; every setting dropped or changed is reported with why.\n"
	"\n"
	"Idempotent: a container of that name created from the plan's image digest\n"
	"is skipped, so landing twice gives the same containers. A container of\n"
	"that name with another image is a clash: refused for that container (never\n"
	"overwritten), the others go on.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Output: one line per container, \"NAME created|skipped|failed ...\", then a\n"
	"summary on stderr; --json: one object with every result.\n"
	"See also: runbooks/evacuate-host.md.\n"
	"\n"
	"Exit codes: 0 every container is there; 1 any failed; 2 usage; 3 PLAN not\n"
	"found; 4 the only failures are refusals (name clashes, credentials), or\n"
	"the engine is older than API 1.40; 5 the plan is corrupt or from a newer\n"
	"lifeboat (nothing is landed).\n";

struct report_ctx {
	const struct lb_globals *g;
	json_t *results;
};

static void report(void *ctx, const char *name, const struct lb_restore_result *r,
		   const struct lb_err *failed)
{
	struct report_ctx *c = ctx;
	if (c->g->json) {
		json_array_append_new(c->results,
				      r ? lb_restore_result_json(r)
					: json_pack("{s:s, s:s, s:i}", "name", name, "error",
						    failed->msg, "code", failed->code));
		return;
	}
	if (!r) {
		printf("%s failed: %s\n", name, failed->msg);
	} else {
		size_t i;
		json_t *w;
		if (c->g->verbosity >= 0 && !r->skipped) {
			json_array_foreach(r->changes, i, w)
				fprintf(stderr, "lifeboat: %s: %s %s: %s\n", name,
					json_string_value(json_object_get(w, "field")),
					json_string_value(json_object_get(w, "action")),
					json_string_value(json_object_get(w, "why")));
			json_array_foreach(r->warnings, i, w)
				fprintf(stderr, "lifeboat: %s: warning: %s\n", name,
					json_string_value(w));
		}
		printf("%s %s %.12s %s%s\n", name,
		       r->skipped ? "skipped" : r->replaced ? "replaced" : "created", r->container_id,
		       r->image_digest, r->started ? " started" : "");
	}
	fflush(stdout);
}

int cmd_migrate_land(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_HOST = LB_OPT_LONG_ONLY, OPT_START_RUNNING, OPT_REPLACE };
	static const struct lb_opt opts[] = {
		LB_ENGINE_HOST_ROW(OPT_HOST),
		{OPT_START_RUNNING, "start-running", LB_ARG_NONE, NULL,
		 "start the containers that were running on the source"},
		{OPT_REPLACE, "replace", LB_ARG_NONE, NULL,
		 "replace a clashing container (its writable layer is\n"
		 "lost; see 'migrate restore --replace')"},
		LB_XFER_OPTS,
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate land", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	struct lb_xfer_cli x;
	lb_xfer_cli_init(&x);
	struct lb_land_opts o = {0};
	struct lb_opts_parser parser = {.spec = &spec};
	int c, r;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		if ((r = lb_xfer_cli_opt(&x, "migrate land", c, optarg)))
			if (r != 1)
				return r;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_HOST: o.host = optarg; break;
		case OPT_START_RUNNING: o.start_running = true; break;
		case OPT_REPLACE: o.replace = true; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 1)
		return lb_usage_error("migrate land", "want one <PLAN>");
	o.plan_path = argv[optind];
	o.conn = x.conn;
	if (g->verbosity > 0) {
		o.say = lb_migrate_say;
		o.say_ctx = g;
	}
	struct report_ctx ctx = {.g = g, .results = json_array()};
	o.report = report;
	o.report_ctx = &ctx;
	struct lb_land_summary sum;
	struct lb_err err = {0};
	int rc = lb_migrate_land(&o, &sum, &err);
	if (g->json) {
		json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:O}", "plan", o.plan_path, "created",
				      (int)sum.created, "skipped", (int)sum.skipped, "failed",
				      (int)sum.failed, "containers", ctx.results);
		char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(j);
	}
	json_decref(ctx.results);
	if (g->verbosity >= 0 && (sum.created || sum.skipped || sum.failed))
		fprintf(stderr, "lifeboat: land: %u created, %u skipped (there already), %u failed\n",
			sum.created, sum.skipped, sum.failed);
	if (rc)
		lb_print_error("%s", err.msg);
	return rc;
}
