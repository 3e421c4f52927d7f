#include "cli/opts.h"

#include <ctype.h>
#include <string.h>

const struct lb_opt *lb_opts_find(const struct lb_opt *rows, int id)
{
	for (const struct lb_opt *r = rows; r && r->id; r++)
		if (r->id == id && !(r->flags & LB_OPT_GLOBAL))
			return r;
	return NULL;
}

static bool has_short(int id)
{
	return id < LB_OPT_LONG_ONLY;
}

/* Appends the getopt entries of rows' own options (not their mentions). */
static int add_rows(struct lb_opts_parser *p, const struct lb_opt *rows, const char *cmd,
		    size_t *n, size_t *s, struct lb_err *err)
{
	for (const struct lb_opt *r = rows; r && r->id; r++) {
		if (r->flags & LB_OPT_JOIN && !r[1].id)
			return lb_fail(err, LB_EFAIL, "%s: option table: a joined row ends it", cmd);
		if (r->flags & LB_OPT_GLOBAL)
			continue;
		if (r->id < 0 || !r->long_name || !r->long_name[0])
			return lb_fail(err, LB_EFAIL, "%s: option table: row %d has no long name or a "
				       "negative id", cmd, (int)(r - rows));
		/* An id below LB_OPT_LONG_ONLY is a short letter: getopt takes
		 * letters and digits ('?' and ':' mean something to it). */
		if (has_short(r->id) && !isalnum(r->id))
			return lb_fail(err, LB_EFAIL, "%s: option table: --%s has id %d, no letter "
				       "(long-only ids start at LB_OPT_LONG_ONLY)", cmd, r->long_name, r->id);
		if (r->arg != LB_ARG_NONE && r->help && !r->argname)
			return lb_fail(err, LB_EFAIL, "%s: option table: --%s takes an argument "
				       "with no name for help", cmd, r->long_name);
		for (size_t k = 0; k < *n; k++) {
			if (!strcmp(p->longopts[k].name, r->long_name))
				return lb_fail(err, LB_EFAIL, "%s: option table: --%s twice", cmd,
					       r->long_name);
			if (p->longopts[k].val == r->id)
				return has_short(r->id)
					       ? lb_fail(err, LB_EFAIL, "%s: option table: -%c twice",
							 cmd, r->id)
					       : lb_fail(err, LB_EFAIL, "%s: option table: id %#x twice",
							 cmd, (unsigned)r->id);
		}
		if (*n == LB_OPTS_MAX)
			return lb_fail(err, LB_EFAIL, "%s: option table: over %d options", cmd,
				       LB_OPTS_MAX);
		static const int getopt_arg[] = {
			[LB_ARG_NONE] = no_argument,
			[LB_ARG_REQUIRED] = required_argument,
			[LB_ARG_OPTIONAL] = optional_argument,
		};
		p->longopts[(*n)++] = (struct option){r->long_name, getopt_arg[r->arg], NULL, r->id};
		if (has_short(r->id)) {
			p->shortopts[(*s)++] = (char)r->id;
			if (r->arg != LB_ARG_NONE)
				p->shortopts[(*s)++] = ':';
			if (r->arg == LB_ARG_OPTIONAL)
				p->shortopts[(*s)++] = ':';
		}
	}
	return LB_OK;
}

int lb_opts_build(struct lb_opts_parser *p, const struct lb_opts_spec *spec,
		  const struct lb_opt *globals, const char *prefix, struct lb_err *err)
{
	memset(p, 0, sizeof(*p));
	p->spec = spec;
	size_t n = 0, s = strlen(prefix);
	if (s > 2)
		return lb_fail(err, LB_EFAIL, "%s: option prefix '%s' too long", spec->cmd, prefix);
	memcpy(p->shortopts, prefix, s);
	int rc = add_rows(p, spec->opts, spec->cmd, &n, &s, err);
	if (!rc)
		rc = add_rows(p, globals, spec->cmd, &n, &s, err);
	if (rc)
		return rc;
	const struct lb_opt *shown[] = {spec->opts, spec->help_opts};
	for (size_t t = 0; t < 2; t++)
		for (const struct lb_opt *r = shown[t]; r && r->id; r++)
			if (r->flags & LB_OPT_GLOBAL && !lb_opts_find(globals, r->id))
				return lb_fail(err, LB_EFAIL,
					       "%s: option table: mentions global %#x, which is none",
					       spec->cmd, (unsigned)r->id);
	p->built = true;
	return LB_OK;
}

static bool was_seen(const struct lb_opts_parser *p, int id)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (p->seen[i] == id)
			return true;
	return false;
}

static const char *long_name(const struct lb_opts_parser *p, int id)
{
	const struct lb_opt *r = lb_opts_find(p->spec->opts, id);
	return r ? r->long_name : "?";
}

