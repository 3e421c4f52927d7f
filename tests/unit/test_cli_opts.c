/* lib/cli/opts: one table of options gives getopt_long its arrays, --help
 * its Options: rows, and the exclusions; bad tables are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

enum { G_ROOT = 0x1000, G_JSON };
static const struct lb_opt globals[] = {
	{G_ROOT, "root", LB_ARG_REQUIRED, "DIR", "Docker data root"},
	{G_JSON, "json", LB_ARG_NONE, NULL, "machine-readable output"},
	{'q', "quiet", LB_ARG_NONE, NULL, "only errors"},
	{'v', "verbose", LB_ARG_NONE, NULL, "say each step"},
	{'h', "help", LB_ARG_NONE, NULL, "this help"},
	{0},
};

enum { O_ZSTD = LB_OPT_LONG_ONLY, O_FORCE, O_A, O_B, O_C };
static const struct lb_opt verb_opts[] = {
	{'o', "output", LB_ARG_REQUIRED, "FILE", "the image to write"},
	{O_ZSTD, "zstd", LB_ARG_OPTIONAL, "[=LEVEL]", "a zstd stream"},
	{'n', "noheadings", LB_ARG_NONE, NULL, "no headings"},
	{O_FORCE, "force", LB_ARG_NONE, NULL, NULL}, /* hidden from help */
	{O_A, "alpha", LB_ARG_NONE, NULL, "a"},
	{O_B, "beta", LB_ARG_NONE, NULL, "b"},
	{O_C, "gamma", LB_ARG_NONE, NULL, "c"},
	{0},
};

static char *render(const struct lb_opt *rows, int name_col, int desc_col)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	lb_opts_help(f, rows, globals, name_col, desc_col);
	fclose(f);
	return buf;
}

static void expect_help(const struct lb_opt *rows, int name_col, int desc_col, const char *want)
{
	char *got = render(rows, name_col, desc_col);
	assert_string_equal(got, want);
	free(got);
}

static void build_gives_getopt_the_rows_then_the_globals(void **state)
{
	(void)state;
	struct lb_opts_spec spec = {.cmd = "t", .opts = verb_opts};
	struct lb_opts_parser p;
	struct lb_err err = {0};
	assert_int_equal(lb_opts_build(&p, &spec, globals, "+", &err), LB_OK);
	assert_string_equal(p.shortopts, "+o:nqvh");
	const char *want[] = {"output", "zstd", "noheadings", "force", "alpha", "beta", "gamma",
			      "root",   "json", "quiet",      "verbose", "help"};
	const int has_arg[] = {required_argument, optional_argument, no_argument, no_argument,
			       no_argument,       no_argument,       no_argument, required_argument,
			       no_argument,       no_argument,       no_argument, no_argument};
	size_t n = sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(p.longopts[i].name, want[i]);
		assert_int_equal(p.longopts[i].has_arg, has_arg[i]);
		assert_null(p.longopts[i].flag);
	}
	assert_int_equal(p.longopts[0].val, 'o');
	assert_int_equal(p.longopts[1].val, O_ZSTD);
	assert_int_equal(p.longopts[7].val, G_ROOT);
	assert_null(p.longopts[n].name); /* getopt's terminator */
}

/* The arrays work in getopt_long itself: what it returns for an argv. */
static void getopt_long_parses_by_the_built_arrays(void **state)
{
	(void)state;
	struct lb_opts_spec spec = {.cmd = "t", .opts = verb_opts};
	struct lb_opts_parser p;
	struct lb_err err = {0};
	assert_int_equal(lb_opts_build(&p, &spec, globals, "", &err), LB_OK);
	char *argv[] = {"t", "-oimg", "--zstd=7", "--zstd", "-nq", "--root", "/r", "--fo", "x", NULL};
	int argc = 9, c;
	const int want[] = {'o', O_ZSTD, O_ZSTD, 'n', 'q', G_ROOT, O_FORCE};
	const char *want_arg[] = {"img", "7", NULL, NULL, NULL, "/r", NULL};
	size_t i = 0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, p.shortopts, p.longopts, NULL)) != -1) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_int_equal(c, want[i]);
		if (want_arg[i])
			assert_string_equal(optarg, want_arg[i]);
		else
			assert_null(optarg);
		i++;
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	assert_int_equal(optind, 8);
	char *bad[] = {"t", "--zstd-x", NULL};
	optind = 0;
	assert_int_equal(getopt_long(2, bad, p.shortopts, p.longopts, NULL), '?');
}

