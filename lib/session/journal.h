/* The journal of what a recover session created, under /run/lifeboat/, so
 * teardown removes exactly that, even after lifeboat was killed midway.
 * Each step is appended (and fsynced) BEFORE it is carried out; teardown
 * undoes steps in reverse and treats a step whose object is absent as done.
 * One line per step: "<kind>\t<arg1>\t<arg2>\n"; a torn last line (power
 * loss during the append) is ignored. */
#ifndef LIFEBOAT_JOURNAL_H
#define LIFEBOAT_JOURNAL_H

#include "util/error.h"

#include <stddef.h>

#define LB_JOURNAL_ARG_MAX 512

struct lb_journal_entry {
	char kind[32]; /* "session", "dm", "loop", "mkdir", "mount", "pool" */
	char arg1[LB_JOURNAL_ARG_MAX];
	char arg2[LB_JOURNAL_ARG_MAX];
};

/* Pure: parses one line (without or with its '\n'). LB_EINTEGRITY if it is
 * not a complete entry. */
int lb_journal_parse_line(const char *line, struct lb_journal_entry *out, struct lb_err *err);

/* Appends one entry durably. */
int lb_journal_append(const char *path, const char *kind, const char *arg1, const char *arg2,
		      struct lb_err *err);

/* Reads all complete entries; *out is malloc'd. A missing file is LB_ENOTFOUND. */
int lb_journal_load(const char *path, struct lb_journal_entry **out, size_t *n,
		    struct lb_err *err);

#endif
