/* lib/util/printable: text from files made safe to show, and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/printable.h"

static void printable_ascii_stays_as_it_is(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(lb_printable(out, sizeof(out), "/web-1_x.y"), "/web-1_x.y");
}

static void control_bytes_backslash_and_non_ascii_become_escapes(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(lb_printable(out, sizeof(out), "a\x1b[2Jb"), "a\\x1b[2Jb");
	assert_string_equal(lb_printable(out, sizeof(out), "\n\t\x7f"), "\\x0a\\x09\\x7f");
	assert_string_equal(lb_printable(out, sizeof(out), "x\\y"), "x\\x5cy");
	assert_string_equal(lb_printable(out, sizeof(out), "\xff\xc3\xa9"), "\\xff\\xc3\\xa9");
	/* Bytes past a NUL count when a length is given. */
	assert_string_equal(lb_printable_n(out, sizeof(out), "a\0b", 3), "a\\x00b");
}

static void a_cut_never_splits_an_escape(void **state)
{
	(void)state;
	char out[6];
	/* Room for 5 characters: "ab" fits, "\xff" (4 more) does not. */
	assert_string_equal(lb_printable(out, sizeof(out), "ab\xff"), "ab");
	assert_string_equal(lb_printable(out, sizeof(out), "abcdefgh"), "abcde");
	char one[1];
	assert_string_equal(lb_printable(one, sizeof(one), "abc"), "");
}

static void decoding_gives_back_the_bytes(void **state)
{
	(void)state;
	const char *const samples[] = {"plain", "a\x1b[2Jb", "x\\y", "\xff\xfe-init", "\\x41", "../.."};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char shown[LB_PRINTABLE_CAP(16)], back[32];
		lb_printable(shown, sizeof(shown), samples[i]);
		for (const char *p = shown; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		assert_true(lb_unprintable(back, sizeof(back), shown));
		assert_string_equal(back, samples[i]);
	}
}

static void decoding_refuses_what_is_no_printable_form(void **state)
{
	(void)state;
	char back[16];
	assert_false(lb_unprintable(back, sizeof(back), "a\\"));     /* lone backslash */
	assert_false(lb_unprintable(back, sizeof(back), "a\\x4"));   /* short escape */
	assert_false(lb_unprintable(back, sizeof(back), "a\\n"));    /* not \xNN */
	assert_false(lb_unprintable(back, sizeof(back), "a\\x4G"));  /* not hex */
	assert_false(lb_unprintable(back, sizeof(back), "a\\x00b")); /* a NUL */
	assert_false(lb_unprintable(back, 4, "abcd"));               /* does not fit */
	assert_true(lb_unprintable(back, 5, "abcd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(printable_ascii_stays_as_it_is),
		cmocka_unit_test(control_bytes_backslash_and_non_ascii_become_escapes),
		cmocka_unit_test(a_cut_never_splits_an_escape),
		cmocka_unit_test(decoding_gives_back_the_bytes),
		cmocka_unit_test(decoding_refuses_what_is_no_printable_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
