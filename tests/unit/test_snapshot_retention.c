/* Retention with restic's forget rules, on synthetic UTC timestamps. The
 * expected periods come from GNU date (`date -u -d @T +%Y%m%d%H` and
 * `+%G%V`, ISO year and week), not from our code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot/retention.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR 3600
#define DAY (24 * HOUR)

/* Printed by GNU date for each t (see the file's comment). */
static const struct {
	int64_t t;
	const char *ymdh;
	const char *iso_week;
} dated[] = {
	{1567335600, "2019090111", "201935"},   /* 2019-09-01 11:00:00 */
	{1573988400, "2019111711", "201946"},   /* 2019-11-17 11:00:00 */
	{1735516799, "2024122923", "202452"},   /* Sunday 2024-12-29 23:59:59 */
	{1735516800, "2024123000", "202501"},   /* Monday 2024-12-30: week 1 of 2025 */
	{1735646400, "2024123112", "202501"},   /* 2024-12-31 12:00:00 */
	{1735776000, "2025010200", "202501"},   /* 2025-01-02 00:00:00 */
	{1609459200, "2021010100", "202053"},   /* 2021-01-01: week 53 of 2020 */
	{1609718399, "2021010323", "202053"},   /* 2021-01-03 23:59:59 */
	{1609718400, "2021010400", "202101"},   /* 2021-01-04 00:00:00 */
	{1609372800, "2020123100", "202053"},   /* 2020-12-31 00:00:00 */
	{1796018604, "2026113006", "202649"},   /* 2026-11-30 06:03:24 */
	{951831000, "2000022913", "200009"},    /* leap day 2000-02-29 13:30 */
	{0, "1970010100", "197001"},            /* the epoch, a Thursday */
	{1451556000, "2015123110", "201553"},   /* 2015-12-31 10:00:00 */
	{1451815200, "2016010310", "201553"},   /* 2016-01-03: still 2015-W53 */
	{253402300799, "9999123123", "999952"}, /* the last second accepted */
};

static void periods_match_gnu_date(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(dated); i++) {
		struct lb_retain_periods p;
		char ymdh[32], week[32];
		lb_retain_periods_of(dated[i].t, &p);
		snprintf(ymdh, sizeof(ymdh), "%lld", (long long)p.hour);
		snprintf(week, sizeof(week), "%lld", (long long)p.week);
		assert_string_equal(ymdh, dated[i].ymdh);
		assert_string_equal(week, dated[i].iso_week);
		assert_int_equal(p.day, p.hour / 100);
		assert_int_equal(p.month, p.day / 100);
		assert_int_equal(p.year, p.month / 100);
	}
}

/* Runs the policy and returns the kept names, newest first in input order of
 * items, as "a,b,c"; reasons of each in `why` as "a=daily;b=last,daily". */
static void run(const struct lb_retain_policy *p, struct lb_retain_item *items, size_t n,
		char *kept, size_t cap)
{
	struct lb_err err = {0};
	assert_int_equal(lb_retain_apply(p, items, n, &err), 0);
	kept[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!items[i].keep) {
			assert_int_equal(items[i].reasons, 0);
			continue;
		}
		char why[64];
		lb_retain_reasons_format(items[i].reasons, why, sizeof(why));
		size_t len = strlen(kept);
		snprintf(kept + len, cap - len, "%s%s=%s", len ? ";" : "", items[i].name, why);
	}
}

/* restic's doc ("Removing snapshots according to a policy"): one backup every
 * Sunday at 11:00 for 12 weeks, 2019-09-01 .. 2019-11-17, then
 * `forget --keep-daily 4`. Walking newest first, each Sunday is a new day:
 * 11-17, 11-10, 11-03, 10-27 each take one of the 4 counts; the count is
 * spent at 10-27, so 10-20 and older go, and the oldest-snapshot rule does
 * not apply (no count left). restic's doc lists the same 4 kept, 8 removed. */
static void restic_doc_example_twelve_sundays_keep_daily_4(void **state)
{
	(void)state;
	static const char *names[12] = {"0a1f9759", "46cfe4d5", "f6b1f037", "eb430a5d",
					"8cf1cb9a", "5d33b116", "b9553125", "e1a7b58b",
					"8f8018c0", "59403279", "dfee9fb4", "e1ae2f40"};
	struct lb_retain_item items[12];
	for (size_t i = 0; i < 12; i++)
		items[i] = (struct lb_retain_item){.name = names[i],
						   .created_unix = 1567335600 + (int64_t)i * 7 * DAY};
	struct lb_retain_policy p = {.daily = 4};
	char kept[512];
	run(&p, items, 12, kept, sizeof(kept));
	assert_string_equal(kept, "8f8018c0=daily;59403279=daily;dfee9fb4=daily;e1ae2f40=daily");
}

