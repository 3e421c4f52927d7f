/* git-style dispatch: one table of commands per level; each command is one
 * function in its own file. Global options (--root, --json, -q, -v) may stand
 * before the group or among a verb's own options. */
#ifndef LIFEBOAT_CLI_H
#define LIFEBOAT_CLI_H

#include "cli/opts.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct lb_globals {
	const char *docker_root; /* --root, default /var/lib/docker */
	bool json;               /* --json */
	int verbosity;           /* -q lowers, -v raises; 0 is normal */
};

struct lb_cmd {
	const char *name;
	int (*run)(int argc, char **argv, struct lb_globals *g);
	const char *summary; /* one line for help listings */
};

/* The options every verb accepts, declared once (lib/cli/dispatch.c): --root,
 * --json, -q, -v, -h. A verb's table names them in its help with
 * LB_OPT_MENTION rows; its getopt arrays get them all. */
enum { LB_OPT_ROOT = 0x1000, LB_OPT_JSON };
extern const struct lb_opt lb_global_opts[];

/* Rows verbs share: --daemon-json, and the "-q, -v" line of a help. */
#define LB_OPT_DAEMON_JSON_ROW(id)                                                         \
	{(id), "daemon-json", LB_ARG_REQUIRED, "FILE",                                     \
	 "Docker's daemon config (default /etc/docker/daemon.json)"}
#define LB_OPT_MENTION_QV(help) {'q', NULL, LB_ARG_NONE, NULL, NULL, LB_OPT_GLOBAL | LB_OPT_JOIN}, \
	LB_OPT_MENTION('v', help)

/* The next option of argv by p->spec's table (built on the first call): its
 * id, with its argument in optarg; global ones are applied to g and not
 * returned. 0 at the end (optind is the first operand). -1 when the verb
 * is to return p->rc: LB_OK after --help was printed, LB_EUSAGE after a
 * usage error (unknown option, missing argument, options that exclude each
 * other) was printed. */
int lb_opts_next(struct lb_opts_parser *p, int argc, char **argv, struct lb_globals *g);

/* Handles a global option code; returns true if it was one. */
bool lb_global_opt(int c, const char *arg, struct lb_globals *g);

/* Runs the command of `table` named argv[0]; prints group help for "help",
 * -h or no verb. `group` names the level for messages ("recover"). */
int lb_dispatch(const char *group, const struct lb_cmd *table, const char *group_summary,
		int argc, char **argv, struct lb_globals *g);

/* Prints "lifeboat: msg" to stderr. */
void lb_print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the usage error, a hint to --help, and returns LB_EUSAGE. */
int lb_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void lb_print_table_help(FILE *out, const char *group, const struct lb_cmd *table);

/* Prints the version, git revision and the loaded libraries' versions. */
void lb_print_version(FILE *out);

#endif
