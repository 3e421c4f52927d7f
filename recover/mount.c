/* lifeboat recover mount: a container's filesystem, read-only, from its thin
 * pool, without dockerd. Parses options; lib/rescue/plan.c makes the plan
 * from Docker's files and the pool's metadata, lib/rescue/session.c acts. */
#include "dm/dm.h"
#include "recover/verbs.h"
#include "rescue/plan.h"
#include "snapshot/lookup.h"
#include "util/safepath.h"
#include "util/size.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help_head[] =
	"Usage: lifeboat recover mount [options] <container> [DIR]\n"
	"       lifeboat recover mount [options] --device-id N [DIR]\n"
	"       lifeboat recover mount [options] --snapshot NAME [DIR]\n"
	"\n"
	"Activate a container's thin device from its pool and mount its filesystem\n"
	"read-only, without the Docker daemon. The pool is reused if it is active;\n"
	"otherwise lifeboat attaches its loop files read-only and activates it with\n"
	"the read_only feature (Docker's pool name, so a second pool can never open\n"
	"the same metadata). The filesystem's journal is not replayed (xfs:\n"
	"norecovery,nouuid; ext4: noload). Nothing in the pool changes.\n"
	"\n"
	"Without the replay, what the filesystem committed to its journal but had not\n"
	"yet written in place is missing (a container killed while writing shows an\n"
	"older state); lifeboat reads the journal's state first and warns when it is\n"
	"dirty (\"log\" in --json). --replay-cow gets it without writing to the pool:\n"
	"the thin device stays read-only under a copy-on-write layer (a dm-snapshot\n"
	"over a sparse file, in RAM under /run by default) that takes the replay's\n"
	"writes; the mount is still read-only, and umount drops the layer.\n"
	"\n"
	"The last line of output is the directory holding the container's root\n"
	"filesystem (the rootfs/ inside the device). Undo with 'lifeboat recover umount'.\n"
	"\n"
	"Arguments:\n"
	"  <container>        name, full id, or unique id prefix\n"
	"  DIR                where to mount (default /run/lifeboat/mnt/<name>); used,\n"
	"                     and recorded for umount, as its canonical path\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 mounted; 1 failed; 2 usage or ambiguous container; 3 container,\n"
	"device or file not found; 4 refused (deleted device, something else mounted,\n"
	"suspended pool, a name that is no plain directory name, a --cow-dir others\n"
	"can write); 5 corrupt metadata (also a pool name that is no dm name).\n"
	"\n"
	"Example:\n"
	"  cd \"$(lifeboat recover mount web | tail -n 1)\" && ls\n";

/* Test hook (documented in tests/): LIFEBOAT_TEST_KILL_AFTER=<step> makes
 * lifeboat SIGKILL itself after that step, to prove teardown after a crash. */
static void kill_after_step(const char *stepname)
{
	const char *want = getenv("LIFEBOAT_TEST_KILL_AFTER");
	if (want && !strcmp(want, stepname))
		raise(SIGKILL);
}

