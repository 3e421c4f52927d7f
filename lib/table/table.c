#include "table/table.h"

#include <libsmartcols.h>
#include <string.h>
#include <strings.h>

static int find_column(const struct lb_table_column *cols, size_t n_cols, const char *name,
		       size_t len, size_t *out)
{
	for (size_t i = 0; i < n_cols; i++) {
		if (strlen(cols[i].name) == len && strncasecmp(cols[i].name, name, len) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static int add_list(const struct lb_table_column *cols, size_t n_cols, const char *list,
		    struct lb_table_select *sel, struct lb_err *err)
{
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t idx;
		if (len == 0 || find_column(cols, n_cols, p, len, &idx) != 0)
			return lb_fail(err, LB_EUSAGE, "--output: unknown column '%.*s'", (int)len, p);
		if (sel->n == LB_TABLE_MAX_COLUMNS)
			return lb_fail(err, LB_EUSAGE, "--output: too many columns");
		sel->col[sel->n++] = idx;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int lb_table_select(const struct lb_table_column *cols, size_t n_cols, const char *defaults,
		    const char *list, struct lb_table_select *out, struct lb_err *err)
{
	out->n = 0;
	if (!list || list[0] == '+') {
		int rc = add_list(cols, n_cols, defaults, out, err);
		if (rc || !list)
			return rc;
		list++;
	}
	return add_list(cols, n_cols, list, out, err);
}

int lb_table_select_add(const struct lb_table_column *cols, size_t n_cols, const char *name,
			struct lb_table_select *sel, struct lb_err *err)
{
	size_t idx;
	if (find_column(cols, n_cols, name, strlen(name), &idx) != 0)
		return lb_fail(err, LB_EUSAGE, "--output: unknown column '%s'", name);
	for (size_t i = 0; i < sel->n; i++)
		if (sel->col[i] == idx)
			return 0;
	return add_list(cols, n_cols, name, sel, err);
}

static int scols_flags(unsigned flags)
{
	return (flags & LB_COL_RIGHT ? SCOLS_FL_RIGHT : 0) |
	       (flags & LB_COL_TRUNC ? SCOLS_FL_TRUNC : 0) |
	       (flags & LB_COL_WRAP ? SCOLS_FL_WRAP : 0);
}

int lb_table_print(FILE *out, const struct lb_table_column *cols,
		   const struct lb_table_select *sel, size_t n_rows, lb_table_cell_fn cell,
		   void *ctx, const struct lb_table_style *style, struct lb_err *err)
{
	struct libscols_table *tb = scols_new_table();
	int rc = 0;
	if (!tb)
		return lb_fail(err, LB_EFAIL, "table: out of memory");
	scols_table_enable_noheadings(tb, style->noheadings);
	scols_table_enable_raw(tb, style->raw);
	scols_table_set_stream(tb, out);
	for (size_t c = 0; c < sel->n && !rc; c++) {
		const struct lb_table_column *col = &cols[sel->col[c]];
		if (!scols_table_new_column(tb, col->name, col->width_hint, scols_flags(col->flags)))
			rc = lb_fail(err, LB_EFAIL, "table: out of memory");
	}
	for (size_t r = 0; r < n_rows && !rc; r++) {
		struct libscols_line *line = scols_table_new_line(tb, NULL);
		for (size_t c = 0; line && c < sel->n && !rc; c++) {
			char buf[256];
			const char *text = cell(ctx, r, sel->col[c], buf, sizeof(buf));
			if (text && text[0] && scols_line_set_data(line, c, text) != 0)
				rc = lb_fail(err, LB_EFAIL, "table: out of memory");
		}
		if (!line)
			rc = lb_fail(err, LB_EFAIL, "table: out of memory");
	}
	if (!rc && scols_print_table(tb) != 0)
		rc = lb_fail(err, LB_EFAIL, "table: cannot print");
	scols_unref_table(tb);
	return rc;
}

void lb_table_help(FILE *out, const struct lb_table_column *cols, size_t n_cols)
{
	for (size_t i = 0; i < n_cols; i++)
		fprintf(out, "  %-13s %s\n", cols[i].name, cols[i].help);
}
