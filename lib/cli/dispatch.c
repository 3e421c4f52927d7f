#include "cli/cli.h"
#include "util/error.h"

#include <stdarg.h>
#include <string.h>

bool lb_global_opt(int c, const char *arg, struct lb_globals *g)
{
	switch (c) {
	case LB_OPT_ROOT:
		g->docker_root = arg;
		return true;
	case LB_OPT_JSON:
		g->json = true;
		return true;
	case 'q':
		g->verbosity--;
		return true;
	case 'v':
		g->verbosity++;
		return true;
	default:
		return false;
	}
}

void lb_print_error(const char *fmt, ...)
{
	va_list ap;
	fputs("lifeboat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int lb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lifeboat %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lifeboat %s --help' for more information.\n", cmd);
	return LB_EUSAGE;
}

void lb_print_table_help(FILE *out, const char *group, const struct lb_cmd *table)
{
	for (const struct lb_cmd *c = table; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'lifeboat %s <verb> --help' for a verb's options.\n", group);
}

int lb_dispatch(const char *group, const struct lb_cmd *table, const char *group_summary,
		int argc, char **argv, struct lb_globals *g)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "--help")) {
		FILE *out = argc < 1 ? stderr : stdout;
		fprintf(out, "Usage: lifeboat %s <verb> [options]\n\n%s\n\nVerbs:\n", group,
			group_summary);
		lb_print_table_help(out, group, table);
		return argc < 1 ? LB_EUSAGE : LB_OK;
	}
	for (const struct lb_cmd *c = table; c->name; c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		optind = 0; /* each level re-parses its own argv with getopt */
		return c->run(argc, argv, g);
	}
	fprintf(stderr, "lifeboat %s: '%s' is not a verb of lifeboat %s (yet)\n", group, argv[0],
		group);
	fprintf(stderr, "Run 'lifeboat help %s' for the verbs that exist.\n", group);
	return LB_EUSAGE;
}