static int build_one(const struct lb_opt *rows, struct lb_err *err)
{
	struct lb_opts_spec spec = {.cmd = "t", .opts = rows};
	struct lb_opts_parser p;
	return lb_opts_build(&p, &spec, globals, "", err);
}

static void build_refuses_tables_getopt_would_misread(void **state)
{
	(void)state;
	struct lb_err err = {0};
	const struct lb_opt dup_long[] = {{O_A, "alpha", LB_ARG_NONE, NULL, "a"},
					  {O_B, "alpha", LB_ARG_NONE, NULL, "b"},
					  {0}};
	assert_int_equal(build_one(dup_long, &err), LB_EFAIL);
	assert_string_equal(err.msg, "t: option table: --alpha twice");

	const struct lb_opt dup_short[] = {{'o', "output", LB_ARG_REQUIRED, "F", "x"},
					   {'o', "other", LB_ARG_NONE, NULL, "y"},
					   {0}};
	assert_int_equal(build_one(dup_short, &err), LB_EFAIL);
	assert_string_equal(err.msg, "t: option table: -o twice");

	/* A verb's letter or name that a global option has already. */
	const struct lb_opt clash_global_short[] = {{'v', "version", LB_ARG_NONE, NULL, "x"}, {0}};
	assert_int_equal(build_one(clash_global_short, &err), LB_EFAIL);
	assert_string_equal(err.msg, "t: option table: -v twice");
	const struct lb_opt clash_global_long[] = {{O_A, "json", LB_ARG_NONE, NULL, "x"}, {0}};
	assert_int_equal(build_one(clash_global_long, &err), LB_EFAIL);
	assert_string_equal(err.msg, "t: option table: --json twice");

	const struct lb_opt dup_id[] = {{O_A, "alpha", LB_ARG_NONE, NULL, "a"},
					{O_A, "beta", LB_ARG_NONE, NULL, "b"},
					{0}};
	assert_int_equal(build_one(dup_id, &err), LB_EFAIL);
	assert_string_equal(err.msg, "t: option table: id 0x102 twice");

	/* An id from an enum starting at 1 is no short letter. */
	const struct lb_opt no_letter[] = {{1, "alpha", LB_ARG_NONE, NULL, "a"}, {0}};
	assert_int_equal(build_one(no_letter, &err), LB_EFAIL);
	assert_non_null(strstr(err.msg, "--alpha has id 1"));
	const struct lb_opt question[] = {{'?', "alpha", LB_ARG_NONE, NULL, "a"}, {0}};
	assert_int_equal(build_one(question, &err), LB_EFAIL);

	const struct lb_opt no_argname[] = {{O_A, "alpha", LB_ARG_REQUIRED, NULL, "a"}, {0}};
	assert_int_equal(build_one(no_argname, &err), LB_EFAIL);
	const struct lb_opt join_last[] = {{O_A, "alpha", LB_ARG_NONE, NULL, NULL, LB_OPT_JOIN}, {0}};
	assert_int_equal(build_one(join_last, &err), LB_EFAIL);
	const struct lb_opt no_global[] = {LB_OPT_MENTION(0x4242, "x"), {0}};
	assert_int_equal(build_one(no_global, &err), LB_EFAIL);
	const struct lb_opt no_name[] = {{O_A, NULL, LB_ARG_NONE, NULL, "a"}, {0}};
	assert_int_equal(build_one(no_name, &err), LB_EFAIL);

	/* An optional argument of a short option is "::" for getopt. */
	const struct lb_opt optional_short[] = {{'z', "zeta", LB_ARG_OPTIONAL, "[=N]", "z"}, {0}};
	struct lb_opts_spec spec = {.cmd = "t", .opts = optional_short};
	struct lb_opts_parser p;
	assert_int_equal(lb_opts_build(&p, &spec, globals, "", &err), LB_OK);
	assert_string_equal(p.shortopts, "z::qvh");

	struct lb_opt many[LB_OPTS_MAX + 2];
	char names[LB_OPTS_MAX + 1][16];
	for (int i = 0; i <= LB_OPTS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "o%d", i);
		many[i] = (struct lb_opt){LB_OPT_LONG_ONLY + i, names[i], LB_ARG_NONE, NULL, "x"};
	}
	many[LB_OPTS_MAX + 1] = (struct lb_opt){0};
	assert_int_equal(build_one(many, &err), LB_EFAIL);
	assert_non_null(strstr(err.msg, "over 64 options"));
}

