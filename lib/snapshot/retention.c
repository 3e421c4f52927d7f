#include "snapshot/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 9999-12-31T23:59:59Z, as the catalog's limit. */
#define MAX_UNIX 253402300799LL

static const struct {
	enum lb_retain_reason reason;
	const char *name;
	const char *option;
} buckets[] = {
	{LB_RETAIN_LAST, "last", "--keep-last"},
	{LB_RETAIN_HOURLY, "hourly", "--keep-hourly"},
	{LB_RETAIN_DAILY, "daily", "--keep-daily"},
	{LB_RETAIN_WEEKLY, "weekly", "--keep-weekly"},
	{LB_RETAIN_MONTHLY, "monthly", "--keep-monthly"},
	{LB_RETAIN_YEARLY, "yearly", "--keep-yearly"},
};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static void counts_of(const struct lb_retain_policy *p, int counts[N_BUCKETS])
{
	counts[0] = p->last;
	counts[1] = p->hourly;
	counts[2] = p->daily;
	counts[3] = p->weekly;
	counts[4] = p->monthly;
	counts[5] = p->yearly;
}

int lb_retain_policy_check(const struct lb_retain_policy *p, struct lb_err *err)
{
	int counts[N_BUCKETS];
	counts_of(p, counts);
	for (size_t i = 0; i < N_BUCKETS; i++)
		if (counts[i] < LB_RETAIN_ALL || counts[i] > LB_RETAIN_MAX_COUNT)
			return lb_fail(err, LB_EUSAGE, "%s %d: expected 0..%d, or -1 for all",
				       buckets[i].option, counts[i], LB_RETAIN_MAX_COUNT);
	return LB_OK;
}

bool lb_retain_policy_empty(const struct lb_retain_policy *p)
{
	int counts[N_BUCKETS];
	counts_of(p, counts);
	for (size_t i = 0; i < N_BUCKETS; i++)
		if (counts[i])
			return false;
	return true;
}

const char *lb_retain_reason_name(enum lb_retain_reason r)
{
	for (size_t i = 0; i < N_BUCKETS; i++)
		if (buckets[i].reason == r)
			return buckets[i].name;
	return r == LB_RETAIN_EMPTY_POLICY ? "empty policy" : r == LB_RETAIN_OLDEST ? "oldest" : "?";
}

char *lb_retain_reasons_format(unsigned reasons, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned bit = 1; bit <= LB_RETAIN_OLDEST; bit <<= 1) {
		if (!(reasons & bit) || len >= cap)
			continue;
		int n = snprintf(buf + len, cap - len, "%s%s", len ? "," : "",
				 lb_retain_reason_name((enum lb_retain_reason)bit));
		len = n < 0 ? cap : len + (size_t)n;
	}
	return buf;
}

/* ISO 8601 weeks in a year: 53 when it starts on a Thursday, or on a
 * Wednesday in a leap year; p(y) is the weekday of Dec 31 (0 = Sunday). */
static int iso_weeks_in(int64_t y)
{
	int64_t p = (y + y / 4 - y / 100 + y / 400) % 7;
	int64_t q = ((y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) % 7;
	return p == 4 || q == 3 ? 53 : 52;
}

void lb_retain_periods_of(int64_t t, struct lb_retain_periods *out)
{
	memset(out, 0, sizeof(*out));
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return;
	int64_t year = (int64_t)tm.tm_year + 1900, month = tm.tm_mon + 1;
	out->year = year;
	out->month = year * 100 + month;
	out->day = out->month * 100 + tm.tm_mday;
	out->hour = out->day * 100 + tm.tm_hour;
	int iso_wday = tm.tm_wday ? tm.tm_wday : 7; /* Monday 1 .. Sunday 7 */
	int64_t week_year = year, week = (tm.tm_yday + 1 - iso_wday + 10) / 7;
	if (week < 1) {
		week_year = year - 1;
		week = iso_weeks_in(week_year);
	} else if (week > iso_weeks_in(year)) {
		week_year = year + 1;
		week = 1;
	}
	out->week = week_year * 100 + week;
}

struct ordered {
	const struct lb_retain_item *item;
	size_t index;
};

/* Group, then newest first; equal times keep their input order, as restic's
 * stable sort does. */
static int ordered_cmp(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	int c = strcmp(x->item->group ? x->item->group : "", y->item->group ? y->item->group : "");
	if (c)
		return c;
	if (x->item->created_unix != y->item->created_unix)
		return x->item->created_unix > y->item->created_unix ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool same_group(const struct lb_retain_item *a, const struct lb_retain_item *b)
{
	return !strcmp(a->group ? a->group : "", b->group ? b->group : "");
}

/* One group, newest first: restic's bucket walk. */
static void apply_group(const struct lb_retain_policy *p, struct ordered *list, size_t n,
			struct lb_retain_item *items)
{
	int counts[N_BUCKETS];
	int64_t last_kept[N_BUCKETS];
	counts_of(p, counts);
	for (size_t b = 0; b < N_BUCKETS; b++)
		last_kept[b] = -1; /* no period key is negative */
	for (size_t nr = 0; nr < n; nr++) {
		struct lb_retain_item *it = &items[list[nr].index];
		struct lb_retain_periods per;
		lb_retain_periods_of(it->created_unix, &per);
		const int64_t keys[N_BUCKETS] = {(int64_t)nr, per.hour,  per.day,
						 per.week,    per.month, per.year};
		for (size_t b = 0; b < N_BUCKETS; b++) {
			if (counts[b] == 0)
				continue;
			/* A new period, or the oldest snapshot while counts are left
			 * (restic 0.17: the history kept is as long as it can be). */
			if (keys[b] != last_kept[b] || nr == n - 1) {
				it->keep = true;
				it->reasons |= buckets[b].reason;
				if (keys[b] == last_kept[b])
					it->reasons |= LB_RETAIN_OLDEST;
				last_kept[b] = keys[b];
				if (counts[b] > 0)
					counts[b]--;
			}
		}
	}
}

int lb_retain_apply(const struct lb_retain_policy *p, struct lb_retain_item *items, size_t n,
		    struct lb_err *err)
{
	int rc = lb_retain_policy_check(p, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (items[i].created_unix < 0 || items[i].created_unix > MAX_UNIX)
			return lb_fail(err, LB_EUSAGE, "%s: creation time %lld is out of range",
				       items[i].name ? items[i].name : "snapshot",
				       (long long)items[i].created_unix);
		items[i].keep = false;
		items[i].reasons = 0;
	}
	if (lb_retain_policy_empty(p)) {
		for (size_t i = 0; i < n; i++) {
			items[i].keep = true;
			items[i].reasons = LB_RETAIN_EMPTY_POLICY;
		}
		return LB_OK;
	}
	if (!n)
		return LB_OK;
	struct ordered *list = malloc(n * sizeof(*list));
	if (!list)
		return lb_fail(err, LB_EFAIL, "retention: out of memory");
	for (size_t i = 0; i < n; i++)
		list[i] = (struct ordered){.item = &items[i], .index = i};
	qsort(list, n, sizeof(*list), ordered_cmp);
	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n && same_group(list[start].item, list[end].item); end++)
			;
		apply_group(p, list + start, end - start, items);
	}
	free(list);
	return LB_OK;
}
