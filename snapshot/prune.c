/* lifeboat snapshot prune: retention with restic's rules. Parses options
 * and calls lb_snapshot_prune (lib/snapshot/prune.h). */
#include "snapshot/prune.h"
#include "snapshot/verbs.h"
#include "util/size.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char help_head[] =
	"Usage: lifeboat snapshot prune [options] [<container>]\n"
	"\n"
	"Delete the snapshots the retention rules do not keep, with restic's 'forget'\n"
	"semantics, for each container on its own (of one container: by name or id):\n"
	"within each period the newest snapshot is kept and uses one count; a period\n"
	"with no snapshot uses none; the rules are OR'ed; a rule with count left when\n"
	"the oldest snapshot is reached keeps that one too. Periods are in UTC; weeks\n"
	"are ISO weeks. A pending snapshot is never pruned. At least one rule is\n"
	"required: a prune that keeps nothing by mistake is refused.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 done; 1 failed; 2 usage (no rule, a bad count); 3 data root\n"
	"not found; 4 a removal refused (its device active); 5 corrupt catalog.\n"
	"\n"
	"Example:\n"
	"  lifeboat snapshot prune --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --dry-run\n";

struct report_ctx {
	const struct lb_globals *g;
	bool dry_run;
	json_t *keep, *remove;
};

static void report(void *ctx, const struct lb_snap_record *rec, bool keep, unsigned reasons,
		   bool pending, int rc, const struct lb_err *err)
{
	struct report_ctx *x = ctx;
	char why[128];
	lb_retain_reasons_format(reasons, why, sizeof(why));
	if (x->g->json) {
		if (keep)
			json_array_append_new(x->keep, json_pack("{s:s, s:s}", "name", rec->name,
								 "reasons",
								 pending ? "pending" : why));
		else
			json_array_append_new(x->remove,
					      json_pack("{s:s, s:s?}", "name", rec->name, "error",
							rc ? err->msg : NULL));
		return;
	}
	if (keep) {
		if (x->g->verbosity > 0 || x->dry_run)
			printf("keep    %s (%s)\n", rec->name, pending ? "pending" : why);
	} else if (rc) {
		lb_print_error("%s: %s", rec->name, err->msg);
	} else if (x->g->verbosity >= 0) {
		printf("%s %s\n", x->dry_run ? "remove " : "removed", rec->name);
	}
}

static int parse_count(const char *opt, const char *arg, int *out)
{
	uint64_t v;
	if (!strcmp(arg, "all")) {
		*out = LB_RETAIN_ALL;
		return LB_OK;
	}
	if (lb_parse_u64(arg, LB_RETAIN_MAX_COUNT, &v))
		return lb_usage_error("snapshot prune", "--%s %s: a count (0 to %d) or 'all'", opt,
				      arg, LB_RETAIN_MAX_COUNT);
	*out = (int)v;
	return LB_OK;
}

int cmd_snapshot_prune(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_LAST = LB_OPT_LONG_ONLY, OPT_HOURLY, OPT_DAILY, OPT_WEEKLY, OPT_MONTHLY, OPT_YEARLY,
	       OPT_DRY_RUN, OPT_DAEMON_JSON };
	static const struct lb_opt opts[] = {
		{OPT_LAST, "keep-last", LB_ARG_REQUIRED, "N", "the N newest"},
		{OPT_HOURLY, "keep-hourly", LB_ARG_REQUIRED, "N",
		 "the newest of each of the last N hours with snapshots"},
		{OPT_DAILY, "keep-daily", LB_ARG_REQUIRED, "N", "... days"},
		{OPT_WEEKLY, "keep-weekly", LB_ARG_REQUIRED, "N", "... ISO weeks"},
		{OPT_MONTHLY, "keep-monthly", LB_ARG_REQUIRED, "N", "... months"},
		{OPT_YEARLY, "keep-yearly", LB_ARG_REQUIRED, "N",
		 "... years\n"
		 "(N = all: every one; 0: the rule is off)"},
		{OPT_DRY_RUN, "dry-run", LB_ARG_NONE, NULL, "print the plan, delete nothing"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "{\"keep\": [{name, reasons}], \"remove\": [{name, error}],\n"
		 "\"dry_run\"}"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot prune", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 23};
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	struct lb_retain_policy p = {0};
	bool dry_run = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c, rc;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_LAST: if ((rc = parse_count("keep-last", optarg, &p.last))) return rc; break;
		case OPT_HOURLY: if ((rc = parse_count("keep-hourly", optarg, &p.hourly))) return rc; break;
		case OPT_DAILY: if ((rc = parse_count("keep-daily", optarg, &p.daily))) return rc; break;
		case OPT_WEEKLY: if ((rc = parse_count("keep-weekly", optarg, &p.weekly))) return rc; break;
		case OPT_MONTHLY: if ((rc = parse_count("keep-monthly", optarg, &p.monthly))) return rc; break;
		case OPT_YEARLY: if ((rc = parse_count("keep-yearly", optarg, &p.yearly))) return rc; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind > 1)
		return lb_usage_error("snapshot prune", "at most one container");
	if (lb_retain_policy_empty(&p))
		return lb_usage_error("snapshot prune", "no --keep-* rule: name what to keep");
	t.data_root = g->docker_root;
	struct report_ctx x = {.g = g, .dry_run = dry_run, .keep = json_array(),
			       .remove = json_array()};
	struct lb_prune_totals tot;
	struct lb_err err = {0};
	rc = lb_snapshot_prune(&t, &p, optind < argc ? argv[optind] : NULL, dry_run, report, &x,
			       &tot, &err);
	if (rc && !tot.failed)
		lb_print_error("%s", err.msg);
	if (g->json) {
		json_t *o = json_pack("{s:O, s:O, s:b}", "keep", x.keep, "remove", x.remove,
				      "dry_run", dry_run);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else if (g->verbosity >= 0) {
		fprintf(stderr, "lifeboat: %zu kept, %zu %s, %zu failed\n", tot.kept,
			tot.removed, dry_run ? "to remove" : "removed",
			tot.failed);
	}
	json_decref(x.keep);
	json_decref(x.remove);
	return rc;
}
