/* git-style dispatch: one table of commands per level; each command is one
 * function in its own file. Global options (--root, --json, -q, -v) may stand
 * before the group or among a verb's own options. */
#ifndef LIFEBOAT_CLI_H
#define LIFEBOAT_CLI_H

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

/* getopt_long entries every verb accepts; end a verb's option table with
 * LB_GLOBAL_LONGOPTS and then {0}. Codes are >= 0x1000 except -q/-v/-h. */
enum { LB_OPT_ROOT = 0x1000, LB_OPT_JSON };
#define LB_GLOBAL_LONGOPTS                                                                       \
	{"root", required_argument, NULL, LB_OPT_ROOT}, {"json", no_argument, NULL, LB_OPT_JSON}, \
		{"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},          \
		{"help", no_argument, NULL, 'h'}
#define LB_GLOBAL_SHORTOPTS "qvh"

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
