/* lib/util/say: one path for operator lines, and the verbosity decides:
 * warnings always, notes unless -q, steps only with -v. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/say.h"

/* What one line of each level prints at `verbosity`. */
static char *said_at(int verbosity)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	const struct lb_say s = {verbosity, out};
	lb_say(&s, LB_SAY_WARN, "warn %d", 1);
	lb_say(&s, LB_SAY_NOTE, "note %s", "two");
	lb_say(&s, LB_SAY_INFO, "info %u", 3u);
	fclose(out);
	return text;
}

static void each_level_shows_from_its_verbosity(void **state)
{
	(void)state;
	const struct {
		int verbosity;
		const char *want;
	} cases[] = {
		{-2, "lifeboat: warn 1\n"},
		{-1, "lifeboat: warn 1\n"},
		{0, "lifeboat: warn 1\nlifeboat: note two\n"},
		{1, "lifeboat: warn 1\nlifeboat: note two\nlifeboat: info 3\n"},
		{3, "lifeboat: warn 1\nlifeboat: note two\nlifeboat: info 3\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = said_at(cases[i].verbosity);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void no_context_or_stream_says_nothing(void **state)
{
	(void)state;
	lb_say(NULL, LB_SAY_WARN, "nowhere %d", 1);
	const struct lb_say quiet = {5, NULL};
	lb_say(&quiet, LB_SAY_WARN, "nowhere %d", 2);
	assert_false(lb_say_shown(NULL, LB_SAY_WARN));
	assert_false(lb_say_shown(&quiet, LB_SAY_WARN));
}

static void a_long_line_is_cut_not_overrun(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	const struct lb_say s = {0, out};
	char *big = malloc(20000);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	lb_say(&s, LB_SAY_NOTE, "%s", big);
	fclose(out);
	assert_true(len > 4096 && len < 19999);
	assert_int_equal(text[len - 1], '\n');
	free(big);
	free(text);
}

struct captured {
	char line[64];
	int calls;
};

static void capture(void *ctx, const char *line)
{
	struct captured *c = ctx;
	snprintf(c->line, sizeof(c->line), "%s", line);
	c->calls++;
}

static void sayf_formats_for_a_callback(void **state)
{
	(void)state;
	struct captured c = {0};
	lb_sayf(capture, &c, "%s: released root %d", "pool", 7);
	assert_string_equal(c.line, "pool: released root 7");
	assert_int_equal(c.calls, 1);
	lb_sayf(NULL, &c, "dropped");
	assert_int_equal(c.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_level_shows_from_its_verbosity),
		cmocka_unit_test(no_context_or_stream_says_nothing),
		cmocka_unit_test(a_long_line_is_cut_not_overrun),
		cmocka_unit_test(sayf_formats_for_a_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
