/* lifeboat recover umount: tear down exactly what 'recover mount' created,
 * from its journals under /run/lifeboat, even if lifeboat was killed midway.
 * Needs no Docker data root. */
#include "recover/verbs.h"
#include "rescue/session.h"
#include "session/journal.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("Usage: lifeboat recover umount [options] <container|DIR|--all>\n"
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
	      "Options:\n"
	      "  -q, -v        quieter, more verbose (say each thing removed)\n"
	      "\n"
	      "Exit codes: 0 done; 1 failed; 2 usage; 3 no such session; 4 busy (a process\n"
	      "still uses the mount).\n",
	      out);
}

static int verbosity; /* set once from the CLI options; read by say() */
static void say(const char *line)
{
	if (verbosity > 0)
		fprintf(stderr, "lifeboat: %s\n", line);
}

/* Whether the session journal at path is the one the operator named. */
static bool session_matches(const char *path, const char *what)
{
	struct lb_journal_entry *e;
	size_t n;
	if (lb_journal_load(path, &e, &n, NULL))
		return false;
	bool match = false;
	size_t wl = strlen(what);
	char stripped[PATH_MAX];
	snprintf(stripped, sizeof(stripped), "%s", what);
	size_t sl = strlen(stripped);
	while (sl > 1 && stripped[sl - 1] == '/')
		stripped[--sl] = '\0';
	if (sl > 7 && !strcmp(stripped + sl - 7, "/rootfs"))
		stripped[sl - 7] = '\0';
	for (size_t i = 0; i < n && !match; i++) {
		if (!strcmp(e[i].kind, "session"))
			match = !strcmp(e[i].arg2, what) || (what[0] == '/' && !strcmp(e[i].arg2, what + 1)) ||
				(wl >= 4 && !strncmp(e[i].arg1, what, wl));
		else if (!strcmp(e[i].kind, "mount"))
			match = !strcmp(e[i].arg1, stripped);
	}
	free(e);
	return match;
}

int cmd_recover_umount(int argc, char **argv, struct lb_globals *g)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, LB_GLOBAL_LONGOPTS, {0}};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "a" LB_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		if (lb_global_opt(c, optarg, g))
			continue;
		if (c == 'a')
			all = true;
		else if (c == 'h') {
			usage(stdout);
			return LB_OK;
		} else
			return lb_usage_error("recover umount", "unknown option");
	}
	if (all == (optind < argc) || argc - optind > 1)
		return lb_usage_error("recover umount", "expected one of <container>, DIR or --all");
	verbosity = g->verbosity;
	const char *what = all ? NULL : argv[optind];

	struct lb_err err = {0};
	int rc = LB_OK, matched = 0;
	DIR *d = opendir(LB_SESSIONS_DIR);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), LB_SESSIONS_DIR "/%s", de->d_name);
		if (what && !session_matches(p, what))
			continue;
		matched++;
		int r = lb_rescue_teardown_session(p, say, &err);
		if (r) {
			lb_print_error("%s", err.msg);
			if (!rc)
				rc = r;
		}
	}
	if (d)
		closedir(d);
	if (!rc) {
		int r = lb_rescue_teardown_idle_pools(say, &err);
		if (r) {
			lb_print_error("%s", err.msg);
			rc = r;
		}
	}
	if (!all && !matched && !rc) {
		lb_print_error("%s: no lifeboat mount session by that name, id or directory", what);
		return LB_ENOTFOUND;
	}
	return rc;
}
