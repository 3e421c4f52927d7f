/* lifeboat recover discard status|off: the dm-thin discard crash. Options
 * here; the pure parts in lib/discard/discard.h, the devices in apply.h. */
#include "discard/apply.h"
#include "docker/daemon_json.h"
#include "recover/verbs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static const char help_head[] =
	"Usage: lifeboat recover discard status [--daemon-json FILE] [--json]\n"
	"       lifeboat recover discard off (--pool NAME | --all) [--ignore] [--persist]\n"
	"                                    [--daemon-json FILE] [--dry-run]\n"
	"\n"
	"The dm-thin discard crash: on affected kernels a discard on a thin pool can hit\n"
	"'kernel BUG at drivers/md/persistent-data/dm-btree-remove.c' and reboot the host\n"
	"again and again. Discards come from Docker (unless dm.blkdiscard=false) and from\n"
	"filesystems mounted with -o discard.\n"
	"\n"
	"status   for every active thin pool: its discard mode from the table and from\n"
	"         the status line (passdown, nopassdown, ignore), its thin filesystems\n"
	"         mounted with discard; the kernel and whether it is in the range known\n"
	"         to hit the bug; dm.blkdiscard and dm.mountopt from daemon.json.\n"
	"off      reloads each live pool's table with no_discard_passdown (suspend, load,\n"
	"         resume; every other table argument kept exactly) and remounts its\n"
	"         filesystems that have discard without it.\n"
	"\n"
	"no_discard_passdown stops discards reaching the data device; the pool still\n"
	"unmaps the blocks (that is where dm_btree_remove runs). Stopping the sources\n"
	"(--persist, the remounts) or --ignore keeps discards out of the pool.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Kernel range: 'affected' means a RHEL/CentOS 6 (2.6.32-*.el6) or 7 (3.10.0-*.el7)\n"
	"kernel, where the BUG was reported under Docker's devicemapper driver\n"
	"(moby/moby#9862), or an upstream kernel before 3.9 (before 'dm thin: fix discard\n"
	"corruption'). Which el7 build fixes it is not known, so all count. Other kernels\n"
	"are 'not in the known range', which is not a guarantee.\n"
	"\n"
	"Limits: xfs keeps 'discard' across a remount (the remount is reported, exit 1:\n"
	"unmount and mount it again); mounts in other mount namespaces (dockerd with\n"
	"MountFlags=slave) are not seen. Pools lifeboat itself activates (recover mount)\n"
	"never pass discards down.\n"
	"\n"
	"Exit codes: 0 done; 1 failed (or a filesystem kept discard); 2 usage; 3 no such\n"
	"pool; 4 refused (devices in use, dockerd running, pool suspended by someone\n"
	"else, daemon.json for another driver); 5 daemon.json or a table unreadable.\n"
	"Runbook: runbooks/discard-crash.md.\n";

/* status takes --daemon-json alone; the help shows off's options, which
 * include it. */
enum { OPT_POOL = LB_OPT_LONG_ONLY, OPT_ALL, OPT_IGNORE, OPT_PERSIST, OPT_DAEMON_JSON, OPT_DRY_RUN };
static const struct lb_opt off_opts[] = {
	{OPT_POOL, "pool", LB_ARG_REQUIRED, "NAME", "the pool (device-mapper name) to change"},
	{OPT_ALL, "all", LB_ARG_NONE, NULL, "every active thin pool"},
	{OPT_IGNORE, "ignore", LB_ARG_NONE, NULL,
	 "re-create the pool with ignore_discard (the kernel takes it only at creation): needs "
	 "dockerd stopped and no thin device of the pool open; unused active ones are removed "
	 "and re-created with their exact tables, at the same major:minor. Refused (exit 4, "
	 "naming them) while one is in use."},
	{OPT_PERSIST, "persist", LB_ARG_NONE, NULL,
	 "add dm.blkdiscard=false and dm.mountopt=nodiscard to the storage-opts in daemon.json "
	 "(everything else kept; a backup <file>.lifeboat-<time>.bak; atomic replace); for an "
	 "LVM pool, print the lvchange --discards step that makes LVM agree"},
	LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
	{OPT_DRY_RUN, "dry-run", LB_ARG_NONE, NULL, "print the plan, change nothing"},
	LB_OPT_MENTION(LB_OPT_JSON, "status as JSON"),
	{0},
};