int lb_opts_seen(struct lb_opts_parser *p, int id, struct lb_err *err)
{
	const size_t group_max = sizeof(lb_opt_excl) / sizeof(int);
	for (const lb_opt_excl *g = p->spec->excl; g && (*g)[0]; g++) {
		size_t at = group_max;
		for (size_t k = 0; k < group_max && (*g)[k]; k++)
			if ((*g)[k] == id)
				at = k;
		for (size_t k = 0; at < group_max && k < group_max && (*g)[k]; k++) {
			if (k == at || !was_seen(p, (*g)[k]))
				continue;
			/* Named in the group's order, whichever came first. */
			int first = k < at ? (*g)[k] : id, second = k < at ? id : (*g)[k];
			return lb_fail(err, LB_EUSAGE, "--%s and --%s exclude each other",
				       long_name(p, first), long_name(p, second));
		}
	}
	if (!was_seen(p, id) && p->n_seen < LB_OPTS_MAX)
		p->seen[p->n_seen++] = id;
	return LB_OK;
}

static void pad(FILE *out, int from, int to)
{
	for (int c = from; c < to; c++)
		fputc(' ', out);
}

/* One line of a description, from desc_col: broken at the last space that
 * keeps it within LB_OPTS_HELP_WIDTH, going on at desc_col; a word wider
 * than that stays whole. */
static void put_wrapped(FILE *out, const char *text, size_t len, int desc_col)
{
	const size_t room = desc_col < LB_OPTS_HELP_WIDTH ? (size_t)(LB_OPTS_HELP_WIDTH - desc_col) : 0;
	while (len > room) {
		size_t cut = 0;
		for (size_t i = room; i > 0 && !cut; i--)
			if (text[i] == ' ')
				cut = i;
		for (size_t i = room + 1; i < len && !cut; i++)
			if (text[i] == ' ')
				cut = i;
		if (!cut)
			break;
		fwrite(text, 1, cut, out);
		fputc('\n', out);
		pad(out, 0, desc_col);
		text += cut + 1;
		len -= cut + 1;
	}
	fwrite(text, 1, len, out);
	fputc('\n', out);
}

/* A row: its names, then its description from desc_col; a name that reaches
 * desc_col gets the first line after two spaces if it fits whole, else the
 * description starts on the next line. */
static void put_row(FILE *out, int indent, const char *names, const char *help, int desc_col)
{
	pad(out, 0, indent);
	fputs(names, out);
	size_t col = (size_t)indent + strlen(names), first_len = strcspn(help, "\n");
	if (col >= (size_t)desc_col) {
		if (col + 2 + first_len <= LB_OPTS_HELP_WIDTH) {
			fprintf(out, "  %.*s\n", (int)first_len, help);
			if (!help[first_len])
				return;
			help += first_len + 1;
		} else {
			fputc('\n', out);
		}
		col = 0;
	}
	for (;;) {
		pad(out, (int)col, desc_col);
		size_t len = strcspn(help, "\n");
		put_wrapped(out, help, len, desc_col);
		if (!help[len])
			return;
		help += len + 1;
		col = 0;
	}
}

/* Appends what --help calls row r: "-o, --output FILE", "--zstd[=LEVEL]", or
 * for a mention of a global, "-q" or "--root DIR". */
static void append_name(char *buf, size_t cap, const struct lb_opt *r, bool mention)
{
	size_t at = strlen(buf);
	if (mention && has_short(r->id))
		snprintf(buf + at, cap - at, "-%c", r->id);
	else if (has_short(r->id))
		snprintf(buf + at, cap - at, "-%c, --%s", r->id, r->long_name);
	else
		snprintf(buf + at, cap - at, "--%s", r->long_name);
	at = strlen(buf);
	if (r->argname)
		snprintf(buf + at, cap - at, "%s%s", strchr("[=", r->argname[0]) ? "" : " ",
			 r->argname);
}

void lb_opts_help(FILE *out, const struct lb_opt *rows, const struct lb_opt *globals,
		  int name_col, int desc_col)
{
	if (!name_col)
		name_col = 2;
	if (!desc_col)
		desc_col = 21;
	char names[512] = "";
	int indent = -1;
	for (const struct lb_opt *r = rows; r && r->id; r++) {
		bool mention = r->flags & LB_OPT_GLOBAL;
		const struct lb_opt *named = mention ? lb_opts_find(globals, r->id) : r;
		if (!named)
			continue;
		const char *help = r->help ? r->help : mention ? named->help : NULL;
		if (!help && !(r->flags & LB_OPT_JOIN)) {
			names[0] = '\0'; /* hidden, and whatever was joined to it */
			indent = -1;
			continue;
		}
		if (indent < 0)
			indent = has_short(named->id) ? 2 : name_col;
		if (names[0])
			strncat(names, ", ", sizeof(names) - strlen(names) - 1);
		append_name(names, sizeof(names), named, mention);
		if (r->flags & LB_OPT_JOIN)
			continue;
		put_row(out, indent, names, help, desc_col);
		names[0] = '\0';
		indent = -1;
	}
}

void lb_opts_usage(FILE *out, const struct lb_opts_spec *spec, const struct lb_opt *globals)
{
	if (spec->help_head)
		fputs(spec->help_head, out);
	lb_opts_help(out, spec->help_opts ? spec->help_opts : spec->opts, globals, spec->name_col,
		     spec->desc_col);
	if (spec->help_tail)
		fputs(spec->help_tail, out);
	if (spec->help_tail_fn)
		spec->help_tail_fn(out);
}