/* Hourly 3 on one day with snapshots at 10:05, 10:40, 12:10, 15:00, 15:30.
 * Newest first: 15:30 (hour 15, count 3->2), 15:00 (hour 15 again: not
 * kept), 12:10 (hour 12, 2->1), 10:40 (hour 10, 1->0), 10:05 (no count).
 * Hours 11, 13 and 14 have no snapshot and use no count. */
static void gaps_use_no_count(void **state)
{
	(void)state;
	const int64_t day = 1796018604 - 6 * HOUR - 3 * 60 - 24; /* 2026-11-30 00:00 */
	struct lb_retain_item items[] = {
		{.name = "a", .created_unix = day + 10 * HOUR + 5 * 60},
		{.name = "b", .created_unix = day + 10 * HOUR + 40 * 60},
		{.name = "c", .created_unix = day + 12 * HOUR + 10 * 60},
		{.name = "d", .created_unix = day + 15 * HOUR},
		{.name = "e", .created_unix = day + 15 * HOUR + 30 * 60},
	};
	struct lb_retain_policy p = {.hourly = 3};
	char kept[256];
	run(&p, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "b=hourly;c=hourly;e=hourly");
}

/* Daily 5 with three snapshots on two days: the newest of each day is kept
 * (5->4->3) and the oldest, same day as one kept, is kept too because the
 * bucket still has count when the walk ends (restic 0.17). */
static void oldest_is_kept_while_counts_remain(void **state)
{
	(void)state;
	struct lb_retain_item items[] = {
		{.name = "d1-0800", .created_unix = 1735516800 + 8 * HOUR},
		{.name = "d1-0900", .created_unix = 1735516800 + 9 * HOUR},
		{.name = "d2-1000", .created_unix = 1735516800 + DAY + 10 * HOUR},
	};
	struct lb_retain_policy p = {.daily = 5};
	char kept[256];
	run(&p, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "d1-0800=daily,oldest;d1-0900=daily;d2-1000=daily");
}

/* The rules are OR'ed, each with its own count; the reasons name every rule
 * that kept a snapshot. Four days, two snapshots a day at 06:00 and 18:00;
 * last 3, daily 2, weekly 1 (all in one ISO week, 2024-12-30 .. 2025-01-02):
 *   d4-18 last,daily,weekly; d4-06 last; d3-18 last,daily; d3-06 -;
 *   d2-18 -; d2-06 -; d1-18 -; d1-06 -. (daily's 2 and weekly's 1 are spent
 * before the oldest, so no "oldest".) */
static void rules_are_ored_with_reasons(void **state)
{
	(void)state;
	struct lb_retain_item items[8];
	static const char *names[8] = {"d1-06", "d1-18", "d2-06", "d2-18",
				       "d3-06", "d3-18", "d4-06", "d4-18"};
	for (size_t i = 0; i < 8; i++)
		items[i] = (struct lb_retain_item){
			.name = names[i],
			.created_unix = 1735516800 + (int64_t)(i / 2) * DAY + (i % 2 ? 18 : 6) * HOUR};
	struct lb_retain_policy p = {.last = 3, .daily = 2, .weekly = 1};
	char kept[256];
	run(&p, items, 8, kept, sizeof(kept));
	assert_string_equal(kept, "d3-18=last,daily;d4-06=last;d4-18=last,daily,weekly");
}

/* ISO weeks cross the year: Sunday 2024-12-29 is 2024-W52; Tuesday 12-31
 * and Thursday 2025-01-02 are both 2025-W01. Weekly 2 keeps 01-02 (W01) and
 * 12-29 (W52), not 12-31 (W01 again); yearly 2 keeps 01-02 (2025) and 12-31
 * (2024), and then the oldest (12-29) has no count left. */
static void iso_weeks_cross_the_year(void **state)
{
	(void)state;
	struct lb_retain_item items[] = {
		{.name = "dec29", .created_unix = 1735516799},
		{.name = "dec31", .created_unix = 1735646400},
		{.name = "jan02", .created_unix = 1735776000},
	};
	struct lb_retain_policy weekly = {.weekly = 2}, yearly = {.yearly = 2};
	char kept[256];
	run(&weekly, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "dec29=weekly;jan02=weekly");
	run(&yearly, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "dec31=yearly;jan02=yearly");
}