static void print_daemon_text(const struct lb_docker_daemon_config *cfg, int rc,
			      const struct lb_err *err)
{
	const char *path = cfg->path[0] ? cfg->path : LB_DOCKER_DAEMON_JSON;
	if (rc) {
		printf("daemon.json %s: unreadable: %s\n", path, err->msg);
		return;
	}
	const struct lb_docker_storage_opts *s = &cfg->storage;
	printf("daemon.json %s%s: dm.blkdiscard=%s (%s), dm.mountopt=%s\n", path,
	       cfg->present ? "" : " (absent: Docker's defaults)", s->blkdiscard ? "true" : "false",
	       s->blkdiscard_set ? "set" : "Docker's default", s->mountopt[0] ? s->mountopt : "(none)");
}

static json_t *daemon_json_obj(const struct lb_docker_daemon_config *cfg, int rc,
			       const struct lb_err *err)
{
	const struct lb_docker_storage_opts *s = &cfg->storage;
	if (rc)
		return json_pack("{s:s, s:s}", "path", cfg->path, "error", err->msg);
	return json_pack("{s:s, s:b, s:s, s:b, s:b, s:s}", "path", cfg->path, "present",
			 cfg->present, "storage_driver", cfg->storage_driver, "blkdiscard",
			 s->blkdiscard, "blkdiscard_set", s->blkdiscard_set, "mountopt", s->mountopt);
}

static json_t *pool_obj(const struct lb_discard_pool *p)
{
	json_t *thins = json_array(), *mounts = json_array(), *features = json_array();
	for (size_t i = 0; i < p->n_thins; i++)
		json_array_append_new(thins, json_pack("{s:s, s:s, s:i}", "name", p->thins[i].name,
						       "params", p->thins[i].table.params,
						       "open_count", (int)p->thins[i].info.open_count));
	for (size_t i = 0; i < p->n_mounts; i++)
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "dir",
							p->mounts[i].m.dir, "device",
							p->mounts[i].thin_name, "fstype",
							p->mounts[i].m.fstype, "discard",
							p->mounts[i].discard));
	for (size_t i = 0; i < p->params.n_features; i++)
		json_array_append_new(features, json_string(p->params.features[i]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "name", p->name, "uuid",
			      p->info.uuid, "table", p->table.params, "pool_mode", p->pool_mode,
			      "features", features, "thin_devices", thins, "mounts", mounts);
	json_object_set_new(o, "table_discard",
			    p->error[0] && !p->params.head[0]
				    ? json_null()
				    : json_string(lb_discard_mode_name(p->table_mode)));
	json_object_set_new(o, "status_discard", p->status_ok ? json_string(lb_discard_mode_name(
									p->status_mode))
							      : json_null());
	json_object_set_new(o, "lvm", p->lvm_lv[0] ? json_string(p->lvm_lv) : json_null());
	json_object_set_new(o, "error", p->error[0] ? json_string(p->error) : json_null());
	return o;
}

static void print_pool_text(const struct lb_discard_pool *p)
{
	printf("pool %s: discard %s (table), %s (status), %zu active thin device%s%s%s\n", p->name,
	       lb_discard_mode_name(p->table_mode),
	       p->status_ok ? lb_discard_mode_name(p->status_mode) : "?", p->n_thins,
	       p->n_thins == 1 ? "" : "s", p->lvm_lv[0] ? ", LVM " : "", p->lvm_lv);
	if (p->error[0])
		printf("  error: %s\n", p->error);
	for (size_t i = 0; i < p->n_mounts; i++)
		if (p->mounts[i].discard)
			printf("  mounted with discard: %s (%s on %s)\n", p->mounts[i].m.dir,
			       p->mounts[i].m.fstype, p->mounts[i].thin_name);
}

