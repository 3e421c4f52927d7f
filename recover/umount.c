/* lifeboat recover umount: tear down exactly what 'recover mount' created,
 * from its journals under /run/lifeboat, even if lifeboat was killed midway.
 * Needs no Docker data root. */
#include "recover/verbs.h"
#include "rescue/session.h"
#include "session/journal.h"
#include "util/rundir.h"
#include "util/safepath.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help_head[] =
	"Usage: lifeboat recover umount [options] <container|DIR|--all>\n"
	"\n"
	"Unmount a container that 'lifeboat recover mount' mounted, and remove the\n"
	"copy-on-write layer (--replay-cow) with its file, the thin device, the pool\n"
	"and the loop devices that lifeboat created for it, in that order. Devices\n"
	"lifeboat did not create (Docker's own pool, loop devices that were attached\n"
	"before) are left alone. A pool still used by another mounted container\n"
	"stays until the last one is unmounted. Works after lifeboat was killed\n"
	"midway: every step is journalled first under /run/lifeboat/sessions and\n"
	"/run/lifeboat/pools.\n"
	"\n"
	"Arguments:\n"
	"  <container>   name, full id or id prefix as given to 'recover mount'\n"
	"  DIR           the mount directory (or its rootfs/)\n"
	"  --all         every session lifeboat has open\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Only what carries lifeboat's mark is touched: device-mapper devices with the\n"
	"LIFEBOAT- uuid the journal line gives, mounts at the recorded path of the\n"
	"recorded device (outside /run/lifeboat only a device lifeboat created), and\n"
	"files in lifeboat's own directories or the session's own copy-on-write file.\n"
	"A journal line that names anything else is reported (journal:line) and\n"
	"skipped, and its journal is kept.\n"
	"\n"
	"Exit codes: 0 done; 1 failed; 2 usage; 3 no such session; 4 busy (a process\n"
	"still uses the mount), or a journal line was skipped.\n";

/* What DIR (or DIR/rootfs) the operator named is, canonical: the journal
 * records mount directories so, and "./x/../x/" must find the same one. */
struct dir_arg {
	char as_given[PATH_MAX], resolved[PATH_MAX], parent_of_rootfs[PATH_MAX];
};

static void resolve_dir_arg(const char *what, struct dir_arg *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->as_given, sizeof(d->as_given), "%s", what);
	size_t len = strlen(d->as_given);
	while (len > 1 && d->as_given[len - 1] == '/')
		d->as_given[--len] = '\0';
	/* rootfs/ lies inside the container's filesystem, which may make it a
	 * symlink anywhere: drop it by name, resolve only what is left. */
	char without[PATH_MAX];
	snprintf(without, sizeof(without), "%s", d->as_given);
	if (len > 7 && !strcmp(without + len - 7, "/rootfs"))
		without[len - 7] = '\0';
	else if (!strcmp(without, "rootfs"))
		snprintf(without, sizeof(without), ".");
	struct lb_err ignored = {0};
	if (lb_path_canonical(without, d->parent_of_rootfs, sizeof(d->parent_of_rootfs), &ignored))
		d->parent_of_rootfs[0] = '\0';
	if (!realpath(what, d->resolved))
		d->resolved[0] = '\0';
}

/* Whether the session journal at path is the one the operator named. */
static bool session_matches(const char *path, const char *what, const struct dir_arg *d)
{
	struct lb_journal_entry *e;
	size_t n;
	if (lb_journal_load(path, &e, &n, NULL))
		return false;
	bool match = false;
	size_t wl = strlen(what);
	for (size_t i = 0; i < n && !match; i++) {
		if (!strcmp(e[i].kind, "session"))
			match = !strcmp(e[i].arg2, what) || (what[0] == '/' && !strcmp(e[i].arg2, what + 1)) ||
				(wl >= 4 && !strncmp(e[i].arg1, what, wl));
		else if (!strcmp(e[i].kind, "mount"))
			match = !strcmp(e[i].arg1, d->as_given) ||
				(d->resolved[0] && !strcmp(e[i].arg1, d->resolved)) ||
				(d->parent_of_rootfs[0] && !strcmp(e[i].arg1, d->parent_of_rootfs));
	}
	free(e);
	return match;
}

/* Each session journal that matches, torn down; what is in the directory
 * and is not a journal lifeboat wrote is reported and left. */
static int teardown_sessions(const char *what, const struct lb_say *say, int *matched)
{
	struct lb_err err = {0};
	int rc = lb_run_dir_ensure(LB_SESSIONS_DIR, false, &err);
	if (rc == LB_ENOTFOUND)
		return LB_OK; /* no session ever */
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	struct dir_arg d;
	if (what)
		resolve_dir_arg(what, &d);
	DIR *dir = opendir(LB_SESSIONS_DIR);
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), LB_SESSIONS_DIR "/%s", de->d_name);
		struct stat st;
		if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode) || !lb_path_is_component(de->d_name)) {
			lb_print_error("%s: not a session journal (not a regular file); skipped", p);
			rc = rc ? rc : LB_EUNSAFE;
			continue;
		}
		if (what && !session_matches(p, what, &d))
			continue;
		(*matched)++;
		int r = lb_rescue_teardown_session(p, say, &err);
		if (r) {
			lb_print_error("%s", err.msg);
			if (!rc)
				rc = r;
		}
	}
	if (dir)
		closedir(dir);
	return rc;
}

int cmd_recover_umount(int argc, char **argv, struct lb_globals *g)
{
	/* --all is told of among the arguments it stands for. */
	static const struct lb_opt opts[] = {
		{'a', "all", LB_ARG_NONE, NULL, NULL},
		LB_OPT_MENTION_QV("quieter, more verbose (say each thing removed)"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "recover umount", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 16};
	bool all = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0)
		all |= c == 'a';
	if (c < 0)
		return parser.rc;
	if (all == (optind < argc) || argc - optind > 1)
		return lb_usage_error("recover umount", "expected one of <container>, DIR or --all");
	const struct lb_say say = {g->verbosity, stderr};
	const char *what = all ? NULL : argv[optind];

	int matched = 0;
	int rc = teardown_sessions(what, &say, &matched);
	/* Pools are kept while anything uses them, so this is safe after a
	 * session that could not be torn down too. */
	struct lb_err err = {0};
	int r = lb_rescue_teardown_idle_pools(&say, &err);
	if (r) {
		lb_print_error("%s", err.msg);
		rc = rc ? rc : r;
	}
	if (!all && !matched && !rc) {
		lb_print_error("%s: no lifeboat mount session by that name, id or directory", what);
		return LB_ENOTFOUND;
	}
	return rc;
}