static void help_aligns_descriptions_at_their_column(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {
		{'o', "output", LB_ARG_REQUIRED, "FILE", "the image to write (required)"},
		{O_ZSTD, "zstd", LB_ARG_OPTIONAL, "[=LEVEL]", "a zstd stream"},
		{O_A, "daemon-json", LB_ARG_REQUIRED, "FILE", "one space left"},
		{O_B, "tls-verify", LB_ARG_REQUIRED, "=false", "attached"},
		{O_FORCE, "force", LB_ARG_NONE, NULL, NULL},
		{O_C, "gamma", LB_ARG_NONE, NULL, "two\nlines"},
		{0},
	};
	expect_help(rows, 2, 21, "  -o, --output FILE  the image to write (required)\n"
		    "  --zstd[=LEVEL]     a zstd stream\n"
		    "  --daemon-json FILE one space left\n"
		    "  --tls-verify=false attached\n"
		    "  --gamma            two\n"
		    "                     lines\n");
	/* util-linux's layout: long-only names under the long names of -x rows. */
	expect_help(rows, 6, 23, "  -o, --output FILE    the image to write (required)\n"
		    "      --zstd[=LEVEL]   a zstd stream\n"
		    "      --daemon-json FILE  one space left\n"
		    "      --tls-verify=false  attached\n"
		    "      --gamma          two\n"
		    "                       lines\n");
}

static void a_long_name_takes_two_spaces_or_the_next_line(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {
		{O_A, "platform", LB_ARG_REQUIRED, "OS/ARCH[/VARIANT]", "fits after\nthe name"},
		{O_B, "format", LB_ARG_REQUIRED, "oci|docker-archive",
		 "a first line that would not fit after the name, being long\ncontinued"},
		{0},
	};
	expect_help(rows, 2, 21, "  --platform OS/ARCH[/VARIANT]  fits after\n"
		    "                     the name\n"
		    "  --format oci|docker-archive\n"
		    "                     a first line that would not fit after the name, being long\n"
		    "                     continued\n");
}

static void lines_wider_than_80_columns_wrap_at_a_space(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {
		{O_A, "alpha", LB_ARG_NONE, NULL,
		 "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
		 "fifteen"},
		{O_B, "beta", LB_ARG_NONE, NULL,
		 "/a/path/with/no/spaces/that/is/wider/than/the/room/left/after/the/column/x.prom"},
		{0},
	};
	char *got = render(rows, 2, 21);
	assert_string_equal(got, "  --alpha            one two three four five six seven eight nine ten eleven\n"
				 "                     twelve thirteen fourteen fifteen\n"
				 "  --beta             "
				 "/a/path/with/no/spaces/that/is/wider/than/the/room/left/after/the/column/x.prom\n");
	/* Every line within the width, but the one with the unbreakable word. */
	for (char *line = got; *line;) {
		size_t len = strcspn(line, "\n");
		if (strncmp(line, "  --beta", 8))
			assert_true(len <= LB_OPTS_HELP_WIDTH);
		line += len + (line[len] == '\n');
	}
	free(got);
}

/* 80 columns fit; 81 do not. */
static void the_width_is_80_columns_exactly(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {
		/* 21 + 59 = 80 */
		{O_A, "alpha", LB_ARG_NONE, NULL, "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff"},
		/* 21 + 60 = 81 */
		{O_B, "beta", LB_ARG_NONE, NULL, "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee ffffffffff"},
		{0},
	};
	expect_help(rows, 2, 21, "  --alpha            aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff\n"
		    "  --beta             aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee\n"
		    "                     ffffffffff\n");
}

