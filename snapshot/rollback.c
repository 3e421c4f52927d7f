/* lifeboat snapshot rollback: a container's device comes to hold a
 * snapshot's content, dockerd stopped. Parses options and calls
 * lb_snapshot_rollback (lib/snapshot/rollback.h). */
#include "snapshot/rollback.h"
#include "snapshot/verbs.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

static const char help_head[] =
	"Usage: lifeboat snapshot rollback [options] <container> <snapshot>\n"
	"\n"
	"Make the container's filesystem what it was in the snapshot. dockerd must be\n"
	"stopped (refused otherwise: it caches device ids). There is never a moment\n"
	"without a device for the container:\n"
	"  1. the pool makes a new device, a snapshot of the snapshot (which stays);\n"
	"  2. Docker's device file for the container is copied beside the catalog,\n"
	"     then rewritten atomically to name the new device;\n"
	"  3. the container's device as it was before is kept as a snapshot of its\n"
	"     own (<container>-<time>): nothing is lost, 'snapshot rm' drops it.\n"
	"A rollback that was interrupted is finished by the same command.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 rolled back; 1 failed; 2 usage (a snapshot of another\n"
	"container); 3 no such container or snapshot; 4 refused (dockerd running, the\n"
	"device active, another rollback unfinished, the container's device replaced\n"
	"since the snapshot); 5 corrupt metadata, catalog or journal.\n"
	"\n"
	"Example:\n"
	"  systemctl stop docker && lifeboat snapshot rollback web web-before-upgrade\n";

int cmd_snapshot_rollback(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_DISCARD = LB_OPT_LONG_ONLY, OPT_DAEMON_JSON };
	static const struct lb_opt opts[] = {
		{OPT_DISCARD, "discard-current", LB_ARG_NONE, NULL,
		 "delete the container's current device instead of\n"
		 "keeping it as a snapshot: its changes since the\n"
		 "snapshot are LOST"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print what was done as JSON"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot rollback", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 23};
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	bool discard = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_DISCARD: discard = true; break;
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 2)
		return lb_usage_error("snapshot rollback", "a container and a snapshot");
	t.data_root = g->docker_root;
	struct lb_snapshot_rollback_result res;
	struct lb_err err = {0};
	int rc = lb_snapshot_rollback(&t, argv[optind], argv[optind + 1], discard, &res, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	if (g->json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s?, s:s, s:b}", "container",
				      res.container, "snapshot", argv[optind + 1], "old_device_id",
				      (json_int_t)res.old_id, "new_device_id", (json_int_t)res.new_id,
				      "kept_as", res.kept_as[0] ? res.kept_as : NULL, "backup",
				      res.backup, "resumed", res.resumed);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else if (g->verbosity >= 0) {
		printf("%s: device %" PRIu32 " -> %" PRIu32 " (a copy of snapshot %s)%s\n",
		       res.container, res.old_id, res.new_id, argv[optind + 1],
		       res.resumed ? ", an interrupted rollback finished" : "");
		printf("  device file backed up to %s\n", res.backup);
		if (res.kept_as[0])
			printf("  the state before is kept as snapshot %s\n", res.kept_as);
		else
			printf("  the state before was deleted (--discard-current)\n");
	}
	return LB_OK;
}
