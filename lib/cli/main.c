/* The lifeboat entry point: global options, then one table of command groups.
 * This is the only place that owns mutable process state (the options). */
#include "cli/cli.h"
#include "cli/groups.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static const struct lb_group_entry {
	const char *name;
	int (*run)(int argc, char **argv, struct lb_globals *g);
	const char *summary;
} groups[] = {
	{"recover", cmd_recover, "get a container's files back from a thin pool, without dockerd"},
	{"snapshot", cmd_snapshot, "thin snapshots of containers, retention, zstd exports"},
	{"migrate", cmd_migrate, "cold-migrate a container through a registry"},
	{0},
};

enum { OPT_VERSION = 'V' };
/* Besides the global options, the program alone takes -V. */
static const struct lb_opt main_opts[] = {
	{OPT_VERSION, "version", LB_ARG_NONE, NULL, "print the version"},
	{0},
};
/* The global rows first and -V after them, as getopt names the candidates of
 * an ambiguous abbreviation in table order ("--ver"). */
static const struct lb_opts_spec main_spec = {.cmd = "lifeboat", .opts = lb_global_opts};

static void usage(FILE *out)
{
	fputs("Usage: lifeboat [--root DIR] [--json] [-q|-v] <group> <verb> [options]\n"
	      "       lifeboat help <group>\n"
	      "\n"
	      "Rescue and move containers whose root filesystems live on device-mapper thin\n"
	      "pools (Docker devicemapper, LVM thin, containerd devmapper).\n"
	      "\n"
	      "Groups:\n",
	      out);
	for (const struct lb_group_entry *e = groups; e->name; e++)
		fprintf(out, "  %-10s %s\n", e->name, e->summary);
	fputs("\nGlobal options:\n", out);
	lb_opts_help(out, lb_global_opts, NULL, 2, 17);
	lb_opts_help(out, main_opts, NULL, 2, 17);
	fputs("\n"
	      "Exit codes (every command):\n"
	      "  0 ok   1 failed   2 usage error   3 not found   4 refused as unsafe\n"
	      "  5 integrity error (corrupt or inconsistent metadata)   6 doctor found problems\n",
	      out);
}

int main(int argc, char **argv)
{
	struct lb_globals g = {.docker_root = "/var/lib/docker"};
	struct lb_opts_parser p;
	struct lb_err err = {0};
	/* '+' stops at the first non-option: the group name. */
	if (lb_opts_build(&p, &main_spec, main_opts, "+", &err)) {
		lb_print_error("%s", err.msg);
		return err.code;
	}
	int c;
	while ((c = getopt_long(argc, argv, p.shortopts, p.longopts, NULL)) != -1) {
		if (lb_global_opt(c, optarg, &g))
			continue;
		if (c == OPT_VERSION) {
			lb_print_version(stdout);
			return LB_OK;
		}
		if (c == 'h') {
			usage(stdout);
			return LB_OK;
		}
		fputs("Try 'lifeboat --help' for more information.\n", stderr);
		return LB_EUSAGE;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return LB_EUSAGE;
	}
	if (!strcmp(argv[0], "help")) {
		if (argc < 2) {
			usage(stdout);
			return LB_OK;
		}
		/* "lifeboat help recover" is "lifeboat recover help". */
		argv[0] = argv[1];
		argv[1] = "help";
		argc = 2;
	}
	for (const struct lb_group_entry *e = groups; e->name; e++)
		if (!strcmp(e->name, argv[0]))
			return e->run(argc - 1, argv + 1, &g);
	lb_print_error("'%s' is not a lifeboat command group; see 'lifeboat --help'", argv[0]);
	return LB_EUSAGE;
}
