/* lsblk-style tables through libsmartcols, shared by the `ls`-like verbs:
 * a verb describes its columns once; -o/--output picks them ("+COL,..."
 * adds to the defaults, as in lsblk), -n/--noheadings and -r/--raw style
 * them, and --help lists them. Cells come from a callback, so the verb's
 * rows stay its own structures. */
#ifndef LIFEBOAT_TABLE_H
#define LIFEBOAT_TABLE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LB_TABLE_MAX_COLUMNS 64

enum lb_table_col_flags {
	LB_COL_RIGHT = 1 << 0, /* numbers */
	LB_COL_TRUNC = 1 << 1, /* may be truncated to fit the terminal */
	LB_COL_WRAP = 1 << 2,  /* long text (messages) may wrap */
};

struct lb_table_column {
	const char *name; /* as -o takes it, upper case: "DEVICE-ID" */
	const char *help; /* one line for --help */
	double width_hint; /* libsmartcols whint: < 1 a fraction of the terminal */
	unsigned flags;    /* enum lb_table_col_flags */
};

struct lb_table_select {
	size_t col[LB_TABLE_MAX_COLUMNS]; /* indexes into the column table */
	size_t n;
};

struct lb_table_style {
	bool noheadings;
	bool raw;
};

/* Picks columns from `list` ("NAME,SIZE"; "+SIZE" appends to `defaults`;
 * NULL means the defaults). Names are case-insensitive. An unknown name is
 * LB_EUSAGE naming it. */
int lb_table_select(const struct lb_table_column *cols, size_t n_cols, const char *defaults,
		    const char *list, struct lb_table_select *out, struct lb_err *err);

/* Adds a column by name unless it is selected already. */
int lb_table_select_add(const struct lb_table_column *cols, size_t n_cols, const char *name,
			struct lb_table_select *sel, struct lb_err *err);

/* The text of one cell; may return a constant or fill buf. NULL or "" is an
 * empty cell. */
typedef const char *(*lb_table_cell_fn)(void *ctx, size_t row, size_t col, char *buf,
					size_t cap);

int lb_table_print(FILE *out, const struct lb_table_column *cols,
		   const struct lb_table_select *sel, size_t n_rows, lb_table_cell_fn cell,
		   void *ctx, const struct lb_table_style *style, struct lb_err *err);

/* "  NAME         help" lines for --help. */
void lb_table_help(FILE *out, const struct lb_table_column *cols, size_t n_cols);

#endif