int cmd_recover_mount(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_POOL_DEV = LB_OPT_LONG_ONLY, OPT_REPLAY, OPT_REPLAY_COW, OPT_COW_DIR, OPT_FORCE,
	       OPT_DAEMON_JSON, OPT_DEVICE_ID, OPT_SNAPSHOT };
	static const struct lb_opt opts[] = {
		{OPT_SNAPSHOT, "snapshot", LB_ARG_REQUIRED, "NAME",
		 "a lifeboat snapshot (lifeboat snapshot ls), by its name"},
		{OPT_DEVICE_ID, "device-id", LB_ARG_REQUIRED, "N",
		 "a thin device by its id in the pool, with no Docker record\n"
		 "needed (an orphan doctor names; loop-lvm pools): mounted\n"
		 "as device-N, its size its filesystem's"},
		{OPT_POOL_DEV, "pool-dev", LB_ARG_REQUIRED, "NAME",
		 "the active pool device to use (direct-lvm), e.g.\n"
		 "docker-thinpool; default: dm.thinpooldev or Docker's name"},
		{OPT_REPLAY_COW, "replay-cow", LB_ARG_NONE, NULL,
		 "replay the journal into a throwaway copy-on-write layer;\n"
		 "the pool is not written"},
		{OPT_COW_DIR, "cow-dir", LB_ARG_REQUIRED, "DIR",
		 "where the layer's sparse file goes (default\n"
		 "/run/lifeboat/cow); it grows by what the replay writes;\n"
		 "a directory only you can write"},
		{OPT_REPLAY, "replay-log", LB_ARG_NONE, NULL,
		 "activate writable and let the filesystem replay its\n"
		 "journal: WRITES to the pool's data and metadata"},
		{OPT_FORCE, "force", LB_ARG_NONE, NULL,
		 "mount a device Docker marked deleted"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print the result as JSON"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const lb_opt_excl excl[] = {{OPT_REPLAY, OPT_REPLAY_COW}, {0}};
	static const struct lb_opts_spec spec = {.cmd = "recover mount", .opts = opts, .excl = excl,
						 .help_head = help_head, .help_tail = help_tail};
	const char *pool_dev = NULL, *daemon_json = NULL, *cow_dir_arg = NULL;
	bool replay = false, replay_cow = false, force = false, by_id = false;
	uint64_t device_id = 0;
	const char *snapshot = NULL;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_POOL_DEV: pool_dev = optarg; break;
		case OPT_REPLAY: replay = true; break;
		case OPT_REPLAY_COW: replay_cow = true; break;
		case OPT_COW_DIR: cow_dir_arg = optarg; break;
		case OPT_FORCE: force = true; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		case OPT_DEVICE_ID:
			if (lb_parse_u64(optarg, LB_DM_MAX_DEVICE_ID, &device_id))
				return lb_usage_error("recover mount",
						      "--device-id %s: a thin device id (0 to %u)", optarg,
						      LB_DM_MAX_DEVICE_ID);
			by_id = true;
			break;
		case OPT_SNAPSHOT:
			snapshot = optarg;
			by_id = true;
			break;
		}
	}
	if (c < 0)
		return parser.rc;
	int want_args = by_id ? 0 : 1;
	if (argc - optind < want_args || argc - optind > want_args + 1)
		return lb_usage_error("recover mount",
				      by_id ? "expected --device-id N or --snapshot NAME, and [DIR]"
					    : "expected <container> [DIR]");
	if (snapshot && !lb_snap_name_valid(snapshot))
		return lb_usage_error("recover mount", "--snapshot %s: not a snapshot name", snapshot);
	const char *dir = argc - optind == want_args + 1 ? argv[optind + want_args] : NULL;
	if (cow_dir_arg && !replay_cow)
		return lb_usage_error("recover mount", "--cow-dir goes with --replay-cow");

	struct lb_err err = {0};
	/* The teardown finds the layer's loop device by its backing file as
	 * sysfs names it: an absolute path without links. */
	char cow_dir[PATH_MAX];
	if (cow_dir_arg && !realpath(cow_dir_arg, cow_dir)) {
		lb_print_error("%s: %s (--cow-dir)", cow_dir_arg, strerror(errno));
		return lb_exit_for_errno(errno);
	}
	/* DIR as the kernel will record it ("./x/../x/" is /cwd/x): the
	 * already-mounted check and umount DIR compare it with mountinfo. */
	char mount_dir[PATH_MAX];
	if (dir && lb_path_canonical(dir, mount_dir, sizeof(mount_dir), &err)) {
		lb_print_error("%s (DIR)", err.msg);
		return err.code;
	}
	struct lb_rescue_request req = {
		.data_root = g->docker_root, .daemon_json = daemon_json,
		.container = by_id ? NULL : argv[optind], .by_device_id = by_id && !snapshot,
		.device_id = device_id, .snapshot = snapshot, .pool_dev = pool_dev,
		.mount_dir = dir ? mount_dir : NULL, .replay_log = replay, .replay_cow = replay_cow,
		.force = force, .cow_dir = cow_dir_arg ? cow_dir : NULL};
	struct lb_rescue_target t;
	int rc = lb_rescue_plan_for(&req, &t, &err);
	if (rc)
		goto fail;
	const struct lb_rescue_plan plan = t.plan;
	const struct lb_docker_view v = t.view;
	const struct lb_say say = {g->verbosity, stderr};
	if (replay)
		lb_say(&say, LB_SAY_NOTE,
		       "--replay-log: activating %s writable; the filesystem will replay its journal, "
		       "writing to the thin device %u and so to the pool's data and metadata",
		       plan.pool_name, v.device_id);

	struct lb_rescue_result res;
	if ((rc = lb_rescue_mount(&plan, kill_after_step, &res, &err)))
		goto fail;
	if (res.log_state == LB_FSLOG_DIRTY && !replay && !replay_cow)
		lb_say(&say, LB_SAY_NOTE,
		       "%s: the %s journal was not closed cleanly and may hold changes not yet "
		       "written in place; this mount shows the state before them. To see them "
		       "without writing to the pool: lifeboat recover umount %s && lifeboat recover "
		       "mount --replay-cow %s",
		       plan.container_name, res.fstype, plan.container_name, plan.container_name);
	if (replay_cow)
		lb_say(&say, LB_SAY_NOTE,
		       "--replay-cow: the journal was replayed into %s (%s); the pool was not "
		       "written, and umount drops the layer",
		       res.cow_file, res.device);
	if (g->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:s, s:b, s:b, s:b}",
				      "container", plan.container_name, "id", v.id, "rootfs",
				      res.rootfs, "mount_dir", res.mount_dir, "device", res.device,
				      "pool", plan.pool_name, "device_id", (int)v.device_id,
				      "read_only", !replay, "journal",
				      replay ? "replayed-into-pool"
					     : replay_cow ? "replayed-into-cow" : "not-replayed",
				      "pool_created", res.pool_created, "thin_created",
				      res.thin_created, "already_mounted", res.already_mounted);
		if (replay_cow)
			json_object_set_new(o, "cow_file", json_string(res.cow_file));
		/* The journal as found, before any replay: null when not read. */
		json_object_set_new(o, "log",
				    res.log_state == LB_FSLOG_UNKNOWN
					    ? json_null()
					    : json_string(lb_fslog_state_name(res.log_state)));
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		lb_say(&say, LB_SAY_INFO, "%s: %s %s (%s) at %s, pool %s%s", plan.container_name,
		       res.already_mounted ? "already mounted" : "mounted", res.device,
		       res.fstype[0] ? res.fstype : "?", res.mount_dir, plan.pool_name,
		       res.pool_created ? " (activated read-only)" : " (reused)");
		printf("%s\n", res.rootfs);
	}
	lb_rescue_target_free(&t);
	return LB_OK;
fail:
	lb_print_error("%s", err.msg);
	lb_rescue_target_free(&t);
	return rc;
}
