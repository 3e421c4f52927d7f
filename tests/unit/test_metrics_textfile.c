/* lib/metrics/textfile: the exposition text, byte for byte as the format
 * (Prometheus text format 0.0.4) spells it, written out by hand here; and
 * reading a carried-over value back. The real parser's view is
 * tests/host/t1975-metrics.sh (python3-prometheus-client). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "metrics/textfile.h"

static void test_families_help_once_and_escaping(void **state)
{
	(void)state;
	struct lb_metrics m = {0};
	lb_metrics_add(&m, "a_seconds", "gauge", "Back\\slash and\nnewline.", NULL, NULL, 1.5);
	lb_metrics_add(&m, "b_total", "counter", "Per container.", "container", "we\"b\\x\ny", 3);
	lb_metrics_add(&m, "b_total", "counter", "Per container.", "container", "db", 0);
	const char *want = "# HELP a_seconds Back\\\\slash and\\nnewline.\n"
			   "# TYPE a_seconds gauge\n"
			   "a_seconds 1.5\n"
			   "# HELP b_total Per container.\n"
			   "# TYPE b_total counter\n"
			   "b_total{container=\"we\\\"b\\\\x\\ny\"} 3\n"
			   "b_total{container=\"db\"} 0\n";
	assert_string_equal(lb_metrics_text(&m), want);
	lb_metrics_free(&m);
}

static void test_unix_time_keeps_its_digits(void **state)
{
	(void)state;
	struct lb_metrics m = {0};
	lb_metrics_add(&m, "t", "gauge", "h", NULL, NULL, 1796018604.25);
	assert_non_null(strstr(lb_metrics_text(&m), "\nt 1796018604.25\n"));
	lb_metrics_free(&m);
}

static void test_read_value(void **state)
{
	(void)state;
	const char *text = "# HELP x_last h\n# TYPE x_last gauge\nx_last_other 5\nx_last 1796018604\n"
			   "y{container=\"a\"} 2\nbad notanumber\n";
	double v = 0;
	assert_true(lb_metrics_read_value(text, "x_last", &v));
	assert_true(v == 1796018604.0);
	assert_false(lb_metrics_read_value(text, "x", &v));   /* a prefix is not a name */
	assert_false(lb_metrics_read_value(text, "y", &v));   /* labelled: not ours */
	assert_false(lb_metrics_read_value(text, "bad", &v)); /* not a number */
	assert_false(lb_metrics_read_value("", "x_last", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families_help_once_and_escaping),
		cmocka_unit_test(test_unix_time_keeps_its_digits),
		cmocka_unit_test(test_read_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
