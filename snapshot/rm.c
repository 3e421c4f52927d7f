/* lifeboat snapshot rm: delete snapshots from the pool and the catalog.
 * Parses options and calls lb_snapshot_remove (lib/snapshot/create.h). */
#include "snapshot/create.h"
#include "snapshot/verbs.h"

#include <inttypes.h>
#include <stdio.h>

static const char help_head[] =
	"Usage: lifeboat snapshot rm [options] <name>...\n"
	"\n"
	"Delete snapshots: each one's thin device is deleted from the pool (its blocks\n"
	"are freed where nothing else shares them), then its record. A snapshot whose\n"
	"device is active (a rescue mount of it) is refused. The container's own\n"
	"device is never touched. Every name is tried; the exit code is the first\n"
	"failure's.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 removed; 1 failed; 2 usage; 3 no such snapshot; 4 refused\n"
	"(device active, pool read-only); 5 corrupt metadata or catalog.\n"
	"\n"
	"Example:\n"
	"  lifeboat snapshot rm web-20261130T060324Z\n";

int cmd_snapshot_rm(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_DAEMON_JSON = LB_OPT_LONG_ONLY };
	static const struct lb_opt opts[] = {
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot rm", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 23};
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind < 1)
		return lb_usage_error("snapshot rm", "name at least one snapshot");
	t.data_root = g->docker_root;
	int first = LB_OK;
	for (int i = optind; i < argc; i++) {
		struct lb_snap_record rec;
		struct lb_err err = {0};
		int rc = lb_snapshot_remove(&t, argv[i], &rec, &err);
		if (rc) {
			lb_print_error("%s", err.msg);
			if (!first)
				first = rc;
			continue;
		}
		if (g->verbosity >= 0)
			fprintf(stderr, "lifeboat: removed %s (device %" PRIu32 ")\n", rec.name,
				rec.device_id);
	}
	return first;
}