/* Input order does not matter, except between equal times: then the one
 * given first counts as newer (restic's stable sort). */
static void unsorted_input_and_ties(void **state)
{
	(void)state;
	struct lb_retain_item items[] = {
		{.name = "mid", .created_unix = 2000},
		{.name = "tie-first", .created_unix = 3000},
		{.name = "old", .created_unix = 1000},
		{.name = "tie-second", .created_unix = 3000},
	};
	struct lb_retain_policy p = {.last = 1};
	char kept[256];
	run(&p, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "tie-first=last");
	/* last 2: the tie's second is the second newest. */
	p.last = 2;
	run(&p, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "tie-first=last;tie-second=last");
	/* Hourly 1: both ties are in one hour; the first given is kept. */
	struct lb_retain_policy h = {.hourly = 1};
	run(&h, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "tie-first=hourly");
}

/* A count of 0 turns a rule off; every rule off keeps everything; -1 keeps
 * one per period without limit. */
static void zero_empty_and_unlimited(void **state)
{
	(void)state;
	struct lb_retain_item items[] = {
		{.name = "a", .created_unix = 1735516800},
		{.name = "b", .created_unix = 1735516800 + HOUR},
		{.name = "c", .created_unix = 1735516800 + DAY},
		{.name = "d", .created_unix = 1735516800 + 2 * DAY},
	};
	char kept[256];
	struct lb_retain_policy off_but_one = {.last = 0, .hourly = 0, .daily = 1};
	run(&off_but_one, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "d=daily");
	struct lb_retain_policy empty = {0};
	assert_true(lb_retain_policy_empty(&empty));
	run(&empty, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "a=empty policy;b=empty policy;c=empty policy;d=empty policy");
	struct lb_retain_policy all_daily = {.daily = LB_RETAIN_ALL};
	run(&all_daily, items, N(items), kept, sizeof(kept));
	/* a is day 1's older one: kept as the oldest, as restic does with
	 * "unlimited" (a count that never runs out). */
	assert_string_equal(kept, "a=daily,oldest;b=daily;c=daily;d=daily");
	struct lb_retain_item none[1];
	struct lb_retain_policy last = {.last = 3};
	assert_int_equal(lb_retain_apply(&last, none, 0, NULL), 0);
}

/* Each group is judged alone: keep-last 1 keeps the newest of each. */
static void groups_are_judged_alone(void **state)
{
	(void)state;
	struct lb_retain_item items[] = {
		{.name = "web1", .group = "web", .created_unix = 100},
		{.name = "db1", .group = "db", .created_unix = 150},
		{.name = "web2", .group = "web", .created_unix = 200},
		{.name = "db2", .group = "db", .created_unix = 50},
	};
	struct lb_retain_policy p = {.last = 1};
	char kept[256];
	run(&p, items, N(items), kept, sizeof(kept));
	assert_string_equal(kept, "db1=last;web2=last");
}

static void bad_policy_and_times_are_refused(void **state)
{
	(void)state;
	struct lb_err err = {0};
	struct lb_retain_policy p = {.daily = -2};
	struct lb_retain_item it = {.name = "x", .created_unix = 5};
	assert_int_equal(lb_retain_apply(&p, &it, 1, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "--keep-daily -2"));
	p = (struct lb_retain_policy){.weekly = LB_RETAIN_MAX_COUNT + 1};
	assert_int_equal(lb_retain_policy_check(&p, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "--keep-weekly"));
	p = (struct lb_retain_policy){.last = 1};
	it.created_unix = -1;
	assert_int_equal(lb_retain_apply(&p, &it, 1, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "x: creation time -1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(periods_match_gnu_date),
		cmocka_unit_test(restic_doc_example_twelve_sundays_keep_daily_4),
		cmocka_unit_test(gaps_use_no_count),
		cmocka_unit_test(oldest_is_kept_while_counts_remain),
		cmocka_unit_test(rules_are_ored_with_reasons),
		cmocka_unit_test(iso_weeks_cross_the_year),
		cmocka_unit_test(unsorted_input_and_ties),
		cmocka_unit_test(zero_empty_and_unlimited),
		cmocka_unit_test(groups_are_judged_alone),
		cmocka_unit_test(bad_policy_and_times_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
