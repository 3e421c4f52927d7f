#include "cli/cli.h"
#include "util/error.h"

#include <stdarg.h>
#include <string.h>

const struct lb_opt lb_global_opts[] = {
	{LB_OPT_ROOT, "root", LB_ARG_REQUIRED, "DIR", "Docker data root (default /var/lib/docker)"},
	{LB_OPT_JSON, "json", LB_ARG_NONE, NULL, "machine-readable output"},
	{'q', "quiet", LB_ARG_NONE, NULL, "only errors and the essential result"},
	{'v', "verbose", LB_ARG_NONE, NULL, "say each step (repeat for more)"},
	{'h', "help", LB_ARG_NONE, NULL, "this help"},
	{0},
};

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

int lb_opts_next(struct lb_opts_parser *p, int argc, char **argv, struct lb_globals *g)
{
	const struct lb_opts_spec *spec = p->spec;
	struct lb_err err = {0};
	if (!p->built && lb_opts_build(p, spec, lb_global_opts, "", &err)) {
		lb_print_error("%s", err.msg);
		p->rc = err.code;
		return -1;
	}
	for (;;) {
		/* getopt_long itself says what was wrong with an option first. */
		int c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);
		if (c == -1)
			return 0;
		if (c == '?' || c == ':') {
			p->rc = lb_usage_error(spec->cmd, "unknown option");
			return -1;
		}
		if (c == 'h') {
			lb_opts_usage(stdout, spec, lb_global_opts);
			p->rc = LB_OK;
			return -1;
		}
		if (lb_opts_seen(p, c, &err)) {
			p->rc = lb_usage_error(spec->cmd, "%s", err.msg);
			return -1;
		}
		if (!lb_global_opt(c, optarg, g))
			return c;
	}
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
