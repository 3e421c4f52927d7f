/* Options declared once: a verb's one table of options gives getopt_long
 * its long-option array and short-option string, gives --help its Options:
 * section, and says which options exclude each other (git's struct option
 * with parse_options(), util-linux's ul_excl_t). Pure: building, checking
 * and rendering; the only I/O is writing help to the FILE* given. The loop
 * over argv (getopt_long, the usage errors) is lb_opts_next in cli/cli.h. */
#ifndef LIFEBOAT_CLI_OPTS_H
#define LIFEBOAT_CLI_OPTS_H

#include "util/error.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum lb_opt_arg { LB_ARG_NONE, LB_ARG_REQUIRED, LB_ARG_OPTIONAL };

/* An id below this is also the option's short letter ('o' is -o); options
 * with no short letter take ids from here up. */
#define LB_OPT_LONG_ONLY 0x100

/* Help only: this row is named on the next row's line, which describes both
 * ("--base-id M, --base-stream FILE"). */
#define LB_OPT_JOIN 1u
/* Help only: shows the program-wide option `id` (one of the `globals` rows)
 * here, named by its short letter if it has one, else as the global table
 * spells it; described by this row's help, or the global's own if NULL. */
#define LB_OPT_GLOBAL 2u

struct lb_opt {
	int id;                /* what parsing returns; 0 ends a table */
	const char *long_name; /* without "--"; NULL in LB_OPT_GLOBAL rows */
	enum lb_opt_arg arg;
	const char *argname;   /* help: "FILE" shows as "--x FILE"; "[=N]", "=false" attach */
	const char *help;      /* lines split at '\n', each wrapped at 80 columns;
				  NULL: not in help (documented elsewhere in the text) */
	unsigned flags;
};

/* A row that names a global option in a verb's help: see LB_OPT_GLOBAL. */
#define LB_OPT_MENTION(id, help) {(id), NULL, LB_ARG_NONE, NULL, (help), LB_OPT_GLOBAL}

/* Options that exclude each other, by id, ended by 0; a table of groups ends
 * with {0}. */
typedef int lb_opt_excl[8];

/* One command line: its options and the help around them. */
struct lb_opts_spec {
	const char *cmd;           /* "recover mount", for messages */
	const struct lb_opt *opts; /* ended by a row with id 0 */
	const lb_opt_excl *excl;   /* NULL: none */
	const char *help_head;     /* --help before the options (ends "Options:\n") */
	const char *help_tail;     /* --help after them (NULL: nothing) */
	void (*help_tail_fn)(FILE *out); /* or this writes it (a list of columns) */
	/* The rows --help shows when not `opts` (a sub-verb sharing its verb's help). */
	const struct lb_opt *help_opts;
	int name_col; /* help: where a long option with no short letter starts (0: 2) */
	int desc_col; /* help: where descriptions start (0: 21) */
};

/* Lines of help are at most this wide, unless one word is wider. */
#define LB_OPTS_HELP_WIDTH 80
/* Rows one command line may have, its own and the globals together. */
#define LB_OPTS_MAX 64

/* The arrays getopt_long takes, and what was seen so far. */
struct lb_opts_parser {
	const struct lb_opts_spec *spec;
	struct option longopts[LB_OPTS_MAX + 1];
	char shortopts[3 * LB_OPTS_MAX + 2];
	int seen[LB_OPTS_MAX];
	size_t n_seen;
	bool built;
	int rc; /* when lb_opts_next stopped early: LB_OK after help, else the error's */
};

/* Builds p's getopt arrays from spec's rows and then the globals' (prefix
 * starts the short-option string: "" or "+"). Fails (LB_EFAIL, naming the
 * row) on a duplicate long name or short letter, an id 0 or below, a
 * required argument without its name, a JOIN row with no row after it, a
 * GLOBAL row naming no global, or more than LB_OPTS_MAX rows. */
int lb_opts_build(struct lb_opts_parser *p, const struct lb_opts_spec *spec,
		  const struct lb_opt *globals, const char *prefix, struct lb_err *err);

/* Records that option `id` was given. LB_EUSAGE with "--a and --b exclude
 * each other" (in the group's order) if one it excludes was given before. */
int lb_opts_seen(struct lb_opts_parser *p, int id, struct lb_err *err);

/* The row of `id` in rows (a table ended by id 0), or NULL. */
const struct lb_opt *lb_opts_find(const struct lb_opt *rows, int id);

/* Writes the Options: rows of `rows`: "  -o, --output FILE  description",
 * names from name_col (2 with a short letter), descriptions from desc_col
 * (after two spaces, or on the next line, when the name reaches it). */
void lb_opts_help(FILE *out, const struct lb_opt *rows, const struct lb_opt *globals,
		  int name_col, int desc_col);

/* The whole --help of spec: its head, its option rows, its tail. */
void lb_opts_usage(FILE *out, const struct lb_opts_spec *spec, const struct lb_opt *globals);

#endif
