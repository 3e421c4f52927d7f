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
	char kind[32]; /* "session", "dm", "loop", "mkdir", "mount", "pool", "file";
			  "" for a complete line that is not an entry */
	char arg1[LB_JOURNAL_ARG_MAX];
	char arg2[LB_JOURNAL_ARG_MAX];
	unsigned line_nr; /* from 1, for reports */
};

/* Pure: parses one line (without or with its '\n'). LB_EINTEGRITY if it is
 * not a complete entry. */
int lb_journal_parse_line(const char *line, struct lb_journal_entry *out, struct lb_err *err);

/* Appends one entry durably. The journal must be a regular file (a symlink
 * is not followed). */
int lb_journal_append(const char *path, const char *kind, const char *arg1, const char *arg2,
		      struct lb_err *err);

/* Reads every complete line; *out is malloc'd. A line that does not parse
 * is kept with kind "" (and why in arg1), so teardown can report it; a torn
 * last line (no newline) is what a crash during an append leaves and is
 * dropped. A missing file is LB_ENOTFOUND; a symlink or anything but a
 * regular file is LB_EUNSAFE. */
int lb_journal_load(const char *path, struct lb_journal_entry **out, size_t *n,
		    struct lb_err *err);

#endif