static int discard_status(int argc, char **argv, struct lb_globals *g)
{
	static const struct lb_opt opts[] = {LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON), {0}};
	static const struct lb_opts_spec spec = {.cmd = "recover discard", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .help_opts = off_opts};
	const char *daemon_json = NULL;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0)
		daemon_json = optarg; /* --daemon-json, its only option */
	if (c < 0)
		return parser.rc;
	if (optind != argc)
		return lb_usage_error("recover discard", "status takes no arguments");

	struct utsname u;
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	struct lb_kernel_risk risk;
	lb_kernel_discard_risk(u.release, &risk);

	struct lb_docker_daemon_config cfg;
	struct lb_err dj_err = {0}, err = {0};
	int dj_rc = lb_docker_daemon_config_load(daemon_json, &cfg, &dj_err);
	if (dj_rc && !cfg.path[0])
		snprintf(cfg.path, sizeof(cfg.path), "%s", daemon_json ? daemon_json : LB_DOCKER_DAEMON_JSON);

	struct lb_discard_scan scan = {0};
	int dm_rc = lb_dm_available(&err) ? lb_discard_scan(&scan, &err) : err.code;

	if (g->json) {
		json_t *pools = json_array();
		for (size_t i = 0; i < scan.n_pools; i++)
			json_array_append_new(pools, pool_obj(&scan.pools[i]));
		json_t *o = json_pack("{s:{s:s, s:b, s:s}, s:o, s:o}", "kernel", "release", u.release,
				      "affected", risk.affected, "basis", risk.basis, "daemon_json",
				      daemon_json_obj(&cfg, dj_rc, &dj_err), "pools", pools);
		json_object_set_new(o, "error", dm_rc ? json_string(err.msg) : json_null());
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("kernel %s: %s: %s\n", u.release,
		       risk.affected ? "in the range known to hit the dm-btree-remove.c BUG"
				     : "not in the known range",
		       risk.basis);
		print_daemon_text(&cfg, dj_rc, &dj_err);
		if (!dm_rc && !scan.n_pools)
			printf("no active thin pools\n");
		for (size_t i = 0; i < scan.n_pools; i++)
			print_pool_text(&scan.pools[i]);
	}
	lb_discard_scan_free(&scan);
	if (dm_rc)
		lb_print_error("%s", err.msg);
	if (dj_rc)
		lb_print_error("%s", dj_err.msg);
	return dm_rc ? dm_rc : dj_rc;
}

struct step_ctx {
	bool dry_run;
	int verbosity;
	const char *fail_kind; /* test hook: LIFEBOAT_TEST_FAIL_STEP */
};

static int announce(void *ctx, const char *kind, const char *what)
{
	const struct step_ctx *s = ctx;
	if (s->dry_run)
		printf("would: %s\n", what);
	else if (s->verbosity > 0)
		fprintf(stderr, "lifeboat: %s\n", what);
	return s->fail_kind && !strcmp(s->fail_kind, kind);
}

/* Keeps the first failure's code and reports every failure. */
static void note(int *worst, int rc, const struct lb_err *err)
{
	if (!rc)
		return;
	lb_print_error("%s", err->msg);
	if (!*worst)
		*worst = rc;
}

static int off_pool(const struct lb_discard_pool *p, bool ignore, const struct lb_discard_act *a,
		    bool quiet)
{
	struct lb_err err = {0};
	int worst = 0;
	enum lb_discard_mode want = ignore ? LB_DISCARD_IGNORE : LB_DISCARD_NOPASSDOWN;
	bool already = ignore ? p->table_mode == LB_DISCARD_IGNORE : p->table_mode != LB_DISCARD_PASSDOWN;
	int rc = ignore ? lb_discard_pool_ignore(p, a, &err) : lb_discard_pool_nopassdown(p, a, &err);
	note(&worst, rc, &err);
	if (rc)
		return worst;
	if (!quiet && !a->dry_run)
		printf("%s: discard %s%s\n", p->name, lb_discard_mode_name(already ? p->table_mode : want),
		       already ? " (already)" : "");
	for (size_t i = 0; i < p->n_mounts; i++) {
		bool kept = false;
		rc = lb_discard_remount(&p->mounts[i], a, &kept, &err);
		note(&worst, rc, &err);
		if (!rc && kept) {
			lb_fail(&err, LB_EFAIL,
				"%s: %s kept 'discard' across the remount (%s does not change it on a "
				"remount): unmount and mount it again without discard (a container: "
				"restart it once dm.mountopt=nodiscard is in daemon.json)",
				p->mounts[i].m.dir, p->mounts[i].m.fstype, p->mounts[i].m.fstype);
			note(&worst, LB_EFAIL, &err);
		} else if (!rc && p->mounts[i].discard && !quiet && !a->dry_run) {
			printf("%s: remounted without discard\n", p->mounts[i].m.dir);
		}
	}
	return worst;
}