static void joined_rows_and_mentions_of_globals(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {
		{O_A, "base-id", LB_ARG_REQUIRED, "M", NULL, LB_OPT_JOIN},
		{O_B, "base-stream", LB_ARG_REQUIRED, "FILE", "both, described once"},
		LB_OPT_MENTION(G_ROOT, NULL),
		LB_OPT_MENTION(G_JSON, "as JSON, the verb's way"),
		{'q', NULL, LB_ARG_NONE, NULL, NULL, LB_OPT_GLOBAL | LB_OPT_JOIN},
		LB_OPT_MENTION('v', "quieter, more verbose"),
		LB_OPT_MENTION('q', "no warnings"),
		{0},
	};
	expect_help(rows, 6, 23, "      --base-id M, --base-stream FILE  both, described once\n"
		    "      --root DIR       Docker data root\n"
		    "      --json           as JSON, the verb's way\n"
		    "  -q, -v               quieter, more verbose\n"
		    "  -q                   no warnings\n");
}

static void usage_is_head_rows_tail(void **state)
{
	(void)state;
	const struct lb_opt rows[] = {{O_A, "alpha", LB_ARG_NONE, NULL, "a"}, {0}};
	const struct lb_opts_spec spec = {.cmd = "t", .opts = rows, .help_head = "Usage: t\n\nOptions:\n",
					  .help_tail = "\nExit codes: 0 ok.\n", .desc_col = 12};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lb_opts_usage(f, &spec, globals);
	fclose(f);
	assert_string_equal(buf, "Usage: t\n\nOptions:\n  --alpha   a\n\nExit codes: 0 ok.\n");
	free(buf);
}

static const lb_opt_excl excl[] = {{O_A, O_B, O_C}, {'o', O_ZSTD}, {0}};

static void exclusions_are_found_whichever_comes_first(void **state)
{
	(void)state;
	struct lb_opts_spec spec = {.cmd = "t", .opts = verb_opts, .excl = excl};
	struct lb_opts_parser p;
	struct lb_err err = {0};
	assert_int_equal(lb_opts_build(&p, &spec, globals, "", &err), LB_OK);
	/* Unrelated options, and one option twice, are fine. */
	assert_int_equal(lb_opts_seen(&p, 'n', &err), LB_OK);
	assert_int_equal(lb_opts_seen(&p, O_C, &err), LB_OK);
	assert_int_equal(lb_opts_seen(&p, O_C, &err), LB_OK);
	assert_int_equal(lb_opts_seen(&p, 'o', &err), LB_OK);
	/* Named in the group's order, not the command line's. */
	assert_int_equal(lb_opts_seen(&p, O_A, &err), LB_EUSAGE);
	assert_string_equal(err.msg, "--alpha and --gamma exclude each other");
	assert_int_equal(lb_opts_seen(&p, O_ZSTD, &err), LB_EUSAGE);
	assert_string_equal(err.msg, "--output and --zstd exclude each other");

	assert_int_equal(lb_opts_build(&p, &spec, globals, "", &err), LB_OK);
	assert_int_equal(lb_opts_seen(&p, O_A, &err), LB_OK);
	assert_int_equal(lb_opts_seen(&p, O_B, &err), LB_EUSAGE);
	assert_string_equal(err.msg, "--alpha and --beta exclude each other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_gives_getopt_the_rows_then_the_globals),
		cmocka_unit_test(getopt_long_parses_by_the_built_arrays),
		cmocka_unit_test(build_refuses_tables_getopt_would_misread),
		cmocka_unit_test(help_aligns_descriptions_at_their_column),
		cmocka_unit_test(a_long_name_takes_two_spaces_or_the_next_line),
		cmocka_unit_test(lines_wider_than_80_columns_wrap_at_a_space),
		cmocka_unit_test(the_width_is_80_columns_exactly),
		cmocka_unit_test(joined_rows_and_mentions_of_globals),
		cmocka_unit_test(usage_is_head_rows_tail),
		cmocka_unit_test(exclusions_are_found_whichever_comes_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
