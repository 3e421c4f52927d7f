/* lifeboat snapshot create: a thin snapshot of a container's device, beside
 * a live dockerd or with dockerd stopped. Parses options and calls
 * lb_snapshot_create (lib/snapshot/create.h). */
#include "snapshot/create.h"
#include "snapshot/verbs.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char help_head[] =
	"Usage: lifeboat snapshot create [options] <container>\n"
	"\n"
	"Take a thin snapshot of the container's device in Docker's pool. It costs\n"
	"milliseconds and no copy: the pool shares every block until one side writes.\n"
	"\n"
	"With the container running, its device is suspended for the snapshot (which\n"
	"freezes and flushes its filesystem, so the snapshot holds what a clean\n"
	"unmount would) and resumed at once; the freeze is measured and reported.\n"
	"dockerd may run: lifeboat never changes the pool's transaction id, and takes\n"
	"device ids from the top of the 24-bit space, where dockerd never allocates.\n"
	"With dockerd stopped, a loop-lvm pool that is not active is activated for the\n"
	"command and released after.\n"
	"\n"
	"The snapshot is recorded in <root>/devicemapper/lifeboat/snapshots.json\n"
	"(backed up to snapshots.json.bak at every change), which 'recover doctor'\n"
	"reads so snapshot devices are never taken for orphans.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 taken; 1 failed; 2 usage (bad or taken name); 3 container or\n"
	"device not found; 4 refused (pool read-only or flagged needs_check, device\n"
	"deleted, no safe id left, a metadata snapshot somebody else holds); 5 corrupt\n"
	"metadata or catalog.\n"
	"\n"
	"Example:\n"
	"  lifeboat snapshot create web\n"
	"  lifeboat snapshot create --name web-before-upgrade web\n";

void lb_snapshot_say(void *ctx, const char *line)
{
	const struct lb_globals *g = ctx;
	lb_say(&(const struct lb_say){g->verbosity, stderr}, LB_SAY_NOTE, "%s", line);
}

int cmd_snapshot_create(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_NAME = LB_OPT_LONG_ONLY, OPT_DAEMON_JSON };
	static const struct lb_opt opts[] = {
		{OPT_NAME, "name", LB_ARG_REQUIRED, "NAME",
		 "the snapshot's name (default <container>-<UTC time>,\n"
		 "e.g. web-20261130T060324Z); [A-Za-z0-9_.-], at most 64"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print the snapshot's record as JSON"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot create", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 23};
	const char *name = NULL;
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_NAME: name = optarg; break;
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 1)
		return lb_usage_error("snapshot create", "one container, by name or id");
	t.data_root = g->docker_root;
	struct lb_snapshot_create_result res;
	struct lb_err err = {0};
	int rc = lb_snapshot_create(&t, argv[optind], name, &res, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	if (g->json) {
		json_t *o = lb_snap_record_json(&res.rec);
		json_object_set_new(o, "pool", json_string(res.pool));
		json_object_set_new(o, "dockerd_running", json_boolean(res.dockerd_live));
		json_object_set_new(o, "origin_suspended", json_boolean(res.origin_active));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%s\n", res.rec.name);
		if (g->verbosity >= 0) {
			if (res.origin_active)
				fprintf(stderr,
					"lifeboat: %s: device %" PRIu32 " of %s, frozen for %" PRIu64
					".%03" PRIu64 " ms\n",
					res.rec.name, res.rec.device_id, res.rec.container,
					res.rec.freeze_us / 1000, res.rec.freeze_us % 1000);
			else
				fprintf(stderr,
					"lifeboat: %s: device %" PRIu32 " of %s (not active: no freeze)\n",
					res.rec.name, res.rec.device_id, res.rec.container);
		}
	}
	return LB_OK;
}