static int discard_off(int argc, char **argv, struct lb_globals *g)
{
	static const lb_opt_excl excl[] = {{OPT_POOL, OPT_ALL}, {0}};
	static const struct lb_opts_spec spec = {.cmd = "recover discard", .opts = off_opts,
						 .excl = excl, .help_head = help_head,
						 .help_tail = help_tail};
	const char *pool = NULL, *daemon_json = LB_DOCKER_DAEMON_JSON;
	bool all = false, ignore = false, persist = false, dry_run = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case OPT_POOL: pool = optarg; break;
		case OPT_ALL: all = true; break;
		case OPT_IGNORE: ignore = true; break;
		case OPT_PERSIST: persist = true; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		case OPT_DRY_RUN: dry_run = true; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (optind != argc)
		return lb_usage_error("recover discard", "off takes no arguments");
	if (!pool == !all)
		return lb_usage_error("recover discard", "off needs --pool NAME or --all (one of them)");

	struct lb_err err = {0};
	/* daemon.json first: a file we would refuse stops everything before any change. */
	struct lb_persist_plan plan = {0};
	int rc;
	if (persist && (rc = lb_persist_plan(daemon_json, g->docker_root, &plan, &err))) {
		lb_persist_free(&plan);
		lb_print_error("%s", err.msg);
		return rc;
	}
	struct lb_discard_scan scan = {0};
	if (!lb_dm_available(&err) || (rc = lb_discard_scan(&scan, &err))) {
		lb_persist_free(&plan);
		lb_print_error("%s", err.msg);
		return err.code ? err.code : LB_EFAIL;
	}
	if (pool && !lb_discard_find(&scan, pool)) {
		char names[512] = "";
		for (size_t i = 0, used = 0; i < scan.n_pools; i++) {
			int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
					 scan.pools[i].name);
			if (n > 0 && used + (size_t)n < sizeof(names))
				used += (size_t)n;
		}
		lb_print_error("%s: no such active thin pool (active: %s)", pool,
			       scan.n_pools ? names : "none");
		lb_discard_scan_free(&scan);
		lb_persist_free(&plan);
		return LB_ENOTFOUND;
	}

	struct step_ctx sc = {dry_run, g->verbosity, getenv("LIFEBOAT_TEST_FAIL_STEP")};
	struct lb_discard_act act = {dry_run, announce, &sc};
	int worst = 0;
	for (size_t i = 0; i < scan.n_pools; i++) {
		const struct lb_discard_pool *p = &scan.pools[i];
		if (pool && strcmp(p->name, pool))
			continue;
		rc = off_pool(p, ignore, &act, g->verbosity < 0);
		if (rc && !worst)
			worst = rc;
		if (persist && p->lvm_lv[0])
			printf("%s: LVM keeps its own setting; make it agree: lvchange --discards %s %s%s\n",
			       p->name, ignore ? "ignore" : "nopassdown", p->lvm_lv,
			       ignore ? " (with the pool's LVs inactive)" : "");
	}
	if (persist) {
		char backup[4200];
		if (!plan.changed) {
			printf("%s: already has dm.blkdiscard=false and dm.mountopt with nodiscard\n",
			       plan.path);
		} else if (dry_run) {
			printf("would: write %s:\n%s", plan.path, plan.new_text);
		} else if ((rc = lb_persist_write(&plan, backup, sizeof(backup), &err))) {
			note(&worst, rc, &err);
		} else if (g->verbosity >= 0) {
			printf("%s: dm.blkdiscard=false and dm.mountopt=nodiscard written%s%s; restart "
			       "dockerd for it to take effect\n",
			       plan.path, backup[0] ? ", backup " : "", backup);
		}
	}
	lb_discard_scan_free(&scan);
	lb_persist_free(&plan);
	return worst;
}

int cmd_recover_discard(int argc, char **argv, struct lb_globals *g)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		static const struct lb_opts_spec spec = {.opts = off_opts, .help_head = help_head,
							 .help_tail = help_tail};
		lb_opts_usage(argc < 2 ? stderr : stdout, &spec, lb_global_opts);
		return argc < 2 ? LB_EUSAGE : LB_OK;
	}
	/* getopt starts at argv[1]: the sub-verb stands where a verb name would. */
	if (!strcmp(argv[1], "status"))
		return discard_status(argc - 1, argv + 1, g);
	if (!strcmp(argv[1], "off"))
		return discard_off(argc - 1, argv + 1, g);
	return lb_usage_error("recover discard", "'%s' is not status or off", argv[1]);
}
