/* lib/doctor/fix: what `recover doctor --fix` does with a report, the pure
 * decision: report only, nothing to do, a dry run (never refused), refused
 * under a dockerd on the data root, or repaired. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "doctor/fix.h"

/* Findings with these numbers of actions (a note carries none). */
static struct lb_doctor_report report_of(struct lb_doctor_finding *f, size_t n,
					 const size_t *actions)
{
	memset(f, 0, n * sizeof(*f));
	struct lb_doctor_report r = {.findings = f, .n_findings = n};
	for (size_t i = 0; i < n; i++) {
		f[i].n_actions = actions[i];
		f[i].note = actions[i] == 0;
		r.n_problems += !f[i].note;
	}
	return r;
}

static void actions_are_counted_over_every_finding(void **state)
{
	(void)state;
	struct lb_doctor_finding f[3];
	const size_t actions[] = {2, 0, 3};
	struct lb_doctor_report r = report_of(f, 3, actions);
	assert_int_equal(lb_doctor_count_actions(&r), 5);
	struct lb_doctor_report empty = {0};
	assert_int_equal(lb_doctor_count_actions(&empty), 0);
}

static void without_fix_it_only_reports(void **state)
{
	(void)state;
	struct lb_doctor_finding f[1];
	const size_t actions[] = {1};
	struct lb_doctor_report r = report_of(f, 1, actions);
	assert_int_equal(lb_doctor_next_step(&r, false, false, 0), LB_DOCTOR_REPORT_ONLY);
	assert_int_equal(lb_doctor_next_step(&r, false, true, 42), LB_DOCTOR_REPORT_ONLY);
}

static void report_only_findings_leave_nothing_to_do(void **state)
{
	(void)state;
	struct lb_doctor_finding f[2];
	const size_t actions[] = {0, 0};
	struct lb_doctor_report r = report_of(f, 2, actions);
	/* Not even a running dockerd matters: nothing would be written. */
	assert_int_equal(lb_doctor_next_step(&r, true, false, 42), LB_DOCTOR_NOTHING_TO_DO);
	struct lb_doctor_report clean = {0};
	assert_int_equal(lb_doctor_next_step(&clean, true, false, 0), LB_DOCTOR_NOTHING_TO_DO);
}

static void a_running_dockerd_refuses_the_fix_not_the_dry_run(void **state)
{
	(void)state;
	struct lb_doctor_finding f[2];
	const size_t actions[] = {0, 1};
	struct lb_doctor_report r = report_of(f, 2, actions);
	assert_int_equal(lb_doctor_next_step(&r, true, false, 42), LB_DOCTOR_REFUSED);
	assert_int_equal(lb_doctor_next_step(&r, true, true, 42), LB_DOCTOR_DRY_RUN);
	assert_int_equal(lb_doctor_next_step(&r, true, true, 0), LB_DOCTOR_DRY_RUN);
	assert_int_equal(lb_doctor_next_step(&r, true, false, 0), LB_DOCTOR_REPAIRED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(actions_are_counted_over_every_finding),
		cmocka_unit_test(without_fix_it_only_reports),
		cmocka_unit_test(report_only_findings_leave_nothing_to_do),
		cmocka_unit_test(a_running_dockerd_refuses_the_fix_not_the_dry_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
